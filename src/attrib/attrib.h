/*
 * attrib.h - the attrib stage: where each attack came from (country,
 * autonomous system) and how sure vigil is of its source address.
 *
 * Fifth stage, between detect and the writers: the pipeline calls
 * vg_attrib_attack() once per attack it emits (attacks are rare, so
 * nothing here is on the packet path) and hands the result beside the
 * attack to the writers (struct vg_attribution, the `src_geo`, `dest_geo`
 * and `attribution` objects of docs/EVENTS.md). Lookups go through a small
 * seeded direct-mapped cache keyed by address, so an attacker seen in many
 * attacks costs one database lookup.
 *
 * Databases (docs/CONFIG.md, geo.*): a country .mmdb (geo.c) and an ASN
 * source, either vigil's compiled range file or an ASN .mmdb (asn.c). Both
 * are optional: without them attacks carry no geo fields and the caller
 * gets one warning naming what is missing. Confidence needs no database
 * (confidence.c, bogon.c).
 */
#ifndef VG_ATTRIB_H
#define VG_ATTRIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/geo.h"
#include "common/vg.h"
#include "detect/detect.h"

/* Settings (config keys geo.country_db, geo.asn_db; cli/settings.c). An
 * empty path turns that lookup off without a warning. */
struct vg_attrib_config {
	char country_db[1024];
	char asn_db[1024];
};

#define VG_GEO_COUNTRY_DB_DEFAULT "data/geo/dbip-country.mmdb"
#define VG_GEO_ASN_DB_DEFAULT     "data/geo/asn.vgasn"

/* How sure vigil is that an attack's source address is the attacker's
 * (docs/EVENTS.md, `attribution`). Names by vg_confidence_name(). */
enum vg_confidence {
	VG_CONF_VERIFIED,   /* completed a TCP handshake: the address answered */
	VG_CONF_UNVERIFIED, /* only unsolicited packets: could be forged */
	VG_CONF_BOGON,      /* cannot be a real source from outside */
	VG_CONF_REFLECTOR,  /* an abused reflector, not the attacker */
	VG_CONF_COUNT
};

/* What the writers get beside each attack. */
struct vg_attribution {
	bool geo;               /* a database was loaded: src/dst below were looked up */
	struct vg_geo src, dst; /* members empty when unknown (and for bogons) */
	enum vg_confidence confidence;
	char reason[160];
};

const char *vg_confidence_name(enum vg_confidence c);
/* The confidence of an attack's source and the reason, from the attack
 * alone (kind, direction, technique, src_verified) and the bogon table. */
enum vg_confidence vg_attrib_confidence(const struct vg_attack *a, char *reason, size_t len);

struct vg_attrib;

/* No I/O: databases open on the first vg_attrib_load(). base_dir (or NULL)
 * is tried for relative paths not found from the working directory (the
 * repository root of a build tree's vigil). seed keys the cache hash. */
int vg_attrib_new(struct vg_attrib **out, const struct vg_attrib_config *cfg, const char *base_dir,
		  uint64_t seed);
/* The directory above the running executable's (build/vigil -> the
 * repository root), the usual base_dir; NULL if unknown. */
const char *vg_attrib_exe_base_dir(char *buf, size_t len);
/* Opens the databases the first time; later calls do nothing and return
 * 0. Returns 1 with warn filled (one line naming each file and what is
 * wrong, and how to get the data) if a configured database is missing or
 * unusable; vigil goes on without it. */
int vg_attrib_load(struct vg_attrib *at, char *warn, size_t warnlen);
/* True if the country or the ASN source is loaded. */
bool vg_attrib_has_geo(const struct vg_attrib *at);
/* What the databases say about an address, through the cache; NULL if no
 * database is loaded. The pointer is valid until the next lookup. */
const struct vg_geo *vg_attrib_lookup(struct vg_attrib *at, const struct vg_addr *a, int family);
/* The same without the cache (benchmark's cold path, `vigil geo`). */
void vg_attrib_lookup_uncached(const struct vg_attrib *at, const struct vg_addr *a, int family,
			       struct vg_geo *g);
/* Everything for one attack (loads the databases if not yet done; the
 * warning, if any, is kept for vg_attrib_take_warning). */
void vg_attrib_attack(struct vg_attrib *at, const struct vg_attack *a, struct vg_attribution *out);
/* The load warning once: non-NULL the first time after a load that warned. */
const char *vg_attrib_take_warning(struct vg_attrib *at);
/* `key: value` lines about the loaded databases (file, kind, dates) and the
 * credit their licences require, each key prefixed with prefix. */
void vg_attrib_describe(const struct vg_attrib *at, FILE *fp, const char *prefix);
/* Cache counters. */
uint64_t vg_attrib_cache_hits(const struct vg_attrib *at);
uint64_t vg_attrib_cache_misses(const struct vg_attrib *at);
/* Accepts NULL. */
void vg_attrib_free(struct vg_attrib *at);

#endif
