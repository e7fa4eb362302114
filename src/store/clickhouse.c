/*
 * clickhouse.c - the ClickHouse store backend
 * (`clickhouse://HOST[:PORT]/DB[?cluster=NAME]`), over ClickHouse's HTTP
 * interface with libcurl.
 *
 * Same semantics as sqlite.c, the reference: one row per final attack,
 * identity (run key, start, kind, attacker, target), the same query rows in
 * the same order, so `vigil report` prints the same report from both
 * (tests/clickhouse.sh diffs them). Written for ClickHouse 18.16 (Debian
 * 12's package): every statement below runs on it. docs/STORE.md has the
 * schema.
 *
 * Schema: MergeTree tables created if missing, `attacks` partitioned by
 * month (PARTITION BY toYYYYMM(day)); schema_version holds the version
 * (SCHEMA_VERSION), checked like SQLite's: a newer one is refused. No
 * rollups: ClickHouse aggregates the raw table column by column, which is
 * what it is for.
 *
 * Dedup: ClickHouse has no unique constraint. run_begin looks the run key
 * up in this server's runs table; if the run was seen before (complete or
 * killed half way), the identities of its stored attacks are loaded into a
 * hash set and put_attack skips those (so `store.attacks_new` is exact, as
 * with SQLite). `attacks` is also a ReplacingMergeTree whose sorting key
 * contains the identity, so duplicates that two processes writing the same
 * capture set at once might insert disappear at the next merge (or at
 * OPTIMIZE TABLE attacks FINAL); queries do not use FINAL.
 *
 * Runs: runs is an append log (one row at run_begin, complete = 0, one at
 * run_end, complete = 1); the current state of a run is argMax(column,
 * updated_ns) grouped by key, its age min(created_ns).
 *
 * Writes: attacks are buffered as TSV and sent in INSERTs of
 * VG_CH_BATCH rows (an INSERT of one block is atomic: a killed run leaves
 * whole batches), and at run_end and close.
 *
 * Scale-out: `?cluster=NAME` (a cluster of the servers' remote_servers
 * config) makes open also create attacks_all, runs_all, asn_names_all =
 * Distributed(NAME, DB, table, rand()). Writes still go to this server's
 * own tables (each sensor writes its own shard); queries, notable and runs
 * read the *_all tables, so a report over one server covers every shard.
 * prune deletes on this server only. The same capture set read on two
 * shards is two sets of rows (dedup is per server).
 *
 * Limits: no TLS, no user/password (loopback or a trusted network); a
 * query's whole answer is held in memory (reports are small aggregates).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "common/hash.h"
#include "common/vg.h"
#include "event/event.h"
#include "store/store.h"

#define VG_CH_BATCH      1000
#define VG_CH_PORT       8123
#define VG_CH_CONNECT_S  5
#define VG_CH_MUTATION_S 120
#define VG_CH_NAME_MAX   64
#define SCHEMA_VERSION   1
#define ID_SEED          0x766967696c636801ull /* fixed: identities of stored rows */

/* ---- schema -------------------------------------------------------------- */

/* {version, statements}: each statement one HTTP request (ClickHouse runs
 * one statement per request), all idempotent (IF NOT EXISTS). */
static const char *const schema_v1[] = {
    "CREATE TABLE IF NOT EXISTS schema_version(version UInt32, applied_s UInt64)"
    " ENGINE = MergeTree ORDER BY version",
    "CREATE TABLE IF NOT EXISTS runs(key String, version String, started_s UInt64,"
    " packets UInt64, first_ns UInt64, last_ns UInt64, attacks UInt64, geo String,"
    " ncaptures UInt64, complete UInt8, created_ns UInt64, updated_ns UInt64)"
    " ENGINE = MergeTree ORDER BY (key, updated_ns)",
    "CREATE TABLE IF NOT EXISTS captures(run String, seq UInt32, hash String, name String,"
    " size UInt64, packets UInt64, updated_ns UInt64)"
    " ENGINE = ReplacingMergeTree(updated_ns) ORDER BY (run, seq)",
    "CREATE TABLE IF NOT EXISTS attacks(run String, attack_id UInt64, kind String,"
    " technique String, tool String, direction String, attacker String, target String,"
    " proto UInt8, start_ns UInt64, end_ns UInt64, day Date, packets UInt64, bytes UInt64,"
    " victims UInt32, ports UInt32, port UInt16, service String, attempts UInt64,"
    " succeeded UInt8, severity UInt8, country String, asn UInt32, as_org String,"
    " dest_country String, dest_asn UInt32, confidence String, reason String,"
    " evidence String, victim_ips String, port_list String)"
    " ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(day)"
    " ORDER BY (day, kind, attacker, target, start_ns, run)",
    "CREATE TABLE IF NOT EXISTS asn_names(asn UInt32, as_org String, seen_ns UInt64)"
    " ENGINE = ReplacingMergeTree(seen_ns) ORDER BY asn",
    NULL,
};

/* Tables a cluster reads through Distributed ones named TABLE_all. */
static const char *const shared_tables[] = {"runs", "captures", "attacks", "asn_names"};

#define ATTACK_COLS                                                                              \
	"run, attack_id, kind, technique, tool, direction, attacker, target, proto, start_ns,"   \
	" end_ns, day, packets, bytes, victims, ports, port, service, attempts, succeeded,"      \
	" severity, country, asn, as_org, dest_country, dest_asn, confidence, reason, evidence," \
	" victim_ips, port_list"

/* ---- buffers and text ----------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, (size_t)n);
	free(big);
}

static void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = '\0';
}

/* A TSV field (ClickHouse's TabSeparated escaping). THREAT: evidence and
 * names come from traffic; escaping keeps them one field. */
static void tsv_field(struct buf *b, const char *s, bool last)
{
	const char *run = s;

	for (; s && *s; s++) {
		const char *esc = NULL;
		switch (*s) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_str(b, esc);
		run = s + 1;
	}
	if (run)
		buf_str(b, run);
	buf_add(b, last ? "\n" : "\t", 1);
}

static void tsv_u64(struct buf *b, uint64_t v, bool last)
{
	buf_fmt(b, "%" PRIu64 "%c", v, last ? '\n' : '\t');
}

/* A quoted SQL string literal. THREAT: filter values come from the command
 * line, stored text from traffic. */
static void sql_quote(struct buf *b, const char *s)
{
	buf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_add(b, "\\", 1);
		buf_add(b, s, 1);
	}
	buf_add(b, "'", 1);
}

/* Splits the next TSV line of *cur into at most nf fields, unescaping in
 * place; returns the number of fields, 0 at the end. */
static unsigned tsv_row(char **cur, char **fields, unsigned nf)
{
	char *p = *cur, *w;
	unsigned n = 0;

	if (!p || !*p)
		return 0;
	fields[n++] = w = p;
	for (; *p && *p != '\n'; p++) {
		if (*p == '\t') {
			*w++ = '\0';
			if (n < nf)
				fields[n++] = w;
			continue;
		}
		if (*p == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 't': *w++ = '\t'; break;
			case 'n': *w++ = '\n'; break;
			case 'r': *w++ = '\r'; break;
			case 'b': *w++ = '\b'; break;
			case 'f': *w++ = '\f'; break;
			case '0': *w++ = '\0'; break;
			default: *w++ = *p; break;
			}
			continue;
		}
		*w++ = *p;
	}
	*cur = *p ? p + 1 : p;
	*w = '\0';
	for (unsigned i = n; i < nf; i++)
		fields[i] = w; /* missing fields read as "" */
	return n;
}

static uint64_t u64(const char *s)
{
	return strtoull(s, NULL, 10);
}

/* "YYYY-MM-DD" of a day number. */
static void day_text(int64_t day, char out[16])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (!strftime(out, 16, "%Y-%m-%d", &tm))
		out[0] = '\0';
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- identities of a run's stored attacks ------------------------------------ */

/* Open addressing over 64-bit hashes of (start, kind, attacker, target);
 * 0 marks an empty slot. Within one run a 64-bit collision is a 1 in 2^40
 * event at a million attacks. */
struct idset {
	uint64_t *slot;
	size_t cap, n;
};

static uint64_t identity(uint64_t start_ns, const char *kind, const char *attacker,
			 const char *target)
{
	char key[512] = {0}; /* zero padding: vg_hash_words reads whole words */
	int n = snprintf(key, sizeof key - 8, "%" PRIu64 "\t%s\t%s\t%s", start_ns, kind, attacker,
			 target);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof key - 8 ? (size_t)n : sizeof key - 9;
	uint64_t h = vg_hash_words(key, (len + 7) & ~(size_t)7, ID_SEED);

	return h ? h : 1;
}

/* Adds h; returns 1 if new, 0 if present, <0 out of memory. */
static int idset_add(struct idset *s, uint64_t h)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *slot = calloc(cap, sizeof *slot);
		if (!slot)
			return VG_ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slot[i])
				continue;
			size_t j = s->slot[i] & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = s->slot[i];
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	size_t j = h & (s->cap - 1);
	while (s->slot[j]) {
		if (s->slot[j] == h)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = h;
	s->n++;
	return 1;
}

/* ---- the handle ------------------------------------------------------------------ */

struct ch_store {
	struct vg_store base;
	CURL *curl;
	char *url;          /* as the user wrote it, for messages */
	char endpoint[300]; /* http://HOST:PORT/ */
	char db[VG_CH_NAME_MAX], cluster[VG_CH_NAME_MAX];
	char tbl_attacks[VG_CH_NAME_MAX + 8], tbl_runs[VG_CH_NAME_MAX + 8],
	    tbl_asn[VG_CH_NAME_MAX + 8];
	struct buf resp, sql, rows, names;
	unsigned pending; /* attack rows in `rows` */
	struct idset seen;
	uint64_t stamp; /* last updated_ns written: strictly increasing */
	/* The current run, and what an earlier run of the same key left. */
	char run_key[VG_HASH_HEX];
	uint64_t created_ns, prev_packets, prev_first, prev_last, prev_attacks;
	char *prev_geo;
	bool global_init;
	bool db_ready; /* the database exists: requests name it */
};

static uint64_t next_stamp(struct ch_store *s)
{
	uint64_t t = wall_ns();

	s->stamp = t > s->stamp ? t : s->stamp + 1;
	return s->stamp;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_add(b, data, size * n);
	return b->oom ? 0 : size * n;
}

/* One request: body is the statement (query NULL) or the data of the
 * statement `query` (an INSERT). The answer is in s->resp. */
static int http(struct ch_store *s, const char *query, const char *body, size_t len,
		const char *what, char *err, size_t errlen)
{
	char url[2048], cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc;
	int n;

	buf_reset(&s->resp);
	n = snprintf(url, sizeof url, "%s?database=%s", s->endpoint,
		     s->db_ready ? s->db : "system");
	if (query) {
		char *q = curl_easy_escape(s->curl, query, 0);
		if (!q) {
			snprintf(err, errlen, "%s: %s: out of memory", s->url, what);
			return VG_ENOMEM;
		}
		n += snprintf(url + n, sizeof url - (size_t)n, "&query=%s", q);
		curl_free(q);
	} else {
		/* Errors come with their HTTP status, not after a 200. */
		n += snprintf(url + n, sizeof url - (size_t)n, "&wait_end_of_query=1");
	}
	if ((size_t)n >= sizeof url) {
		snprintf(err, errlen, "%s: %s: request too long", s->url, what);
		return VG_EINVAL;
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &s->resp);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, cerr);
	cc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
	if (s->resp.oom) {
		snprintf(err, errlen, "%s: %s: out of memory reading the answer", s->url, what);
		return VG_ENOMEM;
	}
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s: cannot reach ClickHouse at %s: %s", s->url, what,
			 s->endpoint, cerr[0] ? cerr : curl_easy_strerror(cc));
		return VG_EIO;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		/* ClickHouse's text: "Code: 60, e.displayText() = DB::Exception:
		 * Table x doesn't exist, e.what() = DB::Exception"; keep the
		 * first line without the trailing e.what(). */
		char *msg = s->resp.p ? s->resp.p : "";
		char *cut = strstr(msg, ", e.what()");
		if (cut)
			*cut = '\0';
		if ((cut = strchr(msg, '\n')))
			*cut = '\0';
		snprintf(err, errlen, "%s: %s: ClickHouse answered HTTP %ld: %s", s->url, what,
			 status, msg[0] ? msg : "(no message)");
		return VG_EIO;
	}
	return 0;
}

/* Runs the statement in s->sql (plus FORMAT TSV when it reads). */
static int run_sql(struct ch_store *s, const char *what, char *err, size_t errlen)
{
	if (s->sql.oom) {
		snprintf(err, errlen, "%s: %s: out of memory", s->url, what);
		return VG_ENOMEM;
	}
	return http(s, NULL, s->sql.p, s->sql.len, what, err, errlen);
}

static int exec(struct ch_store *s, const char *sql, const char *what, char *err, size_t errlen)
{
	buf_reset(&s->sql);
	buf_str(&s->sql, sql);
	return run_sql(s, what, err, errlen);
}

/* ---- the URL ---------------------------------------------------------------------- */

static bool is_name(const char *s, size_t n)
{
	if (!n || n >= VG_CH_NAME_MAX || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* location: "//HOST[:PORT][/DB][?cluster=NAME]". */
static int parse_location(struct ch_store *s, const char *loc, char *err, size_t errlen)
{
	const char *p = loc, *h, *he;
	unsigned long port = VG_CH_PORT;

	if (strncmp(p, "//", 2))
		goto bad;
	h = p += 2;
	if (*p == '[') { /* [IPv6] */
		if (!(he = strchr(p, ']')))
			goto bad;
		p = ++he;
	} else {
		while (*p && *p != ':' && *p != '/' && *p != '?')
			p++;
		he = p;
	}
	if (he == h || he - h > 255)
		goto bad;
	if (*p == ':') {
		char *end;
		port = strtoul(p + 1, &end, 10);
		if (end == p + 1 || port == 0 || port > 65535)
			goto bad;
		p = end;
	}
	snprintf(s->endpoint, sizeof s->endpoint, "http://%.*s:%lu/", (int)(he - h), h, port);
	snprintf(s->db, sizeof s->db, "vigil");
	if (*p == '/') {
		const char *d = ++p;
		while (*p && *p != '?')
			p++;
		if (p > d) {
			if (!is_name(d, (size_t)(p - d)))
				goto bad;
			snprintf(s->db, sizeof s->db, "%.*s", (int)(p - d), d);
		}
	}
	if (*p == '?') {
		const char *v = ++p;
		if (strncmp(v, "cluster=", 8))
			goto bad_option;
		v += 8;
		if (!is_name(v, strlen(v)))
			goto bad_option;
		snprintf(s->cluster, sizeof s->cluster, "%s", v);
		p += strlen(p);
	}
	if (*p)
		goto bad;
	return 0;
bad_option:
	snprintf(err, errlen, "store %s: unknown option '%s' (known: cluster=NAME)", s->url, p);
	return VG_EINVAL;
bad:
	snprintf(err, errlen,
		 "store %s: expected clickhouse://HOST[:PORT][/DB][?cluster=NAME]"
		 " (names: letters, digits, _)",
		 s->url);
	return VG_EINVAL;
}

/* ---- open ----------------------------------------------------------------------- */

static int ch_close(struct vg_store *base, char *err, size_t errlen);

/* One number from the answer's first line. */
static int answer_u64(struct ch_store *s, uint64_t *v)
{
	char *cur = s->resp.p, *f[1];

	if (!tsv_row(&cur, f, 1) || !isdigit((unsigned char)f[0][0]))
		return VG_EFORMAT;
	*v = u64(f[0]);
	return 0;
}

static int table_exists(struct ch_store *s, const char *table, bool *yes, char *err, size_t errlen)
{
	uint64_t n = 0;
	int rc;

	buf_reset(&s->sql);
	buf_str(&s->sql, "SELECT count() FROM system.tables WHERE database = ");
	sql_quote(&s->sql, s->db);
	buf_str(&s->sql, " AND name = ");
	sql_quote(&s->sql, table);
	buf_str(&s->sql, " FORMAT TSV");
	if ((rc = run_sql(s, "reading the schema", err, errlen)) < 0)
		return rc;
	if (answer_u64(s, &n) < 0) {
		snprintf(err, errlen, "%s: reading the schema: unexpected answer", s->url);
		return VG_EFORMAT;
	}
	*yes = n > 0;
	return 0;
}

static int create_schema(struct ch_store *s, int version, char *err, size_t errlen)
{
	int rc;

	buf_reset(&s->sql);
	buf_fmt(&s->sql, "CREATE DATABASE IF NOT EXISTS %s", s->db);
	if ((rc = run_sql(s, "creating the database", err, errlen)) < 0)
		return rc;
	s->db_ready = true;
	for (size_t i = 0; schema_v1[i]; i++)
		if ((rc = exec(s, schema_v1[i], "creating the tables", err, errlen)) < 0)
			return rc;
	if (version < SCHEMA_VERSION) {
		buf_reset(&s->sql);
		buf_fmt(&s->sql, "INSERT INTO schema_version VALUES (%d, %" PRIu64 ")",
			SCHEMA_VERSION, (uint64_t)(wall_ns() / 1000000000u));
		if ((rc = run_sql(s, "recording the schema version", err, errlen)) < 0)
			return rc;
	}
	for (size_t i = 0; s->cluster[0] && i < VG_ARRAY_LEN(shared_tables); i++) {
		buf_reset(&s->sql);
		buf_fmt(&s->sql,
			"CREATE TABLE IF NOT EXISTS %s_all AS %s"
			" ENGINE = Distributed(%s, %s, %s, rand())",
			shared_tables[i], shared_tables[i], s->cluster, s->db, shared_tables[i]);
		if ((rc = run_sql(s, "creating the Distributed tables", err, errlen)) < 0)
			return rc;
	}
	return 0;
}

static int check_schema(struct ch_store *s, bool readonly, char *err, size_t errlen)
{
	uint64_t version = 0, n = 0;
	bool has = false;
	int rc;

	buf_reset(&s->sql);
	buf_str(&s->sql, "SELECT count() FROM system.databases WHERE name = ");
	sql_quote(&s->sql, s->db);
	buf_str(&s->sql, " FORMAT TSV");
	if ((rc = run_sql(s, "reading the schema", err, errlen)) < 0)
		return rc;
	if (answer_u64(s, &n) < 0) {
		snprintf(err, errlen, "%s: reading the schema: unexpected answer", s->url);
		return VG_EFORMAT;
	}
	if (n && (rc = table_exists(s, "schema_version", &has, err, errlen)) < 0)
		return rc;
	s->db_ready = n > 0;
	if (has) {
		if ((rc = exec(s, "SELECT max(version) FROM schema_version FORMAT TSV",
			       "reading schema_version", err, errlen)) < 0)
			return rc;
		if (answer_u64(s, &version) < 0) {
			snprintf(err, errlen, "%s: reading schema_version: unexpected answer",
				 s->url);
			return VG_EFORMAT;
		}
	}
	if (version > SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: schema version %" PRIu64
			 " is newer than this vigil knows (%d): use a newer vigil",
			 s->url, version, SCHEMA_VERSION);
		return VG_ENOTSUP;
	}
	if (readonly) {
		if (!has) {
			snprintf(err, errlen,
				 "%s: no such store (database %s has no vigil tables; `vigil read"
				 " --store` creates them)",
				 s->url, s->db);
			return VG_ENOENT;
		}
		if (version < SCHEMA_VERSION) {
			snprintf(err, errlen,
				 "%s: schema version %" PRIu64
				 " is older than this vigil's (%d): open it for writing once"
				 " (vigil read or vigil prune) to migrate it",
				 s->url, version, SCHEMA_VERSION);
			return VG_ENOTSUP;
		}
		if (s->cluster[0]) {
			if ((rc = table_exists(s, "attacks_all", &has, err, errlen)) < 0)
				return rc;
			if (!has) {
				snprintf(err, errlen,
					 "%s: no table attacks_all: open it for writing once with"
					 " ?cluster=%s to create the Distributed tables",
					 s->url, s->cluster);
				return VG_ENOENT;
			}
		}
		return 0;
	}
	return create_schema(s, (int)version, err, errlen);
}

static int ch_open(struct vg_store **out, const char *location, bool readonly, char *err,
		   size_t errlen)
{
	struct ch_store *s = calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (!s || !(s->url = malloc(strlen(location) + 12))) {
		free(s);
		snprintf(err, errlen, "clickhouse:%s: out of memory", location);
		return VG_ENOMEM;
	}
	s->base.ops = &vg_store_clickhouse;
	sprintf(s->url, "clickhouse:%s", location);
	if ((rc = parse_location(s, location, err, errlen)) < 0)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(s->curl = curl_easy_init())) {
		snprintf(err, errlen, "%s: cannot start libcurl", s->url);
		rc = VG_ENOMEM;
		goto fail;
	}
	s->global_init = true;
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, (long)VG_CH_CONNECT_S);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_NOPROXY, "*");
	snprintf(s->tbl_attacks, sizeof s->tbl_attacks, s->cluster[0] ? "attacks_all" : "attacks");
	snprintf(s->tbl_runs, sizeof s->tbl_runs, s->cluster[0] ? "runs_all" : "runs");
	snprintf(s->tbl_asn, sizeof s->tbl_asn, s->cluster[0] ? "asn_names_all" : "asn_names");
	if ((rc = check_schema(s, readonly, err, errlen)) < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	ch_close(&s->base, NULL, 0);
	return rc;
}

/* ---- writing ------------------------------------------------------------------ */

static int insert(struct ch_store *s, const char *table, const char *cols, struct buf *rows,
		  const char *what, char *err, size_t errlen)
{
	char q[512];

	if (rows->oom) {
		snprintf(err, errlen, "%s: %s: out of memory", s->url, what);
		return VG_ENOMEM;
	}
	if (!rows->len)
		return 0;
	snprintf(q, sizeof q, "INSERT INTO %s (%s) FORMAT TabSeparated", table, cols);
	int rc = http(s, q, rows->p, rows->len, what, err, errlen);
	buf_reset(rows);
	return rc;
}

/* Sends the buffered attacks and AS names: one INSERT each. */
static int flush(struct ch_store *s, char *err, size_t errlen)
{
	int rc = insert(s, "attacks", ATTACK_COLS, &s->rows, "storing attacks", err, errlen);

	s->pending = 0;
	if (rc == 0)
		rc = insert(s, "asn_names", "asn, as_org, seen_ns", &s->names, "storing AS names",
			    err, errlen);
	return rc;
}

static int write_run(struct ch_store *s, const struct vg_store_run *run, bool complete, char *err,
		     size_t errlen)
{
	struct buf b = {0};
	int rc;

	tsv_field(&b, run->key, false);
	tsv_field(&b, run->version ? run->version : "", false);
	tsv_u64(&b, run->started_s, false);
	if (complete) {
		tsv_u64(&b, run->packets, false);
		tsv_u64(&b, run->first_ns, false);
		tsv_u64(&b, run->last_ns, false);
		tsv_u64(&b, run->attacks, false);
		tsv_field(&b, run->geo ? run->geo : "", false);
	} else { /* a re-run keeps what the last one recorded until it ends */
		tsv_u64(&b, s->prev_packets, false);
		tsv_u64(&b, s->prev_first, false);
		tsv_u64(&b, s->prev_last, false);
		tsv_u64(&b, s->prev_attacks, false);
		tsv_field(&b, s->prev_geo ? s->prev_geo : "", false);
	}
	tsv_u64(&b, run->ncaptures, false);
	tsv_u64(&b, complete, false);
	tsv_u64(&b, s->created_ns, false);
	tsv_u64(&b, next_stamp(s), true);
	rc = insert(s, "runs",
		    "key, version, started_s, packets, first_ns, last_ns, attacks, geo, ncaptures,"
		    " complete, created_ns, updated_ns",
		    &b, complete ? "completing the run" : "recording the run", err, errlen);
	if (rc < 0)
		goto out;
	uint64_t stamp = next_stamp(s);
	for (size_t i = 0; i < run->ncaptures; i++) {
		const struct vg_store_capture *c = &run->captures[i];
		tsv_field(&b, run->key, false);
		tsv_u64(&b, i, false);
		tsv_field(&b, c->hash, false);
		tsv_field(&b, c->name ? c->name : "", false);
		tsv_u64(&b, c->size, false);
		tsv_u64(&b, c->packets, false);
		tsv_u64(&b, stamp, true);
	}
	rc = insert(s, "captures", "run, seq, hash, name, size, packets, updated_ns", &b,
		    "recording the captures", err, errlen);
out:
	free(b.p);
	return rc;
}

/* What an earlier run of this key left: its record, and the identities of
 * its stored attacks (this server's tables: the ones this run writes). */
static int load_previous(struct ch_store *s, char *err, size_t errlen)
{
	char *cur, *f[7];
	int rc;

	buf_reset(&s->sql);
	buf_str(&s->sql,
		"SELECT count(), min(created_ns), argMax(packets, updated_ns),"
		" argMax(first_ns, updated_ns), argMax(last_ns, updated_ns),"
		" argMax(attacks, updated_ns), argMax(geo, updated_ns) FROM runs WHERE key = ");
	sql_quote(&s->sql, s->run_key);
	buf_str(&s->sql, " FORMAT TSV");
	if ((rc = run_sql(s, "looking the run up", err, errlen)) < 0)
		return rc;
	cur = s->resp.p;
	if (tsv_row(&cur, f, 7) < 7 || !u64(f[0]))
		return 0; /* a new run */
	s->created_ns = u64(f[1]);
	s->prev_packets = u64(f[2]);
	s->prev_first = u64(f[3]);
	s->prev_last = u64(f[4]);
	s->prev_attacks = u64(f[5]);
	if (!(s->prev_geo = strdup(f[6]))) {
		snprintf(err, errlen, "%s: out of memory", s->url);
		return VG_ENOMEM;
	}
	buf_reset(&s->sql);
	buf_str(&s->sql, "SELECT start_ns, kind, attacker, target FROM attacks WHERE run = ");
	sql_quote(&s->sql, s->run_key);
	buf_str(&s->sql, " FORMAT TSV");
	if ((rc = run_sql(s, "reading the run's stored attacks", err, errlen)) < 0)
		return rc;
	cur = s->resp.p;
	while (tsv_row(&cur, f, 4) == 4)
		if (idset_add(&s->seen, identity(u64(f[0]), f[1], f[2], f[3])) < 0) {
			snprintf(err, errlen, "%s: out of memory", s->url);
			return VG_ENOMEM;
		}
	return 0;
}

static int ch_run_begin(struct vg_store *base, const struct vg_store_run *run, char *err,
			size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	int rc;

	if ((rc = flush(s, err, errlen)) < 0)
		return rc;
	snprintf(s->run_key, sizeof s->run_key, "%s", run->key);
	free(s->prev_geo);
	s->prev_geo = NULL;
	s->prev_packets = s->prev_first = s->prev_last = s->prev_attacks = 0;
	free(s->seen.slot);
	memset(&s->seen, 0, sizeof s->seen);
	s->created_ns = next_stamp(s);
	if ((rc = load_previous(s, err, errlen)) < 0)
		return rc;
	return write_run(s, run, false, err, errlen);
}

static int ch_put_attack(struct vg_store *base, const struct vg_attack *a,
			 const struct vg_attribution *at, char *err, size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	struct buf *b = &s->rows;
	char src[64], dst[64], victims[16 * 48], ports[16 * 6], reason[160], day[16];
	size_t n = 0;
	int rc;

	vg_store_attacker(src, sizeof src, a);
	vg_format_addr(dst, sizeof dst, &a->dst, a->family);
	rc = idset_add(&s->seen, identity(a->start_ns, a->kind, src, dst));
	if (rc < 0) {
		snprintf(err, errlen, "%s: out of memory", s->url);
		return rc;
	}
	if (rc == 0)
		return 0; /* stored by an earlier run of the same captures */
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
	day_text(vg_store_day(a->start_ns), day);
	tsv_field(b, s->run_key, false);
	tsv_u64(b, a->id, false);
	tsv_field(b, a->kind, false);
	tsv_field(b, a->technique, false);
	tsv_field(b, a->tool, false);
	tsv_field(b, a->direction, false);
	tsv_field(b, src, false);
	tsv_field(b, dst, false);
	tsv_u64(b, a->proto, false);
	tsv_u64(b, a->start_ns, false);
	tsv_u64(b, a->end_ns, false);
	tsv_field(b, day, false);
	tsv_u64(b, a->packets, false);
	tsv_u64(b, a->bytes, false);
	tsv_u64(b, a->victims, false);
	tsv_u64(b, a->ports, false);
	tsv_u64(b, vg_store_port(a), false);
	tsv_field(b, vg_store_service(a), false);
	tsv_u64(b, a->attempts, false);
	tsv_u64(b, a->succeeded, false);
	tsv_u64(b, a->severity, false);
	tsv_field(b, at ? at->src.country : "", false);
	tsv_u64(b, at ? at->src.asn : 0, false);
	tsv_field(b, at ? at->src.as_org : "", false);
	tsv_field(b, at ? at->dst.country : "", false);
	tsv_u64(b, at ? at->dst.asn : 0, false);
	tsv_field(b,
		  vg_confidence_name(at ? at->confidence
					: vg_attrib_confidence(a, reason, sizeof reason)),
		  false);
	tsv_field(b, at ? at->reason : "", false);
	tsv_field(b, a->evidence, false);
	tsv_field(b, victims, false);
	tsv_field(b, ports, true);
	if (at && at->src.asn && at->src.as_org[0]) {
		tsv_u64(&s->names, at->src.asn, false);
		tsv_field(&s->names, at->src.as_org, false);
		tsv_u64(&s->names, next_stamp(s), true);
	}
	if (++s->pending >= VG_CH_BATCH && (rc = flush(s, err, errlen)) < 0)
		return rc;
	return 1;
}

static int ch_flush(struct vg_store *base, char *err, size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;

	return s->pending || s->names.len ? flush(s, err, errlen) : 0;
}

static int ch_run_end(struct vg_store *base, const struct vg_store_run *run, char *err,
		      size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	int rc;

	if ((rc = flush(s, err, errlen)) < 0)
		return rc;
	return write_run(s, run, true, err, errlen);
}

/* ---- queries -------------------------------------------------------------------- */

static const char *dim_expr(enum vg_dim d)
{
	switch (d) {
	case VG_DIM_DAY: return "toString(day)";
	case VG_DIM_MONTH: return "substring(toString(day), 1, 7)";
	case VG_DIM_YEAR: return "substring(toString(day), 1, 4)";
	default: return vg_dim_name(d); /* a column of the same name */
	}
}

static void where_clause(struct buf *b, const struct vg_filter *f, bool known_attacker)
{
	const char *and = " WHERE ";
	char day[16];

	if (known_attacker) { /* "": no attacker known (store.h) */
		buf_fmt(b, "%sattacker != ''", and);
		and = " AND ";
	}

	if (f->has_since) {
		day_text(f->since_day, day);
		buf_fmt(b, "%sday >= toDate('%s')", and, day);
		and = " AND ";
	}
	if (f->has_until) {
		day_text(f->until_day, day);
		buf_fmt(b, "%sday <= toDate('%s')", and, day);
		and = " AND ";
	}
	if (f->kind) {
		buf_fmt(b, "%skind ", and);
		if (strchr(f->kind, '.')) {
			buf_str(b, "= ");
			sql_quote(b, f->kind);
		} else { /* a family: "scan" is scan.* (as sqlite.c) */
			buf_str(b, "> concat(");
			sql_quote(b, f->kind);
			buf_str(b, ", '.') AND kind < concat(");
			sql_quote(b, f->kind);
			buf_str(b, ", '/')");
		}
		and = " AND ";
	}
	static const struct {
		size_t off;
		const char *col;
	} eq[] = {
	    {offsetof(struct vg_filter, country), "country"},
	    {offsetof(struct vg_filter, target), "target"},
	    {offsetof(struct vg_filter, confidence), "confidence"},
	    {offsetof(struct vg_filter, direction), "direction"},
	};
	for (size_t i = 0; i < VG_ARRAY_LEN(eq); i++) {
		const char *v = *(const char *const *)((const char *)f + eq[i].off);
		if (!v)
			continue;
		buf_fmt(b, "%s%s = ", and, eq[i].col);
		sql_quote(b, v);
		and = " AND ";
	}
}

static void order_clause(struct buf *b, const struct vg_query *q)
{
	buf_str(b, " ORDER BY ");
	if (!q->order_by_key)
		buf_str(b, "v DESC, ");
	for (unsigned i = 0; i < q->ndims; i++)
		buf_fmt(b, "%sk%u", i ? ", " : "", i);
}

static int ch_query(struct vg_store *base, const struct vg_query *q, vg_store_row_fn fn, void *arg,
		    char *err, size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	struct buf *b = &s->sql;
	const char *measure = q->measure == VG_MEASURE_ATTACKERS ? "uniqExact(attacker)"
			      : q->measure == VG_MEASURE_TARGETS ? "uniqExact(target)"
								 : "count()";
	const char *keys[VG_QUERY_DIMS_MAX];
	char *cur, *f[VG_QUERY_DIMS_MAX + 1];
	int rc;

	if (q->ndims > VG_QUERY_DIMS_MAX) {
		snprintf(err, errlen, "%s: at most %d dimensions", s->url, VG_QUERY_DIMS_MAX);
		return VG_EINVAL;
	}
	buf_reset(b);
	/* Outer: display text (an AS number with its name); middle: one
	 * LEFT JOIN per AS dimension; inner: group and order on the plain
	 * columns (AS numbers and ports sort as numbers, as in sqlite.c). */
	buf_str(b, "SELECT ");
	for (unsigned i = 0; i < q->ndims; i++)
		buf_fmt(b,
			q->dims[i] == VG_DIM_ASN
			    ? "concat(toString(k%u), if(n%u = '', '', concat(' ', n%u))), "
			    : "toString(k%u), ",
			i, i, i);
	buf_str(b, "v FROM ");
	for (unsigned i = 0; i < q->ndims; i++)
		if (q->dims[i] == VG_DIM_ASN)
			buf_str(b, "(SELECT * FROM ");
	buf_str(b, "(SELECT ");
	for (unsigned i = 0; i < q->ndims; i++)
		buf_fmt(b, "%s AS k%u, ", dim_expr(q->dims[i]), i);
	buf_fmt(b, "%s AS v FROM %s", measure, s->tbl_attacks);
	where_clause(b, &q->filter, q->measure == VG_MEASURE_ATTACKERS);
	if (q->ndims) {
		buf_str(b, " GROUP BY ");
		for (unsigned i = 0; i < q->ndims; i++)
			buf_fmt(b, "%sk%u", i ? ", " : "", i);
		order_clause(b, q);
		if (q->limit)
			buf_fmt(b, " LIMIT %" PRIu64, q->limit);
	}
	buf_str(b, ")");
	for (unsigned i = 0; i < q->ndims; i++)
		if (q->dims[i] == VG_DIM_ASN)
			buf_fmt(b,
				" ANY LEFT JOIN (SELECT asn AS k%u, argMax(as_org, seen_ns) AS n%u"
				" FROM %s GROUP BY asn) USING k%u)",
				i, i, s->tbl_asn, i);
	if (q->ndims)
		order_clause(b, q);
	buf_str(b, " FORMAT TSV");
	if ((rc = run_sql(s, "query", err, errlen)) < 0)
		return rc;
	cur = s->resp.p;
	while (tsv_row(&cur, f, q->ndims + 1)) {
		for (unsigned i = 0; i < q->ndims; i++)
			keys[i] = f[i];
		if (fn(arg, keys, u64(f[q->ndims])))
			break;
	}
	return 0;
}

static int ch_notable(struct vg_store *base, const struct vg_filter *flt, uint64_t limit,
		      vg_store_attack_fn fn, void *arg, char *err, size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	struct buf *b = &s->sql;
	char *cur, *f[12];
	int rc;

	buf_reset(b);
	buf_fmt(b,
		"SELECT kind, attacker, target, country, confidence, evidence, service,"
		" start_ns, end_ns, attempts, asn, succeeded FROM %s",
		s->tbl_attacks);
	size_t before = b->len;
	where_clause(b, flt, false);
	buf_fmt(b,
		"%s succeeded = 1 AND kind LIKE 'bruteforce.%%'"
		" ORDER BY start_ns DESC, kind, attacker, target",
		b->len > before ? " AND" : " WHERE");
	if (limit)
		buf_fmt(b, " LIMIT %" PRIu64, limit);
	buf_str(b, " FORMAT TSV");
	if ((rc = run_sql(s, "notable attacks", err, errlen)) < 0)
		return rc;
	cur = s->resp.p;
	while (tsv_row(&cur, f, 12)) {
		struct vg_stored_attack a = {
		    .kind = f[0],
		    .src_ip = f[1],
		    .dest_ip = f[2],
		    .country = f[3],
		    .confidence = f[4],
		    .evidence = f[5],
		    .service = f[6],
		    .start_ns = u64(f[7]),
		    .end_ns = u64(f[8]),
		    .attempts = u64(f[9]),
		    .asn = (uint32_t)u64(f[10]),
		    .succeeded = u64(f[11]) != 0,
		};
		if (fn(arg, &a))
			break;
	}
	return 0;
}

static int ch_runs(struct vg_store *base, vg_store_run_fn fn, void *arg, char *err, size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	char *cur, *f[10];
	int rc;

	buf_reset(&s->sql);
	buf_fmt(&s->sql,
		"SELECT key, argMax(version, updated_ns), argMax(geo, updated_ns),"
		" argMax(started_s, updated_ns), argMax(packets, updated_ns),"
		" argMax(first_ns, updated_ns), argMax(last_ns, updated_ns),"
		" argMax(attacks, updated_ns), argMax(ncaptures, updated_ns),"
		" argMax(complete, updated_ns), min(created_ns) AS c FROM %s"
		" GROUP BY key ORDER BY c, key FORMAT TSV",
		s->tbl_runs);
	if ((rc = run_sql(s, "runs", err, errlen)) < 0)
		return rc;
	cur = s->resp.p;
	while (tsv_row(&cur, f, 10)) {
		struct vg_stored_run r = {
		    .key = f[0],
		    .version = f[1],
		    .geo = f[2],
		    .started_s = u64(f[3]),
		    .packets = u64(f[4]),
		    .first_ns = u64(f[5]),
		    .last_ns = u64(f[6]),
		    .attacks = u64(f[7]),
		    .ncaptures = u64(f[8]),
		    .complete = u64(f[9]) != 0,
		};
		if (fn(arg, &r))
			break;
	}
	return 0;
}

/* ---- prune ------------------------------------------------------------------------ */

/* ALTER ... DELETE is a mutation that runs in the background (18.16 has
 * no mutations_sync): wait for it, so the next report no longer counts
 * what was deleted. This server's attacks only. */
static int ch_prune(struct vg_store *base, int64_t before_day, uint64_t *deleted, char *err,
		    size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	char day[16];
	uint64_t left = 0;
	int rc;

	*deleted = 0;
	if ((rc = flush(s, err, errlen)) < 0)
		return rc;
	day_text(before_day, day);
	buf_reset(&s->sql);
	buf_fmt(&s->sql, "SELECT count() FROM attacks WHERE day < toDate('%s') FORMAT TSV", day);
	if ((rc = run_sql(s, "prune", err, errlen)) < 0)
		return rc;
	if (answer_u64(s, deleted) < 0 || !*deleted)
		return 0;
	buf_reset(&s->sql);
	buf_fmt(&s->sql, "ALTER TABLE attacks DELETE WHERE day < toDate('%s')", day);
	if ((rc = run_sql(s, "prune", err, errlen)) < 0)
		return rc;
	for (int i = 0; i < VG_CH_MUTATION_S * 10; i++) {
		buf_reset(&s->sql);
		buf_str(&s->sql, "SELECT count() FROM system.mutations WHERE database = ");
		sql_quote(&s->sql, s->db);
		buf_str(&s->sql, " AND table = 'attacks' AND is_done = 0 FORMAT TSV");
		if ((rc = run_sql(s, "prune: waiting for the delete", err, errlen)) < 0)
			return rc;
		if (answer_u64(s, &left) == 0 && !left)
			return 0;
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	snprintf(err, errlen, "%s: prune: the delete did not finish within %d s", s->url,
		 VG_CH_MUTATION_S);
	return VG_EIO;
}

/* ---- close ---------------------------------------------------------------------------- */

static int ch_close(struct vg_store *base, char *err, size_t errlen)
{
	struct ch_store *s = (struct ch_store *)base;
	char dummy[8];
	int rc = 0;

	if (!s)
		return 0;
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (s->curl && (s->pending || s->names.len))
		rc = flush(s, err, errlen);
	if (s->curl)
		curl_easy_cleanup(s->curl);
	if (s->global_init)
		curl_global_cleanup();
	free(s->resp.p);
	free(s->sql.p);
	free(s->rows.p);
	free(s->names.p);
	free(s->seen.slot);
	free(s->prev_geo);
	free(s->url);
	free(s);
	return rc;
}

const struct vg_store_ops vg_store_clickhouse = {
    .scheme = "clickhouse",
    .usage = "clickhouse://HOST[:PORT][/DB][?cluster=NAME]   a ClickHouse server (HTTP,"
	     " port 8123, database vigil by default)",
    .open = ch_open,
    .run_begin = ch_run_begin,
    .put_attack = ch_put_attack,
    .flush = ch_flush,
    .run_end = ch_run_end,
    .query = ch_query,
    .notable = ch_notable,
    .runs = ch_runs,
    .prune = ch_prune,
    .close = ch_close,
};
