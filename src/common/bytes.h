/*
 * bytes.h - unaligned, endian-explicit loads from wire and file bytes.
 *
 * Packet and file bytes are never read by casting a pointer (alignment and
 * strict aliasing); these memcpy-based helpers compile to single loads.
 * Callers check lengths before calling: the helpers do not.
 */
#ifndef VG_BYTES_H
#define VG_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t vg_load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t vg_load_be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline uint16_t vg_load_le16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t vg_load_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t vg_load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Loads in a byte order chosen at run time (capture files of either order). */
static inline uint16_t vg_load16(const uint8_t *p, int swap)
{
	return swap ? vg_load_be16(p) : vg_load_le16(p);
}

static inline uint32_t vg_load32(const uint8_t *p, int swap)
{
	return swap ? vg_load_be32(p) : vg_load_le32(p);
}

#endif
