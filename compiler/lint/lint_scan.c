/* lint_scan.c - flatten a component for the precedence checks: its include, exclude and
 * unconditionalExclude File patterns (following named <rules> references) with their
 * guards, effective context, specificity keys and globs. */
#include <stdlib.h>
#include <string.h>

#include "lint_impl.h"

#define MAX_RULES_DEPTH 64 /* nested <rules>, guards against reference cycles */

static unsigned ctx_of(unsigned written)
{
	return written ? written : CTX_USER_AND_SYSTEM;
}

/* Node specificity counted on a mapped glob: leading segments without a star (the
 * root counts as one, as in spec_of), and whether there is a star at all. */
static void map_spec(const char *node, struct spec_key *k)
{
	unsigned lit = 0;
	bool star = false;
	for (const char *s = node; *s && !star;) {
		const char *e = strchr(s, '\\');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		star = memchr(s, GLOB_STAR, n) != NULL;
		if (!star && (n > 0 || s == node))
			lit++;
		s += n + (e ? 1 : 0);
		if (!e)
			break;
	}
	k->literal_segs = (uint16_t)(lit > 0xffff ? 0xffff : lit);
	k->exact_dir = star ? 0 : 1;
}

static void add_ent(struct lint_ctx *lc, struct lint_ents *list, const struct m_component *c,
		    const struct m_rule *rule, const struct m_object *obj, bool guarded,
		    bool comp_guarded, unsigned ctx)
{
	const struct pat *p = obj->pattern;
	struct lint_ent *e = arena_alloc(lc->a, sizeof *e);
	e->obj = obj;
	e->rule = rule;
	e->comp = c;
	e->shown = p->text ? p->text : obj->text + lint_skip_blank(obj->text);
	char *canon = pat_canonical(p);
	e->canon = canon ? arena_strdup(lc->a, canon) : NULL;
	free(canon);
	e->guarded = guarded;
	e->comp_guarded = comp_guarded;
	e->ctx = ctx;
	spec_of(p, &e->key);
	glob_of(lc->a, p, false, &e->as_pat);
	glob_of(lc->a, p, true, &e->as_subj);
	glob_of_mapped(lc->a, lc->vars, p, false, &e->map_pat);
	glob_of_mapped(lc->a, lc->vars, p, true, &e->map_subj);
	e->map_key = e->key;
	map_spec(e->map_pat.node[0], &e->map_key);
	arena_push(lc->a, (void ***)&list->v, &list->n, e);
}

static void scan_rule(struct lint_ctx *lc, const struct m_component *c, const struct m_rule *rule,
		      bool guarded, bool comp_guarded, unsigned ctx, struct lint_scan *out)
{
	struct lint_ents *list;
	switch (rule->kind) {
	case MR_INCLUDE:
		out->ninclude_rules++;
		list = &out->inc;
		break;
	case MR_EXCLUDE:
		arena_push(lc->a, (void ***)&out->excl_rules, &out->nexcl_rules, (void *)rule);
		list = &out->exc;
		break;
	case MR_UNCOND_EXCLUDE:
		list = &out->unc;
		break;
	default:
		return;
	}
	guarded = guarded || rule->script || rule->script_text;
	for (size_t i = 0; i < rule->nsets; i++) {
		const struct m_objectset *set = rule->sets[i];
		bool g = guarded || set->conds;
		for (size_t j = 0; j < set->nobjs; j++) {
			const struct m_object *obj = set->objs[j];
			if (!obj->is_script && obj->type == PAT_FILE && obj->pattern && obj->text)
				add_ent(lc, list, c, rule, obj, g, comp_guarded, ctx);
		}
	}
}

static void scan_rules(struct lint_ctx *lc, const struct m_file *f, const struct m_component *c,
		       const struct m_rules *r, bool guarded, bool comp_guarded, unsigned ctx,
		       int depth, struct lint_scan *out)
{
	const struct m_rules *def = lint_resolve(f, r);
	if (!def || depth > MAX_RULES_DEPTH) {
		out->unresolved = true;
		return;
	}
	ctx &= ctx_of(r->context) & ctx_of(def->context);
	guarded = guarded || def->conds;
	for (size_t i = 0; i < def->nrules; i++)
		scan_rule(lc, c, def->rules[i], guarded, comp_guarded, ctx, out);
	for (size_t i = 0; i < def->nchildren; i++)
		scan_rules(lc, f, c, def->children[i], guarded, comp_guarded, ctx, depth + 1, out);
}

/* See lint_impl.h. */
void lint_scan_component(struct lint_ctx *lc, const struct m_file *f, const struct m_component *c,
			 struct lint_scan *out)
{
	memset(out, 0, sizeof *out);
	unsigned ctx = CTX_USER_AND_SYSTEM;
	bool comp_guarded = false;
	for (const struct m_component *p = c; p; p = p->parent) {
		ctx &= ctx_of(p->context);
		comp_guarded = comp_guarded || p->detection.nalts > 0 || !p->enabled;
	}
	for (size_t i = 0; i < c->nrules; i++)
		scan_rules(lc, f, c, c->rules[i], false, comp_guarded, ctx, 0, out);
}
