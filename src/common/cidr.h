/*
 * cidr.h - sets of address prefixes (the home network).
 *
 * Parsed from "10.0.0.0/8,fd00::/8,192.0.2.1" (a bare address is a /32 or
 * /128). Matching is a linear scan over precomputed masked words: home
 * networks are a handful of prefixes and the check runs per flow.
 */
#ifndef VG_CIDR_H
#define VG_CIDR_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vg.h"

#define VG_CIDR_MAX 64

struct vg_cidr {
	struct vg_addr addr;
	uint64_t want[2], mask[2]; /* the prefix as two masked words, for matching */
	uint8_t family;
	uint8_t bits;
};

struct vg_cidr_set {
	unsigned n;
	struct vg_cidr item[VG_CIDR_MAX];
};

/* The default home network: RFC 1918 and RFC 4193 (ULA) ranges. */
#define VG_HOME_NET_DEFAULT "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

int vg_cidr_parse(struct vg_cidr_set *set, const char *text, char *errbuf, size_t errlen);
bool vg_cidr_match(const struct vg_cidr_set *set, const struct vg_addr *a, int family);

#endif
