/* test_xml_load.c - the XML front end (compiler/xml_*.c): the model built from each
 * element kind, contexts, named references, Config.xml switches and policies,
 * positions, hostile inputs, and every file of the shared corpus.
 *
 * Fixtures are in tests/data/xml/; inputs that must not live in the tree (BOM + CRLF,
 * huge, deep, broken encodings) are written to a temporary directory per test.
 * Diagnostics are checked through their printed text, "file:line:col: level: msg".
 * "Quickly" is measured with the clock rather than with Criterion's .timeout: under
 * --jobs 2 the runner leaks its timeout bookkeeping, which fails the ASan build. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "sha256.h"
#include "xml_load.h"
#include "helpers_diag.h"

#define FIX "tests/data/xml/"
#define CORPUS "../shared/corpus/"

static struct arena *A;
static struct diag_set *D;
static char tmpdir[64];

static void setup(void)
{
	A = arena_new();
	D = diag_new();
	tmpdir[0] = '\0';
}

static void teardown(void)
{
	diag_free(D);
	arena_free(A);
	if (tmpdir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		cr_assert_eq(system(cmd), 0);
	}
}

TestSuite(xml_load, .init = setup, .fini = teardown);

/* Everything collected so far, printed as text (malloc'd). */
static char *diags(void)
{
	return hd_render(D, DIAG_TEXT, false);
}

static void expect_diag(const char *needle)
{
	hd_expect(D, needle);
}

static void expect_no_diag(const char *needle)
{
	char *text = diags();
	cr_expect_null(strstr(text, needle), "did not expect \"%s\" in:\n%s", needle, text);
	free(text);
}

static void expect_clean(void)
{
	char *text = diags();
	cr_expect_eq(diag_errors(D) + diag_warnings(D), 0, "unexpected diagnostics:\n%s", text);
	free(text);
}

/* A file NAME with LEN bytes of DATA in this test's temporary directory. */
static const char *tmpfile_with(const char *name, const void *data, size_t len)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/migc-xml-XXXXXX");
		cr_assert_not_null(mkdtemp(tmpdir));
	}
	char *path = arena_alloc(A, strlen(tmpdir) + strlen(name) + 2);
	sprintf(path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static const char *tmpfile_str(const char *name, const char *s)
{
	return tmpfile_with(name, s, strlen(s));
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------
 * Element kinds
 * ------------------------------------------------------------------------- */

Test(xml_load, every_element_kind)
{
	struct m_file *f = xml_load_rules(A, D, FIX "elements.xml");
	cr_assert_not_null(f);
	expect_clean();
	cr_expect_str_eq(f->urlid, "http://example.org/migstate/tests/elements");
	cr_assert_eq(f->ncomponents, 2);

	struct m_component *c = f->components[0];
	cr_expect_str_eq(c->display_name, "Test Documents");
	cr_expect_str_eq(c->path, "Test Documents");
	cr_expect_str_eq(c->type, "Documents");
	cr_expect_str_eq(c->role, "Data");
	cr_expect_eq(c->context, CTX_USER);
	cr_expect(!c->default_supported);
	cr_expect(c->enabled);
	cr_expect_str_eq(c->extensions_csv, "doc,xls");
	cr_expect_eq(c->extensions_loc.line, 13);

	/* <environment> with OR conditions and the three kinds of variable */
	cr_assert_eq(c->nenvs, 1);
	struct m_environment *e = c->envs[0];
	cr_expect_eq(e->context, CTX_USER);
	cr_assert_not_null(e->conds);
	cr_expect(e->conds->op_or && e->conds->op_explicit);
	cr_assert_eq(e->conds->nitems, 2);
	cr_expect(!e->conds->items[0]->negate);
	cr_expect(e->conds->items[1]->negate);
	cr_assert_not_null(e->conds->items[1]->call);
	cr_expect_str_eq(e->conds->items[1]->call->name, "IsSystemContext");
	cr_assert_eq(e->nvars, 3);
	cr_expect_str_eq(e->vars[0]->name, "TextVar");
	cr_expect(e->vars[0]->remap);
	cr_expect_str_eq(e->vars[0]->text, "%CSIDL_PERSONAL%\\Work");
	cr_expect_not_null(e->vars[1]->script);
	cr_expect(!e->vars[1]->remap);
	cr_assert_not_null(e->vars[2]->set);
	cr_expect_eq(e->vars[2]->set->nobjs, 1);

	/* <detection> under the role */
	cr_expect_eq(c->detection.nalts, 1);
	cr_expect_eq(c->detection.loc.line, 27);

	cr_assert_eq(c->nrules, 2);
	struct m_rules *rs = c->rules[0];
	cr_expect_eq(rs->context, CTX_USER);
	cr_expect(!rs->is_reference);
	cr_assert_not_null(rs->conds);
	cr_expect_eq(rs->conds->nitems, 1);
	static const enum m_rule_kind kinds[] = {
	    MR_INCLUDE,	     MR_EXCLUDE,	 MR_UNCOND_EXCLUDE,
	    MR_MERGE,	     MR_LOCATION_MODIFY, MR_CONTENT_MODIFY,
	    MR_DEST_CLEANUP, MR_INCLUDE_ATTRS,	 MR_EXCLUDE_ATTRS,
	};
	cr_assert_eq(rs->nrules, sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < rs->nrules; i++)
		cr_expect_eq(rs->rules[i]->kind, kinds[i], "rule %zu", i);

	struct m_rule *inc = rs->rules[0];
	cr_assert_not_null(inc->script);
	cr_expect_str_eq(inc->script->name, "IgnoreIrrelevantLinks");
	cr_expect_str_eq(inc->script_text, "MigXmlHelper.IgnoreIrrelevantLinks()");
	cr_assert_eq(inc->nsets, 2);
	struct m_objectset *set = inc->sets[0];
	cr_assert_eq(set->nobjs, 4);
	cr_expect(!set->objs[0]->is_script);
	cr_expect_eq(set->objs[0]->type, PAT_FILE);
	cr_expect_str_eq(set->objs[0]->text, "%CSIDL_PERSONAL%\\* [*]");
	cr_expect_not_null(set->objs[0]->pattern);
	cr_expect_eq(set->objs[1]->type, PAT_REGISTRY);
	cr_expect_not_null(set->objs[1]->pattern);
	cr_expect_eq(set->objs[2]->type, PAT_INI);
	cr_expect(set->objs[3]->is_script);
	cr_assert_not_null(set->objs[3]->script);
	cr_expect_str_eq(set->objs[3]->script->name, "GenerateDrivePatterns");
	cr_expect_eq(set->objs[3]->script->nargs, 2);

	cr_expect_not_null(rs->rules[1]->sets[0]->conds); /* objectSet conditions */
	cr_expect_null(rs->rules[2]->script);		  /* unconditionalExclude */
	cr_expect_str_eq(rs->rules[3]->script->name, "SourcePriority");
	cr_expect_str_eq(rs->rules[4]->script->name, "RelativeMove");
	cr_expect_str_eq(rs->rules[5]->script->name, "KeepExisting");
	cr_expect_str_eq(rs->rules[6]->script->name, "AnswerNo");
	cr_expect_eq(rs->rules[7]->attributes, M_ATTR_SECURITY | M_ATTR_TIMEFIELDS);
	cr_expect_eq(rs->rules[8]->attributes, M_ATTR_TIMEFIELDS);

	/* nested <rules> with a <content> set */
	cr_assert_eq(rs->nchildren, 1);
	cr_expect_eq(rs->children[0]->context, CTX_USER_AND_SYSTEM);
	cr_assert_eq(rs->children[0]->nrules, 1);
	cr_expect(rs->children[0]->rules[0]->sets[0]->has_content);
	cr_expect(!rs->has_registry_only);
	cr_expect(c->rules[1]->has_registry_only);
	cr_expect_eq(c->rules[1]->context, 0); /* not written */

	/* registry + ini patterns of the rules (the one inside <content> is not kept) */
	cr_expect_eq(f->dropped_registry, 3);

	/* old-style detection and nested components */
	struct m_component *suite = f->components[1];
	cr_expect_eq(suite->context, CTX_USER_AND_SYSTEM);
	cr_expect_str_eq(suite->role, "Container");
	cr_assert_eq(suite->detection.nalts, 2); /* two <detects>: OR */
	struct m_conditions *alt = suite->detection.alts[0];
	cr_expect(!alt->op_or); /* <detects>: AND of its <detect> */
	cr_assert_eq(alt->nitems, 2);
	cr_assert_not_null(alt->items[0]->nested);
	cr_expect(alt->items[0]->nested->op_or); /* <detect>: OR of its conditions */
	cr_expect_eq(alt->items[0]->nested->nitems, 2);
	cr_assert_eq(suite->nchildren, 2);
	cr_expect_eq(suite->children[0]->parent, suite);
	cr_expect_str_eq(suite->children[0]->path, "Suite\\Suite Writer");
	cr_expect_eq(suite->children[0]->context, CTX_SYSTEM);
	cr_expect_str_eq(suite->children[1]->path, "Suite\\Suite Calc");
	cr_expect_eq(suite->children[1]->context, CTX_USER_AND_SYSTEM);
}

Test(xml_load, sha256_of_the_file_bytes)
{
	struct m_file *f = xml_load_rules(A, D, FIX "elements.xml");
	struct m_config *c = xml_load_config(A, D, FIX "policies_config.xml");
	cr_assert(f && c);
	const char *paths[] = {FIX "elements.xml", FIX "policies_config.xml"};
	const unsigned char *got[] = {f->sha256, c->sha256};
	for (int i = 0; i < 2; i++) {
		FILE *fp = fopen(paths[i], "rb");
		cr_assert_not_null(fp);
		static char buf[1 << 16];
		size_t n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		unsigned char want[32];
		sha256(buf, n, want);
		cr_expect_arr_eq(got[i], want, 32, "%s", paths[i]);
	}
}

Test(xml_load, positions_of_nodes_and_text)
{
	struct m_file *f = xml_load_rules(A, D, FIX "elements.xml");
	cr_assert_not_null(f);
	struct m_component *c = f->components[0];
	cr_expect_str_eq(c->loc.file, FIX "elements.xml");
	cr_expect_eq(c->loc.line, 6);
	cr_expect_eq(c->loc.col, 3);
	struct m_rules *rs = c->rules[0];
	cr_expect_eq(rs->loc.line, 32);
	cr_expect_eq(rs->loc.col, 7);
	/* an m_object points at the first character of its text */
	struct m_object *o = rs->rules[0]->sets[0]->objs[0];
	cr_expect_eq(o->loc.line, 38);
	cr_expect_eq(o->loc.col, 34);
	struct m_object *s = rs->rules[0]->sets[0]->objs[3];
	cr_expect_eq(s->loc.line, 41);
	cr_expect_eq(s->loc.col, 21);
}

Test(xml_load, contexts_as_written)
{
	struct m_file *f = xml_load_rules(A, D, FIX "contexts.xml");
	cr_assert_not_null(f);
	cr_assert_eq(f->ncomponents, 4);
	cr_expect_eq(f->components[0]->context, CTX_USER_AND_SYSTEM); /* default */
	cr_expect_eq(f->components[0]->rules[0]->context, 0);
	cr_expect_eq(f->components[0]->rules[1]->context, CTX_SYSTEM);
	cr_expect_eq(f->components[1]->context, CTX_USER);
	cr_expect_eq(f->components[1]->rules[0]->context, CTX_USER); /* "user" */
	cr_expect_eq(f->components[1]->rules[1]->context, CTX_USER_AND_SYSTEM);
	cr_expect_eq(f->components[2]->context, CTX_USER_AND_SYSTEM); /* invalid: default */
	cr_expect_eq(f->components[3]->context, CTX_SYSTEM);
	expect_diag(FIX "contexts.xml:14:23: warning: context=\"user\" is accepted as \"User\"; "
			"write it \"User\" [-Wcontext-case]");
	expect_diag(FIX "contexts.xml:18:40: warning: context=\"Sometimes\" is not System, User "
			"or UserAndSystem; it is ignored [-Winvalid-attribute]");
	cr_expect_eq(diag_errors(D), 0);
}

Test(xml_load, named_elements_and_references)
{
	struct m_file *f = xml_load_rules(A, D, FIX "named.xml");
	cr_assert_not_null(f);
	/* definitions: the duplicate and the nameless <rules> are dropped */
	cr_assert_eq(f->nnamed_rules, 1);
	cr_expect_str_eq(f->named_rules[0]->name, "SharedRules");
	cr_expect(!f->named_rules[0]->is_reference);
	cr_expect_eq(f->named_rules[0]->nrules, 1);
	cr_assert_eq(f->nnamed_envs, 1);
	cr_expect_str_eq(f->named_envs[0]->name, "SharedEnv");
	cr_expect_eq(f->named_envs[0]->nvars, 1);
	cr_assert_eq(f->nnamed_detections, 2);
	cr_expect_str_eq(f->named_detection_names[0], "HasApp");
	cr_expect_str_eq(f->named_detection_names[1], "OldStyle");

	/* references: rules and environments stay references, detections are resolved
	 * (namedElements comes after the component in this file) */
	struct m_component *c = f->components[0];
	cr_assert_eq(c->nenvs, 1);
	cr_expect(c->envs[0]->is_reference);
	cr_expect_str_eq(c->envs[0]->name, "SharedEnv");
	cr_assert_eq(c->nrules, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_expect(c->rules[i]->is_reference);
		cr_expect_str_eq(c->rules[i]->name, "SharedRules");
		cr_expect_eq(c->rules[i]->nrules, 0, "a reference keeps none of its children");
	}
	cr_expect_eq(c->rules[0]->context, CTX_USER);
	cr_assert_eq(c->detection.nalts, 2);
	cr_expect_eq(c->detection.alts[0], f->named_detections[0]->alts[0]);
	cr_expect_eq(c->detection.alts[1], f->named_detections[1]->alts[0]);

	expect_diag(FIX "named.xml:11:7: warning: <rules name=\"SharedRules\"> refers to a named "
			"element; its own children are ignored [-Wignored-children]");
	expect_diag(FIX "named.xml:14:24: error: <detection name=\"NoSuchDetection\">: no such "
			"named element in <namedElements>");
	expect_diag(FIX "named.xml:34:18: warning: <rules name=\"SharedRules\"> is defined twice "
			"in <namedElements>; the first definition is used [-Wduplicate-name]");
	expect_diag(FIX "named.xml:37:5: warning: <rules> in <namedElements> has no name=; it is "
			"ignored [-Wmissing-required]");
	cr_expect_eq(diag_errors(D), 1);
}

Test(xml_load, near_misses_are_warned_and_ignored)
{
	struct m_file *f = xml_load_rules(A, D, FIX "nearmiss.xml");
	cr_assert_not_null(f);
	struct m_component *c = f->components[0];
	cr_assert_eq(c->nrules, 2);
	/* <destinationCleanup> directly in <role> (stock MigApp.xml does it): its own rules */
	cr_expect_eq(c->rules[0]->context, 0);
	cr_assert_eq(c->rules[0]->nrules, 1);
	cr_expect_eq(c->rules[0]->rules[0]->kind, MR_DEST_CLEANUP);
	cr_expect_eq(c->rules[0]->loc.line, 7);
	struct m_rules *rs = c->rules[1];
	cr_expect_eq(rs->context, 0, "Context= is not context=");
	cr_assert_eq(rs->nrules, 1, "only <include> is kept");
	cr_expect_eq(rs->rules[0]->kind, MR_INCLUDE);
	cr_expect_eq(rs->rules[0]->nsets, 1);
	expect_diag(FIX "nearmiss.xml:10:23: warning: unknown attribute Context= in <rules>; did "
			"you mean context=? it is ignored [-Wunknown-attribute]");
	expect_diag(FIX "nearmiss.xml:13:11: warning: <merge> is not allowed inside <include>; it "
			"is ignored [-Wunknown-element]");
	expect_diag(FIX "nearmiss.xml:15:9: warning: unknown element <Exclude>; did you mean "
			"<exclude>? it is ignored [-Wunknown-element]");
	expect_diag(FIX "nearmiss.xml:18:9: warning: unknown element <Include>; did you mean "
			"<include>? it is ignored [-Wunknown-element]");
	expect_diag(FIX "nearmiss.xml:21:9: warning: unknown element <frobnicate>; it is ignored "
			"[-Wunknown-element]");
	/* nothing inside an ignored element is judged */
	expect_no_diag("<Pattern>");
	expect_no_diag("destinationCleanup");
	cr_expect_eq(diag_errors(D), 0);
	cr_expect_eq(diag_warnings(D), 5);
}

Test(xml_load, pattern_and_script_errors_are_located)
{
	struct m_file *f = xml_load_rules(A, D, FIX "bad_scripts.xml");
	cr_assert_not_null(f, "the file is usable; the bad pieces are dropped");
	struct m_rules *rs = f->components[0]->rules[0];
	cr_assert_eq(rs->nrules, 3);
	struct m_rule *inc = rs->rules[0];
	cr_expect_null(inc->script);
	cr_expect_str_eq(inc->script_text, "MigXmlHelper.NoSuchHelper()");
	cr_expect_null(inc->sets[0]->objs[0]->pattern);
	cr_expect_not_null(inc->sets[0]->objs[1]->script);
	cr_expect_eq(rs->rules[2]->sets[0]->nobjs, 0, "type=\"Floppy\" is dropped");
	/* filter= attribute: column of the helper name inside the value */
	expect_diag(FIX "bad_scripts.xml:8:39: error: unknown helper function 'NoSuchHelper'");
	/* pattern text: column of the unclosed '[' */
	expect_diag(FIX "bad_scripts.xml:10:44: error:");
	/* a helper used where it is not allowed */
	expect_diag(FIX "bad_scripts.xml:14:37: error: 'IsNative64Bit' cannot be used in a merge");
	expect_diag(FIX "bad_scripts.xml:18:37: warning: <pattern type=\"Floppy\">");
	cr_expect_eq(diag_errors(D), 3);
}

/* ---------------------------------------------------------------------------
 * Config.xml
 * ------------------------------------------------------------------------- */

static struct m_component *find_comp(struct m_policy *p, const char *path)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		struct m_component **stack[64];
		size_t nstack[64], top = 0;
		stack[0] = p->files[i]->components;
		nstack[0] = p->files[i]->ncomponents;
		/* depth-first over the (shallow) fixture trees */
		for (size_t j = 0; j < nstack[0]; j++) {
			struct m_component *c = stack[0][j];
			if (!strcmp(c->path, path))
				return c;
			for (size_t k = 0; k < c->nchildren; k++)
				if (!strcmp(c->children[k]->path, path))
					return c->children[k];
		}
		(void)top;
		(void)stack;
	}
	return NULL;
}

Test(xml_load, config_switches)
{
	struct m_policy p;
	const char *files[] = {FIX "switches.xml"};
	cr_assert_eq(policy_load(A, D, &p, files, 1, FIX "switches_config.xml"), 0);
	cr_assert_not_null(p.config);
	cr_expect_eq(p.ncomponents, 8);

	static const struct {
		const char *path;
		unsigned id;
		bool enabled;
	} want[] = {
	    {"Office", 0, false},	 /* migrate="no" */
	    {"Office\\Word", 1, false},	 /* "yes", but the parent says no */
	    {"Office\\Excel", 2, false}, /* not listed, parent says no */
	    {"Browser", 3, true},	 {"Browser\\Bookmarks", 4, false},
	    {"My Documents", 5, true},	/* "no" and "yes" entries: yes wins */
	    {"Shared Video", 6, false}, /* two "no" entries */
	    {"Not Listed", 7, true},	/* missing = migrate */
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct m_component *c = find_comp(&p, want[i].path);
		cr_assert_not_null(c, "%s", want[i].path);
		cr_expect_eq(c->id, want[i].id, "%s", want[i].path);
		cr_expect_eq(c->enabled, want[i].enabled, "%s", want[i].path);
	}

	struct m_config *cfg = p.config;
	cr_assert_eq(cfg->nswitches, 13);
	cr_expect_str_eq(cfg->switches[0]->path, "Office");
	cr_expect_str_eq(cfg->switches[0]->id, "office");
	cr_expect(!cfg->switches[0]->migrate);
	cr_expect_str_eq(cfg->switches[1]->path, "Office\\Word");
	cr_expect(cfg->switches[1]->migrate);
	cr_expect_str_eq(cfg->switches[5]->path, "my documents");
	cr_expect_eq(cfg->switches[5]->loc.line, 14);
	/* /genconfig writes nested Windows components with the parent's path included */
	cr_expect_str_eq(cfg->switches[10]->path, "Ghost Suite\\Ghost Part");
	cr_expect_str_eq(cfg->switches[12]->path, "gadgets\\sticky notes");

	expect_diag(FIX "switches_config.xml:17:5: warning: Config.xml entry \"Ghost\" names no "
			"component of the rule files [-Wunknown-component]");
	/* one warning for a missing subtree, none for Windows components */
	expect_diag(FIX "switches_config.xml:18:5: warning: Config.xml entry \"Ghost Suite\" names "
			"no component of the rule files [-Wunknown-component]");
	expect_no_diag("Ghost Part");
	expect_no_diag("\"gadgets");
	cr_expect_eq(diag_errors(D), 0);
	cr_expect_eq(diag_warnings(D), 2);
}

Test(xml_load, config_error_and_hardlink_policies)
{
	struct m_config *c = xml_load_config(A, D, FIX "policies_config.xml");
	cr_assert_not_null(c);
	cr_expect(c->has_profile_control);
	cr_assert_eq(c->ngroup_maps, 1);
	cr_expect_str_eq(c->group_maps[0]->from, "Administrators");
	cr_expect_str_eq(c->group_maps[0]->to, "Users");
	cr_expect_eq(c->group_maps[0]->applies, MAP_MIGRATED);

	static const struct {
		bool fatal, registry;
		long code;
		const char *text;
	} errs[] = {
	    {false, false, 33, "* [*]"},	   {false, true, 5, "HKCU\\Software\\* [*]"},
	    {true, false, -1, "C:\\Users\\* [*]"}, {false, false, -1, "C:\\Temp\\* [*]"},
	    {true, false, 32, "C:\\Data\\* [*]"},
	};
	cr_assert_eq(c->nerrors, sizeof(errs) / sizeof(errs[0]), "errorCode=\"lots\" is dropped");
	for (size_t i = 0; i < c->nerrors; i++) {
		cr_expect_eq(c->errors[i]->fatal, errs[i].fatal, "rule %zu", i);
		cr_expect_eq(c->errors[i]->registry, errs[i].registry, "rule %zu", i);
		cr_expect_eq(c->errors[i]->error_code, errs[i].code, "rule %zu", i);
		cr_expect_str_eq(c->errors[i]->text, errs[i].text);
		cr_expect_not_null(c->errors[i]->pattern, "rule %zu", i);
	}
	/* a rule's loc is where its pattern text starts */
	cr_expect_eq(c->errors[0]->loc.line, 7);
	cr_expect_eq(c->errors[0]->loc.col, 34);

	static const struct {
		bool create;
		const char *text;
		bool leaf;
	} hl[] = {
	    {true, "C:\\Users\\* [*]", true},
	    {false, "C:\\* [*]", true},
	    {true, "D:\\Shared\\*", false},
	    {false, "E:\\* [*]", true}, /* from <Policy> */
	};
	cr_assert_eq(c->nhardlinks, sizeof(hl) / sizeof(hl[0]));
	for (size_t i = 0; i < c->nhardlinks; i++) {
		cr_expect_eq(c->hardlinks[i]->create, hl[i].create, "rule %zu", i);
		cr_expect_str_eq(c->hardlinks[i]->text, hl[i].text);
		cr_assert_not_null(c->hardlinks[i]->pattern);
		cr_expect_eq(c->hardlinks[i]->pattern->has_leaf, hl[i].leaf, "rule %zu", i);
	}
	expect_diag(FIX "policies_config.xml:16:27: error: errorCode=\"lots\" is not \"any\" or an "
			"error number; the rule is ignored");
	expect_diag(FIX "policies_config.xml:27:3: warning: unknown element <Policy>; read as "
			"<Policies>");
	cr_expect_eq(diag_errors(D), 1);
}

Test(xml_load, config_and_rules_swapped)
{
	cr_expect_null(xml_load_rules(A, D, FIX "switches_config.xml"));
	expect_diag(FIX "switches_config.xml:3:1: error: this is a Config.xml (<Configuration>), "
			"not a MigXML rule file; pass it with --config");
	cr_expect_null(xml_load_config(A, D, FIX "switches.xml"));
	expect_diag(FIX "switches.xml:3:1: error: this is a MigXML rule file (<migration>), not a "
			"Config.xml");
}

/* ---------------------------------------------------------------------------
 * policy_load
 * ------------------------------------------------------------------------- */

Test(xml_load, duplicate_urlid_ignores_the_later_file)
{
	struct m_policy p;
	const char *files[] = {FIX "dup_a.xml", FIX "dup_b.xml"};
	cr_assert_eq(policy_load(A, D, &p, files, 2, NULL), 0);
	cr_assert_eq(p.nfiles, 2);
	cr_expect(!p.files[0]->ignored);
	cr_expect(p.files[1]->ignored);
	cr_expect_eq(p.ncomponents, 1, "the ignored file's components are not numbered");
	cr_expect_null(p.config);
	expect_diag(FIX "dup_b.xml:2:1: warning: urlid \"HTTP://example.org/migstate/tests/dup\" "
			"is already used by " FIX
			"dup_a.xml; this file is ignored [-Wduplicate-urlid]");
}

Test(xml_load, policy_load_counts_failures)
{
	struct m_policy p;
	const char *files[] = {FIX "dup_a.xml", FIX "no-such-file.xml", FIX "xxe.xml"};
	cr_expect_eq(policy_load(A, D, &p, files, 3, FIX "no-such-config.xml"), 3);
	cr_expect_eq(p.nfiles, 1);
	cr_expect_null(p.config);
	expect_diag(FIX "no-such-file.xml: error: cannot open: No such file or directory");
}

Test(xml_load, components_numbered_across_files)
{
	struct m_policy p;
	const char *files[] = {FIX "switches.xml", FIX "elements.xml"};
	cr_assert_eq(policy_load(A, D, &p, files, 2, NULL), 0);
	cr_expect_eq(p.ncomponents, 8 + 4);
	cr_expect_eq(p.files[1]->components[0]->id, 8);
	cr_expect_eq(p.files[1]->components[1]->id, 9);
	cr_expect_eq(p.files[1]->components[1]->children[0]->id, 10);
	cr_expect_eq(p.files[1]->components[1]->children[1]->id, 11);
}

/* ---------------------------------------------------------------------------
 * Encodings and line ends
 * ------------------------------------------------------------------------- */

Test(xml_load, bom_crlf_and_no_declaration)
{
	const char *path = tmpfile_str(
	    "bom.xml", "\xEF\xBB\xBF<migration urlid=\"u\">\r\n"
		       "<component type=\"Documents\"><displayName>X</displayName>\r\n"
		       "<role role=\"Data\"><rules><include><objectSet>\r\n"
		       "<pattern type=\"File\">C:\\Ok\\* [*]</pattern>\r\n"
		       "<pattern type=\"File\">\r\n"
		       "   C:\\Data\\* [*.doc</pattern>\r\n"
		       "<pattern type=\"File\">C:\\A&amp;B\\* [x</pattern>\r\n"
		       "</objectSet></include></rules></role></component></migration>\r\n");
	struct m_file *f = xml_load_rules(A, D, path);
	cr_assert_not_null(f);
	cr_expect_str_eq(f->urlid, "u");
	struct m_objectset *set = f->components[0]->rules[0]->rules[0]->sets[0];
	cr_assert_eq(set->nobjs, 3);
	cr_expect_str_eq(set->objs[0]->text, "C:\\Ok\\* [*]"); /* no CR in the text */
	cr_expect_not_null(set->objs[0]->pattern);
	cr_expect_eq(set->objs[0]->loc.line, 4);
	cr_expect_eq(set->objs[0]->loc.col, 22);
	cr_expect_eq(f->components[0]->loc.line, 2); /* line 1 is after the BOM */
	cr_expect_eq(f->components[0]->loc.col, 1);
	char want[512];
	/* the error of a text that starts on the line of its tag, across a CRLF */
	snprintf(want, sizeof(want), "%s:6:14: error:", path);
	expect_diag(want);
	/* columns count the raw bytes of "&amp;" */
	snprintf(want, sizeof(want), "%s:7:35: error:", path);
	expect_diag(want);
	cr_expect_eq(diag_errors(D), 2);
}

Test(xml_load, declared_encoding_is_ignored_with_a_warning)
{
	const char *path =
	    tmpfile_str("latin.xml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
				     "<migration urlid=\"u\"/>\n");
	cr_expect_not_null(xml_load_rules(A, D, path));
	char want[512];
	snprintf(want, sizeof(want),
		 "%s:1:31: warning: declared encoding \"ISO-8859-1\" is ignored: the file is read "
		 "as UTF-8 [-Wencoding]",
		 path);
	expect_diag(want);
}

Test(xml_load, a_doctype_without_entities_is_fine)
{
	const char *path = tmpfile_str(
	    "doctype.xml", "<?xml version=\"1.0\"?>\n"
			   "<!DOCTYPE migration [ <!ELEMENT migration ANY> <!-- > --> ]>\n"
			   "<migration urlid=\"u\">\n"
			   "  <component type=\"Documents\"><displayName>&lt;A&gt;</displayName>"
			   "</component>\n"
			   "</migration>\n");
	struct m_file *f = xml_load_rules(A, D, path);
	cr_assert_not_null(f);
	cr_expect_str_eq(f->components[0]->display_name, "<A>");
	cr_expect_eq(f->components[0]->loc.line, 4);
	cr_expect_eq(f->components[0]->loc.col, 3);
	expect_clean();
}

/* An element's column is found from where libxml2 stands when it makes the element:
 * tag-like text in comments, PIs, CDATA and attribute values must not move it, nor
 * the reading of a large file a block at a time. */
Test(xml_load, element_positions_survive_markup_and_buffer_refills)
{
	size_t n = 3000, cap = n * 160 + 1024, len = 0;
	char *xml = malloc(cap);
	cr_assert_not_null(xml);
	len += (size_t)snprintf(xml + len, cap - len,
				"<?xml version=\"1.0\"?>\n<!-- <component> -->\n<?pi <component> ?>\n"
				"<migration urlid=\"u\" xmlns:q=\"urn:q\">\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(xml + len, cap - len,
					"<![CDATA[<component>]]> <!-- > --> <q:x a=\"&lt;>\"/>"
					"<component a=\">\" type=\"Documents\"><displayName>C%zu"
					"</displayName></component>\n",
					i);
	snprintf(xml + len, cap - len, "</migration>\n");
	const char *path = tmpfile_str("positions.xml", xml);
	free(xml);
	struct m_file *f = xml_load_rules(A, D, path);
	cr_assert_not_null(f, "%s", diags());
	cr_assert_eq(f->ncomponents, n);
	for (size_t i = 0; i < n; i += n - 1) {
		cr_expect_eq(f->components[i]->loc.line, (int)(5 + i));
		cr_expect_eq(f->components[i]->loc.col, 52);
	}
}

/* ---------------------------------------------------------------------------
 * Hostile inputs: each is refused quickly with a located error
 * ------------------------------------------------------------------------- */

Test(xml_load, external_entity_is_refused)
{
	cr_expect_null(xml_load_rules(A, D, FIX "xxe.xml"));
	expect_diag(FIX "xxe.xml:3:3: error: entity declarations are not allowed (secret)");
	expect_no_diag("root:");
	cr_expect_eq(diag_errors(D), 1);
}

Test(xml_load, billion_laughs_is_refused)
{
	double t0 = now();
	cr_expect_null(xml_load_rules(A, D, FIX "lol.xml"));
	cr_expect_lt(now() - t0, 1.0);
	expect_diag(FIX "lol.xml:3:2: error: entity declarations are not allowed (lol)");
	cr_expect_eq(diag_errors(D), 1);
}

Test(xml_load, entity_reference_is_refused)
{
	cr_expect_null(xml_load_rules(A, D, FIX "undeclared_entity.xml"));
	expect_diag(FIX "undeclared_entity.xml:4:46: error: entity references are not allowed "
			"(nbsp)");
}

Test(xml_load, deep_nesting_is_refused)
{
	size_t depth = 10000, len = 0;
	char *buf = malloc(depth * 24 + 64);
	cr_assert_not_null(buf);
	len += (size_t)sprintf(buf, "<migration urlid=\"u\">\n");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(buf + len, "<component>");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(buf + len, "</component>");
	len += (size_t)sprintf(buf + len, "</migration>\n");
	const char *path = tmpfile_with("deep.xml", buf, len);
	free(buf);
	double t0 = now();
	cr_expect_null(xml_load_rules(A, D, path));
	cr_expect_lt(now() - t0, 2.0);
	char want[512];
	snprintf(want, sizeof(want), "%s:2:", path);
	expect_diag(want);
	expect_diag("error: elements are nested more than 256 deep");
	cr_expect_eq(diag_errors(D), 1);
}

Test(xml_load, oversized_file_is_refused_before_reading)
{
	const char *path = tmpfile_str("huge.xml", "<migration urlid=\"u\">\n");
	cr_assert_eq(truncate(path, 50L << 20), 0); /* 50 MiB, sparse */
	double t0 = now();
	cr_expect_null(xml_load_rules(A, D, path));
	cr_expect_lt(now() - t0, 1.0);
	char want[512];
	snprintf(want, sizeof(want),
		 "%s: error: file is 52428800 bytes; XML files larger than 32 MiB are refused",
		 path);
	expect_diag(want);
	cr_assert_eq(unlink(path), 0);
}

Test(xml_load, invalid_utf8_is_refused)
{
	static const struct {
		const char *name, *data, *where, *msg;
	} rows[] = {
	    {"lone.xml", "<migration urlid=\"u\">\n  <component>\xC3\x28</component>",
	     ":2:14:", "invalid UTF-8 (byte 0xC3)"},
	    {"overlong.xml", "<migration urlid=\"\xC0\x80\"/>",
	     ":1:19:", "invalid UTF-8 (byte 0xC0)"},
	    {"surrogate.xml", "<migration>\n\n\xED\xA0\x80</migration>",
	     ":3:1:", "invalid UTF-8 (byte 0xED)"},
	    {"cp1252.xml", "<migration urlid=\x93u\x94/>", ":1:18:", "invalid UTF-8 (byte 0x93)"},
	    {"truncated.xml", "<migration>\xE2\x82", ":1:12:", "invalid UTF-8 (byte 0xE2)"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *path = tmpfile_str(rows[i].name, rows[i].data);
		cr_expect_null(xml_load_rules(A, D, path), "%s", rows[i].name);
		char want[512];
		snprintf(want, sizeof(want), "%s%s error: %s", path, rows[i].where, rows[i].msg);
		expect_diag(want);
	}
}

Test(xml_load, nul_byte_and_utf16_are_refused)
{
	static const char nul[] = "<migration urlid=\"u\">\n<comp\0onent/></migration>";
	const char *path = tmpfile_with("nul.xml", nul, sizeof(nul) - 1);
	cr_expect_null(xml_load_rules(A, D, path));
	char want[512];
	snprintf(want, sizeof(want), "%s:2:6: error: NUL byte in file", path);
	expect_diag(want);

	static const char u16[] = "\xFF\xFE<\0m\0";
	path = tmpfile_with("u16.xml", u16, sizeof(u16) - 1);
	cr_expect_null(xml_load_rules(A, D, path));
	expect_diag("error: file is UTF-16; only UTF-8 is supported");
}

Test(xml_load, long_pattern_is_refused_in_place)
{
	size_t n = 100 * 1024;
	char *buf = malloc(n + 512);
	cr_assert_not_null(buf);
	size_t len = (size_t)sprintf(buf, "<migration urlid=\"u\"><component type=\"Documents\">"
					  "<displayName>X</displayName><role role=\"Data\"><rules>"
					  "<include><objectSet>\n<pattern type=\"File\">C:\\");
	memset(buf + len, 'a', n);
	len += n;
	len += (size_t)sprintf(buf + len, "\\* [*]</pattern></objectSet></include></rules></role>"
					  "</component></migration>\n");
	const char *path = tmpfile_with("long.xml", buf, len);
	free(buf);
	struct m_file *f = xml_load_rules(A, D, path);
	cr_assert_not_null(f);
	struct m_object *o = f->components[0]->rules[0]->rules[0]->sets[0]->objs[0];
	cr_expect_null(o->pattern);
	char want[512];
	snprintf(want, sizeof(want),
		 "%s:2:22: error: pattern is 102409 bytes long; the limit is %u", path,
		 PATTERN_MAX_BYTES);
	expect_diag(want);
	cr_expect_eq(diag_errors(D), 1);
}

Test(xml_load, not_well_formed_is_located)
{
	const char *path = tmpfile_str("broken.xml", "<migration urlid=\"u\">\n"
						     "  <component>\n"
						     "  </role>\n"
						     "</migration>\n");
	cr_expect_null(xml_load_rules(A, D, path));
	char want[512];
	snprintf(want, sizeof(want),
		 "%s:3:3: error: Opening and ending tag mismatch: component line 2 and role", path);
	expect_diag(want);
	cr_expect_eq(diag_errors(D), 1, "only the first libxml2 error is reported");

	cr_expect_null(xml_load_rules(A, D, tmpfile_str("empty.xml", "")));
	expect_diag("empty.xml:1:1: error: Document is empty");
}

/* ---------------------------------------------------------------------------
 * The shared corpus
 * ------------------------------------------------------------------------- */

struct corpus_row {
	char name[256];
	char kind[32];
	bool well_formed;
};

/* Rows of SOURCES.tsv: saved_name, repo, path, commit, bytes, well_formed, kind, notes. */
static size_t read_sources(struct corpus_row *rows, size_t max)
{
	FILE *f = fopen(CORPUS "SOURCES.tsv", "r");
	if (!f)
		return 0;
	char line[8192];
	size_t n = 0;
	bool header = true;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (header) {
			header = false;
			continue;
		}
		char *field[8] = {0};
		char *p = line;
		for (int i = 0; i < 8 && p; i++) {
			field[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (!field[6])
			continue;
		snprintf(rows[n].name, sizeof(rows[n].name), "%s", field[0]);
		snprintf(rows[n].kind, sizeof(rows[n].kind), "%s", field[6]);
		rows[n].well_formed = strcmp(field[5], "yes") == 0;
		n++;
	}
	fclose(f);
	return n;
}

Test(xml_load, every_corpus_file)
{
	static struct corpus_row rows[200];
	size_t n = read_sources(rows, 200);
	if (n == 0)
		cr_skip_test("no corpus at " CORPUS);
	cr_expect_geq(n, 89);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof(path), CORPUS "%.255s", rows[i].name);
		struct diag_set *d = diag_new();
		bool config = strcmp(rows[i].kind, "config") == 0;
		void *r = config ? (void *)xml_load_config(A, d, path)
				 : (void *)xml_load_rules(A, d, path);
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		diag_print(d, f, DIAG_TEXT, false);
		fclose(f);
		if (rows[i].well_formed) {
			/* The one well-formed "config" that is an /offline file is refused. */
			bool offline = strstr(text, "offline-settings file") != NULL;
			cr_expect(r != NULL || offline, "%s did not load:\n%s", rows[i].name, text);
			cr_expect_null(strstr(text, "Opening and ending tag"), "%s", rows[i].name);
		} else {
			bad++;
			cr_expect_null(r, "%s is malformed but loaded", rows[i].name);
			cr_expect_geq(diag_errors(d), 1, "%s", rows[i].name);
			/* the first line is "path:LINE:..." */
			size_t pl = strlen(path);
			cr_expect(strncmp(text, path, pl) == 0 && text[pl] == ':' &&
				      text[pl + 1] >= '1' && text[pl + 1] <= '9',
				  "no line number for %s:\n%s", rows[i].name, text);
			cr_expect_not_null(strstr(text, ": error: "), "%s", rows[i].name);
		}
		free(text);
		diag_free(d);
	}
	cr_expect_eq(bad, 6);
}
