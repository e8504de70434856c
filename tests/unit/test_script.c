/* test_script.c - helper calls (grammar/script.{l,y}, compiler/script.c, helpers.def).
 *
 * Every helper of spec section 7 must be in the table; every table entry is parsed
 * and checked at each place with its minimum and maximum arity, one argument too few
 * and too many, and at every place it is not allowed. Then the syntax: quoting, NULL,
 * case, whitespace, and each error with its exact column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

static struct script_call *parse(const char *s, struct script_error *e)
{
	return script_parse(s, strlen(s), e);
}

/* Spec section 7, independently of helpers.def: name, min, max, places. */
static const struct {
	const char *name;
	int min, max;
	unsigned places;
} spec[] = {
	/* 7.1 */
	{ "DoesOSMatch", 2, 2, HP_CONDITION },
	{ "IsNative64Bit", 0, 0, HP_CONDITION },
	{ "IsOSLaterThan", 2, 2, HP_CONDITION },
	{ "IsOSEarlierThan", 2, 2, HP_CONDITION },
	{ "DoesObjectExist", 2, 2, HP_CONDITION },
	{ "DoesFileVersionMatch", 3, 3, HP_CONDITION },
	{ "IsFileVersionAbove", 3, 3, HP_CONDITION },
	{ "IsFileVersionBelow", 3, 3, HP_CONDITION },
	{ "IsSystemContext", 0, 0, HP_CONDITION },
	{ "DoesStringContentEqual", 3, 3, HP_CONDITION },
	{ "DoesStringContentContain", 3, 3, HP_CONDITION },
	{ "IsSameObject", 3, 3, HP_CONDITION },
	{ "IsSameContent", 4, 4, HP_CONDITION },
	{ "IsSameStringContent", 4, 4, HP_CONDITION },
	/* 7.2 */
	{ "AnswerNo", 0, 0, HP_FILTER | HP_CLEANUP },
	{ "CompareStringContent", 1, 2, HP_FILTER | HP_CLEANUP },
	{ "IgnoreIrrelevantLinks", 0, 0, HP_FILTER | HP_CLEANUP },
	{ "NeverRestore", 0, 0, HP_FILTER | HP_CLEANUP },
	{ "SameRegContent", 0, -1, HP_FILTER },
	{ "FileProperties", 3, 3, HP_FILTER | HP_CLEANUP },
	/* 7.3 */
	{ "ExtractSingleFile", 0, 2, HP_CONTENT },
	{ "ExtractMultipleFiles", 0, 2, HP_CONTENT },
	{ "ExtractDirectory", 0, 3, HP_CONTENT },
	/* 7.4 */
	{ "ConvertToDWORD", 0, 1, HP_CONTENTMODIFY },
	{ "ConvertToString", 0, 1, HP_CONTENTMODIFY },
	{ "ConvertToBinary", 0, 0, HP_CONTENTMODIFY },
	{ "OffsetValue", 1, 1, HP_CONTENTMODIFY },
	{ "SetValueByTable", 2, 3, HP_CONTENTMODIFY },
	{ "KeepExisting", 1, -1, HP_CONTENTMODIFY },
	{ "MergeMultiSzContent", 2, -1, HP_CONTENTMODIFY },
	{ "MergeDelimitedContent", 3, -1, HP_CONTENTMODIFY },
	/* 7.5 */
	{ "RelativeMove", 2, 2, HP_LOCMODIFY },
	{ "Move", 1, 1, HP_LOCMODIFY },
	{ "ExactMove", 1, 1, HP_LOCMODIFY },
	/* 7.6 */
	{ "SourcePriority", 0, 0, HP_MERGE },
	{ "DestinationPriority", 0, 0, HP_MERGE },
	{ "FindFilePlaceByPattern", 1, 1, HP_MERGE },
	{ "NewestVersion", 1, 1, HP_MERGE },
	{ "HigherValue", 0, 0, HP_MERGE },
	{ "LowerValue", 0, 0, HP_MERGE },
	{ "LeafPattern", 0, -1, HP_MERGE },
	/* 7.7 */
	/* the stock MigApp.xml passes 5 (two undocumented trailing arguments) */
	{ "GetStringContent", 2, 5, HP_VARIABLE | HP_LOCATION },
	{ "GenerateDrivePatterns", 1, 2, HP_OBJECTSET },
	{ "GenerateUserPatterns", 3, 3, HP_OBJECTSET },
	{ "GenerateDocPatterns", 0, 3, HP_OBJECTSET },
	{ "AskForLogoff", 0, 0, HP_PROCESSING },
	{ "ConvertToShortFileName", 1, 1, HP_PROCESSING },
	{ "KillExplorer", 0, 0, HP_PROCESSING },
	{ "RegisterFonts", 1, 1, HP_PROCESSING },
	{ "RemoveEmptyDirectories", 1, 1, HP_PROCESSING },
	{ "RestartExplorer", 0, 0, HP_PROCESSING },
	{ "StartService", 1, -1, HP_PROCESSING },
	{ "StopService", 1, 1, HP_PROCESSING },
	{ "SyncSCM", 1, 1, HP_PROCESSING },
	/* 7.8: internal, anywhere */
	{ "AntiAlias", 0, -1, 0x7ff },
	{ "ConvertScreenSaver", 0, -1, 0x7ff },
	{ "ConvertShowIEOnDesktop", 0, -1, 0x7ff },
	{ "ConvertToOfficeLangID", 0, -1, 0x7ff },
	{ "MigrateActiveDesktop", 0, -1, 0x7ff },
	{ "MigrateAppearanceUPM", 0, -1, 0x7ff },
	{ "MigrateDisplayCS", 0, -1, 0x7ff },
	{ "MigrateDisplaySS", 0, -1, 0x7ff },
	{ "MigrateIEAutoSearch", 0, -1, 0x7ff },
	{ "MigrateMouseUPM", 0, -1, 0x7ff },
	{ "MigrateSoundSysTray", 0, -1, 0x7ff },
	{ "MigrateTaskBarSS", 0, -1, 0x7ff },
	{ "SetPstPathInMapiStruc", 0, -1, 0x7ff },
	/* undocumented internal helpers the stock MigApp/MigDocs call (corpus) */
	{ "ExtractSingleFileUnicodeBin", 0, -1, 0x7ff },
	{ "ExtractSingleFileAnsiBin", 0, -1, 0x7ff },
	{ "UpdateMvBinaryMapiStruct", 0, -1, 0x7ff },
	{ "SetPstPathInMapiStruct", 0, -1, 0x7ff },
	{ "MergeShellLibraries", 0, -1, 0x7ff },
};

#define NSPEC (sizeof(spec) / sizeof(spec[0]))
#define ALL_PLACES 0x7ffu

static const char *const place_words[] = {
	"a condition",          "a filter",           "an objectSet script",
	"a variable script",    "a locationModify script", "a merge script",
	"a contentModify script", "a destinationCleanup filter", "a content filter",
	"a processing script",  "a location script",
};

/* "MigXmlHelper.NAME("a1", "a2", ...)" with N arguments. */
static void make_call(char *buf, size_t size, const char *ns, const char *name, int n)
{
	int w = snprintf(buf, size, "%s.%s(", ns, name);
	for (int i = 0; i < n; i++)
		w += snprintf(buf + w, size - (size_t)w, "%s\"a%d\"", i ? ", " : "", i + 1);
	snprintf(buf + w, size - (size_t)w, ")");
}

/* Parse and check TEXT at PLACE; return script_check's result (parse must succeed). */
static int parse_check(const char *text, unsigned place, struct script_error *e,
		       const struct helper_info **h)
{
	struct script_call *c = parse(text, e);
	cr_assert_not_null(c, "\"%s\": col %d: %s", text, e->col, e->message);
	int r = script_check(c, (enum helper_place)place, e);
	if (h)
		*h = c->helper;
	script_free(c);
	return r;
}

/* The table holds every helper of spec section 7 with the arity and places chosen. */
Test(script, table_matches_spec)
{
	cr_expect_eq(HELPER__COUNT, (int)NSPEC, "helpers.def has %d entries, spec list %zu",
		     HELPER__COUNT, NSPEC);
	for (size_t i = 0; i < NSPEC; i++) {
		const struct helper_info *h = helper_lookup(spec[i].name);
		cr_expect_not_null(h, "helper %s missing from helpers.def", spec[i].name);
		if (!h)
			continue;
		cr_expect_str_eq(h->name, spec[i].name);
		cr_expect_eq(h->min_args, spec[i].min, "%s min_args", h->name);
		cr_expect_eq(h->max_args, spec[i].max, "%s max_args", h->name);
		cr_expect_eq(h->places, spec[i].places, "%s places %#x", h->name, h->places);
		cr_expect_eq(h->domain == HD_INTERNAL, spec[i].places == ALL_PLACES,
			     "%s: internal helpers are exactly those of 7.8", h->name);
		cr_expect_eq(helper_by_id(h->id), h, "%s id", h->name);
	}
	for (int id = 0; id < HELPER__COUNT; id++) {
		const struct helper_info *h = helper_by_id(id);
		cr_assert_not_null(h);
		cr_expect_eq(h->id, id);
		cr_expect_eq(helper_lookup(h->name), h, "names are unique: %s", h->name);
		cr_expect(h->min_args >= 0 && (h->max_args == -1 || h->max_args >= h->min_args),
			  "%s arity", h->name);
		cr_expect(h->places != 0 && (h->places & ~ALL_PLACES) == 0, "%s places", h->name);
	}
	cr_expect_null(helper_by_id(-1));
	cr_expect_null(helper_by_id(HELPER__COUNT));
	cr_expect_eq(helper_by_id(HELPER_GENERATE_DRIVE_PATTERNS),
		     helper_lookup("GenerateDrivePatterns"));
	cr_expect_eq(helper_by_id(HELPER_RELATIVE_MOVE)->domain, HD_GENERIC);
	cr_expect_eq(helper_by_id(HELPER_FILE_PROPERTIES)->domain, HD_FILE);
	cr_expect_eq(helper_by_id(HELPER_HIGHER_VALUE)->domain, HD_REGISTRY);
	cr_expect_null(helper_lookup("NoSuchHelper"));
	cr_expect_null(helper_lookup(""));
	cr_expect_null(helper_lookup(NULL));
}

/* Every helper, at every place: the minimum and maximum arity are accepted where it is
 * allowed; one argument fewer or more is refused with the right column; other places
 * are refused with the place named. */
Test(script, every_helper_every_place)
{
	char text[512];
	struct script_error e;
	for (int id = 0; id < HELPER__COUNT; id++) {
		const struct helper_info *h = helper_by_id(id), *got;
		int maxn = h->max_args < 0 ? h->min_args + 4 : h->max_args;
		for (unsigned bit = 0; bit < 11; bit++) {
			unsigned place = 1u << bit;
			bool allowed = (h->places & place) != 0;
			int counts[2] = { h->min_args, maxn };
			for (int k = 0; k < 2; k++) {
				make_call(text, sizeof(text), "MigXmlHelper", h->name, counts[k]);
				int r = parse_check(text, place, &e, &got);
				cr_expect_eq(got, h, "%s resolved", text);
				if (allowed) {
					cr_expect_eq(r, 0, "%s in %s: %s", text, place_words[bit],
						     e.message);
					continue;
				}
				char want[200];
				snprintf(want, sizeof(want), "'%s' cannot be used in %s (allowed in ",
					 h->name, place_words[bit]);
				cr_expect_eq(r, -1, "%s must be refused in %s", text,
					     place_words[bit]);
				cr_expect(strncmp(e.message, want, strlen(want)) == 0,
					  "message \"%s\", want \"%s...\"", e.message, want);
				cr_expect_eq(e.col, 14, "%s: column of the name", text);
			}
		}
		/* arity, checked at an allowed place */
		unsigned ok_place = h->places & (unsigned)-(int)h->places; /* lowest bit */
		if (h->min_args > 0) {
			make_call(text, sizeof(text), "MigXmlHelper", h->name, h->min_args - 1);
			cr_expect_eq(parse_check(text, ok_place, &e, NULL), -1, "%s", text);
			cr_expect_eq(e.col, 14, "%s: too few points at the name", text);
			cr_expect(strstr(e.message, h->name) && strstr(e.message, "argument"),
				  "%s", e.message);
		}
		if (h->max_args >= 0) {
			make_call(text, sizeof(text), "MigXmlHelper", h->name, h->max_args + 1);
			cr_expect_eq(parse_check(text, ok_place, &e, NULL), -1, "%s", text);
			/* the surplus argument "aN" is the (max+1)-th: find its quote */
			char needle[16];
			snprintf(needle, sizeof(needle), "\"a%d\"", h->max_args + 1);
			int col = (int)(strstr(text, needle) - text) + 1;
			cr_expect_eq(e.col, col, "%s: too many points at argument %d (col %d), got %d",
				     text, h->max_args + 1, col, e.col);
		}
		/* trailing NULLs never count */
		snprintf(text, sizeof(text), "MigXmlHelper.%s(", h->name);
		for (int i = 0; i < h->min_args; i++)
			strcat(text, "'x', ");
		strcat(text, "NULL, null, Null)");
		cr_expect_eq(parse_check(text, ok_place, &e, NULL), 0, "%s: %s", text, e.message);
		/* place 0: no place check */
		make_call(text, sizeof(text), "MigXmlHelper", h->name, h->min_args);
		cr_expect_eq(parse_check(text, 0, &e, NULL), 0, "%s: %s", text, e.message);
	}
}

/* The arities and places the brief and spec call out, with exact messages. */
Test(script, arity_and_place_messages)
{
	static const struct {
		const char *text;
		unsigned place;
		int col;
		const char *msg; /* NULL: accepted */
	} rows[] = {
		{ "MigXmlHelper.GenerateDrivePatterns(\"* [*.doc]\", \"Fixed\")", HP_OBJECTSET, 0,
		  NULL },
		{ "MigXmlHelper.GenerateDrivePatterns(\"* [*.doc]\")", HP_OBJECTSET, 0, NULL },
		{ "MigXmlHelper.GenerateDrivePatterns()", HP_OBJECTSET, 14,
		  "'GenerateDrivePatterns' needs at least 1 argument, 0 given" },
		{ "MigXmlHelper.GenerateDrivePatterns('a', 'b', 'c')", HP_OBJECTSET, 46,
		  "'GenerateDrivePatterns' takes at most 2 arguments, 3 given" },
		{ "MigXmlHelper.GenerateDocPatterns()", HP_OBJECTSET, 0, NULL },
		{ "MigXmlHelper.GenerateDocPatterns(\"FALSE\",\"TRUE\",\"FALSE\")", HP_OBJECTSET, 0,
		  NULL },
		{ "MigXmlHelper.GenerateUserPatterns(\"File\",\"%userprofile%\\* [*.doc]\",\"FALSE\")",
		  HP_OBJECTSET, 0, NULL },
		{ "MigXmlHelper.GenerateUserPatterns(\"File\",\"x\")", HP_OBJECTSET, 14,
		  "'GenerateUserPatterns' takes 3 arguments, 2 given" },
		{ "MigXmlHelper.FileProperties(\"filesize\", \"range\", \"1KB-1MB\")", HP_FILTER, 0,
		  NULL },
		{ "MigXmlHelper.FileProperties(\"filesize\", \"range\")", HP_FILTER, 14,
		  "'FileProperties' takes 3 arguments, 2 given" },
		{ "MigXmlHelper.FindFilePlaceByPattern(\"<F> (<N>).<E>\")", HP_MERGE, 0, NULL },
		{ "MigXmlHelper.NewestVersion(\"FileVersion\")", HP_MERGE, 0, NULL },
		{ "MigXmlHelper.KeepExisting(\"Security\", \"TimeFields\", \"FileAttrib:HR\")",
		  HP_CONTENTMODIFY, 0, NULL },
		{ "MigXmlHelper.KeepExisting()", HP_CONTENTMODIFY, 14,
		  "'KeepExisting' needs at least 1 argument, 0 given" },
		{ "MigXmlHelper.SetValueByTable(\"1,2\",\"a,b\")", HP_CONTENTMODIFY, 0, NULL },
		{ "MigXmlHelper.SetValueByTable(\"1,2\",\"a,b\",\"c\")", HP_CONTENTMODIFY, 0, NULL },
		{ "MigXmlHelper.DoesOSMatch(\"NT\",\"6.*\")", HP_CONDITION, 0, NULL },
		{ "MigXmlHelper.DoesOSMatch(\"NT\")", HP_CONDITION, 14,
		  "'DoesOSMatch' takes 2 arguments, 1 given" },
		{ "MigXmlHelper.IsNative64Bit()", HP_CONDITION, 0, NULL },
		{ "MigXmlHelper.IsNative64Bit(\"x\")", HP_CONDITION, 28,
		  "'IsNative64Bit' takes 0 arguments, 1 given" },
		{ "MigXmlHelper.RelativeMove('C:\\EngineeringDrafts','%CSIDL_PERSONAL%')",
		  HP_LOCMODIFY, 0, NULL },
		{ "MigXmlHelper.SourcePriority()", HP_FILTER, 14,
		  "'SourcePriority' cannot be used in a filter (allowed in a merge script)" },
		{ "MigXmlHelper.AnswerNo()", HP_MERGE, 14,
		  "'AnswerNo' cannot be used in a merge script (allowed in a filter or a "
		  "destinationCleanup filter)" },
		{ "MigXmlHelper.GetStringContent(\"Registry\",\"HKLM\\x [v]\")", HP_CONDITION, 14,
		  "'GetStringContent' cannot be used in a condition (allowed in a variable "
		  "script or a location script)" },
		{ "MigXmlHelper.DoesObjectExist(\"File\",\"C:\\x\")", HP_FILTER, 14,
		  "'DoesObjectExist' cannot be used in a filter (allowed in a condition)" },
		{ "MigXmlHelper.SameRegContent()", HP_FILTER, 0, NULL },
		{ "MigXmlHelper.SameRegContent()", HP_CLEANUP, 14,
		  "'SameRegContent' cannot be used in a destinationCleanup filter (allowed in a "
		  "filter)" },
		{ "MigXmlHelper.IgnoreIrrelevantLinks()", HP_CLEANUP, 0, NULL },
		{ "MigXmlHelper.MigrateDisplayCS('a','b','c','d','e','f','g')", HP_PROCESSING, 0,
		  NULL },
		/* arity is checked before place: the column says which */
		{ "MigXmlHelper.SourcePriority('x')", HP_FILTER, 29,
		  "'SourcePriority' takes 0 arguments, 1 given" },
		/* several place bits: any one allowing it is enough */
		{ "MigXmlHelper.SourcePriority()", HP_FILTER | HP_MERGE, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct script_error e;
		int r = parse_check(rows[i].text, rows[i].place, &e, NULL);
		if (!rows[i].msg) {
			cr_expect_eq(r, 0, "row %zu %s: %s", i, rows[i].text, e.message);
			continue;
		}
		cr_expect_eq(r, -1, "row %zu %s accepted", i, rows[i].text);
		cr_expect_str_eq(e.message, rows[i].msg, "row %zu", i);
		cr_expect_eq(e.col, rows[i].col, "row %zu %s: col %d, want %d", i, rows[i].text,
			     e.col, rows[i].col);
	}
}

Test(script, parsed_structure)
{
	struct script_error e;
	struct script_call *c =
		parse("  MigXmlHelper.GenerateDrivePatterns ( \"\\Requests\\* [*] \" , 'Fixed' )\n",
		      &e);
	cr_assert_not_null(c, "%s", e.message);
	cr_expect_str_eq(c->ns, "MigXmlHelper");
	cr_expect_str_eq(c->name, "GenerateDrivePatterns");
	cr_expect_eq(c->col, 3);
	cr_expect_eq(c->name_col, 16);
	cr_assert_eq(c->nargs, 2);
	cr_expect_not(c->args[0].is_null);
	cr_expect_str_eq(c->args[0].str, "\\Requests\\* [*] "); /* kept as written */
	cr_expect_eq(c->args[0].col, 40);
	cr_expect_str_eq(c->args[1].str, "Fixed");
	cr_expect_eq(c->args[1].col, 61);
	cr_expect_null(c->helper);
	cr_expect_eq(script_check(c, HP_OBJECTSET, &e), 0, "%s", e.message);
	cr_expect_eq(c->helper, helper_by_id(HELPER_GENERATE_DRIVE_PATTERNS));
	script_free(c);

	/* no arguments, no spaces */
	c = parse("MigXmlHelper.AnswerNo()", &e);
	cr_assert_not_null(c);
	cr_expect_eq(c->nargs, 0);
	cr_expect_eq(c->col, 1);
	cr_expect_eq(c->name_col, 14);
	script_free(c);

	/* whitespace everywhere between tokens, including newlines */
	c = parse("\n\tMigXmlHelper\n.\nNeverRestore\n(\n)\n", &e);
	cr_assert_not_null(c, "%s", e.message);
	cr_expect_str_eq(c->name, "NeverRestore");
	cr_expect_eq(c->col, 3);
	cr_expect_eq(c->name_col, 18);
	cr_expect_eq(script_check(c, HP_FILTER, &e), 0);
	script_free(c);

	script_free(NULL);
}

/* Case-insensitive namespace and name; the legacy namespace for RelativeMove only. */
Test(script, case_and_namespaces)
{
	static const struct {
		const char *text;
		unsigned place;
		int col;
		const char *msg;
	} rows[] = {
		{ "MigXMLHelper.AnswerNo()", HP_FILTER, 0, NULL },
		{ "migxmlhelper.answerno()", HP_FILTER, 0, NULL },
		{ "MIGXMLHELPER.ANSWERNO()", HP_FILTER, 0, NULL },
		{ "MigXmlHelper.generateDRIVEpatterns('* [*]')", HP_OBJECTSET, 0, NULL },
		{ "MigsysHelperFunction.RelativeMove('C:\\a', 'D:\\b')", HP_LOCMODIFY, 0, NULL },
		{ "migsyshelperfunction.relativemove('C:\\a', 'D:\\b')", HP_LOCMODIFY, 0, NULL },
		{ "MigsysHelperFunction.Move('C:\\a')", HP_LOCMODIFY, 1,
		  "namespace 'MigsysHelperFunction' is only accepted for RelativeMove: write "
		  "'MigXmlHelper.Move'" },
		{ "MyScripts.AnswerNo()", HP_FILTER, 1,
		  "unknown namespace 'MyScripts': helper functions are called as "
		  "'MigXmlHelper.Name'" },
		{ "  Other.Thing()", HP_FILTER, 3, "unknown namespace 'Other'" },
		{ "AnswerNo()", HP_FILTER, 1, "missing namespace: write 'MigXmlHelper.AnswerNo'" },
		/* stock MigApp.xml calls USMT's internal helpers through MigSysHelper */
		{ "MigSysHelper.ConvertToOfficeLangID('Registry','HKCU\\x [v]','HKLM\\y [v]')",
		  HP_CONTENTMODIFY, 0, NULL },
		{ "MigSysHelper.ExtractSingleFileUnicodeBin()", HP_CONTENT, 0, NULL },
		{ "MigSysHelper.SourcePriority()", HP_MERGE, 1,
		  "namespace 'MigSysHelper' is only accepted for USMT's internal helpers: write "
		  "'MigXmlHelper.SourcePriority'" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct script_error e;
		const struct helper_info *h;
		int r = parse_check(rows[i].text, rows[i].place, &e, &h);
		if (!rows[i].msg) {
			cr_expect_eq(r, 0, "row %zu %s: %s", i, rows[i].text, e.message);
			cr_expect_not_null(h);
			continue;
		}
		cr_expect_eq(r, -1, "row %zu accepted", i);
		cr_expect(strncmp(e.message, rows[i].msg, strlen(rows[i].msg)) == 0,
			  "row %zu: \"%s\"", i, e.message);
		cr_expect_eq(e.col, rows[i].col, "row %zu col %d", i, e.col);
		cr_expect_null(h, "row %zu: helper not resolved on a namespace error", i);
	}

	/* the namespace is kept as written */
	struct script_error e;
	struct script_call *c = parse("Custom.Fn('x')", &e);
	cr_assert_not_null(c);
	cr_expect_str_eq(c->ns, "Custom");
	cr_expect_str_eq(c->name, "Fn");
	script_free(c);
	c = parse("Fn('x')", &e);
	cr_assert_not_null(c);
	cr_expect_null(c->ns);
	script_free(c);
	for (int id = 0; id < HELPER__COUNT; id++) {
		char up[64], low[64];
		const char *n = helper_by_id(id)->name;
		size_t k = 0;
		for (; n[k] && k < sizeof(up) - 1; k++) {
			up[k] = (char)(n[k] >= 'a' && n[k] <= 'z' ? n[k] - 32 : n[k]);
			low[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] + 32 : n[k]);
		}
		up[k] = low[k] = '\0';
		cr_expect_eq(helper_lookup(up), helper_by_id(id), "%s", up);
		cr_expect_eq(helper_lookup(low), helper_by_id(id), "%s", low);
	}
}

/* NULL is a bare word in any case; trailing ones are dropped, others kept. */
Test(script, null_arguments)
{
	struct script_error e;
	struct script_call *c = parse("MigXmlHelper.F(\"a\", NULL, null)", &e);
	cr_assert_not_null(c, "%s", e.message);
	cr_expect_eq(c->nargs, 1);
	cr_expect_str_eq(c->args[0].str, "a");
	script_free(c);

	c = parse("MigXmlHelper.F(NULL, 'b', NuLl)", &e);
	cr_assert_not_null(c, "%s", e.message);
	cr_assert_eq(c->nargs, 2);
	cr_expect(c->args[0].is_null);
	cr_expect_null(c->args[0].str);
	cr_expect_eq(c->args[0].col, 16);
	cr_expect_not(c->args[1].is_null);
	cr_expect_str_eq(c->args[1].str, "b");
	cr_expect_eq(c->args[1].col, 22);
	script_free(c);

	c = parse("MigXmlHelper.F(NULL)", &e);
	cr_assert_not_null(c);
	cr_expect_eq(c->nargs, 0);
	script_free(c);

	/* "NULL" in quotes is a string */
	c = parse("MigXmlHelper.F('NULL')", &e);
	cr_assert_not_null(c);
	cr_assert_eq(c->nargs, 1);
	cr_expect_not(c->args[0].is_null);
	cr_expect_str_eq(c->args[0].str, "NULL");
	script_free(c);

	/* ConvertToDWORD(NULL) is ConvertToDWORD() */
	cr_expect_eq(parse_check("MigXmlHelper.ConvertToDWORD(NULL)", HP_CONTENTMODIFY, &e,
				 NULL),
		     0);
	/* SetValueByTable's default may be NULL: 2 arguments remain */
	cr_expect_eq(parse_check("MigXmlHelper.SetValueByTable('1,2','a,b',NULL)",
				 HP_CONTENTMODIFY, &e, NULL),
		     0);
	/* a NULL in the middle still counts */
	cr_expect_eq(parse_check("MigXmlHelper.IsNative64Bit(NULL,'x')", HP_CONDITION, &e, NULL),
		     -1);
	cr_expect_eq(e.col, 28);
}

/* Strings: either quote, no escapes, backslashes literal, contents as written. */
Test(script, quoting)
{
	static const struct {
		const char *text;
		const char *arg;
	} rows[] = {
		{ "M.F(\"C:\\Folder\\* [*]\")", "C:\\Folder\\* [*]" },
		{ "M.F('C:\\Folder\\* [*]')", "C:\\Folder\\* [*]" },
		{ "M.F(\"Bob's Files\")", "Bob's Files" },
		{ "M.F('say \"hi\"')", "say \"hi\"" },
		{ "M.F(\"\")", "" },
		{ "M.F('')", "" },
		{ "M.F('  spaced  ')", "  spaced  " },
		{ "M.F('a,b)c(')", "a,b)c(" },
		{ "M.F('\\')", "\\" },
		{ "M.F('\\\\server\\share')", "\\\\server\\share" },
		{ "M.F('<F> (<N>).<E>')", "<F> (<N>).<E>" },
		{ "M.F('%CSIDL_PERSONAL%')", "%CSIDL_PERSONAL%" },
		{ "M.F('line\nbreak')", "line\nbreak" },
		{ "M.F('caf\xc3\xa9')", "caf\xc3\xa9" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct script_error e;
		struct script_call *c = parse(rows[i].text, &e);
		cr_expect_not_null(c, "row %zu %s: %s", i, rows[i].text, e.message);
		if (!c)
			continue;
		cr_expect_eq(c->nargs, 1, "row %zu", i);
		if (c->nargs == 1)
			cr_expect_str_eq(c->args[0].str, rows[i].arg, "row %zu", i);
		cr_expect_eq(c->args[0].col, 5, "row %zu: the column of the opening quote", i);
		script_free(c);
	}
}

/* Syntax errors and their columns (1-based, in the untrimmed text). */
Test(script, errors)
{
	static const struct {
		const char *text;
		int col;
		const char *msg;
	} rows[] = {
		{ "", 1, "empty script" },
		{ "  \n ", 1, "empty script" },
		{ "MigXmlHelper.F(\"abc", 16, "unterminated string: missing the closing \"" },
		{ "MigXmlHelper.F('abc)", 16, "unterminated string: missing the closing '" },
		{ "MigXmlHelper.F('a', \"b)", 21, "unterminated string" },
		{ "MigXmlHelper.F(\"a\"", 19, "missing ')' to close the '(' at column 15" },
		{ "MigXmlHelper.F(", 16, "missing ')' to close the '(' at column 15" },
		{ "  MigXmlHelper.F(  'a' ,  ", 25, "missing ')' to close the '(' at column 17" },
		{ "MigXmlHelper.F", 15, "missing '(' after the function name" },
		{ "MigXmlHelper.F 'a')", 16, "missing '(' after the function name" },
		{ "MigXmlHelper.F() x", 18, "unexpected text after ')'" },
		{ "MigXmlHelper.F();", 17, "unexpected character ';'" },
		{ "MigXmlHelper.F())", 17, "unexpected text after ')'" },
		{ "MigXmlHelper.F()()", 17, "unexpected text after ')'" },
		{ "MigXmlHelper.(\"a\")", 14, "missing function name after '.'" },
		{ "MigXmlHelper.", 14, "missing function name after '.'" },
		{ "MigXmlHelper..F()", 14, "missing function name after '.'" },
		{ "(\"a\")", 1, "missing function name" },
		{ ".F()", 1, "missing function name" },
		{ "'a'", 1, "missing function name" },
		{ "MigXmlHelper F()", 14, "expected '.' or '(' after the name" },
		{ "A.B.C()", 4, "missing '(' after the function name" },
		{ "MigXmlHelper.F(\"a\" \"b\")", 20, "missing ',' between arguments" },
		{ "MigXmlHelper.F('a' NULL)", 20, "missing ',' between arguments" },
		{ "MigXmlHelper.F('it''s')", 20,
		  "missing ',' between arguments (a quote cannot be doubled" },
		{ "MigXmlHelper.F(\"a\",)", 20, "missing argument after ','" },
		{ "MigXmlHelper.F(,\"a\")", 16, "missing argument before ','" },
		{ "MigXmlHelper.F('a',,'b')", 20, "missing argument before ','" },
		{ "MigXmlHelper.F(Fixed)", 16,
		  "unquoted argument 'Fixed': arguments are strings in quotes, or NULL" },
		{ "MigXmlHelper.F('a', 5)", 21, "unquoted argument '5'" },
		{ "MigXmlHelper.F(NULLX)", 16, "unquoted argument 'NULLX'" },
		{ "MigXmlHelper.F('a' + 'b')", 20, "unexpected character '+'" },
		{ "MigXml-Helper.F()", 7, "unexpected character '-'" },
		{ "MigXmlHelper.F(\x01)", 16, "unexpected byte 0x01" },
		{ "MigXmlHelper.F\xc3\xa9()", 15, "unexpected byte 0xC3" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct script_error e;
		memset(&e, 0x55, sizeof(e));
		struct script_call *c = parse(rows[i].text, &e);
		cr_expect_null(c, "row %zu \"%s\" should not parse", i, rows[i].text);
		script_free(c);
		cr_expect_eq(e.col, rows[i].col, "row %zu \"%s\": col %d, want %d (%s)", i,
			     rows[i].text, e.col, rows[i].col, e.message);
		cr_expect(strncmp(e.message, rows[i].msg, strlen(rows[i].msg)) == 0,
			  "row %zu \"%s\": message \"%s\", want \"%s\"", i, rows[i].text, e.message,
			  rows[i].msg);
	}

	struct script_error e;
	static const char nul[] = "M.F('a\0b')";
	cr_expect_null(script_parse(nul, sizeof(nul) - 1, &e));
	cr_expect_eq(e.col, 7);
	cr_expect_str_eq(e.message, "NUL byte in script");
	cr_expect_null(script_parse(NULL, 0, &e));
	cr_expect_null(script_parse("(", 1, NULL));

	/* length limit */
	size_t n = 70000;
	char *big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, 'x', n);
	memcpy(big, "M.F('", 5);
	memcpy(big + n - 2, "')", 2);
	big[n] = '\0';
	cr_expect_null(script_parse(big, n, &e));
	cr_expect_eq(e.col, 0);
	cr_expect_str_eq(e.message, "script is longer than 65536 bytes");
	struct script_call *c = script_parse(big + n - 60000, 60000, &e);
	cr_expect_null(c, "no name: the text starts inside the string");
	memcpy(big + n - 60000, "M.F('", 5);
	c = script_parse(big + n - 60000, 60000, &e);
	cr_expect_not_null(c, "%s", e.message);
	if (c)
		cr_expect_eq(strlen(c->args[0].str), 60000 - 7);
	script_free(c);
	free(big);

	/* many arguments: the list grows */
	char many[4096] = "MigXmlHelper.KeepExisting(";
	for (int i = 0; i < 300; i++)
		strcat(many, i ? ",'Security'" : "'Security'");
	strcat(many, ")");
	c = parse(many, &e);
	cr_assert_not_null(c, "%s", e.message);
	cr_expect_eq(c->nargs, 300);
	cr_expect_eq(script_check(c, HP_CONTENTMODIFY, &e), 0);
	script_free(c);
}

/* Unknown helpers, with a suggestion when the name is a likely typo. */
Test(script, did_you_mean)
{
	static const struct {
		const char *name;
		const char *msg;
	} rows[] = {
		{ "GenerateDrivePattern",
		  "unknown helper function 'GenerateDrivePattern'; did you mean "
		  "'GenerateDrivePatterns'?" },
		{ "generatedrivepatern",
		  "unknown helper function 'generatedrivepatern'; did you mean "
		  "'GenerateDrivePatterns'?" },
		{ "FileProperty",
		  "unknown helper function 'FileProperty'; did you mean 'FileProperties'?" },
		{ "NeverRestor", "unknown helper function 'NeverRestor'; did you mean 'NeverRestore'?" },
		{ "IsSystemContex",
		  "unknown helper function 'IsSystemContex'; did you mean 'IsSystemContext'?" },
		{ "DoesObjectExists",
		  "unknown helper function 'DoesObjectExists'; did you mean 'DoesObjectExist'?" },
		{ "RelativMove", "unknown helper function 'RelativMove'; did you mean 'RelativeMove'?" },
		{ "Mvoe", "unknown helper function 'Mvoe'; did you mean 'Move'?" },
		{ "Foo", "unknown helper function 'Foo'" },
		{ "CompletelyDifferentName", "unknown helper function 'CompletelyDifferentName'" },
		{ "X", "unknown helper function 'X'" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "  MigXmlHelper.%s('a')", rows[i].name);
		struct script_error e;
		const struct helper_info *h;
		cr_expect_eq(parse_check(text, HP_FILTER, &e, &h), -1);
		cr_expect_str_eq(e.message, rows[i].msg, "row %zu", i);
		cr_expect_eq(e.col, 16, "row %zu: the column of the name", i);
		cr_expect_null(h);
	}
}
