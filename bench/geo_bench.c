/*
 * geo_bench.c - lookups per second of the attrib stage (`make bench` runs
 * it through bench/geo.sh; figures in docs/PERFORMANCE.md).
 *
 *   geo_bench COUNTRY.mmdb ASN.vgasn [N]
 *
 * Draws N distinct random public addresses (80% IPv4, 20% IPv6 under the
 * RIRs' /12s; fixed seed; bogons skipped), then times, on the same
 * addresses, in this order:
 *   mmdb_lookup_sockaddr   libmaxminddb's MMDB_lookup_sockaddr alone: the
 *                          search-tree walk, no record decoded (reference)
 *   asn_range_file         vg_asn_lookup alone: binary search of the range file
 *   vigil_uncached         vg_attrib_lookup_uncached: country (tree walk and
 *                          record decode) + ASN + organisation copied
 *   vigil_cold             vg_attrib_lookup on the N distinct addresses:
 *                          every one a cache miss (the cost of a new attacker)
 *   vigil_cached           vg_attrib_lookup on 512 addresses repeated to N
 *                          lookups: attackers seen before (a few collide in
 *                          the cache and keep missing)
 *   vigil_cached_64        the same on 64 addresses: hits only
 * Each row: lookups, seconds, lookups/s, ns/lookup, and for the cache rows
 * the hit rate. Single thread; the machine is whatever this runs on.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib/asn.h"
#include "attrib/attrib.h"
#include "attrib/bogon.h"

struct item {
	struct vg_addr a;
	int family;
	struct sockaddr_storage ss;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	uint64_t x = rng_state; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void row(const char *name, size_t n, double s, double hit_rate)
{
	printf("| %-22s | %9zu | %7.3f | %12.0f | %8.1f |", name, n, s, (double)n / s,
	       s * 1e9 / (double)n);
	if (hit_rate >= 0)
		printf(" %5.1f%% |\n", hit_rate * 100);
	else
		printf(" - |\n");
}

int main(int argc, char **argv)
{
	static const uint16_t tops[] = {0x2001, 0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00};
	struct vg_attrib_config cfg;
	struct vg_attrib *at;
	struct vg_asn *asn;
	MMDB_s mmdb;
	struct item *it;
	size_t n = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000, k = 0;
	uint64_t sum = 0, h0, m0;
	char err[1024];
	double t;

	if (argc < 3 || !n) {
		fprintf(stderr, "usage: geo_bench COUNTRY.mmdb ASN.vgasn [N]\n");
		return 2;
	}
	if (MMDB_open(argv[1], MMDB_MODE_MMAP, &mmdb) != MMDB_SUCCESS) {
		fprintf(stderr, "geo_bench: %s: cannot open\n", argv[1]);
		return 1;
	}
	if (vg_asn_open(&asn, argv[2], err, sizeof err) < 0) {
		fprintf(stderr, "geo_bench: %s\n", err);
		return 1;
	}
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.country_db, sizeof cfg.country_db, "%s", argv[1]);
	snprintf(cfg.asn_db, sizeof cfg.asn_db, "%s", argv[2]);
	if (vg_attrib_new(&at, &cfg, NULL, 12345) < 0 || vg_attrib_load(at, err, sizeof err) != 0) {
		fprintf(stderr, "geo_bench: %s\n", err);
		return 1;
	}
	it = calloc(n, sizeof *it);
	if (!it)
		return 1;
	while (k < n) {
		struct item *x = &it[k];
		memset(x, 0, sizeof *x);
		if (next() % 5) {
			uint32_t v = (uint32_t)next();
			x->family = 4;
			memcpy(x->a.b, &v, 4);
			struct sockaddr_in *sin = (struct sockaddr_in *)&x->ss;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, x->a.b, 4);
		} else {
			uint64_t hi = next(), lo = next();
			uint16_t top = (uint16_t)(tops[next() % 6] | (next() % 16));
			x->family = 6;
			memcpy(x->a.b, &hi, 8);
			memcpy(x->a.b + 8, &lo, 8);
			x->a.b[0] = (uint8_t)(top >> 8);
			x->a.b[1] = (uint8_t)top;
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&x->ss;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, x->a.b, 16);
		}
		if (!vg_bogon_reason(&x->a, x->family))
			k++; /* distinct with overwhelming odds: 2^32 and 2^124 draws */
	}
	printf("| lookup | lookups | seconds | lookups/s | ns/lookup | cache hits |\n");
	printf("|---|---|---|---|---|---|\n");

	t = now_s();
	for (size_t i = 0; i < n; i++) {
		int status;
		MMDB_lookup_result_s r =
		    MMDB_lookup_sockaddr(&mmdb, (const struct sockaddr *)&it[i].ss, &status);
		sum += r.found_entry + r.netmask;
	}
	row("mmdb_lookup_sockaddr", n, now_s() - t, -1);

	t = now_s();
	for (size_t i = 0; i < n; i++) {
		uint32_t as = 0;
		const char *org;
		sum += (uint64_t)vg_asn_lookup(asn, &it[i].a, it[i].family, &as, &org) + as;
	}
	row("asn_range_file", n, now_s() - t, -1);

	t = now_s();
	for (size_t i = 0; i < n; i++) {
		struct vg_geo g;
		vg_attrib_lookup_uncached(at, &it[i].a, it[i].family, &g);
		sum += g.asn + (uint8_t)g.country[0];
	}
	row("vigil_uncached", n, now_s() - t, -1);

	h0 = vg_attrib_cache_hits(at);
	m0 = vg_attrib_cache_misses(at);
	t = now_s();
	for (size_t i = 0; i < n; i++) {
		const struct vg_geo *g = vg_attrib_lookup(at, &it[i].a, it[i].family);
		sum += g->asn + (uint8_t)g->country[0];
	}
	t = now_s() - t;
	row("vigil_cold", n, t,
	    (double)(vg_attrib_cache_hits(at) - h0) /
		(double)(vg_attrib_cache_hits(at) - h0 + vg_attrib_cache_misses(at) - m0));

	h0 = vg_attrib_cache_hits(at);
	m0 = vg_attrib_cache_misses(at);
	t = now_s();
	for (size_t i = 0; i < n; i++) {
		const struct item *x = &it[i & 511];
		const struct vg_geo *g = vg_attrib_lookup(at, &x->a, x->family);
		sum += g->asn + (uint8_t)g->country[0];
	}
	t = now_s() - t;
	row("vigil_cached", n, t,
	    (double)(vg_attrib_cache_hits(at) - h0) /
		(double)(vg_attrib_cache_hits(at) - h0 + vg_attrib_cache_misses(at) - m0));
	/* 64 addresses: every set holds its keys, so this is the cost of a hit. */
	h0 = vg_attrib_cache_hits(at);
	m0 = vg_attrib_cache_misses(at);
	t = now_s();
	for (size_t i = 0; i < n; i++) {
		const struct item *x = &it[i & 63];
		const struct vg_geo *g = vg_attrib_lookup(at, &x->a, x->family);
		sum += g->asn + (uint8_t)g->country[0];
	}
	t = now_s() - t;
	row("vigil_cached_64", n, t,
	    (double)(vg_attrib_cache_hits(at) - h0) /
		(double)(vg_attrib_cache_hits(at) - h0 + vg_attrib_cache_misses(at) - m0));
	fprintf(stderr, "geo_bench: checksum %" PRIu64 "\n", sum);
	vg_attrib_free(at);
	vg_asn_free(asn);
	MMDB_close(&mmdb);
	free(it);
	return 0;
}
