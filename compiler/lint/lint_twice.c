/* lint_twice.c - -Wincluded-twice: an include of one component whose every object an
 * include of another component takes too. Both components then capture those files, so
 * switching one of them off in Config.xml does not leave them behind: usually two rule
 * files that were meant to divide the work (miguser.xml, migapp.xml) overlap by accident.
 *
 * Patterns are compared in their mapped form (variables replaced by their
 * variables.map templates), so %CSIDL_APPDATA%\x and %CSIDL_PROFILE%\.config\x are the
 * same folder. The covering include does not count when its own component excludes all
 * of those objects with a rule at least as specific (that is how a catch-all component gives a
 * folder to another one). Only unguarded includes of enabled components cover (a rule
 * with conditions or a filter may take nothing), and only in a context both share.
 *
 * The covering includes are indexed by the literal text before their first '*': an
 * include can cover another only if that text begins the other's node, so each include
 * looks up the prefixes of its own node (a rolling hash), not every other include. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint_impl.h"

struct cover {
	const struct lint_ent *e;
	const struct lint_scan *scan; /* the covering include's component */
	const char *lit;	      /* its node's literal prefix */
	size_t litlen;
	uint64_t hash;
};

struct index {
	struct cover *v;
	size_t n, cap;
	size_t *slot; /* open addressing: 1 + index into v, 0 empty; chains by hash */
	size_t nslot;
};

#define FNV_BASIS 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv_step(uint64_t h, char c)
{
	return (h ^ (unsigned char)c) * FNV_PRIME;
}

static bool comp_enabled(const struct m_component *c)
{
	for (; c; c = c->parent)
		if (!c->enabled)
			return false;
	return true;
}

/* The literal prefix of a covering include: its shortest node variant up to the first
 * star (both variants must be matched, and the shorter is a prefix of the longer). */
static void literal_prefix(const struct lint_glob *g, const char **lit, size_t *len)
{
	const char *s = g->node[g->nnode - 1];
	const char *star = strchr(s, GLOB_STAR);
	*lit = s;
	*len = star ? (size_t)(star - s) : strlen(s);
}

static void index_add(struct index *ix, const struct lint_ent *e, const struct lint_scan *scan)
{
	struct cover c = {e, scan, NULL, 0, FNV_BASIS};
	literal_prefix(&e->map_pat, &c.lit, &c.litlen);
	for (size_t i = 0; i < c.litlen; i++)
		c.hash = fnv_step(c.hash, c.lit[i]);
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? 2 * ix->cap : 64;
		struct cover *nv = realloc(ix->v, ix->cap * sizeof *nv);
		if (!nv)
			abort();
		ix->v = nv;
	}
	ix->v[ix->n++] = c;
}

static void index_build(struct index *ix)
{
	ix->nslot = 16;
	while (ix->nslot < 2 * ix->n)
		ix->nslot *= 2;
	ix->slot = calloc(ix->nslot, sizeof *ix->slot);
	if (!ix->slot)
		abort();
	for (size_t i = 0; i < ix->n; i++) {
		size_t k = (size_t)ix->v[i].hash & (ix->nslot - 1);
		while (ix->slot[k])
			k = (k + 1) & (ix->nslot - 1);
		ix->slot[k] = i + 1;
	}
}

/* Does an exclude of the covering component take all of B's objects back, with a rule
 * at least as specific as the covering include? */
static bool given_away(const struct cover *a, const struct lint_ent *b)
{
	for (size_t i = 0; i < a->scan->exc.n; i++) {
		const struct lint_ent *x = a->scan->exc.v[i];
		if ((x->ctx & b->ctx) && spec_compare(&x->map_key, &a->e->map_key) >= 0 &&
		    glob_covers(&x->map_pat, &b->map_subj))
			return true;
	}
	return false;
}

static void report(struct lint_ctx *lc, const struct lint_ent *b, const struct lint_ent *a)
{
	struct src_loc loc = lint_text_loc(lc, &b->obj->loc, b->obj->text, lint_skip_blank(b->obj->text));
	const char *bn = b->comp->path ? b->comp->path : "", *an = a->comp->path ? a->comp->path : "";
	diag_report(lc->d, DIAG_WARNING, &loc, "included-twice",
		    "include '%s' of component '%s': component '%s' takes all of it too (include "
		    "'%s', %s:%d), so switching '%s' off in Config.xml would not leave these files "
		    "behind; exclude them in '%s' or take them in one component only",
		    b->shown, bn, an, a->shown, a->obj->loc.file, a->obj->loc.line, bn, an);
}

/* Look up every prefix of B's node in the index; report the first include that covers B. */
static void check(struct lint_ctx *lc, const struct index *ix, const struct lint_ent *b)
{
	const char *node = b->map_subj.node[0];
	uint64_t h = FNV_BASIS;
	for (size_t len = 0;; len++) {
		for (size_t k = (size_t)h & (ix->nslot - 1); ix->slot[k]; k = (k + 1) & (ix->nslot - 1)) {
			const struct cover *a = &ix->v[ix->slot[k] - 1];
			if (a->hash != h || a->litlen != len || memcmp(a->lit, node, len) != 0 ||
			    a->e->comp == b->comp || !(a->e->ctx & b->ctx) ||
			    !glob_covers(&a->e->map_pat, &b->map_subj) || given_away(a, b))
				continue;
			if (lint_first(lc, LC_INCLUDED_TWICE, b->obj, NULL))
				report(lc, b, a->e);
			return;
		}
		if (!node[len] || node[len] == GLOB_SUBJ)
			return;
		h = fnv_step(h, node[len]);
	}
}

/* See lint_impl.h. */
void lint_included_twice(struct lint_ctx *lc, const struct scans *all)
{
	struct index ix = {0};
	for (size_t i = 0; i < all->n; i++) {
		const struct scanned *s = all->v[i];
		if (!comp_enabled(s->c))
			continue;
		for (size_t j = 0; j < s->scan.inc.n; j++)
			if (!s->scan.inc.v[j]->guarded)
				index_add(&ix, s->scan.inc.v[j], &s->scan);
	}
	if (ix.n > 0) {
		index_build(&ix);
		for (size_t i = 0; i < all->n; i++) {
			const struct scanned *s = all->v[i];
			if (!comp_enabled(s->c))
				continue;
			for (size_t j = 0; j < s->scan.inc.n; j++)
				check(lc, &ix, s->scan.inc.v[j]);
		}
	}
	free(ix.slot);
	free(ix.v);
}
