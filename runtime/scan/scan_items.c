/* scan_items.c - the item list: what pass 1 found, front-coded records of a spill list
 * (spill.h: in memory, moved to an unlinked temporary file beyond a budget), read back
 * in order by cursors. */
#include "scan_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"

/* Records (spill.h) are a struct item (its path pointer meaningless) and two lengths,
 * then the bytes of its path that differ from the previous record's (front coding: a
 * walk's consecutive paths share most of their bytes). The list is written once by
 * pass 1 and read in order by the planning loops (which may change an item: written
 * back in place) and by pass 2. Beyond ITEMS_MEM bytes it moves to an unlinked
 * temporary file, so the scan's memory does not grow with the number of files
 * (MIGSTATE_TEST_ITEMS_MEM lowers the budget, spill_budget). */
#define ITEMS_MEM (4u << 20)

struct irec_head {
	struct item it;
	uint32_t keep, rest; /* bytes of the previous path kept; bytes that follow */
};

void items_init(struct items *l)
{
	memset(l, 0, sizeof *l);
	l->tmpfd = -1;
	spill_init(&l->sp, -1, ITEMS_MEM);
}

void items_set_tmpdir(struct items *l, int dirfd)
{
	l->tmpfd = dirfd;
	l->sp.dirfd = dirfd;
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
	if (spill_put2(&l->sp, &h, sizeof h, p + keep, plen - keep) != 0) {
		if (l->sp.err)
			l->err = l->sp.err;
		return -1;
	}
	memcpy(l->last + keep, p + keep, plen - keep);
	l->lastlen = plen;
	return 0;
}

void items_free(struct items *l)
{
	spill_free(&l->sp);
	free(l->last);
	if (l->tmpfd >= 0)
		close(l->tmpfd);
	l->last = NULL;
	l->tmpfd = -1;
}

/* Write the current item back when the caller changed it. */
static void ic_sync(struct icur *c)
{
	if (!c->have || !c->update || !memcmp(&c->it, &c->orig, sizeof c->it))
		return;
	struct item w;
	memcpy(&w, &c->it, sizeof w);
	w.path = NULL;
	if (spill_cur_rewrite(&c->cur, offsetof(struct irec_head, it), &w, sizeof w) != 0)
		c->l->err = c->cur.err;
	memcpy(&c->orig, &c->it, sizeof c->it);
}

struct item *ic_next(struct icur *c)
{
	struct items *l = c->l;
	ic_sync(c);
	c->have = false;
	if (l->err)
		return NULL;
	size_t n;
	const unsigned char *rec = spill_cur_get(&c->cur, &n);
	if (!rec) {
		if (c->cur.err)
			l->err = c->cur.err;
		return NULL;
	}
	struct irec_head h;
	if (n < sizeof h) {
		l->err = EIO;
		return NULL;
	}
	memcpy(&h, rec, sizeof h);
	if (n != sizeof h + h.rest) {
		l->err = EIO;
		return NULL;
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
	memcpy(c->path + h.keep, rec + sizeof h, h.rest);
	c->path[plen] = 0;
	memcpy(&c->it, &h.it, sizeof c->it);
	c->it.path = c->path;
	memcpy(&c->orig, &c->it, sizeof c->it);
	c->have = true;
	return &c->it;
}

/* Start reading the list (UPDATE: changes to the items returned are written back). */
struct item *ic_first(struct items *l, struct icur *c, bool update)
{
	memset(c, 0, sizeof *c);
	c->l = l;
	c->update = update;
	if (l->err)
		return NULL;
	if (spill_cur_open(&c->cur, &l->sp) != 0) {
		l->err = c->cur.err;
		return NULL;
	}
	return ic_next(c);
}

void ic_end(struct icur *c)
{
	ic_sync(c);
	c->have = false;
	spill_cur_close(&c->cur);
	free(c->path);
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
