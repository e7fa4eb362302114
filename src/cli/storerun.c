/*
 * storerun.c - the store's side of one run of `vigil read` or `vigil
 * import`: the inputs' content hashes (the run key is the hash of them in
 * order, so the same inputs read again add nothing), the run record
 * before the first attack and completed after the last.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/storerun.h"
#include "common/hash.h"
#include "common/vg.h"

int vg_store_run_start(struct vg_store_runner *sr, const char *url, char **files, int nfiles,
		       char *err, size_t errlen)
{
	char *keys = malloc((size_t)nfiles * VG_HASH_HEX + 1), why[512];
	bool random_key = false;
	size_t n = 0;
	int rc;

	sr->caps = calloc((size_t)nfiles, sizeof *sr->caps);
	if (!keys || !sr->caps) {
		free(keys);
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	for (int i = 0; i < nfiles; i++) {
		struct vg_store_capture *c = &sr->caps[i];
		c->name = files[i];
		rc = vg_capture_hash(files[i], c->hash, &c->size, why, sizeof why);
		if (rc == VG_ENOTSUP) {
			fprintf(stderr,
				"vigil: warning: %s; its attacks are stored without "
				"deduplication\n",
				why);
			random_key = true;
		}
		if (rc < 0) /* unreadable: reading it reports why */
			vg_hash128_hex(files[i], strlen(files[i]), c->hash);
		n += (size_t)snprintf(keys + n, VG_HASH_HEX, "%s", c->hash);
	}
	vg_hash128_hex(keys, n, sr->run.key);
	if (random_key)
		snprintf(sr->run.key, sizeof sr->run.key, "%016" PRIx64 "%016" PRIx64,
			 vg_hash_seed_random(), vg_hash_seed_random());
	free(keys);
	sr->run.captures = sr->caps;
	sr->run.ncaptures = (size_t)nfiles;
	sr->run.version = VG_VERSION;
	sr->run.started_s = (uint64_t)time(NULL);
	rc = vg_store_open(&sr->store, url, false, err, errlen);
	if (rc == 0)
		rc = vg_store_run_begin(sr->store, &sr->run, err, errlen);
	return rc;
}

int vg_store_run_start_live(struct vg_store_runner *sr, const char *url, const char *name,
			    char *err, size_t errlen)
{
	int rc;

	sr->caps = calloc(1, sizeof *sr->caps);
	if (!sr->caps) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	sr->caps[0].name = name;
	snprintf(sr->caps[0].hash, sizeof sr->caps[0].hash, "%016" PRIx64 "%016" PRIx64,
		 vg_hash_seed_random(), vg_hash_seed_random());
	snprintf(sr->run.key, sizeof sr->run.key, "%016" PRIx64 "%016" PRIx64,
		 vg_hash_seed_random(), vg_hash_seed_random());
	sr->run.captures = sr->caps;
	sr->run.ncaptures = 1;
	sr->run.version = VG_VERSION;
	sr->run.started_s = (uint64_t)time(NULL);
	rc = vg_store_open(&sr->store, url, false, err, errlen);
	if (rc == 0)
		rc = vg_store_run_begin(sr->store, &sr->run, err, errlen);
	return rc;
}

int vg_store_run_finish(struct vg_store_runner *sr, struct vg_ctx *ctx, char *err, size_t errlen)
{
	size_t len = 0;
	FILE *fp;
	int rc;

	if (ctx->store_rc < 0) {
		snprintf(err, errlen, "%s", ctx->store_err);
		return ctx->store_rc;
	}
	if ((fp = open_memstream(&sr->geo, &len))) {
		vg_attrib_describe(ctx->attrib, fp, "");
		fclose(fp);
	}
	sr->run.packets = ctx->dec.packets;
	sr->run.first_ns = ctx->dec.packets ? ctx->first_ns : 0;
	sr->run.last_ns = ctx->last_ns;
	sr->run.attacks = ctx->attacks.total;
	sr->run.geo = sr->geo ? sr->geo : "";
	rc = vg_store_run_end(sr->store, &sr->run, err, errlen);
	return rc;
}

void vg_store_run_free(struct vg_store_runner *sr)
{
	free(sr->caps);
	free(sr->geo);
	sr->caps = NULL;
	sr->geo = NULL;
}

void vg_store_run_print(const struct vg_ctx *ctx, const char *url, FILE *fp)
{
	fprintf(fp,
		"store: %s\n  store.attacks_new: %" PRIu64
		"\n  store.attacks_already_stored: %" PRIu64 "\n",
		url, ctx->stored_new, ctx->stored_dup);
}
