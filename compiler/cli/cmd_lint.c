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
#include "lint.h"
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

/* "--opt VALUE" or "--opt=VALUE": the value, advancing *I; NULL if OPT does not match. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];
	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int parse_args(struct arena *a, int argc, char **argv, struct lint_args *o)
{
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		bool missing = false;
		if (!options || arg[0] != '-' || strcmp(arg, "-") == 0) {
			arena_push(a, (void ***)&o->files, &o->nfiles, (void *)arg);
		} else if (strcmp(arg, "--") == 0) {
			options = false;
		} else if ((v = opt_value(argc, argv, &i, "--config", &missing))) {
			o->config = v;
		} else if ((v = opt_value(argc, argv, &i, "--vars", &missing))) {
			o->vars = v;
		} else if ((v = opt_value(argc, argv, &i, "--define", &missing))) {
			arena_push(a, (void ***)&o->defines, &o->ndefines, (void *)v);
		} else if ((v = opt_value(argc, argv, &i, "--format", &missing))) {
			if (strcmp(v, "text") == 0)
				o->format = DIAG_TEXT;
			else if (strcmp(v, "json") == 0)
				o->format = DIAG_JSON;
			else if (strcmp(v, "sarif") == 0)
				o->format = DIAG_SARIF;
			else
				return usage_error("unknown format '%s' (text, json or sarif)", v);
		} else if ((v = opt_value(argc, argv, &i, "--error-limit", &missing))) {
			char *end;
			errno = 0;
			unsigned long n = strtoul(v, &end, 10);
			if (!*v || *end || errno || n > UINT_MAX || v[0] == '-')
				return usage_error("--error-limit wants a number, not '%s'", v);
			o->error_limit = (long)n;
		} else if (missing) {
			return usage_error("%s needs a value", arg);
		} else if (strcmp(arg, "--werror") == 0 || strcmp(arg, "-Werror") == 0) {
			o->werror = true;
		} else if (strncmp(arg, "-Wno-", 5) == 0) {
			arena_push(a, (void ***)&o->wno, &o->nwno, (void *)(arg + 5));
		} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			return -1;
		} else {
			return usage_error("unknown option '%s'", arg);
		}
	}
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
	if (rc) {
		if (rc < 0)
			print_usage(stdout);
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
