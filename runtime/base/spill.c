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

/* *BUF holds at least NEED bytes. */
static int reserve(unsigned char **buf, size_t *bufcap, size_t need)
{
	if (need <= *bufcap)
		return 0;
	size_t cap = *bufcap ? *bufcap : 4096;
	while (cap < need)
		cap *= 2;
	unsigned char *q = realloc(*buf, cap);
	if (!q) {
		errno = ENOMEM;
		return -1;
	}
	*buf = q;
	*bufcap = cap;
	return 0;
}

int spill_put2(struct spill *s, const void *a, size_t an, const void *b, size_t bn)
{
	size_t n = an + bn;
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
	if (reserve(&s->buf, &s->cap, s->len + need) != 0)
		return -1;
	memcpy(s->buf + s->len, &h, sizeof h);
	if (an)
		memcpy(s->buf + s->len + sizeof h, a, an);
	if (bn)
		memcpy(s->buf + s->len + sizeof h + an, b, bn);
	s->len += need;
	s->count++;
	return 0;
}

int spill_put(struct spill *s, const void *rec, size_t n)
{
	return spill_put2(s, rec, n, NULL, 0);
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

/* A read cache of the file: bytes [roff, roff + len) in buf. */
struct rcache {
	unsigned char **buf;
	size_t *cap, *len;
	uint64_t *roff;
};

/* File bytes [AT, AT + N) in the cache C. 0, or -1 with *ERR set. */
static int fill(const struct spill *s, struct rcache c, uint64_t at, size_t n, int *err)
{
	if (at >= *c.roff && at + n <= *c.roff + *c.len)
		return 0;
	size_t chunk = s->budget < SPILL_READ ? s->budget : SPILL_READ;
	size_t want = n > chunk ? n : chunk;
	if (reserve(c.buf, c.cap, want) != 0) {
		*err = ENOMEM;
		return -1;
	}
	*c.roff = at;
	*c.len = 0;
	while (*c.len < want && *c.roff + *c.len < s->flen) {
		ssize_t r = pread(s->fd, *c.buf + *c.len, want - *c.len, (off_t)(*c.roff + *c.len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = r < 0 ? errno : EIO;
			return -1;
		}
		*c.len += (size_t)r;
	}
	if (*c.len < n) {
		*err = EIO; /* truncated under us */
		return -1;
	}
	return 0;
}

/* The record at offset *NEXT of the file (through cache C) or of MEM[0..MEMLEN): its
 * bytes and length, *NEXT moved past it. NULL at the end, or on an error (*ERR). */
static unsigned char *record_at(const struct spill *s, struct rcache c, unsigned char *mem,
				size_t memlen, uint64_t *next, size_t *n, int *err)
{
	uint32_t h;
	unsigned char *p;
	if (s->fd >= 0) {
		if (*next >= s->flen || fill(s, c, *next, sizeof h, err) != 0)
			return NULL;
		memcpy(&h, *c.buf + (*next - *c.roff), sizeof h);
		if (fill(s, c, *next, sizeof h + h, err) != 0)
			return NULL;
		p = *c.buf + (*next - *c.roff);
	} else {
		if (*next >= memlen)
			return NULL;
		p = mem + *next;
		memcpy(&h, p, sizeof h);
	}
	*next += sizeof h + h;
	*n = h;
	return p + sizeof h;
}

unsigned char *spill_get(struct spill *s, size_t *n)
{
	if (!s->reading || s->err)
		return NULL;
	struct rcache c = {&s->buf, &s->cap, &s->len, &s->roff};
	return record_at(s, c, s->buf, s->len, &s->next, n, &s->err);
}

int spill_cur_open(struct spill_cur *c, struct spill *s)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	if (s->err) {
		c->err = s->err;
		return -1;
	}
	/* a reader reads the file alone: what is still buffered goes there first */
	if (s->fd >= 0 && s->len && flush(s) != 0) {
		c->err = s->err;
		return -1;
	}
	return 0;
}

unsigned char *spill_cur_get(struct spill_cur *c, size_t *n)
{
	if (c->err)
		return NULL;
	struct rcache rc = {&c->rbuf, &c->rcap, &c->rlen, &c->roff};
	c->at = c->next;
	return record_at(c->s, rc, c->s->buf, c->s->len, &c->next, n, &c->err);
}

int spill_cur_rewrite(struct spill_cur *c, size_t off, const void *bytes, size_t n)
{
	uint64_t at = c->at + sizeof(uint32_t) + off;
	if (c->s->fd < 0) {
		memcpy(c->s->buf + at, bytes, n);
		return 0;
	}
	if (fs_pwrite_all(c->s->fd, bytes, n, (off_t)at) != 0) {
		c->err = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

void spill_cur_close(struct spill_cur *c)
{
	free(c->rbuf);
	c->rbuf = NULL;
	c->rcap = c->rlen = 0;
}

void spill_free(struct spill *s)
{
	free(s->buf);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}
