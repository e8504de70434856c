/* codegen.h - turn the checked rule model into a plan.
 *
 * Walks enabled components in document order; each rule and object set becomes plan
 * rules, each pattern a plan pattern (its node kept as a symbolic template so drives
 * and variables are bound on the machine that runs the plan), each (rule, pattern)
 * pair an entry whose predicate program tests the node, the leaf and the filter.
 * Conditions and detections compile to programs too. Problems go to the diag_set. */
#ifndef MIGC_CODEGEN_H
#define MIGC_CODEGEN_H

#include <stdbool.h>

#include "diag.h"
#include "model.h"
#include "plan_write.h"
#include "vars.h"

struct cg_options {
	bool case_sensitive;
	const char *vars_path;     /* the variable map used (recorded as a source) */
	const unsigned char *vars_sha256;
};

struct cg_stats {
	unsigned rules, patterns, entries, not_applicable;
};

/* Build the plan into B. Returns the number of errors reported. RULESET receives the
 * rule-set hash (sources, switches, variables and options). */
int codegen(struct plan_builder *b, const struct m_policy *pol, const struct var_table *vars,
	    const struct cg_options *opt, struct diag_set *d, unsigned char ruleset[32],
	    struct cg_stats *stats);

#endif
