/*
 * http.c - the head of an HTTP/1.x request (method, target, Host,
 * User-Agent) or response (status code), from the first segment only.
 *
 * Part of the app stage (app.h). RFC 9112 section 3 (request line),
 * section 4 (status line), section 5 (header fields; names compared
 * without regard to case). A head longer than its segment is read as far
 * as it goes and counted (app.http.truncated); nothing is reassembled.
 * Values are copied as bytes and cut to their buffers; the EVE writer
 * escapes them.
 *
 * THREAT: every byte comes from the client or the server; nothing is
 * read past len and no line is trusted to end.
 */
#include <string.h>
#include <strings.h>

#include "app/app.h"

static void copy_cut(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The end of the line starting at off (index of '\n', or len). */
static size_t line_end(const uint8_t *b, size_t len, size_t off)
{
	const uint8_t *nl = memchr(b + off, '\n', len - off);
	return nl ? (size_t)(nl - b) : len;
}

static bool is_version(const uint8_t *b, size_t n)
{
	return n >= 8 && memcmp(b, "HTTP/1.", 7) == 0 && (b[7] == '0' || b[7] == '1');
}

/* Header fields from off to the empty line: Host and User-Agent. */
static int read_fields(const uint8_t *b, size_t len, size_t off, struct vg_app_http *out)
{
	while (off < len) {
		size_t e = line_end(b, len, off), n = e - off, colon;
		const uint8_t *v;

		if (e == len)
			return VG_APPC_http_truncated; /* the head goes on in the next segment */
		if (n && b[e - 1] == '\r')
			n--;
		if (n == 0)
			return 0; /* end of the head */
		for (colon = 0; colon < n && b[off + colon] != ':'; colon++)
			;
		if (colon < n) {
			size_t vs = colon + 1;
			while (vs < n && (b[off + vs] == ' ' || b[off + vs] == '\t'))
				vs++;
			v = b + off + vs;
			while (n > vs && (b[off + n - 1] == ' ' || b[off + n - 1] == '\t'))
				n--;
			if (colon == 4 && strncasecmp((const char *)b + off, "host", 4) == 0 &&
			    !out->host[0])
				copy_cut(out->host, sizeof out->host, v, n - vs);
			else if (colon == 10 &&
				 strncasecmp((const char *)b + off, "user-agent", 10) == 0 &&
				 !out->user_agent[0])
				copy_cut(out->user_agent, sizeof out->user_agent, v, n - vs);
		}
		off = e + 1;
	}
	return VG_APPC_http_truncated;
}

int vg_http_parse_request(const uint8_t *b, size_t len, struct vg_app_http *out)
{
	size_t m = 0, u, e;

	while (m < len && m < 16 && b[m] >= 'A' && b[m] <= 'Z')
		m++;
	if (m == 0 || m >= 16 || m >= len || b[m] != ' ')
		return VG_APPC_http_bad_request;
	e = line_end(b, len, 0);
	if (e == len)
		return VG_APPC_http_truncated;
	if (e && b[e - 1] == '\r')
		e--;
	/* METHOD SP target SP HTTP/1.x */
	for (u = m + 1; u < e && b[u] != ' '; u++)
		;
	if (u == m + 1 || u + 1 + 8 != e || !is_version(b + u + 1, 8))
		return VG_APPC_http_bad_request;
	copy_cut(out->method, sizeof out->method, b, m);
	copy_cut(out->uri, sizeof out->uri, b + m + 1, u - m - 1);
	copy_cut(out->protocol, sizeof out->protocol, b + u + 1, 8);
	out->has_request = true;
	return read_fields(b, len, line_end(b, len, 0) + 1, out);
}

int vg_http_parse_response(const uint8_t *b, size_t len, struct vg_app_http *out)
{
	unsigned code = 0;

	/* HTTP/1.x SP 3DIGIT SP reason */
	if (len < 12 || !is_version(b, 8) || b[8] != ' ')
		return VG_APPC_http_bad_status;
	for (int i = 9; i < 12; i++) {
		if (b[i] < '0' || b[i] > '9')
			return VG_APPC_http_bad_status;
		code = code * 10 + (unsigned)(b[i] - '0');
	}
	if (len > 12 && b[12] != ' ' && b[12] != '\r' && b[12] != '\n')
		return VG_APPC_http_bad_status;
	out->status = (uint16_t)code;
	out->has_response = true;
	if (!out->protocol[0])
		copy_cut(out->protocol, sizeof out->protocol, b, 8);
	return 0;
}
