/*
 * table.c - the detectors' bounded table (see table.h).
 */
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "detect/table.h"

#define NS_PER_S    1000000000ull
#define FILTER_BITS 8 /* per record: a false positive for about 1 in 8 absent keys */

/* Bytes of slots and filter, rounded up to a cache line (records follow). */
static size_t index_bytes(uint32_t cap)
{
	size_t n = (size_t)cap * sizeof(struct vg_dtable_slot) + (size_t)cap * FILTER_BITS / 8;

	return (n + 63) & ~(size_t)63;
}

static size_t alloc_size(const struct vg_dtable *t)
{
	return index_bytes(t->cap) + (size_t)t->cap * t->rec_size;
}

int vg_dtable_init(struct vg_dtable *t, uint32_t min_records, size_t rec_size, size_t key_size,
		   uint64_t seed, vg_dtable_evict_fn evict, void *owner)
{
	uint32_t cap = VG_DTABLE_LINE;

	memset(t, 0, sizeof *t);
	while (cap < min_records && cap < (1u << 30))
		cap *= 2;
	t->cap = cap;
	t->mask = cap - 1;
	t->rec_size = rec_size;
	t->key_size = key_size;
	t->seed = seed;
	t->evict = evict;
	t->owner = owner;
	t->filter_mask = cap * FILTER_BITS - 1;
	/* One mapping: slots, filter, then records. Tables are mapped in
	 * 2 MiB pages, each zeroed in full at its first touch: three mappings
	 * cost three such pages for a few hundred KiB of slots and filter. */
	t->slot = vg_table_alloc(alloc_size(t));
	if (!t->slot) {
		vg_dtable_fini(t);
		return VG_ENOMEM;
	}
	t->filter = (uint64_t *)((uint8_t *)t->slot + (size_t)cap * sizeof *t->slot);
	t->rec = (uint8_t *)t->slot + index_bytes(cap);
	return 0;
}

void vg_dtable_fini(struct vg_dtable *t)
{
	if (t->slot)
		vg_table_free(t->slot, alloc_size(t));
	t->rec = NULL;
	t->slot = NULL;
	t->filter = NULL;
}

/* Not inlined: inlined where a caller's key object is in view, gcc warns
 * about the 32-byte copy that only longer keys take. */
static __attribute__((noinline)) uint64_t key_hash(const struct vg_dtable *t, const void *key)
{
	uint64_t k[4] = {0};

	/* Copies of a constant size for the detectors' keys (24 bytes, or 32
	 * and more: only the first 32 are hashed): moves, not a call. */
	if (t->key_size >= sizeof k)
		memcpy(k, key, sizeof k);
	else if (t->key_size == 24)
		memcpy(k, key, 24);
	else
		memcpy(k, key, t->key_size);
	return vg_hash_words(k, sizeof k, t->seed);
}

/* Keys of 24 bytes (all the detectors') compare as three words, without
 * a call to memcmp. */
static inline bool key_eq(const struct vg_dtable *t, const void *a, const void *b)
{
	uint64_t x[3], y[3];

	if (t->key_size != sizeof x)
		return !memcmp(a, b, t->key_size);
	memcpy(x, a, sizeof x);
	memcpy(y, b, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

static inline uint32_t filter_bit(const struct vg_dtable *t, uint64_t h)
{
	return vg_dtable_filter_bit(t, h);
}

/* Too many records made since the last rebuild: the filter is made again
 * from the live ones (their keys hashed again: rare, cap records). */
static void filter_rebuild(struct vg_dtable *t)
{
	memset(t->filter, 0, ((size_t)t->filter_mask + 1) / 8);
	t->filter_made = 0;
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->slot[i].tag) {
			uint32_t b = filter_bit(t, key_hash(t, vg_dtable_at(t, i)));
			t->filter[b >> 6] |= 1ull << (b & 63);
			t->filter_made++;
		}
}

uint64_t vg_dtable_hash(const struct vg_dtable *t, const void *key)
{
	return key_hash(t, key);
}

void *vg_dtable_find(struct vg_dtable *t, const void *key, bool create, uint64_t now_ns)
{
	return vg_dtable_find_h(t, key, key_hash(t, key), create, now_ns);
}

/* A find past the filter (vg_dtable_find_h checked it when !create). */
void *vg_dtable_find_slow(struct vg_dtable *t, const void *key, uint64_t h, bool create,
			  uint64_t now_ns)
{
	uint32_t tag = (uint32_t)(h >> 32) | 1,
		 base = (uint32_t)h & t->mask & ~(VG_DTABLE_LINE - 1u), fb = filter_bit(t, h);
	struct vg_dtable_slot *s = &t->slot[base];
	uint32_t pick, match = 0, empty = 0;
	void *rec;

	/* The line's tags compared in one pass, without a branch each;
	 * then only the slots whose tag matched (rarely more than one). */
	for (uint32_t i = 0; i < VG_DTABLE_LINE; i++)
		match |= (uint32_t)(s[i].tag == tag) << i;
	for (; match; match &= match - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(match);
		if (key_eq(t, vg_dtable_at(t, base + i), key))
			return vg_dtable_at(t, base + i);
	}
	if (!create)
		return NULL;
	/* The slot to take: the first empty one, else the least recently
	 * active (the first of those, on a tie): the minimum of
	 * last_s * 8 + i, taken without a branch. */
	for (uint32_t i = 0; i < VG_DTABLE_LINE; i++)
		empty |= (uint32_t)(s[i].tag == 0) << i;
	if (empty) {
		pick = (uint32_t)__builtin_ctz(empty);
	} else {
		uint64_t best = UINT64_MAX;
		for (uint32_t i = 0; i < VG_DTABLE_LINE; i++) {
			uint64_t k = (uint64_t)s[i].last_s * VG_DTABLE_LINE + i;
			best = k < best ? k : best;
		}
		pick = (uint32_t)(best % VG_DTABLE_LINE);
	}
	rec = vg_dtable_at(t, base + pick);
	if (s[pick].tag) {
		t->evicted++;
		/* Only a busy record is read before reuse: the common case
		 * writes the new one without waiting for the old. */
		if (s[pick].busy && t->evict)
			t->evict(t->owner, rec);
	}
	memset(rec, 0, t->rec_size);
	memcpy(rec, key, t->key_size);
	if (++t->filter_made > 2 * t->cap)
		filter_rebuild(t); /* before this record's bit: it has no tag yet */
	t->filter[fb >> 6] |= 1ull << (fb & 63);
	s[pick].tag = tag;
	s[pick].last_s = (uint32_t)(now_ns / NS_PER_S) & 0x7fffffff;
	s[pick].busy = 0;
	return rec;
}

void vg_dtable_prefetch(const struct vg_dtable *t, const void *key)
{
	vg_dtable_prefetch_h(t, key_hash(t, key));
}

void vg_dtable_prefetch_h(const struct vg_dtable *t, uint64_t h)
{
	uint32_t fb = filter_bit(t, h);

	VG_PREFETCH(&t->filter[fb >> 6]);
	VG_PREFETCH(&t->slot[(uint32_t)h & t->mask & ~(VG_DTABLE_LINE - 1u)]);
}

void vg_dtable_prefetch_rec(const struct vg_dtable *t, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32) | 1,
		 base = (uint32_t)h & t->mask & ~(VG_DTABLE_LINE - 1u), fb = filter_bit(t, h);
	const struct vg_dtable_slot *s = &t->slot[base];

	if (!(t->filter[fb >> 6] & (1ull << (fb & 63))))
		return;
	for (uint32_t i = 0; i < VG_DTABLE_LINE; i++)
		if (s[i].tag == tag) {
			/* The key and the counters: the first two lines. */
			const uint8_t *rec = vg_dtable_at(t, base + i);
			VG_PREFETCH(rec);
			VG_PREFETCH(rec + 64);
			return;
		}
}

void vg_dtable_touch(struct vg_dtable *t, const void *rec, uint64_t now_ns)
{
	uint32_t i = vg_dtable_index(t, rec);
	struct vg_open_list *l = t->open;

	t->slot[i].last_s = (uint32_t)(now_ns / NS_PER_S) & 0x7fffffff;
	/* Traffic of an open attack: the next walk looks at it (an update
	 * may be due now, vg_open_next). */
	if (l && l->pos && l->pos[i])
		vg_open_wake(l, l->pos[i] - 1);
}

void vg_dtable_set_busy(struct vg_dtable *t, const void *rec, bool busy)
{
	t->slot[vg_dtable_index(t, rec)].busy = busy;
}

void vg_dtable_remove(struct vg_dtable *t, void *rec)
{
	struct vg_dtable_slot *s = &t->slot[vg_dtable_index(t, rec)];

	memset(rec, 0, t->rec_size);
	s->tag = 0;
	s->busy = 0;
}
