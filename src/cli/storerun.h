/*
 * storerun.h - the store's side of a run (storerun.c), shared by `vigil
 * read` and `vigil import`.
 */
#ifndef VG_CLI_STORERUN_H
#define VG_CLI_STORERUN_H

#include "cli/pipeline.h"
#include "store/store.h"

struct vg_store_runner {
	struct vg_store *store;
	struct vg_store_capture *caps; /* one per input, packets filled by the caller */
	struct vg_store_run run;
	char *geo;
};

/* Hashes the inputs, opens the store at url and records the run. */
int vg_store_run_start(struct vg_store_runner *sr, const char *url, char **files, int nfiles,
		       char *err, size_t errlen);
/* A live run (vigil watch): one capture entry named `name` (live:IFACES);
 * the run key is random, as no two live runs see the same packets. */
int vg_store_run_start_live(struct vg_store_runner *sr, const char *url, const char *name,
			    char *err, size_t errlen);
/* Completes the run record from the context's counts; returns <0 with err
 * filled on a store error (during the run or now). */
int vg_store_run_finish(struct vg_store_runner *sr, struct vg_ctx *ctx, char *err, size_t errlen);
/* The summary's store lines: the URL, attacks stored new and already
 * there. */
void vg_store_run_print(const struct vg_ctx *ctx, const char *url, FILE *fp);
/* Frees what start allocated (not the store: vg_store_close). */
void vg_store_run_free(struct vg_store_runner *sr);

#endif
