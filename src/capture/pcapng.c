/*
 * pcapng.c - pcapng files.
 *
 * Reference: draft-ietf-opsawg-pcapng (the PCAP Next Generation dump file
 * format). A file is a sequence of sections; each starts with a section
 * header block whose byte-order magic gives the byte order of every block
 * in it, and numbers its interfaces from 0 in the order of their interface
 * description blocks (IDB). Packets come in enhanced (EPB, type 6), simple
 * (SPB, type 3, always interface 0) and obsolete packet blocks (type 2).
 * Every other block type is skipped by its length.
 *
 * Timestamps are in units of the interface's if_tsresol (10^-n or 2^-n s,
 * default 10^-6), plus its if_tsoffset in seconds.
 *
 * THREAT: every length and index comes from the file. Block lengths are
 * checked (>= 12, multiple of 4, <= VG_CAPTURE_MAX_RECORD, trailer equal to
 * header) before the body is read; option walks stay inside the body;
 * interface ids are checked against the IDBs seen in the section.
 */
#include "capture/capture_int.h"
#include "common/bytes.h"
#include "common/vg.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_OPB 2u
#define BT_SPB 3u
#define BT_EPB 6u
#define BOM    0x1a2b3c4du

#define OPT_ENDOFOPT    0
#define OPT_IF_TSRESOL  9
#define OPT_IF_TSOFFSET 14

static void iface_default_ts(struct pcapng_iface *ifc)
{
	ifc->ts_pow2 = false;
	ifc->ts_mul = 1000; /* microseconds */
	ifc->ts_div = 1;
	ifc->ts_shift = 0;
	ifc->ts_offset_s = 0;
}

static int set_tsresol(struct vg_capture *c, struct pcapng_iface *ifc, uint8_t v)
{
	unsigned n = v & 0x7f;

	if (v & 0x80) {
		/* 2^-n seconds; beyond 2^-63 the unit is below any clock. */
		if (n > 63)
			return vg_capture_fail(c, VG_EFORMAT, "if_tsresol 2^-%u is out of range",
					       n);
		ifc->ts_pow2 = true;
		ifc->ts_shift = (uint8_t)n;
		return 0;
	}
	if (n > 19)
		return vg_capture_fail(c, VG_EFORMAT, "if_tsresol 10^-%u is out of range", n);
	ifc->ts_pow2 = false;
	ifc->ts_mul = 1;
	ifc->ts_div = 1;
	for (; n < 9; n++)
		ifc->ts_mul *= 10;
	for (; n > 9; n--)
		ifc->ts_div *= 10;
	return 0;
}

static uint64_t ts_to_ns(const struct pcapng_iface *ifc, uint64_t units)
{
	__uint128_t ns;

	if (ifc->ts_pow2)
		ns = ((__uint128_t)units * 1000000000u) >> ifc->ts_shift;
	else
		ns = (__uint128_t)units * ifc->ts_mul / ifc->ts_div;
	ns += (__int128)ifc->ts_offset_s * 1000000000;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

/* Walks the options of an IDB body (starting at opt, ending at end). */
static int parse_idb_options(struct vg_capture *c, struct pcapng_iface *ifc, const uint8_t *opt,
			     const uint8_t *end)
{
	int swap = c->ng_be;

	while (end - opt >= 4) {
		uint16_t code = vg_load16(opt, swap);
		uint16_t len = vg_load16(opt + 2, swap);
		size_t padded = ((size_t)len + 3u) & ~(size_t)3u;

		if (code == OPT_ENDOFOPT)
			break;
		if ((size_t)(end - opt - 4) < padded)
			return vg_capture_fail(c, VG_EFORMAT,
					       "IDB option %u of length %u runs past the block",
					       code, len);
		if (code == OPT_IF_TSRESOL && len >= 1) {
			int rc = set_tsresol(c, ifc, opt[4]);
			if (rc < 0)
				return rc;
		} else if (code == OPT_IF_TSOFFSET && len >= 8) {
			uint64_t v =
			    swap ? (uint64_t)vg_load_be32(opt + 4) << 32 | vg_load_be32(opt + 8)
				 : vg_load_le64(opt + 4);
			ifc->ts_offset_s = (int64_t)v;
		}
		opt += 4 + padded;
	}
	return 0;
}

static int parse_shb(struct vg_capture *c, const uint8_t *b, uint32_t total)
{
	int swap = c->ng_be;
	uint16_t major;

	if (total < 28)
		return vg_capture_fail(c, VG_EFORMAT,
				       "section header block length %u is shorter than 28", total);
	major = vg_load16(b + 12, swap);
	if (major != 1)
		return vg_capture_fail(c, VG_ENOTSUP, "pcapng major version %u, expected 1", major);
	c->n_ifaces = 0; /* interfaces are numbered per section */
	return 0;
}

static int parse_idb(struct vg_capture *c, const uint8_t *b, uint32_t total)
{
	struct pcapng_iface *ifc;
	int swap = c->ng_be;

	if (total < 20)
		return vg_capture_fail(c, VG_EFORMAT,
				       "interface description block length %u is shorter than 20",
				       total);
	if (c->n_ifaces >= PCAPNG_MAX_IFACES)
		return vg_capture_fail(c, VG_ENOTSUP, "more than %d interfaces in one section",
				       PCAPNG_MAX_IFACES);
	ifc = &c->ifaces[c->n_ifaces];
	ifc->linktype = vg_load16(b + 8, swap);
	ifc->snaplen = vg_load32(b + 12, swap);
	iface_default_ts(ifc);
	if (parse_idb_options(c, ifc, b + 16, b + total - 4) < 0)
		return VG_EFORMAT;
	c->n_ifaces++;
	return 0;
}

static const struct pcapng_iface *iface(struct vg_capture *c, uint32_t id)
{
	if (id >= c->n_ifaces) {
		vg_capture_fail(c, VG_EFORMAT,
				"packet block names interface %u but the section has %u", id,
				c->n_ifaces);
		return NULL;
	}
	return &c->ifaces[id];
}

/* Fills rec from a packet block; returns 1, or <0 if the block is corrupt. */
static int parse_packet(struct vg_capture *c, uint32_t type, const uint8_t *b, uint32_t total,
			struct vg_pkt_rec *rec)
{
	int swap = c->ng_be;
	uint32_t body = total - 12; /* between the length fields */
	const struct pcapng_iface *ifc;
	uint32_t id, caplen, origlen, hdr;
	uint64_t units;

	if (type == BT_SPB) {
		if (body < 4)
			return vg_capture_fail(c, VG_EFORMAT, "simple packet block too short (%u)",
					       total);
		if (!(ifc = iface(c, 0)))
			return VG_EFORMAT;
		id = 0;
		origlen = vg_load32(b + 8, swap);
		caplen = body - 4;
		if (origlen < caplen)
			caplen = origlen; /* the rest is padding */
		if (ifc->snaplen && caplen > ifc->snaplen)
			caplen = ifc->snaplen;
		hdr = 4;
		units = 0; /* SPBs carry no timestamp: see below */
	} else {
		if (body < 20)
			return vg_capture_fail(c, VG_EFORMAT, "packet block too short (%u)", total);
		if (type == BT_EPB) {
			id = vg_load32(b + 8, swap);
		} else {
			id = vg_load16(b + 8, swap);
		}
		if (!(ifc = iface(c, id)))
			return VG_EFORMAT;
		units = (uint64_t)vg_load32(b + 12, swap) << 32 | vg_load32(b + 16, swap);
		caplen = vg_load32(b + 20, swap);
		origlen = vg_load32(b + 24, swap);
		hdr = 20;
		if (caplen > body - hdr)
			return vg_capture_fail(
			    c, VG_EFORMAT,
			    "captured length %u runs past the block (%u bytes of data)", caplen,
			    body - hdr);
	}
	rec->data = b + 8 + hdr;
	rec->caplen = caplen;
	rec->origlen = origlen < caplen ? caplen : origlen;
	/* A simple packet block has no time; it gets the time of the packet
	 * before it, so that it neither moves the capture's span to 1970 nor
	 * breaks time-driven expiry. */
	rec->ts_ns = type == BT_SPB ? c->ng_last_ts : ts_to_ns(ifc, units);
	c->ng_last_ts = rec->ts_ns;
	rec->linktype = ifc->linktype;
	rec->ifindex = id;
	return 1;
}

static int pcapng_next(struct vg_capture *c, struct vg_pkt_rec *rec, bool may_refill)
{
	for (;;) {
		const uint8_t *b;
		uint32_t type, total;
		int rc = vg_capture_ensure(c, 12, may_refill);

		if (rc != 1) {
			if (rc == 0 && c->win_len > c->pos)
				return vg_capture_fail(
				    c, VG_ETRUNC,
				    "file ends inside a block header (%zu bytes left)",
				    c->win_len - c->pos);
			return rc;
		}
		b = c->win + c->pos;
		type = vg_load_le32(b);
		if (type == BT_SHB) {
			uint32_t bom = vg_load_le32(b + 8);
			if (bom == BOM)
				c->ng_be = false;
			else if (bom == __builtin_bswap32(BOM))
				c->ng_be = true;
			else
				return vg_capture_fail(
				    c, VG_EFORMAT,
				    "section header with bad byte-order magic 0x%08x", bom);
		} else {
			type = vg_load32(b, c->ng_be);
		}
		total = vg_load32(b + 4, c->ng_be);
		if (total < 12 || total % 4)
			return vg_capture_fail(
			    c, VG_EFORMAT, "block length %u is not a multiple of 4 of at least 12",
			    total);
		if (total > VG_CAPTURE_MAX_RECORD)
			return vg_capture_fail(c, VG_EFORMAT,
					       "block length %u exceeds the %u-byte limit", total,
					       VG_CAPTURE_MAX_RECORD);
		rc = vg_capture_ensure(c, total, may_refill);
		if (rc != 1) {
			if (rc == 0)
				return vg_capture_fail(
				    c, VG_ETRUNC,
				    "block of %u bytes is cut off: file ends after %zu", total,
				    c->win_len - c->pos);
			return rc;
		}
		b = c->win + c->pos;
		if (vg_load32(b + total - 4, c->ng_be) != total)
			return vg_capture_fail(
			    c, VG_EFORMAT, "block trailer length %u differs from its header (%u)",
			    vg_load32(b + total - 4, c->ng_be), total);
		switch (type) {
		case BT_SHB: rc = parse_shb(c, b, total); break;
		case BT_IDB: rc = parse_idb(c, b, total); break;
		case BT_EPB:
		case BT_SPB:
		case BT_OPB: rc = parse_packet(c, type, b, total, rec); break;
		default: rc = 0; /* NRB, ISB, DSB, custom and unknown blocks */
		}
		if (rc < 0)
			return rc;
		c->pos += total;
		if (rc == 1)
			return 1;
	}
}

int vg_pcapng_start(struct vg_capture *c)
{
	c->fmt = VG_FMT_PCAPNG;
	c->next = pcapng_next;
	c->n_ifaces = 0;
	return 0;
}
