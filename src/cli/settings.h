/*
 * settings.h - every setting of a vigil run, its config key, default,
 * range and meaning (the table in settings.c; docs/CONFIG.md lists it).
 */
#ifndef VG_SETTINGS_H
#define VG_SETTINGS_H

#include <stddef.h>

#include "app/app.h"
#include "attrib/attrib.h"
#include "common/config.h"
#include "detect/detect.h"
#include "flow/flow.h"
#include "intel/intel.h"

struct vg_settings {
	char home_net[1024];
	struct vg_flow_config flow;
	struct vg_detect_config detect;
	struct vg_attrib_config attrib;
	struct vg_app_config app;
	char store_url[1024];         /* store.url: where `vigil read` keeps attacks; "" none */
	struct vg_intel_config intel; /* intel.path, intel.max_indicators */
	/* vigil watch (capture/live.c) */
	uint64_t capture_block_size;
	uint32_t capture_blocks;
	uint32_t capture_block_timeout_ms;
	uint32_t capture_promisc;
	uint32_t stats_interval_s;
	uint64_t eve_rotate_size;     /* bytes; 0: never */
	uint32_t eve_rotate_interval; /* seconds; 0: never */
};

extern const struct vg_cfg_row vg_settings_rows[];
extern const size_t vg_settings_nrows;

void vg_settings_default(struct vg_settings *s);
/* Applies a command's --config files, in order, then its --set KEY=VALUE
 * options (each string is cut at its '='). On a bad file, line, key or
 * value prints "PROG: config: ..." or "PROG: --set ..." on stderr and
 * returns -1 (a usage error). */
int vg_settings_apply_args(struct vg_settings *s, const char *prog, char *const *configs,
			   int nconfigs, char *const *sets, int nsets);

#endif
