/*
 * hash.c - per-run random seed for the seeded hashes in hash.h.
 */
#include "common/hash.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t vg_hash_seed_random(void)
{
	uint64_t seed = 0;
	struct timespec ts;

	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return vg_hash_mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20),
			   (uint64_t)getpid() | 1);
}
