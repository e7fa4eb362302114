/*
 * eve_alert.c - reads one Suricata EVE JSON line as an alert (the
 * counterpart of eve.c, for `vigil import`): addresses, ports, protocol,
 * time and the alert's signature, category and severity. Parsing is
 * jansson's (Debian's libjansson-dev); this file only picks the fields.
 *
 * THREAT: the line is anything a file holds (another tool's output, a
 * truncated write, an attacker-chosen signature text): every field is
 * checked for type and range; text kept for the evidence is cut to its
 * buffer and limited to printable ASCII without quotes or backslashes,
 * so nothing from the file needs escaping downstream.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event/eve_alert.h"

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool uint_of(json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* Printable ASCII only, quotes and backslashes turned into apostrophes
 * and slashes; always terminated. */
static void clean_copy(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; src && *src && n + 1 < len; src++) {
		unsigned char c = (unsigned char)*src;
		dst[n++] = c == '"'                 ? '\''
			   : c == '\\'              ? '/'
			   : (c < 0x20 || c > 0x7e) ? '?'
						    : (char)c;
	}
	dst[n] = '\0';
}

/* "2019-08-21T18:16:47.841604+0000" (Suricata's layout) to ns since the
 * epoch; false if it is not that layout. The offset is applied. */
bool vg_eve_parse_time(const char *s, uint64_t *ns)
{
	struct tm tm;
	unsigned frac = 0, digits = 0;
	int off_h, off_m, sign;
	const char *p;
	int64_t secs;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 9) {
				frac = frac * 10 + (unsigned)(*p - '0');
				digits++;
			}
	while (digits < 9) {
		frac *= 10;
		digits++;
	}
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d%2d", &off_h, &off_m) != 2)
		return false;
	sign = *p == '-' ? -1 : 1;
	secs = (int64_t)timegm(&tm) - sign * (off_h * 3600 + off_m * 60);
	if (secs < 0)
		return false;
	*ns = (uint64_t)secs * 1000000000u + frac;
	return true;
}

static bool addr_of(const char *text, struct vg_addr *a, uint8_t *family)
{
	memset(a, 0, sizeof *a);
	if (text && inet_pton(AF_INET, text, a->b) == 1) {
		*family = 4;
		return true;
	}
	if (text && inet_pton(AF_INET6, text, a->b) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

static uint8_t proto_of(const char *name)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"TCP", 6}, {"UDP", 17}, {"ICMP", 1}, {"IPv6-ICMP", 58}, {"SCTP", 132}};

	for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i].name))
			return names[i].num;
	return 0;
}

int vg_eve_alert_parse(const char *line, size_t len, struct vg_eve_alert *out)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr), *alert;
	const char *type;
	uint64_t v;
	uint8_t fam2;
	int rc = VG_EVE_NOT_ALERT;

	memset(out, 0, sizeof out[0]);
	if (!root || !json_is_object(root)) {
		snprintf(out->why, sizeof out->why, "not a JSON object%s%s", root ? "" : ": ",
			 root ? "" : jerr.text);
		json_decref(root);
		return VG_EVE_BAD;
	}
	type = str(root, "event_type");
	if (!type || strcmp(type, "alert"))
		goto done;
	rc = VG_EVE_BAD;
	alert = json_object_get(root, "alert");
	if (!json_is_object(alert)) {
		snprintf(out->why, sizeof out->why, "alert: no \"alert\" object");
		goto done;
	}
	if (!str(root, "timestamp") || !vg_eve_parse_time(str(root, "timestamp"), &out->ts_ns)) {
		snprintf(out->why, sizeof out->why, "alert: bad or missing \"timestamp\"");
		goto done;
	}
	if (!addr_of(str(root, "src_ip"), &out->src, &out->family) ||
	    !addr_of(str(root, "dest_ip"), &out->dst, &fam2) || fam2 != out->family) {
		snprintf(out->why, sizeof out->why,
			 "alert: bad or missing \"src_ip\" or \"dest_ip\"");
		goto done;
	}
	if (uint_of(root, "src_port", 65535, &v))
		out->sport = (uint16_t)v;
	if (uint_of(root, "dest_port", 65535, &v))
		out->dport = (uint16_t)v;
	out->proto = proto_of(str(root, "proto"));
	if (!uint_of(alert, "signature_id", UINT32_MAX, &v)) {
		snprintf(out->why, sizeof out->why, "alert: bad or missing \"alert.signature_id\"");
		goto done;
	}
	out->sid = (uint32_t)v;
	out->gid = uint_of(alert, "gid", UINT32_MAX, &v) ? (uint32_t)v : 1;
	out->rev = uint_of(alert, "rev", UINT32_MAX, &v) ? (uint32_t)v : 0;
	out->severity = uint_of(alert, "severity", 255, &v) ? (uint8_t)v : 3;
	clean_copy(out->signature, sizeof out->signature, str(alert, "signature"));
	clean_copy(out->category, sizeof out->category, str(alert, "category"));
	rc = VG_EVE_ALERT;
done:
	json_decref(root);
	return rc;
}

const char *vg_eve_alert_kind(const char *category)
{
	static const struct {
		const char *category, *kind;
	} map[] = {
	    /* Suricata's classification.config texts */
	    {"A Network Trojan was detected", "malware.c2"},
	    {"Malware Command and Control Activity Detected", "malware.c2"},
	    {"Attempted Administrator Privilege Gain", "exploit.alert"},
	    {"Successful Administrator Privilege Gain", "exploit.alert"},
	    {"Attempted User Privilege Gain", "exploit.alert"},
	    {"Successful User Privilege Gain", "exploit.alert"},
	    {"Web Application Attack", "exploit.alert"},
	    {"Executable code was detected", "exploit.alert"},
	    {"Exploit Kit Activity Detected", "exploit.alert"},
	    {"Detection of a Network Scan", "scan.alert"},
	    {"Attempted Denial of Service", "flood.alert"},
	    {"Denial of Service", "flood.alert"},
	    {"Detection of a Denial of Service Attack", "flood.alert"},
	};

	for (size_t i = 0; category && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(category, map[i].category))
			return map[i].kind;
	return "alert";
}
