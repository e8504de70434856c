/* cmd_compile.c - `migc compile`: load, check, generate, verify, write atomically. */
#include <errno.h>
#include <getopt.h>
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

int cmd_compile(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"config", required_argument, NULL, 'c'},
		{"define", required_argument, NULL, 'D'},
		{"vars", required_argument, NULL, 'v'},
		{"case-sensitive", no_argument, NULL, 's'},
		{"format", required_argument, NULL, 'f'},
		{"werror", no_argument, NULL, 'E'},
		{"error-limit", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = "migration.plan", *config = NULL, *vars_path = NULL;
	const char **defines = (const char **)calloc((size_t)argc + 1, sizeof *defines);
	size_t ndefines = 0;
	bool case_sensitive = false;
	enum diag_format fmt = DIAG_TEXT;
	struct diag_set *d = diag_new();
	struct arena *a = arena_new();
	int rc = MIGC_EXIT_USAGE, c;
	unsigned char *buf = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:W:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'c': config = optarg; break;
		case 'D': defines[ndefines++] = optarg; break;
		case 'v': vars_path = optarg; break;
		case 's': case_sensitive = true; break;
		case 'f':
			if (parse_format(optarg, &fmt)) {
				fprintf(stderr, "migc compile: --format must be text, json or sarif\n");
				goto out;
			}
			break;
		case 'E': diag_set_werror(d, true); break;
		case 'L': diag_set_error_limit(d, (unsigned)strtoul(optarg, NULL, 10)); break;
		case 'W':
			if (strncmp(optarg, "no-", 3) || diag_disable(d, optarg + 3)) {
				fprintf(stderr, "migc compile: unknown warning option -W%s\n", optarg);
				goto out;
			}
			break;
		case 'h': compile_usage(stdout); rc = MIGC_EXIT_OK; goto out;
		default: compile_usage(stderr); goto out;
		}
	}
	if (optind >= argc) {
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
	policy_load(a, d, &pol, (const char *const *)argv + optind, (size_t)(argc - optind), config);
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
	free(defines);
	diag_free(d);
	arena_free(a);
	return rc;
}
