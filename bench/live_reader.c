/*
 * live_reader.c - the limit for vigil watch: the same AF_PACKET TPACKET_V3
 * capture (src/capture/live.c) with nothing behind it. It counts the
 * packets and bytes it is handed until SIGTERM or SIGINT, then prints one
 * line: packets, bytes, the kernel's packets and drops for its socket, and
 * its CPU time. bench/live.sh runs it beside vigil watch on the same
 * interface (each socket gets its own copy of every packet).
 *
 * usage: live_reader IFACE [BLOCK_SIZE BLOCKS]
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "capture/capture.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct vg_live_config lc = {.block_size = 1u << 20, .blocks = 64, .block_timeout_ms = 10};
	struct vg_pkt_rec recs[64];
	struct vg_capture *cap;
	struct vg_capture_stats st;
	struct sigaction sa;
	struct rusage ru;
	uint64_t pkts = 0, bytes = 0;
	char err[512];
	int n;

	if (argc < 2) {
		fprintf(stderr, "usage: live_reader IFACE [BLOCK_SIZE BLOCKS]\n");
		return 2;
	}
	lc.ifaces = argv[1];
	if (argc > 3) {
		lc.block_size = (uint32_t)strtoul(argv[2], NULL, 0);
		lc.blocks = (uint32_t)strtoul(argv[3], NULL, 0);
	}
	if (vg_capture_open_live(&cap, &lc, err, sizeof err) < 0) {
		fprintf(stderr, "live_reader: %s\n", err);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "live_reader: capturing on %s\n", lc.ifaces);
	while (!stop) {
		if (vg_capture_wait(cap, 100) < 0)
			break;
		while ((n = vg_capture_next(cap, recs, 64)) > 0)
			for (int i = 0; i < n; i++) {
				pkts++;
				bytes += recs[i].caplen;
			}
	}
	while ((n = vg_capture_next(cap, recs, 64)) > 0)
		pkts += (uint64_t)n;
	vg_capture_stats(cap, &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("packets %" PRIu64 " bytes %" PRIu64 " kernel_packets %" PRIu64
	       " kernel_drops %" PRIu64 " cpu_user_s %.2f cpu_sys_s %.2f\n",
	       pkts, bytes, st.kernel_packets, st.kernel_drops,
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	vg_capture_free(cap);
	return 0;
}
