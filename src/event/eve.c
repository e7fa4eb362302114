/*
 * eve.c - EVE JSON lines writer (one JSON object per line).
 *
 * Field names, places and types follow Suricata's EVE format
 * (https://docs.suricata.io/en/latest/output/eve/eve-json-format.html and
 * its schema in ../shared/oracle/suricata-eve-schema); vigil's own additions
 * are listed in docs/EVENTS.md. JSON is written by hand into a line buffer:
 * almost every string vigil writes is generated (addresses, names from its
 * own tables), never copied from the wire; the one exception today, an AS
 * organisation name from the geo data, goes through put_json_str (RFC 8259
 * escaping), as later writers of wire strings (DNS names, HTTP) must.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/vg.h"
#include "event/event.h"

#define EVE_OUT_BUF (1u << 20)

struct vg_writer {
	FILE *fp;
	bool is_stdout;
	char *outbuf; /* lines are gathered here and written in big chunks */
	size_t outlen;
	char line[16384]; /* a flow event with its app objects, escaped, fits */
	size_t len;
	bool failed;
	int err;
	char path[4096];
	/* gmtime cache: the date/time text of the last whole second. */
	int64_t cached_sec;
	char cached_text[32];
};

size_t vg_format_time(char *buf, size_t len, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000u);
	unsigned usec = (unsigned)(ns % 1000000000u / 1000u);
	struct tm tm;
	char base[32];

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	return (size_t)snprintf(buf, len, "%s.%06u+0000", base, usec);
}

/* IPv4 dotted; IPv6 as Suricata writes it in EVE: eight groups of four
 * lowercase hex digits, nothing compressed ("2001:0db8:0000:...:0001"), so
 * that a filter written for Suricata's events matches vigil's. */
void vg_format_addr(char *buf, size_t len, const struct vg_addr *a, int family)
{
	const uint8_t *b = a->b;

	if (family == 4) {
		if (!inet_ntop(AF_INET, b, buf, (socklen_t)len))
			snprintf(buf, len, "?");
		return;
	}
	if (len < 40) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len,
		 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

const char *vg_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case VG_IPPROTO_TCP: return "TCP";
	case VG_IPPROTO_UDP: return "UDP";
	case VG_IPPROTO_ICMP: return "ICMP";
	case VG_IPPROTO_ICMPV6: return "IPv6-ICMP";
	case VG_IPPROTO_SCTP: return "SCTP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	default: snprintf(buf, len, "%u", proto); return buf;
	}
}

static void put(struct vg_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct vg_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->len >= sizeof w->line)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->line + w->len, sizeof w->line - w->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n;
}

static void put_time(struct vg_writer *w, const char *key, uint64_t ns)
{
	int64_t sec = (int64_t)(ns / 1000000000u);

	if (sec != w->cached_sec) {
		struct tm tm;
		time_t t = (time_t)sec;
		if (!gmtime_r(&t, &tm))
			memset(&tm, 0, sizeof tm);
		strftime(w->cached_text, sizeof w->cached_text, "%Y-%m-%dT%H:%M:%S", &tm);
		w->cached_sec = sec;
	}
	put(w, "\"%s\":\"%s.%06u+0000\"", key, w->cached_text,
	    (unsigned)(ns % 1000000000u / 1000u));
}

static void flush_out(struct vg_writer *w)
{
	if (w->outlen && fwrite(w->outbuf, 1, w->outlen, w->fp) != w->outlen && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
	w->outlen = 0;
}

static void end_line(struct vg_writer *w)
{
	if (w->len >= sizeof w->line - 1) {
		/* Cannot happen with the fields written today; never emit
		 * a broken line if it does. */
		w->len = 0;
		return;
	}
	w->line[w->len++] = '\n';
	if (w->outlen + w->len > EVE_OUT_BUF)
		flush_out(w);
	memcpy(w->outbuf + w->outlen, w->line, w->len);
	w->outlen += w->len;
	w->len = 0;
}

static int eve_open(struct vg_writer **out, const char *path, bool append, char *errbuf,
		    size_t errlen)
{
	struct vg_writer *w = calloc(1, sizeof *w);

	*out = NULL;
	if (!w) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return VG_ENOMEM;
	}
	snprintf(w->path, sizeof w->path, "%s", path);
	w->cached_sec = -1;
	if (strcmp(path, "-") == 0) {
		w->fp = stdout;
		w->is_stdout = true;
	} else {
		w->fp = fopen(path, append ? "a" : "w");
		if (!w->fp) {
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
			free(w);
			return VG_EIO;
		}
	}
	w->outbuf = malloc(EVE_OUT_BUF);
	if (!w->outbuf) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		if (!w->is_stdout)
			fclose(w->fp);
		free(w);
		return VG_ENOMEM;
	}
	*out = w;
	return 0;
}

/* A string that came from the wire: quote, backslash, control
 * characters and every byte above 0x7e are escaped (\u00XX, as Latin-1),
 * so the line is valid JSON and UTF-8 whatever the sender put there. */
static void put_wire_str(struct vg_writer *w, const char *s)
{
	char buf[2048];
	size_t o = 0;

	put(w, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (o + 8 > sizeof buf) {
			put(w, "%.*s", (int)o, buf);
			o = 0;
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			o += (size_t)snprintf(buf + o, 8, "\\u%04x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	put(w, "%.*s\"", (int)o, buf);
}

static void put_dns(struct vg_writer *w, const struct vg_app_dns *d)
{
	const char *t = vg_dns_rrtype_name(d->rrtype), *rc;
	char ip[INET6_ADDRSTRLEN];

	if (!d->has_query && !d->has_response)
		return;
	/* Suricata's EVE DNS version 2 layout (one object, answers inline). */
	put(w, ",\"dns\":{\"version\":2,\"type\":\"%s\",\"id\":%u,\"rrname\":",
	    d->has_response ? "answer" : "query", d->id);
	put_wire_str(w, d->rrname);
	if (t)
		put(w, ",\"rrtype\":\"%s\"", t);
	else
		put(w, ",\"rrtype\":\"%u\"", d->rrtype);
	if (!d->has_response) {
		put(w, "}");
		return;
	}
	rc = vg_dns_rcode_name(d->rcode);
	if (rc)
		put(w, ",\"rcode\":\"%s\"", rc);
	else
		put(w, ",\"rcode\":\"%u\"", d->rcode);
	if (d->n_kept) {
		put(w, ",\"answers\":[");
		for (unsigned i = 0; i < d->n_kept; i++) {
			const struct vg_app_dns_answer *a = &d->answers[i];
			put(w, "%s{\"rrtype\":\"%s\",\"ttl\":%u,\"rdata\":", i ? "," : "",
			    vg_dns_rrtype_name(a->rrtype), a->ttl);
			if (a->rrtype == 5) {
				put_wire_str(w, d->cnames + a->cname_off);
			} else {
				vg_format_addr(ip, sizeof ip, &a->addr, a->rrtype == 1 ? 4 : 6);
				put(w, "\"%s\"", ip);
			}
			put(w, "}");
		}
		put(w, "]");
	}
	put(w, "}");
}

static void put_tls(struct vg_writer *w, const struct vg_app_tls *t)
{
	const char *v;

	if (!t->has_client_hello && !t->has_server_hello)
		return;
	put(w, ",\"tls\":{");
	v = vg_tls_version_name(t->has_server_hello ? t->server_version : t->client_version);
	put(w, "\"version\":\"%s\"", v ? v : "UNDETERMINED");
	if (t->sni[0]) {
		put(w, ",\"sni\":");
		put_wire_str(w, t->sni);
	}
	if (t->has_client_hello) {
		put(w, ",\"ja3\":{\"hash\":\"%s\"", t->ja3_md5);
		if (!t->ja3_truncated)
			put(w, ",\"string\":\"%s\"", t->ja3);
		put(w, "},\"ja4\":\"%s\"", t->ja4);
		if (t->alpn[0]) {
			put(w, ",\"client_alpns\":[");
			put_wire_str(w, t->alpn);
			put(w, "]");
		}
	}
	put(w, "}");
}

static void put_http(struct vg_writer *w, const struct vg_app_http *h)
{
	if (!h->has_request && !h->has_response)
		return;
	put(w, ",\"http\":{");
	if (h->has_request) {
		put(w, "\"hostname\":");
		put_wire_str(w, h->host);
		put(w, ",\"url\":");
		put_wire_str(w, h->uri);
		if (h->user_agent[0]) {
			put(w, ",\"http_user_agent\":");
			put_wire_str(w, h->user_agent);
		}
		put(w, ",\"http_method\":");
		put_wire_str(w, h->method);
		put(w, ",");
	}
	put(w, "\"protocol\":");
	put_wire_str(w, h->protocol);
	if (h->has_response)
		put(w, ",\"status\":%u", h->status);
	put(w, "}");
}

static void put_tcp_flags(struct vg_writer *w, const struct vg_flow *f)
{
	uint8_t all = f->tcp_flags[0] | f->tcp_flags[1];

	put(w,
	    ",\"tcp\":{\"tcp_flags\":\"%02x\",\"tcp_flags_ts\":\"%02x\",\"tcp_flags_tc\":\"%02x\"",
	    all, f->tcp_flags[0], f->tcp_flags[1]);
	/* Suricata writes only the flags that were seen, each as true. */
	if (all & VG_TH_SYN)
		put(w, ",\"syn\":true");
	if (all & VG_TH_FIN)
		put(w, ",\"fin\":true");
	if (all & VG_TH_RST)
		put(w, ",\"rst\":true");
	if (all & VG_TH_PSH)
		put(w, ",\"psh\":true");
	if (all & VG_TH_ACK)
		put(w, ",\"ack\":true");
	if (all & VG_TH_URG)
		put(w, ",\"urg\":true");
	if (all & VG_TH_ECE)
		put(w, ",\"ecn\":true");
	if (all & VG_TH_CWR)
		put(w, ",\"cwr\":true");
	put(w, ",\"state\":\"%s\"}", vg_tcp_state_name(f));
}

static void eve_flow(struct vg_writer *w, const struct vg_flow *f, enum vg_flow_end why,
		     const struct vg_app_flow *app)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pbuf[8];
	uint16_t sport, dport;
	struct vg_flow_ends ends;
	bool ports =
	    f->proto == VG_IPPROTO_TCP || f->proto == VG_IPPROTO_UDP || f->proto == VG_IPPROTO_SCTP;
	bool icmp = f->proto == VG_IPPROTO_ICMP || f->proto == VG_IPPROTO_ICMPV6;
	uint16_t vlan0 = (uint16_t)(f->key.vlan_proto >> 20),
		 vlan1 = (f->key.vlan_proto >> 8) & 0xfff;

	vg_flow_ends(f, &ends);
	vg_format_addr(src, sizeof src, &ends.client, ends.family);
	vg_format_addr(dst, sizeof dst, &ends.server, ends.family);
	sport = ends.client_port;
	dport = ends.server_port;
	put(w, "{");
	put_time(w, "timestamp", f->first_ns);
	put(w, ",\"flow_id\":%" PRIu64 ",\"event_type\":\"flow\"", vg_flow_id(f));
	if (vlan0 || vlan1) {
		put(w, ",\"vlan\":[%u", vlan0);
		if (vlan1)
			put(w, ",%u", vlan1);
		put(w, "]");
	}
	put(w, ",\"src_ip\":\"%s\"", src);
	if (ports)
		put(w, ",\"src_port\":%u", sport);
	put(w, ",\"dest_ip\":\"%s\"", dst);
	if (ports)
		put(w, ",\"dest_port\":%u", dport);
	put(w, ",\"proto\":\"%s\"", vg_proto_name(f->proto, pbuf, sizeof pbuf));
	if (icmp)
		put(w, ",\"icmp_type\":%u,\"icmp_code\":%u", f->icmp_type, f->icmp_code);
	if (f->proto == VG_IPPROTO_ESP) /* the SPI stands in the ports (esp.c) */
		put(w, ",\"spi\":%u", (unsigned)sport << 16 | dport);
	put(w,
	    ",\"flow\":{\"pkts_toserver\":%u,\"pkts_toclient\":%u,"
	    "\"bytes_toserver\":%" PRIu64 ",\"bytes_toclient\":%" PRIu64 ",",
	    f->pkts[0], f->pkts[1], f->bytes[0], f->bytes[1]);
	put_time(w, "start", f->first_ns);
	put(w, ",");
	put_time(w, "end", f->last_ns);
	put(w, ",\"age\":%" PRIu64 ",\"state\":\"%s\",\"reason\":\"%s\",\"alerted\":false}",
	    /* Suricata's age: whole seconds of the end minus those of the start */
	    f->last_ns / 1000000000u - f->first_ns / 1000000000u, vg_flow_state_name(f),
	    vg_flow_end_name(why));
	if (f->proto == VG_IPPROTO_TCP)
		put_tcp_flags(w, f);
	if (app) {
		switch (app->proto) {
		case VG_APP_DNS: put_dns(w, &app->dns); break;
		case VG_APP_TLS: put_tls(w, &app->tls); break;
		case VG_APP_HTTP: put_http(w, &app->http); break;
		}
	}
	put(w, "}");
	end_line(w);
}

static void eve_stats(struct vg_writer *w, const struct vg_run_stats *rs)
{
	const struct vg_decode_stats *d = rs->decode;
	const struct vg_flow_stats *fs = rs->flow;
	uint64_t invalid = 0;
	bool first = true;

	for (int a = 1; a < VG_ANOM_COUNT; a++)
		if (vg_anomaly_fatal((enum vg_anomaly)a))
			invalid += d->anomalies[a];
	put(w, "{");
	/* Packet time, as every event; a run without packets has none, so
	 * its stats event carries the time it was written. */
	if (rs->now_ns) { /* a live sensor's periodic event: its wall time */
		put_time(w, "timestamp", rs->now_ns);
	} else if (rs->last_ns) {
		put_time(w, "timestamp", rs->last_ns);
	} else {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		put_time(w, "timestamp",
			 (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
	}
	put(w, ",\"event_type\":\"stats\",\"stats\":{\"uptime\":%" PRIu64,
	    rs->now_ns && rs->started_ns ? (rs->now_ns - rs->started_ns) / 1000000000u
					 : (rs->last_ns - rs->first_ns) / 1000000000u);
	if (rs->capture) /* Suricata's names */
		put(w, ",\"capture\":{\"kernel_packets\":%" PRIu64 ",\"kernel_drops\":%" PRIu64 "}",
		    rs->capture->kernel_packets, rs->capture->kernel_drops);
	put(w,
	    ",\"decoder\":{\"pkts\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"invalid\":%" PRIu64
	    ",\"ipv4\":%" PRIu64 ",\"ipv6\":%" PRIu64 ",\"tcp\":%" PRIu64 ",\"udp\":%" PRIu64
	    ",\"icmpv4\":%" PRIu64 ",\"icmpv6\":%" PRIu64 ",\"arp\":%" PRIu64 "}",
	    d->packets, d->bytes_captured, invalid, d->ipv4, d->ipv6, d->tcp, d->udp, d->icmp,
	    d->icmpv6, d->arp);
	put(w,
	    ",\"flow\":{\"total\":%" PRIu64 ",\"tcp\":%" PRIu64 ",\"udp\":%" PRIu64
	    ",\"icmpv4\":%" PRIu64 ",\"icmpv6\":%" PRIu64 ",\"tcp_reuse\":%" PRIu64
	    ",\"active\":%" PRIu64 "}",
	    fs->created, fs->created_tcp, fs->created_udp, fs->created_icmpv4, fs->created_icmpv6,
	    fs->tcp_reuse, fs->active);
	/* vigil extension: anomalies and flow-table counters by their stable
	 * names, and the table's size. See docs/EVENTS.md. */
	put(w, ",\"vigil\":{\"anomalies\":{");
	for (int a = 1; a < VG_ANOM_COUNT; a++) {
		if (!d->anomalies[a])
			continue;
		put(w, "%s\"%s\":%" PRIu64, first ? "" : ",", vg_anomaly_name((enum vg_anomaly)a),
		    d->anomalies[a]);
		first = false;
	}
	put(w, "},\"counters\":{");
	for (size_t i = 0; i < vg_flow_ncounters; i++)
		put(w, "%s\"%s\":%" PRIu64, i ? "," : "", vg_flow_counters[i].name,
		    vg_counter_get(fs, &vg_flow_counters[i]));
	for (int c = 0; rs->app && c < VG_APPC_COUNT; c++)
		put(w, ",\"%s\":%" PRIu64, vg_app_counter_name((enum vg_app_counter)c),
		    rs->app->c[c]);
	put(w, "},\"attacks\":{");
	for (unsigned i = 0; rs->attacks && i < rs->attacks->n; i++)
		put(w, "%s\"%s\":%" PRIu64, i ? "," : "", rs->attacks->kind[i],
		    rs->attacks->count[i]);
	put(w, "},\"flow_capacity\":%" PRIu64 ",\"flow_bytes_per_flow\":%u", rs->flow_capacity,
	    rs->flow_bytes_per_flow);
	if (rs->capture)
		put(w,
		    ",\"capture\":{\"interfaces\":%u,\"vlan_restored\":%" PRIu64
		    ",\"vlan_lost\":%" PRIu64 "},\"events\":{\"flow\":%" PRIu64
		    ",\"attack\":%" PRIu64 "},\"memory\":{\"flow_table\":%" PRIu64
		    ",\"app\":%" PRIu64 ",\"rss\":%" PRIu64 "}",
		    rs->capture->interfaces, rs->capture->vlan_restored, rs->capture->vlan_lost,
		    rs->events_flow, rs->events_attack, rs->memory_flow_table, rs->memory_app,
		    rs->memory_rss);
	if (rs->capture && rs->store)
		put(w, ",\"store\":{\"pending\":%" PRIu64 ",\"lag_s\":%.3f}", rs->store_pending,
		    (double)rs->store_lag_ns / 1e9);
	if (rs->workers) {
		put(w, ",\"workers\":[");
		for (unsigned i = 0; i < rs->nworkers; i++)
			put(w,
			    "%s{\"packets\":%" PRIu64 ",\"kernel_packets\":%" PRIu64
			    ",\"kernel_drops\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"cpu_s\":%.3f}",
			    i ? "," : "", rs->workers[i].packets, rs->workers[i].kernel_packets,
			    rs->workers[i].kernel_drops, rs->workers[i].flows,
			    (double)rs->workers[i].cpu_ns / 1e9);
		put(w, "]");
	}
	put(w, "}}}");
	end_line(w);
}

static void put_addr(struct vg_writer *w, const char *key, const struct vg_addr *a, int family)
{
	char ip[INET6_ADDRSTRLEN];

	vg_format_addr(ip, sizeof ip, a, family);
	put(w, "\"%s\":\"%s\"", key, ip);
}

/* A JSON string value, escaped per RFC 8259 section 7 (quote, backslash,
 * control characters); the bytes are UTF-8 already (checked when the ASN
 * file was compiled, or by libmaxminddb). */
static void put_json_str(struct vg_writer *w, const char *s)
{
	put(w, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			put(w, "\\%c", c);
		else if (c < 0x20)
			put(w, "\\u%04x", c);
		else
			put(w, "%c", c);
	}
	put(w, "\"");
}

/* A geo object: members only when known; nothing at all if none is. */
static void put_geo(struct vg_writer *w, const char *key, const struct vg_geo *g)
{
	bool first = true;

	if (!g->country[0] && !g->asn && !g->as_org[0])
		return;
	put(w, ",\"%s\":{", key);
	if (g->country[0]) {
		put(w, "\"country\":\"%s\"", g->country);
		first = false;
	}
	if (g->asn) {
		put(w, "%s\"asn\":%u", first ? "" : ",", g->asn);
		first = false;
	}
	if (g->as_org[0]) {
		put(w, "%s\"as_org\":", first ? "" : ",");
		put_json_str(w, g->as_org);
	}
	put(w, "}");
}

/* The attack event (docs/EVENTS.md): Suricata-style header, then vigil's
 * `attack` object, then the attrib stage's objects. Every string in it
 * comes from vigil's own tables except the AS organisation (escaped). */
static void eve_attack(struct vg_writer *w, const struct vg_attack *a,
		       const struct vg_attribution *at)
{
	char pbuf[8];

	put(w, "{");
	put_time(w, "timestamp", a->start_ns);
	put(w, ",\"event_type\":\"attack\",");
	put_addr(w, "src_ip", &a->src, a->family);
	put(w, ",");
	put_addr(w, "dest_ip", &a->dst, a->family);
	put(w, ",\"proto\":\"%s\"", a->proto ? vg_proto_name(a->proto, pbuf, sizeof pbuf) : "ARP");
	put(w, ",\"attack\":{\"id\":%" PRIu64 ",\"kind\":\"%s\"", a->id, a->kind);
	if (a->technique)
		put(w, ",\"technique\":\"%s\"", a->technique);
	if (a->tool)
		put(w, ",\"tool\":\"%s\"", a->tool);
	put(w, ",\"direction\":\"%s\",", a->direction);
	put_time(w, "start", a->start_ns);
	put(w, ",");
	put_time(w, "end", a->end_ns);
	put(w, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"victims\":%u,\"victim_ips\":[",
	    a->packets, a->bytes, a->victims);
	for (unsigned i = 0; i < a->n_victim_ips; i++) {
		char ip[INET6_ADDRSTRLEN];
		vg_format_addr(ip, sizeof ip, &a->victim_ips[i], a->family);
		put(w, "%s\"%s\"", i ? "," : "", ip);
	}
	put(w, "],\"ports\":%u,\"port_list\":[", a->ports);
	for (unsigned i = 0; i < a->n_ports; i++)
		put(w, "%s%u", i ? "," : "", a->port_list[i]);
	put(w, "],\"attempts\":%" PRIu64 ",\"succeeded\":%s,\"severity\":%u,\"final\":%s",
	    a->attempts, a->succeeded ? "true" : "false", a->severity, a->final ? "true" : "false");
	put(w, ",\"evidence\":\"%s\"}", a->evidence);
	if (at) {
		put_geo(w, "src_geo", &at->src);
		put_geo(w, "dest_geo", &at->dst);
		put(w, ",\"attribution\":{\"confidence\":\"%s\",\"reason\":\"%s\"}",
		    vg_confidence_name(at->confidence), at->reason);
	}
	put(w, "}");
	end_line(w);
}

static int eve_flush(struct vg_writer *w, char *errbuf, size_t errlen)
{
	flush_out(w);
	if (fflush(w->fp) != 0 && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
	if (w->failed) {
		snprintf(errbuf, errlen, "%s: write failed: %s", w->path, strerror(w->err));
		return VG_EIO;
	}
	return 0;
}

static int eve_reopen(struct vg_writer *w, char *errbuf, size_t errlen)
{
	FILE *fp;
	int rc;

	if (w->is_stdout)
		return eve_flush(w, errbuf, errlen);
	rc = eve_flush(w, errbuf, errlen);
	/* Append: a file that was not moved away keeps its events. */
	fp = fopen(w->path, "a");
	if (!fp) {
		snprintf(errbuf, errlen, "%s: reopen: %s (still writing to the old file)", w->path,
			 strerror(errno));
		return VG_EIO;
	}
	if (fclose(w->fp) != 0 && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
	w->fp = fp;
	return rc;
}

static int eve_close(struct vg_writer *w, char *errbuf, size_t errlen)
{
	int rc = 0;

	if (!w)
		return 0;
	flush_out(w);
	if (fflush(w->fp) != 0 && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
	if (!w->is_stdout && fclose(w->fp) != 0 && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
	if (w->failed) {
		snprintf(errbuf, errlen, "%s: write failed: %s", w->path, strerror(w->err));
		rc = VG_EIO;
	}
	free(w->outbuf);
	free(w);
	return rc;
}

const struct vg_writer_ops vg_writer_eve = {
    .name = "eve",
    .open = eve_open,
    .flow = eve_flow,
    .stats = eve_stats,
    .attack = eve_attack,
    .flush = eve_flush,
    .reopen = eve_reopen,
    .close = eve_close,
};
