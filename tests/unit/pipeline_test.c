/*
 * pipeline_test.c - settings changed while running (cli/reconfig.c,
 * vg_ctx_reconfigure): what applies, what waits for a restart, and that an
 * applied threshold changes what the detectors report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/pipeline.h"
#include "cli/settings.h"

#define HYDRA_SSH VG_SRCDIR "/tests/corpus/captures/hydra-ssh.pcap"

static struct vg_ctx *new_ctx(void)
{
	struct vg_settings s;
	struct vg_ctx *ctx;
	char err[256];

	vg_settings_default(&s);
	s.flow.hash_seed = 1;
	assert_int_equal(vg_ctx_new(&ctx, &s, NULL, err, sizeof err), 0);
	return ctx;
}

/* Attacks found in hydra-ssh.pcap (one brute-force run of ssh logins). */
static uint64_t read_hydra(struct vg_ctx *ctx)
{
	char err[256];

	assert_int_equal(vg_ctx_read_file(ctx, HYDRA_SSH, err, sizeof err), 0);
	assert_int_equal(vg_ctx_finish(ctx, err, sizeof err), 0);
	return ctx->attacks.total;
}

static void threshold_applies(void **state)
{
	struct vg_ctx *ctx = new_ctx();
	struct vg_settings fresh = ctx->set;
	unsigned applied, kept;
	FILE *log = tmpfile();

	(void)state;
	/* Control: the run has its attack with the defaults. */
	assert_int_equal(read_hydra(ctx), 1);
	vg_ctx_free(ctx);

	ctx = new_ctx();
	fresh = ctx->set;
	fresh.detect.brute_attempts = 100000;
	assert_int_equal(vg_ctx_reconfigure(ctx, &fresh, log, "test", &applied, &kept), 0);
	assert_int_equal(applied, 1);
	assert_int_equal(kept, 0);
	assert_int_equal(ctx->set.detect.brute_attempts, 100000);
	/* The detector reads the new threshold: no run reaches it. */
	assert_int_equal(read_hydra(ctx), 0);
	vg_ctx_free(ctx);
	fclose(log);
}

static void sizes_wait_for_restart(void **state)
{
	struct vg_ctx *ctx = new_ctx();
	struct vg_settings fresh = ctx->set;
	uint32_t before = ctx->set.detect.scan_sources;
	unsigned applied, kept;
	char text[512] = "";
	FILE *log = tmpfile();

	(void)state;
	fresh.detect.scan_sources = before * 2;
	fresh.detect.flood_on = 0;
	fresh.flow.memcap *= 2;
	fresh.detect.scan_idle_s = 77;
	snprintf(fresh.home_net, sizeof fresh.home_net, "%s", "198.51.100.0/24");
	assert_int_equal(vg_ctx_reconfigure(ctx, &fresh, log, "test", &applied, &kept), 0);
	assert_int_equal(applied, 2); /* scan idle, home_net */
	assert_int_equal(kept, 3);    /* the table size, the switch, the memcap */
	assert_int_equal(ctx->set.detect.scan_sources, before);
	assert_int_equal(ctx->set.detect.flood_on, 1);
	assert_int_equal(ctx->set.detect.scan_idle_s, 77);
	struct vg_addr a = {{198, 51, 100, 7}}, b = {{192, 168, 1, 1}};
	assert_true(vg_cidr_match(&ctx->home, &a, 4));
	assert_false(vg_cidr_match(&ctx->home, &b, 4));
	rewind(log);
	assert_true(fread(text, 1, sizeof text - 1, log) > 0);
	assert_non_null(strstr(text,
			       "test: config: detect.scan.sources 16384 -> 32768: takes effect "
			       "when vigil starts again (kept)"));
	assert_non_null(strstr(text, "test: config: detect.scan.idle 300 -> 77: applied"));
	vg_ctx_free(ctx);
	fclose(log);
}

static void bad_value_changes_nothing(void **state)
{
	struct vg_ctx *ctx = new_ctx();
	struct vg_settings fresh = ctx->set;
	unsigned applied, kept;
	FILE *log = tmpfile();

	(void)state;
	fresh.detect.brute_attempts = 3;
	snprintf(fresh.home_net, sizeof fresh.home_net, "%s", "not-a-network");
	assert_true(vg_ctx_reconfigure(ctx, &fresh, log, "test", &applied, &kept) < 0);
	assert_int_not_equal(ctx->set.detect.brute_attempts, 3);
	assert_string_not_equal(ctx->set.home_net, "not-a-network");
	vg_ctx_free(ctx);
	fclose(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(threshold_applies),
	    cmocka_unit_test(sizes_wait_for_restart),
	    cmocka_unit_test(bad_value_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
