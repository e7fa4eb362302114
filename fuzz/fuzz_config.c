/*
 * fuzz_config.c - libFuzzer target: bytes as a configuration file for the
 * generic loader, and as a value for the prefix parser (home network,
 * allow-lists) and the service-port list parser (detect.beacon.allow_ports).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/settings.h"
#include "common/cidr.h"
#include "detect/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/vg-fuzz-config-XXXXXX", err[1024];
	struct vg_settings set;
	struct vg_cidr_set cidr;
	struct vg_port_list ports;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		vg_settings_default(&set);
		if (vg_config_load(vg_settings_rows, vg_settings_nrows, &set, path, err,
				   sizeof err) == 0)
			vg_cidr_parse(&cidr, set.home_net, err, sizeof err);
	}
	close(fd);
	unlink(path);
	/* The prefix parser straight from the bytes, too. */
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		vg_cidr_parse(&cidr, s, err, sizeof err);
		vg_port_list_parse(&ports, s, err, sizeof err);
		free(s);
	}
	return 0;
}
