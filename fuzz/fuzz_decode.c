/*
 * fuzz_decode.c - libFuzzer target: one packet for the decoders. The first
 * byte picks the link type, the rest is the packet, copied into a buffer of
 * exactly its size so any overread is caught by AddressSanitizer. The
 * packet is decoded twice, by vg_decode and by vg_decode_ref (no fast
 * paths): any difference in a field or a counter aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t links[] = {
	VG_LINK_ETHERNET, VG_LINK_RAW, VG_LINK_IPV4, VG_LINK_IPV6, VG_LINK_SLL,
	VG_LINK_SLL2, VG_LINK_NULL, VG_LINK_LOOP, VG_LINK_RAW_12, 999,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_decode_stats st = {0}, st_ref = {0};
	struct vg_pkt_rec rec = {0};
	struct vg_packet p, p_ref;
	uint8_t *copy;

	if (size < 1 || size > 70000)
		return 0;
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	rec.data = copy;
	rec.caplen = (uint32_t)(size - 1);
	/* Half the inputs claim a longer wire length (snaplen truncation). */
	rec.origlen = rec.caplen + ((data[0] & 0x80) ? 1000 : 0);
	rec.linktype = links[(data[0] & 0x7f) % (sizeof links / sizeof links[0])];
	/* The same garbage in both: a field written by one path only shows. */
	memset(&p, 0xa5, sizeof p);
	memset(&p_ref, 0xa5, sizeof p_ref);
	vg_decode(&st, &rec, &p);
	vg_decode_ref(&st_ref, &rec, &p_ref);
	free(copy);
	if (memcmp(&p, &p_ref, sizeof p) != 0 || memcmp(&st, &st_ref, sizeof st) != 0)
		abort();
	return 0;
}
