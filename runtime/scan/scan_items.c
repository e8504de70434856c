/* scan_items.c - the item list: what pass 1 found, front-coded in memory and moved to an
 * unlinked temporary file beyond a budget; read back in order by cursors. */
#include "scan_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

/* Records are a struct item (its path pointer meaningless) and two lengths, then the
 * bytes of its path that differ from the previous record's (front coding: a walk's
 * consecutive paths share most of their bytes). The list is written once by pass 1
 * and read in order by the planning loops (which may change an item: written back in
 * place) and by pass 2. Beyond ITEMS_MEM bytes it moves to an unlinked temporary file,
 * so the scan's memory does not grow with the number of files. */
#define ITEMS_MEM (4u << 20)
#define ITEMS_READ (1u << 20)

/* Test hook: MIGSTATE_TEST_ITEMS_MEM=N moves the list to its file beyond N bytes (and
 * reads it back N bytes at a time), so the tests exercise the file with small trees. */
static size_t items_mem(void)
{
	static size_t v;
	if (!v) {
		const char *e = getenv("MIGSTATE_TEST_ITEMS_MEM");
		unsigned long long n = e && *e ? strtoull(e, NULL, 10) : 0;
		v = n >= 64 && n < ITEMS_MEM ? (size_t)n : ITEMS_MEM;
	}
	return v;
}

struct irec_head {
	struct item it;
	uint32_t keep, rest; /* bytes of the previous path kept; bytes that follow */
};

/* Move the buffered records to the temporary file (made on first use). */
static int items_spill(struct items *l)
{
	if (l->fd < 0 && !l->nofile) {
		l->fd = fs_tmpfile(l->tmpfd);
		l->nofile = l->fd < 0; /* then it all stays in memory */
	}
	if (l->fd < 0 || !l->len)
		return 0;
	if (fs_pwrite_all(l->fd, l->buf, l->len, (off_t)l->flen) != 0) {
		l->err = errno ? errno : EIO;
		return -1;
	}
	l->flen += l->len;
	l->len = 0;
	return 0;
}

/* Append IT (its path: PLEN bytes). 0, or -1 with errno. */
int items_push(struct items *l, const struct item *it, size_t plen)
{
	if (l->err) {
		errno = l->err;
		return -1;
	}
	const char *p = it->path;
	size_t keep = 0, max = plen < l->lastlen ? plen : l->lastlen;
	while (keep < max && p[keep] == l->last[keep])
		keep++;
	size_t need = sizeof(struct irec_head) + plen - keep;
	if (l->len + need > items_mem() && l->len && items_spill(l) != 0) {
		errno = l->err;
		return -1;
	}
	if (l->len + need > l->cap) {
		size_t cap = l->cap ? l->cap : 64u << 10;
		while (cap < l->len + need)
			cap *= 2;
		unsigned char *q = realloc(l->buf, cap);
		if (!q)
			return -1;
		l->buf = q;
		l->cap = cap;
	}
	if (plen + 1 > l->lastcap) {
		size_t cap = l->lastcap ? l->lastcap * 2 : 256;
		while (cap < plen + 1)
			cap *= 2;
		char *q = realloc(l->last, cap);
		if (!q)
			return -1;
		l->last = q;
		l->lastcap = cap;
	}
	struct irec_head h;
	memset(&h, 0, sizeof h);
	memcpy(&h.it, it, sizeof h.it);
	h.it.path = NULL;
	h.keep = (uint32_t)keep;
	h.rest = (uint32_t)(plen - keep);
	memcpy(l->buf + l->len, &h, sizeof h);
	memcpy(l->buf + l->len + sizeof h, p + keep, plen - keep);
	l->len += need;
	memcpy(l->last + keep, p + keep, plen - keep);
	l->lastlen = plen;
	return 0;
}

void items_free(struct items *l)
{
	free(l->buf);
	free(l->last);
	if (l->fd >= 0)
		close(l->fd);
	if (l->tmpfd >= 0)
		close(l->tmpfd);
	l->buf = NULL;
	l->last = NULL;
	l->fd = l->tmpfd = -1;
}

/* Bytes [c->next, c->next + N) of the file in the read buffer. */
static int ic_fill(struct icur *c, size_t n)
{
	if (c->next >= c->roff && c->next + n <= c->roff + c->rlen)
		return 0;
	size_t chunk = items_mem() < ITEMS_READ ? items_mem() : ITEMS_READ;
	size_t want = n > chunk ? n : chunk;
	if (want > c->rcap) {
		unsigned char *q = realloc(c->rbuf, want);
		if (!q) {
			c->l->err = ENOMEM;
			return -1;
		}
		c->rbuf = q;
		c->rcap = want;
	}
	c->roff = c->next;
	c->rlen = 0;
	while (c->rlen < want && c->roff + c->rlen < c->l->flen) {
		ssize_t r =
		    pread(c->l->fd, c->rbuf + c->rlen, want - c->rlen, (off_t)(c->roff + c->rlen));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->l->err = r < 0 ? errno : EIO;
			return -1;
		}
		c->rlen += (size_t)r;
	}
	if (c->rlen < n) {
		c->l->err = EIO; /* truncated under us */
		return -1;
	}
	return 0;
}

/* Write the current item back when the caller changed it. */
static void ic_sync(struct icur *c)
{
	if (!c->have || !c->update || !memcmp(&c->it, &c->orig, sizeof c->it))
		return;
	struct item w;
	memcpy(&w, &c->it, sizeof w);
	w.path = NULL;
	if (c->l->fd >= 0) {
		off_t at = (off_t)(c->at + offsetof(struct irec_head, it));
		if (fs_pwrite_all(c->l->fd, &w, sizeof w, at) != 0)
			c->l->err = errno ? errno : EIO;
	} else {
		memcpy(c->l->buf + c->at + offsetof(struct irec_head, it), &w, sizeof w);
	}
	memcpy(&c->orig, &c->it, sizeof c->it);
}

struct item *ic_next(struct icur *c)
{
	struct items *l = c->l;
	ic_sync(c);
	c->have = false;
	uint64_t total = l->fd >= 0 ? l->flen : l->len;
	if (l->err || c->next >= total)
		return NULL;
	struct irec_head h;
	const unsigned char *rest;
	if (l->fd >= 0) {
		if (ic_fill(c, sizeof h))
			return NULL;
		memcpy(&h, c->rbuf + (c->next - c->roff), sizeof h);
		if (ic_fill(c, sizeof h + h.rest))
			return NULL;
		rest = c->rbuf + (c->next - c->roff) + sizeof h;
	} else {
		memcpy(&h, l->buf + c->next, sizeof h);
		rest = l->buf + c->next + sizeof h;
	}
	size_t plen = (size_t)h.keep + h.rest;
	if (plen + 1 > c->pathcap) {
		size_t cap = c->pathcap ? c->pathcap * 2 : 256;
		while (cap < plen + 1)
			cap *= 2;
		char *q = realloc(c->path, cap);
		if (!q) {
			l->err = ENOMEM;
			return NULL;
		}
		c->path = q;
		c->pathcap = cap;
	}
	memcpy(c->path + h.keep, rest, h.rest);
	c->path[plen] = 0;
	memcpy(&c->it, &h.it, sizeof c->it);
	c->it.path = c->path;
	memcpy(&c->orig, &c->it, sizeof c->it);
	c->at = c->next;
	c->next += sizeof h + h.rest;
	c->have = true;
	return &c->it;
}

/* Start reading the list (UPDATE: changes to the items returned are written back). */
struct item *ic_first(struct items *l, struct icur *c, bool update)
{
	memset(c, 0, sizeof *c);
	c->l = l;
	c->update = update;
	if (l->fd >= 0 && l->len && items_spill(l) != 0)
		return NULL;
	return ic_next(c);
}

void ic_end(struct icur *c)
{
	ic_sync(c);
	c->have = false;
	free(c->rbuf);
	free(c->path);
	c->rbuf = NULL;
	c->path = NULL;
}

/* IT's directory as a string, in a buffer reused from call to call. */
const char *item_dir(struct scan *s, const struct item *it)
{
	if (it->dirlen + 1 > s->dirbufcap) {
		size_t cap = s->dirbufcap ? s->dirbufcap * 2 : 256;
		while (cap < it->dirlen + 1)
			cap *= 2;
		char *q = realloc(s->dirbuf, cap);
		if (!q)
			return NULL;
		s->dirbuf = q;
		s->dirbufcap = cap;
	}
	memcpy(s->dirbuf, it->path, it->dirlen);
	s->dirbuf[it->dirlen] = 0;
	return s->dirbuf;
}
