/*
 * gen_synflood.c - a SYN flood from forged sources, for the detectors'
 * memory bound (docs/PERFORMANCE.md): N TCP SYNs (default 10,000,000),
 * each from a distinct pseudo-random IPv4 source and port, to one victim
 * (10.0.0.1:80), one microsecond apart. Classic pcap, Ethernet, 54-byte
 * frames. A fixed-seed xorshift walk over a full-period LCG makes every
 * source distinct and the file the same on every run.
 *
 * usage: gen_synflood [--packets N] OUT.pcap
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t ip_checksum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
	uint64_t n = 10000000;
	const char *out = NULL;
	FILE *fp;
	uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			   0xff, 0xff, 0, 0, 1, 0, 0, 0};
	uint32_t src = 0x2a000001; /* LCG state: full period over 2^32 */
	uint64_t t0 = 1767225600ull * 1000000; /* 2026-01-01, microseconds */

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--packets") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else
			out = argv[i];
	}
	if (!out) {
		fprintf(stderr, "usage: gen_synflood [--packets N] OUT.pcap\n");
		return 2;
	}
	fp = fopen(out, "wb");
	if (!fp || fwrite(hdr, 1, sizeof hdr, fp) != sizeof hdr) {
		perror(out);
		return 1;
	}
	static char buf[1 << 20];
	setvbuf(fp, buf, _IOFBF, sizeof buf);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t rec[16 + 54] = {0};
		uint8_t *eth = rec + 16, *ip = eth + 14, *tcp = ip + 20;
		uint64_t t = t0 + i;

		src = src * 1664525u + 1013904223u; /* distinct for 2^32 steps */
		rec[0] = (uint8_t)(t / 1000000), rec[1] = (uint8_t)(t / 1000000 >> 8);
		rec[2] = (uint8_t)(t / 1000000 >> 16), rec[3] = (uint8_t)(t / 1000000 >> 24);
		rec[4] = (uint8_t)(t % 1000000), rec[5] = (uint8_t)(t % 1000000 >> 8);
		rec[6] = (uint8_t)(t % 1000000 >> 16);
		rec[8] = rec[12] = 54;
		memcpy(eth, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
		ip[0] = 0x45;
		put16(ip + 2, 40);
		put16(ip + 4, (uint16_t)i);
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, src);
		put32(ip + 16, 0x0a000001);
		put16(ip + 10, ip_checksum(ip));
		put16(tcp, (uint16_t)(1024 + (src >> 20)));
		put16(tcp + 2, 80);
		put32(tcp + 4, src ^ 0x5a5a5a5a);
		tcp[12] = 0x50;
		tcp[13] = 0x02; /* SYN */
		put16(tcp + 14, 1024);
		if (fwrite(rec, 1, sizeof rec, fp) != sizeof rec) {
			perror(out);
			return 1;
		}
	}
	if (fclose(fp) != 0) {
		perror(out);
		return 1;
	}
	fprintf(stderr, "gen_synflood: %llu SYNs from %llu distinct sources to 10.0.0.1:80\n",
		(unsigned long long)n, (unsigned long long)n);
	return 0;
}
