/*
 * vg.h - error codes and small helpers every stage of vigil shares.
 *
 * Functions that can fail return int: 0 on success, a negative VG_E* code on
 * failure, and fill an out parameter. vg_strerror() turns a code into words.
 * Readers return >0 for a record, 0 at the end and <0 on error.
 */
#ifndef VG_VG_H
#define VG_VG_H

#include <stddef.h>
#include <stdint.h>

enum vg_err {
	VG_OK = 0,
	VG_ENOMEM = -1,  /* an allocation failed */
	VG_EIO = -2,     /* a read or write failed; errno says why */
	VG_EFORMAT = -3, /* input is not in the expected format */
	VG_ETRUNC = -4,  /* input ended in the middle of a record */
	VG_EINVAL = -5,  /* a bad argument or configuration value */
	VG_ENOTSUP = -6, /* valid input we do not handle (e.g. a link type) */
	VG_ENOENT = -7,  /* a file or key does not exist */
};

const char *vg_strerror(int err);

/* A network address: IPv4 in the first 4 bytes and the rest zero, or IPv6. */
struct vg_addr {
	uint8_t b[16];
};

/* The unspecified address (0.0.0.0 or ::): all zero. An attack's src_ip
 * holds it when its attacker is not known (malware.dga before a
 * generated name resolves); the store keeps no attacker for it. */
static inline int vg_addr_unspecified(const struct vg_addr *a)
{
	uint8_t any = 0;

	for (unsigned i = 0; i < sizeof a->b; i++)
		any |= a->b[i];
	return !any;
}

#define VG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define VG_LIKELY(x)     __builtin_expect(!!(x), 1)
#define VG_UNLIKELY(x)   __builtin_expect(!!(x), 0)
#define VG_PREFETCH(p)   __builtin_prefetch(p)
#define VG_PREFETCH_W(p) __builtin_prefetch(p, 1)        /* a line about to be written */
#define VG_COLD          __attribute__((cold, noinline)) /* rare paths out of hot loops */
#if defined(__clang__)
#define VG_PREFETCHER __attribute__((noinline))
#else
/* A function that only prefetches: gcc's interprocedural passes find it
 * free of side effects (a prefetch does not count) and drop its calls,
 * or the part of it they split off (seen with LTO). */
#define VG_PREFETCHER __attribute__((noipa))
#endif
#else
#define VG_PREFETCHER
#define VG_COLD
#define VG_LIKELY(x)     (x)
#define VG_UNLIKELY(x)   (x)
#define VG_PREFETCH(p)   ((void)(p))
#define VG_PREFETCH_W(p) ((void)(p))
#endif

#endif
