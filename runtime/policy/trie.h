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

struct rt_pool;

struct rt_tnode {
	char *seg; /* folded when matching is case-insensitive */
	size_t seglen;
	struct rt_tnode **kids;
	size_t nkids, capkids;
	bool sorted;
	struct rt_binding *exact, *deep;
	size_t nexact, ndeep;
	struct rt_lidx *xidx, *didx; /* leaf indexes of exact and deep (trie_index) */
};

/* Building the index. Nodes, binding lists and leaf indexes come from a pool (freed
 * with it, after trie_free): thousands of rules, each its own directory, cost no
 * malloc and free per node. Bindings wait in a list until trie_finish gives each node
 * its lists in one piece, in insertion order. */
struct rt_tpend;
struct rt_tbuild {
	struct rt_pool *pool;
	bool fold;
	struct rt_tpend *v;
	size_t n, cap;
	char *last; /* the last prefix's directory part (up to its last '/') */
	size_t lastlen, lastcap;
	struct rt_tnode *lastnode; /* ... and its node */
	char *fbuf;		   /* the folded prefix */
	size_t fcap;
};

struct rt_tnode *trie_new(struct rt_pool *pool);
/* Free what the pool does not hold (children arrays); the pool goes afterwards. */
void trie_free(struct rt_tnode *t);
/* Insert binding BD for a glob (whose literal prefix is PREFIX, unescaped, '/'-led). */
int trie_insert(struct rt_tnode *root, struct rt_tbuild *tb, const char *prefix, size_t len,
		bool deep, const struct rt_binding *bd);
/* Hand every node its bindings (call once after the last insert); frees TB's memory,
 * also after an error. 0 or -1 (no memory). */
int trie_finish(struct rt_tnode *root, struct rt_tbuild *tb);
/* Free TB's memory without finishing (an error before trie_finish). */
void trie_build_free(struct rt_tbuild *tb);
/* Build every list's leaf index (leafidx.h) for bound plan B. 0 or -1 (no memory). */
int trie_index(struct rt_tnode *root, const struct rt_bound *b, struct rt_pool *pool);
/* Find child SEG of N (folded comparison when FOLD). */
struct rt_tnode *trie_child(const struct rt_tnode *n, const char *seg, size_t len, bool fold);

#endif
