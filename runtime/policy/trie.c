/* trie.c - path index construction and lookup (see trie.h). */
#include "trie.h"
#include "leafidx.h"
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rt_tpend {
	struct rt_tnode *node;
	struct rt_binding bd;
	bool deep;
};

struct rt_tnode *trie_new(struct rt_pool *pool)
{
	struct rt_tnode *t = rt_pool_alloc(pool, sizeof *t);
	if (t)
		memset(t, 0, sizeof *t);
	return t;
}

void trie_free(struct rt_tnode *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nkids; i++)
		trie_free(t->kids[i]);
	free(t->kids);
}

/* ASCII case folding of eight bytes at once: 0x20 added to each of 'A'..'Z'. */
static uint64_t fold8(uint64_t v)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
	uint64_t h = v & lo7;
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3full; /* bit 7 set where byte >= 'A' */
	uint64_t gt_z = h + 0x2525252525252525ull; /* bit 7 set where byte > 'Z' */
	return v | ((ge_a & ~gt_z & ~v & hi) >> 2);
}

static int fold1(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The order of strncasecmp in the C locale (migstate never sets another) on
 * length-delimited segments, inline and eight bytes at a time where they agree:
 * binding thousands of rules compares tens of thousands of sibling names. */
static int fold_cmp(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y && fold8(x) != fold8(y))
			break; /* the byte loop finds where */
	}
	for (; i < n; i++) {
		int x = fold1((unsigned char)a[i]), y = fold1((unsigned char)b[i]);
		if (x != y)
			return x - y;
	}
	return 0;
}

static int seg_cmp(const char *a, size_t alen, const char *b, size_t blen, bool fold)
{
	size_t n = alen < blen ? alen : blen;
	int c = fold ? fold_cmp(a, b, n) : memcmp(a, b, n);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Binary search of N's sorted children for SEG: the child, or NULL with *AT the place
 * a new one goes. */
static struct rt_tnode *kid_search(const struct rt_tnode *n, const char *seg, size_t len,
				   bool fold, size_t *at)
{
	size_t lo = 0, hi = n->nkids;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = seg_cmp(n->kids[mid]->seg, n->kids[mid]->seglen, seg, len, fold);
		if (c == 0)
			return n->kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

struct rt_tnode *trie_child(const struct rt_tnode *n, const char *seg, size_t len, bool fold)
{
	if (!n->sorted) {
		for (size_t i = 0; i < n->nkids; i++)
			if (!seg_cmp(n->kids[i]->seg, n->kids[i]->seglen, seg, len, fold))
				return n->kids[i];
		return NULL;
	}
	size_t at;
	return kid_search(n, seg, len, fold, &at);
}

/* Child SEG (already folded when the trie is) of N, made when missing. Children stay
 * sorted while inserting: a binary search finds the child or the place of a new one
 * (thousands of siblings cost no quadratic scan). Node text is compared folded on
 * both sides, so plain memcmp order is seg_cmp's. */
static struct rt_tnode *child_make(struct rt_tnode *n, struct rt_pool *pool, const char *seg,
				   size_t len)
{
	size_t lo;
	struct rt_tnode *k = kid_search(n, seg, len, false, &lo);
	if (k)
		return k;
	k = rt_pool_alloc(pool, sizeof *k + len + 1);
	if (!k)
		return NULL;
	memset(k, 0, sizeof *k);
	k->seg = (char *)(k + 1); /* the segment's text follows the node */
	memcpy(k->seg, seg, len);
	k->seg[len] = 0;
	k->seglen = len;
	if (n->nkids == n->capkids) {
		size_t c = n->capkids ? n->capkids * 2 : 4;
		struct rt_tnode **q = realloc(n->kids, c * sizeof *q);
		if (!q)
			return NULL;
		n->kids = q;
		n->capkids = c;
	}
	memmove(n->kids + lo + 1, n->kids + lo, (n->nkids - lo) * sizeof *n->kids);
	n->kids[lo] = k;
	n->nkids++;
	return k;
}

/* The node of path P (LEN bytes, folded when the trie is) below N. */
static struct rt_tnode *walk_make(struct rt_tnode *n, struct rt_pool *pool, const char *p,
				  size_t len)
{
	size_t i = 0;
	while (n && i < len) {
		while (i < len && p[i] == '/')
			i++;
		size_t s = i;
		while (i < len && p[i] != '/')
			i++;
		if (i == s)
			break;
		n = child_make(n, pool, p + s, i - s);
	}
	return n;
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(*v, c * size);
	if (!q)
		return -1;
	*v = q;
	*cap = c;
	return 0;
}

int trie_insert(struct rt_tnode *root, struct rt_tbuild *tb, const char *prefix, size_t len,
		bool deep, const struct rt_binding *bd)
{
	if (tb->fold) {
		if (grow((void **)&tb->fbuf, &tb->fcap, len + 1, 1))
			return -1;
		size_t i = 0;
		for (; i + 8 <= len; i += 8) {
			uint64_t w;
			memcpy(&w, prefix + i, 8);
			w = fold8(w);
			memcpy(tb->fbuf + i, &w, 8);
		}
		for (; i < len; i++)
			tb->fbuf[i] = (char)fold1((unsigned char)prefix[i]);
		prefix = tb->fbuf;
	}
	/* rules of one directory come one after the other: its node is remembered (the
	 * walk from the root, segment by segment, ends there whatever the last segment) */
	const char *sl = memrchr(prefix, '/', len);
	size_t dl = sl ? (size_t)(sl - prefix) : 0;
	struct rt_tnode *n;
	if (tb->lastnode && dl == tb->lastlen && !memcmp(prefix, tb->last, dl)) {
		n = tb->lastnode;
	} else {
		if (!(n = walk_make(root, tb->pool, prefix, dl)) ||
		    grow((void **)&tb->last, &tb->lastcap, dl + 1, 1))
			return -1;
		memcpy(tb->last, prefix, dl);
		tb->lastlen = dl;
		tb->lastnode = n;
	}
	if (!(n = walk_make(n, tb->pool, prefix + dl, len - dl)) ||
	    grow((void **)&tb->v, &tb->cap, tb->n + 1, sizeof *tb->v))
		return -1;
	tb->v[tb->n++] = (struct rt_tpend){n, *bd, deep};
	if (deep)
		n->ndeep++;
	else
		n->nexact++;
	return 0;
}

void trie_build_free(struct rt_tbuild *tb)
{
	free(tb->v);
	free(tb->last);
	free(tb->fbuf);
	tb->v = NULL;
	tb->last = tb->fbuf = NULL;
	tb->n = tb->cap = tb->lastcap = tb->fcap = tb->lastlen = 0;
	tb->lastnode = NULL;
}

static void mark_sorted(struct rt_tnode *n)
{
	n->sorted = true;
	for (size_t i = 0; i < n->nkids; i++)
		mark_sorted(n->kids[i]);
}

int trie_finish(struct rt_tnode *root, struct rt_tbuild *tb)
{
	/* a node's lists are made when its first binding comes, with the counts
	 * trie_insert kept, and filled again from zero in insertion order */
	int rc = 0;
	for (size_t i = 0; i < tb->n && rc == 0; i++) {
		struct rt_tpend *e = &tb->v[i];
		struct rt_binding **v = e->deep ? &e->node->deep : &e->node->exact;
		size_t *n = e->deep ? &e->node->ndeep : &e->node->nexact;
		if (!*v) {
			if (!(*v = rt_pool_alloc(tb->pool, *n * sizeof **v)))
				rc = -1;
			*n = 0;
		}
		if (rc == 0)
			(*v)[(*n)++] = e->bd;
	}
	trie_build_free(tb);
	if (rc)
		return -1; /* the bind fails: nothing reads the lists */
	/* children were kept in seg_cmp order while inserting (never two equal ones):
	 * nothing to sort */
	mark_sorted(root);
	return 0;
}

int trie_index(struct rt_tnode *n, const struct rt_bound *b, struct rt_pool *pool)
{
	if (n->nexact && !(n->xidx = lidx_build(b, n->exact, n->nexact, pool)))
		return -1;
	if (n->ndeep && !(n->didx = lidx_build(b, n->deep, n->ndeep, pool)))
		return -1;
	for (size_t i = 0; i < n->nkids; i++)
		if (trie_index(n->kids[i], b, pool))
			return -1;
	return 0;
}
