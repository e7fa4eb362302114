/*
 * capture_hash.c - the content hash that identifies a capture in the store
 * (runs record it; attacks are unique per capture set), so reading the
 * same file again, under any name, adds nothing.
 *
 * Two lanes of the multiply-fold mixer of common/hash.h with fixed,
 * different seeds, 16 bytes per step each, and the length: 128 bits.
 * Chosen over SHA-256 for speed: vigil reads captures at GB/s and the
 * hash is one more pass over the (page-cached) file; a software SHA-256
 * runs at a few hundred MB/s. It is not a cryptographic hash: it tells
 * captures apart, it does not resist a forged collision (and whoever can
 * write capture files can also write the store).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/vg.h"
#include "store/store.h"

#define SEED_A 0x9e3779b97f4a7c15ULL
#define SEED_B 0xc2b2ae3d27d4eb4fULL

/* The hash's state over 16-byte blocks, so that a file can be hashed a
 * piece at a time (vg_capture_hash) with the same result as at once. */
struct hash128 {
	uint64_t a, b;
};

static void hash_blocks(struct hash128 *h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 16 <= len; i += 16) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		memcpy(&y, p + i + 8, 8);
		h->a = vg_hash_mix(x ^ h->a ^ 0xe7037ed1a0b428dbULL, y ^ 0x8ebc6af09c88c6e3ULL);
		h->b = vg_hash_mix(y ^ h->b ^ 0x589965cc75374cc3ULL, x ^ 0x1d8e4e27c47d124fULL);
	}
}

/* The last len % 16 bytes at p (zero-padded), the total length, the hex. */
static void hash_finish(struct hash128 *h, const uint8_t *p, size_t len, char hex[VG_HASH_HEX])
{
	size_t rest = len % 16;

	if (rest) {
		uint8_t tail[16] = {0};
		memcpy(tail, p, rest);
		hash_blocks(h, tail, 16);
	}
	h->a = vg_hash_mix(h->a ^ (uint64_t)len, SEED_B);
	h->b = vg_hash_mix(h->b ^ (uint64_t)len, SEED_A);
	snprintf(hex, VG_HASH_HEX, "%016llx%016llx", (unsigned long long)h->a,
		 (unsigned long long)h->b);
}

void vg_hash128_hex(const void *buf, size_t len, char hex[VG_HASH_HEX])
{
	struct hash128 h = {SEED_A, SEED_B};

	hash_blocks(&h, buf, len);
	hash_finish(&h, (const uint8_t *)buf + (len - len % 16), len, hex);
}

/* Bytes hashed between releases of the pages behind (a multiple of 16
 * and of the page size): resident memory stays bounded by it, not by the
 * capture's size. */
#define HASH_STEP ((size_t)8 << 20)

int vg_capture_hash(const char *path, char hex[VG_HASH_HEX], uint64_t *size, char *err,
		    size_t errlen)
{
	struct stat st;
	void *map = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return VG_EIO;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = VG_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (cannot be hashed beforehand)", path);
		rc = VG_ENOTSUP;
		goto out;
	}
	*size = (uint64_t)st.st_size;
	if (st.st_size == 0) {
		vg_hash128_hex("", 0, hex);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		rc = VG_EIO;
		goto out;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	{
		const uint8_t *p = map;
		size_t len = (size_t)st.st_size, done = 0;
		struct hash128 h = {SEED_A, SEED_B};

		while (len - done >= HASH_STEP) {
			hash_blocks(&h, p + done, HASH_STEP);
			madvise((uint8_t *)map + done, HASH_STEP, MADV_DONTNEED);
			done += HASH_STEP;
		}
		hash_blocks(&h, p + done, len - done);
		hash_finish(&h, p + (len - len % 16), len, hex);
	}
	munmap(map, (size_t)st.st_size);
out:
	close(fd);
	return rc;
}
