/*
 * mem.c - huge-page-friendly table allocation (see mem.h).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "common/mem.h"

#define HUGE (2u << 20)

static size_t round_up(size_t n)
{
	return (n + HUGE - 1) & ~(size_t)(HUGE - 1);
}

void *vg_table_alloc(size_t size)
{
	size_t len = round_up(size), map = len + HUGE;
	uint8_t *p, *aligned;

	if (size == 0 || len < size)
		return NULL;
	p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Keep the 2 MiB-aligned part, give back the ends. */
	aligned = (uint8_t *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	if (aligned + len < p + map)
		munmap(aligned + len, (size_t)(p + map - (aligned + len)));
	madvise(aligned, len, MADV_HUGEPAGE);
	return aligned;
}

void vg_table_free(void *p, size_t size)
{
	if (p)
		munmap(p, round_up(size));
}
