/* policy_build.h - what `migc compile` and `migc genconfig` share: the variable map with
 * --define applied, and a plan built in memory and checked by the runtime's loader. */
#ifndef MIGC_POLICY_BUILD_H
#define MIGC_POLICY_BUILD_H

#include <stddef.h>

#include "codegen.h"
#include "diag.h"
#include "model.h"
#include "vars.h"

/* Load the map at PATH (NULL: migc_default_vars_path()) into VT, apply the NDEFS
 * NAME=VALUE strings of DEFS and resolve. *USED gets the path read, SHA its SHA-256.
 * Returns 0; -1 when the map cannot be used (diagnostics in D); -2 when a --define is
 * malformed (*BAD names it). */
int pbuild_vars(struct arena *a, struct diag_set *d, struct var_table *vt, const char *path,
		 const char *const *defs, size_t ndefs, const char **used, unsigned char sha[32],
		 const char **bad);

/* Generate POL's plan into a malloc'd *BUF of *LEN bytes that has passed the runtime's
 * own loader. Returns 0; 1 when the policy has errors (in D); 2 when the generated plan
 * fails verification (an internal error, message on stderr). */
int pbuild_plan(const struct m_policy *pol, const struct var_table *vt,
		  const struct cg_options *o, struct diag_set *d, unsigned char **buf, size_t *len,
		  struct cg_stats *st);

#endif
