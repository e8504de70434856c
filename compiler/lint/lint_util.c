/* lint_util.c - small helpers the lint checks share (lint_impl.h): named <rules>
 * references resolved, rule kinds named. */
#include <string.h>

#include "lint_impl.h"

/* See lint_impl.h. */
const struct m_rules *lint_resolve(const struct m_file *f, const struct m_rules *r)
{
	if (!r->is_reference)
		return r;
	for (size_t i = 0; r->name && i < f->nnamed_rules; i++)
		if (f->named_rules[i]->name && strcmp(f->named_rules[i]->name, r->name) == 0)
			return f->named_rules[i];
	return NULL;
}

/* See lint_impl.h. */
const char *lint_kind_name(enum m_rule_kind k)
{
	static const char *const names[MR__COUNT] = {
	    [MR_INCLUDE] = "include",
	    [MR_EXCLUDE] = "exclude",
	    [MR_UNCOND_EXCLUDE] = "unconditionalExclude",
	    [MR_MERGE] = "merge",
	    [MR_LOCATION_MODIFY] = "locationModify",
	    [MR_CONTENT_MODIFY] = "contentModify",
	    [MR_DEST_CLEANUP] = "destinationCleanup",
	    [MR_INCLUDE_ATTRS] = "includeAttributes",
	    [MR_EXCLUDE_ATTRS] = "excludeAttributes",
	};
	return (unsigned)k < MR__COUNT && names[k] ? names[k] : "rule";
}
