/*
 * store_test.c - unit tests of src/store and src/report: the largest
 * remainder shares (sum exactly 1000 tenths, ties, zero total), dates,
 * the port and service of an attack, the content hash, and a SQLite store
 * in a temporary file: inserts, a duplicate, queries through a rollup and
 * through the raw table giving the same numbers, prune.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/report.h"
#include "store/store.h"

static void test_shares_sum(void **state)
{
	uint64_t v[] = {8, 2, 2, 1, 1, 1, 1, 1};
	unsigned p[8], sum = 0;
	uint64_t t[] = {1, 1, 1}, z[] = {0, 0};
	unsigned q[3], r[2] = {9, 9};

	(void)state;
	vg_report_shares(v, 8, 17, p);
	for (int i = 0; i < 8; i++)
		sum += p[i];
	assert_int_equal(sum, 1000);
	assert_int_equal(p[0], 470); /* 47.06: the smallest remainder keeps its floor */
	assert_int_equal(p[3], 59);  /* 5.88 rounds up */
	vg_report_shares(t, 3, 3, q);
	assert_int_equal(q[0] + q[1] + q[2], 1000); /* never 999 */
	assert_int_equal(q[0], 334);                /* ties go to the earlier row */
	vg_report_shares(z, 2, 0, r);
	assert_int_equal(r[0] + r[1], 0);
}

static void test_days(void **state)
{
	int64_t d;

	(void)state;
	assert_int_equal(vg_store_parse_day("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(vg_store_parse_day("2024-02-29", &d), 0);
	assert_int_equal(d, 19782);
	assert_true(vg_store_parse_day("2023-02-29", &d) < 0);
	assert_true(vg_store_parse_day("2024-13-01", &d) < 0);
	assert_true(vg_store_parse_day("2024-1-01", &d) < 0);
	assert_true(vg_store_parse_day("2024-01-01x", &d) < 0);
	assert_int_equal(vg_store_day(19782ull * 86400000000000ull + 5), 19782);
}

static void test_service(void **state)
{
	struct vg_attack a;

	(void)state;
	memset(&a, 0, sizeof a);
	a.kind = "bruteforce.ssh";
	a.ports = 1;
	a.n_ports = 1;
	a.port_list[0] = 2222;
	assert_string_equal(vg_store_service(&a), "ssh");
	assert_int_equal(vg_store_port(&a), 2222);
	a.kind = "flood.syn";
	a.port_list[0] = 25565;
	assert_string_equal(vg_store_service(&a), "minecraft");
	a.ports = 2;
	assert_int_equal(vg_store_port(&a), 0);
	assert_string_equal(vg_store_service(&a), "");
}

static void test_hash(void **state)
{
	char a[VG_HASH_HEX], b[VG_HASH_HEX], c[VG_HASH_HEX];
	uint8_t buf[33] = {0};

	(void)state;
	vg_hash128_hex(buf, 33, a);
	vg_hash128_hex(buf, 32, b); /* the length counts: zero tails differ */
	buf[32] = 1;
	vg_hash128_hex(buf, 33, c);
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
}

/* A capture hashed from its file a piece at a time (pages released
 * behind) gives the hash of its bytes at once: sizes around the 8 MiB
 * step, with and without a tail of less than 16 bytes. */
static void test_capture_hash_chunks(void **state)
{
	static const size_t sizes[] = {0,     15, 16, 8u << 20, (8u << 20) + 37, (16u << 20) + 16,
				       100003};
	size_t max = (16u << 20) + 16;
	uint8_t *buf = malloc(max);
	char path[] = "/tmp/vg-hash-XXXXXX", want[VG_HASH_HEX], got[VG_HASH_HEX], err[256];
	uint64_t x = 0x243f6a8885a308d3ull, size;
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(buf);
	assert_true(fd >= 0);
	for (size_t i = 0; i < max; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, buf, sizes[k], 0), (ssize_t)sizes[k]);
		vg_hash128_hex(buf, sizes[k], want);
		assert_int_equal(vg_capture_hash(path, got, &size, err, sizeof err), 0);
		assert_int_equal(size, sizes[k]);
		assert_string_equal(got, want);
	}
	close(fd);
	unlink(path);
	free(buf);
}

static int total(void *arg, const char *const *keys, uint64_t value)
{
	(void)keys;
	*(uint64_t *)arg += value;
	return 0;
}

static void test_sqlite_roundtrip(void **state)
{
	char path[] = "/tmp/vg_store_test_XXXXXX", url[64], err[512];
	struct vg_store *s;
	struct vg_store_run run = {.version = "test"};
	struct vg_attack a;
	struct vg_attribution at;
	struct vg_query q = {.ndims = 1, .dims = {VG_DIM_MONTH}};
	struct vg_query d = {.filter = {.has_since = true, .since_day = 10}};
	uint64_t n = 0, m = 0, deleted = 0;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	assert_int_equal(vg_store_open(&s, url, false, err, sizeof err), 0);
	snprintf(run.key, sizeof run.key, "%032d", 1);
	assert_int_equal(vg_store_run_begin(s, &run, err, sizeof err), 0);
	memset(&a, 0, sizeof a);
	memset(&at, 0, sizeof at);
	a.kind = "scan.port";
	a.family = 4;
	a.final = true;
	memcpy(at.src.country, "NL", 3);
	for (int i = 0; i < 2500; i++) { /* one an hour: about 104 days */
		a.src.b[0] = 45;
		a.src.b[3] = (uint8_t)i;
		a.start_ns = (uint64_t)i * 3600000000000ull;
		assert_int_equal(vg_store_put_attack(s, &a, &at, err, sizeof err), 1);
	}
	a.start_ns = 0;
	a.src.b[3] = 0;
	assert_int_equal(vg_store_put_attack(s, &a, &at, err, sizeof err), 0); /* duplicate */
	assert_int_equal(vg_store_run_end(s, &run, err, sizeof err), 0);
	assert_int_equal(vg_store_query(s, &q, total, &n, err, sizeof err), 0);
	assert_int_equal(n, 2500);
	/* A filter off month boundaries reads the day rollup; distinct
	 * attackers read the raw table: both see the same attacks. */
	n = 0;
	assert_int_equal(vg_store_query(s, &d, total, &n, err, sizeof err), 0);
	assert_int_equal(n, 2500 - 240);
	d.measure = VG_MEASURE_ATTACKERS;
	assert_int_equal(vg_store_query(s, &d, total, &m, err, sizeof err), 0);
	assert_int_equal(m, 256); /* the last byte wraps */
	assert_int_equal(vg_store_prune(s, 10, &deleted, err, sizeof err), 0);
	assert_int_equal(deleted, 240);
	n = 0;
	assert_int_equal(vg_store_query(s, &q, total, &n, err, sizeof err), 0);
	assert_int_equal(n, 2260);
	assert_int_equal(vg_store_close(s, err, sizeof err), 0);
	unlink(path);
	snprintf(url, sizeof url, "%s-wal", path);
	unlink(url);
	snprintf(url, sizeof url, "%s-shm", path);
	unlink(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shares_sum),
	    cmocka_unit_test(test_days),
	    cmocka_unit_test(test_service),
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_capture_hash_chunks),
	    cmocka_unit_test(test_sqlite_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
