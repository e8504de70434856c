/* cg.h - internals shared by the code generator's files. */
#ifndef MIGC_CG_H
#define MIGC_CG_H

#include "codegen.h"

struct cg_scope; /* <environment> variables visible in a component */

struct cg {
	struct plan_builder *b;
	const struct m_policy *pol;
	const struct var_table *vars;
	const struct cg_options *opt;
	struct diag_set *d;
	struct cg_stats *stats;
	uint32_t *file_src;          /* m_file index -> SRCS index */
	const struct m_file *file;   /* file being compiled */
	uint32_t src;                /* its SRCS index */
	uint32_t comp;               /* plan component being compiled */
	const struct m_component *mcomp;
	struct cg_scope *scope;
	struct pat_parser *pats;     /* for the patterns written in helper arguments */
};

#define CG_MAX_CONDS 16
/* The <conditions> in force for the rules being compiled (outer <rules> first). */
struct cg_conds {
	const struct m_conditions *v[CG_MAX_CONDS];
	size_t n;
	uint32_t pc;   /* program for exactly v[0..n), when `valid`: every rule of a <rules>
			* block shares one condition program (and one EXISTS search at bind) */
	bool valid;
};

/* Template for a pattern's node ("{drive:C}/Users/ *"), or NULL (with a diagnostic or a
 * not-applicable count) when the pattern cannot name files on this platform.
 * DRIVES, when not NULL, is a {drives:CLASS} prefix for GenerateDrivePatterns. */
char *cg_node_template(struct cg *g, const struct pat *p, const struct src_loc *loc,
		       const char *drives, unsigned *flags);
/* Leaf glob of a pattern, or NULL when it has no leaf. */
char *cg_leaf_glob(const struct pat *p);
/* A plan pattern for P; PLAN_NONE when not applicable. */
uint32_t cg_pattern(struct cg *g, const struct pat *p, const struct src_loc *loc,
		    const char *drives, unsigned extra_flags);
/* A path template for a helper argument written as a USMT location ("C:\Data",
 * "%CSIDL_PERSONAL%"), or NULL. */
char *cg_location_template(struct cg *g, const char *text, const struct src_loc *loc,
			   unsigned *flags);

/* Programs */
uint32_t cg_conditions_prog(struct cg *g, const struct cg_conds *cs);
uint32_t cg_detection_prog(struct cg *g, const struct m_detection *det);
uint32_t cg_entry_prog(struct cg *g, uint32_t pat, const struct script_call *filter,
		       const struct src_loc *loc);

/* Scoped <environment> variables: 1 found (*SCOPED is the plan name, *USER set when
 * it needs a user), 0 not defined here, -1 defined from the registry (not applicable). */
int cg_scoped_var(struct cg *g, const char *name, const char **scoped, bool *user);

/* GenerateDocPatterns' document extensions (docexts.c). */
extern const char *const cg_doc_extensions[];

#endif
