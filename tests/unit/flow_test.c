/*
 * flow_test.c - unit tests of the flow stage (src/flow/).
 *
 * Packets are vg_packet values filled the way the decoders fill them
 * (decode/ipv4.c, ipv6.c, tcp.c, udp.c, icmp.c): VG_PKT_IP, VG_PKT_PORTS for
 * TCP and UDP, family 4 with the IPv4 address in the first 4 bytes of
 * vg_addr and the rest zero, ICMP echo with the identifier in both ports.
 * Addresses follow tests/data/README.md: client 192.0.2.10 / 2001:db8:1::10,
 * server 198.51.100.20 / 2001:db8:2::20, DNS 198.51.100.53.
 *
 * The table runs with the defaults of cli/settings.c and a fixed hash seed;
 * packet times start at T0 = 2023-11-14T22:13:20 so that the expiry code
 * sees real-world timestamps. The on_end callback copies every ended flow
 * and the packet time at which it ended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/settings.h"
#include "common/vg.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "packets.h"

static struct vg_packet tcp4(struct vg_addr src, struct vg_addr dst, uint16_t sport, uint16_t dport,
			     uint8_t flags, uint64_t ts)
{
	struct vg_packet p = ip_pkt(4, VG_IPPROTO_TCP, src, dst, ts, 66);

	p.flags |= VG_PKT_PORTS;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	return p;
}

static struct vg_packet udp4(struct vg_addr src, struct vg_addr dst, uint16_t sport, uint16_t dport,
			     uint64_t ts, uint32_t caplen)
{
	struct vg_packet p = ip_pkt(4, VG_IPPROTO_UDP, src, dst, ts, caplen);

	p.flags |= VG_PKT_PORTS;
	p.sport = sport;
	p.dport = dport;
	return p;
}

static struct vg_packet udp6(struct vg_addr src, struct vg_addr dst, uint16_t sport, uint16_t dport,
			     uint64_t ts, uint32_t caplen)
{
	struct vg_packet p = ip_pkt(6, VG_IPPROTO_UDP, src, dst, ts, caplen);

	p.flags |= VG_PKT_PORTS;
	p.sport = sport;
	p.dport = dport;
	return p;
}

/* ICMP or ICMPv6 echo: the decoder puts the identifier in both ports and
 * sets no VG_PKT_PORTS (decode/icmp.c set_ports). */
static struct vg_packet icmp_echo(uint8_t family, struct vg_addr src, struct vg_addr dst,
				  uint8_t type, uint16_t id, uint64_t ts)
{
	struct vg_packet p =
	    ip_pkt(family, family == 4 ? VG_IPPROTO_ICMP : VG_IPPROTO_ICMPV6, src, dst, ts, 98);

	p.icmp_type = type;
	p.icmp_code = 0;
	p.sport = p.dport = id;
	return p;
}

/* ---- the table and its ended flows -------------------------------------- */

struct ended {
	struct vg_flow f;
	enum vg_flow_end why;
	uint64_t now_ns; /* time of the batch that ended it */
};

struct rec {
	struct ended *e;
	size_t n, cap;
	bool keep; /* copy flows (false: count only) */
	uint64_t count, by_why[3];
	uint64_t now_ns; /* set by feed() */
};

static void on_end(void *arg, const struct vg_flow *f, enum vg_flow_end why)
{
	struct rec *r = arg;

	r->count++;
	if ((unsigned)why < 3)
		r->by_why[why]++;
	if (!r->keep)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->e = realloc(r->e, r->cap * sizeof *r->e);
		assert_non_null(r->e);
	}
	r->e[r->n].f = *f;
	r->e[r->n].why = why;
	r->e[r->n].now_ns = r->now_ns;
	r->n++;
}

struct fx {
	struct vg_flow_table *t;
	struct rec rec;
	struct vg_flow_config cfg;
	void *mem[4]; /* freed by teardown, so a failed assertion leaks nothing */
};

static struct vg_flow_config default_cfg(void)
{
	struct vg_settings s;

	vg_settings_default(&s);
	s.flow.hash_seed = SEED;
	return s.flow;
}

static void fx_close(struct fx *x);

static void fx_open(struct fx *x, const struct vg_flow_config *cfg)
{
	fx_close(x);
	memset(&x->rec, 0, sizeof x->rec);
	x->cfg = cfg ? *cfg : default_cfg();
	x->rec.keep = true;
	assert_int_equal(vg_flow_table_new(&x->t, &x->cfg, on_end, &x->rec), 0);
	assert_non_null(x->t);
}

static void fx_close(struct fx *x)
{
	vg_flow_table_free(x->t);
	free(x->rec.e);
	x->t = NULL;
	x->rec.e = NULL;
}

static void *fx_alloc(struct fx *x, size_t size)
{
	for (unsigned i = 0; i < VG_ARRAY_LEN(x->mem); i++) {
		if (!x->mem[i]) {
			x->mem[i] = calloc(1, size);
			assert_non_null(x->mem[i]);
			return x->mem[i];
		}
	}
	fail_msg("fx_alloc: no slot left");
	return NULL;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);

	*state = x;
	return x ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	fx_close(x);
	for (unsigned i = 0; i < VG_ARRAY_LEN(x->mem); i++)
		free(x->mem[i]);
	free(x);
	return 0;
}

static const struct vg_flow_stats *st(const struct fx *x)
{
	return vg_flow_table_stats(x->t);
}

/* Feeds n packets in batches of VG_BATCH-sized pieces (as the pipeline does);
 * flows[i] is a copy of the i-th packet's flow right after its batch (zeroed
 * if it had none) and has[i] tells which. */
static void feed(struct fx *x, struct vg_packet *pkts, unsigned n, struct vg_flow *copies,
		 bool *has)
{
	struct vg_flow *fl[64];

	for (unsigned i = 0; i < n; i += 64) {
		unsigned m = n - i < 64 ? n - i : 64;

		x->rec.now_ns = pkts[i + m - 1].ts_ns;
		vg_flow_update_batch(x->t, pkts + i, m, fl);
		for (unsigned j = 0; j < m; j++) {
			if (has)
				has[i + j] = fl[j] != NULL;
			if (copies) {
				if (fl[j])
					copies[i + j] = *fl[j];
				else
					memset(&copies[i + j], 0, sizeof copies[i + j]);
			}
		}
	}
}

/* One packet as its own batch; returns a copy of its flow (zeroed if none). */
static struct vg_flow one(struct fx *x, struct vg_packet p)
{
	struct vg_flow f;
	bool has;

	feed(x, &p, 1, &f, &has);
	return f;
}

/* One packet; returns the table's pointer to its flow (valid until the
 * next call). */
static struct vg_flow *one_ptr(struct fx *x, struct vg_packet *p)
{
	struct vg_flow *f = NULL;

	x->rec.now_ns = p->ts_ns;
	vg_flow_update_batch(x->t, p, 1, &f);
	return f;
}

/* The client's and server's IPv4 addresses of a flow, read from the key as
 * flow.h documents it (IPv4-mapped, ::ffff:a.b.c.d). */
static struct vg_addr client_of(const struct vg_flow *f)
{
	const struct vg_addr *k = vg_flow_toserver_is_lo(f) ? &f->key.lo : &f->key.hi;
	struct vg_addr r = *k;

	if (f->flags & VG_FLOW_V4) {
		r = a4(k->b[12], k->b[13], k->b[14], k->b[15]);
	}
	return r;
}

static struct vg_addr server_of(const struct vg_flow *f)
{
	const struct vg_addr *k = vg_flow_toserver_is_lo(f) ? &f->key.hi : &f->key.lo;
	struct vg_addr r = *k;

	if (f->flags & VG_FLOW_V4)
		r = a4(k->b[12], k->b[13], k->b[14], k->b[15]);
	return r;
}

static uint16_t client_port(const struct vg_flow *f)
{
	return vg_flow_toserver_is_lo(f) ? f->key.port_lo : f->key.port_hi;
}

static uint16_t server_port(const struct vg_flow *f)
{
	return vg_flow_toserver_is_lo(f) ? f->key.port_hi : f->key.port_lo;
}

static bool addr_eq(struct vg_addr a, struct vg_addr b)
{
	return memcmp(a.b, b.b, 16) == 0;
}

static unsigned key_vlan0(const struct vg_flow *f)
{
	return f->key.vlan_proto >> 20;
}

static unsigned key_vlan1(const struct vg_flow *f)
{
	return (f->key.vlan_proto >> 8) & 0xfff;
}

/* ---- tests: one flow, both directions ----------------------------------- */

static void check_one_udp_flow(struct fx *x, struct vg_addr cli, struct vg_addr srv, uint16_t cport,
			       uint16_t sport)
{
	struct vg_packet p[3] = {
	    udp4(cli, srv, cport, sport, T0, 74),
	    udp4(srv, cli, sport, cport, T0 + 2 * MS, 90),
	    udp4(cli, srv, cport, sport, T0 + 5 * MS, 60),
	};
	struct vg_flow *f0, *f1, *f2;

	fx_open(x, NULL);
	f0 = one_ptr(x, &p[0]);
	f1 = one_ptr(x, &p[1]);
	f2 = one_ptr(x, &p[2]);
	assert_non_null(f0);
	assert_ptr_equal(f0, f1);
	assert_ptr_equal(f0, f2);
	assert_int_equal(st(x)->created, 1);
	assert_int_equal(st(x)->created_udp, 1);
	assert_int_equal(st(x)->active, 1);
	assert_int_equal(f0->pkts[0], 2);
	assert_int_equal(f0->pkts[1], 1);
	assert_int_equal(f0->bytes[0], 74 + 60);
	assert_int_equal(f0->bytes[1], 90);
	assert_int_equal(f0->first_ns, T0);
	assert_int_equal(f0->last_ns, T0 + 5 * MS);
	assert_true(f0->flags & VG_FLOW_V4);
	assert_true(addr_eq(client_of(f0), cli));
	assert_true(addr_eq(server_of(f0), srv));
	assert_int_equal(client_port(f0), cport);
	assert_int_equal(server_port(f0), sport);
	assert_string_equal(vg_flow_state_name(f0), "established");
	assert_int_equal(x->rec.n, 0);

	vg_flow_table_flush(x->t);
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].why, VG_FLOW_END_SHUTDOWN);
	assert_int_equal(x->rec.e[0].f.pkts[0], 2);
	assert_int_equal(x->rec.e[0].f.bytes[1], 90);
	assert_int_equal(st(x)->ended_shutdown, 1);
	assert_int_equal(st(x)->active, 0);
	fx_close(x);
}

static void test_both_directions_one_flow(void **state)
{
	struct fx *x = *state;

	/* The client is the lower endpoint of the key in one case and the
	 * higher in the other: both branches of the direction logic. */
	check_one_udp_flow(x, CLIENT4, DNS4, 40000, 53);
	check_one_udp_flow(x, DNS4, CLIENT4, 53, 40000);
	/* Same address both ends: the ports order the endpoints. */
	check_one_udp_flow(x, CLIENT4, CLIENT4, 5000, 4000);
	check_one_udp_flow(x, CLIENT4, CLIENT4, 4000, 5000);
}

static void test_client_side_flag_covers_both_orders(void **state)
{
	struct fx *x = *state;
	struct vg_flow a, b;

	fx_open(x, NULL);
	a = one(x, udp4(CLIENT4, DNS4, 40000, 53, T0, 60));
	b = one(x, udp4(DNS4, CLIENT4, 40001, 53, T0 + MS, 60));
	/* Two flows whose clients sit on opposite sides of the key. */
	assert_int_equal(st(x)->created, 2);
	assert_true(vg_flow_toserver_is_lo(&a) != vg_flow_toserver_is_lo(&b));
	/* The key holds IPv4 addresses IPv4-mapped, as flow.h says. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(a.key.lo.b[i], 0);
	assert_int_equal(a.key.lo.b[10], 0xff);
	assert_int_equal(a.key.lo.b[11], 0xff);
	assert_int_equal(a.key.hi.b[10], 0xff);
	assert_int_equal(a.key.hi.b[11], 0xff);
	assert_int_equal(a.key.vlan_proto & 0xff, VG_IPPROTO_UDP);
	fx_close(x);
}

static void test_same_batch_both_directions(void **state)
{
	struct fx *x = *state;
	struct vg_packet p[4] = {
	    udp4(CLIENT4, DNS4, 40000, 53, T0, 70),
	    udp4(DNS4, CLIENT4, 53, 40000, T0 + 1, 100),
	    udp4(CLIENT4, DNS4, 40000, 53, T0 + 2, 71),
	    udp4(CLIENT4, DNS4, 40002, 53, T0 + 3, 72),
	};
	struct vg_flow *fl[4];

	fx_open(x, NULL);
	vg_flow_update_batch(x->t, p, 4, fl);
	assert_ptr_equal(fl[0], fl[1]);
	assert_ptr_equal(fl[0], fl[2]);
	assert_ptr_not_equal(fl[0], fl[3]);
	assert_int_equal(st(x)->created, 2);
	assert_int_equal(fl[0]->pkts[0], 2);
	assert_int_equal(fl[0]->pkts[1], 1);
	assert_int_equal(fl[0]->bytes[0], 141);
	assert_int_equal(fl[0]->bytes[1], 100);
	assert_int_equal(fl[3]->pkts[0], 1);
	fx_close(x);
}

/* flow.h: "Finds or creates the flow of every IP packet in the batch". */
static void test_large_batch_every_packet_gets_a_flow(void **state)
{
	enum { N = 300 };
	struct fx *x = *state;
	struct vg_packet *p = fx_alloc(x, N * sizeof *p);
	struct vg_flow **fl = fx_alloc(x, N * sizeof *fl);

	assert_non_null(p);
	assert_non_null(fl);
	fx_open(x, NULL);
	for (unsigned i = 0; i < N; i++)
		p[i] = udp4(CLIENT4, DNS4, (uint16_t)(20000 + i), 53, T0 + i, 60);
	for (unsigned i = 0; i < N; i++)
		fl[i] = (struct vg_flow *)&fl; /* poison: must be overwritten */
	vg_flow_update_batch(x->t, p, N, fl);
	assert_int_equal(st(x)->created, N);
	for (unsigned i = 0; i < N; i++)
		assert_true(fl[i] != (struct vg_flow *)&fl && fl[i] != NULL);
}

static void test_non_ip_gets_no_flow(void **state)
{
	struct fx *x = *state;
	struct vg_packet p = udp4(CLIENT4, DNS4, 1, 2, T0, 60);
	struct vg_flow *f = (struct vg_flow *)&p;

	fx_open(x, NULL);
	p.flags = VG_PKT_ARP; /* ARP: no IP header */
	p.family = 0;
	vg_flow_update_batch(x->t, &p, 1, &f);
	assert_null(f);
	assert_int_equal(st(x)->created, 0);
	assert_int_equal(st(x)->no_flow, 0); /* counts IP packets only */
	fx_close(x);
}

/* ---- TCP state ---------------------------------------------------------- */

static void test_tcp_handshake_and_fin(void **state)
{
	struct fx *x = *state;
	struct vg_flow *f;
	struct vg_packet p;

	fx_open(x, NULL);
	p = tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0);
	f = one_ptr(x, &p);
	assert_int_equal(f->tcp_state, VG_TCP_SYN_SENT);
	assert_string_equal(vg_tcp_state_name(f), "syn_sent");
	assert_string_equal(vg_flow_state_name(f), "new");
	assert_int_equal(st(x)->created_tcp, 1);

	p = tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_SYN | VG_TH_ACK, T0 + 1 * MS);
	f = one_ptr(x, &p);
	assert_string_equal(vg_tcp_state_name(f), "syn_recv");
	assert_string_equal(vg_flow_state_name(f), "new");

	p = tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, T0 + 2 * MS);
	f = one_ptr(x, &p);
	assert_string_equal(vg_tcp_state_name(f), "established");
	assert_string_equal(vg_flow_state_name(f), "established");

	p = tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_PSH | VG_TH_ACK, T0 + 3 * MS);
	f = one_ptr(x, &p);
	p = tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_PSH | VG_TH_ACK, T0 + 4 * MS);
	f = one_ptr(x, &p);
	assert_string_equal(vg_tcp_state_name(f), "established");

	p = tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_FIN | VG_TH_ACK, T0 + 5 * MS);
	f = one_ptr(x, &p);
	assert_int_equal(f->tcp_state, VG_TCP_FIN_WAIT);
	assert_string_equal(vg_tcp_state_name(f), "fin_wait1");
	assert_string_equal(vg_flow_state_name(f), "established");

	p = tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_FIN | VG_TH_ACK, T0 + 6 * MS);
	f = one_ptr(x, &p);
	assert_int_equal(f->tcp_state, VG_TCP_CLOSED);
	assert_string_equal(vg_tcp_state_name(f), "closed");
	assert_string_equal(vg_flow_state_name(f), "closed");

	p = tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, T0 + 7 * MS);
	f = one_ptr(x, &p);
	assert_string_equal(vg_tcp_state_name(f), "closed");
	assert_int_equal(st(x)->created, 1);
	assert_int_equal(f->pkts[0], 5);
	assert_int_equal(f->pkts[1], 3);
	assert_int_equal(f->bytes[0], 5 * 66);
	assert_int_equal(f->tcp_flags[0], VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN);
	assert_int_equal(f->tcp_flags[1], VG_TH_SYN | VG_TH_ACK | VG_TH_PSH | VG_TH_FIN);
	assert_false(f->flags & VG_FLOW_SYN_ACK_FIRST);
	assert_true(addr_eq(client_of(f), CLIENT4));
	fx_close(x);
}

static void test_tcp_rst_closes(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	/* Refused: SYN, then RST-ACK from the server. */
	f = one(x, tcp4(CLIENT4, SERVER4, 51001, 81, VG_TH_SYN, T0));
	assert_string_equal(vg_tcp_state_name(&f), "syn_sent");
	f = one(x, tcp4(SERVER4, CLIENT4, 81, 51001, VG_TH_RST | VG_TH_ACK, T0 + MS));
	assert_string_equal(vg_tcp_state_name(&f), "closed");
	assert_string_equal(vg_flow_state_name(&f), "closed");
	assert_int_equal(f.tcp_flags[1], VG_TH_RST | VG_TH_ACK);

	/* Established, then reset by the client. */
	one(x, tcp4(CLIENT4, SERVER4, 51002, 80, VG_TH_SYN, T0));
	one(x, tcp4(SERVER4, CLIENT4, 80, 51002, VG_TH_SYN | VG_TH_ACK, T0 + MS));
	f = one(x, tcp4(CLIENT4, SERVER4, 51002, 80, VG_TH_ACK, T0 + 2 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "established");
	f = one(x, tcp4(CLIENT4, SERVER4, 51002, 80, VG_TH_RST, T0 + 3 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "closed");
	assert_int_equal(st(x)->created, 2);
	fx_close(x);
}

static void test_tcp_handshake_needs_right_direction(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	one(x, tcp4(CLIENT4, SERVER4, 51003, 80, VG_TH_SYN, T0));
	/* A SYN-ACK from the client side does not advance the handshake. */
	f = one(x, tcp4(CLIENT4, SERVER4, 51003, 80, VG_TH_SYN | VG_TH_ACK, T0 + MS));
	assert_string_equal(vg_tcp_state_name(&f), "syn_sent");
	f = one(x, tcp4(SERVER4, CLIENT4, 80, 51003, VG_TH_SYN | VG_TH_ACK, T0 + 2 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "syn_recv");
	/* An ACK from the server side does not complete it either. */
	f = one(x, tcp4(SERVER4, CLIENT4, 80, 51003, VG_TH_ACK, T0 + 3 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "syn_recv");
	f = one(x, tcp4(CLIENT4, SERVER4, 51003, 80, VG_TH_ACK, T0 + 4 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "established");
	fx_close(x);
}

static void test_tcp_midstream(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	/* Picked up mid-stream: stays "none" and flow state "new". */
	f = one(x, tcp4(SERVER4, CLIENT4, 443, 52000, VG_TH_PSH | VG_TH_ACK, T0));
	assert_string_equal(vg_tcp_state_name(&f), "none");
	assert_string_equal(vg_flow_state_name(&f), "new");
	assert_true(addr_eq(client_of(&f), SERVER4)); /* sender of the first packet */
	f = one(x, tcp4(CLIENT4, SERVER4, 52000, 443, VG_TH_ACK, T0 + MS));
	assert_string_equal(vg_tcp_state_name(&f), "none");
	/* A SYN later in a mid-stream flow does not start a handshake. */
	f = one(x, tcp4(SERVER4, CLIENT4, 443, 52000, VG_TH_SYN, T0 + 2 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "none");
	/* FIN both ways closes it. */
	f = one(x, tcp4(SERVER4, CLIENT4, 443, 52000, VG_TH_FIN | VG_TH_ACK, T0 + 3 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "fin_wait1");
	/* docs/EVENTS.md: "established ... after one FIN on a mid-stream flow". */
	assert_string_equal(vg_flow_state_name(&f), "established");
	f = one(x, tcp4(CLIENT4, SERVER4, 52000, 443, VG_TH_FIN | VG_TH_ACK, T0 + 4 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "closed");

	/* First packet a SYN-ACK: flagged, state none. */
	f = one(x, tcp4(SERVER4, CLIENT4, 80, 52001, VG_TH_SYN | VG_TH_ACK, T0 + 5 * MS));
	assert_true(f.flags & VG_FLOW_SYN_ACK_FIRST);
	assert_string_equal(vg_tcp_state_name(&f), "none");
	fx_close(x);
}

static void test_tcp_port_reuse(void **state)
{
	struct fx *x = *state;
	struct vg_flow f, g;

	fx_open(x, NULL);
	one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0));
	one(x, tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_SYN | VG_TH_ACK, T0 + MS));
	one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, T0 + 2 * MS));
	/* A SYN on an established connection is not a new connection. */
	f = one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0 + 3 * MS));
	assert_int_equal(st(x)->created, 1);
	assert_int_equal(st(x)->tcp_reuse, 0);
	assert_string_equal(vg_tcp_state_name(&f), "established");
	one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_FIN | VG_TH_ACK, T0 + 4 * MS));
	f = one(x, tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_FIN | VG_TH_ACK, T0 + 5 * MS));
	assert_string_equal(vg_tcp_state_name(&f), "closed");
	assert_int_equal(x->rec.n, 0);

	/* One second later (well within tcp.closed) the same 4-tuple opens again. */
	g = one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0 + 1 * NS));
	assert_int_equal(st(x)->tcp_reuse, 1);
	assert_int_equal(st(x)->created, 2);
	assert_int_equal(st(x)->active, 1);
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].why, VG_FLOW_END_TIMEOUT);
	assert_int_equal(st(x)->ended_timeout, 1);
	assert_int_equal(x->rec.e[0].f.pkts[0], 4); /* SYN, ACK, SYN, FIN */
	assert_int_equal(x->rec.e[0].f.pkts[1], 2); /* SYN-ACK, FIN */
	assert_int_equal(x->rec.e[0].f.first_ns, T0);
	assert_string_equal(vg_tcp_state_name(&x->rec.e[0].f), "closed");
	assert_string_equal(vg_tcp_state_name(&g), "syn_sent");
	assert_int_equal(g.pkts[0], 1);
	assert_int_equal(g.pkts[1], 0);
	assert_int_equal(g.first_ns, T0 + NS);
	assert_true(vg_flow_id(&g) != vg_flow_id(&x->rec.e[0].f));

	/* A non-SYN packet on a closed flow is not reuse. */
	one(x, tcp4(CLIENT4, SERVER4, 51005, 80, VG_TH_SYN, T0 + 2 * NS));
	one(x, tcp4(SERVER4, CLIENT4, 80, 51005, VG_TH_RST | VG_TH_ACK, T0 + 2 * NS + 1));
	f = one(x, tcp4(CLIENT4, SERVER4, 51005, 80, VG_TH_ACK, T0 + 2 * NS + 2));
	assert_int_equal(f.pkts[0], 2);
	assert_int_equal(st(x)->tcp_reuse, 1);
	assert_int_equal(st(x)->created, 3);
	fx_close(x);
}

/* ---- timeouts ----------------------------------------------------------- */

static void test_udp_timeout_on_next_packet(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;
	uint64_t tmo;

	fx_open(x, NULL);
	tmo = (uint64_t)x->cfg.timeout.udp_new * NS;
	assert_int_equal(x->cfg.timeout.udp_new, 30); /* the default the test assumes */
	one(x, udp4(CLIENT4, DNS4, 40000, 53, T0, 60));
	/* Exactly the timeout later: still the same flow ("idle longer than"). */
	f = one(x, udp4(CLIENT4, DNS4, 40000, 53, T0 + tmo, 61));
	assert_int_equal(st(x)->created, 1);
	assert_int_equal(f.pkts[0], 2);
	assert_int_equal(x->rec.n, 0);
	/* Timeout + 1 s after the last packet: a new flow; the old one ends. */
	f = one(x, udp4(CLIENT4, DNS4, 40000, 53, T0 + 2 * tmo + NS, 62));
	assert_int_equal(st(x)->created, 2);
	assert_int_equal(f.pkts[0], 1);
	assert_int_equal(f.bytes[0], 62);
	assert_int_equal(f.first_ns, T0 + 2 * tmo + NS);
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].why, VG_FLOW_END_TIMEOUT);
	assert_int_equal(x->rec.e[0].f.pkts[0], 2);
	assert_int_equal(x->rec.e[0].f.bytes[0], 121);
	assert_int_equal(x->rec.e[0].f.last_ns, T0 + tmo);
	assert_int_equal(st(x)->ended_timeout, 1);
	assert_int_equal(st(x)->tcp_reuse, 0);
	fx_close(x);
}

static void test_udp_established_uses_longer_timeout(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	one(x, udp4(CLIENT4, DNS4, 40000, 53, T0, 60));
	one(x, udp4(DNS4, CLIENT4, 53, 40000, T0 + MS, 60));
	/* Past udp.new but within udp.established: the same flow. */
	f = one(x, udp4(CLIENT4, DNS4, 40000, 53,
			T0 + MS + ((uint64_t)x->cfg.timeout.udp_new + 1) * NS, 60));
	assert_int_equal(st(x)->created, 1);
	assert_int_equal(f.pkts[0], 2);
	/* Past udp.established: a new one. */
	f = one(x, udp4(CLIENT4, DNS4, 40000, 53,
			f.last_ns + ((uint64_t)x->cfg.timeout.udp_established + 1) * NS, 60));
	assert_int_equal(st(x)->created, 2);
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].f.pkts[1], 1);
	fx_close(x);
}

static void test_sweep_ends_idle_flow_without_new_packet(void **state)
{
	struct fx *x = *state;
	uint64_t tmo, period;

	fx_open(x, NULL);
	tmo = (uint64_t)x->cfg.timeout.udp_new * NS;
	period = (uint64_t)x->cfg.sweep_period_s * NS;
	one(x, udp4(CLIENT4, DNS4, 40000, 53, T0, 60));
	/* Unrelated two-way traffic, one packet a second for two minutes. */
	for (unsigned s = 1; s <= 120; s++) {
		if (s % 2)
			one(x, udp4(SERVER4, DNS4, 41000, 53, T0 + s * NS, 60));
		else
			one(x, udp4(DNS4, SERVER4, 53, 41000, T0 + s * NS, 60));
	}
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].why, VG_FLOW_END_TIMEOUT);
	assert_int_equal(x->rec.e[0].f.key.port_hi == 40000 || x->rec.e[0].f.key.port_lo == 40000,
			 1);
	assert_int_equal(x->rec.e[0].f.pkts[0], 1);
	/* Not before its timeout, and within about two sweep periods after. */
	assert_true(x->rec.e[0].now_ns > T0 + tmo);
	assert_true(x->rec.e[0].now_ns <= T0 + tmo + 2 * period);
	assert_int_equal(st(x)->ended_timeout, 1);
	assert_int_equal(st(x)->active, 1);
	fx_close(x);
}

/* A live capture with no traffic moves the clock itself
 * (vg_flow_table_advance): an idle flow still ends on time, and a clock
 * going back is ignored. */
static void test_advance_ends_idle_flow_without_packets(void **state)
{
	struct fx *x = *state;
	uint64_t tmo, period, t;

	fx_open(x, NULL);
	tmo = (uint64_t)x->cfg.timeout.udp_new * NS;
	period = (uint64_t)x->cfg.sweep_period_s * NS;
	one(x, udp4(CLIENT4, DNS4, 40000, 53, T0, 60));
	vg_flow_table_advance(x->t, T0 - 5 * NS); /* back in time: nothing */
	vg_flow_table_advance(x->t, T0 + tmo);    /* not idle strictly longer */
	assert_int_equal(x->rec.n, 0);
	for (t = T0 + tmo + NS / 10; t <= T0 + tmo + 2 * period && x->rec.n == 0; t += NS / 10)
		vg_flow_table_advance(x->t, t);
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].why, VG_FLOW_END_TIMEOUT);
	assert_int_equal(x->rec.e[0].f.pkts[0], 1);
	assert_int_equal(st(x)->active, 0);
	fx_close(x);
}

/* The hand skips a slot by its due time (a lower bound of when the flow
 * may expire, flow.c) and refreshes it when it finds the flow still live.
 * Here the hand refreshes the due of an established TCP flow (600 s), then
 * a RST closes it (60 s): the flow must still end 60 s after its last
 * packet, not when the stale 600 s due comes. */
static void test_sweep_after_timeout_shortens(void **state)
{
	struct fx *x = *state;
	uint64_t closed, est, period, rst, t;

	fx_open(x, NULL);
	closed = (uint64_t)x->cfg.timeout.tcp_closed * NS;
	est = (uint64_t)x->cfg.timeout.tcp_established * NS;
	period = (uint64_t)x->cfg.sweep_period_s * NS;
	assert_true(closed + 2 * period < est);
	one(x, tcp4(CLIENT4, SERVER4, 51002, 80, VG_TH_SYN, T0));
	one(x, tcp4(SERVER4, CLIENT4, 80, 51002, VG_TH_SYN | VG_TH_ACK, T0 + MS));
	one(x, tcp4(CLIENT4, SERVER4, 51002, 80, VG_TH_ACK, T0 + 2 * MS));
	/* Past the new-flow timeout: the hand looks at the record and moves
	 * its due to the established timeout. */
	for (t = T0 + NS; t <= T0 + closed + 3 * period; t += NS / 10)
		vg_flow_table_advance(x->t, t);
	assert_int_equal(x->rec.n, 0);
	rst = t;
	one(x, tcp4(CLIENT4, SERVER4, 51002, 80, VG_TH_RST, rst));
	for (t = rst + NS / 10; t <= rst + closed + 2 * period && x->rec.n == 0; t += NS / 10) {
		x->rec.now_ns = t; /* what on_end records */
		vg_flow_table_advance(x->t, t);
	}
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(x->rec.e[0].why, VG_FLOW_END_TIMEOUT);
	assert_string_equal(vg_tcp_state_name(&x->rec.e[0].f), "closed");
	assert_true(x->rec.e[0].now_ns > rst + closed);
	assert_int_equal(st(x)->active, 0);
	fx_close(x);
}

/* flow.h: "a clock hand passes over every flow once per flow.sweep_period
 * seconds of packet time, a bounded number of slots per batch". With an
 * hour's sweep period, 31 s of packet time moves the hand over about
 * 31/3600 of the used slots, so only a handful of 1000 expired flows may end
 * by sweep - not all of them. */
static void test_sweep_work_follows_packet_time(void **state)
{
	enum { N = 1000, BATCHES = 20 };
	struct vg_flow_config cfg = default_cfg();
	struct vg_packet p[N];
	struct fx *x = *state;
	uint64_t due;

	cfg.sweep_period_s = 3600;
	cfg.sweep_max = 256;
	fx_open(x, &cfg);
	x->rec.keep = false;
	for (unsigned i = 0; i < N; i++)
		p[i] = udp4(a4n(0x0a000000u + i), DNS4, 40000, 53, T0 + i * 1000, 60);
	feed(x, p, N, NULL, NULL);
	assert_int_equal(x->rec.count, 0);
	for (unsigned b = 0; b < BATCHES; b++) {
		struct vg_packet q = udp4(SERVER4, DNS4, 41000, 53, T0 + 31 * NS + b * MS, 60);
		feed(x, &q, 1, NULL, NULL);
	}
	/* Slots the hand owes over the whole run, rounded up, plus slack. */
	due = (uint64_t)(N + 1) * (31 * NS + BATCHES * MS) / (3600 * NS) + 1;
	assert_true(x->rec.count <= 2 * due + 8);
	/* ...but within one sweep period after they expired, all have ended. */
	for (uint64_t s = 40; s <= 31 + 3600 + 60; s += 10) {
		struct vg_packet q = udp4(SERVER4, DNS4, 41000, 53, T0 + s * NS, 60);
		feed(x, &q, 1, NULL, NULL);
	}
	assert_int_equal(x->rec.count, N);
	assert_int_equal(x->rec.by_why[VG_FLOW_END_TIMEOUT], N);
	assert_int_equal(st(x)->active, 1);
	fx_close(x);
}

/* ---- keys: VLAN, address family, ICMP ---------------------------------- */

static void test_vlan_separates_flows(void **state)
{
	static const uint16_t tags[][2] = {{0, 0},   {10, 0},  {20, 0},
					   {10, 20}, {20, 10}, {4095, 4095}};
	struct vg_flow got[VG_ARRAY_LEN(tags)];
	struct fx *x = *state;

	fx_open(x, NULL);
	for (unsigned i = 0; i < VG_ARRAY_LEN(tags); i++) {
		struct vg_packet p = udp4(CLIENT4, DNS4, 40000, 53, T0 + i, 60);
		p.vlan[0] = tags[i][0];
		p.vlan[1] = tags[i][1];
		p.vlan_depth = (uint8_t)((tags[i][0] != 0) + (tags[i][1] != 0));
		got[i] = one(x, p);
		assert_int_equal(key_vlan0(&got[i]), tags[i][0]);
		assert_int_equal(key_vlan1(&got[i]), tags[i][1]);
	}
	assert_int_equal(st(x)->created, VG_ARRAY_LEN(tags));
	/* Replies with the same tags find their own flow. */
	for (unsigned i = 0; i < VG_ARRAY_LEN(tags); i++) {
		struct vg_packet p = udp4(DNS4, CLIENT4, 53, 40000, T0 + 100 + i, 70);
		struct vg_flow f;
		p.vlan[0] = tags[i][0];
		p.vlan[1] = tags[i][1];
		f = one(x, p);
		assert_int_equal(f.pkts[0], 1);
		assert_int_equal(f.pkts[1], 1);
		assert_int_equal(f.first_ns, T0 + i);
	}
	assert_int_equal(st(x)->created, VG_ARRAY_LEN(tags));
	fx_close(x);
}

static void test_ipv4_and_ipv6_are_separate(void **state)
{
	struct fx *x = *state;
	struct vg_flow f4, f6;

	fx_open(x, NULL);
	f4 = one(x, udp4(CLIENT4, SERVER4, 40000, 53, T0, 60));
	f6 = one(x, udp6(CLIENT6, SERVER6, 40000, 53, T0 + 1, 80));
	assert_int_equal(st(x)->created, 2);
	assert_true(f4.flags & VG_FLOW_V4);
	assert_false(f6.flags & VG_FLOW_V4);
	assert_true(addr_eq(client_of(&f6), CLIENT6));
	assert_true(addr_eq(server_of(&f6), SERVER6));
	f6 = one(x, udp6(SERVER6, CLIENT6, 53, 40000, T0 + 2, 90));
	assert_int_equal(st(x)->created, 2);
	assert_int_equal(f6.pkts[0], 1);
	assert_int_equal(f6.pkts[1], 1);
	assert_int_equal(f6.bytes[1], 90);
	f4 = one(x, udp4(SERVER4, CLIENT4, 53, 40000, T0 + 3, 61));
	assert_int_equal(f4.pkts[1], 1);
	assert_int_equal(f4.bytes[0], 60);
	assert_int_equal(f4.bytes[1], 61);
	/* IPv6 addresses differing only in their last byte are different. */
	one(x, udp6(CLIENT6, a6(0x2001, 0xdb8, 2, 0x21), 40000, 53, T0 + 4, 80));
	assert_int_equal(st(x)->created, 3);
	fx_close(x);
}

/* An IPv6 packet between IPv4-mapped addresses (::ffff:a.b.c.d) is IPv6 on
 * the wire, not the IPv4 conversation of the same numbers: it must not be
 * counted in the IPv4 flow (nor print that flow's addresses as IPv4). */
static void test_ipv4_mapped_ipv6_is_not_ipv4(void **state)
{
	struct fx *x = *state;
	struct vg_addr mc = {{0}}, ms = {{0}};
	struct vg_flow f4, f6;

	fx_open(x, NULL);
	mc.b[10] = mc.b[11] = 0xff;
	memcpy(mc.b + 12, CLIENT4.b, 4);
	ms.b[10] = ms.b[11] = 0xff;
	memcpy(ms.b + 12, SERVER4.b, 4);
	f4 = one(x, udp4(CLIENT4, SERVER4, 40000, 53, T0, 60));
	f6 = one(x, udp6(mc, ms, 40000, 53, T0 + 1, 80));
	assert_int_equal(f4.pkts[0], 1);
	assert_int_equal(f6.pkts[0], 1);
	assert_int_equal(f6.bytes[0], 80);
	assert_int_equal(st(x)->created, 2);
	fx_close(x);
}

static void test_icmp_echo(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	f = one(x, icmp_echo(4, CLIENT4, SERVER4, 8, 0x1234, T0));
	assert_int_equal(f.proto, VG_IPPROTO_ICMP);
	assert_int_equal(f.icmp_type, 8);
	f = one(x, icmp_echo(4, SERVER4, CLIENT4, 0, 0x1234, T0 + MS));
	assert_int_equal(f.pkts[0], 1);
	assert_int_equal(f.pkts[1], 1);
	assert_int_equal(f.icmp_type, 8); /* of the first packet */
	assert_string_equal(vg_flow_state_name(&f), "established");
	assert_true(addr_eq(client_of(&f), CLIENT4));
	/* Another identifier is another flow. */
	f = one(x, icmp_echo(4, CLIENT4, SERVER4, 8, 0x1235, T0 + 2 * MS));
	assert_int_equal(f.pkts[0], 1);
	assert_string_equal(vg_flow_state_name(&f), "new");
	/* ICMPv6 echo request and reply. */
	one(x, icmp_echo(6, CLIENT6, SERVER6, 128, 7, T0 + 3 * MS));
	f = one(x, icmp_echo(6, SERVER6, CLIENT6, 129, 7, T0 + 4 * MS));
	assert_int_equal(f.proto, VG_IPPROTO_ICMPV6);
	assert_int_equal(f.icmp_type, 128);
	assert_int_equal(f.pkts[1], 1);
	assert_int_equal(st(x)->created, 3);
	assert_int_equal(st(x)->created_icmpv4, 2);
	assert_int_equal(st(x)->created_icmpv6, 1);
	assert_int_equal(st(x)->created_tcp + st(x)->created_udp + st(x)->created_other, 0);
	fx_close(x);
}

/* An ICMP destination unreachable from router to client, quoting the
 * client's UDP datagram to server. */
static struct vg_packet unreachable(struct vg_addr router, struct vg_addr client,
				    struct vg_addr server, uint16_t sport, uint16_t dport,
				    uint64_t ts)
{
	struct vg_packet p = ip_pkt(4, VG_IPPROTO_ICMP, router, client, ts, 70);

	p.icmp_type = 3;
	p.icmp_code = 3;
	p.flags |= VG_PKT_ICMP_ERR | VG_PKT_INNER_PORTS;
	p.inner.family = 4;
	p.inner.proto = VG_IPPROTO_UDP;
	p.inner.src = client;
	p.inner.dst = server;
	p.inner.sport = sport;
	p.inner.dport = dport;
	return p;
}

/* As Suricata counts them: an unreachable quoting a flow's packet is a
 * packet of that flow (to the client, from a router or the server), not
 * a flow of its own; without such a flow it is an ICMP flow. */
static void test_icmp_error_joins_its_flow(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	one(x, udp4(CLIENT4, SERVER4, 40000, 33434, T0, 74));
	f = one(x, unreachable(ROUTER4, CLIENT4, SERVER4, 40000, 33434, T0 + MS));
	assert_int_equal(f.proto, VG_IPPROTO_UDP);
	assert_int_equal(f.pkts[0], 1);
	assert_int_equal(f.pkts[1], 1);
	assert_int_equal(f.bytes[1], 70);
	assert_true(f.flags & VG_FLOW_ICMP_ERR);
	assert_int_equal(f.last_ns, T0 + MS);
	/* From the server itself: also to the client. */
	f = one(x, unreachable(SERVER4, CLIENT4, SERVER4, 40000, 33434, T0 + 2 * MS));
	assert_int_equal(f.pkts[1], 2);
	assert_int_equal(st(x)->icmp_err_matched, 2);
	/* Quoting a datagram vigil never saw: an ICMP flow. */
	f = one(x, unreachable(ROUTER4, CLIENT4, SERVER4, 40001, 53, T0 + 3 * MS));
	assert_int_equal(f.proto, VG_IPPROTO_ICMP);
	assert_int_equal(f.icmp_type, 3);
	assert_int_equal(st(x)->created, 2);
	assert_int_equal(st(x)->created_udp, 1);
	assert_int_equal(st(x)->created_icmpv4, 1);
	fx_close(x);
}

static void test_other_protocol(void **state)
{
	struct fx *x = *state;
	struct vg_flow f;

	fx_open(x, NULL);
	/* IP-in-IP: the outer packets are a flow (as Suricata has them). */
	f = one(x, ip_pkt(4, 4, CLIENT4, SERVER4, T0, 100));
	f = one(x, ip_pkt(4, 4, SERVER4, CLIENT4, T0 + 1, 120));
	assert_int_equal(f.pkts[0], 1);
	assert_int_equal(f.pkts[1], 1);
	assert_int_equal(f.proto, 4);
	assert_int_equal(st(x)->created_other, 1);
	/* IGMP and GRE make no flow: Suricata sets none up for them. */
	f = one(x, ip_pkt(4, 2, CLIENT4, SERVER4, T0 + 2, 60));
	assert_int_equal(f.proto, 0);
	f = one(x, ip_pkt(4, 47, CLIENT4, SERVER4, T0 + 3, 100));
	assert_int_equal(f.proto, 0);
	assert_int_equal(st(x)->not_tracked, 2);
	assert_int_equal(st(x)->created, 1);
	fx_close(x);
}

/* ---- fragments ---------------------------------------------------------- */

static struct vg_packet frag(struct vg_packet p, uint32_t id, uint16_t off)
{
	p.frag_id = id;
	p.frag_off = off;
	p.flags |= VG_PKT_FRAG;
	if (off == 0) {
		p.flags |= VG_PKT_FRAG_FIRST;
	} else {
		p.flags &= ~(uint32_t)VG_PKT_PORTS;
		p.sport = p.dport = 0;
	}
	return p;
}

static void test_fragments(void **state)
{
	struct fx *x = *state;
	struct vg_packet p[4];
	struct vg_flow *fl[4];

	fx_open(x, NULL);
	p[0] = frag(udp4(CLIENT4, SERVER4, 40020, 9, T0, 1514), 0x4001, 0);
	p[1] = frag(udp4(CLIENT4, SERVER4, 40020, 9, T0 + 1, 1514), 0x4001, 1480);
	p[2] = frag(udp4(CLIENT4, SERVER4, 40020, 9, T0 + 2, 200), 0x4001, 2960);
	/* An orphan: its first fragment was never seen. */
	p[3] = frag(udp4(CLIENT4, SERVER4, 40020, 9, T0 + 3, 300), 0x9999, 1480);
	vg_flow_update_batch(x->t, p, 4, fl);
	assert_non_null(fl[0]);
	assert_ptr_equal(fl[1], fl[0]);
	assert_ptr_equal(fl[2], fl[0]);
	assert_null(fl[3]);
	assert_int_equal(fl[0]->pkts[0], 3);
	assert_int_equal(fl[0]->bytes[0], 1514 + 1514 + 200);
	assert_int_equal(st(x)->created, 1);
	assert_int_equal(st(x)->frag_matched, 2);
	assert_int_equal(st(x)->no_flow, 1);
	/* The later fragments were given the first one's ports. */
	assert_int_equal(p[1].sport, 40020);
	assert_int_equal(p[1].dport, 9);

	/* Same id but another protocol, source or destination: no match. */
	{
		struct vg_packet q = frag(udp4(CLIENT4, SERVER4, 0, 0, T0 + 4, 100), 0x4001, 1480);
		q.proto = VG_IPPROTO_TCP;
		assert_null(one_ptr(x, &q));
		q = frag(udp4(CLIENT4, DNS4, 0, 0, T0 + 4, 100), 0x4001, 1480);
		assert_null(one_ptr(x, &q));
		q = frag(udp4(SERVER4, CLIENT4, 0, 0, T0 + 4, 100), 0x4001, 1480);
		assert_null(one_ptr(x, &q));
	}
	assert_int_equal(st(x)->no_flow, 4);
	assert_int_equal(st(x)->created, 1);

	/* Past the reassembly window a late fragment no longer matches. */
	{
		struct vg_packet q =
		    frag(udp4(CLIENT4, SERVER4, 0, 0, T0 + 61 * NS, 100), 0x4001, 1480);
		assert_null(one_ptr(x, &q));
		assert_int_equal(st(x)->no_flow, 5);
	}

	/* IPv6: a fragment header's 32-bit identification. */
	{
		struct vg_packet a =
		    frag(udp6(CLIENT6, SERVER6, 40030, 9, T0 + 62 * NS, 1294), 0xdeadbeefu, 0);
		struct vg_packet b = frag(udp6(CLIENT6, SERVER6, 40030, 9, T0 + 62 * NS + 1, 500),
					  0xdeadbeefu, 1232);
		struct vg_flow *fa = one_ptr(x, &a);
		struct vg_flow *fb = one_ptr(x, &b);
		assert_non_null(fa);
		assert_ptr_equal(fa, fb);
		assert_int_equal(fb->pkts[0], 2);
		assert_int_equal(fb->bytes[0], 1794);
		assert_int_equal(server_port(fb), 9);
	}
	assert_int_equal(st(x)->frag_matched, 3);
	fx_close(x);
}

/* ---- memory cap and eviction -------------------------------------------- */

static struct vg_flow_config tiny_cfg(uint64_t memcap)
{
	struct vg_flow_config cfg = default_cfg();

	cfg.memcap = memcap;
	return cfg;
}

static void test_memcap_too_small(void **state)
{
	struct fx *x = *state;
	struct vg_flow_config cfg = tiny_cfg(16 * (sizeof(struct vg_flow) + 4) - 1);
	struct vg_flow_table *poison = (struct vg_flow_table *)&cfg, *t;
	uint64_t caps[] = {16 * (sizeof(struct vg_flow) + 4) - 1, 0};
	int rc;

	for (unsigned i = 0; i < VG_ARRAY_LEN(caps); i++) {
		cfg.memcap = caps[i];
		t = poison;
		rc = vg_flow_table_new(&t, &cfg, NULL, NULL);
		if (t != poison)
			x->t = t; /* freed by teardown if wrongly created */
		assert_int_equal(rc, VG_EINVAL);
		assert_null(t);
	}
	/* 16 records is the smallest table (each with a bucket and a due). */
	cfg.memcap = 16 * (sizeof(struct vg_flow) + 8);
	assert_int_equal(vg_flow_table_new(&x->t, &cfg, NULL, NULL), 0);
	assert_int_equal(vg_flow_table_capacity(x->t), 16);
}

static void test_sizes(void **state)
{
	struct fx *x = *state;
	struct vg_flow_config cfg = default_cfg();
	uint64_t caps[] = {2048, 4096, 1u << 20, cfg.memcap};

	assert_true(sizeof(struct vg_flow) <= 128);
	assert_int_equal(sizeof(struct vg_flow_key), 40);
	for (unsigned i = 0; i < VG_ARRAY_LEN(caps); i++) {
		uint32_t cap, per;
		cfg.memcap = caps[i];
		assert_int_equal(vg_flow_table_new(&x->t, &cfg, NULL, NULL), 0);
		cap = vg_flow_table_capacity(x->t);
		per = vg_flow_bytes_per_flow(x->t);
		assert_true(per <= 128);
		assert_true(per >= sizeof(struct vg_flow));
		assert_true(cap >= 16);
		/* Records and buckets together stay within the cap... */
		assert_true((uint64_t)cap * sizeof(struct vg_flow) + (uint64_t)cap * 4 <= caps[i]);
		/* ...and the cap is not wasted: at most one record's worth left over. */
		assert_true((uint64_t)cap * per + per >= caps[i]);
		vg_flow_table_free(x->t);
		x->t = NULL;
	}
	vg_flow_table_free(NULL);
}

static void test_memcap_bounds_active_flows(void **state)
{
	enum { N = 1000 };
	struct vg_flow_config cfg = tiny_cfg(2048);
	struct vg_packet p[64];
	struct fx *x = *state;
	uint32_t cap;
	unsigned char *seen = fx_alloc(x, N);

	assert_non_null(seen);
	fx_open(x, &cfg);
	cap = vg_flow_table_capacity(x->t);
	assert_true(cap >= 16 && cap <= 2048 / sizeof(struct vg_flow));
	for (unsigned i = 0; i < N; i += 64) {
		unsigned m = N - i < 64 ? N - i : 64;
		for (unsigned j = 0; j < m; j++)
			p[j] =
			    udp4(a4n(0x0a000000u + i + j), DNS4, 40000, 53, T0 + (i + j) * MS, 60);
		feed(x, p, m, NULL, NULL);
		assert_true(st(x)->active <= cap);
	}
	assert_int_equal(st(x)->created, N);
	assert_int_equal(st(x)->active, cap);
	assert_int_equal(st(x)->active_max, cap);
	assert_int_equal(st(x)->ended_forced, N - cap);
	assert_int_equal(x->rec.n, N - cap);
	for (size_t i = 0; i < x->rec.n; i++)
		assert_int_equal(x->rec.e[i].why, VG_FLOW_END_FORCED);
	vg_flow_table_flush(x->t);
	assert_int_equal(st(x)->active, 0);
	assert_int_equal(st(x)->ended_shutdown, cap);
	assert_int_equal(x->rec.n, N);
	/* Every flow ended exactly once. */
	for (size_t i = 0; i < x->rec.n; i++) {
		struct vg_addr c = client_of(&x->rec.e[i].f);
		uint32_t n = (uint32_t)c.b[0] << 24 | (uint32_t)c.b[1] << 16 |
			     (uint32_t)c.b[2] << 8 | c.b[3];
		assert_true(n >= 0x0a000000u && n < 0x0a000000u + N);
		assert_int_equal(seen[n - 0x0a000000u], 0);
		seen[n - 0x0a000000u] = 1;
		assert_int_equal(x->rec.e[i].f.pkts[0], 1);
	}
	/* The table still works after the flush. */
	assert_int_equal(one(x, udp4(CLIENT4, DNS4, 1, 2, T0 + N * MS, 60)).pkts[0], 1);
	assert_int_equal(st(x)->active, 1);
	fx_close(x);
}

/* The table is filled with two-way flows; then one-way flows arrive. The
 * sample prefers one-way victims, so once there are a few one-way flows in
 * the table, the evicted ones are almost all one-way. */
static void test_eviction_prefers_one_sided(void **state)
{
	enum { ONEWAY = 400 };
	struct vg_flow_config cfg = tiny_cfg(2048);
	struct fx *x = *state;
	uint32_t cap;
	unsigned twoway_evicted = 0, oneway_evicted = 0, twoway_left = 0;

	fx_open(x, &cfg);
	cap = vg_flow_table_capacity(x->t);
	for (uint32_t i = 0; i < cap; i++) {
		one(x, udp4(a4n(0xc0000200u + i), DNS4, 40000, 53, T0 + i * MS, 60));
		one(x, udp4(DNS4, a4n(0xc0000200u + i), 53, 40000, T0 + i * MS + 1, 60));
	}
	assert_int_equal(st(x)->active, cap);
	assert_int_equal(x->rec.n, 0);
	for (uint32_t i = 0; i < ONEWAY; i++)
		one(x, udp4(a4n(0x0a000000u + i), DNS4, 40000, 53, T0 + NS + i * MS, 60));
	assert_int_equal(x->rec.n, ONEWAY);
	for (size_t i = 0; i < x->rec.n; i++) {
		assert_int_equal(x->rec.e[i].why, VG_FLOW_END_FORCED);
		if (x->rec.e[i].f.pkts[1])
			twoway_evicted++;
		else
			oneway_evicted++;
	}
	twoway_left = cap - twoway_evicted;
	/* A two-way flow goes only when a whole sample holds no one-way flow:
	 * that happens while the table is nearly all two-way, a few times. */
	assert_true(twoway_evicted <= cap / 2);
	assert_true(oneway_evicted >= ONEWAY - cap / 2);
	assert_true(twoway_left >= cap / 2);
	/* And it stops: the last half of the flood evicted only one-way flows. */
	for (size_t i = ONEWAY / 2; i < x->rec.n; i++)
		assert_int_equal(x->rec.e[i].f.pkts[1], 0);
	fx_close(x);
}

static void test_eviction_picks_longest_idle(void **state)
{
	struct vg_flow_config cfg = tiny_cfg(2048);
	struct vg_packet p[3];
	struct fx *x = *state;
	uint32_t cap;
	unsigned oldest = 0;

	fx_open(x, &cfg);
	cap = vg_flow_table_capacity(x->t);
	/* cap one-way flows; then touch all but one so that one is the oldest. */
	for (uint32_t i = 0; i < cap; i++)
		one(x, udp4(a4n(0x0a000000u + i), DNS4, 40000, 53, T0 + i * MS, 60));
	for (uint32_t i = 0; i < cap; i++)
		if (i != 3)
			one(x, udp4(a4n(0x0a000000u + i), DNS4, 40000, 53, T0 + NS + i * MS, 60));
	/* Three new flows in one batch: three samples of 8 consecutive slots
	 * cover all of them, so the oldest flow is sampled once and, being the
	 * longest idle, evicted. */
	assert_true(3 * 8 >= cap);
	for (unsigned i = 0; i < 3; i++)
		p[i] = udp4(CLIENT4, DNS4, (uint16_t)(40000 + i), 53, T0 + 2 * NS, 60);
	feed(x, p, 3, NULL, NULL);
	assert_int_equal(x->rec.n, 3);
	for (size_t i = 0; i < x->rec.n; i++) {
		assert_int_equal(x->rec.e[i].why, VG_FLOW_END_FORCED);
		if (addr_eq(client_of(&x->rec.e[i].f), a4n(0x0a000003u))) {
			oldest++;
			assert_int_equal(x->rec.e[i].f.last_ns, T0 + 3 * MS);
		}
	}
	assert_int_equal(oldest, 1);
	fx_close(x);
}

/* A SYN flood from 10 million forged sources against a small table: memory
 * stays at the cap, and established connections that were there before the
 * flood survive it (the flood evicts its own half-open flows). About 1 s in
 * an optimised build; an unoptimised or sanitizer build (ten times slower
 * per packet) floods with 1 million, which still recycles the table
 * 1,500 times. */
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
#define FLOOD_SOURCES (1000u * 1000u)
#else
#define FLOOD_SOURCES (10u * 1000u * 1000u)
#endif

static void test_syn_flood_10m(void **state)
{
	enum { BATCH = 256, LEGIT = 4 }; /* fewer than a sample of 8 */
	const uint32_t total = FLOOD_SOURCES;
	struct vg_flow_config cfg = tiny_cfg(64 << 10);
	struct fx *x = *state;
	struct vg_packet *p = fx_alloc(x, BATCH * sizeof *p);
	struct vg_flow **fl = fx_alloc(x, BATCH * sizeof *fl);
	uint64_t max_active = 0;
	uint32_t cap;

	assert_non_null(p);
	assert_non_null(fl);
	fx_open(x, &cfg);
	x->rec.keep = false;
	cap = vg_flow_table_capacity(x->t);
	for (uint32_t i = 0; i < LEGIT; i++) {
		one(x, tcp4(CLIENT4, SERVER4, (uint16_t)(50000 + i), 22, VG_TH_SYN, T0));
		one(x, tcp4(SERVER4, CLIENT4, 22, (uint16_t)(50000 + i), VG_TH_SYN | VG_TH_ACK,
			    T0 + 1));
		one(x, tcp4(CLIENT4, SERVER4, (uint16_t)(50000 + i), 22, VG_TH_ACK, T0 + 2));
	}
	for (uint32_t i = 0; i < BATCH; i++)
		p[i] = tcp4(CLIENT4, SERVER4, 0, 80, VG_TH_SYN, 0);
	for (uint32_t done = 0; done < total; done += BATCH) {
		uint32_t m = total - done < BATCH ? total - done : BATCH;
		for (uint32_t j = 0; j < m; j++) {
			uint32_t n = done + j;
			/* 10/8 and up: 10 million distinct sources. */
			uint32_t a = 0x0a000000u + n;
			memcpy(p[j].src.b,
			       (uint8_t[4]){(uint8_t)(a >> 24), (uint8_t)(a >> 16),
					    (uint8_t)(a >> 8), (uint8_t)a},
			       4);
			p[j].sport = (uint16_t)(1024 + (n * 7919u) % 60000u);
			p[j].ts_ns = T0 + 3 + (uint64_t)n * 100; /* 1 s of packet time */
		}
		vg_flow_update_batch(x->t, p, m, fl);
		if (st(x)->active > max_active)
			max_active = st(x)->active;
	}
	assert_true(max_active <= cap);
	assert_int_equal(st(x)->active_max, cap);
	assert_int_equal(st(x)->created, total + LEGIT);
	assert_int_equal(st(x)->created_tcp, total + LEGIT);
	assert_int_equal(st(x)->ended_forced, total + LEGIT - cap);
	assert_int_equal(st(x)->ended_timeout, 0);
	/* The established connections are all still there. */
	assert_int_equal(x->rec.by_why[VG_FLOW_END_FORCED], total + LEGIT - cap);
	x->rec.keep = true;
	vg_flow_table_flush(x->t);
	assert_int_equal(x->rec.n, cap);
	{
		unsigned legit = 0;
		for (size_t i = 0; i < x->rec.n; i++)
			if (x->rec.e[i].f.tcp_state == VG_TCP_ESTABLISHED)
				legit++;
		assert_int_equal(legit, LEGIT);
	}
	assert_int_equal(x->rec.count, st(x)->created);
	assert_int_equal(st(x)->active, 0);
	fx_close(x);
}

/* ---- flow id ------------------------------------------------------------- */

static void test_flow_id(void **state)
{
	enum { N = 500 };
	struct fx *x = *state;
	uint64_t ids[N], id;
	struct vg_flow f;

	fx_open(x, NULL);
	f = one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0));
	id = vg_flow_id(&f);
	assert_true(id < (1ull << 51));
	f = one(x, tcp4(SERVER4, CLIENT4, 80, 51000, VG_TH_SYN | VG_TH_ACK, T0 + MS));
	assert_int_equal(vg_flow_id(&f), id);
	f = one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_ACK, T0 + 2 * MS));
	assert_int_equal(vg_flow_id(&f), id);
	vg_flow_table_flush(x->t);
	assert_int_equal(x->rec.n, 1);
	assert_int_equal(vg_flow_id(&x->rec.e[0].f), id);
	fx_close(x);

	/* The same 5-tuple starting at another time is another flow: another id. */
	fx_open(x, NULL);
	f = one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0 + MS));
	assert_true(vg_flow_id(&f) != id);
	fx_close(x);
	/* The same traffic in another table (same seed) has the same id. */
	fx_open(x, NULL);
	f = one(x, tcp4(CLIENT4, SERVER4, 51000, 80, VG_TH_SYN, T0));
	assert_int_equal(vg_flow_id(&f), id);
	/* Distinct flows, distinct ids; the top bits are used too. */
	{
		uint64_t or_all = 0;
		for (unsigned i = 0; i < N; i++) {
			f = one(x, udp4(a4n(0x0a000000u + i), DNS4, (uint16_t)(1024 + i), 53,
					T0 + i * MS, 60));
			ids[i] = vg_flow_id(&f);
			assert_true(ids[i] < (1ull << 51));
			or_all |= ids[i];
		}
		for (unsigned i = 0; i < N; i++)
			for (unsigned j = i + 1; j < N; j++)
				assert_true(ids[i] != ids[j]);
		assert_true(or_all >> 50);
	}
	fx_close(x);
}

static void test_end_names(void **state)
{
	(void)state;
	assert_string_equal(vg_flow_end_name(VG_FLOW_END_TIMEOUT), "timeout");
	assert_string_equal(vg_flow_end_name(VG_FLOW_END_FORCED), "forced");
	assert_string_equal(vg_flow_end_name(VG_FLOW_END_SHUTDOWN), "shutdown");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* An optional argument runs only the tests matching it ("test_tcp*"). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(test_both_directions_one_flow),
	    T(test_client_side_flag_covers_both_orders),
	    T(test_same_batch_both_directions),
	    T(test_large_batch_every_packet_gets_a_flow),
	    T(test_non_ip_gets_no_flow),
	    T(test_tcp_handshake_and_fin),
	    T(test_tcp_rst_closes),
	    T(test_tcp_handshake_needs_right_direction),
	    T(test_tcp_midstream),
	    T(test_tcp_port_reuse),
	    T(test_udp_timeout_on_next_packet),
	    T(test_udp_established_uses_longer_timeout),
	    T(test_sweep_ends_idle_flow_without_new_packet),
	    T(test_advance_ends_idle_flow_without_packets),
	    T(test_sweep_after_timeout_shortens),
	    T(test_sweep_work_follows_packet_time),
	    T(test_vlan_separates_flows),
	    T(test_ipv4_and_ipv6_are_separate),
	    T(test_ipv4_mapped_ipv6_is_not_ipv4),
	    T(test_icmp_echo),
	    T(test_icmp_error_joins_its_flow),
	    T(test_other_protocol),
	    T(test_fragments),
	    T(test_memcap_too_small),
	    T(test_sizes),
	    T(test_memcap_bounds_active_flows),
	    T(test_eviction_prefers_one_sided),
	    T(test_eviction_picks_longest_idle),
	    T(test_syn_flood_10m),
	    T(test_flow_id),
	    T(test_end_names),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
