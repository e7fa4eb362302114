/*
 * pcap.c - classic libpcap files.
 *
 * Reference: https://www.tcpdump.org/manpages/pcap-savefile.5.html and
 * draft-ietf-opsawg-pcap. A 24-byte file header (magic, version, snaplen,
 * link type) then records of a 16-byte header (seconds, micro- or
 * nanoseconds, captured length, original length) and the captured bytes.
 * The magic's byte order gives the file's; 0xa1b23c4d marks nanoseconds.
 *
 * THREAT: every length comes from the file; a record's captured length is
 * checked against VG_CAPTURE_MAX_RECORD and against the bytes left before it
 * is used. Fractions >= 1 s (seen in fuzzed files) are kept as they are.
 */
#include <stddef.h>
#include <string.h>

#include "capture/capture_int.h"
#include "common/bytes.h"
#include "common/vg.h"

#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR  16

static int pcap_next(struct vg_capture *c, struct vg_pkt_rec *rec, bool may_refill)
{
	const uint8_t *h;
	uint32_t caplen, origlen, sec, frac;
	int rc = vg_capture_ensure(c, PCAP_REC_HDR, may_refill);

	if (rc != 1) {
		if (rc == 0 && c->win_len > c->pos)
			return vg_capture_fail(c, VG_ETRUNC,
					       "file ends inside a record header (%zu of %d bytes)",
					       c->win_len - c->pos, PCAP_REC_HDR);
		return rc;
	}
	h = c->win + c->pos;
	sec = vg_load32(h, c->swap);
	frac = vg_load32(h + 4, c->swap);
	caplen = vg_load32(h + 8, c->swap);
	origlen = vg_load32(h + 12, c->swap);
	if (caplen > VG_CAPTURE_MAX_RECORD)
		return vg_capture_fail(
		    c, VG_EFORMAT,
		    "captured length %u exceeds the %u-byte limit (corrupt record header)", caplen,
		    VG_CAPTURE_MAX_RECORD);
	rc = vg_capture_ensure(c, PCAP_REC_HDR + (size_t)caplen, may_refill);
	if (rc != 1) {
		if (rc == 0)
			return vg_capture_fail(c, VG_ETRUNC,
					       "record of %u bytes is cut off: file ends after %zu",
					       caplen, c->win_len - c->pos - PCAP_REC_HDR);
		return rc;
	}
	rec->data = c->win + c->pos + PCAP_REC_HDR;
	rec->caplen = caplen;
	rec->origlen = origlen < caplen ? caplen : origlen;
	rec->ts_ns = (uint64_t)sec * 1000000000u + (c->nsec ? frac : (uint64_t)frac * 1000u);
	rec->linktype = c->linktype;
	rec->ifindex = 0;
	c->pos += PCAP_REC_HDR + (size_t)caplen;
	return 1;
}

/* The common case in one tight loop: whole records in the window, caplen
 * within limits. Anything else (a refill, an error) is left to pcap_next. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-slp-vectorize")))
#endif
static unsigned
pcap_next_batch(struct vg_capture *c, struct vg_pkt_rec *recs, unsigned max)
{
	const uint8_t *h = c->win + c->pos;
	struct vg_pkt_rec *r = recs, *rend = recs + max;
	uint64_t mul = c->nsec ? 1 : 1000;
	int swap = c->swap;
	/* linktype and ifindex (0) side by side: one store a record. */
	struct {
		uint32_t linktype, ifindex;
	} link = {c->linktype, 0};
	/* The last address a record header may start at: a record fits when
	 * its header and data do, i.e. h + caplen <= last. */
	uintptr_t last;

	_Static_assert(offsetof(struct vg_pkt_rec, ifindex) ==
			   offsetof(struct vg_pkt_rec, linktype) + 4,
		       "ifindex follows linktype");
	if (c->win_len - c->pos < PCAP_REC_HDR)
		return 0;
	last = (uintptr_t)(c->win + c->win_len - PCAP_REC_HDR);
	while (r < rend && (uintptr_t)h <= last) {
		/* The mapped file streams in from the page cache: ask for the
		 * lines a few records ahead before we need them. */
		VG_PREFETCH(h + 1024);
		/* ... and the line holding the IP and transport headers, which
		 * decode reads next. */
		VG_PREFETCH(h + PCAP_REC_HDR + 48);
		uint32_t caplen = vg_load32(h + 8, swap), origlen = vg_load32(h + 12, swap);

		if (caplen > VG_CAPTURE_MAX_RECORD || (uintptr_t)h + caplen > last)
			break;
		r->data = h + PCAP_REC_HDR;
		r->caplen = caplen;
		r->origlen = origlen < caplen ? caplen : origlen;
		r->ts_ns =
		    (uint64_t)vg_load32(h, swap) * 1000000000u + vg_load32(h + 4, swap) * mul;
		memcpy(&r->linktype, &link, sizeof link);
		h += PCAP_REC_HDR + (size_t)caplen;
		r++;
	}
	c->pos = (size_t)(h - c->win);
	return (unsigned)(r - recs);
}

int vg_pcap_start(struct vg_capture *c)
{
	const uint8_t *h;
	uint32_t magic;
	int rc = vg_capture_ensure(c, PCAP_FILE_HDR, true);

	if (rc != 1)
		return rc < 0 ? rc
			      : vg_capture_fail(c, VG_ETRUNC,
						"file ends inside the 24-byte pcap file header");
	h = c->win + c->pos;
	magic = vg_load_le32(h);
	c->swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	c->nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	if (vg_load16(h + 4, c->swap) != 2)
		return vg_capture_fail(c, VG_EFORMAT, "pcap major version %u, expected 2",
				       vg_load16(h + 4, c->swap));
	c->snaplen = vg_load32(h + 16, c->swap);
	/* Bits 16-31 of the link-type field are reserved bits and FCS flags
	 * (draft-ietf-opsawg-pcap section 4); the link type is the low 16. */
	c->linktype = vg_load32(h + 20, c->swap) & 0xffff;
	c->fmt = VG_FMT_PCAP;
	c->next = pcap_next;
	c->next_batch = pcap_next_batch;
	c->pos += PCAP_FILE_HDR;
	return 0;
}
