/*
 * asn_csv.c - compiling CSV address ranges into the ASN range file
 * (vg_asn_compile; format in asn.h).
 *
 * Input: the CSV files of the npm package @ip-location-db/asn
 * (asn-ipv4.csv, asn-ipv6.csv): `start_ip,end_ip,asn,org`, inclusive
 * ranges, no header line, RFC 4180 quoting for the organisation ("Cloudflare,
 * Inc."). Parsing is strict, because a silently skipped line would be a
 * silently wrong answer later: a line that is not exactly four fields, an
 * address that does not parse, a start after its end, two families in one
 * range, an ASN that is not a 32-bit number, an organisation with control
 * characters or invalid UTF-8, and a range that holds another are all
 * errors naming the file and line. Two ranges that overlap in part (one in
 * the package of 2026-06-17, 214.95.0.0-215.0.255.255 AS749 against
 * 215.0.0.0-215.1.3.255 AS721: the package's README warns of such data
 * bugs) are resolved, not rejected: the range that starts later keeps the
 * overlap and the earlier one is cut to end before it; each cut is counted
 * and the first is named in the report. Organisation names are stored once.
 * Runs once at setup (about a second for the 515,000 ranges); not on any
 * packet path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib/asn.h"

struct range {
	uint8_t start[16], end[16]; /* network order; IPv4 in the first 4 bytes */
	uint32_t asn, org;
	uint32_t line;
	uint16_t file;
	uint8_t family;
};

struct compiler {
	struct range *r;
	size_t n, cap;
	char *str; /* names, NUL-terminated, offset 0 is "" */
	size_t str_len, str_cap;
	uint32_t *slot; /* open addressing: offset + 1 of a name, 0 empty */
	size_t slot_cap, slot_used;
	const char *const *files;
};

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a: the keys are not hostile */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return h;
}

static int slot_grow(struct compiler *c)
{
	size_t cap = c->slot_cap ? c->slot_cap * 2 : 1u << 16;
	uint32_t *s = calloc(cap, sizeof *s);

	if (!s)
		return VG_ENOMEM;
	for (size_t i = 0; i < c->slot_cap; i++) {
		uint32_t v = c->slot[i];
		const char *name;
		size_t j;
		if (!v)
			continue;
		name = c->str + v - 1;
		j = hash_str(name, strlen(name)) & (cap - 1);
		while (s[j])
			j = (j + 1) & (cap - 1);
		s[j] = v;
	}
	free(c->slot);
	c->slot = s;
	c->slot_cap = cap;
	return 0;
}

/* The offset of name in the names table, adding it if new. */
static int intern(struct compiler *c, const char *name, size_t len, uint32_t *off)
{
	size_t j;

	if (!len) {
		*off = 0;
		return 0;
	}
	if ((c->slot_used + 1) * 2 > c->slot_cap && slot_grow(c) < 0)
		return VG_ENOMEM;
	j = hash_str(name, len) & (c->slot_cap - 1);
	for (; c->slot[j]; j = (j + 1) & (c->slot_cap - 1)) {
		const char *s = c->str + c->slot[j] - 1;
		if (strlen(s) == len && !memcmp(s, name, len)) {
			*off = c->slot[j] - 1;
			return 0;
		}
	}
	if (c->str_len + len + 1 > c->str_cap) {
		size_t cap = (c->str_len + len + 1) * 2;
		char *s;
		if (cap > UINT32_MAX)
			return VG_ENOMEM;
		s = realloc(c->str, cap);
		if (!s)
			return VG_ENOMEM;
		c->str = s;
		c->str_cap = cap;
	}
	memcpy(c->str + c->str_len, name, len);
	c->str[c->str_len + len] = '\0';
	*off = (uint32_t)c->str_len;
	c->slot[j] = (uint32_t)c->str_len + 1;
	c->slot_used++;
	c->str_len += len + 1;
	return 0;
}

/* Splits one CSV line into fields in place (RFC 4180 quoting); returns the
 * number of fields, or -1 with why on a quoting error. */
static int split(char *line, char **field, size_t *flen, int max, const char **why)
{
	char *p = line;
	int n = 0;

	for (;;) {
		char *out, *start;
		if (n == max) {
			*why = "more than 4 fields";
			return -1;
		}
		start = out = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p) {
					*why = "a quoted field is not closed";
					return -1;
				}
				if (*p == '"') {
					if (p[1] != '"')
						break;
					p++;
				}
				*out++ = *p++;
			}
			p++; /* closing quote */
			if (*p && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			while (*p && *p != ',') {
				if (*p == '"') {
					*why = "a quote inside an unquoted field";
					return -1;
				}
				*out++ = *p++;
			}
		}
		field[n] = start;
		flen[n] = (size_t)(out - start);
		n++;
		if (!*p)
			return n;
		*out = '\0'; /* out <= p: the field ends before the comma */
		p++;
	}
}

static bool valid_utf8_text(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + k >= len)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		/* overlong, surrogates, beyond U+10FFFF */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static int parse_addr(const char *text, uint8_t out[16], uint8_t *family)
{
	memset(out, 0, 16);
	if (strchr(text, ':')) {
		*family = 6;
		return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
	}
	*family = 4;
	return inet_pton(AF_INET, text, out) == 1 ? 0 : -1;
}

static int parse_line(struct compiler *c, char *line, uint16_t file, uint32_t lineno, char *errbuf,
		      size_t errlen)
{
	const char *name = c->files[file], *why = NULL;
	char *field[4];
	size_t flen[4];
	struct range *r;
	uint8_t fam2;
	unsigned long long asn;
	char *end;
	int n;

	if (!*line) {
		snprintf(errbuf, errlen, "%s:%u: empty line (expected start_ip,end_ip,asn,org)",
			 name, lineno);
		return VG_EFORMAT;
	}
	n = split(line, field, flen, 4, &why);
	if (n != 4) {
		snprintf(errbuf, errlen, "%s:%u: %s (expected 4 fields: start_ip,end_ip,asn,org)",
			 name, lineno, n < 0 ? why : "fewer than 4 fields");
		return VG_EFORMAT;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1u << 16;
		struct range *nr = realloc(c->r, cap * sizeof *nr);
		if (!nr) {
			snprintf(errbuf, errlen, "%s:%u: out of memory", name, lineno);
			return VG_ENOMEM;
		}
		c->r = nr;
		c->cap = cap;
	}
	r = &c->r[c->n];
	memset(r, 0, sizeof *r);
	r->file = file;
	r->line = lineno;
	if (parse_addr(field[0], r->start, &r->family) < 0) {
		snprintf(errbuf, errlen, "%s:%u: field 1 (start_ip): \"%s\" is not an IP address",
			 name, lineno, field[0]);
		return VG_EFORMAT;
	}
	if (parse_addr(field[1], r->end, &fam2) < 0) {
		snprintf(errbuf, errlen, "%s:%u: field 2 (end_ip): \"%s\" is not an IP address",
			 name, lineno, field[1]);
		return VG_EFORMAT;
	}
	if (fam2 != r->family) {
		snprintf(errbuf, errlen, "%s:%u: start %s and end %s are of different families",
			 name, lineno, field[0], field[1]);
		return VG_EFORMAT;
	}
	if (memcmp(r->start, r->end, 16) > 0) {
		snprintf(errbuf, errlen, "%s:%u: start %s is after end %s", name, lineno, field[0],
			 field[1]);
		return VG_EFORMAT;
	}
	errno = 0;
	asn = strtoull(field[2], &end, 10);
	if (!flen[2] || flen[2] > 10 || *end || field[2][0] < '0' || field[2][0] > '9' || errno ||
	    asn > UINT32_MAX) {
		snprintf(errbuf, errlen,
			 "%s:%u: field 3 (asn): \"%s\" is not a number from 0 to 4294967295", name,
			 lineno, field[2]);
		return VG_EFORMAT;
	}
	r->asn = (uint32_t)asn;
	if (!valid_utf8_text((const uint8_t *)field[3], flen[3])) {
		snprintf(errbuf, errlen,
			 "%s:%u: field 4 (org): not UTF-8 text (control character or bad byte "
			 "sequence)",
			 name, lineno);
		return VG_EFORMAT;
	}
	if (intern(c, field[3], flen[3], &r->org) < 0) {
		snprintf(errbuf, errlen, "%s:%u: out of memory", name, lineno);
		return VG_ENOMEM;
	}
	c->n++;
	return 0;
}

static int read_csv(struct compiler *c, uint16_t file, char *errbuf, size_t errlen)
{
	const char *name = c->files[file];
	FILE *fp = fopen(name, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint32_t lineno = 0;
	int rc = 0;

	if (!fp) {
		snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (memchr(line, '\0', (size_t)len)) {
			snprintf(errbuf, errlen, "%s:%u: NUL byte in the line", name, lineno);
			rc = VG_EFORMAT;
			goto out;
		}
		rc = parse_line(c, line, file, lineno, errbuf, errlen);
		if (rc < 0)
			goto out;
	}
	if (ferror(fp)) {
		snprintf(errbuf, errlen, "%s: read error: %s", name, strerror(errno));
		rc = VG_EIO;
	}
out:
	free(line);
	fclose(fp);
	return rc;
}

/* a = b - 1 for 16-byte big-endian numbers (b > 0). */
static void dec128(uint8_t *a, const uint8_t *b)
{
	int i = 15;

	memcpy(a, b, 16);
	while (i >= 0 && a[i] == 0)
		a[i--] = 0xff;
	if (i >= 0)
		a[i]--;
}

static int cmp_range(const void *pa, const void *pb)
{
	const struct range *a = pa, *b = pb;
	int d;

	if (a->family != b->family)
		return a->family - b->family;
	d = memcmp(a->start, b->start, 16);
	return d ? d : memcmp(a->end, b->end, 16);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* little-endian host (x86-64, arm64); see asn.h */
}

static int write_file(const struct compiler *c, size_t n4, const char *out_path, const char *source,
		      const char *data_date, char *errbuf, size_t errlen)
{
	uint8_t h[VG_ASN_HEADER_SIZE] = {0}, rec[VG_ASN_REC6_SIZE];
	uint64_t now = (uint64_t)time(NULL);
	char tmp[4200];
	FILE *fp;
	int rc = 0;

	snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
	fp = fopen(tmp, "wb");
	if (!fp) {
		snprintf(errbuf, errlen, "%s: %s", tmp, strerror(errno));
		return VG_EIO;
	}
	memcpy(h, VG_ASN_MAGIC, 8);
	put_le32(h + 8, VG_ASN_VERSION);
	put_le32(h + 12, (uint32_t)n4);
	put_le32(h + 16, (uint32_t)(c->n - n4));
	put_le32(h + 20, (uint32_t)c->str_len);
	memcpy(h + 24, &now, 8);
	snprintf((char *)h + 32, 64, "%s", source ? source : "");
	snprintf((char *)h + 96, 16, "%s", data_date ? data_date : "");
	fwrite(h, 1, sizeof h, fp);
	for (size_t i = 0; i < c->n; i++) {
		const struct range *r = &c->r[i];
		if (r->family == 4) {
			uint32_t s, e;
			memcpy(&s, r->start, 4);
			memcpy(&e, r->end, 4);
			put_le32(rec, __builtin_bswap32(s));
			put_le32(rec + 4, __builtin_bswap32(e));
			put_le32(rec + 8, r->asn);
			put_le32(rec + 12, r->org);
			fwrite(rec, 1, VG_ASN_REC4_SIZE, fp);
		} else {
			memcpy(rec, r->start, 16);
			memcpy(rec + 16, r->end, 16);
			put_le32(rec + 32, r->asn);
			put_le32(rec + 36, r->org);
			fwrite(rec, 1, VG_ASN_REC6_SIZE, fp);
		}
	}
	fwrite(c->str, 1, c->str_len, fp);
	if (ferror(fp) | (fclose(fp) != 0)) {
		snprintf(errbuf, errlen, "%s: write failed: %s", tmp, strerror(errno));
		rc = VG_EIO;
	} else if (rename(tmp, out_path) < 0) {
		snprintf(errbuf, errlen, "%s: %s", out_path, strerror(errno));
		rc = VG_EIO;
	}
	if (rc < 0)
		remove(tmp);
	return rc;
}

int vg_asn_compile(const char *out_path, const char *const *csv, size_t ncsv, const char *source,
		   const char *data_date, struct vg_asn_report *rep, char *errbuf, size_t errlen)
{
	struct compiler c;
	size_t n4 = 0;
	int rc = 0;

	memset(&c, 0, sizeof c);
	if (rep)
		memset(rep, 0, sizeof *rep);
	c.files = csv;
	if (ncsv > UINT16_MAX) {
		snprintf(errbuf, errlen, "too many CSV files");
		return VG_EINVAL;
	}
	c.str = malloc(1);
	if (!c.str) {
		snprintf(errbuf, errlen, "%s: out of memory", out_path);
		rc = VG_ENOMEM;
		goto out;
	}
	c.str[0] = '\0';
	c.str_len = c.str_cap = 1;
	for (size_t f = 0; f < ncsv; f++) {
		rc = read_csv(&c, (uint16_t)f, errbuf, errlen);
		if (rc < 0)
			goto out;
	}
	if (c.n > UINT32_MAX / 2) {
		snprintf(errbuf, errlen, "too many ranges (%zu)", c.n);
		rc = VG_EINVAL;
		goto out;
	}
	if (c.n)
		qsort(c.r, c.n, sizeof *c.r, cmp_range);
	for (size_t i = 0; i < c.n; i++) {
		struct range *a = i ? &c.r[i - 1] : NULL, *b = &c.r[i];
		if (b->family == 4)
			n4++;
		if (!a || a->family != b->family || memcmp(b->start, a->end, 16) > 0)
			continue;
		/* Sorted by start, then end: b starts inside a. */
		if (!memcmp(a->start, b->start, 16) || memcmp(b->end, a->end, 16) <= 0) {
			snprintf(errbuf, errlen, "%s:%u: range lies within the range of %s:%u",
				 csv[b->file], b->line, csv[a->file], a->line);
			rc = VG_EFORMAT;
			goto out;
		}
		dec128(a->end, b->start);
		if (rep && !rep->clipped++)
			snprintf(rep->first_clip, sizeof rep->first_clip,
				 "%s:%u: range overlaps the range of %s:%u, which was cut to end "
				 "before it",
				 csv[b->file], b->line, csv[a->file], a->line);
	}
	if (rep) {
		rep->n4 = n4;
		rep->n6 = c.n - n4;
		rep->names = c.slot_used;
	}
	rc = write_file(&c, n4, out_path, source, data_date, errbuf, errlen);
out:
	free(c.r);
	free(c.str);
	free(c.slot);
	return rc;
}
