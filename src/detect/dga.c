/*
 * dga.c - malware.dga: a home terminal asking for many random-looking
 * names that do not exist, as malware does when it walks the list of
 * domains its generation algorithm made for the day, looking for the one
 * its controller registered (Conficker, CryptoLocker, Necurs...).
 *
 * Method: at the end of each DNS flow a home terminal started whose first
 * response said NXDOMAIN (the app stage marks the flow: flow.h,
 * VG_FLOW_TAG1_NXDOMAIN), the question's name is judged (vg_dga_random_name):
 * its longest label but the top-level one, 8 to 63 letters, digits and
 * hyphens, looks generated if under 35% of its (at least 6) letter pairs
 * are among the 150 most frequent in English text, or if it has an
 * entropy of at least 2.8 bits a character and either a run of 5
 * consonants, under one vowel in 6 letters, 3 digits and 3 letters mixed
 * (3 switches between them), or 16 characters at 3.5 bits: "xjwqpmbvkd",
 * "wfqagqlewrayq", "a1b2c3d4e5", not "printer", "gooogle", "facebook",
 * "schwarzwald", "site1306" or "strengths" (about 9 in 10 uniformly random labels of 10 to 16 letters
 * pass; of 70 real and mistyped names one did, "bmwgroup"). A run per terminal
 * collects these answers; detect.dga.idle seconds without one end it.
 * detect.dga.names distinct names (a 512-bit linear-counting bitmap of
 * their hashes: a resolver's retries of one name count once) make the
 * run an attack (technique "nxdomain"), reported every detect.update
 * seconds while it lasts and at its end. A random-looking name a
 * terminal with a run gets an address for (NOERROR with answers) is
 * likely the controller's domain of the day: the attack is marked
 * succeeded (severity 1) and the evidence names it.
 *
 * The ends follow the other malware.* attacks (the attacker is the
 * controller, the target the home terminal): dest_ip and victim_ips are
 * the terminal; src_ip is the address the generated name that resolved
 * got (the first A answer for an IPv4 terminal, AAAA for IPv6: likely the
 * controller), and the unspecified address (0.0.0.0 or ::) while no such
 * name resolved: the controller is not known, and the store keeps no
 * attacker for it (store.h). The resolvers are counted in the evidence.
 * Needs the app stage (app.enabled).
 *
 * Memory: a fixed table of detect.dga.terminals records (about 376
 * bytes), made at a terminal's first random-looking NXDOMAIN answer;
 * seeded hash, 8 slots to a line, least recently active reused (an open
 * attack there is reported first).
 *
 * THREAT: names and addresses come from traffic (the names are chosen by
 * whoever sends the queries); all of it lands in a fixed table.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/vg.h"
#include "detect/detect.h"
#include "detect/table.h"

#define NS_PER_S      1000000000ull
#define RESOLVERS_MAX 8
#define SEEN_BITS     512
#define SAMPLE_MAX    40 /* bytes of a name kept for the evidence */

struct term_key {
	struct vg_addr term;
	uint32_t family, pad;
};

struct term {
	struct term_key key; /* first: the table's key */
	uint64_t first_ns, last_ns, attack_id, reported_ns;
	uint64_t packets, bytes;
	uint64_t seen[SEEN_BITS / 64]; /* bit set: a name of this hash was answered NXDOMAIN */
	uint32_t answers;              /* NXDOMAIN answers for random-looking names */
	uint32_t resolvers_more;
	uint8_t open, succeeded, n_resolvers, proto;
	uint8_t has_controller;    /* controller holds an address */
	char sample[SAMPLE_MAX];   /* the first such name, cut */
	char resolved[SAMPLE_MAX]; /* a random-looking name that got an address */
	struct vg_addr controller; /* its first address of the terminal's family */
	struct vg_addr resolvers[RESOLVERS_MAX];
};

struct dga_state {
	struct vg_detect_env env;
	struct vg_dtable t;
	uint64_t idle_ns, update_ns, seed;
	struct vg_open_list open; /* terminals with an open attack */
};

/* ---- the judgement of a name ---- */

/* The 150 most frequent letter pairs of English text, most frequent
 * first (Norvig's counts over the Google books corpus). */
static const char common_pairs[] = "thheineranreonatenndtiesorteofedisitalarsttontngsehaasouiole"
				   "vecomedehiriroicneearacelichllbemasiomurcaeltalansdifohopeec"
				   "prnoctusacotiltrlyncetutsssorsunlowageiewheewiemadolrtpowena"
				   "ulnitsmoowpaimmiaishirsuidosiviaamficivipligtuevldrympfeblab"
				   "ghtyopwosaayexkefrooavagifapgrodbosprddoucbueiovbyrmepttocfa";

static bool common_pair(unsigned char a, unsigned char b)
{
	for (size_t i = 0; i + 1 < sizeof common_pairs; i += 2)
		if (common_pairs[i] == a && common_pairs[i + 1] == b)
			return true;
	return false;
}

static bool vowel(unsigned char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* A label as a generation algorithm makes it (see the top of the file). */
static bool random_label(const char *l, size_t n)
{
	unsigned counts[36] = {0}, letters = 0, vowels = 0, digits = 0, run = 0, max_run = 0;
	unsigned pairs = 0, common = 0, switches = 0;    /* switches: letter <-> digit */
	unsigned char prev = 0, kind = 0, last_kind = 0; /* kind: 1 letter, 2 digit */
	double h = 0;

	if (n < 8 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		kind = c >= 'a' && c <= 'z' ? 1 : c >= '0' && c <= '9' ? 2 : 0;
		switches += kind && last_kind && kind != last_kind;
		last_kind = kind;
		if (c >= 'a' && c <= 'z') {
			letters++;
			counts[c - 'a']++;
			if (prev) {
				pairs++;
				common += common_pair(prev, c);
			}
			prev = c;
			if (vowel(c)) {
				vowels++;
				run = 0;
			} else if (++run > max_run) {
				max_run = run;
			}
		} else if (c >= '0' && c <= '9') {
			digits++;
			counts[26 + c - '0']++;
			run = 0;
			prev = 0;
		} else if (c == '-') {
			run = 0;
			prev = 0;
		} else {
			return false; /* not a host name's label (_dmarc, *, ...) */
		}
	}
	if (pairs >= 6 && common * 20 < pairs * 7) /* under 35% */
		return true;
	for (unsigned i = 0; i < 36; i++)
		if (counts[i]) {
			double p = (double)counts[i] / (double)n;
			h -= p * log2(p);
		}
	if (h < 2.8)
		return false;
	if (max_run >= 5 || (letters && vowels * 6 < letters) ||
	    (digits >= 3 && letters >= 3 && switches >= 3))
		return true;
	return n >= 16 && h >= 3.5;
}

/* A name whose longest label but the top-level one (the name itself if
 * it has one label) looks generated. */
bool vg_dga_random_name(const char *name, size_t len)
{
	size_t best = 0, best_len = 0, start = 0, labels = 0, last = 0;

	while (len && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		labels++;
		last = start;
		if (i - start > best_len && i < len) { /* not the last label */
			best = start;
			best_len = i - start;
		}
		start = i + 1;
	}
	if (labels == 1)
		return random_label(name + last, len - last);
	return best_len && random_label(name + best, best_len);
}

/* ---- the table ---- */

static unsigned seen_count(const struct term *t)
{
	unsigned zeros = 0;

	for (unsigned i = 0; i < SEEN_BITS / 64; i++)
		zeros += (unsigned)(64 - __builtin_popcountll(t->seen[i]));
	if (!zeros)
		zeros = 1; /* saturated: about 3,200 names */
	/* Linear counting (Whang, Vander-Zanden, Taylor 1990). */
	return (unsigned)lround(-(double)SEEN_BITS * log((double)zeros / SEEN_BITS));
}

static uint32_t name_bit(const struct dga_state *s, const char *name, size_t len)
{
	uint64_t h = s->seed ^ 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 0x100000001b3ull;
	}
	return (uint32_t)(h >> 32) % SEEN_BITS;
}

static void report(struct dga_state *s, struct term *t, bool final)
{
	struct vg_attack a;
	unsigned names = seen_count(t), resolvers;

	memset(&a, 0, sizeof a);
	a.id = t->attack_id;
	a.kind = "malware.dga";
	a.technique = "nxdomain";
	if (t->has_controller)
		a.src = t->controller; /* else unspecified (zeroed): not known */
	a.dst = t->key.term;
	a.family = (uint8_t)t->key.family;
	a.proto = t->proto;
	a.direction = "outbound";
	a.succeeded = t->succeeded;
	a.src_verified = true; /* the terminal's resolver gave the address */
	a.severity = t->succeeded ? 1 : 2;
	a.final = final;
	a.start_ns = t->first_ns;
	a.end_ns = t->last_ns;
	a.packets = t->packets;
	a.bytes = t->bytes;
	a.attempts = t->answers;
	a.victims = 1;
	a.n_victim_ips = 1;
	a.victim_ips[0] = t->key.term;
	a.ports = 1;
	a.n_ports = 1;
	a.port_list[0] = 53;
	resolvers = t->n_resolvers + t->resolvers_more;
	snprintf(a.evidence, sizeof a.evidence,
		 "%u NXDOMAIN answers from %u resolver%s for about %u distinct random-looking "
		 "names (first %s)%s%s%s",
		 t->answers, resolvers, resolvers == 1 ? "" : "s", names, t->sample,
		 t->succeeded ? "; then got an address for " : "", t->succeeded ? t->resolved : "",
		 t->has_controller ? " (src_ip, likely the controller)"
		 : t->succeeded    ? " (none of the terminal's address family)"
				   : "");
	s->env.emit(s->env.emit_arg, &a);
	t->reported_ns = t->last_ns;
}

static void forget(struct dga_state *s, struct term *t)
{
	if (t->open)
		report(s, t, true);
	vg_dtable_remove(&s->t, t);
}

static void evict(void *owner, void *rec)
{
	struct term *t = rec;

	if (t->open)
		report(owner, t, true); /* reported before its slot is reused */
}

static void add_resolver(struct term *t, const struct vg_addr *r)
{
	for (unsigned i = 0; i < t->n_resolvers; i++)
		if (!memcmp(&t->resolvers[i], r, sizeof *r))
			return;
	if (t->n_resolvers < RESOLVERS_MAX)
		t->resolvers[t->n_resolvers++] = *r;
	else
		t->resolvers_more++; /* may count a resolver twice past the list */
}

static void copy_name(char *dst, const char *name, size_t len)
{
	size_t keep = len < SAMPLE_MAX - 1 ? len : SAMPLE_MAX - 1;

	memcpy(dst, name, keep);
	dst[keep] = 0;
}

/* A random-looking name answered NXDOMAIN for the terminal. */
static void nx_answer(struct dga_state *s, const struct vg_flow_view *v, const char *name,
		      size_t len)
{
	const struct vg_flow *f = v->f;
	struct term_key k;
	struct term *t;
	uint32_t b;

	memset(&k, 0, sizeof k);
	k.term = v->e.client;
	k.family = v->e.family;
	t = vg_dtable_find(&s->t, &k, true, f->last_ns);
	if (t->answers && f->first_ns > t->last_ns && f->first_ns - t->last_ns > s->idle_ns) {
		forget(s, t); /* the previous run ended long ago */
		t = vg_dtable_find(&s->t, &k, true, f->last_ns);
	}
	if (!t->answers) {
		t->first_ns = f->first_ns;
		t->proto = f->proto;
		copy_name(t->sample, name, len);
	}
	if (f->last_ns > t->last_ns)
		t->last_ns = f->last_ns;
	t->answers++;
	t->packets += f->pkts[0];
	t->bytes += f->bytes[0];
	b = name_bit(s, name, len);
	t->seen[b / 64] |= 1ull << (b % 64);
	add_resolver(t, &v->e.server);
	vg_dtable_touch(&s->t, t, t->last_ns);
	if (!t->open && seen_count(t) >= s->env.cfg->dga_names && !vg_open_full(&s->open)) {
		t->open = 1;
		t->reported_ns = t->first_ns;
		t->attack_id = (*s->env.next_attack_id)++;
		vg_open_add(&s->open, &s->t, t);
	}
}

/* A random-looking name that got an address, for a terminal whose run is
 * an attack: the walk likely found its controller. */
static void resolved(struct dga_state *s, const struct vg_flow_view *v, const struct vg_app_dns *d)
{
	uint16_t want = v->e.family == 4 ? 1 : 28; /* A, AAAA */
	struct term_key k;
	struct term *t;

	memset(&k, 0, sizeof k);
	k.term = v->e.client;
	k.family = v->e.family;
	t = vg_dtable_find(&s->t, &k, false, v->f->last_ns);
	if (!t || !t->open || t->succeeded)
		return;
	t->succeeded = 1;
	copy_name(t->resolved, d->rrname, d->rrname_len);
	for (unsigned i = 0; i < d->n_kept && i < VG_APP_DNS_ANSWERS; i++)
		if (d->answers[i].rrtype == want) {
			t->controller = d->answers[i].addr;
			t->has_controller = 1;
			break;
		}
	if (v->f->last_ns > t->last_ns) {
		t->last_ns = v->f->last_ns;
		vg_dtable_touch(&s->t, t, t->last_ns); /* an update may be due */
	}
}

/* A flow with an NXDOMAIN answer, or any while an attack is open; out
 * of line, so the common case below saves no registers. */
static __attribute__((noinline)) void flow_end_dns(struct dga_state *s,
						   const struct vg_flow_view *v,
						   const struct vg_app_flow *meta, bool nx)
{
	const struct vg_flow *f = v->f;
	const struct vg_app_dns *d;

	if ((f->proto != VG_IPPROTO_UDP && f->proto != VG_IPPROTO_TCP) || !v->client_home)
		return;
	/* Other DNS flows are read only while an attack is open (for the
	 * name that resolves). */
	if (!nx && v->e.server_port != 53)
		return;
	if (!meta || meta->proto != VG_APP_DNS || !meta->dns.has_response ||
	    meta->dns.rrname_truncated)
		return;
	d = &meta->dns;
	if (nx && d->rcode == VG_DNS_NXDOMAIN) {
		if (vg_dga_random_name(d->rrname, d->rrname_len))
			nx_answer(s, v, d->rrname, d->rrname_len);
	} else if (!nx && d->rcode == 0 && d->n_kept &&
		   vg_dga_random_name(d->rrname, d->rrname_len)) {
		resolved(s, v, d);
	}
}

static void dga_on_flow_end(void *state, const struct vg_flow_view *v,
			    const struct vg_app_flow *meta)
{
	struct dga_state *s = state;
	bool nx = (v->f->tag[1] & VG_FLOW_TAG1_NXDOMAIN) != 0;

	if (nx || s->open.n) /* most flows: no NXDOMAIN, and no walk reported */
		flow_end_dns(s, v, meta, nx);
}

/* An open run at a tick (vg_open_fn): forgotten when idle, else reported
 * if it went on since the last report; 0 once closed, else when it needs
 * its next look (vg_open_next). */
static uint64_t tick_open(void *owner, void *rec, uint32_t slot, uint64_t now_ns, bool end)
{
	struct dga_state *s = owner;
	struct term *t = rec;

	if (!vg_dtable_used(&s->t, slot))
		return 0; /* removed: its record is zeroed, nothing open */
	if (t->open && (end || vg_open_idle(now_ns, t->last_ns, s->idle_ns)))
		forget(s, t);
	else if (t->open && vg_open_update_due(t->last_ns, t->reported_ns, s->update_ns))
		report(s, t, false);
	if (!vg_dtable_used(&s->t, slot) || !t->open)
		return 0;
	return vg_open_next(now_ns, t->last_ns, s->idle_ns, t->reported_ns, s->update_ns);
}

static void dga_on_tick(void *state, uint64_t now_ns)
{
	struct dga_state *s = state;

	vg_open_walk(&s->open, &s->t, tick_open, s, now_ns);
}

/* The values init derives from the settings (again on reconfigure). */
static void dga_configure(void *state)
{
	struct dga_state *s = state;

	s->idle_ns = (uint64_t)s->env.cfg->dga_idle_s * NS_PER_S;
	s->update_ns = (uint64_t)s->env.cfg->update_s * NS_PER_S;
}

static int dga_init(void *state, const struct vg_detect_env *env)
{
	struct dga_state *s = state;

	s->env = *env;
	s->seed = env->seed ^ 0x646761ull;
	dga_configure(s);
	return vg_dtable_init(&s->t, env->cfg->dga_terminals, sizeof(struct term),
			      sizeof(struct term_key), s->seed, evict, s);
}

static void dga_fini(void *state)
{
	struct dga_state *s = state;

	vg_open_fini(&s->open, &s->t, tick_open, s);
	vg_dtable_fini(&s->t);
}

const struct vg_detector vg_detector_dga = {
    .name = "dga",
    .enabled_off = offsetof(struct vg_detect_config, dga_on),
    .state_size = sizeof(struct dga_state),
    .wants = 0,
    .init = dga_init,
    .on_flow_end = dga_on_flow_end,
    .reconfigure = dga_configure,
    .on_tick = dga_on_tick,
    .table_off = {offsetof(struct dga_state, t)},
    .fini = dga_fini,
};
