/* main.c - the migstate command line: verb dispatch. Each verb lives in its own file. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

static int cmd_check_plan(int argc, char **argv)
{
	bool json = argc == 3 && !strcmp(argv[2], "--json");
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: migstate check-plan PLAN [--json]\n"
		       "Load PLAN, check its header, checksum, tables and every program, and print a\n"
		       "one-line summary; with --json one object with the same counts and the\n"
		       "plan's rule-set hash (\"ruleset\", the identity a store's catalog records:\n"
		       "see 'migstate info'). Exit 0 when the plan can be run, 39 when it cannot.\n");
		return EXIT_OK;
	}
	if ((argc != 2 && !json) || !*argv[1]) {
		fprintf(stderr, "migstate check-plan: expected one PLAN argument (not empty)\n");
		return EXIT_USAGE;
	}
	struct plan p;
	struct plan_error e;
	if (plan_open(argv[1], &p, &e) != PLAN_OK) {
		fprintf(stderr, "migstate: %s: %s: %s\n", argv[1], plan_status_name(e.status), e.msg);
		return EXIT_BAD_PLAN;
	}
	if (json) {
		char hex[65];
		sw_hex(p.ruleset, hex);
		fputs("{\"plan\":", stdout);
		json_str(stdout, argv[1]);
		printf(",\"format\":\"%u.%u\",\"ruleset\":\"%s\",\"components\":%zu,\"rules\":%zu,"
		       "\"patterns\":%zu,\"entries\":%zu,\"instructions\":%zu,\"size\":%zu,"
		       "\"verified\":true}\n",
		       p.major, p.minor, hex, p.ncomps, p.nrules, p.npats, p.nents, p.ncode, p.size);
	} else {
		printf("%s: plan format %u.%u, %zu components, %zu rules, %zu patterns, %zu entries, "
		       "%zu instructions, %zu bytes: verified\n",
		       argv[1], p.major, p.minor, p.ncomps, p.nrules, p.npats, p.nents, p.ncode,
		       p.size);
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
		printf("migstate %s (plan format %d.%d)\n", MIGSTATE_VERSION, PLAN_MAJOR, PLAN_MINOR);
		return EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} verbs[] = {
		{"scan", cmd_scan}, {"load", cmd_load}, {"rd", cmd_rd}, {"verify", cmd_verify},
		{"du", cmd_du}, {"check-plan", cmd_check_plan}, {"info", cmd_info},
		{"firstboot", cmd_firstboot},
	};
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(verb, verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "migstate: unknown verb '%s' (try 'migstate --help')\n", verb);
	return EXIT_USAGE;
}
