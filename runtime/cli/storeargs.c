/* storeargs.c - the command line verify and du share (commands.h). */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "exitcodes.h"

int cli_store_args(int argc, char **argv, const char *verb, const char *help, const char **store,
		  const char **root, bool *json)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			*json = true;
		} else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			*root = argv[++i];
		} else if (!strncmp(argv[i], "--root=", 7)) {
			*root = argv[i] + 7;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (argv[i][0] == '-' || *store) {
			fprintf(stderr, "migstate %s: unexpected argument '%s'\n", verb, argv[i]);
			return EXIT_USAGE;
		} else {
			*store = argv[i];
		}
	}
	if (!*store) {
		fprintf(stderr, "migstate %s: the STORE argument is required\n", verb);
		return EXIT_USAGE;
	}
	/* "" would be the current directory to every open */
	if (!**store || (*root && !**root)) {
		fprintf(stderr, "migstate %s: the %s argument is empty\n", verb,
			!**store ? "STORE" : "--root");
		return EXIT_USAGE;
	}
	return -1;
}
