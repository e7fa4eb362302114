/*
 * sqlite.c - the SQLite store backend (`sqlite:PATH`), through libsqlite3.
 *
 * Schema and its history are the migrations[] table below: version 1 the
 * runs, captures and attacks; version 2 the rollups. A database records
 * its version in schema_version; open applies the missing migrations in
 * order, each in its own transaction, and refuses a database newer than
 * this vigil (docs/STORE.md).
 *
 * Writes: WAL journal (readers - a report - never block the writer),
 * synchronous=NORMAL (a commit survives the process being killed; a power
 * cut may lose the last commits, never corrupts), attacks committed in
 * batches of VG_SQLITE_BATCH in one transaction with their rollup rows,
 * so the store always holds whole batches. An attack is inserted with
 * INSERT OR IGNORE on its identity (run, start, kind, attacker, target);
 * only a row actually inserted updates the rollups, so a re-run counts
 * nothing twice.
 *
 * Rollups are descriptors (rollups[]): a table, its key columns and the
 * expressions that compute them from an attacks row. One descriptor gives
 * the upsert run at insert, the rebuild run by the migration that created
 * it, and the decrement run by prune. A query reads the smallest source
 * (rollup or raw attacks) that has every dimension and filter it needs.
 *
 * Limits: one writer at a time (SQLite's lock; a second one waits
 * VG_SQLITE_BUSY_MS, then fails naming the file). Distinct attackers and
 * targets under a filter are counted from the raw table (a full scan).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "common/vg.h"
#include "event/event.h"
#include "store/store.h"

#define VG_SQLITE_BATCH   1000
#define VG_SQLITE_BUSY_MS 3000

/* ---- schema -------------------------------------------------------------- */

static const char schema_v1[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL, applied_s INTEGER NOT NULL);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, version TEXT,"
    " started_s INTEGER, packets INTEGER NOT NULL DEFAULT 0, first_ns INTEGER NOT NULL DEFAULT 0,"
    " last_ns INTEGER NOT NULL DEFAULT 0, attacks INTEGER NOT NULL DEFAULT 0, geo TEXT,"
    " complete INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE captures(hash TEXT PRIMARY KEY, name TEXT, size INTEGER,"
    " packets INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE run_captures(run INTEGER NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL,"
    " PRIMARY KEY(run, seq)) WITHOUT ROWID;"
    "CREATE TABLE attacks(id INTEGER PRIMARY KEY, run INTEGER NOT NULL,"
    " attack_id INTEGER NOT NULL, kind TEXT NOT NULL, technique TEXT, tool TEXT,"
    " direction TEXT, attacker TEXT NOT NULL, target TEXT NOT NULL, proto INTEGER,"
    " start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, day INTEGER NOT NULL,"
    " packets INTEGER, bytes INTEGER, victims INTEGER, ports INTEGER,"
    " port INTEGER NOT NULL, service TEXT NOT NULL, attempts INTEGER,"
    " succeeded INTEGER NOT NULL, severity INTEGER, country TEXT NOT NULL,"
    " asn INTEGER NOT NULL, as_org TEXT, dest_country TEXT, dest_asn INTEGER,"
    " confidence TEXT NOT NULL, reason TEXT, evidence TEXT, victim_ips TEXT, port_list TEXT,"
    " UNIQUE(run, start_ns, kind, attacker, target));"
    "CREATE INDEX attacks_day ON attacks(day);"
    "CREATE INDEX attacks_notable ON attacks(start_ns)"
    " WHERE succeeded = 1 AND kind LIKE 'bruteforce.%';";

static const char schema_v2[] =
    "CREATE TABLE r_month(month TEXT, kind TEXT, country TEXT, confidence TEXT,"
    " attacks INTEGER NOT NULL, PRIMARY KEY(month, kind, country, confidence)) WITHOUT ROWID;"
    "CREATE TABLE r_day(day INTEGER, kind TEXT, country TEXT, confidence TEXT,"
    " attacks INTEGER NOT NULL, PRIMARY KEY(day, kind, country, confidence)) WITHOUT ROWID;"
    "CREATE TABLE r_month_asn(month TEXT, kind TEXT, country TEXT, confidence TEXT,"
    " asn INTEGER, attacks INTEGER NOT NULL,"
    " PRIMARY KEY(month, kind, country, confidence, asn)) WITHOUT ROWID;"
    "CREATE TABLE r_month_port(month TEXT, kind TEXT, country TEXT, confidence TEXT,"
    " port INTEGER, service TEXT, attacks INTEGER NOT NULL,"
    " PRIMARY KEY(month, kind, country, confidence, port, service)) WITHOUT ROWID;"
    "CREATE TABLE r_day_target(day INTEGER, kind TEXT, country TEXT, confidence TEXT,"
    " target TEXT, attacks INTEGER NOT NULL,"
    " PRIMARY KEY(day, kind, country, confidence, target)) WITHOUT ROWID;"
    "CREATE TABLE r_asn(asn INTEGER PRIMARY KEY, attacks INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE r_port(port INTEGER, service TEXT, attacks INTEGER NOT NULL,"
    " PRIMARY KEY(port, service)) WITHOUT ROWID;"
    "CREATE TABLE r_attacker(attacker TEXT PRIMARY KEY, attacks INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE r_target(target TEXT PRIMARY KEY, attacks INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE asn_names(asn INTEGER PRIMARY KEY, as_org TEXT);"
    "INSERT OR REPLACE INTO asn_names SELECT asn, as_org FROM attacks"
    " WHERE asn != 0 AND as_org IS NOT NULL;";

#define MONTH_OF_DAY "strftime('%Y-%m', day * 86400, 'unixepoch')"

/* Dimension bits. */
#define B(d)      (1u << (d))
#define TIME_DIMS (B(VG_DIM_DAY) | B(VG_DIM_MONTH) | B(VG_DIM_YEAR))
#define BASE_DIMS (B(VG_DIM_KIND) | B(VG_DIM_COUNTRY) | B(VG_DIM_CONFIDENCE))

enum grain { GRAIN_NONE, GRAIN_MONTH, GRAIN_DAY };

#define ROLLUP_KEYS_MAX 6

struct rollup {
	const char *table;
	unsigned dims; /* dimensions it can group and filter by */
	enum grain grain;
	int since; /* schema version that created it (rebuilt then) */
	unsigned nkeys;
	const char *cols[ROLLUP_KEYS_MAX];  /* key columns */
	const char *exprs[ROLLUP_KEYS_MAX]; /* their values over an attacks row */
};

/* Smallest first: a query takes the first that covers it. */
static const struct rollup rollups[] = {
    {"r_attacker", B(VG_DIM_ATTACKER), GRAIN_NONE, 2, 1, {"attacker"}, {"attacker"}},
    {"r_target", B(VG_DIM_TARGET), GRAIN_NONE, 2, 1, {"target"}, {"target"}},
    {"r_asn", B(VG_DIM_ASN), GRAIN_NONE, 2, 1, {"asn"}, {"asn"}},
    {"r_port",
     B(VG_DIM_PORT) | B(VG_DIM_SERVICE),
     GRAIN_NONE,
     2,
     2,
     {"port", "service"},
     {"port", "service"}},
    {"r_month",
     BASE_DIMS | B(VG_DIM_MONTH) | B(VG_DIM_YEAR),
     GRAIN_MONTH,
     2,
     4,
     {"month", "kind", "country", "confidence"},
     {MONTH_OF_DAY, "kind", "country", "confidence"}},
    {"r_month_asn",
     BASE_DIMS | B(VG_DIM_MONTH) | B(VG_DIM_YEAR) | B(VG_DIM_ASN),
     GRAIN_MONTH,
     2,
     5,
     {"month", "kind", "country", "confidence", "asn"},
     {MONTH_OF_DAY, "kind", "country", "confidence", "asn"}},
    {"r_month_port",
     BASE_DIMS | B(VG_DIM_MONTH) | B(VG_DIM_YEAR) | B(VG_DIM_PORT) | B(VG_DIM_SERVICE),
     GRAIN_MONTH,
     2,
     6,
     {"month", "kind", "country", "confidence", "port", "service"},
     {MONTH_OF_DAY, "kind", "country", "confidence", "port", "service"}},
    {"r_day",
     BASE_DIMS | TIME_DIMS,
     GRAIN_DAY,
     2,
     4,
     {"day", "kind", "country", "confidence"},
     {"day", "kind", "country", "confidence"}},
    {"r_day_target",
     BASE_DIMS | TIME_DIMS | B(VG_DIM_TARGET),
     GRAIN_DAY,
     2,
     5,
     {"day", "kind", "country", "confidence", "target"},
     {"day", "kind", "country", "confidence", "target"}},
};

struct migration {
	int version;
	const char *sql;
};

static const struct migration migrations[] = {
    {1, schema_v1},
    {2, schema_v2},
};

#define SCHEMA_VERSION 2

/* ---- the handle ------------------------------------------------------------ */

struct sqlite_store {
	struct vg_store base;
	sqlite3 *db;
	char *path;
	bool in_txn;
	unsigned pending; /* attacks inserted in the open transaction */
	int64_t run_id;
	sqlite3_stmt *insert, *asn_name, *upsert[VG_ARRAY_LEN(rollups)];
};

static int fail(struct sqlite_store *s, int rc, char *err, size_t errlen, const char *what)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		snprintf(err, errlen,
			 "%s: %s: database is locked by another process (waited %d ms)", s->path,
			 what, VG_SQLITE_BUSY_MS);
	else
		snprintf(err, errlen, "%s: %s: %s", s->path, what, msg);
	if (rc == SQLITE_NOMEM)
		return VG_ENOMEM;
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return VG_EFORMAT;
	return VG_EIO;
}

static int exec(struct sqlite_store *s, const char *sql, char *err, size_t errlen, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(s, rc, err, errlen, what);
}

static int begin(struct sqlite_store *s, char *err, size_t errlen)
{
	if (s->in_txn)
		return 0;
	int rc = exec(s, "BEGIN IMMEDIATE", err, errlen, "begin");
	if (rc == 0)
		s->in_txn = true;
	return rc;
}

static int commit(struct sqlite_store *s, char *err, size_t errlen)
{
	int rc;

	if (!s->in_txn)
		return 0;
	rc = exec(s, "COMMIT", err, errlen, "commit");
	if (rc < 0) {
		/* A failed COMMIT (disk full) may leave the transaction open:
		 * roll it back so the file keeps the last whole batch. */
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	s->in_txn = false;
	s->pending = 0;
	return rc;
}

static int step_done(struct sqlite_store *s, sqlite3_stmt *st, char *err, size_t errlen,
		     const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(s, rc, err, errlen, what);
}

/* ---- open and migrate --------------------------------------------------------- */

static int schema_version(struct sqlite_store *s, int *version, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version = 0;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, err, errlen, "reading the schema");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(s, rc, err, errlen, "reading the schema");
	}
	bool has = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	if (!has)
		return 0;
	rc = sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, err, errlen, "reading schema_version");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(s, rc, err, errlen, "reading schema_version");
}

static int rebuild_rollup(struct sqlite_store *s, const struct rollup *r, char *err, size_t errlen)
{
	char sql[2048], cols[256] = "", exprs[512] = "";
	size_t nc = 0, ne = 0;

	for (unsigned i = 0; i < r->nkeys; i++) {
		nc += (size_t)snprintf(cols + nc, sizeof cols - nc, "%s%s", i ? ", " : "",
				       r->cols[i]);
		ne += (size_t)snprintf(exprs + ne, sizeof exprs - ne, "%s%s", i ? ", " : "",
				       r->exprs[i]);
	}
	snprintf(sql, sizeof sql,
		 "INSERT INTO %s(%s, attacks) SELECT %s, count(*) FROM attacks GROUP BY %s",
		 r->table, cols, exprs, exprs);
	return exec(s, sql, err, errlen, r->table);
}

static int migrate(struct sqlite_store *s, bool readonly, char *err, size_t errlen)
{
	char sql[128];
	int version, rc;

	if ((rc = schema_version(s, &version, err, errlen)) < 0)
		return rc;
	if (version > SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: schema version %d is newer than this vigil knows (%d): use a newer "
			 "vigil",
			 s->path, version, SCHEMA_VERSION);
		return VG_ENOTSUP;
	}
	if (version == SCHEMA_VERSION)
		return 0;
	if (readonly) {
		snprintf(err, errlen,
			 "%s: schema version %d is older than %d: open it once for "
			 "writing (vigil read or vigil prune) to migrate it",
			 s->path, version, SCHEMA_VERSION);
		return VG_ENOTSUP;
	}
	for (size_t m = 0; m < VG_ARRAY_LEN(migrations); m++) {
		if (migrations[m].version <= version)
			continue;
		if ((rc = begin(s, err, errlen)) < 0)
			return rc;
		rc = exec(s, migrations[m].sql, err, errlen, "migrating the schema");
		for (size_t r = 0; rc == 0 && r < VG_ARRAY_LEN(rollups); r++)
			if (rollups[r].since == migrations[m].version)
				rc = rebuild_rollup(s, &rollups[r], err, errlen);
		snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES(%d, %lld)",
			 migrations[m].version, (long long)time(NULL));
		if (rc == 0)
			rc = exec(s, sql, err, errlen, "migrating the schema");
		if (rc < 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			s->in_txn = false;
			return rc;
		}
		if ((rc = commit(s, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

static int prepare(struct sqlite_store *s, sqlite3_stmt **st, const char *sql, char *err,
		   size_t errlen)
{
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);

	return rc == SQLITE_OK ? 0 : fail(s, rc, err, errlen, "preparing a statement");
}

static int prepare_writes(struct sqlite_store *s, char *err, size_t errlen)
{
	char sql[2048];
	int rc;

	rc = prepare(
	    s, &s->insert,
	    "INSERT OR IGNORE INTO attacks(run, attack_id, kind, technique, tool,"
	    " direction, attacker, target, proto, start_ns, end_ns, day, packets, bytes,"
	    " victims, ports, port, service, attempts, succeeded, severity, country, asn,"
	    " as_org, dest_country, dest_asn, confidence, reason, evidence, victim_ips,"
	    " port_list) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    err, errlen);
	if (rc == 0)
		rc = prepare(s, &s->asn_name,
			     "INSERT INTO asn_names VALUES(?1, ?2) ON CONFLICT(asn) DO UPDATE SET"
			     " as_org = excluded.as_org WHERE as_org IS NOT excluded.as_org",
			     err, errlen);
	for (size_t r = 0; rc == 0 && r < VG_ARRAY_LEN(rollups); r++) {
		const struct rollup *ru = &rollups[r];
		char cols[256] = "", exprs[512] = "";
		size_t nc = 0, ne = 0;
		for (unsigned i = 0; i < ru->nkeys; i++) {
			nc += (size_t)snprintf(cols + nc, sizeof cols - nc, "%s%s", i ? ", " : "",
					       ru->cols[i]);
			ne += (size_t)snprintf(exprs + ne, sizeof exprs - ne, "%s%s", i ? ", " : "",
					       ru->exprs[i]);
		}
		/* The WHERE is also what lets SQLite parse ON CONFLICT after a SELECT. */
		snprintf(sql, sizeof sql,
			 "INSERT INTO %s(%s, attacks) SELECT %s, 1 FROM attacks WHERE id = ?1"
			 " ON CONFLICT DO UPDATE SET attacks = attacks + 1",
			 ru->table, cols, exprs);
		rc = prepare(s, &s->upsert[r], sql, err, errlen);
	}
	return rc;
}

static int sqlite_close(struct vg_store *base, char *err, size_t errlen);

static int sqlite_open(struct vg_store **out, const char *path, bool readonly, char *err,
		       size_t errlen)
{
	struct sqlite_store *s = calloc(1, sizeof *s);
	struct stat st;
	int rc, flags;

	*out = NULL;
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", path);
		return VG_ENOMEM;
	}
	s->base.ops = &vg_store_sqlite;
	if (readonly && stat(path, &st) < 0) {
		snprintf(err, errlen,
			 "%s: no such store (`vigil read` creates it; --store URL "
			 "names another)",
			 path);
		rc = VG_ENOENT;
		goto fail;
	}
	/* Read-only users (report) still open read-write so that WAL readers
	 * work and an older schema can be refused cleanly; they never write. */
	flags = SQLITE_OPEN_READWRITE | (readonly ? 0 : SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(s, rc, err, errlen, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, VG_SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 0);
	/* The first read of the file: a corrupt or foreign file fails here. */
	rc = exec(s,
		  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		  " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
		  err, errlen, "opening the store");
	if (rc < 0)
		goto fail;
	if ((rc = migrate(s, readonly, err, errlen)) < 0)
		goto fail;
	if (!readonly && (rc = prepare_writes(s, err, errlen)) < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	sqlite_close(&s->base, NULL, 0);
	return rc;
}

/* ---- writing ------------------------------------------------------------------ */

static int sqlite_run_begin(struct vg_store *base, const struct vg_store_run *run, char *err,
			    size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = begin(s, err, errlen)) < 0)
		return rc;
	rc = prepare(s, &st,
		     "INSERT INTO runs(key, version, started_s) VALUES(?1, ?2, ?3)"
		     " ON CONFLICT(key) DO UPDATE SET version = excluded.version,"
		     " started_s = excluded.started_s, complete = 0 RETURNING id",
		     err, errlen);
	if (rc < 0)
		goto out;
	sqlite3_bind_text(st, 1, run->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)run->started_s);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		rc = fail(s, rc, err, errlen, "recording the run");
		goto out;
	}
	s->run_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	rc = prepare(s, &st,
		     "INSERT INTO captures(hash, name, size) VALUES(?1, ?2, ?3)"
		     " ON CONFLICT(hash) DO UPDATE SET name = excluded.name",
		     err, errlen);
	for (size_t i = 0; rc == 0 && i < run->ncaptures; i++) {
		sqlite3_bind_text(st, 1, run->captures[i].hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, run->captures[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)run->captures[i].size);
		rc = step_done(s, st, err, errlen, "recording a capture");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = prepare(s, &st, "INSERT OR REPLACE INTO run_captures VALUES(?1, ?2, ?3)", err,
			     errlen);
	for (size_t i = 0; rc == 0 && i < run->ncaptures; i++) {
		sqlite3_bind_int64(st, 1, s->run_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_text(st, 3, run->captures[i].hash, -1, SQLITE_STATIC);
		rc = step_done(s, st, err, errlen, "recording a capture");
	}
	/* The run is recorded before any attack: a killed run leaves a run
	 * with complete = 0 and whole batches of its attacks. */
	if (rc == 0)
		rc = commit(s, err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v && v[0])
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int sqlite_put_attack(struct vg_store *base, const struct vg_attack *a,
			     const struct vg_attribution *at, char *err, size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->insert;
	char src[64], dst[64], victims[16 * 48], ports[16 * 6], reason[160];
	size_t n = 0;
	int rc, i = 1, added = 0;

	if ((rc = begin(s, err, errlen)) < 0)
		return rc;
	vg_store_attacker(src, sizeof src, a);
	vg_format_addr(dst, sizeof dst, &a->dst, a->family);
	victims[0] = ports[0] = '\0';
	for (unsigned v = 0; v < a->n_victim_ips; v++) {
		char ip[64];
		vg_format_addr(ip, sizeof ip, &a->victim_ips[v], a->family);
		n += (size_t)snprintf(victims + n, sizeof victims - n, "%s%s", v ? "," : "", ip);
	}
	n = 0;
	for (unsigned p = 0; p < a->n_ports; p++)
		n += (size_t)snprintf(ports + n, sizeof ports - n, "%s%u", p ? "," : "",
				      a->port_list[p]);
	sqlite3_bind_int64(st, i++, s->run_id);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)a->id);
	sqlite3_bind_text(st, i++, a->kind, -1, SQLITE_STATIC);
	bind_text_or_null(st, i++, a->technique);
	bind_text_or_null(st, i++, a->tool);
	bind_text_or_null(st, i++, a->direction);
	sqlite3_bind_text(st, i++, src, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, dst, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, a->proto);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)a->start_ns);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)a->end_ns);
	sqlite3_bind_int64(st, i++, vg_store_day(a->start_ns));
	sqlite3_bind_int64(st, i++, (sqlite3_int64)a->packets);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)a->bytes);
	sqlite3_bind_int64(st, i++, a->victims);
	sqlite3_bind_int64(st, i++, a->ports);
	sqlite3_bind_int(st, i++, vg_store_port(a));
	sqlite3_bind_text(st, i++, vg_store_service(a), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)a->attempts);
	sqlite3_bind_int(st, i++, a->succeeded);
	sqlite3_bind_int(st, i++, a->severity);
	sqlite3_bind_text(st, i++, at ? at->src.country : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, i++, at ? at->src.asn : 0);
	bind_text_or_null(st, i++, at ? at->src.as_org : NULL);
	bind_text_or_null(st, i++, at ? at->dst.country : NULL);
	sqlite3_bind_int64(st, i++, at ? at->dst.asn : 0);
	sqlite3_bind_text(st, i++,
			  vg_confidence_name(at ? at->confidence
						: vg_attrib_confidence(a, reason, sizeof reason)),
			  -1, SQLITE_STATIC);
	bind_text_or_null(st, i++, at ? at->reason : NULL);
	bind_text_or_null(st, i++, a->evidence);
	bind_text_or_null(st, i++, victims);
	bind_text_or_null(st, i++, ports);
	if ((rc = step_done(s, st, err, errlen, "storing an attack")) < 0)
		return rc;
	if (sqlite3_changes(s->db) == 1) { /* new: not a re-run's duplicate */
		added = 1;
		sqlite3_int64 id = sqlite3_last_insert_rowid(s->db);
		for (size_t r = 0; r < VG_ARRAY_LEN(rollups); r++) {
			sqlite3_bind_int64(s->upsert[r], 1, id);
			if ((rc = step_done(s, s->upsert[r], err, errlen, rollups[r].table)) < 0)
				return rc;
		}
		if (at && at->src.asn && at->src.as_org[0]) {
			sqlite3_bind_int64(s->asn_name, 1, at->src.asn);
			sqlite3_bind_text(s->asn_name, 2, at->src.as_org, -1, SQLITE_TRANSIENT);
			if ((rc = step_done(s, s->asn_name, err, errlen, "asn_names")) < 0)
				return rc;
		}
	}
	if (++s->pending >= VG_SQLITE_BATCH && (rc = commit(s, err, errlen)) < 0)
		return rc;
	return added;
}

static int sqlite_flush(struct vg_store *base, char *err, size_t errlen)
{
	return commit((struct sqlite_store *)base, err, errlen);
}

static int sqlite_run_end(struct vg_store *base, const struct vg_store_run *run, char *err,
			  size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = begin(s, err, errlen)) < 0)
		return rc;
	rc = prepare(s, &st,
		     "UPDATE runs SET packets = ?2, first_ns = ?3, last_ns = ?4, attacks = ?5,"
		     " geo = ?6, complete = 1 WHERE id = ?1",
		     err, errlen);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(st, 1, s->run_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)run->packets);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)run->first_ns);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)run->last_ns);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)run->attacks);
	sqlite3_bind_text(st, 6, run->geo ? run->geo : "", -1, SQLITE_STATIC);
	if ((rc = step_done(s, st, err, errlen, "completing the run")) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	rc = prepare(s, &st, "UPDATE captures SET packets = ?2 WHERE hash = ?1", err, errlen);
	for (size_t i = 0; rc == 0 && i < run->ncaptures; i++) {
		sqlite3_bind_text(st, 1, run->captures[i].hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)run->captures[i].packets);
		rc = step_done(s, st, err, errlen, "recording a capture");
	}
	if (rc == 0)
		rc = commit(s, err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- queries -------------------------------------------------------------------- */

/* What a filter needs of a source: its dimensions, and the time grain. */
static unsigned filter_dims(const struct vg_filter *f)
{
	return (f->kind ? B(VG_DIM_KIND) : 0) | (f->country ? B(VG_DIM_COUNTRY) : 0) |
	       (f->target ? B(VG_DIM_TARGET) : 0) | (f->confidence ? B(VG_DIM_CONFIDENCE) : 0) |
	       (f->direction ? B(VG_DIM_DIRECTION) : 0);
}

static void day_ymd(int64_t day, int *y, int *m, int *d)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

/* Month-grain sources serve a time filter only on whole months. */
static bool month_aligned(const struct vg_filter *f)
{
	int y, m, d;

	if (f->has_since) {
		day_ymd(f->since_day, &y, &m, &d);
		if (d != 1)
			return false;
	}
	if (f->has_until) {
		day_ymd(f->until_day + 1, &y, &m, &d);
		if (d != 1)
			return false;
	}
	return true;
}

/* The source for a query: a rollup index, or -1 for the raw table. */
static int pick_source(const struct vg_query *q)
{
	unsigned need = filter_dims(&q->filter);
	bool timed = q->filter.has_since || q->filter.has_until;

	if (q->measure != VG_MEASURE_ATTACKS)
		return -1;
	for (unsigned i = 0; i < q->ndims; i++)
		need |= B(q->dims[i]);
	for (size_t r = 0; r < VG_ARRAY_LEN(rollups); r++) {
		const struct rollup *ru = &rollups[r];
		if (need & ~ru->dims)
			continue;
		if (timed && (ru->grain == GRAIN_NONE ||
			      (ru->grain == GRAIN_MONTH && !month_aligned(&q->filter))))
			continue;
		if (ru->grain == GRAIN_NONE && !q->ndims)
			continue; /* a total reads a smaller table */
		return (int)r;
	}
	return -1;
}

static const char *dim_expr(enum vg_dim d, enum grain g)
{
	switch (d) {
	case VG_DIM_DAY: return "date(day * 86400, 'unixepoch')";
	case VG_DIM_MONTH: return g == GRAIN_MONTH ? "month" : MONTH_OF_DAY;
	case VG_DIM_YEAR:
		return g == GRAIN_MONTH ? "substr(month, 1, 4)"
					: "strftime('%Y', day * 86400, 'unixepoch')";
	case VG_DIM_ASN: return "asn"; /* named by the outer query */
	case VG_DIM_PORT: return "port";
	case VG_DIM_TOOL: return "coalesce(tool, '')"; /* stored NULL when none */
	case VG_DIM_DIRECTION: return "coalesce(direction, '')";
	default: return vg_dim_name(d);
	}
}

static size_t where_clause(const struct vg_filter *f, enum grain g, char *buf, size_t len)
{
	size_t n = 0;
	const char *and = " WHERE ";

#define ADD(...)                                                      \
	do {                                                          \
		n += (size_t)snprintf(buf + n, len - n, "%s", and);   \
		n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
		and = " AND ";                                        \
	} while (0)
	buf[0] = '\0';
	if (f->has_since)
		ADD(g == GRAIN_MONTH ? "month >= strftime('%%Y-%%m', :since * 86400, 'unixepoch')"
				     : "day >= :since");
	if (f->has_until)
		ADD(g == GRAIN_MONTH ? "month <= strftime('%%Y-%%m', :until * 86400, 'unixepoch')"
				     : "day <= :until");
	if (f->kind && strchr(f->kind, '.'))
		ADD("kind = :kind");
	else if (f->kind)
		ADD("kind > :kind || '.' AND kind < :kind || '/'");
	if (f->country)
		ADD("country = :country");
	if (f->target)
		ADD("target = :target");
	if (f->confidence)
		ADD("confidence = :confidence");
	if (f->direction)
		ADD("direction = :direction");
#undef ADD
	return n;
}

static void bind_filter(sqlite3_stmt *st, const struct vg_filter *f)
{
	int i;

	if (f->has_since && (i = sqlite3_bind_parameter_index(st, ":since")))
		sqlite3_bind_int64(st, i, f->since_day);
	if (f->has_until && (i = sqlite3_bind_parameter_index(st, ":until")))
		sqlite3_bind_int64(st, i, f->until_day);
	if ((i = sqlite3_bind_parameter_index(st, ":kind")))
		sqlite3_bind_text(st, i, f->kind, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":country")))
		sqlite3_bind_text(st, i, f->country, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":target")))
		sqlite3_bind_text(st, i, f->target, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":confidence")))
		sqlite3_bind_text(st, i, f->confidence, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":direction")))
		sqlite3_bind_text(st, i, f->direction, -1, SQLITE_STATIC);
}

static int sqlite_query(struct vg_store *base, const struct vg_query *q, vg_store_row_fn fn,
			void *arg, char *err, size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int src = pick_source(q), rc;
	enum grain g = src >= 0 ? rollups[src].grain : GRAIN_DAY;
	const char *table = src >= 0 ? rollups[src].table : "attacks";
	const char *measure;
	char sql[2048];
	size_t n = 0, w;
	sqlite3_stmt *st = NULL;
	const char *keys[VG_QUERY_DIMS_MAX];

	if (q->ndims > VG_QUERY_DIMS_MAX) {
		snprintf(err, errlen, "%s: at most %d dimensions", s->path, VG_QUERY_DIMS_MAX);
		return VG_EINVAL;
	}
	if (q->measure == VG_MEASURE_ATTACKERS)
		measure = "count(DISTINCT attacker)";
	else if (q->measure == VG_MEASURE_TARGETS)
		measure = "count(DISTINCT target)";
	else
		measure = src >= 0 ? "coalesce(sum(attacks), 0)" : "count(*)";
	/* Distinct counts over everything: the attacker and target rollups
	 * hold one row per distinct value. */
	if (q->measure != VG_MEASURE_ATTACKS && !q->ndims && !filter_dims(&q->filter) &&
	    !q->filter.has_since && !q->filter.has_until) {
		table = q->measure == VG_MEASURE_ATTACKERS ? "r_attacker" : "r_target";
		measure = "count(*)";
	}
	/* Inner: group and order on plain columns (an AS number sorts as a
	 * number); outer: the display text of the rows kept (AS names are
	 * looked up for those rows only). */
	n += (size_t)snprintf(sql + n, sizeof sql - n, "SELECT ");
	for (unsigned i = 0; i < q->ndims; i++)
		n += (size_t)snprintf(sql + n, sizeof sql - n,
				      q->dims[i] == VG_DIM_ASN
					  ? "CAST(k%u AS TEXT) || coalesce(' ' || (SELECT n.as_org"
					    " FROM asn_names n WHERE n.asn = k%u), ''), "
					  : "CAST(k%u AS TEXT), ",
				      i, i);
	n += (size_t)snprintf(sql + n, sizeof sql - n, "v FROM (SELECT ");
	for (unsigned i = 0; i < q->ndims; i++)
		n += (size_t)snprintf(sql + n, sizeof sql - n, "%s AS k%u, ",
				      dim_expr(q->dims[i], g), i);
	n += (size_t)snprintf(sql + n, sizeof sql - n, "%s AS v FROM %s AS src", measure, table);
	w = where_clause(&q->filter, g, sql + n, sizeof sql - n);
	n += w;
	if (q->measure == VG_MEASURE_ATTACKERS) /* "": no attacker known (store.h) */
		n += (size_t)snprintf(sql + n, sizeof sql - n, "%s attacker != ''",
				      w ? " AND" : " WHERE");
	if (q->ndims) {
		char order[128];
		size_t no = 0;
		if (!q->order_by_key)
			no += (size_t)snprintf(order + no, sizeof order - no, "v DESC, ");
		for (unsigned i = 0; i < q->ndims; i++)
			no += (size_t)snprintf(order + no, sizeof order - no, "%sk%u",
					       i ? ", " : "", i);
		n += (size_t)snprintf(sql + n, sizeof sql - n, " GROUP BY ");
		for (unsigned i = 0; i < q->ndims; i++)
			n += (size_t)snprintf(sql + n, sizeof sql - n, "%sk%u", i ? ", " : "", i);
		n += (size_t)snprintf(sql + n, sizeof sql - n, " ORDER BY %s", order);
		if (q->limit)
			n += (size_t)snprintf(sql + n, sizeof sql - n, " LIMIT %" PRIu64, q->limit);
		n += (size_t)snprintf(sql + n, sizeof sql - n, ") ORDER BY %s", order);
	} else {
		n += (size_t)snprintf(sql + n, sizeof sql - n, ")");
	}
	if (n >= sizeof sql) {
		snprintf(err, errlen, "%s: query too long", s->path);
		return VG_EINVAL;
	}
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, err, errlen, "query");
	bind_filter(st, &q->filter);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (unsigned i = 0; i < q->ndims; i++) {
			const unsigned char *t = sqlite3_column_text(st, (int)i);
			keys[i] = t ? (const char *)t : "";
		}
		if (fn(arg, keys, (uint64_t)sqlite3_column_int64(st, (int)q->ndims))) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, err, errlen, "query");
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static int sqlite_notable(struct vg_store *base, const struct vg_filter *f, uint64_t limit,
			  vg_store_attack_fn fn, void *arg, char *err, size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	char sql[1024];
	size_t n;
	sqlite3_stmt *st = NULL;
	int rc;

	n = (size_t)snprintf(
	    sql, sizeof sql,
	    "SELECT kind, attacker, target, country, confidence, evidence, service,"
	    " start_ns, end_ns, attempts, asn, succeeded FROM attacks");
	n += where_clause(f, GRAIN_DAY, sql + n, sizeof sql - n);
	snprintf(
	    sql + n, sizeof sql - n,
	    "%s succeeded = 1 AND kind LIKE 'bruteforce.%%' ORDER BY start_ns DESC LIMIT %" PRIu64,
	    n && strstr(sql, " WHERE ") ? " AND" : " WHERE", limit ? limit : UINT64_C(1) << 62);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, err, errlen, "notable attacks");
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vg_stored_attack a = {
		    .kind = col_text(st, 0),
		    .src_ip = col_text(st, 1),
		    .dest_ip = col_text(st, 2),
		    .country = col_text(st, 3),
		    .confidence = col_text(st, 4),
		    .evidence = col_text(st, 5),
		    .service = col_text(st, 6),
		    .start_ns = (uint64_t)sqlite3_column_int64(st, 7),
		    .end_ns = (uint64_t)sqlite3_column_int64(st, 8),
		    .attempts = (uint64_t)sqlite3_column_int64(st, 9),
		    .asn = (uint32_t)sqlite3_column_int64(st, 10),
		    .succeeded = sqlite3_column_int(st, 11) != 0,
		};
		if (fn(arg, &a)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, err, errlen, "notable attacks");
}

static int sqlite_runs(struct vg_store *base, vg_store_run_fn fn, void *arg, char *err,
		       size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT key, version, geo, started_s, packets, first_ns, last_ns, attacks,"
	    " (SELECT count(*) FROM run_captures c WHERE c.run = runs.id), complete"
	    " FROM runs ORDER BY id",
	    -1, &st, NULL);

	if (rc != SQLITE_OK)
		return fail(s, rc, err, errlen, "runs");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vg_stored_run r = {
		    .key = col_text(st, 0),
		    .version = col_text(st, 1),
		    .geo = col_text(st, 2),
		    .started_s = (uint64_t)sqlite3_column_int64(st, 3),
		    .packets = (uint64_t)sqlite3_column_int64(st, 4),
		    .first_ns = (uint64_t)sqlite3_column_int64(st, 5),
		    .last_ns = (uint64_t)sqlite3_column_int64(st, 6),
		    .attacks = (uint64_t)sqlite3_column_int64(st, 7),
		    .ncaptures = (uint64_t)sqlite3_column_int64(st, 8),
		    .complete = sqlite3_column_int(st, 9) != 0,
		};
		if (fn(arg, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, err, errlen, "runs");
}

/* ---- prune ------------------------------------------------------------------------ */

static int prune_rollup(struct sqlite_store *s, const struct rollup *r, int64_t before, char *err,
			size_t errlen)
{
	char sql[4096], sel[512] = "", match[512] = "", grp[512] = "";
	size_t ns = 0, nm = 0, ng = 0;

	for (unsigned i = 0; i < r->nkeys; i++) {
		ns += (size_t)snprintf(sel + ns, sizeof sel - ns, "%s AS %s, ", r->exprs[i],
				       r->cols[i]);
		nm += (size_t)snprintf(match + nm, sizeof match - nm, "%sr.%s = x.%s",
				       i ? " AND " : "", r->cols[i], r->cols[i]);
		ng += (size_t)snprintf(grp + ng, sizeof grp - ng, "%s%u", i ? ", " : "", i + 1);
	}
	snprintf(sql, sizeof sql,
		 "UPDATE %s AS r SET attacks = r.attacks - x.n FROM (SELECT %scount(*) AS n FROM"
		 " attacks WHERE day < %lld GROUP BY %s) AS x WHERE %s;"
		 "DELETE FROM %s WHERE attacks <= 0;",
		 r->table, sel, (long long)before, grp, match, r->table);
	return exec(s, sql, err, errlen, r->table);
}

static int sqlite_prune(struct vg_store *base, int64_t before_day, uint64_t *deleted, char *err,
			size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	char sql[128];
	int rc;

	*deleted = 0;
	if ((rc = commit(s, err, errlen)) < 0 || (rc = begin(s, err, errlen)) < 0)
		return rc;
	for (size_t r = 0; rc == 0 && r < VG_ARRAY_LEN(rollups); r++)
		rc = prune_rollup(s, &rollups[r], before_day, err, errlen);
	snprintf(sql, sizeof sql, "DELETE FROM attacks WHERE day < %lld", (long long)before_day);
	if (rc == 0 && (rc = exec(s, sql, err, errlen, "prune")) == 0)
		*deleted = (uint64_t)sqlite3_changes64(s->db);
	if (rc < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_txn = false;
		return rc;
	}
	return commit(s, err, errlen);
}

/* ---- close ---------------------------------------------------------------------------- */

static int sqlite_close(struct vg_store *base, char *err, size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	char dummy[8];
	int rc = 0;

	if (!s)
		return 0;
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (s->db && s->in_txn)
		rc = commit(s, err, errlen);
	sqlite3_finalize(s->insert);
	sqlite3_finalize(s->asn_name);
	for (size_t r = 0; r < VG_ARRAY_LEN(rollups); r++)
		sqlite3_finalize(s->upsert[r]);
	if (s->db)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
	return rc;
}

const struct vg_store_ops vg_store_sqlite = {
    .scheme = "sqlite",
    .usage = "sqlite:PATH   a SQLite file, created if missing (a bare PATH works too)",
    .open = sqlite_open,
    .run_begin = sqlite_run_begin,
    .put_attack = sqlite_put_attack,
    .flush = sqlite_flush,
    .run_end = sqlite_run_end,
    .query = sqlite_query,
    .notable = sqlite_notable,
    .runs = sqlite_runs,
    .prune = sqlite_prune,
    .close = sqlite_close,
};
