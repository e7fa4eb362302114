/*
 * fuzz_eve.c - libFuzzer target: arbitrary bytes as one EVE JSON line
 * through the alert reader of `vigil import` (src/event/eve_alert.c), and
 * the kind mapping of whatever category it yields.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event/eve_alert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_eve_alert al;

	if (vg_eve_alert_parse((const char *)data, size, &al) == VG_EVE_ALERT) {
		(void)vg_eve_alert_kind(al.category);
		if (strlen(al.signature) >= sizeof al.signature ||
		    strlen(al.category) >= sizeof al.category)
			__builtin_trap(); /* the copies are always terminated */
	}
	return 0;
}
