/* test_codegen.c - the code generator (compiler/codegen.c, cg_code.c, cg_pattern.c) and
 * the plan writer (compiler/plan_write.c): deterministic output, one plan for every
 * spelling of a rule, every plan verifiable, the structure of the tables, and golden
 * listings (tests/data/golden/) of a policy that makes the generator emit every
 * instruction it can and of a hand-built plan that holds every opcode.
 *
 * UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (review the diff). */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disasm.h"
#include "helpers_plan.h"
#include "opcodes.h"
#include "plan_write.h"

#define GOLDEN "tests/data/golden/"

static struct hp H;

static void setup(void)
{
	hp_init(&H);
}

static void teardown(void)
{
	hp_fini(&H);
}

TestSuite(codegen, .init = setup, .fini = teardown);

/* Compile FILE (and CONFIG) and return a private copy of the plan bytes. */
static unsigned char *compile_copy(const char *file, const char *config, bool cs, size_t *len)
{
	const char *files[] = {file};
	cr_assert_eq(hp_compile_files(&H, files, 1, config, cs), 0, "%s:\n%s", file, H.diag);
	unsigned char *b = malloc(H.len);
	cr_assert_not_null(b);
	memcpy(b, H.buf, H.len);
	*len = H.len;
	return b;
}

/* --- determinism -------------------------------------------------------------------- */

Test(codegen, same_inputs_same_bytes)
{
	size_t n1, n2;
	unsigned char *a =
	    compile_copy(GOLDEN "every-opcode.xml", GOLDEN "every-opcode.config.xml", false, &n1);
	unsigned char *b =
	    compile_copy(GOLDEN "every-opcode.xml", GOLDEN "every-opcode.config.xml", false, &n2);
	cr_expect_eq(n1, n2);
	cr_expect_eq(memcmp(a, b, n1 < n2 ? n1 : n2), 0, "two compiles differ");
	free(b);

	/* --case-sensitive: the flag and the rule-set hash change, nothing else */
	b = compile_copy(GOLDEN "every-opcode.xml", GOLDEN "every-opcode.config.xml", true, &n2);
	cr_assert_eq(n1, n2);
	cr_expect_eq(hp_rd32(b + 64), PLAN_F_CASE_SENSITIVE);
	cr_expect_eq(hp_rd32(a + 64), 0);
	cr_expect_neq(memcmp(a + 32, b + 32, 32), 0, "the rule-set hash covers case sensitivity");
	cr_expect_eq(memcmp(a + 72, b + 72, n1 - 72 - 32), 0, "only the header differs");
	free(b);
	free(a);

	/* several files: the same again, twice */
	/* clang-format off */
	static const char *const xml[] = {
		DOC_URL("http://example.org/a",
			COMP("System", "a", INC("C:\\A\\* [*]") EXC("C:\\A\\* [*.tmp]"))),
		DOC_URL("http://example.org/b",
			COMP("User", "b", INC("%CSIDL_PERSONAL%\\* [*.doc]"))),
	};
	/* clang-format on */
	const char *paths[] = {hp_write(&H, "a.xml", xml[0]), hp_write(&H, "b.xml", xml[1])};
	cr_assert_eq(hp_compile_files(&H, paths, 2, NULL, false), 0, "%s", H.diag);
	a = malloc(H.len);
	memcpy(a, H.buf, H.len);
	n1 = H.len;
	cr_assert_eq(hp_compile_files(&H, paths, 2, NULL, false), 0, "%s", H.diag);
	cr_expect_eq(n1, H.len);
	cr_expect_eq(memcmp(a, H.buf, n1), 0);
	free(a);
}

/* The rule-set hash names the rules: it changes with the rule files' content. */
Test(codegen, ruleset_hash)
{
	hp_compile_ok(&H, DOC(COMP("System", "h", INC("C:\\A\\* [*]"))), false);
	unsigned char h1[32];
	memcpy(h1, H.plan.ruleset, 32);
	hp_compile_ok(&H, DOC(COMP("System", "h", INC("C:\\A\\* [*]"))), false);
	cr_expect_eq(memcmp(h1, H.plan.ruleset, 32), 0, "same rules, same hash (file name aside)");
	hp_compile_ok(&H, DOC(COMP("System", "h", INC("C:\\B\\* [*]"))), false);
	cr_expect_neq(memcmp(h1, H.plan.ruleset, 32), 0);
}

/* --- one plan for every spelling of a rule ----------------------------------------- */

/* Zero what legitimately depends on the file's bytes: the source hash in SRCS, the
 * rule-set hash in the header, and the trailer. */
static void mask_source_hashes(unsigned char *b, size_t len)
{
	uint64_t off, size;
	cr_assert_geq(hp_section(b, SEC_SRCS, &off, &size, NULL), 0);
	for (uint64_t r = off; r < off + size; r += sizeof(struct plan_src))
		memset(b + r + 8, 0, 32);
	memset(b + 32, 0, 32);
	memset(b + len - 32, 0, 32);
}

static void expect_same_plans(const char *const *spellings, size_t n, const char *what)
{
	size_t len0 = 0;
	unsigned char *first = NULL;
	char node0[256] = "", leaf0[256] = "", text0[256] = "";
	for (size_t i = 0; i < n; i++) {
		char xml[1024];
		/* the pattern always on line 2, in a file of the same name */
		snprintf(
		    xml, sizeof xml,
		    "<?xml version=\"1.0\"?>\n<migration urlid=\"http://example.org/s\">"
		    "<component type=\"Documents\" context=\"System\"><displayName>s</displayName>"
		    "<role role=\"Data\"><rules><include><objectSet><pattern type=\"File\">%s"
		    "</pattern></objectSet></include></rules></role></component></migration>\n",
		    spellings[i]);
		const char *path = hp_write(&H, "spelling.xml", xml);
		size_t len;
		unsigned char *b = compile_copy(path, NULL, false, &len);
		cr_assert_eq(H.plan.npats, 1, "%s: \"%s\"", what, spellings[i]);
		const struct plan_pat *t = &H.plan.pats[0];
		if (i == 0) {
			snprintf(node0, sizeof node0, "%s", plan_str(&H.plan, t->node));
			snprintf(leaf0, sizeof leaf0, "%s", plan_str(&H.plan, t->leaf));
			snprintf(text0, sizeof text0, "%s", plan_str(&H.plan, t->text));
		} else {
			cr_expect_str_eq(plan_str(&H.plan, t->node), node0, "%s: node of \"%s\"",
					 what, spellings[i]);
			cr_expect_str_eq(plan_str(&H.plan, t->leaf), leaf0, "%s: leaf of \"%s\"",
					 what, spellings[i]);
			cr_expect_str_eq(plan_str(&H.plan, t->text), text0,
					 "%s: canonical text of \"%s\"", what, spellings[i]);
		}
		mask_source_hashes(b, len);
		if (!first) {
			first = b;
			len0 = len;
			continue;
		}
		cr_expect_eq(len, len0, "%s: \"%s\" gives a plan of %zu bytes, not %zu", what,
			     spellings[i], len, len0);
		cr_expect_eq(memcmp(b, first, len < len0 ? len : len0), 0,
			     "%s: \"%s\" gives a different plan than \"%s\"", what, spellings[i],
			     spellings[0]);
		free(b);
	}
	free(first);
}

Test(codegen, spellings_of_one_rule)
{
	/* clang-format off */
	static const char *const folder[] = {
		"C:\\data [*]", "c:\\data\\ [*]", "C:/data [*]", "  C:\\data\\[*]  ",
		"C:\\data\\[*]",
		"\n\t C:\\data [*]\n", "c:\\data  [*]",
	};
	/* clang-format on */
	expect_same_plans(folder, sizeof folder / sizeof folder[0], "folder");
	/* clang-format off */
	static const char *const tree[] = {
		"C:\\data\\* [*]", "c:\\data\\*[*]", " C:/data/* [*] ", "c:\\data\\*  [*]",
	};
	/* clang-format on */
	expect_same_plans(tree, sizeof tree / sizeof tree[0], "tree");
	static const char *const brackets[] = {"C:\\d [a^]b]", "c:\\d\\ [a^]b]", "C:/d\\[a^]b]"};
	expect_same_plans(brackets, sizeof brackets / sizeof brackets[0], "escaped bracket");
}

/* Different rules do give different plans (the comparison above can fail). */
Test(codegen, different_rules_differ)
{
	size_t la, lb;
	const char *p = hp_write(&H, "x.xml", DOC(COMP("System", "x", INC("C:\\data [*]"))));
	unsigned char *a = compile_copy(p, NULL, false, &la);
	p = hp_write(&H, "x.xml", DOC(COMP("System", "x", INC("C:\\data\\* [*]"))));
	unsigned char *b = compile_copy(p, NULL, false, &lb);
	mask_source_hashes(a, la);
	mask_source_hashes(b, lb);
	cr_expect(la != lb || memcmp(a, b, la) != 0);
	free(a);
	free(b);
}

/* --- tables ------------------------------------------------------------------------- */

static const struct plan_pat *pat_with_text(const char *text)
{
	for (size_t i = 0; i < H.plan.npats; i++)
		if (!strcmp(plan_str(&H.plan, H.plan.pats[i].text), text))
			return &H.plan.pats[i];
	cr_assert_fail("no pattern \"%s\"", text);
	return NULL;
}

Test(codegen, tables)
{
	hp_compile_ok(
	    &H,
	    DOC(COMP(
		"UserAndSystem", "t",
		"<include>" OSET(PAT("C:\\A\\* [*]") PAT(
		    "%CSIDL_PERSONAL%\\x [y.doc]")) "</include>" EXC("C:\\A\\* [*.tmp]")
		    UNC("C:\\* [*.bak]") "<include>" OSET(
			"<script>MigXmlHelper.GenerateDrivePatterns(\"\\Projects\\* "
			"[*.doc]\",\"Fixed\")</script>") "</include>" LOCMOD("MigXmlHelper."
									     "ExactMove('C:\\Flat "
									     "[one.txt]')",
									     "C:\\A\\ [one.txt]")
			MERGE("MigXmlHelper.DestinationPriority()", "C:\\A\\* [*]"))),
	    false);
	const struct plan *p = &H.plan;
	cr_expect_eq(p->ncomps, 1);
	cr_expect_eq(p->comps[0].context, CTXB_SYSTEM | CTXB_USER);
	cr_expect_eq(p->comps[0].detect_pc, PLAN_NONE);
	cr_expect_str_eq(plan_str(p, p->comps[0].name), "t");
	/* one plan rule per rule element, one entry per (rule, pattern) */
	cr_assert_eq(p->nrules, 6);
	static const uint8_t kinds[] = {PRK_INCLUDE, PRK_EXCLUDE,	  PRK_UNCOND_EXCLUDE,
					PRK_INCLUDE, PRK_LOCATION_MODIFY, PRK_MERGE};
	for (size_t i = 0; i < 6; i++) {
		cr_expect_eq(p->rules[i].kind, kinds[i], "rule %zu kind", i);
		cr_expect_eq(p->rules[i].comp, 0);
		cr_expect_eq(p->rules[i].context, CTXB_SYSTEM | CTXB_USER);
		cr_expect_eq(p->rules[i].cond_pc, PLAN_NONE);
	}
	cr_expect_eq(p->nents, 7);
	cr_expect_eq(p->ents[0].rule, 0);
	cr_expect_eq(p->ents[1].rule, 0);
	cr_expect_neq(p->ents[0].pat, p->ents[1].pat);
	/* patterns: symbolic drives and variables, per-user flags */
	const struct plan_pat *t = pat_with_text("C:\\A\\* [*]");
	cr_expect_str_eq(plan_str(p, t->node), "{drive:C}/A/*");
	cr_expect_str_eq(plan_str(p, t->leaf), "*");
	cr_expect_eq(t->flags, 0);
	t = pat_with_text("%CSIDL_PERSONAL%\\x [y.doc]");
	cr_expect_str_eq(plan_str(p, t->node), "%CSIDL_PERSONAL%/x");
	cr_expect_eq(t->flags, PP_USER);
	t = pat_with_text("\\Projects\\* [*.doc]");
	cr_expect_str_eq(plan_str(p, t->node), "{drives:Fixed}/Projects/*");
	t = pat_with_text("C:\\A [one.txt]");
	cr_expect_str_eq(plan_str(p, t->leaf), "one.txt");
	/* helpers and their arguments */
	cr_expect_eq(p->rules[4].helper, PLAN_HELPER_EXACT_MOVE);
	cr_expect_str_eq(plan_str(p, p->rules[4].args[0]), "{drive:C}/Flat/one.txt");
	cr_expect_eq(p->rules[4].aux, RULE_AUX_TARGET_IS_FILE);
	cr_expect_eq(p->rules[4].args[1], PLAN_NONE);
	cr_expect_eq(p->rules[5].helper, PLAN_HELPER_DESTINATION_PRIORITY);
	/* the variable map travels with the plan */
	cr_expect_gt(p->nvars, 0);
	cr_expect_eq(p->srcs[p->nsrcs - 1].kind, 2);
	cr_expect_str_eq(plan_str(p, p->srcs[p->nsrcs - 1].path), HP_VARS);
	/* the listing never shows attributes for a rule that has none */
	char *dump = hp_dump(&H);
	cr_expect_null(strstr(dump, "attributes="), "%s", dump);
	cr_expect_not_null(strstr(dump, "ExactMove({drive:C}/Flat/one.txt) target=file"), "%s",
			   dump);
	free(dump);
}

Test(codegen, config_tables)
{
	const char *files[] = {GOLDEN "every-opcode.xml"};
	cr_assert_eq(hp_compile_files(&H, files, 1, GOLDEN "every-opcode.config.xml", false), 0,
		     "%s", H.diag);
	const struct plan *p = &H.plan;
	cr_assert_eq(p->nerrcs, 2);
	cr_expect_eq(p->errcs[0].code, EBUSY, "errorCode 32 (sharing violation) is EBUSY");
	cr_expect_eq(p->errcs[0].fatal, 0);
	cr_expect_eq(p->errcs[1].code, -1, "any");
	cr_expect_eq(p->errcs[1].fatal, 1);
	cr_expect_eq(p->srcs[p->errcs[0].src].kind, 1, "ErrorControl comes from the config");
	cr_assert_eq(p->nhlnks, 2);
	cr_expect_eq(p->hlnks[0].create, 1);
	cr_expect_eq(p->hlnks[1].create, 0);
	cr_expect_str_eq(plan_str(p, p->pats[p->hlnks[1].pat].text), "C:\\* [*.pst]");
	/* <changeGroup>: the DOMAIN\ prefix dropped, From=/To= read, appliesTo as a mask */
	cr_assert_eq(p->ngrpms, 2);
	cr_expect_str_eq(plan_str(p, p->grpms[0].from), "wheel");
	cr_expect_str_eq(plan_str(p, p->grpms[0].to), "sudo");
	cr_expect_eq(p->grpms[0].applies, PG_MIGRATED);
	cr_expect_str_eq(plan_str(p, p->grpms[1].from), "adm");
	cr_expect_eq(p->grpms[1].applies, PG_MIGRATED | PG_NONMIGRATED);
	cr_expect_eq(p->srcs[p->grpms[0].src].kind, 1, "the mappings come from the config");
}

/* Every plan the compiler produces verifies: hp_compile_files asserts plan_parse on
 * each, so compiling every rule fixture of the tree is the test. */
Test(codegen, every_fixture_plan_verifies)
{
	static const char *const dirs[] = {"tests/data/lint/*.xml", "tests/data/xml/*.xml",
					   "tests/data/golden/*.xml", "tests/data/plans/*.xml",
					   "policies/*.xml"};
	unsigned compiled = 0, refused = 0;
	for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
		glob_t g;
		if (glob(dirs[d], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *f = g.gl_pathv[i];
			if (strstr(f, "config") || strstr(f, "Config"))
				continue; /* a Config.xml is not a rule file */
			const char *files[] = {f};
			if (hp_compile_files(&H, files, 1, NULL, false) == 0) {
				cr_expect(H.parsed, "%s", f);
				compiled++;
			} else {
				refused++; /* bad-input fixtures and unknown variables: no plan */
			}
		}
		globfree(&g);
	}
	cr_log_info("every_fixture_plan_verifies: %u compiled and verified, %u refused", compiled,
		    refused);
	cr_expect_geq(compiled, 10);
}

/* --- limits ------------------------------------------------------------------------- */

/* <rules> nested DEPTH deep, each with a condition that holds in the system context
 * except the innermost, which names a missing file; the include sits innermost. */
static char *nested_rules(int depth)
{
	size_t cap = 4096 + (size_t)depth * 200, len = 0;
	char *s = malloc(cap);
	cr_assert_not_null(s);
	len +=
	    (size_t)snprintf(s + len, cap - len,
			     "<?xml version=\"1.0\"?><migration urlid=\"http://example.org/deep\">"
			     "<component type=\"Documents\" context=\"System\"><displayName>deep"
			     "</displayName><role role=\"Data\">");
	for (int i = 0; i < depth; i++)
		len += (size_t)snprintf(
		    s + len, cap - len, "<rules><conditions><condition>%s</condition></conditions>",
		    i < depth - 1 ? "MigXmlHelper.IsSystemContext()"
				  : "MigXmlHelper.DoesObjectExist(\"File\",\"C:\\Nope [x]\")");
	len += (size_t)snprintf(s + len, cap - len, "%s", INC("C:\\Data\\* [*]"));
	for (int i = 0; i < depth; i++)
		len += (size_t)snprintf(s + len, cap - len, "</rules>");
	snprintf(s + len, cap - len, "</role></component></migration>");
	return s;
}

/* Every condition up to the limit is compiled and evaluated; beyond it the compiler
 * refuses (it used to drop the innermost conditions, so the include applied). */
Test(codegen, nested_conditions)
{
	char *xml = nested_rules(16);
	hp_compile_ok(&H, xml, false);
	free(xml);
	cr_expect_str_eq(hp_verdict(&H, "/Data/a.txt"), "none", "the 16th condition is false");

	xml = nested_rules(17);
	cr_expect_gt(hp_compile1(&H, xml, false), 0, "17 levels are refused");
	cr_expect_not_null(strstr(H.diag, "nested more than 16 deep"), "%s", H.diag);
	free(xml);
}

/* --- golden listings ---------------------------------------------------------------- */

/* Replace every occurrence of FROM in S (malloc'd) by TO. */
static char *replace_all(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	for (const char *q = s; (q = strstr(q, from)); q += fl)
		n++;
	char *out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1), *w = out;
	cr_assert_not_null(out);
	const char *r = s;
	for (const char *q; (q = strstr(r, from)); r = q + fl) {
		memcpy(w, r, (size_t)(q - r));
		w += q - r;
		memcpy(w, to, tl);
		w += tl;
	}
	strcpy(w, r);
	free(s);
	return out;
}

/* Paths that depend on where the test runs become placeholders. */
static char *normalise_listing(char *text)
{
	char cwd[1024];
	text = replace_all(text, H.dir, "<tmp>");
	if (getcwd(cwd, sizeof cwd - 1)) {
		strcat(cwd, "/");
		text = replace_all(text, cwd, "");
	}
	return text;
}

/* Compare TEXT (malloc'd; freed here) with the file GOLDEN, or rewrite GOLDEN. */
static void compare_golden(const char *golden, char *text)
{
	if (getenv("UPDATE_GOLDEN") && !strcmp(getenv("UPDATE_GOLDEN"), "1")) {
		FILE *f = fopen(golden, "w");
		cr_assert_not_null(f, "cannot write %s", golden);
		fputs(text, f);
		fclose(f);
		cr_log_warn("rewrote %s", golden);
		free(text);
		return;
	}
	size_t len;
	char *want = (char *)hp_slurp(golden, &len);
	cr_assert_not_null(want, "%s missing: run with UPDATE_GOLDEN=1", golden);
	want = realloc(want, len + 1);
	want[len] = 0;
	if (strcmp(text, want) != 0) {
		/* point at the first differing line */
		const char *a = text, *b = want, *la = text, *lb = want;
		int line = 1;
		while (*a && *a == *b) {
			if (*a == '\n') {
				line++;
				la = a + 1;
				lb = b + 1;
			}
			a++;
			b++;
		}
		a = la; /* show whole lines */
		b = lb;
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		cr_expect_fail("%s differs at line %d:\n  got:  %.*s\n  want: %.*s\n"
			       "(UPDATE_GOLDEN=1 rewrites it)",
			       golden, line, ea ? (int)(ea - a) : (int)strlen(a), a,
			       eb ? (int)(eb - b) : (int)strlen(b), b);
	}
	free(want);
	free(text);
}

/* Opcodes the code generator never emits: they exist for hand-built or future plans
 * (and are covered by the hand-built golden listing below). */
static bool never_emitted(int op)
{
	return op == OP_NODE || op == OP_LEAF || op == OP_ISDIR;
}

Test(codegen, golden_listing_of_a_compiled_policy)
{
	const char *files[] = {GOLDEN "every-opcode.xml"};
	cr_assert_eq(hp_compile_files(&H, files, 1, GOLDEN "every-opcode.config.xml", false), 0,
		     "%s", H.diag);
	bool used[OP__COUNT] = {false};
	for (size_t pc = 0; pc < H.plan.ncode; pc++)
		used[H.plan.code[pc].op] = true;
	for (int op = 0; op < OP__COUNT; op++)
		cr_expect_eq(used[op], !never_emitted(op),
			     "opcode %s: %s; update every-opcode.xml or never_emitted()",
			     op_info[op].name,
			     used[op] ? "emitted but listed as never emitted" : "not exercised");
	compare_golden(GOLDEN "every-opcode.txt", normalise_listing(hp_dump(&H)));
}

/* A hand-built plan with every opcode: the listing's comment for each. */
Test(codegen, golden_listing_of_every_opcode)
{
	struct plan_builder *b = hp_builder_base();
	uint32_t x = pb_str(b, "/data/x");
	struct plan_pat t = {x, PLAN_NONE, 0, 3, pb_str(b, "C:\\data\\x"), PP_USER};
	pb_pat(b, &t);
	uint32_t q = pb_const(b, 4096);
	uint32_t r = pb_const_pair(b, 946684800, 1577836800);
	uint32_t pc = pb_prog_begin(b);
	uint32_t j1 = 0, j2 = 0;
	for (int op = 0; op < OP__COUNT; op++) {
		switch (op) {
		case OP_PROG:
			break;
		case OP_RET:
			break;
		case OP_JT:
			j1 = pb_emit(b, OP_JT, 0, 0, 0);
			break;
		case OP_JF:
			j2 = pb_emit(b, OP_JF, 0, 0, 0);
			break;
		case OP_NODE:
		case OP_LEAF:
		case OP_EXISTS:
			pb_emit(b, (uint8_t)op, 0, 0, (uint32_t)(op == OP_LEAF));
			break;
		case OP_SAMEOBJ:
			pb_emit(b, OP_SAMEOBJ, 0, 1, 0);
			break;
		case OP_FSIZE:
			pb_emit(b, OP_FSIZE, CMP_LTE, 0, q);
			pb_emit(b, OP_FSIZE, CMP_RANGE, 0, r);
			break;
		case OP_FTIME:
			pb_emit(b, OP_FTIME, CMP_GT, TF_CREATED, r);
			pb_emit(b, OP_FTIME, CMP_RANGE, TF_ACCESSED, r);
			break;
		case OP_PHASE:
			pb_emit(b, OP_PHASE, PHASE_LOAD, 0, 0);
			break;
		case OP_CONST:
			pb_emit(b, OP_CONST, 1, 0, 0);
			break;
		case OP_OSVER:
			pb_emit(b, OP_OSVER, CMP_NEQ, 0, pb_str(b, "5.10"));
			break;
		case OP_OSMATCH:
			pb_emit(b, OP_OSMATCH, 0, 0, pb_str(b, "6.*"));
			break;
		default:
			pb_emit(b, (uint8_t)op, 0, 0, 0);
			break;
		}
	}
	pb_patch_jump(b, j1);
	pb_patch_jump(b, j2);
	pb_emit(b, OP_RET, 0, 0, 0);
	pb_prog_end(b, pc);
	struct plan_ent e = {0, 0, pc, 0};
	pb_ent(b, &e);
	unsigned char *buf;
	size_t len;
	hp_serialize(b, &buf, &len);
	pb_free(b);
	struct plan p;
	struct plan_error pe;
	cr_assert_eq(plan_parse(buf, len, &p, &pe), PLAN_OK, "%s", pe.msg);
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	plan_dump_text(&p, f);
	fclose(f);
	for (int op = 0; op < OP__COUNT; op++) {
		char needle[32];
		snprintf(needle, sizeof needle, "  %-8s ", op_info[op].name);
		cr_expect_not_null(strstr(text, needle), "opcode %s missing from the listing",
				   op_info[op].name);
	}
	compare_golden(GOLDEN "all-opcodes.txt", text);
	free(buf);
}

/* The JSON listing is one line of well-formed JSON with every table. */
Test(codegen, json_listing)
{
	const char *files[] = {GOLDEN "every-opcode.xml"};
	cr_assert_eq(hp_compile_files(&H, files, 1, GOLDEN "every-opcode.config.xml", false), 0);
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	plan_dump_json(&H.plan, f);
	fclose(f);
	static const char *const keys[] = {
	    "\"sources\":[", "\"variables\":[", "\"components\":[",    "\"patterns\":[",
	    "\"rules\":[",   "\"entries\":[",	"\"error_control\":[", "\"hardlink_control\":[",
	    "\"code\":["};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_expect_not_null(strstr(text, keys[i]), "%s", keys[i]);
	cr_expect_eq(text[0], '{');
	cr_expect_eq(strchr(text, '\n'), text + n - 1, "one line");
	int depth = 0;
	bool in_str = false;
	for (const char *c = text; *c; c++) {
		if (in_str) {
			if (*c == '\\')
				c++;
			else if (*c == '"')
				in_str = false;
			continue;
		}
		if (*c == '"')
			in_str = true;
		else if (*c == '{' || *c == '[')
			depth++;
		else if (*c == '}' || *c == ']')
			depth--;
		cr_assert_geq(depth, 0);
	}
	cr_expect_eq(depth, 0, "balanced");
	free(text);
}
