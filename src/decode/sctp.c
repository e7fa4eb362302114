/*
 * sctp.c - SCTP common header (RFC 9260 section 3.1): source and
 * destination ports, verification tag, checksum. Only the ports are kept:
 * they make SCTP flows (as Suricata keys them). Chunks are not walked.
 *
 * THREAT: only the 12-byte header is read, after a length check.
 */
#include "common/bytes.h"
#include "decode/decode.h"

int vg_sctp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;

	if (p->caplen - off < 12 || len < 12)
		return VG_ANOM_SCTP_TRUNCATED;
	st->sctp++;
	p->flags |= VG_PKT_PORTS;
	p->l4_off = (uint16_t)off;
	p->sport = vg_load_be16(h);
	p->dport = vg_load_be16(h + 2);
	p->payload_off = (uint16_t)(off + 12);
	p->payload_len = (uint16_t)(len - 12);
	return VG_ANOM_NONE;
}
