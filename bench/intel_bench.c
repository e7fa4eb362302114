/*
 * intel_bench.c - load time and lookup rate of the intel stage
 * (src/intel/), run by bench/intel.sh (`make bench`); figures in
 * docs/PERFORMANCE.md.
 *
 * Writes N indicators (default 1,000,000; fixed seed) to files in a
 * temporary folder, then times, single-threaded:
 *   - the reference: reading each file and counting its lines (what
 *     `wc -l` does: read() in 1 MiB blocks, memchr for newlines)
 * Times are CPU seconds of the process (wall seconds too for the loads).
 *   - vg_intel_load() of a plain list of mixed indicators: 55% IPv4
 *     addresses, 10% IPv4 prefixes (/16-/30, nested in one another and in
 *     the addresses), 10% IPv6 addresses and /32-/64 prefixes, 25% domain
 *     names (2-4 labels)
 *   - vg_intel_load() of a Feodo Tracker CSV of the same size (quoted
 *     fields, two dates a line) and of an SSLBL JA3 CSV
 *   - lookups: 2,000,000 each of IPv4, IPv6, domains (a third listed, a
 *     third under a listed parent, a third unlisted) and JA3, half hits
 * Prints one `key: value` line per figure.
 * Usage: intel_bench [N] [KEEP_DIR]  (KEEP_DIR: write the files there and
 * keep them, for bench/intel.sh's `wc -l` and `vigil intel stats`).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "intel/intel.h"

static uint64_t seed = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* CPU time of this process: the figures stay comparable on a shared
 * machine, where wall time also counts the waits for a core. Wall time is
 * printed beside the loads. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The i-th domain: deterministic, so lookups can rebuild listed names. */
static int domain(char *buf, size_t len, uint64_t i)
{
	static const char *const tld[] = {"com",     "net",  "org", "info",
					  "example", "test", "ru",  "cn"};
	uint64_t h = i * 0x9e3779b97f4a7c15ULL;

	if (h % 3 == 0)
		return snprintf(buf, len, "c%llx.d%llx.%s", (unsigned long long)(h >> 40),
				(unsigned long long)i, tld[h % 8]);
	return snprintf(buf, len, "d%llx-%llx.%s", (unsigned long long)i,
			(unsigned long long)(h >> 48), tld[h % 8]);
}

static uint32_t v4_of(uint64_t i)
{
	/* Spread over 1.0.0.0-223.255.255.255. */
	return 0x01000000u + (uint32_t)((i * 2654435761u) % 0xde000000u);
}

static void write_list(const char *path, size_t n)
{
	FILE *fp = fopen(path, "w");
	char name[128];

	if (!fp) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "# intel_bench: %zu mixed indicators, fixed seed\n", n);
	for (size_t i = 0; i < n; i++) {
		unsigned k = (unsigned)(i % 20);
		uint32_t a = v4_of(i);
		if (k < 11) { /* 55% IPv4 addresses */
			fprintf(fp, "%u.%u.%u.%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
				a & 255);
		} else if (k < 13) { /* 10% IPv4 prefixes */
			unsigned bits = 16 + (unsigned)(rnd() % 15);
			fprintf(fp, "%u.%u.%u.%u/%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255, 0,
				bits);
		} else if (k < 15) { /* 10% IPv6 */
			uint64_t r = rnd();
			if (k == 13)
				fprintf(fp, "2001:db8:%x:%x::%x\n", (unsigned)(r & 0xffff),
					(unsigned)((r >> 16) & 0xffff), (unsigned)(i & 0xffff));
			else
				fprintf(fp, "2a0%x:%x::/%u\n", (unsigned)(r & 0xf),
					(unsigned)((r >> 8) & 0xffff), 32 + (unsigned)(r % 33));
		} else { /* 25% domains */
			domain(name, sizeof name, i);
			fprintf(fp, "%s\n", name);
		}
	}
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_feodo(const char *path, size_t n)
{
	static const char *const fam[] = {"Dridex", "Emotet", "QakBot", "TrickBot", "Pikabot"};
	FILE *fp = fopen(path, "w");

	if (!fp) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "################################################################\n"
		    "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #\n"
		    "################################################################\n"
		    "#\n"
		    "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\","
		    "\"malware\"\n");
	for (size_t i = 0; i < n; i++) {
		uint32_t a = v4_of(i + 7777777);
		fprintf(fp,
			"\"2026-%02u-%02u %02u:%02u:%02u\",\"%u.%u.%u.%u\",\"%u\",\"online\","
			"\"2026-11-%02u\",\"%s\"\n",
			(unsigned)(1 + i % 12), (unsigned)(1 + i % 28), (unsigned)(i % 24),
			(unsigned)(i % 60), (unsigned)((i / 60) % 60), a >> 24, (a >> 16) & 255,
			(a >> 8) & 255, a & 255, (unsigned)(443 + i % 8000), (unsigned)(1 + i % 28),
			fam[i % 5]);
	}
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void ja3_of(char *out, uint64_t i)
{
	uint64_t a = i * 0x9e3779b97f4a7c15ULL, b = ~i * 0xc2b2ae3d27d4eb4fULL;

	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static void write_ja3(const char *path, size_t n)
{
	FILE *fp = fopen(path, "w");
	char md5[33];

	if (!fp) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "# abuse.ch SSLBL JA3 Fingerprint Blacklist (CSV)\n"
		    "# ja3_md5,Firstseen,Lastseen,Listingreason\n");
	for (size_t i = 0; i < n; i++) {
		ja3_of(md5, i);
		fprintf(fp, "%s,2017-07-14 18:08:15,2019-07-27 20:42:54,Family%u\n", md5,
			(unsigned)(i % 40));
	}
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/* The reference: read the file, count newlines. */
static size_t count_lines(const char *path, double *secs)
{
	static char buf[1 << 20];
	double t0 = now();
	int fd = open(path, O_RDONLY);
	size_t lines = 0;
	ssize_t n;

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))); p++)
			lines++;
	close(fd);
	*secs = now() - t0;
	return lines;
}

static void load(const char *label, const char *path, struct vg_intel **out)
{
	char err[512];
	double t0, w0, ref, t, w;
	size_t lines = count_lines(path, &ref);
	struct vg_intel *in;

	count_lines(path, &ref); /* the second, warm-cache run is the reference */
	t0 = now();
	w0 = wall();
	if (vg_intel_new(&in, NULL, 1) < 0 || vg_intel_load(in, path, err, sizeof err) < 0) {
		fprintf(stderr, "intel_bench: %s\n", err);
		exit(1);
	}
	t = now() - t0;
	w = wall() - w0;
	printf("%s.lines: %zu\n%s.reference_count_lines_cpu_s: %.4f\n%s.load_cpu_s: %.4f\n"
	       "%s.load_wall_s: %.4f\n%s.load_per_cpu_s: %.0f\n%s.indicators: %zu\n"
	       "%s.memory_bytes: %zu\n",
	       label, lines, label, ref, label, t, label, w, label, (double)vg_intel_count(in) / t,
	       label, vg_intel_count(in), label, vg_intel_bytes(in));
	*out = in;
}

static void report(const char *label, size_t n, size_t hits, double t)
{
	printf("lookup.%s.count: %zu\nlookup.%s.hits: %zu\nlookup.%s.cpu_s: %.4f\n"
	       "lookup.%s.per_cpu_s: %.0f\nlookup.%s.ns: %.1f\n",
	       label, n, label, hits, label, t, label, (double)n / t, label, t * 1e9 / (double)n);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, q = 2000000, hits;
	char dir[256], list[300], feodo[300], ja3[300], name[100];
	struct vg_intel *in, *fin, *jin;
	struct vg_intel_hit h;
	uint8_t(*a4)[4], (*a6)[16];
	char(*names)[128], (*md5s)[33];
	double t0;

	if (argc > 2) {
		snprintf(dir, sizeof dir, "%s", argv[2]);
		mkdir(dir, 0755);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/intel_bench.XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror(dir);
			return 1;
		}
	}
	snprintf(list, sizeof list, "%s/mixed.txt", dir);
	snprintf(feodo, sizeof feodo, "%s/feodo.csv", dir);
	snprintf(ja3, sizeof ja3, "%s/ja3.csv", dir);
	t0 = now();
	write_list(list, n);
	write_feodo(feodo, n);
	write_ja3(ja3, n / 10);
	printf("indicators: %zu\ngenerate_s: %.3f\n", n, now() - t0);
	load("list", list, &in);
	load("feodo", feodo, &fin);
	load("ja3", ja3, &jin);
	printf("list.address_segments_ipv4: %zu\nlist.address_segments_ipv6: %zu\n",
	       vg_intel_segments(in, 4), vg_intel_segments(in, 6));

	a4 = malloc(q * sizeof *a4);
	a6 = malloc(q * sizeof *a6);
	names = malloc(q * sizeof *names);
	md5s = malloc(q * sizeof *md5s);
	if (!a4 || !a6 || !names || !md5s)
		return 1;
	for (size_t i = 0; i < q; i++) {
		/* Half listed addresses (i*20 is an IPv4 address line), half random. */
		uint32_t a = i % 2 ? (uint32_t)rnd() : v4_of((rnd() % (n / 20)) * 20);
		uint64_t r = rnd();
		a4[i][0] = (uint8_t)(a >> 24), a4[i][1] = (uint8_t)(a >> 16);
		a4[i][2] = (uint8_t)(a >> 8), a4[i][3] = (uint8_t)a;
		memset(a6[i], 0, 16);
		a6[i][0] = 0x2a;
		a6[i][1] = (uint8_t)(r & 0xf);
		a6[i][2] = (uint8_t)(r >> 16);
		a6[i][3] = (uint8_t)(r >> 8);
		a6[i][15] = (uint8_t)i;
		if (i % 2)
			a6[i][0] = 0x26; /* unlisted */
		/* Domains: listed, under a listed parent, unlisted. */
		uint64_t d = (rnd() % (n / 20)) * 20 + 15;
		domain(name, sizeof name, d);
		if (i % 3 == 0)
			snprintf(names[i], sizeof names[i], "%s", name);
		else if (i % 3 == 1)
			snprintf(names[i], sizeof names[i], "www.cdn.%s", name);
		else
			snprintf(names[i], sizeof names[i], "www.unlisted%zu.%s", i, "example");
		ja3_of(md5s[i], i % 2 ? rnd() % (n / 10) : (uint64_t)n + i);
	}
	hits = 0;
	t0 = now();
	for (size_t i = 0; i < q; i++)
		hits += vg_intel_match_addr(in, 4, a4[i], &h);
	report("ipv4", q, hits, now() - t0);
	hits = 0;
	t0 = now();
	for (size_t i = 0; i < q; i++)
		hits += vg_intel_match_addr(in, 6, a6[i], &h);
	report("ipv6", q, hits, now() - t0);
	hits = 0;
	t0 = now();
	for (size_t i = 0; i < q; i++)
		hits += vg_intel_match_domain(in, names[i], strlen(names[i]), &h);
	report("domain", q, hits, now() - t0);
	hits = 0;
	t0 = now();
	for (size_t i = 0; i < q; i++)
		hits += vg_intel_match_ja3(jin, md5s[i], &h);
	report("ja3", q, hits, now() - t0);

	vg_intel_free(in);
	vg_intel_free(fin);
	vg_intel_free(jin);
	free(a4);
	free(a6);
	free(names);
	free(md5s);
	if (argc <= 2) {
		unlink(list);
		unlink(feodo);
		unlink(ja3);
		rmdir(dir);
	}
	return 0;
}
