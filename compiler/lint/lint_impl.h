/* lint_impl.h - shared by the lint_*.c files: the run's context, the flattened view of
 * a component's rules, pattern globs for overlap and coverage tests, and safe locations
 * inside XML text. The public interface is lint.h. */
#ifndef MIGC_LINT_IMPL_H
#define MIGC_LINT_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "model.h"
#include "specificity.h"
#include "srcline.h"
#include "vars.h"

/* Check ids, to report each finding once even when named rules are used twice. */
enum lint_check {
	LC_CROSSED,
	LC_SHADOWED,
	LC_EXCLUDE_NO_INCLUDE,
	LC_INCLUDED_TWICE,
};

struct lint_seen; /* set of reported (check, a, b) triples */

struct lint_ctx {
	struct diag_set *d;
	const struct m_policy *policy;
	const struct var_table *vars;
	struct arena *a;
	struct srcline *src;
	struct lint_seen *seen;
};

/* A pattern as a string for overlap tests: lower-cased, segments joined with '\',
 * every '*' a GLOB_STAR byte (or GLOB_SUBJ in subject form, see glob_covers). A node
 * ending in `\*` also matches the directory itself, hence up to two node variants. */
#define GLOB_STAR '\x02'
#define GLOB_SUBJ '\x01'
struct lint_glob {
	const char *node[2];
	size_t nnode;
	const char *leaf; /* NULL: no leaf (directories only) */
};

/* One File pattern of a component's include, exclude or unconditionalExclude. */
struct lint_ent {
	const struct m_object *obj;
	const struct m_rule *rule;
	const struct m_component *comp;
	const char *shown; /* the pattern as written, trimmed, for messages */
	const char *canon; /* pat_canonical(), for duplicate tests */
	bool guarded;	   /* conditions or a filter may switch the rule off */
	bool comp_guarded; /* the component may be undetected or switched off */
	unsigned ctx;	   /* effective context mask */
	struct spec_key key;
	struct lint_glob as_pat, as_subj;
	/* the same with a leading variable replaced by its variables.map template, and
	 * the specificity key counted on that (for comparisons across variables) */
	struct spec_key map_key;
	struct lint_glob map_pat, map_subj;
};

struct lint_ents {
	struct lint_ent **v;
	size_t n;
};

/* What one component holds, following named <rules> references. Entries are in
 * document order within each list. */
struct lint_scan {
	struct lint_ents inc, exc, unc;
	const struct m_rule **excl_rules; /* every <exclude> element */
	size_t nexcl_rules;
	size_t ninclude_rules; /* <include> elements of any content */
	bool unresolved;       /* a reference names no definition */
};

/* A component with its flattened rules (lint.c's second pass). */
struct scanned {
	const struct m_component *c;
	struct lint_scan scan;
};

struct scans {
	struct scanned **v;
	size_t n;
};

/* lint_glob.c */
void glob_of(struct arena *a, const struct pat *p, bool subject, struct lint_glob *out);
/* The same with a leading %VAR% replaced by its template in VARS (when VARS maps it). */
void glob_of_mapped(struct arena *a, const struct var_table *vars, const struct pat *p,
		    bool subject, struct lint_glob *out);
/* Can some object match both A and B (both in pattern form)? */
bool glob_overlap(const struct lint_glob *a, const struct lint_glob *b);
/* Does U (pattern form) match everything P (subject form) matches? Sound, not complete. */
bool glob_covers(const struct lint_glob *u, const struct lint_glob *p);

/* lint_loc.c */
/* Location of byte OFF of TEXT, an XML text that starts at START: the line follows the
 * newlines in TEXT; the column is given only when the source file confirms it (entities
 * or CDATA would shift it), else 0. */
struct src_loc lint_text_loc(struct lint_ctx *lc, const struct src_loc *start, const char *text,
			     size_t off);
/* Offset of the first non-blank byte of TEXT. */
size_t lint_skip_blank(const char *text);
/* True the first time (CHECK, A, B) is seen. */
bool lint_first(struct lint_ctx *lc, enum lint_check check, const void *a, const void *b);
struct lint_seen *lint_seen_new(void);
void lint_seen_free(struct lint_seen *s);

/* lint_pattern.c: checks on one pattern or one variable text. */
void lint_object(struct lint_ctx *lc, const struct m_file *f, const struct m_rule *rule,
		 const struct m_object *obj);
void lint_variable_text(struct lint_ctx *lc, const struct m_file *f, const struct m_variable *v);
void lint_script(struct lint_ctx *lc, const struct m_file *f, const struct script_call *call,
		 const struct src_loc *at, const struct src_loc *text_start, const char *text);
/* Undefined-variable check of a Config.xml pattern (only the map applies there). */
void lint_config_pattern(struct lint_ctx *lc, const struct src_loc *loc, const char *text,
			 const struct pat *p);
/* Is NAME defined by an <environment> of F? */
bool lint_env_defines(const struct m_file *f, const char *name);

/* lint_scan.c: flatten one component's rules into *OUT (arena memory). */
void lint_scan_component(struct lint_ctx *lc, const struct m_file *f, const struct m_component *c,
			 struct lint_scan *out);

/* lint_component.c: include/exclude precedence inside one component; UNCOND holds the
 * unconditionalExclude patterns of the whole policy. */
void lint_component(struct lint_ctx *lc, const struct m_component *c, const struct lint_scan *scan,
		    const struct lint_ents *uncond);

/* lint_twice.c: -Wincluded-twice over every component of the policy. */
void lint_included_twice(struct lint_ctx *lc, const struct scans *all);

/* lint_cond.c */
void lint_conditions(struct lint_ctx *lc, const struct m_file *f, const struct m_conditions *c);

/* lint_config.c */
void lint_config(struct lint_ctx *lc, const struct m_config *cfg);

/* lint_util.c */
/* The definition a <rules name=...> reference stands for (R itself if not a reference,
 * NULL if no definition has that name). */
const struct m_rules *lint_resolve(const struct m_file *f, const struct m_rules *r);
/* "include", "exclude", ... as in the XML. */
const char *lint_kind_name(enum m_rule_kind k);

#endif
