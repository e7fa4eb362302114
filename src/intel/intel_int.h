/*
 * intel_int.h - what the intel loaders (list.c, abusech.c, stix.c) share
 * with the core (intel.c): adding indicators to the file being loaded and
 * reporting lines that cannot be used. Not part of the stage's API.
 */
#ifndef VG_INTEL_INT_H
#define VG_INTEL_INT_H

#include <stdarg.h>
#include <string.h>

#include "intel/intel.h"

/* What a feed says about one indicator. */
struct vg_intel_meta {
	const char *family; /* not NUL-terminated; NULL or empty: none */
	size_t family_len;
	int64_t first_seen, last_seen; /* 0: unknown */
};

/* One file being loaded. */
struct vg_intel_file {
	struct vg_intel *in;
	size_t src; /* index of its vg_intel_source */
	const char *name;
	unsigned warned; /* line warnings given (the rest are only counted) */
};

#define VG_INTEL_WARN_MAX 10 /* line warnings per file */

struct vg_intel_source *vg_intel_file_source(struct vg_intel_file *f);
/* The loader's feed name ("feodo", ...), a string literal. */
void vg_intel_file_feed(struct vg_intel_file *f, const char *feed);

/* Each returns 0 (added, a duplicate, or over the cap: all counted), 1 if
 * the text is not what the field should hold (reported as malformed with
 * file:line and field; counted), or VG_ENOMEM. */
int vg_intel_add_host(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
		      size_t len, const struct vg_intel_meta *m); /* address, prefix or domain */
int vg_intel_add_addr(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
		      size_t len, const struct vg_intel_meta *m); /* address or prefix only */
int vg_intel_add_domain(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
			size_t len, const struct vg_intel_meta *m);
int vg_intel_add_ja3(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
		     size_t len, const struct vg_intel_meta *m);

/* A line that cannot be used: counted, and reported as
 * "name:line: field: why" (the first VG_INTEL_WARN_MAX per file). */
void vg_intel_malformed(struct vg_intel_file *f, uint32_t line, const char *field, const char *fmt,
			...) __attribute__((format(printf, 4, 5)));
/* A well-formed entry of a kind vigil does not use (e.g. a STIX file-hash
 * pattern): counted under unsupported and reported like malformed ones. */
void vg_intel_unsupported(struct vg_intel_file *f, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "2021-01-17", "2021-01-17 07:30:05", "2021-01-17T07:30:05.000Z", with an
 * optional " UTC", "Z" or "+00:00": Unix seconds. Empty text gives 0. Returns
 * 0, or -1 if the text is not such a date. */
int vg_intel_parse_time(const char *s, size_t len, int64_t *out);
/* Parses an address with an optional /bits: family 4 or 6, 16 bytes out
 * (IPv4 in the first 4). An IPv4-mapped IPv6 address is IPv4. Returns 0
 * or -1. */
int vg_intel_parse_prefix(const char *s, size_t len, int *family, uint8_t addr[16], unsigned *bits);
/* A syntactically valid domain name: labels of letters, digits, '-', '_',
 * 1-63 bytes, at least two labels, the last not all digits, 253 bytes at
 * most (one trailing dot and a leading "*." allowed). */
bool vg_intel_is_domain(const char *s, size_t len);

/* The host of a URL: after "scheme://" and any "user@", before the port,
 * path, query or fragment; an IPv6 host without its brackets. */
bool vg_intel_url_host(const char *u, size_t n, const char **h, size_t *hn);

/* Loaders: <0 only for VG_ENOMEM; everything else is counted. */
enum vg_csv_kind { VG_CSV_NONE, VG_CSV_FEODO, VG_CSV_URLHAUS, VG_CSV_SSLBL_JA3 };
enum vg_csv_kind vg_intel_csv_detect(const char *buf, size_t len);
int vg_intel_load_csv(struct vg_intel_file *f, const char *buf, size_t len, enum vg_csv_kind kind);
int vg_intel_load_list(struct vg_intel_file *f, const char *buf, size_t len);
int vg_intel_load_stix(struct vg_intel_file *f, const char *buf, size_t len);

/* Iterates lines: returns the next line (without CR/LF) or NULL at the end. */
static inline const char *vg_intel_next_line(const char *buf, size_t len, size_t *pos,
					     size_t *line_len)
{
	const char *p, *nl;
	size_t n;

	if (*pos >= len)
		return NULL;
	p = buf + *pos;
	nl = memchr(p, '\n', len - *pos);
	n = nl ? (size_t)(nl - p) : len - *pos;
	*pos += n + (nl ? 1 : 0);
	if (n && p[n - 1] == '\r')
		n--;
	*line_len = n;
	return p;
}

#endif
