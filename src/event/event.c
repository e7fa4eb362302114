/*
 * event.c - the table of event writers. Adding an output format is one new
 * file with a `const struct vg_writer_ops` and one line here.
 */
#include <string.h>

#include "event/event.h"

const struct vg_writer_ops *const vg_writers[] = {
    &vg_writer_eve,
    NULL,
};

const struct vg_writer_ops *vg_writer_find(const char *name)
{
	for (size_t i = 0; vg_writers[i]; i++)
		if (strcmp(vg_writers[i]->name, name) == 0)
			return vg_writers[i];
	return NULL;
}

void vg_attack_count_add(struct vg_attack_count *c, const char *kind)
{
	unsigned i;

	c->total++;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->kind[i], kind) == 0)
			break;
	if (i == c->n) {
		if (c->n == VG_ATTACK_KINDS_MAX)
			return; /* more kinds than the taxonomy has: total still counts */
		c->kind[c->n] = kind;
		c->count[c->n++] = 0;
	}
	c->count[i]++;
}
