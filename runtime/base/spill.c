/* spill.c - append-only record lists that move to a temporary file (see spill.h). */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

#define SPILL_READ (1u << 20) /* file bytes read at a time */

size_t spill_budget(size_t budget)
{
	static unsigned long long test = 1; /* 1: not read yet */
	if (test == 1) {
		const char *e = getenv("MIGSTATE_TEST_ITEMS_MEM");
		test = e && *e ? strtoull(e, NULL, 10) : 0;
		if (test < 64)
			test = 0;
	}
	return test && test < budget ? (size_t)test : budget;
}

void spill_init(struct spill *s, int dirfd, size_t budget)
{
	memset(s, 0, sizeof *s);
	s->dirfd = dirfd;
	s->fd = -1;
	s->budget = spill_budget(budget);
}

/* Move the buffered records to the file (made on first use). */
static int flush(struct spill *s)
{
	if (s->fd < 0 && !s->nofile) {
		s->fd = fs_tmpfile(s->dirfd);
		s->nofile = s->fd < 0;
	}
	if (s->fd < 0 || !s->len)
		return 0;
	if (fs_pwrite_all(s->fd, s->buf, s->len, (off_t)s->flen) != 0) {
		s->err = errno ? errno : EIO;
		return -1;
	}
	s->flen += s->len;
	s->len = 0;
	return 0;
}

static int reserve(struct spill *s, size_t need)
{
	if (need <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 4096;
	while (cap < need)
		cap *= 2;
	unsigned char *q = realloc(s->buf, cap);
	if (!q) {
		errno = ENOMEM;
		return -1;
	}
	s->buf = q;
	s->cap = cap;
	return 0;
}

int spill_put(struct spill *s, const void *rec, size_t n)
{
	uint32_t h = (uint32_t)n;
	if (s->err || s->reading || n > UINT32_MAX) {
		errno = s->err ? s->err : EINVAL;
		return -1;
	}
	size_t need = sizeof h + n;
	if (s->len && s->len + need > s->budget && flush(s) != 0) {
		errno = s->err;
		return -1;
	}
	if (reserve(s, s->len + need) != 0)
		return -1;
	memcpy(s->buf + s->len, &h, sizeof h);
	memcpy(s->buf + s->len + sizeof h, rec, n);
	s->len += need;
	s->count++;
	return 0;
}

int spill_rewind(struct spill *s)
{
	if (s->err) {
		errno = s->err;
		return -1;
	}
	if (s->fd >= 0 && flush(s) != 0) {
		errno = s->err;
		return -1;
	}
	s->reading = true;
	s->next = 0;
	s->roff = 0;
	if (s->fd >= 0)
		s->len = 0; /* buf now caches file bytes [roff, roff + len) */
	return 0;
}

/* File bytes [s->next, s->next + N) in buf. */
static int fill(struct spill *s, size_t n)
{
	if (s->next >= s->roff && s->next + n <= s->roff + s->len)
		return 0;
	size_t chunk = s->budget < SPILL_READ ? s->budget : SPILL_READ;
	size_t want = n > chunk ? n : chunk;
	if (reserve(s, want) != 0) {
		s->err = ENOMEM;
		return -1;
	}
	s->roff = s->next;
	s->len = 0;
	while (s->len < want && s->roff + s->len < s->flen) {
		ssize_t r = pread(s->fd, s->buf + s->len, want - s->len, (off_t)(s->roff + s->len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			s->err = r < 0 ? errno : EIO;
			return -1;
		}
		s->len += (size_t)r;
	}
	if (s->len < n) {
		s->err = EIO; /* truncated under us */
		return -1;
	}
	return 0;
}

unsigned char *spill_get(struct spill *s, size_t *n)
{
	uint32_t h;
	unsigned char *p;
	if (!s->reading || s->err)
		return NULL;
	if (s->fd >= 0) {
		if (s->next >= s->flen || fill(s, sizeof h) != 0)
			return NULL;
		memcpy(&h, s->buf + (s->next - s->roff), sizeof h);
		if (fill(s, sizeof h + h) != 0)
			return NULL;
		p = s->buf + (s->next - s->roff);
	} else {
		if (s->next >= s->len)
			return NULL;
		p = s->buf + s->next;
		memcpy(&h, p, sizeof h);
	}
	s->next += sizeof h + h;
	*n = h;
	return p + sizeof h;
}

void spill_free(struct spill *s)
{
	free(s->buf);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}
