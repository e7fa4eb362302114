/*
 * settings.c - the table of vigil's configuration keys.
 *
 * Timeout defaults are Suricata's flow-timeouts (suricata.yaml), so flow
 * events end where a Suricata user expects them to. The memcap default
 * holds about 1.3 million flows: far above the concurrent flows of a busy
 * site, and a hard ceiling when forged sources flood the table.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/settings.h"
#include "common/cidr.h"
#include "store/store.h"

#define FLOW(field) offsetof(struct vg_settings, flow) + offsetof(struct vg_flow_config, field)
#define TMO(field)  FLOW(timeout) + offsetof(struct vg_flow_timeouts, field)
#define DAY         86400
#define DET(field)  offsetof(struct vg_settings, detect) + offsetof(struct vg_detect_config, field)
#define APP(field)  offsetof(struct vg_settings, app) + offsetof(struct vg_app_config, field)

static int check_home_net(const char *value, char *err, size_t errlen)
{
	struct vg_cidr_set set;

	return vg_cidr_parse(&set, value, err, errlen);
}

static int check_ports(const char *value, char *err, size_t errlen)
{
	struct vg_port_list l;

	return vg_port_list_parse(&l, value, err, errlen);
}

/* A string row of the detectors' config. */
#define DSTR(k, field, d, chk, h)                                                      \
	{                                                                              \
		.key = (k), .type = VG_CFG_STR, .offset = DET(field),                  \
		.size = sizeof(((struct vg_detect_config *)0)->field), .def_str = (d), \
		.check = (chk), .help = (h)                                            \
	}

/* A numeric row: key, type, where, default, min, max, meaning. */
#define NUM(k, t, off, d, lo, hi, h)                                                            \
	{                                                                                       \
		.key = (k), .type = (t), .offset = (off), .def = (d), .min = (lo), .max = (hi), \
		.help = (h)                                                                     \
	}

const struct vg_cfg_row vg_settings_rows[] = {
    {.key = "home_net",
     .type = VG_CFG_STR,
     .offset = offsetof(struct vg_settings, home_net),
     .size = sizeof(((struct vg_settings *)0)->home_net),
     .def_str = VG_HOME_NET_DEFAULT,
     .check = check_home_net,
     .help = "the protected network: comma-separated prefixes"},
    NUM("flow.memcap", VG_CFG_SIZE, FLOW(memcap), 128ull << 20, 2048, 1ull << 40,
	"bytes for flow records and hash buckets; the table never grows past it"),
    NUM("flow.hash_seed", VG_CFG_U64, FLOW(hash_seed), 0, 0, UINT64_MAX,
	"seed of the flow hash; 0 picks a random one per run"),
    NUM("flow.sweep_period", VG_CFG_U32, FLOW(sweep_period_s), 10, 0, 3600,
	"seconds of packet time in which the expiry hand passes every flow once (0: every batch)"),
    NUM("flow.sweep_max", VG_CFG_U32, FLOW(sweep_max), 256, 1, 1u << 20,
	"flow records checked for timeout per batch of packets, at most"),
    NUM("flow.timeout.tcp.new", VG_CFG_U32, TMO(tcp_new), 60, 1, DAY,
	"seconds a TCP flow without a completed handshake may stay idle"),
    NUM("flow.timeout.tcp.established", VG_CFG_U32, TMO(tcp_established), 600, 1, DAY,
	"seconds an established TCP flow may stay idle"),
    NUM("flow.timeout.tcp.closed", VG_CFG_U32, TMO(tcp_closed), 60, 0, DAY,
	"seconds a closed TCP flow (FIN both ways or RST) is kept"),
    NUM("flow.timeout.udp.new", VG_CFG_U32, TMO(udp_new), 30, 1, DAY,
	"seconds a one-way UDP flow may stay idle"),
    NUM("flow.timeout.udp.established", VG_CFG_U32, TMO(udp_established), 300, 1, DAY,
	"seconds a two-way UDP flow may stay idle"),
    NUM("flow.timeout.icmp.new", VG_CFG_U32, TMO(icmp_new), 30, 1, DAY,
	"seconds a one-way ICMP flow may stay idle"),
    NUM("flow.timeout.icmp.established", VG_CFG_U32, TMO(icmp_established), 300, 1, DAY,
	"seconds a two-way ICMP flow may stay idle"),
    NUM("flow.timeout.other.new", VG_CFG_U32, TMO(other_new), 30, 1, DAY,
	"seconds a one-way flow of another protocol may stay idle"),
    NUM("flow.timeout.other.established", VG_CFG_U32, TMO(other_established), 300, 1, DAY,
	"seconds a two-way flow of another protocol may stay idle"),
    /* Scan detection (detect/scan.c). min_targets: Jung et al. call a
     * source a scanner after about 4-5 failed first contacts; 10 distinct
     * targets keeps a client retrying a few dead services out. idle: longer
     * than the TCP new-flow timeout, since an unanswered probe only counts
     * as failed when its flow ends. */
    NUM("detect.scan.sources", VG_CFG_U32, DET(scan_sources), 16384, 64, 1u << 22,
	"sources the scan detector follows at once (about 300 bytes each)"),
    NUM("detect.scan.suspects", VG_CFG_U32, DET(scan_suspects), 16384, 16, 1u << 20,
	"suspect sources with full evidence (distinct hosts and ports) at once (about 5 KiB each, "
	"touched as used)"),
    NUM("detect.scan.min_targets", VG_CFG_U32, DET(scan_min_targets), 10, 1, 65535,
	"distinct (host, port) first contacts before a source can be called a scanner"),
    NUM("detect.scan.sweep_arp", VG_CFG_U32, DET(scan_sweep_arp), 32, 2, 65535,
	"distinct addresses ARP-probed, mostly unanswered, that make an ARP sweep"),
    NUM("detect.scan.idle", VG_CFG_U32, DET(scan_idle_s), 300, 1, DAY,
	"seconds of silence after which a scan is reported as ended"),
    NUM("detect.scan.window", VG_CFG_U32, DET(scan_window_s), 3600, 60, 7 * DAY,
	"seconds a source's probes are remembered (the window for slow scans)"),
    /* Brute force (detect/bruteforce.c). 10 sessions: the smallest corpus
     * run is 13 (MySQL); a person retyping a password makes 2 or 3. 600 s
     * idle: ncrack's paranoid timing waits minutes between guesses. */
    NUM("detect.brute.sources", VG_CFG_U32, DET(brute_sources), 16384, 64, 1u << 22,
	"(source, service port) pairs the brute-force detector follows at once (about 280 bytes "
	"each)"),
    NUM("detect.brute.attempts", VG_CFG_U32, DET(brute_attempts), 10, 2, 1000000,
	"short sessions from one source to one service that make a brute-force attack"),
    NUM("detect.brute.idle", VG_CFG_U32, DET(brute_idle_s), 600, 1, DAY,
	"seconds without a new session after which a brute-force run is reported"),
    NUM("detect.brute.max_session", VG_CFG_U32, DET(brute_max_session_s), 60, 1, DAY,
	"sessions longer than this many seconds are not guesses (one after a run: a success)"),
    /* Floods (detect/flood.c). 1,000 unanswered packets at 1,000 per
     * second: the smallest real flood in the corpus runs at 1,600 per s
     * (spoofed SYNs to one port); a 200-SYN firewall test stays below. */
    NUM("detect.flood.victims", VG_CFG_U32, DET(flood_victims), 16384, 64, 1u << 22,
	"(victim, flood kind) pairs the flood detector follows at once (about 1.2 KiB each)"),
    NUM("detect.flood.packets", VG_CFG_U32, DET(flood_packets), 1000, 1, 1u << 30,
	"unanswered packets a run needs to be a flood"),
    NUM("detect.flood.pps", VG_CFG_U32, DET(flood_pps), 1000, 1, 1u << 30,
	"average packets per second a run needs to be a flood (runs under 1 s count as 1 s)"),
    NUM("detect.flood.idle", VG_CFG_U32, DET(flood_idle_s), 60, 1, DAY,
	"seconds without such packets after which a run ends"),
    /* Updates: a long attack (a week-long slow scan, an hours-long flood)
     * should not stay unseen until it ends; every 5 minutes of packet
     * time is what Suricata's flow timeouts make a user expect. */
    /* Command and control (detect/c2.c). One hour idle: a bot that
     * checks in hourly stays one attack; a day's silence makes a new one. */
    NUM("detect.c2.pairs", VG_CFG_U32, DET(c2_pairs), 16384, 64, 1u << 22,
	"(home terminal, C&C server) pairs the C2 detector follows at once (about 250 bytes "
	"each)"),
    NUM("detect.c2.idle", VG_CFG_U32, DET(c2_idle_s), 3600, 1, 7 * DAY,
	"seconds without a contact after which a terminal's contact with a C&C server is "
	"reported as ended"),
    NUM("detect.update", VG_CFG_U32, DET(update_s), 300, 0, DAY,
	"seconds of packet time between interim reports (final: false) of an attack still "
	"under way; 0: only the final one"),
    /* Switches, for measuring each detector's cost (bench/run.sh) or
     * leaving one out. */
    NUM("detect.scan.enabled", VG_CFG_U32, DET(scan_on), 1, 0, 1,
	"1 runs the scan detector (scan.*), 0 leaves it out"),
    NUM("detect.brute.enabled", VG_CFG_U32, DET(brute_on), 1, 0, 1,
	"1 runs the brute-force detector (bruteforce.*), 0 leaves it out"),
    NUM("detect.c2.enabled", VG_CFG_U32, DET(c2_on), 1, 0, 1,
	"1 runs the C2 detector (malware.c2; it needs threat intelligence: --intel), 0 leaves "
	"it out"),
    NUM("detect.flood.enabled", VG_CFG_U32, DET(flood_on), 1, 0, 1,
	"1 runs the flood detector (flood.*), 0 leaves it out"),
    /* Application metadata (src/app/): DNS, TLS and HTTP from the first
     * packets of each flow. 64 MiB holds about 44,000 flows' metadata at
     * once (1.5 KiB each), three times what the benchmark's busy link
     * needs (22 MiB: a DNS flow keeps its entry for the 300 s UDP
     * timeout); the oldest entry goes when it is full. */
    NUM("app.enabled", VG_CFG_U32, APP(enabled), 1, 0, 1,
	"1 parses DNS, TLS ClientHellos and HTTP heads (src/app/), 0 leaves the stage out"),
    NUM("app.memcap", VG_CFG_SIZE, APP(memcap), 64ull << 20, 64ull << 10, 1ull << 36,
	"bytes for per-flow application metadata (about 1.5 KiB a flow); the oldest goes first"),
    /* 5: SYN, ACK, then the request's first two segments fit (a split
     * ClientHello); the reply's first payload comes by the 3rd packet. */
    NUM("app.packets", VG_CFG_U32, APP(packets), 5, 1, 64,
	"payload-carrying packets per direction the app stage looks at, counted from the "
	"flow's first packet"),
    NUM("app.dns_cache", VG_CFG_U32, APP(dns_cache), 16384, 4, 1u << 24,
	"addresses the DNS answer cache remembers with their queried name (256 bytes each)"),
    NUM("app.tls_buffers", VG_CFG_U32, APP(tls_buffers), 256, 0, 65535,
	"4 KiB buffers for ClientHellos split over TCP segments, in use at once"),
    /* Beacons (detect/beacon.c). 10 connections over an hour: RITA wants
     * hours of data too; a 30 s implant makes 120 an hour, a person
     * fetching a page a few times does not last an hour at a rhythm.
     * 0.80: the score of RITA's "high" beacons; a check-in every 30 s with
     * 10% jitter scores about 0.95, browsing below 0.6. NTP is allowed:
     * its clients poll at fixed intervals by design. */
    NUM("detect.beacon.enabled", VG_CFG_U32, DET(beacon_on), 1, 0, 1,
	"1 runs the beacon detector (malware.beacon), 0 leaves it out"),
    NUM("detect.beacon.pairs", VG_CFG_U32, DET(beacon_pairs), 16384, 64, 1u << 22,
	"(terminal, external endpoint) pairs the beacon detector follows at once (about 1 KiB "
	"each once they have two connections)"),
    NUM("detect.beacon.min_conns", VG_CFG_U32, DET(beacon_min_conns), 10, 4, 1000000,
	"connections from a terminal to one endpoint before they can be called a beacon"),
    NUM("detect.beacon.min_span", VG_CFG_U32, DET(beacon_min_span_s), 3600, 0, 30 * DAY,
	"seconds from the first to the last of those connections, at least"),
    NUM("detect.beacon.score", VG_CFG_U32, DET(beacon_score), 80, 1, 100,
	"beacon score (hundredths) from which a pair is reported"),
    NUM("detect.beacon.idle", VG_CFG_U32, DET(beacon_idle_s), 3600, 1, 30 * DAY,
	"seconds without a connection (or 4 median intervals if longer) that end a beacon"),
    DSTR("detect.beacon.allow", beacon_allow, "", check_home_net,
	 "destinations never scored as beacons: comma-separated prefixes (update and time "
	 "servers)"),
    DSTR("detect.beacon.allow_ports", beacon_allow_ports, "123/udp", check_ports,
	 "services never scored as beacons: PORT[/tcp|/udp],... (default NTP)"),
    /* Exfiltration (detect/exfil.c). 100 MB: far above a mail with
     * attachments or a photo upload, the volume of a database or mailbox
     * dump. Ratio 10: video calls and file syncs send and receive alike. 10
     * times the terminal's usual: a backup client that uploads gigabytes
     * every night is its own baseline. One hour of silence ends an
     * episode, as a slow upload pauses. */
    NUM("detect.exfil.enabled", VG_CFG_U32, DET(exfil_on), 1, 0, 1,
	"1 runs the exfiltration detector (exfil.volume), 0 leaves it out"),
    NUM("detect.exfil.pairs", VG_CFG_U32, DET(exfil_pairs), 16384, 64, 1u << 22,
	"(terminal, destination) upload episodes followed at once (about 200 bytes each)"),
    NUM("detect.exfil.bytes", VG_CFG_SIZE, DET(exfil_bytes), 100ull << 20, 1, 1ull << 50,
	"bytes a terminal must send to one destination in an episode"),
    NUM("detect.exfil.ratio", VG_CFG_U32, DET(exfil_ratio), 10, 1, 1000000,
	"and at least this many times what it received from it"),
    NUM("detect.exfil.baseline", VG_CFG_U32, DET(exfil_baseline), 10, 1, 1000000,
	"and this many times the terminal's usual upload per destination (EWMA)"),
    NUM("detect.exfil.idle", VG_CFG_U32, DET(exfil_idle_s), 3600, 1, 30 * DAY,
	"seconds without a flow to the destination that end an episode"),
    DSTR("detect.exfil.allow", exfil_allow, "", check_home_net,
	 "destinations never counted (backup hosts, sanctioned storage): comma-separated "
	 "prefixes"),
    /* Domain generation (detect/dga.c). 20 names: malware walking its
     * day's list asks for dozens to thousands within minutes (Conficker.C
     * 500 a day, CryptoLocker up to 1000), while a person's typos and a
     * browser's start-up probes for NXDOMAIN hijacking (Chrome: 3 random
     * names) stay far below. 10 minutes of quiet end a run: the lookups of
     * one walk come seconds apart. 4096 terminals: a record is made only
     * at a terminal's first random-looking NXDOMAIN answer. */
    NUM("detect.dga.enabled", VG_CFG_U32, DET(dga_on), 1, 0, 1,
	"1 runs the domain generation detector (malware.dga), 0 leaves it out"),
    NUM("detect.dga.terminals", VG_CFG_U32, DET(dga_terminals), 4096, 64, 1u << 22,
	"home terminals with random-looking NXDOMAIN answers followed at once (about 376 "
	"bytes each)"),
    NUM("detect.dga.names", VG_CFG_U32, DET(dga_names), 20, 2, 100000,
	"distinct random-looking names answered NXDOMAIN that make a terminal's run an attack"),
    NUM("detect.dga.idle", VG_CFG_U32, DET(dga_idle_s), 600, 1, 30 * DAY,
	"seconds without such an answer that end a run"),
    /* Attribution (src/attrib/): relative paths are tried from the working
     * directory, then from the directory above the vigil executable's. */
    {.key = "geo.country_db",
     .type = VG_CFG_STR,
     .offset = offsetof(struct vg_settings, attrib) + offsetof(struct vg_attrib_config, country_db),
     .size = sizeof(((struct vg_attrib_config *)0)->country_db),
     .def_str = VG_GEO_COUNTRY_DB_DEFAULT,
     .help = "country database (.mmdb: DB-IP, GeoLite2/GeoIP2 Country or City); empty: none"},
    {.key = "geo.asn_db",
     .type = VG_CFG_STR,
     .offset = offsetof(struct vg_settings, attrib) + offsetof(struct vg_attrib_config, asn_db),
     .size = sizeof(((struct vg_attrib_config *)0)->asn_db),
     .def_str = VG_GEO_ASN_DB_DEFAULT,
     .help = "ASN database: a range file compiled by `vigil geo --compile-asn`, or a "
	     "GeoLite2-ASN .mmdb; empty: none"},
    /* The store (src/store/): the environment variable VIGIL_STORE, when
     * set, replaces this default before config files are read. */
    {.key = "store.url",
     .type = VG_CFG_STR,
     .offset = offsetof(struct vg_settings, store_url),
     .size = sizeof(((struct vg_settings *)0)->store_url),
     .def_str = VG_STORE_URL_DEFAULT,
     .help = "where `vigil read` stores attacks and runs: sqlite:PATH (a bare path is a SQLite "
	     "file) or clickhouse://HOST[:PORT][/DB][?cluster=NAME]; empty or none: no store"},
    /* Threat intelligence (src/intel/): loaded once at start. The cap is
     * about 560 MiB of tables at 140 bytes an indicator; public feeds
     * (Feodo, URLhaus, SSLBL, CERT STIX bundles) hold far fewer. */
    {.key = "intel.path",
     .type = VG_CFG_STR,
     .offset = offsetof(struct vg_settings, intel) + offsetof(struct vg_intel_config, path),
     .size = sizeof(((struct vg_intel_config *)0)->path),
     .def_str = "",
     .help = "threat intelligence file or folder loaded by `vigil read` and `vigil intel` "
	     "(lists, abuse.ch CSVs, STIX 2.1); empty: none"},
    NUM("intel.max_indicators", VG_CFG_U32,
	offsetof(struct vg_settings, intel) + offsetof(struct vg_intel_config, max_indicators),
	VG_INTEL_MAX_DEFAULT, 1, 100000000,
	"indicators kept at most (about 140 bytes each); the rest are counted and reported"),
    /* Live capture (vigil watch, src/capture/live.c). 1 MiB blocks hold
     * about 700 full-size frames, so a block per poll keeps system calls
     * rare; 64 of them (64 MiB per interface) absorb half a second of a
     * saturated 1 Gbit/s link while the pipeline is busy elsewhere
     * (ending many flows at once, a store write). */
    NUM("capture.block_size", VG_CFG_SIZE, offsetof(struct vg_settings, capture_block_size),
	1u << 20, 65536, 1u << 30,
	"bytes per block of each interface's TPACKET_V3 ring (a power of two; the largest "
	"packet captured whole)"),
    NUM("capture.blocks", VG_CFG_U32, offsetof(struct vg_settings, capture_blocks), 64, 2, 65536,
	"blocks per ring; the ring (block_size x blocks) absorbs bursts, what does not fit is "
	"dropped and counted (capture.kernel_drops)"),
    /* 10 ms: a quiet link's packets reach the detectors within 10 ms. */
    NUM("capture.block_timeout", VG_CFG_U32, offsetof(struct vg_settings, capture_block_timeout_ms),
	10, 1, 60000, "milliseconds after which the kernel hands over a block that is not full"),
    NUM("capture.promisc", VG_CFG_U32, offsetof(struct vg_settings, capture_promisc), 0, 0, 1,
	"1 puts the interfaces in promiscuous mode (a mirror port usually needs it)"),
    /* 60 s: Suricata's stats interval is 8 s, but its counters go to a
     * separate log; one line a minute keeps the EVE file about events. */
    NUM("watch.stats_interval", VG_CFG_U32, offsetof(struct vg_settings, stats_interval_s), 60, 0,
	DAY, "seconds between two stats events of vigil watch (0: only the last one)"),
    /* Rotation inside vigil, for hosts without logrotate; off by default
     * because logrotate with SIGHUP is the usual way. */
    NUM("watch.eve_rotate_size", VG_CFG_SIZE, offsetof(struct vg_settings, eve_rotate_size), 0, 0,
	1ull << 40,
	"vigil watch moves the EVE file aside (FILE.YYYYmmddTHHMMSS) once it is this big (0: "
	"never)"),
    NUM("watch.eve_rotate_interval", VG_CFG_U32, offsetof(struct vg_settings, eve_rotate_interval),
	0, 0, 366 * DAY, "vigil watch moves the EVE file aside every this many seconds (0: never)"),
};

const size_t vg_settings_nrows = sizeof vg_settings_rows / sizeof vg_settings_rows[0];

void vg_settings_default(struct vg_settings *s)
{
	vg_config_defaults(vg_settings_rows, vg_settings_nrows, s);
}

int vg_settings_apply_args(struct vg_settings *s, const char *prog, char *const *configs,
			   int nconfigs, char *const *sets, int nsets)
{
	char err[1024];

	for (int i = 0; i < nconfigs; i++)
		if (vg_config_load(vg_settings_rows, vg_settings_nrows, s, configs[i], err,
				   sizeof err) < 0) {
			fprintf(stderr, "%s: config: %s\n", prog, err);
			return -1;
		}
	for (int i = 0; i < nsets; i++) {
		char *eq = strchr(sets[i], '=');
		if (!eq) {
			fprintf(stderr, "%s: --set %s: expected KEY=VALUE\n", prog, sets[i]);
			return -1;
		}
		*eq = '\0';
		if (vg_config_set(vg_settings_rows, vg_settings_nrows, s, sets[i], eq + 1, err,
				  sizeof err) < 0) {
			fprintf(stderr, "%s: --set %s\n", prog, err);
			return -1;
		}
	}
	return 0;
}
