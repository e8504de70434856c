/* main.c - the migstate command line: verb dispatch. Each verb lives in its own file. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "argtab.h"
#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "plan.h"
#include "storewalk.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: migstate VERB [options]\n"
		"\n"
		"Verbs:\n"
		"  scan STORE --plan PLAN [options]   capture into a hard-link migration store\n"
		"  load STORE --plan PLAN [options]   restore from a store\n"
		"  rd STORE [-y] [--force] [--pending] delete a store safely\n"
		"  verify STORE [--json]              check every catalog entry\n"
		"  du STORE [--json]                  what the store really costs\n"
		"  info STORE [--json]                state and plan of a store (read-only)\n"
		"  firstboot DIR                      the first-boot restore (scan --first-boot)\n"
		"  check-plan PLAN [--json]           load and verify a compiled plan\n"
		"  help                this text\n"
		"\n"
		"Run 'migstate VERB --help' for a verb's options. Also: --help, --version.\n"
		"\n"
		"Exit codes (USMT's numbers where the meaning is the same):\n"
		"   0 success\n"
		"   2 aborted (an encrypted file under --efs abort, or interrupted)\n"
		"   3 completed, but --continue skipped errors: read the log before rd\n"
		"  11 invalid command line\n"
		"  27 the store path cannot be used (exists without -o, not a store of ours)\n"
		"  29 start-up failed (too little free space on a store volume)\n"
		"  34 not permitted\n"
		"  35 rd kept entries (last links to user data, or pending deletion)\n"
		"  39 the plan cannot be used (not a plan, version, truncated, checksum,\n"
		"     corrupt, fails verification)\n"
		"  42 verify found missing, diverged or orphaned entries\n"
		"  61 stopped at an error no rule or --continue allowed to skip\n"
		"  71 the environment cannot be set up (root, log file)\n"
		"  72 the capture or restore failed (store write error, disk full)\n");
}

/* check-plan's options (argtab.h): PLAN [--json], in any order. */
enum { CP_JSON, CP_HELP, CP_STOP_HELP = 1 };
static const struct argtab_opt cp_opts[] = {
    {"json", 0, false, false, CP_JSON},
    {"help", 'h', false, false, CP_HELP},
};

struct cp_args {
	const char *plan;
	bool json, two; /* two: a second PLAN */
};

static int cp_arg(void *ctx, size_t table, const struct argtab_opt *opt, const char *val, char *err,
		  size_t errsz)
{
	struct cp_args *a = ctx;
	(void)table;
	(void)err;
	(void)errsz;
	if (!opt) {
		a->two |= a->plan != NULL;
		a->plan = val;
	} else if (opt->id == CP_HELP) {
		return CP_STOP_HELP;
	} else {
		a->json = true;
	}
	return ARGTAB_OK;
}

static int cmd_check_plan(int argc, char **argv)
{
	struct cp_args a = {0};
	char uerr[512];
	int pr = argtab_parse(argc, argv, &(struct argtab){cp_opts, 2, false}, 1, "PLAN", cp_arg,
			      &a, uerr, sizeof uerr);
	if (pr == CP_STOP_HELP) {
		printf(
		    "usage: migstate check-plan PLAN [--json]\n"
		    "Load PLAN, check its header, checksum, tables and every program, and print a\n"
		    "one-line summary; with --json one object with the same counts and the\n"
		    "plan's rule-set hash (\"ruleset\", the identity a store's catalog records:\n"
		    "see 'migstate info'). Exit 0 when the plan can be run, 39 when it cannot.\n");
		return EXIT_OK;
	}
	if (pr == ARGTAB_OK && (!a.plan || a.two))
		snprintf(uerr, sizeof uerr, "expected one PLAN argument (not empty)");
	if (pr != ARGTAB_OK || !a.plan || a.two) {
		fprintf(stderr, "migstate check-plan: %s\n", uerr);
		return EXIT_USAGE;
	}
	bool json = a.json;
	const char *plan = a.plan;
	struct plan p;
	struct plan_error e;
	if (plan_open(plan, &p, &e) != PLAN_OK) {
		fprintf(stderr, "migstate: %s: %s: %s\n", plan, plan_status_name(e.status), e.msg);
		return EXIT_BAD_PLAN;
	}
	if (json) {
		char hex[65];
		sw_hex(p.ruleset, hex);
		fputs("{\"plan\":", stdout);
		json_str(stdout, plan);
		printf(",\"format\":\"%u.%u\",\"ruleset\":\"%s\",\"components\":%zu,\"rules\":%zu,"
		       "\"patterns\":%zu,\"entries\":%zu,\"instructions\":%zu,\"size\":%zu,"
		       "\"verified\":true}\n",
		       p.major, p.minor, hex, p.ncomps, p.nrules, p.npats, p.nents, p.ncode,
		       p.size);
	} else {
		printf(
		    "%s: plan format %u.%u, %zu components, %zu rules, %zu patterns, %zu entries, "
		    "%zu instructions, %zu bytes: verified\n",
		    plan, p.major, p.minor, p.ncomps, p.nrules, p.npats, p.nents, p.ncode, p.size);
	}
	plan_close(&p);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(verb, "--version")) {
		printf("migstate %s (plan format %d.%d)\n", MIGSTATE_VERSION, PLAN_MAJOR,
		       PLAN_MINOR);
		return EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} verbs[] = {
	    {"scan", cmd_scan}, {"load", cmd_load},
	    {"rd", cmd_rd},	{"verify", cmd_verify},
	    {"du", cmd_du},	{"check-plan", cmd_check_plan},
	    {"info", cmd_info}, {"firstboot", cmd_firstboot},
	};
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(verb, verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "migstate: unknown verb '%s' (try 'migstate --help')\n", verb);
	return EXIT_USAGE;
}
