/* test_lint.c - unit tests for `migc lint` (compiler/lint*.c): one fixture per check in
 * tests/data/lint/, loaded with policy_load() and linted against the small variable
 * map there; each test asserts the exact diagnostics and their locations. Run from the
 * repository root (as `make unit` does); each test works inside tests/data/lint so that
 * file names print short. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "lint.h"
#include "vars.h"
#include "xml_load.h"
#include "helpers_diag.h"

static void enter_fixtures(void)
{
	static char dir[PATH_MAX];
	if (!dir[0])
		cr_assert_not_null(realpath("tests/data/lint", dir),
				   "run from the repository root");
	cr_assert_eq(chdir(dir), 0);
}

TestSuite(lint, .init = enter_fixtures);

/* Lint FILES (and CONFIG) and return the text output (no carets), malloc'd. */
static char *lint_text(const char *const *files, size_t nfiles, const char *config)
{
	struct arena *a = arena_new();
	struct diag_set *d = diag_new();
	struct var_table vars = {0};
	cr_assert_eq(vars_load_map(a, d, &vars, "variables.map"), 0);
	vars_resolve(&vars, d);
	struct m_policy policy = {0};
	policy_load(a, d, &policy, files, nfiles, config);
	lint_policy(d, &policy, &vars);

	char *buf = hd_render(d, DIAG_TEXT, false);
	diag_free(d);
	arena_free(a);
	return buf;
}

static void expect_file(const char *file, const char *want)
{
	const char *files[] = {file};
	char *got = lint_text(files, 1, NULL);
	cr_expect_str_eq(got, want);
	free(got);
}

static void expect_config(const char *config, const char *want)
{
	char *got = lint_text(NULL, 0, config);
	cr_expect_str_eq(got, want);
	free(got);
}

Test(lint, clean_file_is_silent)
{
	expect_file("clean.xml", "");
}

Test(lint, question_mark)
{
	expect_file("question_mark.xml",
		    "question_mark.xml:9:54: warning: '?' is not a wildcard in MigXML: pattern "
		    "'C:\\Reports\\* [report?.doc]' matches a literal '?' (use '*') "
		    "[-Wquestion-mark]\n"
		    "0 errors, 1 warning generated.\n");
}

/* An entity before the '?' shifts the bytes: only the line is given. A pattern on its
 * own line below <pattern> gets its true line and column. */
Test(lint, question_mark_column_only_when_sure)
{
	expect_file("question_mark_entity.xml",
		    "question_mark_entity.xml:9: warning: '?' is not a wildcard in MigXML: "
		    "pattern 'C:\\R&D\\* [draft?.doc]' matches a literal '?' (use '*') "
		    "[-Wquestion-mark]\n"
		    "question_mark_entity.xml:11:31: warning: '?' is not a wildcard in MigXML: "
		    "pattern 'C:\\Notes\\* [note?.txt]' matches a literal '?' (use '*') "
		    "[-Wquestion-mark]\n"
		    "0 errors, 2 warnings generated.\n");
}

Test(lint, no_leaf)
{
	expect_file("no_leaf.xml",
		    "no_leaf.xml:9:34: warning: File pattern 'C:\\Projects\\*' has no [leaf]: it "
		    "matches directories only, no files (add ' [*]' for the files in them) "
		    "[-Wno-leaf]\n"
		    "0 errors, 1 warning generated.\n");
}

Test(lint, exclude_without_include)
{
	expect_file("exclude_without_include.xml",
		    "exclude_without_include.xml:7:9: warning: exclude has no effect: component "
		    "'exclude_without_include' has no include (an exclude only removes objects "
		    "its own component includes; use unconditionalExclude to veto other "
		    "components) [-Wexclude-without-include]\n"
		    "0 errors, 1 warning generated.\n");
}

/* C:\Dir1\* [*] vs C:\* [*.txt] cross (spec 6.3 #1); D:\ cannot meet C:\, and the
 * deeper exclude with the more specific leaf does not cross. */
Test(lint, crossed)
{
	expect_file("crossed.xml",
		    "crossed.xml:15:34: warning: exclude 'C:\\* [*.txt]' crosses include "
		    "'C:\\Dir1\\* [*]' (line 9): the include has the deeper node, the exclude "
		    "the more specific leaf; the node decides, so the include wins where both "
		    "match [-Wcrossed]\n"
		    "0 errors, 1 warning generated.\n");
}

/* A repeated include (other case), an include under an unconditionalExclude, an
 * include tied with an exclude (exclude wins); a conditional exclude shadows nothing. */
Test(lint, shadowed)
{
	expect_file("shadowed.xml",
		    "shadowed.xml:10:34: warning: include 'c:\\data\\* [*]' repeats the include "
		    "'C:\\Data\\* [*]' (line 9): it has no effect [-Wshadowed]\n"
		    "shadowed.xml:11:34: warning: include 'C:\\Temp\\Logs\\* [*.log]' can never "
		    "take effect: the unconditionalExclude 'C:\\Temp\\* [*]' (line 31) matches "
		    "everything it matches [-Wshadowed]\n"
		    "shadowed.xml:12:34: warning: include 'C:\\Dir1\\Dir2\\* [*.txt]' can never "
		    "take effect: the exclude 'C:\\Dir1\\Dir2\\* [*.txt]' (line 18) matches "
		    "everything it matches and is at least as specific [-Wshadowed]\n"
		    "0 errors, 3 warnings generated.\n");
}

Test(lint, implicit_operation)
{
	expect_file("implicit_operation.xml",
		    "implicit_operation.xml:7:9: warning: <conditions> holds 2 conditions and no "
		    "operation=: they are combined with AND; write operation=\"AND\" or "
		    "operation=\"OR\" (the USMT documentation reads this shape both ways) "
		    "[-Wimplicit-operation]\n"
		    "0 errors, 1 warning generated.\n");
}

Test(lint, destination_cleanup)
{
	expect_file("destination_cleanup.xml",
		    "destination_cleanup.xml:12:9: warning: destinationCleanup deletes matching "
		    "files on the destination before the migrated files are applied "
		    "[-Wdestination-cleanup]\n"
		    "0 errors, 1 warning generated.\n");
}

/* Registry and Ini objects: one warning per file, with the count. */
Test(lint, not_applicable_rules)
{
	expect_file("not_applicable.xml",
		    "not_applicable.xml: warning: 2 registry and Ini objects ignored: migstate "
		    "migrates files only [-Wnot-applicable]\n"
		    "0 errors, 1 warning generated.\n");
}

Test(lint, not_applicable_config)
{
	expect_config("not_applicable_config.xml",
		      "not_applicable_config.xml: warning: 1 <registryError> rule ignored: there "
		      "is no registry on Linux [-Wnot-applicable]\n"
		      "0 errors, 1 warning generated.\n");
}

/* <ProfileControl> group mappings apply (issue 16): valid ones are silent, a DOMAIN\
 * prefix and From=/To= spellings included. */
Test(lint, group_mappings_valid)
{
	expect_config("group_mappings_config.xml", "");
}

/* Unknown appliesTo=, names the shadow tools refuse, "*", missing attributes and the
 * user patterns not supported (skipping them would widen the grant) are errors. */
Test(lint, group_mappings_invalid)
{
	const char *bad_name = " is not a Linux group name (letters, digits, '_', '.', '-' not "
			       "first, an optional final '$', at most 32 bytes, not all digits); "
			       "the mapping is ignored\n";
	char want[4096];
	snprintf(want, sizeof want,
		 "group_mappings_bad_config.xml:6:55: error: appliesTo=\"Everyone\" is not "
		 "MigratedUsers, NonmigratedUsers or AllUsers; the mapping is ignored\n"
		 "group_mappings_bad_config.xml:7:28: error: from=\"bad:name\"%s"
		 "group_mappings_bad_config.xml:8:38: error: to=\"12345\"%s"
		 "group_mappings_bad_config.xml:9:28: error: from=\"*\": a group mapping names one "
		 "group here; the mapping is ignored\n"
		 "group_mappings_bad_config.xml:10:9: error: <changeGroup> has no from=; the "
		 "mapping is ignored\n"
		 "group_mappings_bad_config.xml:11:9: error: <changeGroup> has no appliesTo= "
		 "(MigratedUsers, NonmigratedUsers or AllUsers); the mapping is ignored\n"
		 "group_mappings_bad_config.xml:13:11: error: <include> user patterns in "
		 "<changeGroup> are not supported; the mapping is ignored rather than applied to "
		 "users the patterns leave out\n"
		 "group_mappings_bad_config.xml:15:76: warning: unknown attribute when= in "
		 "<changeGroup>; it is ignored [-Wunknown-attribute]\n"
		 "group_mappings_bad_config.xml:17:7: warning: unknown element <unknownThing>; it "
		 "is ignored [-Wunknown-element]\n"
		 "7 errors, 2 warnings generated.\n",
		 bad_name, bad_name);
	expect_config("group_mappings_bad_config.xml", want);
}

/* %CSIDL_PERSONAL% is in the map, %WorkDir% in the component's <environment>; a
 * helper argument is checked too (the model keeps only the <condition> line). */
Test(lint, undefined_variable)
{
	expect_file("undefined_variable.xml",
		    "undefined_variable.xml:13: error: undefined variable %MissingApp% in an "
		    "argument of DoesObjectExist()\n"
		    "undefined_variable.xml:19:34: error: undefined variable %NoSuchDir% (not in "
		    "the variable map nor in an <environment> of this file)\n"
		    "undefined_variable.xml:20:43: error: undefined variable %UNKNOWN_USER% (not "
		    "in the variable map nor in an <environment> of this file)\n"
		    "3 errors, 0 warnings generated.\n");
}

Test(lint, hardlinks)
{
	expect_config(
	    "hardlink_config.xml",
	    "hardlink_config.xml:7:24: warning: errorHardLink 'C:\\Users\\Bob\\* [*.pst]' "
	    "can never apply: the earlier createHardLink 'C:\\Users\\* [*]' (line 6) "
	    "matches every file it matches, and the first matching rule wins "
	    "[-Wunreachable-hardlink]\n"
	    "hardlink_config.xml:9:25: warning: createHardLink 'C:\\Data\\* [*]' can "
	    "never apply: the earlier errorHardLink 'C:\\* [*]' (line 8) matches every "
	    "file it matches, and the first matching rule wins [-Wunreachable-hardlink]\n"
	    "hardlink_config.xml:10:25: warning: createHardLink 'C:\\* [*]' covers "
	    "system locations: locked system files would be linked into the store, "
	    "which then cannot be deleted while they stay open [-Wbroad-hardlink]\n"
	    "hardlink_config.xml:10:25: warning: createHardLink 'C:\\* [*]' can never "
	    "apply: the earlier errorHardLink 'C:\\* [*]' (line 8) matches every file it "
	    "matches, and the first matching rule wins [-Wunreachable-hardlink]\n"
	    "hardlink_config.xml:11:25: warning: createHardLink '%WINDIR%\\Fonts\\* "
	    "[*]' covers system locations: locked system files would be linked into "
	    "the store, which then cannot be deleted while they stay open "
	    "[-Wbroad-hardlink]\n"
	    "hardlink_config.xml:13:25: warning: createHardLink pattern 'E:\\Locked\\*' has no "
	    "[leaf]: it matches folders only, never a locked file (add ' [*]' for the files "
	    "in them) [-Wno-leaf]\n"
	    "0 errors, 6 warnings generated.\n");
}

/* Includes of two components that take the same files, compared through the variable
 * map; a catch-all that excludes a folder gives it away; other contexts and guarded
 * includes do not count. */
Test(lint, included_twice)
{
	expect_file("included_twice.xml",
		    "included_twice.xml:25:48: warning: include '%CSIDL_PROFILE%\\.config\\shell\\* [*]' "
		    "of component 'Shell': component 'Settings' takes all of it too (include "
		    "'%CSIDL_APPDATA%\\* [*]', included_twice.xml:7), so switching 'Shell' off in "
		    "Config.xml would not leave these files behind; exclude them in 'Settings' or "
		    "take them in one component only [-Wincluded-twice]\n"
		    "included_twice.xml:32:48: warning: include '%CSIDL_PERSONAL%\\* [*]' of component "
		    "'Documents': component 'Home' takes all of it too (include '%CSIDL_PROFILE%\\* [*]', "
		    "included_twice.xml:38), so switching 'Documents' off in Config.xml would not leave "
		    "these files behind; exclude them in 'Home' or take them in one component only "
		    "[-Wincluded-twice]\n"
		    "0 errors, 2 warnings generated.\n");
}

/* Two files in one run: diagnostics come sorted by file name, then line. */
Test(lint, several_files_sorted)
{
	const char *files[] = {"no_leaf.xml", "destination_cleanup.xml"};
	char *got = lint_text(files, 2, NULL);
	const char *a = strstr(got, "destination_cleanup.xml:12:9:");
	const char *b = strstr(got, "no_leaf.xml:9:34:");
	cr_assert(a && b && a < b, "%s", got);
	cr_assert(strstr(got, "0 errors, 2 warnings generated.\n"), "%s", got);
	free(got);
}
