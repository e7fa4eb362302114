/*
 * attrib.c - the attrib stage's databases and cache (see attrib.h).
 *
 * Databases open lazily, on the first attack (or the first `vigil geo`
 * lookup), so a run without attacks reads no geo file and prints no
 * warning. The cache is 2-way set-associative: 2048 sets of two slots of
 * about 170 bytes (700 KiB), the set chosen by a seeded hash of the address
 * (sources are chosen by attackers; a collision only costs a database
 * lookup), the least recently used slot of the set replaced. Two ways
 * instead of one keep a few hundred repeating attackers from evicting each
 * other (bench/geo.sh: 512 repeating addresses hit 85% direct-mapped, over
 * 99% with two ways). It holds the answer for addresses with no record too. Bogon addresses are not looked up:
 * their country would be a placeholder at best.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "attrib/asn.h"
#include "attrib/attrib.h"
#include "attrib/bogon.h"
#include "common/hash.h"

#define CACHE_SETS 2048 /* power of two; two slots each */

struct slot {
	struct vg_addr addr;
	uint8_t family; /* 0: empty */
	struct vg_geo geo;
};

struct vg_attrib {
	struct vg_attrib_config cfg;
	char base_dir[1024];
	uint64_t seed;
	bool loaded;
	char country_path[2048], asn_path[2048]; /* as opened */
	struct vg_mmdb *country;
	struct vg_asn *asn;
	struct vg_mmdb *asn_mmdb; /* an ASN .mmdb given instead of a range file */
	char warning[1024];
	bool warning_pending;
	uint64_t hits, misses;
	struct slot cache[CACHE_SETS][2];
	uint8_t lru[CACHE_SETS]; /* the slot of each set to replace next */
};

int vg_attrib_new(struct vg_attrib **out, const struct vg_attrib_config *cfg, const char *base_dir,
		  uint64_t seed)
{
	struct vg_attrib *at = calloc(1, sizeof *at);

	*out = NULL;
	if (!at)
		return VG_ENOMEM;
	at->cfg = *cfg;
	snprintf(at->base_dir, sizeof at->base_dir, "%s", base_dir ? base_dir : "");
	at->seed = seed;
	*out = at;
	return 0;
}

const char *vg_attrib_exe_base_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= len - 1)
		return NULL;
	buf[n] = '\0';
	for (int up = 0; up < 2; up++) {
		slash = strrchr(buf, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
	return buf[0] ? buf : "/";
}

/* The path to open: as given, or under base_dir if relative and absent. */
static void resolve(const struct vg_attrib *at, const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s", path);
	if (path[0] != '/' && at->base_dir[0] && access(path, F_OK) < 0) {
		char alt[2048];
		snprintf(alt, sizeof alt, "%s/%s", at->base_dir, path);
		if (access(alt, F_OK) == 0)
			snprintf(out, len, "%s", alt);
	}
}

static void add_warning(struct vg_attrib *at, const char *text)
{
	size_t n = strlen(at->warning);

	snprintf(at->warning + n, sizeof at->warning - n, "%s%s", n ? "; " : "", text);
}

/* An ASN source: vigil's range file, or else a MaxMind DB. */
static int open_asn(struct vg_attrib *at, char *err, size_t errlen)
{
	char magic[8] = {0};
	int fd = open(at->asn_path, O_RDONLY | O_CLOEXEC), rc;

	if (fd >= 0) {
		ssize_t n = read(fd, magic, sizeof magic);
		close(fd);
		if (n == (ssize_t)sizeof magic && memcmp(magic, VG_ASN_MAGIC, 8) != 0) {
			/* Not our magic: an .mmdb keeps its marker at the end, so
			 * try it as one before reporting the range file's error. */
			char e2[512];
			if (vg_mmdb_open(&at->asn_mmdb, at->asn_path, e2, sizeof e2) == 0)
				return 0;
		}
	}
	rc = vg_asn_open(&at->asn, at->asn_path, err, errlen);
	return rc;
}

int vg_attrib_load(struct vg_attrib *at, char *warn, size_t warnlen)
{
	char err[1024];
	bool missing = false;

	if (at->loaded)
		return 0;
	at->loaded = true;
	if (at->cfg.country_db[0]) {
		resolve(at, at->cfg.country_db, at->country_path, sizeof at->country_path);
		int rc = vg_mmdb_open(&at->country, at->country_path, err, sizeof err);
		if (rc < 0) {
			add_warning(at, err);
			missing |= rc == VG_ENOENT;
		}
	}
	if (at->cfg.asn_db[0]) {
		resolve(at, at->cfg.asn_db, at->asn_path, sizeof at->asn_path);
		int rc = open_asn(at, err, sizeof err);
		if (rc < 0) {
			add_warning(at, err);
			missing |= rc == VG_ENOENT;
		}
	}
	if (!at->warning[0])
		return 0;
	{
		size_t n = strlen(at->warning);
		snprintf(at->warning + n, sizeof at->warning - n,
			 " - attack events go without the src_geo and dest_geo it would fill%s",
			 missing ? "; `make deps` fetches and compiles the geo data"
				 : "; rerun `make deps` to fetch and compile it again");
	}
	at->warning_pending = true;
	if (warn)
		snprintf(warn, warnlen, "%s", at->warning);
	return 1;
}

bool vg_attrib_has_geo(const struct vg_attrib *at)
{
	return at->country || at->asn || at->asn_mmdb;
}

void vg_attrib_lookup_uncached(const struct vg_attrib *at, const struct vg_addr *a, int family,
			       struct vg_geo *g)
{
	memset(g, 0, sizeof *g);
	if (at->country)
		vg_mmdb_lookup(at->country, a, family, g);
	if (at->asn) {
		uint32_t asn;
		const char *org;
		if (vg_asn_lookup(at->asn, a, family, &asn, &org) > 0) {
			g->asn = asn;
			vg_geo_copy_utf8(g->as_org, sizeof g->as_org, org, strlen(org));
		}
	} else if (at->asn_mmdb) {
		struct vg_geo tmp;
		memset(&tmp, 0, sizeof tmp);
		if (vg_mmdb_lookup(at->asn_mmdb, a, family, &tmp) > 0) {
			g->asn = tmp.asn;
			memcpy(g->as_org, tmp.as_org, sizeof g->as_org);
		}
	}
}

const struct vg_geo *vg_attrib_lookup(struct vg_attrib *at, const struct vg_addr *a, int family)
{
	size_t set;
	struct slot *s;

	if (!vg_attrib_has_geo(at))
		return NULL;
	set = vg_hash_words(a->b, 16, at->seed ^ (uint64_t)family) & (CACHE_SETS - 1);
	for (int way = 0; way < 2; way++) {
		s = &at->cache[set][way];
		if (s->family == family && !memcmp(s->addr.b, a->b, 16)) {
			at->lru[set] = (uint8_t)!way;
			at->hits++;
			return &s->geo;
		}
	}
	at->misses++;
	s = &at->cache[set][at->lru[set]];
	at->lru[set] ^= 1;
	vg_attrib_lookup_uncached(at, a, family, &s->geo);
	s->addr = *a;
	s->family = (uint8_t)family;
	return &s->geo;
}

void vg_attrib_attack(struct vg_attrib *at, const struct vg_attack *a, struct vg_attribution *out)
{
	const struct vg_geo *g;

	memset(out, 0, sizeof *out);
	out->confidence = vg_attrib_confidence(a, out->reason, sizeof out->reason);
	vg_attrib_load(at, NULL, 0);
	out->geo = vg_attrib_has_geo(at);
	if (!out->geo)
		return;
	if (!vg_bogon_reason(&a->src, a->family) && (g = vg_attrib_lookup(at, &a->src, a->family)))
		out->src = *g;
	if (!vg_bogon_reason(&a->dst, a->family) && (g = vg_attrib_lookup(at, &a->dst, a->family)))
		out->dst = *g;
}

const char *vg_attrib_take_warning(struct vg_attrib *at)
{
	if (!at->warning_pending)
		return NULL;
	at->warning_pending = false;
	return at->warning;
}

static void format_day(char *buf, size_t len, uint64_t epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (!epoch || !gmtime_r(&t, &tm)) {
		snprintf(buf, len, "unknown");
		return;
	}
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static bool contains_ci(const char *s, const char *sub)
{
	size_t n = strlen(sub);

	for (; *s; s++)
		if (!strncasecmp(s, sub, n))
			return true;
	return false;
}

void vg_attrib_describe(const struct vg_attrib *at, FILE *fp, const char *prefix)
{
	char day[32], day2[32];
	bool dbip = false, maxmind = false;

	if (at->country) {
		format_day(day, sizeof day, vg_mmdb_build_epoch(at->country));
		fprintf(fp, "%scountry_db: %s (%s, built %s)\n", prefix, at->country_path,
			vg_mmdb_type(at->country), day);
		dbip |= contains_ci(at->country_path, "dbip") ||
			contains_ci(vg_mmdb_type(at->country), "DBIP") ||
			contains_ci(vg_mmdb_type(at->country), "DB-IP");
		maxmind |= contains_ci(vg_mmdb_type(at->country), "GeoLite2") ||
			   contains_ci(vg_mmdb_type(at->country), "GeoIP2");
	}
	if (at->asn) {
		format_day(day2, sizeof day2, vg_asn_compiled_epoch(at->asn));
		fprintf(fp,
			"%sasn_db: %s (%s, data of %s, compiled %s, %u IPv4 and %u IPv6 ranges)\n",
			prefix, at->asn_path, vg_asn_source(at->asn),
			vg_asn_data_date(at->asn)[0] ? vg_asn_data_date(at->asn) : "unknown date",
			day2, vg_asn_count(at->asn, 4), vg_asn_count(at->asn, 6));
		dbip |= contains_ci(vg_asn_source(at->asn), "ip-location-db") ||
			contains_ci(vg_asn_source(at->asn), "dbip");
	} else if (at->asn_mmdb) {
		format_day(day, sizeof day, vg_mmdb_build_epoch(at->asn_mmdb));
		fprintf(fp, "%sasn_db: %s (%s, built %s)\n", prefix, at->asn_path,
			vg_mmdb_type(at->asn_mmdb), day);
		dbip |= contains_ci(at->asn_path, "dbip") ||
			contains_ci(at->asn_path, "ip-location-db");
		maxmind |= contains_ci(vg_mmdb_type(at->asn_mmdb), "GeoLite2") ||
			   contains_ci(vg_mmdb_type(at->asn_mmdb), "GeoIP2");
	}
	/* CC BY 4.0 asks for attribution wherever the data is shown. */
	if (dbip)
		fprintf(fp, "%scredit: IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0\n",
			prefix);
	if (maxmind)
		fprintf(
		    fp,
		    "%scredit: This product includes GeoLite2 data created by MaxMind, available "
		    "from https://www.maxmind.com\n",
		    prefix);
}

uint64_t vg_attrib_cache_hits(const struct vg_attrib *at)
{
	return at->hits;
}

uint64_t vg_attrib_cache_misses(const struct vg_attrib *at)
{
	return at->misses;
}

void vg_attrib_free(struct vg_attrib *at)
{
	if (!at)
		return;
	vg_mmdb_free(at->country);
	vg_mmdb_free(at->asn_mmdb);
	vg_asn_free(at->asn);
	free(at);
}
