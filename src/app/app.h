/*
 * app.h - the app stage: per-flow application metadata from the first
 * packets of a flow (DNS, TLS ClientHello/ServerHello, HTTP/1.x heads).
 *
 * Between flow and detect. The flow table hands the stage the first few
 * payload packets of each direction (app.packets); the stage picks a
 * parser by port and by a cheap look at the first bytes (a TLS handshake
 * record 0x16 0x03, an HTTP method token, DNS on ports 53 and 5353), and
 * keeps what it parsed in a side table of its own (bounded by
 * app.memcap, oldest entry evicted first), found from the flow by its pool
 * index. Nothing is reassembled except one case: a ClientHello split over
 * TCP segments is gathered in a small per-flow buffer (at most
 * VG_APP_TLS_BUF bytes, app.tls_buffers of them) when the flow's first
 * client segment starts the handshake record.
 *
 * DNS answers also feed a bounded cache address -> queried name
 * (app.dns_cache entries, set-associative, oldest replaced), so that a
 * later connection to an answered address knows the name it came from.
 *
 * Detectors read the stage through vg_app_of() and vg_app_name_of_addr()
 * (detect.h's struct vg_detect_env carries the stage). A flow's metadata
 * lives until the pipeline calls vg_app_flow_end(), after the detectors'
 * on_flow_end and the writers have seen the flow.
 *
 * Malformed or truncated messages are counted per reason (VG_APP_COUNTERS,
 * stable dotted names) and never stop the run. References: RFC 1035 (DNS),
 * RFC 7766 section 8 (DNS over TCP), RFC 8446 section 4.1.2 (ClientHello),
 * RFC 9112 section 3 (HTTP/1.1 request line), JA3 (Salesforce), JA4
 * (FoxIO, technical_details/JA4.md).
 */
#ifndef VG_APP_H
#define VG_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "flow/flow.h"

#define VG_APP_NAME_MAX    256  /* DNS names, SNI, Host: 255 characters + NUL */
#define VG_APP_JA3_MAX     1024 /* the JA3 string kept (the hash covers all of it) */
#define VG_APP_URI_MAX     512
#define VG_APP_UA_MAX      256
#define VG_APP_DNS_ANSWERS 8    /* answers kept per flow (the count says how many) */
#define VG_APP_TLS_BUF     4096 /* bytes gathered for a split ClientHello */

enum vg_app_proto {
	VG_APP_NONE = 0,
	VG_APP_DNS,
	VG_APP_TLS,
	VG_APP_HTTP,
};

struct vg_app_dns_answer {
	uint16_t rrtype;    /* 1 A, 28 AAAA, 5 CNAME */
	uint16_t cname_off; /* CNAME: offset of its target in cnames[] */
	uint32_t ttl;
	struct vg_addr addr; /* A (first 4 bytes) or AAAA */
};

#define VG_DNS_NXDOMAIN 3 /* rcode: RFC 1035 "Name Error" */

struct vg_app_dns {
	bool has_query, has_response;
	bool rrname_truncated;
	uint8_t rcode; /* of the first response (VG_DNS_NXDOMAIN: the name does not exist) */
	uint16_t id;   /* of the first message */
	uint16_t rrtype;
	uint16_t n_answers;           /* answers of the first response (all types) */
	uint8_t n_kept;               /* A, AAAA and CNAME answers in answers[] */
	uint8_t rrname_len;           /* strlen(rrname) */
	uint16_t cnames_len;          /* bytes used in cnames[] */
	char rrname[VG_APP_NAME_MAX]; /* the first question's name, dotted */
	struct vg_app_dns_answer answers[VG_APP_DNS_ANSWERS];
	char cnames[VG_APP_NAME_MAX]; /* CNAME targets, each NUL-terminated */
};

struct vg_app_tls {
	bool has_client_hello, has_server_hello;
	bool ja3_truncated;        /* ja3[] holds only the start of the string */
	uint16_t client_version;   /* highest offered (supported_versions, else legacy) */
	uint16_t server_version;   /* chosen by the ServerHello, 0 if none seen */
	char sni[VG_APP_NAME_MAX]; /* "" if none */
	char ja3_md5[33];          /* lowercase hex */
	char ja4[40];              /* t13d1516h2_8daaf6152771_02713d6af862 */
	char alpn[32];             /* the first ALPN value offered, "" if none */
	char ja3[VG_APP_JA3_MAX];
};

struct vg_app_http {
	bool has_request, has_response;
	uint16_t status;
	char method[16];
	char protocol[16]; /* "HTTP/1.1" */
	char uri[VG_APP_URI_MAX];
	char host[VG_APP_NAME_MAX];
	char user_agent[VG_APP_UA_MAX];
};

/* What the stage knows of one flow. */
struct vg_app_flow {
	uint8_t proto; /* enum vg_app_proto */
	union {
		struct vg_app_dns dns;
		struct vg_app_tls tls;
		struct vg_app_http http;
	};
};

/* Counters with their stable dotted names: the summary, the stats event
 * and docs/EVENTS.md use these names. The *_problem rows are malformed or
 * truncated input, by reason. */
#define VG_APP_COUNTERS(X)                                                                         \
	X(flows, "app.flows", 0)                           /* flows given a metadata entry */      \
	X(evicted, "app.evicted", 0)                       /* entries dropped for app.memcap */    \
	X(dns_messages, "app.dns.messages", 0)             /* DNS messages parsed */               \
	X(dns_cache_inserted, "app.dns.cache_inserted", 0) /* addresses put in the cache */        \
	X(tls_client_hello, "app.tls.client_hello", 0)                                             \
	X(tls_server_hello, "app.tls.server_hello", 0)                                             \
	X(tls_reassembled, "app.tls.reassembled", 0) /* ClientHellos gathered over segments */     \
	X(http_requests, "app.http.requests", 0)                                                   \
	X(http_responses, "app.http.responses", 0)                                                 \
	X(dns_truncated, "app.dns.truncated", 1) /* message ends inside a field */                 \
	X(dns_bad_label, "app.dns.bad_label", 1) /* reserved label type (0x40, 0x80) */            \
	X(dns_bad_pointer, "app.dns.bad_pointer",                                                  \
	  1) /* compression pointer loop or out of range */                                        \
	X(dns_name_too_long, "app.dns.name_too_long", 1) /* over 255 characters */                 \
	X(dns_bad_length, "app.dns.bad_length", 1)       /* TCP length prefix or rdlength wrong */ \
	X(dns_no_question, "app.dns.no_question", 1)     /* qdcount 0 */                           \
	X(tls_truncated, "app.tls.truncated", 1)         /* capture cut the hello (snap length) */ \
	X(tls_bad_length, "app.tls.bad_length", 1)     /* a length field exceeds its container */  \
	X(tls_too_long, "app.tls.too_long", 1)         /* split hello larger than the buffer */    \
	X(tls_gap, "app.tls.gap", 1)                   /* next segment not the continuation */     \
	X(tls_no_buffer, "app.tls.no_buffer", 1)       /* every gathering buffer in use */         \
	X(tls_fragmented, "app.tls.fragmented", 1)     /* hello spread over several records */     \
	X(http_bad_request, "app.http.bad_request", 1) /* no "METHOD URI HTTP/1.x" line */         \
	X(http_bad_status, "app.http.bad_status", 1)   /* no "HTTP/1.x NNN" line */                \
	X(http_truncated, "app.http.truncated", 1)     /* head cut at the segment's end */

enum vg_app_counter {
#define VG_APP_COUNTER_ENUM(field, name, problem) VG_APPC_##field,
	VG_APP_COUNTERS(VG_APP_COUNTER_ENUM)
#undef VG_APP_COUNTER_ENUM
	    VG_APPC_COUNT
};

struct vg_app_stats {
	uint64_t c[VG_APPC_COUNT];
};

const char *vg_app_counter_name(enum vg_app_counter c);
bool vg_app_counter_problem(enum vg_app_counter c);

struct vg_app_config {
	uint64_t memcap;      /* bytes of per-flow entries */
	uint32_t packets;     /* payload packets per direction looked at */
	uint32_t dns_cache;   /* address -> name entries */
	uint32_t tls_buffers; /* split-ClientHello buffers */
	uint32_t enabled;     /* 0: the stage is left out */
};

struct vg_app;

/* table: the flow table whose flows the stage follows (for pool indexes). */
int vg_app_new(struct vg_app **out, const struct vg_app_config *cfg,
	       const struct vg_flow_table *table, uint64_t seed);
void vg_app_free(struct vg_app *app);
/* The flow table's payload hook (vg_flow_packet_fn; arg is the stage). */
void vg_app_packet(void *arg, const struct vg_packet *p, struct vg_flow *f, int dir);
/* Forgets a flow's metadata; call after everything that reads it at flow end. */
void vg_app_flow_end(struct vg_app *app, const struct vg_flow *f);
/* The metadata of a flow, or NULL (none parsed, or evicted). Valid until
 * the flow ends or the next packet. app may be NULL. */
const struct vg_app_flow *vg_app_of(const struct vg_app *app, const struct vg_flow *f);
/* The name a recent DNS answer gave for this address (family 4: the
 * first 4 bytes), or NULL. Valid until the next packet. */
const char *vg_app_name_of_addr(const struct vg_app *app, int family, const struct vg_addr *addr);
/* For a detector that reads a flow's metadata and its server's name at
 * the flow's end (malware.c2): its prefetch steps (detect.h) start loading
 * them, with no effect on the stage. vg_app_addr_hash: the cache key's
 * hash (family 4 or 6), kept by the caller for vg_app_name_of_addr_h,
 * which answers as vg_app_name_of_addr. Step 1, vg_app_prefetch_name and
 * vg_app_prefetch_of (which the pipeline's end prefetch calls for every
 * flow): the cache set's tags and the flow's entry index;
 * step 2, once they have arrived, vg_app_prefetch_name_way and
 * vg_app_prefetch_entry: the way whose tag matches, the entry's first
 * line. f must be a flow of the stage's table (others are ignored). */
uint64_t vg_app_addr_hash(const struct vg_app *app, int family, const struct vg_addr *addr);
const char *vg_app_name_of_addr_h(const struct vg_app *app, int family, const struct vg_addr *addr,
				  uint64_t h);
void vg_app_prefetch_name(const struct vg_app *app, uint64_t h);
void vg_app_prefetch_name_way(const struct vg_app *app, uint64_t h);
void vg_app_prefetch_of(const struct vg_app *app, const struct vg_flow *f);
void vg_app_prefetch_entry(const struct vg_app *app, const struct vg_flow *f);
const struct vg_app_stats *vg_app_stats(const struct vg_app *app);
/* Bytes of the stage's tables (entries, their index, the DNS cache, the
 * ClientHello buffers), all allocated at start. */
uint64_t vg_app_memory(const struct vg_app *app);
/* A worker's app stage (vigil read --workers) tells fn each DNS answer
 * it puts in its cache; the merging thread's stage, whose cache the
 * detectors read, takes it with vg_app_dns_put (not counted again). */
typedef void (*vg_app_dns_fn)(void *arg, int family, const struct vg_addr *addr, const char *name);
void vg_app_set_dns_sink(struct vg_app *app, vg_app_dns_fn fn, void *arg);
void vg_app_dns_put(struct vg_app *app, int family, const struct vg_addr *addr, const char *name);
uint32_t vg_app_packets(const struct vg_app *app);

/* Parsers, each on one message in a memory buffer (tests, fuzzers).
 * They return 0 or the counter of the problem found (the fields parsed
 * before it are kept). */
/* A DNS message (no TCP length prefix); fills query or response fields. */
int vg_dns_parse(const uint8_t *msg, size_t len, struct vg_app_dns *out);
/* A TLS record holding a handshake message: ClientHello (fills sni, ja3,
 * ja4...) or ServerHello (server_version). Returns VG_APP_NEED_MORE with
 * *need the bytes the whole message takes when buf holds only its start. */
#define VG_APP_NEED_MORE (-1)
int vg_tls_parse(const uint8_t *buf, size_t len, struct vg_app_tls *out, size_t *need);
/* An HTTP/1.x request or response head (the start of a segment). */
int vg_http_parse_request(const uint8_t *buf, size_t len, struct vg_app_http *out);
int vg_http_parse_response(const uint8_t *buf, size_t len, struct vg_app_http *out);
/* "A", "AAAA", "CNAME", ... or NULL if unnamed. */
const char *vg_dns_rrtype_name(uint16_t t);
/* "NOERROR", "NXDOMAIN", ... or NULL. */
const char *vg_dns_rcode_name(uint8_t rcode);
/* "TLS 1.2", "TLS 1.3", "SSLv3", ... as Suricata writes tls.version. */
const char *vg_tls_version_name(uint16_t v);

#endif
