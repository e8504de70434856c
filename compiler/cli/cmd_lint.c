/* cmd_lint.c - the `migc lint` command line:
 *
 *   migc lint [--config FILE] [--format text|json|sarif] [--werror] [-Wno-NAME]...
 *             [--error-limit N] [--define NAME=VALUE]... [--vars FILE] FILE.xml...
 *
 * Loads the rule files (and Config.xml) with policy_load(), runs lint_policy() and
 * prints every diagnostic at the end: text on stderr, JSON and SARIF on stdout.
 * Exit status: 0 clean or warnings only, 1 errors (warnings too under --werror),
 * 2 usage error. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "commands.h"
#include "lint.h"
#include "verbargs.h"
#include "xml_load.h"

#define DEFAULT_TEXT_ERROR_LIMIT 50u

struct lint_args {
	const char *config;
	const char *vars;
	enum diag_format format;
	bool werror;
	long error_limit; /* -1: the format's default */
	const char **defines;
	size_t ndefines;
	const char **files;
	size_t nfiles;
	const char **wno; /* -Wno-NAME names */
	size_t nwno;
};

static void print_usage(FILE *out)
{
	fputs("usage: migc lint [--config FILE] [--format text|json|sarif] [--werror] "
	      "[-Wno-NAME]... [--error-limit N] [--define NAME=VALUE]... [--vars FILE] "
	      "FILE.xml...\n",
	      out);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("migc lint: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage(stderr);
	return 2;
}

/* lint's options, matched exactly as they always were (verbargs.h); -W takes "error"
 * (-Werror) and "no-NAME" (-Wno-NAME). */
static const struct argtab_opt lint_opts[] = {
    {"config", 0, true, true, 'c'},	{"vars", 0, true, true, 'v'},
    {"define", 0, true, true, 'D'},	{"format", 0, true, true, 'f'},
    {"error-limit", 0, true, true, 'L'}, {"werror", 0, false, true, 'E'},
    {"help", 'h', false, true, 'h'},	{NULL, 'W', true, true, 'W'},
};

struct lint_ctx {
	struct arena *a;
	struct lint_args *o;
};

static int lint_opt(void *ctx, int id, const char *v)
{
	struct lint_ctx *c = ctx;
	struct lint_args *o = c->o;
	switch (id) {
	case 'c': o->config = v; break;
	case 'v': o->vars = v; break;
	case 'D': arena_push(c->a, (void ***)&o->defines, &o->ndefines, (void *)v); break;
	case 'f':
		if (strcmp(v, "text") == 0)
			o->format = DIAG_TEXT;
		else if (strcmp(v, "json") == 0)
			o->format = DIAG_JSON;
		else if (strcmp(v, "sarif") == 0)
			o->format = DIAG_SARIF;
		else {
			usage_error("unknown format '%s' (text, json or sarif)", v);
			return -1;
		}
		break;
	case 'L': {
		char *end;
		errno = 0;
		unsigned long n = strtoul(v, &end, 10);
		if (!*v || *end || errno || n > UINT_MAX || v[0] == '-') {
			usage_error("--error-limit wants a number, not '%s'", v);
			return -1;
		}
		o->error_limit = (long)n;
		break;
	}
	case 'E': o->werror = true; break;
	case 'W':
		if (strcmp(v, "error") == 0)
			o->werror = true;
		else if (strncmp(v, "no-", 3) == 0)
			arena_push(c->a, (void ***)&o->wno, &o->nwno, (void *)(v + 3));
		else {
			usage_error("unknown option '-W%s'", v);
			return -1;
		}
		break;
	}
	return 0;
}

static int parse_args(struct arena *a, int argc, char **argv, struct lint_args *o)
{
	struct lint_ctx c = {a, o};
	const char **files = NULL;
	size_t nfiles = 0;
	const struct verbargs va = {"lint", "FILE", lint_opts, sizeof lint_opts / sizeof lint_opts[0],
				    false, print_usage, lint_opt, &c};
	int pr = verbargs_parse(&va, argc, argv, &files, &nfiles);
	if (pr >= 0)
		return pr == MIGC_EXIT_OK ? -1 : pr; /* -1: help printed */
	for (size_t i = 0; i < nfiles; i++)
		arena_push(a, (void ***)&o->files, &o->nfiles, (void *)files[i]);
	free(files);
	if (o->nfiles == 0 && !o->config)
		return usage_error("no file to lint");
	return 0;
}

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The shipped variable map: next to the sources when run from a build directory of
 * the repository, or in the installed data directory. */
static const char *find_map(struct arena *a)
{
#ifdef MIGSTATE_DATADIR
	if (readable(MIGSTATE_DATADIR "/policies/variables.map"))
		return MIGSTATE_DATADIR "/policies/variables.map";
#endif
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		static const char *const rel[] = {
		    "/../policies/variables.map",
		    "/../share/migstate/policies/variables.map",
		};
		for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
			char path[PATH_MAX + 64];
			snprintf(path, sizeof path, "%s%s", exe, rel[i]);
			if (readable(path))
				return arena_strdup(a, path);
		}
	}
	return readable("policies/variables.map") ? "policies/variables.map" : NULL;
}

static struct var_table *load_vars(struct arena *a, struct diag_set *d, const struct lint_args *o)
{
	struct var_table *t = arena_alloc(a, sizeof *t);
	const char *map = o->vars ? o->vars : find_map(a);
	if (!map) {
		diag_report(d, DIAG_ERROR, NULL, NULL,
			    "cannot find the variable map policies/variables.map; use --vars FILE");
		return NULL;
	}
	if (vars_load_map(a, d, t, map) < 0)
		return NULL;
	for (size_t i = 0; i < o->ndefines; i++)
		if (vars_define(a, t, o->defines[i]) < 0) {
			diag_report(d, DIAG_ERROR, NULL, NULL, "--define '%s': expected NAME=VALUE",
				    o->defines[i]);
			return NULL;
		}
	vars_resolve(t, d);
	return t;
}

/* See lint.h. */
int cmd_lint(int argc, char **argv)
{
	struct arena *a = arena_new();
	struct lint_args o = {.format = DIAG_TEXT, .error_limit = -1};
	int rc = parse_args(a, argc, argv, &o);
	if (rc) { /* -1: --help, printed */
		arena_free(a);
		return rc < 0 ? 0 : rc;
	}
	struct diag_set *d = diag_new();
	for (size_t i = 0; i < o.nwno; i++)
		if (diag_disable(d, o.wno[i]) < 0) {
			rc = usage_error("unknown warning '-Wno-%s'", o.wno[i]);
			goto out;
		}
	diag_set_werror(d, o.werror);
	if (o.error_limit >= 0)
		diag_set_error_limit(d, (unsigned)o.error_limit);
	else if (o.format == DIAG_TEXT)
		diag_set_error_limit(d, DEFAULT_TEXT_ERROR_LIMIT);

	const struct var_table *vars = load_vars(a, d, &o);
	struct m_policy policy = {0};
	policy_load(a, d, &policy, o.files, o.nfiles, o.config);
	lint_policy(d, &policy, vars);

	if (o.format == DIAG_TEXT)
		diag_print(d, stderr, DIAG_TEXT, isatty(STDERR_FILENO));
	else
		diag_print(d, stdout, o.format, false);
	rc = diag_errors(d) ? 1 : 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("migc lint: error writing the output\n", stderr);
		rc = 1;
	}
out:
	diag_free(d);
	arena_free(a);
	return rc;
}
