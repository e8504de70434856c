/* test_precedence.c - execution tables path -> verdict for the precedence rules of spec
 * section 6 (runtime/decide.c through rt_explain, the engine of `migc explain`).
 *
 * Every worked example of spec 6.3 is a MigXML policy compiled in memory; a table of
 * paths gives the verdict (and, where it matters, the destinations) each must get.
 * Drive C: is bound to "/", so C:\Dir1 is /Dir1. Users are alice and bob with homes
 * /home/NAME and default XDG dirs (Documents, Music). Filters and conditions that look
 * at the file system run against a temporary --root built by the test. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers_plan.h"

/* The execution tables below are laid out by hand. */
/* clang-format off */

static struct hp H;

static void setup(void)
{
	hp_init(&H);
}

static void teardown(void)
{
	hp_fini(&H);
}

TestSuite(precedence, .init = setup, .fini = teardown);

/* Compile XML (asserting no errors), bind with the default users and check ROWS. */
#define CHECK(xml, rows, what)                                                                     \
	do {                                                                                       \
		hp_compile_ok(&H, (xml), false);                                                   \
		hp_bind(&H, NULL);                                                                 \
		HP_ROWS(&H, rows, what);                                                           \
	} while (0)

/* <condition>: some object matches the File location P. */
#define EXISTS_COND(p) "<condition>MigXmlHelper.DoesObjectExist(\"File\",\"" p "\")</condition>"

/* Compile several files together. */
static void compile_files(const char *const *xml, size_t n)
{
	unsigned e = hp_compile(&H, xml, n, false);
	cr_assert_eq(e, 0, "compile errors:\n%s", H.diag);
}

/* --- spec 6.3, files, one component ------------------------------------------------ */

/* 1: directory beats extension: the include's node is deeper. */
Test(precedence, example_1)
{
	static const struct hp_row rows[] = {
		{"/Dir1/a.txt", "include", "/Dir1/a.txt"},
		{"/Dir1/Dir2/b.txt", "include", NULL},
		{"/Dir1/a.doc", "include", NULL},
		{"/Other/a.txt", "none", ""},
		{"/a.txt", "none", NULL},
	};
	CHECK(DOC(COMP("System", "ex1", INC("C:\\Dir1\\* [*]") EXC("C:\\* [*.txt]"))), rows, "ex1");
}

/* 2: both applied: .txt files in Dir2 and below are excluded. */
Test(precedence, example_2)
{
	static const struct hp_row rows[] = {
		{"/Dir1/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.txt", "exclude", ""},
		{"/Dir1/Dir2/Dir3/a.txt", "exclude", NULL},
		{"/Dir1/Dir2/a.doc", "include", NULL},
		{"/Dir1/Dir3/a.txt", "include", NULL},
	};
	CHECK(DOC(COMP("System", "ex2", INC("C:\\Dir1\\* [*]") EXC("C:\\Dir1\\Dir2\\* [*.txt]"))),
	      rows, "ex2");
}

/* 3: same node, the leaf decides: .txt anywhere in Dir1 excluded. */
Test(precedence, example_3)
{
	static const struct hp_row rows[] = {
		{"/Dir1/a.txt", "exclude", NULL},
		{"/Dir1/Dir2/a.txt", "exclude", NULL},
		{"/Dir1/a.doc", "include", NULL},
		{"/Dir1/Dir2/a.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "ex3", INC("C:\\Dir1\\* [*]") EXC("C:\\Dir1\\* [*.txt]"))), rows,
	      "ex3");
}

/* 4: the same pattern included and excluded: a tie, the exclude wins. */
Test(precedence, example_4)
{
	static const struct hp_row rows[] = {
		{"/Dir1/Dir2/a.txt", "exclude", NULL},
		{"/Dir1/Dir2/x/a.txt", "exclude", NULL},
		{"/Dir1/Dir2/a.doc", "none", NULL},
		{"/Dir1/a.txt", "none", NULL},
	};
	CHECK(DOC(COMP("System", "ex4",
		       INC("C:\\Dir1\\Dir2\\* [*.txt]") EXC("C:\\Dir1\\Dir2\\* [*.txt]"))),
	      rows, "ex4");
}

/* 5: .txt of Dir1 and its subfolders except Dir2; nothing from Dir2. */
Test(precedence, example_5)
{
	static const struct hp_row rows[] = {
		{"/Dir1/a.txt", "include", NULL},
		{"/Dir1/Dir3/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.txt", "exclude", NULL},
		{"/Dir1/Dir2/x/a.txt", "exclude", NULL},
		{"/Dir1/Dir2/a.doc", "none", NULL},
		{"/Dir1/a.doc", "none", NULL},
	};
	CHECK(DOC(COMP("System", "ex5", INC("C:\\Dir1\\* [*.txt]") EXC("C:\\Dir1\\Dir2\\* [*]"))),
	      rows, "ex5");
}

/* 6: the spec's text says Dir2's .txt files are excluded, which contradicts example 1
 * (same shape). We follow the node-first order of spec 6.2 (the PORT decision recorded
 * in decide.h and 6.3's note on #6): the deeper include node wins, so Dir2's .txt
 * files ARE migrated. */
Test(precedence, example_6_node_first)
{
	static const struct hp_row rows[] = {
		{"/Dir1/Dir2/a.txt", "include", NULL},
		{"/Dir1/Dir2/x/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.doc", "include", NULL},
		{"/Dir1/a.txt", "none", NULL},
		{"/Dir1/a.doc", "none", NULL},
	};
	CHECK(DOC(COMP("System", "ex6", INC("C:\\Dir1\\Dir2\\* [*]") EXC("C:\\Dir1\\* [*.txt]"))),
	      rows, "ex6");
}

/* --- spec 6.3, files, two components ----------------------------------------------- */

/* 7: component 2 re-includes what component 1 excluded; component 2's exclude cannot
 * remove component 1's includes. */
Test(precedence, example_7)
{
	static const struct hp_row rows[] = {
		{"/Dir1/a.doc", "include", NULL},
		{"/Dir1/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.doc", "include", NULL},
		{"/Dir1/Dir2/x/a.txt", "include", NULL},
		{"/Dir9/a.txt", "none", NULL},
	};
	CHECK(
	    DOC(COMP("System", "c1", INC("C:\\Dir1\\* [*]") EXC("C:\\Dir1\\Dir2\\* [*.txt]"))
		    COMP("System", "c2", INC("C:\\Dir1\\Dir2\\* [*.txt]") EXC("C:\\Dir1\\* [*]"))),
	    rows, "ex7");
}

/* 8: component 2's exclude has no include in its component: it is inert. */
Test(precedence, example_8_inert_exclude)
{
	static const struct hp_row rows[] = {
		{"/Dir1/Dir2/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.doc", "include", NULL},
		{"/Dir1/a.txt", "none", NULL},
	};
	CHECK(DOC(COMP("System", "c1", INC("C:\\Dir1\\Dir2\\* [*]"))
		      COMP("System", "c2", EXC("C:\\Dir1\\* [*.txt]"))),
	      rows, "ex8");
}

/* 9: component 1 has no include, so its exclude is not processed. */
Test(precedence, example_9)
{
	static const struct hp_row rows[] = {
		{"/Dir1/Dir2/a.txt", "include", NULL},
		{"/Dir1/a.txt", "include", NULL},
		{"/Dir1/Dir2/a.doc", "none", NULL},
	};
	CHECK(DOC(COMP("System", "c1", EXC("C:\\Dir1\\Dir2\\* [*]"))
		      COMP("System", "c2", INC("C:\\Dir1\\* [*.txt]"))),
	      rows, "ex9");
}

/* --- spec 6.3, the other worked examples ------------------------------------------ */

/* Conflicts page, first section: an exclude in A, an include in B. */
Test(precedence, cp_first_section)
{
	static const struct hp_row rows[] = {
		{"/Userdocs/a.mp3", "include", NULL},
		{"/Userdocs/a.doc", "include", NULL},
		{"/Userdocs/sub/a.mp3", "none", NULL}, /* B includes the top level only */
	};
	CHECK(DOC(COMP("System", "A", EXC("C:\\Userdocs\\* [*.mp3]"))
		      COMP("System", "B", INC("C:\\Userdocs\\ [*]"))),
	      rows, "cp");
}

/* Exclude page: same node, the leaf decides. */
Test(precedence, exc_same_node)
{
	static const struct hp_row rows[] = {
		{"/a.mp3", "exclude", NULL},
		{"/x/y/b.mp3", "exclude", NULL},
		{"/x/b.doc", "include", NULL},
		{"/a.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "exc", INC("C:\\* [*]") EXC("C:\\* [*.mp3]"))), rows, "exc1");
}

/* Exclude page: the exact top-level folder beats the recursive include of it. */
Test(precedence, exc_top_level_files)
{
	static const struct hp_row rows[] = {
		{"/EngineeringDrafts/top.doc", "exclude", NULL},
		{"/EngineeringDrafts/sub/x.doc", "include", NULL},
		{"/EngineeringDrafts/sub/deeper/y.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "exc",
		       INC("C:\\EngineeringDrafts\\* [*]") EXC("C:\\EngineeringDrafts\\ [*]"))),
	      rows, "exc2");
}

/* Exclude page: everything but that one file. */
Test(precedence, exc_one_file)
{
	static const struct hp_row rows[] = {
		{"/EngineeringDrafts/Sample.doc", "exclude", NULL},
		{"/EngineeringDrafts/Other.doc", "include", NULL},
		{"/EngineeringDrafts/sub/Sample.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "exc",
		       INC("C:\\EngineeringDrafts\\* [*]")
			   EXC("C:\\EngineeringDrafts\\ [Sample.doc]"))),
	      rows, "exc3");
}

/* Diagnostic log example: the drive-wide extension exclude does not beat the folder
 * include; moved under the folder it does. */
Test(precedence, log_example)
{
	static const struct hp_row drive_wide[] = {
		{"/data/a.txt", "include", NULL},
		{"/data/sub/a.txt", "include", NULL},
	};
	CHECK(DOC(COMP("System", "log", INC("c:\\data\\* [*]") EXC("c:\\* [*.txt]"))), drive_wide,
	      "log, drive-wide exclude");
	static const struct hp_row folder[] = {
		{"/data/a.txt", "exclude", NULL},
		{"/data/sub/a.txt", "exclude", NULL},
		{"/data/a.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "log", INC("c:\\data\\* [*]") EXC("c:\\data\\* [*.txt]"))), folder,
	      "log, folder exclude");
}

/* UMX: an unconditionalExclude beats MigDocs-style includes with an extension-only
 * rule, and in a UserAndSystem component it applies in both contexts. */
Test(precedence, umx_unconditional_exclude_both_contexts)
{
	static const struct hp_row rows[] = {
		{"/Data/a.mp3", "unconditional-exclude", ""},
		{"/home/alice/Documents/a.mp3", "unconditional-exclude", NULL},
		{"/home/bob/Documents/deep/b.mp3", "unconditional-exclude", NULL},
		{"/home/alice/Documents/a.doc", "include", NULL},
		{"/Data/a.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "docs-system", INC("C:\\Data\\* [*]"))
		      COMP("User", "docs-user", INC("%CSIDL_PERSONAL%\\* [*]"))
			  COMP("UserAndSystem", "no-music", UNC("C:\\* [*.mp3]"))),
	      rows, "umx");
}

/* --- the rules of spec 6.1 ---------------------------------------------------------- */

/* 6.1.2: unconditionalExclude beats every include of every component, however specific. */
Test(precedence, unconditional_exclude_beats_everything)
{
	static const struct hp_row rows[] = {
		{"/Data/Keep/keep.tmp", "unconditional-exclude", NULL},
		{"/Data/a.tmp", "unconditional-exclude", NULL},
		{"/home/alice/Documents/x.tmp", "unconditional-exclude", NULL},
		{"/Data/a.doc", "include", NULL},
		{"/home/alice/Documents/x.doc", "include", NULL},
		{"/Elsewhere/a.tmp", "unconditional-exclude", NULL}, /* even with no include */
	};
	CHECK(DOC(COMP("System", "A", INC("C:\\Data\\* [*]") INC("C:\\Data\\Keep\\ [keep.tmp]"))
		      COMP("User", "B", INC("%CSIDL_PERSONAL%\\* [*]"))
			  COMP("System", "C", UNC("C:\\* [*.tmp]"))),
	      rows, "uncond");
}

/* 6.1.6: an exclude with no include in its own component does nothing. */
Test(precedence, exclude_without_include_does_nothing)
{
	static const struct hp_row rows[] = {
		{"/a.txt", "none", NULL},
		{"/x/y/z.doc", "none", NULL},
		/* included elsewhere: the excludes cannot touch it */
		{"/Data/a.doc", "include", NULL},
	};
	CHECK(DOC(COMP("System", "only-excludes", EXC("C:\\* [*]") EXC("C:\\Data\\* [*]"))
		      COMP("System", "inc", INC("C:\\Data\\* [*]"))),
	      rows, "exclude only");
}

/* 6.1.3 and 6.2.4: equal specificity goes to the exclude, even for different patterns. */
Test(precedence, ties_go_to_exclude)
{
	static const struct hp_row rows[] = {
		{"/Data/a.doc", "exclude", NULL},
		{"/Data/abc", "exclude", NULL}, /* [a*] and [*c]: one literal character each */
		{"/Data/ab", "include", NULL},
		{"/Data/sub/abc", "exclude", NULL},
	};
	CHECK(DOC(COMP("System", "tie",
		       INC("C:\\Data\\* [*.doc]") EXC("C:\\Data\\* [*.doc]") INC("C:\\Data\\* [a*]")
			   EXC("C:\\Data\\* [*c]"))),
	      rows, "ties");
}

/* The specificity order of spec 6.2, one step at a time (include vs exclude in one
 * component, the more specific rule wins); one component per step. */
Test(precedence, specificity_order)
{
	static const struct hp_row rows[] = {
		/* 1. more leading literal segments */
		{"/A/B/x.doc", "exclude", NULL},
		{"/A/x.doc", "include", NULL},
		/* ... decide before the leaf, even a literal one */
		{"/N/Sub/exact.txt", "include", NULL},
		/* 2 before 3: the exact folder [*] beats the recursive folder's literal leaf */
		{"/N/exact.txt", "include", NULL},
		{"/N/x/exact.txt", "none", NULL},
		/* 2. an exact directory beats a recursive one */
		{"/E/y.doc", "include", NULL},
		{"/E/sub/y.doc", "none", NULL},
		/* 3. literal leaf over partial over star (same node) */
		{"/L/name.txt", "include", NULL},
		{"/L/other.txt", "exclude", NULL},
		{"/L/other.doc", "include", NULL},
		/* 4. more literal characters in a partial leaf */
		{"/P/report-2020.txt", "include", NULL},
		{"/P/other-2020.txt", "exclude", NULL},
	};
	CHECK(DOC(COMP("System", "s1", INC("C:\\A\\* [*]") EXC("C:\\A\\B\\* [*]"))
		      COMP("System", "s1b",
			   INC("C:\\N\\Sub\\* [*]") INC("C:\\N\\ [*]") EXC("C:\\N\\* [exact.txt]"))
			  COMP("System", "s2", INC("C:\\E\\ [*]") EXC("C:\\E\\* [*]"))
			      COMP("System", "s3",
				   INC("C:\\L\\* [*]") EXC("C:\\L\\* [*.txt]")
				       INC("C:\\L\\* [name.txt]"))
				  COMP("System", "s4",
				       INC("C:\\P\\* [*]") INC("C:\\P\\* [report*.txt]")
					   EXC("C:\\P\\* [*.txt]"))),
	      rows, "order");
}

/* 6.1.7: the order of components, of rules inside a component and of files does not
 * change any verdict. */
#define X_RULES_1 INC("C:\\Dir1\\* [*]") EXC("C:\\Dir1\\Dir2\\* [*.txt]")
#define X_RULES_2 EXC("C:\\* [*.mp3]") INC("C:\\Data\\ [*]")
#define Y_RULES_1 INC("C:\\Dir1\\Dir2\\* [*.txt]") EXC("C:\\Dir1\\* [*]")
#define Y_RULES_2                                                                                  \
	UNC("C:\\Data\\ [secret.*]") INC("C:\\Music\\* [*.mp3]") EXC("C:\\Music\\Old\\* [*]")
#define COMP_X(a, b) COMP("System", "X", a b)
#define COMP_Y(a, b) COMP("System", "Y", a b)

Test(precedence, order_does_not_matter)
{
	static const char *const dirs[] = {"/",		 "/Dir1", "/Dir1/Dir2", "/Dir1/Dir2/Dir3",
					   "/Dir1/Dir4", "/Data", "/Data/sub",	"/Music",
					   "/Music/Old", "/Other"};
	static const char *const names[] = {"a.txt", "a.doc", "b.mp3", "secret.key", "Sample.doc"};
	enum { NPATHS = 10 * 5 };
	const char *base[NPATHS];

	static const char *const orders[][2] = {
	    {DOC(COMP_X(X_RULES_1, X_RULES_2) COMP_Y(Y_RULES_1, Y_RULES_2)), NULL},
	    {DOC(COMP_Y(Y_RULES_1, Y_RULES_2) COMP_X(X_RULES_1, X_RULES_2)), NULL},
	    {DOC(COMP_X(X_RULES_2, X_RULES_1) COMP_Y(Y_RULES_2, Y_RULES_1)), NULL},
	    {DOC_URL("http://example.org/y", COMP_Y(Y_RULES_1, Y_RULES_2)),
	     DOC_URL("http://example.org/x", COMP_X(X_RULES_1, X_RULES_2))},
	    {DOC_URL("http://example.org/x", COMP_X(X_RULES_2, X_RULES_1)),
	     DOC_URL("http://example.org/y", COMP_Y(Y_RULES_2, Y_RULES_1))},
	};
	for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
		compile_files(orders[o], orders[o][1] ? 2 : 1);
		hp_bind(&H, NULL);
		for (size_t i = 0; i < NPATHS; i++) {
			char path[128];
			const char *d = dirs[i / 5];
			snprintf(path, sizeof path, "%s%s%s", d, strcmp(d, "/") ? "/" : "",
				 names[i % 5]);
			const char *v = hp_verdict(&H, path);
			if (o == 0)
				base[i] = v;
			else
				cr_expect_str_eq(v, base[i], "order %zu: %s is %s, in order 0 %s",
						 o, path, v, base[i]);
		}
	}
	/* and the base verdicts are the ones the rules say */
	static const struct hp_row rows[] = {
		{"/Dir1/Dir2/a.txt", "include", NULL},   /* Y re-includes */
		{"/Dir1/a.doc", "include", NULL},
		{"/Data/b.mp3", "include", NULL},        /* X: exact folder over drive-wide */
		{"/Data/sub/b.mp3", "none", NULL},       /* only X's exclude matches */
		{"/Data/secret.key", "unconditional-exclude", NULL},
		{"/Music/b.mp3", "include", NULL},       /* X's exclude cannot touch Y's include */
		{"/Music/Old/b.mp3", "exclude", NULL},
		{"/Other/a.txt", "none", NULL},
	};
	HP_ROWS(&H, rows, "order rows");
}

/* --- patterns: case, '?', escapes --------------------------------------------------- */

Test(precedence, case_insensitive_by_default)
{
	static const char xml[] =
		DOC(COMP("System", "case", INC("C:\\Data\\* [*.TXT]") INC("C:\\DOCS\\Sub\\* [*]")));
	static const struct hp_row folded[] = {
		{"/data/NOTES.txt", "include", NULL},
		{"/DATA/x/a.TxT", "include", NULL},
		{"/Data/a.TXT", "include", NULL},
		{"/docs/sub/x.bin", "include", NULL},
		{"/Docs/SUB/deeper/x.bin", "include", NULL},
		{"/docs/x.bin", "none", NULL},
	};
	CHECK(xml, folded, "insensitive");
	/* --case-sensitive: the plan flag turns folding off (matcher and path index) */
	cr_assert_eq(hp_compile1(&H, xml, true), 0, "%s", H.diag);
	cr_expect_eq(H.plan.flags & PLAN_F_CASE_SENSITIVE, PLAN_F_CASE_SENSITIVE);
	hp_bind(&H, NULL);
	static const struct hp_row exact[] = {
		{"/data/NOTES.txt", "none", NULL},
		{"/Data/notes.txt", "none", NULL},
		{"/Data/a.TXT", "include", NULL},
		{"/Data/x/a.TXT", "include", NULL},
		{"/docs/sub/x.bin", "none", NULL},
		{"/DOCS/Sub/x.bin", "include", NULL},
	};
	HP_ROWS(&H, exact, "sensitive");
}

/* '?' is not a wildcard in MigXML; ^[ and ^] write literal brackets. */
Test(precedence, special_characters)
{
	static const struct hp_row rows[] = {
		{"/Data/a?.txt", "include", NULL},
		{"/Data/ab.txt", "none", NULL},
		{"/Q/file].txt", "include", NULL},
		{"/Q/file.txt", "none", NULL},
		{"/Q/[old]/a.txt", "include", NULL},
		{"/Q/old/a.txt", "none", NULL},
		{"/S/[x]", "include", NULL},
		{"/S/x", "none", NULL},
	};
	CHECK(DOC(COMP("System", "special",
		       INC("C:\\Data\\* [a?.txt]") INC("C:\\Q [file^].txt]")
			   INC("C:\\Q\\^[old^]\\* [*]") INC("C:\\S [^[x^]]"))),
	      rows, "special");
}

/* A pattern without a leaf names directories only; one with a leaf names files only. */
Test(precedence, directories_and_files)
{
	static const struct hp_row rows[] = {
		{"/Data/", "include", NULL},        /* trailing '/': a directory object */
		{"/Data/sub/", "include", NULL},
		{"/Data/a.txt", "none", NULL},
		{"/Files/", "none", NULL},
		{"/Files/a.txt", "include", NULL},
	};
	CHECK(DOC(COMP("System", "dirs", INC("C:\\Data\\*") INC("C:\\Files\\* [*]"))), rows,
	      "dirs");
}

/* --- contexts ------------------------------------------------------------------------ */

/* User rules run once per migrated user with that user's variables; System rules once. */
Test(precedence, contexts_per_user)
{
	static const char xml[] = DOC(COMP("User", "docs", INC("%CSIDL_PERSONAL%\\* [*]")
						    EXC("%CSIDL_PERSONAL%\\Private\\* [*]"))
				      COMP("System", "sys", INC("C:\\Shared\\* [*]")));
	static const struct hp_row both[] = {
		{"/home/alice/Documents/a.doc", "include", NULL},
		{"/home/bob/Documents/sub/b.doc", "include", NULL},
		{"/home/alice/Documents/Private/p.doc", "exclude", NULL},
		{"/home/bob/Documents/Private/p.doc", "exclude", NULL},
		{"/home/carol/Documents/a.doc", "none", NULL}, /* not a migrated user */
		{"/home/alice/Music/a.mp3", "none", NULL},
		{"/Shared/x.txt", "include", NULL},
	};
	CHECK(xml, both, "alice and bob");
	static const char *const only_alice[] = {"alice", NULL};
	hp_bind_users(&H, only_alice);
	static const struct hp_row alice[] = {
		{"/home/alice/Documents/a.doc", "include", NULL},
		{"/home/bob/Documents/b.doc", "none", NULL},
		{"/Shared/x.txt", "include", NULL},
	};
	HP_ROWS(&H, alice, "alice only");
	static const char *const nobody[] = {NULL};
	hp_bind_users(&H, nobody);
	static const struct hp_row none[] = {
		{"/home/alice/Documents/a.doc", "none", NULL},
		{"/Shared/x.txt", "include", NULL},
	};
	HP_ROWS(&H, none, "no users");
}

/* A <rules> context only narrows its component's: System rules inside a User component
 * are never evaluated; User rules inside a UserAndSystem component are per user. */
Test(precedence, rules_context_narrows)
{
	static const struct hp_row rows[] = {
		{"/Sys/a.txt", "none", NULL},
		{"/home/alice/Documents/a.doc", "include", NULL},
		{"/home/bob/.config/app.conf", "include", NULL},
		{"/Both/a.txt", "include", NULL},
	};
	CHECK(DOC(COMPX("User", "u",
			RULES_CTX("System", INC("C:\\Sys\\* [*]"))
			    RULES(INC("%CSIDL_PERSONAL%\\* [*]")))
		      COMPX("UserAndSystem", "us",
			    RULES_CTX("User", INC("%CSIDL_PROFILE%\\.config\\* [*]"))
				RULES(INC("C:\\Both\\* [*]")))),
	      rows, "narrow");
}

/* --- locationModify, merge ---------------------------------------------------------- */

Test(precedence, relative_move)
{
	static const struct hp_row rows[] = {
		{"/Data/a.txt", "include", "/NewData/a.txt"},
		{"/Data/sub/deep/b.txt", "include", "/NewData/sub/deep/b.txt"},
		{"/Other/c.txt", "include", "/Other/c.txt"}, /* not under the source root: stays */
	};
	CHECK(DOC(COMP("System", "rm",
		       INC("C:\\Data\\* [*]") INC("C:\\Other\\* [*]")
			   LOCMOD("MigXmlHelper.RelativeMove('C:\\Data','C:\\NewData')",
				  "C:\\Data\\* [*]"))),
	      rows, "RelativeMove");
}

/* RelativeMove into a user folder: expanded per user. */
Test(precedence, relative_move_per_user)
{
	static const struct hp_row rows[] = {
		{"/home/alice/Old/a.doc", "include", "/home/alice/Documents/a.doc"},
		{"/home/bob/Old/x/b.doc", "include", "/home/bob/Documents/x/b.doc"},
	};
	CHECK(DOC(COMP("User", "rmu",
		       INC("%CSIDL_PROFILE%\\Old\\* [*]") LOCMOD(
			   "MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\\Old','%CSIDL_PERSONAL%')",
			   "%CSIDL_PROFILE%\\Old\\* [*]"))),
	      rows, "RelativeMove per user");
}

/* Move keeps the sub-folders beyond the longest variable path that contains the object
 * (PROFILESFOLDER = /home, WINDIR = /usr in the test map), else only the name. */
Test(precedence, move)
{
	static const struct hp_row rows[] = {
		{"/x/y/song.mp3", "include", "/Music/song.mp3"},
		{"/home/alice/Music/a.mp3", "include", "/Music/alice/Music/a.mp3"},
		{"/usr/share/sounds/b.mp3", "include", "/Music/share/sounds/b.mp3"},
		{"/x/y/a.doc", "none", ""},
	};
	CHECK(DOC(COMP("System", "mv",
		       INC("C:\\* [*.mp3]")
			   LOCMOD("MigXmlHelper.Move('C:\\Music')", "C:\\* [*.mp3]"))),
	      rows, "Move");
}

/* ExactMove to a folder flattens; to a file, every object gets that one name. */
Test(precedence, exact_move)
{
	static const struct hp_row rows[] = {
		{"/A/x/y/song.mp3", "include", "/Flat/song.mp3"},
		{"/A/z.mp3", "include", "/Flat/z.mp3"},
		{"/B/deep/a.mp3", "include", "/One/one.mp3"},
	};
	CHECK(DOC(COMP("System", "em",
		       INC("C:\\A\\* [*.mp3]") INC("C:\\B\\* [*.mp3]")
			   LOCMOD("MigXmlHelper.ExactMove('C:\\Flat')", "C:\\A\\* [*.mp3]") LOCMOD(
			       "MigXmlHelper.ExactMove('C:\\One [one.mp3]')", "C:\\B\\* [*.mp3]"))),
	      rows, "ExactMove");
}

/* 6.1.8: an include in A and a locationModify in B: migrated to both places. */
Test(precedence, include_and_relocate_in_two_components)
{
	static const struct hp_row rows[] = {
		{"/Data/a.txt", "include", "/Data/a.txt;/NewData/a.txt"},
		{"/Data/sub/b.txt", "include", "/Data/sub/b.txt;/NewData/sub/b.txt"},
		{"/Elsewhere/c.txt", "none", ""}, /* B relocates, but nobody includes it */
	};
	CHECK(DOC(COMP("System", "A", INC("C:\\Data\\* [*]")) COMP(
		  "System", "B",
		  LOCMOD("MigXmlHelper.RelativeMove('C:\\Data','C:\\NewData')", "C:\\Data\\* [*]")
		      LOCMOD("MigXmlHelper.RelativeMove('C:\\Elsewhere','C:\\E2')",
			     "C:\\Elsewhere\\* [*]"))),
	      rows, "both places");
	/* the same include in the relocating component: only the new place */
	static const struct hp_row one[] = {{"/Data/a.txt", "include", "/NewData/a.txt"}};
	CHECK(DOC(COMP("System", "B",
		       INC("C:\\Data\\* [*]")
			   LOCMOD("MigXmlHelper.RelativeMove('C:\\Data','C:\\NewData')",
				  "C:\\Data\\* [*]"))),
	      one, "one place");
}

/* The most specific locationModify of a component wins. */
Test(precedence, most_specific_location_modify)
{
	static const struct hp_row rows[] = {
		{"/Data/a.txt", "include", "/General/a.txt"},
		{"/Data/Special/b.txt", "include", "/Special/b.txt"},
	};
	CHECK(DOC(COMP("System", "lm",
		       INC("C:\\Data\\* [*]") LOCMOD("MigXmlHelper.ExactMove('C:\\Special')",
						     "C:\\Data\\Special\\* [*]")
			   LOCMOD("MigXmlHelper.ExactMove('C:\\General')", "C:\\Data\\* [*]"))),
	      rows, "locmod order");
}

/* 6.1.9: on a collision the most specific merge rule applies; no rule: default rename. */
Test(precedence, merge_most_specific)
{
	hp_compile_ok(
	    &H,
	    DOC(COMP("System", "m",
		     INC("C:\\* [*]") MERGE("MigXmlHelper.SourcePriority()", "C:\\* [*]")
			 MERGE("MigXmlHelper.DestinationPriority()", "C:\\subfolder\\* [*]"))),
	    false);
	cr_expect_str_eq(hp_merge(&H, "/subfolder/a.txt"), "DestinationPriority");
	cr_expect_str_eq(hp_merge(&H, "/subfolder/deep/a.txt"), "DestinationPriority");
	cr_expect_str_eq(hp_merge(&H, "/other/a.txt"), "SourcePriority");
	cr_expect_str_eq(hp_merge(&H, "/a.txt"), "SourcePriority");

	hp_compile_ok(&H, DOC(COMP("System", "m", INC("C:\\* [*]"))), false);
	cr_expect_str_eq(hp_merge(&H, "/subfolder/a.txt"), "default");
}

/* The [CP] collision scenario: include c:\data\* [*] with three merge variants. The
 * last row of the spec's table says Folder\SampleB.txt is "not restored"; with no
 * merge rule for it we apply the default rename instead (spec 6.3, AMBIGUOUS). */
Test(precedence, merge_collision_scenario)
{
	hp_compile_ok(&H,
		      DOC(COMP("System", "m",
			       INC("c:\\data\\* [*]")
				   MERGE("MigXmlHelper.DestinationPriority()", "c:\\data\\* [*]"))),
		      false);
	cr_expect_str_eq(hp_merge(&H, "/Data/SampleB.txt"), "DestinationPriority");
	cr_expect_str_eq(hp_merge(&H, "/Data/Folder/SampleB.txt"), "DestinationPriority");

	hp_compile_ok(&H,
		      DOC(COMP("System", "m",
			       INC("c:\\data\\* [*]")
				   MERGE("MigXmlHelper.SourcePriority()", "c:\\data\\* [*]"))),
		      false);
	cr_expect_str_eq(hp_merge(&H, "/Data/Folder/SampleB.txt"), "SourcePriority");

	hp_compile_ok(&H,
		      DOC(COMP("System", "m",
			       INC("c:\\data\\* [*]")
				   MERGE("MigXmlHelper.SourcePriority()", "c:\\data\\ [*]"))),
		      false);
	cr_expect_str_eq(hp_merge(&H, "/Data/SampleB.txt"), "SourcePriority");
	cr_expect_str_eq(hp_merge(&H, "/Data/Folder/SampleB.txt"), "default");
	cr_expect_str_eq(hp_verdict(&H, "/Data/Folder/SampleB.txt"), "include");
}

/* --- filters and conditions on a real tree -------------------------------------------- */

struct tree_ent {
	const char *path; /* relative to the root */
	char kind;	  /* 'f' file, 'd' directory, 'l' symlink */
	size_t size;
	const char *when; /* mtime "YYYY-MM-DD HH:MM:SS" UTC, NULL: now */
	const char *target;
};

/* Build a root directory NAME under the test directory; returns its path. */
static const char *make_tree(const char *name, const struct tree_ent *t, size_t n)
{
	static char root[160];
	snprintf(root, sizeof root, "%s/%s", H.dir, name);
	cr_assert_eq(mkdir(root, 0755), 0, "%s", root);
	for (size_t i = 0; i < n; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/%s", root, t[i].path);
		/* parents */
		for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
		if (t[i].kind == 'd') {
			cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
		} else if (t[i].kind == 'l') {
			cr_assert_eq(symlink(t[i].target, p), 0, "%s", p);
		} else {
			FILE *f = fopen(p, "wb");
			cr_assert_not_null(f, "%s", p);
			for (size_t k = 0; k < t[i].size; k++)
				fputc('x', f);
			fclose(f);
			if (t[i].when) {
				struct tm tm = {0};
				cr_assert_not_null(strptime(t[i].when, "%Y-%m-%d %H:%M:%S", &tm));
				struct timespec ts[2] = {{timegm(&tm), 0}, {timegm(&tm), 0}};
				cr_assert_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
			}
		}
	}
	return root;
}

static void bind_root(const char *root, int phase)
{
	struct hp_bind_opts o = {NULL, root, phase, false, NULL};
	hp_bind(&H, &o);
}

Test(precedence, file_properties_size)
{
	static const struct tree_ent t[] = {
		{"Data/big.bin", 'f', 2000, NULL, NULL},
		{"Data/small.bin", 'f', 10, NULL, NULL},
		{"Data/kb.bin", 'f', 1024, NULL, NULL},
		{"Data/huge.bin", 'f', 2 * 1024 * 1024, NULL, NULL},
	};
	const char *root = make_tree("size", t, 4);
	hp_compile_ok(
	    &H,
	    DOC(COMP("System", "size",
		     INCF("MigXmlHelper.FileProperties(\"filesize\",\"gt\",\"1KB\")",
			  "C:\\Data\\* [*.bin]")
			 INCF("MigXmlHelper.FileProperties(\"filesize\",\"range\",\"1KB-1MB\")",
			      "C:\\Data\\* [kb.bin]"))),
	    false);
	bind_root(root, PHASE_SCAN);
	static const struct hp_row rows[] = {
		{"/Data/big.bin", "include", NULL},
		{"/Data/small.bin", "none", NULL},
		{"/Data/kb.bin", "include", NULL}, /* not > 1KB, but in 1KB..1MB */
		{"/Data/huge.bin", "include", NULL},
		{"/Data/absent.bin", "none", NULL}, /* size 0 when it does not exist */
	};
	HP_ROWS(&H, rows, "filesize");
}

Test(precedence, file_properties_date)
{
	static const struct tree_ent t[] = {
		{"Data/old.txt", 'f', 1, "1990-06-01 12:00:00", NULL},
		{"Data/new.txt", 'f', 1, "2020-03-04 23:59:59", NULL},
		{"Data/next.txt", 'f', 1, "2020-03-05 00:00:01", NULL},
	};
	const char *root = make_tree("date", t, 3);
	hp_compile_ok(
	    &H,
	    DOC(COMP(
		"System", "date",
		INCF("MigXmlHelper.FileProperties(\"dateModified\",\"lt\",\"2000/01/01\")",
		     "C:\\Data\\* [old*]")
		    INCF("MigXmlHelper.FileProperties(\"dateModified\",\"lt\",\"2000/01/01\")",
			 "C:\\Data\\* [new*]")
			INCF("MigXmlHelper.FileProperties(\"dateModified\",\"eq\",\"2020/03/04\")",
			     "C:\\Data\\* [ne*]"))),
	    false);
	bind_root(root, PHASE_SCAN);
	static const struct hp_row rows[] = {
		{"/Data/old.txt", "include", NULL},
		{"/Data/new.txt", "include", NULL},  /* eq names the whole day */
		{"/Data/next.txt", "none", NULL},
	};
	HP_ROWS(&H, rows, "date");
}

Test(precedence, never_restore_and_answer_no)
{
	hp_compile_ok(&H,
		      DOC(COMP("System", "nr",
			       INCF("MigXmlHelper.NeverRestore()", "C:\\Cache\\* [*]")
				   INCF("MigXmlHelper.AnswerNo()", "C:\\No\\* [*]"))),
		      false);
	bind_root(NULL, PHASE_SCAN);
	static const struct hp_row scan[] = {
		{"/Cache/a.bin", "include", NULL},
		{"/No/a.bin", "none", NULL},
	};
	HP_ROWS(&H, scan, "scan");
	bind_root(NULL, PHASE_LOAD);
	static const struct hp_row load[] = {
		{"/Cache/a.bin", "none", NULL},
		{"/No/a.bin", "none", NULL},
	};
	HP_ROWS(&H, load, "load");
}

Test(precedence, ignore_irrelevant_links)
{
	static const struct tree_ent t[] = {
		{"Links/target.txt", 'f', 3, NULL, NULL},
		{"Links/live", 'l', 0, NULL, "target.txt"},
		{"Links/dead", 'l', 0, NULL, "no-such-file"},
	};
	const char *root = make_tree("links", t, 3);
	hp_compile_ok(&H,
		      DOC(COMP("System", "links",
			       INCF("MigXmlHelper.IgnoreIrrelevantLinks()", "C:\\Links\\* [*]"))),
		      false);
	bind_root(root, PHASE_SCAN);
	static const struct hp_row scan[] = {
		{"/Links/target.txt", "include", NULL},
		{"/Links/live", "include", NULL},
		{"/Links/dead", "include", NULL}, /* captured: dropped only at restore */
	};
	HP_ROWS(&H, scan, "scan");
	bind_root(root, PHASE_LOAD);
	static const struct hp_row load[] = {
		{"/Links/target.txt", "include", NULL},
		{"/Links/live", "include", NULL},
		{"/Links/dead", "none", NULL},
	};
	HP_ROWS(&H, load, "load");
}

/* A component is detected only when DoesObjectExist finds the file; at restore the
 * detection is skipped (every component is present). */
Test(precedence, detection_does_object_exist)
{
	static const char xml[] = DOC(COMPX(
		"System", "app",
		"<detection><conditions>" EXISTS_COND("C:\\App [app.exe]")
		"</conditions></detection>"
		RULES(INC("C:\\App\\Data\\* [*]"))));
	hp_compile_ok(&H, xml, false);
	static const struct tree_ent with[] = {{"App/app.exe", 'f', 1, NULL, NULL}};
	static const struct tree_ent without[] = {{"App/other.exe", 'f', 1, NULL, NULL}};
	bind_root(make_tree("with", with, 1), PHASE_SCAN);
	cr_expect_str_eq(hp_verdict(&H, "/App/Data/x.cfg"), "include");
	const char *root = make_tree("without", without, 1);
	bind_root(root, PHASE_SCAN);
	cr_expect_str_eq(hp_verdict(&H, "/App/Data/x.cfg"), "none");
	struct hp_bind_opts o = {NULL, root, PHASE_LOAD, true, NULL};
	hp_bind(&H, &o);
	cr_expect_str_eq(hp_verdict(&H, "/App/Data/x.cfg"), "include", "load skips detection");
}

/* <conditions operation="OR"> vs the default AND. */
Test(precedence, conditions_or_and)
{
#define EXISTS(p) "<condition>MigXmlHelper.DoesObjectExist(\"File\",\"" p "\")</condition>"
	static const char or_xml[] = DOC(COMPX(
		"System", "or",
		RULES("<conditions operation=\"OR\">" EXISTS("C:\\A [a]") EXISTS("C:\\B [b]")
		      "</conditions>" INC("C:\\Data\\* [*]"))));
	static const char and_xml[] = DOC(COMPX(
		"System", "and",
		RULES("<conditions>" EXISTS("C:\\A [a]") EXISTS("C:\\B [b]") "</conditions>"
		      INC("C:\\Data\\* [*]"))));
	static const char not_xml[] = DOC(COMPX(
		"System", "not",
		RULES("<conditions><condition negation=\"Yes\">"
		      "MigXmlHelper.DoesObjectExist(\"File\",\"C:\\A [a]\")"
		      "</condition></conditions>"
		      INC("C:\\Data\\* [*]"))));
#undef EXISTS
	static const struct tree_ent a_only[] = {{"A/a", 'f', 1, NULL, NULL}};
	static const struct tree_ent both[] = {{"A/a", 'f', 1, NULL, NULL},
					       {"B/b", 'f', 1, NULL, NULL}};
	static const struct tree_ent neither[] = {{"C/c", 'f', 1, NULL, NULL}};
	char r_a[160], r_both[160], r_none[160];
	snprintf(r_a, sizeof r_a, "%s", make_tree("a-only", a_only, 1));
	snprintf(r_both, sizeof r_both, "%s", make_tree("both", both, 2));
	snprintf(r_none, sizeof r_none, "%s", make_tree("neither", neither, 1));
	static const struct {
		const char *xml, *what;
		const char *want[3]; /* neither, a only, both */
	} cases[] = {
		{or_xml, "OR", {"none", "include", "include"}},
		{and_xml, "AND", {"none", "none", "include"}},
		{not_xml, "NOT", {"include", "none", "none"}},
	};
	const char *roots[3] = {r_none, r_a, r_both};
	for (size_t c = 0; c < 3; c++) {
		hp_compile_ok(&H, cases[c].xml, false);
		for (size_t r = 0; r < 3; r++) {
			bind_root(roots[r], PHASE_SCAN);
			const char *v = hp_verdict(&H, "/Data/x.txt");
			cr_expect_str_eq(v, cases[c].want[r], "%s, root %zu: %s", cases[c].what, r,
					 v);
		}
	}
}

/* Conditions reach the right scope: a failing condition on one <rules> leaves the
 * component's other rules alone, and an include's exclude partner under a false
 * condition does not apply. */
Test(precedence, conditions_scope)
{
	static const char xml[] = DOC(COMPX(
		"System", "scope",
		RULES(INC("C:\\Data\\* [*]"))
		RULES("<conditions>" EXISTS_COND("C:\\Flag [on]") "</conditions>"
		      EXC("C:\\Data\\* [*.tmp]"))));
	hp_compile_ok(&H, xml, false);
	static const struct tree_ent flag[] = {{"Flag/on", 'f', 1, NULL, NULL}};
	bind_root(make_tree("flag", flag, 1), PHASE_SCAN);
	cr_expect_str_eq(hp_verdict(&H, "/Data/a.tmp"), "exclude");
	cr_expect_str_eq(hp_verdict(&H, "/Data/a.doc"), "include");
	bind_root(NULL, PHASE_SCAN);
	cr_expect_str_eq(hp_verdict(&H, "/Data/a.tmp"), "include");
}

/* Many components matching one object: every component still counts (the resolver
 * once kept 64 (component, context) groups and silently dropped the rest). */
Test(precedence, many_components)
{
	enum { N = 100 };
	size_t cap = 64 * 1024, len = 0;
	char *xml = malloc(cap);
	cr_assert_not_null(xml);
	len += (size_t)snprintf(
	    xml + len, cap - len, "%s",
	    "<?xml version=\"1.0\"?><migration urlid=\"http://example.org/many\">");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(
		    xml + len, cap - len, "%s",
		    COMP("System", "excluder", INC("C:\\Data\\* [*]") EXC("C:\\Data\\* [*.txt]")));
	len += (size_t)snprintf(
	    xml + len, cap - len, "%s",
	    COMP("System", "includer", INC("C:\\Data\\* [*.txt]"))
		COMP("System", "unconditional", UNC("C:\\Data\\* [*.tmp]")) "</migration>");
	cr_assert_lt(len, cap);
	hp_compile_ok(&H, xml, false);
	free(xml);
	cr_assert_eq(H.plan.ncomps, N + 2);
	static const struct hp_row rows[] = {
		{"/Data/a.txt", "include", NULL},   /* the last component re-includes */
		{"/Data/a.doc", "include", NULL},
		{"/Data/a.tmp", "unconditional-exclude", NULL},
	};
	hp_bind(&H, NULL);
	HP_ROWS(&H, rows, "many components");
}

/* GenerateUserPatterns: the pattern once per migrated user; "FALSE" leaves out the
 * user being processed. */
Test(precedence, generate_user_patterns)
{
#define GUP(flag)                                                                                  \
	"<exclude>" OSET("<script>MigXmlHelper.GenerateUserPatterns(\"File\",\"%USERPROFILE%\\* "  \
			 "[*.doc]\",\"" flag "\")</script>") "</exclude>"
	static const char with_self[] =
		DOC(COMP("User", "gup", INC("%PROFILESFOLDER%\\* [*.doc]") GUP("TRUE")));
	static const char without_self[] =
		DOC(COMP("User", "gup", INC("%PROFILESFOLDER%\\* [*.doc]") GUP("FALSE")));
#undef GUP
	/* TRUE: every migrated user's profile is excluded in every user's pass */
	static const struct hp_row all[] = {
		{"/home/alice/a.doc", "exclude", NULL},
		{"/home/bob/x/b.doc", "exclude", NULL},
		{"/home/carol/c.doc", "include", NULL}, /* not migrated: no pattern for her */
	};
	CHECK(with_self, all, "GenerateUserPatterns TRUE");
	/* FALSE, one user: nobody else to exclude, so alice's pass keeps her files */
	hp_compile_ok(&H, without_self, false);
	static const char *const only_alice[] = {"alice", NULL};
	hp_bind_users(&H, only_alice);
	static const struct hp_row alone[] = {
		{"/home/alice/a.doc", "include", NULL},
		{"/home/bob/b.doc", "include", NULL},
	};
	HP_ROWS(&H, alone, "GenerateUserPatterns FALSE, alice alone");
	/* FALSE, two users: bob's pass excludes alice, but alice's own pass includes her */
	hp_bind(&H, NULL);
	static const struct hp_row two[] = {
		{"/home/alice/a.doc", "include", NULL},
		{"/home/bob/b.doc", "include", NULL},
	};
	HP_ROWS(&H, two, "GenerateUserPatterns FALSE, alice and bob");
}

/* GenerateDocPatterns: document extensions on the fixed drives (system) and in the
 * user's home (user). */
Test(precedence, generate_doc_patterns)
{
	static const struct hp_row rows[] = {
		{"/srv/report.docx", "include", NULL},
		{"/srv/photo.JPG", "include", NULL},
		{"/srv/tool.exe", "none", NULL},
		{"/home/alice/notes.md", "include", NULL},
		{"/home/alice/.bashrc", "none", NULL},
	};
	CHECK(DOC(COMP("UserAndSystem", "docs",
		       "<include>" OSET("<script>MigXmlHelper.GenerateDocPatterns(\"FALSE\","
					"\"TRUE\",\"FALSE\")</script>") "</include>")),
	      rows, "GenerateDocPatterns");
}

/* The path index: which directories the walker must enter, and the candidates of a
 * directory (whatever the number of rules, only entries whose literal prefix leads
 * there). */
Test(precedence, path_index)
{
	hp_compile_ok(&H,
		      DOC(COMP("System", "idx",
			       INC("C:\\Data\\Sub\\* [*]") INC("C:\\Exact [x.txt]")
				   INC("C:\\Data\\Other\\ [*]") EXC("C:\\Data\\Sub\\Tmp\\* [*]"))
			      COMP("User", "u", INC("%CSIDL_PERSONAL%\\* [*]"))),
		      false);
	hp_bind(&H, NULL);
	static const struct {
		const char *dir;
		bool reachable;
		size_t ncands;
	} rows[] = {
		{"/", true, 0},
		{"/Data", true, 0},
		{"/DATA", true, 0},          /* folded */
		{"/Data/Sub", true, 1},
		{"/Data/Sub/Tmp/deep", true, 2},
		{"/Data/Other", true, 1},
		{"/Data/Other/below", false, 0},
		{"/Exact", true, 1},
		{"/Exact/below", false, 0},
		{"/Elsewhere", false, 0},
		{"/home", true, 0},
		{"/home/alice/Documents/x", true, 1},
		{"/home/carol", false, 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *d = rows[i].dir;
		cr_expect_eq(rt_reachable(&H.b, d, strlen(d)), rows[i].reachable, "reachable(%s)",
			     d);
		struct rt_cands c = {0};
		cr_assert_eq(rt_candidates(&H.b, d, strlen(d), &c), 0);
		cr_expect_eq(c.n, rows[i].ncands, "candidates(%s): %zu", d, c.n);
		rt_cands_free(&c);
	}
	/* case-sensitive plans do not fold in the index either */
	hp_compile_ok(&H, DOC(COMP("System", "idx", INC("C:\\Data\\Sub\\* [*]"))), true);
	hp_bind(&H, NULL);
	cr_expect(rt_reachable(&H.b, "/Data/Sub/x", 11));
	cr_expect(!rt_reachable(&H.b, "/DATA/Sub/x", 11));
}

/* Values bound into patterns are literal text: a home directory with '*', '\', '%',
 * '{' or '[' in its name matches only itself (expand.c escapes them into the glob). */
Test(precedence, hostile_user_names)
{
	hp_compile_ok(&H, DOC(COMP("User", "u", INC("%CSIDL_PROFILE%\\* [*]"))), false);
	static const char *const users[] = {"we*rd", "odd\\", "p%ct%", "{home}", NULL};
	hp_bind_users(&H, users);
	static const struct hp_row rows[] = {
		{"/home/we*rd/a.txt", "include", NULL},
		{"/home/weXYZrd/a.txt", "none", NULL},
		{"/home/we/rd/a.txt", "none", NULL},
		/* files directly in a home whose name ends in a backslash */
		{"/home/odd\\/a.txt", "include", NULL},
		{"/home/odd\\/sub/a.txt", "include", NULL},
		{"/home/odd/a.txt", "none", NULL},
		{"/home/p%ct%/a.txt", "include", NULL},
		{"/home/{home}/a.txt", "include", NULL},
	};
	HP_ROWS(&H, rows, "hostile names");
}
