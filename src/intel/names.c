/*
 * names.c - the byte-string set of the intel stage (see names.h).
 *
 * Slot: 32 bits of the hash (compared before the key), the key's arena
 * offset (0 = empty slot, so the arena starts with one unused byte) and the
 * value: 12 bytes, so a million keys take 24 MiB of slots at most (the
 * table doubles at 70% load) plus their bytes.
 * THREAT: keys come from feed files and, at lookup, from traffic (DNS
 * names, SNI); probing is bounded by the load factor and the seed keeps
 * collisions from being aimed.
 */
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "intel/names.h"

struct slot {
	uint32_t hash;
	uint32_t key; /* arena offset of [len][bytes]; 0: empty */
	uint32_t value;
};

struct vg_names {
	struct slot *slots;
	size_t mask; /* slots - 1 */
	size_t n;
	uint8_t *arena;
	size_t arena_len, arena_cap;
	uint64_t seed;
	uint64_t labels; /* bit k: some key has k dot-separated labels (63: 63 or more) */
};

static unsigned label_count(const char *k, size_t len)
{
	unsigned n = 1;

	for (size_t i = 0; i < len; i++)
		n += k[i] == '.';
	return n > 63 ? 63 : n;
}

static uint32_t hash_bytes(const void *key, size_t len, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t h = seed ^ 0xa0761d6478bd642fULL ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t a;
		memcpy(&a, p + i, 8);
		h = vg_hash_mix(a ^ 0xe7037ed1a0b428dbULL, h ^ 0x8ebc6af09c88c6e3ULL);
	}
	if (i < len) {
		uint64_t a = 0;
		memcpy(&a, p + i, len - i);
		h = vg_hash_mix(a ^ 0x589965cc75374cc3ULL, h ^ 0x1d8e4e27c47d124fULL);
	}
	h = vg_hash_mix(h, 0x1d8e4e27c47d124fULL ^ seed);
	return (uint32_t)(h ^ (h >> 32));
}

/* Slot arrays of 2 MiB and more are huge-page tables (common/mem.h): a
 * million random inserts otherwise miss the TLB on nearly every one. */
#define BIG (2u << 20)

static struct slot *slots_alloc(size_t cap)
{
	return cap * sizeof(struct slot) >= BIG ? vg_table_alloc(cap * sizeof(struct slot))
						: calloc(cap, sizeof(struct slot));
}

static void slots_free(struct slot *s, size_t cap)
{
	if (cap * sizeof *s >= BIG)
		vg_table_free(s, cap * sizeof *s);
	else
		free(s);
}

int vg_names_new(struct vg_names **out, uint64_t seed)
{
	struct vg_names *n = calloc(1, sizeof *n);

	*out = NULL;
	if (!n)
		return VG_ENOMEM;
	n->mask = 63;
	n->slots = slots_alloc(n->mask + 1);
	n->arena_cap = 4096;
	n->arena = malloc(n->arena_cap);
	if (!n->slots || !n->arena) {
		vg_names_free(n);
		return VG_ENOMEM;
	}
	n->arena_len = 1; /* offset 0 marks an empty slot */
	n->seed = seed;
	*out = n;
	return VG_OK;
}

void vg_names_free(struct vg_names *n)
{
	if (!n)
		return;
	if (n->slots)
		slots_free(n->slots, n->mask + 1);
	free(n->arena);
	free(n);
}

static bool key_eq(const struct vg_names *n, uint32_t off, const void *key, size_t len)
{
	const uint8_t *k = n->arena + off;

	return k[0] == len && memcmp(k + 1, key, len) == 0;
}

static int resize(struct vg_names *n, size_t cap)
{
	struct slot *s = slots_alloc(cap);

	if (!s)
		return VG_ENOMEM;
	for (size_t i = 0; i <= n->mask; i++) {
		const struct slot *o = &n->slots[i];
		size_t j;
		if (!o->key)
			continue;
		for (j = o->hash & (cap - 1); s[j].key; j = (j + 1) & (cap - 1))
			;
		s[j] = *o;
	}
	slots_free(n->slots, n->mask + 1);
	n->slots = s;
	n->mask = cap - 1;
	return VG_OK;
}

int vg_names_put(struct vg_names *n, const void *key, size_t len, uint32_t value, uint32_t *old)
{
	uint32_t h;
	size_t i;

	if (len > VG_NAME_MAX)
		return VG_EINVAL;
	if ((n->n + 1) * 10 > (n->mask + 1) * 7 && resize(n, (n->mask + 1) * 2) < 0)
		return VG_ENOMEM;
	h = hash_bytes(key, len, n->seed);
	for (i = h & n->mask; n->slots[i].key; i = (i + 1) & n->mask) {
		if (n->slots[i].hash == h && key_eq(n, n->slots[i].key, key, len)) {
			if (old)
				*old = n->slots[i].value;
			return 0;
		}
	}
	if (n->arena_len + len + 1 > n->arena_cap) {
		size_t cap = n->arena_cap * 2;
		uint8_t *a;
		while (cap < n->arena_len + len + 1)
			cap *= 2;
		/* Offsets are 32 bits. */
		if (cap > (size_t)UINT32_MAX + 1 || !(a = realloc(n->arena, cap)))
			return VG_ENOMEM;
		n->arena = a;
		n->arena_cap = cap;
	}
	n->slots[i].hash = h;
	n->slots[i].key = (uint32_t)n->arena_len;
	n->slots[i].value = value;
	n->arena[n->arena_len] = (uint8_t)len;
	memcpy(n->arena + n->arena_len + 1, key, len);
	n->arena_len += len + 1;
	n->n++;
	n->labels |= 1ull << label_count(key, len);
	return 1;
}

int vg_names_reserve(struct vg_names *n, size_t count)
{
	size_t cap = n->mask + 1;

	while (count * 10 > cap * 7)
		cap *= 2;
	return cap > n->mask + 1 ? resize(n, cap) : VG_OK;
}

bool vg_names_get(const struct vg_names *n, const void *key, size_t len, uint32_t *value)
{
	uint32_t h;

	if (len > VG_NAME_MAX || !n->n)
		return false;
	h = hash_bytes(key, len, n->seed);
	for (size_t i = h & n->mask; n->slots[i].key; i = (i + 1) & n->mask) {
		if (n->slots[i].hash == h && key_eq(n, n->slots[i].key, key, len)) {
			if (value)
				*value = n->slots[i].value;
			return true;
		}
	}
	return false;
}

size_t vg_names_count(const struct vg_names *n)
{
	return n->n;
}

size_t vg_names_bytes(const struct vg_names *n)
{
	return (n->mask + 1) * sizeof *n->slots + n->arena_cap;
}

int vg_names_domain_key(const char *name, size_t len, char *out)
{
	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > VG_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	out[len] = '\0';
	return (int)len;
}

bool vg_names_match_domain(const struct vg_names *n, const char *name, size_t len, uint32_t *value,
			   size_t *matched_len)
{
	char key[VG_NAME_MAX + 1];
	int klen = vg_names_domain_key(name, len, key);
	size_t off = 0;

	if (klen < 0 || !n->n)
		return false;
	/* Longest first: the name itself, then each parent; a suffix with a
	 * number of labels no key has is not looked up (a 5-label name against
	 * a feed of 2- and 3-label domains costs 2 probes, not 5). */
	for (unsigned labels = label_count(key, (size_t)klen);; labels--) {
		if ((n->labels >> (labels > 63 ? 63 : labels) & 1) &&
		    vg_names_get(n, key + off, (size_t)klen - off, value)) {
			if (matched_len)
				*matched_len = (size_t)klen - off;
			return true;
		}
		const char *dot = memchr(key + off, '.', (size_t)klen - off);
		if (!dot)
			return false;
		off = (size_t)(dot - key) + 1;
		if (off >= (size_t)klen)
			return false;
	}
}
