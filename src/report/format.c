/*
 * format.c - writes a vg_report as a text table, JSON or CSV.
 *
 * The three formats carry the same numbers (report.c computed them once):
 * each table's rows, its "other" row when the list was cut, and its total;
 * percentages with one decimal that add up to 100.0. JSON is one object
 * (RFC 8259); CSV is RFC 4180 with a header line, one line per row.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "report/report.h"

static const char what_attack[] =
    "One attack is one final attack event of vigil read: one attacker, one kind (scan,\n"
    "brute force, flood), a victim or a set of victims, one time window; never one packet.\n"
    "Reading the same captures again does not count their attacks twice.";
static const char what_origin[] =
    "Origin is the attacker's address looked up in the geo database of the run. Its\n"
    "confidence: verified (completed a TCP handshake: the address is real), unverified\n"
    "(only unsolicited packets: it may be forged), bogon (cannot be a source from\n"
    "outside: never looked up), reflector (an abused server, not the attacker).";
static const char what_c2[] =
    "A C&C server is the external end of a malware.* attack: an address or name of the\n"
    "threat intelligence the run loaded (malware.c2, with the family the feed gives),\n"
    "or an endpoint a home terminal called at regular intervals (malware.beacon, no\n"
    "family: (unknown)), or the address a generated name resolved to (malware.dga).\n"
    "The terminal it controlled is the home address that called it. A terminal that\n"
    "walked generated names none of which resolved counts as infected, its server\n"
    "not known (country ??, no server counted). Country is the server's, from the\n"
    "run's geo database.";
static const char credit_dbip[] = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

/* What a table's rows count, as its column is named. */
static const char *unit_of(const struct vg_report_table *t)
{
	switch (t->measure) {
	case VG_MEASURE_ATTACKERS: return "servers";
	case VG_MEASURE_TARGETS: return "terminals";
	default: return "attacks";
	}
}

static void day_text(char *buf, size_t len, uint64_t ns)
{
	char t[40];

	vg_format_time(t, sizeof t, ns);
	snprintf(buf, len, "%.10s", t);
}

static void filter_text(const struct vg_filter *f, char *buf, size_t len)
{
	size_t n = 0;
	char d[40];

	buf[0] = '\0';
	if (f->has_since) {
		day_text(d, sizeof d, (uint64_t)f->since_day * 86400000000000ull);
		n += (size_t)snprintf(buf + n, len - n, " since %s", d);
	}
	if (f->has_until && n < len) {
		day_text(d, sizeof d, (uint64_t)f->until_day * 86400000000000ull);
		n += (size_t)snprintf(buf + n, len - n, " until %s", d);
	}
	if (f->kind && n < len)
		n += (size_t)snprintf(buf + n, len - n, " kind %s", f->kind);
	if (f->country && n < len)
		n += (size_t)snprintf(buf + n, len - n, " country %s", f->country);
	if (f->target && n < len)
		n += (size_t)snprintf(buf + n, len - n, " target %s", f->target);
	if (f->confidence && n < len)
		n += (size_t)snprintf(buf + n, len - n, " confidence %s", f->confidence);
	if (f->direction && n < len)
		snprintf(buf + n, len - n, " direction %s", f->direction);
}

/* ---- text ------------------------------------------------------------------ */

static void text_table(const struct vg_report_table *t, FILE *fp)
{
	unsigned w[VG_QUERY_DIMS_MAX] = {0};
	char head[128] = "";
	size_t n = 0;

	for (unsigned k = 0; k < t->ndims; k++) {
		w[k] = (unsigned)strlen(vg_dim_name(t->dims[k]));
		if (w[k] < 5)
			w[k] = 5;
		for (size_t i = 0; i < t->nrows; i++)
			if (strlen(t->rows[i].keys[k]) > w[k])
				w[k] = (unsigned)strlen(t->rows[i].keys[k]);
		if (w[k] > 60)
			w[k] = 60;
	}
	fprintf(fp, "%s\n", t->title);
	for (unsigned k = 0; k < t->ndims; k++)
		n += (size_t)snprintf(head + n, sizeof head - n, "  %-*s", (int)w[k],
				      vg_dim_name(t->dims[k]));
	fprintf(fp, "%s  %12s  %7s\n", head, unit_of(t), "share");
	for (size_t i = 0; i < t->nrows; i++) {
		for (unsigned k = 0; k < t->ndims; k++)
			fprintf(fp, "  %-*.*s", (int)w[k], (int)w[k], t->rows[i].keys[k]);
		fprintf(fp, "  %12" PRIu64 "  %5u.%u%%\n", t->rows[i].value, t->rows[i].pct10 / 10,
			t->rows[i].pct10 % 10);
	}
	if (t->has_other) {
		fprintf(fp, "  %-*s", (int)w[0], "other");
		for (unsigned k = 1; k < t->ndims; k++)
			fprintf(fp, "  %-*s", (int)w[k], "");
		fprintf(fp, "  %12" PRIu64 "  %5u.%u%%\n", t->other, t->other_pct10 / 10,
			t->other_pct10 % 10);
	}
	fprintf(fp, "  %-*s", (int)w[0], "total");
	for (unsigned k = 1; k < t->ndims; k++)
		fprintf(fp, "  %-*s", (int)w[k], "");
	fprintf(fp, "  %12" PRIu64 "  %s\n\n", t->total, t->total ? "100.0%" : "");
}

static void write_text(const struct vg_report *r, FILE *fp)
{
	char a[40] = "-", b[40] = "-", filt[512];

	filter_text(&r->filter, filt, sizeof filt);
	if (r->first_ns) {
		day_text(a, sizeof a, r->first_ns);
		day_text(b, sizeof b, r->last_ns);
	}
	fprintf(fp, "%s\n\n",
		r->c2       ? "vigil report: command and control"
		: r->review ? "vigil report: the year in review"
			    : "vigil report");
	fprintf(fp,
		"Captures: %" PRIu64 " in %" PRIu64 " runs, %" PRIu64
		" packets, from %s to %s (packet time)",
		r->captures, r->runs, r->packets, a, b);
	if (r->runs_incomplete)
		fprintf(fp, "; %" PRIu64 " runs did not complete", r->runs_incomplete);
	fprintf(fp, "\n");
	if (filt[0])
		fprintf(fp, "Filter:%s\n", filt);
	if (r->c2)
		fprintf(fp,
			"C&C servers: %" PRIu64 "\nInfected terminals: %" PRIu64
			"\nAttacks (malware.*): %" PRIu64 "\n\n%s\n\n",
			r->attackers, r->targets, r->attacks, what_c2);
	else
		fprintf(fp,
			"Attacks: %" PRIu64 "\nDistinct attackers: %" PRIu64
			"\nDistinct targeted terminals: %" PRIu64 "\n\n",
			r->attacks, r->attackers, r->targets);
	if (r->review)
		fprintf(fp, "%s\n\n%s\n\n", what_attack, what_origin);
	for (size_t i = 0; i < r->ntables; i++)
		text_table(&r->tables[i], fp);
	if (r->review) {
		fprintf(fp, "Notable attacks: successful brute force (newest first)\n");
		if (!r->nnotable)
			fprintf(fp, "  none\n");
		for (size_t i = 0; i < r->nnotable; i++) {
			const struct vg_report_notable *n = &r->notable[i];
			char t[40];
			vg_format_time(t, sizeof t, n->start_ns);
			fprintf(fp, "  %.19s  %s  %s (%s) -> %s  %" PRIu64 " attempts\n", t,
				n->kind, n->src_ip, n->country, n->dest_ip, n->attempts);
		}
		fprintf(fp, "\n");
	}
	fprintf(fp, "Geo databases of the runs:\n");
	if (!r->geo || !r->geo[0])
		fprintf(fp, "  none recorded\n");
	for (const char *g = r->geo; g && *g;) {
		const char *e = strchr(g, '\n');
		int len = e ? (int)(e - g) : (int)strlen(g);
		fprintf(fp, "  %.*s\n", len, g);
		g += len + (e != NULL);
	}
	if (r->dbip)
		fprintf(fp, "%s\n", credit_dbip);
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void json_pct(FILE *fp, unsigned pct10)
{
	fprintf(fp, "%u.%u", pct10 / 10, pct10 % 10);
}

static void json_table(const struct vg_report_table *t, FILE *fp)
{
	fprintf(fp, "{\"name\":");
	json_str(fp, t->name);
	fprintf(fp, ",\"title\":");
	json_str(fp, t->title);
	fprintf(fp, ",\"dims\":[");
	for (unsigned k = 0; k < t->ndims; k++)
		fprintf(fp, "%s\"%s\"", k ? "," : "", vg_dim_name(t->dims[k]));
	fprintf(fp, "],\"rows\":[");
	for (size_t i = 0; i < t->nrows; i++) {
		fprintf(fp, "%s{", i ? "," : "");
		for (unsigned k = 0; k < t->ndims; k++) {
			fprintf(fp, "\"%s\":", vg_dim_name(t->dims[k]));
			json_str(fp, t->rows[i].keys[k]);
			fputc(',', fp);
		}
		fprintf(fp, "\"%s\":%" PRIu64 ",\"percent\":", unit_of(t), t->rows[i].value);
		json_pct(fp, t->rows[i].pct10);
		fputc('}', fp);
	}
	fprintf(fp, "],\"other\":");
	if (t->has_other) {
		fprintf(fp, "{\"%s\":%" PRIu64 ",\"percent\":", unit_of(t), t->other);
		json_pct(fp, t->other_pct10);
		fputc('}', fp);
	} else {
		fprintf(fp, "null");
	}
	fprintf(fp, ",\"total\":%" PRIu64 "}", t->total);
}

static void write_json(const struct vg_report *r, FILE *fp)
{
	char a[40] = "", b[40] = "";

	if (r->first_ns) {
		vg_format_time(a, sizeof a, r->first_ns);
		vg_format_time(b, sizeof b, r->last_ns);
	}
	fprintf(fp,
		"{\"report\":\"%s\",\"runs\":{\"runs\":%" PRIu64 ",\"incomplete\":%" PRIu64
		",\"captures\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"first_packet\":",
		r->c2       ? "c2"
		: r->review ? "year_in_review"
			    : "table",
		r->runs, r->runs_incomplete, r->captures, r->packets);
	json_str(fp, a);
	fprintf(fp, ",\"last_packet\":");
	json_str(fp, b);
	if (r->c2)
		fprintf(fp,
			"},\"totals\":{\"attacks\":%" PRIu64 ",\"servers\":%" PRIu64
			",\"terminals\":%" PRIu64 "},\"tables\":[",
			r->attacks, r->attackers, r->targets);
	else
		fprintf(fp,
			"},\"totals\":{\"attacks\":%" PRIu64 ",\"attackers\":%" PRIu64
			",\"targets\":%" PRIu64 "},\"tables\":[",
			r->attacks, r->attackers, r->targets);
	for (size_t i = 0; i < r->ntables; i++) {
		if (i)
			fputc(',', fp);
		json_table(&r->tables[i], fp);
	}
	fprintf(fp, "]");
	if (r->c2) {
		fprintf(fp, ",\"definitions\":{\"c2\":");
		json_str(fp, what_c2);
		fputc('}', fp);
	}
	if (r->review) {
		fprintf(fp, ",\"notable\":[");
		for (size_t i = 0; i < r->nnotable; i++) {
			const struct vg_report_notable *n = &r->notable[i];
			char t[40];
			vg_format_time(t, sizeof t, n->start_ns);
			fprintf(fp, "%s{\"start\":\"%s\",\"kind\":", i ? "," : "", t);
			json_str(fp, n->kind);
			fprintf(fp, ",\"src_ip\":");
			json_str(fp, n->src_ip);
			fprintf(fp, ",\"country\":");
			json_str(fp, n->country);
			fprintf(fp, ",\"dest_ip\":");
			json_str(fp, n->dest_ip);
			fprintf(fp, ",\"attempts\":%" PRIu64 ",\"evidence\":", n->attempts);
			json_str(fp, n->evidence);
			fputc('}', fp);
		}
		fprintf(fp, "],\"definitions\":{\"attack\":");
		json_str(fp, what_attack);
		fprintf(fp, ",\"origin\":");
		json_str(fp, what_origin);
		fputc('}', fp);
	}
	fprintf(fp, ",\"geo\":[");
	for (const char *g = r->geo, *sep = ""; g && *g; sep = ",") {
		const char *e = strchr(g, '\n');
		size_t len = e ? (size_t)(e - g) : strlen(g);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)len, g);
		fputs(sep, fp);
		json_str(fp, line);
		g += len + (e != NULL);
	}
	fprintf(fp, "],\"credit\":");
	if (r->dbip)
		json_str(fp, credit_dbip);
	else
		fprintf(fp, "null");
	fprintf(fp, "}\n");
}

/* ---- CSV ------------------------------------------------------------------------ */

static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* The rows of one table of a many-table CSV: table, key, [key2,] value,
 * percent; key2 (the second dimension or empty) when the format has it. */
static void csv_table_rows(const struct vg_report_table *t, bool key2, FILE *fp)
{
	const char *gap = key2 ? "," : "";

	for (size_t j = 0; j < t->nrows; j++) {
		fprintf(fp, "%s,", t->name);
		csv_field(fp, t->rows[j].keys[0]);
		if (key2) {
			fputc(',', fp);
			if (t->ndims > 1)
				csv_field(fp, t->rows[j].keys[1]);
		}
		fprintf(fp, ",%" PRIu64 ",%u.%u\n", t->rows[j].value, t->rows[j].pct10 / 10,
			t->rows[j].pct10 % 10);
	}
	if (t->has_other)
		fprintf(fp, "%s,other,%s%" PRIu64 ",%u.%u\n", t->name, gap, t->other,
			t->other_pct10 / 10, t->other_pct10 % 10);
	fprintf(fp, "%s,total,%s%" PRIu64 ",%s\n", t->name, gap, t->total, t->total ? "100.0" : "");
}

/* The C2 report: table, key, key2 (the second dimension or empty), value
 * (the table's unit), percent, with its totals first. */
static void write_csv_c2(const struct vg_report *r, FILE *fp)
{
	fprintf(fp, "table,key,key2,value,percent\n");
	fprintf(fp,
		"totals,servers,,%" PRIu64 ",\ntotals,terminals,,%" PRIu64
		",\ntotals,attacks,,%" PRIu64 ",\n",
		r->attackers, r->targets, r->attacks);
	for (size_t i = 0; i < r->ntables; i++)
		csv_table_rows(&r->tables[i], true, fp);
}

/* One table: dims..., attacks, percent; the review: table, key, attacks,
 * percent, with its totals first. */
static void write_csv(const struct vg_report *r, FILE *fp)
{
	if (r->c2) {
		write_csv_c2(r, fp);
		return;
	}
	if (!r->review) {
		const struct vg_report_table *t = &r->tables[0];
		for (unsigned k = 0; k < t->ndims; k++)
			fprintf(fp, "%s,", vg_dim_name(t->dims[k]));
		fprintf(fp, "attacks,percent\n");
		for (size_t i = 0; i < t->nrows; i++) {
			for (unsigned k = 0; k < t->ndims; k++) {
				csv_field(fp, t->rows[i].keys[k]);
				fputc(',', fp);
			}
			fprintf(fp, "%" PRIu64 ",%u.%u\n", t->rows[i].value, t->rows[i].pct10 / 10,
				t->rows[i].pct10 % 10);
		}
		if (t->has_other) {
			fprintf(fp, "other,");
			for (unsigned k = 1; k < t->ndims; k++)
				fputc(',', fp);
			fprintf(fp, "%" PRIu64 ",%u.%u\n", t->other, t->other_pct10 / 10,
				t->other_pct10 % 10);
		}
		fprintf(fp, "total,");
		for (unsigned k = 1; k < t->ndims; k++)
			fputc(',', fp);
		fprintf(fp, "%" PRIu64 ",%s\n", t->total, t->total ? "100.0" : "");
		return;
	}
	fprintf(fp, "table,key,attacks,percent\n");
	fprintf(fp,
		"totals,attacks,%" PRIu64 ",\ntotals,attackers,%" PRIu64
		",\ntotals,targets,%" PRIu64 ",\n",
		r->attacks, r->attackers, r->targets);
	for (size_t i = 0; i < r->ntables; i++)
		csv_table_rows(&r->tables[i], false, fp);
	for (size_t i = 0; i < r->nnotable; i++) {
		fprintf(fp, "notable,");
		csv_field(fp, r->notable[i].src_ip);
		fprintf(fp, ",1,\n");
	}
}

int vg_report_write(const struct vg_report *r, enum vg_report_format fmt, FILE *fp)
{
	switch (fmt) {
	case VG_REPORT_JSON: write_json(r, fp); break;
	case VG_REPORT_CSV: write_csv(r, fp); break;
	default: write_text(r, fp); break;
	}
	return ferror(fp) ? VG_EIO : 0;
}
