/* errpolicy.c - first-match ErrorControl / HardLinkStoreControl (see errpolicy.h). */
#include "errpolicy.h"

#include <string.h>

#include "match.h"

/* Does pattern K name DIR/NAME in some context? */
static bool pattern_names(const struct rt_bound *b, uint32_t k, const char *dir, const char *name)
{
	const struct plan *p = b->plan;
	const struct plan_pat *pt = &p->pats[k];
	size_t dlen = strlen(dir);
	bool is_dir = !name || !*name;
	if (!is_dir && pt->leaf == PLAN_NONE)
		return false;
	if (!is_dir) {
		const char *leaf = plan_str(p, pt->leaf);
		if (!glob_match(leaf, strlen(leaf), name, strlen(name), b->match_flags))
			return false;
	}
	for (unsigned ctx = 0; ctx < b->nctx; ctx++) {
		size_t n;
		const struct rt_glob *g = rt_pattern_globs(b, ctx, k, &n);
		for (size_t i = 0; i < n; i++)
			if (glob_node_match(g[i].node, g[i].nodelen, dir, dlen, b->match_flags))
				return true;
	}
	return false;
}

enum errp_action errp_decide(const struct rt_bound *b, const char *dir, const char *name, int err,
			     uint32_t *rule)
{
	const struct plan *p = b->plan;
	for (size_t i = 0; i < p->nerrcs; i++) {
		const struct plan_errc *e = &p->errcs[i];
		if (e->registry || (e->code != -1 && e->code != err))
			continue;
		if (!pattern_names(b, e->pat, dir, name))
			continue;
		if (rule)
			*rule = (uint32_t)i;
		return e->fatal ? ERRP_FATAL : ERRP_NONFATAL;
	}
	return ERRP_NONE;
}

enum hlnk_action hlnk_decide(const struct rt_bound *b, const char *dir, const char *name,
			     uint32_t *rule)
{
	const struct plan *p = b->plan;
	for (size_t i = 0; i < p->nhlnks; i++) {
		const struct plan_hlnk *h = &p->hlnks[i];
		if (!pattern_names(b, h->pat, dir, name))
			continue;
		if (rule)
			*rule = (uint32_t)i;
		return h->create ? HLNK_CREATE : HLNK_ERROR;
	}
	return HLNK_NONE;
}
