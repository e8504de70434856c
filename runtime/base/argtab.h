/* argtab.h - the one command-line parser of migstate's verbs: options described by a
 * table, read in order. The rules (USMT's, spec 1.1):
 *   - "--name=value" or "--name value" for an option that takes a value; a value is
 *     never empty ("" would reach open(2) as the current directory);
 *   - "-x" for an option with a short name: one letter, no bundling ("-yh" is unknown),
 *     its value attached ("-oFILE", "-Wno-x") or the next argument;
 *   - names are matched exactly: no abbreviations (getopt_long would take "--pl" for
 *     "--plan": a typo must not silently become another option), except in a table
 *     that says otherwise (migc's getopt_long verbs always took unique prefixes);
 *   - an option given twice is refused unless the table marks it repeatable;
 *   - "--" ends the options; "-" and everything not starting with '-' is an operand,
 *     and an empty operand is refused.
 * Messages are one line without the "migstate VERB: " prefix; the caller exits 11. */
#ifndef MIGRT_ARGTAB_H
#define MIGRT_ARGTAB_H

#include <stdbool.h>
#include <stddef.h>

struct argtab_opt {
	const char *name; /* long name without "--"; NULL: a short option only */
	char short_name;  /* 0: none */
	bool has_arg;
	bool repeatable;
	int id; /* handed to the callback */
};

/* One table of options; a verb may pass several (the shared ones, then its own). */
struct argtab {
	const struct argtab_opt *v;
	size_t n;
	bool prefixes; /* a unique prefix of a long name stands for it ("--out") */
};

/* Called for each option (TABLE: its table's index; VAL NULL for a flag) and each
 * operand (OPT NULL, VAL the operand). Returns 0 to go on, ARGTAB_USAGE with a reason in
 * ERR, or any positive value to stop parsing and have argtab_parse return it. */
typedef int (*argtab_fn)(void *ctx, size_t table, const struct argtab_opt *opt, const char *val,
			 char *err, size_t errsz);

enum { ARGTAB_OK = 0, ARGTAB_USAGE = -1 };

/* Parse ARGV[1..ARGC-1] against TABS; OPERAND names the operand in messages ("STORE").
 * Returns ARGTAB_OK, ARGTAB_USAGE (ERR says why), or what the callback stopped with. */
int argtab_parse(int argc, char **argv, const struct argtab *tabs, size_t ntabs,
		 const char *operand, argtab_fn fn, void *ctx, char *err, size_t errsz);

/* The reason for a second operand where one is allowed (ERR; returns ARGTAB_USAGE). */
int argtab_one_operand(char *err, size_t errsz, const char *what, const char *first,
		       const char *second);

#endif
