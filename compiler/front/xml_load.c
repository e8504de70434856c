/* xml_load.c - policy_load(): every rule file and the Config.xml loaded and put
 * together (duplicate urlids, component numbering, Config.xml switches).
 *
 * xml_rules.c (MigXML) and xml_config.c (Config.xml) build the model; what both need
 * is xml_nodes.c (diagnostics, node access), xml_vocab.c (element-name checks with
 * "did you mean") and xml_parse.c (patterns and helper calls parsed at exact
 * positions). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_load.h"
#include "xml_priv.h"

/* ---------------------------------------------------------------------------
 * policy_load
 * ------------------------------------------------------------------------- */

/* Load one MigXML rule file. */
struct m_file *xml_load_rules(struct arena *a, struct diag_set *d, const char *path)
{
	struct src_loc loc;
	return xr_load(a, d, path, &loc);
}

/* Load one Config.xml. */
struct m_config *xml_load_config(struct arena *a, struct diag_set *d, const char *path)
{
	return xc_load(a, d, path, NULL);
}

struct comp_list {
	struct m_component **items;
	size_t n;
};

static void number_components(struct arena *a, struct m_component **cs, size_t n,
			      struct comp_list *all, unsigned *next)
{
	for (size_t i = 0; i < n; i++) {
		cs[i]->id = (*next)++;
		XPUSH(a, all->items, all->n, cs[i]);
		number_components(a, cs[i]->children, cs[i]->nchildren, all, next);
	}
}

/* A parent turned off turns off its whole subtree. */
static void propagate_disabled(struct m_component **cs, size_t n, bool parent_on)
{
	for (size_t i = 0; i < n; i++) {
		if (!parent_on)
			cs[i]->enabled = false;
		propagate_disabled(cs[i]->children, cs[i]->nchildren, cs[i]->enabled);
	}
}

/* Is switch path P inside the path of one of the first N switches marked in MISSING? */
static bool under_missing(const struct m_config *c, const bool *missing, size_t n, const char *p)
{
	for (size_t t = 0; t < n; t++) {
		if (!missing[t])
			continue;
		size_t l = strlen(c->switches[t]->path);
		if (strncasecmp(p, c->switches[t]->path, l) == 0 && p[l] == '\\')
			return true;
	}
	return false;
}

/* Config.xml switches: no entry = migrate; several entries = on if any says yes. An
 * entry that names no component is reported, once for a whole missing subtree. */
static void apply_switches(struct arena *a, struct diag_set *d, struct m_policy *out,
			   const struct comp_list *all, const bool *in_windows)
{
	const struct m_config *c = out->config;
	unsigned char *state = arena_alloc(a, all->n + 1); /* 0 none, 1 all no, 2 a yes */
	bool *missing = arena_alloc(a, c->nswitches + 1);
	for (size_t s = 0; s < c->nswitches; s++) {
		const struct m_switch *sw = c->switches[s];
		bool matched = false;
		for (size_t i = 0; i < all->n; i++) {
			const char *p = all->items[i]->path;
			if (!p || xml_casecmp(p, sw->path) != 0)
				continue;
			matched = true;
			if (sw->migrate)
				state[i] = 2;
			else if (state[i] == 0)
				state[i] = 1;
		}
		if (matched || (in_windows && in_windows[s]))
			continue;
		missing[s] = true;
		if (!under_missing(c, missing, s, sw->path))
			diag_report(
			    d, DIAG_WARNING, &sw->loc, "unknown-component",
			    "Config.xml entry \"%.200s\" names no component of the rule files",
			    sw->path);
	}
	for (size_t i = 0; i < all->n; i++)
		if (state[i] == 1)
			all->items[i]->enabled = false;
	for (size_t f = 0; f < out->nfiles; f++)
		if (!out->files[f]->ignored)
			propagate_disabled(out->files[f]->components, out->files[f]->ncomponents,
					   true);
}

/* Load FILES and CONFIG into OUT (see xml_load.h). */
int policy_load(struct arena *a, struct diag_set *d, struct m_policy *out, const char *const *files,
		size_t nfiles, const char *config)
{
	memset(out, 0, sizeof(*out));
	int failed = 0;
	for (size_t i = 0; i < nfiles; i++) {
		struct src_loc root = {files[i], 0, 0};
		struct m_file *f = xr_load(a, d, files[i], &root);
		if (!f) {
			failed++;
			continue;
		}
		for (size_t j = 0; f->urlid && j < out->nfiles; j++) {
			const struct m_file *g = out->files[j];
			if (g->ignored || !g->urlid || xml_casecmp(g->urlid, f->urlid) != 0)
				continue;
			diag_report(d, DIAG_WARNING, &root, "duplicate-urlid",
				    "urlid \"%.200s\" is already used by %s; this file is ignored",
				    f->urlid, g->path);
			f->ignored = true;
			break;
		}
		XPUSH(a, out->files, out->nfiles, f);
	}

	bool *in_windows = NULL;
	if (config) {
		out->config = xc_load(a, d, config, &in_windows);
		if (!out->config)
			failed++;
	}

	struct comp_list all = {NULL, 0};
	unsigned next = 0;
	for (size_t i = 0; i < out->nfiles; i++)
		if (!out->files[i]->ignored)
			number_components(a, out->files[i]->components, out->files[i]->ncomponents,
					  &all, &next);
	out->ncomponents = next;
	if (out->config)
		apply_switches(a, d, out, &all, in_windows);
	return failed;
}
