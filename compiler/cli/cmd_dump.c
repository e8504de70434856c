/* cmd_dump.c - `migc dump [--json] PLAN`: the runtime's disassembler over a verified plan. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "disasm.h"
#include "plan.h"

int cmd_dump(int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: migc dump [--json] PLAN\n");
			return MIGC_EXIT_OK;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "usage: migc dump [--json] PLAN\n");
			return MIGC_EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, "usage: migc dump [--json] PLAN\n");
		return MIGC_EXIT_USAGE;
	}
	struct plan p;
	struct plan_error e;
	if (plan_open(path, &p, &e) != PLAN_OK) {
		fprintf(stderr, "migc dump: %s: %s: %s\n", path, plan_status_name(e.status), e.msg);
		return MIGC_EXIT_USAGE;
	}
	if (json)
		plan_dump_json(&p, stdout);
	else
		plan_dump_text(&p, stdout);
	plan_close(&p);
	return MIGC_EXIT_OK;
}
