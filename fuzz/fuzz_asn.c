/*
 * fuzz_asn.c - libFuzzer target: bytes as a compiled ASN range file
 * (vg_asn_open_mem, then lookups at the ends of both address spaces and
 * in the middle) and as an ASN CSV for the compiler (vg_asn_compile).
 * The first byte picks which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/asn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];

	if (!size)
		return 0;
	if (data[0] & 1) {
		struct vg_asn *t;
		uint8_t *copy =
		    malloc(size - 1 ? size - 1 : 1); /* exact size: ASan sees overreads */
		if (!copy)
			return 0;
		memcpy(copy, data + 1, size - 1);
		if (vg_asn_open_mem(&t, copy, size - 1, "fuzz", err, sizeof err) == 0) {
			static const uint8_t probes[][16] = {{0},
							     {1, 2, 3, 4},
							     {255, 255, 255, 255},
							     {0x20, 0x01, 0x0d, 0xb8},
							     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
							      0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
							      0xff, 0xff, 0xff, 0xff}};
			for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
				struct vg_addr a;
				uint32_t asn;
				const char *org;
				memcpy(a.b, probes[i], 16);
				for (int fam = 4; fam <= 6; fam += 2)
					if (vg_asn_lookup(t, &a, fam, &asn, &org) > 0 &&
					    strlen(org) > 1 << 30)
						abort();
			}
			vg_asn_free(t);
		}
		free(copy);
		return 0;
	}
	{
		char in[] = "/tmp/vg-fuzz-asn-XXXXXX", out[64];
		const char *files[1] = {in};
		int fd = mkstemp(in);
		if (fd < 0)
			return 0;
		snprintf(out, sizeof out, "%s.vgasn", in);
		if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
			struct vg_asn *t;
			if (vg_asn_compile(out, files, 1, "fuzz", "", NULL, err, sizeof err) == 0) {
				/* What the compiler writes, the reader accepts. */
				if (vg_asn_open(&t, out, err, sizeof err) != 0)
					abort();
				vg_asn_free(t);
				unlink(out);
			}
		}
		close(fd);
		unlink(in);
	}
	return 0;
}
