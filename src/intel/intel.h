/*
 * intel.h - threat intelligence loaded from files the user provides:
 * addresses and prefixes, domain names and JA3 fingerprints, each with its
 * source, malware family and dates, for the malware.c2 detector and the
 * `vigil intel` command.
 *
 * Formats (one loader file each, the format found from the content, and
 * from a .json name):
 *   list.c     plain lists: one IPv4/IPv6 address, CIDR prefix or domain
 *              name per line, `#` comments (feed "list")
 *   abusech.c  abuse.ch CSVs: Feodo Tracker IP blocklist ("feodo"),
 *              URLhaus URLs, by the URL's host ("urlhaus"), SSLBL JA3
 *              fingerprints ("sslbl-ja3"); the header line names columns
 *   stix.c     STIX 2.1 bundles: indicators with the simple patterns
 *              [ipv4-addr:value = '...'], [ipv6-addr:...], [domain-name:...]
 *              and [url:value = '...'] ("stix"); other patterns are
 *              counted as unsupported, with the reason
 *
 * Use: vg_intel_new(), vg_intel_load() once per file or folder, then look
 * up (once per flow, not per packet): addresses by binary search over
 * non-overlapping ranges (the most specific prefix wins), names in a
 * seeded hash set with parent-domain matching (a.b.evil.com matches
 * evil.com, the longest listed suffix wins), JA3 in a hash set. Lookups do
 * not allocate or write, so built tables can be shared by threads.
 *
 * Bad input: a malformed line is reported (file:line: field: why) through
 * the warning callback, counted and skipped; the rest of the file loads.
 * An unreadable file is an error. The same indicator twice is kept once
 * (the first loaded; files in a folder load in name order). At most
 * max_indicators indicators are kept; the rest are counted and reported.
 */
#ifndef VG_INTEL_H
#define VG_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default intel.max_indicators: about 140 bytes each (bench/intel_bench:
 * records, text, hash slots, ranges), so the cap holds memory near
 * 560 MiB; the public feeds named above hold well under a million. */
#define VG_INTEL_MAX_DEFAULT 4000000u

struct vg_intel_config {
	char path[1024];         /* intel.path: file or folder loaded by `vigil read` ("" none) */
	uint32_t max_indicators; /* intel.max_indicators */
};

enum vg_intel_type {
	VG_INTEL_IPV4, /* address or prefix */
	VG_INTEL_IPV6,
	VG_INTEL_DOMAIN,
	VG_INTEL_JA3, /* md5, 32 lower-case hex digits */
	VG_INTEL_NTYPES
};

/* One indicator, as found. The strings belong to the vg_intel and stay
 * valid until the next vg_intel_load() or vg_intel_free(). */
struct vg_intel_hit {
	enum vg_intel_type type;
	const char *indicator; /* as written in the file: "203.0.113.0/24", "evil.com" */
	const char *source;    /* the file (or name given to vg_intel_load_mem) */
	const char *feed;      /* "list", "feodo", "urlhaus", "sslbl-ja3", "stix" */
	const char *family;    /* malware family, "" if the feed gives none */
	uint32_t line;         /* line in source (STIX: 1-based object index) */
	int64_t first_seen;    /* Unix seconds, UTC; 0 unknown */
	int64_t last_seen;
};

/* Per-file counts, for the summary and `vigil intel stats`. */
struct vg_intel_source {
	const char *path;
	const char *feed;
	uint64_t lines;                   /* lines (STIX: objects) read */
	uint64_t loaded[VG_INTEL_NTYPES]; /* new indicators kept, by type */
	uint64_t duplicates;              /* indicators already loaded (kept once) */
	uint64_t malformed;               /* lines skipped as malformed */
	uint64_t unsupported;             /* valid entries of a kind not used (STIX patterns) */
	uint64_t capped;                  /* indicators dropped by max_indicators */
};

struct vg_intel;

/* Warnings (malformed lines, unsupported entries, the cap) are passed one
 * line at a time, without a newline; at most 10 per file name a line, then
 * one says how many more. NULL: not reported (still counted). */
typedef void vg_intel_warn_fn(void *arg, const char *msg);

/* cfg NULL: defaults. seed: of the name hashes (0: random). */
int vg_intel_new(struct vg_intel **out, const struct vg_intel_config *cfg, uint64_t seed);
void vg_intel_free(struct vg_intel *in);
void vg_intel_set_warn(struct vg_intel *in, vg_intel_warn_fn *fn, void *arg);

/* Loads a file, or every regular file of a folder (not hidden ones, not
 * subfolders, in name order). Returns 0, or <0 with errbuf naming the file
 * that could not be read (files before it stay loaded). */
int vg_intel_load(struct vg_intel *in, const char *path, char *errbuf, size_t errlen);
/* Loads bytes held in memory; name is the source (and its extension a
 * format hint). Never fails on content, only VG_ENOMEM. */
int vg_intel_load_mem(struct vg_intel *in, const void *buf, size_t len, const char *name,
		      char *errbuf, size_t errlen);

/* Lookups: true and *hit filled if the value is listed. family 4 (addr: 4
 * bytes, network order) or 6 (16 bytes); the most specific prefix wins. */
bool vg_intel_match_addr(const struct vg_intel *in, int family, const uint8_t *addr,
			 struct vg_intel_hit *hit);
/* Starts loading what vg_intel_match_addr of this address will read:
 * step 1, then step 2 a few flows later (vg_ranges_prefetch). */
void vg_intel_prefetch_addr(const struct vg_intel *in, int family, const uint8_t *addr, int step);
/* A DNS name, SNI or Host (case-insensitive, one trailing dot ignored); the
 * name or its nearest listed parent. */
bool vg_intel_match_domain(const struct vg_intel *in, const char *name, size_t len,
			   struct vg_intel_hit *hit);
/* 32 hex digits, either case. */
bool vg_intel_match_ja3(const struct vg_intel *in, const char *md5hex, struct vg_intel_hit *hit);

/* Everything loaded: indicators (0 .. count-1, in load order), sources. */
size_t vg_intel_count(const struct vg_intel *in);
void vg_intel_get(const struct vg_intel *in, size_t i, struct vg_intel_hit *hit);
size_t vg_intel_nsources(const struct vg_intel *in);
const struct vg_intel_source *vg_intel_source_at(const struct vg_intel *in, size_t i);
/* Totals over all sources: loaded by type, and the rest. */
void vg_intel_totals(const struct vg_intel *in, struct vg_intel_source *sum);
/* Non-overlapping address segments after flattening, per family (4, 6). */
size_t vg_intel_segments(const struct vg_intel *in, int family);
/* Bytes held by the tables. */
size_t vg_intel_bytes(const struct vg_intel *in);

const char *vg_intel_type_name(enum vg_intel_type t);
/* "YYYY-MM-DD HH:MM:SS" (UTC) into buf (at least 20 bytes); "-" for 0. */
void vg_intel_format_time(char *buf, size_t len, int64_t t);

#endif
