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
void strlist_free(struct strlist *l);
void strlist_push(struct strlist *l, char *s); /* takes ownership */

enum expand_status { EXP_OK = 0, EXP_UNBOUND = 1, EXP_ERROR = -1 };

/* Expand TMPL for USER (NULL: system context) into OUT. GLOB says TMPL is a glob
 * template (its '*' and escapes are kept); otherwise the result is a plain path.
 * Results are normalised ('//' collapsed, no trailing '/', absolute). EXP_UNBOUND means
 * the template needs something this context lacks (a user, an unmapped drive): no
 * result, not an error. On EXP_ERROR, ERR says why. */
int rt_expand(const struct plan *p, const struct rt_env *env, const struct rt_user *user,
	      const char *tmpl, bool glob, struct strlist *out, char *err, size_t errsz);

#endif
