/*
 * asn.h - autonomous system number and organisation of an address, from a
 * compact sorted range file that vigil maps and binary-searches.
 *
 * Part of the attrib stage. The file (".vgasn") is compiled once from the
 * CSV ranges of the npm package @ip-location-db/asn (start_ip,end_ip,asn,
 * org; RouteViews and DB-IP data, CC BY 4.0) by `vigil geo --compile-asn`,
 * run by scripts/geo-compile.sh after `make deps` fetched the CSVs. Layout
 * (all integers little-endian; docs/ARCHITECTURE.md):
 *
 *   0    magic "VGASN\r\n\032"
 *   8    u32 format version (1)      12  u32 n4 (IPv4 ranges)
 *   16   u32 n6 (IPv6 ranges)         20  u32 strings_len
 *   24   u64 compiled_epoch           32  char source[64]  (e.g. package@version)
 *   96   char data_date[16] (YYYY-MM-DD or "")   112 16 bytes reserved (0)
 *   128  n4 records: u32 start, u32 end, u32 asn, u32 org   (16 bytes)
 *        n6 records: u8 start[16], u8 end[16] (network order), u32 asn, u32 org (40 bytes)
 *        strings: NUL-terminated organisation names; org is an offset here
 *
 * Ranges are inclusive, sorted by start and disjoint within each family;
 * vg_asn_open checks all of it, so a lookup trusts the file.
 */
#ifndef VG_ASN_H
#define VG_ASN_H

#include <stddef.h>
#include <stdint.h>

#include "common/vg.h"

#define VG_ASN_MAGIC       "VGASN\r\n\032"
#define VG_ASN_VERSION     1
#define VG_ASN_HEADER_SIZE 128
#define VG_ASN_REC4_SIZE   16
#define VG_ASN_REC6_SIZE   40

struct vg_asn;

/* Maps and checks the file; errbuf names the file and the first fault. */
int vg_asn_open(struct vg_asn **out, const char *path, char *errbuf, size_t errlen);
/* The same from bytes in memory (tests, fuzzers); buf must outlive the
 * handle. name is used in errors. */
int vg_asn_open_mem(struct vg_asn **out, const uint8_t *buf, size_t len, const char *name,
		    char *errbuf, size_t errlen);
/* 1 and *asn, *org (a NUL-terminated string inside the file, "" if none)
 * if a range holds the address; 0 if none does. */
int vg_asn_lookup(const struct vg_asn *t, const struct vg_addr *a, int family, uint32_t *asn,
		  const char **org);
/* Header fields for `vigil geo` and the summary. */
const char *vg_asn_source(const struct vg_asn *t);
const char *vg_asn_data_date(const struct vg_asn *t);
uint64_t vg_asn_compiled_epoch(const struct vg_asn *t);
uint32_t vg_asn_count(const struct vg_asn *t, int family);
/* Accepts NULL. */
void vg_asn_free(struct vg_asn *t);

/* What a compile did. */
struct vg_asn_report {
	size_t n4, n6, names; /* ranges by family, distinct organisation names */
	size_t clipped;       /* ranges cut where a later one overlapped them */
	char first_clip[512]; /* the first such overlap, with files and lines */
};

/* Compiles CSV files of ranges (start_ip,end_ip,asn,org; IPv4 and IPv6 in
 * any mix) into a range file at out_path (written to out_path.tmp, then
 * renamed). Strict: a bad line is an error naming the file and line number;
 * so is a range inside another. A partial overlap is resolved in favour of
 * the range that starts later and counted in rep (may be NULL). source and
 * data_date go into the header. */
int vg_asn_compile(const char *out_path, const char *const *csv, size_t ncsv, const char *source,
		   const char *data_date, struct vg_asn_report *rep, char *errbuf, size_t errlen);

#endif
