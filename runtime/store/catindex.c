/* catindex.c - a store's catalog records by (volume, path): read into memory and
 * hashed, or streamed in walk order through a cursor (storewalk.h). */
#include "storewalk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catindex.h"

static uint64_t hash_key(uint32_t vol, const char *path, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ vol;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)path[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int index_build(struct sw_store *s)
{
	size_t cap = 16;
	while (cap < s->nrecs * 2 + 1)
		cap *= 2;
	s->index = malloc(cap * sizeof *s->index);
	if (!s->index)
		return -1;
	memset(s->index, 0xff, cap * sizeof *s->index);
	s->index_cap = cap;
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct sw_rec *r = &s->recs[i];
		size_t len = strlen(r->path);
		size_t j = (size_t)hash_key(r->r.volume, r->path, len) & (cap - 1);
		while (s->index[j] != UINT32_MAX)
			j = (j + 1) & (cap - 1);
		s->index[j] = (uint32_t)i;
	}
	return 0;
}

const struct sw_rec *sw_find(const struct sw_store *s, uint32_t vol, const char *path, size_t len)
{
	if (!s->index_cap)
		return NULL;
	size_t j = (size_t)hash_key(vol, path, len) & (s->index_cap - 1);
	while (s->index[j] != UINT32_MAX) {
		const struct sw_rec *r = &s->recs[s->index[j]];
		if (r->r.volume == vol && strlen(r->path) == len && !memcmp(r->path, path, len))
			return r;
		j = (j + 1) & (s->index_cap - 1);
	}
	return NULL;
}

int sw_path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		unsigned ca = (unsigned char)a[i], cb = (unsigned char)b[i];
		if (ca == cb)
			continue;
		/* '/' ends a name: below every byte a name may hold */
		ca = ca == '/' ? 0 : ca;
		cb = cb == '/' ? 0 : cb;
		return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

size_t sw_nrecords(const struct sw_store *s)
{
	if (s->recs || !s->have_cat)
		return s->nrecs;
	return (size_t)s->cat.nrecords;
}

int sw_cursor_open(struct sw_cursor *c, struct sw_store *s, uint32_t vol)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->vol = vol;
	if (!s->ordered)
		return 0;
	c->rec.path = malloc(CAT_MAX_PATH + 1);
	c->tbuf = malloc(CAT_MAX_PATH + 1);
	if (!c->rec.path || !c->tbuf) {
		sw_cursor_close(c);
		return -1;
	}
	catr_rewind(&s->cat);
	return 0;
}

/* Streaming: the next record of the cursor's volume into c->rec. */
static bool cursor_fetch(struct sw_cursor *c)
{
	while (!c->end) {
		int k = catr_next(&c->s->cat, &c->rec.r, c->rec.path, CAT_MAX_PATH + 1);
		if (k != 1) {
			c->end = true; /* the catalog was checked when opened: the end */
			break;
		}
		if (c->vol != SW_ALL_VOLS && c->rec.r.volume != c->vol)
			continue;
		c->rec.target = NULL;
		if (c->rec.r.type == CT_SYMLINK &&
		    catr_target(&c->s->cat, c->tbuf, CAT_MAX_PATH + 1))
			c->rec.target = c->tbuf;
		c->len = strlen(c->rec.path);
		return c->have = true;
	}
	return c->have = false;
}

const struct sw_rec *sw_cursor_next(struct sw_cursor *c)
{
	if (!c->s->ordered) {
		while (c->i < c->s->nrecs) {
			const struct sw_rec *r = &c->s->recs[c->i++];
			if (c->vol == SW_ALL_VOLS || r->r.volume == c->vol)
				return r;
		}
		return NULL;
	}
	if (!c->have && !cursor_fetch(c))
		return NULL;
	c->have = false;
	return &c->rec;
}

const struct sw_rec *sw_cursor_find(struct sw_cursor *c, const char *path, size_t len)
{
	if (!c->s->ordered)
		return sw_find(c->s, c->vol, path, len);
	for (;;) {
		if (!c->have && !cursor_fetch(c))
			return NULL;
		int k = sw_path_cmp(c->rec.path, c->len, path, len);
		if (k == 0)
			return &c->rec;
		if (k > 0)
			return NULL;
		c->have = false;
	}
}

void sw_cursor_close(struct sw_cursor *c)
{
	free(c->rec.path);
	free(c->tbuf);
	memset(c, 0, sizeof *c);
}

static int read_records(struct sw_store *s, char *err, size_t errsz)
{
	char *buf = malloc(CAT_MAX_PATH + 1);
	size_t cap = 0;
	int rc = 0;
	if (!buf)
		return -1;
	for (;;) {
		struct cat_record rec;
		int n = catr_next(&s->cat, &rec, buf, CAT_MAX_PATH + 1);
		if (n == 0)
			break;
		if (n < 0) {
			snprintf(err, errsz, "%s: malformed record %zu", s->cat_name, s->nrecs);
			rc = -1;
			break;
		}
		if (s->nrecs == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct sw_rec *v = realloc(s->recs, nc * sizeof *v);
			if (!v) {
				rc = -1;
				snprintf(err, errsz, "out of memory");
				break;
			}
			s->recs = v;
			cap = nc;
		}
		s->recs[s->nrecs].r = rec;
		s->recs[s->nrecs].path = strdup(buf);
		s->recs[s->nrecs].target = NULL;
		if (s->recs[s->nrecs].path && rec.type == CT_SYMLINK &&
		    catr_target(&s->cat, buf, CAT_MAX_PATH + 1))
			s->recs[s->nrecs].target = strdup(buf);
		if (!s->recs[s->nrecs].path) {
			rc = -1;
			snprintf(err, errsz, "out of memory");
			break;
		}
		s->nrecs++;
	}
	free(buf);
	return rc;
}

/* Are the catalog's records in walk order (sw_path_cmp, never going backwards)? One
 * pass over the file, two path buffers. */
static int check_order(struct sw_store *s, bool *ordered)
{
	char *a = malloc(CAT_MAX_PATH + 1), *b = malloc(CAT_MAX_PATH + 1);
	size_t alen = 0;
	bool first = true;
	*ordered = true;
	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	catr_rewind(&s->cat);
	struct cat_record rec;
	int k;
	while (*ordered && (k = catr_next(&s->cat, &rec, b, CAT_MAX_PATH + 1)) == 1) {
		size_t blen = strlen(b);
		if (!first && sw_path_cmp(a, alen, b, blen) > 0)
			*ordered = false;
		char *t = a;
		a = b;
		b = t;
		alen = blen;
		first = false;
	}
	catr_rewind(&s->cat);
	free(a);
	free(b);
	return 0;
}

int sw_index_load(struct sw_store *s, unsigned flags, char *err, size_t errsz)
{
	if ((flags & SW_ORDERED) && !(flags & SW_STREAM) && check_order(s, &s->ordered)) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	/* test hook: the tests compare the streamed lookups with the index */
	const char *ix = getenv("MIGSTATE_TEST_CATALOG_INDEX");
	if (ix && *ix && *ix != '0')
		s->ordered = false;
	if (!(flags & SW_STREAM) && !s->ordered && (read_records(s, err, errsz) || index_build(s)))
		return -1;
	return 0;
}

void sw_index_free(struct sw_store *s)
{
	for (size_t i = 0; i < s->nrecs; i++) {
		free(s->recs[i].path);
		free(s->recs[i].target);
	}
	free(s->recs);
	free(s->index);
}
