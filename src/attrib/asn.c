/*
 * asn.c - reading the compiled ASN range file (format in asn.h).
 *
 * The file is mapped read-only and checked once at open (sizes, order,
 * offsets): O(n) over about half a million ranges, about a millisecond.
 * A lookup is then a binary search over fixed-size records (about 19 steps
 * for the 412,000 IPv4 ranges of ip-location-db) with no allocation.
 * THREAT: the file comes from the local disk, but may be truncated or
 * garbage; every offset read at lookup time was bounded at open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/asn.h"
#include "common/bytes.h"

struct vg_asn {
	const uint8_t *base; /* the whole file */
	size_t len;
	bool mapped;
	uint32_t n4, n6, strings_len;
	const uint8_t *rec4, *rec6;
	const char *strings;
	uint64_t compiled_epoch;
	char source[64], data_date[16];
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* Compares two 16-byte network-order addresses: <0, 0, >0. */
static int cmp128(const uint8_t *a, const uint8_t *b)
{
	uint64_t ah = be64(a), bh = be64(b), al, bl;

	if (ah != bh)
		return ah < bh ? -1 : 1;
	al = be64(a + 8);
	bl = be64(b + 8);
	return al < bl ? -1 : al > bl;
}

static int check(struct vg_asn *t, const char *name, char *errbuf, size_t errlen)
{
	const uint8_t *h = t->base;
	uint64_t want;

	if (t->len < VG_ASN_HEADER_SIZE || memcmp(h, VG_ASN_MAGIC, 8) != 0) {
		snprintf(errbuf, errlen,
			 "%s: not a vigil ASN range file (expected the magic \"VGASN\" in a "
			 "%d-byte header; compile one with `vigil geo --compile-asn`)",
			 name, VG_ASN_HEADER_SIZE);
		return VG_EFORMAT;
	}
	if (vg_load_le32(h + 8) != VG_ASN_VERSION) {
		snprintf(errbuf, errlen, "%s: format version %u, expected %d (recompile it)", name,
			 vg_load_le32(h + 8), VG_ASN_VERSION);
		return VG_EFORMAT;
	}
	t->n4 = vg_load_le32(h + 12);
	t->n6 = vg_load_le32(h + 16);
	t->strings_len = vg_load_le32(h + 20);
	t->compiled_epoch = vg_load_le64(h + 24);
	want = VG_ASN_HEADER_SIZE + (uint64_t)t->n4 * VG_ASN_REC4_SIZE +
	       (uint64_t)t->n6 * VG_ASN_REC6_SIZE + t->strings_len;
	if (want != t->len) {
		snprintf(errbuf, errlen,
			 "%s: header announces %u IPv4 and %u IPv6 ranges and %u bytes of "
			 "names (%llu bytes), the file has %zu bytes (truncated or corrupt)",
			 name, t->n4, t->n6, t->strings_len, (unsigned long long)want, t->len);
		return VG_EFORMAT;
	}
	if (!memchr(h + 32, '\0', 64) || !memchr(h + 96, '\0', 16)) {
		snprintf(errbuf, errlen, "%s: header text fields are not terminated", name);
		return VG_EFORMAT;
	}
	memcpy(t->source, h + 32, 64);
	memcpy(t->data_date, h + 96, 16);
	t->rec4 = h + VG_ASN_HEADER_SIZE;
	t->rec6 = t->rec4 + (size_t)t->n4 * VG_ASN_REC4_SIZE;
	t->strings = (const char *)(t->rec6 + (size_t)t->n6 * VG_ASN_REC6_SIZE);
	if (t->strings_len == 0 || t->strings[t->strings_len - 1] != '\0') {
		snprintf(errbuf, errlen, "%s: the names table does not end with a NUL", name);
		return VG_EFORMAT;
	}
	for (uint32_t i = 0; i < t->n4; i++) {
		const uint8_t *r = t->rec4 + (size_t)i * VG_ASN_REC4_SIZE;
		uint32_t s = vg_load_le32(r), e = vg_load_le32(r + 4);
		if (s > e || (i && s <= vg_load_le32(r - VG_ASN_REC4_SIZE + 4)) ||
		    vg_load_le32(r + 12) >= t->strings_len) {
			snprintf(errbuf, errlen,
				 "%s: IPv4 range %u: reversed, out of order, overlapping or with "
				 "a name offset past the names table",
				 name, i);
			return VG_EFORMAT;
		}
	}
	for (uint32_t i = 0; i < t->n6; i++) {
		const uint8_t *r = t->rec6 + (size_t)i * VG_ASN_REC6_SIZE;
		if (cmp128(r, r + 16) > 0 || (i && cmp128(r, r - VG_ASN_REC6_SIZE + 16) <= 0) ||
		    vg_load_le32(r + 36) >= t->strings_len) {
			snprintf(errbuf, errlen,
				 "%s: IPv6 range %u: reversed, out of order, overlapping or with "
				 "a name offset past the names table",
				 name, i);
			return VG_EFORMAT;
		}
	}
	return 0;
}

int vg_asn_open_mem(struct vg_asn **out, const uint8_t *buf, size_t len, const char *name,
		    char *errbuf, size_t errlen)
{
	struct vg_asn *t = calloc(1, sizeof *t);
	int rc;

	*out = NULL;
	if (!t) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		return VG_ENOMEM;
	}
	t->base = buf;
	t->len = len;
	rc = check(t, name, errbuf, errlen);
	if (rc < 0) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int vg_asn_open(struct vg_asn **out, const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	void *map = MAP_FAILED;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		rc = VG_EIO;
		goto out;
	}
	if (st.st_size < VG_ASN_HEADER_SIZE) {
		snprintf(errbuf, errlen,
			 "%s: %lld bytes, shorter than the %d-byte header of a vigil ASN range "
			 "file (truncated or not one)",
			 path, (long long)st.st_size, VG_ASN_HEADER_SIZE);
		rc = VG_EFORMAT;
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(errbuf, errlen, "%s: mmap: %s", path, strerror(errno));
		rc = VG_EIO;
		goto out;
	}
	rc = vg_asn_open_mem(out, map, (size_t)st.st_size, path, errbuf, errlen);
	if (rc < 0) {
		munmap(map, (size_t)st.st_size);
		goto out;
	}
	(*out)->mapped = true;
out:
	close(fd);
	return rc;
}

int vg_asn_lookup(const struct vg_asn *t, const struct vg_addr *a, int family, uint32_t *asn,
		  const char **org)
{
	const uint8_t *r;
	uint32_t lo = 0, hi;

	/* Find the last range whose start is <= the address. */
	if (family == 4) {
		uint32_t x = vg_load_be32(a->b);
		hi = t->n4;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (vg_load_le32(t->rec4 + (size_t)mid * VG_ASN_REC4_SIZE) <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo)
			return 0;
		r = t->rec4 + (size_t)(lo - 1) * VG_ASN_REC4_SIZE;
		if (x > vg_load_le32(r + 4))
			return 0;
		*asn = vg_load_le32(r + 8);
		*org = t->strings + vg_load_le32(r + 12);
		return 1;
	}
	hi = t->n6;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cmp128(t->rec6 + (size_t)mid * VG_ASN_REC6_SIZE, a->b) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	r = t->rec6 + (size_t)(lo - 1) * VG_ASN_REC6_SIZE;
	if (cmp128(a->b, r + 16) > 0)
		return 0;
	*asn = vg_load_le32(r + 32);
	*org = t->strings + vg_load_le32(r + 36);
	return 1;
}

const char *vg_asn_source(const struct vg_asn *t)
{
	return t->source;
}

const char *vg_asn_data_date(const struct vg_asn *t)
{
	return t->data_date;
}

uint64_t vg_asn_compiled_epoch(const struct vg_asn *t)
{
	return t->compiled_epoch;
}

uint32_t vg_asn_count(const struct vg_asn *t, int family)
{
	return family == 4 ? t->n4 : t->n6;
}

void vg_asn_free(struct vg_asn *t)
{
	if (!t)
		return;
	if (t->mapped)
		munmap((void *)t->base, t->len);
	free(t);
}
