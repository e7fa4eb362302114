/*
 * app_test.c - unit tests of the app stage (src/app/): the DNS, TLS and
 * HTTP parsers on byte arrays (valid messages, every truncation of them,
 * malformed fields), JA3 and JA4 against published values, and the side
 * table and DNS cache behind a flow table.
 *
 * Names and addresses follow tests/data/README.md (client 192.0.2.10,
 * DNS server 198.51.100.53); the JA4 vector is the example of FoxIO's
 * technical_details/JA4.md, with GREASE values added that must be skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/app.h"
#include "cli/settings.h"
#include "common/vg.h"
#include "flow/flow.h"
#include "packets.h"

/* Query for www.example.com A, id 0x1234, RD. */
static const uint8_t dns_query[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* header, qd 1 */
    3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  /* www.example */
    3,    'c',  'o',  'm',  0,                                              /* .com */
    0x00, 0x01, 0x00, 0x01,                                                 /* A IN */
};

/* Its answer: a CNAME to cdn.example.com (pointer into the question), then
 * an A for the CNAME's target (pointer to the CNAME's rdata) and an AAAA. */
static const uint8_t dns_answer[] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, /* header, an 3 */
    3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  /* @12 */
    3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01,                   /* question */
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x06, /* CNAME ttl 60 */
    3,    'c',  'd',  'n',  0xc0, 0x10, /* @45 cdn.example.com */
    0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, /* A ttl 300 */
    192,  0,    2,    80,                                                   /* 192.0.2.80 */
    0xc0, 0x2d, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x10, /* AAAA */
    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,    /* 2001:db8:: */
    0,    0,    0,    0x80,                                                 /* ::80 */
};

static void test_dns_query_and_answer(void **state)
{
	struct vg_app_dns d;

	(void)state;
	memset(&d, 0, sizeof d);
	assert_int_equal(vg_dns_parse(dns_query, sizeof dns_query, &d), 0);
	assert_true(d.has_query);
	assert_false(d.has_response);
	assert_string_equal(d.rrname, "www.example.com");
	assert_int_equal(d.rrtype, 1);
	assert_int_equal(d.id, 0x1234);
	assert_int_equal(vg_dns_parse(dns_answer, sizeof dns_answer, &d), 0);
	assert_true(d.has_response);
	assert_int_equal(d.rcode, 0);
	assert_int_equal(d.n_answers, 3);
	assert_int_equal(d.n_kept, 3);
	assert_int_equal(d.answers[0].rrtype, 5);
	assert_string_equal(d.cnames + d.answers[0].cname_off, "cdn.example.com");
	assert_int_equal(d.answers[1].rrtype, 1);
	assert_int_equal(d.answers[1].ttl, 300);
	assert_memory_equal(d.answers[1].addr.b, ((uint8_t[]){192, 0, 2, 80}), 4);
	assert_int_equal(d.answers[2].rrtype, 28);
	assert_int_equal(d.answers[2].addr.b[15], 0x80);
	assert_string_equal(vg_dns_rcode_name(3), "NXDOMAIN");
	assert_string_equal(vg_dns_rrtype_name(28), "AAAA");
}

/* Every truncation of both messages: a problem counted, never a crash
 * (ASan build), and the header-only cuts say "truncated". */
static void test_dns_every_truncation(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof dns_answer; n++) {
		struct vg_app_dns d;
		memset(&d, 0, sizeof d);
		assert_int_not_equal(vg_dns_parse(dns_answer, n, &d), 0);
		if (n < 12)
			assert_false(d.has_response);
	}
	for (size_t n = 0; n < sizeof dns_query; n++) {
		struct vg_app_dns d;
		memset(&d, 0, sizeof d);
		assert_int_equal(vg_dns_parse(dns_query, n, &d), VG_APPC_dns_truncated);
	}
}

static void test_dns_malformed(void **state)
{
	uint8_t m[sizeof dns_query];
	struct vg_app_dns d;

	(void)state;
	/* A pointer to itself: a loop. */
	memcpy(m, dns_query, sizeof m);
	m[12] = 0xc0;
	m[13] = 12;
	memset(&d, 0, sizeof d);
	assert_int_equal(vg_dns_parse(m, sizeof m, &d), VG_APPC_dns_bad_pointer);
	/* A pointer past the end. */
	m[13] = 0xff;
	m[12] = 0xc3;
	memset(&d, 0, sizeof d);
	assert_int_equal(vg_dns_parse(m, sizeof m, &d), VG_APPC_dns_bad_pointer);
	/* A reserved label type (0x40). */
	memcpy(m, dns_query, sizeof m);
	m[12] = 0x43;
	memset(&d, 0, sizeof d);
	assert_int_equal(vg_dns_parse(m, sizeof m, &d), VG_APPC_dns_bad_label);
	/* No question. */
	memcpy(m, dns_query, sizeof m);
	m[5] = 0;
	memset(&d, 0, sizeof d);
	assert_int_equal(vg_dns_parse(m, sizeof m, &d), VG_APPC_dns_no_question);
}

static void test_dns_long_name_cut(void **state)
{
	/* 5 labels of 63 bytes: 319 characters, over 255. */
	uint8_t m[12 + 5 * 64 + 1 + 4];
	struct vg_app_dns d;
	size_t o = 12;

	(void)state;
	memset(m, 0, sizeof m);
	m[5] = 1; /* qdcount */
	for (int i = 0; i < 5; i++) {
		m[o++] = 63;
		memset(m + o, 'a' + i, 63);
		o += 63;
	}
	m[o++] = 0;
	m[o + 1] = 1;
	m[o + 3] = 1;
	memset(&d, 0, sizeof d);
	assert_int_equal(vg_dns_parse(m, sizeof m, &d), VG_APPC_dns_name_too_long);
	assert_true(d.rrname_truncated);
	assert_int_equal(strlen(d.rrname), VG_APP_NAME_MAX - 1);
}

/* A ClientHello built like tests/data/make_app_captures.py's: the JA4
 * spec's ciphers, extensions and signature algorithms, with GREASE. */
static size_t build_hello(uint8_t *b)
{
	static const uint16_t ciphers[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					   0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
					   0x009c, 0x009d, 0x002f, 0x0035};
	static const uint16_t exts[] = {0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469,
					0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
					0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
	static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503,
					0x0805, 0x0501, 0x0806, 0x0601};
	size_t o = 9, hs_start, ext_len_at;

#define PUT16(v) (b[o] = (uint8_t)((v) >> 8), b[o + 1] = (uint8_t)(v), o += 2)
	PUT16(0x0303);        /* legacy_version */
	memset(b + o, 7, 32); /* random */
	o += 32;
	b[o++] = 0;            /* session id */
	PUT16(sizeof ciphers); /* cipher suites */
	for (size_t i = 0; i < VG_ARRAY_LEN(ciphers); i++)
		PUT16(ciphers[i]);
	b[o++] = 1; /* compression: null */
	b[o++] = 0;
	ext_len_at = o;
	o += 2;
	for (size_t i = 0; i < VG_ARRAY_LEN(exts); i++) {
		size_t len_at;
		PUT16(exts[i]);
		len_at = o;
		o += 2;
		switch (exts[i]) {
		case 0x0000: /* server_name: c2.example.test */
			PUT16(18);
			b[o++] = 0;
			PUT16(15);
			memcpy(b + o, "c2.example.test", 15);
			o += 15;
			break;
		case 0x0010: /* ALPN: h2, http/1.1 */
			PUT16(12);
			b[o++] = 2;
			memcpy(b + o, "h2", 2);
			o += 2;
			b[o++] = 8;
			memcpy(b + o, "http/1.1", 8);
			o += 8;
			break;
		case 0x002b: /* supported_versions: GREASE, 1.3, 1.2 */
			b[o++] = 6;
			PUT16(0x7a7a);
			PUT16(0x0304);
			PUT16(0x0303);
			break;
		case 0x000d:
			PUT16(sizeof sigs);
			for (size_t j = 0; j < VG_ARRAY_LEN(sigs); j++)
				PUT16(sigs[j]);
			break;
		case 0x000a: /* groups: GREASE, x25519, secp256r1, secp384r1 */
			PUT16(8);
			PUT16(0x3a3a);
			PUT16(0x001d);
			PUT16(0x0017);
			PUT16(0x0018);
			break;
		case 0x000b: /* point formats: uncompressed */
			b[o++] = 1;
			b[o++] = 0;
			break;
		}
		b[len_at] = (uint8_t)((o - len_at - 2) >> 8);
		b[len_at + 1] = (uint8_t)(o - len_at - 2);
	}
	b[ext_len_at] = (uint8_t)((o - ext_len_at - 2) >> 8);
	b[ext_len_at + 1] = (uint8_t)(o - ext_len_at - 2);
	hs_start = 9;
	b[0] = 22; /* record: handshake, TLS 1.0 */
	b[1] = 3;
	b[2] = 1;
	b[3] = (uint8_t)((o - 5) >> 8);
	b[4] = (uint8_t)(o - 5);
	b[5] = 1; /* ClientHello */
	b[6] = 0;
	b[7] = (uint8_t)((o - hs_start) >> 8);
	b[8] = (uint8_t)(o - hs_start);
#undef PUT16
	return o;
}

static void test_tls_client_hello(void **state)
{
	uint8_t b[1024];
	size_t n = build_hello(b), need;
	struct vg_app_tls t;

	(void)state;
	memset(&t, 0, sizeof t);
	assert_int_equal(vg_tls_parse(b, n, &t, &need), 0);
	assert_true(t.has_client_hello);
	assert_string_equal(t.sni, "c2.example.test");
	assert_string_equal(t.alpn, "h2");
	assert_int_equal(t.client_version, 0x0304);
	/* JA4.md's example: t13d1516h2_8daaf6152771_e5627efa2ab1. */
	assert_string_equal(t.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	/* JA3 as tshark 4.0's tls.handshake.ja3_full / ja3 give it for
	 * tests/data/app-hellos.pcap (the same hello). */
	assert_string_equal(t.ja3, "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-"
				   "49172-156-157-47-53,27-0-51-16-17513-23-45-13-5-35-18-43-"
				   "65281-11-10-21,29-23-24,0");
	assert_string_equal(t.ja3_md5, "c000e2caf3a25423f9de6c8a4b12a975");
}

static void test_tls_split_and_truncations(void **state)
{
	uint8_t b[1024];
	size_t n = build_hello(b), need;

	(void)state;
	/* Any cut after the handshake header asks for the whole message. */
	for (size_t k = 9; k < n; k++) {
		struct vg_app_tls t;
		memset(&t, 0, sizeof t);
		assert_int_equal(vg_tls_parse(b, k, &t, &need), VG_APP_NEED_MORE);
		assert_int_equal(need, n);
	}
	for (size_t k = 0; k < 9; k++) {
		struct vg_app_tls t;
		memset(&t, 0, sizeof t);
		assert_int_equal(vg_tls_parse(b, k, &t, &need), VG_APPC_tls_truncated);
	}
	/* Inner lengths that overrun: every byte of the message set to 0xff
	 * in turn gives a result, never a read past the end (ASan). */
	for (size_t k = 9; k < n; k++) {
		uint8_t c[1024];
		struct vg_app_tls t;
		memcpy(c, b, n);
		c[k] = 0xff;
		memset(&t, 0, sizeof t);
		(void)vg_tls_parse(c, n, &t, &need);
	}
}

static void test_tls_bad_lengths(void **state)
{
	uint8_t b[1024];
	size_t n = build_hello(b), need;
	struct vg_app_tls t;

	(void)state;
	/* Handshake longer than its record: spread over records. */
	b[4] = 10;
	b[3] = 0;
	memset(&t, 0, sizeof t);
	assert_int_equal(vg_tls_parse(b, n, &t, &need), VG_APPC_tls_fragmented);
	n = build_hello(b);
	/* Cipher list length past the message. */
	b[9 + 35] = 0x7f;
	memset(&t, 0, sizeof t);
	assert_int_equal(vg_tls_parse(b, n, &t, &need), VG_APPC_tls_bad_length);
	assert_false(t.has_client_hello);
}

static void test_http(void **state)
{
	static const char req[] = "GET /gate.php?id=7 HTTP/1.1\r\n"
				  "host:  c2.example.test \r\n"
				  "User-Agent: Mozilla/4.0 (compatible)\r\n"
				  "Accept: */*\r\n\r\n";
	static const char resp[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	struct vg_app_http h;

	(void)state;
	memset(&h, 0, sizeof h);
	assert_int_equal(vg_http_parse_request((const uint8_t *)req, strlen(req), &h), 0);
	assert_string_equal(h.method, "GET");
	assert_string_equal(h.uri, "/gate.php?id=7");
	assert_string_equal(h.host, "c2.example.test");
	assert_string_equal(h.user_agent, "Mozilla/4.0 (compatible)");
	assert_string_equal(h.protocol, "HTTP/1.1");
	assert_int_equal(vg_http_parse_response((const uint8_t *)resp, strlen(resp), &h), 0);
	assert_int_equal(h.status, 404);
	/* Every truncation: the request line cut gives truncated or
	 * bad_request, a cut head gives truncated; never a crash. */
	for (size_t n = 0; n < strlen(req) - 2; n++) {
		struct vg_app_http t;
		int rc;
		memset(&t, 0, sizeof t);
		rc = vg_http_parse_request((const uint8_t *)req, n, &t);
		assert_true(rc == VG_APPC_http_truncated || rc == VG_APPC_http_bad_request);
	}
	memset(&h, 0, sizeof h);
	assert_int_equal(vg_http_parse_request((const uint8_t *)"GET / FTP/1.0\r\n\r\n", 17, &h),
			 VG_APPC_http_bad_request);
	assert_int_equal(vg_http_parse_response((const uint8_t *)"HTTP/1.1 2x0 OK\r\n", 17, &h),
			 VG_APPC_http_bad_status);
	assert_int_equal(vg_http_parse_response((const uint8_t *)"SSH-2.0-x\r\n", 11, &h),
			 VG_APPC_http_bad_status);
}

/* ---- the side table and the DNS cache, behind a flow table ---- */

struct rig {
	struct vg_flow_table *t;
	struct vg_app *app;
	unsigned ended_with_meta;
};

static void rig_end(void *arg, const struct vg_flow *f, enum vg_flow_end why)
{
	struct rig *r = arg;

	(void)why;
	if (vg_app_of(r->app, f))
		r->ended_with_meta++;
	vg_app_flow_end(r->app, f);
	assert_null(vg_app_of(r->app, f));
}

static struct vg_packet dns_pkt(const uint8_t *msg, size_t len, uint16_t cport, bool reply,
				uint64_t ts)
{
	struct vg_addr c = a4(192, 0, 2, 10), s = a4(198, 51, 100, 53);
	struct vg_packet p =
	    ip_pkt(4, VG_IPPROTO_UDP, reply ? s : c, reply ? c : s, ts, (uint32_t)len);

	p.flags |= VG_PKT_PORTS;
	p.sport = reply ? 53 : cport;
	p.dport = reply ? cport : 53;
	p.data = msg;
	p.payload_off = 0;
	p.payload_len = (uint16_t)len;
	return p;
}

static void rig_new(struct rig *r, uint64_t memcap)
{
	struct vg_settings s;

	vg_settings_default(&s);
	s.flow.hash_seed = 42;
	s.flow.memcap = 1u << 20;
	s.app.memcap = memcap;
	memset(r, 0, sizeof *r);
	assert_int_equal(vg_flow_table_new(&r->t, &s.flow, rig_end, r), 0);
	assert_int_equal(vg_app_new(&r->app, &s.app, r->t, 42), 0);
	vg_flow_table_set_payload_hook(r->t, vg_app_packet, r->app, s.app.packets);
}

static void test_table_and_cache(void **state)
{
	struct rig r;
	struct vg_packet p[2];
	struct vg_flow *fl[2];
	const struct vg_app_flow *af;
	struct vg_addr a80 = a4(192, 0, 2, 80), a81 = a4(192, 0, 2, 81);
	const char *name;

	(void)state;
	rig_new(&r, 16u << 20);
	p[0] = dns_pkt(dns_query, sizeof dns_query, 40000, false, T0);
	vg_flow_update_batch(r.t, p, 1, fl);
	af = vg_app_of(r.app, fl[0]);
	assert_non_null(af);
	assert_int_equal(af->proto, VG_APP_DNS);
	assert_string_equal(af->dns.rrname, "www.example.com");
	assert_null(vg_app_name_of_addr(r.app, 4, &a80));
	p[1] = dns_pkt(dns_answer, sizeof dns_answer, 40000, true, T0 + 1000);
	vg_flow_update_batch(r.t, p + 1, 1, fl + 1);
	/* A later connection to 192.0.2.80 knows the name it came from. */
	name = vg_app_name_of_addr(r.app, 4, &a80);
	assert_non_null(name);
	assert_string_equal(name, "www.example.com");
	assert_null(vg_app_name_of_addr(r.app, 4, &a81));
	assert_int_equal(vg_app_stats(r.app)->c[VG_APPC_dns_cache_inserted], 2);
	vg_flow_table_flush(r.t);
	assert_int_equal(r.ended_with_meta, 1);
	vg_app_free(r.app);
	vg_flow_table_free(r.t);
}

/* Cache writes are queued (app.c) and applied before the next read, the
 * release of their entry, or when the queue is full: an answer is found
 * after its flow ended unread, after more answers than the queue holds,
 * and a later write of the same address wins over a queued one. */
static void test_cache_queue(void **state)
{
	struct rig r;
	struct vg_packet p;
	struct vg_flow *fl[1];
	struct vg_addr a80 = a4(192, 0, 2, 80);
	uint8_t q2[sizeof dns_query];
	const char *name;

	(void)state;
	rig_new(&r, 16u << 20);
	for (unsigned i = 0; i < 40; i++) { /* 40 flows, 2 cached answers each */
		p = dns_pkt(dns_query, sizeof dns_query, (uint16_t)(40000 + i), false,
			    T0 + i * 10000);
		vg_flow_update_batch(r.t, &p, 1, fl);
		p = dns_pkt(dns_answer, sizeof dns_answer, (uint16_t)(40000 + i), true,
			    T0 + i * 10000 + 1000);
		vg_flow_update_batch(r.t, &p, 1, fl);
	}
	assert_int_equal(vg_app_stats(r.app)->c[VG_APPC_dns_cache_inserted], 80);
	vg_flow_table_flush(r.t); /* every entry released before any read */
	assert_int_equal(r.ended_with_meta, 40);
	/* A new flow takes a released entry and writes its own name there:
	 * the writes queued from that entry were applied at its release. */
	memcpy(q2, dns_query, sizeof q2);
	q2[13] = 'x';
	p = dns_pkt(q2, sizeof q2, 42000, false, T0 + 500000);
	vg_flow_update_batch(r.t, &p, 1, fl);
	assert_string_equal(vg_app_of(r.app, fl[0])->dns.rrname, "xww.example.com");
	name = vg_app_name_of_addr(r.app, 4, &a80);
	assert_non_null(name);
	assert_string_equal(name, "www.example.com");
	/* A queued answer, then the merger's write of the same address. */
	p = dns_pkt(dns_query, sizeof dns_query, 41000, false, T0 + 1000000);
	vg_flow_update_batch(r.t, &p, 1, fl);
	p = dns_pkt(dns_answer, sizeof dns_answer, 41000, true, T0 + 1001000);
	vg_flow_update_batch(r.t, &p, 1, fl);
	vg_app_dns_put(r.app, 4, &a80, "later.example.net");
	name = vg_app_name_of_addr(r.app, 4, &a80);
	assert_non_null(name);
	assert_string_equal(name, "later.example.net");
	vg_flow_table_flush(r.t);
	vg_app_free(r.app);
	vg_flow_table_free(r.t);
}

static void test_table_eviction(void **state)
{
	struct rig r;
	struct vg_flow *first = NULL, *fl[1];
	const struct vg_app_stats *st;

	(void)state;
	rig_new(&r, 64u << 10); /* the smallest memcap: a few dozen entries */
	for (unsigned i = 0; i < 200; i++) {
		struct vg_packet p = dns_pkt(dns_query, sizeof dns_query, (uint16_t)(30000 + i),
					     false, T0 + i * 1000);
		vg_flow_update_batch(r.t, &p, 1, fl);
		assert_non_null(vg_app_of(r.app, fl[0])); /* the newest always has its entry */
		if (i == 0)
			first = fl[0];
	}
	st = vg_app_stats(r.app);
	assert_int_equal(st->c[VG_APPC_flows], 200);
	assert_true(st->c[VG_APPC_evicted] > 0);
	assert_true(st->c[VG_APPC_evicted] < 200);
	assert_null(vg_app_of(r.app, first)); /* the oldest went first */
	vg_flow_table_flush(r.t);
	assert_int_equal(r.ended_with_meta, 200 - st->c[VG_APPC_evicted]);
	vg_app_free(r.app);
	vg_flow_table_free(r.t);
}

static struct vg_packet tls_pkt(const uint8_t *data, size_t len, uint16_t cport, uint32_t seq,
				uint8_t flags, uint64_t ts)
{
	struct vg_packet p = ip_pkt(4, VG_IPPROTO_TCP, CLIENT4, SERVER4, ts, (uint32_t)len);

	p.flags |= VG_PKT_PORTS;
	p.sport = cport;
	p.dport = 443;
	p.tcp_flags = flags;
	p.tcp.seq = seq;
	p.data = data;
	p.payload_off = 0;
	p.payload_len = (uint16_t)len;
	return p;
}

/* A ClientHello split over two segments, with the first one sent twice
 * (a retransmission): gathered and parsed once. Another whose second
 * segment comes out of order: given up and counted (app.tls.gap). */
static void test_table_split_hello(void **state)
{
	struct rig r;
	uint8_t b[1024];
	size_t n = build_hello(b);
	struct vg_packet p[4];
	struct vg_flow *fl[4];
	const struct vg_app_flow *af;
	const struct vg_app_stats *st;

	(void)state;
	rig_new(&r, 16u << 20);
	p[0] = tls_pkt(NULL, 0, 41000, 99, VG_TH_SYN, T0);
	p[1] = tls_pkt(b, 100, 41000, 100, VG_TH_ACK | VG_TH_PSH, T0 + 1000);
	p[2] = tls_pkt(b, 100, 41000, 100, VG_TH_ACK | VG_TH_PSH, T0 + 2000);
	p[3] = tls_pkt(b + 100, n - 100, 41000, 200, VG_TH_ACK | VG_TH_PSH, T0 + 3000);
	vg_flow_update_batch(r.t, p, 3, fl);
	af = vg_app_of(r.app, fl[2]);
	assert_non_null(af);
	assert_int_equal(af->proto, VG_APP_TLS);
	assert_false(af->tls.has_client_hello); /* still gathering */
	vg_flow_update_batch(r.t, p + 3, 1, fl + 3);
	af = vg_app_of(r.app, fl[3]);
	assert_non_null(af);
	assert_true(af->tls.has_client_hello);
	assert_string_equal(af->tls.sni, "c2.example.test");
	assert_string_equal(af->tls.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	st = vg_app_stats(r.app);
	assert_int_equal(st->c[VG_APPC_tls_reassembled], 1);
	assert_int_equal(st->c[VG_APPC_tls_client_hello], 1);
	/* Out of order: the second piece 10 bytes late. */
	p[0] = tls_pkt(NULL, 0, 41001, 99, VG_TH_SYN, T0 + 5000);
	p[1] = tls_pkt(b, 100, 41001, 100, VG_TH_ACK | VG_TH_PSH, T0 + 6000);
	p[2] = tls_pkt(b + 100, n - 100, 41001, 210, VG_TH_ACK | VG_TH_PSH, T0 + 7000);
	vg_flow_update_batch(r.t, p, 3, fl);
	af = vg_app_of(r.app, fl[2]);
	assert_non_null(af);
	assert_false(af->tls.has_client_hello);
	assert_int_equal(st->c[VG_APPC_tls_gap], 1);
	vg_flow_table_flush(r.t);
	vg_app_free(r.app);
	vg_flow_table_free(r.t);
}

/* DNS over TCP whose length prefix comes in a segment of its own (RFC
 * 7766 allows it): the message in the next segment is still read. */
static void test_table_tcp_dns_length_alone(void **state)
{
	static const uint8_t len[2] = {0x00, sizeof dns_query};
	struct rig r;
	struct vg_packet p[3];
	struct vg_flow *fl[3];
	const struct vg_app_flow *af;
	const struct vg_app_stats *st;

	(void)state;
	rig_new(&r, 16u << 20);
	p[0] = tls_pkt(NULL, 0, 42000, 99, VG_TH_SYN, T0);
	p[1] = tls_pkt(len, 2, 42000, 100, VG_TH_ACK | VG_TH_PSH, T0 + 1000);
	p[2] = tls_pkt(dns_query, sizeof dns_query, 42000, 102, VG_TH_ACK | VG_TH_PSH, T0 + 2000);
	for (int i = 0; i < 3; i++) {
		p[i].dport = 53;
		p[i].dst = DNS4;
	}
	vg_flow_update_batch(r.t, p, 3, fl);
	af = vg_app_of(r.app, fl[2]);
	assert_non_null(af);
	assert_int_equal(af->proto, VG_APP_DNS);
	assert_true(af->dns.has_query);
	assert_string_equal(af->dns.rrname, "www.example.com");
	st = vg_app_stats(r.app);
	assert_int_equal(st->c[VG_APPC_dns_messages], 1);
	assert_int_equal(st->c[VG_APPC_dns_truncated], 0);
	vg_flow_table_flush(r.t);
	vg_app_free(r.app);
	vg_flow_table_free(r.t);
}

/* DNS entries take half a pair, TLS entries a whole one: under a small
 * memcap, with both kinds interleaved and evicted, each flow that still
 * has an entry has its own metadata whole (a DNS entry's last field, the
 * CNAME targets, ends right before its neighbour half). */
static void test_table_halves(void **state)
{
	enum { N = 300 };
	struct rig r;
	uint8_t b[1024];
	size_t n = build_hello(b);
	struct vg_flow *fl[N], *one[1];
	const struct vg_app_stats *st;
	unsigned live = 0;

	(void)state;
	rig_new(&r, 64u << 10);
	for (unsigned i = 0; i < N; i++) {
		const struct vg_app_flow *m;
		if (i % 3 == 2) {
			struct vg_packet p = tls_pkt(b, n, (uint16_t)(41000 + i), 100,
						     VG_TH_ACK | VG_TH_PSH, T0 + i * 1000);
			vg_flow_update_batch(r.t, &p, 1, one);
		} else {
			struct vg_packet p = dns_pkt(dns_query, sizeof dns_query,
						     (uint16_t)(30000 + i), false, T0 + i * 1000);
			vg_flow_update_batch(r.t, &p, 1, one);
			p = dns_pkt(dns_answer, sizeof dns_answer, (uint16_t)(30000 + i), true,
				    T0 + i * 1000 + 500);
			vg_flow_update_batch(r.t, &p, 1, one);
		}
		fl[i] = one[0];
		m = vg_app_of(r.app, fl[i]);
		assert_non_null(m); /* the newest always has its entry */
		assert_int_equal(m->proto, i % 3 == 2 ? VG_APP_TLS : VG_APP_DNS);
	}
	for (unsigned i = 0; i < N; i++) {
		const struct vg_app_flow *m = vg_app_of(r.app, fl[i]);
		if (!m)
			continue;
		live++;
		if (i % 3 == 2) {
			assert_int_equal(m->proto, VG_APP_TLS);
			assert_true(m->tls.has_client_hello);
			assert_string_equal(m->tls.sni, "c2.example.test");
			assert_string_equal(m->tls.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
		} else {
			assert_int_equal(m->proto, VG_APP_DNS);
			assert_true(m->dns.has_query && m->dns.has_response);
			assert_string_equal(m->dns.rrname, "www.example.com");
			assert_int_equal(m->dns.rrname_len, 15);
			assert_int_equal(m->dns.n_kept, 3);
			assert_string_equal(m->dns.cnames + m->dns.answers[0].cname_off,
					    "cdn.example.com");
		}
	}
	st = vg_app_stats(r.app);
	assert_int_equal(st->c[VG_APPC_flows], N);
	assert_true(st->c[VG_APPC_evicted] > 0);
	assert_int_equal(live + st->c[VG_APPC_evicted], N);
	assert_null(vg_app_of(r.app, fl[0])); /* the oldest went first */
	vg_flow_table_flush(r.t);
	assert_int_equal(r.ended_with_meta, live);
	vg_app_free(r.app);
	vg_flow_table_free(r.t);
}

static void test_counter_names(void **state)
{
	(void)state;
	assert_string_equal(vg_app_counter_name(VG_APPC_dns_truncated), "app.dns.truncated");
	assert_string_equal(vg_app_counter_name(VG_APPC_tls_bad_length), "app.tls.bad_length");
	assert_true(vg_app_counter_problem(VG_APPC_http_truncated));
	assert_false(vg_app_counter_problem(VG_APPC_flows));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dns_query_and_answer),
	    cmocka_unit_test(test_dns_every_truncation),
	    cmocka_unit_test(test_dns_malformed),
	    cmocka_unit_test(test_dns_long_name_cut),
	    cmocka_unit_test(test_tls_client_hello),
	    cmocka_unit_test(test_tls_split_and_truncations),
	    cmocka_unit_test(test_tls_bad_lengths),
	    cmocka_unit_test(test_http),
	    cmocka_unit_test(test_table_and_cache),
	    cmocka_unit_test(test_table_eviction),
	    cmocka_unit_test(test_table_halves),
	    cmocka_unit_test(test_table_split_hello),
	    cmocka_unit_test(test_table_tcp_dns_length_alone),
	    cmocka_unit_test(test_cache_queue),
	    cmocka_unit_test(test_counter_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
