/* leafidx.h - the leaf index of one binding list of the path index.
 *
 * A trie node keeps the bindings whose glob hangs there (trie.h). Deciding a file in a
 * directory used to run every candidate's program; most of them fail on the leaf glob
 * ("*.ext17" for report.odt). The leaf index answers "which positions of this list can
 * match the name NAME" from the leaf globs' shapes, without looking at the others:
 *
 *   exact   "report.txt"       hash of the (folded) name
 *   suffix  "*.pst"            hash of the name's last N bytes, one probe per distinct N
 *   prefix  "Singleton*"       hash of the name's first N bytes, likewise
 *   any     "*", and every binding whose program is not the plain gated shape
 *   general anything else ("*.*~", ".*.swp"): the glob is matched, as before
 *
 * A directory object is matched against the bindings of patterns without a leaf (plus
 * the ungated ones). Positions come back in ascending order, so callers see the
 * candidates in exactly the order rt_candidates() gives them. */
#ifndef MIGRT_LEAFIDX_H
#define MIGRT_LEAFIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_bound;
struct rt_binding;

struct rt_lkey;

struct rt_lidx {
	uint32_t *files_any; /* positions evaluated for every file */
	size_t nfiles_any;
	uint32_t *dirs_any; /* positions evaluated for every directory object */
	size_t ndirs_any;
	uint32_t *gen; /* positions whose leaf glob is matched per name */
	const char **gen_glob;
	size_t *gen_len;
	size_t ngen;
	struct rt_lkey *keys; /* open addressing, capacity a power of two (0: none) */
	size_t capkeys;
	uint32_t *pos;		       /* positions, grouped by key */
	uint16_t *sfx_lens, *pfx_lens; /* distinct key lengths, ascending */
	size_t nsfx, npfx;
	uint64_t sfx_last[4], pfx_first[4]; /* bytes suffixes end with, prefixes start with */
	bool have_exact;
};

struct rt_pool;

/* Build the index of the N bindings at V (bound plan B) in POOL (it lives and is freed
 * with the pool). NULL when out of memory. */
struct rt_lidx *lidx_build(const struct rt_bound *b, const struct rt_binding *v, size_t n,
			   struct rt_pool *pool);

/* Scratch space for queries, reused from call to call. */
struct lidx_scratch {
	uint32_t *pos;
	size_t n, cap;
	char *fold;
	size_t capfold;
};
void lidx_scratch_free(struct lidx_scratch *s);

/* The positions that may match a file named NAME (or, IS_DIR, the directory object),
 * ascending, in S->pos[0..S->n). -1 when out of memory. */
int lidx_query(const struct rt_lidx *x, const char *name, size_t len, bool is_dir, unsigned flags,
	       struct lidx_scratch *s);

#endif
