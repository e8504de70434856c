/* cmd_compile.c - `migc compile`: load, check, generate, verify, write atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "commands.h"
#include "diag.h"
#include "escape.h"
#include "paths.h"
#include "plan.h"
#include "plan_write.h"
#include "policy_build.h"
#include "sha256.h"
#include "verbargs.h"
#include "vars.h"
#include "xml_load.h"

static void compile_usage(FILE *out)
{
	fprintf(out,
		"usage: migc compile [-o OUT.plan] [--config Config.xml] [--define NAME=VALUE]...\n"
		"                    [--vars MAP] [--case-sensitive] [--format text|json|sarif]\n"
		"                    [--werror] [-Wno-NAME]... [--error-limit N] FILE.xml...\n"
		"Writes OUT.plan (default migration.plan) only when there are no errors; the plan\n"
		"is verified before it is written. Exit 0 ok, 1 errors, 2 usage.\n");
}

static int parse_format(const char *s, enum diag_format *f)
{
	if (!strcmp(s, "text"))
		*f = DIAG_TEXT;
	else if (!strcmp(s, "json"))
		*f = DIAG_JSON;
	else if (!strcmp(s, "sarif"))
		*f = DIAG_SARIF;
	else
		return -1;
	return 0;
}

/* compile's options: getopt_long's spellings, prefixes included (verbargs.h) */
static const struct argtab_opt compile_opts[] = {
    {"output", 'o', true, true, 'o'},	  {"config", 0, true, true, 'c'},
    {"define", 0, true, true, 'D'},	  {"vars", 0, true, true, 'v'},
    {"case-sensitive", 0, false, true, 's'}, {"format", 0, true, true, 'f'},
    {"werror", 0, false, true, 'E'},	  {"error-limit", 0, true, true, 'L'},
    {"help", 'h', false, true, 'h'},	  {NULL, 'W', true, true, 'W'},
};

struct compile_args {
	const char *out, *config, *vars_path;
	const char **defines;
	size_t ndefines;
	bool case_sensitive;
	enum diag_format fmt;
	struct diag_set *d;
};

static int compile_opt(void *ctx, int id, const char *val)
{
	struct compile_args *c = ctx;
	switch (id) {
	case 'o': c->out = val; break;
	case 'c': c->config = val; break;
	case 'D': c->defines[c->ndefines++] = val; break;
	case 'v': c->vars_path = val; break;
	case 's': c->case_sensitive = true; break;
	case 'f':
		if (parse_format(val, &c->fmt)) {
			fprintf(stderr, "migc compile: --format must be text, json or sarif\n");
			return -1;
		}
		break;
	case 'E': diag_set_werror(c->d, true); break;
	case 'L': diag_set_error_limit(c->d, (unsigned)strtoul(val, NULL, 10)); break;
	case 'W':
		if (strncmp(val, "no-", 3) || diag_disable(c->d, val + 3)) {
			fprintf(stderr, "migc compile: unknown warning option -W%s\n", val);
			return -1;
		}
		break;
	}
	return 0;
}

int cmd_compile(int argc, char **argv)
{
	struct compile_args c = {
	    .out = "migration.plan",
	    .defines = (const char **)calloc((size_t)argc + 1, sizeof *c.defines),
	    .fmt = DIAG_TEXT,
	    .d = diag_new(),
	};
	struct diag_set *d = c.d;
	struct arena *a = arena_new();
	int rc = MIGC_EXIT_USAGE;
	unsigned char *buf = NULL;
	const char **files = NULL;
	size_t nfiles = 0;
	const struct verbargs va = {"compile", "FILE", compile_opts,
				    sizeof compile_opts / sizeof compile_opts[0], true,
				    compile_usage, compile_opt, &c};
	int pr = c.defines ? verbargs_parse(&va, argc, argv, &files, &nfiles) : MIGC_EXIT_USAGE;
	if (pr >= 0) {
		rc = pr;
		goto out;
	}
	const char *out = c.out, *config = c.config, *vars_path = c.vars_path;
	const char **defines = c.defines;
	size_t ndefines = c.ndefines;
	bool case_sensitive = c.case_sensitive;
	enum diag_format fmt = c.fmt;
	if (nfiles == 0) {
		fprintf(stderr, "migc compile: no rule files given\n");
		compile_usage(stderr);
		goto out;
	}
	struct var_table vt = {0};
	unsigned char vars_sha[32] = {0};
	const char *bad = NULL;
	int vr = pbuild_vars(a, d, &vt, vars_path, defines, ndefines, &vars_path, vars_sha, &bad);
	if (vr == -2) {
		fprintf(stderr, "migc compile: --define expects NAME=VALUE, got '%s'\n", bad);
		goto out;
	}
	if (vr != 0) {
		diag_print(d, stderr, fmt, isatty(2));
		fprintf(stderr, "migc compile: cannot use variable map %s\n", vars_path);
		goto out;
	}
	struct m_policy pol = {0};
	policy_load(a, d, &pol, files, nfiles, config);
	rc = MIGC_EXIT_ERRORS;
	if (diag_errors(d) == 0) {
		struct cg_options o = {case_sensitive, vars_path, vars_sha};
		struct cg_stats st;
		char why[256];
		size_t len = 0;
		int br = pbuild_plan(&pol, &vt, &o, d, &buf, &len, &st);
		if (br == 2) {
			rc = MIGC_EXIT_USAGE;
		} else if (br == 0) {
			if (pb_write_file(buf, len, out, why, sizeof why) != 0) {
				fputs("migc compile: cannot write ", stderr);
				esc_puts(stderr, out, ESC_TEXT);
				fprintf(stderr, ": %s\n", why);
				rc = MIGC_EXIT_USAGE;
			} else {
				rc = MIGC_EXIT_OK;
				if (fmt == DIAG_TEXT)
					fprintf(stderr,
						"migc: wrote %s: %zu bytes, %u rules, %u patterns, %u entries%s\n",
						out, len, st.rules, st.patterns, st.entries,
						st.not_applicable ? " (registry/ini objects skipped: not applicable on Linux)" : "");
			}
		}
	}
	diag_print(d, fmt == DIAG_TEXT ? stderr : stdout, fmt, isatty(2));
	if (rc == MIGC_EXIT_OK && diag_errors(d) > 0)
		rc = MIGC_EXIT_ERRORS;
out:
	free(buf);
	free(files);
	free(c.defines);
	diag_free(d);
	arena_free(a);
	return rc;
}
