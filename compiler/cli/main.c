/* main.c - the migc command line: verb dispatch. */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "plan_format.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: migc VERB [options] ...\n"
		"\n"
		"Verbs:\n"
		"  compile [-o OUT.plan] [--config Config.xml] [--define NAME=VALUE]... [--vars MAP]\n"
		"          [--case-sensitive] [--format text|json|sarif] [--werror] [-Wno-NAME]\n"
		"          FILE.xml...          compile rule files into a verified plan\n"
		"  lint    [--config Config.xml] [--format text|json|sarif] [--werror] [-Wno-NAME]\n"
		"          FILE.xml...          check rule files without compiling\n"
		"  dump    [--json] PLAN        disassemble a plan\n"
		"  explain PLAN [--root DIR] [--user NAME] [--home DIR] [--define NAME=VALUE]...\n"
		"          [--drive X=PATH]... [--format text|json] [--trace] PATH...\n"
		"                               which rule decides each path, and where it goes\n"
		"  genconfig [-o OUT.xml] [--root DIR [--user NAME]] [--define NAME=VALUE]...\n"
		"          [--vars MAP] FILE.xml...\n"
		"                               write a Config.xml listing the rule files' components\n"
		"\n"
		"Run 'migc VERB --help' for a verb's options.\n"
		"Exit codes: 0 success (warnings allowed), 1 errors in the input, 2 usage error\n"
		"or a file that cannot be used.\n");
}

int main(int argc, char **argv)
{
	int rc;
	if (argc < 2) {
		usage(stderr);
		return MIGC_EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return MIGC_EXIT_OK;
	}
	if (!strcmp(verb, "--version")) {
		printf("migc %s (plan format %d.%d)\n", MIGSTATE_VERSION, PLAN_MAJOR, PLAN_MINOR);
		return MIGC_EXIT_OK;
	}
	LIBXML_TEST_VERSION
	if (!strcmp(verb, "compile"))
		rc = cmd_compile(argc - 1, argv + 1);
	else if (!strcmp(verb, "lint"))
		rc = cmd_lint(argc - 1, argv + 1);
	else if (!strcmp(verb, "dump"))
		rc = cmd_dump(argc - 1, argv + 1);
	else if (!strcmp(verb, "explain"))
		rc = cmd_explain(argc - 1, argv + 1);
	else if (!strcmp(verb, "genconfig"))
		rc = cmd_genconfig(argc - 1, argv + 1);
	else {
		fprintf(stderr, "migc: unknown verb '%s' (try 'migc --help')\n", verb);
		rc = MIGC_EXIT_USAGE;
	}
	xmlCleanupParser();
	return rc;
}
