/*
 * frag.c - the fragment-to-ports cache described in frag.h.
 *
 * THREAT: fragment ids and addresses are attacker-chosen; the slot index is
 * a seeded hash and the cache has a fixed size, so forged fragments can at
 * worst make later fragments of real datagrams miss their ports.
 */
#include <string.h>

#include "common/hash.h"
#include "flow/frag.h"

static struct vg_frag_slot *slot_of(struct vg_frag_cache *fc, const struct vg_packet *p)
{
	uint64_t k[5];

	memcpy(k, p->src.b, 16);
	memcpy(k + 2, p->dst.b, 16);
	k[4] = (uint64_t)p->frag_id << 8 | p->proto;
	return &fc->slot[vg_hash_words(k, sizeof k, fc->seed) & (VG_FRAG_SLOTS - 1)];
}

static bool same(const struct vg_frag_slot *s, const struct vg_packet *p)
{
	return s->used && s->id == p->frag_id && s->proto == p->proto &&
	       memcmp(&s->src, &p->src, sizeof s->src) == 0 &&
	       memcmp(&s->dst, &p->dst, sizeof s->dst) == 0;
}

void vg_frag_remember(struct vg_frag_cache *fc, const struct vg_packet *p)
{
	struct vg_frag_slot *s = slot_of(fc, p);

	s->src = p->src;
	s->dst = p->dst;
	s->id = p->frag_id;
	s->proto = p->proto;
	s->sport = p->sport;
	s->dport = p->dport;
	s->ts_ns = p->ts_ns;
	s->used = 1;
}

bool vg_frag_lookup(struct vg_frag_cache *fc, struct vg_packet *p)
{
	struct vg_frag_slot *s = slot_of(fc, p);

	uint64_t age;

	if (!same(s, p))
		return false;
	age = p->ts_ns > s->ts_ns ? p->ts_ns - s->ts_ns : s->ts_ns - p->ts_ns;
	if (age > VG_FRAG_WINDOW_NS)
		return false;
	p->sport = s->sport;
	p->dport = s->dport;
	p->flags |= VG_PKT_PORTS;
	return true;
}
