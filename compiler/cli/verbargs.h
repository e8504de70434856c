/* verbargs.h - a migc verb's command line, read by the runtime's one parser (argtab.h):
 * its options from a table (each may be repeated; the last value wins unless the verb
 * collects them), its operands collected in order. A table with PREFIXES takes unique
 * prefixes of long names, as the getopt_long verbs (compile, explain, genconfig) always
 * did; lint and dump never did. */
#ifndef MIGC_VERBARGS_H
#define MIGC_VERBARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "argtab.h"

/* A verb's option handler: 0 to go on, -1 to stop with exit 2 (message printed). */
typedef int (*verbargs_fn)(void *ctx, int id, const char *val);

struct verbargs {
	const char *verb;	       /* "compile": messages say "migc compile: ..." */
	const char *operand;	       /* the operands' name in messages ("FILE") */
	const struct argtab_opt *opts; /* an option with id 'h' is --help */
	size_t nopts;
	bool prefixes;
	void (*usage)(FILE *out); /* printed for --help, and after a usage error */
	verbargs_fn fn;
	void *ctx;
};

/* Parse ARGV into the handler; the operands land in *OPS (malloc'd, *NOPS of them).
 * Returns -1 to go on, or the exit code to return (0 after --help, 2 on a usage error). */
int verbargs_parse(const struct verbargs *v, int argc, char **argv, const char ***ops,
		   size_t *nops);

#endif
