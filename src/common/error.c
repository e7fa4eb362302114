/*
 * error.c - words for vigil's error codes.
 */
#include "common/vg.h"

const char *vg_strerror(int err)
{
	switch (err) {
	case VG_OK: return "success";
	case VG_ENOMEM: return "out of memory";
	case VG_EIO: return "input/output error";
	case VG_EFORMAT: return "bad format";
	case VG_ETRUNC: return "truncated input";
	case VG_EINVAL: return "invalid argument";
	case VG_ENOTSUP: return "not supported";
	case VG_ENOENT: return "not found";
	}
	return "unknown error";
}
