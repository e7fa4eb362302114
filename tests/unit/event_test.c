/*
 * event_test.c - unit tests of the event stage (src/event/): the EVE JSON
 * lines writer and its formatting helpers.
 *
 * Flows come from a real flow table fed with hand-built vg_packet values
 * (as in flow_test.c); the table's on_end hook hands them to vg_writer_eve,
 * which writes into a temporary file. Lines are checked as exact text where
 * docs/EVENTS.md shows the form, with strstr for single fields, and through
 * `jq` (if installed) for JSON validity and the presence or absence of keys.
 * Addresses follow tests/data/README.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/settings.h"
#include "common/vg.h"
#include "decode/decode.h"
#include "event/event.h"
#include "flow/flow.h"
#include "packets.h"

static struct vg_packet tcp4(struct vg_addr src, struct vg_addr dst, uint16_t sport, uint16_t dport,
			     uint8_t flags, uint64_t ts, uint32_t caplen)
{
	struct vg_packet p = ip_pkt(4, VG_IPPROTO_TCP, src, dst, ts, caplen);

	p.flags |= VG_PKT_PORTS;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	return p;
}

static struct vg_packet udp(uint8_t family, struct vg_addr src, struct vg_addr dst, uint16_t sport,
			    uint16_t dport, uint64_t ts, uint32_t caplen)
{
	struct vg_packet p = ip_pkt(family, VG_IPPROTO_UDP, src, dst, ts, caplen);

	p.flags |= VG_PKT_PORTS;
	p.sport = sport;
	p.dport = dport;
	return p;
}

/* ICMP as decode/icmp.c leaves it: echo-like messages carry the identifier
 * in both ports, others (type, code); no VG_PKT_PORTS. */
static struct vg_packet icmp(uint8_t family, struct vg_addr src, struct vg_addr dst, uint8_t type,
			     uint8_t code, uint16_t id, uint64_t ts, uint32_t caplen)
{
	struct vg_packet p =
	    ip_pkt(family, family == 4 ? VG_IPPROTO_ICMP : VG_IPPROTO_ICMPV6, src, dst, ts, caplen);
	bool echo = family == 4 ? (type == 0 || type == 8) : (type == 128 || type == 129);

	p.icmp_type = type;
	p.icmp_code = code;
	p.sport = echo ? id : type;
	p.dport = echo ? id : code;
	return p;
}

/* ---- fixture: a flow table whose ended flows go to an EVE writer -------- */

#define MAX_FLOWS 64

struct fx {
	char dir[64], path[128];
	struct vg_flow_table *t;
	struct vg_writer *w;
	struct vg_flow ended[MAX_FLOWS]; /* copies, in the order they ended */
	enum vg_flow_end why[MAX_FLOWS];
	unsigned nended;
	char *text;             /* the file, after close */
	unsigned char *scratch; /* a test's own buffer, freed by teardown */
	size_t len;
	char err[512];
};

static void on_end(void *arg, const struct vg_flow *f, enum vg_flow_end why)
{
	struct fx *x = arg;

	if (x->nended < MAX_FLOWS) {
		x->ended[x->nended] = *f;
		x->why[x->nended] = why;
	}
	x->nended++;
	vg_writer_eve.flow(x->w, f, why, NULL);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	const char *tmp = getenv("TMPDIR");

	if (!x)
		return -1;
	snprintf(x->dir, sizeof x->dir, "%s/vg_event_test_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir)) {
		snprintf(x->dir, sizeof x->dir, "/tmp/vg_event_test_XXXXXX");
		if (!mkdtemp(x->dir)) {
			free(x);
			return -1;
		}
	}
	snprintf(x->path, sizeof x->path, "%s/eve.json", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char err[256];

	if (x->w)
		vg_writer_eve.close(x->w, err, sizeof err);
	vg_flow_table_free(x->t);
	free(x->text);
	free(x->scratch);
	unlink(x->path);
	rmdir(x->dir);
	free(x);
	return 0;
}

/* Opens the writer on path (x->path if NULL) and a table with the default
 * settings and a fixed seed. */
static void fx_open_path(struct fx *x, const char *path)
{
	struct vg_settings s;

	vg_settings_default(&s);
	s.flow.hash_seed = SEED;
	assert_int_equal(
	    vg_writer_eve.open(&x->w, path ? path : x->path, false, x->err, sizeof x->err), 0);
	assert_non_null(x->w);
	assert_int_equal(vg_flow_table_new(&x->t, &s.flow, on_end, x), 0);
}

static void fx_open(struct fx *x)
{
	fx_open_path(x, NULL);
}

static void feed(struct fx *x, struct vg_packet *p, unsigned n)
{
	struct vg_flow *fl[64];

	for (unsigned i = 0; i < n; i += 64)
		vg_flow_update_batch(x->t, p + i, n - i < 64 ? n - i : 64, fl);
}

static void feed1(struct fx *x, struct vg_packet p)
{
	feed(x, &p, 1);
}

/* Ends every flow (shutdown), closes the writer and reads the file. */
static void fx_finish(struct fx *x)
{
	FILE *fp;
	long size;

	vg_flow_table_flush(x->t);
	assert_int_equal(vg_writer_eve.close(x->w, x->err, sizeof x->err), 0);
	x->w = NULL;
	fp = fopen(x->path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	x->text = malloc((size_t)size + 1);
	assert_non_null(x->text);
	x->len = fread(x->text, 1, (size_t)size, fp);
	x->text[x->len] = '\0';
	fclose(fp);
	assert_int_equal(x->len, (size_t)size);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Copies line i (0-based, without its newline) into buf. */
static const char *line_at(const struct fx *x, unsigned i, char *buf, size_t len)
{
	const char *s = x->text, *e;

	while (i-- && s)
		s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL;
	assert_non_null(s);
	e = strchr(s, '\n');
	assert_non_null(e);
	assert_true((size_t)(e - s) < len);
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return buf;
}

/* The line of the flow whose copy is x->ended[k]: flows are written in the
 * order they end, one line each. */
static const char *flow_line(const struct fx *x, unsigned k, char *buf, size_t len)
{
	return line_at(x, k, buf, len);
}

static bool has(const char *line, const char *needle)
{
	return strstr(line, needle) != NULL;
}

static bool have_jq(void)
{
	return system("command -v jq >/dev/null 2>&1") == 0;
}

/* Runs `jq -c FILTER PATH` and returns its output (malloc'ed, lines) or NULL
 * if jq failed (invalid JSON). */
static char *jq(const char *opts, const char *filter, const char *path)
{
	char cmd[512], *out = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];
	FILE *p;

	snprintf(cmd, sizeof cmd, "jq -c %s '%s' '%s' 2>/dev/null", opts, filter, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		memcpy(out + len, chunk, n);
		len += n;
	}
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	if (!out)
		out = calloc(1, 1);
	else
		out[len] = '\0';
	return out;
}

/* jq FILTER over the file must succeed and print exactly `want`. */
static void jq_expect(const struct fx *x, const char *opts, const char *filter, const char *want)
{
	char *got = jq(opts, filter, x->path);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		print_error("jq '%s':\n got: %s\nwant: %s\n", filter, got, want);
	assert_string_equal(got, want);
	free(got);
}

/* ---- formatting helpers -------------------------------------------------- */

static void test_format_time(void **state)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} cases[] = {
	    {1700000000124993000ull, "2023-11-14T22:13:20.124993+0000"},
	    /* nanoseconds are truncated, not rounded */
	    {1700000000124993999ull, "2023-11-14T22:13:20.124993+0000"},
	    {1700000000000000999ull, "2023-11-14T22:13:20.000000+0000"},
	    {0, "1970-01-01T00:00:00.000000+0000"},
	    {1, "1970-01-01T00:00:00.000000+0000"},
	    {999999999ull, "1970-01-01T00:00:00.999999+0000"},
	    {951782400ull * NS, "2000-02-29T00:00:00.000000+0000"},
	    /* the signed 32-bit time_t limit and one second past it */
	    {2147483647ull * NS, "2038-01-19T03:14:07.000000+0000"},
	    {2147483648ull * NS + 500 * US, "2038-01-19T03:14:08.000500+0000"},
	    /* the unsigned 32-bit limit (2106) and past it */
	    {4294967295ull * NS, "2106-02-07T06:28:15.000000+0000"},
	    {4294967296ull * NS + 1000, "2106-02-07T06:28:16.000001+0000"},
	    /* the largest time a uint64_t of nanoseconds holds */
	    {UINT64_MAX, "2554-07-21T23:34:33.709551+0000"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		size_t n = vg_format_time(buf, sizeof buf, cases[i].ns);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(n, strlen(cases[i].text));
	}
	/* A short buffer is cut and terminated; the length is the full one. */
	memset(buf, 'x', sizeof buf);
	assert_int_equal(vg_format_time(buf, 11, 1700000000124993000ull), 31);
	assert_string_equal(buf, "2023-11-14");
	assert_int_equal(buf[11], 'x');
}

static void test_format_addr(void **state)
{
	static const struct {
		struct vg_addr a;
		int family;
		const char *text;
	} cases[] = {
	    {{{192, 0, 2, 10}}, 4, "192.0.2.10"},
	    {{{0, 0, 0, 0}}, 4, "0.0.0.0"},
	    {{{255, 255, 255, 255}}, 4, "255.255.255.255"},
	    /* IPv6 as Suricata's EVE writes it: no compression, 4 digits a group */
	    {{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}},
	     6,
	     "2001:0db8:0001:0000:0000:0000:0000:0010"},
	    {{{0}}, 6, "0000:0000:0000:0000:0000:0000:0000:0000"},
	    {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
	     6,
	     "0000:0000:0000:0000:0000:0000:0000:0001"},
	    {{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x0c, 0x29, 0xff, 0xfe, 0xf3, 0xcf, 0x38}},
	     6,
	     "fe80:0000:0000:0000:020c:29ff:fef3:cf38"},
	    {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 10}},
	     6,
	     "0000:0000:0000:0000:0000:ffff:c000:020a"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		vg_format_addr(buf, sizeof buf, &cases[i].a, cases[i].family);
		assert_string_equal(buf, cases[i].text);
	}
	/* Too small a buffer: a placeholder, never a cut address. */
	vg_format_addr(buf, 8, &cases[3].a, 6);
	assert_string_equal(buf, "?");
}

static void test_proto_names(void **state)
{
	static const struct {
		uint8_t proto;
		const char *name;
	} cases[] = {
	    {6, "TCP"},  {17, "UDP"}, {1, "ICMP"},  {58, "IPv6-ICMP"}, {132, "SCTP"}, {47, "GRE"},
	    {50, "ESP"}, {51, "AH"},  {103, "103"}, {0, "0"},          {255, "255"},
	};
	char buf[8];

	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++)
		assert_string_equal(vg_proto_name(cases[i].proto, buf, sizeof buf), cases[i].name);
}

static void test_writer_table(void **state)
{
	(void)state;
	assert_ptr_equal(vg_writer_find("eve"), &vg_writer_eve);
	assert_null(vg_writer_find("EVE"));
	assert_null(vg_writer_find("csv"));
	assert_null(vg_writer_find(""));
	assert_ptr_equal(vg_writers[0], &vg_writer_eve);
	assert_string_equal(vg_writer_eve.name, "eve");
}

/* ---- flow events ---------------------------------------------------------- */

/* The HTTP connection of docs/EVENTS.md's first example, rebuilt packet by
 * packet: 7 packets (560 bytes) client -> server, 5 (494 bytes) back. The
 * line must be the documented one, flow_id aside. */
static void test_eve_tcp_flow_as_documented(void **state)
{
	struct fx *x = *state;
	const uint64_t t = T0 + 124993 * US;
	struct vg_packet p[] = {
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, t, 74),
	    tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_SYN | VG_TH_ACK, t + 10 * MS, 74),
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, t + 20 * MS, 66),
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_PSH | VG_TH_ACK, t + 30 * MS, 156),
	    tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_ACK, t + 40 * MS, 66),
	    tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_PSH | VG_TH_ACK, t + 50 * MS, 222),
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, t + 60 * MS, 66),
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, t + 70 * MS, 66),
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_FIN | VG_TH_ACK, t + 80 * MS, 66),
	    tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_FIN | VG_TH_ACK, t + 90 * MS, 66),
	    tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_ACK, t + 95 * MS, 66),
	    tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, T0 + 314536 * US, 66),
	};
	char want[2048], got[4096];

	fx_open(x);
	feed(x, p, VG_ARRAY_LEN(p));
	fx_finish(x);
	assert_int_equal(x->nended, 1);
	assert_int_equal(count_lines(x->text), 1);
	snprintf(want, sizeof want,
		 "{\"timestamp\":\"2023-11-14T22:13:20.124993+0000\",\"flow_id\":%llu,"
		 "\"event_type\":\"flow\",\"src_ip\":\"192.0.2.10\",\"src_port\":51000,"
		 "\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"proto\":\"TCP\","
		 "\"flow\":{\"pkts_toserver\":7,\"pkts_toclient\":5,\"bytes_toserver\":560,"
		 "\"bytes_toclient\":494,\"start\":\"2023-11-14T22:13:20.124993+0000\","
		 "\"end\":\"2023-11-14T22:13:20.314536+0000\",\"age\":0,\"state\":\"closed\","
		 "\"reason\":\"shutdown\",\"alerted\":false},"
		 "\"tcp\":{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\","
		 "\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"}}",
		 (unsigned long long)vg_flow_id(&x->ended[0]));
	assert_string_equal(flow_line(x, 0, got, sizeof got), want);
	assert_true(vg_flow_id(&x->ended[0]) < (1ull << 51));
}

/* src is the client (sender of the first packet) whichever side of the
 * flow key it sits on. */
static void test_eve_src_is_client(void **state)
{
	struct fx *x = *state;
	char l0[4096], l1[4096];

	fx_open(x);
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0, 74));
	feed1(x, udp(4, DNS4, CLIENT4, 53, 40000, T0 + MS, 90));
	feed1(x, udp(4, DNS4, CLIENT4, 5353, 40001, T0 + 2 * MS, 80));
	feed1(x, udp(4, CLIENT4, DNS4, 40001, 5353, T0 + 3 * MS, 70));
	fx_finish(x);
	assert_int_equal(x->nended, 2);
	/* the two flows have their clients on opposite sides of the key */
	assert_true(vg_flow_toserver_is_lo(&x->ended[0]) != vg_flow_toserver_is_lo(&x->ended[1]));
	for (unsigned k = 0; k < 2; k++) {
		const char *l = flow_line(x, k, k ? l1 : l0, sizeof l0);
		if (x->ended[k].first_ns == T0) {
			assert_true(has(l, "\"src_ip\":\"192.0.2.10\",\"src_port\":40000,"
					   "\"dest_ip\":\"198.51.100.53\",\"dest_port\":53,"
					   "\"proto\":\"UDP\""));
			assert_true(has(l, "\"pkts_toserver\":1,\"pkts_toclient\":1,"
					   "\"bytes_toserver\":74,\"bytes_toclient\":90"));
		} else {
			assert_true(has(l, "\"src_ip\":\"198.51.100.53\",\"src_port\":5353,"
					   "\"dest_ip\":\"192.0.2.10\",\"dest_port\":40001,"
					   "\"proto\":\"UDP\""));
			assert_true(has(l, "\"pkts_toserver\":1,\"pkts_toclient\":1,"
					   "\"bytes_toserver\":80,\"bytes_toclient\":70"));
		}
		assert_true(has(l, "\"state\":\"established\""));
		assert_false(has(l, "\"tcp\""));
		assert_false(has(l, "icmp_type"));
		assert_false(has(l, "\"vlan\""));
	}
}

static void test_eve_icmp(void **state)
{
	struct fx *x = *state;
	char line[4096], want[1024];
	unsigned seen = 0;

	fx_open(x);
	feed1(x, icmp(4, CLIENT4, SERVER4, 8, 0, 0x1234, T0, 98));
	feed1(x, icmp(4, SERVER4, CLIENT4, 0, 0, 0x1234, T0 + MS, 98));
	feed1(x, icmp(4, ROUTER4, CLIENT4, 3, 3, 0, T0 + 2 * MS, 70));
	feed1(x, icmp(6, CLIENT6, SERVER6, 128, 0, 7, T0 + 3 * MS, 118));
	fx_finish(x);
	assert_int_equal(x->nended, 3);
	for (unsigned k = 0; k < x->nended; k++) {
		const struct vg_flow *f = &x->ended[k];
		const char *l = flow_line(x, k, line, sizeof line);

		assert_false(has(l, "src_port"));
		assert_false(has(l, "dest_port"));
		assert_false(has(l, "\"tcp\""));
		if (f->proto == VG_IPPROTO_ICMP && f->icmp_type == 8) {
			snprintf(
			    want, sizeof want,
			    "\"event_type\":\"flow\",\"src_ip\":\"192.0.2.10\","
			    "\"dest_ip\":\"198.51.100.20\",\"proto\":\"ICMP\",\"icmp_type\":8,"
			    "\"icmp_code\":0,\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":1,"
			    "\"bytes_toserver\":98,\"bytes_toclient\":98,");
			assert_true(has(l, want));
			assert_true(has(l, "\"state\":\"established\""));
			seen |= 1;
		} else if (f->proto == VG_IPPROTO_ICMP) {
			assert_true(has(l, "\"src_ip\":\"203.0.113.1\",\"dest_ip\":\"192.0.2.10\","
					   "\"proto\":\"ICMP\",\"icmp_type\":3,\"icmp_code\":3,"));
			assert_true(has(l, "\"state\":\"new\""));
			seen |= 2;
		} else {
			assert_true(
			    has(l, "\"src_ip\":\"2001:0db8:0001:0000:0000:0000:0000:0010\",\"dest_"
				   "ip\":\"2001:0db8:0002:0000:0000:0000:0000:0020\","
				   "\"proto\":\"IPv6-ICMP\",\"icmp_type\":128,\"icmp_code\":0,"));
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
}

static void test_eve_ipv6_udp(void **state)
{
	struct fx *x = *state;
	char line[4096];
	struct vg_addr ll = a6(0xfe80, 0, 0, 1), mapped = {{0}};

	mapped.b[10] = mapped.b[11] = 0xff;
	memcpy(mapped.b + 12, CLIENT4.b, 4);
	fx_open(x);
	feed1(x, udp(6, CLIENT6, SERVER6, 42000, 53, T0, 86));
	fx_finish(x);
	flow_line(x, 0, line, sizeof line);
	assert_true(has(line,
			"\"src_ip\":\"2001:0db8:0001:0000:0000:0000:0000:0010\",\"src_port\":42000,"
			"\"dest_ip\":\"2001:0db8:0002:0000:0000:0000:0000:0020\",\"dest_port\":53,"
			"\"proto\":\"UDP\""));
	free(x->text);
	x->text = NULL;
	vg_flow_table_free(x->t);
	x->t = NULL;
	x->nended = 0;

	fx_open(x);
	feed1(x, udp(6, ll, mapped, 546, 547, T0, 86));
	fx_finish(x);
	flow_line(x, 0, line, sizeof line);
	assert_true(
	    has(line, "\"src_ip\":\"fe80:0000:0000:0000:0000:0000:0000:0001\",\"src_port\":546,"
		      "\"dest_ip\":\"0000:0000:0000:0000:0000:ffff:c000:020a\",\"dest_port\":547"));
}

static void test_eve_vlan(void **state)
{
	struct fx *x = *state;
	static const uint16_t tags[][2] = {{0, 0}, {100, 0}, {300, 100}, {4095, 1}};
	char line[4096];
	unsigned seen = 0;

	fx_open(x);
	for (unsigned i = 0; i < VG_ARRAY_LEN(tags); i++) {
		struct vg_packet p = udp(4, CLIENT4, DNS4, 40000, 53, T0 + i, 60);
		p.vlan[0] = tags[i][0];
		p.vlan[1] = tags[i][1];
		p.vlan_depth = (uint8_t)((tags[i][0] != 0) + (tags[i][1] != 0));
		feed1(x, p);
	}
	fx_finish(x);
	assert_int_equal(x->nended, VG_ARRAY_LEN(tags));
	for (unsigned k = 0; k < x->nended; k++) {
		const char *l = flow_line(x, k, line, sizeof line);
		unsigned i = (unsigned)(x->ended[k].first_ns - T0);

		switch (i) {
		case 0: assert_false(has(l, "vlan")); break;
		case 1:
			assert_true(has(l, "\"event_type\":\"flow\",\"vlan\":[100],\"src_ip\""));
			break;
		case 2:
			assert_true(
			    has(l, "\"event_type\":\"flow\",\"vlan\":[300,100],\"src_ip\""));
			break;
		case 3:
			assert_true(has(l, "\"event_type\":\"flow\",\"vlan\":[4095,1],\"src_ip\""));
			break;
		default: fail();
		}
		seen |= 1u << i;
	}
	assert_int_equal(seen, 15);
}

static void test_eve_other_protocols(void **state)
{
	struct fx *x = *state;
	char line[4096];
	unsigned seen = 0;

	fx_open(x);
	/* IP-in-IP and IPv6-in-IP outer packets are flows; GRE and PIM
	 * (103) have none, as in Suricata. */
	feed1(x, ip_pkt(4, 4, CLIENT4, SERVER4, T0, 100));
	feed1(x, ip_pkt(4, 41, CLIENT4, SERVER4, T0 + 1, 100));
	feed1(x, ip_pkt(4, 47, CLIENT4, SERVER4, T0 + 2, 100));
	feed1(x, ip_pkt(4, 103, CLIENT4, SERVER4, T0 + 3, 100));
	fx_finish(x);
	assert_int_equal(x->nended, 2);
	for (unsigned k = 0; k < 2; k++) {
		const char *l = flow_line(x, k, line, sizeof line);
		assert_false(has(l, "port"));
		assert_false(has(l, "icmp"));
		assert_false(has(l, "\"tcp\""));
		if (x->ended[k].proto == 4) {
			assert_true(
			    has(l, "\"dest_ip\":\"198.51.100.20\",\"proto\":\"4\",\"flow\""));
			seen |= 1;
		} else {
			assert_true(has(l, "\"proto\":\"41\",\"flow\""));
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
}

static void test_eve_tcp_flags(void **state)
{
	struct fx *x = *state;
	char line[4096];

	fx_open(x);
	/* client: SYN with ECE|CWR (ECN setup); server: RST|ACK; then URG from the client. */
	feed1(x, tcp4(CLIENT4, SERVER4, 51001, 8080, VG_TH_SYN | VG_TH_ECE | VG_TH_CWR, T0, 74));
	feed1(x, tcp4(SERVER4, CLIENT4, 8080, 51001, VG_TH_RST | VG_TH_ACK, T0 + MS, 60));
	feed1(x, tcp4(CLIENT4, SERVER4, 51001, 8080, VG_TH_URG | VG_TH_ACK, T0 + 2 * MS, 60));
	fx_finish(x);
	flow_line(x, 0, line, sizeof line);
	assert_true(has(line, ",\"tcp\":{\"tcp_flags\":\"f6\",\"tcp_flags_ts\":\"f2\","
			      "\"tcp_flags_tc\":\"14\",\"syn\":true,\"rst\":true,\"ack\":true,"
			      "\"urg\":true,\"ecn\":true,\"cwr\":true,\"state\":\"closed\"}}"));
	assert_false(has(line, "\"fin\""));
	assert_false(has(line, "\"psh\""));
	assert_true(has(line, "\"state\":\"closed\",\"reason\":\"shutdown\""));

	/* A lone SYN: state new, tcp state syn_sent, flags 02 / 00. */
	free(x->text);
	x->text = NULL;
	vg_flow_table_free(x->t);
	x->t = NULL;
	x->nended = 0;
	fx_open(x);
	feed1(x, tcp4(CLIENT4, SERVER4, 51002, 22, VG_TH_SYN, T0, 74));
	fx_finish(x);
	flow_line(x, 0, line, sizeof line);
	assert_true(has(line, "\"state\":\"new\",\"reason\":\"shutdown\""));
	assert_true(has(line, ",\"tcp\":{\"tcp_flags\":\"02\",\"tcp_flags_ts\":\"02\","
			      "\"tcp_flags_tc\":\"00\",\"syn\":true,\"state\":\"syn_sent\"}}"));
}

/* timestamp = start = first packet, end = last packet, age as Suricata
 * counts it: whole seconds of the end minus whole seconds of the start
 * (5.999999 s from x.999999 to (x+6).999998: age 6);
 * the writer's per-second cache must not leak one flow's date into another. */
static void test_eve_times(void **state)
{
	struct fx *x = *state;
	char line[4096];
	const uint64_t late = 4294967296ull * NS; /* 2106-02-07T06:28:16 */

	fx_open(x);
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0 + 999999 * US, 60));
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0 + 6 * NS + 999998 * US, 60));
	fx_finish(x);
	flow_line(x, 0, line, sizeof line);
	assert_true(has(line, "{\"timestamp\":\"2023-11-14T22:13:20.999999+0000\","));
	assert_true(has(line, "\"start\":\"2023-11-14T22:13:20.999999+0000\","
			      "\"end\":\"2023-11-14T22:13:26.999998+0000\",\"age\":6,"));
	free(x->text);
	x->text = NULL;
	vg_flow_table_free(x->t);
	x->t = NULL;
	x->nended = 0;

	/* Three flows with starts and ends in alternating seconds, after 2106. */
	fx_open(x);
	feed1(x, udp(4, CLIENT4, DNS4, 1, 53, late + 1 * NS, 60));
	feed1(x, udp(4, CLIENT4, DNS4, 2, 53, late + 2 * NS + 5 * US, 60));
	feed1(x, udp(4, CLIENT4, DNS4, 1, 53, late + 3 * NS + 7 * US, 60));
	feed1(x, udp(4, CLIENT4, DNS4, 3, 53, late + 1 * NS + 9 * US, 60));
	fx_finish(x);
	assert_int_equal(x->nended, 3);
	for (unsigned k = 0; k < 3; k++) {
		char ts[64], want[256];
		const struct vg_flow *f = &x->ended[k];
		flow_line(x, k, line, sizeof line);
		vg_format_time(ts, sizeof ts, f->first_ns);
		snprintf(want, sizeof want, "{\"timestamp\":\"%s\",", ts);
		assert_true(has(line, want));
		snprintf(want, sizeof want, "\"start\":\"%s\",", ts);
		assert_true(has(line, want));
		vg_format_time(ts, sizeof ts, f->last_ns);
		snprintf(want, sizeof want, "\"end\":\"%s\",\"age\":%llu,", ts,
			 (unsigned long long)((f->last_ns - f->first_ns) / NS));
		assert_true(has(line, want));
		assert_true(has(line, "2106-02-07T06:28:1"));
	}
	assert_true(has(x->text, "\"start\":\"2106-02-07T06:28:17.000000+0000\","
				 "\"end\":\"2106-02-07T06:28:19.000007+0000\",\"age\":2,"));
	assert_true(has(x->text, "\"start\":\"2106-02-07T06:28:18.000005+0000\","
				 "\"end\":\"2106-02-07T06:28:18.000005+0000\",\"age\":0,"));
	assert_true(has(x->text, "\"start\":\"2106-02-07T06:28:17.000009+0000\","));
}

/* Every reason and its flow event: timeout (idle, and port reuse), forced
 * (eviction from a full table), shutdown. */
static void test_eve_reasons(void **state)
{
	struct fx *x = *state;
	struct vg_settings s;
	char line[4096];
	unsigned reasons[3] = {0};

	vg_settings_default(&s);
	s.flow.hash_seed = SEED;
	s.flow.memcap = 2048; /* 20 flows */
	assert_int_equal(vg_writer_eve.open(&x->w, x->path, false, x->err, sizeof x->err), 0);
	assert_int_equal(vg_flow_table_new(&x->t, &s.flow, on_end, x), 0);
	/* timeout by the next packet of the key */
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0, 60));
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0 + 31 * NS, 60));
	/* port reuse */
	feed1(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0 + 32 * NS, 74));
	feed1(x, tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_RST | VG_TH_ACK, T0 + 32 * NS + 1, 60));
	feed1(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0 + 33 * NS, 74));
	/* eviction: 30 more flows into a 20-flow table */
	for (unsigned i = 0; i < 30; i++)
		feed1(x, udp(4, a4(10, 0, 0, (uint8_t)i), DNS4, 1000, 53, T0 + 34 * NS + i, 60));
	fx_finish(x);
	assert_int_equal(count_lines(x->text), x->nended);
	assert_true(x->nended <= MAX_FLOWS);
	for (unsigned k = 0; k < x->nended; k++) {
		char want[64];
		flow_line(x, k, line, sizeof line);
		snprintf(want, sizeof want, "\"reason\":\"%s\"", vg_flow_end_name(x->why[k]));
		assert_true(has(line, want));
		reasons[x->why[k]]++;
	}
	assert_int_equal(reasons[VG_FLOW_END_TIMEOUT], 2);
	assert_true(reasons[VG_FLOW_END_FORCED] >= 10);
	assert_true(reasons[VG_FLOW_END_SHUTDOWN] > 0);
	assert_true(has(x->text, "\"reason\":\"timeout\""));
	assert_true(has(x->text, "\"reason\":\"forced\""));
	assert_true(has(x->text, "\"reason\":\"shutdown\""));
	/* The reused connection's first flow: closed by the RST, ended by reuse. */
	assert_true(has(x->text, "\"state\":\"closed\",\"reason\":\"timeout\""));
}

/* The stats event: counters as given, "invalid" only the fatal anomalies,
 * anomalies only the ones that occurred, every flow counter by name. */
static void test_eve_stats(void **state)
{
	struct fx *x = *state;
	struct vg_decode_stats d;
	struct vg_flow_stats fs;
	struct vg_run_stats rs;
	char line[4096], want[256];

	memset(&d, 0, sizeof d);
	memset(&fs, 0, sizeof fs);
	memset(&rs, 0, sizeof rs);
	d.packets = 19;
	d.bytes_captured = 1108;
	d.ipv4 = 11, d.ipv6 = 1, d.tcp = 2, d.udp = 2, d.icmp = 1, d.icmpv6 = 4, d.arp = 3;
	d.anomalies[VG_ANOM_ETH_TRUNCATED] = 1;      /* fatal */
	d.anomalies[VG_ANOM_IPV4_BAD_TOTAL_LEN] = 2; /* fatal */
	d.anomalies[VG_ANOM_IPV4_BAD_OPTIONS] = 5;   /* not fatal */
	d.anomalies[VG_ANOM_TCP_SPLIT_HEADER] = 7;   /* not fatal */
	fs.created = 3, fs.created_tcp = 1, fs.created_udp = 1, fs.created_icmpv4 = 1;
	fs.ended_shutdown = 3, fs.no_flow = 1, fs.active_max = 3, fs.tcp_reuse = 9;
	rs.first_ns = T0 + 124993 * US;
	rs.last_ns = T0 + 9000 * NS + 407826 * US;
	rs.decode = &d;
	rs.flow = &fs;
	rs.flow_capacity = 1342177;
	rs.flow_bytes_per_flow = 100;

	assert_int_equal(vg_writer_eve.open(&x->w, x->path, false, x->err, sizeof x->err), 0);
	vg_writer_eve.stats(x->w, &rs);
	assert_int_equal(vg_writer_eve.close(x->w, x->err, sizeof x->err), 0);
	x->w = NULL;
	{
		FILE *fp = fopen(x->path, "r");
		assert_non_null(fp);
		assert_non_null(fgets(line, sizeof line, fp));
		fclose(fp);
	}
	assert_true(has(line, "{\"timestamp\":\"2023-11-15T00:43:20.407826+0000\","
			      "\"event_type\":\"stats\",\"stats\":{\"uptime\":9000,"));
	assert_true(has(line,
			"\"decoder\":{\"pkts\":19,\"bytes\":1108,\"invalid\":3,\"ipv4\":11,"
			"\"ipv6\":1,\"tcp\":2,\"udp\":2,\"icmpv4\":1,\"icmpv6\":4,\"arp\":3}"));
	assert_true(has(line, "\"flow\":{\"total\":3,\"tcp\":1,\"udp\":1,\"icmpv4\":1,"
			      "\"icmpv6\":0,\"tcp_reuse\":9,\"active\":0}"));
	assert_true(has(line, "\"vigil\":{\"anomalies\":{\"decode.eth.truncated\":1,"
			      "\"decode.ipv4.bad_total_len\":2,\"decode.ipv4.bad_options\":5,"
			      "\"decode.tcp.split_header\":7},\"counters\":{"));
	for (size_t i = 0; i < vg_flow_ncounters; i++) {
		snprintf(want, sizeof want, "\"%s\":%llu", vg_flow_counters[i].name,
			 (unsigned long long)vg_counter_get(&fs, &vg_flow_counters[i]));
		assert_true(has(line, want));
	}
	assert_true(has(line, "\"flow.tcp_reuse\":9"));
	assert_true(has(line, "\"flow.evicted.cap\":0"));
	assert_true(has(line, "},\"flow_capacity\":1342177,\"flow_bytes_per_flow\":100}}}\n"));
	if (have_jq()) {
		char *out = jq("", ".stats.vigil.counters | length", x->path);
		assert_non_null(out);
		snprintf(want, sizeof want, "%zu\n", vg_flow_ncounters);
		assert_string_equal(out, want);
		free(out);
	}
}

/* Every line is one valid JSON object, and each key is present exactly
 * where the protocol has it (checked with jq when it is installed). */
static void test_eve_json_valid_and_keys(void **state)
{
	struct fx *x = *state;
	struct vg_run_stats rs;
	struct vg_decode_stats d;

	if (!have_jq())
		skip();
	fx_open(x);
	feed1(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0, 74));
	feed1(x, tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_SYN | VG_TH_ACK, T0 + 1, 74));
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0 + 2, 74));
	feed1(x, udp(6, CLIENT6, SERVER6, 40000, 53, T0 + 3, 94));
	feed1(x, icmp(4, CLIENT4, SERVER4, 8, 0, 1, T0 + 4, 98));
	feed1(x, icmp(6, CLIENT6, SERVER6, 128, 0, 1, T0 + 5, 118));
	feed1(x, ip_pkt(4, 4, CLIENT4, SERVER4, T0 + 6, 100));
	{
		struct vg_packet p = udp(4, CLIENT4, DNS4, 40000, 53, T0 + 7, 74);
		p.vlan[0] = 300, p.vlan[1] = 100;
		feed1(x, p);
	}
	vg_flow_table_flush(x->t);
	memset(&d, 0, sizeof d);
	memset(&rs, 0, sizeof rs);
	rs.first_ns = T0;
	rs.last_ns = T0 + 7;
	rs.decode = &d;
	rs.flow = vg_flow_table_stats(x->t);
	rs.flow_capacity = vg_flow_table_capacity(x->t);
	rs.flow_bytes_per_flow = vg_flow_bytes_per_flow(x->t);
	vg_writer_eve.stats(x->w, &rs);
	fx_finish(x);
	assert_int_equal(count_lines(x->text), 8); /* 7 flows and the stats event */

	/* jq reads 8 objects: the file is valid JSON lines. */
	jq_expect(x, "", "type",
		  "\"object\"\n\"object\"\n\"object\"\n\"object\"\n\"object\"\n"
		  "\"object\"\n\"object\"\n\"object\"\n");
	/* Which keys each event has, sorted (flows end in table order). */
	jq_expect(x, "-s",
		  "map([.event_type, .proto, has(\"src_port\"), has(\"dest_port\"), "
		  "has(\"icmp_type\"), has(\"icmp_code\"), has(\"tcp\"), .vlan]) | sort | .[]",
		  "[\"flow\",\"4\",false,false,false,false,false,null]\n"
		  "[\"flow\",\"ICMP\",false,false,true,true,false,null]\n"
		  "[\"flow\",\"IPv6-ICMP\",false,false,true,true,false,null]\n"
		  "[\"flow\",\"TCP\",true,true,false,false,true,null]\n"
		  "[\"flow\",\"UDP\",true,true,false,false,false,null]\n"
		  "[\"flow\",\"UDP\",true,true,false,false,false,null]\n"
		  "[\"flow\",\"UDP\",true,true,false,false,false,[300,100]]\n"
		  "[\"stats\",null,false,false,false,false,false,null]\n");
	/* Numbers are numbers, strings strings, as Suricata's schema types them. */
	jq_expect(
	    x, "-s",
	    "map(select(.event_type==\"flow\") | [(.flow_id|type), (.src_ip|type), "
	    "(.flow.pkts_toserver|type), (.flow.alerted|type), (.flow.age|type)]) | unique | .[]",
	    "[\"number\",\"string\",\"number\",\"boolean\",\"number\"]\n");
	jq_expect(x, "-s",
		  "map(select(.event_type==\"flow\").flow_id < 2251799813685248) | unique | .[]",
		  "true\n");
}

/* SIGHUP after logrotate moved the file: events before the reopen are in
 * the moved file, later ones in a new file under the old name; none lost,
 * none twice. An append open keeps what the file held. */
static void test_eve_reopen(void **state)
{
	struct fx *x = *state;
	char moved[192];
	FILE *fp;
	char line[4096];
	unsigned before = 0;

	snprintf(moved, sizeof moved, "%s.1", x->path);
	fx_open(x);
	for (int i = 0; i < 3; i++)
		feed1(x, udp(4, a4(10, 0, 0, (uint8_t)i), DNS4, 1000, 53, T0 + i, 60));
	vg_flow_table_flush(x->t); /* 3 flow events, still buffered */
	assert_int_equal(rename(x->path, moved), 0);
	assert_int_equal(vg_writer_eve.reopen(x->w, x->err, sizeof x->err), 0);
	for (int i = 0; i < 2; i++)
		feed1(x, udp(4, a4(10, 0, 1, (uint8_t)i), DNS4, 1000, 53, T0 + 10 + i, 60));
	fx_finish(x); /* 2 more */
	assert_int_equal(count_lines(x->text), 2);
	assert_non_null(strstr(x->text, "10.0.1.0"));
	assert_null(strstr(x->text, "10.0.0.0"));
	fp = fopen(moved, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp))
		before += strstr(line, "\"event_type\":\"flow\"") != NULL;
	fclose(fp);
	unlink(moved);
	assert_int_equal(before, 3);

	/* Append: a restarted sensor keeps the file's events. */
	assert_int_equal(vg_writer_eve.open(&x->w, x->path, true, x->err, sizeof x->err), 0);
	assert_int_equal(vg_writer_eve.flush(x->w, x->err, sizeof x->err), 0);
	assert_int_equal(vg_writer_eve.close(x->w, x->err, sizeof x->err), 0);
	x->w = NULL;
	fp = fopen(x->path, "r");
	assert_non_null(fp);
	before = 0;
	while (fgets(line, sizeof line, fp))
		before++;
	fclose(fp);
	assert_int_equal(before, 2);
}

static void test_eve_open_error(void **state)
{
	struct fx *x = *state;
	struct vg_writer *w = (struct vg_writer *)x;
	char path[256];

	snprintf(path, sizeof path, "%s/no/such/dir/eve.json", x->dir);
	assert_true(vg_writer_eve.open(&w, path, false, x->err, sizeof x->err) < 0);
	assert_null(w);
	assert_true(has(x->err, path));
	assert_true(has(x->err, "No such file or directory"));
}

/* A full disk: close() reports it, naming the file and the reason. */
static void test_eve_dev_full(void **state)
{
	struct fx *x = *state;
	int rc;

	if (access("/dev/full", W_OK) != 0)
		skip();
	fx_open_path(x, "/dev/full");
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0, 60));
	vg_flow_table_flush(x->t);
	rc = vg_writer_eve.close(x->w, x->err, sizeof x->err);
	x->w = NULL;
	assert_true(rc < 0);
	assert_int_equal(rc, VG_EIO);
	assert_true(has(x->err, "/dev/full"));
	assert_true(has(x->err, "No space left on device"));
}

/* The same when the failure happens mid-run (more than the writer's 1 MiB
 * buffer), and the error is not lost by later successful calls. */
static void test_eve_dev_full_large(void **state)
{
	struct fx *x = *state;
	struct vg_packet p[64];
	int rc;

	if (access("/dev/full", W_OK) != 0)
		skip();
	fx_open_path(x, "/dev/full");
	for (unsigned b = 0; b < 100; b++) {
		for (unsigned i = 0; i < 64; i++)
			p[i] = udp(4, a4(10, (uint8_t)b, 0, (uint8_t)i), DNS4, 40000, 53,
				   T0 + b * 64 + i, 60);
		feed(x, p, 64);
	}
	vg_flow_table_flush(x->t); /* 6400 lines of ~400 bytes: > 1 MiB */
	rc = vg_writer_eve.close(x->w, x->err, sizeof x->err);
	x->w = NULL;
	assert_int_equal(rc, VG_EIO);
	assert_true(has(x->err, "/dev/full: write failed: No space left on device"));
}

/* Errors name the file (STYLE.md "Errors"): also a path longer than 255
 * characters, here a symlink to /dev/full at the end of nested directories. */
static void test_eve_error_names_long_path(void **state)
{
	struct fx *x = *state;
	char path[1024], dirs[10][1024];
	unsigned nd = 0;
	int rc;

	if (access("/dev/full", W_OK) != 0)
		skip();
	snprintf(path, sizeof path, "%s", x->dir);
	while (strlen(path) < 300 && nd < VG_ARRAY_LEN(dirs)) {
		int n = snprintf(dirs[nd], sizeof dirs[nd], "%s/%s", path,
				 "a-directory-name-of-forty-characters-xyz");
		assert_true(n > 0 && (size_t)n < sizeof path);
		assert_int_equal(mkdir(dirs[nd], 0700), 0);
		memcpy(path, dirs[nd], (size_t)n + 1);
		nd++;
	}
	assert_true(strlen(path) + 6 < sizeof path);
	strcat(path, "/full");
	assert_int_equal(symlink("/dev/full", path), 0);
	assert_true(strlen(path) > 300);
	fx_open_path(x, path);
	feed1(x, udp(4, CLIENT4, DNS4, 40000, 53, T0, 60));
	vg_flow_table_flush(x->t);
	rc = vg_writer_eve.close(x->w, x->err, sizeof x->err);
	x->w = NULL;
	unlink(path);
	while (nd--)
		rmdir(dirs[nd]);
	assert_int_equal(rc, VG_EIO);
	assert_true(has(x->err, "No space left on device"));
	if (!has(x->err, path))
		print_error("error message: %s\n", x->err);
	assert_true(has(x->err, path));
}

/* More output than the writer's buffer: every line arrives once, whole. */
static void test_eve_large_output(void **state)
{
	enum { N = 6400 };
	struct fx *x = *state;
	struct vg_packet p[64];
	unsigned char *seen = x->scratch = calloc(N, 1);
	const char *s;
	unsigned lines = 0;

	assert_non_null(seen);
	fx_open(x);
	for (unsigned b = 0; b < N / 64; b++) {
		for (unsigned i = 0; i < 64; i++)
			p[i] = udp(4, a4(10, (uint8_t)(b >> 8), (uint8_t)b, (uint8_t)i), DNS4,
				   40000, 53, T0 + b * 64 + i, 60);
		feed(x, p, 64);
	}
	fx_finish(x);
	assert_true(x->len > (1u << 20));
	for (s = x->text; *s; lines++) {
		const char *e = strchr(s, '\n');
		char line[1024];
		unsigned a, b2, c;
		assert_non_null(e);
		assert_true((size_t)(e - s) < sizeof line);
		memcpy(line, s, (size_t)(e - s));
		line[e - s] = '\0'; /* sscanf on the whole text would strlen it each time */
		assert_true(strncmp(line, "{\"timestamp\":\"2023-11-14T22:13:20.", 34) == 0);
		assert_int_equal(e[-1], '}');
		assert_non_null(strstr(line, "\"src_ip\":\""));
		assert_int_equal(
		    sscanf(strstr(line, "\"src_ip\":\"") + 10, "10.%u.%u.%u", &a, &b2, &c), 3);
		{
			unsigned k = (a << 8 | b2) * 64 + c;
			assert_true(k < N);
			assert_int_equal(seen[k], 0);
			seen[k] = 1;
		}
		s = e + 1;
	}
	assert_int_equal(lines, N);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* An optional argument runs only the tests matching it ("test_eve_*"). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(test_format_time),
	    T(test_format_addr),
	    T(test_proto_names),
	    T(test_writer_table),
	    T(test_eve_tcp_flow_as_documented),
	    T(test_eve_src_is_client),
	    T(test_eve_icmp),
	    T(test_eve_ipv6_udp),
	    T(test_eve_vlan),
	    T(test_eve_other_protocols),
	    T(test_eve_tcp_flags),
	    T(test_eve_times),
	    T(test_eve_reasons),
	    T(test_eve_stats),
	    T(test_eve_json_valid_and_keys),
	    T(test_eve_open_error),
	    T(test_eve_reopen),
	    T(test_eve_dev_full),
	    T(test_eve_dev_full_large),
	    T(test_eve_error_names_long_path),
	    T(test_eve_large_output),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
