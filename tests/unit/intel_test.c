/*
 * intel_test.c - unit tests of src/intel/: the address range table
 * (ranges.c) against a brute-force oracle, the name set and parent-domain
 * matching (names.c), and the loaders through vg_intel_load_mem() (lines
 * counted, malformed ones named, the cap, dates, URL hosts).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/vg.h"
#include "intel/intel.h"
#include "intel/intel_int.h"
#include "intel/names.h"
#include "intel/ranges.h"

static void v4(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static void v6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static uint32_t find4(const struct vg_ranges *r, const char *s)
{
	uint8_t a[4];
	uint32_t v = 0;

	v4(s, a);
	/* Every find after both prefetch steps: they read the index (ASan
	 * checks those reads in the unit-asan suite). */
	vg_ranges_prefetch(r, 4, a, false);
	vg_ranges_prefetch(r, 4, a, true);
	return vg_ranges_find(r, 4, a, &v) ? v : UINT32_MAX;
}

static uint32_t find6(const struct vg_ranges *r, const char *s)
{
	uint8_t a[16];
	uint32_t v = 0;

	v6(s, a);
	vg_ranges_prefetch(r, 6, a, false);
	vg_ranges_prefetch(r, 6, a, true);
	return vg_ranges_find(r, 6, a, &v) ? v : UINT32_MAX;
}

static void add4(struct vg_ranges *r, const char *s, unsigned bits, uint32_t value)
{
	uint8_t a[4];

	v4(s, a);
	assert_int_equal(vg_ranges_add(r, 4, a, bits, value), 0);
}

static void add6(struct vg_ranges *r, const char *s, unsigned bits, uint32_t value)
{
	uint8_t a[16];

	v6(s, a);
	assert_int_equal(vg_ranges_add(r, 6, a, bits, value), 0);
}

/* ---- ranges --------------------------------------------------------------- */

static void test_ranges_nested_edges(void **state)
{
	struct vg_ranges *r;

	(void)state;
	assert_int_equal(vg_ranges_new(&r), 0);
	add4(r, "10.1.0.0", 16, 2); /* child added before its parent */
	add4(r, "10.0.0.0", 8, 1);
	add4(r, "10.1.2.3", 32, 3);   /* grandchild */
	add4(r, "10.1.2.3", 32, 99);  /* the same prefix again: first stays */
	add4(r, "10.255.0.0", 16, 4); /* ends where the parent ends */
	add4(r, "11.0.0.0", 8, 5);    /* adjacent to the parent */
	assert_int_equal(vg_ranges_build(r), 0);
	assert_int_equal(find4(r, "9.255.255.255"), UINT32_MAX);
	assert_int_equal(find4(r, "10.0.0.0"), 1);
	assert_int_equal(find4(r, "10.0.255.255"), 1);
	assert_int_equal(find4(r, "10.1.0.0"), 2);
	assert_int_equal(find4(r, "10.1.2.2"), 2);
	assert_int_equal(find4(r, "10.1.2.3"), 3);
	assert_int_equal(find4(r, "10.1.2.4"), 2);
	assert_int_equal(find4(r, "10.1.255.255"), 2);
	assert_int_equal(find4(r, "10.2.0.0"), 1);
	assert_int_equal(find4(r, "10.254.255.255"), 1);
	assert_int_equal(find4(r, "10.255.0.0"), 4);
	assert_int_equal(find4(r, "10.255.255.255"), 4);
	assert_int_equal(find4(r, "11.0.0.0"), 5);
	assert_int_equal(find4(r, "11.255.255.255"), 5);
	assert_int_equal(find4(r, "12.0.0.0"), UINT32_MAX);
	/* segments: [10.0/16) 1, 10.1.0.0-10.1.2.2 2, .3 3, rest of 10.1 2,
	 * 10.2-10.254 1, 10.255 4, 11/8 5 */
	assert_int_equal(vg_ranges_segments(r, 4), 7);
	assert_int_equal(vg_ranges_segments(r, 6), 0);
	assert_int_equal(find6(r, "::1"), UINT32_MAX);
	vg_ranges_free(r);
}

static void test_ranges_whole_space(void **state)
{
	struct vg_ranges *r;

	(void)state;
	assert_int_equal(vg_ranges_new(&r), 0);
	add4(r, "0.0.0.0", 0, 1);
	add4(r, "255.255.255.255", 32, 2);
	add4(r, "0.0.0.0", 32, 3);
	add6(r, "::", 0, 10);
	add6(r, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 11);
	add6(r, "2001:db8::", 32, 12);
	assert_int_equal(vg_ranges_build(r), 0);
	assert_int_equal(find4(r, "0.0.0.0"), 3);
	assert_int_equal(find4(r, "0.0.0.1"), 1);
	assert_int_equal(find4(r, "128.0.0.0"), 1);
	assert_int_equal(find4(r, "255.255.255.254"), 1);
	assert_int_equal(find4(r, "255.255.255.255"), 2);
	assert_int_equal(vg_ranges_segments(r, 4), 3);
	assert_int_equal(find6(r, "::"), 10);
	assert_int_equal(find6(r, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"), 10);
	assert_int_equal(find6(r, "2001:db8::"), 12);
	assert_int_equal(find6(r, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 12);
	assert_int_equal(find6(r, "2001:db9::"), 10);
	assert_int_equal(find6(r, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), 10);
	assert_int_equal(find6(r, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 11);
	assert_int_equal(vg_ranges_segments(r, 6), 4);
	vg_ranges_free(r);
}

/* Sparse prefixes: an address outside every covered /16 (IPv4) or
 * first 16 bits (IPv6) ends at the bitmap; one inside still searches. */
static void test_ranges_sparse(void **state)
{
	struct vg_ranges *r;

	(void)state;
	assert_int_equal(vg_ranges_new(&r), 0);
	add4(r, "203.0.113.0", 24, 1);
	add4(r, "198.18.0.0", 15, 2); /* two /16s */
	add6(r, "2001:db8:ffff::", 48, 3);
	add6(r, "fe00::", 7, 4); /* two first-16-bit values: fe.., ff.. */
	assert_int_equal(vg_ranges_build(r), 0);
	assert_int_equal(find4(r, "203.0.113.77"), 1);
	assert_int_equal(find4(r, "203.0.112.255"), UINT32_MAX); /* same /16, no prefix */
	assert_int_equal(find4(r, "203.1.113.77"), UINT32_MAX);
	assert_int_equal(find4(r, "198.18.0.1"), 2);
	assert_int_equal(find4(r, "198.19.255.255"), 2);
	assert_int_equal(find4(r, "198.20.0.0"), UINT32_MAX);
	assert_int_equal(find6(r, "2001:db8:ffff::1"), 3);
	assert_int_equal(find6(r, "2001:db8:fffe::1"), UINT32_MAX);
	assert_int_equal(find6(r, "2001:db9::"), UINT32_MAX);
	assert_int_equal(find6(r, "2002::1"), UINT32_MAX);
	assert_int_equal(find6(r, "fe80::1"), 4);
	assert_int_equal(find6(r, "ffff::1"), 4);
	assert_int_equal(find6(r, "fdff::1"), UINT32_MAX);
	vg_ranges_free(r);
}

static void test_ranges_bad_args(void **state)
{
	struct vg_ranges *r;
	uint8_t a[16] = {0};
	uint32_t v;

	(void)state;
	assert_int_equal(vg_ranges_new(&r), 0);
	assert_int_equal(vg_ranges_add(r, 4, a, 33, 1), VG_EINVAL);
	assert_int_equal(vg_ranges_add(r, 6, a, 129, 1), VG_EINVAL);
	assert_int_equal(vg_ranges_add(r, 5, a, 8, 1), VG_EINVAL);
	assert_int_equal(vg_ranges_build(r), 0); /* empty */
	for (int fam = 0; fam <= 6; fam += 2)    /* no index: nothing to read */
		for (int step = 0; step < 2; step++)
			vg_ranges_prefetch(r, fam, a, step);
	assert_false(vg_ranges_find(r, 4, a, &v));
	assert_false(vg_ranges_find(r, 6, a, &v));
	assert_false(vg_ranges_find(r, 0, a, &v));
	vg_ranges_free(r);
	vg_ranges_free(NULL);
}

/* A fixed-seed generator for the oracle test. */
static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random prefixes (short ones in a small space, so they nest), checked
 * against a linear scan for the longest covering prefix, first added on a
 * tie; then more prefixes and a second build. */
static void test_ranges_oracle(void **state)
{
	enum { N = 3000, Q = 20000 };
	struct {
		uint32_t lo, hi;
		unsigned bits;
	} *p = calloc(2 * N, sizeof *p);
	struct vg_ranges *r;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t n = 0;

	(void)state;
	assert_non_null(p);
	assert_int_equal(vg_ranges_new(&r), 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++, n++) {
			unsigned bits = 8 + (unsigned)(rng(&seed) % 25);
			uint32_t a = 0x0a000000u | (uint32_t)(rng(&seed) & 0x00ffffffu);
			uint32_t mask = ~(uint32_t)0 << (32 - bits);
			uint8_t b[4] = {a >> 24, a >> 16, a >> 8, a};
			p[n].lo = a & mask;
			p[n].hi = (a & mask) | ~mask;
			p[n].bits = bits;
			assert_int_equal(vg_ranges_add(r, 4, b, bits, (uint32_t)n), 0);
		}
		assert_int_equal(vg_ranges_build(r), 0);
		for (int q = 0; q < Q; q++) {
			uint32_t a = (rng(&seed) & 1)
					 ? 0x0a000000u | (uint32_t)(rng(&seed) & 0xffffff)
					 : (uint32_t)rng(&seed);
			uint8_t b[4] = {a >> 24, a >> 16, a >> 8, a};
			uint32_t want = UINT32_MAX, got = UINT32_MAX;
			unsigned best = 0;
			for (size_t i = 0; i < n; i++)
				if (p[i].lo <= a && a <= p[i].hi &&
				    (want == UINT32_MAX || p[i].bits > best)) {
					want = (uint32_t)i;
					best = p[i].bits;
				}
			if (!vg_ranges_find(r, 4, b, &got))
				got = UINT32_MAX;
			assert_int_equal(got, want);
		}
	}
	vg_ranges_free(r);
	free(p);
}

/* ---- names ---------------------------------------------------------------- */

static void test_names_put_get_grow(void **state)
{
	struct vg_names *n;
	char key[32], long_key[VG_NAME_MAX + 2];
	uint32_t v, old = 0;

	(void)state;
	assert_int_equal(vg_names_new(&n, 42), 0);
	for (uint32_t i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "host%u.example", i);
		assert_int_equal(vg_names_put(n, key, strlen(key), i, NULL), 1);
	}
	assert_int_equal(vg_names_count(n), 100000);
	for (uint32_t i = 0; i < 100000; i += 7) {
		snprintf(key, sizeof key, "host%u.example", i);
		assert_true(vg_names_get(n, key, strlen(key), &v));
		assert_int_equal(v, i);
	}
	assert_int_equal(vg_names_put(n, "host5.example", 13, 777, &old), 0);
	assert_int_equal(old, 5);
	assert_true(vg_names_get(n, "host5.example", 13, &v));
	assert_int_equal(v, 5);
	assert_false(vg_names_get(n, "host5.exampl", 12, &v));
	assert_false(vg_names_get(n, "host100000.example", 18, &v));
	/* keys are bytes: an embedded NUL and the empty key are keys */
	assert_int_equal(vg_names_put(n, "a\0b", 3, 1, NULL), 1);
	assert_false(vg_names_get(n, "a", 1, &v));
	assert_int_equal(vg_names_put(n, "", 0, 2, NULL), 1);
	assert_true(vg_names_get(n, "", 0, &v));
	assert_int_equal(v, 2);
	memset(long_key, 'x', sizeof long_key);
	assert_int_equal(vg_names_put(n, long_key, VG_NAME_MAX, 3, NULL), 1);
	assert_int_equal(vg_names_put(n, long_key, VG_NAME_MAX + 1, 4, NULL), VG_EINVAL);
	assert_false(vg_names_get(n, long_key, VG_NAME_MAX + 1, &v));
	vg_names_free(n);
	vg_names_free(NULL);
}

static bool md(const struct vg_names *n, const char *name, uint32_t *v, size_t *mlen)
{
	return vg_names_match_domain(n, name, strlen(name), v, mlen);
}

static void test_names_parent_domains(void **state)
{
	struct vg_names *n;
	char key[VG_NAME_MAX + 1];
	uint32_t v;
	size_t mlen;

	(void)state;
	assert_int_equal(vg_names_new(&n, 7), 0);
	assert_false(md(n, "evil.com", &v, &mlen)); /* empty set */
	assert_int_equal(vg_names_put(n, "evil.com", 8, 1, NULL), 1);
	assert_int_equal(vg_names_put(n, "b.evil.com", 10, 2, NULL), 1);
	assert_int_equal(vg_names_put(n, "test", 4, 3, NULL), 1);
	assert_true(md(n, "evil.com", &v, &mlen));
	assert_int_equal(v, 1);
	assert_int_equal(mlen, 8);
	assert_true(md(n, "a.evil.com", &v, NULL));
	assert_int_equal(v, 1);
	assert_true(md(n, "a.b.evil.com", &v, &mlen)); /* longest listed suffix wins */
	assert_int_equal(v, 2);
	assert_int_equal(mlen, 10);
	assert_true(md(n, "A.B.EVIL.COM.", &v, NULL)); /* case, trailing dot */
	assert_int_equal(v, 2);
	assert_true(md(n, "x.b.evil.com", &v, NULL));
	assert_int_equal(v, 2);
	assert_false(md(n, "xevil.com", &v, NULL)); /* only at label boundaries */
	assert_false(md(n, "evil.com.au", &v, NULL));
	assert_false(md(n, "com", &v, NULL));
	assert_true(md(n, "anything.test", &v, NULL));
	assert_int_equal(v, 3);
	assert_false(md(n, "", &v, NULL));
	assert_false(md(n, ".", &v, NULL));
	assert_false(md(n, "evil.com..", &v, NULL)); /* one trailing dot only */
	assert_true(md(n, ".evil.com", &v, NULL));   /* empty first label: its parent */
	/* keys */
	assert_int_equal(vg_names_domain_key("Evil.COM.", 9, key), 8);
	assert_string_equal(key, "evil.com");
	assert_int_equal(vg_names_domain_key(".", 1, key), -1);
	assert_int_equal(vg_names_domain_key("", 0, key), -1);
	memset(key, 'a', sizeof key);
	assert_int_equal(vg_names_domain_key(key, VG_NAME_MAX + 1, key), -1);
	vg_names_free(n);
}

/* ---- loaders -------------------------------------------------------------- */

struct warnings {
	char text[4096];
	int n;
};

static void collect(void *arg, const char *msg)
{
	struct warnings *w = arg;
	size_t len = strlen(w->text);

	w->n++;
	snprintf(w->text + len, sizeof w->text - len, "%s\n", msg);
}

static void test_intel_list_mem(void **state)
{
	static const char list[] = "# comment\n"
				   "192.0.2.0/24\n"
				   "\n"
				   "Evil.Example. # trailing comment\n"
				   "2001:db8::/32\r\n"
				   "10.0.0.1/8\n"
				   "bad line here\n"
				   "300.1.1.1\n"
				   "192.0.2.0/24\n";
	struct vg_intel *in;
	struct vg_intel_hit h;
	struct warnings w = {0};
	const struct vg_intel_source *s;
	uint8_t a[16];
	char err[256];

	(void)state;
	assert_int_equal(vg_intel_new(&in, NULL, 1), 0);
	vg_intel_set_warn(in, collect, &w);
	assert_int_equal(vg_intel_load_mem(in, list, sizeof list - 1, "mem.txt", err, sizeof err),
			 0);
	assert_int_equal(vg_intel_nsources(in), 1);
	s = vg_intel_source_at(in, 0);
	assert_string_equal(s->feed, "list");
	assert_int_equal(s->lines, 9);
	assert_int_equal(s->loaded[VG_INTEL_IPV4], 2);
	assert_int_equal(s->loaded[VG_INTEL_IPV6], 1);
	assert_int_equal(s->loaded[VG_INTEL_DOMAIN], 1);
	assert_int_equal(s->malformed, 2);
	assert_int_equal(s->duplicates, 1);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.text, "mem.txt:7: value: \"bad line here\""));
	assert_non_null(strstr(w.text, "mem.txt:8: value: \"300.1.1.1\""));
	v4("10.200.0.1", a);
	assert_true(vg_intel_match_addr(in, 4, a, &h));
	assert_string_equal(h.indicator, "10.0.0.1/8");
	assert_int_equal(h.line, 6);
	assert_string_equal(h.source, "mem.txt");
	v6("2001:db8:1::1", a);
	assert_true(vg_intel_match_addr(in, 6, a, &h));
	assert_int_equal(h.type, VG_INTEL_IPV6);
	assert_true(vg_intel_match_domain(in, "www.evil.example", 16, &h));
	assert_string_equal(h.indicator, "Evil.Example.");
	assert_string_equal(h.family, "");
	assert_int_equal(h.first_seen, 0);
	assert_false(vg_intel_match_ja3(in, "zz", &h));
	assert_false(vg_intel_match_ja3(in, NULL, &h));
	vg_intel_free(in);
}

static void test_intel_cap(void **state)
{
	static const char list[] = "192.0.2.1\n192.0.2.2\nthree.example\n192.0.2.4\nfive.example\n";
	struct vg_intel_config cfg = {.max_indicators = 3};
	struct vg_intel *in;
	struct vg_intel_hit h;
	struct warnings w = {0};
	uint8_t a[4];
	char err[256];

	(void)state;
	assert_int_equal(vg_intel_new(&in, &cfg, 1), 0);
	vg_intel_set_warn(in, collect, &w);
	assert_int_equal(vg_intel_load_mem(in, list, sizeof list - 1, "cap.txt", err, sizeof err),
			 0);
	assert_int_equal(vg_intel_count(in), 3);
	assert_int_equal(vg_intel_source_at(in, 0)->capped, 2);
	assert_non_null(strstr(w.text, "cap.txt: intel.max_indicators (3) reached: 2 indicators"));
	v4("192.0.2.4", a);
	assert_false(vg_intel_match_addr(in, 4, a, &h));
	assert_true(vg_intel_match_domain(in, "three.example", 13, &h));
	vg_intel_free(in);
}

static void test_intel_warning_limit(void **state)
{
	char buf[2048] = "";
	struct vg_intel *in;
	struct warnings w = {0};
	char err[256];

	(void)state;
	for (int i = 0; i < 25; i++)
		strcat(buf, "junk junk\n");
	assert_int_equal(vg_intel_new(&in, NULL, 1), 0);
	vg_intel_set_warn(in, collect, &w);
	assert_int_equal(vg_intel_load_mem(in, buf, strlen(buf), "junk", err, sizeof err), 0);
	assert_int_equal(vg_intel_source_at(in, 0)->malformed, 25);
	assert_int_equal(w.n, VG_INTEL_WARN_MAX + 1);
	assert_non_null(strstr(w.text, "junk: 15 more malformed or unsupported lines not shown"));
	vg_intel_free(in);
}

static void test_intel_csv_detect_and_columns(void **state)
{
	/* Columns in another order than today's feed: the header decides. */
	static const char feodo[] = "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)\n"
				    "\"malware\",\"dst_ip\",\"first_seen_utc\"\n"
				    "\"Dridex\",\"192.0.2.9\",\"2021-01-17 07:30:05\"\n";
	static const char ja3[] = "# ja3_md5,Firstseen,Lastseen,Listingreason\n"
				  "B386946A5A44D1DDCC843BC75336DFCE,2017-07-14 18:08:15,,Dridex\n";
	struct vg_intel *in;
	struct vg_intel_hit h;
	uint8_t a[4];
	char err[256];

	(void)state;
	assert_int_equal(vg_intel_csv_detect(feodo, sizeof feodo - 1), VG_CSV_FEODO);
	assert_int_equal(vg_intel_csv_detect(ja3, sizeof ja3 - 1), VG_CSV_SSLBL_JA3);
	assert_int_equal(vg_intel_csv_detect("192.0.2.1\n# abuse.ch URLhaus\n", 29), VG_CSV_NONE);
	assert_int_equal(vg_intel_new(&in, NULL, 1), 0);
	assert_int_equal(vg_intel_load_mem(in, feodo, sizeof feodo - 1, "f", err, sizeof err), 0);
	assert_int_equal(vg_intel_load_mem(in, ja3, sizeof ja3 - 1, "j", err, sizeof err), 0);
	v4("192.0.2.9", a);
	assert_true(vg_intel_match_addr(in, 4, a, &h));
	assert_string_equal(h.family, "Dridex");
	assert_string_equal(h.feed, "feodo");
	assert_int_equal(h.first_seen, 1610868605); /* date -u -d '2021-01-17 07:30:05' +%s */
	assert_true(vg_intel_match_ja3(in, "b386946a5a44d1ddcc843bc75336dfce", &h));
	assert_string_equal(h.feed, "sslbl-ja3");
	assert_int_equal(h.last_seen, 0);
	vg_intel_free(in);
}

static void test_intel_parse_time(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(vg_intel_parse_time("1970-01-01", 10, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(vg_intel_parse_time("2021-08-18", 10, &t), 0);
	assert_int_equal(t, 1629244800);
	assert_int_equal(vg_intel_parse_time("2024-02-29 23:59:59", 19, &t), 0);
	assert_int_equal(t, 1709251199);
	assert_int_equal(vg_intel_parse_time("2026-06-01T10:00:00.000Z", 24, &t), 0);
	assert_int_equal(t, 1780308000);
	assert_int_equal(vg_intel_parse_time("2026-06-01 10:00:00 UTC", 23, &t), 0);
	assert_int_equal(t, 1780308000);
	assert_int_equal(vg_intel_parse_time("2026-06-01T10:00+00:00", 22, &t), 0);
	assert_int_equal(t, 1780308000);
	assert_int_equal(vg_intel_parse_time("", 0, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(vg_intel_parse_time("2026-13-01", 10, &t), -1);
	assert_int_equal(vg_intel_parse_time("2026-02-30", 10, &t), -1);
	assert_int_equal(vg_intel_parse_time("2026-01-01 25:00:00", 19, &t), -1);
	assert_int_equal(vg_intel_parse_time("2026-01-01+02:00", 16, &t), -1);
	assert_int_equal(vg_intel_parse_time("yesterday", 9, &t), -1);
	assert_int_equal(vg_intel_parse_time("2026-1-1", 8, &t), -1);
}

static void test_intel_url_host_and_prefix(void **state)
{
	const char *h;
	size_t n;
	uint8_t a[16];
	unsigned bits;
	int fam;

	(void)state;
#define HOST(u, want)                                                 \
	do {                                                          \
		assert_true(vg_intel_url_host(u, strlen(u), &h, &n)); \
		assert_int_equal(n, strlen(want));                    \
		assert_memory_equal(h, want, n);                      \
	} while (0)
	HOST("http://203.0.113.7:8080/Mozi.m", "203.0.113.7");
	HOST("https://user:pw@Evil.Example/x?y=1", "Evil.Example");
	HOST("http://[2001:db8::1]:80/", "2001:db8::1");
	HOST("evil.example/path", "evil.example");
	HOST("http://evil.example#frag", "evil.example");
	assert_false(vg_intel_url_host("http:///x", 9, &h, &n));
	assert_false(vg_intel_url_host("http://[2001:db8::1/", 20, &h, &n));
	assert_int_equal(vg_intel_parse_prefix("192.0.2.1/24", 12, &fam, a, &bits), 0);
	assert_int_equal(fam, 4);
	assert_int_equal(bits, 24);
	assert_int_equal(vg_intel_parse_prefix("::ffff:192.0.2.0/120", 20, &fam, a, &bits), 0);
	assert_int_equal(fam, 4);
	assert_int_equal(bits, 24);
	assert_int_equal(vg_intel_parse_prefix("::ffff:192.0.2.0/95", 19, &fam, a, &bits), -1);
	assert_int_equal(vg_intel_parse_prefix("2001:db8::/129", 14, &fam, a, &bits), -1);
	assert_int_equal(vg_intel_parse_prefix("192.0.2.1/", 10, &fam, a, &bits), -1);
	assert_int_equal(vg_intel_parse_prefix("192.0.2.1/2x", 12, &fam, a, &bits), -1);
	assert_int_equal(vg_intel_parse_prefix("192.0.2.1/0024", 14, &fam, a, &bits), -1);
	assert_true(vg_intel_is_domain("a-b.c_d.example", 15));
	assert_true(vg_intel_is_domain("*.evil.example.", 15));
	assert_false(vg_intel_is_domain("localhost", 9));
	assert_false(vg_intel_is_domain("1.2.3", 5));
	assert_false(vg_intel_is_domain("a..b", 4));
	assert_false(vg_intel_is_domain("evil.example/x", 14));
}

static void test_intel_stix_shapes(void **state)
{
	/* A bare array, one indicator object, and things that are not bundles. */
	static const char arr[] =
	    "[{\"type\":\"indicator\",\"id\":\"indicator--1\",\"labels\":[\"benign\"],"
	    "\"pattern\":\"[url:value = 'http://[2001:db8::7]:8080/a']\","
	    "\"valid_from\":\"2026-01-02T03:04:05Z\"},"
	    "{\"type\":\"indicator\",\"pattern\":\"  [ domain-name:value='X.Example.' ]  \","
	    "\"malware_types\":[\"ransomware\"]},"
	    "{\"type\":\"indicator\",\"pattern\":\"[domain-name:value = 'a\\\\'b.example']\"},"
	    "{\"type\":\"indicator\",\"pattern\":\"[ipv4-addr:value = '192.0.2.1']\","
	    "\"valid_from\":\"soon\"},"
	    "42]";
	static const char one[] = "{\"type\":\"indicator\",\"name\":\"Qbot\","
				  "\"pattern\":\"[ipv4-addr:value = '198.51.100.0/24']\"}";
	static const char notstix[] = "{\"type\":\"report\"}";
	struct vg_intel *in;
	struct vg_intel_hit h;
	const struct vg_intel_source *s;
	uint8_t a[16];
	char err[256];

	(void)state;
	assert_int_equal(vg_intel_new(&in, NULL, 1), 0);
	assert_int_equal(vg_intel_load_mem(in, arr, sizeof arr - 1, "arr.json", err, sizeof err),
			 0);
	s = vg_intel_source_at(in, 0);
	assert_string_equal(s->feed, "stix");
	assert_int_equal(s->lines, 5);
	assert_int_equal(s->loaded[VG_INTEL_IPV6], 1);
	assert_int_equal(s->loaded[VG_INTEL_DOMAIN], 1);
	assert_int_equal(s->unsupported, 1); /* the escaped quote */
	assert_int_equal(s->malformed, 2);   /* the bad date, the 42 */
	v6("2001:db8::7", a);
	assert_true(vg_intel_match_addr(in, 6, a, &h));
	assert_string_equal(h.family, ""); /* a generic STIX 2.0 label is no family */
	assert_int_equal(h.first_seen, 1767323045);
	assert_int_equal(h.line, 1);
	assert_true(vg_intel_match_domain(in, "www.x.example", 13, &h));
	assert_string_equal(h.family, "ransomware");
	assert_int_equal(h.line, 2);
	assert_int_equal(vg_intel_load_mem(in, one, sizeof one - 1, "one", err, sizeof err), 0);
	v4("198.51.100.200", a);
	assert_true(vg_intel_match_addr(in, 4, a, &h));
	assert_string_equal(h.family, "Qbot");
	assert_string_equal(h.source, "one");
	assert_int_equal(
	    vg_intel_load_mem(in, notstix, sizeof notstix - 1, "r.json", err, sizeof err), 0);
	assert_int_equal(vg_intel_source_at(in, 2)->malformed, 1);
	vg_intel_free(in);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges_nested_edges),
	    cmocka_unit_test(test_ranges_whole_space),
	    cmocka_unit_test(test_ranges_sparse),
	    cmocka_unit_test(test_ranges_bad_args),
	    cmocka_unit_test(test_ranges_oracle),
	    cmocka_unit_test(test_names_put_get_grow),
	    cmocka_unit_test(test_names_parent_domains),
	    cmocka_unit_test(test_intel_list_mem),
	    cmocka_unit_test(test_intel_cap),
	    cmocka_unit_test(test_intel_warning_limit),
	    cmocka_unit_test(test_intel_csv_detect_and_columns),
	    cmocka_unit_test(test_intel_parse_time),
	    cmocka_unit_test(test_intel_url_host_and_prefix),
	    cmocka_unit_test(test_intel_stix_shapes),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
