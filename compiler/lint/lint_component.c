/* lint_component.c - include/exclude precedence inside one component (spec 6.1, 6.2):
 *   -Wexclude-without-include  an exclude in a component without includes does nothing
 *   -Wcrossed                  one rule has the deeper node, the other the more specific
 *                              leaf, and both can match one object
 *   -Wshadowed                 a pattern repeated in the same kind of rule, or an include
 *                              that an exclude or unconditionalExclude always beats
 * Only unguarded rules (no conditions, no filter) shadow others, and only when their
 * context covers the shadowed rule's. */
#include <strings.h>

#include "lint_impl.h"

static int node_cmp(const struct spec_key *a, const struct spec_key *b)
{
	if (a->literal_segs != b->literal_segs)
		return a->literal_segs < b->literal_segs ? -1 : 1;
	return (int)a->exact_dir - (int)b->exact_dir;
}

static int leaf_cmp(const struct spec_key *a, const struct spec_key *b)
{
	if (a->leaf_rank != b->leaf_rank)
		return a->leaf_rank < b->leaf_rank ? -1 : 1;
	return a->leaf_literal < b->leaf_literal ? -1 : a->leaf_literal > b->leaf_literal;
}

static bool before(const struct lint_ent *a, const struct lint_ent *b)
{
	if (a->obj->loc.line != b->obj->loc.line)
		return a->obj->loc.line < b->obj->loc.line;
	return a->obj->loc.col < b->obj->loc.col;
}

static struct src_loc where(struct lint_ctx *lc, const struct lint_ent *e)
{
	return lint_text_loc(lc, &e->obj->loc, e->obj->text, lint_skip_blank(e->obj->text));
}

static bool ctx_covers(unsigned outer, unsigned inner)
{
	return (outer & inner) == inner;
}

static void exclude_without_include(struct lint_ctx *lc, const struct m_component *c,
				    const struct lint_scan *s)
{
	if (s->unresolved || s->ninclude_rules > 0 || c->extensions_csv)
		return;
	for (size_t i = 0; i < s->nexcl_rules; i++) {
		const struct m_rule *r = s->excl_rules[i];
		if (!lint_first(lc, LC_EXCLUDE_NO_INCLUDE, r, NULL))
			continue;
		diag_report(lc->d, DIAG_WARNING, &r->loc, "exclude-without-include",
			    "exclude has no effect: component '%s' has no include (an exclude only "
			    "removes objects its own component includes; use unconditionalExclude "
			    "to veto other components)",
			    c->display_name ? c->display_name : "");
	}
}

static void crossed(struct lint_ctx *lc, const struct lint_ent *inc, const struct lint_ent *exc)
{
	int n = node_cmp(&inc->key, &exc->key), l = leaf_cmp(&inc->key, &exc->key);
	if (!((n > 0 && l < 0) || (n < 0 && l > 0)) || !(inc->ctx & exc->ctx))
		return;
	if (!glob_overlap(&inc->as_pat, &exc->as_pat) ||
	    !lint_first(lc, LC_CROSSED, inc->obj, exc->obj))
		return;
	const struct lint_ent *at = before(inc, exc) ? exc : inc, *other = at == inc ? exc : inc;
	const char *deep = n > 0 ? "include" : "exclude", *leafy = n > 0 ? "exclude" : "include";
	struct src_loc loc = where(lc, at);
	diag_report(lc->d, DIAG_WARNING, &loc, "crossed",
		    "%s '%s' crosses %s '%s' (line %d): the %s has the deeper node, the %s the "
		    "more specific leaf; the node decides, so the %s wins where both match",
		    lint_kind_name(at->rule->kind), at->shown, lint_kind_name(other->rule->kind),
		    other->shown, other->obj->loc.line, deep, leafy, deep);
}

static void shadow_report(struct lint_ctx *lc, const struct lint_ent *e, const char *fmt_kind,
			  const struct lint_ent *by, const char *why)
{
	struct src_loc loc = where(lc, e);
	if (by->obj->loc.file == e->obj->loc.file)
		diag_report(lc->d, DIAG_WARNING, &loc, "shadowed", "%s '%s' %s %s '%s' (line %d)%s",
			    lint_kind_name(e->rule->kind), e->shown, fmt_kind,
			    lint_kind_name(by->rule->kind), by->shown, by->obj->loc.line, why);
	else
		diag_report(lc->d, DIAG_WARNING, &loc, "shadowed", "%s '%s' %s %s '%s' (%s:%d)%s",
			    lint_kind_name(e->rule->kind), e->shown, fmt_kind,
			    lint_kind_name(by->rule->kind), by->shown, by->obj->loc.file,
			    by->obj->loc.line, why);
}

/* The same canonical pattern twice in one kind of rule: the later one adds nothing. */
static void duplicates(struct lint_ctx *lc, const struct lint_ents *list)
{
	for (size_t j = 1; j < list->n; j++) {
		const struct lint_ent *b = list->v[j];
		for (size_t i = 0; i < j && b->canon; i++) {
			const struct lint_ent *a = list->v[i];
			if (a->guarded || !a->canon || !ctx_covers(a->ctx, b->ctx) ||
			    strcasecmp(a->canon, b->canon) != 0 || a->obj == b->obj)
				continue;
			if (lint_first(lc, LC_SHADOWED, b->obj, NULL))
				shadow_report(lc, b, "repeats the", a, ": it has no effect");
			break;
		}
	}
}

/* An include every object of which an unguarded exclude or unconditionalExclude takes. */
static void shadowed_include(struct lint_ctx *lc, const struct lint_ent *inc,
			     const struct lint_ents *exc, const struct lint_ents *uncond)
{
	for (size_t i = 0; i < uncond->n; i++) {
		const struct lint_ent *u = uncond->v[i];
		if (u->guarded || (u->comp_guarded && u->comp != inc->comp) ||
		    !ctx_covers(u->ctx, inc->ctx) || !glob_covers(&u->as_pat, &inc->as_subj))
			continue;
		if (lint_first(lc, LC_SHADOWED, inc->obj, NULL))
			shadow_report(lc, inc, "can never take effect: the", u,
				      " matches everything it matches");
		return;
	}
	for (size_t i = 0; i < exc->n; i++) {
		const struct lint_ent *e = exc->v[i];
		if (e->guarded || !ctx_covers(e->ctx, inc->ctx) ||
		    spec_compare(&e->key, &inc->key) < 0 || !glob_covers(&e->as_pat, &inc->as_subj))
			continue;
		if (lint_first(lc, LC_SHADOWED, inc->obj, NULL))
			shadow_report(lc, inc, "can never take effect: the", e,
				      " matches everything it matches and is at least as specific");
		return;
	}
}

/* Run the component checks on the scan of C. */
void lint_component(struct lint_ctx *lc, const struct m_component *c, const struct lint_scan *scan,
		    const struct lint_ents *uncond)
{
	exclude_without_include(lc, c, scan);
	duplicates(lc, &scan->inc);
	duplicates(lc, &scan->exc);
	duplicates(lc, &scan->unc);
	for (size_t i = 0; i < scan->inc.n; i++)
		shadowed_include(lc, scan->inc.v[i], &scan->exc, uncond);
	for (size_t i = 0; i < scan->inc.n; i++)
		for (size_t j = 0; j < scan->exc.n; j++)
			crossed(lc, scan->inc.v[i], scan->exc.v[j]);
}
