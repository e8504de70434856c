/* lint.h - `migc lint`: warnings about MigXML rule files and Config.xml that load fine
 * but probably do not do what their author meant (see docs and spec sections 3-6).
 * Every check has its own -W name (the table in diag.c); undefined variables are errors. */
#ifndef MIGC_LINT_H
#define MIGC_LINT_H

#include "diag.h"
#include "model.h"
#include "vars.h"

/* Run every check over the loaded POLICY and report to D. VARS is the variable map
 * (variables.map plus --define); names an <environment> of the same file defines are
 * accepted too. */
void lint_policy(struct diag_set *d, const struct m_policy *policy, const struct var_table *vars);

/* `migc lint [options] FILE.xml...` (ARGV[0] is "lint"). Returns the exit status:
 * 0 clean or warnings only, 1 errors (or warnings under --werror), 2 usage error. */
int cmd_lint(int argc, char **argv);

#endif
