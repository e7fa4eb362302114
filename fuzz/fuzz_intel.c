/*
 * fuzz_intel.c - libFuzzer target: arbitrary bytes as a threat intelligence
 * file through vg_intel_load_mem() (src/intel/: format detection, the plain
 * list, abuse.ch CSV and STIX loaders, the tables), then lookups.
 *
 * Byte 0 picks the file name (a .json name forces the STIX loader) and a
 * small cap (max_indicators), so the cap path is reached too; the rest is
 * the file. Every indicator loaded must then be found again by its own
 * lookup (domains and JA3 by their text), and the counts must add up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intel/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"feed.txt", "feed.json", "feed.csv", "feed"};
	struct vg_intel_config cfg = {.max_indicators = 1000};
	struct vg_intel *in;
	struct vg_intel_source sum;
	struct vg_intel_hit h;
	char err[256];
	uint64_t loaded = 0;

	if (size < 1)
		return 0;
	if (data[0] & 4)
		cfg.max_indicators = 1 + (data[0] >> 3);
	if (vg_intel_new(&in, &cfg, 1) < 0)
		return 0;
	if (vg_intel_load_mem(in, data + 1, size - 1, names[data[0] & 3], err, sizeof err) < 0) {
		vg_intel_free(in);
		return 0;
	}
	vg_intel_totals(in, &sum);
	for (int t = 0; t < VG_INTEL_NTYPES; t++)
		loaded += sum.loaded[t];
	if (loaded != vg_intel_count(in) || vg_intel_count(in) > cfg.max_indicators)
		__builtin_trap();
	for (size_t i = 0; i < vg_intel_count(in); i++) {
		vg_intel_get(in, i, &h);
		size_t n = strlen(h.indicator);
		(void)strlen(h.family);
		if (h.type == VG_INTEL_DOMAIN && !vg_intel_match_domain(in, h.indicator, n, &h))
			__builtin_trap();
		if (h.type == VG_INTEL_JA3 && !vg_intel_match_ja3(in, h.indicator, &h))
			__builtin_trap();
	}
	{
		static const uint8_t a4[4] = {192, 0, 2, 1}, a6[16] = {0x20, 0x01, 0x0d, 0xb8};
		(void)vg_intel_match_addr(in, 4, a4, &h);
		(void)vg_intel_match_addr(in, 6, a6, &h);
		(void)vg_intel_match_domain(in, (const char *)data, size > 300 ? 300 : size, &h);
	}
	vg_intel_free(in);
	return 0;
}
