/* vars.c - the variable map (policies/variables.map and --define): loading, lookup
 * and resolution (which variables need a user, unknown references, cycles).
 *
 * The table is an arena array of pointers sorted by upper-cased name, so lookups are
 * binary searches and USMT's case-insensitive names need no second copy. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "vars.h"

/* Compare as if both were upper-cased: the order the table is sorted in. */
static int name_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = toupper((unsigned char)*a), cb = toupper((unsigned char)*b);
		if (ca != cb || !ca)
			return ca - cb;
	}
}

/* Index of NAME in T, or the insertion point with *FOUND false. */
static size_t find_slot(const struct var_table *t, const char *name, bool *found)
{
	size_t lo = 0, hi = t->ndefs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(t->defs[mid]->name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Names are what may stand between two '%': letters, digits and _ ( ) . - */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && !strchr("_().-", c))
			return false;
	}
	return true;
}

static char *upper_dup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_strndup(a, s, n);
	for (char *q = p; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	return p;
}

/* Insert DEF, or replace the entry of the same name. Returns the replaced one. */
static struct var_def *table_put(struct arena *a, struct var_table *t, struct var_def *def)
{
	bool found;
	size_t i = find_slot(t, def->name, &found);
	if (found) {
		struct var_def *old = t->defs[i];
		t->defs[i] = def;
		return old;
	}
	void **arr = (void **)t->defs;
	size_t n = t->ndefs;
	arena_push(a, &arr, &n, NULL); /* grow by one */
	t->defs = (struct var_def **)arr;
	memmove(&t->defs[i + 1], &t->defs[i], (t->ndefs - i) * sizeof(t->defs[0]));
	t->defs[i] = def;
	t->ndefs = n;
	return NULL;
}

/* Case-insensitive lookup. */
const struct var_def *vars_find(const struct var_table *t, const char *name)
{
	bool found;
	size_t i = find_slot(t, name, &found);
	return found ? t->defs[i] : NULL;
}

/* ---------------------------------------------------------------------------
 * Map file
 * ------------------------------------------------------------------------- */

/* One map line (NUL-terminated, no newline). */
static int map_line(struct arena *a, struct diag_set *d, struct var_table *t, const char *path,
		    int lineno, char *line)
{
	struct src_loc loc = {path, lineno, 0};
	char *p = line + strspn(line, " \t\r");
	if (*p == '\0' || *p == '#')
		return 0;
	/* A comment starts at a '#' that follows white space. */
	for (char *h = p; (h = strchr(h, '#')) != NULL; h++)
		if (h[-1] == ' ' || h[-1] == '\t') {
			*h = '\0';
			break;
		}
	size_t nl = strcspn(p, " \t\r");
	char *v = p + nl;
	v += strspn(v, " \t\r");
	size_t vl = strlen(v);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
		vl--;
	loc.col = (int)(p - line) + 1;
	if (!name_ok(p, nl)) {
		diag_report(d, DIAG_ERROR, &loc, NULL,
			    "invalid variable name \"%.*s\" (letters, digits and _ ( ) . - only)",
			    (int)(nl > 60 ? 60 : nl), p);
		return 1;
	}
	if (vl == 0) {
		diag_report(d, DIAG_ERROR, &loc, NULL, "variable %.*s has no value",
			    (int)(nl > 60 ? 60 : nl), p);
		return 1;
	}
	struct var_def *def = arena_alloc(a, sizeof(*def));
	def->name = upper_dup(a, p, nl);
	def->value = arena_strndup(a, v, vl);
	def->loc = loc;
	const struct var_def *old = table_put(a, t, def);
	if (old && old->loc.file && strcmp(old->loc.file, path) == 0)
		diag_report(d, DIAG_WARNING, &loc, "duplicate-name",
			    "variable %s is defined again (first at line %d); this definition is "
			    "used",
			    def->name, old->loc.line);
	return 0;
}

/* Read the map file PATH into T. Returns the number of errors. */
int vars_load_map(struct arena *a, struct diag_set *d, struct var_table *t, const char *path)
{
	const char *file = arena_strdup(a, path);
	FILE *fp = fopen(path, "re");
	if (!fp) {
		struct src_loc loc = {file, 0, 0};
		diag_report(d, DIAG_ERROR, &loc, NULL, "cannot open variable map: %s",
			    strerror(errno));
		return 1;
	}
	int errors = 0, lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		size_t len = (size_t)n;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strlen(line) != len) {
			struct src_loc loc = {file, lineno, 0};
			diag_report(d, DIAG_ERROR, &loc, NULL, "NUL byte in variable map");
			errors++;
			continue;
		}
		errors += map_line(a, d, t, file, lineno, line);
	}
	free(line);
	fclose(fp);
	return errors;
}

/* --define NAME=VALUE. */
int vars_define(struct arena *a, struct var_table *t, const char *name_eq_value)
{
	const char *eq = strchr(name_eq_value, '=');
	if (!eq || !name_ok(name_eq_value, (size_t)(eq - name_eq_value)))
		return -1;
	struct var_def *def = arena_alloc(a, sizeof(*def));
	def->name = upper_dup(a, name_eq_value, (size_t)(eq - name_eq_value));
	def->value = arena_strdup(a, eq + 1);
	def->loc = (struct src_loc){"<command line>", 0, 0};
	table_put(a, t, def);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Resolution
 * ------------------------------------------------------------------------- */

enum { V_NEW, V_BUSY, V_DONE };

struct resolver {
	struct var_table *t;
	struct diag_set *d;
	unsigned char *state; /* per table index */
	int errors;
};

static bool is_user_placeholder(const char *s, size_t n)
{
	return (n == 4 && !strncmp(s, "home", 4)) || (n == 4 && !strncmp(s, "user", 4)) ||
	       (n == 3 && !strncmp(s, "uid", 3)) || (n > 4 && !strncmp(s, "xdg:", 4));
}

static bool is_system_placeholder(const char *s, size_t n)
{
	return n == 7 && !strncmp(s, "drive:", 6) && isalpha((unsigned char)s[6]);
}

static bool resolve(struct resolver *r, size_t i);

/* Scan DEF's template: placeholders and %NAME% references. */
static bool scan_template(struct resolver *r, struct var_def *def)
{
	bool user = false;
	for (const char *p = def->value; *p;) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			size_t n = e ? (size_t)(e - p - 1) : 0;
			if (!e ||
			    !(is_user_placeholder(p + 1, n) || is_system_placeholder(p + 1, n))) {
				diag_report(
				    r->d, DIAG_ERROR, &def->loc, NULL,
				    "variable %s: unknown placeholder \"%.*s\" (known: {home}, "
				    "{xdg:NAME}, {user}, {uid}, {drive:X})",
				    def->name, e ? (int)(n + 2 > 40 ? 40 : n + 2) : 1, p);
				r->errors++;
				if (!e)
					break;
			} else
				user |= is_user_placeholder(p + 1, n);
			p = e + 1;
			continue;
		}
		if (*p == '%') {
			const char *e = strchr(p + 1, '%');
			size_t n = e ? (size_t)(e - p - 1) : 0;
			if (!e || !name_ok(p + 1, n)) {
				diag_report(
				    r->d, DIAG_ERROR, &def->loc, NULL,
				    "variable %s: unterminated or empty %%NAME%% in \"%.60s\"",
				    def->name, def->value);
				r->errors++;
				break;
			}
			char name[128];
			snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
			bool found;
			size_t j = find_slot(r->t, name, &found);
			if (!found) {
				diag_report(r->d, DIAG_ERROR, &def->loc, NULL,
					    "variable %s refers to unknown variable %%%s%%",
					    def->name, name);
				r->errors++;
			} else
				user |= resolve(r, j) && r->t->defs[j]->user;
			p = e + 1;
			continue;
		}
		p++;
	}
	return user;
}

/* Resolve entry I; false when it is part of a cycle. */
static bool resolve(struct resolver *r, size_t i)
{
	struct var_def *def = r->t->defs[i];
	if (r->state[i] == V_DONE)
		return true;
	if (r->state[i] == V_BUSY) {
		diag_report(r->d, DIAG_ERROR, &def->loc, NULL,
			    "variable %s is defined in terms of itself", def->name);
		r->errors++;
		return false;
	}
	r->state[i] = V_BUSY;
	def->user = scan_template(r, def);
	r->state[i] = V_DONE;
	return true;
}

/* Compute ->user for every entry; report unknown references and cycles. */
int vars_resolve(struct var_table *t, struct diag_set *d)
{
	struct resolver r = {t, d, calloc(t->ndefs + 1, 1), 0};
	if (!r.state) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	for (size_t i = 0; i < t->ndefs; i++)
		resolve(&r, i);
	free(r.state);
	return r.errors;
}
