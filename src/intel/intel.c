/*
 * intel.c - the intel stage's core: indicator records, the tables they are
 * found by, loading files and folders, and the lookups (API in intel.h).
 *
 * Layout, for a million indicators in a few tens of MiB:
 *   records   24 bytes each: offsets of the indicator text and family in
 *             one string arena, dates as 32-bit Unix seconds, source, type
 *   strings   one arena, NUL-terminated; families interned (a feed repeats
 *             a handful of names a million times)
 *   addresses ranges.c: prefixes flattened into sorted segments; exact
 *             duplicates found at load by a key set (family, bits, address)
 *   names     names.c: domains (lower-case, no trailing dot) and JA3 md5s
 * Lookups read only; the tables are rebuilt at the end of each load.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/vg.h"
#include "intel/intel_int.h"
#include "intel/names.h"
#include "intel/ranges.h"

struct rec {
	uint32_t text, family, line;
	uint32_t first, last; /* Unix seconds; 0 unknown */
	uint16_t src;
	uint8_t type;
};

#define MAX_SOURCES 65535 /* rec.src is 16 bits */

struct vg_intel {
	uint32_t max;
	struct rec *recs;
	size_t nrec, caprec;
	char *str; /* offset 0 is "" */
	size_t str_len, str_cap;
	struct vg_names *families, *domains, *ja3, *addrs;
	struct vg_ranges *ranges;
	struct vg_intel_source *src;
	size_t nsrc, capsrc;
	vg_intel_warn_fn *warn;
	void *warn_arg;
};

int vg_intel_new(struct vg_intel **out, const struct vg_intel_config *cfg, uint64_t seed)
{
	struct vg_intel *in = calloc(1, sizeof *in);

	*out = NULL;
	if (!in)
		return VG_ENOMEM;
	if (!seed)
		seed = vg_hash_seed_random();
	in->max = cfg ? cfg->max_indicators : VG_INTEL_MAX_DEFAULT;
	in->str_cap = 4096;
	in->str = malloc(in->str_cap);
	if (!in->str || vg_names_new(&in->families, seed) < 0 ||
	    vg_names_new(&in->domains, seed + 1) < 0 || vg_names_new(&in->ja3, seed + 2) < 0 ||
	    vg_names_new(&in->addrs, seed + 3) < 0 || vg_ranges_new(&in->ranges) < 0) {
		vg_intel_free(in);
		return VG_ENOMEM;
	}
	in->str[0] = '\0';
	in->str_len = 1;
	*out = in;
	return VG_OK;
}

void vg_intel_free(struct vg_intel *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->nsrc; i++)
		free((char *)in->src[i].path);
	free(in->src);
	free(in->recs);
	free(in->str);
	vg_names_free(in->families);
	vg_names_free(in->domains);
	vg_names_free(in->ja3);
	vg_names_free(in->addrs);
	vg_ranges_free(in->ranges);
	free(in);
}

void vg_intel_set_warn(struct vg_intel *in, vg_intel_warn_fn *fn, void *arg)
{
	in->warn = fn;
	in->warn_arg = arg;
}

/* Copies len bytes into the arena; returns the offset or 0 if out of
 * memory (offset 0 is the empty string, never a copy). */
static uint32_t str_put(struct vg_intel *in, const char *s, size_t len)
{
	uint32_t off;

	if (!len)
		return 0;
	if (in->str_len + len + 1 > in->str_cap) {
		size_t cap = in->str_cap * 2;
		char *p;
		while (cap < in->str_len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX || !(p = realloc(in->str, cap)))
			return 0;
		in->str = p;
		in->str_cap = cap;
	}
	off = (uint32_t)in->str_len;
	memcpy(in->str + off, s, len);
	in->str[off + len] = '\0';
	in->str_len += len + 1;
	return off;
}

/* The family's interned offset (0 for none); -1 out of memory. */
/* Families are interned without regard to ASCII case (Feodo's "Emotet"
 * and URLhaus's "emotet" are one family in reports); the first spelling
 * loaded is the one kept. */
static int64_t family_put(struct vg_intel *in, const char *s, size_t len)
{
	uint32_t off;
	char key[VG_NAME_MAX];
	int rc;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!s || !len)
		return 0;
	if (len > VG_NAME_MAX)
		len = VG_NAME_MAX;
	for (size_t i = 0; i < len; i++)
		key[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
	if (vg_names_get(in->families, key, len, &off))
		return off;
	if (!(off = str_put(in, s, len)))
		return -1;
	rc = vg_names_put(in->families, key, len, off, NULL);
	return rc < 0 ? -1 : (int64_t)off;
}

struct vg_intel_source *vg_intel_file_source(struct vg_intel_file *f)
{
	return &f->in->src[f->src];
}

void vg_intel_file_feed(struct vg_intel_file *f, const char *feed)
{
	f->in->src[f->src].feed = feed;
}

static void vwarn(struct vg_intel_file *f, uint32_t line, const char *field, const char *fmt,
		  va_list ap)
{
	char msg[512];
	int n;

	if (!f->in->warn || f->warned++ >= VG_INTEL_WARN_MAX)
		return;
	n = field ? snprintf(msg, sizeof msg, "%s:%u: %s: ", f->name, line, field)
		  : snprintf(msg, sizeof msg, "%s:%u: ", f->name, line);
	if (n > 0 && (size_t)n < sizeof msg)
		vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	f->in->warn(f->in->warn_arg, msg);
}

void vg_intel_malformed(struct vg_intel_file *f, uint32_t line, const char *field, const char *fmt,
			...)
{
	va_list ap;

	vg_intel_file_source(f)->malformed++;
	va_start(ap, fmt);
	vwarn(f, line, field, fmt, ap);
	va_end(ap);
}

void vg_intel_unsupported(struct vg_intel_file *f, uint32_t line, const char *fmt, ...)
{
	va_list ap;

	vg_intel_file_source(f)->unsupported++;
	va_start(ap, fmt);
	vwarn(f, line, NULL, fmt, ap);
	va_end(ap);
}

/* Adds one record whose key is new to its table; the caller has checked
 * the cap. Returns the record index or -1 (out of memory). */
static int64_t rec_add(struct vg_intel_file *f, enum vg_intel_type type, uint32_t line,
		       const char *text, size_t len, const struct vg_intel_meta *m)
{
	struct vg_intel *in = f->in;
	struct rec *r;
	int64_t fam = 0;

	if (in->nrec == in->caprec) {
		size_t cap = in->caprec ? in->caprec * 2 : 4096;
		struct rec *p = realloc(in->recs, cap * sizeof *p);
		if (!p)
			return -1;
		in->recs = p;
		in->caprec = cap;
	}
	if (m && m->family && (fam = family_put(in, m->family, m->family_len)) < 0)
		return -1;
	r = &in->recs[in->nrec];
	*r = (struct rec){.line = line, .src = (uint16_t)f->src, .type = (uint8_t)type};
	r->family = (uint32_t)fam;
	if (m) {
		r->first =
		    m->first_seen > 0 && m->first_seen <= UINT32_MAX ? (uint32_t)m->first_seen : 0;
		r->last =
		    m->last_seen > 0 && m->last_seen <= UINT32_MAX ? (uint32_t)m->last_seen : 0;
	}
	if (!(r->text = str_put(in, text, len)))
		return -1;
	return (int64_t)in->nrec++;
}

/* Puts key in set with the next record index; 1 new (record added), 0
 * duplicate or capped (counted), <0 out of memory. */
static int keyed_add(struct vg_intel_file *f, struct vg_names *set, const void *key, size_t klen,
		     enum vg_intel_type type, uint32_t line, const char *text, size_t len,
		     const struct vg_intel_meta *m)
{
	struct vg_intel *in = f->in;
	struct vg_intel_source *s = vg_intel_file_source(f);
	int rc;

	if (in->nrec >= in->max) {
		if (vg_names_get(set, key, klen, NULL))
			s->duplicates++;
		else
			s->capped++;
		return 0;
	}
	/* One probe: put finds an existing key as well. */
	if ((rc = vg_names_put(set, key, klen, (uint32_t)in->nrec, NULL)) < 0)
		return rc;
	if (rc == 0) {
		s->duplicates++;
		return 0;
	}
	if (rec_add(f, type, line, text, len, m) < 0)
		return VG_ENOMEM;
	s->loaded[type]++;
	return 1;
}

static int add_prefix(struct vg_intel_file *f, uint32_t line, const char *text, size_t len,
		      int family, const uint8_t *addr, unsigned bits, const struct vg_intel_meta *m)
{
	uint8_t key[18];
	size_t alen = family == 4 ? 4 : 16;
	int rc;

	/* The key is the prefix with host bits cleared, so 10.0.0.1/8 and
	 * 10.0.0.0/8 are one indicator. */
	key[0] = (uint8_t)family;
	key[1] = (uint8_t)bits;
	for (size_t i = 0; i < alen; i++) {
		unsigned keep = bits >= (i + 1) * 8 ? 8 : bits > i * 8 ? bits - i * 8 : 0;
		key[2 + i] = keep ? (uint8_t)(addr[i] & (0xff00u >> keep)) : 0;
	}
	rc = keyed_add(f, f->in->addrs, key, 2 + alen, family == 4 ? VG_INTEL_IPV4 : VG_INTEL_IPV6,
		       line, text, len, m);
	if (rc == 1 &&
	    vg_ranges_add(f->in->ranges, family, addr, bits, (uint32_t)(f->in->nrec - 1)) < 0)
		return VG_ENOMEM;
	return rc < 0 ? rc : 0;
}

static size_t trim(const char **s, size_t len)
{
	while (len && (**s == ' ' || **s == '\t'))
		(*s)++, len--;
	while (len && ((*s)[len - 1] == ' ' || (*s)[len - 1] == '\t'))
		len--;
	return len;
}

int vg_intel_parse_prefix(const char *s, size_t len, int *family, uint8_t addr[16], unsigned *bits)
{
	char buf[64];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	unsigned b = 0;

	if (!alen || alen >= sizeof buf)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		*bits = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		*family = 6;
		*bits = 128;
		if (!memcmp(addr, mapped, 12)) {
			memmove(addr, addr + 12, 4);
			memset(addr + 4, 0, 12);
			*family = 4;
			*bits = 32;
			if (slash) /* a prefix of the mapped space, in IPv4 bits */
				*bits = 128;
		}
	} else {
		return -1;
	}
	if (slash) {
		const char *p = slash + 1, *end = s + len;
		if (p == end || end - p > 3)
			return -1;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			b = b * 10 + (unsigned)(*p - '0');
		}
		if (*bits == 128 && *family == 4) { /* ::ffff:a.b.c.d/n */
			if (b < 96)
				return -1;
			b -= 96;
			*bits = 32;
		}
		if (b > *bits)
			return -1;
		*bits = b;
	}
	return 0;
}

bool vg_intel_is_domain(const char *s, size_t len)
{
	size_t label = 0, labels = 0, last_start = 0;
	bool digits_only = true;

	if (len >= 2 && s[0] == '*' && s[1] == '.')
		s += 2, len -= 2;
	if (len && s[len - 1] == '.')
		len--;
	if (!len || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (!label || label > 63)
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (!label) {
			last_start = i;
			digits_only = true;
		}
		label++;
		if (c >= '0' && c <= '9')
			continue;
		digits_only = false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return false;
	}
	(void)last_start;
	/* A numeric last label is a mistyped address, never a top-level domain. */
	return labels >= 2 && !digits_only;
}

int vg_intel_add_addr(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
		      size_t len, const struct vg_intel_meta *m)
{
	uint8_t addr[16];
	unsigned bits;
	int family;

	len = trim(&text, len);
	if (vg_intel_parse_prefix(text, len, &family, addr, &bits) < 0) {
		vg_intel_malformed(f, line, field, "\"%.*s\" is not an IP address or CIDR prefix",
				   (int)(len > 80 ? 80 : len), text);
		return 1;
	}
	return add_prefix(f, line, text, len, family, addr, bits, m);
}

/* A name vg_intel_is_domain() accepted. */
static int add_domain(struct vg_intel_file *f, uint32_t line, const char *text, size_t len,
		      const struct vg_intel_meta *m)
{
	char key[VG_NAME_MAX + 1];
	int klen;
	int rc;

	if (len >= 2 && text[0] == '*' && text[1] == '.') /* parents match anyway */
		text += 2, len -= 2;
	klen = vg_names_domain_key(text, len, key);
	rc = keyed_add(f, f->in->domains, key, (size_t)klen, VG_INTEL_DOMAIN, line, text, len, m);
	return rc < 0 ? rc : 0;
}

int vg_intel_add_domain(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
			size_t len, const struct vg_intel_meta *m)
{
	len = trim(&text, len);
	if (!vg_intel_is_domain(text, len)) {
		vg_intel_malformed(f, line, field, "\"%.*s\" is not a domain name",
				   (int)(len > 80 ? 80 : len), text);
		return 1;
	}
	return add_domain(f, line, text, len, m);
}

int vg_intel_add_host(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
		      size_t len, const struct vg_intel_meta *m)
{
	uint8_t addr[16];
	unsigned bits;
	int family;

	len = trim(&text, len);
	if (vg_intel_parse_prefix(text, len, &family, addr, &bits) == 0)
		return add_prefix(f, line, text, len, family, addr, bits, m);
	if (vg_intel_is_domain(text, len))
		return add_domain(f, line, text, len, m);
	vg_intel_malformed(f, line, field,
			   "\"%.*s\" is not an IP address, CIDR prefix or domain name",
			   (int)(len > 80 ? 80 : len), text);
	return 1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Lower-case hex of a JA3 md5 into out[33]; -1 if not 32 hex digits. */
static int ja3_key(const char *s, size_t len, char *out)
{
	if (len != 32)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		if (hexval(s[i]) < 0)
			return -1;
		out[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] + 32) : s[i];
	}
	out[32] = '\0';
	return 0;
}

int vg_intel_add_ja3(struct vg_intel_file *f, uint32_t line, const char *field, const char *text,
		     size_t len, const struct vg_intel_meta *m)
{
	char key[33];
	int rc;

	len = trim(&text, len);
	if (ja3_key(text, len, key) < 0) {
		vg_intel_malformed(f, line, field, "\"%.*s\" is not an md5 (32 hex digits)",
				   (int)(len > 80 ? 80 : len), text);
		return 1;
	}
	rc = keyed_add(f, f->in->ja3, key, 32, VG_INTEL_JA3, line, key, 32, m);
	return rc < 0 ? rc : 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t len, size_t at, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (at + n > len)
		return -1;
	for (size_t i = at; i < at + n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int vg_intel_parse_time(const char *s, size_t len, int64_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t i = 10;

	len = trim(&s, len);
	*out = 0;
	if (!len)
		return 0;
	if (digits(s, len, 0, 4, &y) || len < 10 || s[4] != '-' || digits(s, len, 5, 2, &mo) ||
	    s[7] != '-' || digits(s, len, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1])
		return -1;
	if (i < len && (s[i] == ' ' || s[i] == 'T') && i + 1 < len && s[i + 1] != 'U') {
		if (digits(s, len, i + 1, 2, &h) || i + 3 >= len || s[i + 3] != ':' ||
		    digits(s, len, i + 4, 2, &mi) || h > 23 || mi > 59)
			return -1;
		i += 6;
		if (i < len && s[i] == ':') {
			if (digits(s, len, i + 1, 2, &se) || se > 60)
				return -1;
			i += 3;
			if (i < len && s[i] == '.') {
				i++;
				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
			}
		}
	}
	/* Every feed here writes UTC; accept only the ways of saying so. */
	if (i < len &&
	    !((len - i == 1 && s[i] == 'Z') || (len - i == 4 && !memcmp(s + i, " UTC", 4)) ||
	      (len - i == 6 && !memcmp(s + i, "+00:00", 6))))
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

/* ---- loading ---- */

static int source_add(struct vg_intel *in, const char *name, size_t *idx)
{
	if (in->nsrc >= MAX_SOURCES)
		return VG_EINVAL;
	if (in->nsrc == in->capsrc) {
		size_t cap = in->capsrc ? in->capsrc * 2 : 16;
		struct vg_intel_source *p = realloc(in->src, cap * sizeof *p);
		if (!p)
			return VG_ENOMEM;
		in->src = p;
		in->capsrc = cap;
	}
	in->src[in->nsrc] = (struct vg_intel_source){.feed = "list"};
	if (!(in->src[in->nsrc].path = strdup(name)))
		return VG_ENOMEM;
	*idx = in->nsrc++;
	return VG_OK;
}

static bool has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && !strcasecmp(name + n - e, ext);
}

/* Loads one buffer without rebuilding the address table. */
static int load_buf(struct vg_intel *in, const char *buf, size_t len, const char *name,
		    char *errbuf, size_t errlen)
{
	struct vg_intel_file f = {.in = in, .name = name};
	struct vg_intel_source *s;
	enum vg_csv_kind kind;
	size_t i = 0;
	int rc;

	if ((rc = source_add(in, name, &f.src)) < 0) {
		snprintf(errbuf, errlen, "%s: %s", name,
			 rc == VG_EINVAL ? "more than 65535 intel files" : vg_strerror(rc));
		return rc;
	}
	f.name = in->src[f.src].path;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (has_ext(name, ".json") || (i < len && (buf[i] == '{' || buf[i] == '['))) {
		rc = vg_intel_load_stix(&f, buf, len);
	} else {
		/* Size the tables the lines may go to from the line count, so that
		 * a big file does not rehash them as it loads (a third of the load
		 * time for a million lines). At most max_indicators in all. */
		size_t lines = 0, room = in->max > in->nrec ? in->max - in->nrec : 0;
		for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))); p++)
			lines++;
		lines = lines < room ? lines : room;
		kind = vg_intel_csv_detect(buf, len);
		rc = VG_OK;
		if (kind != VG_CSV_SSLBL_JA3)
			rc = vg_names_reserve(in->addrs, vg_names_count(in->addrs) + lines);
		if (rc == VG_OK && kind == VG_CSV_SSLBL_JA3)
			rc = vg_names_reserve(in->ja3, vg_names_count(in->ja3) + lines);
		if (rc == VG_OK && kind != VG_CSV_FEODO && kind != VG_CSV_SSLBL_JA3)
			rc = vg_names_reserve(in->domains, vg_names_count(in->domains) + lines / 4);
		if (rc < 0)
			;
		else if (kind != VG_CSV_NONE)
			rc = vg_intel_load_csv(&f, buf, len, kind);
		else
			rc = vg_intel_load_list(&f, buf, len);
	}
	if (rc < 0) {
		snprintf(errbuf, errlen, "%s: %s", name, vg_strerror(rc));
		return rc;
	}
	s = &in->src[f.src];
	if (in->warn && f.warned > VG_INTEL_WARN_MAX) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s: %u more malformed or unsupported lines not shown",
			 f.name, f.warned - VG_INTEL_WARN_MAX);
		in->warn(in->warn_arg, msg);
	}
	if (in->warn && s->capped) {
		char msg[512];
		snprintf(msg, sizeof msg,
			 "%s: intel.max_indicators (%u) reached: %llu indicators not loaded",
			 f.name, in->max, (unsigned long long)s->capped);
		in->warn(in->warn_arg, msg);
	}
	return VG_OK;
}

int vg_intel_load_mem(struct vg_intel *in, const void *buf, size_t len, const char *name,
		      char *errbuf, size_t errlen)
{
	int rc = load_buf(in, buf, len, name, errbuf, errlen);
	int brc = vg_ranges_build(in->ranges);

	if (rc == 0 && brc < 0) {
		snprintf(errbuf, errlen, "%s: %s", name, vg_strerror(brc));
		rc = brc;
	}
	return rc;
}

static int load_file(struct vg_intel *in, const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = VG_OK;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		rc = errno == ENOENT ? VG_ENOENT : VG_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a regular file or folder", path);
		rc = VG_EINVAL;
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(errbuf, errlen, "%s: out of memory (%lld bytes)", path,
			 (long long)st.st_size);
		rc = VG_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
			rc = VG_EIO;
			goto out;
		}
		if (n == 0)
			break; /* shrank while read: use what is there */
		got += (size_t)n;
	}
	rc = load_buf(in, buf, got, path, errbuf, errlen);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int skip_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int vg_intel_load(struct vg_intel *in, const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	int rc = VG_OK, brc;

	if (stat(path, &st) < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **ents;
		int n = scandir(path, &ents, skip_hidden, alphasort);
		if (n < 0) {
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
			return VG_EIO;
		}
		for (int i = 0; i < n; i++) {
			char full[4096];
			struct stat fs;
			size_t plen = strlen(path);
			while (plen > 1 && path[plen - 1] == '/')
				plen--;
			snprintf(full, sizeof full, "%.*s/%s", (int)plen, path, ents[i]->d_name);
			if (rc == VG_OK && stat(full, &fs) == 0 && S_ISREG(fs.st_mode))
				rc = load_file(in, full, errbuf, errlen);
			free(ents[i]);
		}
		free(ents);
	} else {
		rc = load_file(in, path, errbuf, errlen);
	}
	brc = vg_ranges_build(in->ranges);
	if (rc == VG_OK && brc < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, vg_strerror(brc));
		rc = brc;
	}
	return rc;
}

/* ---- lookups ---- */

static void fill(const struct vg_intel *in, uint32_t i, struct vg_intel_hit *hit)
{
	const struct rec *r = &in->recs[i];

	hit->type = (enum vg_intel_type)r->type;
	hit->indicator = in->str + r->text;
	hit->source = in->src[r->src].path;
	hit->feed = in->src[r->src].feed;
	hit->family = in->str + r->family;
	hit->line = r->line;
	hit->first_seen = r->first;
	hit->last_seen = r->last;
}

bool vg_intel_match_addr(const struct vg_intel *in, int family, const uint8_t *addr,
			 struct vg_intel_hit *hit)
{
	uint32_t i;

	if (!vg_ranges_find(in->ranges, family, addr, &i) || i >= in->nrec)
		return false;
	fill(in, i, hit);
	return true;
}

void vg_intel_prefetch_addr(const struct vg_intel *in, int family, const uint8_t *addr, int step)
{
	vg_ranges_prefetch(in->ranges, family, addr, step == 2);
}

bool vg_intel_match_domain(const struct vg_intel *in, const char *name, size_t len,
			   struct vg_intel_hit *hit)
{
	uint32_t i;

	if (!vg_names_match_domain(in->domains, name, len, &i, NULL))
		return false;
	fill(in, i, hit);
	return true;
}

bool vg_intel_match_ja3(const struct vg_intel *in, const char *md5hex, struct vg_intel_hit *hit)
{
	char key[33];
	uint32_t i;

	if (!md5hex || ja3_key(md5hex, strnlen(md5hex, 33), key) < 0 ||
	    !vg_names_get(in->ja3, key, 32, &i))
		return false;
	fill(in, i, hit);
	return true;
}

size_t vg_intel_count(const struct vg_intel *in)
{
	return in->nrec;
}

void vg_intel_get(const struct vg_intel *in, size_t i, struct vg_intel_hit *hit)
{
	fill(in, (uint32_t)i, hit);
}

size_t vg_intel_nsources(const struct vg_intel *in)
{
	return in->nsrc;
}

const struct vg_intel_source *vg_intel_source_at(const struct vg_intel *in, size_t i)
{
	return &in->src[i];
}

void vg_intel_totals(const struct vg_intel *in, struct vg_intel_source *sum)
{
	memset(sum, 0, sizeof *sum);
	sum->path = "";
	sum->feed = "";
	for (size_t i = 0; i < in->nsrc; i++) {
		const struct vg_intel_source *s = &in->src[i];
		sum->lines += s->lines;
		for (int t = 0; t < VG_INTEL_NTYPES; t++)
			sum->loaded[t] += s->loaded[t];
		sum->duplicates += s->duplicates;
		sum->malformed += s->malformed;
		sum->unsupported += s->unsupported;
		sum->capped += s->capped;
	}
}

size_t vg_intel_segments(const struct vg_intel *in, int family)
{
	return vg_ranges_segments(in->ranges, family);
}

size_t vg_intel_bytes(const struct vg_intel *in)
{
	return sizeof *in + in->caprec * sizeof *in->recs + in->str_cap +
	       vg_names_bytes(in->families) + vg_names_bytes(in->domains) +
	       vg_names_bytes(in->ja3) + vg_names_bytes(in->addrs) + vg_ranges_bytes(in->ranges);
}

const char *vg_intel_type_name(enum vg_intel_type t)
{
	static const char *const names[VG_INTEL_NTYPES] = {"ipv4", "ipv6", "domain", "ja3"};

	return (unsigned)t < VG_INTEL_NTYPES ? names[t] : "?";
}

void vg_intel_format_time(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t || !gmtime_r(&tt, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

bool vg_intel_url_host(const char *u, size_t n, const char **h, size_t *hn)
{
	const char *p = u, *end = u + n, *s, *at;

	if ((s = memmem(u, n, "://", 3)))
		p = s + 3;
	for (s = p; s < end && *s != '/' && *s != '?' && *s != '#'; s++)
		;
	end = s;
	for (at = end; at > p && at[-1] != '@'; at--)
		;
	if (at > p)
		p = at;
	if (p < end && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return false;
		*h = p + 1;
		*hn = (size_t)(rb - p - 1);
		return *hn > 0;
	}
	s = memchr(p, ':', (size_t)(end - p));
	*h = p;
	*hn = (size_t)((s ? s : end) - p);
	return *hn > 0;
}
