/*
 * tls.c - the TLS ClientHello (SNI, JA3, JA4, ALPN) and the ServerHello's
 * chosen version (RFC 8446 section 4.1.2 and 4.1.3, RFC 5246 section
 * 7.4.1; extensions RFC 6066 section 3, RFC 7301, RFC 8446 section 4.2.1).
 *
 * Part of the app stage (app.h). The input starts at a TLS record header
 * (content type 22, handshake) and must hold the whole handshake message
 * in that one record; app.c gathers a message split over TCP segments
 * before calling here.
 *
 * JA3 (Salesforce, github.com/salesforce/ja3): "version,ciphers,
 * extensions,groups,point_formats", decimal values joined by '-', GREASE
 * values (RFC 8701) left out of the first four lists; its MD5 in hex.
 * JA4 (FoxIO, technical_details/JA4.md): "t" + version (highest of
 * supported_versions, else the legacy version) + "d"/"i" (SNI or not) +
 * cipher and extension counts (GREASE left out, capped at 99) + first and
 * last character of the first ALPN value, then the first 12 hex digits of
 * the SHA-256 of the sorted cipher list, then of the sorted extension list
 * without SNI and ALPN followed by "_" and the signature algorithms in
 * their order. MD5 and SHA-256 come from Debian's nettle.
 *
 * THREAT: the whole message comes from the client (or server); every
 * length is checked against the one that contains it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "app/app.h"
#include "common/bytes.h"
#include "common/vg.h"

#define LIST_MAX 512 /* ciphers or extensions kept for JA4's sort */

static bool is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* The JA3 string as it is built: hashed whole, kept up to its buffer. */
struct ja3 {
	struct md5_ctx md5;
	char *out;
	size_t len, cap;
	bool cut;
};

static void ja3_put(struct ja3 *j, const char *s, size_t n)
{
	md5_update(&j->md5, n, (const uint8_t *)s);
	if (j->len + n < j->cap) {
		memcpy(j->out + j->len, s, n);
		j->len += n;
	} else {
		j->cut = true;
	}
}

static void ja3_num(struct ja3 *j, unsigned v, bool *first)
{
	char b[8];
	int n = snprintf(b, sizeof b, "%s%u", *first ? "" : "-", v);

	*first = false;
	ja3_put(j, b, (size_t)n);
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* Hex of a sorted or ordered list, comma-joined, into the hash. */
static void sha_list(struct sha256_ctx *c, const uint16_t *v, unsigned n)
{
	char b[8];

	for (unsigned i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s%04x", i ? "," : "", v[i]);
		sha256_update(c, strlen(b), (const uint8_t *)b);
	}
}

static void sha12(struct sha256_ctx *c, char *out)
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(c, sizeof d, d);
	for (int i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

struct hello {
	uint16_t legacy, best; /* best: highest supported_versions entry */
	uint16_t ciphers[LIST_MAX], exts[LIST_MAX], sigs[LIST_MAX];
	unsigned n_ciphers, n_exts, n_sigs; /* GREASE left out */
	const uint8_t *alpn;
	uint8_t alpn_len;
	bool sni;
};

static void make_ja4(const struct hello *h, char *out, size_t outlen)
{
	struct sha256_ctx c;
	uint16_t sorted[LIST_MAX];
	unsigned n = 0;
	char a1 = '0', a2 = '0', hc[13], he[13];
	uint16_t v = h->best ? h->best : h->legacy;

	if (h->alpn_len) {
		uint8_t f = h->alpn[0], l = h->alpn[h->alpn_len - 1];
		if (is_alnum(f) && is_alnum(l)) {
			a1 = (char)f;
			a2 = (char)l;
		} else { /* JA4.md: the first and last hex digits instead */
			static const char hex[] = "0123456789abcdef";
			a1 = hex[f >> 4];
			a2 = hex[l & 15];
		}
	}
	if (h->n_ciphers) {
		memcpy(sorted, h->ciphers, h->n_ciphers * sizeof *sorted);
		qsort(sorted, h->n_ciphers, sizeof *sorted, cmp_u16);
		sha256_init(&c);
		sha_list(&c, sorted, h->n_ciphers);
		sha12(&c, hc);
	} else {
		memcpy(hc, "000000000000", 13);
	}
	for (unsigned i = 0; i < h->n_exts; i++)
		if (h->exts[i] != 0x0000 && h->exts[i] != 0x0010)
			sorted[n++] = h->exts[i];
	if (n || h->n_sigs) {
		qsort(sorted, n, sizeof *sorted, cmp_u16);
		sha256_init(&c);
		sha_list(&c, sorted, n);
		if (h->n_sigs) {
			sha256_update(&c, 1, (const uint8_t *)"_");
			sha_list(&c, h->sigs, h->n_sigs);
		}
		sha12(&c, he);
	} else {
		memcpy(he, "000000000000", 13);
	}
	snprintf(out, outlen, "t%s%c%02u%02u%c%c_%s_%s", ja4_version(v), h->sni ? 'd' : 'i',
		 h->n_ciphers > 99 ? 99 : h->n_ciphers, h->n_exts > 99 ? 99 : h->n_exts, a1, a2, hc,
		 he);
}

/* JA3's lists of groups (supported_groups, GREASE left out) and of
 * point formats (ec_point_formats). */
static int ext_groups(const uint8_t *d, size_t n, struct ja3 *j)
{
	bool first = true;

	if (n < 2 || (size_t)vg_load_be16(d) + 2 > n)
		return VG_APPC_tls_bad_length;
	for (size_t i = 2; i + 1 < (size_t)vg_load_be16(d) + 2; i += 2) {
		uint16_t g = vg_load_be16(d + i);
		if (!is_grease(g))
			ja3_num(j, g, &first);
	}
	return 0;
}

static int ext_formats(const uint8_t *d, size_t n, struct ja3 *j)
{
	bool first = true;

	if (n < 1 || (size_t)d[0] + 1 > n)
		return VG_APPC_tls_bad_length;
	for (size_t i = 1; i < (size_t)d[0] + 1; i++)
		ja3_num(j, d[i], &first);
	return 0;
}

/* One extension of the ClientHello: what JA4 and the record need. */
static int client_ext(struct hello *h, struct vg_app_tls *out, uint16_t type, const uint8_t *d,
		      size_t n)
{
	switch (type) {
	case 0x0000: { /* server_name: list of (type, length, name) */
		size_t l, off = 2;
		if (n < 2 || (size_t)vg_load_be16(d) + 2 > n)
			return VG_APPC_tls_bad_length;
		while (off + 3 <= n) {
			l = vg_load_be16(d + off + 1);
			if (off + 3 + l > n)
				return VG_APPC_tls_bad_length;
			if (d[off] == 0 && !out->sni[0]) {
				size_t k = l < VG_APP_NAME_MAX - 1 ? l : VG_APP_NAME_MAX - 1;
				memcpy(out->sni, d + off + 3, k);
				out->sni[k] = '\0';
			}
			off += 3 + l;
		}
		h->sni = true;
		break;
	}
	case 0x000d: /* signature_algorithms */
		if (n < 2 || (size_t)vg_load_be16(d) + 2 > n)
			return VG_APPC_tls_bad_length;
		for (size_t i = 2; i + 1 < (size_t)vg_load_be16(d) + 2; i += 2) {
			uint16_t s = vg_load_be16(d + i);
			if (!is_grease(s) && h->n_sigs < LIST_MAX)
				h->sigs[h->n_sigs++] = s;
		}
		break;
	case 0x0010: /* ALPN: list of (length, protocol) */
		if (n < 3 || (size_t)vg_load_be16(d) + 2 > n || (size_t)d[2] + 3 > n)
			return VG_APPC_tls_bad_length;
		h->alpn = d + 3;
		h->alpn_len = d[2];
		if (d[2]) {
			size_t k = d[2] < sizeof out->alpn - 1 ? d[2] : sizeof out->alpn - 1;
			memcpy(out->alpn, d + 3, k);
			out->alpn[k] = '\0';
		}
		break;
	case 0x002b: /* supported_versions (ClientHello form) */
		if (n < 1 || (size_t)d[0] + 1 > n)
			return VG_APPC_tls_bad_length;
		for (size_t i = 1; i + 1 < (size_t)d[0] + 1; i += 2) {
			uint16_t v = vg_load_be16(d + i);
			if (!is_grease(v) && v > h->best)
				h->best = v;
		}
		break;
	}
	return 0;
}

static int client_hello(const uint8_t *m, size_t n, struct vg_app_tls *out)
{
	struct hello h; /* 3 KiB of stack, on ClientHellos only */
	struct ja3 ja3 = {.out = out->ja3, .cap = sizeof out->ja3};
	size_t off, l, ext_end;
	bool first;
	uint8_t digest[MD5_DIGEST_SIZE];
	char b[16];
	int rc = 0;

	memset(&h, 0, offsetof(struct hello, ciphers));
	h.n_ciphers = h.n_exts = h.n_sigs = 0;
	h.alpn = NULL;
	h.alpn_len = 0;
	h.sni = false;
	out->sni[0] = out->alpn[0] = out->ja3[0] = '\0';
	if (n < 35)
		return VG_APPC_tls_truncated;
	h.legacy = vg_load_be16(m);
	off = 34;
	l = m[off]; /* session id */
	if (off + 1 + l + 2 > n)
		return VG_APPC_tls_bad_length;
	off += 1 + l;
	l = vg_load_be16(m + off); /* cipher suites */
	off += 2;
	if (off + l > n || (l & 1))
		return VG_APPC_tls_bad_length;
	md5_init(&ja3.md5);
	snprintf(b, sizeof b, "%u,", h.legacy);
	ja3_put(&ja3, b, strlen(b));
	first = true;
	for (size_t i = 0; i < l; i += 2) {
		uint16_t c = vg_load_be16(m + off + i);
		if (is_grease(c))
			continue;
		ja3_num(&ja3, c, &first);
		if (h.n_ciphers < LIST_MAX)
			h.ciphers[h.n_ciphers++] = c;
	}
	off += l;
	if (off + 1 > n || off + 1 + m[off] > n) /* compression methods */
		return VG_APPC_tls_bad_length;
	off += 1 + (size_t)m[off];
	ja3_put(&ja3, ",", 1);
	ext_end = off;
	if (off + 2 <= n) {
		l = vg_load_be16(m + off);
		off += 2;
		if (off + l > n)
			return VG_APPC_tls_bad_length;
		ext_end = off + l;
	}
	/* Pass 1: extension types (JA3's third list) and their contents. */
	first = true;
	for (size_t e = off; e + 4 <= ext_end;) {
		uint16_t type = vg_load_be16(m + e), el = vg_load_be16(m + e + 2);
		int r;
		if (e + 4 + el > ext_end) {
			rc = VG_APPC_tls_bad_length;
			break;
		}
		if (!is_grease(type)) {
			ja3_num(&ja3, type, &first);
			if (h.n_exts < LIST_MAX)
				h.exts[h.n_exts++] = type;
		}
		r = client_ext(&h, out, type, m + e + 4, el);
		if (r && !rc)
			rc = r;
		e += 4 + (size_t)el;
	}
	/* Pass 2 and 3: groups, then point formats, in JA3's order. */
	for (int pass = 0; pass < 2; pass++) {
		ja3_put(&ja3, ",", 1);
		for (size_t e = off; e + 4 <= ext_end;) {
			uint16_t type = vg_load_be16(m + e), el = vg_load_be16(m + e + 2);
			if (e + 4 + el > ext_end)
				break;
			if (type == 0x000a && pass == 0) {
				int r = ext_groups(m + e + 4, el, &ja3);
				if (r && !rc)
					rc = r;
			} else if (type == 0x000b && pass == 1) {
				int r = ext_formats(m + e + 4, el, &ja3);
				if (r && !rc)
					rc = r;
			}
			e += 4 + (size_t)el;
		}
	}
	ja3.out[ja3.len] = '\0';
	out->ja3_truncated = ja3.cut;
	md5_digest(&ja3.md5, sizeof digest, digest);
	for (int i = 0; i < MD5_DIGEST_SIZE; i++)
		snprintf(out->ja3_md5 + 2 * i, 3, "%02x", digest[i]);
	out->client_version = h.best ? h.best : h.legacy;
	make_ja4(&h, out->ja4, sizeof out->ja4);
	out->has_client_hello = true;
	return rc;
}

static int server_hello(const uint8_t *m, size_t n, struct vg_app_tls *out)
{
	size_t off = 34, l;

	if (n < 35)
		return VG_APPC_tls_truncated;
	out->server_version = vg_load_be16(m);
	out->has_server_hello = true;
	l = m[off];
	off += 1 + l + 2 + 1; /* session id, cipher suite, compression */
	if (off + 2 > n)
		return 0; /* no extensions */
	l = vg_load_be16(m + off);
	off += 2;
	if (off + l > n)
		return VG_APPC_tls_bad_length;
	for (size_t e = off, end = off + l; e + 4 <= end;) {
		uint16_t type = vg_load_be16(m + e), el = vg_load_be16(m + e + 2);
		if (e + 4 + el > end)
			return VG_APPC_tls_bad_length;
		if (type == 0x002b && el == 2) /* supported_versions: the chosen one */
			out->server_version = vg_load_be16(m + e + 4);
		e += 4 + (size_t)el;
	}
	return 0;
}

int vg_tls_parse(const uint8_t *buf, size_t len, struct vg_app_tls *out, size_t *need)
{
	size_t rec, hs;

	*need = 0;
	if (len < 9)
		return VG_APPC_tls_truncated;
	if (buf[0] != 22 || buf[1] != 3)
		return VG_APPC_tls_bad_length;
	rec = vg_load_be16(buf + 3);
	hs = (size_t)buf[6] << 16 | (size_t)buf[7] << 8 | buf[8];
	if (hs + 4 > rec) {
		/* The handshake message goes on in the next record: rare
		 * (RFC 8446 section 5.1 allows it), not followed. */
		return VG_APPC_tls_fragmented;
	}
	if (len < 9 + hs) {
		*need = 9 + hs;
		return VG_APP_NEED_MORE;
	}
	if (buf[5] == 1)
		return client_hello(buf + 9, hs, out);
	if (buf[5] == 2)
		return server_hello(buf + 9, hs, out);
	return 0;
}

const char *vg_tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0002: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLS 1.0";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return NULL;
	}
}
