/*
 * detect.c - the table of detectors and the engine that runs them.
 *
 * Adding a detector is one file with a `const struct vg_detector` and one
 * line in vg_detectors[].
 */
#include <stdlib.h>

#include "common/vg.h"
#include "detect/detect.h"

extern const struct vg_detector vg_detector_scan;
extern const struct vg_detector vg_detector_bruteforce;
extern const struct vg_detector vg_detector_flood;

const struct vg_detector *const vg_detectors[] = {
    &vg_detector_scan,
    &vg_detector_bruteforce,
    &vg_detector_flood,
    NULL,
};

struct vg_detect {
	unsigned n;
	uint64_t next_attack_id;
	void *state[8];
};

int vg_detect_new(struct vg_detect **out, const struct vg_detect_config *cfg,
		  const struct vg_cidr_set *home, uint64_t seed, vg_attack_fn emit, void *arg)
{
	struct vg_detect *d = calloc(1, sizeof *d);
	struct vg_detect_env env = {cfg, home, seed, emit, arg, NULL};
	int rc = 0;

	*out = NULL;
	if (!d)
		return VG_ENOMEM;
	d->next_attack_id = 1;
	env.next_attack_id = &d->next_attack_id;
	for (; vg_detectors[d->n] && d->n < VG_ARRAY_LEN(d->state); d->n++) {
		const struct vg_detector *det = vg_detectors[d->n];
		d->state[d->n] = calloc(1, det->state_size);
		if (!d->state[d->n]) {
			rc = VG_ENOMEM;
			goto fail;
		}
		rc = det->init(d->state[d->n], &env);
		if (rc < 0) {
			free(d->state[d->n]);
			d->state[d->n] = NULL;
			goto fail;
		}
	}
	*out = d;
	return 0;
fail:
	vg_detect_free(d);
	return rc;
}

void vg_detect_packet(void *arg, const struct vg_packet *p, struct vg_flow *f, int dir)
{
	struct vg_detect *d = arg;
	unsigned want = f ? VG_DETECT_PKT_FLOW : VG_DETECT_PKT_NOFLOW;

	for (unsigned i = 0; i < d->n; i++)
		if ((vg_detectors[i]->wants & want) && vg_detectors[i]->on_packet)
			vg_detectors[i]->on_packet(d->state[i], p, f, dir);
}

unsigned vg_detect_wants(const struct vg_detect *d)
{
	unsigned w = 0;

	for (unsigned i = 0; i < d->n; i++)
		w |= vg_detectors[i]->wants;
	return w;
}

void vg_detect_flow_end(struct vg_detect *d, const struct vg_flow *f)
{
	for (unsigned i = 0; i < d->n; i++)
		if (vg_detectors[i]->on_flow_end)
			vg_detectors[i]->on_flow_end(d->state[i], f);
}

void vg_detect_tick(struct vg_detect *d, uint64_t now_ns)
{
	for (unsigned i = 0; i < d->n; i++)
		if (vg_detectors[i]->on_tick)
			vg_detectors[i]->on_tick(d->state[i], now_ns);
}

void vg_detect_free(struct vg_detect *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n; i++) {
		if (vg_detectors[i]->fini)
			vg_detectors[i]->fini(d->state[i]);
		free(d->state[i]);
	}
	free(d);
}
