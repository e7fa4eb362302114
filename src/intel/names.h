/*
 * names.h - a set of byte strings (up to 255 bytes) mapped to 32-bit
 * values: the intel stage's domain names, JA3 fingerprints, exact address
 * keys (for deduplication) and interned family names.
 *
 * Open addressing with linear probing over a power-of-two slot array, grown
 * at 70% load; keys live in one arena (length byte + bytes). The hash is
 * seeded (common/hash.h's mixer) because feed files, and the names looked
 * up in traffic, are chosen by others.
 *
 * vg_names_match_domain() gives parent-domain matching: a.b.evil.com finds
 * evil.com; the longest listed suffix wins; ASCII case and one trailing dot
 * are ignored (names are stored lower-case, without the dot).
 */
#ifndef VG_INTEL_NAMES_H
#define VG_INTEL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_NAME_MAX 255 /* longest key */

struct vg_names;

int vg_names_new(struct vg_names **out, uint64_t seed);
void vg_names_free(struct vg_names *n);
/* Inserts key -> value. Returns 1 if inserted, 0 if the key was already
 * there (*old, if not NULL, gets its value; the set is unchanged), or
 * VG_EINVAL (key longer than VG_NAME_MAX) / VG_ENOMEM. */
int vg_names_put(struct vg_names *n, const void *key, size_t len, uint32_t value, uint32_t *old);
/* Sizes the table for count keys in all (no rehash while it fills). */
int vg_names_reserve(struct vg_names *n, size_t count);
/* Exact lookup. */
bool vg_names_get(const struct vg_names *n, const void *key, size_t len, uint32_t *value);
size_t vg_names_count(const struct vg_names *n);
/* Bytes held (slots and key arena). */
size_t vg_names_bytes(const struct vg_names *n);

/* Normalises a domain name for the set: ASCII lower-case, one trailing dot
 * removed. Returns the length written to out (at least VG_NAME_MAX + 1
 * bytes), or -1 if the name is empty or too long. */
int vg_names_domain_key(const char *name, size_t len, char *out);
/* Looks name up, then each parent domain (dropping one label at a time);
 * the longest listed match wins. *matched_len, if not NULL, is the length
 * of the suffix that matched. */
bool vg_names_match_domain(const struct vg_names *n, const char *name, size_t len, uint32_t *value,
			   size_t *matched_len);

#endif
