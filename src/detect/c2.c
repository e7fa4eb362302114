/*
 * c2.c - malware.c2: a home terminal contacts a command-and-control
 * server that the threat intelligence lists (src/intel).
 *
 * On flow end, for flows a home terminal started towards an outside
 * address, the external end is looked up, once per flow, in this order:
 * its address (technique "address"), the TLS SNI ("sni"), the HTTP Host
 * ("http_host"), the name a DNS answer gave for the address ("dns"), the
 * client's JA3 fingerprint ("ja3"); the first listed value wins. The
 * contacts of one terminal with one server make one attack, kept in the
 * bounded detector table (table.h) until detect.c2.idle seconds of
 * silence; a long contact is reported every detect.update seconds.
 *
 * For attribution the C&C server is the attacker (src) and the terminal
 * the victim (dst); the direction is "outbound". The malware family the
 * feed gives is the attack's tool. The server's address is verified when
 * it answered (a TCP handshake, or any reply on UDP): an answer from a
 * forged address cannot come back. succeeded: the server answered, the
 * terminal got through to its controller (severity 1; 2 otherwise: a
 * blocked or sinkholed attempt).
 *
 * Without loaded intelligence the detector does nothing (no lookup).
 *
 * What the lookups read besides the intel tables, the flow's metadata and
 * the DNS answer cache's set for the server, is scattered over megabytes:
 * the two prefetch steps (detect.h) start loading it a few flows ahead.
 */
#include <stdio.h>
#include <string.h>

#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"
#include "intel/intel.h"

#define PORTS_MAX VG_ATTACK_LIST_MAX
#define NS_PER_S  1000000000ull

struct contact_key {
	struct vg_addr terminal, server;
	uint8_t family;
	uint8_t pad[7];
};

struct contact {
	struct contact_key key; /* first: the table's key */
	uint64_t first_ns, last_ns, reported_ns;
	uint64_t packets, bytes;
	uint64_t attack_id;
	uint32_t flows;
	uint8_t proto;
	uint8_t open, answered, verified;
	uint8_t n_ports;
	uint16_t ports_more;
	uint16_t ports[PORTS_MAX];
	const char *technique;
	/* Copies, not pointers into the intel tables: `vigil watch` reloads
	 * them on SIGHUP while contacts are open. */
	char family[48];
	char indicator[80];
	char source[64]; /* feed and file:line */
};

struct c2_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	uint64_t idle_ns, update_ns;
	struct vg_open_list open; /* contacts with an open attack */
	/* Per view slot: the server's DNS cache hash, if the prefetch made it. */
	uint64_t hash[VG_DETECT_RING];
	bool hashed[VG_DETECT_RING];
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void report(struct c2_state *s, struct contact *c, bool final)
{
	struct vg_attack a;

	memset(&a, 0, sizeof a);
	a.id = c->attack_id;
	a.kind = "malware.c2";
	a.technique = c->technique;
	a.tool = c->family[0] ? c->family : NULL;
	a.src = c->key.server;
	a.dst = c->key.terminal;
	a.family = c->key.family;
	a.proto = c->proto;
	a.direction = "outbound";
	a.succeeded = c->answered;
	a.src_verified = c->verified;
	a.severity = c->answered ? 1 : 2;
	a.final = final;
	a.start_ns = c->first_ns;
	a.end_ns = c->last_ns;
	a.packets = c->packets;
	a.bytes = c->bytes;
	a.attempts = c->flows;
	a.victims = 1;
	a.n_victim_ips = 1;
	a.victim_ips[0] = c->key.terminal;
	a.ports = c->n_ports + c->ports_more;
	a.n_ports = c->n_ports;
	memcpy(a.port_list, c->ports, sizeof a.port_list);
	/* A long indicator, source and family may not all fit: the sentence
	 * is cut at the field's end (the full values are in the intel files). */
	if (snprintf(a.evidence, sizeof a.evidence, "%u connection%s; %s %s listed by %s%s%s%s",
		     c->flows, c->flows == 1 ? "" : "s", c->technique, c->indicator, c->source,
		     c->family[0] ? " as " : "", c->family,
		     c->answered ? "; the server answered" : "; no answer") >=
	    (int)sizeof a.evidence)
		a.evidence[sizeof a.evidence - 1] = '\0';
	s->env.emit(s->env.emit_arg, &a);
	c->reported_ns = c->last_ns;
}

static void forget(struct c2_state *s, struct contact *c)
{
	if (c->open)
		report(s, c, true);
	vg_dtable_remove(&s->t, c);
}

static void evict(void *owner, void *rec)
{
	struct contact *c = rec;

	if (c->open)
		report(owner, c, true); /* reported before its slot is reused */
}

/* The first listed value of the flow, in the order of the file comment. */
static const char *match(const struct c2_state *s, const struct vg_flow_view *v,
			 const struct vg_app_flow *m, struct vg_intel_hit *hit)
{
	const struct vg_flow_ends *e = &v->e;
	const struct vg_intel *in = *s->env.intel;
	const char *name;

	if (vg_intel_match_addr(in, e->family, e->server.b, hit))
		return "address";
	if (m && m->proto == VG_APP_TLS && m->tls.sni[0] &&
	    vg_intel_match_domain(in, m->tls.sni, strlen(m->tls.sni), hit))
		return "sni";
	if (m && m->proto == VG_APP_HTTP && m->http.host[0] &&
	    vg_intel_match_domain(in, m->http.host, strlen(m->http.host), hit))
		return "http_host";
	/* Not the lookup itself: a resolver that answers for its own
	 * address is not contacted as that name. */
	if (s->env.app && !(m && m->proto == VG_APP_DNS) &&
	    (name = v->prefetched && s->hashed[v->slot]
			? vg_app_name_of_addr_h(s->env.app, e->family, &e->server, s->hash[v->slot])
			: vg_app_name_of_addr(s->env.app, e->family, &e->server)) &&
	    vg_intel_match_domain(in, name, strlen(name), hit))
		return "dns";
	if (m && m->proto == VG_APP_TLS && m->tls.ja3_md5[0] &&
	    vg_intel_match_ja3(in, m->tls.ja3_md5, hit))
		return "ja3";
	return NULL;
}

static void add_port(struct contact *c, uint16_t port)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (c->ports[i] == port)
			return;
	if (c->n_ports < PORTS_MAX)
		c->ports[c->n_ports++] = port;
	else if (c->ports_more < UINT16_MAX)
		c->ports_more++; /* may count a port twice past the list */
}

static void c2_on_flow_end(void *state, const struct vg_flow_view *v,
			   const struct vg_app_flow *meta)
{
	struct c2_state *s = state;
	const struct vg_flow *f = v->f;
	const struct vg_flow_ends *e = &v->e;
	struct vg_intel_hit hit;
	struct contact *c;
	const char *technique;
	bool answered;

	if (!*s->env.intel)
		return;
	if (!v->client_home || v->server_home)
		return;
	if (!(technique = match(s, v, meta, &hit)))
		return;
	struct contact_key k = {.terminal = e->client, .server = e->server, .family = e->family};
	c = vg_dtable_find(&s->t, &k, false, f->last_ns);
	if (c && f->first_ns > c->last_ns && f->first_ns - c->last_ns > s->idle_ns) {
		forget(s, c); /* a new episode */
		c = NULL;
	}
	if (!c) {
		c = vg_dtable_find(&s->t, &k, true, f->last_ns);
		c->first_ns = f->first_ns;
		c->proto = f->proto;
		c->technique = technique;
		snprintf(c->family, sizeof c->family, "%s", hit.family ? hit.family : "");
		snprintf(c->indicator, sizeof c->indicator, "%s", hit.indicator);
		snprintf(c->source, sizeof c->source, "%s (%s:%u)", hit.feed, base_name(hit.source),
			 hit.line);
	}
	answered =
	    f->proto == VG_IPPROTO_TCP ? (f->flags & VG_FLOW_HANDSHAKE) != 0 : f->pkts[1] > 0;
	c->flows++;
	c->packets += f->pkts[0] + f->pkts[1];
	c->bytes += f->bytes[0] + f->bytes[1];
	c->answered |= answered;
	c->verified |= answered;
	if (f->first_ns < c->first_ns)
		c->first_ns = f->first_ns;
	if (f->last_ns > c->last_ns)
		c->last_ns = f->last_ns;
	if (f->proto == VG_IPPROTO_TCP || f->proto == VG_IPPROTO_UDP)
		add_port(c, e->server_port);
	vg_dtable_touch(&s->t, c, c->last_ns);
	if (!c->open && !vg_open_full(&s->open)) {
		c->open = 1;
		c->reported_ns = c->first_ns;
		c->attack_id = (*s->env.next_attack_id)++;
		vg_open_add(&s->open, &s->t, c);
	}
}

/* The flows a lookup is made for: a home terminal's, out. */
static bool looked_up(const struct c2_state *s, const struct vg_flow_view *v)
{
	return *s->env.intel && s->env.app && v->client_home && !v->server_home;
}

static void c2_prefetch(void *state, const struct vg_flow_view *v)
{
	struct c2_state *s = state;

	s->hashed[v->slot] = false;
	if (!looked_up(s, v) || (v->e.family != 4 && v->e.family != 6))
		return;
	s->hash[v->slot] = vg_app_addr_hash(s->env.app, v->e.family, &v->e.server);
	s->hashed[v->slot] = true;
	vg_app_prefetch_name(s->env.app, s->hash[v->slot]);
	/* The server's address is looked up in the intel first (match). */
	vg_intel_prefetch_addr(*s->env.intel, v->e.family, v->e.server.b, 1);
	/* The flow's entry index: the pipeline's end prefetch loads it for
	 * every flow (on_end_prefetch), before this step. */
}

static void c2_prefetch_record(void *state, const struct vg_flow_view *v)
{
	struct c2_state *s = state;

	if (!s->hashed[v->slot] || !looked_up(s, v))
		return;
	vg_app_prefetch_name_way(s->env.app, s->hash[v->slot]);
	vg_app_prefetch_entry(s->env.app, v->f);
	vg_intel_prefetch_addr(*s->env.intel, v->e.family, v->e.server.b, 2);
}

/* An open attack at a tick (vg_open_fn): forgotten when idle, else reported if under
 * way since the last report; 0 once closed (now or by eviction), else when it
 * needs its next look (vg_open_next). */
static uint64_t tick_open(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct c2_state *s = owner;
	struct contact *c = rec;

	(void)slot;
	if (c->open && (end || vg_open_idle(now_ns, c->last_ns, s->idle_ns)))
		forget(s, c);
	else if (c->open && vg_open_update_due(c->last_ns, c->reported_ns, s->update_ns))
		report(s, c, false); /* still under way */
	return c->open ? vg_open_next(now_ns, c->last_ns, s->idle_ns, c->reported_ns, s->update_ns)
		       : 0;
}

static void c2_on_tick(void *state, uint64_t now_ns)
{
	struct c2_state *s = state;

	vg_open_walk(&s->open, &s->t, tick_open, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static void c2_configure(void *state)
{
	struct c2_state *s = state;

	s->idle_ns = (uint64_t)s->env.cfg->c2_idle_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
}

static int c2_init(void *state, const struct vg_detect_env *env)
{
	struct c2_state *s = state;

	s->env = *env;
	c2_configure(s);
	return vg_dtable_init(&s->t, env->cfg->c2_pairs, sizeof(struct contact),
			      sizeof(struct contact_key), env->seed ^ 0x633263ull, evict, s);
}

static void c2_fini(void *state)
{
	struct c2_state *s = state;

	vg_open_fini(&s->open, &s->t, tick_open, s);
	vg_dtable_fini(&s->t);
}

const struct vg_detector vg_detector_c2 = {
    .name = "c2",
    .enabled_off = offsetof(struct vg_detect_config, c2_on),
    .state_size = sizeof(struct c2_state),
    .needs_intel = true,
    .init = c2_init,
    .prefetch_flow_end = c2_prefetch,
    .prefetch_record = c2_prefetch_record,
    .on_flow_end = c2_on_flow_end,
    .reconfigure = c2_configure,
    .on_tick = c2_on_tick,
    .table_off = {offsetof(struct c2_state, t)},
    .fini = c2_fini,
};
