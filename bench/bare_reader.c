/*
 * bare_reader.c - the "limit" for the vigil benchmark: the least work a pcap reader can do.
 *
 *   bare_reader [--mmap | --buffer-kib N] FILE.pcap
 *
 * Reads a classic pcap file and, for every record, touches the Ethernet type and the IP protocol
 * (IPv4 protocol or IPv6 next header) byte, summing them into a checksum that is printed so the
 * compiler cannot drop the work. Nothing is decoded beyond that, so the packet rate it reports is
 * the ceiling any tool reading the same file through the same system calls can reach; vigil's
 * `read` rate is quoted as a fraction of it in docs/PERFORMANCE.md (the same reference as the
 * "bare reader" line in ../shared/PEERS.md).
 *
 * Two ways to get the bytes:
 *   default  read() into one 1 MiB buffer (--buffer-kib changes its size, to see what fits in
 *            the caches); a record cut by the end of the buffer is moved to its start and
 *            completed by the next read();
 *   --mmap   the whole file mapped read-only with MADV_SEQUENTIAL, walked in place.
 *
 * Output, one "key: value" per line on stdout: packets, bytes (sum of captured lengths), checksum,
 * elapsed_ns (open to last record, CLOCK_MONOTONIC), ns_per_packet, mpps.
 *
 * Limits: classic pcap only (either byte order, micro- or nanosecond magic; not pcapng); any link
 * type is walked but only Ethernet without VLAN tags is touched at the IP layer; a record whose
 * captured length exceeds 256 KiB (or the buffer less a record header) is treated as corruption
 * and stops the run; a truncated last record is reported and ignored.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF_KIB_DEFAULT 1024U
#define BUF_KIB_MIN 64U
#define BUF_KIB_MAX (1U << 20)
#define CAPLEN_MAX (256U << 10) /* as large as any snaplen tools write (262144) */
#define FILE_HDR 24U
#define REC_HDR 16U

struct result {
	uint64_t packets, bytes, checksum;
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap32(v) : v;
}

/* Reads the file header; sets *swap if the file's byte order is not ours. */
static int check_header(const uint8_t *h, const char *path, bool *swap)
{
	uint32_t magic;
	memcpy(&magic, h, sizeof magic);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		*swap = false;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		*swap = true;
	else {
		fprintf(stderr, "bare_reader: %s: offset 0: magic 0x%08" PRIx32
				" is not a classic pcap magic\n", path, magic);
		return -1;
	}
	return 0;
}

/* The work per packet: the Ethernet type and the IP protocol byte. */
static inline uint64_t touch(const uint8_t *p, uint32_t caplen)
{
	if (caplen < 14)
		return 0;
	uint32_t type = (uint32_t)p[12] << 8 | p[13];
	uint32_t proto = 0;
	if (type == 0x0800 && caplen >= 14 + 10)
		proto = p[14 + 9];
	else if (type == 0x86dd && caplen >= 14 + 7)
		proto = p[14 + 6];
	return type + proto;
}

/* Walks the whole records in buf[0, len); returns how many bytes they used, or -1 on a bad one. */
static long walk(const uint8_t *buf, size_t len, bool swap, struct result *r, uint64_t base,
		 uint32_t caplen_max, const char *path)
{
	size_t pos = 0;
	while (len - pos >= REC_HDR) {
		uint32_t caplen = rd32(buf + pos + 8, swap);
		if (caplen > caplen_max) {
			fprintf(stderr, "bare_reader: %s: record at offset %" PRIu64 ": captured length %"
					PRIu32 " is larger than %" PRIu32 "\n", path, base + pos, caplen,
				caplen_max);
			return -1;
		}
		if (len - pos - REC_HDR < caplen)
			break;
		r->checksum += touch(buf + pos + REC_HDR, caplen);
		r->bytes += caplen;
		r->packets++;
		pos += REC_HDR + caplen;
	}
	return (long)pos;
}

static int run_read(int fd, const char *path, size_t buf_bytes, struct result *r)
{
	uint8_t *buf = aligned_alloc(4096, buf_bytes);
	/* A record must fit in the buffer once the cut part is moved to the front. */
	uint32_t caplen_max = buf_bytes - REC_HDR < CAPLEN_MAX ? (uint32_t)(buf_bytes - REC_HDR)
							       : CAPLEN_MAX;
	size_t have = 0;
	uint64_t base = 0; /* file offset of buf[0] */
	bool swap = false, header = false;
	int rc = -1;

	if (!buf) {
		fprintf(stderr, "bare_reader: out of memory\n");
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, buf_bytes - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "bare_reader: %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;

		size_t start = 0;
		if (!header) {
			if (have < FILE_HDR)
				continue;
			if (check_header(buf, path, &swap) < 0)
				goto out;
			header = true;
			start = FILE_HDR;
		}
		long used = walk(buf + start, have - start, swap, r, base + start, caplen_max, path);
		if (used < 0)
			goto out;
		size_t consumed = start + (size_t)used;
		/* Keep the cut record: move it to the front so the next read() completes it. */
		memmove(buf, buf + consumed, have - consumed);
		have -= consumed;
		base += consumed;
	}
	if (!header) {
		fprintf(stderr, "bare_reader: %s: shorter than a pcap file header\n", path);
		goto out;
	}
	if (have)
		fprintf(stderr, "bare_reader: %s: record at offset %" PRIu64
				" is cut by the end of the file; ignored\n", path, base);
	rc = 0;
out:
	free(buf);
	return rc;
}

static int run_mmap(int fd, const char *path, struct result *r)
{
	struct stat st;
	bool swap;

	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "bare_reader: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t size = (size_t)st.st_size;
	if (size < FILE_HDR) {
		fprintf(stderr, "bare_reader: %s: shorter than a pcap file header\n", path);
		return -1;
	}
	const uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "bare_reader: %s: mmap: %s\n", path, strerror(errno));
		return -1;
	}
	madvise((void *)map, size, MADV_SEQUENTIAL); /* advice only: failure changes nothing */
	int rc = -1;
	if (check_header(map, path, &swap) < 0)
		goto out;
	long used = walk(map + FILE_HDR, size - FILE_HDR, swap, r, FILE_HDR, CAPLEN_MAX, path);
	if (used < 0)
		goto out;
	if (FILE_HDR + (size_t)used < size)
		fprintf(stderr, "bare_reader: %s: record at offset %zu is cut by the end of the file;"
				" ignored\n", path, FILE_HDR + (size_t)used);
	rc = 0;
out:
	munmap((void *)map, size);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: bare_reader [--mmap | --buffer-kib N] FILE.pcap\n"
			"  --mmap          map the file (MADV_SEQUENTIAL) instead of read()\n"
			"  --buffer-kib N  read() buffer size in KiB, %u..%u (default %u)\n",
		BUF_KIB_MIN, BUF_KIB_MAX, BUF_KIB_DEFAULT);
}

int main(int argc, char **argv)
{
	bool use_mmap = false;
	unsigned long buf_kib = BUF_KIB_DEFAULT;
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mmap")) {
			use_mmap = true;
		} else if (!strcmp(argv[i], "--buffer-kib") && i + 1 < argc) {
			char *end;
			errno = 0;
			buf_kib = strtoul(argv[++i], &end, 10);
			if (errno || *end || buf_kib < BUF_KIB_MIN || buf_kib > BUF_KIB_MAX) {
				usage();
				return 2;
			}
		} else if (argv[i][0] == '-' || path) {
			usage();
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		usage();
		return 2;
	}

	struct timespec t0, t1;
	struct result r = { 0 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bare_reader: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int rc = use_mmap ? run_mmap(fd, path, &r) : run_read(fd, path, buf_kib << 10, &r);
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0)
		return 1;

	uint64_t ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ULL +
		      (uint64_t)(t1.tv_nsec - t0.tv_nsec);
	if (use_mmap)
		printf("mode: mmap\n");
	else
		printf("mode: read, %lu KiB buffer\n", buf_kib);
	printf("packets: %" PRIu64 "\n", r.packets);
	printf("bytes: %" PRIu64 "\n", r.bytes);
	printf("checksum: %" PRIu64 "\n", r.checksum);
	printf("elapsed_ns: %" PRIu64 "\n", ns);
	printf("ns_per_packet: %.2f\n", r.packets ? (double)ns / r.packets : 0.0);
	printf("mpps: %.2f\n", ns ? r.packets * 1e3 / ns : 0.0);
	return 0;
}
