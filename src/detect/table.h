/*
 * table.h - the bounded, seeded table every detector keeps its per-source
 * or per-victim records in.
 *
 * Fixed capacity (a power of two of records, allocated once, pages touched
 * as used); a record is found by a seeded hash of its key (the first
 * key_size bytes of the record) within one line of 8 slots, whose tags and
 * last-active times sit in a separate array, 8 to a cache line: finding a
 * record, or the slot for a new one, reads one line, not 8 records. A new
 * record takes an empty slot of its line, else the least recently active;
 * a slot marked busy (an open attack, a detail block) goes through the
 * owner's evict callback first, so nothing it holds is lost. A forged
 * flood of keys thus costs a table that never grows.
 *
 * Most lookups are for keys that have no record (a benign client's
 * answered flow, looked up by the scan detector): a filter of
 * FILTER_BITS bits per record (set when a record is made, rebuilt from
 * the live records when too many were made since) answers most of them
 * without reading the slot line, which the flow table's traffic keeps
 * pushing out of the cache.
 *
 * THREAT: keys are attacker-chosen; the hash is seeded per run.
 */
#ifndef VG_DETECT_TABLE_H
#define VG_DETECT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define VG_DTABLE_LINE 8

struct vg_dtable_slot {
	uint32_t tag; /* 0: empty */
	uint32_t last_s : 31;
	uint32_t busy : 1;
};

typedef void (*vg_dtable_evict_fn)(void *owner, void *rec);

struct vg_open_list;

struct vg_dtable {
	uint8_t *rec;
	struct vg_dtable_slot *slot;
	size_t rec_size, key_size;
	uint32_t cap, mask;
	struct vg_open_list *open; /* the list of its open records, once one was added */
	uint64_t seed;
	vg_dtable_evict_fn evict;
	void *owner;
	uint64_t evicted;                  /* records that lost their slot to a new key */
	uint64_t *filter;                  /* bit set: a record with a key of this hash may exist */
	uint32_t filter_mask, filter_made; /* bits - 1; records made since its rebuild */
};

int vg_dtable_init(struct vg_dtable *t, uint32_t min_records, size_t rec_size, size_t key_size,
		   uint64_t seed, vg_dtable_evict_fn evict, void *owner);
void vg_dtable_fini(struct vg_dtable *t);

/* The record with this key, or NULL; with create, a new zeroed record
 * holding the key, active at now_ns. */
void *vg_dtable_find(struct vg_dtable *t, const void *key, bool create, uint64_t now_ns);
/* Starts loading what a find of this key will read (filter word, slot
 * line); no effect on the table. */
void vg_dtable_prefetch(const struct vg_dtable *t, const void *key);
/* The same with the key's hash computed once (vg_dtable_hash), for a
 * detector that prefetches and finds the same key. */
uint64_t vg_dtable_hash(const struct vg_dtable *t, const void *key);
void *vg_dtable_find_slow(struct vg_dtable *t, const void *key, uint64_t h, bool create,
			  uint64_t now_ns);

/* The filter's bit of a hash: bits 16 to 47, apart from the line's. */
static inline uint32_t vg_dtable_filter_bit(const struct vg_dtable *t, uint64_t h)
{
	return (uint32_t)(h >> 16) & t->filter_mask;
}

/* Inline: most finds without create end at the filter (no call). */
static inline void *vg_dtable_find_h(struct vg_dtable *t, const void *key, uint64_t h, bool create,
				     uint64_t now_ns)
{
	uint32_t fb = vg_dtable_filter_bit(t, h);

	if (!create && !(t->filter[fb >> 6] & (1ull << (fb & 63))))
		return NULL; /* no record was made with this hash */
	return vg_dtable_find_slow(t, key, h, create, now_ns);
}
void vg_dtable_prefetch_h(const struct vg_dtable *t, uint64_t h);
/* The second step, once what vg_dtable_prefetch_h loads has arrived:
 * starts loading the record with this hash, if the filter and the slot
 * line say there is one. No effect on the table. */
void vg_dtable_prefetch_rec(const struct vg_dtable *t, uint64_t h);
/* Marks a record active at now_ns (for the choice of slots to reuse). */
void vg_dtable_touch(struct vg_dtable *t, const void *rec, uint64_t now_ns);
/* A busy record goes through evict before its slot is reused. */
void vg_dtable_set_busy(struct vg_dtable *t, const void *rec, bool busy);
/* Empties a record's slot. */
void vg_dtable_remove(struct vg_dtable *t, void *rec);

static inline void *vg_dtable_at(const struct vg_dtable *t, uint32_t i)
{
	return t->rec + (size_t)i * t->rec_size;
}

static inline uint32_t vg_dtable_index(const struct vg_dtable *t, const void *rec)
{
	return (uint32_t)(((const uint8_t *)rec - t->rec) / t->rec_size);
}

static inline bool vg_dtable_used(const struct vg_dtable *t, uint32_t i)
{
	return t->slot[i].tag != 0;
}

/*
 * The open list: the slots of a table's records that hold an open attack
 * (or, for flood, a run to judge), walked at each tick (once per second
 * of packet time, detect.c). It has room for every record of its table
 * (allocated at the first add, 16 bytes a record): an attack never waits
 * for room, so none is lost while many are open at once (a list of 4,096
 * lost 59,000 of 77,000 C2 contacts on bench-10M with 1,000,000
 * indicators: those that qualified while it was full and had no later
 * flow). A slot has one entry at most: an entry whose record was closed,
 * evicted or removed since is dropped by the walk, unless the slot holds
 * an open attack again (the same record opened again, or a new one),
 * which the entry then stands for.
 *
 * Each entry keeps the packet time before which its record needs no look
 * (the detector's callback says when: its idle time or its next update),
 * and each block of 64 entries the least of its times, so a walk reads
 * one word per block and visits only the records whose time has come,
 * not every open attack each second. These are lower bounds: traffic
 * that moves a record's last time later only makes the look early.
 *
 * The walk and fini are inline so that the detector's callback, a static
 * function known at the call, is inlined in the loop: no indirect call
 * per record.
 */
#define VG_OPEN_BLOCK 64

struct vg_open_list {
	uint32_t *idx;  /* slots of the records; NULL until the first add */
	uint64_t *due;  /* per entry: no look before this packet time */
	uint64_t *bmin; /* per block of VG_OPEN_BLOCK entries: the least due */
	uint32_t *pos;  /* per slot: its entry + 1, 0 if none */
	uint32_t n, cap;
};

/* For a record of the list (at slot), at a tick at now_ns: closes it or
 * reports an update as the detector decides; with end (fini: the input
 * is over), closes it if it is still open. Returns 0 to drop it from the
 * list (closed now, or earlier by eviction or removal), else the packet
 * time from which it needs a look again (vg_open_next). */
typedef uint64_t (*vg_open_fn)(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end);

/* Only when its room could not be allocated. */
static inline bool vg_open_full(const struct vg_open_list *l)
{
	return l->idx && l->n >= l->cap;
}

/* Gives back the list's room (after vg_open_fini, or for a list whose
 * records are ended another way). */
static inline void vg_open_free(struct vg_open_list *l)
{
	free(l->due);
	l->due = l->bmin = NULL; /* with the others in one allocation */
	l->idx = l->pos = NULL;
	l->n = l->cap = 0;
}

/* Entry i is looked at by the next walk. */
static inline void vg_open_wake(struct vg_open_list *l, uint32_t i)
{
	l->due[i] = 0;
	l->bmin[i / VG_OPEN_BLOCK] = 0;
}

/* Marks the record busy in its table (it goes through evict before its
 * slot is reused) and adds it to the list, to be looked at by the next
 * walk; false if there was no room. */
static inline bool vg_open_add(struct vg_open_list *l, struct vg_dtable *t, const void *rec)
{
	uint32_t slot = vg_dtable_index(t, rec);

	vg_dtable_set_busy(t, rec, true);
	if (!l->due) {
		size_t blocks = t->cap / VG_OPEN_BLOCK + 1;
		if (!(l->due = calloc((size_t)t->cap *
					      (sizeof *l->due + sizeof *l->idx + sizeof *l->pos) +
					  blocks * sizeof *l->bmin,
				      1)))
			return false; /* out of memory: as if full */
		l->bmin = l->due + t->cap;
		l->idx = (uint32_t *)(void *)(l->bmin + blocks);
		l->pos = l->idx + t->cap;
		l->cap = t->cap;
		t->open = l;
	}
	if (l->pos[slot]) {
		vg_open_wake(l, l->pos[slot] - 1); /* its slot's entry stands for it */
		return true;
	}
	if (l->n >= l->cap)
		return false;
	l->idx[l->n] = slot;
	vg_open_wake(l, l->n);
	l->pos[slot] = ++l->n;
	return true;
}

/* Quiet for longer than idle_ns at now_ns. */
static inline bool vg_open_idle(uint64_t now_ns, uint64_t last_ns, uint64_t idle_ns)
{
	return now_ns > last_ns && now_ns - last_ns > idle_ns;
}

/* Active for update_ns (0: never) since it was last reported. */
static inline bool vg_open_update_due(uint64_t last_ns, uint64_t reported_ns, uint64_t update_ns)
{
	return update_ns && last_ns > reported_ns && last_ns - reported_ns >= update_ns;
}

/* When an open attack needs its next look, at now_ns: when it will have
 * been idle longer than idle_ns (vg_open_idle), or when an update can
 * be due (vg_open_update_due: its last time, never later than now, can
 * reach update_ns after its last report then). Past that time an update
 * waits for traffic, which wakes the entry (vg_dtable_touch). */
static inline uint64_t vg_open_next(uint64_t now_ns, uint64_t last_ns, uint64_t idle_ns,
				    uint64_t reported_ns, uint64_t update_ns)
{
	uint64_t idle = last_ns + idle_ns + 1, update = reported_ns + update_ns;

	return update_ns && update > now_ns && update < idle ? update : idle;
}

/* Calls fn for each record of the list whose time has come; those it
 * returns 0 for leave the list (the last entry takes their place: a block
 * keeps a least due that may be too early, never too late). */
static inline void vg_open_walk(struct vg_open_list *l, struct vg_dtable *t, vg_open_fn fn,
				void *owner, uint64_t now_ns)
{
	for (uint32_t b = 0; b * VG_OPEN_BLOCK < l->n; b++) {
		uint32_t i = b * VG_OPEN_BLOCK;
		uint64_t least = UINT64_MAX;

		if (l->bmin[b] > now_ns)
			continue;
		while (i < l->n && i < (b + 1) * VG_OPEN_BLOCK) {
			uint32_t slot = l->idx[i];
			uint64_t next = l->due[i];

			if (next <= now_ns &&
			    !(next = fn(owner, vg_dtable_at(t, slot), slot, now_ns, false))) {
				l->pos[slot] = 0;
				if (i != --l->n) {
					l->idx[i] = l->idx[l->n];
					l->due[i] = l->due[l->n];
					l->pos[l->idx[i]] = i + 1;
				}
				continue;
			}
			l->due[i++] = next;
			if (next < least)
				least = next;
		}
		l->bmin[b] = least;
	}
}

/* Calls fn with end for each record of the list, then empties it and
 * gives back its room. */
static inline void vg_open_fini(struct vg_open_list *l, struct vg_dtable *t, vg_open_fn fn,
				void *owner)
{
	for (uint32_t i = 0; i < l->n; i++)
		fn(owner, vg_dtable_at(t, l->idx[i]), l->idx[i], 0, true);
	vg_open_free(l);
}

#endif
