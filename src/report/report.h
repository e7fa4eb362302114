/*
 * report.h - the report stage: questions to a store (src/store) turned
 * into tables, and the tables written as text, JSON or CSV.
 *
 * Last stage. report.c builds a vg_report: either the year in review (the
 * default: totals, origin countries for all and for verified sources,
 * kinds, months, targets, ports, services, ASNs, notable attacks, the runs
 * and geo databases behind it) or one cross table (`--by A --by B`). Every
 * number comes from one store query, so every format shows the same
 * numbers; format.c only lays them out.
 *
 * Percentages are in tenths and add up to exactly 100.0 within a table:
 * the rows shown plus an "other" row (the rest, when --top cut the list)
 * are rounded down, then the tenths still missing go to the largest
 * remainders (Hamilton's method), ties to the earlier row.
 */
#ifndef VG_REPORT_H
#define VG_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

struct vg_report_row {
	char *keys[VG_QUERY_DIMS_MAX]; /* display text of each dimension */
	uint64_t value;
	unsigned pct10; /* tenths of a percent of the table's total */
};

struct vg_report_table {
	const char *name;  /* stable: "country", "country_verified", "by" ... */
	const char *title; /* for people */
	unsigned ndims;
	enum vg_dim dims[VG_QUERY_DIMS_MAX];
	enum vg_measure measure; /* what a row counts (attacks by default); the
				  * column is named after it (format.c) */
	/* A distinct count where one value can fall in several rows (a
	 * terminal controlled from two countries): the total is the sum of
	 * every row, so the shares still add up to 100.0, and the title says
	 * what counts twice. */
	bool total_is_sum;
	struct vg_report_row *rows;
	size_t nrows, cap;
	uint64_t total;       /* of the whole filter, not only the rows shown */
	uint64_t other;       /* total minus the rows shown */
	unsigned other_pct10; /* its share; 0 when other is 0 */
	bool has_other;       /* the list was cut (--top) */
};

struct vg_report_notable {
	char *kind, *src_ip, *dest_ip, *country, *service, *evidence;
	uint64_t start_ns, attempts;
};

struct vg_report {
	bool review; /* the year in review; else one cross table */
	bool c2;     /* the command-and-control report (--c2) */
	struct vg_filter filter;
	uint64_t attacks, attackers, targets;
	/* Runs behind the numbers. */
	uint64_t runs, runs_incomplete, captures, packets, first_ns, last_ns;
	char *geo; /* distinct geo database lines of the runs, '\n'-separated */
	bool dbip; /* some run used DB-IP data: the credit is due */
	struct vg_report_table *tables;
	size_t ntables;
	struct vg_report_notable *notable;
	size_t nnotable;
};

enum vg_report_format { VG_REPORT_TABLE, VG_REPORT_JSON, VG_REPORT_CSV };

/* ndims 0: the year in review with top entries per list; else one table
 * of those dimensions (top 0: every row). err names the store on failure. */
int vg_report_build(struct vg_report *r, struct vg_store *s, const enum vg_dim *dims,
		    unsigned ndims, const struct vg_filter *f, uint64_t top, char *err,
		    size_t errlen);
/* The command-and-control report (a CERT's table): malware.* attacks
 * matching f (f->kind NULL: every malware.* kind), where the attacker is
 * the C&C server and the target the home terminal it controlled. Totals
 * are servers (attackers), terminals (targets) and attacks; tables: C&C
 * servers by country, terminals controlled by the servers' country,
 * families (tool), servers by country and family, terminals ranked, and
 * both by month. */
int vg_report_build_c2(struct vg_report *r, struct vg_store *s, const struct vg_filter *f,
		       uint64_t top, char *err, size_t errlen);
void vg_report_fini(struct vg_report *r);

/* Hamilton's rounding: pct10[i] of values[i] over total (tenths of a
 * percent), adding up to exactly 1000 when total equals the values' sum
 * and is not 0. */
void vg_report_shares(const uint64_t *values, size_t n, uint64_t total, unsigned *pct10);

/* Writes r; returns <0 if the stream failed. */
int vg_report_write(const struct vg_report *r, enum vg_report_format fmt, FILE *fp);

#endif
