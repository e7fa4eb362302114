/*
 * gen_scans.c - a synthetic capture with many port scans, one after the
 * other, for the store's tests (SIGKILL mid-write, idempotent re-runs)
 * and its ingest benchmark through `vigil read`.
 *
 *   gen_scans [--sources N] OUT.pcap
 *
 * Source i (an address in 45.0.0.0/8 made from i) sends 20 TCP SYNs to 20
 * ports of 192.168.50.10, 50 ms apart, none answered; sources start one
 * second apart, so a few hundred are open at once and each becomes one
 * scan.port attack. Classic pcap, Ethernet, microsecond times from
 * 2024-01-01; IPv4 checksums correct, TCP checksums zero (vigil does not
 * check them). Deterministic: the same N gives the same bytes.
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

static void le32(FILE *fp, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	fwrite(b, 1, 4, fp);
}

int main(int argc, char **argv)
{
	unsigned long sources = 20000;
	const char *out = NULL;
	uint64_t t0 = 1704067200ull * 1000000ull; /* 2024-01-01 in microseconds */
	FILE *fp;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sources") && i + 1 < argc)
			sources = strtoul(argv[++i], NULL, 10);
		else if (!out)
			out = argv[i];
	}
	if (!out || !sources || sources > 16000000) {
		fprintf(stderr, "usage: gen_scans [--sources N] OUT.pcap\n");
		return 2;
	}
	if (!(fp = fopen(out, "wb"))) {
		perror(out);
		return 1;
	}
	le32(fp, 0xa1b2c3d4);
	le32(fp, 0x00040002); /* version 2.4 */
	le32(fp, 0);
	le32(fp, 0);
	le32(fp, 65535);
	le32(fp, 1); /* Ethernet */
	for (unsigned long s = 0; s < sources; s++) {
		uint32_t src = (45u << 24) | (uint32_t)((s * 2654435761u) & 0xffffff);
		for (unsigned p = 0; p < 20; p++) {
			uint8_t f[54] = {0};
			uint64_t t = t0 + s * 1000000ull + p * 50000ull;
			uint32_t sum = 0;
			memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
			uint8_t *ip = f + 14, *tcp = f + 34;
			ip[0] = 0x45;
			put16(ip + 2, 40);
			put16(ip + 4, (uint16_t)(s + p));
			ip[8] = 64;
			ip[9] = 6;
			put32(ip + 12, src);
			put32(ip + 16, 0xc0a8320a); /* 192.168.50.10 */
			for (int i = 0; i < 20; i += 2)
				sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			put16(ip + 10, (uint16_t)~sum);
			put16(tcp, (uint16_t)(40000 + s % 20000));
			put16(tcp + 2, (uint16_t)(1000 + p * 7));
			put32(tcp + 4, (uint32_t)(s * 7919 + p));
			tcp[12] = 0x50;
			tcp[13] = 0x02; /* SYN */
			put16(tcp + 14, 1024);
			le32(fp, (uint32_t)(t / 1000000));
			le32(fp, (uint32_t)(t % 1000000));
			le32(fp, sizeof f);
			le32(fp, 60);
			fwrite(f, 1, sizeof f, fp);
		}
	}
	if (fclose(fp) != 0) {
		perror(out);
		return 1;
	}
	return 0;
}
