/* decide.c - candidate lookup in the path index and the precedence resolver. */
#include "decide.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "trie.h"

const char *const rt_verdict_names[4] = {"none", "include", "exclude", "unconditional-exclude"};

void rt_cands_free(struct rt_cands *c)
{
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* Out of memory is an error, never fewer candidates: one left out could change a
 * verdict (an include, an exclude that beats it, a destinationCleanup). */
static int cands_add(struct rt_cands *c, const struct rt_binding *v, size_t n)
{
	if (c->n + n > c->cap) {
		size_t cap = c->cap ? c->cap : 16;
		while (cap < c->n + n)
			cap *= 2;
		const struct rt_binding **q = realloc(c->v, cap * sizeof *q);
		if (!q) {
			errno = ENOMEM;
			return -1;
		}
		c->v = q;
		c->cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		c->v[c->n++] = &v[i];
	return 0;
}

/* Walk DIR's segments down the trie, collecting the lists of every node passed. */
int rt_candidates(const struct rt_bound *b, const char *dir, size_t len, struct rt_cands *out)
{
	const struct rt_tnode *n = b->trie;
	bool fold = b->match_flags & MATCH_FOLD;
	size_t i = 0;
	out->n = 0;
	if (cands_add(out, n->deep, n->ndeep))
		goto fail;
	while (n) {
		while (i < len && dir[i] == '/')
			i++;
		if (i >= len)
			return cands_add(out, n->exact, n->nexact) ? -1 : 0;
		size_t s = i;
		while (i < len && dir[i] != '/')
			i++;
		n = trie_child(n, dir + s, i - s, fold);
		if (n && cands_add(out, n->deep, n->ndeep))
			goto fail;
	}
	return 0;
fail:
	out->n = 0; /* a part of the list is no list */
	return -1;
}

bool rt_reachable(const struct rt_bound *b, const char *dir, size_t len)
{
	const struct rt_tnode *n = b->trie;
	bool fold = b->match_flags & MATCH_FOLD;
	size_t i = 0;
	while (n) {
		if (n->ndeep)
			return true; /* a wildcard node may match anything below */
		while (i < len && dir[i] == '/')
			i++;
		if (i >= len)
			return true; /* DIR is on the way to (or at) some entry */
		size_t s = i;
		while (i < len && dir[i] != '/')
			i++;
		n = trie_child(n, dir + s, i - s, fold);
	}
	return false;
}

struct group {
	uint32_t comp;
	unsigned ctx;
	int64_t inc_spec, exc_spec; /* -1: none matched */
	uint32_t inc_rule, exc_rule, inc_ent, exc_ent;
	int64_t loc_spec;
	uint32_t loc_rule;
};

/* Groups live in the accumulator's array of LOCAL_GROUPS and move to the heap beyond
 * that: every (component, context) that matches the object must count, however many. */
#define LOCAL_GROUPS 64

struct groups {
	struct group *v;
	size_t n, cap;
};

static struct group *group_of(struct groups *gs, uint32_t comp, unsigned ctx)
{
	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].comp == comp && gs->v[i].ctx == ctx)
			return &gs->v[i];
	if (gs->n == gs->cap) {
		size_t cap = gs->cap * 2;
		struct group *v = malloc(cap * sizeof *v);
		if (!v) {
			errno = ENOMEM; /* the decision fails: a group left out could change it */
			return NULL;
		}
		memcpy(v, gs->v, gs->n * sizeof *v);
		if (gs->cap > LOCAL_GROUPS)
			free(gs->v);
		gs->v = v;
		gs->cap = cap;
	}
	struct group *x = &gs->v[gs->n++];
	*x = (struct group){comp, ctx, -1, -1, PLAN_NONE, PLAN_NONE, PLAN_NONE, PLAN_NONE, -1, PLAN_NONE};
	return x;
}

/* More specific wins; equal specificity: earlier rule (document order). */
static bool better(int64_t spec, uint32_t rule, int64_t best_spec, uint32_t best_rule)
{
	return spec > best_spec || (spec == best_spec && rule < best_rule);
}

/* The precedence resolver, fed one matching binding at a time in candidate order. */
struct dacc {
	const struct plan *p;
	struct decision *d;
	struct group local[LOCAL_GROUPS];
	struct groups gs;
	int64_t unc_spec, merge_spec, attr_spec;
	uint32_t unc_rule, unc_ent;
};

static void acc_init(struct dacc *a, const struct plan *p, struct decision *d)
{
	a->p = p;
	a->d = d;
	a->gs = (struct groups){a->local, 0, LOCAL_GROUPS};
	a->unc_spec = a->merge_spec = a->attr_spec = -1;
	a->unc_rule = a->unc_ent = PLAN_NONE;
	memset(d, 0, sizeof *d);
	d->rule = d->ent = d->merge = d->attrs_rule = PLAN_NONE;
}

/* Binding BD's program returned true for the object. -1 out of memory (errno ENOMEM). */
static int acc_add(struct dacc *a, const struct rt_binding *bd)
{
	const struct plan_ent *en = &a->p->ents[bd->ent];
	const struct plan_rule *r = &a->p->rules[en->rule];
	struct decision *d = a->d;
	int64_t spec = bd->spec;
	struct group *gr;
	switch ((enum plan_rule_kind)r->kind) {
	case PRK_UNCOND_EXCLUDE:
		if (better(spec, en->rule, a->unc_spec, a->unc_rule)) {
			a->unc_spec = spec;
			a->unc_rule = en->rule;
			a->unc_ent = bd->ent;
		}
		break;
	case PRK_INCLUDE:
	case PRK_EXCLUDE:
		if (!(gr = group_of(&a->gs, r->comp, bd->ctx)))
			return -1;
		if (r->kind == PRK_INCLUDE && better(spec, en->rule, gr->inc_spec, gr->inc_rule)) {
			gr->inc_spec = spec;
			gr->inc_rule = en->rule;
			gr->inc_ent = bd->ent;
		}
		if (r->kind == PRK_EXCLUDE && better(spec, en->rule, gr->exc_spec, gr->exc_rule)) {
			gr->exc_spec = spec;
			gr->exc_rule = en->rule;
			gr->exc_ent = bd->ent;
		}
		break;
	case PRK_LOCATION_MODIFY:
		if (!(gr = group_of(&a->gs, r->comp, bd->ctx)))
			return -1;
		if (better(spec, en->rule, gr->loc_spec, gr->loc_rule)) {
			gr->loc_spec = spec;
			gr->loc_rule = en->rule;
		}
		break;
	case PRK_MERGE:
		if (better(spec, en->rule, a->merge_spec, d->merge)) {
			a->merge_spec = spec;
			d->merge = en->rule;
		}
		break;
	case PRK_INCLUDE_ATTRS:
	case PRK_EXCLUDE_ATTRS:
		if (better(spec, en->rule, a->attr_spec, d->attrs_rule)) {
			a->attr_spec = spec;
			d->attrs_rule = en->rule;
		}
		break;
	case PRK_DEST_CLEANUP:
	case PRK__COUNT:
		break;
	}
	return 0;
}

static void acc_finish(struct dacc *a)
{
	struct decision *d = a->d;
	struct groups *gs = &a->gs;
	if (a->unc_rule != PLAN_NONE) {
		d->verdict = V_UNCOND_EXCLUDE;
		d->rule = a->unc_rule;
		d->ent = a->unc_ent;
		goto out;
	}
	int64_t best_inc = -1, best_exc = -1;
	for (size_t i = 0; i < gs->n; i++) {
		struct group *gr = &gs->v[i];
		if (gr->inc_rule == PLAN_NONE)
			continue;
		if (gr->exc_rule != PLAN_NONE && gr->exc_spec >= gr->inc_spec) {
			/* beaten inside its component: remember the exclude that did it */
			if (d->verdict != V_INCLUDE && better(gr->exc_spec, gr->exc_rule, best_exc, d->rule)) {
				best_exc = gr->exc_spec;
				d->verdict = V_EXCLUDE;
				d->rule = gr->exc_rule;
				d->ent = gr->exc_ent;
				d->ctx = gr->ctx;
			}
			continue;
		}
		if (d->verdict != V_INCLUDE || better(gr->inc_spec, gr->inc_rule, best_inc, d->rule)) {
			best_inc = gr->inc_spec;
			d->verdict = V_INCLUDE;
			d->rule = gr->inc_rule;
			d->ent = gr->inc_ent;
			d->ctx = gr->ctx;
		}
	}
	if (d->verdict != V_INCLUDE)
		goto out;
	/* destinations: relocations of every component that matched the object with a
	 * locationModify, plus the original place if an including component keeps it */
	for (size_t i = 0; i < gs->n; i++) {
		struct group *gr = &gs->v[i];
		bool includes = gr->inc_rule != PLAN_NONE &&
				(gr->exc_rule == PLAN_NONE || gr->exc_spec < gr->inc_spec);
		if (gr->loc_rule != PLAN_NONE && d->nlocmod < DECIDE_MAX_DEST) {
			bool dup = false;
			for (size_t j = 0; j < d->nlocmod; j++)
				dup |= d->locmod[j] == gr->loc_rule;
			if (!dup) {
				d->locmod_ctx[d->nlocmod] = gr->ctx;
				d->locmod[d->nlocmod++] = gr->loc_rule;
			}
		} else if (includes) {
			d->keep_original = true;
		}
	}
out:
	if (gs->cap > LOCAL_GROUPS)
		free(gs->v);
	gs->v = NULL;
}

int rt_decide(const struct rt_bound *b, const struct rt_cands *c, const struct vm_obj *o,
	      FILE *trace, struct decision *d)
{
	const struct plan *p = b->plan;
	struct dacc a;
	acc_init(&a, p, d);
	for (size_t i = 0; i < c->n; i++) {
		const struct rt_binding *bd = c->v[i];
		const struct plan_ent *en = &p->ents[bd->ent];
		struct vm_env ve = {p, b, bd->ctx, o, en->pat, trace, 0};
		if (trace)
			fprintf(trace, "entry %u (rule %u, pattern %u, context %u):\n", bd->ent,
				en->rule, en->pat, bd->ctx);
		int m = vm_run(&ve, en->prog); /* -1: out of memory, no verdict */
		if (m < 0 || (m && acc_add(&a, bd))) {
			acc_finish(&a);
			errno = ENOMEM;
			return -1;
		}
	}
	acc_finish(&a);
	return 0;
}

/* --- the fast path ---------------------------------------------------------------- */

void rt_dirctx_free(struct rt_dirctx *dc)
{
	free(dc->l);
	free(dc->stamp);
	free(dc->val);
	lidx_scratch_free(&dc->sc);
	memset(dc, 0, sizeof *dc);
}

static int dir_add(struct rt_dirctx *dc, const struct rt_binding *v, size_t n,
		   const struct rt_lidx *ix)
{
	if (!n)
		return 0;
	if (dc->nl == dc->capl) {
		size_t cap = dc->capl ? dc->capl * 2 : 8;
		struct rt_dirlist *q = realloc(dc->l, cap * sizeof *q);
		if (!q) {
			errno = ENOMEM;
			return -1;
		}
		dc->l = q;
		dc->capl = cap;
	}
	dc->l[dc->nl++] = (struct rt_dirlist){v, n, ix};
	dc->ncands += n;
	return 0;
}

/* The lists of DIR: the same lists, in the same order, as rt_candidates. */
static int dir_lists(struct rt_dirctx *dc, const char *dir, size_t len)
{
	const struct rt_tnode *n = dc->b->trie;
	bool fold = dc->b->match_flags & MATCH_FOLD;
	size_t i = 0;
	if (dir_add(dc, n->deep, n->ndeep, n->didx))
		return -1;
	while (n) {
		while (i < len && dir[i] == '/')
			i++;
		if (i >= len)
			return dir_add(dc, n->exact, n->nexact, n->xidx);
		size_t s = i;
		while (i < len && dir[i] != '/')
			i++;
		n = trie_child(n, dir + s, i - s, fold);
		if (n && dir_add(dc, n->deep, n->ndeep, n->didx))
			return -1;
	}
	return 0;
}

int rt_dir_begin(struct rt_dirctx *dc, const struct rt_bound *b, const char *dir, size_t len)
{
	size_t nids = b->nnodeids ? b->nnodeids : 1;
	dc->nl = 0;
	dc->ncands = 0;
	dc->broken = true; /* until the lists are whole */
	if (dc->b != b || !dc->stamp || !dc->val) {
		free(dc->stamp);
		free(dc->val);
		dc->b = b;
		dc->stamp = calloc(nids, sizeof *dc->stamp);
		dc->val = calloc(nids, 1);
		dc->gen = 0;
		if (!dc->stamp || !dc->val) {
			errno = ENOMEM;
			return -1;
		}
	}
	if (++dc->gen == 0) {
		memset(dc->stamp, 0, nids * sizeof *dc->stamp);
		dc->gen = 1;
	}
	if (dir_lists(dc, dir, len)) {
		dc->nl = 0;
		dc->ncands = 0;
		return -1;
	}
	dc->broken = false;
	return 0;
}

/* Does the node glob set of pattern PAT in context CTX match the directory? Once per
 * directory and distinct glob set. */
static bool node_ok(struct rt_dirctx *dc, unsigned ctx, uint32_t pat, const struct vm_obj *o)
{
	const struct rt_bound *b = dc->b;
	const struct plan *p = b->plan;
	bool shared = !(p->pats[pat].flags & (PP_USER | PP_EACH_USER));
	uint32_t id = b->nodeid[(shared ? 0 : ctx) * p->npats + pat];
	if (dc->stamp[id] == dc->gen)
		return dc->val[id];
	size_t n;
	const struct rt_glob *g = rt_pattern_globs(b, ctx, pat, &n);
	bool m = rt_globs_match_dir(b, g, n, o->dir, o->dirlen);
	dc->stamp[id] = dc->gen;
	dc->val[id] = m;
	return m;
}

#define EVAL_NEED_META 2

/* 1 when binding BD matches O, 0 when not, EVAL_NEED_META, -1 out of memory. INDEXED: BD came out of the
 * leaf index, so for a gated entry the leaf is known to match. */
static int eval(struct rt_dirctx *dc, const struct rt_binding *bd, const struct vm_obj *o,
		bool indexed)
{
	const struct rt_bound *b = dc->b;
	const struct plan *p = b->plan;
	const struct plan_ent *en = &p->ents[bd->ent];
	unsigned f = b->entf[bd->ent], known = 0;
	if (indexed && (f & RT_EF_GATED)) {
		if (!node_ok(dc, bd->ctx, en->pat, o))
			return 0;
		if (f & RT_EF_PURE)
			return 1;
		known = VMK_NODE | VMK_NODE_TRUE | VMK_LEAF | VMK_LEAF_TRUE;
	}
	if ((f & RT_EF_NEEDMETA) && o->nometa)
		return EVAL_NEED_META;
	struct vm_env ve = {p, b, bd->ctx, o, en->pat, NULL, known};
	return vm_run(&ve, en->prog);
}

int rt_decide_in(struct rt_dirctx *dc, const struct vm_obj *o, struct decision *d)
{
	const struct rt_bound *b = dc->b;
	struct dacc a;
	if (dc->broken) {
		errno = ENOMEM;
		return -1;
	}
	acc_init(&a, b->plan, d);
	for (size_t li = 0; li < dc->nl; li++) {
		const struct rt_dirlist *l = &dc->l[li];
		bool indexed = l->ix != NULL;
		if (indexed && lidx_query(l->ix, o->name, o->namelen, o->is_dir, b->match_flags,
					  &dc->sc) != 0) {
			acc_finish(&a);
			errno = ENOMEM;
			return -1;
		}
		size_t n = indexed ? dc->sc.n : l->n;
		for (size_t k = 0; k < n; k++) {
			const struct rt_binding *bd = &l->v[indexed ? dc->sc.pos[k] : k];
			int m = eval(dc, bd, o, indexed);
			if (m == EVAL_NEED_META) {
				acc_finish(&a);
				return RT_NEED_META;
			}
			if (m < 0 || (m && acc_add(&a, bd))) {
				acc_finish(&a);
				errno = ENOMEM;
				return -1;
			}
		}
	}
	acc_finish(&a);
	return 0;
}
