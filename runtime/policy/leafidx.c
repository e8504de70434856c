/* leafidx.c - leaf index of a binding list (see leafidx.h). */
#include "leafidx.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "match.h"
#include "pool.h"

enum { K_EXACT, K_SFX, K_PFX };

struct rt_lkey {
	uint64_t h;
	char *key;
	uint32_t first, n; /* x->pos[first .. first+n) */
	uint16_t len;
	uint8_t kind;
	bool used;
};

static unsigned char fold1(unsigned char c, unsigned flags)
{
	return (flags & MATCH_FOLD) && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static uint64_t khash(unsigned kind, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ (kind * 0x9e3779b97f4a7c15ull) ^ n;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 31);
}

/* The leaf glob's shape: -1 any name, K_* with the literal in OUT (unescaped, folded),
 * or -2 general. */
static int classify(const char *g, size_t len, unsigned flags, char *out, size_t *olen)
{
	/* the glob as runs: [stars] literal [stars] literal ... ('\\' escapes a byte, as in
	 * glob_match: a '\\' at the very end is a literal backslash) */
	size_t n = 0;
	bool lead = false;  /* stars before the first literal byte */
	bool tail = false;  /* stars after a literal byte */
	bool split = false; /* a literal byte after such stars: two literal runs */
	for (size_t i = 0; i < len; i++) {
		if (g[i] == '*') {
			if (n == 0)
				lead = true;
			else
				tail = true;
			continue;
		}
		if (g[i] == '\\' && i + 1 < len)
			i++;
		if (tail)
			split = true;
		out[n++] = (char)fold1((unsigned char)g[i], flags);
	}
	*olen = n;
	if (n == 0)
		return -1; /* only stars: any name */
	if (split || n > UINT16_MAX || (lead && tail))
		return -2; /* "a*b", "*x*": matched as a glob */
	if (lead)
		return K_SFX; /* "*lit" */
	if (tail)
		return K_PFX; /* "lit*" */
	return K_EXACT;
}

struct tuple {
	uint8_t kind;
	uint16_t len;
	char *key;
	uint32_t pos;
};

static int tuple_cmp(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->key, y->key, x->len);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Insert L into the ascending set V of N (room for one more). */
static void add_len(uint16_t *v, size_t *n, uint16_t l)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == l)
			return;
	size_t i = (*n)++;
	while (i > 0 && v[i - 1] > l) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = l;
}

enum { C_BOTH, C_DIRS, C_FILES, C_GEN, C_KEY }; /* where a position goes */

static void *pool_array(struct rt_pool *pool, size_t n, size_t size, bool *oom)
{
	if (!n)
		return NULL;
	void *r = rt_pool_alloc(pool, n * size);
	if (!r)
		*oom = true;
	return r;
}

struct rt_lidx *lidx_build(const struct rt_bound *b, const struct rt_binding *v, size_t n,
			   struct rt_pool *pool)
{
	const struct plan *p = b->plan;
	/* most lists are short (one rule's directory): their scratch is on the stack; the
	 * index itself is made to size in the pool, after a first pass has counted */
	struct tuple tbuf[16];
	uint8_t cbuf[64];
	char sbuf[256];
	struct rt_lidx *x = rt_pool_alloc(pool, sizeof *x);
	struct tuple *t = n <= 16 ? tbuf : malloc(n * sizeof *t);
	uint8_t *cls = n <= 64 ? cbuf : malloc(n);
	size_t nt = 0, ngroups = 0, nf = 0, nd = 0, ng = 0;
	char *buf = sbuf;
	size_t bufcap = sizeof sbuf;
	bool oom = false;
	if (!x || !t || !cls)
		goto fail;
	memset(x, 0, sizeof *x);
	for (size_t i = 0; i < n; i++) {
		const struct plan_ent *en = &p->ents[v[i].ent];
		if (!(b->entf[v[i].ent] & RT_EF_GATED)) {
			cls[i] = C_BOTH;
			nf++;
			nd++;
			continue;
		}
		const struct plan_pat *pt = &p->pats[en->pat];
		if (pt->leaf == PLAN_NONE) {
			cls[i] = C_DIRS;
			nd++;
			continue;
		}
		const char *g = plan_str(p, pt->leaf);
		size_t gl = strlen(g), kl;
		if (gl + 1 > bufcap) {
			if (buf != sbuf)
				free(buf);
			bufcap = gl + 1;
			if (!(buf = malloc(bufcap)))
				goto fail;
		}
		int k = classify(g, gl, b->match_flags, buf, &kl);
		if (k == -1) {
			cls[i] = C_FILES;
			nf++;
		} else if (k == -2) {
			cls[i] = C_GEN;
			ng++;
		} else {
			cls[i] = C_KEY;
			t[nt].kind = (uint8_t)k;
			t[nt].len = (uint16_t)kl;
			t[nt].pos = (uint32_t)i;
			if (!(t[nt].key = rt_pool_alloc(pool, kl ? kl : 1)))
				goto fail;
			memcpy(t[nt].key, buf, kl);
			nt++;
		}
	}
	x->files_any = pool_array(pool, nf, sizeof *x->files_any, &oom);
	x->dirs_any = pool_array(pool, nd, sizeof *x->dirs_any, &oom);
	x->gen = pool_array(pool, ng, sizeof *x->gen, &oom);
	x->gen_glob = pool_array(pool, ng, sizeof *x->gen_glob, &oom);
	x->gen_len = pool_array(pool, ng, sizeof *x->gen_len, &oom);
	if (oom)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		uint32_t pos = (uint32_t)i;
		switch (cls[i]) {
		case C_BOTH:
			x->files_any[x->nfiles_any++] = pos;
			x->dirs_any[x->ndirs_any++] = pos;
			break;
		case C_DIRS:
			x->dirs_any[x->ndirs_any++] = pos;
			break;
		case C_FILES:
			x->files_any[x->nfiles_any++] = pos;
			break;
		case C_GEN: {
			const char *g = plan_str(p, p->pats[p->ents[v[i].ent].pat].leaf);
			x->gen[x->ngen] = pos;
			x->gen_glob[x->ngen] = g;
			x->gen_len[x->ngen++] = strlen(g);
			break;
		}
		}
	}
	if (nt) {
		qsort(t, nt, sizeof *t, tuple_cmp);
		for (size_t i = 0; i < nt; i++)
			if (i == 0 || tuple_cmp(&(struct tuple){t[i].kind, t[i].len, t[i].key, 0},
						&(struct tuple){t[i - 1].kind, t[i - 1].len,
								t[i - 1].key, 0}))
				ngroups++;
		x->capkeys = 4;
		while (x->capkeys < ngroups * 2)
			x->capkeys *= 2;
		x->keys = pool_array(pool, x->capkeys, sizeof *x->keys, &oom);
		x->pos = pool_array(pool, nt, sizeof *x->pos, &oom);
		x->sfx_lens = pool_array(pool, ngroups, sizeof *x->sfx_lens, &oom);
		x->pfx_lens = pool_array(pool, ngroups, sizeof *x->pfx_lens, &oom);
		if (oom)
			goto fail;
		memset(x->keys, 0, x->capkeys * sizeof *x->keys);
		for (size_t i = 0; i < nt;) {
			size_t j = i + 1;
			while (j < nt && t[j].kind == t[i].kind && t[j].len == t[i].len &&
			       !memcmp(t[j].key, t[i].key, t[i].len))
				j++;
			uint64_t h = khash(t[i].kind, t[i].key, t[i].len);
			size_t s = (size_t)h & (x->capkeys - 1);
			while (x->keys[s].used)
				s = (s + 1) & (x->capkeys - 1);
			struct rt_lkey *k = &x->keys[s];
			k->used = true;
			k->h = h;
			k->kind = t[i].kind;
			k->len = t[i].len;
			k->key = t[i].key;
			k->first = (uint32_t)i;
			k->n = (uint32_t)(j - i);
			for (size_t m = i; m < j; m++)
				x->pos[m] = t[m].pos;
			unsigned char edge =
			    (unsigned char)(k->kind == K_SFX ? k->key[k->len - 1] : k->key[0]);
			if (k->kind == K_SFX)
				x->sfx_last[edge >> 6] |= 1ull << (edge & 63);
			else if (k->kind == K_PFX)
				x->pfx_first[edge >> 6] |= 1ull << (edge & 63);
			if (k->kind == K_EXACT)
				x->have_exact = true;
			else if (k->kind == K_SFX)
				add_len(x->sfx_lens, &x->nsfx, k->len);
			else
				add_len(x->pfx_lens, &x->npfx, k->len);
			i = j;
		}
	}
	if (t != tbuf)
		free(t);
	if (cls != cbuf)
		free(cls);
	if (buf != sbuf)
		free(buf);
	return x;
fail:
	if (t && t != tbuf)
		free(t);
	if (cls && cls != cbuf)
		free(cls);
	if (buf != sbuf)
		free(buf);
	return NULL; /* what the pool holds goes with it */
}

void lidx_scratch_free(struct lidx_scratch *s)
{
	free(s->pos);
	free(s->fold);
	memset(s, 0, sizeof *s);
}

static int reserve(struct lidx_scratch *s, size_t more)
{
	if (s->n + more <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 64;
	while (cap < s->n + more)
		cap *= 2;
	uint32_t *q = realloc(s->pos, cap * sizeof *q);
	if (!q)
		return -1;
	s->pos = q;
	s->cap = cap;
	return 0;
}

static int append(struct lidx_scratch *s, const uint32_t *v, size_t n)
{
	if (!n)
		return 0; /* V may be NULL then */
	if (reserve(s, n))
		return -1;
	memcpy(s->pos + s->n, v, n * sizeof *v);
	s->n += n;
	return 0;
}

static int probe(const struct rt_lidx *x, unsigned kind, const char *k, size_t len,
		 struct lidx_scratch *s)
{
	uint64_t h = khash(kind, k, len);
	for (size_t i = (size_t)h & (x->capkeys - 1);; i = (i + 1) & (x->capkeys - 1)) {
		const struct rt_lkey *e = &x->keys[i];
		if (!e->used)
			return 0;
		if (e->h == h && e->kind == kind && e->len == len && !memcmp(e->key, k, len))
			return append(s, x->pos + e->first, e->n);
	}
}

static int u32cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int lidx_query(const struct rt_lidx *x, const char *name, size_t len, bool is_dir, unsigned flags,
	       struct lidx_scratch *s)
{
	s->n = 0;
	if (is_dir)
		return append(s, x->dirs_any, x->ndirs_any);
	if (append(s, x->files_any, x->nfiles_any))
		return -1;
	size_t runs = x->nfiles_any != 0;
	if (x->capkeys && len) {
		const char *k = name;
		if (flags & MATCH_FOLD) {
			if (len + 1 > s->capfold) {
				char *q = realloc(s->fold, len + 1);
				if (!q)
					return -1;
				s->fold = q;
				s->capfold = len + 1;
			}
			for (size_t i = 0; i < len; i++)
				s->fold[i] = (char)fold1((unsigned char)name[i], flags);
			k = s->fold;
		}
		size_t before = s->n;
		if (x->have_exact && len <= UINT16_MAX && probe(x, K_EXACT, k, len, s))
			return -1;
		/* a name whose last (first) byte ends (starts) no key needs no probe */
		unsigned char last = (unsigned char)k[len - 1], first = (unsigned char)k[0];
		if (x->sfx_last[last >> 6] & (1ull << (last & 63)))
			for (size_t i = 0; i < x->nsfx && x->sfx_lens[i] <= len; i++)
				if (probe(x, K_SFX, k + len - x->sfx_lens[i], x->sfx_lens[i], s))
					return -1;
		if (x->pfx_first[first >> 6] & (1ull << (first & 63)))
			for (size_t i = 0; i < x->npfx && x->pfx_lens[i] <= len; i++)
				if (probe(x, K_PFX, k, x->pfx_lens[i], s))
					return -1;
		runs += s->n != before ? 2 : 0; /* probes may interleave with each other */
	}
	if (x->ngen) {
		size_t before = s->n;
		for (size_t i = 0; i < x->ngen; i++)
			if (glob_match(x->gen_glob[i], x->gen_len[i], name, len, flags) &&
			    append(s, &x->gen[i], 1))
				return -1;
		runs += s->n != before;
	}
	if (runs > 1 && s->n > 1) {
		if (s->n <= 16) {
			for (size_t i = 1; i < s->n; i++) {
				uint32_t v = s->pos[i];
				size_t j = i;
				while (j > 0 && s->pos[j - 1] > v) {
					s->pos[j] = s->pos[j - 1];
					j--;
				}
				s->pos[j] = v;
			}
		} else {
			qsort(s->pos, s->n, sizeof *s->pos, u32cmp);
		}
	}
	return 0;
}
