/* test_plan_load.c - the plan loader (runtime/plan_load.c) refuses every damaged plan
 * with the right stable status and never reads outside the bytes it was given.
 *
 * A small plan is compiled from MigXML (several opcodes, every table non-empty), then:
 *   - every byte is flipped (xor 0x01 and 0x80) and the file truncated at every length;
 *   - single fields are corrupted and the SHA-256 trailer recomputed, so only the
 *     structural checks or the verifier can catch them: each must say which section;
 *   - version, endianness and size words are changed;
 *   - committed plans of other format versions (tests/data/plans/) are opened.
 * Every buffer handed to plan_parse is exactly as long as the plan, so a read past the
 * end is caught by AddressSanitizer in `make check-asan`. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers_plan.h"
#include "opcodes.h"
#include "plan_write.h"

#define PLANS "tests/data/plans/"

/* Several opcodes (conditions, detection, filters), every kind of table. */
/* clang-format off */
static const char load_policy[] = DOC(COMPX(
	"UserAndSystem", "load",
	"<detection><conditions><condition>"
	"MigXmlHelper.DoesObjectExist(\"File\",\"C:\\App [app.exe]\")"
	"</condition></conditions></detection>"
	RULES("<conditions operation=\"OR\"><condition>MigXmlHelper.IsSystemContext()</condition>"
	      "<condition negation=\"Yes\">MigXmlHelper.IsNative64Bit()</condition></conditions>"
	      INCF("MigXmlHelper.FileProperties(\"filesize\",\"range\",\"1KB-1MB\")",
		   "C:\\Data\\* [*.txt]")
	      "<exclude filter='"
	      "MigXmlHelper.FileProperties(\"dateModified\",\"lt\",\"2000/01/01\")'>"
	      OSET(PAT("C:\\Data\\Old\\* [*]")) "</exclude>"
	      INCF("MigXmlHelper.IgnoreIrrelevantLinks()", "%CSIDL_PERSONAL%\\* [*]")
	      LOCMOD("MigXmlHelper.RelativeMove('C:\\Data','C:\\NewData')", "C:\\Data\\* [*]")
	      MERGE("MigXmlHelper.SourcePriority()", "C:\\Data\\* [*]"))));
/* clang-format on */

static struct hp H;
static unsigned char *good;
static size_t good_len;

static void setup(void)
{
	hp_init(&H);
	hp_compile_ok(&H, load_policy, false);
	good = H.buf;
	good_len = H.len;
	cr_assert(good_len > PLAN_HEADER_SIZE + PLAN_TRAILER_SIZE);
}

static void teardown(void)
{
	hp_fini(&H);
}

TestSuite(plan_load, .init = setup, .fini = teardown);

/* A private copy of exactly LEN bytes (so ASan sees any read past the end). */
static unsigned char *copy(const unsigned char *src, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);
	cr_assert_not_null(c);
	memcpy(c, src, len);
	return c;
}

static int parse(const unsigned char *buf, size_t len, struct plan_error *e)
{
	struct plan p;
	memset(e, 0, sizeof *e);
	int rc = plan_parse(buf, len, &p, e);
	cr_assert_eq(e->status, rc, "status in the error record agrees with the return value");
	if (rc != PLAN_OK) {
		cr_assert(e->msg[0], "every refusal has a message");
		cr_assert_null(p.base, "a refused plan is not half-returned");
	}
	return rc;
}

Test(plan_load, the_fixture_plan_is_good)
{
	struct plan_error e;
	cr_assert_eq(parse(good, good_len, &e), PLAN_OK, "%s", e.msg);
	struct plan p;
	cr_assert_eq(plan_parse(good, good_len, &p, &e), PLAN_OK);
	/* the policy reaches every table the loader knows, except ERRC/HLNK (Config.xml) */
	cr_expect_gt(p.nsrcs, 0);
	cr_expect_gt(p.nvars, 0);
	cr_expect_gt(p.ncomps, 0);
	cr_expect_gt(p.npats, 0);
	cr_expect_gt(p.nrules, 0);
	cr_expect_gt(p.nents, 0);
	cr_expect_gt(p.ncode, 0);
	cr_expect_gt(p.nconsts, 0);
	unsigned seen = 0;
	for (size_t i = 0; i < p.ncode; i++)
		seen |= 1u << p.code[i].op;
	unsigned distinct = (unsigned)__builtin_popcount(seen);
	cr_expect_geq(distinct, 10, "the fixture uses %u distinct opcodes", distinct);
}

/* The status a flip of byte OFF must produce (the checks run in this order: magic,
 * length, major, endianness, declared size, then the checksum over everything). */
static int expected_flip_status(const unsigned char *buf, size_t len, size_t off)
{
	if (off < 8)
		return PLAN_E_NOTPLAN;
	if (off < 10)
		return PLAN_E_VERSION;
	if (off >= 12 && off < 16)
		return PLAN_E_ENDIAN;
	if (off >= 16 && off < 24)
		return hp_rd64(buf + 16) > len ? PLAN_E_TRUNCATED : PLAN_E_CORRUPT;
	return PLAN_E_CHECKSUM; /* minor version, table, sections and the trailer itself */
}

Test(plan_load, every_byte_flip_is_refused)
{
	static const unsigned char masks[] = {0x01, 0x80};
	for (size_t m = 0; m < 2; m++) {
		for (size_t off = 0; off < good_len; off++) {
			unsigned char *b = copy(good, good_len);
			b[off] ^= masks[m];
			struct plan_error e;
			int rc = parse(b, good_len, &e);
			int want = expected_flip_status(b, good_len, off);
			cr_expect_eq(rc, want, "byte %zu ^ 0x%02x: %s (%s), expected %s", off,
				     masks[m], plan_status_name(rc), e.msg, plan_status_name(want));
			free(b);
		}
	}
}

Test(plan_load, every_truncation_is_refused)
{
	for (size_t len = 0; len < good_len; len++) {
		unsigned char *b = copy(good, len);
		struct plan_error e;
		int rc = parse(b, len, &e);
		int want = len < PLAN_MAGIC_LEN ? PLAN_E_NOTPLAN : PLAN_E_TRUNCATED;
		cr_expect_eq(rc, want, "truncated to %zu bytes: %s (%s)", len, plan_status_name(rc),
			     e.msg);
		free(b);
	}
	/* and one byte too many (an appended byte): the header size disagrees */
	unsigned char *b = malloc(good_len + 1);
	memcpy(b, good, good_len);
	b[good_len] = 0;
	struct plan_error e;
	cr_expect_eq(parse(b, good_len + 1, &e), PLAN_E_CORRUPT, "%s", e.msg);
	free(b);
}

/* --- structural corruption with a valid checksum --------------------------------- */

/* A copy of the good plan with the table entry of ID located. */
static unsigned char *with_section(uint32_t id, uint64_t *off, uint64_t *size, size_t *entry)
{
	unsigned char *b = copy(good, good_len);
	cr_assert_geq(hp_section(b, id, off, size, entry), 0, "section %08x present", id);
	return b;
}

/* Reseal B, parse it, and expect STATUS with every NEEDLE in the message. */
static void expect_refused(unsigned char *b, size_t len, int status, const char *what,
			   const char *needle1, const char *needle2)
{
	hp_reseal(b, len);
	struct plan_error e;
	int rc = parse(b, len, &e);
	cr_expect_eq(rc, status, "%s: got %s (%s), expected %s", what, plan_status_name(rc), e.msg,
		     plan_status_name(status));
	if (needle1)
		cr_expect_not_null(strstr(e.msg, needle1), "%s: \"%s\" not in \"%s\"", what,
				   needle1, e.msg);
	if (needle2)
		cr_expect_not_null(strstr(e.msg, needle2), "%s: \"%s\" not in \"%s\"", what,
				   needle2, e.msg);
	free(b);
}

/* Offset of the first instruction with opcode OP, or 0 when none. */
static size_t find_insn(const unsigned char *b, uint8_t op, size_t *pc_out)
{
	uint64_t off, size;
	cr_assert_geq(hp_section(b, SEC_CODE, &off, &size, NULL), 0);
	for (size_t pc = 0; pc < size / 8; pc++)
		if (b[off + pc * 8] == op) {
			*pc_out = pc;
			return (size_t)off + pc * 8;
		}
	return 0;
}

Test(plan_load, header_fields_after_the_checksum)
{
	unsigned char *b = copy(good, good_len);
	hp_wr32(b + 68, 1);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "header reserved", "header", "offset 68");

	b = copy(good, good_len);
	hp_wr32(b + 64, 0x80);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "unknown flag", "header", "flags 0x80");

	b = copy(good, good_len);
	hp_wr32(b + 24, 65);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "65 sections", "header", "65 sections");

	b = copy(good, good_len);
	hp_wr32(b + 28, PLAN_HEADER_SIZE + 8);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "table offset", "header",
		       "section table at 80");

	/* the case-sensitive flag is known: a plan with it loads */
	b = copy(good, good_len);
	hp_wr32(b + 64, PLAN_F_CASE_SENSITIVE);
	hp_reseal(b, good_len);
	struct plan p;
	struct plan_error e;
	cr_expect_eq(plan_parse(b, good_len, &p, &e), PLAN_OK, "%s", e.msg);
	cr_expect_eq(p.flags, PLAN_F_CASE_SENSITIVE);
	free(b);

	/* a newer minor version of the same major loads (minor = compatible additions) */
	b = copy(good, good_len);
	hp_wr16(b + 10, PLAN_MINOR + 1);
	hp_reseal(b, good_len);
	cr_expect_eq(plan_parse(b, good_len, &p, &e), PLAN_OK, "%s", e.msg);
	cr_expect_eq(p.minor, PLAN_MINOR + 1);
	free(b);
}

Test(plan_load, section_table_entries)
{
	uint64_t off, size;
	size_t ent;

	unsigned char *b = with_section(SEC_PATS, &off, &size, &ent);
	hp_wr32(b + ent + 4, 7);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "entry reserved", "section PATS", "reserved");

	b = with_section(SEC_RULE, &off, &size, &ent);
	hp_wr64(b + ent + 8, off + 4);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "misaligned", "section RULE", "8-byte aligned");

	b = with_section(SEC_CODE, &off, &size, &ent);
	hp_wr64(b + ent + 8, good_len + 64);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "offset past the end", "section CODE",
		       "leave the file");

	b = with_section(SEC_CODE, &off, &size, &ent);
	hp_wr64(b + ent + 16, (uint64_t)1 << 62);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "huge size", "section CODE", "leave the file");

	b = with_section(SEC_CODE, &off, &size, &ent);
	hp_wr64(b + ent + 16, UINT64_MAX - 7);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "size wraps", "section CODE", "leave the file");

	b = with_section(SEC_CNST, &off, &size, &ent);
	hp_wr64(b + ent + 16, size + 8 * 64);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "size into the trailer", "section CNST", NULL);

	/* sections are in table order without overlap */
	uint64_t soff, ssize;
	b = with_section(SEC_SRCS, &soff, &ssize, &ent);
	cr_assert_geq(hp_section(b, SEC_STRS, &off, &size, NULL), 0);
	hp_wr64(b + ent + 8, off);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "overlap", "section SRCS", "overlap");

	b = with_section(SEC_RULE, &off, &size, &ent);
	hp_wr64(b + ent + 16, size - 8); /* 40-byte records */
	expect_refused(b, good_len, PLAN_E_CORRUPT, "record size", "section RULE",
		       "multiple of 40");

	b = with_section(SEC_CODE, &off, &size, &ent);
	hp_wr64(b + ent + 16, size - 4);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "record size", "section CODE", "multiple of 8");
}

Test(plan_load, section_ids)
{
	uint64_t off, size;
	size_t ent;

	/* an unknown id with an upper-case first letter is a required section */
	unsigned char *b = with_section(SEC_HLNK, &off, &size, &ent);
	hp_wr32(b + ent, PLAN_SEC('X', 'L', 'N', 'K'));
	expect_refused(b, good_len, PLAN_E_CORRUPT, "unknown required", "section XLNK",
		       "unknown required");

	/* a lower-case one is optional and skipped: then HLNK is missing */
	b = with_section(SEC_HLNK, &off, &size, &ent);
	hp_wr32(b + ent, PLAN_SEC('h', 'l', 'n', 'k'));
	expect_refused(b, good_len, PLAN_E_CORRUPT, "missing", "required section HLNK", "missing");

	/* the same id twice (ERRC renamed HLNK: both are empty here) */
	b = with_section(SEC_ERRC, &off, &size, &ent);
	hp_wr32(b + ent, SEC_HLNK);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "duplicate", "section HLNK", "twice");

	/* unprintable id bytes are shown as '?' */
	b = with_section(SEC_VARS, &off, &size, &ent);
	hp_wr32(b + ent, 0x01024142);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "unprintable id", "section BA??", NULL);
}

/* Insert a section ID with N bytes of DATA at the end of the plan (before the trailer):
 * one more table entry, every section moved down by 24 bytes. */
static unsigned char *add_section(const unsigned char *src, size_t len, uint32_t id,
				  const void *data, size_t n, size_t *newlen)
{
	uint32_t nsec = hp_rd32(src + 24);
	size_t table_end = PLAN_HEADER_SIZE + (size_t)nsec * PLAN_SECTION_ENTRY_SIZE;
	size_t body = len - PLAN_TRAILER_SIZE;
	size_t pad = (8 - n % 8) % 8;
	*newlen = len + PLAN_SECTION_ENTRY_SIZE + n + pad;
	unsigned char *b = calloc(1, *newlen);
	cr_assert_not_null(b);
	memcpy(b, src, table_end);
	memcpy(b + table_end + PLAN_SECTION_ENTRY_SIZE, src + table_end, body - table_end);
	for (uint32_t i = 0; i < nsec; i++) {
		unsigned char *e = b + PLAN_HEADER_SIZE + (size_t)i * PLAN_SECTION_ENTRY_SIZE;
		hp_wr64(e + 8, hp_rd64(e + 8) + PLAN_SECTION_ENTRY_SIZE);
	}
	unsigned char *e = b + table_end;
	size_t at = body + PLAN_SECTION_ENTRY_SIZE;
	hp_wr32(e, id);
	hp_wr64(e + 8, at);
	hp_wr64(e + 16, n);
	memcpy(b + at, data, n);
	hp_wr32(b + 24, nsec + 1);
	hp_wr64(b + 16, *newlen);
	hp_reseal(b, *newlen);
	return b;
}

Test(plan_load, optional_and_duplicate_sections)
{
	size_t len;
	struct plan_error e;
	unsigned char *b =
	    add_section(good, good_len, PLAN_SEC('x', 't', 'r', 'a'), "hello", 5, &len);
	cr_expect_eq(parse(b, len, &e), PLAN_OK, "an optional section is skipped: %s", e.msg);
	free(b);

	b = add_section(good, good_len, PLAN_SEC('X', 'T', 'R', 'A'), "hello", 5, &len);
	expect_refused(b, len, PLAN_E_CORRUPT, "required extension", "section XTRA",
		       "unknown required");

	static const char strs[] = "\0dup\0";
	b = add_section(good, good_len, SEC_STRS, strs, sizeof strs - 1, &len);
	expect_refused(b, len, PLAN_E_CORRUPT, "duplicate STRS", "section STRS", "twice");
}

Test(plan_load, string_pool)
{
	uint64_t off, size;
	size_t ent;
	unsigned char *b = with_section(SEC_STRS, &off, &size, &ent);
	b[off] = 'x';
	expect_refused(b, good_len, PLAN_E_CORRUPT, "STRS start", "section STRS", "NUL");

	b = with_section(SEC_STRS, &off, &size, &ent);
	b[off + size - 1] = 'x';
	expect_refused(b, good_len, PLAN_E_CORRUPT, "STRS end", "section STRS", "NUL");

	b = with_section(SEC_STRS, &off, &size, &ent);
	hp_wr64(b + ent + 16, 0);
	expect_refused(b, good_len, PLAN_E_CORRUPT, "STRS empty", "section STRS", NULL);
}

/* Fields inside sections: the structure is fine, the verifier must catch them. */
Test(plan_load, section_fields_reach_the_verifier)
{
	uint64_t off, size, soff, ssize;
	size_t ent;

	/* a string offset past the pool */
	unsigned char *b = with_section(SEC_PATS, &off, &size, &ent);
	cr_assert_geq(hp_section(b, SEC_STRS, &soff, &ssize, NULL), 0);
	hp_wr32(b + off + 0, (uint32_t)ssize); /* PATS[0].node */
	expect_refused(b, good_len, PLAN_E_VERIFY, "pattern node", "PATS[0]", "string");

	/* a rule's component index */
	b = with_section(SEC_RULE, &off, &size, &ent);
	hp_wr32(b + off + 4, 99); /* RULE[0].comp */
	expect_refused(b, good_len, PLAN_E_VERIFY, "rule component", "RULE[0]", "component");

	/* a rule's reserved word */
	b = with_section(SEC_RULE, &off, &size, &ent);
	hp_wr32(b + off + 36, 1);
	expect_refused(b, good_len, PLAN_E_VERIFY, "rule reserved", "RULE[0]", NULL);

	/* an entry's program pointing into the middle of a program */
	b = with_section(SEC_ENTS, &off, &size, &ent);
	hp_wr32(b + off + 8, hp_rd32(b + off + 8) + 1);
	expect_refused(b, good_len, PLAN_E_VERIFY, "entry program", "ENTS[0]", "program");

	/* a component's detection program out of the code */
	b = with_section(SEC_COMP, &off, &size, &ent);
	hp_wr32(b + off + 16, 1u << 20);
	expect_refused(b, good_len, PLAN_E_VERIFY, "detection pc", "COMP[0]", "detection");

	/* a jump past the end of its program */
	size_t pc;
	b = copy(good, good_len);
	size_t at = find_insn(b, OP_JF, &pc);
	cr_assert(at, "the fixture has a JF");
	hp_wr32(b + at + 4, 1000);
	char want[64];
	snprintf(want, sizeof want, "CODE pc %zu", pc);
	expect_refused(b, good_len, PLAN_E_VERIFY, "jump", want, "beyond the program end");

	/* a program length past the code */
	b = with_section(SEC_CODE, &off, &size, &ent);
	hp_wr32(b + off + 4, (uint32_t)(size / 8));
	expect_refused(b, good_len, PLAN_E_VERIFY, "program length", "CODE pc 0", "runs past");

	/* an unknown opcode */
	b = with_section(SEC_CODE, &off, &size, &ent);
	b[off + 8] = 0xee;
	expect_refused(b, good_len, PLAN_E_VERIFY, "opcode", "CODE pc 1", "unknown opcode 238");

	/* a variable with undefined flag bits */
	b = with_section(SEC_VARS, &off, &size, &ent);
	hp_wr32(b + off + 8, 4);
	expect_refused(b, good_len, PLAN_E_VERIFY, "variable flags", "VARS[0]", NULL);

	/* a source of unknown kind */
	b = with_section(SEC_SRCS, &off, &size, &ent);
	hp_wr32(b + off + 4, 3);
	expect_refused(b, good_len, PLAN_E_VERIFY, "source kind", "SRCS[0]", NULL);
}

/* Checked before the checksum: a newer or older format is named even when the rest of
 * the file would not load; the trailer is resealed anyway so the order does not matter. */
Test(plan_load, version_endianness_size)
{
	struct plan_error e;
	unsigned char *b = copy(good, good_len);
	hp_wr16(b + 8, PLAN_MAJOR + 1);
	hp_reseal(b, good_len);
	cr_expect_eq(parse(b, good_len, &e), PLAN_E_VERSION);
	char want[64];
	snprintf(want, sizeof want, "plan format %d.%d; this build reads %d.x", PLAN_MAJOR + 1,
		 PLAN_MINOR, PLAN_MAJOR);
	cr_expect_str_eq(e.msg, want);
	free(b);

	b = copy(good, good_len);
	hp_wr32(b + 12, 0x04030201); /* written by a big-endian writer */
	hp_reseal(b, good_len);
	cr_expect_eq(parse(b, good_len, &e), PLAN_E_ENDIAN);
	cr_expect_not_null(strstr(e.msg, "0x04030201"), "%s", e.msg);
	free(b);

	b = copy(good, good_len);
	hp_wr64(b + 16, good_len + 8);
	hp_reseal(b, good_len);
	cr_expect_eq(parse(b, good_len, &e), PLAN_E_TRUNCATED, "%s", e.msg);
	free(b);

	b = copy(good, good_len);
	hp_wr64(b + 16, good_len - 8);
	hp_reseal(b, good_len);
	cr_expect_eq(parse(b, good_len, &e), PLAN_E_CORRUPT, "%s", e.msg);
	cr_expect_not_null(strstr(e.msg, "header says"), "%s", e.msg);
	free(b);
}

/* --- files ------------------------------------------------------------------------- */

static void expect_open(const char *path, int status, const char *needle)
{
	struct plan p;
	struct plan_error e;
	int rc = plan_open(path, &p, &e);
	cr_expect_eq(rc, status, "%s: %s (%s), expected %s", path, plan_status_name(rc), e.msg,
		     plan_status_name(status));
	if (needle)
		cr_expect_not_null(strstr(e.msg, needle), "%s: \"%s\" not in \"%s\"", path, needle,
				   e.msg);
	if (rc == PLAN_OK)
		plan_close(&p);
	else
		cr_expect_null(p.base);
}

/* Plans of other format versions, committed as binary files (see README.md there):
 * they must be refused by version, not misread. */
Test(plan_load, other_versions_fail_cleanly)
{
	expect_open(PLANS "format-0.plan", PLAN_E_VERSION, "plan format 0.0; this build reads 1.x");
	expect_open(PLANS "format-2.plan", PLAN_E_VERSION, "plan format 2.0; this build reads 1.x");
	/* they are refused for their version, not for damage: magic, size and trailer hold */
	static const char *const fixtures[] = {PLANS "format-0.plan", PLANS "format-2.plan"};
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		unsigned char *b = hp_slurp(fixtures[i], &len);
		cr_assert_not_null(b, "%s present", fixtures[i]);
		cr_assert_gt(len, PLAN_HEADER_SIZE + PLAN_TRAILER_SIZE);
		cr_expect_eq(memcmp(b, PLAN_MAGIC, PLAN_MAGIC_LEN), 0, "%s magic", fixtures[i]);
		cr_expect_eq(hp_rd64(b + 16), len, "%s size", fixtures[i]);
		unsigned char *c = copy(b, len);
		hp_reseal(c, len);
		cr_expect_eq(memcmp(b + len - 32, c + len - 32, 32), 0, "%s trailer", fixtures[i]);
		free(c);
		free(b);
	}
}

Test(plan_load, open_files)
{
	char path[128];
	snprintf(path, sizeof path, "%s/good.plan", H.dir);
	cr_assert_eq(pb_write_file(good, good_len, path, (char[256]){0}, 256), 0, "%s", strerror(errno));
	struct plan p;
	struct plan_error e;
	cr_assert_eq(plan_open(path, &p, &e), PLAN_OK, "%s", e.msg);
	cr_expect(p.mapped);
	cr_expect_eq(p.size, good_len);
	cr_expect_eq(p.ncode, H.plan.ncode);
	plan_close(&p);
	cr_expect_null(p.base);
	plan_close(&p); /* closing twice is harmless */

	expect_open(H.dir, PLAN_E_IO, "not a regular file");
	snprintf(path, sizeof path, "%s/missing.plan", H.dir);
	expect_open(path, PLAN_E_IO, "No such file");
	expect_open(hp_write(&H, "empty.plan", ""), PLAN_E_NOTPLAN, "empty file");
	expect_open(hp_write(&H, "text.plan", "<?xml version=\"1.0\"?>\n"), PLAN_E_NOTPLAN,
		    "magic");
	expect_open(hp_write(&H, "magic.plan", PLAN_MAGIC), PLAN_E_TRUNCATED,
		    "shorter than a header");
	expect_open("/dev/null", PLAN_E_IO, "not a regular file");

	/* a plan whose file was cut short on disk */
	snprintf(path, sizeof path, "%s/short.plan", H.dir);
	cr_assert_eq(pb_write_file(good, good_len - 1, path, (char[256]){0}, 256), 0);
	expect_open(path, PLAN_E_TRUNCATED, "header says");
}

/* plan_str never leaves the pool, even for an offset nobody verified. */
Test(plan_load, plan_str_bounds)
{
	cr_expect_str_eq(plan_str(&H.plan, PLAN_NONE), "");
	cr_expect_str_eq(plan_str(&H.plan, (uint32_t)H.plan.nstrs), "");
	cr_expect_str_eq(plan_str(&H.plan, 0), "");
}

Test(plan_load, status_names_are_distinct)
{
	static const int st[] = {PLAN_OK,	  PLAN_E_IO,	  PLAN_E_NOTPLAN,
				 PLAN_E_VERSION,  PLAN_E_ENDIAN,  PLAN_E_TRUNCATED,
				 PLAN_E_CHECKSUM, PLAN_E_CORRUPT, PLAN_E_VERIFY};
	for (size_t i = 0; i < 9; i++)
		for (size_t j = i + 1; j < 9; j++)
			cr_expect_str_neq(plan_status_name(st[i]), plan_status_name(st[j]));
	cr_expect_str_eq(plan_status_name(-99), "unknown error");
}
