/* relocate.c - locationModify destinations (see relocate.h). */
#include "relocate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expand.h"
#include "match.h"

static char *join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
	char *r = malloc(n);
	if (!r)
		return NULL;
	snprintf(r, n, "%s%s%s%s%s", a, *b ? "/" : "", b, *c ? "/" : "", c);
	/* "/" + "/x" style joins: collapse a doubled leading slash */
	if (r[0] == '/' && r[1] == '/')
		memmove(r, r + 1, strlen(r));
	return r;
}

/* Is PREFIX a path prefix of PATH (whole segments)? Returns the rest after it. */
static const char *under(const char *path, const char *prefix, bool fold)
{
	size_t n = strlen(prefix);
	if (n == 1 && prefix[0] == '/')
		return path + 1;
	if ((fold ? strncasecmp(path, prefix, n) : strncmp(path, prefix, n)) != 0)
		return NULL;
	if (path[n] == 0)
		return path + n;
	if (path[n] == '/')
		return path + n + 1;
	return NULL;
}

/* Move(DST): 0 with *OUT, or -1 out of memory. */
static int move_dest(const struct rt_bound *b, unsigned ctx, const char *dst, const char *dir,
		     const char *name, char **out)
{
	const struct plan *p = b->plan;
	bool fold = b->match_flags & MATCH_FOLD;
	const char *best_rest = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < p->nvars; i++) {
		char *v;
		if (rt_expand_path(b, ctx, plan_str(p, p->vars[i].value), &v))
			return -1; /* a variable left out could be the longest one */
		if (!v)
			continue;
		size_t n = strlen(v);
		const char *rest = under(dir, v, fold);
		if (rest && n > best_len && n > 1) {
			best_len = n;
			best_rest = rest;
		}
		free(v);
	}
	*out = join3(dst, best_rest ? best_rest : "", name);
	return *out ? 0 : -1;
}

int rt_relocate(const struct rt_bound *b, unsigned ctx, uint32_t rule, const char *dir,
		const char *name, char **out)
{
	const struct plan *p = b->plan;
	const struct plan_rule *r = &p->rules[rule];
	bool fold = b->match_flags & MATCH_FOLD;
	char *a0 = NULL, *a1 = NULL;
	int rc = -1;
	*out = NULL;
	if ((r->args[0] != PLAN_NONE && rt_expand_path(b, ctx, plan_str(p, r->args[0]), &a0)) ||
	    (r->args[1] != PLAN_NONE && rt_expand_path(b, ctx, plan_str(p, r->args[1]), &a1)))
		goto out;
	rc = 0;
	switch (r->helper) {
	case PLAN_HELPER_RELATIVE_MOVE: {
		const char *rest = a0 && a1 ? under(dir, a0, fold) : NULL;
		if (rest && !(*out = join3(a1, rest, name)))
			rc = -1;
		break;
	}
	case PLAN_HELPER_MOVE:
		if (a0)
			rc = move_dest(b, ctx, a0, dir, name, out);
		break;
	case PLAN_HELPER_EXACT_MOVE:
		/* aux RULE_AUX_TARGET_IS_FILE: the location had a [leaf] and names one file */
		if (a0) {
			*out = (r->aux & RULE_AUX_TARGET_IS_FILE) ? strdup(a0) : join3(a0, "", name);
			rc = *out ? 0 : -1;
		}
		break;
	default:
		break;
	}
out:
	free(a0);
	free(a1);
	if (rc)
		errno = ENOMEM;
	return rc;
}
