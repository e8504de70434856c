/* test_rtopts.c - the scan/load command line (runtime/rtopts.c): parsing rules kept from
 * USMT (any order, '=' or a separate value, duplicates refused) and the user-selection
 * precedence table of spec 1.7. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "rtopts.h"

static int parse(struct rt_opts *o, char *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return rtopts_parse(argc, argv, o, NULL, 0, NULL, NULL, err, 256);
}

Test(rtopts, common_options)
{
	struct rt_opts o;
	char err[256];
	cr_assert_eq(parse(&o, err, "scan", "--plan=p.plan", "STORE", "--root", "/r", "--ui", "a*",
			   "--ui", "b", "--ue=c", "--define", "X=1=2", "--drive", "d=/mnt/d", "-c",
			   "--verbose", "13", "--json", "--hardlink", "--nocompress", NULL),
		     RTOPTS_OK, "%s", err);
	cr_expect_str_eq(o.store, "STORE");
	cr_expect_str_eq(o.plan, "p.plan");
	cr_expect_str_eq(o.root, "/r");
	cr_expect_eq(o.nui, 2);
	cr_expect_eq(o.nue, 1);
	cr_expect_str_eq(o.defines[0].name, "X");
	cr_expect_str_eq(o.defines[0].value, "1=2");
	cr_expect_eq(o.drives[0].letter, 'D');
	cr_expect_str_eq(o.drives[0].path, "/mnt/d");
	cr_expect(o.cont && o.json && o.hardlink && o.nocompress);
	cr_expect_eq(o.verbose, 13);
	rtopts_free(&o);
	cr_assert_eq(parse(&o, err, "load", "S", NULL), RTOPTS_OK);
	cr_expect_str_eq(o.root, "/", "root defaults to /");
	rtopts_free(&o);
}

Test(rtopts, refusals)
{
	static const char *const rows[][4] = {
	    {"--plan", "a", "--plan", "b"}, /* once only */
	    {"S", "T", NULL, NULL},	    /* two stores */
	    {"--bogus", NULL, NULL, NULL},
	    {"--plan", NULL, NULL, NULL},     /* missing value */
	    {"--json=yes", NULL, NULL, NULL}, /* a flag with a value */
	    {"--verbose", "3", NULL, NULL},   /* not a sum of 1, 4, 8 */
	    {"--uel", "soon", NULL, NULL},
	    {"--define", "=x", NULL, NULL},
	    {"--drive", "C=relative", NULL, NULL},
	    {"--drive", "c=/a", "--drive", "C=/b"}, /* one binding per letter */
	    {"-x", NULL, NULL, NULL},
	    /* empty: would be the current directory (issue 15) */
	    {"", NULL, NULL, NULL},
	    {"S", "--plan", "", NULL},
	    {"S", "--log=", NULL, NULL},
	    {"S", "--progress", "", NULL},
	    {"S", "--root=", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *argv[6] = {"scan"};
		int argc = 1;
		for (int k = 0; k < 4 && rows[i][k]; k++)
			argv[argc++] = (char *)rows[i][k];
		struct rt_opts o;
		char err[256] = "";
		cr_expect_eq(rtopts_parse(argc, argv, &o, NULL, 0, NULL, NULL, err, sizeof err),
			     RTOPTS_USAGE, "row %zu accepted", i);
		cr_expect_neq(err[0], 0, "row %zu: a reason", i);
		rtopts_free(&o);
	}
	struct rt_opts o;
	char err[256];
	cr_expect_eq(parse(&o, err, "scan", "S", "-h", NULL), RTOPTS_HELP);
	rtopts_free(&o);
}

static int ext_seen;

static int ext_fn(void *ctx, int id, const char *arg, char *err, size_t errsz)
{
	(void)ctx;
	(void)err;
	(void)errsz;
	if (id == 7 && !strcmp(arg, "bad"))
		return -1;
	ext_seen += id;
	return 0;
}

Test(rtopts, extensions)
{
	static const struct rtopt_ext ext[] = {{"overwrite", 'o', false, false, 1},
					       {"efs", 0, true, false, 7}};
	char *argv[] = {"scan", "-o", "S", "--efs", "skip", NULL};
	struct rt_opts o;
	char err[256];
	ext_seen = 0;
	cr_expect_eq(rtopts_parse(5, argv, &o, ext, 2, ext_fn, NULL, err, sizeof err), RTOPTS_OK,
		     "%s", err);
	cr_expect_eq(ext_seen, 8);
	rtopts_free(&o);
	char *dup[] = {"scan", "-o", "--overwrite", NULL};
	cr_expect_eq(rtopts_parse(3, dup, &o, ext, 2, ext_fn, NULL, err, sizeof err), RTOPTS_USAGE);
	rtopts_free(&o);
	char *bad[] = {"scan", "--efs=bad", NULL};
	cr_expect_eq(rtopts_parse(2, bad, &o, ext, 2, ext_fn, NULL, err, sizeof err), RTOPTS_USAGE);
	rtopts_free(&o);
}

/* spec 1.7: --ui beats --ue and --uel; --uel beats --ue; default: everyone */
Test(rtopts, user_precedence)
{
	struct {
		const char *ui, *ue, *uel;
		const char *name;
		bool active, want;
	} rows[] = {
	    {NULL, NULL, NULL, "alice", false, true},
	    {NULL, "alice", NULL, "alice", true, false},
	    {NULL, "a*", NULL, "bob", true, true},
	    {"alice", "*", NULL, "alice", true, true},
	    {"CONTOSO\\alice", "*\\*", NULL, "alice", true, true},
	    {NULL, "*\\*", NULL, "bob", true, false},
	    {NULL, "alice", "14", "alice", true, true},
	    {NULL, NULL, "14", "alice", false, false},
	    {"alice", NULL, "14", "alice", false, true},
	    {"alice", NULL, NULL, "bob", true, true}, /* --ui alone restricts nothing */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct rt_opts o = {0};
		const char *ui[1] = {rows[i].ui}, *ue[1] = {rows[i].ue};
		o.ui = rows[i].ui ? ui : NULL;
		o.nui = rows[i].ui ? 1 : 0;
		o.ue = rows[i].ue ? ue : NULL;
		o.nue = rows[i].ue ? 1 : 0;
		o.uel = rows[i].uel;
		cr_expect_eq(rtopts_user_wanted(&o, rows[i].name, rows[i].active), rows[i].want,
			     "row %zu", i);
	}
}
