/*
 * bruteforce.c - password guessing: one source making repeated short
 * sessions to an authentication service (bruteforce.<service>).
 *
 * Method (the connection pattern; protocol replies - FTP 530, SMTP 535,
 * HTTP 401 - are the next step): a login attempt shows up as a TCP
 * session that completes its handshake, exchanges a little data and ends
 * within detect.brute.max_session seconds. Per (source, service port), the
 * detector counts such sessions when their flows end; detect.brute.attempts
 * of them, each begun within detect.brute.idle seconds of the previous
 * one, are an attack. Tools like hydra, medusa and ncrack open one session
 * per guess or per few guesses (the corpus captures: 13 to 243 sessions);
 * a person logging in makes one or two, and a long interactive session
 * after a run of short ones is how a success looks: it marks the attack
 * succeeded (severity 1). HTTP and HTTPS are left out: browsers open many
 * short connections, and only the replies (401, 403) can tell a guess.
 *
 * Memory: a fixed table of detect.brute.sources entries (source, port),
 * seeded hash, 8 slots to a line with tags, least recently active reused
 * (an open attack there is reported first).
 *
 * THREAT: source addresses, ports and session counts are the attacker's;
 * all of it lands in a fixed table.
 */
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

#define NS_PER_S    1000000000ull
#define OPEN_MAX    4096
#define VICTIMS_MAX 8

/* Services guessed at by port (IANA assignments and common practice). */
static const struct {
	uint16_t port;
	const char *kind;
} services[] = {
    {21, "bruteforce.ftp"},     {22, "bruteforce.ssh"},     {23, "bruteforce.telnet"},
    {25, "bruteforce.smtp"},    {110, "bruteforce.pop3"},   {143, "bruteforce.imap"},
    {445, "bruteforce.smb"},    {465, "bruteforce.smtp"},   {587, "bruteforce.smtp"},
    {993, "bruteforce.imap"},   {995, "bruteforce.pop3"},   {1433, "bruteforce.mssql"},
    {3306, "bruteforce.mysql"}, {3389, "bruteforce.rdp"},   {5432, "bruteforce.postgres"},
    {5900, "bruteforce.vnc"},   {6379, "bruteforce.redis"},
};

struct guesser_key {
	struct vg_addr addr;
	uint32_t port, family;
};

struct guesser {
	struct guesser_key key; /* first: the table's key */
	uint64_t first_ns, last_ns;
	uint64_t packets, bytes, attack_id;
	uint32_t attempts, victims_more;
	uint8_t open, succeeded, n_victims;
	const char *kind;
	struct vg_addr victims[VICTIMS_MAX];
};

struct brute_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	uint64_t seed, idle_ns, max_session_ns;
	uint32_t open[OPEN_MAX];
	uint32_t n_open;
};

static const char *service_of(uint16_t port)
{
	for (size_t i = 0; i < VG_ARRAY_LEN(services); i++)
		if (services[i].port == port)
			return services[i].kind;
	return NULL;
}

static void report(struct brute_state *s, struct guesser *g)
{
	struct vg_attack a;
	bool src_home = vg_cidr_match(s->env.home, &g->key.addr, g->key.family);
	bool dst_home = vg_cidr_match(s->env.home, &g->victims[0], g->key.family);

	memset(&a, 0, sizeof a);
	a.id = g->attack_id;
	a.kind = g->kind;
	a.src = g->key.addr;
	a.dst = g->victims[0];
	a.family = g->key.family;
	a.proto = VG_IPPROTO_TCP;
	a.direction = src_home ? "outbound" : dst_home ? "inbound" : "transit";
	a.succeeded = g->succeeded;
	a.src_verified = true; /* guesses run over established sessions */
	a.severity = g->succeeded || src_home ? 1 : 2;
	a.final = true;
	a.start_ns = g->first_ns;
	a.end_ns = g->last_ns;
	a.packets = g->packets;
	a.bytes = g->bytes;
	a.attempts = g->attempts;
	a.victims = g->n_victims + g->victims_more;
	a.n_victim_ips = g->n_victims;
	memcpy(a.victim_ips, g->victims, sizeof g->victims);
	a.ports = 1;
	a.n_ports = 1;
	a.port_list[0] = g->key.port;
	snprintf(a.evidence, sizeof a.evidence,
		 "%u short sessions (at most %u s each) to port %u on %u host%s%s", g->attempts,
		 (unsigned)(s->max_session_ns / NS_PER_S), g->key.port, a.victims,
		 a.victims == 1 ? "" : "s",
		 g->succeeded ? "; then a long session: the guessing likely succeeded" : "");
	s->env.emit(s->env.emit_arg, &a);
}

static void forget(struct brute_state *s, struct guesser *g)
{
	if (g->open)
		report(s, g);
	vg_dtable_remove(&s->t, g);
}

static void evict(void *owner, void *rec)
{
	struct guesser *g = rec;

	if (g->open)
		report(owner, g); /* reported before its slot is reused */
}

static struct guesser *find(struct brute_state *s, const struct vg_addr *a, uint8_t family,
			    uint16_t port, uint64_t now)
{
	struct guesser_key k = {*a, port, family};
	struct guesser *g = vg_dtable_find(&s->t, &k, true, now);

	if (!g->attempts)
		g->first_ns = now;
	return g;
}

static void add_victim(struct guesser *g, const struct vg_addr *v)
{
	for (unsigned i = 0; i < g->n_victims; i++)
		if (!memcmp(&g->victims[i], v, sizeof *v))
			return;
	if (g->n_victims < VICTIMS_MAX)
		g->victims[g->n_victims++] = *v;
	else
		g->victims_more++; /* may count a host twice past the list: noted in docs */
}

static void brute_on_flow_end(void *state, const struct vg_flow *f)
{
	struct brute_state *s = state;
	struct vg_flow_ends ends;
	uint16_t port;
	const char *kind;
	struct guesser *g;
	bool session, long_session;

	if (f->proto != VG_IPPROTO_TCP)
		return;
	vg_flow_ends(f, &ends);
	port = ends.server_port;
	if (!(kind = service_of(port)))
		return;
	/* A session: the server accepted (SYN-ACK) and the client spoke. */
	session = (f->tcp_flags[0] & VG_TH_SYN) &&
		  (f->tcp_flags[1] & (VG_TH_SYN | VG_TH_ACK)) == (VG_TH_SYN | VG_TH_ACK) &&
		  f->pkts[0] >= 3;
	if (!session)
		return;
	long_session = f->last_ns - f->first_ns > s->max_session_ns;
	g = find(s, &ends.client, ends.family, port, f->first_ns);
	if (g->attempts && f->first_ns > g->last_ns && f->first_ns - g->last_ns > s->idle_ns) {
		/* A pause longer than idle: what came before was one run. */
		forget(s, g);
		g = find(s, &ends.client, ends.family, port, f->first_ns);
	}
	if (long_session) {
		if (g->open)
			g->succeeded = 1;
		return; /* a long session is not a guess */
	}
	g->kind = kind;
	g->attempts++;
	g->packets += f->pkts[0];
	g->bytes += f->bytes[0];
	if (f->first_ns < g->first_ns)
		g->first_ns = f->first_ns;
	if (f->last_ns > g->last_ns)
		g->last_ns = f->last_ns;
	vg_dtable_touch(&s->t, g, g->last_ns);
	add_victim(g, &ends.server);
	if (!g->open && g->attempts >= s->env.cfg->brute_attempts && s->n_open < OPEN_MAX) {
		g->open = 1;
		g->attack_id = (*s->env.next_attack_id)++;
		vg_dtable_set_busy(&s->t, g, true);
		s->open[s->n_open++] = vg_dtable_index(&s->t, g);
	}
}

static void brute_on_tick(void *state, uint64_t now_ns)
{
	struct brute_state *s = state;

	for (uint32_t i = 0; i < s->n_open;) {
		struct guesser *g = vg_dtable_at(&s->t, s->open[i]);
		if (g->open && now_ns > g->last_ns && now_ns - g->last_ns > s->idle_ns)
			forget(s, g);
		if (!g->open) {
			s->open[i] = s->open[--s->n_open];
			continue;
		}
		i++;
	}
}

static int brute_init(void *state, const struct vg_detect_env *env)
{
	struct brute_state *s = state;

	s->env = *env;
	s->seed = env->seed ^ 0x6272757465ull;
	s->idle_ns = (uint64_t)env->cfg->brute_idle_s * NS_PER_S;
	s->max_session_ns = (uint64_t)env->cfg->brute_max_session_s * NS_PER_S;
	return vg_dtable_init(&s->t, env->cfg->brute_sources, sizeof(struct guesser),
			      sizeof(struct guesser_key), s->seed, evict, s);
}

static void brute_fini(void *state)
{
	struct brute_state *s = state;

	for (uint32_t i = 0; i < s->n_open; i++) {
		struct guesser *g = vg_dtable_at(&s->t, s->open[i]);
		if (g->open)
			forget(s, g);
	}
	s->n_open = 0;
	vg_dtable_fini(&s->t);
}

const struct vg_detector vg_detector_bruteforce = {
    .name = "bruteforce",
    .state_size = sizeof(struct brute_state),
    .wants = 0,
    .init = brute_init,
    .on_flow_end = brute_on_flow_end,
    .on_tick = brute_on_tick,
    .fini = brute_fini,
};
