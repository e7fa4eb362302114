/*
 * abusech.c - abuse.ch CSV feeds:
 *   Feodo Tracker IP blocklist (ipblocklist.csv, feed "feodo"):
 *     "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
 *   URLhaus (csv_recent, csv_online, feed "urlhaus"):
 *     # id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
 *     the indicator is the URL's host (an address or a domain); family: the
 *     first tag that is not a file type, architecture or other generic word
 *     ("32-bit,elf,mips,Mozi" -> Mozi, "emotet,heodo" -> emotet; all
 *     generic: every tag), else threat
 *   SSLBL JA3 fingerprints (ja3_fingerprints.csv, feed "sslbl-ja3"):
 *     # ja3_md5,Firstseen,Lastseen,Listingreason
 * Each file opens with a `#` banner ("abuse.ch Feodo Tracker ...") and a
 * header naming the columns, quoted or behind `#`. The header decides
 * which column is which (abuse.ch has moved columns before); without one,
 * the layouts above are assumed. Fields may be quoted ("" inside a quoted
 * field is kept as is); a record never spans lines in these feeds.
 * Limits: Feodo's port is not used (an address matches on any port).
 * THREAT: files are downloaded from the Internet; fields are bounded and
 * checked, a bad one makes its line malformed with the column's name.
 */
#include <strings.h>

#include "common/vg.h"
#include "intel/intel_int.h"

#define MAX_FIELDS 32

struct field {
	const char *p;
	size_t n;
};

/* Splits a line into fields; returns the count, or -1 for an unterminated
 * quote. Fields past MAX_FIELDS are dropped. */
static int split(const char *s, size_t len, struct field *f)
{
	size_t i = 0;
	int n = 0;

	for (;;) {
		const char *start;
		size_t flen;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < len && s[i] == '"') {
			size_t j = ++i;
			for (;; j++) {
				if (j >= len)
					return -1;
				if (s[j] == '"') {
					if (j + 1 < len && s[j + 1] == '"') {
						j++;
						continue;
					}
					break;
				}
			}
			start = s + i;
			flen = j - i;
			i = j + 1;
			while (i < len && s[i] != ',')
				i++;
		} else {
			size_t j = i;
			while (j < len && s[j] != ',')
				j++;
			start = s + i;
			flen = j - i;
			while (flen && (start[flen - 1] == ' ' || start[flen - 1] == '\t'))
				flen--;
			i = j;
		}
		if (n < MAX_FIELDS)
			f[n++] = (struct field){start, flen};
		if (i >= len)
			return n;
		i++; /* the comma */
	}
}

static bool field_is(const struct field *f, const char *name)
{
	return f->n == strlen(name) && !strncasecmp(f->p, name, f->n);
}

/* Column indexes of one feed; -1 absent. */
struct cols {
	int value, family, family2, first, last;
};

struct layout {
	enum vg_csv_kind kind;
	const char *feed;
	const char *key; /* the column that identifies the header */
	const char *value, *family, *family2, *first, *last;
	struct cols def; /* without a header */
	const char *banner;
};

static const struct layout layouts[] = {
    {VG_CSV_FEODO,
     "feodo",
     "dst_ip",
     "dst_ip",
     "malware",
     NULL,
     "first_seen_utc",
     "last_online",
     {1, 5, -1, 0, 4},
     "abuse.ch Feodo Tracker"},
    {VG_CSV_URLHAUS,
     "urlhaus",
     "urlhaus_link",
     "url",
     "tags",
     "threat",
     "dateadded",
     "last_online",
     {2, 6, 5, 1, 4},
     "abuse.ch URLhaus"},
    {VG_CSV_SSLBL_JA3,
     "sslbl-ja3",
     "ja3_md5",
     "ja3_md5",
     "listingreason",
     NULL,
     "firstseen",
     "lastseen",
     {0, 3, -1, 1, 2},
     "abuse.ch SSLBL JA3"},
};

/* URLhaus tags that say what a file is or runs on, not whose it is. */
static bool generic_tag(const char *p, size_t n)
{
	static const char *const words[] = {
	    "32-bit", "64-bit", "arm",        "arm7",    "elf",       "exe",   "dll",
	    "mips",   "mipsel", "x86",        "x64",     "sh",        "bash",  "ps1",
	    "js",     "vbs",    "hta",        "doc",     "docx",      "xls",   "xlsx",
	    "zip",    "rar",    "7z",         "iso",     "lnk",       "msi",   "jar",
	    "apk",    "pdf",    "dropped-by", "opendir", "encrypted", "ascii", "powershell"};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == n && !strncasecmp(p, words[i], n))
			return true;
	return false;
}

/* The first tag of a comma-separated list that names a family (see the
 * file comment); the whole list when every tag is generic. */
static void family_tag(const char **fam, size_t *len)
{
	const char *p = *fam, *end = *fam + *len;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		const char *b = p;
		while (b < e && *b == ' ')
			b++;
		if (e > b && !generic_tag(b, (size_t)(e - b))) {
			*fam = b;
			*len = (size_t)(e - b);
			return;
		}
		p = e + 1;
	}
}

static const struct layout *layout_of(enum vg_csv_kind kind)
{
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (layouts[i].kind == kind)
			return &layouts[i];
	return NULL;
}

/* Strips a comment's `#` and blanks. */
static const char *uncomment(const char *s, size_t *n)
{
	while (*n && (*s == '#' || *s == ' ' || *s == '\t'))
		s++, (*n)--;
	return s;
}

/* If the line is a header of some layout, returns it and fills cols. */
static const struct layout *header(const char *s, size_t n, const struct layout *want,
				   struct cols *c)
{
	struct field f[MAX_FIELDS];
	int nf = split(s, n, f);

	for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
		const struct layout *L = &layouts[l];
		bool found = false;
		if (want && want != L)
			continue;
		for (int i = 0; i < nf; i++)
			found |= field_is(&f[i], L->key);
		if (!found)
			continue;
		if (c) {
			*c = (struct cols){-1, -1, -1, -1, -1};
			for (int i = 0; i < nf; i++) {
				if (field_is(&f[i], L->value))
					c->value = i;
				if (field_is(&f[i], L->family))
					c->family = i;
				if (L->family2 && field_is(&f[i], L->family2))
					c->family2 = i;
				if (field_is(&f[i], L->first))
					c->first = i;
				if (field_is(&f[i], L->last))
					c->last = i;
			}
		}
		return L;
	}
	return NULL;
}

enum vg_csv_kind vg_intel_csv_detect(const char *buf, size_t len)
{
	const char *line;
	size_t pos = 0, n;
	const struct layout *banner = NULL, *L;

	/* The banner and header come first; the first data line ends the search. */
	for (int k = 0; k < 64 && (line = vg_intel_next_line(buf, len, &pos, &n)); k++) {
		bool comment = n && line[0] == '#';
		const char *s = uncomment(line, &n);
		if (!n)
			continue;
		if ((L = header(s, n, NULL, NULL)))
			return L->kind;
		if (!comment)
			break;
		for (size_t l = 0; l < sizeof layouts / sizeof layouts[0] && !banner; l++)
			if (memmem(s, n, layouts[l].banner, strlen(layouts[l].banner)))
				banner = &layouts[l];
	}
	return banner ? banner->kind : VG_CSV_NONE;
}

static bool get(const struct field *f, int nf, int col, struct field *out)
{
	if (col < 0 || col >= nf)
		return false;
	*out = f[col];
	return true;
}

static int row(struct vg_intel_file *f, const struct layout *L, const struct cols *c,
	       uint32_t lineno, const char *line, size_t n)
{
	struct field fs[MAX_FIELDS], v, fam, t;
	struct vg_intel_meta m = {0};
	int nf = split(line, n, fs);

	if (nf < 0) {
		vg_intel_malformed(f, lineno, L->value, "unterminated quote");
		return 0;
	}
	if (!get(fs, nf, c->value, &v)) {
		vg_intel_malformed(f, lineno, L->value, "missing (the line has %d fields)", nf);
		return 0;
	}
	if (get(fs, nf, c->first, &t) && vg_intel_parse_time(t.p, t.n, &m.first_seen) < 0) {
		vg_intel_malformed(f, lineno, L->first, "\"%.*s\" is not a date",
				   (int)(t.n > 40 ? 40 : t.n), t.p);
		return 0;
	}
	if (get(fs, nf, c->last, &t) && vg_intel_parse_time(t.p, t.n, &m.last_seen) < 0) {
		vg_intel_malformed(f, lineno, L->last, "\"%.*s\" is not a date",
				   (int)(t.n > 40 ? 40 : t.n), t.p);
		return 0;
	}
	if (get(fs, nf, c->family, &fam) && fam.n && !(fam.n == 4 && !memcmp(fam.p, "None", 4))) {
		m.family = fam.p;
		m.family_len = fam.n;
		if (L->kind == VG_CSV_URLHAUS)
			family_tag(&m.family, &m.family_len);
	} else if (get(fs, nf, c->family2, &fam)) {
		m.family = fam.p;
		m.family_len = fam.n;
	}
	switch (L->kind) {
	case VG_CSV_FEODO: return vg_intel_add_addr(f, lineno, L->value, v.p, v.n, &m);
	case VG_CSV_SSLBL_JA3: return vg_intel_add_ja3(f, lineno, L->value, v.p, v.n, &m);
	case VG_CSV_URLHAUS: {
		const char *h;
		size_t hn;
		if (!vg_intel_url_host(v.p, v.n, &h, &hn)) {
			vg_intel_malformed(f, lineno, L->value, "no host in \"%.*s\"",
					   (int)(v.n > 80 ? 80 : v.n), v.p);
			return 0;
		}
		return vg_intel_add_host(f, lineno, L->value, h, hn, &m);
	}
	case VG_CSV_NONE: break;
	}
	return 0;
}

int vg_intel_load_csv(struct vg_intel_file *f, const char *buf, size_t len, enum vg_csv_kind kind)
{
	const struct layout *L = layout_of(kind);
	struct vg_intel_source *s = vg_intel_file_source(f);
	struct cols c;
	bool have_header = false;
	const char *line;
	size_t pos = 0, n;
	uint32_t lineno = 0;
	int rc;

	if (!L)
		return VG_EINVAL;
	c = L->def;
	vg_intel_file_feed(f, L->feed);
	while ((line = vg_intel_next_line(buf, len, &pos, &n))) {
		bool comment = n && line[0] == '#';
		const char *t = line;
		size_t tn = n;

		lineno++;
		s->lines++;
		if (comment)
			t = uncomment(line, &tn);
		while (tn && (*t == ' ' || *t == '\t'))
			t++, tn--;
		if (!tn)
			continue;
		if (!have_header && header(t, tn, L, &c)) {
			have_header = true;
			if (c.value < 0) {
				vg_intel_malformed(f, lineno, L->value,
						   "header has no such column");
				return 0;
			}
			continue;
		}
		if (comment)
			continue;
		if ((rc = row(f, L, &c, lineno, t, tn)) < 0)
			return rc;
	}
	return 0;
}
