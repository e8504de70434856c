/* expand.h - expand plan templates (pattern nodes, variable values) into paths/globs.
 *
 * Template syntax (docs/plan-format.md): %NAME% a variable; {drive:X} the root bound to
 * drive X; {drives:CLASS} every root of a drive class (multi-valued); {home},
 * {xdg:NAME}, {user}, {uid} the user being expanded for; '\' escapes the next byte;
 * everything else is text. Pattern templates are globs ('*' is a wildcard); variable
 * values are plain paths and are escaped when they land inside a glob. */
#ifndef MIGRT_EXPAND_H
#define MIGRT_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "bind.h"

struct strlist {
	char **v;
	size_t n, cap;
};
void rt_strlist_free(struct strlist *l);
void rt_strlist_push(struct strlist *l, char *s); /* takes ownership */

enum expand_status { EXP_OK = 0, EXP_UNBOUND = 1, EXP_ERROR = -1 };

/* Expand TMPL for USER (NULL: system context) into OUT. GLOB says TMPL is a glob
 * template (its '*' and escapes are kept); otherwise the result is a plain path.
 * Results are normalised ('//' collapsed, no trailing '/', absolute). EXP_UNBOUND means
 * the template needs something this context lacks (a user, an unmapped drive): no
 * result, not an error. On EXP_ERROR, ERR says why, and errno is ENOMEM when it was out
 * of memory (the caller clears errno first to tell). */
int rt_expand(const struct plan *p, const struct rt_env *env, const struct rt_user *user,
	      const char *tmpl, bool glob, struct strlist *out, char *err, size_t errsz);

/* rt_bind expands thousands of templates that share a few variables. A cache, made
 * for one plan and environment, looks variable names up in a hash table and expands
 * each variable used directly by a template once per user, and keeps its scratch space
 * from call to call. The results are the same as rt_expand's. */
struct rt_xcache;
struct rt_xcache *rt_xcache_new(const struct plan *p, const struct rt_env *env);
void rt_xcache_free(struct rt_xcache *c);

/* Results of rt_expand_cached: N normalised paths (or globs), valid until the next
 * call with the same cache. */
struct rt_xout {
	char *const *v;
	const size_t *len;
	size_t n;
};
/* rt_expand through cache C: the same status, results and messages. */
int rt_expand_cached(struct rt_xcache *c, const struct rt_user *user, const char *tmpl, bool glob,
		     struct rt_xout *out, char *err, size_t errsz);

#endif
