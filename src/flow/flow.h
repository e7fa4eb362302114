/*
 * flow.h - bidirectional flows: table, TCP state, timeouts, eviction.
 *
 * Third stage. A flow is the traffic between two endpoints for one
 * transport protocol: (address, port) pairs, protocol and VLAN ids; both
 * directions find the same record. The client is the sender of the first
 * packet seen; counters are kept per direction (toserver, toclient).
 *
 * The table is a seeded hash (common/hash.h) over a pool of records
 * allocated once under a memory cap (flow.memcap). Expiry is driven by
 * packet time only ("now" is the latest packet's time): a clock hand passes over every flow once per
 * flow.sweep_period seconds of packet time, a bounded number of slots per
 * batch, and ends flows idle longer than their protocol's and state's
 * timeout; a packet that finds its flow already past the timeout ends it
 * and starts a new one, so flow boundaries do not depend on the sweep. When the pool is full, a new flow evicts one of a
 * few sampled flows - preferring flows that never saw a reply, then the
 * longest idle - and counts it (flow.evicted.cap): memory never grows, and
 * a flood of forged sources mostly evicts its own half-open flows.
 *
 * Ended flows are handed to the on_end callback (the pipeline's writers).
 */
#ifndef VG_FLOW_H
#define VG_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

/* The key both directions share: the lower (address, port) endpoint first.
 * IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). 40 bytes, built
 * and compared as five 64-bit words (w) so the hot path does wide loads and
 * stores only (narrow stores read back wide stall store forwarding). */
struct vg_flow_key {
	union {
		struct {
			struct vg_addr lo, hi;
			uint16_t port_lo, port_hi;
			uint32_t vlan_proto; /* vlan[0] << 20 | vlan[1] << 8 | proto */
		};
		uint64_t w[5];
	};
};

enum vg_tcp_state {
	VG_TCP_NONE = 0, /* no SYN seen: picked up mid-stream */
	VG_TCP_SYN_SENT,
	VG_TCP_SYN_RECV,
	VG_TCP_ESTABLISHED,
	VG_TCP_FIN_WAIT, /* one side sent FIN */
	VG_TCP_CLOSED,   /* FIN from both sides, or RST */
};

enum vg_flow_end {
	VG_FLOW_END_TIMEOUT = 0, /* idle past its timeout, or TCP port reuse */
	VG_FLOW_END_FORCED,      /* evicted because the table was full */
	VG_FLOW_END_SHUTDOWN,    /* still active when the input ended */
};

/* vg_flow.flags */
enum {
	VG_FLOW_CLIENT_LO = 1u << 0, /* the client is key.lo (bit 0: the packet loop
				      * xors it with the packet's side as is) */
	VG_FLOW_USED = 1u << 1,
	VG_FLOW_V4 = 1u << 2,
	VG_FLOW_SYN_ACK_FIRST = 1u << 3, /* first packet was a SYN-ACK */
	VG_FLOW_HANDSHAKE = 1u << 4,     /* the TCP handshake completed (it stays set
					  * when the connection closes) */
	VG_FLOW_WATCH = 1u << 5,         /* the packet hook sees all its packets
					  * (set by the hook itself) */
	VG_FLOW_ICMP_ERR = 1u << 6,      /* an ICMP destination unreachable quoting
					  * one of its packets was counted in it */
	VG_FLOW_APP = 1u << 7,           /* the app stage has judged it: it may keep
					  * metadata of it (set by the payload hook;
					  * a hint, app.h) */
};

/* One flow record: 96 bytes; see flow_test.c for the size check. */
struct vg_flow {
	struct vg_flow_key key;
	uint32_t hnext; /* next record in the bucket chain, or VG_FLOW_NIL */
	uint32_t hash;  /* low 32 bits of the key's hash */
	uint64_t first_ns, last_ns;
	uint64_t bytes[2]; /* [0] toserver, [1] toclient: captured bytes */
	uint32_t pkts[2];
	uint8_t flags;
	uint8_t tcp_state;
	uint8_t tcp_flags[2]; /* union of TCP flags per direction */
	uint8_t proto;
	union {
		struct {
			uint8_t icmp_type; /* of the first packet, for ICMP flows */
			uint8_t icmp_code;
		};
		/* Other flows: two bytes the detectors may set from the
		 * packet hook (scan.c: the tool that sent the first SYN;
		 * detect.h: tag[1]'s bits), and the app stage bit 7 of
		 * tag[1] (VG_FLOW_TAG1_NXDOMAIN). */
		uint8_t tag[2];
	};
	uint8_t tmo; /* index of its idle timeout (protocol x state) */
};

#define VG_FLOW_NIL 0 /* no record: pool index 0 is never used */

/* tag[1] bit 7, set by the app stage: the flow's first DNS response said
 * NXDOMAIN (read by malware.dga without the metadata's cold line). */
#define VG_FLOW_TAG1_NXDOMAIN (1u << 7)

/* Idle timeouts in seconds, per protocol and state (config keys
 * flow.timeout.<proto>.<state>; defaults in cli/settings.c). */
struct vg_flow_timeouts {
	uint32_t tcp_new, tcp_established, tcp_closed;
	uint32_t udp_new, udp_established;
	uint32_t icmp_new, icmp_established;
	uint32_t other_new, other_established;
};

struct vg_flow_config {
	uint64_t memcap; /* bytes for records and buckets */
	uint64_t hash_seed;
	uint32_t sweep_period_s; /* the expiry hand passes every flow this often */
	uint32_t sweep_max;      /* pool slots examined per batch at most */
	struct vg_flow_timeouts timeout;
};

/* Flow-table counters with their stable dotted names (the summary, the
 * stats event and docs/EVENTS.md use these names). */
#define VG_FLOW_COUNTERS(X)                                                                      \
	X(created, "flow.created")                                                               \
	X(created_tcp, "flow.created.tcp")                                                       \
	X(created_udp, "flow.created.udp")                                                       \
	X(created_icmpv4, "flow.created.icmpv4")                                                 \
	X(created_icmpv6, "flow.created.icmpv6")                                                 \
	X(created_other, "flow.created.other")                                                   \
	X(ended_timeout, "flow.ended.timeout")                                                   \
	X(ended_forced, "flow.evicted.cap")                                                      \
	X(ended_shutdown, "flow.ended.shutdown")                                                 \
	X(tcp_reuse, "flow.tcp_reuse")       /* a SYN after close started a new flow */          \
	X(no_flow, "flow.no_flow")           /* IP packets with no flow (orphan fragments) */    \
	X(frag_matched, "flow.frag_matched") /* non-first fragments given their ports */         \
	X(icmp_err_matched, "flow.icmp_err_matched") /* unreachables counted in their flow */    \
	X(not_tracked, "flow.not_tracked") /* IP packets of protocols without flows (IGMP...) */ \
	X(active, "flow.active")                                                                 \
	X(active_max, "flow.active_max")

struct vg_flow_stats {
#define VG_FLOW_COUNTER_FIELD(field, name) uint64_t field;
	VG_FLOW_COUNTERS(VG_FLOW_COUNTER_FIELD)
#undef VG_FLOW_COUNTER_FIELD
};

struct vg_counter_desc {
	const char *name;
	size_t offset; /* of a uint64_t in the stats struct */
};

extern const struct vg_counter_desc vg_flow_counters[];
extern const size_t vg_flow_ncounters;

static inline uint64_t vg_counter_get(const void *stats, const struct vg_counter_desc *d)
{
	return *(const uint64_t *)((const char *)stats + d->offset);
}

typedef void (*vg_flow_end_fn)(void *arg, const struct vg_flow *f, enum vg_flow_end why);
/* Called right after a packet's flow was updated (dir 0: toserver, 1:
 * toclient), while the record is certainly valid: where per-packet
 * consumers (the detectors) see packets with their flow. Not every packet
 * goes there, so that the hook costs nothing on most of them: it sees the
 * packet that opened each flow, every TCP packet with SYN, and every
 * packet of a flow it has marked VG_FLOW_WATCH. It may set that flag and
 * the flow's tag bytes, nothing else. */
typedef void (*vg_flow_packet_fn)(void *arg, const struct vg_packet *p, struct vg_flow *f, int dir);

/* Called for each flow of a batch that is about to end (the expiry
 * sweep's), before the first of them ends: where on_end's consumers start
 * loading what they will need, so the batch's cache misses overlap. */
typedef void (*vg_flow_prefetch_fn)(void *arg, const struct vg_flow *f);

struct vg_flow_table;

int vg_flow_table_new(struct vg_flow_table **out, const struct vg_flow_config *cfg,
		      vg_flow_end_fn on_end, void *arg);
void vg_flow_table_free(struct vg_flow_table *t);
void vg_flow_table_set_packet_hook(struct vg_flow_table *t, vg_flow_packet_fn fn, void *arg);
void vg_flow_table_set_end_prefetch(struct vg_flow_table *t, vg_flow_prefetch_fn fn, void *arg);
/* The app stage's hook (app.h): called before the packet hook for packets
 * with transport payload while the flow's packet count in that direction
 * is at most max_pkts (this packet included). It may set VG_FLOW_APP,
 * nothing else. */
void vg_flow_table_set_payload_hook(struct vg_flow_table *t, vg_flow_packet_fn fn, void *arg,
				    uint32_t max_pkts);
/* The pool index of a flow record (1 .. capacity): stable while the flow
 * lives, so side tables can be indexed by it. */
uint32_t vg_flow_table_index(const struct vg_flow_table *t, const struct vg_flow *f);

/* Finds or creates the flow of every IP packet in the batch and updates it
 * (counters, TCP state), then runs a bounded expiry step. flows[i] is set
 * to the packet's flow or NULL. A later packet of the same batch may end a
 * flow (eviction, port reuse), so flows[i] is only safe to read before the
 * next packet is processed: per-packet consumers hook in via on_end or the
 * packet hook. Returns how many packets got no flow (not IP, or a fragment
 * whose ports are unknown). */
unsigned vg_flow_update_batch(struct vg_flow_table *t, struct vg_packet *pkts, unsigned n,
			      struct vg_flow **flows);

/* Moves the table's clock to now_ns (if later) and runs the expiry step:
 * a live capture calls it while no packet comes, so idle flows still end
 * on time. */
void vg_flow_table_advance(struct vg_flow_table *t, uint64_t now_ns);

/* Ends every flow still in the table (reason shutdown). */
void vg_flow_table_flush(struct vg_flow_table *t);
/* Ends now every flow idle past its timeout (the expiry hand ends them a
 * few per batch): after a jump of packet time (the next file, a gap in
 * the capture), before the detectors judge the time that passed. */
void vg_flow_table_expire_all(struct vg_flow_table *t);

const struct vg_flow_stats *vg_flow_table_stats(const struct vg_flow_table *t);
uint32_t vg_flow_table_capacity(const struct vg_flow_table *t);
/* Bytes of table memory per flow record: record, its due time and its
 * bucket share. */
uint32_t vg_flow_bytes_per_flow(const struct vg_flow_table *t);

/* A flow's two endpoints as packets carry them (IPv4 in the first 4
 * bytes of the address, the rest zero), client first. */
struct vg_flow_ends {
	struct vg_addr client, server;
	uint16_t client_port, server_port;
	uint8_t family; /* 4 or 6 */
};
void vg_flow_ends(const struct vg_flow *f, struct vg_flow_ends *e);

/* Helpers for writers. */
static inline bool vg_flow_toserver_is_lo(const struct vg_flow *f)
{
	return f->flags & VG_FLOW_CLIENT_LO;
}
const char *vg_tcp_state_name(const struct vg_flow *f);
/* "new", "established" or "closed", as Suricata's flow.state. */
const char *vg_flow_state_name(const struct vg_flow *f);
const char *vg_flow_end_name(enum vg_flow_end why);
/* A 51-bit id, stable for a flow (key hash and start time). */
uint64_t vg_flow_id(const struct vg_flow *f);

#endif
