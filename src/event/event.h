/*
 * event.h - vigil's events and the writers that consume them.
 *
 * Events are what vigil says about the traffic: one `flow` event per ended
 * flow, a `stats` event with the run's counters, and (next issues) `attack`
 * and `alert` events from the detectors. docs/EVENTS.md is the reference
 * for every field; names follow Suricata's EVE JSON where an equivalent
 * exists so that EVE tooling reads vigil's output.
 *
 * Writers are descriptors in a table (vg_writers, event.c); today there is
 * one, EVE JSON lines. A writer gets the flow record itself: events are built from
 * the earlier stages' data, never the other way round.
 */
#ifndef VG_EVENT_H
#define VG_EVENT_H

#include <stdbool.h>
#include <stdio.h>

#include "app/app.h"
#include "attrib/attrib.h"
#include "capture/capture.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "flow/flow.h"

/* Attacks reported, by kind (kinds are the detectors' constant strings). */
#define VG_ATTACK_KINDS_MAX 32
struct vg_attack_count {
	unsigned n;
	uint64_t total;
	const char *kind[VG_ATTACK_KINDS_MAX];
	uint64_t count[VG_ATTACK_KINDS_MAX];
};

void vg_attack_count_add(struct vg_attack_count *c, const char *kind);

/* The run's counters, for the stats event and the summary. */
/* One worker of vigil watch --workers: what it received and did. */
struct vg_worker_stats {
	uint64_t packets;                      /* records it decoded */
	uint64_t kernel_packets, kernel_drops; /* of its sockets (PACKET_STATISTICS) */
	uint64_t flows;                        /* flows its table created */
	uint64_t cpu_ns;                       /* its thread's CPU time */
	uint64_t stalls;                       /* waits for the merger to free a chunk */
};

struct vg_run_stats {
	uint64_t first_ns, last_ns; /* packet time span */
	uint64_t files;
	const struct vg_decode_stats *decode;
	const struct vg_flow_stats *flow;
	const struct vg_app_stats *app; /* NULL: the app stage is off */
	uint64_t flow_capacity;
	uint32_t flow_bytes_per_flow;
	const struct vg_attack_count *attacks;
	/* Live captures (vigil watch) only; NULL / 0 for files. */
	const struct vg_capture_stats *capture; /* kernel packets and drops */
	uint64_t now_ns;                        /* wall time of a periodic event */
	uint64_t started_ns;                    /* wall time the sensor started */
	uint64_t events_flow, events_attack;    /* events written so far */
	uint64_t memory_flow_table;             /* bytes of the flow table */
	uint64_t memory_rss;                    /* resident bytes of the process */
	uint64_t memory_app;                    /* bytes of the app stage's tables (0: off) */
	bool store;                             /* a store is open: the two below count */
	uint64_t store_pending;                 /* final attacks not yet committed */
	uint64_t store_lag_ns;                  /* since the last commit, while some wait */
	const struct vg_worker_stats *workers;  /* vigil watch --workers N (N > 1), or NULL */
	unsigned nworkers;
};

struct vg_writer;

struct vg_writer_ops {
	const char *name;
	/* path "-" is stdout; append: keep what the file holds (a sensor's
	 * restart), else it is truncated (a run over files). */
	int (*open)(struct vg_writer **out, const char *path, bool append, char *errbuf,
		    size_t errlen);
	/* app: the flow's application metadata (app.h), or NULL. */
	void (*flow)(struct vg_writer *w, const struct vg_flow *f, enum vg_flow_end why,
		     const struct vg_app_flow *app);
	void (*stats)(struct vg_writer *w, const struct vg_run_stats *rs);
	/* at: the attrib stage's verdict on the attack (src_geo, dest_geo,
	 * attribution), or NULL to write the attack alone. */
	void (*attack)(struct vg_writer *w, const struct vg_attack *a,
		       const struct vg_attribution *at);
	/* Writes what is buffered; returns <0 if a write failed. */
	int (*flush)(struct vg_writer *w, char *errbuf, size_t errlen);
	/* Flushes, closes and opens the file again under its name (after
	 * logrotate moved it away); no event is lost. <0 with errbuf if the
	 * file cannot be opened again (then the old one stays in use). */
	int (*reopen)(struct vg_writer *w, char *errbuf, size_t errlen);
	/* Flushes and closes; returns <0 if any write failed (disk full...). */
	int (*close)(struct vg_writer *w, char *errbuf, size_t errlen);
};

extern const struct vg_writer_ops vg_writer_eve;

/* The table of writers, and a lookup by name (NULL if unknown). */
extern const struct vg_writer_ops *const vg_writers[];
const struct vg_writer_ops *vg_writer_find(const char *name);

/* Formats t (ns since the epoch) as Suricata does: 2026-11-27T09:09:41.123456+0000. */
size_t vg_format_time(char *buf, size_t len, uint64_t ns);
/* Formats an address of the given family (4 or 6) with inet_ntop. */
void vg_format_addr(char *buf, size_t len, const struct vg_addr *a, int family);
/* Protocol name as EVE writes it: "TCP", "UDP", "ICMP", "IPv6-ICMP" or the number. */
const char *vg_proto_name(uint8_t proto, char *buf, size_t len);

#endif
