/* lint_config.c - Config.xml checks:
 *   -Wbroad-hardlink        a createHardLink that covers system locations: locked system
 *                           files get linked into the store, which then cannot be deleted
 *                           while they stay open (spec 3.4)
 *   -Wunreachable-hardlink  a hard-link rule that an earlier rule of the other kind always
 *                           pre-empts (first match in document order wins)
 *   -Wno-leaf               a leafless hard-link pattern matches folders, never a locked file
 *   -Wnot-applicable        <registryError> is ignored on Linux (<ProfileControl>'s
 *                           <changeGroup> applies: xml_config.c checks it)
 * plus '?' and undefined variables in its patterns. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "lint_impl.h"

/* Variables naming Windows system locations (spec 8.2). */
static const char *const system_vars[] = {
    "ALLUSERSAPPDATA",
    "COMMONPROGRAMFILES",
    "COMMONPROGRAMFILES(X86)",
    "CSIDL_COMMON_APPDATA",
    "CSIDL_FONTS",
    "CSIDL_PROGRAM_FILES",
    "CSIDL_PROGRAM_FILESX86",
    "CSIDL_PROGRAM_FILES_COMMON",
    "CSIDL_PROGRAM_FILES_COMMONX86",
    "CSIDL_RESOURCES",
    "CSIDL_SYSTEM",
    "CSIDL_SYSTEMX86",
    "CSIDL_WINDOWS",
    "PROGRAMDATA",
    "PROGRAMFILES",
    "PROGRAMFILES(X86)",
    "SYSTEM",
    "SYSTEM16",
    "SYSTEM32",
    "SYSTEMPROFILE",
    "SYSTEMROOT",
    "WINDIR",
};

/* First directory names under a drive root that hold the system. */
static const char *const system_dirs[] = {
    "windows",
    "program files",
    "program files (x86)",
    "programdata",
};

/* Linux system trees a variable's template may start with. */
static const char *const system_prefixes[] = {
    "/bin", "/boot", "/etc", "/lib", "/opt", "/sbin", "/usr", "/var",
};

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return true;
	return false;
}

static bool seg_has_star(const struct pat_seg *s)
{
	for (size_t i = 0; i < s->natoms; i++)
		if (s->atoms[i].kind == PA_STAR)
			return true;
	return false;
}

static bool seg_is_literal(const struct pat_seg *s, const char *const *list, size_t n)
{
	return s->natoms == 1 && s->atoms[0].kind == PA_LIT && in_list(list, n, s->atoms[0].text);
}

/* A root (drive, `\`, or a variable for one) followed by nothing or by a wildcard
 * segment covers the whole drive; a system directory right under it is system. */
static bool root_rest_broad(const struct pat *p, size_t first)
{
	if (p->nsegs <= first || seg_has_star(&p->segs[first]))
		return true;
	return seg_is_literal(&p->segs[first], system_dirs,
			      sizeof system_dirs / sizeof *system_dirs);
}

static bool var_broad(struct lint_ctx *lc, const struct pat *p, const char *name)
{
	if (in_list(system_vars, sizeof system_vars / sizeof *system_vars, name))
		return true;
	if (strcasecmp(name, "SYSTEMDRIVE") == 0)
		return root_rest_broad(p, 1);
	const struct var_def *v = lc->vars ? vars_find(lc->vars, name) : NULL;
	if (!v || !v->value)
		return false;
	const char *t = v->value;
	size_t n = strlen(t);
	if (strcmp(t, "/") == 0 ||
	    (strncmp(t, "{drive:", 7) == 0 && n >= 9 && t[n - 1] == '}' && !strchr(t + 7, '/')))
		return root_rest_broad(p, 1);
	for (size_t i = 0; i < sizeof system_prefixes / sizeof *system_prefixes; i++) {
		size_t k = strlen(system_prefixes[i]);
		if (strncmp(t, system_prefixes[i], k) == 0 && (t[k] == '\0' || t[k] == '/'))
			return true;
	}
	return false;
}

static bool broad(struct lint_ctx *lc, const struct pat *p)
{
	if (p->type != PAT_FILE)
		return false;
	if (p->root == PR_NONE && p->nsegs > 0 && p->segs[0].natoms == 1 &&
	    p->segs[0].atoms[0].kind == PA_VAR)
		return var_broad(lc, p, p->segs[0].atoms[0].text);
	return p->root != PR_HIVE && root_rest_broad(p, 0); /* a drive, `\`, or every drive */
}

static struct src_loc text_start(struct lint_ctx *lc, const struct src_loc *loc, const char *text)
{
	return lint_text_loc(lc, loc, text, lint_skip_blank(text));
}

static const char *shown(const char *text, const struct pat *p)
{
	return p && p->text ? p->text : text ? text + lint_skip_blank(text) : "";
}

static void no_leaf(struct lint_ctx *lc, const struct m_hardlink_rule *h, const char *what)
{
	if (!h->pattern || h->pattern->type != PAT_FILE || h->pattern->has_leaf)
		return;
	struct src_loc loc = text_start(lc, &h->loc, h->text);
	diag_report(lc->d, DIAG_WARNING, &loc, "no-leaf",
		    "%s pattern '%s' has no [leaf]: it matches folders only, never a locked file "
		    "(add ' [*]' for the files in them)",
		    what, shown(h->text, h->pattern));
}

static const char *hl_name(const struct m_hardlink_rule *h)
{
	return h->create ? "createHardLink" : "errorHardLink";
}

static void hardlinks(struct lint_ctx *lc, const struct m_config *cfg)
{
	struct lint_glob *pat = arena_alloc(lc->a, (cfg->nhardlinks + 1) * sizeof *pat);
	struct lint_glob *subj = arena_alloc(lc->a, (cfg->nhardlinks + 1) * sizeof *subj);
	for (size_t j = 0; j < cfg->nhardlinks; j++) {
		const struct m_hardlink_rule *h = cfg->hardlinks[j];
		lint_config_pattern(lc, &h->loc, h->text, h->pattern);
		no_leaf(lc, h, hl_name(h));
		if (!h->pattern || h->pattern->type != PAT_FILE)
			continue;
		glob_of(lc->a, h->pattern, false, &pat[j]);
		glob_of(lc->a, h->pattern, true, &subj[j]);
		if (h->create && broad(lc, h->pattern)) {
			struct src_loc loc = text_start(lc, &h->loc, h->text);
			diag_report(
			    lc->d, DIAG_WARNING, &loc, "broad-hardlink",
			    "createHardLink '%s' covers system locations: locked system files "
			    "would be linked into the store, which then cannot be deleted while "
			    "they stay open",
			    shown(h->text, h->pattern));
		}
		for (size_t i = 0; i < j; i++) {
			const struct m_hardlink_rule *g = cfg->hardlinks[i];
			if (g->create == h->create || !g->pattern || g->pattern->type != PAT_FILE ||
			    !glob_covers(&pat[i], &subj[j]))
				continue;
			struct src_loc loc = text_start(lc, &h->loc, h->text);
			diag_report(
			    lc->d, DIAG_WARNING, &loc, "unreachable-hardlink",
			    "%s '%s' can never apply: the earlier %s '%s' (line %d) matches "
			    "every file it matches, and the first matching rule wins",
			    hl_name(h), shown(h->text, h->pattern), hl_name(g),
			    shown(g->text, g->pattern), g->loc.line);
			break;
		}
	}
}

/* Run the Config.xml checks. */
void lint_config(struct lint_ctx *lc, const struct m_config *cfg)
{
	size_t registry = 0;
	for (size_t i = 0; i < cfg->nerrors; i++) {
		const struct m_error_rule *e = cfg->errors[i];
		if (e->registry) {
			registry++;
			continue;
		}
		lint_config_pattern(lc, &e->loc, e->text, e->pattern);
	}
	hardlinks(lc, cfg);
	struct src_loc file = {cfg->path, 0, 0};
	if (registry)
		diag_report(lc->d, DIAG_WARNING, &file, "not-applicable",
			    "%zu <registryError> rule%s ignored: there is no registry on Linux",
			    registry, registry == 1 ? "" : "s");
}
