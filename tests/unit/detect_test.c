/*
 * detect_test.c - the detect stage: the bounded table the detectors share
 * (find, create, eviction of the least recently active, busy records going
 * through evict first) and the engine with all detectors fed hand-made
 * flows (one scan, one flood, one brute force; none for benign traffic),
 * and the same attacks whether the flow table announced the ends
 * (vg_detect_prefetch) or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/settings.h"
#include "common/cidr.h"
#include "detect/detect.h"
#include "detect/table.h"
#include "packets.h"

/* ---- the table ---------------------------------------------------------- */

struct rec {
	uint64_t key[3];
	uint64_t value;
};

static int evictions;
static uint64_t evicted_key;

static void on_evict(void *owner, void *r)
{
	(void)owner;
	evictions++;
	evicted_key = ((struct rec *)r)->key[0];
}

static void test_table_find_create(void **state)
{
	struct vg_dtable t;
	struct rec *r, *again;
	uint64_t k[3] = {42, 0, 7};

	(void)state;
	assert_int_equal(
	    vg_dtable_init(&t, 100, sizeof(struct rec), sizeof k, SEED, on_evict, NULL), 0);
	assert_int_equal(t.cap, 128); /* a power of two, at least what was asked */
	assert_null(vg_dtable_find(&t, k, false, T0));
	r = vg_dtable_find(&t, k, true, T0);
	assert_non_null(r);
	assert_memory_equal(r->key, k, sizeof k);
	assert_int_equal(r->value, 0);
	r->value = 99;
	again = vg_dtable_find(&t, k, false, T0);
	assert_ptr_equal(again, r);
	assert_int_equal(again->value, 99);
	vg_dtable_remove(&t, r);
	assert_null(vg_dtable_find(&t, k, false, T0));
	vg_dtable_fini(&t);
}

/* Many more keys than slots: the table never holds more than its
 * capacity, the least recently active records go first, and a busy record
 * goes through evict before its slot is reused. */
static void test_table_bounded_eviction(void **state)
{
	struct vg_dtable t;
	uint64_t k[3] = {0};
	struct rec *busy;
	unsigned used = 0;

	(void)state;
	evictions = 0;
	assert_int_equal(vg_dtable_init(&t, 16, sizeof(struct rec), sizeof k, SEED, on_evict, NULL),
			 0);
	k[0] = 1000000;
	busy = vg_dtable_find(&t, k, true, T0);
	vg_dtable_set_busy(&t, busy, true);
	for (uint64_t i = 0; i < 100000; i++) {
		k[0] = i;
		assert_non_null(vg_dtable_find(&t, k, true, T0 + (i + 1) * NS));
	}
	for (uint32_t i = 0; i < t.cap; i++)
		used += vg_dtable_used(&t, i);
	assert_true(used <= t.cap);
	assert_true(t.evicted >= 100000 - t.cap);
	/* The busy record was the oldest of its line: it went, through evict. */
	assert_int_equal(evictions, 1);
	assert_int_equal(evicted_key, 1000000);
	/* The most recent keys are still there. */
	k[0] = 99999;
	assert_non_null(vg_dtable_find(&t, k, false, T0));
	vg_dtable_fini(&t);
}

/* The slot a new key takes in a full line: the first empty one, else
 * the least recently active, the first of those on a tie. One line of 8
 * (cap 8): each key's slot is its index in the line. */
static void test_table_slot_choice(void **state)
{
	static const unsigned at_s[8] = {5, 3, 7, 3, 9, 4, 6, 8};
	struct vg_dtable t;
	uint64_t k[3] = {0};
	struct rec *r[8], *n;

	(void)state;
	evictions = 0;
	assert_int_equal(vg_dtable_init(&t, 8, sizeof(struct rec), sizeof k, SEED, on_evict, NULL),
			 0);
	assert_int_equal(t.cap, 8);
	for (unsigned i = 0; i < 8; i++) {
		k[0] = 100 + i;
		r[i] = vg_dtable_find(&t, k, true, T0 + at_s[i] * NS);
		assert_int_equal(vg_dtable_index(&t, r[i]), i); /* the first empty slot */
	}
	/* Full: slots 1 and 3 are the least recently active (3 s); slot 1
	 * goes, through evict as it is busy. */
	vg_dtable_set_busy(&t, r[1], true);
	k[0] = 200;
	n = vg_dtable_find(&t, k, true, T0 + 10 * NS);
	assert_int_equal(vg_dtable_index(&t, n), 1);
	assert_int_equal(evictions, 1);
	assert_int_equal(evicted_key, 101);
	k[0] = 103;
	assert_non_null(vg_dtable_find(&t, k, false, T0));
	/* Now slot 3 (3 s) is the oldest; touched, slot 5 (4 s) is. */
	vg_dtable_touch(&t, r[3], T0 + 11 * NS);
	k[0] = 201;
	assert_int_equal(vg_dtable_index(&t, vg_dtable_find(&t, k, true, T0 + 12 * NS)), 5);
	/* Two slots emptied: the first of them is taken, whatever the times. */
	vg_dtable_remove(&t, r[6]);
	vg_dtable_remove(&t, r[2]);
	k[0] = 202;
	assert_int_equal(vg_dtable_index(&t, vg_dtable_find(&t, k, true, T0 + 13 * NS)), 2);
	k[0] = 203;
	assert_int_equal(vg_dtable_index(&t, vg_dtable_find(&t, k, true, T0 + 14 * NS)), 6);
	/* Every key still there is found in its slot. */
	k[0] = 200;
	assert_int_equal(vg_dtable_index(&t, vg_dtable_find(&t, k, false, T0)), 1);
	k[0] = 107;
	assert_int_equal(vg_dtable_index(&t, vg_dtable_find(&t, k, false, T0)), 7);
	k[0] = 105;
	assert_null(vg_dtable_find(&t, k, false, T0));
	vg_dtable_fini(&t);
}

/* The filter in front of lookups, rebuilt many times over: every live
 * record is still found. */
static void test_table_filter(void **state)
{
	struct vg_dtable t;
	uint64_t k[3] = {0};
	unsigned live = 0, found = 0;

	(void)state;
	assert_int_equal(vg_dtable_init(&t, 64, sizeof(struct rec), sizeof k, SEED, NULL, NULL), 0);
	for (uint64_t i = 0; i < 5000; i++) { /* 2 x 64 records per rebuild */
		k[0] = i;
		vg_dtable_find(&t, k, true, T0 + i * NS);
	}
	for (uint64_t i = 0; i < 5000; i++) {
		k[0] = i;
		found += vg_dtable_find(&t, k, false, T0) != NULL;
	}
	for (uint32_t i = 0; i < t.cap; i++)
		live += vg_dtable_used(&t, i);
	assert_int_equal(found, live); /* no live record hidden by the filter */
	assert_int_equal(live, t.cap);
	vg_dtable_fini(&t);
}

/* ---- the detectors through the engine ---------------------------------- */

#define MAX_ATTACKS 16
static struct vg_attack got[MAX_ATTACKS];
static unsigned n_got;

static void on_attack(void *arg, const struct vg_attack *a)
{
	(void)arg;
	if (n_got < MAX_ATTACKS)
		got[n_got] = *a;
	n_got++;
}

/* A flow as the flow table hands it to on_flow_end: IPv4 addresses mapped,
 * client = src. */
static struct vg_flow flow4(struct vg_addr src, struct vg_addr dst, uint16_t sport, uint16_t dport,
			    uint8_t proto, uint64_t ts)
{
	struct vg_flow f;

	memset(&f, 0, sizeof f);
	f.key.lo.b[10] = f.key.lo.b[11] = 0xff;
	memcpy(f.key.lo.b + 12, src.b, 4);
	f.key.hi.b[10] = f.key.hi.b[11] = 0xff;
	memcpy(f.key.hi.b + 12, dst.b, 4);
	f.key.port_lo = sport;
	f.key.port_hi = dport;
	f.flags = VG_FLOW_USED | VG_FLOW_CLIENT_LO | VG_FLOW_V4;
	f.proto = proto;
	f.first_ns = f.last_ns = ts;
	return f;
}

/* An engine with these settings, home 192.0.2.0/24, no attack seen yet. */
static struct vg_detect *engine_with(const struct vg_settings *set, struct vg_cidr_set *home)
{
	struct vg_detect *d;
	char err[128];

	assert_int_equal(vg_cidr_parse(home, "192.0.2.0/24", err, sizeof err), 0);
	n_got = 0;
	assert_int_equal(vg_detect_new(&d, &set->detect, home, NULL, SEED, on_attack, NULL), 0);
	return d;
}

/* The same with the default settings. */
static struct vg_detect *engine(struct vg_settings *set, struct vg_cidr_set *home)
{
	vg_settings_default(set);
	return engine_with(set, home);
}

/* An unanswered SYN from src port 40000 to dst:port at ts, as the flow
 * table ends it. */
static void syn_unanswered(struct vg_detect *d, struct vg_addr src, struct vg_addr dst,
			   uint16_t port, uint64_t ts)
{
	struct vg_flow f = flow4(src, dst, 40000, port, VG_IPPROTO_TCP, ts);

	f.pkts[0] = 1;
	f.bytes[0] = 60;
	f.tcp_flags[0] = VG_TH_SYN;
	f.tcp_state = VG_TCP_SYN_SENT;
	vg_detect_flow_end(d, &f, NULL);
}

static void test_syn_scan(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	(void)state;
	/* 50 unanswered SYNs from one outsider to 50 ports of a home host. */
	for (uint16_t p = 1; p <= 50; p++)
		syn_unanswered(d, ROUTER4, CLIENT4, p, T0 + p * MS);
	vg_detect_free(d); /* reports what is open */
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "scan.port");
	assert_string_equal(got[0].technique, "syn");
	assert_string_equal(got[0].direction, "inbound");
	assert_int_equal(got[0].attempts, 50);
	assert_int_equal(got[0].ports, 50);
	assert_int_equal(got[0].victims, 1);
	assert_int_equal(got[0].packets, 50);
	assert_memory_equal(got[0].src.b, ROUTER4.b, 4);
	assert_memory_equal(got[0].dst.b, CLIENT4.b, 4);
	assert_int_equal(got[0].start_ns, T0 + MS);
	assert_int_equal(got[0].end_ns, T0 + 50 * MS);
}

/* 50 unanswered SYNs from ROUTER4 to ports of CLIENT4, the first at t. */
static void syn_burst(struct vg_detect *d, uint64_t t)
{
	for (uint16_t p = 1; p <= 50; p++)
		syn_unanswered(d, ROUTER4, CLIENT4, p, t + p * MS);
}

/* The ticks walk the open attacks once per second of packet time: a scan
 * whose idle time ran out since the last walk still ends before the next
 * flow of its source counts, which starts a new attack. */
static void test_scan_idle_between_ticks(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	uint64_t idle = (uint64_t)set.detect.scan_idle_s * NS, last = T0 + 50 * MS;

	(void)state;
	syn_burst(d, T0);
	vg_detect_tick(d, last + idle - 200 * MS); /* a walk: not idle yet */
	assert_int_equal(n_got, 0);
	vg_detect_tick(d, last + idle + 300 * MS); /* idle now, but no walk within the second */
	syn_burst(d, last + idle + 400 * MS);
	vg_detect_free(d);
	assert_int_equal(n_got, 2);
	assert_true(got[0].final && got[1].final);
	assert_int_not_equal(got[0].id, got[1].id);
	assert_int_equal(got[0].attempts, 50);
	assert_int_equal(got[0].end_ns, last);
	assert_int_equal(got[1].attempts, 50);
	assert_int_equal(got[1].start_ns, last + idle + 400 * MS + MS);
}

/* More attacks open at once than the open lists once held (4,096) and
 * than the scan detector once had detail blocks (1,024, now 16,384): each
 * is reported, none waits for room it never gets. */
static void test_many_open_scans(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d;
	uint64_t t = T0;
	enum { SOURCES = 6000 };

	(void)state;
	vg_settings_default(&set);
	set.detect.scan_sources = 65536; /* room for all: no eviction */
	set.detect.flood_on = 0;         /* 180,000 SYNs to one host are a flood too */
	d = engine_with(&set, &home);
	for (uint32_t i = 0; i < SOURCES; i++) {
		for (uint16_t p = 1; p <= 30; p++)
			syn_unanswered(d, a4n(0x0b000000 + i * 7919), CLIENT4, p, t += 10000);
		if (i % 100 == 99)
			vg_detect_tick(d, t);
	}
	assert_int_equal(n_got, 0); /* all still open */
	/* Idle now: one walk closes them all (the walk looks at the records
	 * whose time has come, block by block). */
	vg_detect_tick(d, t + (uint64_t)set.detect.scan_idle_s * NS + 2 * NS);
	assert_int_equal(n_got, SOURCES);
	vg_detect_free(d);
	assert_int_equal(n_got, SOURCES);
	for (unsigned i = 0; i < MAX_ATTACKS && i < n_got; i++) {
		assert_string_equal(got[i].kind, "scan.port");
		assert_int_equal(got[i].attempts, 30);
	}
}

static void test_busy_client_is_not_a_scan(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	(void)state;
	/* A crawler: 500 connections to 500 servers, all answered. */
	for (uint32_t i = 0; i < 500; i++) {
		struct vg_flow f = flow4(CLIENT4, a4n(0xc6336400 + i), (uint16_t)(30000 + i), 80,
					 VG_IPPROTO_TCP, T0 + i * MS);
		f.pkts[0] = 6, f.pkts[1] = 8;
		f.tcp_flags[0] = VG_TH_SYN | VG_TH_ACK | VG_TH_FIN;
		f.tcp_flags[1] = VG_TH_SYN | VG_TH_ACK | VG_TH_FIN;
		f.tcp_state = VG_TCP_CLOSED;
		vg_detect_flow_end(d, &f, NULL);
	}
	vg_detect_free(d);
	assert_int_equal(n_got, 0);
}

static void test_syn_flood_forged(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	(void)state;
	/* 20,000 half-open connections in 2 s, each from another source. */
	for (uint32_t i = 0; i < 20000; i++) {
		struct vg_flow f = flow4(a4n(0x0b000000 + i * 7919), CLIENT4, 1024, 443,
					 VG_IPPROTO_TCP, T0 + i * 100000);
		f.pkts[0] = 1;
		f.tcp_flags[0] = VG_TH_SYN;
		f.tcp_state = VG_TCP_SYN_SENT;
		vg_detect_flow_end(d, &f, NULL);
	}
	vg_detect_free(d);
	/* One flood; the scan detector may not call 20,000 one-probe sources
	 * scanners. */
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "flood.syn");
	assert_int_equal(got[0].packets, 20000);
	assert_memory_equal(got[0].dst.b, CLIENT4.b, 4);
	/* 20,000 distinct sources, counted by the run's HyperLogLog (3%). */
	{
		unsigned n = 0;
		const char *at = strstr(got[0].evidence, "from about ");
		assert_non_null(at);
		assert_int_equal(sscanf(at, "from about %u sources", &n), 1);
		assert_true(n > 19000 && n < 21000);
	}
}

static void test_ssh_bruteforce_then_success(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	struct vg_flow f;

	(void)state;
	for (uint32_t i = 0; i < 30; i++) {
		f = flow4(ROUTER4, SERVER4, (uint16_t)(50000 + i), 22, VG_IPPROTO_TCP,
			  T0 + i * 5 * NS);
		f.last_ns = f.first_ns + 3 * NS;
		f.pkts[0] = 12, f.pkts[1] = 10;
		f.tcp_flags[0] = VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN;
		f.tcp_flags[1] = VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN;
		f.tcp_state = VG_TCP_CLOSED;
		vg_detect_flow_end(d, &f, NULL);
	}
	/* Then a long interactive session: the guess worked. */
	f = flow4(ROUTER4, SERVER4, 51000, 22, VG_IPPROTO_TCP, T0 + 200 * NS);
	f.last_ns = f.first_ns + 900 * NS;
	f.pkts[0] = 500, f.pkts[1] = 600;
	f.tcp_flags[0] = f.tcp_flags[1] = VG_TH_SYN | VG_TH_ACK | VG_TH_PSH;
	f.tcp_state = VG_TCP_ESTABLISHED;
	vg_detect_flow_end(d, &f, NULL);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "bruteforce.ssh");
	assert_int_equal(got[0].attempts, 30);
	assert_true(got[0].succeeded);
	assert_int_equal(got[0].severity, 1);
	assert_string_equal(got[0].direction, "transit"); /* neither end is 192.0.2.0/24 */
}

/* A TCP packet as the decoder hands it to the hook, payload included. */
static struct vg_packet tcp_pkt(struct vg_addr src, struct vg_addr dst, uint16_t sport,
				uint16_t dport, uint8_t flags, const char *payload, uint64_t ts)
{
	struct vg_packet p;

	memset(&p, 0, sizeof p);
	p.ts_ns = ts;
	p.data = (const uint8_t *)payload;
	p.caplen = p.wire_len = payload ? (uint32_t)strlen(payload) : 0;
	p.payload_off = 0;
	p.payload_len = (uint16_t)p.caplen;
	p.family = 4;
	p.proto = VG_IPPROTO_TCP;
	p.tcp_flags = flags;
	p.src = src, p.dst = dst;
	p.sport = sport, p.dport = dport;
	p.tcp.hlen = 20;
	p.tcp.window = 64240;
	return p;
}

static void test_ftp_replies_then_success(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	struct vg_flow f = flow4(ROUTER4, SERVER4, 50000, 21, VG_IPPROTO_TCP, T0);
	struct vg_packet p;

	(void)state;
	/* The client's SYN opens the flow: the detector asks to see the rest. */
	f.pkts[0] = 1;
	p = tcp_pkt(ROUTER4, SERVER4, 50000, 21, VG_TH_SYN, NULL, T0);
	vg_detect_packet(d, &p, &f, 0);
	assert_true(f.flags & VG_FLOW_WATCH);
	f.pkts[0] = f.pkts[1] = 5;
	/* A greeting and a 331 are not logins; twelve 530s are failed ones. */
	p = tcp_pkt(SERVER4, ROUTER4, 21, 50000, VG_TH_ACK | VG_TH_PSH, "220 (vsFTPd 3.0.3)\r\n",
		    T0);
	vg_detect_packet(d, &p, &f, 1);
	p = tcp_pkt(SERVER4, ROUTER4, 21, 50000, VG_TH_ACK | VG_TH_PSH,
		    "331 Please specify the password.\r\n", T0 + MS);
	vg_detect_packet(d, &p, &f, 1);
	for (unsigned i = 0; i < 12; i++) {
		p = tcp_pkt(SERVER4, ROUTER4, 21, 50000, VG_TH_ACK | VG_TH_PSH,
			    "530 Login incorrect.\r\n", T0 + (2 + i) * NS);
		vg_detect_packet(d, &p, &f, 1);
		/* The same words from the client are not a reply. */
		p = tcp_pkt(ROUTER4, SERVER4, 50000, 21, VG_TH_ACK | VG_TH_PSH, "530 x\r\n",
			    T0 + (2 + i) * NS);
		vg_detect_packet(d, &p, &f, 0);
	}
	p = tcp_pkt(SERVER4, ROUTER4, 21, 50000, VG_TH_ACK | VG_TH_PSH, "230 Login successful.\r\n",
		    T0 + 20 * NS);
	vg_detect_packet(d, &p, &f, 1);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "bruteforce.ftp");
	assert_int_equal(got[0].attempts, 13);
	assert_true(got[0].succeeded);
	assert_true(got[0].src_verified);
	assert_int_equal(got[0].severity, 1);
	assert_memory_equal(got[0].src.b, ROUTER4.b, 4);
	assert_memory_equal(got[0].dst.b, SERVER4.b, 4);
}

/* A web flow from ROUTER4 to host: its SYN, as the hook sees it first. */
static struct vg_flow web_flow(struct vg_detect *d, struct vg_addr host, uint16_t sport,
			       uint64_t ts)
{
	struct vg_flow f = flow4(ROUTER4, host, sport, 80, VG_IPPROTO_TCP, ts);
	struct vg_packet p = tcp_pkt(ROUTER4, host, sport, 80, VG_TH_SYN, NULL, ts);

	f.pkts[0] = 1;
	vg_detect_packet(d, &p, &f, 0);
	assert_true(f.flags & VG_FLOW_WATCH);
	f.pkts[0] = f.pkts[1] = 3;
	return f;
}

static void test_http_replies(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	struct vg_flow f = web_flow(d, CLIENT4, 40000, T0);
	struct vg_packet p;

	(void)state;
	/* 500 pages fetched on one connection: the first 200 ends the
	 * watch, and nothing is counted. */
	for (unsigned i = 0; i < 500; i++) {
		p = tcp_pkt(CLIENT4, ROUTER4, 80, 40000, VG_TH_ACK | VG_TH_PSH,
			    "HTTP/1.1 200 OK\r\n", T0 + i * MS);
		vg_detect_packet(d, &p, &f, 1);
	}
	assert_false(f.flags & VG_FLOW_WATCH);
	/* Then nine 401s and one 403 from another server, one connection
	 * each: 10 attempts, the threshold. */
	for (unsigned i = 0; i < 10; i++) {
		f = web_flow(d, SERVER4, (uint16_t)(50000 + i), T0 + (1 + i) * NS);
		p = tcp_pkt(SERVER4, ROUTER4, 80, (uint16_t)(50000 + i), VG_TH_ACK | VG_TH_PSH,
			    i < 9 ? "HTTP/1.1 401 Unauthorized\r\n" : "HTTP/1.0 403 Forbidden\r\n",
			    T0 + (1 + i) * NS);
		vg_detect_packet(d, &p, &f, 1);
		assert_true(f.flags & VG_FLOW_WATCH); /* a refusal: still watched */
	}
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "bruteforce.http");
	assert_int_equal(got[0].attempts, 10);
	assert_false(got[0].succeeded);
	assert_memory_equal(got[0].dst.b, SERVER4.b, 4);
}

/* A web session from src to dst:80 that POSTed to uri and got status,
 * ended with the app stage's metadata of it. */
static void form_post(struct vg_detect *d, struct vg_addr src, struct vg_addr dst, uint16_t sport,
		      const char *uri, uint16_t status, uint64_t ts)
{
	struct vg_flow f = flow4(src, dst, sport, 80, VG_IPPROTO_TCP, ts);
	struct vg_app_flow meta;

	memset(&meta, 0, sizeof meta);
	meta.proto = VG_APP_HTTP;
	meta.http.has_request = meta.http.has_response = true;
	meta.http.status = status;
	strcpy(meta.http.method, "POST");
	strcpy(meta.http.uri, uri);
	f.last_ns = f.first_ns + 50 * MS;
	f.pkts[0] = 5, f.pkts[1] = 4;
	f.tcp_flags[0] = f.tcp_flags[1] = VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN;
	f.tcp_state = VG_TCP_CLOSED;
	f.flags |= VG_FLOW_HANDSHAKE;
	vg_detect_flow_end(d, &f, &meta);
}

/* Form logins: POSTs to a login path, one a connection, answered 200
 * when wrong and 302 when right, are attempts; POSTs to another path,
 * or a person's two, are not. */
static void test_http_form_logins(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	(void)state;
	/* An API client: 30 POSTs to a path that names no login. */
	for (unsigned i = 0; i < 30; i++)
		form_post(d, CLIENT4, SERVER4, (uint16_t)(30000 + i), "/api/items", 201,
			  T0 + i * NS);
	/* A person: one typo (200), then the right password (302). */
	form_post(d, CLIENT4, SERVER4, 31000, "/login", 200, T0 + 40 * NS);
	form_post(d, CLIENT4, SERVER4, 31001, "/login", 302, T0 + 45 * NS);
	assert_int_equal(n_got, 0);
	/* A guesser: 11 wrong passwords (the query string differs, the path
	 * does not), 2 POSTs to another login path (not counted), a 401
	 * (the packet hook's to count, not this path's), then a 302. */
	for (unsigned i = 0; i < 11; i++) {
		char uri[64];
		snprintf(uri, sizeof uri, "/wp-login.php?try=%u", i);
		form_post(d, ROUTER4, SERVER4, (uint16_t)(50000 + i), uri, 200,
			  T0 + (100 + i) * NS);
	}
	form_post(d, ROUTER4, SERVER4, 50100, "/user/signin", 200, T0 + 120 * NS);
	form_post(d, ROUTER4, SERVER4, 50101, "/user/signin", 302, T0 + 121 * NS);
	form_post(d, ROUTER4, SERVER4, 50102, "/wp-login.php", 401, T0 + 122 * NS);
	form_post(d, ROUTER4, SERVER4, 50103, "/WP-LOGIN.php", 200, T0 + 123 * NS);
	form_post(d, ROUTER4, SERVER4, 50104, "/wp-login.php", 302, T0 + 124 * NS);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "bruteforce.http");
	assert_memory_equal(got[0].src.b, ROUTER4.b, 4);
	assert_int_equal(got[0].attempts, 12);
	assert_true(got[0].succeeded);
	assert_int_equal(got[0].severity, 1);
	assert_non_null(strstr(got[0].evidence, "11 failed logins (POSTs to the login form "
						"/wp-login.php answered 200)"));
}

/* One packet of a web_flow connection from ROUTER4 to host: the
 * client's (dir 0) or the server's. */
static void web_pkt(struct vg_detect *d, struct vg_flow *f, struct vg_addr host, int dir,
		    const char *payload, uint64_t ts)
{
	struct vg_packet p =
	    dir ? tcp_pkt(host, ROUTER4, 80, f->key.port_lo, VG_TH_ACK | VG_TH_PSH, payload, ts)
		: tcp_pkt(ROUTER4, host, f->key.port_lo, 80, VG_TH_ACK | VG_TH_PSH, payload, ts);

	f->pkts[dir]++;
	vg_detect_packet(d, &p, f, dir);
}

/* Form logins over one kept-alive connection, read by the packet hook: a
 * guesser fetches the form, POSTs 11 wrong passwords (each reply's status
 * line in its first segment, the page after it), one refused with a 401
 * (counted once), then the right one (302), then goes on into the site:
 * the watch ends there, and the connection's end counts no POST again.
 * A person doing the same with one typo makes nothing. */
static void test_http_form_keepalive(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	struct vg_addr host = SERVER4;
	struct vg_flow f;
	struct vg_app_flow meta;
	uint64_t t = T0;

	(void)state;
	/* A person: the form, a typo, the right password, the site. */
	f = web_flow(d, host, 51000, t += NS);
	web_pkt(d, &f, host, 0, "GET /wp-login.php HTTP/1.1\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 1, "HTTP/1.1 200 OK\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 0, "POST /wp-login.php HTTP/1.1\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 1, "HTTP/1.1 200 OK\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 0, "POST /wp-login.php HTTP/1.1\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 1, "HTTP/1.1 303 See Other\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 0, "GET /home HTTP/1.1\r\n\r\n", t += MS);
	assert_false(f.flags & VG_FLOW_WATCH);
	vg_detect_free(d);
	assert_int_equal(n_got, 0);

	/* The guesser. */
	d = engine(&set, &home);
	f = web_flow(d, host, 50000, t += NS);
	web_pkt(d, &f, host, 0, "GET /wp-login.php HTTP/1.1\r\nHost: x\r\n\r\n", t += MS);
	web_pkt(d, &f, host, 1, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", t += MS);
	assert_true(f.flags & VG_FLOW_WATCH); /* the form: still watched */
	for (unsigned i = 0; i < 13; i++) {
		web_pkt(d, &f, host, 0, "POST /wp-login.php HTTP/1.1\r\nContent-Length: 20\r\n\r\n",
			t += MS);
		web_pkt(d, &f, host, 0, "log=admin&pwd=wrong1", t += MS); /* the body: no request */
		web_pkt(d, &f, host, 1,
			i < 11   ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
			: i < 12 ? "HTTP/1.1 401 Unauthorized\r\n\r\n"
				 : "HTTP/1.1 302 Found\r\nLocation: /wp-admin/\r\n\r\n",
			t += MS);
		web_pkt(d, &f, host, 1, "HTTP/1.1 404 is page text, not a status", t += MS);
	}
	assert_true(f.flags & VG_FLOW_WATCH);
	web_pkt(d, &f, host, 0, "GET /wp-admin/ HTTP/1.1\r\n\r\n", t += MS);
	assert_false(f.flags & VG_FLOW_WATCH); /* into the site: no longer looked at */
	/* Its end, with the app stage's first request: counted already. */
	memset(&meta, 0, sizeof meta);
	meta.proto = VG_APP_HTTP;
	meta.http.has_request = meta.http.has_response = true;
	meta.http.status = 200;
	strcpy(meta.http.method, "POST");
	strcpy(meta.http.uri, "/wp-login.php");
	f.last_ns = t;
	f.tcp_flags[0] = f.tcp_flags[1] = VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN;
	f.flags |= VG_FLOW_HANDSHAKE;
	vg_detect_flow_end(d, &f, &meta);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "bruteforce.http");
	assert_memory_equal(got[0].src.b, ROUTER4.b, 4);
	assert_memory_equal(got[0].dst.b, SERVER4.b, 4);
	assert_int_equal(got[0].attempts, 13); /* 11 pages, one 401, one 302 */
	assert_true(got[0].succeeded);
	assert_int_equal(got[0].severity, 1);
}

/* The address the test resolver gives names that exist (A). */
#define DGA_CONTROLLER "\xc2\x57\x0a\x14" /* 194.87.10.20 */

/* A DNS lookup of name by CLIENT4 (a home terminal) from SERVER4:53,
 * answered with rcode (and, if 0, a CNAME then the address DGA_CONTROLLER),
 * as the app stage leaves it. */
static void dns_lookup(struct vg_detect *d, const char *name, uint8_t rcode, uint64_t ts)
{
	struct vg_flow f =
	    flow4(CLIENT4, SERVER4, (uint16_t)(40000 + ts / MS % 20000), 53, VG_IPPROTO_UDP, ts);
	struct vg_app_flow meta;

	memset(&meta, 0, sizeof meta);
	meta.proto = VG_APP_DNS;
	meta.dns.has_query = meta.dns.has_response = true;
	meta.dns.rcode = rcode;
	meta.dns.rrtype = 1;
	if (rcode == 0) {
		meta.dns.n_kept = meta.dns.n_answers = 2;
		meta.dns.answers[0].rrtype = 5; /* CNAME: no address */
		meta.dns.answers[1].rrtype = 1;
		memcpy(meta.dns.answers[1].addr.b, DGA_CONTROLLER, 4);
	}
	meta.dns.rrname_len = (uint8_t)strlen(name);
	strcpy(meta.dns.rrname, name);
	f.last_ns = ts + 20 * MS;
	f.pkts[0] = f.pkts[1] = 1;
	f.bytes[0] = 70, f.bytes[1] = 130;
	if (rcode == VG_DNS_NXDOMAIN)
		f.tag[1] |= VG_FLOW_TAG1_NXDOMAIN; /* what the app stage sets */
	vg_detect_flow_end(d, &f, &meta);
}

/* 25 generated names answered NXDOMAIN from t on, each asked twice (as
 * a resolver retries); returns the time of the last. */
static uint64_t dga_walk(struct vg_detect *d, uint64_t t)
{
	static const char *const dga[] = {
	    "xjwqpmbvkdtr.com", "kqlxtqptsmys.ru",  "a1b2c3d4e5f6.net", "ohvwpbcxuylqgm.info",
	    "uajhgvqdyomw.ws",  "bcdfghjklmnp.biz", "q7w8e9r0t1y2.org", "zxcvbnmlkjhg.com",
	};

	for (unsigned i = 0; i < 25; i++) {
		char name[64];
		/* distinct names: the list's, then more of the same shape */
		if (i < sizeof dga / sizeof dga[0])
			snprintf(name, sizeof name, "%s", dga[i]);
		else
			snprintf(name, sizeof name, "qzx%02uwvkpt%c%cr.net", i, 'a' + i % 26,
				 'b' + i % 20);
		dns_lookup(d, name, VG_DNS_NXDOMAIN, t += NS);
		dns_lookup(d, name, VG_DNS_NXDOMAIN, t += MS); /* a retry: the same name */
	}
	return t;
}

/* malware.dga: a browser's 3 hijack probes and a subdomain of a random
 * name (random-looking, too few) make nothing; after a quiet hour, 25
 * generated names answered NXDOMAIN and then one that resolves make one
 * attack that succeeded, from the address it got (the controller) to the
 * terminal. The same walk without the name that resolves: the controller
 * is not known (src the unspecified address). */
static void test_dga_nxdomain_burst(void **state)
{
	static const char *const probes[] = {"kjhdwqpxze", "zzqxwvbnmkj", "ptlkwqzrmvx",
					     "_dmarc.xjwqpmbvkdtr.com"};
	static const struct vg_addr none;
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	uint64_t t = T0;

	(void)state;
	for (unsigned r = 0; r < 2; r++)
		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
			dns_lookup(d, probes[i], VG_DNS_NXDOMAIN, t += NS);
	t += 3600 * NS; /* past detect.dga.idle: that run is over */
	t = dga_walk(d, t);
	dns_lookup(d, "www.example.com", 0, t += NS); /* a real name: not the controller */
	dns_lookup(d, "vbnqxzkwprtm.com", 0, t += NS);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "malware.dga");
	assert_string_equal(got[0].technique, "nxdomain");
	assert_string_equal(got[0].direction, "outbound");
	assert_memory_equal(got[0].src.b, DGA_CONTROLLER, 4);
	assert_memory_equal(got[0].dst.b, CLIENT4.b, 4);
	assert_int_equal(got[0].n_victim_ips, 1);
	assert_memory_equal(got[0].victim_ips[0].b, CLIENT4.b, 4);
	assert_int_equal(got[0].attempts, 50);
	assert_true(got[0].succeeded);
	assert_int_equal(got[0].severity, 1);
	assert_true(got[0].start_ns > T0 + 3600 * NS);
	{ /* a linear-counting estimate of the 25 names */
		unsigned n = 0;
		const char *at = strstr(got[0].evidence, "about ");
		assert_non_null(at);
		assert_int_equal(sscanf(at, "about %u distinct", &n), 1);
		assert_true(n >= 24 && n <= 26);
	}
	assert_non_null(strstr(got[0].evidence, "from 1 resolver for"));
	assert_non_null(strstr(got[0].evidence, "first xjwqpmbvkdtr.com"));
	assert_non_null(strstr(got[0].evidence,
			       "address for vbnqxzkwprtm.com (src_ip, likely the controller)"));

	d = engine(&set, &home);
	dga_walk(d, T0);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_memory_equal(got[0].src.b, none.b, 16);
	assert_memory_equal(got[0].dst.b, CLIENT4.b, 4);
	assert_false(got[0].succeeded);
	assert_int_equal(got[0].severity, 2);
	assert_null(strstr(got[0].evidence, "address for"));
}

/* Names that do not exist but look like words, typos or a home's device
 * names are not generated ones: with detect.dga.names lowered to 2, 24
 * of them answered NXDOMAIN (twice each) make no attack, nor do 19
 * generated ones below the default threshold; 2 generated ones do. */
static void test_dga_words_are_not(void **state)
{
	static const char *const words[] = {
	    "gooogle.com",          "printer.corp.example",  "wpad.home.arpa",
	    "www.facebook.com.lan", "strengths.org",         "my-new-laptop.local",
	    "4.3.2.1.in-addr.arpa", "mail.schwarzwald.de",   "fileserver.example.org",
	    "homeassistant.lan",    "raspberrypi.local",     "chromecast.example.org",
	    "thermostat.example",   "playstation.example",   "nextcloud.example.org",
	    "backupnas.example",    "officejet.example",     "kitchen-tv.example",
	    "livingroom.example",   "intranet.corp",         "mailhost.corp",
	    "smtp-relay-01.corp",   "web-2023-test.example", "cdn-77a3f2.example.net",
	};
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d;
	uint64_t t = T0;

	(void)state;
	/* The judgement itself: the label it looks at, the edges. */
	assert_true(vg_dga_random_name("xjwqpmbvkdtr.com", 16));
	assert_true(vg_dga_random_name("xjwqpmbvkdtr.com.", 17)); /* a trailing dot */
	assert_true(vg_dga_random_name("www.xjwqpmbvkdtr.com", 20));
	assert_true(vg_dga_random_name("a1b2c3d4e5f6.net", 16));
	assert_false(vg_dga_random_name("site1306.com", 12));      /* a word and a number */
	assert_false(vg_dga_random_name("xjwqpmb.com", 11));       /* under 8 characters */
	assert_false(vg_dga_random_name("com.xjwqpmbvkdtr", 16));  /* only the TLD is random */
	assert_false(vg_dga_random_name("xjwq_pmbvkdtr.com", 17)); /* not a host name */
	assert_false(vg_dga_random_name("", 0));
	assert_false(vg_dga_random_name("....", 4));
	vg_settings_default(&set);
	set.detect.dga_names = 2;
	d = engine_with(&set, &home);
	for (unsigned r = 0; r < 2; r++)
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
			dns_lookup(d, words[i], VG_DNS_NXDOMAIN, t += NS);
	vg_detect_tick(d, t += 3600 * NS);
	assert_int_equal(n_got, 0);
	dns_lookup(d, "xjwqpmbvkdtr.com", VG_DNS_NXDOMAIN, t += NS);
	dns_lookup(d, "kqlxtqptsmys.ru", VG_DNS_NXDOMAIN, t += NS);
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "malware.dga");
	assert_int_equal(got[0].attempts, 2);
	assert_false(got[0].succeeded);

	/* The default threshold: 19 distinct generated names are not enough. */
	d = engine(&set, &home);
	for (unsigned i = 0; i < 19; i++) {
		char name[64];
		snprintf(name, sizeof name, "qzx%02uwvkptmr.net", i);
		dns_lookup(d, name, VG_DNS_NXDOMAIN, t += NS);
	}
	vg_detect_free(d);
	assert_int_equal(n_got, 0);
}

/* A probe's flow as the flow table hands it over: its one packet counted,
 * then the packet hook, then the flow's end with no answer. */
static void unanswered_probe(struct vg_detect *d, struct vg_flow *f, const struct vg_packet *p,
			     uint64_t bytes)
{
	f->pkts[0] = 1; /* the flow table counts the packet before the hook */
	vg_detect_packet(d, p, f, 0);
	f->bytes[0] = bytes;
	f->tcp_flags[0] = p->tcp_flags;
	f->tcp_state = VG_TCP_SYN_SENT;
	vg_detect_flow_end(d, f, NULL);
}

/* nmap -O: a SYN scan in nmap's probe format plus one SYN|FIN|PSH|URG. */
static void test_os_scan_by_nmap(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	(void)state;
	for (uint16_t port = 1; port <= 31; port++) {
		uint8_t fl = port == 31 ? VG_TH_SYN | VG_TH_FIN | VG_TH_PSH | VG_TH_URG : VG_TH_SYN;
		struct vg_flow f =
		    flow4(ROUTER4, CLIENT4, 40000, port, VG_IPPROTO_TCP, T0 + port * MS);
		struct vg_packet p =
		    tcp_pkt(ROUTER4, CLIENT4, 40000, port, fl, NULL, T0 + port * MS);
		p.tcp.hlen = 24, p.tcp.mss = 1460, p.tcp.window = 1024;
		unanswered_probe(d, &f, &p, 60);
	}
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "scan.os");
	assert_string_equal(got[0].technique, "syn");
	assert_non_null(got[0].tool);
	assert_string_equal(got[0].tool, "nmap");
	assert_false(got[0].src_verified);
}

/* zmap: SYNs with IP identification 54321 and a window of 65535 (its
 * probe module's fixed values), one port across many hosts. */
static void test_sweep_by_zmap(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	(void)state;
	for (unsigned i = 1; i <= 64; i++) {
		struct vg_addr victim = CLIENT4;
		victim.b[3] = (uint8_t)i;
		struct vg_flow f = flow4(ROUTER4, victim, 40000, 443, VG_IPPROTO_TCP, T0 + i * MS);
		struct vg_packet p =
		    tcp_pkt(ROUTER4, victim, 40000, 443, VG_TH_SYN, NULL, T0 + i * MS);
		p.tcp.window = 65535;
		p.frag_id = 54321;
		unanswered_probe(d, &f, &p, 54);
	}
	vg_detect_free(d);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].kind, "scan.sweep");
	assert_non_null(got[0].tool);
	assert_string_equal(got[0].tool, "zmap");
}

/* A flood that lasts: interim reports (final false) with the attack's id
 * and its packets so far, each detect.update seconds, then the final. */
static void test_flood_updates(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d;

	(void)state;
	vg_settings_default(&set);
	set.detect.update_s = 1;
	assert_int_equal(vg_cidr_parse(&home, "192.0.2.0/24", NULL, 0), 0);
	n_got = 0;
	assert_int_equal(vg_detect_new(&d, &set.detect, &home, NULL, SEED, on_attack, NULL), 0);
	/* 4,000 half-open connections a second for 3.5 s. */
	for (uint32_t i = 0; i < 14000; i++) {
		uint64_t ts = T0 + (uint64_t)i * 250000;
		struct vg_flow f =
		    flow4(a4n(0x0b000000 + i * 7919), CLIENT4, 1024, 443, VG_IPPROTO_TCP, ts);
		f.pkts[0] = 1;
		f.tcp_flags[0] = VG_TH_SYN;
		f.tcp_state = VG_TCP_SYN_SENT;
		vg_detect_flow_end(d, &f, NULL);
		if (i % 64 == 63)
			vg_detect_tick(d, ts);
	}
	vg_detect_free(d);
	assert_int_equal(n_got, 4); /* updates near 1, 2 and 3 s, then the end */
	for (unsigned i = 0; i < 4; i++) {
		assert_string_equal(got[i].kind, "flood.syn");
		assert_int_equal(got[i].id, got[0].id);
		assert_int_equal(got[i].final, i == 3);
		if (i)
			assert_true(got[i].packets > got[i - 1].packets);
	}
	assert_int_equal(got[3].packets, 14000);
}

/* ---- malware.beacon and exfil.volume ------------------------------------ */

/* A terminal's connection to SERVER4: handshake, sent and received bytes. */
static struct vg_flow conn(uint16_t sport, uint16_t dport, uint64_t ts, uint64_t sent,
			   uint64_t received)
{
	struct vg_flow f = flow4(CLIENT4, SERVER4, sport, dport, VG_IPPROTO_TCP, ts);

	f.flags |= VG_FLOW_HANDSHAKE;
	f.pkts[0] = 5;
	f.pkts[1] = 4;
	f.bytes[0] = sent;
	f.bytes[1] = received;
	f.last_ns = ts + 200 * MS;
	f.tcp_flags[0] = f.tcp_flags[1] = VG_TH_SYN | VG_TH_ACK | VG_TH_FIN;
	return f;
}

static unsigned count_kind(const char *kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_got && i < MAX_ATTACKS; i++)
		n += got[i].final && !strcmp(got[i].kind, kind);
	return n;
}

static void test_beacon_regular(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	const struct vg_attack *a = NULL;

	(void)state;
	/* 150 check-ins every 60 s, +-2 s, 300 bytes each: 2.5 hours. */
	for (uint32_t i = 0; i < 150; i++) {
		uint64_t ts = T0 + (uint64_t)i * 60 * NS + (uint64_t)((i * 7) % 5) * NS;
		struct vg_flow f = conn((uint16_t)(30000 + i), 443, ts, 300, 900);
		vg_detect_flow_end(d, &f, NULL);
		vg_detect_tick(d, ts);
	}
	vg_detect_free(d);
	assert_int_equal(count_kind("malware.beacon"), 1);
	for (unsigned i = 0; i < n_got && i < MAX_ATTACKS; i++)
		if (got[i].final)
			a = &got[i];
	assert_non_null(a);
	assert_string_equal(a->technique, "beacon");
	assert_string_equal(a->direction, "outbound");
	assert_memory_equal(a->src.b, SERVER4.b, 4); /* the endpoint is the party to attribute */
	assert_memory_equal(a->dst.b, CLIENT4.b, 4);
	assert_int_equal(a->attempts, 150);
	assert_int_equal(a->port_list[0], 443);
	assert_int_equal(a->start_ns, T0);
	assert_true(a->src_verified);
}

static void test_beacon_irregular_is_not(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	uint64_t ts = T0, x = 12345;

	(void)state;
	/* 150 connections to one server over hours, but at random intervals
	 * (1 to 600 s) and with random sizes: a person browsing. */
	for (uint32_t i = 0; i < 150; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		ts += (1 + (x >> 33) % 600) * NS;
		struct vg_flow f =
		    conn((uint16_t)(30000 + i), 443, ts, 500 + (x >> 40) % 50000, 9000);
		vg_detect_flow_end(d, &f, NULL);
		vg_detect_tick(d, ts);
	}
	vg_detect_free(d);
	assert_int_equal(count_kind("malware.beacon"), 0);
}

static void test_exfil_volume_and_baseline(void **state)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	uint64_t ts = T0;

	(void)state;
	/* A 200 MB upload (1 MB back): exfiltration; a 200 MB download: not. */
	struct vg_flow up = conn(40000, 443, ts, 200ull << 20, 1ull << 20);
	struct vg_flow down = flow4(CLIENT4, DNS4, 40001, 443, VG_IPPROTO_TCP, ts);
	down.bytes[0] = 1ull << 20;
	down.bytes[1] = 200ull << 20;
	down.pkts[0] = down.pkts[1] = 100;
	vg_detect_flow_end(d, &down, NULL);
	vg_detect_flow_end(d, &up, NULL);
	vg_detect_free(d);
	assert_int_equal(count_kind("exfil.volume"), 1);
	assert_string_equal(got[0].direction, "outbound");
	assert_memory_equal(got[0].src.b, SERVER4.b, 4); /* the receiver */
	assert_memory_equal(got[0].dst.b, CLIENT4.b, 4);
	assert_int_equal(got[0].bytes, 200ull << 20);

	/* A terminal that uploads 50 MB to each of 4 hosts every 2 hours (its
	 * baseline) then 200 MB to one: less than 10 times its habit. */
	d = engine(&set, &home);
	for (uint32_t i = 0; i < 4; i++) {
		struct vg_flow f =
		    flow4(CLIENT4, a4n(0x0b000001 + i), 40000, 443, VG_IPPROTO_TCP, ts);
		f.bytes[0] = 50ull << 20;
		f.pkts[0] = f.pkts[1] = 100;
		vg_detect_flow_end(d, &f, NULL);
		ts += 7200 * NS;
		vg_detect_tick(d, ts);
	}
	up = conn(40000, 443, ts, 200ull << 20, 1ull << 20);
	vg_detect_flow_end(d, &up, NULL);
	vg_detect_free(d);
	assert_int_equal(count_kind("exfil.volume"), 0);
}

/* ---- flow ends announced by the flow table (vg_detect_prefetch) ------- */

#define MIXED_FLOWS 2400
#define MIXED_BATCH 32

/* A scan, a brute force, a SYN flood and an upload, interleaved. */
static void mixed_flows(struct vg_flow *fl)
{
	for (uint32_t i = 0; i < MIXED_FLOWS; i++) {
		uint64_t ts = T0 + i * 200 * US;
		struct vg_flow *f = &fl[i];
		switch (i % 4) {
		case 0: /* an unanswered SYN to one more port */
			*f = flow4(ROUTER4, CLIENT4, 40000, (uint16_t)(i / 4 % 500 + 1),
				   VG_IPPROTO_TCP, ts);
			f->pkts[0] = 1;
			f->tcp_flags[0] = VG_TH_SYN;
			break;
		case 1: /* a short SSH session from one of 3 guessers */
			*f = flow4(a4n(0xcb007100 + i / 4 % 3), SERVER4, (uint16_t)(20000 + i), 22,
				   VG_IPPROTO_TCP, ts);
			f->last_ns = ts + 3 * NS;
			f->pkts[0] = 12, f->pkts[1] = 10;
			f->tcp_flags[0] = f->tcp_flags[1] =
			    VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN;
			f->flags |= VG_FLOW_HANDSHAKE;
			break;
		case 2: /* a SYN from a forged source */
			*f = flow4(a4n(0x0b000000 + i * 7919), CLIENT4, 1024, 443, VG_IPPROTO_TCP,
				   ts);
			f->pkts[0] = 1;
			f->tcp_flags[0] = VG_TH_SYN;
			break;
		default: /* 5 MB up from a terminal */
			*f =
			    flow4(CLIENT4, SERVER4, (uint16_t)(30000 + i), 443, VG_IPPROTO_TCP, ts);
			f->bytes[0] = 5ull << 20, f->bytes[1] = 1024;
			f->pkts[0] = f->pkts[1] = 100;
			f->tcp_flags[0] = f->tcp_flags[1] = VG_TH_SYN | VG_TH_ACK;
			f->flags |= VG_FLOW_HANDSHAKE;
			break;
		}
	}
}

/* How the flows reach the engine: 0 plain ends; 1 each batch prefetched
 * then ended in order (as the flow table does); 2 batches ended out of
 * order or only partly prefetched; 3 every flow prefetched first (the
 * ring overflows). The attacks must be the same. */
static unsigned run_mixed(int mode, const struct vg_flow *fl, struct vg_attack *out)
{
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);

	if (mode == 3)
		for (uint32_t i = 0; i < MIXED_FLOWS; i++)
			vg_detect_prefetch(d, &fl[i]);
	for (uint32_t b = 0; b < MIXED_FLOWS; b += MIXED_BATCH) {
		uint32_t n = MIXED_FLOWS - b < MIXED_BATCH ? MIXED_FLOWS - b : MIXED_BATCH;
		for (uint32_t i = 0; i < n; i++)
			if (mode == 1 || (mode == 2 && (b / MIXED_BATCH % 3 != 2 || i % 2)))
				vg_detect_prefetch(d, &fl[b + i]);
		if (mode == 2 && b / MIXED_BATCH % 3 == 1) { /* the first two swapped */
			vg_detect_flow_end(d, &fl[b + 1], NULL);
			vg_detect_flow_end(d, &fl[b], NULL);
			for (uint32_t i = 2; i < n; i++)
				vg_detect_flow_end(d, &fl[b + i], NULL);
		} else {
			for (uint32_t i = 0; i < n; i++)
				vg_detect_flow_end(d, &fl[b + i], NULL);
		}
		vg_detect_tick(d, fl[b + n - 1].last_ns);
	}
	vg_detect_free(d);
	memcpy(out, got, sizeof got);
	return n_got;
}

static void test_prefetched_ends_same(void **state)
{
	static struct vg_flow fl[MIXED_FLOWS];
	static struct vg_attack want[MAX_ATTACKS], have[MAX_ATTACKS];
	unsigned n_want, n_have;

	(void)state;
	mixed_flows(fl);
	n_want = run_mixed(0, fl, want);
	assert_true(n_want >= 3 && n_want <= MAX_ATTACKS);
	for (int mode = 1; mode <= 3; mode++) {
		n_have = run_mixed(mode, fl, have);
		assert_int_equal(n_have, n_want);
		for (unsigned i = 0; i < n_want; i++) {
			assert_string_equal(have[i].kind, want[i].kind);
			assert_memory_equal(have[i].src.b, want[i].src.b, 16);
			assert_memory_equal(have[i].dst.b, want[i].dst.b, 16);
			assert_int_equal(have[i].attempts, want[i].attempts);
			assert_int_equal(have[i].packets, want[i].packets);
			assert_int_equal(have[i].bytes, want[i].bytes);
			assert_int_equal(have[i].victims, want[i].victims);
			assert_int_equal(have[i].ports, want[i].ports);
			assert_int_equal(have[i].start_ns, want[i].start_ns);
			assert_int_equal(have[i].end_ns, want[i].end_ns);
			assert_string_equal(have[i].evidence, want[i].evidence);
		}
	}
}

/* The views' client_home and server_home (the engine matches both ends
 * in one pass over the prefixes split by family) agree with
 * vg_cidr_match, over more IPv4 prefixes than a vector holds, and again
 * after the set changed in place and the engine was reconfigured. */
static void test_view_home_ends(void **state)
{
	static const char *const sets[] = {
	    "10.0.0.0/8,fc00::/7,172.16.0.0/12,192.168.0.0/16,192.0.2.77,2001:db8:1::/48,"
	    "198.51.100.128/25,203.0.113.0/24,100.64.0.0/10",
	    "0.0.0.0/0,fd00::/8",
	    "2001:db8::/32",
	};
	const struct vg_addr addrs[] = {
	    a4(10, 1, 2, 3),         a4(11, 0, 0, 1),         a4(172, 31, 255, 1),
	    a4(172, 32, 0, 1),       a4(192, 0, 2, 77),       a4(192, 0, 2, 78),
	    a4(198, 51, 100, 200),   a4(198, 51, 100, 1),     a4(100, 127, 0, 1),
	    a4(203, 0, 113, 9),      a6(0xfd00, 1, 2, 3),     a6(0xfe00, 1, 2, 3),
	    a6(0x2001, 0xdb8, 1, 4), a6(0x2001, 0xdb8, 2, 4), a6(0x0a00, 0, 0, 0),
	};
	struct vg_settings set;
	struct vg_cidr_set home;
	struct vg_detect *d = engine(&set, &home);
	char err[128];
	unsigned checked = 0, homes = 0;

	(void)state;
	for (size_t k = 0; k < VG_ARRAY_LEN(sets); k++) {
		assert_int_equal(vg_cidr_parse(&home, sets[k], err, sizeof err), 0);
		vg_detect_reconfigure(d);
		for (size_t i = 0; i < VG_ARRAY_LEN(addrs); i++)
			for (size_t j = 0; j < VG_ARRAY_LEN(addrs); j++) {
				bool v4 = i < 10, w4 = j < 10;
				const struct vg_flow_view *v;
				struct vg_flow f;
				if (v4 != w4)
					continue;
				if (v4) {
					f = flow4(addrs[i], addrs[j], 1000, 80, VG_IPPROTO_TCP, T0);
				} else {
					memset(&f, 0, sizeof f);
					f.key.lo = addrs[i];
					f.key.hi = addrs[j];
					f.key.port_lo = 1000;
					f.key.port_hi = 80;
					f.flags = VG_FLOW_USED | VG_FLOW_CLIENT_LO;
					f.proto = VG_IPPROTO_TCP;
				}
				v = vg_detect_view(d, &f);
				assert_int_equal(v->e.family, v4 ? 4 : 6);
				assert_int_equal(v->client_home,
						 vg_cidr_match(&home, &v->e.client, v->e.family));
				assert_int_equal(v->server_home,
						 vg_cidr_match(&home, &v->e.server, v->e.family));
				checked++;
				homes += v->client_home;
			}
	}
	assert_int_equal(checked, 3 * (10 * 10 + 5 * 5));
	assert_true(homes > 0 && homes < checked);
	vg_detect_free(d);
}

static void test_port_list_parse(void **state)
{
	struct vg_port_list l;
	char err[128];

	(void)state;
	assert_int_equal(vg_port_list_parse(&l, "123/udp, 443/tcp,8080", err, sizeof err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.port[0], 123);
	assert_int_equal(l.proto[0], VG_IPPROTO_UDP);
	assert_int_equal(l.proto[1], VG_IPPROTO_TCP);
	assert_int_equal(l.proto[2], 0);
	assert_int_equal(vg_port_list_parse(&l, "", err, sizeof err), 0);
	assert_int_equal(l.n, 0);
	assert_true(vg_port_list_parse(&l, "0", err, sizeof err) < 0);
	assert_true(vg_port_list_parse(&l, "65536", err, sizeof err) < 0);
	assert_true(vg_port_list_parse(&l, "53/icmp", err, sizeof err) < 0);
	assert_string_equal(err, "\"53/icmp\" is not a port (1-65535, optionally /tcp or /udp)");
	assert_true(vg_port_list_parse(&l, "53/t", err, sizeof err) < 0);
	assert_true(vg_port_list_parse(&l, "80x", err, sizeof err) < 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_find_create),
	    cmocka_unit_test(test_table_bounded_eviction),
	    cmocka_unit_test(test_table_slot_choice),
	    cmocka_unit_test(test_table_filter),
	    cmocka_unit_test(test_syn_scan),
	    cmocka_unit_test(test_busy_client_is_not_a_scan),
	    cmocka_unit_test(test_syn_flood_forged),
	    cmocka_unit_test(test_flood_updates),
	    cmocka_unit_test(test_ftp_replies_then_success),
	    cmocka_unit_test(test_http_replies),
	    cmocka_unit_test(test_os_scan_by_nmap),
	    cmocka_unit_test(test_sweep_by_zmap),
	    cmocka_unit_test(test_scan_idle_between_ticks),
	    cmocka_unit_test(test_many_open_scans),
	    cmocka_unit_test(test_ssh_bruteforce_then_success),
	    cmocka_unit_test(test_http_form_logins),
	    cmocka_unit_test(test_http_form_keepalive),
	    cmocka_unit_test(test_dga_nxdomain_burst),
	    cmocka_unit_test(test_dga_words_are_not),
	    cmocka_unit_test(test_beacon_regular),
	    cmocka_unit_test(test_beacon_irregular_is_not),
	    cmocka_unit_test(test_exfil_volume_and_baseline),
	    cmocka_unit_test(test_prefetched_ends_same),
	    cmocka_unit_test(test_view_home_ends),
	    cmocka_unit_test(test_port_list_parse),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
