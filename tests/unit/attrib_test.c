/*
 * attrib_test.c - unit tests of src/attrib/: the bogon table at the edges
 * of its blocks, the ASN range file (compiled from a small CSV written
 * here: first and last address of each range, the addresses just outside,
 * gaps, adjacent ranges, the ends of the address space), the strict CSV
 * parser's errors (file and line), the checks on a corrupt or truncated
 * range file, and the confidence of attacks.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "attrib/asn.h"
#include "attrib/attrib.h"
#include "attrib/bogon.h"
#include "common/vg.h"

static struct vg_addr addr(const char *text, int *family)
{
	struct vg_addr a;

	memset(&a, 0, sizeof a);
	if (inet_pton(AF_INET, text, a.b) == 1) {
		*family = 4;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, a.b), 1);
		*family = 6;
	}
	return a;
}

/* ---- bogons ------------------------------------------------------------- */

static const char *bogon(const char *text)
{
	int fam;
	struct vg_addr a = addr(text, &fam);

	return vg_bogon_reason(&a, fam);
}

static void test_bogon_ipv4_edges(void **state)
{
	(void)state;
	/* Public just outside each block, bogon at its first and last address. */
	assert_null(bogon("9.255.255.255"));
	assert_non_null(strstr(bogon("10.0.0.0"), "RFC 1918"));
	assert_non_null(strstr(bogon("10.255.255.255"), "RFC 1918"));
	assert_null(bogon("11.0.0.0"));
	assert_null(bogon("100.63.255.255"));
	assert_non_null(strstr(bogon("100.64.0.0"), "RFC 6598"));
	assert_non_null(strstr(bogon("100.127.255.255"), "RFC 6598"));
	assert_null(bogon("100.128.0.0"));
	assert_non_null(strstr(bogon("0.0.0.0"), "0.0.0.0/8"));
	assert_non_null(strstr(bogon("0.255.255.255"), "0.0.0.0/8"));
	assert_null(bogon("1.0.0.0"));
	assert_non_null(strstr(bogon("127.0.0.1"), "loopback"));
	assert_non_null(strstr(bogon("169.254.1.1"), "link-local"));
	assert_null(bogon("169.255.0.0"));
	assert_null(bogon("172.15.255.255"));
	assert_non_null(strstr(bogon("172.16.0.0"), "RFC 1918"));
	assert_non_null(strstr(bogon("172.31.255.255"), "RFC 1918"));
	assert_null(bogon("172.32.0.0"));
	assert_non_null(strstr(bogon("192.0.2.77"), "documentation"));
	assert_non_null(strstr(bogon("198.51.100.1"), "documentation"));
	assert_non_null(strstr(bogon("203.0.113.255"), "documentation"));
	assert_null(bogon("203.0.114.0"));
	assert_non_null(strstr(bogon("192.168.50.10"), "RFC 1918"));
	assert_null(bogon("192.169.0.0"));
	assert_non_null(strstr(bogon("198.19.255.255"), "benchmarking"));
	assert_null(bogon("198.20.0.0"));
	assert_null(bogon("223.255.255.255"));
	assert_non_null(strstr(bogon("224.0.0.1"), "multicast"));
	assert_non_null(strstr(bogon("239.255.255.255"), "multicast"));
	assert_non_null(strstr(bogon("240.0.0.0"), "240.0.0.0/4"));
	assert_non_null(strstr(bogon("255.255.255.255"), "240.0.0.0/4"));
	assert_null(bogon("8.8.8.8"));
	assert_null(bogon("192.88.99.1")); /* former 6to4 anycast: public */
}

static void test_bogon_ipv6(void **state)
{
	(void)state;
	assert_non_null(strstr(bogon("::"), "unspecified"));
	assert_non_null(strstr(bogon("::1"), "loopback"));
	assert_non_null(strstr(bogon("::ffff:8.8.8.8"), "IPv4-mapped"));
	assert_non_null(strstr(bogon("::2"), "unallocated"));
	assert_null(bogon("64:ff9b::808:808")); /* NAT64 of a public address */
	assert_non_null(strstr(bogon("64:ff9b:1::1"), "NAT64"));
	assert_non_null(strstr(bogon("100::1"), "discard"));
	assert_non_null(strstr(bogon("2001:db8::1"), "documentation"));
	assert_non_null(strstr(bogon("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), "documentation"));
	assert_null(bogon("2001:db9::"));
	assert_null(bogon("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_non_null(strstr(bogon("2001:2::1"), "benchmarking"));
	assert_non_null(strstr(bogon("3fff:fff:ffff::1"), "3fff::/20"));
	assert_null(bogon("3fff:1000::1"));
	assert_null(bogon("2001:4860:4860::8888"));
	assert_null(bogon("2a00:1450::1"));
	assert_non_null(strstr(bogon("4000::1"), "unallocated"));
	assert_non_null(strstr(bogon("fc00::1"), "unique local"));
	assert_non_null(strstr(bogon("fdff:ffff::1"), "unique local"));
	assert_non_null(strstr(bogon("fe80::1"), "link-local"));
	assert_non_null(strstr(bogon("febf:ffff::1"), "link-local"));
	assert_non_null(strstr(bogon("fec0::1"), "site-local"));
	assert_non_null(strstr(bogon("ff02::1"), "multicast"));
}

/* ---- ASN range file ----------------------------------------------------- */

struct fx {
	char dir[64], csv[128], csv2[128], out[128];
	char err[1024];
	struct vg_asn_report rep;
	struct vg_asn *t;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	const char *tmp = getenv("TMPDIR");

	if (!x)
		return -1;
	snprintf(x->dir, sizeof x->dir, "%s/vg-attrib-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir))
		return -1;
	snprintf(x->csv, sizeof x->csv, "%s/a.csv", x->dir);
	snprintf(x->csv2, sizeof x->csv2, "%s/b.csv", x->dir);
	snprintf(x->out, sizeof x->out, "%s/asn.vgasn", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	vg_asn_free(x->t);
	unlink(x->csv);
	unlink(x->csv2);
	unlink(x->out);
	rmdir(x->dir);
	free(x);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* Compiles text (and text2 into a second file if non-NULL); returns rc. */
static int compile(struct fx *x, const char *text, const char *text2)
{
	const char *files[2] = {x->csv, x->csv2};

	write_text(x->csv, text);
	if (text2)
		write_text(x->csv2, text2);
	return vg_asn_compile(x->out, files, text2 ? 2 : 1, "test 1.0", "2026-01-02", &x->rep,
			      x->err, sizeof x->err);
}

/* The ASN of an address, 0 if none; org copied to orgbuf. */
static uint32_t asn_of(struct fx *x, const char *text, char *orgbuf, size_t len)
{
	int fam;
	struct vg_addr a = addr(text, &fam);
	uint32_t asn = 0;
	const char *org = NULL;

	if (vg_asn_lookup(x->t, &a, fam, &asn, &org) <= 0)
		return 0;
	if (orgbuf)
		snprintf(orgbuf, len, "%s", org);
	return asn;
}

/* Deliberately unsorted, with both families in one file and in two. */
static const char edges4[] = "1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\n"
			     "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
			     "1.0.8.0,1.0.8.0,64496,\"Say \"\"hi\"\"\"\n"
			     "0.0.0.0,0.0.0.0,1,first\r\n"
			     "255.255.255.0,255.255.255.255,4294967295,last\n"
			     "2001:db8::,2001:db8::ffff,64500,Doc\n";
static const char edges6[] = "2001:db8::1:0,2001:db8::1:ffff,64501,Doc next\n"
			     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00,"
			     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,7,top\n"
			     "::,::,8,bottom\n";

static void test_asn_edges(void **state)
{
	struct fx *x = *state;
	char org[128];

	assert_int_equal(compile(x, edges4, edges6), 0);
	assert_int_equal(x->rep.n4, 5);
	assert_int_equal(x->rep.n6, 4);
	assert_int_equal(x->rep.clipped, 0);
	assert_int_equal(vg_asn_open(&x->t, x->out, x->err, sizeof x->err), 0);
	assert_string_equal(vg_asn_source(x->t), "test 1.0");
	assert_string_equal(vg_asn_data_date(x->t), "2026-01-02");
	assert_int_equal(vg_asn_count(x->t, 4), 5);
	/* First and last address of a range, and just outside it. */
	assert_int_equal(asn_of(x, "1.0.0.0", org, sizeof org), 13335);
	assert_string_equal(org, "Cloudflare, Inc.");
	assert_int_equal(asn_of(x, "1.0.0.255", NULL, 0), 13335);
	assert_int_equal(asn_of(x, "1.0.1.0", NULL, 0), 0);
	assert_int_equal(asn_of(x, "1.0.3.255", NULL, 0), 0);
	assert_int_equal(asn_of(x, "1.0.4.0", NULL, 0), 38803);
	assert_int_equal(asn_of(x, "1.0.7.255", NULL, 0), 38803);
	/* A one-address range right after another, with a quoted quote. */
	assert_int_equal(asn_of(x, "1.0.8.0", org, sizeof org), 64496);
	assert_string_equal(org, "Say \"hi\"");
	assert_int_equal(asn_of(x, "1.0.8.1", NULL, 0), 0);
	/* The ends of the address space. */
	assert_int_equal(asn_of(x, "0.0.0.0", org, sizeof org), 1);
	assert_string_equal(org, "first");
	assert_int_equal(asn_of(x, "0.0.0.1", NULL, 0), 0);
	assert_int_equal(asn_of(x, "255.255.254.255", NULL, 0), 0);
	assert_int_equal(asn_of(x, "255.255.255.0", NULL, 0), 4294967295u);
	assert_int_equal(asn_of(x, "255.255.255.255", NULL, 0), 4294967295u);
	/* IPv6: adjacent ranges, a gap, the ends. */
	assert_int_equal(asn_of(x, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL, 0), 0);
	assert_int_equal(asn_of(x, "2001:db8::", NULL, 0), 64500);
	assert_int_equal(asn_of(x, "2001:db8::ffff", NULL, 0), 64500);
	assert_int_equal(asn_of(x, "2001:db8::1:0", org, sizeof org), 64501);
	assert_string_equal(org, "Doc next");
	assert_int_equal(asn_of(x, "2001:db8::1:ffff", NULL, 0), 64501);
	assert_int_equal(asn_of(x, "2001:db8::2:0", NULL, 0), 0);
	assert_int_equal(asn_of(x, "::", NULL, 0), 8);
	assert_int_equal(asn_of(x, "::1", NULL, 0), 0);
	assert_int_equal(asn_of(x, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff", NULL, 0), 0);
	assert_int_equal(asn_of(x, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, 0), 7);
	/* An IPv4 address is not found among IPv6 ranges or the reverse. */
	assert_int_equal(asn_of(x, "::1.0.0.1", NULL, 0), 0);
}

/* Against a brute-force scan of the same ranges, every address of a small
 * space: the binary search must agree everywhere. */
static void test_asn_exhaustive(void **state)
{
	struct fx *x = *state;
	char csv[4096];
	size_t n = 0;
	unsigned lo[40], hi[40];
	int k = 0;

	/* Ranges in 10.0.0.0/22 with gaps of 0 to 3 addresses. */
	for (unsigned s = 0; k < 40 && s < 1000; k++) {
		lo[k] = s;
		hi[k] = s + (unsigned)(k * 7 % 23);
		n += (size_t)snprintf(csv + n, sizeof csv - n, "10.0.%u.%u,10.0.%u.%u,%d,o%d\n",
				      lo[k] >> 8, lo[k] & 255, hi[k] >> 8, hi[k] & 255, 100 + k, k);
		s = hi[k] + 1 + (unsigned)(k % 4);
	}
	assert_int_equal(compile(x, csv, NULL), 0);
	assert_int_equal(vg_asn_open(&x->t, x->out, x->err, sizeof x->err), 0);
	for (unsigned v = 0; v < 1024; v++) {
		char text[32];
		uint32_t want = 0;
		snprintf(text, sizeof text, "10.0.%u.%u", v >> 8, v & 255);
		for (int i = 0; i < k; i++)
			if (v >= lo[i] && v <= hi[i])
				want = (uint32_t)(100 + i);
		assert_int_equal(asn_of(x, text, NULL, 0), want);
	}
}

static void test_asn_overlap_clipped(void **state)
{
	struct fx *x = *state;

	/* The shape of the one overlap in the real package. */
	assert_int_equal(compile(x,
				 "214.95.0.0,215.0.255.255,749,DoD\n"
				 "215.0.0.0,215.1.3.255,721,DoD NIC\n",
				 NULL),
			 0);
	assert_int_equal(x->rep.clipped, 1);
	assert_non_null(strstr(x->rep.first_clip, "a.csv:2: range overlaps the range of"));
	assert_non_null(strstr(x->rep.first_clip, "a.csv:1"));
	assert_int_equal(vg_asn_open(&x->t, x->out, x->err, sizeof x->err), 0);
	assert_int_equal(asn_of(x, "214.255.255.255", NULL, 0), 749);
	assert_int_equal(asn_of(x, "215.0.0.0", NULL, 0), 721);
	assert_int_equal(asn_of(x, "215.1.3.255", NULL, 0), 721);
	assert_int_equal(asn_of(x, "215.1.4.0", NULL, 0), 0);
}

/* Each bad CSV gives an error naming the file, the line and the fault. */
static void test_asn_csv_errors(void **state)
{
	struct fx *x = *state;
	static const struct {
		const char *csv, *want;
	} cases[] = {
	    {"1.0.0.0,1.0.0.255,1,a\n1.0.1.0,1.0.1.255,2\n", "a.csv:2: fewer than 4 fields"},
	    {"1.0.0.0,1.0.0.255,1,a,b\n", "a.csv:1: more than 4 fields"},
	    {"1.0.0.0,1.0.0.255,1,a\n\n", "a.csv:2: empty line"},
	    {"1.0.0.256,1.0.0.255,1,a\n", "a.csv:1: field 1 (start_ip): \"1.0.0.256\""},
	    {"1.0.0.0,x,1,a\n", "a.csv:1: field 2 (end_ip)"},
	    {"1.0.0.0,::1,1,a\n", "a.csv:1: start 1.0.0.0 and end ::1 are of different"},
	    {"1.0.0.9,1.0.0.1,1,a\n", "a.csv:1: start 1.0.0.9 is after end 1.0.0.1"},
	    {"1.0.0.0,1.0.0.1,AS1,a\n", "a.csv:1: field 3 (asn): \"AS1\""},
	    {"1.0.0.0,1.0.0.1,4294967296,a\n", "a.csv:1: field 3 (asn)"},
	    {"1.0.0.0,1.0.0.1,-1,a\n", "a.csv:1: field 3 (asn)"},
	    {"1.0.0.0,1.0.0.1,,a\n", "a.csv:1: field 3 (asn)"},
	    {"1.0.0.0,1.0.0.1,1,\"open\n", "a.csv:1: a quoted field is not closed"},
	    {"1.0.0.0,1.0.0.1,1,\"a\"b\n", "a.csv:1: text after a closing quote"},
	    {"1.0.0.0,1.0.0.1,1,a\"b\n", "a.csv:1: a quote inside an unquoted field"},
	    {"1.0.0.0,1.0.0.1,1,a\tb\n", "a.csv:1: field 4 (org): not UTF-8 text"},
	    {"1.0.0.0,1.0.0.1,1,a\xff\n", "a.csv:1: field 4 (org): not UTF-8 text"},
	    {"1.0.0.0,1.0.0.1,1,\xc3\n", "a.csv:1: field 4 (org): not UTF-8 text"},
	    {"1.0.0.0,1.0.0.255,1,a\n1.0.0.5,1.0.0.6,2,b\n", "a.csv:2: range lies within"},
	    {"1.0.0.0,1.0.0.255,1,a\n1.0.0.0,1.0.0.255,2,b\n", "range lies within"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		x->err[0] = '\0';
		if (compile(x, cases[i].csv, NULL) >= 0 || !strstr(x->err, cases[i].want))
			fail_msg("case %zu: expected an error with \"%s\", got \"%s\"", i,
				 cases[i].want, x->err);
		assert_int_not_equal(access(x->out, F_OK), 0); /* nothing written */
	}
	/* A missing file is named too; a valid UTF-8 name passes. */
	{
		const char *files[] = {"/nonexistent/asn.csv"};
		assert_true(vg_asn_compile(x->out, files, 1, "", "", NULL, x->err, sizeof x->err) <
			    0);
		assert_non_null(strstr(x->err, "/nonexistent/asn.csv"));
	}
	assert_int_equal(compile(x, "1.0.0.0,1.0.0.1,1,R. C. F. \xc2\xad TELECOM\n", NULL), 0);
	unlink(x->out);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Every truncation of a valid file and every corrupted header or record is
 * refused at open with the file's name, never read past its end. */
static void test_asn_file_corrupt(void **state)
{
	struct fx *x = *state;
	struct vg_asn *t = NULL;
	uint8_t *buf, *copy;
	size_t len;

	assert_int_equal(compile(x, edges4, edges6), 0);
	buf = read_all(x->out, &len);
	for (size_t cut = 0; cut < len; cut++) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		assert_true(vg_asn_open_mem(&t, copy, cut, "cut.vgasn", x->err, sizeof x->err) < 0);
		assert_null(t);
		assert_non_null(strstr(x->err, "cut.vgasn: "));
		free(copy);
	}
	copy = malloc(len);
	/* Bad magic. */
	memcpy(copy, buf, len);
	copy[0] = 'X';
	assert_true(vg_asn_open_mem(&t, copy, len, "m.vgasn", x->err, sizeof x->err) < 0);
	assert_non_null(strstr(x->err, "m.vgasn: not a vigil ASN range file"));
	/* Wrong count of IPv4 ranges: sizes disagree. */
	memcpy(copy, buf, len);
	copy[12]++;
	assert_true(vg_asn_open_mem(&t, copy, len, "n.vgasn", x->err, sizeof x->err) < 0);
	assert_non_null(strstr(x->err, "truncated or corrupt"));
	/* Two IPv4 ranges out of order: swap the first two start addresses. */
	memcpy(copy, buf, len);
	memcpy(copy + VG_ASN_HEADER_SIZE, buf + VG_ASN_HEADER_SIZE + 16, 4);
	assert_true(vg_asn_open_mem(&t, copy, len, "o.vgasn", x->err, sizeof x->err) < 0);
	assert_non_null(strstr(x->err, "o.vgasn: IPv4 range 0"));
	/* A name offset past the names table. */
	memcpy(copy, buf, len);
	memset(copy + VG_ASN_HEADER_SIZE + 12, 0xff, 4);
	assert_true(vg_asn_open_mem(&t, copy, len, "s.vgasn", x->err, sizeof x->err) < 0);
	assert_non_null(strstr(x->err, "name offset"));
	/* The untouched file opens. */
	memcpy(copy, buf, len);
	assert_int_equal(vg_asn_open_mem(&t, copy, len, "ok.vgasn", x->err, sizeof x->err), 0);
	vg_asn_free(t);
	free(copy);
	free(buf);
}

/* ---- confidence --------------------------------------------------------- */

static enum vg_confidence conf(const char *kind, const char *tech, const char *src, const char *dir,
			       bool verified, char *reason, size_t len)
{
	struct vg_attack a;
	int fam;

	memset(&a, 0, sizeof a);
	a.kind = kind;
	a.technique = tech;
	a.src = addr(src, &fam);
	a.family = (uint8_t)fam;
	a.direction = dir;
	a.src_verified = verified;
	return vg_attrib_confidence(&a, reason, len);
}

static void test_confidence(void **state)
{
	char r[160];

	(void)state;
	assert_int_equal(conf("scan.port", "connect", "45.33.10.2", "inbound", true, r, sizeof r),
			 VG_CONF_VERIFIED);
	assert_string_equal(r, "completed a TCP handshake");
	assert_int_equal(conf("bruteforce.ssh", NULL, "103.56.53.9", "inbound", true, r, sizeof r),
			 VG_CONF_VERIFIED);
	assert_int_equal(conf("scan.port", "syn", "45.33.10.1", "inbound", false, r, sizeof r),
			 VG_CONF_UNVERIFIED);
	assert_string_equal(r, "SYN-only probes: address may be forged");
	assert_int_equal(conf("flood.udp", NULL, "91.134.12.2", "inbound", false, r, sizeof r),
			 VG_CONF_UNVERIFIED);
	assert_non_null(strstr(r, "UDP"));
	assert_int_equal(conf("flood.icmp", NULL, "91.134.12.3", "inbound", false, r, sizeof r),
			 VG_CONF_UNVERIFIED);
	assert_non_null(strstr(r, "ICMP"));
	assert_int_equal(conf("scan.port", "udp", "2a00:1450::1", "transit", false, r, sizeof r),
			 VG_CONF_UNVERIFIED);
	/* A private source from outside is a bogon, even after a handshake. */
	assert_int_equal(conf("scan.port", "syn", "10.9.8.7", "inbound", false, r, sizeof r),
			 VG_CONF_BOGON);
	assert_string_equal(r, "private address (RFC 1918) arriving from outside");
	assert_int_equal(conf("scan.port", "connect", "192.168.7.1", "transit", true, r, sizeof r),
			 VG_CONF_BOGON);
	assert_int_equal(conf("scan.port", "syn", "fe80::1", "inbound", false, r, sizeof r),
			 VG_CONF_BOGON);
	/* The same private source inside the home network scanning out is not. */
	assert_int_equal(conf("scan.port", "syn", "10.9.8.7", "outbound", false, r, sizeof r),
			 VG_CONF_UNVERIFIED);
	assert_int_equal(conf("scan.sweep", "arp", "192.168.1.71", "outbound", false, r, sizeof r),
			 VG_CONF_UNVERIFIED);
	assert_non_null(strstr(r, "ARP"));
	/* A generated-name walk: src is the address a generated name got, or
	 * unspecified (no controller known); the terminal's lookups were
	 * answered either way. */
	assert_int_equal(
	    conf("malware.dga", "nxdomain", "194.87.10.20", "outbound", true, r, sizeof r),
	    VG_CONF_VERIFIED);
	assert_string_equal(r, "the address a home terminal's generated name resolved to");
	assert_int_equal(conf("malware.dga", "nxdomain", "0.0.0.0", "outbound", true, r, sizeof r),
			 VG_CONF_VERIFIED);
	assert_string_equal(r, "no controller known: the home terminal's own lookups, answered");
	assert_int_equal(conf("malware.dga", "nxdomain", "::", "outbound", true, r, sizeof r),
			 VG_CONF_VERIFIED);
	assert_string_equal(r, "no controller known: the home terminal's own lookups, answered");
	/* Reflection floods name the reflector. */
	assert_int_equal(conf("flood.reflection", NULL, "8.8.8.8", "inbound", false, r, sizeof r),
			 VG_CONF_REFLECTOR);
	assert_non_null(strstr(r, "reflector in a reflection flood"));
	assert_string_equal(vg_confidence_name(VG_CONF_VERIFIED), "verified");
	assert_string_equal(vg_confidence_name(VG_CONF_UNVERIFIED), "unverified");
	assert_string_equal(vg_confidence_name(VG_CONF_BOGON), "bogon");
	assert_string_equal(vg_confidence_name(VG_CONF_REFLECTOR), "reflector");
}

/* ---- the cache, through vg_attrib with only an ASN file -------------------- */

static void test_attrib_cache(void **state)
{
	struct fx *x = *state;
	struct vg_attrib_config cfg;
	struct vg_attrib *at;
	const struct vg_geo *g;
	int fam;
	struct vg_addr a = {{0}};
	char warn[1024];

	assert_int_equal(compile(x, edges4, NULL), 0);
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.asn_db, sizeof cfg.asn_db, "%s", x->out);
	assert_int_equal(vg_attrib_new(&at, &cfg, NULL, 42), 0);
	assert_null(vg_attrib_lookup(at, &a, 4)); /* nothing loaded yet */
	assert_int_equal(vg_attrib_load(at, warn, sizeof warn), 0);
	a = addr("1.0.4.9", &fam);
	for (int i = 0; i < 3; i++) {
		g = vg_attrib_lookup(at, &a, fam);
		assert_non_null(g);
		assert_int_equal(g->asn, 38803);
		assert_string_equal(g->as_org, "Gtelecom Pty Ltd");
		assert_string_equal(g->country, "");
	}
	assert_int_equal(vg_attrib_cache_misses(at), 1);
	assert_int_equal(vg_attrib_cache_hits(at), 2);
	/* Not found is cached too. */
	a = addr("1.0.1.1", &fam);
	assert_int_equal(vg_attrib_lookup(at, &a, fam)->asn, 0);
	assert_int_equal(vg_attrib_lookup(at, &a, fam)->asn, 0);
	assert_int_equal(vg_attrib_cache_misses(at), 2);
	vg_attrib_free(at);

	/* A missing file: one warning naming it, then lookups answer NULL. */
	snprintf(cfg.asn_db, sizeof cfg.asn_db, "%s/none.vgasn", x->dir);
	assert_int_equal(vg_attrib_new(&at, &cfg, NULL, 42), 0);
	assert_int_equal(vg_attrib_load(at, warn, sizeof warn), 1);
	assert_non_null(strstr(warn, "none.vgasn: No such file or directory"));
	assert_non_null(strstr(warn, "make deps"));
	assert_string_equal(vg_attrib_take_warning(at), warn);
	assert_null(vg_attrib_take_warning(at));
	assert_int_equal(vg_attrib_load(at, warn, sizeof warn), 0);
	assert_false(vg_attrib_has_geo(at));
	assert_null(vg_attrib_lookup(at, &a, fam));
	vg_attrib_free(at);
	unlink(x->out);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bogon_ipv4_edges),
	    cmocka_unit_test(test_bogon_ipv6),
	    T(test_asn_edges),
	    T(test_asn_exhaustive),
	    T(test_asn_overlap_clipped),
	    T(test_asn_csv_errors),
	    T(test_asn_file_corrupt),
	    cmocka_unit_test(test_confidence),
	    T(test_attrib_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
