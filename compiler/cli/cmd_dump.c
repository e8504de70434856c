/* cmd_dump.c - `migc dump [--json] PLAN`: the runtime's disassembler over a verified plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "disasm.h"
#include "plan.h"
#include "verbargs.h"

static void dump_usage(FILE *out)
{
	fputs("usage: migc dump [--json] PLAN\n", out);
}

static int dump_opt(void *ctx, int id, const char *val)
{
	(void)id; /* --json, the only option besides --help */
	(void)val;
	*(bool *)ctx = true;
	return 0;
}

/* dump's options, matched exactly as they always were; no -h (verbargs.h) */
static const struct argtab_opt dump_opts[] = {
    {"json", 0, false, true, 'j'},
    {"help", 0, false, true, 'h'},
};

int cmd_dump(int argc, char **argv)
{
	bool json = false;
	const char **ops = NULL;
	size_t nops = 0;
	const struct verbargs va = {"dump", "PLAN", dump_opts, 2, false, dump_usage, dump_opt, &json};
	int pr = verbargs_parse(&va, argc, argv, &ops, &nops);
	if (pr >= 0)
		return pr;
	const char *path = nops == 1 ? ops[0] : NULL;
	free(ops);
	if (!path) {
		dump_usage(stderr);
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
