/*
 * cidr.c - parsing and matching address prefixes (see cidr.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/vg.h"

static int parse_one(struct vg_cidr *c, const char *item, char *errbuf, size_t errlen)
{
	char buf[128], *slash;
	unsigned maxbits;
	long bits;

	if (strlen(item) >= sizeof buf || !*item) {
		snprintf(errbuf, errlen, "\"%s\" is not an address or prefix", item);
		return VG_EINVAL;
	}
	strcpy(buf, item);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, buf, c->addr.b) == 1) {
		c->family = 4;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr.b) == 1) {
		c->family = 6;
		maxbits = 128;
	} else {
		snprintf(errbuf, errlen, "\"%s\" is not an IPv4 or IPv6 address", buf);
		return VG_EINVAL;
	}
	bits = maxbits;
	if (slash) {
		char *end;
		bits = strtol(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || bits < 0 || bits > (long)maxbits) {
			snprintf(errbuf, errlen, "\"%s\": prefix length must be 0 to %u", item,
				 maxbits);
			return VG_EINVAL;
		}
	}
	c->bits = (uint8_t)bits;
	for (int w = 0; w < 2; w++) {
		uint8_t m[8];
		for (int i = 0; i < 8; i++) {
			long left = bits - (w * 64 + i * 8);
			m[i] = left >= 8 ? 0xff : left <= 0 ? 0 : (uint8_t)(0xff << (8 - left));
		}
		memcpy(&c->mask[w], m, 8);
		memcpy(&c->want[w], c->addr.b + 8 * w, 8);
		c->want[w] &= c->mask[w];
	}
	return 0;
}

int vg_cidr_parse(struct vg_cidr_set *set, const char *text, char *errbuf, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *tok;
	int rc = 0;

	set->n = 0;
	if (!copy)
		return VG_ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (set->n >= VG_CIDR_MAX) {
			snprintf(errbuf, errlen, "more than %d prefixes", VG_CIDR_MAX);
			rc = VG_EINVAL;
			goto out;
		}
		rc = parse_one(&set->item[set->n], tok, errbuf, errlen);
		if (rc < 0)
			goto out;
		set->n++;
	}
out:
	free(copy);
	return rc;
}

bool vg_cidr_match(const struct vg_cidr_set *set, const struct vg_addr *a, int family)
{
	uint64_t w0, w1;

	memcpy(&w0, a->b, 8);
	memcpy(&w1, a->b + 8, 8);
	for (unsigned i = 0; i < set->n; i++) {
		const struct vg_cidr *c = &set->item[i];
		if (c->family == family && (w0 & c->mask[0]) == c->want[0] &&
		    (w1 & c->mask[1]) == c->want[1])
			return true;
	}
	return false;
}
