/* lint_glob.c - File patterns as flat glob strings, and the two questions lint asks of
 * them: can two patterns match a common object (crossed rules), and does one pattern
 * match everything another matches (shadowed rules, unreachable hard-link rules).
 *
 * Node and leaf are compared separately. In the node `*` may cross `\` (spec 5.3), and a
 * final `\*` also matches the directory itself, so such a node has a second variant
 * without it. Names are compared ASCII case-insensitively; a %VAR% is compared by name,
 * or, in the mapped form, replaced by its variables.map template (so %CSIDL_APPDATA% and
 * %CSIDL_PROFILE%\.config are the same folder). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind.h"
#include "lint_impl.h"

#define GLOB_MAX_CELLS (1u << 22) /* overlap DP budget; beyond it we answer "no" */

struct buf {
	char *s;
	size_t n, cap;
};

static void put(struct buf *b, char c)
{
	if (b->n + 1 >= b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		char *ns = realloc(b->s, b->cap);
		if (!ns) {
			fputs("migc: out of memory\n", stderr);
			abort();
		}
		b->s = ns;
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
}

static void put_lower(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		put(b, (char)tolower((unsigned char)*s));
}

static void put_atoms(struct buf *b, const struct pat_atom *at, size_t n, char star)
{
	for (size_t i = 0; i < n; i++) {
		if (at[i].kind == PA_STAR) {
			put(b, star);
		} else if (at[i].kind == PA_VAR) {
			put(b, '%');
			put_lower(b, at[i].text);
			put(b, '%');
		} else {
			put_lower(b, at[i].text);
		}
	}
}

static bool is_bare_star(const struct pat_seg *s)
{
	return s->natoms == 1 && s->atoms[0].kind == PA_STAR;
}

#define TEMPLATE_MAX_DEPTH 16

/* Append the variables.map template T as glob text: '/' separates, %OTHER% is expanded
 * in turn, {xdg:NAME} is its default folder under {home}, {drive:X} is "x:"; other
 * tokens ({home}, {user}, ...) stay as they are, standing for one unknown folder. */
static void put_template(struct buf *b, const struct var_table *vars, const char *t, int depth)
{
	while (*t) {
		const char *end;
		if (*t == '%' && (end = strchr(t + 1, '%')) && end > t + 1) {
			char name[128];
			size_t n = (size_t)(end - t - 1);
			const struct var_def *v = NULL;
			if (n < sizeof name && depth < TEMPLATE_MAX_DEPTH) {
				memcpy(name, t + 1, n);
				name[n] = '\0';
				v = vars_find(vars, name);
			}
			if (v) {
				put_template(b, vars, v->value, depth + 1);
			} else {
				for (const char *c = t; c <= end; c++)
					put(b, (char)tolower((unsigned char)*c));
			}
			t = end + 1;
		} else if (!strncmp(t, "{xdg:", 5) && (end = strchr(t, '}'))) {
			const char *dflt = NULL;
			for (size_t i = 0; i < XDG__N && !dflt; i++)
				if (strlen(xdg_names[i]) == (size_t)(end - t - 5) &&
				    !strncasecmp(xdg_names[i], t + 5, (size_t)(end - t - 5)))
					dflt = xdg_defaults[i];
			put_lower(b, "{home}");
			if (dflt) {
				put(b, '\\');
				put_lower(b, dflt);
			}
			t = end + 1;
		} else if (!strncmp(t, "{drive:", 7) && t[7] && t[8] == '}') {
			put(b, (char)tolower((unsigned char)t[7]));
			put(b, ':');
			t += 9;
		} else {
			put(b, *t == '/' ? '\\' : (char)tolower((unsigned char)*t));
			t++;
		}
	}
	while (b->n > 0 && b->s[b->n - 1] == '\\')
		b->s[--b->n] = '\0';
}

/* Build the glob of P; SUBJECT selects the subject form (stars as GLOB_SUBJ); with
 * VARS, a leading variable is replaced by its template. */
static void build_glob(struct arena *a, const struct var_table *vars, const struct pat *p,
		       bool subject, struct lint_glob *out)
{
	char star = subject ? GLOB_SUBJ : GLOB_STAR;
	struct buf b = {0};
	bool var_root = p->root == PR_NONE && p->nsegs > 0 && p->segs[0].natoms > 0 &&
			p->segs[0].atoms[0].kind == PA_VAR;
	const struct var_def *mapped = vars && var_root && p->segs[0].natoms == 1
					   ? vars_find(vars, p->segs[0].atoms[0].text)
					   : NULL;
	size_t first = 0;
	put(&b, '\0');
	b.n = 0;
	if (p->root == PR_DRIVE) {
		put(&b, (char)tolower((unsigned char)p->drive));
		put(&b, ':');
	} else if (p->root == PR_HIVE) {
		put_lower(&b, p->hive);
	} else if (!var_root) {
		put(&b, star); /* relative to every drive root */
	} else if (mapped) {
		put_template(&b, vars, mapped->value, 0);
		first = 1;
	} else {
		put_atoms(&b, p->segs[0].atoms, p->segs[0].natoms, star);
		first = 1;
	}
	size_t before_last = b.n;
	for (size_t i = first; i < p->nsegs; i++) {
		before_last = b.n;
		put(&b, '\\');
		put_atoms(&b, p->segs[i].atoms, p->segs[i].natoms, star);
	}
	out->node[0] = arena_strdup(a, b.s);
	out->nnode = 1;
	if (p->nsegs > first && is_bare_star(&p->segs[p->nsegs - 1]))
		out->node[out->nnode++] = arena_strndup(a, b.s, before_last);

	out->leaf = NULL;
	if (p->has_leaf) {
		b.n = 0;
		b.s[0] = '\0';
		put_atoms(&b, p->leaf, p->nleaf, star);
		out->leaf = arena_strdup(a, b.s);
	}
	free(b.s);
}

/* See lint_impl.h. */
void glob_of(struct arena *a, const struct pat *p, bool subject, struct lint_glob *out)
{
	build_glob(a, NULL, p, subject, out);
}

/* See lint_impl.h. */
void glob_of_mapped(struct arena *a, const struct var_table *vars, const struct pat *p,
		    bool subject, struct lint_glob *out)
{
	build_glob(a, vars, p, subject, out);
}

/* Do the languages of two star globs intersect? dp[i][j]: the suffixes a+i and b+j
 * can still meet. */
static bool inter(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), w = nb + 1;
	if ((na + 1) * w > GLOB_MAX_CELLS)
		return false;
	unsigned char *dp = calloc((na + 1) * w, 1);
	if (!dp)
		return false;
	for (size_t i = na + 1; i-- > 0;) {
		for (size_t j = nb + 1; j-- > 0;) {
			bool r;
			if (i == na && j == nb)
				r = true;
			else if (i < na && a[i] == GLOB_STAR)
				r = dp[(i + 1) * w + j] || (j < nb && dp[i * w + j + 1]);
			else if (j < nb && b[j] == GLOB_STAR)
				r = dp[i * w + j + 1] || (i < na && dp[(i + 1) * w + j]);
			else
				r = i < na && j < nb && a[i] == b[j] && dp[(i + 1) * w + j + 1];
			dp[i * w + j] = r;
		}
	}
	bool r = dp[0];
	free(dp);
	return r;
}

/* Classic star matching of glob U against the subject string P (its own stars are
 * GLOB_SUBJ bytes, which only a star of U can absorb). */
static bool match(const char *u, const char *p)
{
	size_t i = 0, j = 0, star = (size_t)-1, mark = 0;
	while (p[j]) {
		if (u[i] && u[i] != GLOB_STAR && u[i] == p[j]) {
			i++, j++;
		} else if (u[i] == GLOB_STAR) {
			star = i++;
			mark = j;
		} else if (star != (size_t)-1) {
			i = star + 1;
			j = ++mark;
		} else {
			return false;
		}
	}
	while (u[i] == GLOB_STAR)
		i++;
	return !u[i];
}

/* See lint_impl.h. */
bool glob_overlap(const struct lint_glob *a, const struct lint_glob *b)
{
	if (!a->leaf || !b->leaf || !inter(a->leaf, b->leaf))
		return false;
	for (size_t i = 0; i < a->nnode; i++)
		for (size_t j = 0; j < b->nnode; j++)
			if (inter(a->node[i], b->node[j]))
				return true;
	return false;
}

/* See lint_impl.h. */
bool glob_covers(const struct lint_glob *u, const struct lint_glob *p)
{
	if (!u->leaf || !p->leaf || !match(u->leaf, p->leaf))
		return false;
	for (size_t j = 0; j < p->nnode; j++) {
		bool hit = false;
		for (size_t i = 0; i < u->nnode && !hit; i++)
			hit = match(u->node[i], p->node[j]);
		if (!hit)
			return false;
	}
	return true;
}
