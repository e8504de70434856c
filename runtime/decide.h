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
#include "vm.h"

enum verdict { V_NONE, V_INCLUDE, V_EXCLUDE, V_UNCOND_EXCLUDE };
extern const char *const verdict_names[4];

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

void rt_decide(const struct rt_bound *b, const struct rt_cands *c, const struct vm_obj *o,
	       FILE *trace, struct decision *d);

#endif
