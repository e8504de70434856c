/* lint.c - the `migc lint` driver: walk every file of a loaded policy once, run the
 * per-pattern and per-conditions checks on each element exactly once, then the
 * per-component precedence checks (which follow named references), the checks across
 * components, then the Config.xml checks. The checks themselves live in lint_pattern.c,
 * lint_cond.c, lint_component.c lint_twice.c and lint_config.c; the helpers they share in
 * lint_util.c and lint_loc.c. */
#include <string.h>

#include "lint.h"
#include "lint_impl.h"

#define MAX_DEPTH 256 /* nested <rules>/components: the loader caps XML depth anyway */

static void walk_set(struct lint_ctx *lc, const struct m_file *f, const struct m_rule *rule,
		     const struct m_objectset *set)
{
	if (!set)
		return;
	lint_conditions(lc, f, set->conds);
	for (size_t i = 0; i < set->nobjs; i++)
		lint_object(lc, f, rule, set->objs[i]);
}

static void walk_rule(struct lint_ctx *lc, const struct m_file *f, const struct m_rule *rule)
{
	if (rule->kind == MR_DEST_CLEANUP)
		diag_report(lc->d, DIAG_WARNING, &rule->loc, "destination-cleanup",
			    "destinationCleanup deletes matching files on the destination before "
			    "the migrated files are applied");
	lint_script(lc, f, rule->script, &rule->loc, NULL, NULL);
	for (size_t i = 0; i < rule->nsets; i++)
		walk_set(lc, f, rule, rule->sets[i]);
}

static void walk_rules(struct lint_ctx *lc, const struct m_file *f, const struct m_rules *r,
		       int depth)
{
	if (!r || depth > MAX_DEPTH)
		return;
	lint_conditions(lc, f, r->conds);
	for (size_t i = 0; i < r->nrules; i++)
		walk_rule(lc, f, r->rules[i]);
	for (size_t i = 0; i < r->nchildren; i++)
		walk_rules(lc, f, r->children[i], depth + 1);
}

static void walk_env(struct lint_ctx *lc, const struct m_file *f, const struct m_environment *e)
{
	lint_conditions(lc, f, e->conds);
	for (size_t i = 0; i < e->nvars; i++) {
		lint_variable_text(lc, f, e->vars[i]);
		walk_set(lc, f, NULL, e->vars[i]->set);
	}
}

static void walk_detection(struct lint_ctx *lc, const struct m_file *f, const struct m_detection *d)
{
	for (size_t i = 0; d && i < d->nalts; i++)
		lint_conditions(lc, f, d->alts[i]);
}

static void walk_component(struct lint_ctx *lc, const struct m_file *f, const struct m_component *c,
			   int depth)
{
	if (depth > MAX_DEPTH)
		return;
	walk_detection(lc, f, &c->detection);
	for (size_t i = 0; i < c->nenvs; i++)
		walk_env(lc, f, c->envs[i]);
	for (size_t i = 0; i < c->nrules; i++)
		walk_rules(lc, f, c->rules[i], 0);
	for (size_t i = 0; i < c->nchildren; i++)
		walk_component(lc, f, c->children[i], depth + 1);
}

static void walk_file(struct lint_ctx *lc, const struct m_file *f)
{
	for (size_t i = 0; i < f->ncomponents; i++)
		walk_component(lc, f, f->components[i], 0);
	for (size_t i = 0; i < f->nnamed_rules; i++)
		walk_rules(lc, f, f->named_rules[i], 0);
	for (size_t i = 0; i < f->nnamed_envs; i++)
		walk_env(lc, f, f->named_envs[i]);
	for (size_t i = 0; i < f->nnamed_detections; i++)
		walk_detection(lc, f, f->named_detections[i]);
	if (f->dropped_registry) {
		struct src_loc loc = {f->path, 0, 0};
		diag_report(lc->d, DIAG_WARNING, &loc, "not-applicable",
			    "%zu registry and Ini object%s ignored: migstate migrates files only",
			    f->dropped_registry, f->dropped_registry == 1 ? "" : "s");
	}
}

static void scan_tree(struct lint_ctx *lc, const struct m_file *f, const struct m_component *c,
		      int depth, struct scans *all, struct lint_ents *uncond)
{
	if (depth > MAX_DEPTH)
		return;
	struct scanned *s = arena_alloc(lc->a, sizeof *s);
	s->c = c;
	lint_scan_component(lc, f, c, &s->scan);
	arena_push(lc->a, (void ***)&all->v, &all->n, s);
	for (size_t i = 0; i < s->scan.unc.n; i++)
		arena_push(lc->a, (void ***)&uncond->v, &uncond->n, s->scan.unc.v[i]);
	for (size_t i = 0; i < c->nchildren; i++)
		scan_tree(lc, f, c->children[i], depth + 1, all, uncond);
}

/* See lint.h. */
void lint_policy(struct diag_set *d, const struct m_policy *policy, const struct var_table *vars)
{
	struct lint_ctx lc = {d, policy, vars, arena_new(), srcline_new(), lint_seen_new()};
	struct scans all = {0};
	struct lint_ents uncond = {0};

	for (size_t i = 0; i < policy->nfiles; i++) {
		const struct m_file *f = policy->files[i];
		if (!f || f->ignored)
			continue;
		walk_file(&lc, f);
		for (size_t j = 0; j < f->ncomponents; j++)
			scan_tree(&lc, f, f->components[j], 0, &all, &uncond);
	}
	for (size_t i = 0; i < all.n; i++)
		lint_component(&lc, all.v[i]->c, &all.v[i]->scan, &uncond);
	lint_included_twice(&lc, &all);
	if (policy->config)
		lint_config(&lc, policy->config);

	lint_seen_free(lc.seen);
	srcline_free(lc.src);
	arena_free(lc.a);
}
