/*
 * store_bench.c - the store's benchmark: ingest rate of attack events
 * into a store through the store API (vg_store_put_attack, the call
 * `vigil read` makes), then the latency of the default report (the year
 * in review, top 10) over what was stored.
 *
 *   store_bench [--attacks N] [--seed S] DB|URL
 *
 * DB is a SQLite file; a URL with a scheme (clickhouse://127.0.0.1:8123/b,
 * sqlite:PATH) is opened as it is.
 *
 * The attacks are synthetic, fixed-seed (xorshift): 365 days of 2025,
 * 12 kinds, 200,000 attackers in 60 countries (skewed: a few countries
 * and attackers make most attacks), 4,096 targets in 192.168.0.0/20,
 * 24 services, a quarter of them verified. DB is created (remove it
 * first for a clean figure). Prints one `key: value` line per figure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report.h"
#include "store/store.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Skewed pick in [0, n): the minimum of two uniform draws, squared-ish. */
static uint64_t skewed(uint64_t n)
{
	uint64_t a = next() % n, b = next() % n;
	return (a < b ? a : b) * (next() % 2 ? 1 : (a < b ? a : b)) % n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *kinds[] = {"scan.port",      "scan.sweep",      "scan.service",
				      "scan.os",        "bruteforce.ssh",  "bruteforce.ftp",
				      "bruteforce.rdp", "bruteforce.http", "flood.syn",
				      "flood.udp",      "flood.icmp",      "flood.reflection"};
	static const uint16_t ports[] = {22,   21,   23,   25,   80,   443,  445,   3389,
					 3306, 5432, 5900, 6379, 8080, 1433, 110,   143,
					 53,   123,  161,  1900, 389,  993,  11211, 8443};
	static const char cc[] = "CNUSRUDEBRINNLFRGBKRVNJPIRUAIDTWHKSGTRPLROITESCAMXARZAEGTHPH"
				 "BDPKNGKEZACLCOPESEFIBEATCHCZHUPTGRILSADKNOIEBGRSLTLVEEKZBY";
	uint64_t n = 1000000, added = 0;
	const char *path = NULL;
	char url[1024], err[1024];
	struct vg_store *s;
	struct vg_store_run run = {.version = "bench"};
	struct vg_report r;
	struct vg_filter f = {0};
	double t0, t1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--attacks") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) | 1;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: store_bench [--attacks N] [--seed S] DB|URL\n");
		return 2;
	}
	if (strstr(path, "://") || !strncmp(path, "sqlite:", 7))
		snprintf(url, sizeof url, "%s", path);
	else
		snprintf(url, sizeof url, "sqlite:%s", path);
	if (vg_store_open(&s, url, false, err, sizeof err) < 0) {
		fprintf(stderr, "store_bench: %s\n", err);
		return 1;
	}
	snprintf(run.key, sizeof run.key, "%016" PRIx64 "%016" PRIx64, next(), next());
	if (vg_store_run_begin(s, &run, err, sizeof err) < 0)
		goto fail;
	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		struct vg_attack a;
		struct vg_attribution at;
		uint64_t attacker = skewed(200000), c = attacker % 60, k = next() % 12;
		memset(&a, 0, sizeof a);
		memset(&at, 0, sizeof at);
		a.id = i + 1;
		a.kind = kinds[k];
		a.family = 4;
		a.final = true;
		a.src.b[0] = (uint8_t)(1 + attacker % 223);
		a.src.b[1] = (uint8_t)(attacker >> 8);
		a.src.b[2] = (uint8_t)(attacker >> 16);
		a.src.b[3] = (uint8_t)attacker;
		uint64_t target = skewed(4096);
		a.dst.b[0] = 192;
		a.dst.b[1] = 168;
		a.dst.b[2] = (uint8_t)(target >> 8);
		a.dst.b[3] = (uint8_t)target;
		/* 2025-01-01 plus up to 365 days, in order with jitter. */
		a.start_ns = (1735689600ull + i * 31536000ull / n + next() % 600) * 1000000000ull;
		a.end_ns = a.start_ns + 60000000000ull;
		a.packets = 100 + next() % 10000;
		a.attempts = a.packets;
		a.victims = 1;
		a.ports = k < 2 ? 100 : 1;
		a.n_ports = 1;
		a.port_list[0] = ports[next() % 24];
		a.succeeded = k >= 4 && k < 8 && next() % 100 == 0;
		a.severity = 2;
		memcpy(at.src.country, cc + 2 * c, 2);
		at.src.asn = (uint32_t)(1000 + attacker % 3000);
		snprintf(at.src.as_org, sizeof at.src.as_org, "Example Network %u", at.src.asn);
		at.confidence = next() % 4 ? VG_CONF_UNVERIFIED : VG_CONF_VERIFIED;
		snprintf(a.evidence, sizeof a.evidence, "synthetic attack %" PRIu64, i);
		int rc = vg_store_put_attack(s, &a, &at, err, sizeof err);
		if (rc < 0)
			goto fail;
		added += (uint64_t)rc;
	}
	run.attacks = n;
	if (vg_store_run_end(s, &run, err, sizeof err) < 0)
		goto fail;
	t1 = now_s();
	vg_store_close(s, err, sizeof err);
	printf("attacks: %" PRIu64 "\nstored_new: %" PRIu64
	       "\ningest_s: %.2f\ningest_per_s: %.0f\n",
	       n, added, t1 - t0, (double)n / (t1 - t0));
	if (vg_store_open(&s, url, true, err, sizeof err) < 0)
		goto fail;
	for (int rep = 0; rep < 3; rep++) {
		FILE *devnull = fopen("/dev/null", "w");
		t0 = now_s();
		if (vg_report_build(&r, s, NULL, 0, &f, 10, err, sizeof err) < 0)
			goto fail;
		vg_report_write(&r, VG_REPORT_TABLE, devnull);
		t1 = now_s();
		fclose(devnull);
		printf("report_s[%d]: %.3f (attacks %" PRIu64 ", attackers %" PRIu64 ")\n", rep,
		       t1 - t0, r.attacks, r.attackers);
		vg_report_fini(&r);
	}
	vg_store_close(s, err, sizeof err);
	return 0;
fail:
	fprintf(stderr, "store_bench: %s\n", err);
	return 1;
}
