/*
 * report.c - builds a report from store queries (see report.h).
 *
 * Each table is one vg_query: the top rows by attacks (or every row, in
 * key order, for time series), plus the total under the same filter, so
 * the rows and "other" add up to the total. Display texts replace the
 * store's empty values ("" country -> "??", asn "0" -> "unknown", ""
 * attacker -> "(unknown)") here,
 * once, for every format.
 */
#include <stdlib.h>
#include <string.h>

#include "common/vg.h"
#include "report/report.h"

static const char *display(enum vg_dim d, const char *key)
{
	if (d == VG_DIM_COUNTRY && !key[0])
		return "??";
	if (d == VG_DIM_ASN && !strcmp(key, "0"))
		return "unknown";
	if (d == VG_DIM_PORT && !strcmp(key, "0"))
		return "several or none";
	if (d == VG_DIM_SERVICE && !key[0])
		return "(none)";
	if ((d == VG_DIM_TOOL || d == VG_DIM_ATTACKER) && !key[0])
		return "(unknown)";
	if (d == VG_DIM_DIRECTION && !key[0])
		return "(none)";
	return key;
}

static int add_row(void *arg, const char *const *keys, uint64_t value)
{
	struct vg_report_table *t = arg;
	struct vg_report_row *row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->rows, cap * sizeof *t->rows);
		if (!p)
			return 1;
		t->rows = p;
		t->cap = cap;
	}
	row = &t->rows[t->nrows];
	memset(row, 0, sizeof *row);
	for (unsigned i = 0; i < t->ndims; i++)
		if (!(row->keys[i] = strdup(display(t->dims[i], keys[i])))) {
			for (unsigned j = 0; j < i; j++)
				free(row->keys[j]);
			return 1;
		}
	row->value = value;
	t->nrows++;
	return 0;
}

static int get_total(void *arg, const char *const *keys, uint64_t value)
{
	(void)keys;
	*(uint64_t *)arg = value;
	return 0;
}

static int add_total(void *arg, const char *const *keys, uint64_t value)
{
	(void)keys;
	*(uint64_t *)arg += value;
	return 0;
}

void vg_report_shares(const uint64_t *values, size_t n, uint64_t total, unsigned *pct10)
{
	uint64_t given = 0;

	if (!total) {
		memset(pct10, 0, n * sizeof *pct10);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		pct10[i] = (unsigned)(values[i] * 1000 / total);
		given += pct10[i];
	}
	/* The tenths still missing go to the largest remainders. */
	while (given < 1000) {
		size_t best = n;
		uint64_t best_rem = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t rem = values[i] * 1000 % total;
			/* A row takes at most one extra tenth. */
			if ((uint64_t)pct10[i] * total > values[i] * 1000)
				continue;
			if (best == n || rem > best_rem) {
				best = i;
				best_rem = rem;
			}
		}
		if (best == n || best_rem == 0)
			break;
		pct10[best]++;
		given++;
	}
}

static int table_query(struct vg_report_table *t, struct vg_store *s, const struct vg_filter *f,
		       uint64_t top, bool by_key, char *err, size_t errlen)
{
	struct vg_query q = {.ndims = t->ndims,
			     .measure = t->measure,
			     .filter = *f,
			     .limit = top,
			     .order_by_key = by_key};
	uint64_t shown = 0, *values = NULL;
	unsigned *pct = NULL;
	int rc;

	memcpy(q.dims, t->dims, sizeof q.dims);
	if ((rc = vg_store_query(s, &q, add_row, t, err, errlen)) < 0)
		return rc;
	if (!t->total_is_sum)
		q.ndims = 0;
	q.limit = 0;
	t->total = 0;
	if ((rc = vg_store_query(s, &q, t->total_is_sum ? add_total : get_total, &t->total, err,
				 errlen)) < 0)
		return rc;
	for (size_t i = 0; i < t->nrows; i++)
		shown += t->rows[i].value;
	t->other = t->total > shown ? t->total - shown : 0;
	t->has_other = top && t->nrows == top && t->other;
	values = calloc(t->nrows + 1, sizeof *values);
	pct = calloc(t->nrows + 1, sizeof *pct);
	if (!values || !pct) {
		free(values);
		free(pct);
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	for (size_t i = 0; i < t->nrows; i++)
		values[i] = t->rows[i].value;
	values[t->nrows] = t->other;
	vg_report_shares(values, t->nrows + 1, t->total, pct);
	for (size_t i = 0; i < t->nrows; i++)
		t->rows[i].pct10 = pct[i];
	t->other_pct10 = pct[t->nrows];
	free(values);
	free(pct);
	return 0;
}

static struct vg_report_table *new_table(struct vg_report *r, const char *name, const char *title,
					 enum vg_dim d0, unsigned ndims)
{
	struct vg_report_table *t;
	void *p = realloc(r->tables, (r->ntables + 1) * sizeof *r->tables);

	if (!p)
		return NULL;
	r->tables = p;
	t = &r->tables[r->ntables++];
	memset(t, 0, sizeof *t);
	t->name = name;
	t->title = title;
	t->ndims = ndims;
	t->dims[0] = d0;
	t->measure = VG_MEASURE_ATTACKS;
	return t;
}

struct runs_acc {
	struct vg_report *r;
	char *geo;
	size_t geolen;
};

static int add_run(void *arg, const struct vg_stored_run *run)
{
	struct runs_acc *acc = arg;
	struct vg_report *r = acc->r;
	const char *line = run->geo;

	r->runs++;
	r->runs_incomplete += !run->complete;
	r->captures += run->ncaptures;
	r->packets += run->packets;
	if (run->first_ns && (!r->first_ns || run->first_ns < r->first_ns))
		r->first_ns = run->first_ns;
	if (run->last_ns > r->last_ns)
		r->last_ns = run->last_ns;
	/* Each distinct database line once (the runs may use several). */
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool credit = !strncmp(line, "credit:", 7);
		if (strstr(line, "DB-IP"))
			r->dbip = true;
		if (len && !credit) {
			bool seen = false;
			for (const char *g = acc->geo; g && *g;) {
				const char *ge = strchr(g, '\n');
				size_t gl = ge ? (size_t)(ge - g) : strlen(g);
				if (gl == len && !memcmp(g, line, len))
					seen = true;
				g += gl + (ge != NULL);
			}
			if (!seen) {
				char *p = realloc(acc->geo, acc->geolen + len + 2);
				if (!p)
					return 1;
				acc->geo = p;
				memcpy(p + acc->geolen, line, len);
				acc->geolen += len;
				p[acc->geolen++] = '\n';
				p[acc->geolen] = '\0';
			}
		}
		line += len + (end != NULL);
	}
	return 0;
}

static int add_notable(void *arg, const struct vg_stored_attack *a)
{
	struct vg_report *r = arg;
	struct vg_report_notable *n;
	void *p = realloc(r->notable, (r->nnotable + 1) * sizeof *r->notable);

	if (!p)
		return 1;
	r->notable = p;
	n = &r->notable[r->nnotable++];
	n->kind = strdup(a->kind);
	n->src_ip = strdup(a->src_ip);
	n->dest_ip = strdup(a->dest_ip);
	n->country = strdup(display(VG_DIM_COUNTRY, a->country));
	n->service = strdup(a->service);
	n->evidence = strdup(a->evidence);
	n->start_ns = a->start_ns;
	n->attempts = a->attempts;
	return 0;
}

static int measure(struct vg_store *s, const struct vg_filter *f, enum vg_measure m, uint64_t *out,
		   char *err, size_t errlen)
{
	struct vg_query q = {.measure = m, .filter = *f};

	*out = 0;
	return vg_store_query(s, &q, get_total, out, err, errlen);
}

int vg_report_build(struct vg_report *r, struct vg_store *s, const enum vg_dim *dims,
		    unsigned ndims, const struct vg_filter *f, uint64_t top, char *err,
		    size_t errlen)
{
	struct runs_acc acc = {.r = r};
	struct vg_report_table *t;
	struct vg_filter verified = *f;
	int rc;

	memset(r, 0, sizeof *r);
	r->filter = *f;
	r->review = ndims == 0;
	if ((rc = vg_store_runs(s, add_run, &acc, err, errlen)) < 0)
		goto out;
	r->geo = acc.geo;
	acc.geo = NULL;
	if ((rc = measure(s, f, VG_MEASURE_ATTACKS, &r->attacks, err, errlen)) < 0 ||
	    (rc = measure(s, f, VG_MEASURE_ATTACKERS, &r->attackers, err, errlen)) < 0 ||
	    (rc = measure(s, f, VG_MEASURE_TARGETS, &r->targets, err, errlen)) < 0)
		goto out;
	if (!r->review) {
		bool by_time =
		    dims[0] == VG_DIM_DAY || dims[0] == VG_DIM_MONTH || dims[0] == VG_DIM_YEAR;
		if (!(t = new_table(r, "by", "Attacks", dims[0], ndims)))
			goto nomem;
		memcpy(t->dims, dims, ndims * sizeof *dims);
		rc = table_query(t, s, f, top, by_time, err, errlen);
		goto out;
	}
	verified.confidence = "verified";
	struct section {
		const char *name, *title;
		enum vg_dim dim;
		bool by_key, all, verified;
	} sections[] = {
	    {"country", "Origin country of attacks (all confidence classes)", VG_DIM_COUNTRY, 0, 0,
	     0},
	    {"country_verified", "Origin country of attacks from verified sources only",
	     VG_DIM_COUNTRY, 0, 0, 1},
	    {"kind", "Attacks by kind", VG_DIM_KIND, 0, 1, 0},
	    {"confidence", "Attacks by confidence of the source address", VG_DIM_CONFIDENCE, 0, 1,
	     0},
	    {"direction",
	     "Attacks by direction (inbound: from outside; outbound: a home terminal's own "
	     "traffic)",
	     VG_DIM_DIRECTION, 0, 1, 0},
	    {"month", "Attacks by month (UTC, start of the attack)", VG_DIM_MONTH, 1, 1, 0},
	    {"target", "Most targeted terminals (first victim of each attack)", VG_DIM_TARGET, 0, 0,
	     0},
	    {"port", "Most targeted ports (attacks on one port)", VG_DIM_PORT, 0, 0, 0},
	    {"service", "Most targeted services", VG_DIM_SERVICE, 0, 0, 0},
	    {"asn", "Attacking autonomous systems", VG_DIM_ASN, 0, 0, 0},
	};
	for (size_t i = 0; i < VG_ARRAY_LEN(sections); i++) {
		if (!(t = new_table(r, sections[i].name, sections[i].title, sections[i].dim, 1)))
			goto nomem;
		rc = table_query(t, s, sections[i].verified ? &verified : f,
				 sections[i].all ? 0 : top, sections[i].by_key, err, errlen);
		if (rc < 0)
			goto out;
	}
	rc = vg_store_notable(s, f, top, add_notable, r, err, errlen);
out:
	free(acc.geo);
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	return VG_ENOMEM;
}

int vg_report_build_c2(struct vg_report *r, struct vg_store *s, const struct vg_filter *f,
		       uint64_t top, char *err, size_t errlen)
{
	struct runs_acc acc = {.r = r};
	struct vg_filter mf = *f;
	int rc;

	memset(r, 0, sizeof *r);
	if (!mf.kind)
		mf.kind = "malware";
	r->filter = mf;
	r->c2 = true;
	if ((rc = vg_store_runs(s, add_run, &acc, err, errlen)) < 0)
		goto out;
	r->geo = acc.geo;
	acc.geo = NULL;
	if ((rc = measure(s, &mf, VG_MEASURE_ATTACKS, &r->attacks, err, errlen)) < 0 ||
	    (rc = measure(s, &mf, VG_MEASURE_ATTACKERS, &r->attackers, err, errlen)) < 0 ||
	    (rc = measure(s, &mf, VG_MEASURE_TARGETS, &r->targets, err, errlen)) < 0)
		goto out;
	/* measure: servers are attackers, terminals targets. sum: a value
	 * can be in several rows (see total_is_sum). */
	static const struct section {
		const char *name, *title;
		enum vg_dim d0, d1;
		unsigned ndims;
		enum vg_measure measure;
		bool sum, by_key, all;
	} sections[] = {
	    {"c2_country_servers", "C&C servers by country", VG_DIM_COUNTRY, 0, 1,
	     VG_MEASURE_ATTACKERS, 0, 0, 0},
	    {"c2_country_terminals",
	     "Home terminals controlled, by the country of their C&C servers (a terminal "
	     "controlled from two countries counts in both)",
	     VG_DIM_COUNTRY, 0, 1, VG_MEASURE_TARGETS, 1, 0, 0},
	    {"c2_family",
	     "Malware families by terminals infected (a terminal with two families counts in "
	     "both)",
	     VG_DIM_TOOL, 0, 1, VG_MEASURE_TARGETS, 1, 0, 0},
	    {"c2_country_family",
	     "C&C servers by country and family (a server of two families counts in both)",
	     VG_DIM_COUNTRY, VG_DIM_TOOL, 2, VG_MEASURE_ATTACKERS, 1, 0, 0},
	    {"c2_terminal", "Infected terminals ranked by C&C contacts reported (attacks)",
	     VG_DIM_TARGET, 0, 1, VG_MEASURE_ATTACKS, 0, 0, 0},
	    {"c2_month_servers",
	     "C&C servers by month (UTC; a server seen in two months counts in both)", VG_DIM_MONTH,
	     0, 1, VG_MEASURE_ATTACKERS, 1, 1, 1},
	    {"c2_month_terminals",
	     "Infected terminals by month (UTC; a terminal seen in two months counts in both)",
	     VG_DIM_MONTH, 0, 1, VG_MEASURE_TARGETS, 1, 1, 1},
	};
	for (size_t i = 0; i < VG_ARRAY_LEN(sections); i++) {
		const struct section *sec = &sections[i];
		struct vg_report_table *t =
		    new_table(r, sec->name, sec->title, sec->d0, sec->ndims);
		if (!t) {
			snprintf(err, errlen, "out of memory");
			rc = VG_ENOMEM;
			goto out;
		}
		t->dims[1] = sec->d1;
		t->measure = sec->measure;
		t->total_is_sum = sec->sum;
		if ((rc = table_query(t, s, &mf, sec->all ? 0 : top, sec->by_key, err, errlen)) < 0)
			goto out;
	}
out:
	free(acc.geo);
	return rc;
}

void vg_report_fini(struct vg_report *r)
{
	for (size_t i = 0; i < r->ntables; i++) {
		for (size_t j = 0; j < r->tables[i].nrows; j++)
			for (unsigned k = 0; k < r->tables[i].ndims; k++)
				free(r->tables[i].rows[j].keys[k]);
		free(r->tables[i].rows);
	}
	free(r->tables);
	for (size_t i = 0; i < r->nnotable; i++) {
		struct vg_report_notable *n = &r->notable[i];
		free(n->kind);
		free(n->src_ip);
		free(n->dest_ip);
		free(n->country);
		free(n->service);
		free(n->evidence);
	}
	free(r->notable);
	free(r->geo);
	memset(r, 0, sizeof *r);
}
