/*
 * capture_test.c - unit tests of the capture stage (src/capture/): classic
 * pcap and pcapng files built in memory, read back through
 * vg_capture_open_mem() and vg_capture_next(), and large files read
 * through vg_capture_open() both as a regular file and as a pipe.
 *
 * Formats: https://www.tcpdump.org/manpages/pcap-savefile.5.html and
 * draft-ietf-opsawg-pcapng. The builders below write each field in the byte
 * order of the file (or pcapng section) being built, so the same test runs
 * for both orders.
 *
 * Memory captures are read from a malloc'ed copy of exactly the file's
 * size, so a build with -Db_sanitize=address catches a read past its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "common/vg.h"

/* ---- a growing byte buffer and writers in either byte order ------------ */

struct buf {
	uint8_t *b;
	size_t len, cap;
	bool be; /* byte order of what is appended */
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n)
			ncap *= 2;
		b->b = realloc(b->b, ncap);
		assert_non_null(b->b);
		b->cap = ncap;
	}
	if (n)
		memcpy(b->b + b->len, p, n);
	b->len += n;
}

static void put16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	if (b->be) {
		x[0] = (uint8_t)(v >> 8);
		x[1] = (uint8_t)v;
	}
	put(b, x, 2);
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t x[4];

	for (int i = 0; i < 4; i++)
		x[b->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
	put(b, x, 4);
}

static void put64(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[b->be ? 7 - i : i] = (uint8_t)(v >> (8 * i));
	put(b, x, 8);
}

static void pad4(struct buf *b)
{
	static const uint8_t zero[4];

	put(b, zero, (4 - b->len % 4) % 4);
}

static void set32(struct buf *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->b[off + (size_t)(b->be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* Packet bytes: the record's index in the first 4 bytes (big-endian), then
 * a pattern that depends on index and position. */
static void fill(uint8_t *p, size_t n, uint32_t idx)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(idx * 7 + i);
	for (size_t i = 0; i < 4 && i < n; i++)
		p[i] = (uint8_t)(idx >> (24 - 8 * i));
}

static bool check_fill(const uint8_t *p, size_t n, uint32_t idx)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t want = i < 4 ? (uint8_t)(idx >> (24 - 8 * i)) : (uint8_t)(idx * 7 + i);
		if (p[i] != want)
			return false;
	}
	return true;
}

/* ---- classic pcap ------------------------------------------------------- */

static void pcap_header(struct buf *b, bool be, bool nsec, uint32_t snaplen, uint32_t linktype)
{
	b->be = be;
	put32(b, nsec ? 0xa1b23c4d : 0xa1b2c3d4); /* magic, in the file's order */
	put16(b, 2);                              /* version 2.4 */
	put16(b, 4);
	put32(b, 0); /* thiszone */
	put32(b, 0); /* sigfigs */
	put32(b, snaplen);
	put32(b, linktype);
}

/* A record of caplen bytes filled for index idx. */
static void pcap_record(struct buf *b, uint32_t sec, uint32_t frac, uint32_t caplen,
			uint32_t origlen, uint32_t idx)
{
	uint8_t *data = malloc(caplen ? caplen : 1);

	assert_non_null(data);
	fill(data, caplen, idx);
	put32(b, sec);
	put32(b, frac);
	put32(b, caplen);
	put32(b, origlen);
	put(b, data, caplen);
	free(data);
}

/* ---- pcapng ------------------------------------------------------------- */

#define NG_SHB 0x0a0d0d0au
#define NG_IDB 1u
#define NG_OPB 2u
#define NG_SPB 3u
#define NG_NRB 4u
#define NG_ISB 5u
#define NG_EPB 6u

static size_t ng_begin(struct buf *b, uint32_t type)
{
	size_t start = b->len;

	put32(b, type);
	put32(b, 0); /* total length, set by ng_end */
	return start;
}

static void ng_end(struct buf *b, size_t start)
{
	uint32_t total;

	pad4(b);
	total = (uint32_t)(b->len - start + 4);
	put32(b, total);
	set32(b, start + 4, total);
}

static void ng_shb(struct buf *b, bool be)
{
	size_t s;

	b->be = be;
	s = ng_begin(b, NG_SHB);
	put32(b, 0x1a2b3c4d); /* byte-order magic */
	put16(b, 1);          /* version 1.0 */
	put16(b, 0);
	put64(b, UINT64_MAX); /* section length: unknown */
	ng_end(b, s);
}

/* Interface options: if_tsresol (-1: none) and if_tsoffset (when has_off). */
struct ng_ifopts {
	int tsresol;
	bool has_off;
	int64_t tsoffset_s;
};

static void ng_idb(struct buf *b, uint16_t linktype, uint32_t snaplen, const struct ng_ifopts *o)
{
	size_t s = ng_begin(b, NG_IDB);

	put16(b, linktype);
	put16(b, 0); /* reserved */
	put32(b, snaplen);
	if (o && o->tsresol >= 0) {
		uint8_t v = (uint8_t)o->tsresol;
		put16(b, 9); /* if_tsresol */
		put16(b, 1);
		put(b, &v, 1);
		pad4(b);
	}
	if (o && o->has_off) {
		put16(b, 14); /* if_tsoffset */
		put16(b, 8);
		put64(b, (uint64_t)o->tsoffset_s);
	}
	if (o) {
		put16(b, 0); /* opt_endofopt */
		put16(b, 0);
	}
	ng_end(b, s);
}

static void ng_epb(struct buf *b, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t origlen,
		   uint32_t idx)
{
	uint8_t *data = malloc(caplen ? caplen : 1);
	size_t s = ng_begin(b, NG_EPB);

	assert_non_null(data);
	fill(data, caplen, idx);
	put32(b, ifid);
	put32(b, (uint32_t)(ts >> 32));
	put32(b, (uint32_t)ts);
	put32(b, caplen);
	put32(b, origlen);
	put(b, data, caplen);
	ng_end(b, s);
	free(data);
}

static void ng_spb(struct buf *b, uint32_t origlen, uint32_t datalen, uint32_t idx)
{
	uint8_t *data = malloc(datalen ? datalen : 1);
	size_t s = ng_begin(b, NG_SPB);

	assert_non_null(data);
	fill(data, datalen, idx);
	put32(b, origlen);
	put(b, data, datalen);
	ng_end(b, s);
	free(data);
}

static void ng_opb(struct buf *b, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t origlen,
		   uint32_t idx)
{
	uint8_t *data = malloc(caplen ? caplen : 1);
	size_t s = ng_begin(b, NG_OPB);

	assert_non_null(data);
	fill(data, caplen, idx);
	put16(b, ifid);
	put16(b, 0); /* drops count */
	put32(b, (uint32_t)(ts >> 32));
	put32(b, (uint32_t)ts);
	put32(b, caplen);
	put32(b, origlen);
	put(b, data, caplen);
	ng_end(b, s);
	free(data);
}

/* Any other block: a body of words. */
static void ng_other(struct buf *b, uint32_t type, const uint32_t *words, size_t n)
{
	size_t s = ng_begin(b, type);

	for (size_t i = 0; i < n; i++)
		put32(b, words[i]);
	ng_end(b, s);
}

/* ---- per-test state ------------------------------------------------------ */

/* What a test builds and opens; teardown frees it even when an assertion
 * fails half-way. */
struct fix {
	struct buf b;
	uint8_t *copy; /* the bytes the capture reads, exactly b.len */
	struct vg_capture *c;
	char path[64]; /* a temporary file, removed at teardown */
	char err[512];
	struct vg_pkt_rec recs[64];
};

static int fix_setup(void **state)
{
	*state = calloc(1, sizeof(struct fix));
	return *state ? 0 : -1;
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;

	vg_capture_free(f->c);
	free(f->copy);
	free(f->b.b);
	if (f->path[0])
		unlink(f->path);
	free(f);
	return 0;
}

/* Opens f->b as a memory capture named name; returns the open's result. */
static int fix_try_open(struct fix *f, const char *name)
{
	vg_capture_free(f->c);
	f->c = NULL;
	free(f->copy);
	f->copy = malloc(f->b.len ? f->b.len : 1);
	assert_non_null(f->copy);
	if (f->b.len)
		memcpy(f->copy, f->b.b, f->b.len);
	f->err[0] = 0;
	return vg_capture_open_mem(&f->c, f->copy, f->b.len, name, f->err, sizeof f->err);
}

static void fix_open(struct fix *f, const char *name)
{
	int rc = fix_try_open(f, name);

	if (rc != 0)
		fail_msg("opening %s: %d (%s)", name, rc, f->err);
	assert_non_null(f->c);
}

/* Reads one record, which must exist. */
static const struct vg_pkt_rec *next1(struct fix *f)
{
	int n = vg_capture_next(f->c, f->recs, 1);

	if (n != 1)
		fail_msg("expected a record, got %d (%s)", n, vg_capture_error(f->c));
	return &f->recs[0];
}

static void assert_end(struct fix *f)
{
	int n = vg_capture_next(f->c, f->recs, 8);

	if (n != 0)
		fail_msg("expected the end, got %d (%s)", n, vg_capture_error(f->c));
	/* ... and the end stays the end. */
	assert_int_equal(vg_capture_next(f->c, f->recs, 8), 0);
	assert_int_equal(vg_capture_offset(f->c), f->b.len);
}

/* Reads until an error; returns the records read before it. */
static unsigned read_to_error(struct fix *f)
{
	unsigned total = 0;
	int n;

	while ((n = vg_capture_next(f->c, f->recs, 4)) > 0)
		total += (unsigned)n;
	if (n == 0)
		fail_msg("expected an error, got the end after %u records", total);
	/* Once failed, the capture keeps failing. */
	assert_true(vg_capture_next(f->c, f->recs, 4) < 0);
	return total;
}

#define assert_contains(hay, needle)                                                 \
	do {                                                                         \
		if (!strstr((hay), (needle)))                                        \
			fail_msg("\"%s\" does not mention \"%s\"", (hay), (needle)); \
	} while (0)

static void assert_rec(const struct vg_pkt_rec *r, uint64_t ts_ns, uint32_t caplen,
		       uint32_t origlen, uint32_t linktype, uint32_t ifindex, uint32_t idx)
{
	if (r->ts_ns != ts_ns)
		fail_msg("record %u: ts_ns %llu, expected %llu", idx, (unsigned long long)r->ts_ns,
			 (unsigned long long)ts_ns);
	assert_int_equal(r->caplen, caplen);
	assert_int_equal(r->origlen, origlen);
	assert_int_equal(r->linktype, linktype);
	assert_int_equal(r->ifindex, ifindex);
	if (!check_fill(r->data, r->caplen, idx))
		fail_msg("record %u: contents differ", idx);
}

/* ---- classic pcap ------------------------------------------------------- */

static void check_pcap(struct fix *f, bool be, bool nsec)
{
	uint32_t link = be ? VG_LINK_RAW : VG_LINK_ETHERNET;
	uint32_t frac0 = nsec ? 123456789 : 123456, frac1 = nsec ? 999999999 : 999999;
	uint64_t ns0 = nsec ? 1700000000123456789ull : 1700000000123456000ull;
	uint64_t ns1 = nsec ? 1700000001999999999ull : 1700000001999999000ull;

	pcap_header(&f->b, be, nsec, 65535, link);
	pcap_record(&f->b, 1700000000, frac0, 60, 60, 0);
	pcap_record(&f->b, 1700000001, frac1, 40, 1514, 1); /* cut by a snaplen */
	pcap_record(&f->b, 0, 0, 0, 0, 2);                  /* empty, at the epoch */
	fix_open(f, be ? "be.pcap" : "le.pcap");
	assert_int_equal(vg_capture_format(f->c), VG_FMT_PCAP);
	assert_int_equal(vg_capture_size(f->c), f->b.len);
	assert_rec(next1(f), ns0, 60, 60, link, 0, 0);
	assert_rec(next1(f), ns1, 40, 1514, link, 0, 1);
	assert_rec(next1(f), 0, 0, 0, link, 0, 2);
	assert_end(f);
	assert_int_equal(vg_capture_records(f->c), 3);
}

static void test_pcap_le_usec(void **state)
{
	check_pcap(*state, false, false);
}

static void test_pcap_be_usec(void **state)
{
	check_pcap(*state, true, false);
}

static void test_pcap_le_nsec(void **state)
{
	check_pcap(*state, false, true);
}

static void test_pcap_be_nsec(void **state)
{
	check_pcap(*state, true, true);
}

/* origlen below caplen is raised to caplen; the link type's upper 16 bits
 * (FCS length and reserved bits) are not part of it. */
static void test_pcap_origlen_and_linktype_bits(void **state)
{
	struct fix *f = *state;

	pcap_header(&f->b, false, false, 65535, 0x14000000u | VG_LINK_ETHERNET);
	pcap_record(&f->b, 10, 5, 20, 10, 0);
	fix_open(f, "fcs.pcap");
	assert_rec(next1(f), 10000005000ull, 20, 20, VG_LINK_ETHERNET, 0, 0);
	assert_end(f);
}

static void test_pcap_bad_version(void **state)
{
	struct fix *f = *state;

	pcap_header(&f->b, false, false, 65535, 1);
	f->b.b[4] = 3; /* version 3.4 */
	assert_true(fix_try_open(f, "v3.pcap") < 0);
	assert_null(f->c);
	assert_contains(f->err, "v3.pcap");
	assert_contains(f->err, "version 3");
}

/* ---- pcapng --------------------------------------------------------------- */

static void check_pcapng(struct fix *f, bool be)
{
	const struct ng_ifopts usec = {.tsresol = 6};

	ng_shb(&f->b, be);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL); /* no options: microseconds */
	ng_idb(&f->b, VG_LINK_RAW, 96, &usec);
	ng_epb(&f->b, 0, 1700000000123456ull, 60, 60, 0);
	ng_epb(&f->b, 1, 1700000000654321ull, 61, 1500, 1); /* 61: padded to 64 */
	ng_epb(&f->b, 0, 0, 0, 0, 2);
	fix_open(f, be ? "be.pcapng" : "le.pcapng");
	assert_int_equal(vg_capture_format(f->c), VG_FMT_PCAPNG);
	assert_rec(next1(f), 1700000000123456000ull, 60, 60, VG_LINK_ETHERNET, 0, 0);
	assert_rec(next1(f), 1700000000654321000ull, 61, 1500, VG_LINK_RAW, 1, 1);
	assert_rec(next1(f), 0, 0, 0, VG_LINK_ETHERNET, 0, 2);
	assert_end(f);
	assert_int_equal(vg_capture_records(f->c), 3);
}

static void test_pcapng_le(void **state)
{
	check_pcapng(*state, false);
}

static void test_pcapng_be(void **state)
{
	check_pcapng(*state, true);
}

/* A second section in the other byte order numbers its interfaces from 0
 * again: its interface 0 is its own first IDB. */
static void test_pcapng_two_sections(void **state)
{
	struct fix *f = *state;
	const struct ng_ifopts nsec = {.tsresol = 9};

	ng_shb(&f->b, false);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	ng_idb(&f->b, VG_LINK_IPV4, 0, NULL);
	ng_epb(&f->b, 1, 1000000, 30, 30, 0);
	ng_epb(&f->b, 0, 2000000, 31, 31, 1);
	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_RAW, 0, &nsec);
	ng_epb(&f->b, 0, 5, 32, 40, 2);
	fix_open(f, "two.pcapng");
	assert_rec(next1(f), 1000000000ull, 30, 30, VG_LINK_IPV4, 1, 0);
	assert_rec(next1(f), 2000000000ull, 31, 31, VG_LINK_ETHERNET, 0, 1);
	assert_rec(next1(f), 5, 32, 40, VG_LINK_RAW, 0, 2);
	assert_end(f);
}

/* ... so interface 1 of the first section does not exist in the second. */
static void test_pcapng_ifaces_do_not_cross_sections(void **state)
{
	struct fix *f = *state;
	size_t bad_off;

	ng_shb(&f->b, false);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	ng_idb(&f->b, VG_LINK_IPV4, 0, NULL);
	ng_epb(&f->b, 1, 1000000, 30, 30, 0);
	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_RAW, 0, NULL);
	ng_epb(&f->b, 0, 1000000, 30, 30, 1);
	bad_off = f->b.len;
	ng_epb(&f->b, 1, 1000000, 30, 30, 2);
	fix_open(f, "cross.pcapng");
	assert_int_equal(read_to_error(f), 2);
	{
		char want[64];
		snprintf(want, sizeof want, "offset %zu", bad_off);
		assert_contains(vg_capture_error(f->c), want);
	}
	assert_contains(vg_capture_error(f->c), "cross.pcapng");
	assert_contains(vg_capture_error(f->c), "interface 1");
}

/* Timestamps in units of if_tsresol: 10^-n or 2^-n seconds. */
static void test_pcapng_tsresol(void **state)
{
	static const struct {
		int tsresol;
		uint64_t units, ns;
	} cases[] = {
	    {9, 1700000000123456789ull, 1700000000123456789ull}, /* 10^-9 */
	    {3, 1700000000123ull, 1700000000123000000ull},       /* 10^-3 */
	    /* 2^-20: 1700000000 s + 0x80001 units = 0.5 s + 953.674... ns */
	    {0x80 | 20, (1700000000ull << 20) + 0x80001, 1700000000500000953ull},
	    {12, 123456789012ull, 123456789ull},               /* 10^-12, floor */
	    {-1, 1700000000123456ull, 1700000000123456000ull}, /* default 10^-6 */
	    {0x80 | 0, 1700000000ull, 1700000000000000000ull}, /* 2^0: seconds */
	    {0, 1700000000ull, 1700000000000000000ull},        /* 10^0: seconds */
	    {0x80 | 10, 1025, 1000976562ull},                  /* 1025/1024 s */
	};
	struct fix *f = *state;

	ng_shb(&f->b, false);
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		struct ng_ifopts o = {.tsresol = cases[i].tsresol};
		ng_idb(&f->b, VG_LINK_ETHERNET, 0, &o);
	}
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++)
		ng_epb(&f->b, (uint32_t)i, cases[i].units, 20, 20, (uint32_t)i);
	fix_open(f, "tsresol.pcapng");
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++)
		assert_rec(next1(f), cases[i].ns, 20, 20, VG_LINK_ETHERNET, (uint32_t)i,
			   (uint32_t)i);
	assert_end(f);
}

/* if_tsoffset: seconds added to every timestamp, a 64-bit value in the
 * section's byte order (the high word first in a big-endian section). */
static void test_pcapng_tsoffset(void **state)
{
	struct fix *f = *state;
	/* High word 1, low word 2: a swap of the words would show. */
	const struct ng_ifopts o = {.tsresol = 9, .has_off = true, .tsoffset_s = 0x100000002ll};
	const struct ng_ifopts neg = {.tsresol = 9, .has_off = true, .tsoffset_s = -10};
	const uint64_t want = 4294967298ull * 1000000000ull + 7;

	ng_shb(&f->b, false);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, &o);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, &neg);
	ng_epb(&f->b, 0, 7, 20, 20, 0);
	ng_epb(&f->b, 1, 1700000000000000000ull, 20, 20, 1);
	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, &o);
	ng_epb(&f->b, 0, 7, 20, 20, 2);
	fix_open(f, "tsoffset.pcapng");
	assert_rec(next1(f), want, 20, 20, VG_LINK_ETHERNET, 0, 0);
	assert_rec(next1(f), 1699999990000000000ull, 20, 20, VG_LINK_ETHERNET, 1, 1);
	assert_rec(next1(f), want, 20, 20, VG_LINK_ETHERNET, 0, 2);
	assert_end(f);
}

/* Simple packet blocks: interface 0, and a captured length that is the
 * least of the original length, the block's data and the interface's
 * snaplen (draft-ietf-opsawg-pcapng section 4.4). They carry no time: they
 * take the time of the packet before them (0 if there is none). */
static void test_pcapng_spb(void **state)
{
	struct fix *f = *state;

	ng_shb(&f->b, false);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL); /* snaplen 0: no limit */
	ng_spb(&f->b, 61, 61, 0);                 /* data padded to 64: 61 by origlen */
	ng_spb(&f->b, 100, 64, 1);                /* 64 in the block, 100 on the wire */
	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_RAW, 32, NULL); /* snaplen 32 */
	ng_spb(&f->b, 60, 60, 2);
	ng_epb(&f->b, 0, 1700000000000000ull, 20, 20, 3);
	ng_spb(&f->b, 20, 20, 4);
	fix_open(f, "spb.pcapng");
	assert_rec(next1(f), 0, 61, 61, VG_LINK_ETHERNET, 0, 0);
	assert_rec(next1(f), 0, 64, 100, VG_LINK_ETHERNET, 0, 1);
	assert_rec(next1(f), 0, 32, 60, VG_LINK_RAW, 0, 2);
	assert_rec(next1(f), 1700000000000000000ull, 20, 20, VG_LINK_RAW, 0, 3);
	assert_rec(next1(f), 1700000000000000000ull, 20, 20, VG_LINK_RAW, 0, 4);
	assert_end(f);
}

/* The obsolete packet block (type 2): a 16-bit interface id and drops. */
static void test_pcapng_obsolete_packet_block(void **state)
{
	struct fix *f = *state;

	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	ng_idb(&f->b, VG_LINK_RAW, 0, NULL);
	ng_opb(&f->b, 1, 1700000000000001ull, 30, 40, 0);
	ng_opb(&f->b, 0, 2, 31, 31, 1);
	fix_open(f, "opb.pcapng");
	assert_rec(next1(f), 1700000000000001000ull, 30, 40, VG_LINK_RAW, 1, 0);
	assert_rec(next1(f), 2000, 31, 31, VG_LINK_ETHERNET, 0, 1);
	assert_end(f);
}

/* Name resolution, statistics, decryption secrets, custom and unknown
 * blocks are skipped by their length, wherever they are. */
static void test_pcapng_skips_other_blocks(void **state)
{
	struct fix *f = *state;
	/* NRB: an IPv4 record (type 1, length 7), then end of records. */
	const uint32_t nrb[] = {0x00070001u, 0xc0000201u, 0x67770000u, 0x00000000u};
	/* ISB: interface 0, timestamp, no options. */
	const uint32_t isb[] = {0, 0, 12345};
	const uint32_t unknown[] = {0xdeadbeefu, 0x01020304u, 0x0bad0bad};
	const uint32_t dsb[] = {0x544c534bu /* TLS key log */, 0};

	ng_shb(&f->b, false);
	ng_other(&f->b, NG_NRB, nrb, VG_ARRAY_LEN(nrb));
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	ng_other(&f->b, 0x00000bad, unknown, VG_ARRAY_LEN(unknown));
	ng_epb(&f->b, 0, 1, 20, 20, 0);
	ng_other(&f->b, NG_ISB, isb, VG_ARRAY_LEN(isb));
	ng_other(&f->b, 0x0000000a, dsb, VG_ARRAY_LEN(dsb));
	ng_other(&f->b, 0x40000bad, NULL, 0); /* custom block, empty body */
	ng_epb(&f->b, 0, 2, 21, 21, 1);
	ng_other(&f->b, NG_ISB, isb, VG_ARRAY_LEN(isb));
	fix_open(f, "others.pcapng");
	assert_rec(next1(f), 1000, 20, 20, VG_LINK_ETHERNET, 0, 0);
	assert_rec(next1(f), 2000, 21, 21, VG_LINK_ETHERNET, 0, 1);
	assert_end(f);
	assert_int_equal(vg_capture_records(f->c), 2);
}

/* ---- errors --------------------------------------------------------------- */

static void test_open_empty(void **state)
{
	struct fix *f = *state;
	int rc = fix_try_open(f, "empty.pcap");

	assert_int_equal(rc, VG_EFORMAT);
	assert_null(f->c);
	assert_contains(f->err, "empty.pcap");
	assert_contains(f->err, "empty");
}

static void test_open_three_bytes(void **state)
{
	static const uint8_t three[] = {0xd4, 0xc3, 0xb2};
	struct fix *f = *state;

	put(&f->b, three, sizeof three);
	assert_true(fix_try_open(f, "three.pcap") < 0);
	assert_null(f->c);
	assert_contains(f->err, "three.pcap");
}

/* Four bytes of a valid magic, then nothing: the header is cut. */
static void test_open_short_header(void **state)
{
	struct fix *f = *state;

	pcap_header(&f->b, false, false, 65535, 1);
	f->b.len = 10;
	assert_true(fix_try_open(f, "short.pcap") < 0);
	assert_contains(f->err, "short.pcap");
	assert_contains(f->err, "24-byte");
}

static void test_open_bad_magic(void **state)
{
	static const char text[] = "This is not a capture file.\n";
	struct fix *f = *state;

	put(&f->b, text, sizeof text - 1);
	assert_int_equal(fix_try_open(f, "notes.txt"), VG_EFORMAT);
	assert_null(f->c);
	assert_contains(f->err, "notes.txt");
	assert_contains(f->err, "not a pcap or pcapng file");
	assert_contains(f->err, "offset 0");
}

/* The last record is cut: the records before it come out, then an error
 * that names the file, the record and its offset. */
static void test_pcap_truncated_last_record(void **state)
{
	struct fix *f = *state;
	size_t cut_off;

	pcap_header(&f->b, false, false, 65535, 1);
	for (uint32_t i = 0; i < 3; i++)
		pcap_record(&f->b, 1, i, 50, 50, i);
	cut_off = f->b.len;
	pcap_record(&f->b, 1, 3, 50, 50, 3);
	f->b.len -= 30; /* 20 of its 50 bytes remain */
	fix_open(f, "trunc.pcap");
	assert_int_equal(vg_capture_next(f->c, f->recs, 16), 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_rec(&f->recs[i], 1000000000ull + i * 1000, 50, 50, 1, 0, i);
	assert_true(vg_capture_next(f->c, f->recs, 16) < 0);
	assert_true(vg_capture_next(f->c, f->recs, 16) < 0);
	assert_int_equal(vg_capture_records(f->c), 3);
	{
		char want[64];
		snprintf(want, sizeof want, "record 4 at offset %zu", cut_off);
		assert_contains(vg_capture_error(f->c), want);
	}
	assert_contains(vg_capture_error(f->c), "trunc.pcap");

	/* One record at a time: the same records, the same error. */
	fix_open(f, "trunc.pcap");
	for (uint32_t i = 0; i < 3; i++)
		assert_rec(next1(f), 1000000000ull + i * 1000, 50, 50, 1, 0, i);
	assert_true(vg_capture_next(f->c, f->recs, 1) < 0);
	assert_contains(vg_capture_error(f->c), "record 4 at offset");
}

static void test_pcap_truncated_record_header(void **state)
{
	struct fix *f = *state;

	pcap_header(&f->b, true, false, 65535, 1);
	pcap_record(&f->b, 1, 0, 50, 50, 0);
	pcap_record(&f->b, 1, 0, 50, 50, 1);
	f->b.len -= 50 + 10; /* 6 bytes of the second record's header */
	fix_open(f, "hdr.pcap");
	assert_int_equal(read_to_error(f), 1);
	assert_contains(vg_capture_error(f->c), "hdr.pcap");
	assert_contains(vg_capture_error(f->c), "offset 90");
}

static void test_pcap_huge_caplen(void **state)
{
	struct fix *f = *state;

	pcap_header(&f->b, false, false, 65535, 1);
	pcap_record(&f->b, 1, 0, 50, 50, 0);
	put32(&f->b, 1); /* a record header claiming 2 GiB */
	put32(&f->b, 0);
	put32(&f->b, 0x7fffffff);
	put32(&f->b, 0x7fffffff);
	pcap_record(&f->b, 1, 0, 50, 50, 1);
	fix_open(f, "huge.pcap");
	assert_int_equal(read_to_error(f), 1);
	assert_contains(vg_capture_error(f->c), "huge.pcap");
	assert_contains(vg_capture_error(f->c), "offset 90");
	assert_contains(vg_capture_error(f->c), "2147483647");
	/* A corrupt length, not a file cut short: the limit is named. */
	assert_contains(vg_capture_error(f->c), "exceeds");
}

/* pcapng: a section header, an interface, one good packet, then bad. */
static size_t ng_prologue(struct fix *f, bool be)
{
	ng_shb(&f->b, be);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	ng_epb(&f->b, 0, 1, 20, 20, 0);
	return f->b.len;
}

/* Opens f->b as name: nrec packets come out, then an error at offset off
 * that says what. */
static void expect_ng_error(struct fix *f, const char *name, unsigned nrec, size_t off,
			    const char *what)
{
	char want[64];

	fix_open(f, name);
	assert_int_equal(read_to_error(f), nrec);
	snprintf(want, sizeof want, "offset %zu", off);
	assert_contains(vg_capture_error(f->c), want);
	assert_contains(vg_capture_error(f->c), name);
	assert_contains(vg_capture_error(f->c), what);
}

static void test_pcapng_block_length_9(void **state)
{
	struct fix *f = *state;
	size_t off = ng_prologue(f, false);

	put32(&f->b, NG_EPB);
	put32(&f->b, 9);
	put32(&f->b, 0);
	put32(&f->b, 9);
	expect_ng_error(f, "len9.pcapng", 1, off, "length 9");
}

static void test_pcapng_block_length_bounds(void **state)
{
	struct fix *f = *state;
	size_t off = ng_prologue(f, true);

	put32(&f->b, NG_EPB); /* 8: shorter than a block */
	put32(&f->b, 8);
	put32(&f->b, 8);
	expect_ng_error(f, "len8.pcapng", 1, off, "length 8");

	f->b.len = off;
	put32(&f->b, NG_EPB); /* 1 GiB: beyond any record */
	put32(&f->b, 0x40000000);
	put32(&f->b, 0);
	expect_ng_error(f, "len1g.pcapng", 1, off, "1073741824");
	assert_contains(vg_capture_error(f->c), "exceeds");

	f->b.len = off;
	put32(&f->b, NG_EPB); /* 30: not a multiple of 4 */
	put32(&f->b, 30);
	for (int i = 0; i < 6; i++)
		put32(&f->b, 30);
	expect_ng_error(f, "len30.pcapng", 1, off, "length 30");
}

static void test_pcapng_trailer_mismatch(void **state)
{
	struct fix *f = *state;
	size_t off = ng_prologue(f, false);

	ng_epb(&f->b, 0, 2, 20, 20, 1);
	set32(&f->b, f->b.len - 4, 48); /* the block is 52 bytes */
	ng_epb(&f->b, 0, 3, 20, 20, 2);
	expect_ng_error(f, "trailer.pcapng", 1, off, "trailer");
}

static void test_pcapng_undefined_interface(void **state)
{
	struct fix *f = *state;
	size_t off = ng_prologue(f, false);

	ng_epb(&f->b, 3, 2, 20, 20, 1);
	expect_ng_error(f, "if3.pcapng", 1, off, "interface 3");
}

/* Packet blocks before any interface description. */
static void test_pcapng_packet_before_idb(void **state)
{
	struct fix *f = *state;

	ng_shb(&f->b, false);
	ng_spb(&f->b, 20, 20, 0);
	expect_ng_error(f, "noidb.pcapng", 0, 28, "interface 0");
}

static void test_pcapng_epb_caplen_past_block(void **state)
{
	struct fix *f = *state;
	size_t off = ng_prologue(f, true);

	ng_epb(&f->b, 0, 2, 40, 40, 1);
	set32(&f->b, off + 20, 100); /* caplen 100 in a block with 40 bytes of data */
	ng_epb(&f->b, 0, 3, 20, 20, 2);
	expect_ng_error(f, "caplen.pcapng", 1, off, "captured length 100");
}

static void test_pcapng_truncated_last_block(void **state)
{
	struct fix *f = *state;
	size_t off = ng_prologue(f, false);

	ng_epb(&f->b, 0, 2, 40, 40, 1);
	f->b.len -= 10;
	expect_ng_error(f, "cut.pcapng", 1, off, "cut off");

	/* Cut inside the 12 bytes every block starts with. */
	f->b.len = off + 6;
	expect_ng_error(f, "cut6.pcapng", 1, off, "block header");
}

static void test_pcapng_bad_tsresol(void **state)
{
	struct fix *f = *state;
	const struct ng_ifopts o = {.tsresol = 20}; /* 10^-20 s: below any clock */

	ng_shb(&f->b, false);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	ng_epb(&f->b, 0, 1, 20, 20, 0);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, &o);
	ng_epb(&f->b, 1, 1, 20, 20, 1);
	fix_open(f, "tsresol20.pcapng");
	assert_int_equal(read_to_error(f), 1);
	assert_contains(vg_capture_error(f->c), "if_tsresol");
}

/* ---- batches -------------------------------------------------------------- */

static void check_batches(struct fix *f, const char *name)
{
	static const int want[] = {3, 3, 3, 1, 0, 0};
	uint32_t idx = 0;

	fix_open(f, name);
	for (size_t i = 0; i < VG_ARRAY_LEN(want); i++) {
		int n = vg_capture_next(f->c, f->recs, 3);
		if (n != want[i])
			fail_msg("%s: call %zu gave %d records, expected %d", name, i, n, want[i]);
		/* Every record of the batch is valid until the next call. */
		for (int j = 0; j < n; j++, idx++)
			if (!check_fill(f->recs[j].data, f->recs[j].caplen, idx) ||
			    f->recs[j].caplen != 100 + idx)
				fail_msg("%s: record %u differs", name, idx);
		assert_int_equal(vg_capture_records(f->c), idx);
	}
	assert_int_equal(vg_capture_offset(f->c), f->b.len);
}

static void test_batches(void **state)
{
	struct fix *f = *state;
	const uint32_t nrb_end[] = {0};

	pcap_header(&f->b, false, true, 65535, 1);
	for (uint32_t i = 0; i < 10; i++)
		pcap_record(&f->b, i, i, 100 + i, 100 + i, i);
	check_batches(f, "batches.pcap");

	/* pcapng, with blocks to skip between the packets. */
	f->b.len = 0;
	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, NULL);
	for (uint32_t i = 0; i < 10; i++) {
		if (i % 4 == 2)
			ng_other(&f->b, NG_NRB, nrb_end, 1);
		ng_epb(&f->b, 0, i, 100 + i, 100 + i, i);
	}
	check_batches(f, "batches.pcapng");
}

/* vg_capture_offset() moves record by record. */
static void test_offset_progress(void **state)
{
	struct fix *f = *state;
	size_t ends[4];

	pcap_header(&f->b, true, false, 65535, 1);
	for (uint32_t i = 0; i < 4; i++) {
		pcap_record(&f->b, i, 0, 10 * i, 10 * i, i);
		ends[i] = f->b.len;
	}
	fix_open(f, "offsets.pcap");
	assert_int_equal(vg_capture_offset(f->c), 24);
	for (uint32_t i = 0; i < 4; i++) {
		next1(f);
		assert_int_equal(vg_capture_offset(f->c), ends[i]);
	}
	assert_end(f);
}

/* ---- every truncation of a valid capture -------------------------------- */

/* Builds a capture and notes where each record (or block) ends and how
 * many packets end there; then opens every prefix of it. A prefix that
 * ends on a boundary reads cleanly to the end; any other gives the packets
 * wholly inside it, then an error. */
static void check_prefixes(struct fix *f, const char *name, const size_t *ends,
			   const unsigned *packets, size_t n_ends, size_t hdr_len)
{
	struct buf whole = f->b;

	for (size_t len = 0; len < whole.len; len++) {
		unsigned expect = 0, got = 0;
		bool boundary = false;
		int rc, n;

		for (size_t i = 0; i < n_ends; i++) {
			if (ends[i] <= len)
				expect = packets[i];
			if (ends[i] == len)
				boundary = true;
		}
		f->b.len = len;
		rc = fix_try_open(f, name);
		if (len < hdr_len) {
			/* pcapng reads nothing at open beyond the magic. */
			if (rc == 0) {
				assert_true(len >= 4);
				assert_true(vg_capture_next(f->c, f->recs, 2) < 0);
			}
			continue;
		}
		if (rc != 0)
			fail_msg("%s cut to %zu: open failed: %s", name, len, f->err);
		while ((n = vg_capture_next(f->c, f->recs, 2)) > 0) {
			for (int j = 0; j < n; j++, got++)
				if (f->recs[j].data + f->recs[j].caplen > f->copy + len)
					fail_msg("%s cut to %zu: record %u beyond the input", name,
						 len, got);
		}
		if (got != expect || (n == 0) != boundary)
			fail_msg("%s cut to %zu: %u records then %d (%s); expected %u then %s",
				 name, len, got, n, vg_capture_error(f->c), expect,
				 boundary ? "the end" : "an error");
		if (n < 0)
			assert_contains(vg_capture_error(f->c), "offset");
	}
	f->b.len = whole.len;
}

static void test_every_truncation(void **state)
{
	struct fix *f = *state;
	const struct ng_ifopts o = {.tsresol = 9, .has_off = true, .tsoffset_s = 1};
	const uint32_t isb[] = {0, 0, 1};
	size_t ends[16];
	unsigned packets[16], n = 0, pk = 0;

	pcap_header(&f->b, false, false, 65535, 1);
	ends[n] = f->b.len, packets[n++] = pk;
	for (uint32_t i = 0; i < 3; i++) {
		pcap_record(&f->b, i, 0, 17 + i, 17 + i, i);
		ends[n] = f->b.len, packets[n++] = ++pk;
	}
	check_prefixes(f, "prefix.pcap", ends, packets, n, 24);

	f->b.len = 0;
	n = pk = 0;
	ng_shb(&f->b, false);
	ends[n] = f->b.len, packets[n++] = pk;
	ng_idb(&f->b, VG_LINK_ETHERNET, 64, &o);
	ends[n] = f->b.len, packets[n++] = pk;
	ng_epb(&f->b, 0, 1, 17, 17, 0);
	ends[n] = f->b.len, packets[n++] = ++pk;
	ng_other(&f->b, NG_ISB, isb, 3);
	ends[n] = f->b.len, packets[n++] = pk;
	ng_spb(&f->b, 18, 18, 1);
	ends[n] = f->b.len, packets[n++] = ++pk;
	ng_opb(&f->b, 0, 3, 19, 19, 2);
	ends[n] = f->b.len, packets[n++] = ++pk;
	ng_shb(&f->b, true);
	ends[n] = f->b.len, packets[n++] = pk;
	ng_idb(&f->b, VG_LINK_RAW, 0, NULL);
	ends[n] = f->b.len, packets[n++] = pk;
	ng_epb(&f->b, 0, 4, 21, 21, 3);
	ends[n] = f->b.len, packets[n++] = ++pk;
	check_prefixes(f, "prefix.pcapng", ends, packets, n, 4);
}

/* ---- real files ----------------------------------------------------------- */

#define BIG_RECORDS 5000
#define BIG_CAPLEN  1500

/* Writes f->b to a new temporary file, named in f->path. */
static void write_temp(struct fix *f)
{
	int fd;

	snprintf(f->path, sizeof f->path, "/tmp/vigil-capture-test-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, f->b.b, f->b.len), (ssize_t)f->b.len);
	assert_int_equal(close(fd), 0);
}

/* Reads every record of a big capture through path, in batches of 64. */
static void read_big(struct fix *f, const char *path, uint64_t want_size)
{
	uint32_t idx = 0;
	int n, rc;

	vg_capture_free(f->c);
	f->c = NULL;
	rc = vg_capture_open(&f->c, path, f->err, sizeof f->err);
	if (rc != 0)
		fail_msg("opening %s: %d (%s)", path, rc, f->err);
	assert_int_equal(vg_capture_size(f->c), want_size);
	while ((n = vg_capture_next(f->c, f->recs, VG_ARRAY_LEN(f->recs))) > 0) {
		for (int j = 0; j < n; j++, idx++) {
			const struct vg_pkt_rec *r = &f->recs[j];
			if (r->caplen != BIG_CAPLEN || r->origlen != BIG_CAPLEN + idx % 7 ||
			    r->ts_ns != 1700000000000000000ull + idx * 1000ull ||
			    !check_fill(r->data, r->caplen, idx))
				fail_msg("%s: record %u is wrong (caplen %u, ts %llu)", path, idx,
					 r->caplen, (unsigned long long)r->ts_ns);
		}
	}
	if (n < 0)
		fail_msg("%s: error after %u records: %s", path, idx, vg_capture_error(f->c));
	assert_int_equal(idx, BIG_RECORDS);
	assert_int_equal(vg_capture_records(f->c), BIG_RECORDS);
	assert_int_equal(vg_capture_offset(f->c), f->b.len);
	assert_int_equal(vg_capture_next(f->c, f->recs, 1), 0);
}

/* Reads the capture in f->b through a pipe (no mmap, no size), written by
 * a child process. */
static void read_big_pipe(struct fix *f)
{
	int fds[2], status;
	char path[32];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t off = 0;
		close(fds[0]);
		while (off < f->b.len) {
			/* Odd-sized writes, so reads end in odd places. */
			size_t chunk = f->b.len - off < 70001 ? f->b.len - off : 70001;
			ssize_t w = write(fds[1], f->b.b + off, chunk);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	read_big(f, path, 0);
	vg_capture_free(f->c);
	f->c = NULL;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* More than 1 MiB (the read buffer), so records straddle its refills. */
static void test_big_pcap_file(void **state)
{
	struct fix *f = *state;

	pcap_header(&f->b, false, false, 65535, 1);
	for (uint32_t i = 0; i < BIG_RECORDS; i++)
		pcap_record(&f->b, 1700000000, i, BIG_CAPLEN, BIG_CAPLEN + i % 7, i);
	assert_true(f->b.len > 5 * (1u << 20));
	write_temp(f);
	read_big(f, f->path, f->b.len);
	read_big_pipe(f);
}

static void test_big_pcapng_file(void **state)
{
	struct fix *f = *state;
	const struct ng_ifopts nsec = {.tsresol = 9};

	ng_shb(&f->b, true);
	ng_idb(&f->b, VG_LINK_ETHERNET, 0, &nsec);
	for (uint32_t i = 0; i < BIG_RECORDS; i++)
		ng_epb(&f->b, 0, 1700000000000000000ull + i * 1000ull, BIG_CAPLEN,
		       BIG_CAPLEN + i % 7, i);
	assert_true(f->b.len > 5 * (1u << 20));
	write_temp(f);
	read_big(f, f->path, f->b.len);
	read_big_pipe(f);
}

/* A record larger than the read buffer between small ones. */
static void test_record_larger_than_buffer(void **state)
{
	struct fix *f = *state;
	const uint32_t sizes[] = {100, 3u << 20, 100, (1u << 20) + 1, 7};
	uint32_t idx = 0;
	int n;

	pcap_header(&f->b, true, true, 0x7fffffff, 1);
	for (uint32_t i = 0; i < VG_ARRAY_LEN(sizes); i++)
		pcap_record(&f->b, 1, 111111111 * i, sizes[i], sizes[i], i);
	write_temp(f);
	for (int pass = 0; pass < 2; pass++) {
		int fds[2] = {-1, -1};
		pid_t pid = 0;
		char path[32] = "";

		if (pass == 1) { /* through a pipe: the buffer has to grow */
			assert_int_equal(pipe(fds), 0);
			pid = fork();
			assert_true(pid >= 0);
			if (pid == 0) {
				close(fds[0]);
				_exit(write(fds[1], f->b.b, f->b.len) == (ssize_t)f->b.len ? 0 : 1);
			}
			close(fds[1]);
			snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
		}
		vg_capture_free(f->c);
		f->c = NULL;
		assert_int_equal(
		    vg_capture_open(&f->c, pass ? path : f->path, f->err, sizeof f->err), 0);
		idx = 0;
		while ((n = vg_capture_next(f->c, f->recs, 4)) > 0)
			for (int j = 0; j < n; j++, idx++)
				if (f->recs[j].caplen != sizes[idx] ||
				    f->recs[j].ts_ns != 1000000000ull + 111111111ull * idx ||
				    !check_fill(f->recs[j].data, f->recs[j].caplen, idx))
					fail_msg("pass %d: record %u is wrong", pass, idx);
		if (n < 0)
			fail_msg("pass %d: %s", pass, vg_capture_error(f->c));
		assert_int_equal(idx, VG_ARRAY_LEN(sizes));
		vg_capture_free(f->c);
		f->c = NULL;
		if (pass == 1) {
			int status;
			close(fds[0]);
			assert_int_equal(waitpid(pid, &status, 0), pid);
		}
	}
}

static void test_open_missing_and_directory(void **state)
{
	struct fix *f = *state;

	assert_int_equal(vg_capture_open(&f->c, "/nonexistent/vigil.pcap", f->err, sizeof f->err),
			 VG_ENOENT);
	assert_null(f->c);
	assert_contains(f->err, "/nonexistent/vigil.pcap");
	assert_int_equal(vg_capture_open(&f->c, "/tmp", f->err, sizeof f->err), VG_EINVAL);
	assert_null(f->c);
	assert_contains(f->err, "/tmp");
}

/* An empty regular file is refused with the same words as an empty buffer. */
static void test_open_empty_file(void **state)
{
	struct fix *f = *state;

	write_temp(f);
	assert_int_equal(vg_capture_open(&f->c, f->path, f->err, sizeof f->err), VG_EFORMAT);
	assert_null(f->c);
	assert_contains(f->err, f->path);
	assert_contains(f->err, "empty");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_pcap_le_usec),
	    T(test_pcap_be_usec),
	    T(test_pcap_le_nsec),
	    T(test_pcap_be_nsec),
	    T(test_pcap_origlen_and_linktype_bits),
	    T(test_pcap_bad_version),
	    T(test_pcapng_le),
	    T(test_pcapng_be),
	    T(test_pcapng_two_sections),
	    T(test_pcapng_ifaces_do_not_cross_sections),
	    T(test_pcapng_tsresol),
	    T(test_pcapng_tsoffset),
	    T(test_pcapng_spb),
	    T(test_pcapng_obsolete_packet_block),
	    T(test_pcapng_skips_other_blocks),
	    T(test_open_empty),
	    T(test_open_three_bytes),
	    T(test_open_short_header),
	    T(test_open_bad_magic),
	    T(test_pcap_truncated_last_record),
	    T(test_pcap_truncated_record_header),
	    T(test_pcap_huge_caplen),
	    T(test_pcapng_block_length_9),
	    T(test_pcapng_block_length_bounds),
	    T(test_pcapng_trailer_mismatch),
	    T(test_pcapng_undefined_interface),
	    T(test_pcapng_packet_before_idb),
	    T(test_pcapng_epb_caplen_past_block),
	    T(test_pcapng_truncated_last_block),
	    T(test_pcapng_bad_tsresol),
	    T(test_batches),
	    T(test_offset_progress),
	    T(test_every_truncation),
	    T(test_big_pcap_file),
	    T(test_big_pcapng_file),
	    T(test_record_larger_than_buffer),
	    T(test_open_missing_and_directory),
	    T(test_open_empty_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
