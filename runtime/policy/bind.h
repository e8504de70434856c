/* bind.h - bind a plan to one machine: variables, drives and users become real paths.
 *
 * A plan keeps variables and drive letters symbolic so one compiled plan serves many
 * machines. rt_bind() expands every pattern for every context (context 0 is the
 * system, 1..n the selected users), evaluates detections and <rules> conditions, and
 * builds the path index: a trie of the literal leading segments of every bound node
 * glob. The trie answers two questions per directory in time proportional to its
 * depth, whatever the number of rules: which (rule, pattern) entries can match objects
 * here, and can anything below this directory match at all (if not, the walker does
 * not descend). */
#ifndef MIGRT_BIND_H
#define MIGRT_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "pool.h"
#include "users.h"   /* struct rt_user, enum xdg_dir */
#include "volumes.h" /* enum drive_class */

struct rt_define {
	const char *name;  /* variable name, without % */
	const char *value; /* a template like the map's */
};

struct rt_drive {
	char letter;	  /* upper-case */
	const char *path; /* logical mount root */
};

struct rt_env {
	int rootfd;		     /* directory fd of --root (AT_FDCWD-like -100 = "/") */
	const struct rt_user *users; /* selected users, contexts 1..n */
	size_t nusers;
	const struct rt_define *defines;
	size_t ndefines;
	const struct rt_drive *drives;
	size_t ndrives;
	const char *const *fixed_roots; /* GenerateDrivePatterns "Fixed" mount roots */
	size_t nfixed;
	/* the other drive classes ({drives:Removable|Remote|CDROM}): mount roots by class,
	 * indexed by enum drive_class; a class with no roots binds to nothing */
	const char *const *class_roots[DC__N];
	size_t nclass[DC__N];
	int phase;		/* PHASE_SCAN / PHASE_LOAD */
	bool skip_detection;	/* load: every component is present */
	const char *os_release; /* uname -r */
};

/* One concrete node glob of a pattern in a context. */
struct rt_glob {
	char *node;
	size_t nodelen;
	size_t prelen;	  /* glob_literal_prefix(node, nodelen) */
	bool star;	  /* glob_has_star(node, nodelen) */
	uint32_t spec;	  /* packed specificity: node part from the glob, leaf from the pattern */
	bool fixed_drive; /* from {drives:Fixed}: never matches inside another drive class's
			   * mount (removable media mounted beneath a fixed root) */
};

/* One entry bound in one context with one glob: what the trie stores. */
struct rt_binding {
	uint32_t ent;
	uint32_t ctx;
	uint32_t spec;
};

struct rt_tnode;

struct rt_bound {
	const struct plan *plan;
	const struct rt_env *env;
	unsigned match_flags;
	int phase;
	size_t nctx;		  /* 1 + nusers */
	struct rt_globset *globs; /* [ctx * npats + pat] */
	unsigned char *comp_on;	  /* [ctx * ncomps + comp] */
	unsigned char *rule_on;	  /* [ctx * nrules + rule] */
	struct rt_tnode *trie;
	size_t nbindings;
	size_t nunbound; /* patterns that bound to nothing in some context */
	/* the fast path of rt_decide_in (decide.h), filled by rt_bind */
	uint8_t *entf;	  /* [entry]: RT_EF_* */
	uint32_t *nodeid; /* [ctx * npats + pat]: interned node glob set */
	uint32_t nnodeids;
	struct rt_pool pool; /* the globs and their strings */
};

/* Entry flags: the shape of the entry's program. */
#define RT_EF_GATED 1u	  /* ENODE; JF ->RET; ELEAF; ...: false unless node and leaf match */
#define RT_EF_PURE 2u	  /* exactly node && leaf: no program needs to run */
#define RT_EF_NEEDMETA 4u /* reads size, times or symlink state (FSIZE, FTIME, DANGLING) */

struct rt_globset {
	struct rt_glob *v;
	size_t n;
	bool done; /* expanded (possibly to nothing) */
};

/* Returns 0, or -1 with a message in ERR (an undefined variable, a bad template). */
int rt_bind(const struct plan *p, const struct rt_env *env, struct rt_bound *out, char *err,
	    size_t errsz);
void rt_unbind(struct rt_bound *b);

/* Pattern K of plan P has one set of globs for every context (no user part). */
#define RT_PAT_SHARED(p, k) (!((p)->pats[k].flags & (PP_USER | PP_EACH_USER)))

/* --- bound_query.c: what the bound plan answers ----------------------------------- */

/* Globs of pattern K in context CTX (N set to their number; may be 0). */
const struct rt_glob *rt_pattern_globs(const struct rt_bound *b, unsigned ctx, uint32_t k,
				       size_t *n);

/* True when DIR lies on a mount of a non-Fixed drive class (env class_roots). */
bool rt_on_other_drive(const struct rt_bound *b, const char *dir, size_t len);
/* Does any of the N globs G name directory DIR? The one node test: the VM and the
 * decision fast path both call it, so they cannot disagree. */
bool rt_globs_match_dir(const struct rt_bound *b, const struct rt_glob *g, size_t n,
			const char *dir, size_t len);

/* Condition helpers used by the VM. rt_exists: 1, 0, or -1 out of memory (errno). */
int rt_exists(const struct rt_bound *b, unsigned ctx, uint32_t pat);
int rt_same_object(const struct rt_bound *b, unsigned ctx, uint32_t pat1, uint32_t pat2);
int rt_os_compare(const struct rt_bound *b, unsigned cmp, const char *version);
int rt_os_match(const struct rt_bound *b, const char *glob);

/* --- bind.c ---------------------------------------------------------------------- */

/* Expand one template (a variable value, a helper argument) in context CTX into a
 * single logical path (no wildcards expected): 0 with *OUT a malloc'd string, or NULL
 * when it names nothing here; -1 with errno ENOMEM. */
int rt_expand_path(const struct rt_bound *b, unsigned ctx, const char *tmpl, char **out);

/* The path index. A cursor follows the walker down the directory tree. */
struct rt_cands {
	const struct rt_binding **v;
	size_t n, cap;
};
void rt_cands_free(struct rt_cands *c);
/* Entries that may match objects in directory DIR (the directory itself included): 0,
 * or -1 with errno ENOMEM and OUT empty (never a part of the list). */
int rt_candidates(const struct rt_bound *b, const char *dir, size_t len, struct rt_cands *out);
/* False when no entry can match DIR or anything below it: the walker skips it. */
bool rt_reachable(const struct rt_bound *b, const char *dir, size_t len);

#endif
