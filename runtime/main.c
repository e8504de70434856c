/* main.c - the migstate command line: verb dispatch. Each verb lives in its own file. */
#include <stdio.h>
#include <string.h>

#include "exitcodes.h"
#include "plan.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: migstate VERB [options]\n"
		"\n"
		"Verbs:\n"
		"  check-plan PLAN     load and verify a compiled plan; print its header\n"
		"  help                this text\n"
		"\n"
		"Options: --help, --version.\n"
		"\n"
		"Exit codes:\n"
		"  0 success; 11 invalid command line; 39 the plan cannot be used (not a plan,\n"
		"  wrong version, truncated, checksum mismatch, corrupt, fails verification).\n");
}

static int cmd_check_plan(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "migstate check-plan: expected one PLAN argument\n");
		return EXIT_USAGE;
	}
	struct plan p;
	struct plan_error e;
	if (plan_open(argv[1], &p, &e) != PLAN_OK) {
		fprintf(stderr, "migstate: %s: %s: %s\n", argv[1], plan_status_name(e.status), e.msg);
		return EXIT_BAD_PLAN;
	}
	printf("%s: plan format %u.%u, %zu components, %zu rules, %zu patterns, %zu entries, "
	       "%zu instructions, %zu bytes: verified\n",
	       argv[1], p.major, p.minor, p.ncomps, p.nrules, p.npats, p.nents, p.ncode, p.size);
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
	if (!strcmp(verb, "check-plan"))
		return cmd_check_plan(argc - 1, argv + 1);
	fprintf(stderr, "migstate: unknown verb '%s' (try 'migstate --help')\n", verb);
	return EXIT_USAGE;
}
