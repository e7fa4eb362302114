/*
 * fuzz_app.c - libFuzzer target: one application message for the app
 * stage's parsers (src/app/). The first byte picks the parser (DNS, TLS
 * record, HTTP request, HTTP response); the rest is the message, copied
 * into a buffer of exactly its size so any overread is caught by
 * AddressSanitizer. A TLS message that asks for more bytes is checked to
 * ask for more than it was given. The DNS question's name, and the raw
 * message as a name, go through malware.dga's judgement of names.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "detect/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_app_flow *af;
	uint8_t *copy;
	size_t n, need = 0;
	int rc = 0;

	if (size < 1 || size > 70000)
		return 0;
	n = size - 1;
	copy = malloc(n ? n : 1);
	af = calloc(1, sizeof *af);
	if (!copy || !af)
		goto out;
	memcpy(copy, data + 1, n);
	switch (data[0] & 3) {
	case 0:
		rc = vg_dns_parse(copy, n, &af->dns);
		/* a second message on the same flow: the response path */
		(void)vg_dns_parse(copy, n, &af->dns);
		if (af->dns.n_kept > VG_APP_DNS_ANSWERS ||
		    strlen(af->dns.rrname) >= VG_APP_NAME_MAX)
			abort();
		(void)vg_dga_random_name(af->dns.rrname, strlen(af->dns.rrname));
		(void)vg_dga_random_name((const char *)copy, n);
		break;
	case 1:
		rc = vg_tls_parse(copy, n, &af->tls, &need);
		if (rc == VG_APP_NEED_MORE && need <= n)
			abort();
		if (strlen(af->tls.sni) >= VG_APP_NAME_MAX || strlen(af->tls.ja4) >= 40)
			abort();
		break;
	case 2: rc = vg_http_parse_request(copy, n, &af->http); break;
	case 3: rc = vg_http_parse_response(copy, n, &af->http); break;
	}
	if (rc != VG_APP_NEED_MORE && (rc < 0 || rc >= VG_APPC_COUNT))
		abort();
out:
	free(copy);
	free(af);
	return 0;
}
