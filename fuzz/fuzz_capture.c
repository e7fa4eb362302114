/*
 * fuzz_capture.c - libFuzzer target: arbitrary bytes as a capture file
 * through the whole pipeline (pcap/pcapng readers, every decoder, the flow
 * table with a tiny memcap so eviction runs, the detectors with small
 * tables, the EVE writer to /dev/null).
 */
#include <stddef.h>
#include <stdint.h>

#include "cli/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_settings set;
	struct vg_ctx *ctx;
	char err[1024];

	vg_settings_default(&set);
	set.flow.memcap = 4096; /* ~40 flows: exercise eviction */
	set.flow.hash_seed = 1;
	/* Small detector tables: eviction runs, and each input is fast. */
	set.detect.scan_sources = 256;
	set.detect.scan_suspects = 16;
	set.detect.brute_sources = 64;
	set.detect.flood_victims = 64;
	set.detect.update_s = 1; /* interim reports too */
	if (vg_ctx_new(&ctx, &set, "/dev/null", err, sizeof err) < 0)
		return 0;
	vg_ctx_read_mem(ctx, data, size, "fuzz", err, sizeof err);
	vg_ctx_finish(ctx, err, sizeof err);
	vg_ctx_free(ctx);
	return 0;
}
