/* cg_pattern.c - MigXML patterns to plan templates.
 *
 * A node becomes a '/'-separated template: the drive becomes {drive:X}, a variable
 * stays %NAME% (bound at run time), '*' stays a wildcard and literal text is escaped
 * ('*', '\', '%', '{' get a backslash). The leaf becomes a glob. Registry and Ini
 * patterns name nothing on Linux: they are counted as not applicable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cg.h"

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *s, const char *t, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *q = realloc(s->p, cap);
		if (!q) {
			fprintf(stderr, "migc: out of memory\n");
			abort();
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = 0;
}

static void sb_str(struct sbuf *s, const char *t)
{
	sb_add(s, t, strlen(t));
}

static void sb_lit(struct sbuf *s, const char *t)
{
	for (; *t; t++) {
		if (*t == '*' || *t == '\\' || *t == '%' || *t == '{' || *t == '}')
			sb_add(s, "\\", 1);
		sb_add(s, t, 1);
	}
}

/* Resolve %NAME% for this component: scoped <environment> first, then the map. */
static int add_var(struct cg *g, struct sbuf *s, const char *name, const struct src_loc *loc,
		   unsigned *flags)
{
	const char *scoped = NULL;
	bool user = false;
	int sc = cg_scoped_var(g, name, &scoped, &user);
	if (sc < 0) {
		g->stats->not_applicable++;
		return -1; /* defined from the registry: nothing to bind on Linux */
	}
	if (sc > 0) {
		if (user)
			*flags |= PP_USER;
		sb_str(s, "%");
		sb_str(s, scoped);
		sb_str(s, "%");
		return 0;
	}
	const struct var_def *v = vars_find(g->vars, name);
	if (!v) {
		diag_report(g->d, DIAG_ERROR, loc, NULL,
			    "undefined variable %%%s%% (not in the variable map, not defined by an <environment>; use --define %s=PATH)",
			    name, name);
		return -1;
	}
	if (v->user)
		*flags |= PP_USER;
	sb_str(s, "%");
	sb_str(s, v->name);
	sb_str(s, "%");
	return 0;
}

char *cg_node_template(struct cg *g, const struct pat *p, const struct src_loc *loc,
		       const char *drives, unsigned *flags)
{
	struct sbuf s = {0};
	char drv[16];

	if (p->type != PAT_FILE) {
		g->stats->not_applicable++;
		return NULL;
	}
	if (drives) {
		sb_str(&s, drives);
	} else if (p->root == PR_DRIVE) {
		snprintf(drv, sizeof drv, "{drive:%c}", p->drive);
		sb_str(&s, drv);
	} else if (p->root == PR_SEP || (p->root == PR_NONE && p->nsegs > 0 &&
					   !(p->segs[0].natoms == 1 && p->segs[0].atoms[0].kind == PA_VAR))) {
		/* no drive: USMT resolves such a path against the system drive */
		sb_str(&s, "{drive:C}");
	}
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct pat_seg *sg = &p->segs[i];
		if (i > 0 || s.len > 0)
			sb_add(&s, "/", 1);
		for (size_t j = 0; j < sg->natoms; j++) {
			const struct pat_atom *a = &sg->atoms[j];
			if (a->kind == PA_STAR) {
				sb_add(&s, "*", 1);
			} else if (a->kind == PA_LIT) {
				sb_lit(&s, a->text);
			} else {
				struct src_loc vl = *loc;
				if (vl.col && a->col)
					vl.col += a->col - 1;
				if (add_var(g, &s, a->text, &vl, flags)) {
					free(s.p);
					return NULL;
				}
			}
		}
	}
	if (!s.p)
		sb_str(&s, "{drive:C}");
	return s.p;
}

char *cg_leaf_glob(const struct pat *p)
{
	if (!p->has_leaf)
		return NULL;
	struct sbuf s = {0};
	sb_add(&s, "", 0);
	for (size_t j = 0; j < p->nleaf; j++) {
		const struct pat_atom *a = &p->leaf[j];
		if (a->kind == PA_STAR) {
			sb_add(&s, "*", 1);
		} else {
			/* a variable in a leaf is kept as text: USMT does not expand leaves */
			if (a->kind == PA_VAR)
				sb_add(&s, "%", 1);
			for (const char *c = a->text; *c; c++) {
				if (*c == '*' || *c == '\\')
					sb_add(&s, "\\", 1);
				sb_add(&s, c, 1);
			}
			if (a->kind == PA_VAR)
				sb_add(&s, "%", 1);
		}
	}
	return s.p;
}

uint32_t cg_pattern(struct cg *g, const struct pat *p, const struct src_loc *loc,
		    const char *drives, unsigned extra_flags)
{
	unsigned flags = extra_flags;
	char *node = cg_node_template(g, p, loc, drives, &flags);
	if (!node)
		return PLAN_NONE;
	char *leaf = cg_leaf_glob(p);
	char *canon = pat_canonical(p);
	struct plan_pat pp = {
		.node = pb_str(g->b, node),
		.leaf = leaf ? pb_str(g->b, leaf) : PLAN_NONE,
		.src = g->src,
		.line = (uint32_t)(loc->line > 0 ? loc->line : 0),
		.text = pb_str(g->b, canon ? canon : ""),
		.flags = flags,
	};
	free(node);
	free(leaf);
	free(canon);
	g->stats->patterns++;
	return pb_pat(g->b, &pp);
}

char *cg_location_template(struct cg *g, const char *text, const struct src_loc *loc,
			   unsigned *flags)
{
	struct pat_error pe;
	struct pat *p = pat_parse_with(g->pats, text, strlen(text), PAT_FILE, &pe);
	if (!p) {
		diag_report(g->d, DIAG_ERROR, loc, NULL, "bad location \"%s\": %s", text, pe.message);
		return NULL;
	}
	char *t = cg_node_template(g, p, loc, NULL, flags);
	if (t && p->has_leaf) {
		/* a leaf names a file: "C:\Dir [name]" -> "{drive:C}/Dir/name" */
		char *leaf = cg_leaf_glob(p);
		size_t n = strlen(t) + strlen(leaf ? leaf : "") + 2;
		char *full = malloc(n);
		if (full)
			snprintf(full, n, "%s/%s", t, leaf ? leaf : "");
		free(leaf);
		free(t);
		t = full;
	}
	pat_free(p);
	return t;
}
