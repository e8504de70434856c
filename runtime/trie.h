/* trie.h - the path index: literal leading segments of bound node globs.
 *
 * Each binding hangs on the node of its glob's literal prefix: in `exact` when the
 * glob has no wildcard (it can only match that very directory), in `deep` otherwise
 * (it may match there or anywhere below). Children are kept sorted for bsearch. */
#ifndef MIGRT_TRIE_H
#define MIGRT_TRIE_H

#include <stdbool.h>
#include <stddef.h>

#include "bind.h"

struct rt_tnode {
	char *seg;            /* folded when matching is case-insensitive */
	size_t seglen;
	struct rt_tnode **kids;
	size_t nkids, capkids;
	bool sorted;
	struct rt_binding *exact, *deep;
	size_t nexact, capexact, ndeep, capdeep;
	struct rt_lidx *xidx, *didx; /* leaf indexes of exact and deep (trie_index) */
};

struct rt_tnode *trie_new(void);
void trie_free(struct rt_tnode *t);
/* Insert binding BD for a glob (whose literal prefix is PREFIX, unescaped, '/'-led). */
int trie_insert(struct rt_tnode *root, const char *prefix, size_t len, bool deep,
		const struct rt_binding *bd, bool fold);
/* Sort every node's children (call once after the last insert). */
void trie_finish(struct rt_tnode *root, bool fold);
/* Build every list's leaf index (leafidx.h) for bound plan B. 0 or -1 (no memory). */
int trie_index(struct rt_tnode *root, const struct rt_bound *b);
/* Find child SEG of N (folded comparison when FOLD). */
struct rt_tnode *trie_child(const struct rt_tnode *n, const char *seg, size_t len, bool fold);

#endif
