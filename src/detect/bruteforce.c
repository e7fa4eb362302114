/*
 * bruteforce.c - password guessing: one source making repeated short
 * sessions to an authentication service (bruteforce.<service>).
 *
 * Method, two kinds of evidence per (source, service port):
 *
 * - The protocol, where it speaks in clear: the server's reply to a login
 *   says whether it failed - FTP 530, SMTP 535, POP3 -ERR, IMAP NO,
 *   HTTP 401 or 403 - or succeeded (FTP 230, SMTP 235, HTTP 2xx; counted
 *   only after a failure). Each such reply is one attempt; a success
 *   after failures marks the attack succeeded (severity 1). The packet
 *   hook reads the first bytes of server-to-client segments on those
 *   ports only; a source gets a record at its first failure.
 * - Web form logins, which answer a wrong password with a page (200) or a
 *   redirect, not a 401: each POST to a login URL (its path names a
 *   login: login_path) is one attempt, however many one connection
 *   carries. The packet hook reads the request lines of connections to
 *   HTTP service ports; a request to a login path (any method: tools
 *   fetch the form first) marks the connection (VG_TAG1_BRUTE_FORM),
 *   which stays watched until it asks for another path; each POST there
 *   is noted, and its reply's status line with it. A connection the hook
 *   did not follow from its start is counted at its end from its first
 *   request (the app stage's metadata). The run's first such POST gives
 *   the status a failure gets; a later POST to the same path answered
 *   with another 2xx or 3xx status (the redirect most applications send
 *   after a good password) is a success; a POST answered 401 or 403 is
 *   a refused login, counted once.
 * - The connection pattern, for the encrypted or binary protocols (SSH,
 *   RDP, SMB, databases, VNC, Telnet...): a login attempt shows up as a
 *   TCP session that completes its handshake, exchanges a little data and
 *   ends within detect.brute.max_session seconds. Tools like hydra, medusa
 *   and ncrack open one session per guess or per few guesses (the corpus
 *   captures: 13 to 243 sessions); a person logging in makes one or two,
 *   and a long interactive session after a run of short ones is how a
 *   success looks: it marks the attack succeeded (severity 1).
 *
 * The attempts are the replies when the protocol gave any, else the
 * sessions; detect.brute.attempts of them, each within detect.brute.idle
 * seconds of the previous one, are an attack. HTTP counts replies and
 * form POSTs only: browsers open many short connections, and only a
 * refusal or a POST to a login form tells a guess.
 *
 * Memory: a fixed table of detect.brute.sources entries (source, port),
 * seeded hash, 8 slots to a line with tags, least recently active reused
 * (an open attack there is reported first).
 *
 * THREAT: source addresses, ports and session counts are the attacker's;
 * all of it lands in a fixed table.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

#define NS_PER_S      1000000000ull
#define VICTIMS_MAX   8
#define WATCH_PACKETS 64 /* packets of a login conversation looked at */
#define FORM_PATH_MAX 40 /* bytes of a login form's path kept for the evidence */

/* How a service's server says a login failed (or succeeded), if in clear. */
enum reply { R_NONE, R_FTP, R_SMTP, R_POP3, R_IMAP, R_HTTP };

/* Services guessed at by port (IANA assignments and common practice);
 * replies_only: short sessions are no evidence there (HTTP). */
static const struct service {
	uint16_t port;
	uint8_t reply, replies_only;
	const char *kind;
} services[] = {
    {21, R_FTP, 0, "bruteforce.ftp"},      {22, R_NONE, 0, "bruteforce.ssh"},
    {23, R_NONE, 0, "bruteforce.telnet"},  {25, R_SMTP, 0, "bruteforce.smtp"},
    {80, R_HTTP, 1, "bruteforce.http"},    {110, R_POP3, 0, "bruteforce.pop3"},
    {143, R_IMAP, 0, "bruteforce.imap"},   {445, R_NONE, 0, "bruteforce.smb"},
    {465, R_NONE, 0, "bruteforce.smtp"},   {587, R_SMTP, 0, "bruteforce.smtp"},
    {993, R_NONE, 0, "bruteforce.imap"},   {995, R_NONE, 0, "bruteforce.pop3"},
    {1433, R_NONE, 0, "bruteforce.mssql"}, {3306, R_NONE, 0, "bruteforce.mysql"},
    {3389, R_NONE, 0, "bruteforce.rdp"},   {5432, R_NONE, 0, "bruteforce.postgres"},
    {5900, R_NONE, 0, "bruteforce.vnc"},   {6379, R_NONE, 0, "bruteforce.redis"},
    {8000, R_HTTP, 1, "bruteforce.http"},  {8080, R_HTTP, 1, "bruteforce.http"},
};

struct guesser_key {
	struct vg_addr addr;
	uint32_t port, family;
};

struct guesser {
	struct guesser_key key; /* first: the table's key */
	uint64_t first_ns, last_ns;
	uint64_t packets, bytes, attack_id, reported_ns; /* reported: the last report */
	uint32_t attempts, victims_more;                 /* attempts: short sessions */
	uint32_t fails, oks;           /* login replies: failed, succeeded after a failure */
	uint32_t form_fails, form_oks; /* POSTs to the login form: failed, accepted */
	uint16_t form_status;          /* the status a failed POST gets */
	uint16_t form_pending;         /* POSTs the packet hook saw, their replies not yet */
	uint8_t open, succeeded, n_victims;
	char form[FORM_PATH_MAX]; /* the login form's path ("" none), cut */
	const char *kind;
	struct vg_addr victims[VICTIMS_MAX];
};

#define SVC_SLOTS 64

struct brute_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	uint64_t seed, idle_ns, max_session_ns, update_ns;
	struct vg_open_list open;      /* sources with an open attack */
	uint64_t hash[VG_DETECT_RING]; /* per view slot: the key's hash, if prefetched */
	/* service_of's slots: the port in each (SVC_NONE: none), in
	 * watch_port only if its server answers logins in clear. */
	uint32_t svc_port[SVC_SLOTS], watch_port[SVC_SLOTS];
	uint8_t svc_idx[SVC_SLOTS]; /* the service's index in services[] */
};

/* The service on a port: a slot of SVC_SLOTS indexed by a
 * multiplicative hash of the port (no two service ports share one:
 * brute_init checks), then one compare; no branch but the caller's on
 * the answer, as it runs on packets. */
#define SVC_NONE    0x10000u /* in a slot's port: no port matches */
#define SVC_HASH(p) ((((uint32_t)(p)*0x29fu) & 0xffffu) >> 10)

static const struct service *service_of(const struct brute_state *s, uint16_t port)
{
	uint32_t h = SVC_HASH(port);

	return s->svc_port[h] == port ? &services[s->svc_idx[h]] : NULL;
}

/* Makes the service slots; false if two ports share one (a bug). */
static bool services_index(struct brute_state *s)
{
	for (unsigned h = 0; h < SVC_SLOTS; h++)
		s->svc_port[h] = s->watch_port[h] = SVC_NONE;
	for (size_t i = 0; i < VG_ARRAY_LEN(services); i++) {
		uint32_t h = SVC_HASH(services[i].port);
		if (s->svc_port[h] != SVC_NONE)
			return false;
		s->svc_port[h] = services[i].port;
		s->svc_idx[h] = (uint8_t)i;
		if (services[i].reply != R_NONE)
			s->watch_port[h] = services[i].port;
	}
	return true;
}

/* Attempts: the protocol's replies and form POSTs when there were any,
 * else the sessions. */
static uint32_t attempts_of(const struct guesser *g)
{
	uint32_t replies = g->fails + g->oks + g->form_fails + g->form_oks;

	return replies ? replies : g->attempts;
}

/* Reports the run's attack: final (it ended) or an interim update. */
static void report(struct brute_state *s, struct guesser *g, bool final)
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
	a.final = final;
	a.start_ns = g->first_ns;
	a.end_ns = g->last_ns;
	a.packets = g->packets;
	a.bytes = g->bytes;
	a.attempts = attempts_of(g);
	a.victims = g->n_victims + g->victims_more;
	a.n_victim_ips = g->n_victims;
	memcpy(a.victim_ips, g->victims, sizeof g->victims);
	a.ports = 1;
	a.n_ports = 1;
	a.port_list[0] = g->key.port;
	if (g->form_fails + g->form_oks && !(g->fails + g->oks))
		snprintf(a.evidence, sizeof a.evidence,
			 "%u failed logins (POSTs to the login form %s answered %u) to port %u on "
			 "%u host%s%s",
			 g->form_fails, g->form, g->form_status, g->key.port, a.victims,
			 a.victims == 1 ? "" : "s",
			 g->form_oks ? "; then a POST was answered otherwise: the login likely "
				       "succeeded"
				     : "");
	else if (g->fails + g->oks) /* replies, and maybe form POSTs too */
		snprintf(a.evidence, sizeof a.evidence,
			 "%u failed logins (server replies) to port %u on %u host%s%s",
			 g->fails + g->form_fails, g->key.port, a.victims,
			 a.victims == 1 ? "" : "s",
			 g->oks + g->form_oks ? "; then the server accepted a login" : "");
	else
		snprintf(a.evidence, sizeof a.evidence,
			 "%u short sessions (at most %u s each) to port %u on %u host%s%s",
			 g->attempts, (unsigned)(s->max_session_ns / NS_PER_S), g->key.port,
			 a.victims, a.victims == 1 ? "" : "s",
			 g->succeeded ? "; then a long session: the guessing likely succeeded"
				      : "");
	s->env.emit(s->env.emit_arg, &a);
	g->reported_ns = g->last_ns;
}

static void forget(struct brute_state *s, struct guesser *g)
{
	if (g->open)
		report(s, g, true);
	vg_dtable_remove(&s->t, g);
}

static void evict(void *owner, void *rec)
{
	struct guesser *g = rec;

	if (g->open)
		report(owner, g, true); /* reported before its slot is reused */
}

static struct guesser *find_h(struct brute_state *s, const struct guesser_key *k, uint64_t h,
			      uint64_t now)
{
	struct guesser *g = vg_dtable_find_h(&s->t, k, h, true, now);

	if (!attempts_of(g))
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

static void maybe_open(struct brute_state *s, struct guesser *g)
{
	if (!g->open && attempts_of(g) >= s->env.cfg->brute_attempts && !vg_open_full(&s->open)) {
		g->open = 1;
		g->reported_ns = g->first_ns;
		g->attack_id = (*s->env.next_attack_id)++;
		vg_open_add(&s->open, &s->t, g);
	}
}

/* The (source, port) record at time now; a pause longer than idle ends
 * the run before it (reported) and starts a new one. */
static struct guesser *run_of(struct brute_state *s, const struct guesser_key *k, uint64_t h,
			      uint64_t now)
{
	struct guesser *g = find_h(s, k, h, now);

	if (attempts_of(g) && now > g->last_ns && now - g->last_ns > s->idle_ns) {
		forget(s, g);
		g = find_h(s, k, h, now);
	}
	return g;
}

static bool starts(const uint8_t *b, uint32_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && !memcmp(b, lit, l);
}

/* The status of an HTTP/1.x status line ("HTTP/1.x NNN"), 0 if b does
 * not start with one. */
static uint16_t http_status(const uint8_t *b, uint32_t n)
{
	uint16_t status = 0;

	if (n < 12 || !starts(b, n, "HTTP/1.") || b[8] != ' ')
		return 0;
	for (unsigned i = 9; i < 12; i++) {
		if (b[i] < '0' || b[i] > '9')
			return 0;
		status = (uint16_t)(status * 10 + (b[i] - '0'));
	}
	return status;
}

/* A server's reply: -1 a failed login, 1 an accepted one, 0 neither. */
static int login_reply(enum reply r, const uint8_t *b, uint32_t n)
{
	switch (r) {
	case R_FTP: return starts(b, n, "530") ? -1 : starts(b, n, "230") ? 1 : 0;
	case R_SMTP: return starts(b, n, "535") ? -1 : starts(b, n, "235") ? 1 : 0;
	case R_POP3: return starts(b, n, "-ERR") ? -1 : 0;
	case R_IMAP: /* "<tag> NO ...": a tagged failure (untagged lines begin with '*') */
		if (n && b[0] != '*')
			for (uint32_t i = 1; i + 4 <= n && i < 24; i++)
				if (b[i] == ' ')
					return !memcmp(b + i, " NO ", 4) ? -1 : 0;
		return 0;
	case R_HTTP: {
		uint16_t status = http_status(b, n);
		return status == 401 || status == 403 ? -1 : status / 100 == 2 ? 1 : 0;
	}
	default: return 0;
	}
}

/* What the packet hook saw, noted for the tables: a login reply, a POST
 * to a login form, or the reply to such a POST. */
enum { NOTE_REPLY, NOTE_FORM_POST, NOTE_FORM_STATUS };

#define NOTE_PATH_MAX 32 /* bytes of a form's path a note carries, NUL included */

struct login_note {
	uint64_t ts_ns;
	struct vg_addr client;
	uint16_t port; /* the service's */
	uint8_t family;
	uint8_t what;  /* NOTE_* */
	int8_t result; /* NOTE_REPLY: -1 failed, 1 accepted */
	uint8_t pad;
	uint16_t status; /* NOTE_FORM_STATUS: the HTTP status */
	union {
		struct vg_addr server;    /* NOTE_REPLY, NOTE_FORM_STATUS */
		char path[NOTE_PATH_MAX]; /* NOTE_FORM_POST: the form's path, cut */
	};
};
_Static_assert(sizeof(struct login_note) <= VG_NOTE_MAX, "a note fits VG_NOTE_MAX");

/* Server-to-client segments with data on the services that answer in
 * clear: a failed login is an attempt (and gives the source a record); an
 * accepted one counts only after failures. A flow to such a service is
 * marked VG_FLOW_WATCH on its first packet, so the hook sees the rest.
 * The hook reads the flow; what it learns reaches the table as a note
 * (brute_on_note). */
static void watched_packet(const struct brute_state *s, const struct vg_packet *p,
			   struct vg_flow *f, int dir);

/* The tests are combined without a branch each (dir is a coin toss,
 * whether a flow is watched or a packet carries data hardly better): one
 * branch remains, to a watched flow's data or long conversation. */
static void brute_on_packet(void *state, const struct vg_packet *p, struct vg_flow *f, int dir)
{
	const struct brute_state *s = state;
	uint16_t port;
	unsigned fl, sum, watched;

	if (f->proto != VG_IPPROTO_TCP) /* a flow hook (f is set) for TCP */
		return;
	fl = f->flags;
	watched = (fl & VG_FLOW_WATCH) != 0;
	sum = f->pkts[0] + f->pkts[1];
	/* An unwatched flow's first packet (the client's) to a service
	 * that answers logins in clear starts watching it. */
	port = dir ? p->sport : p->dport;
	f->flags =
	    (uint8_t)(fl | (!watched & (sum == 1) & (s->watch_port[SVC_HASH(port)] == port)) *
			       VG_FLOW_WATCH);
	if (VG_UNLIKELY(watched & ((p->payload_len != 0) | (sum > WATCH_PACKETS))))
		watched_packet(s, p, f, dir);
}

static size_t login_path_n(const char *path, size_t n);

/* The methods a request line starts with (RFC 9110 and WebDAV's common
 * ones): a client segment that starts otherwise continues a body. */
static const char *const methods[] = {"POST ",  "GET ",     "HEAD ",     "PUT ",    "DELETE ",
				      "PATCH ", "OPTIONS ", "PROPFIND ", "CONNECT "};

/* A client segment of a connection to an HTTP service. A request to a
 * login form's path (any method: tools fetch the form first, for its
 * cookie or token) marks the connection (VG_TAG1_BRUTE_FORM) and keeps it
 * watched; each POST there is noted (NOTE_FORM_POST), its reply below
 * gives its status. A request elsewhere on a marked connection ends the
 * watch: the user went on into the site. */
static void client_request(const struct brute_state *s, const struct vg_packet *p,
			   struct vg_flow *f, const uint8_t *b, uint32_t n)
{
	const char *path;
	size_t m, len = 0, plen;
	size_t i;

	for (i = 0; i < VG_ARRAY_LEN(methods); i++)
		if (starts(b, n, methods[i]))
			break;
	if (i == VG_ARRAY_LEN(methods))
		return; /* a body's continuation */
	m = strlen(methods[i]);
	path = (const char *)b + m;
	while (m + len < n && path[len] != ' ' && path[len] != '\r' && path[len] != '\n')
		len++;
	if (!(plen = login_path_n(path, len))) {
		if (f->tag[1] & VG_TAG1_BRUTE_FORM)
			f->flags &= (uint8_t)~VG_FLOW_WATCH;
		return;
	}
	f->tag[1] |= VG_TAG1_BRUTE_FORM | VG_TAG1_BRUTE_LOGIN; /* LOGIN: watched on */
	if (i != 0)
		return; /* not a POST: the form fetched */
	f->tag[1] |= VG_TAG1_BRUTE_POSTED;
	struct login_note note;
	/* Zeroed whole: the path's NUL, and no stray bytes in the note
	 * (an initializer need not clear the union past its first member). */
	memset(&note, 0, sizeof note);
	note.ts_ns = p->ts_ns;
	note.client = p->src;
	note.port = p->dport;
	note.family = p->family;
	note.what = NOTE_FORM_POST;
	memcpy(note.path, path, plen < NOTE_PATH_MAX - 1 ? plen : NOTE_PATH_MAX - 1);
	vg_detect_note(&s->env, &note, sizeof note);
}

/* Notes what a server's segment p said (a login reply, a form's status). */
static void server_note(const struct brute_state *s, const struct vg_packet *p, uint8_t what,
			int8_t result, uint16_t status)
{
	struct login_note note;

	memset(&note, 0, sizeof note); /* as above */
	note.ts_ns = p->ts_ns;
	note.client = p->dst;
	note.server = p->src;
	note.port = p->sport;
	note.family = p->family;
	note.what = what;
	note.result = result;
	note.status = status;
	vg_detect_note(&s->env, &note, sizeof note);
}

/* A server segment of a marked connection: the status line of the reply
 * to a POST noted above (NOTE_FORM_STATUS). */
static void form_reply(const struct brute_state *s, const struct vg_packet *p, struct vg_flow *f,
		       const uint8_t *b, uint32_t n)
{
	uint16_t status;

	if (!(f->tag[1] & VG_TAG1_BRUTE_POSTED) || !(status = http_status(b, n)))
		return;
	f->tag[1] &= (uint8_t)~VG_TAG1_BRUTE_POSTED;
	server_note(s, p, NOTE_FORM_STATUS, 0, status);
}

/* A packet of a watched flow with data, or past WATCH_PACKETS; out of
 * line: the common case above then saves no registers. */
static __attribute__((noinline)) void
watched_packet(const struct brute_state *s, const struct vg_packet *p, struct vg_flow *f, int dir)
{
	const struct service *svc;
	const uint8_t *b;
	uint32_t n;
	int r;

	/* Logins come first: a conversation that went on for WATCH_PACKETS
	 * without a login reply is a user's session (a mail sent, a file
	 * listed), no longer looked at. */
	if (f->pkts[0] + f->pkts[1] > WATCH_PACKETS && !(f->tag[1] & VG_TAG1_BRUTE_LOGIN)) {
		f->flags &= (uint8_t)~VG_FLOW_WATCH;
		return;
	}
	if (!p->payload_len || !(svc = service_of(s, dir ? p->sport : p->dport)) ||
	    svc->reply == R_NONE)
		return;
	b = p->data + p->payload_off;
	n = p->caplen > p->payload_off ? p->caplen - p->payload_off : 0;
	if (n > p->payload_len)
		n = p->payload_len;
	if (dir == 0) { /* the client's: only a web form's requests are read */
		if (svc->reply == R_HTTP)
			client_request(s, p, f, b, n);
		return;
	}
	if (f->tag[1] & VG_TAG1_BRUTE_FORM) {
		form_reply(s, p, f, b, n);
		return;
	}
	r = login_reply(svc->reply, b, n);
	/* A web connection whose reply is not a refusal is browsing: the
	 * hook stops looking at it (the bulk of web traffic costs nothing). */
	if (r >= 0 && svc->reply == R_HTTP)
		f->flags &= (uint8_t)~VG_FLOW_WATCH;
	if (!r)
		return;
	f->tag[1] |= VG_TAG1_BRUTE_LOGIN;
	server_note(s, p, NOTE_REPLY, (int8_t)r, 0);
}

static bool same_form(struct guesser *g, const char *path, size_t len);
static void form_result(struct guesser *g, uint16_t status);

static void brute_on_note(void *state, const void *note, size_t len)
{
	struct brute_state *s = state;
	const struct login_note *n = note;
	struct guesser_key k;
	struct guesser *g;

	if (len != sizeof *n)
		return;
	k = (struct guesser_key){n->client, n->port, n->family};
	if (n->what == NOTE_FORM_POST) {
		/* Counted when its reply comes (its status tells failure). */
		g = run_of(s, &k, vg_dtable_hash(&s->t, &k), n->ts_ns);
		if (!same_form(g, n->path, strnlen(n->path, sizeof n->path)))
			return;
		g->kind = service_of(s, n->port)->kind;
		if (g->form_pending < UINT16_MAX)
			g->form_pending++;
	} else if (n->what == NOTE_FORM_STATUS) {
		g = vg_dtable_find(&s->t, &k, false, n->ts_ns);
		if (!g || !g->form_pending)
			return;
		g->form_pending--;
		if (n->status == 401 || n->status == 403)
			g->fails++; /* refused, as a login reply says it */
		else
			form_result(g, n->status);
		add_victim(g, &n->server);
	} else if (n->result > 0) {
		g = vg_dtable_find(&s->t, &k, false, n->ts_ns);
		if (!g || !g->fails)
			return;
		g->oks++;
		g->succeeded = 1;
	} else {
		g = run_of(s, &k, vg_dtable_hash(&s->t, &k), n->ts_ns);
		g->kind = service_of(s, n->port)->kind;
		g->fails++;
		add_victim(g, &n->server);
	}
	if (n->ts_ns > g->last_ns)
		g->last_ns = n->ts_ns;
	vg_dtable_touch(&s->t, g, g->last_ns);
	maybe_open(s, g);
}

/* A session of a guesser's run (a guess or a form POST, counted by the
 * caller): its client's packets and times, its server as a victim. */
static void add_session(struct brute_state *s, struct guesser *g, const struct vg_flow_view *v,
			const char *kind)
{
	const struct vg_flow *f = v->f;

	g->kind = kind;
	g->packets += f->pkts[0];
	g->bytes += f->bytes[0];
	if (f->first_ns < g->first_ns)
		g->first_ns = f->first_ns;
	if (f->last_ns > g->last_ns)
		g->last_ns = f->last_ns;
	vg_dtable_touch(&s->t, g, g->last_ns);
	add_victim(g, &v->e.server);
	maybe_open(s, g);
}

/* Words in a path that name a login form (compared without regard to
 * case): WordPress's wp-login.php, /login, /user/login, /signin, /logon,
 * /session (Rails, GitHub), /authenticate. An API client posting to
 * /api/items many times a minute is not guessing passwords. */
static const char *const login_words[] = {"login",   "logon",   "signin",     "sign-in",
					  "sign_in", "session", "authenticat"};

/* The length of the path of a URI of len bytes (up to its query or
 * fragment) if the path names a login form, else 0. */
static size_t login_path_n(const char *uri, size_t len)
{
	size_t n = 0;

	while (n < len && uri[n] != '?' && uri[n] != '#')
		n++;
	for (size_t w = 0; w < VG_ARRAY_LEN(login_words); w++) {
		size_t l = strlen(login_words[w]);
		for (size_t i = 0; i + l <= n; i++)
			if (!strncasecmp(uri + i, login_words[w], l))
				return n;
	}
	return 0;
}

static size_t login_path(const char *uri)
{
	return login_path_n(uri, strlen(uri));
}

/* The path of a login form this flow POSTed to, with its length, or 0:
 * the app stage's first request of the connection, answered, not with a
 * 401 or 403 (the packet hook counted those). */
static size_t form_post(const struct vg_app_flow *meta, const char **path)
{
	const struct vg_app_http *h;

	if (!meta || meta->proto != VG_APP_HTTP)
		return 0;
	h = &meta->http;
	if (!h->has_request || !h->has_response || strcmp(h->method, "POST") || h->status == 401 ||
	    h->status == 403)
		return 0;
	*path = h->uri;
	return login_path(h->uri);
}

/* Whether a POST to path (len bytes) belongs to the run's form: the
 * first gives the run its path; POSTs to another are not counted. Paths
 * compare as far as both were kept (a note carries NOTE_PATH_MAX - 1). */
static bool same_form(struct guesser *g, const char *path, size_t len)
{
	size_t keep = len < FORM_PATH_MAX - 1 ? len : FORM_PATH_MAX - 1, have;

	if (!g->form[0]) {
		memcpy(g->form, path, keep);
		g->form[keep] = 0;
		return true;
	}
	have = strlen(g->form);
	if (keep >= NOTE_PATH_MAX - 1 && have >= NOTE_PATH_MAX - 1)
		keep = have = NOTE_PATH_MAX - 1;
	return have == keep && !memcmp(g->form, path, keep);
}

/* A POST to the run's login form answered with status: a failed login,
 * or an accepted one if answered with another 2xx or 3xx status than the
 * run's first (the status failures get). */
static void form_result(struct guesser *g, uint16_t status)
{
	if (!(g->form_fails + g->form_oks))
		g->form_status = status;
	if (g->form_fails && status != g->form_status && status >= 200 && status < 400) {
		g->form_oks++;
		g->succeeded = 1;
	} else {
		g->form_fails++;
	}
}

/* A connection's first request, a POST to a login form, that the packet
 * hook did not follow (form_post). */
static void form_attempt(struct brute_state *s, const struct vg_flow_view *v,
			 const struct service *svc, const struct guesser_key *k, uint64_t h,
			 const char *path, size_t len, uint16_t status)
{
	const struct vg_flow *f = v->f;
	struct guesser *g = run_of(s, k, h, f->first_ns);

	if (!same_form(g, path, len))
		return;
	form_result(g, status);
	add_session(s, g, v, svc->kind);
}

/* Flows whose key brute_prefetch hashes (and on_flow_end may look up). */
static bool prefetched(const struct vg_flow *f)
{
	return f->proto == VG_IPPROTO_TCP && (f->flags & VG_FLOW_HANDSHAKE);
}

static void brute_on_flow_end(void *state, const struct vg_flow_view *v,
			      const struct vg_app_flow *meta)
{
	struct brute_state *s = state;
	const struct vg_flow *f = v->f;
	uint16_t port = v->e.server_port;
	const struct service *svc;
	const char *kind, *path = NULL;
	struct guesser *g;
	struct guesser_key k;
	uint64_t h;
	size_t path_len;
	bool session, long_session;

	if (f->proto != VG_IPPROTO_TCP)
		return;
	if (!(svc = service_of(s, port)))
		return;
	kind = svc->kind;
	/* A session: the server accepted (SYN-ACK) and the client spoke. */
	session = (f->tcp_flags[0] & VG_TH_SYN) &&
		  (f->tcp_flags[1] & (VG_TH_SYN | VG_TH_ACK)) == (VG_TH_SYN | VG_TH_ACK) &&
		  f->pkts[0] >= 3;
	if (!session)
		return;
	k = (struct guesser_key){v->e.client, port, v->e.family};
	/* The packet hook counted the POSTs of a connection it followed. */
	path_len =
	    svc->reply == R_HTTP && !(f->tag[1] & VG_TAG1_BRUTE_FORM) ? form_post(meta, &path) : 0;
	if (svc->replies_only && !path_len && !(f->tag[1] & VG_TAG1_BRUTE_LOGIN))
		return; /* the session counts only for its packets: no login, no lookup */
	h = v->prefetched && prefetched(f) ? s->hash[v->slot] : vg_dtable_hash(&s->t, &k);
	if (path_len) {
		form_attempt(s, v, svc, &k, h, path, path_len, meta->http.status);
		return;
	}
	if (svc->replies_only) {
		if ((g = vg_dtable_find_h(&s->t, &k, h, false, f->last_ns)) &&
		    g->fails + g->form_fails + g->form_oks) {
			g->packets += f->pkts[0];
			g->bytes += f->bytes[0];
		}
		return;
	}
	long_session = f->last_ns - f->first_ns > s->max_session_ns;
	g = run_of(s, &k, h, f->first_ns);
	if (long_session) {
		if (g->open)
			g->succeeded = 1;
		return; /* a long session is not a guess */
	}
	g->attempts++;
	add_session(s, g, v, kind);
}

static void brute_prefetch(void *state, const struct vg_flow_view *v)
{
	struct brute_state *s = state;

	if (prefetched(v->f) && service_of(s, v->e.server_port)) {
		struct guesser_key k = {v->e.client, v->e.server_port, v->e.family};
		s->hash[v->slot] = vg_dtable_hash(&s->t, &k);
		vg_dtable_prefetch_h(&s->t, s->hash[v->slot]);
	}
}

/* An open attack at a tick (vg_open_fn): forgotten when idle, else reported if under
 * way since the last report; 0 once closed (now or by eviction), else when it
 * needs its next look (vg_open_next). */
static uint64_t tick_open(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct brute_state *s = owner;
	struct guesser *g = rec;

	(void)slot;
	if (g->open && (end || vg_open_idle(now_ns, g->last_ns, s->idle_ns)))
		forget(s, g);
	else if (g->open && vg_open_update_due(g->last_ns, g->reported_ns, s->update_ns))
		report(s, g, false); /* still under way */
	return g->open ? vg_open_next(now_ns, g->last_ns, s->idle_ns, g->reported_ns, s->update_ns)
		       : 0;
}

static void brute_on_tick(void *state, uint64_t now_ns)
{
	struct brute_state *s = state;

	vg_open_walk(&s->open, &s->t, tick_open, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static void brute_configure(void *state)
{
	struct brute_state *s = state;

	s->idle_ns = (uint64_t)s->env.cfg->brute_idle_s * NS_PER_S;
	s->max_session_ns = (uint64_t)s->env.cfg->brute_max_session_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
}

static int brute_init(void *state, const struct vg_detect_env *env)
{
	struct brute_state *s = state;

	if (!services_index(s))
		return VG_EINVAL; /* two service ports share a slot: a bug */
	for (size_t i = 0; i < VG_ARRAY_LEN(services); i++)
		if (service_of(s, services[i].port) != &services[i])
			return VG_EINVAL;
	s->env = *env;
	s->seed = env->seed ^ 0x6272757465ull;
	brute_configure(s);
	if (env->packet_only)
		return 0; /* the hook watches flows and notes replies: no table */
	return vg_dtable_init(&s->t, env->cfg->brute_sources, sizeof(struct guesser),
			      sizeof(struct guesser_key), s->seed, evict, s);
}

static void brute_fini(void *state)
{
	struct brute_state *s = state;

	vg_open_fini(&s->open, &s->t, tick_open, s);
	vg_dtable_fini(&s->t);
}

const struct vg_detector vg_detector_bruteforce = {
    .name = "bruteforce",
    .enabled_off = offsetof(struct vg_detect_config, brute_on),
    .state_size = sizeof(struct brute_state),
    .wants = VG_DETECT_PKT_FLOW | VG_DETECT_PKT_TCP,
    .init = brute_init,
    .on_packet = brute_on_packet,
    .prefetch_flow_end = brute_prefetch,
    .on_flow_end = brute_on_flow_end,
    .on_note = brute_on_note,
    .reconfigure = brute_configure,
    .on_tick = brute_on_tick,
    .table_off = {offsetof(struct brute_state, t)},
    .fini = brute_fini,
};
