/*
 * mem.h - large zeroed tables for the hot path (flow records, buckets).
 *
 * Tables are mapped anonymously (zeroed, pages touched on first use, so
 * resident memory follows use) and aligned to 2 MiB with MADV_HUGEPAGE: a
 * hash table's random accesses otherwise miss the TLB on nearly every
 * packet. Where transparent huge pages are off, this is plain mmap.
 */
#ifndef VG_MEM_H
#define VG_MEM_H

#include <stddef.h>

/* Returns a zeroed table of size bytes, or NULL. */
void *vg_table_alloc(size_t size);
void vg_table_free(void *p, size_t size);

#endif
