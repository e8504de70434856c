/* verbargs.c - a migc verb's command line through argtab (see verbargs.h). */
#include "verbargs.h"

#include <stdlib.h>

#include "commands.h"

enum { VA_HELP = 1, VA_FAILED = 2 };

struct va_state {
	const struct verbargs *v;
	const char **ops;
	size_t nops;
};

static int one_arg(void *ctx, size_t table, const struct argtab_opt *opt, const char *val,
		   char *err, size_t errsz)
{
	struct va_state *s = ctx;
	(void)table;
	(void)err;
	(void)errsz;
	if (!opt) {
		s->ops[s->nops++] = val; /* room for every argument */
		return ARGTAB_OK;
	}
	if (opt->id == 'h')
		return VA_HELP;
	return s->v->fn(s->v->ctx, opt->id, val) ? VA_FAILED : ARGTAB_OK;
}

int verbargs_parse(const struct verbargs *v, int argc, char **argv, const char ***ops, size_t *nops)
{
	struct va_state s = {v, calloc((size_t)argc + 1, sizeof *s.ops), 0};
	*ops = NULL;
	*nops = 0;
	if (!s.ops) {
		fprintf(stderr, "migc %s: out of memory\n", v->verb);
		return MIGC_EXIT_USAGE;
	}
	char err[512];
	int rc = argtab_parse(argc, argv, &(struct argtab){v->opts, v->nopts, v->prefixes}, 1,
			      v->operand, one_arg, &s, err, sizeof err);
	if (rc == ARGTAB_OK) {
		*ops = s.ops;
		*nops = s.nops;
		return -1;
	}
	free(s.ops);
	if (rc == VA_HELP) {
		v->usage(stdout);
		return MIGC_EXIT_OK;
	}
	if (rc == ARGTAB_USAGE) {
		fprintf(stderr, "migc %s: %s\n", v->verb, err);
		v->usage(stderr);
	}
	return MIGC_EXIT_USAGE;
}
