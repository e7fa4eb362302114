/*
 * frag.h - gives non-first IP fragments the ports of their first fragment.
 *
 * Without reassembly, a non-first fragment has no transport header and so
 * no flow. This small direct-mapped cache remembers, per (source,
 * destination, protocol, fragment id), the ports the first fragment
 * carried, so the rest of the datagram is counted in the same flow. A
 * fragment whose first fragment was not seen first (reordered, lost, or a
 * forged orphan) gets no flow and is counted (flow.no_flow). Bounded:
 * VG_FRAG_SLOTS entries, a newer datagram overwrites an older one.
 */
#ifndef VG_FRAG_H
#define VG_FRAG_H

#include "decode/decode.h"

#define VG_FRAG_SLOTS 4096
/* Fragments of one datagram arrive within this window (RFC 8200 section
 * 4.5 gives reassembly 60 s; most stacks use 30 s for IPv4). */
#define VG_FRAG_WINDOW_NS (60ull * 1000000000ull)

struct vg_frag_slot {
	struct vg_addr src, dst;
	uint64_t ts_ns;
	uint32_t id;
	uint16_t sport, dport;
	uint8_t proto, used;
};

struct vg_frag_cache {
	uint64_t seed;
	struct vg_frag_slot slot[VG_FRAG_SLOTS];
};

void vg_frag_remember(struct vg_frag_cache *fc, const struct vg_packet *p);
/* Sets the ports of a non-first fragment; false if its datagram is unknown. */
bool vg_frag_lookup(struct vg_frag_cache *fc, struct vg_packet *p);

#endif
