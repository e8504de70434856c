/* storeargs.c - the command line verify, du and info share (commands.h), parsed by
 * argtab.h like every verb's. Each option may be repeated (the last --root wins), as
 * it always could. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "argtab.h"
#include "exitcodes.h"
#include "storeparent.h"

enum { SA_JSON, SA_ROOT, SA_HELP, SA_ALLOW };

static const struct argtab_opt store_opts[] = {
    {"json", 0, false, true, SA_JSON},
    {"root", 0, true, true, SA_ROOT},
    {"help", 'h', false, true, SA_HELP},
    {STOREPARENT_OVERRIDE + 2, 0, false, true, SA_ALLOW}, /* verify and info only */
};

struct store_args {
	const char **store, **root;
	bool *json, *allow;
};

enum { SA_STOP_HELP = 1 };

static int one_arg(void *ctx, size_t table, const struct argtab_opt *opt, const char *val,
		   char *err, size_t errsz)
{
	struct store_args *a = ctx;
	(void)table;
	if (!opt) {
		if (*a->store)
			return argtab_one_operand(err, errsz, "STORE", *a->store, val);
		*a->store = val;
		return ARGTAB_OK;
	}
	switch (opt->id) {
	case SA_JSON:
		*a->json = true;
		break;
	case SA_ROOT:
		*a->root = val;
		break;
	case SA_HELP:
		return SA_STOP_HELP;
	case SA_ALLOW:
		*a->allow = true;
		break;
	}
	return ARGTAB_OK;
}

int cli_store_args(int argc, char **argv, const char *verb, const char *help, const char **store,
		   const char **root, bool *json, bool *allow)
{
	struct store_args a = {store, root, json, allow};
	size_t n = sizeof store_opts / sizeof store_opts[0] - (allow ? 0 : 1);
	char err[512];
	int rc = argtab_parse(argc, argv, &(struct argtab){store_opts, n, false}, 1, "STORE",
			      one_arg, &a, err, sizeof err);
	if (rc == SA_STOP_HELP) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (rc != ARGTAB_OK) {
		fprintf(stderr, "migstate %s: %s\n", verb, err);
		return EXIT_USAGE;
	}
	if (!*store) {
		fprintf(stderr, "migstate %s: the STORE argument is required\n", verb);
		return EXIT_USAGE;
	}
	return -1;
}
