/*
 * detect.h - the detect stage: detectors turn packets and flows into
 * attacks, one event per attack (never one per packet).
 *
 * Fourth stage. Each detector is one file and one descriptor (struct
 * vg_detector) in the table of detect.c; the engine gives every detector
 * its own state block, feeds it each decoded packet with its flow (and
 * packets without a flow, such as ARP), each ended flow, and a tick of
 * packet time, and passes the attacks it reports to the pipeline's sink
 * (the writers). Detectors take time only from packets, allocate only in
 * init, and keep their tables under a cap with an eviction policy.
 *
 * The attack model and its fields are documented in docs/EVENTS.md.
 */
#ifndef VG_DETECT_H
#define VG_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "intel/intel.h"
#include "common/cidr.h"
#include "decode/decode.h"
#include "flow/flow.h"

/* Lists in an attack event are capped: the counts say how many there were. */
#define VG_ATTACK_LIST_MAX 16

struct vg_attack {
	uint64_t id;
	const char *kind;      /* "scan.port", "scan.sweep", ... (docs/EVENTS.md) */
	const char *technique; /* "syn", "connect", "udp", "arp", ... or NULL */
	const char *tool;      /* "masscan", "nmap", ... only when traffic says so */
	struct vg_addr src;    /* the attacker */
	struct vg_addr dst;    /* the first victim */
	uint8_t family;        /* 4 or 6; ARP sweeps are 4 */
	uint8_t proto;         /* IP protocol of the probes; 0 for ARP */
	const char *direction; /* "inbound" to the home network, "outbound" from
				* it (an infected terminal), "transit" neither */
	bool succeeded;
	bool src_verified; /* the attacker completed a TCP handshake (its address
			   * is real, not forged); attribution builds on it */
	bool final;        /* the attack has ended; false in updates */
	uint8_t severity;  /* 1 high .. 3 low */
	uint64_t start_ns, end_ns;
	uint64_t packets, bytes;
	uint64_t attempts;
	uint32_t victims, ports;
	uint8_t n_victim_ips, n_ports;
	struct vg_addr victim_ips[VG_ATTACK_LIST_MAX];
	uint16_t port_list[VG_ATTACK_LIST_MAX];
	char evidence[192];
};

typedef void (*vg_attack_fn)(void *arg, const struct vg_attack *a);

/* Settings of the detectors (config keys detect.*, cli/settings.c). */
struct vg_detect_config {
	uint32_t scan_sources;                /* sources tracked at once */
	uint32_t scan_suspects;               /* sources with a detail block at once */
	uint32_t scan_min_targets;            /* distinct (host, port) contacts before a verdict */
	uint32_t scan_idle_s;                 /* an attack ends after this much silence */
	uint32_t scan_window_s;               /* a source's evidence is kept this long */
	uint32_t brute_sources;               /* (source, port) pairs followed at once */
	uint32_t brute_attempts;              /* short sessions that make a brute-force run */
	uint32_t brute_idle_s;                /* a pause this long ends a run */
	uint32_t brute_max_session_s;         /* longer sessions are not guesses */
	uint32_t flood_victims;               /* (victim, kind) pairs followed at once */
	uint32_t flood_packets;               /* packets a run needs to be a flood */
	uint32_t flood_pps;                   /* and its average rate */
	uint32_t flood_idle_s;                /* a pause this long ends a run */
	uint32_t scan_sweep_arp;              /* distinct addresses ARP-probed for a sweep */
	uint32_t scan_on, brute_on, flood_on; /* detect.<name>.enabled: 0 leaves it out */
	uint32_t update_s; /* an open attack is reported (final: false) this often; 0: never */
	/* malware.beacon (beacon.c) */
	uint32_t beacon_on, beacon_pairs; /* (terminal, endpoint) pairs followed at once */
	uint32_t beacon_min_conns;        /* connections a beacon needs */
	uint32_t beacon_min_span_s;       /* over at least this long */
	uint32_t beacon_score;            /* score in hundredths that makes a beacon */
	uint32_t beacon_idle_s;           /* a silence this long (or 4 intervals) ends it */
	char beacon_allow[512];           /* destinations never scored (CIDR list) */
	char beacon_allow_ports[256];     /* services never scored: "123/udp,..." */
	/* exfil.volume (exfil.c) */
	uint32_t exfil_on, exfil_pairs; /* (terminal, destination) episodes at once */
	uint32_t exfil_ratio;           /* sent >= ratio x received */
	uint32_t exfil_baseline;        /* sent >= baseline x the terminal's usual */
	uint32_t exfil_idle_s;          /* a silence this long ends an episode */
	uint64_t exfil_bytes;           /* sent in an episode, at least */
	char exfil_allow[512];          /* destinations never counted (CIDR list) */
	uint32_t c2_on;                 /* detect.c2.enabled */
	uint32_t c2_pairs;              /* (terminal, C&C server) pairs followed at once */
	uint32_t c2_idle_s; /* a pause this long ends a terminal's contact with a server */
	/* malware.dga (dga.c) */
	uint32_t dga_on, dga_terminals; /* terminals followed at once */
	uint32_t dga_names;             /* distinct random-looking NXDOMAIN names that make one */
	uint32_t dga_idle_s;            /* a silence this long ends a run */
};

/* A list of service ports, each for one protocol or both: "123/udp,443". */
#define VG_PORT_LIST_MAX 32
struct vg_port_list {
	unsigned n;
	uint16_t port[VG_PORT_LIST_MAX];
	uint8_t proto[VG_PORT_LIST_MAX]; /* VG_IPPROTO_TCP, _UDP, or 0: both */
};

/* Parses "PORT[/tcp|/udp],..." (commas or spaces; empty: no port). */
int vg_port_list_parse(struct vg_port_list *l, const char *text, char *errbuf, size_t errlen);

/* What every detector gets at init. */
struct vg_detect_env {
	const struct vg_detect_config *cfg;
	const struct vg_cidr_set *home;
	uint64_t seed;
	vg_attack_fn emit;
	void *emit_arg;
	uint64_t *next_attack_id; /* shared counter: ids unique over a run */
	/* The app stage (app.h: vg_app_of, vg_app_name_of_addr), NULL when
	 * it is off: a flow's metadata is there for its packets after the
	 * first payload and still at on_flow_end. */
	const struct vg_app *app;
	/* The run's threat intelligence (intel/intel.h), read at flow end:
	 * *intel is NULL while none is loaded (vg_detect_set_intel). */
	const struct vg_intel *const *intel;
	/* For vg_detect_note: the engine and this detector's place in it. */
	struct vg_detect *engine;
	unsigned index;
	/* The engine runs packet hooks only (a worker of vigil read
	 * --workers): the detector's tables live in the merging thread's
	 * engine, which gets what the hooks learn as notes. init allocates
	 * nothing on_packet does not use. */
	bool packet_only;
};

/* A note: what a packet hook learned for its detector's tables (a login
 * reply, an ARP probe). The hook runs beside the flow table, the tables
 * beside the other flows' ends: with one thread the engine hands the
 * note to on_note at once; with workers (cli/workers.c) it travels in
 * the worker's record stream to the merging thread's engine, in packet
 * order with the flow ends. At most VG_NOTE_MAX bytes, no pointers. */
#define VG_NOTE_MAX 64
void vg_detect_note(const struct vg_detect_env *env, const void *note, size_t len);

/* The flow's tag bytes (flow.h), shared by the detectors: tag[0] is the
 * scanning tool of its first packet (scan.c), tag[1] holds these bits. */
enum {
	VG_TAG1_SCAN_FINGERPRINT = 1u << 0, /* a SYN with FIN or URG was sent */
	VG_TAG1_BRUTE_LOGIN = 1u << 1,      /* a login reply was counted */
	VG_TAG1_BRUTE_FORM = 1u << 2,       /* the connection asked for a login form: the
					     * packet hook counts its POSTs */
	VG_TAG1_BRUTE_POSTED = 1u << 3,     /* a POST to it awaits its reply */
	/* bit 7: VG_FLOW_TAG1_NXDOMAIN, the app stage's (flow.h) */
};

/* Which packets a detector's on_packet wants (vg_detector.wants): the
 * engine installs the per-packet hook only if some detector needs it. */
enum {
	VG_DETECT_PKT_FLOW = 1u << 0,   /* packets with a flow (hot: every IP packet) */
	VG_DETECT_PKT_NOFLOW = 1u << 1, /* packets without one (ARP, orphans) */
	/* With VG_DETECT_PKT_FLOW: only TCP flows' packets. When every flow
	 * hook says so, the engine returns at once for the others. */
	VG_DETECT_PKT_TCP = 1u << 2,
};

/* An ended flow as the detectors see it, worked out once for all of
 * them (and the pipeline's direction counts): its ends, and which of
 * them are in the home network. When the flow table announced the end
 * (vg_detect_prefetch), the view was made then and every detector's
 * prefetch_flow_end saw it at `slot`: a detector may keep, per slot,
 * what its prefetch computed (a key's hash) for on_flow_end to reuse
 * when `prefetched` is set. */
#define VG_DETECT_RING 64
struct vg_flow_view {
	const struct vg_flow *f;
	struct vg_flow_ends e;
	bool client_home, server_home;
	bool prefetched;
	uint8_t slot; /* < VG_DETECT_RING */
};

/* The view of f, made now (not prefetched). */
void vg_flow_view_make(struct vg_flow_view *v, const struct vg_flow *f,
		       const struct vg_cidr_set *home);

struct vg_detector {
	const char *name;
	size_t enabled_off; /* offset of its on/off switch in vg_detect_config */
	size_t state_size;
	unsigned wants; /* VG_DETECT_PKT_* */
	/* Works only with threat intelligence loaded (malware.c2): its
	 * flow end hooks (prefetch steps, on_flow_end) run only while some
	 * is (vg_detect_set_intel). */
	bool needs_intel;
	/* Called once; may allocate its tables (under its cap). */
	int (*init)(void *state, const struct vg_detect_env *env);
	/* Hot: decoded packets (f NULL when the packet has no flow: ARP,
	 * orphan fragments, malformed). Of the packets with a flow, it sees
	 * the first of each flow, every TCP SYN, and all those of flows some
	 * detector marked VG_FLOW_WATCH (flow.h). dir: 0 toserver, 1
	 * toclient. No allocation, no I/O. The flow is writable only for its
	 * tag bytes and that flag. */
	void (*on_packet)(void *state, const struct vg_packet *p, struct vg_flow *f, int dir);
	/* Optional: a flow will end soon (vg_flow_prefetch_fn): start loading
	 * what on_flow_end will read for it. Flows end in the order of their
	 * prefetches, each prefetched batch before the next. */
	void (*prefetch_flow_end)(void *state, const struct vg_flow_view *v);
	/* Optional, the second step, a few flows before v's end (what the
	 * first loaded has arrived): start loading the record on_flow_end
	 * will read, found by what the first step loaded. */
	void (*prefetch_record)(void *state, const struct vg_flow_view *v);
	/* A flow ended (before its record is reused); meta is its
	 * application metadata (app.h), NULL when it has none. v->f may be a
	 * copy of the table's record (workers): read it, keep no pointer. */
	void (*on_flow_end)(void *state, const struct vg_flow_view *v,
			    const struct vg_app_flow *meta);
	/* Optional: a note from this detector's on_packet (vg_detect_note). */
	void (*on_note)(void *state, const void *note, size_t len);
	/* Optional: the settings behind env.cfg changed while running
	 * (SIGHUP): derive again what init derived from them. Table sizes
	 * never change (cli/reconfig.c keeps them). Packet hooks never read
	 * env.cfg, so a worker's hooks may run meanwhile. */
	void (*reconfigure)(void *state);
	/* Packet time moved on (called once per second of packet time,
	 * vg_detect_tick): close idle attacks, report updates. */
	void (*on_tick)(void *state, uint64_t now_ns);
	/* Where its tables (struct vg_dtable) sit in its state, 0 for none
	 * (a state starts with its env): their evictions are the summary's
	 * detect.<name>.evicted (vg_detect_evicted). */
	size_t table_off[2];
	/* End of input: report what is still open, free tables. */
	void (*fini)(void *state);
};

extern const struct vg_detector *const vg_detectors[];

struct vg_detect;

/* app: the app stage the detectors may read (its DNS answer cache), or
 * NULL. */
int vg_detect_new(struct vg_detect **out, const struct vg_detect_config *cfg,
		  const struct vg_cidr_set *home, const struct vg_app *app, uint64_t seed,
		  vg_attack_fn emit, void *arg);
/* An engine for a worker's packet hooks (env.packet_only): it reports
 * nothing itself, its notes go to sink (the worker's record stream). */
typedef void (*vg_note_sink_fn)(void *arg, unsigned index, const void *note, size_t len);
int vg_detect_new_packet_only(struct vg_detect **out, const struct vg_detect_config *cfg,
			      const struct vg_cidr_set *home, uint64_t seed, vg_note_sink_fn sink,
			      void *sink_arg);
/* A note from a packet-only engine's detector index (same config, same
 * table order) to this engine's detector. */
void vg_detect_apply_note(struct vg_detect *d, unsigned index, const void *note, size_t len);
/* The threat intelligence the detectors match against (malware.c2), or
 * NULL; it must outlive the detectors. */
void vg_detect_set_intel(struct vg_detect *d, const struct vg_intel *intel);
/* arg is the struct vg_detect (the signature of a flow packet hook). */
void vg_detect_packet(void *arg, const struct vg_packet *p, struct vg_flow *f, int dir);
/* Union of the detectors' wants. */
unsigned vg_detect_wants(const struct vg_detect *d);
void vg_detect_flow_end(struct vg_detect *d, const struct vg_flow *f,
			const struct vg_app_flow *meta);
/* The same in two steps, for a caller that reads the view too (the
 * pipeline's direction counts): the view of the ended flow f (the one
 * its prefetch made, or made now; valid until the next call), then the
 * detectors' on_flow_end with it. */
const struct vg_flow_view *vg_detect_view(struct vg_detect *d, const struct vg_flow *f);
void vg_detect_flow_end_view(struct vg_detect *d, const struct vg_flow_view *v,
			     const struct vg_app_flow *meta);
/* arg is the struct vg_detect (the signature of vg_flow_prefetch_fn). */
void vg_detect_prefetch(void *arg, const struct vg_flow *f);
void vg_detect_tick(struct vg_detect *d, uint64_t now_ns);
/* Detector i of the engine (0 ..): its name and the records its tables
 * gave up to new keys so far (an open attack among them was reported
 * first; the others' evidence is gone); false past the last. */
bool vg_detect_evicted(const struct vg_detect *d, unsigned i, const char **name, uint64_t *n);
/* The settings the engine was made with changed in place: each detector
 * derives its values again (vg_detector.reconfigure), the engine its
 * copy of the home network (split by family, for the views). */
void vg_detect_reconfigure(struct vg_detect *d);
/* Reports open attacks (final) and releases everything; accepts NULL. */
void vg_detect_free(struct vg_detect *d);

/* Whether a DNS name looks made by a domain generation algorithm
 * (malware.dga's judgement, dga.c): its longest label but the top-level
 * one, or its only label. Any bytes; reads len of them. */
bool vg_dga_random_name(const char *name, size_t len);

#endif
