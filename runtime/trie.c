/* trie.c - path index construction and lookup (see trie.h). */
#include "trie.h"
#include "leafidx.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct rt_tnode *trie_new(void)
{
	return calloc(1, sizeof(struct rt_tnode));
}

void trie_free(struct rt_tnode *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nkids; i++)
		trie_free(t->kids[i]);
	free(t->kids);
	free(t->exact);
	free(t->deep);
	free(t->seg);
	lidx_free(t->xidx);
	lidx_free(t->didx);
	free(t);
}

static int seg_cmp(const char *a, size_t alen, const char *b, size_t blen, bool fold)
{
	size_t n = alen < blen ? alen : blen;
	int c = fold ? strncasecmp(a, b, n) : memcmp(a, b, n);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

struct rt_tnode *trie_child(const struct rt_tnode *n, const char *seg, size_t len, bool fold)
{
	size_t lo = 0, hi = n->nkids;
	if (!n->sorted) {
		for (size_t i = 0; i < n->nkids; i++)
			if (!seg_cmp(n->kids[i]->seg, n->kids[i]->seglen, seg, len, fold))
				return n->kids[i];
		return NULL;
	}
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
	return NULL;
}

static int push_binding(struct rt_binding **v, size_t *n, size_t *cap, const struct rt_binding *b)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		struct rt_binding *q = realloc(*v, c * sizeof *q);
		if (!q)
			return -1;
		*v = q;
		*cap = c;
	}
	(*v)[(*n)++] = *b;
	return 0;
}

int trie_insert(struct rt_tnode *root, const char *prefix, size_t len, bool deep,
		const struct rt_binding *bd, bool fold)
{
	struct rt_tnode *n = root;
	size_t i = 0;
	while (i < len) {
		while (i < len && prefix[i] == '/')
			i++;
		size_t s = i;
		while (i < len && prefix[i] != '/')
			i++;
		if (i == s)
			break;
		/* children stay sorted while inserting: a binary search finds the child or
		 * the place of a new one (thousands of siblings cost no quadratic scan) */
		size_t lo = 0, hi = n->nkids;
		struct rt_tnode *k = NULL;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = seg_cmp(n->kids[mid]->seg, n->kids[mid]->seglen, prefix + s, i - s, fold);
			if (c == 0) {
				k = n->kids[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!k) {
			k = calloc(1, sizeof *k);
			if (!k || !(k->seg = strndup(prefix + s, i - s))) {
				free(k);
				return -1;
			}
			k->seglen = i - s;
			if (n->nkids == n->capkids) {
				size_t c = n->capkids ? n->capkids * 2 : 4;
				struct rt_tnode **q = realloc(n->kids, c * sizeof *q);
				if (!q) {
					free(k->seg);
					free(k);
					return -1;
				}
				n->kids = q;
				n->capkids = c;
			}
			memmove(n->kids + lo + 1, n->kids + lo, (n->nkids - lo) * sizeof *n->kids);
			n->kids[lo] = k;
			n->nkids++;
		}
		n = k;
	}
	return deep ? push_binding(&n->deep, &n->ndeep, &n->capdeep, bd)
		    : push_binding(&n->exact, &n->nexact, &n->capexact, bd);
}

static int kid_cmp(const void *a, const void *b, void *fold)
{
	const struct rt_tnode *x = *(const struct rt_tnode *const *)a;
	const struct rt_tnode *y = *(const struct rt_tnode *const *)b;
	return seg_cmp(x->seg, x->seglen, y->seg, y->seglen, *(bool *)fold);
}

int trie_index(struct rt_tnode *n, const struct rt_bound *b)
{
	if (n->nexact && !(n->xidx = lidx_build(b, n->exact, n->nexact)))
		return -1;
	if (n->ndeep && !(n->didx = lidx_build(b, n->deep, n->ndeep)))
		return -1;
	for (size_t i = 0; i < n->nkids; i++)
		if (trie_index(n->kids[i], b))
			return -1;
	return 0;
}

void trie_finish(struct rt_tnode *n, bool fold)
{
	if (n->nkids > 1)
		qsort_r(n->kids, n->nkids, sizeof n->kids[0], kid_cmp, &fold);
	n->sorted = true;
	for (size_t i = 0; i < n->nkids; i++)
		trie_finish(n->kids[i], fold);
}
