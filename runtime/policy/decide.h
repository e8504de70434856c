/* decide.h - the verdict for one object: precedence of spec section 6.
 *
 *  1. an unconditionalExclude anywhere wins over everything;
 *  2. include and exclude interact only inside one component (and one context): the
 *     more specific matching rule wins, a tie goes to the exclude; an exclude with no
 *     matching include in its component does nothing;
 *  3. the object is included if any component includes it;
 *  4. merge and locationModify: the most specific matching rule of a component wins,
 *     ties by rule order; an including component without a locationModify keeps the
 *     object at its place, so A including and B relocating means both places. */
#ifndef MIGRT_DECIDE_H
#define MIGRT_DECIDE_H

#include "bind.h"
#include "leafidx.h"
#include "vm.h"

enum verdict { V_NONE, V_INCLUDE, V_EXCLUDE, V_UNCOND_EXCLUDE };
extern const char *const rt_verdict_names[4];

#define DECIDE_MAX_DEST 8

struct decision {
	enum verdict verdict;
	uint32_t rule;            /* the deciding rule (PLAN_NONE for V_NONE) */
	uint32_t ent;
	unsigned ctx;
	uint32_t merge;           /* most specific matching merge rule, PLAN_NONE: default */
	uint32_t locmod[DECIDE_MAX_DEST]; /* relocating rules that apply */
	unsigned locmod_ctx[DECIDE_MAX_DEST];
	size_t nlocmod;
	bool keep_original;       /* some including component does not relocate it */
	uint32_t attrs_rule;      /* most specific include/excludeAttributes, PLAN_NONE */
};

/* The verdict for O from the candidates C (rt_candidates): 0 with D filled, or -1 with
 * errno ENOMEM; out of memory is never another verdict. */
int rt_decide(const struct rt_bound *b, const struct rt_cands *c, const struct vm_obj *o,
	      FILE *trace, struct decision *d);

/* The fast path for a walker: the same verdicts as rt_candidates + rt_decide, at a cost
 * that does not grow with the rules that cannot match. rt_dir_begin() looks the
 * directory up once; then, for each object in it (and the directory object itself),
 * the leaf index of each list yields the bindings whose leaf glob can match the name,
 * each distinct node glob set is matched once per directory, and a program runs only
 * when it has a filter (the plain ENODE/ELEAF ones need none). O->dir must be the
 * directory given to rt_dir_begin. */
struct rt_dirlist {
	const struct rt_binding *v;
	size_t n;
	const struct rt_lidx *ix;
};

struct rt_dirctx {
	const struct rt_bound *b;
	struct rt_dirlist *l;
	size_t nl, capl;
	size_t ncands;   /* bindings that reach the directory: 0 = nothing can match there */
	uint32_t gen;    /* node cache generation (one per rt_dir_begin) */
	uint32_t *stamp; /* [node id] */
	uint8_t *val;
	bool broken;     /* the last rt_dir_begin failed: rt_decide_in fails (ENOMEM) */
	struct lidx_scratch sc;
};

/* 0, or -1 with errno ENOMEM: nothing in DIR can be decided (rt_decide_in fails). */
int rt_dir_begin(struct rt_dirctx *dc, const struct rt_bound *b, const char *dir, size_t len);
void rt_dirctx_free(struct rt_dirctx *dc);

#define RT_NEED_META 1
/* 0 with D filled, RT_NEED_META: O->nometa is set and a binding whose program reads
 * the size, times or symlink state must run (fill them in and call again), or -1 with
 * errno ENOMEM. */
int rt_decide_in(struct rt_dirctx *dc, const struct vm_obj *o, struct decision *d);

#endif
