/* bind.c - bind a plan to a machine (see bind.h): expand patterns per context, decide
 * which components and rules are active (running their programs on the VM), and fill
 * the path index. What the programs ask of the bound plan is in bound_query.c, so the
 * VM never calls back into this file. */
#include "bind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "match.h"
#include "opcodes.h"
#include "spec.h"
#include "trie.h"
#include "vm.h"

static const struct rt_user *ctx_user(const struct rt_bound *b, unsigned ctx)
{
	return ctx == 0 ? NULL : &b->env->users[ctx - 1];
}

/* Add pattern K's globs for user U to GS. Expansion goes through the bind's cache XC;
 * the globs and their text live in the bound plan's pool. */
static int add_globs(struct rt_bound *b, struct rt_xcache *xc, struct rt_globset *gs,
		     const struct rt_user *u, uint32_t k, char *err, size_t errsz)
{
	const struct plan *p = b->plan;
	const struct plan_pat *pt = &p->pats[k];
	const char *tmpl = plan_str(p, pt->node);
	struct rt_xout l;
	int rc = rt_expand_cached(xc, u, tmpl, true, &l, err, errsz);
	if (rc == EXP_ERROR)
		return -1;
	if (rc == EXP_UNBOUND)
		b->nunbound++;
	if (l.n == 0)
		return 0;
	/* a set grows only for GenerateUserPatterns (once per user): copy it then */
	struct rt_glob *v = rt_pool_alloc(&b->pool, (gs->n + l.n) * sizeof *v);
	if (!v) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (gs->n)
		memcpy(v, gs->v, gs->n * sizeof *v);
	gs->v = v;
	unsigned rank;
	unsigned lit =
	    spec_leaf_of_glob(pt->leaf == PLAN_NONE ? NULL : plan_str(p, pt->leaf), &rank);
	bool fixed = !strncmp(tmpl, "{drives:Fixed}", 14);
	for (size_t i = 0; i < l.n; i++) {
		struct rt_glob *g = &gs->v[gs->n];
		if (!(g->node = rt_pool_strndup(&b->pool, l.v[i], l.len[i]))) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		g->nodelen = l.len[i];
		g->spec = spec_of_bound(g->node, g->nodelen, rank, lit, &g->prelen, &g->star);
		g->fixed_drive = fixed;
		gs->n++;
	}
	return 0;
}

static int expand_pattern(struct rt_bound *b, struct rt_xcache *xc, unsigned ctx, uint32_t k,
			  char *err, size_t errsz)
{
	const struct plan *p = b->plan;
	const struct plan_pat *pt = &p->pats[k];
	struct rt_globset *gs = &b->globs[ctx * p->npats + k];
	gs->done = true;
	if (!(pt->flags & PP_EACH_USER))
		return add_globs(b, xc, gs, ctx_user(b, ctx), k, err, errsz);
	/* GenerateUserPatterns: once per migrated user, maybe not the current one */
	for (size_t u = 0; u < b->env->nusers; u++) {
		if ((pt->flags & PP_EXCEPT_SELF) && ctx == u + 1)
			continue;
		if (add_globs(b, xc, gs, &b->env->users[u], k, err, errsz))
			return -1;
	}
	return 0;
}

static int insert_bindings(struct rt_bound *b, struct rt_tbuild *tb, unsigned ctx, char *err,
			   size_t errsz)
{
	const struct plan *p = b->plan;
	for (uint32_t e = 0; e < p->nents; e++) {
		const struct plan_ent *en = &p->ents[e];
		if (!b->rule_on[ctx * p->nrules + en->rule])
			continue;
		size_t n;
		const struct rt_glob *g = rt_pattern_globs(b, ctx, en->pat, &n);
		for (size_t i = 0; i < n; i++) {
			char pre[4096];
			/* without escapes the prefix is its own unescaped form (cut as
			 * glob_unescape cuts it to the buffer) */
			const char *key = g[i].node;
			size_t klen = g[i].prelen < sizeof pre - 1 ? g[i].prelen : sizeof pre - 1;
			if (memchr(key, '\\', g[i].prelen)) {
				klen = glob_unescape(g[i].node, g[i].prelen, pre, sizeof pre);
				key = pre;
			}
			struct rt_binding bd = {e, ctx, g[i].spec};
			if (trie_insert(b->trie, tb, key, klen, g[i].star, &bd)) {
				snprintf(err, errsz, "out of memory");
				return -1;
			}
			b->nbindings++;
		}
	}
	return 0;
}

/* --- the fast path's tables ---------------------------------------------------- */

/* RT_EF_* of the program at PC (verified: operands in range, jumps inside it). */
static uint8_t prog_shape(const struct plan *p, uint32_t pc)
{
	const struct plan_insn *c = p->code;
	uint32_t end = pc + c[pc].k;
	uint8_t f = 0;
	for (uint32_t i = pc + 1; i <= end; i++)
		if (c[i].op == OP_FSIZE || c[i].op == OP_FTIME || c[i].op == OP_DANGLING)
			f |= RT_EF_NEEDMETA;
	if (end < pc + 4 || c[pc + 1].op != OP_ENODE || c[pc + 2].op != OP_JF ||
	    c[pc + 3].op != OP_ELEAF)
		return f;
	uint32_t t1 = pc + 3 + c[pc + 2].k; /* where a false node jumps */
	if (t1 > end || c[t1].op != OP_RET)
		return f;
	if (c[pc + 4].op == OP_RET)
		return RT_EF_GATED | RT_EF_PURE;
	if (c[pc + 4].op == OP_JF) {
		uint32_t t2 = pc + 5 + c[pc + 4].k; /* where a false leaf jumps */
		if (t2 <= end && c[t2].op == OP_RET)
			return f | RT_EF_GATED;
	}
	return f;
}

static uint64_t globset_hash(const struct rt_globset *gs)
{
	uint64_t h = 1469598103934665603ull ^ gs->n;
	for (size_t i = 0; i < gs->n; i++) {
		for (size_t j = 0; j < gs->v[i].nodelen; j++) {
			h ^= (unsigned char)gs->v[i].node[j];
			h *= 1099511628211ull;
		}
		h ^= 0xff;
		h *= 1099511628211ull;
	}
	return h;
}

static bool globset_eq(const struct rt_globset *a, const struct rt_globset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].nodelen != b->v[i].nodelen ||
		    memcmp(a->v[i].node, b->v[i].node, a->v[i].nodelen))
			return false;
	return true;
}

/* Entry shapes, node ids (equal node glob sets share one id, so a directory matches
 * each distinct node once) and every trie list's leaf index. */
static int build_fast_path(struct rt_bound *b)
{
	const struct plan *p = b->plan;
	size_t ngs = b->nctx * (p->npats ? p->npats : 1);
	b->entf = calloc(p->nents ? p->nents : 1, 1);
	b->nodeid = calloc(ngs, sizeof *b->nodeid);
	size_t cap = 16;
	while (cap < ngs * 2)
		cap *= 2;
	size_t *tab = malloc(cap * sizeof *tab); /* globset index + 1, 0 = empty */
	if (!b->entf || !b->nodeid || !tab) {
		free(tab);
		return -1;
	}
	memset(tab, 0, cap * sizeof *tab);
	for (uint32_t e = 0; e < p->nents; e++)
		b->entf[e] = prog_shape(p, p->ents[e].prog);
	for (size_t i = 0; i < ngs; i++) {
		const struct rt_globset *gs = &b->globs[i];
		if (!gs->done)
			continue;
		size_t s = (size_t)globset_hash(gs) & (cap - 1);
		while (tab[s] && !globset_eq(&b->globs[tab[s] - 1], gs))
			s = (s + 1) & (cap - 1);
		if (!tab[s]) {
			tab[s] = i + 1;
			b->nodeid[i] = b->nnodeids++;
		} else {
			b->nodeid[i] = b->nodeid[tab[s] - 1];
		}
	}
	free(tab);
	return trie_index(b->trie, b, &b->pool);
}

static bool ctx_fits(unsigned ctx, unsigned mask)
{
	return (mask & (ctx == 0 ? CTXB_SYSTEM : CTXB_USER)) != 0;
}

int rt_bind(const struct plan *p, const struct rt_env *env, struct rt_bound *b, char *err,
	    size_t errsz)
{
	memset(b, 0, sizeof *b);
	b->plan = p;
	b->env = env;
	b->phase = env->phase;
	b->match_flags = (p->flags & PLAN_F_CASE_SENSITIVE) ? 0 : MATCH_FOLD;
	b->nctx = 1 + env->nusers;
	b->globs = calloc(b->nctx * (p->npats ? p->npats : 1), sizeof *b->globs);
	b->comp_on = calloc(b->nctx * (p->ncomps ? p->ncomps : 1), 1);
	b->rule_on = calloc(b->nctx * (p->nrules ? p->nrules : 1), 1);
	b->trie = trie_new(&b->pool);
	if (!b->globs || !b->comp_on || !b->rule_on || !b->trie) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	struct rt_xcache *xc = rt_xcache_new(p, env);
	if (!xc) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (unsigned ctx = 0; ctx < b->nctx; ctx++)
		for (uint32_t k = 0; k < p->npats; k++)
			if (ctx == 0 || !RT_PAT_SHARED(p, k))
				if (expand_pattern(b, xc, ctx, k, err, errsz)) {
					rt_xcache_free(xc);
					goto fail;
				}
	rt_xcache_free(xc);
	struct rt_tbuild tb = {.pool = &b->pool, .fold = b->match_flags & MATCH_FOLD};
	for (unsigned ctx = 0; ctx < b->nctx; ctx++) {
		struct vm_env ve = {p, b, ctx, NULL, PLAN_NONE, NULL, 0};
		for (uint32_t c = 0; c < p->ncomps; c++) {
			const struct plan_comp *pc = &p->comps[c];
			int on = ctx_fits(ctx, pc->context);
			if (on && pc->detect_pc != PLAN_NONE && !env->skip_detection)
				on = vm_run(&ve, pc->detect_pc);
			if (on < 0) /* a component left out would lose what it includes */
				goto nomem;
			b->comp_on[ctx * p->ncomps + c] = (unsigned char)on;
		}
		for (uint32_t r = 0; r < p->nrules; r++) {
			const struct plan_rule *pr = &p->rules[r];
			int on =
			    b->comp_on[ctx * p->ncomps + pr->comp] && ctx_fits(ctx, pr->context);
			if (on && pr->cond_pc != PLAN_NONE)
				on = vm_run(&ve, pr->cond_pc);
			if (on < 0)
				goto nomem;
			b->rule_on[ctx * p->nrules + r] = (unsigned char)on;
		}
		if (insert_bindings(b, &tb, ctx, err, errsz)) {
			trie_build_free(&tb);
			goto fail;
		}
	}
	if (trie_finish(b->trie, &tb) || build_fast_path(b)) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	return 0;
nomem:
	trie_build_free(&tb);
	snprintf(err, errsz, "out of memory evaluating a detection or condition (%s)",
		 strerror(ENOMEM));
fail:
	rt_unbind(b);
	return -1;
}

void rt_unbind(struct rt_bound *b)
{
	free(b->globs);
	free(b->comp_on);
	free(b->rule_on);
	free(b->entf);
	free(b->nodeid);
	trie_free(b->trie);
	rt_pool_free(&b->pool); /* the globs, the trie's nodes, lists and leaf indexes */
	memset(b, 0, sizeof *b);
}

int rt_expand_path(const struct rt_bound *b, unsigned ctx, const char *tmpl, char **out)
{
	struct strlist l = {0};
	char err[256];
	*out = NULL;
	errno = 0;
	int rc = rt_expand(b->plan, b->env, ctx_user(b, ctx), tmpl, false, &l, err, sizeof err);
	if (rc == EXP_ERROR && errno == ENOMEM) {
		rt_strlist_free(&l);
		errno = ENOMEM;
		return -1;
	}
	if (rc == EXP_OK && l.n > 0) {
		*out = l.v[0];
		l.v[0] = NULL;
	}
	rt_strlist_free(&l);
	return 0;
}
