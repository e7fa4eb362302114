/*
 * capture.c - opening capture files and the input window the format readers
 * (pcap.c, pcapng.c) parse from.
 *
 * Regular files are mapped whole (mmap, MADV_SEQUENTIAL): records are
 * handed out in place, with no copy. Measured on these machines, this reads
 * faster than read() into a buffer (docs/PERFORMANCE.md), unlike the
 * figure in PEERS.md: the kernel maps page-cache folios in large pieces.
 * Other inputs (pipes, FIFOs, or if mmap fails) are read with read() into
 * one buffer of VG_CAPTURE_BUF bytes; when a record runs past the end of
 * the window, the unread tail is moved to the front and the rest refilled.
 * A record larger than the buffer grows it, up to VG_CAPTURE_MAX_RECORD.
 * Records of one batch all live in the window, so a refill happens only
 * before the first record of a batch.
 *
 * Limit: a mapped file that is truncated while being read (a capture
 * rotated in place) raises SIGBUS; copy such files first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture_int.h"
#include "common/bytes.h"
#include "common/vg.h"

#define VG_CAPTURE_BUF (1u << 20)
/* Mapped input behind the reader is dropped in steps of this size. */
#define VG_CAPTURE_UNMAP_STEP (32u << 20)

int vg_capture_fail(struct vg_capture *c, int code, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->fmt == VG_FMT_PCAP)
		snprintf(c->err, sizeof c->err, "%s: record %llu at offset %llu: %s", c->name,
			 (unsigned long long)c->records + 1, (unsigned long long)(c->base + c->pos),
			 what);
	else if (c->fmt == VG_FMT_PCAPNG)
		snprintf(c->err, sizeof c->err, "%s: block at offset %llu (after %llu packets): %s",
			 c->name, (unsigned long long)(c->base + c->pos),
			 (unsigned long long)c->records, what);
	else
		snprintf(c->err, sizeof c->err, "%s: offset %llu: %s", c->name,
			 (unsigned long long)(c->base + c->pos), what);
	c->failed = true;
	return code;
}

static int refill(struct vg_capture *c, size_t need)
{
	size_t keep = c->win_len - c->pos;

	if (need > c->cap) {
		size_t ncap = c->cap;
		uint8_t *nmem;
		while (ncap < need)
			ncap *= 2;
		nmem = malloc(ncap);
		if (!nmem)
			return VG_ENOMEM;
		memcpy(nmem, c->mem + c->pos, keep);
		free(c->mem);
		c->mem = nmem;
		c->cap = ncap;
	} else if (keep && c->pos) {
		memmove(c->mem, c->mem + c->pos, keep);
	}
	c->base += c->pos;
	c->pos = 0;
	c->win_len = keep;
	c->win = c->mem;
	while (c->win_len < c->cap) {
		ssize_t r = read(c->fd, c->mem + c->win_len, c->cap - c->win_len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return VG_EIO;
		}
		if (r == 0) {
			c->eof = true;
			break;
		}
		c->win_len += (size_t)r;
		if (c->win_len >= need)
			break; /* enough for now; keep batches cache-sized */
	}
	return 0;
}

int vg_capture_ensure(struct vg_capture *c, size_t n, bool may_refill)
{
	int rc;

	if (VG_LIKELY(c->win_len - c->pos >= n))
		return 1;
	if (c->eof)
		return 0;
	if (!may_refill)
		return VG_CAP_AGAIN;
	/* Read a whole buffer's worth whenever we refill, not just n bytes. */
	rc = refill(c, n);
	if (rc < 0)
		return vg_capture_fail(c, rc, "read failed: %s", strerror(errno));
	while (c->win_len - c->pos < n && !c->eof) {
		rc = refill(c, n);
		if (rc < 0)
			return vg_capture_fail(c, rc, "read failed: %s", strerror(errno));
	}
	return c->win_len - c->pos >= n;
}

static int start(struct vg_capture *c, char *errbuf, size_t errlen)
{
	uint32_t magic;
	int rc = vg_capture_ensure(c, 4, true);

	if (rc <= 0) {
		snprintf(errbuf, errlen, "%s: %s", c->name,
			 rc == 0 ? "file is empty or shorter than a capture header" : c->err);
		return rc == 0 ? VG_EFORMAT : rc;
	}
	magic = vg_load_le32(c->win + c->pos);
	switch (magic) {
	case 0xa1b2c3d4:
	case 0xd4c3b2a1:
	case 0xa1b23c4d:
	case 0x4d3cb2a1: rc = vg_pcap_start(c); break;
	case 0x0a0d0d0a: rc = vg_pcapng_start(c); break;
	case 0xa1b2cd34:
	case 0x34cdb2a1:
		rc = vg_capture_fail(c, VG_ENOTSUP,
				     "modified (Kuznetzov) pcap format is not supported");
		break;
	default:
		rc = vg_capture_fail(c, VG_EFORMAT, "not a pcap or pcapng file (magic 0x%08x)",
				     magic);
	}
	if (rc < 0) {
		/* Header errors name the file and offset but no record. */
		snprintf(errbuf, errlen, "%s", c->err);
	}
	return rc;
}

static struct vg_capture *alloc_capture(const char *name)
{
	struct vg_capture *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	snprintf(c->name, sizeof c->name, "%s", name);
	c->fd = -1;
	return c;
}

int vg_capture_open(struct vg_capture **out, const char *path, char *errbuf, size_t errlen)
{
	struct vg_capture *c = alloc_capture(path);
	struct stat st;
	int rc;

	*out = NULL;
	if (!c) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return VG_ENOMEM;
	}
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		rc = errno == ENOENT ? VG_ENOENT : VG_EIO;
		goto fail;
	}
	if (fstat(c->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: is a directory", path);
		rc = VG_EINVAL;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, c->fd, 0);
		c->size = (uint64_t)st.st_size;
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			c->map = m;
			c->win = m;
			c->win_len = (size_t)st.st_size;
			c->eof = true;
			rc = start(c, errbuf, errlen);
			if (rc < 0)
				goto fail;
			*out = c;
			return 0;
		}
		posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	c->cap = VG_CAPTURE_BUF;
	c->mem = malloc(c->cap);
	if (!c->mem) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		rc = VG_ENOMEM;
		goto fail;
	}
	c->win = c->mem;
	rc = start(c, errbuf, errlen);
	if (rc < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	vg_capture_free(c);
	return rc;
}

int vg_capture_open_mem(struct vg_capture **out, const uint8_t *buf, size_t len, const char *name,
			char *errbuf, size_t errlen)
{
	struct vg_capture *c = alloc_capture(name);
	int rc;

	*out = NULL;
	if (!c) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		return VG_ENOMEM;
	}
	c->win = buf;
	c->win_len = len;
	c->size = len;
	c->eof = true;
	rc = start(c, errbuf, errlen);
	if (rc < 0) {
		vg_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int vg_capture_next(struct vg_capture *c, struct vg_pkt_rec *recs, unsigned max)
{
	unsigned n = 0;

	if (c->failed)
		return VG_EFORMAT;
	if (c->live) {
		int rc = vg_live_next(c->live, recs, max);
		c->records += (uint64_t)rc;
		return rc;
	}
	/* Records of the last batch are released now: unmap what lies behind
	 * them, so resident memory stays bounded however big the file. */
	if (c->map && c->pos - c->unmapped >= VG_CAPTURE_UNMAP_STEP) {
		size_t upto = c->pos & ~(size_t)(VG_CAPTURE_UNMAP_STEP - 1);
		madvise((uint8_t *)c->map + c->unmapped, upto - c->unmapped, MADV_DONTNEED);
		c->unmapped = upto;
	}
	if (c->next_batch) {
		n = c->next_batch(c, recs, max);
		c->records += n;
	}
	while (n < max) {
		int rc = c->next(c, &recs[n], n == 0);
		if (rc == 1) {
			n++;
			c->records++;
			continue;
		}
		if (rc == VG_CAP_AGAIN)
			break;
		if (rc < 0) {
			/* Records already in this batch are still good: hand them
			 * out now, report the error on the next call. */
			if (n)
				return (int)n;
			return rc;
		}
		break; /* end of input */
	}
	return (int)n;
}

const char *vg_capture_error(const struct vg_capture *c)
{
	return c->err[0] ? c->err : "no error";
}

enum vg_capture_format vg_capture_format(const struct vg_capture *c)
{
	return c->fmt;
}

uint64_t vg_capture_offset(const struct vg_capture *c)
{
	return c->base + c->pos;
}

uint64_t vg_capture_size(const struct vg_capture *c)
{
	return c->size;
}

uint64_t vg_capture_records(const struct vg_capture *c)
{
	return c->records;
}

void vg_capture_free(struct vg_capture *c)
{
	if (!c)
		return;
	vg_live_free(c->live);
	if (c->map)
		munmap(c->map, c->win_len + c->base);
	if (c->fd >= 0)
		close(c->fd);
	free(c->mem);
	free(c);
}

int vg_capture_open_live(struct vg_capture **out, const struct vg_live_config *cfg, char *errbuf,
			 size_t errlen)
{
	struct vg_capture *c;
	char name[256];
	int rc;

	*out = NULL;
	snprintf(name, sizeof name, "live:%s", cfg->ifaces ? cfg->ifaces : "");
	if (!(c = alloc_capture(name))) {
		snprintf(errbuf, errlen, "out of memory");
		return VG_ENOMEM;
	}
	rc = vg_live_open(&c->live, cfg, errbuf, errlen);
	if (rc < 0) {
		vg_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int vg_capture_is_live(const struct vg_capture *c)
{
	return c->live != NULL;
}

int vg_capture_wait(struct vg_capture *c, int timeout_ms)
{
	int rc;

	if (!c->live)
		return 1;
	rc = vg_live_wait(c->live, timeout_ms);
	if (rc < 0)
		snprintf(c->err, sizeof c->err, "%s: capture socket: %s", c->name, strerror(errno));
	return rc;
}

void vg_capture_stats(struct vg_capture *c, struct vg_capture_stats *st)
{
	memset(st, 0, sizeof *st);
	if (c->live)
		vg_live_stats(c->live, st);
}
