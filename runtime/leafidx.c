/* leafidx.c - leaf index of a binding list (see leafidx.h). */
#include "leafidx.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "match.h"

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

static int push32(uint32_t **v, size_t *n, uint32_t x)
{
	if ((*n & (*n - 1)) == 0 || *n == 0) { /* grow at powers of two */
		size_t cap = *n ? *n * 2 : 4;
		uint32_t *q = realloc(*v, cap * sizeof *q);
		if (!q)
			return -1;
		*v = q;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int add_len(uint16_t **v, size_t *n, uint16_t l)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == l)
			return 0;
	uint16_t *q = realloc(*v, (*n + 1) * sizeof *q);
	if (!q)
		return -1;
	*v = q;
	size_t i = (*n)++;
	while (i > 0 && q[i - 1] > l) {
		q[i] = q[i - 1];
		i--;
	}
	q[i] = l;
	return 0;
}

void lidx_free(struct rt_lidx *x)
{
	if (!x)
		return;
	free(x->files_any);
	free(x->dirs_any);
	free(x->gen);
	free(x->gen_glob);
	free(x->gen_len);
	for (size_t i = 0; i < x->capkeys; i++)
		free(x->keys[i].key);
	free(x->keys);
	free(x->pos);
	free(x->sfx_lens);
	free(x->pfx_lens);
	free(x);
}

struct rt_lidx *lidx_build(const struct rt_bound *b, const struct rt_binding *v, size_t n)
{
	const struct plan *p = b->plan;
	struct rt_lidx *x = calloc(1, sizeof *x);
	struct tuple *t = calloc(n ? n : 1, sizeof *t);
	size_t nt = 0, ngroups = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	if (!x || !t)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		uint32_t pos = (uint32_t)i;
		const struct plan_ent *en = &p->ents[v[i].ent];
		if (!(b->entf[v[i].ent] & RT_EF_GATED)) {
			if (push32(&x->files_any, &x->nfiles_any, pos) ||
			    push32(&x->dirs_any, &x->ndirs_any, pos))
				goto fail;
			continue;
		}
		const struct plan_pat *pt = &p->pats[en->pat];
		if (pt->leaf == PLAN_NONE) {
			if (push32(&x->dirs_any, &x->ndirs_any, pos))
				goto fail;
			continue;
		}
		const char *g = plan_str(p, pt->leaf);
		size_t gl = strlen(g), kl;
		if (gl + 1 > bufcap) {
			free(buf);
			bufcap = gl + 1;
			if (!(buf = malloc(bufcap)))
				goto fail;
		}
		int k = classify(g, gl, b->match_flags, buf, &kl);
		if (k == -1) {
			if (push32(&x->files_any, &x->nfiles_any, pos))
				goto fail;
		} else if (k == -2) {
			size_t at = x->ngen;
			if (push32(&x->gen, &x->ngen, pos))
				goto fail;
			const char **gg = realloc(x->gen_glob, x->ngen * sizeof *gg);
			if (gg)
				x->gen_glob = gg;
			size_t *gn = realloc(x->gen_len, x->ngen * sizeof *gn);
			if (gn)
				x->gen_len = gn;
			if (!gg || !gn)
				goto fail;
			x->gen_glob[at] = g;
			x->gen_len[at] = gl;
		} else {
			t[nt].kind = (uint8_t)k;
			t[nt].len = (uint16_t)kl;
			t[nt].pos = pos;
			if (!(t[nt].key = malloc(kl ? kl : 1)))
				goto fail;
			memcpy(t[nt].key, buf, kl);
			nt++;
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
		x->keys = calloc(x->capkeys, sizeof *x->keys);
		x->pos = malloc(nt * sizeof *x->pos);
		if (!x->keys || !x->pos)
			goto fail;
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
			t[i].key = NULL;
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
			else if (add_len(k->kind == K_SFX ? &x->sfx_lens : &x->pfx_lens,
					 k->kind == K_SFX ? &x->nsfx : &x->npfx, k->len))
				goto fail;
			i = j;
		}
	}
	for (size_t i = 0; i < nt; i++)
		free(t[i].key);
	free(t);
	free(buf);
	return x;
fail:
	for (size_t i = 0; t && i < nt; i++)
		free(t[i].key);
	free(t);
	free(buf);
	lidx_free(x);
	return NULL;
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
