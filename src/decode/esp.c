/*
 * esp.c - IPsec ESP header (RFC 4303 section 2): the Security Parameters
 * Index and sequence number; the rest is encrypted. The SPI takes the
 * place of ports in the flow key (high 16 bits as the source port, low 16
 * bits as the destination port), so that each security association is a
 * flow of its own, as Suricata keys ESP flows; the flow event writes it
 * back as `spi`.
 *
 * THREAT: only the 8-byte header is read, after a length check.
 */
#include "common/bytes.h"
#include "decode/decode.h"

int vg_esp_decode(struct vg_decode_stats *st, struct vg_packet *p, uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;
	uint32_t spi;

	if (p->caplen - off < 8 || len < 8)
		return VG_ANOM_ESP_TRUNCATED;
	st->esp++;
	spi = vg_load_be32(h);
	p->flags |= VG_PKT_SPI;
	p->l4_off = (uint16_t)off;
	p->sport = (uint16_t)(spi >> 16);
	p->dport = (uint16_t)spi;
	p->payload_off = (uint16_t)(off + 8);
	p->payload_len = (uint16_t)(len - 8);
	return VG_ANOM_NONE;
}
