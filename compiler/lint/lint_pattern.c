/* lint_pattern.c - checks that look at one pattern, variable value or helper call alone:
 * a '?' that the author took for a wildcard (-Wquestion-mark), an include or exclude
 * File pattern without a leaf (-Wno-leaf), and %VARIABLES% (in patterns, <variable>
 * values and helper arguments) that neither the variable map nor an <environment> of
 * the same file defines (an error). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lint_impl.h"

static bool env_has(const struct m_environment *const *envs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < envs[i]->nvars; j++)
			if (envs[i]->vars[j]->name && strcasecmp(envs[i]->vars[j]->name, name) == 0)
				return true;
	return false;
}

static bool comp_env_has(const struct m_component *c, const char *name)
{
	if (env_has((const struct m_environment *const *)c->envs, c->nenvs, name))
		return true;
	for (size_t i = 0; i < c->nchildren; i++)
		if (comp_env_has(c->children[i], name))
			return true;
	return false;
}

/* See lint_impl.h. */
bool lint_env_defines(const struct m_file *f, const char *name)
{
	if (env_has((const struct m_environment *const *)f->named_envs, f->nnamed_envs, name))
		return true;
	for (size_t i = 0; i < f->ncomponents; i++)
		if (comp_env_has(f->components[i], name))
			return true;
	return false;
}

/* Without a variable map (it failed to load, already an error) the check is off. */
static bool var_defined(struct lint_ctx *lc, const struct m_file *f, const char *name)
{
	return !lc->vars || vars_find(lc->vars, name) || (f && lint_env_defines(f, name));
}

static void question_mark(struct lint_ctx *lc, const struct src_loc *start, const char *text,
			  const char *shown)
{
	const char *q = text ? strchr(text, '?') : NULL;
	if (!q)
		return;
	struct src_loc loc = lint_text_loc(lc, start, text, (size_t)(q - text));
	diag_report(lc->d, DIAG_WARNING, &loc, "question-mark",
		    "'?' is not a wildcard in MigXML: pattern '%s' matches a literal '?' "
		    "(use '*')",
		    shown);
}

static void check_atoms(struct lint_ctx *lc, const struct m_file *f, const struct src_loc *start,
			const char *text, const struct pat_atom *at, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (at[i].kind != PA_VAR || !at[i].text || var_defined(lc, f, at[i].text))
			continue;
		size_t off = at[i].col > 0 ? (size_t)at[i].col - 1 : 0;
		struct src_loc loc = lint_text_loc(lc, start, text, off);
		diag_report(lc->d, DIAG_ERROR, &loc, NULL, "undefined variable %%%s%%%s",
			    at[i].text,
			    f ? " (not in the variable map nor in an <environment> of this file)"
			      : " (not in the variable map)");
	}
}

static void undefined_vars(struct lint_ctx *lc, const struct m_file *f, const struct src_loc *start,
			   const char *text, const struct pat *p)
{
	for (size_t i = 0; i < p->nsegs; i++)
		check_atoms(lc, f, start, text, p->segs[i].atoms, p->segs[i].natoms);
	check_atoms(lc, f, start, text, p->leaf, p->nleaf);
}

static const char *shown_text(const char *text, const struct pat *p)
{
	if (p && p->text)
		return p->text;
	return text ? text + lint_skip_blank(text) : "";
}

/* Checks on one <pattern> of RULE (RULE may be NULL: a variable's objectSet). */
void lint_object(struct lint_ctx *lc, const struct m_file *f, const struct m_rule *rule,
		 const struct m_object *obj)
{
	if (obj->is_script) {
		lint_script(lc, f, obj->script, &obj->loc, &obj->loc, obj->text);
		return;
	}
	/* Registry and Ini objects are dropped (reported once per file by lint.c). */
	if (!obj->text || obj->type != PAT_FILE)
		return;
	const char *shown = shown_text(obj->text, obj->pattern);
	question_mark(lc, &obj->loc, obj->text, shown);
	if (!obj->pattern)
		return;
	if (rule && !obj->pattern->has_leaf &&
	    (rule->kind == MR_INCLUDE || rule->kind == MR_EXCLUDE ||
	     rule->kind == MR_UNCOND_EXCLUDE)) {
		struct src_loc loc =
		    lint_text_loc(lc, &obj->loc, obj->text, lint_skip_blank(obj->text));
		diag_report(
		    lc->d, DIAG_WARNING, &loc, "no-leaf",
		    "File pattern '%s' has no [leaf]: it matches directories only, no files "
		    "(add ' [*]' for the files in them)",
		    shown);
	}
	undefined_vars(lc, f, &obj->loc, obj->text, obj->pattern);
}

/* Find the next %NAME% in S: returns a pointer to its first '%' and the name length
 * in *N, or NULL. Names are what USMT variables are made of: letters, digits, '_',
 * '(' ')' (ProgramFiles(x86)) and '-'. */
static const char *next_var(const char *s, size_t *n)
{
	while (s && (s = strchr(s, '%')) != NULL) {
		const char *e = s + 1;
		while (isalnum((unsigned char)*e) || *e == '_' || *e == '(' || *e == ')' ||
		       *e == '-')
			e++;
		if (*e == '%' && e > s + 1) {
			*n = (size_t)(e - s - 1);
			return s;
		}
		s = e;
	}
	return NULL;
}

/* Report every undefined %NAME% of S. When TEXT_START is given, S was written inside
 * the raw XML text TEXT (which starts there): the error points at the name, found from
 * *CURSOR on; otherwise at the line of AT. WHAT says where the name was found. */
static void vars_in_string(struct lint_ctx *lc, const struct m_file *f, const char *s,
			   const struct src_loc *at, const struct src_loc *text_start,
			   const char *text, const char **cursor, const char *what)
{
	size_t n;
	char name[256];
	for (const char *p = next_var(s, &n); p; p = next_var(p + n + 2, &n)) {
		if (n >= sizeof name)
			continue;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		struct src_loc loc = {at->file, at->line, 0};
		if (text_start && text && cursor) {
			char token[sizeof name + 2];
			snprintf(token, sizeof token, "%%%s%%", name);
			const char *raw = strstr(*cursor, token);
			if (raw) {
				loc = lint_text_loc(lc, text_start, text, (size_t)(raw - text));
				*cursor = raw + n + 2;
			}
		}
		if (!var_defined(lc, f, name))
			diag_report(lc->d, DIAG_ERROR, &loc, NULL,
				    "undefined variable %%%s%% in %s", name, what);
	}
}

/* %NAME% references in a <variable>'s <text>: the position inside <text> is not kept by
 * the model, so these point at the <variable> line. */
void lint_variable_text(struct lint_ctx *lc, const struct m_file *f, const struct m_variable *v)
{
	char what[300];
	snprintf(what, sizeof what, "the value of variable '%.200s'", v->name ? v->name : "");
	vars_in_string(lc, f, v->text, &v->loc, NULL, NULL, NULL, what);
	if (v->script)
		lint_script(lc, f, v->script, &v->loc, NULL, NULL);
}

/* Variables in the string arguments of a helper call. TEXT_START/TEXT: the raw text the
 * call was written in, when it is an element's text (NULL for attribute values). */
void lint_script(struct lint_ctx *lc, const struct m_file *f, const struct script_call *call,
		 const struct src_loc *at, const struct src_loc *text_start, const char *text)
{
	char what[300];
	if (!call)
		return;
	snprintf(what, sizeof what, "an argument of %.200s()",
		 call->name ? call->name : "a helper");
	const char *cursor = text;
	for (size_t i = 0; i < call->nargs; i++)
		if (!call->args[i].is_null && call->args[i].str)
			vars_in_string(lc, f, call->args[i].str, at, text_start, text, &cursor,
				       what);
}

/* Checks on one Config.xml pattern: '?' and variables (only the map applies there). */
void lint_config_pattern(struct lint_ctx *lc, const struct src_loc *loc, const char *text,
			 const struct pat *p)
{
	question_mark(lc, loc, text, shown_text(text, p));
	if (p)
		undefined_vars(lc, NULL, loc, text, p);
}
