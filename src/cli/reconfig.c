/*
 * reconfig.c - settings applied while running (vigil watch on SIGHUP).
 *
 * The caller reads the configuration again (the same --config files and
 * --set values, into fresh settings); vg_ctx_reconfigure compares them
 * key by key (the rows of cli/settings.c) with those in use and applies
 * what can change without losing state:
 *   - home_net (the detectors read the context's set in place);
 *   - detector thresholds, windows, idle times and allow-lists (each
 *     detector derives its values again: vg_detect_reconfigure);
 *   - geo.country_db and geo.asn_db (attribution opens them anew; its
 *     cache starts empty);
 *   - watch.* (the caller reads them from the context's set).
 * Table sizes and switches (detect.*.sources, .suspects, .victims,
 * .pairs, .enabled), flow.*, app.*, capture.*, store.url and
 * intel.max_indicators shape memory or threads made at start: a change
 * is reported as needing a restart and the old value stays. intel.path
 * is the caller's (it reloads the intelligence itself). Either every
 * applicable change is made or, on an error (a database that does not
 * open), none.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/pipeline.h"
#include "common/vg.h"

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* Whether a key may change while running. */
static bool live_key(const char *key)
{
	if (!strcmp(key, "home_net") || !strncmp(key, "geo.", 4) || !strncmp(key, "watch.", 6) ||
	    !strcmp(key, "intel.path"))
		return true;
	if (strncmp(key, "detect.", 7))
		return false;
	return !ends_with(key, ".sources") && !ends_with(key, ".suspects") &&
	       !ends_with(key, ".victims") && !ends_with(key, ".pairs") &&
	       !ends_with(key, ".enabled");
}

static size_t row_size(const struct vg_cfg_row *r)
{
	switch (r->type) {
	case VG_CFG_U32: return sizeof(uint32_t);
	case VG_CFG_U64:
	case VG_CFG_SIZE: return sizeof(uint64_t);
	default: return r->size;
	}
}

static void print_value(FILE *log, const struct vg_cfg_row *r, const void *base)
{
	const char *p = (const char *)base + r->offset;

	switch (r->type) {
	case VG_CFG_U32: fprintf(log, "%" PRIu32, *(const uint32_t *)(const void *)p); break;
	case VG_CFG_U64:
	case VG_CFG_SIZE: fprintf(log, "%" PRIu64, *(const uint64_t *)(const void *)p); break;
	default: fprintf(log, "\"%s\"", p); break;
	}
}

int vg_ctx_reconfigure(struct vg_ctx *ctx, const struct vg_settings *fresh, FILE *log,
		       const char *prog, unsigned *applied, unsigned *kept)
{
	struct vg_settings next = ctx->set;
	struct vg_cidr_set home;
	struct vg_attrib *attrib = NULL;
	bool geo_changed = false;
	char why[256];
	int rc;

	*applied = *kept = 0;
	for (size_t i = 0; i < vg_settings_nrows; i++) {
		const struct vg_cfg_row *r = &vg_settings_rows[i];
		const char *now = (const char *)&ctx->set + r->offset;
		const char *want = (const char *)fresh + r->offset;
		size_t n = row_size(r);
		bool differs =
		    r->type == VG_CFG_STR ? strncmp(now, want, n) != 0 : memcmp(now, want, n);
		if (!differs)
			continue;
		fprintf(log, "%s: config: %s ", prog, r->key);
		print_value(log, r, &ctx->set);
		fprintf(log, " -> ");
		print_value(log, r, fresh);
		if (live_key(r->key)) {
			memcpy((char *)&next + r->offset, want, n);
			if (!strncmp(r->key, "geo.", 4))
				geo_changed = true;
			fprintf(log, ": applied\n");
			++*applied;
		} else {
			fprintf(log, ": takes effect when vigil starts again (kept)\n");
			++*kept;
		}
	}
	/* Everything that can fail, before anything changes. */
	rc = vg_cidr_parse(&home, next.home_net, why, sizeof why);
	if (rc < 0) {
		fprintf(log, "%s: config: home_net: %s: nothing changed\n", prog, why);
		return rc;
	}
	if (geo_changed) {
		rc = vg_attrib_new(&attrib, &next.attrib, vg_attrib_exe_base_dir(why, sizeof why),
				   ctx->set.flow.hash_seed);
		if (rc < 0) {
			fprintf(log, "%s: config: attribution: %s: nothing changed\n", prog,
				vg_strerror(rc));
			return rc;
		}
	}
	/* Only the applied keys' bytes are written: a live sensor's worker
	 * threads read other settings (flow.*) meanwhile. */
	for (size_t i = 0; i < vg_settings_nrows; i++) {
		const struct vg_cfg_row *r = &vg_settings_rows[i];
		size_t n = row_size(r);
		if (memcmp((const char *)&ctx->set + r->offset, (const char *)&next + r->offset, n))
			memcpy((char *)&ctx->set + r->offset, (const char *)&next + r->offset, n);
	}
	ctx->home = home;
	if (attrib) {
		vg_attrib_free(ctx->attrib);
		ctx->attrib = attrib;
	}
	if (ctx->det)
		vg_detect_reconfigure(ctx->det);
	return 0;
}
