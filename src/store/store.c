/*
 * store.c - the table of store backends, the URL that picks one, and what
 * every backend shares: dimension names, the service of an attack, days.
 *
 * A URL is "scheme:rest"; the scheme names a row of vg_stores[]. A bare
 * path (no known scheme, e.g. "reports/vigil.db") is a SQLite file, so
 * `--store x.db` does what a user expects.
 */
#include <stdio.h>
#include <string.h>

#include "common/vg.h"
#include "event/event.h"
#include "store/store.h"

const struct vg_store_ops *const vg_stores[] = {
    &vg_store_sqlite,
    &vg_store_clickhouse,
    NULL,
};

int vg_store_open(struct vg_store **out, const char *url, bool readonly, char *err, size_t errlen)
{
	const char *colon = strchr(url, ':');

	*out = NULL;
	if (!url[0]) {
		snprintf(err, errlen,
			 "store: empty URL (expected sqlite:PATH or clickhouse://HOST:PORT/DB)");
		return VG_EINVAL;
	}
	for (size_t i = 0; colon && vg_stores[i]; i++) {
		size_t n = strlen(vg_stores[i]->scheme);
		if ((size_t)(colon - url) == n && !strncmp(url, vg_stores[i]->scheme, n)) {
			if (!colon[1]) {
				snprintf(err, errlen, "store %s: no location after '%s:'", url,
					 vg_stores[i]->scheme);
				return VG_EINVAL;
			}
			return vg_stores[i]->open(out, colon + 1, readonly, err, errlen);
		}
	}
	/* "clickhouse://..." and other schemes with "//" are not paths. */
	if (colon && colon[1] == '/' && colon[2] == '/') {
		snprintf(err, errlen, "store %s: unknown scheme (known: sqlite, clickhouse)", url);
		return VG_EINVAL;
	}
	return vg_store_sqlite.open(out, url, readonly, err, errlen);
}

int vg_store_close(struct vg_store *s, char *err, size_t errlen)
{
	if (!s)
		return 0;
	return s->ops->close(s, err, errlen);
}

static const char *const dim_names[VG_DIM_COUNT] = {
    [VG_DIM_COUNTRY] = "country",
    [VG_DIM_ASN] = "asn",
    [VG_DIM_KIND] = "kind",
    [VG_DIM_TARGET] = "target",
    [VG_DIM_PORT] = "port",
    [VG_DIM_SERVICE] = "service",
    [VG_DIM_ATTACKER] = "attacker",
    [VG_DIM_DAY] = "day",
    [VG_DIM_MONTH] = "month",
    [VG_DIM_YEAR] = "year",
    [VG_DIM_CONFIDENCE] = "confidence",
    [VG_DIM_TOOL] = "tool",
    [VG_DIM_DIRECTION] = "direction",
};

const char *vg_dim_name(enum vg_dim d)
{
	return (unsigned)d < VG_DIM_COUNT ? dim_names[d] : "?";
}

int vg_dim_parse(const char *name)
{
	for (int d = 0; d < VG_DIM_COUNT; d++)
		if (!strcmp(name, dim_names[d]))
			return d;
	return -1;
}

/* Well-known services by port (IANA service names, shortened where the
 * detectors use a shorter one: smtp for submission and smtps). */
static const struct {
	uint16_t port;
	const char *name;
} services[] = {
    {19, "chargen"},    {21, "ftp"},     {22, "ssh"},          {23, "telnet"},
    {25, "smtp"},       {53, "dns"},     {80, "http"},         {110, "pop3"},
    {111, "rpcbind"},   {123, "ntp"},    {135, "msrpc"},       {137, "netbios"},
    {139, "netbios"},   {143, "imap"},   {161, "snmp"},        {389, "ldap"},
    {443, "https"},     {445, "smb"},    {465, "smtp"},        {500, "ike"},
    {587, "smtp"},      {993, "imap"},   {995, "pop3"},        {1433, "mssql"},
    {1900, "ssdp"},     {3306, "mysql"}, {3389, "rdp"},        {5060, "sip"},
    {5432, "postgres"}, {5900, "vnc"},   {6379, "redis"},      {8000, "http"},
    {8080, "http"},     {8443, "https"}, {11211, "memcached"}, {25565, "minecraft"},
};

uint16_t vg_store_port(const struct vg_attack *a)
{
	return a->ports == 1 && a->n_ports >= 1 ? a->port_list[0] : 0;
}

const char *vg_store_service(const struct vg_attack *a)
{
	uint16_t port = vg_store_port(a);

	if (!strncmp(a->kind, "bruteforce.", 11))
		return a->kind + 11;
	for (size_t i = 0; port && i < VG_ARRAY_LEN(services); i++)
		if (services[i].port == port)
			return services[i].name;
	return "";
}

void vg_store_attacker(char *buf, size_t len, const struct vg_attack *a)
{
	if (vg_addr_unspecified(&a->src))
		snprintf(buf, len, "%s", "");
	else
		vg_format_addr(buf, len, &a->src, a->family);
}

int64_t vg_store_day(uint64_t ns)
{
	return (int64_t)(ns / 86400000000000ull);
}

/* Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int vg_store_parse_day(const char *text, int64_t *day)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, m, d;
	int n = 0;

	if (sscanf(text, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 || text[n] ||
	    text[4] != '-' || text[7] != '-')
		return VG_EINVAL;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return VG_EINVAL;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return VG_EINVAL;
	*day = days_from_civil(y, m, d);
	return 0;
}
