/*
 * geo.c - country and ASN from .mmdb files through libmaxminddb (see geo.h).
 *
 * The database is mapped (MMDB_MODE_MMAP) and read in place; a lookup walks
 * the search tree (one node per address bit at most) and decodes a few
 * fields of the record. Record layouts tried, in this order: GeoLite2 /
 * GeoIP2 `country.iso_code`, then ip-location-db's flat `country_code`.
 * THREAT: the file is not attacker-controlled, but it may be truncated or
 * corrupt; libmaxminddb checks offsets against the mapped size and reports
 * MMDB_CORRUPT_SEARCH_TREE_ERROR / MMDB_INVALID_DATA_ERROR, which we pass on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>

#include "attrib/geo.h"

struct vg_mmdb {
	MMDB_s db;
	bool asn;          /* database_type names an ASN database: read the AS keys */
	bool flat_country; /* the last country found was `country_code`: try it first */
};

int vg_mmdb_open(struct vg_mmdb **out, const char *path, char *errbuf, size_t errlen)
{
	struct vg_mmdb *m;
	struct stat st;
	int status;

	*out = NULL;
	if (stat(path, &st) < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return VG_ENOMEM;
	}
	status = MMDB_open(path, MMDB_MODE_MMAP, &m->db);
	if (status != MMDB_SUCCESS) {
		snprintf(errbuf, errlen, "%s: not a usable MaxMind DB file: %s", path,
			 status == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(status));
		free(m);
		return status == MMDB_IO_ERROR ? VG_EIO : VG_EFORMAT;
	}
	/* Only ASN databases are asked for AS keys: a country lookup then
	 * decodes one path, not three (bench/geo.sh). */
	m->asn = m->db.metadata.database_type && strcasestr(m->db.metadata.database_type, "asn");
	*out = m;
	return 0;
}

void vg_geo_copy_utf8(char *dst, size_t dstlen, const char *src, size_t len)
{
	if (!dstlen)
		return;
	if (len >= dstlen) {
		len = dstlen - 1;
		/* Do not cut a multi-byte character: back up over continuation bytes. */
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Reads a string at the given path of the entry; 1 if found. */
static int get_string(MMDB_entry_s *e, char *dst, size_t dstlen, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return 0;
	vg_geo_copy_utf8(dst, dstlen, d.utf8_string, d.data_size);
	return 1;
}

int vg_mmdb_lookup(struct vg_mmdb *m, const struct vg_addr *a, int family, struct vg_geo *g)
{
	static const char *const iso_code[] = {"country", "iso_code", NULL};
	static const char *const country_code[] = {"country_code", NULL};
	static const char *const asn_num[] = {"autonomous_system_number", NULL};
	static const char *const asn_org[] = {"autonomous_system_organization", NULL};
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	MMDB_lookup_result_s res;
	MMDB_entry_data_s d;
	int status = 0;
	bool found = false;
	char cc[8];

	if (family == 4) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, a->b, 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, a->b, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	res = MMDB_lookup_sockaddr(&m->db, sa, &status);
	if (status != MMDB_SUCCESS)
		/* An IPv6 address in an IPv4-only database is simply not there. */
		return status == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR ? 0 : VG_EFORMAT;
	if (!res.found_entry)
		return 0;
	/* The layout that answered last is tried first. */
	if (get_string(&res.entry, cc, sizeof cc, m->flat_country ? country_code : iso_code))
		found = true;
	else if (get_string(&res.entry, cc, sizeof cc, m->flat_country ? iso_code : country_code)) {
		found = true;
		m->flat_country = !m->flat_country;
	}
	if (found && strlen(cc) == 2)
		memcpy(g->country, cc, 3);
	if (m->asn && MMDB_aget_value(&res.entry, &d, asn_num) == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			g->asn = d.uint32;
		else if (d.type == MMDB_DATA_TYPE_UINT16)
			g->asn = d.uint16;
		else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
			g->asn = (uint32_t)d.uint64;
		get_string(&res.entry, g->as_org, sizeof g->as_org, asn_org);
	}
	return 1;
}

uint64_t vg_mmdb_build_epoch(const struct vg_mmdb *m)
{
	return m->db.metadata.build_epoch;
}

const char *vg_mmdb_type(const struct vg_mmdb *m)
{
	return m->db.metadata.database_type ? m->db.metadata.database_type : "";
}

void vg_mmdb_free(struct vg_mmdb *m)
{
	if (!m)
		return;
	MMDB_close(&m->db);
	free(m);
}
