/*
 * store.h - the store stage: attacks kept across runs, and the aggregate
 * queries the reports are made of.
 *
 * Seventh stage, beside the event writers: `vigil read` hands the store
 * each final attack with its attribution (the same pair the EVE writer
 * gets), framed by a run (the captures read, their content hashes, packet
 * counts, vigil's version, the geo databases' dates). `vigil report` asks
 * the store aggregate questions (struct vg_query) and lists (notable
 * attacks, runs); `vigil prune` deletes old attacks. docs/STORE.md
 * describes the SQLite schema, migrations, deduplication and rollups.
 *
 * Backends are descriptors (struct vg_store_ops) in the table vg_stores[]
 * (store.c), chosen by the URL's scheme: `sqlite:PATH` (sqlite.c) and
 * `clickhouse://host:8123/db` (clickhouse.c, ClickHouse over HTTP). The
 * pipeline, the report and the commands only call the vg_store_* wrappers
 * below and never see SQL.
 *
 * Queries are data, not SQL text: a vg_query names dimensions, one
 * measure, filters and a limit, and each backend writes it in its own
 * dialect (SQLite's strftime(), ClickHouse's toYYYYMM() ...) and picks its
 * own tables (raw attacks or a rollup). Every backend must return the same
 * rows for the same query: tests/store.sh checks the report against
 * captures whose truth is known, and a new backend should pass it too.
 *
 * What one attack is: one final `attack` event (docs/EVENTS.md): one
 * attacker, one kind, a victim or victim set, one time window. Interim
 * updates (final: false) are never stored; the final event carries the
 * cumulative values. Identity for deduplication: (capture set hash, kind,
 * src_ip, dest_ip, start time). The capture set hash is the 128-bit
 * content hash of each capture, in order (vg_capture_hash); reading the
 * same captures again adds no attack.
 */
#ifndef VG_STORE_H
#define VG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/attrib.h"
#include "detect/detect.h"

#define VG_STORE_URL_DEFAULT "sqlite:vigil.db"

/* ---- runs --------------------------------------------------------------- */

/* 128-bit content hash of a capture file's bytes, as 32 hex digits. */
#define VG_HASH_HEX 33

/* One capture of a run. */
struct vg_store_capture {
	const char *name;       /* the path as given */
	char hash[VG_HASH_HEX]; /* content hash (vg_capture_hash) */
	uint64_t size;          /* bytes */
	uint64_t packets;       /* records read from it */
};

/* A run: what one `vigil read` did. run_begin gets the captures (packets
 * 0) and key; run_end gets everything. */
struct vg_store_run {
	char key[VG_HASH_HEX]; /* capture set hash: identifies the run's attacks */
	const struct vg_store_capture *captures;
	size_t ncaptures;
	const char *version;        /* vigil's version */
	uint64_t started_s;         /* wall clock, seconds since the epoch */
	uint64_t packets;           /* records read over all captures */
	uint64_t first_ns, last_ns; /* packet time span (0 when no packet) */
	uint64_t attacks;           /* final attacks reported by the run */
	const char *geo;            /* `key: value` lines naming the geo databases
				       * and their dates (vg_attrib_describe), or "" */
};

/* ---- queries -------------------------------------------------------------- */

/* Dimensions a query can group by or filter on. Names (vg_dim_name) are
 * the report's --by words and the json/csv column names. */
enum vg_dim {
	VG_DIM_COUNTRY,    /* attacker's country, ISO 3166-1 alpha-2; "" unknown */
	VG_DIM_ASN,        /* attacker's AS number as decimal text; "0" unknown */
	VG_DIM_KIND,       /* attack kind, "scan.port" ... */
	VG_DIM_TARGET,     /* the attack's first victim (dest_ip) */
	VG_DIM_PORT,       /* the one destination port attacked, as decimal text;
			    * "0" when several ports (a port scan) or none (ICMP, ARP) */
	VG_DIM_SERVICE,    /* name of that port's service ("ssh"), the brute-forced
			    * service for bruteforce.*, "" when none */
	VG_DIM_ATTACKER,   /* src_ip */
	VG_DIM_DAY,        /* start day, UTC, "YYYY-MM-DD" */
	VG_DIM_MONTH,      /* "YYYY-MM" */
	VG_DIM_YEAR,       /* "YYYY" */
	VG_DIM_CONFIDENCE, /* "verified", "unverified", "bogon", "reflector" */
	VG_DIM_TOOL,       /* the attack's tool: the scanner or brute-forcer the
			    * traffic names, the malware family of malware.*; "" none */
	VG_DIM_DIRECTION,  /* "inbound" (from outside to the home network),
			    * "outbound" (started by a home terminal: its scans and
			    * floods out, and malware.* and exfil.*, whose attacker is
			    * the outside end), "transit"; "" none recorded */
	VG_DIM_COUNT
};

const char *vg_dim_name(enum vg_dim d);
/* The dimension of a name, or -1. */
int vg_dim_parse(const char *name);

enum vg_measure {
	VG_MEASURE_ATTACKS,   /* number of attacks */
	VG_MEASURE_ATTACKERS, /* distinct attacker addresses ("" not known: left out) */
	VG_MEASURE_TARGETS,   /* distinct first victims */
};

/* Filters: NULL / 0 means no filter. Days count from 1970-01-01 (UTC). */
struct vg_filter {
	int64_t since_day; /* start day >= since_day (when has_since) */
	int64_t until_day; /* start day <= until_day (when has_until): inclusive */
	bool has_since, has_until;
	const char *kind;       /* exact kind, or a family without a dot: "scan" = scan.* */
	const char *country;    /* attacker's country code; "" matches unknown */
	const char *target;     /* first victim's address as text */
	const char *confidence; /* confidence name */
	const char *direction;  /* inbound, outbound or transit */
};

#define VG_QUERY_DIMS_MAX 3

/* SELECT dims..., measure FROM attacks WHERE filter GROUP BY dims
 * ORDER BY measure DESC, dims ASC LIMIT limit. Rows come in that order; the
 * order of ties is by the keys' text, so every backend gives the same
 * rows. limit 0: all. No dims: one row, the total (0 on an empty store). */
struct vg_query {
	enum vg_dim dims[VG_QUERY_DIMS_MAX];
	unsigned ndims;
	enum vg_measure measure;
	struct vg_filter filter;
	uint64_t limit;
	bool order_by_key; /* ORDER BY dims ASC instead (time series) */
};

/* One result row: keys[i] is dims[i]'s value as text (never NULL). Return
 * non-zero to stop. */
typedef int (*vg_store_row_fn)(void *arg, const char *const *keys, uint64_t value);

/* One stored attack (notable list): text fields as stored. */
struct vg_stored_attack {
	const char *kind, *src_ip, *dest_ip, *country, *confidence, *evidence, *service;
	uint64_t start_ns, end_ns, attempts;
	uint32_t asn;
	bool succeeded;
};
typedef int (*vg_store_attack_fn)(void *arg, const struct vg_stored_attack *a);

/* One stored run (report credits and coverage). Strings valid during the
 * callback only. */
struct vg_stored_run {
	const char *key, *version, *geo;
	uint64_t started_s, packets, first_ns, last_ns, attacks, ncaptures;
	bool complete; /* run_end was reached */
};
typedef int (*vg_store_run_fn)(void *arg, const struct vg_stored_run *r);

/* ---- the backend descriptor --------------------------------------------- */

struct vg_store;

/* Every op returns 0 or a negative VG_E* code and then fills err (at
 * least errlen bytes) with one line naming the store's file or URL and
 * what failed: "vigil.db: database disk image is malformed". After an
 * error in put_attack or run_end the store keeps what it committed before;
 * the caller stops storing and closes it. */
struct vg_store_ops {
	const char *scheme; /* the URL's scheme: "sqlite" */
	const char *usage;  /* one line for --help: "sqlite:PATH  a SQLite file" */

	/* location: the URL after "scheme:". Creates the store if missing
	 * (readonly: fails instead, VG_ENOENT), checks its schema version and
	 * migrates an older one; a newer version than this vigil knows is an
	 * error (VG_ENOTSUP) that says so. */
	int (*open)(struct vg_store **out, const char *location, bool readonly, char *err,
		    size_t errlen);

	/* Records the run (key, captures) before its first attack. */
	int (*run_begin)(struct vg_store *s, const struct vg_store_run *run, char *err,
			 size_t errlen);
	/* One final attack of the current run and its attribution (at may be
	 * NULL: no geo). Duplicates of a stored attack (same identity) are
	 * ignored and leave the rollups alone. Backends batch: a write may
	 * become durable only at a batch boundary or run_end. Returns 1 if
	 * the attack was new, 0 if it was already stored, <0 on error. */
	int (*put_attack)(struct vg_store *s, const struct vg_attack *a,
			  const struct vg_attribution *at, char *err, size_t errlen);
	/* Makes the attacks put so far durable and visible to readers, in the
	 * middle of a run (a live sensor calls it every few seconds, so
	 * `vigil report` sees its attacks and a crash loses at most those
	 * seconds). */
	int (*flush)(struct vg_store *s, char *err, size_t errlen);
	/* Makes every attack of the run durable and completes the run record. */
	int (*run_end)(struct vg_store *s, const struct vg_store_run *run, char *err,
		       size_t errlen);

	/* Aggregates (see struct vg_query). */
	int (*query)(struct vg_store *s, const struct vg_query *q, vg_store_row_fn fn, void *arg,
		     char *err, size_t errlen);
	/* Successful brute-force attacks matching f, newest first, at most limit. */
	int (*notable)(struct vg_store *s, const struct vg_filter *f, uint64_t limit,
		       vg_store_attack_fn fn, void *arg, char *err, size_t errlen);
	/* Every run, oldest first. */
	int (*runs)(struct vg_store *s, vg_store_run_fn fn, void *arg, char *err, size_t errlen);
	/* Deletes attacks that started before before_day and takes them out of
	 * every rollup; *deleted gets their number. */
	int (*prune)(struct vg_store *s, int64_t before_day, uint64_t *deleted, char *err,
		     size_t errlen);

	/* Commits what is pending and frees s (accepts NULL); <0 if the final
	 * commit failed. */
	int (*close)(struct vg_store *s, char *err, size_t errlen);
};

/* The first member of every backend's handle. */
struct vg_store {
	const struct vg_store_ops *ops;
};

extern const struct vg_store_ops vg_store_sqlite;
extern const struct vg_store_ops vg_store_clickhouse; /* clickhouse.c */
extern const struct vg_store_ops *const vg_stores[];

/* Opens the store a URL names: "sqlite:PATH", "clickhouse://HOST:PORT/DB"; a bare path (no known
 * scheme) is a SQLite file. err names the URL on failure. */
int vg_store_open(struct vg_store **out, const char *url, bool readonly, char *err, size_t errlen);

static inline int vg_store_run_begin(struct vg_store *s, const struct vg_store_run *run, char *err,
				     size_t errlen)
{
	return s->ops->run_begin(s, run, err, errlen);
}

static inline int vg_store_put_attack(struct vg_store *s, const struct vg_attack *a,
				      const struct vg_attribution *at, char *err, size_t errlen)
{
	return s->ops->put_attack(s, a, at, err, errlen);
}

static inline int vg_store_flush(struct vg_store *s, char *err, size_t errlen)
{
	return s->ops->flush(s, err, errlen);
}

static inline int vg_store_run_end(struct vg_store *s, const struct vg_store_run *run, char *err,
				   size_t errlen)
{
	return s->ops->run_end(s, run, err, errlen);
}

static inline int vg_store_query(struct vg_store *s, const struct vg_query *q, vg_store_row_fn fn,
				 void *arg, char *err, size_t errlen)
{
	return s->ops->query(s, q, fn, arg, err, errlen);
}

static inline int vg_store_notable(struct vg_store *s, const struct vg_filter *f, uint64_t limit,
				   vg_store_attack_fn fn, void *arg, char *err, size_t errlen)
{
	return s->ops->notable(s, f, limit, fn, arg, err, errlen);
}

static inline int vg_store_runs(struct vg_store *s, vg_store_run_fn fn, void *arg, char *err,
				size_t errlen)
{
	return s->ops->runs(s, fn, arg, err, errlen);
}

static inline int vg_store_prune(struct vg_store *s, int64_t before_day, uint64_t *deleted,
				 char *err, size_t errlen)
{
	return s->ops->prune(s, before_day, deleted, err, errlen);
}

/* Accepts NULL. */
int vg_store_close(struct vg_store *s, char *err, size_t errlen);

/* ---- helpers every backend shares ----------------------------------------- */

/* The service an attack aimed at ("ssh"), "" when none: the brute-forced
 * service of bruteforce.*, else the well-known name of its one port. */
const char *vg_store_service(const struct vg_attack *a);
/* The one destination port of an attack, 0 when several or none. */
uint16_t vg_store_port(const struct vg_attack *a);
/* The attacker column's text: src_ip, or "" for the unspecified address
 * (an attacker not known: malware.dga before a generated name resolves).
 * Queries measuring distinct attackers leave "" out. */
void vg_store_attacker(char *buf, size_t len, const struct vg_attack *a);
/* Days since 1970-01-01 of a time in ns; and "YYYY-MM-DD" to days (<0 if
 * not a valid date). */
int64_t vg_store_day(uint64_t ns);
int vg_store_parse_day(const char *text, int64_t *day);

/* Content hash of a capture file: two 64-bit multiply-fold lanes (the mixer
 * of common/hash.h, fixed seeds) over the bytes and the length, read
 * through mmap. Fast (several GB/s) because it is read beside a pipeline
 * that runs at GB/s; not cryptographic: it tells captures apart, it does
 * not resist someone forging a capture to collide with another (who can
 * write captures can write the store). Non-regular files (pipes) cannot
 * be hashed beforehand: VG_ENOTSUP. */
int vg_capture_hash(const char *path, char hex[VG_HASH_HEX], uint64_t *size, char *err,
		    size_t errlen);
/* The same over memory (tests), and the hash of a run's capture hashes in
 * order (the run key). */
void vg_hash128_hex(const void *buf, size_t len, char hex[VG_HASH_HEX]);

#endif
