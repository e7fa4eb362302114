/*
 * hash.h - seeded hashing for tables that hold attacker-chosen keys.
 *
 * The seed is random per run (vg_hash_seed_random) so traffic cannot aim
 * collisions at a bucket; tests fix it. The mixer is a multiply-fold in the
 * style of wyhash/mum: two 64x64->128 multiplies per 16 bytes, which keeps
 * the per-packet cost to a few nanoseconds. It is not a MAC; it only has to
 * make bucket choice unpredictable without the seed.
 */
#ifndef VG_HASH_H
#define VG_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t vg_hash_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Hashes len bytes (len a multiple of 8) under seed. */
static inline uint64_t vg_hash_words(const void *key, size_t len, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t h = seed ^ 0xa0761d6478bd642fULL;
	size_t i;

	for (i = 0; i + 16 <= len; i += 16) {
		uint64_t a, b;
		memcpy(&a, p + i, 8);
		memcpy(&b, p + i + 8, 8);
		h = vg_hash_mix(a ^ 0xe7037ed1a0b428dbULL ^ h, b ^ 0x8ebc6af09c88c6e3ULL ^ seed);
	}
	if (i < len) {
		uint64_t a;
		memcpy(&a, p + i, 8);
		h = vg_hash_mix(a ^ 0xe7037ed1a0b428dbULL ^ h, 0x589965cc75374cc3ULL ^ seed);
	}
	return vg_hash_mix(h ^ len, 0x1d8e4e27c47d124fULL);
}

/* The same function as vg_hash_words(k, 40, seed), from five words
 * already in registers (the flow key). */
static inline uint64_t vg_hash_key40(const uint64_t k[5], uint64_t seed)
{
	uint64_t h = seed ^ 0xa0761d6478bd642fULL;

	h = vg_hash_mix(k[0] ^ 0xe7037ed1a0b428dbULL ^ h, k[1] ^ 0x8ebc6af09c88c6e3ULL ^ seed);
	h = vg_hash_mix(k[2] ^ 0xe7037ed1a0b428dbULL ^ h, k[3] ^ 0x8ebc6af09c88c6e3ULL ^ seed);
	h = vg_hash_mix(k[4] ^ 0xe7037ed1a0b428dbULL ^ h, 0x589965cc75374cc3ULL ^ seed);
	return vg_hash_mix(h ^ 40, 0x1d8e4e27c47d124fULL);
}

/* The flow key of an IPv4 flow in two words (its two addresses in one,
 * ports, protocol and VLAN ids in the other): one multiply-fold and the
 * final one, where the 40-byte key takes four. */
static inline uint64_t vg_hash_2words(uint64_t a, uint64_t b, uint64_t seed)
{
	uint64_t h =
	    vg_hash_mix(a ^ 0xe7037ed1a0b428dbULL ^ seed, b ^ 0x8ebc6af09c88c6e3ULL ^ seed);
	return vg_hash_mix(h ^ 16, 0x1d8e4e27c47d124fULL ^ seed);
}

/* A seed from the kernel's random source; falls back to time and pid. */
uint64_t vg_hash_seed_random(void);

#endif
