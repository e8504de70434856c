/* test_argtab.c - the one command-line parser of migstate's verbs (runtime/base/argtab.c):
 * exact names, '=' or a separate value, no empty value, duplicates refused unless
 * repeatable, no bundled short options, "--" and "-", and the callback's stop value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "argtab.h"

enum { A_FLAG, A_VAL, A_MANY, A_HELP };
static const struct argtab_opt opts[] = {
    {"flag", 'f', false, false, A_FLAG},
    {"value", 0, true, false, A_VAL},
    {"many", 'm', true, true, A_MANY},
    {"help", 'h', false, false, A_HELP},
};

struct seen {
	char log[512]; /* "id=value;" per option, "op=value;" per operand */
};

static int cb(void *ctx, size_t table, const struct argtab_opt *o, const char *val, char *err,
	      size_t errsz)
{
	struct seen *s = ctx;
	(void)table;
	(void)err;
	(void)errsz;
	if (o && o->id == A_HELP)
		return 7;
	size_t n = strlen(s->log);
	snprintf(s->log + n, sizeof s->log - n, "%s=%s;",
		 !o	   ? "op"
		 : o->name ? o->name
			   : "short",
		 val ? val : "-");
	return 0;
}

static int run(struct seen *s, char *err, int argc, char **argv)
{
	memset(s, 0, sizeof *s);
	err[0] = 0;
	return argtab_parse(argc, argv, &(struct argtab){opts, 4, false}, 1, "STORE", cb, s, err,
			    256);
}

Test(argtab, accepted_spellings)
{
	struct seen s;
	char err[256];
	char *argv[] = {"verb", "S",	    "--value=a=b", "-f", "--many", "x", "-m",
			"y",	"--many=z", "--",	   "-g", "-",	   NULL};
	cr_assert_eq(run(&s, err, 12, argv), ARGTAB_OK, "%s", err);
	cr_expect_str_eq(s.log, "op=S;value=a=b;flag=-;many=x;many=y;many=z;op=-g;op=-;");
	char *dash[] = {"verb", "-", NULL}; /* "-" is an operand */
	cr_assert_eq(run(&s, err, 2, dash), ARGTAB_OK, "%s", err);
	cr_expect_str_eq(s.log, "op=-;");
	char *val[] = {"verb", "--value", "--flag", NULL}; /* the next argument is the value */
	cr_assert_eq(run(&s, err, 3, val), ARGTAB_OK, "%s", err);
	cr_expect_str_eq(s.log, "value=--flag;");
	char *att[] = {"verb", "-mvalue", "-m", "next", NULL}; /* attached, or the next one */
	cr_assert_eq(run(&s, err, 4, att), ARGTAB_OK, "%s", err);
	cr_expect_str_eq(s.log, "many=value;many=next;");
}

/* A table that takes prefixes (migc's verbs, as getopt_long did): a unique prefix is the
 * option, an exact name beats a longer one, two candidates are ambiguous. */
Test(argtab, prefixes)
{
	static const struct argtab_opt p[] = {{"output", 'o', true, true, 11},
					      {"out", 0, false, true, 12},
					      {"werror", 0, false, true, 13},
					      {"warn", 0, false, true, 14},
					      {NULL, 'W', true, true, 15}};
	struct seen s = {0};
	char err[256];
	char *ok[] = {"verb", "--outp=x", "--out", "--we", "-Wno-x", NULL};
	cr_assert_eq(
	    argtab_parse(5, ok, &(struct argtab){p, 5, true}, 1, "FILE", cb, &s, err, sizeof err),
	    ARGTAB_OK, "%s", err);
	cr_expect_str_eq(s.log, "output=x;out=-;werror=-;short=no-x;");
	char *amb[] = {"verb", "--w", NULL};
	cr_expect_eq(
	    argtab_parse(2, amb, &(struct argtab){p, 5, true}, 1, "FILE", cb, &s, err, sizeof err),
	    ARGTAB_USAGE);
	cr_expect_str_eq(err, "option '--w' is ambiguous");
	char *noprefix[] = {"verb", "--outp=x", NULL};
	cr_expect_eq(argtab_parse(2, noprefix, &(struct argtab){p, 5, false}, 1, "FILE", cb, &s,
				  err, sizeof err),
		     ARGTAB_USAGE, "no prefixes unless the table says so");
	char *shortonly[] = {"verb", "--W", "x", NULL};
	cr_expect_eq(argtab_parse(3, shortonly, &(struct argtab){p, 5, true}, 1, "FILE", cb, &s,
				  err, sizeof err),
		     ARGTAB_USAGE, "a short-only option has no long name");
	char *empty[] = {"verb", "-W", "", NULL};
	cr_expect_eq(argtab_parse(3, empty, &(struct argtab){p, 5, true}, 1, "FILE", cb, &s, err,
				  sizeof err),
		     ARGTAB_USAGE);
	cr_expect_str_eq(err, "option '-W' needs a value, not an empty one");
}

Test(argtab, refusals)
{
	static const struct {
		const char *a[3];
		const char *why;
	} rows[] = {
	    {{"--bogus"}, "unknown option '--bogus'"},
	    {{"--val", "x"}, "unknown option '--val'"}, /* no abbreviations */
	    {{"--fla"}, "unknown option '--fla'"},
	    {{"-x"}, "unknown option '-x'"},
	    {{"-fh"}, "unknown option '-fh'"},	       /* no bundling */
	    {{"-fvalue"}, "unknown option '-fvalue'"}, /* a flag takes no attached value */
	    {{"--value"}, "option '--value' needs a value"},
	    {{"-m"}, "option '--many' needs a value"},
	    {{"--value="}, "option '--value' needs a value, not an empty one"},
	    {{"--value", ""}, "option '--value' needs a value, not an empty one"},
	    {{"--flag=1"}, "option '--flag' takes no value"},
	    {{"--flag", "-f"}, "option '--flag' is given more than once"},
	    {{"--value=a", "--value", "b"}, "option '--value' is given more than once"},
	    {{""}, "the STORE argument is empty"},
	    {{"--", ""}, "the STORE argument is empty"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *argv[5] = {"verb"};
		int argc = 1;
		for (int k = 0; k < 3 && rows[i].a[k]; k++)
			argv[argc++] = (char *)rows[i].a[k];
		struct seen s;
		char err[256];
		cr_expect_eq(run(&s, err, argc, argv), ARGTAB_USAGE, "row %zu accepted", i);
		cr_expect_str_eq(err, rows[i].why, "row %zu", i);
	}
}

Test(argtab, callback_stops)
{
	struct seen s;
	char err[256];
	char *argv[] = {"verb", "-f", "-h", "--bogus", NULL};
	cr_expect_eq(run(&s, err, 4, argv), 7, "help stops before the unknown option");
	cr_expect_str_eq(s.log, "flag=-;");
	char *two[] = {"verb", "S", "T", NULL};
	cr_expect_eq(run(&s, err, 3, two), ARGTAB_OK, "the callback decides about operands");
	cr_expect_eq(argtab_one_operand(err, sizeof err, "STORE", "S", "T"), ARGTAB_USAGE);
	cr_expect_str_eq(err, "only one STORE may be given ('S' and 'T')");
}

/* Several tables: each option's table index reaches the callback; a name in the second
 * table is found, and the duplicate check spans both. */
static size_t last_table;
static int cb_table(void *ctx, size_t table, const struct argtab_opt *o, const char *val, char *err,
		    size_t errsz)
{
	(void)ctx;
	(void)o;
	(void)val;
	(void)err;
	(void)errsz;
	last_table = table;
	return 0;
}

Test(argtab, two_tables)
{
	static const struct argtab_opt own[] = {{"own", 'o', false, false, 1}};
	const struct argtab tabs[] = {{opts, 4, false}, {own, 1, false}};
	char err[256];
	char *argv[] = {"verb", "--own", NULL};
	cr_assert_eq(argtab_parse(2, argv, tabs, 2, "STORE", cb_table, NULL, err, sizeof err),
		     ARGTAB_OK, "%s", err);
	cr_expect_eq(last_table, 1);
	char *dup[] = {"verb", "--own", "-o", NULL};
	cr_expect_eq(argtab_parse(3, dup, tabs, 2, "STORE", cb_table, NULL, err, sizeof err),
		     ARGTAB_USAGE);
}
