/*
 * ranges.h - address prefixes (IPv4 and IPv6) mapped to 32-bit values,
 * flattened into sorted, non-overlapping segments for binary search.
 *
 * Prefixes are added in any order, then vg_ranges_build() sorts them and
 * cuts nested ones apart, so every segment carries the most specific prefix
 * that covers it: with 10.0.0.0/8 -> A and 10.1.0.0/16 -> B, 10.1.2.3 finds
 * B and 10.2.0.0 finds A. Prefixes are either nested or disjoint, never
 * partly overlapping, which is what makes one stack sweep enough. Of two
 * identical prefixes the one added first is kept.
 *
 * A lookup is a binary search: about 20 steps for a million segments, no
 * allocation, safe from several threads once built.
 */
#ifndef VG_INTEL_RANGES_H
#define VG_INTEL_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_ranges;

int vg_ranges_new(struct vg_ranges **out);
void vg_ranges_free(struct vg_ranges *r);
/* family 4 (addr: 4 bytes, bits <= 32) or 6 (16 bytes, bits <= 128);
 * bits past the prefix are ignored. VG_EINVAL for a bad family or length. */
int vg_ranges_add(struct vg_ranges *r, int family, const uint8_t *addr, unsigned bits,
		  uint32_t value);
/* Sorts and flattens everything added so far (again after more adds). */
int vg_ranges_build(struct vg_ranges *r);
/* Valid after vg_ranges_build(); prefixes added later are not seen. */
bool vg_ranges_find(const struct vg_ranges *r, int family, const uint8_t *addr, uint32_t *value);
/* Starts loading what vg_ranges_find of this address will read, in two
 * steps a few flows apart: first (segments false) the IPv4 /16's index
 * entry and filter word, then (true, once those are in) the segments of
 * that /16. No effect on the table; IPv6 only loads its filter word. */
void vg_ranges_prefetch(const struct vg_ranges *r, int family, const uint8_t *addr, bool segments);
/* Segments after the last build, per family; prefixes added. */
size_t vg_ranges_segments(const struct vg_ranges *r, int family);
size_t vg_ranges_prefixes(const struct vg_ranges *r);
size_t vg_ranges_bytes(const struct vg_ranges *r);

#endif
