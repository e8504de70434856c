/* test_verify.c - the plan verifier (runtime/verify.c): one hand-assembled bad plan per
 * rule, each refused with PLAN_E_VERIFY and a message that names the table, the index
 * or pc and the reason; then one good program that uses every opcode, which verifies
 * and runs in the VM to the expected accumulator, plus a table of one-opcode programs.
 *
 * Plans are built with the compiler's own builder (pb_*) and raw pb_emit() calls, so
 * anything the code generator would never produce can be written. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bind.h"
#include "helpers_plan.h"
#include "opcodes.h"
#include "plan_write.h"
#include "vm.h"

/* The base builder has: SRCS[0], COMP[0] (System), PATS[0] "/data/ *" [*], RULE[0]. */

/* PROG NODE JF LEAF RET and an entry for it: the shape the code generator emits. */
static uint32_t good_prog(struct plan_builder *b)
{
	uint32_t pc = pb_prog_begin(b);
	pb_emit(b, OP_NODE, 0, 0, 0);
	uint32_t j = pb_emit(b, OP_JF, 0, 0, 0);
	pb_emit(b, OP_LEAF, 0, 0, 0);
	pb_patch_jump(b, j);
	pb_emit(b, OP_RET, 0, 0, 0);
	pb_prog_end(b, pc);
	return pc;
}

static void good_ent(struct plan_builder *b)
{
	struct plan_ent e = {0, 0, good_prog(b), 0};
	pb_ent(b, &e);
}

/* A program made of the given instructions, wrapped in a correct PROG header. */
static uint32_t prog(struct plan_builder *b, const struct plan_insn *in, size_t n)
{
	uint32_t pc = pb_prog_begin(b);
	for (size_t i = 0; i < n; i++)
		pb_emit(b, in[i].op, in[i].a, in[i].b, in[i].k);
	pb_prog_end(b, pc);
	return pc;
}
#define PROG1(b, ...)                                                                              \
	do {                                                                                       \
		static const struct plan_insn in_[] = {__VA_ARGS__};                               \
		prog((b), in_, sizeof in_ / sizeof in_[0]);                                        \
	} while (0)
#define I(op, a, b, k)                                                                             \
	{                                                                                          \
		OP_##op, (a), (b), (k)                                                             \
	}
#define RET I(RET, 0, 0, 0)

/* --- one mutation per verifier rule ------------------------------------------------ */

/* code structure */
static void no_header(struct plan_builder *b)
{
	pb_emit(b, OP_RET, 0, 0, 0);
}
static void header_a(struct plan_builder *b)
{
	uint32_t pc = pb_emit(b, OP_PROG, 1, 0, 0);
	pb_emit(b, OP_RET, 0, 0, 0);
	pb_prog_end(b, pc);
}
static void header_b(struct plan_builder *b)
{
	uint32_t pc = pb_emit(b, OP_PROG, 0, 9, 0);
	pb_emit(b, OP_RET, 0, 0, 0);
	pb_prog_end(b, pc);
}
static void empty_prog(struct plan_builder *b)
{
	pb_emit(b, OP_PROG, 0, 0, 0);
	good_prog(b);
}
static void length_past_end(struct plan_builder *b)
{
	pb_emit(b, OP_PROG, 0, 0, 3);
	pb_emit(b, OP_RET, 0, 0, 0);
}
static void length_huge(struct plan_builder *b)
{
	pb_emit(b, OP_PROG, 0, 0, 0xffffffffu);
	pb_emit(b, OP_RET, 0, 0, 0);
}
static void prog_inside(struct plan_builder *b)
{
	PROG1(b, I(PROG, 0, 0, 1), RET);
}
static void unknown_op(struct plan_builder *b)
{
	PROG1(b, {OP__COUNT, 0, 0, 0}, RET);
}
static void unknown_op_ff(struct plan_builder *b)
{
	PROG1(b, {0xff, 0, 0, 0}, RET);
}
static void no_ret(struct plan_builder *b)
{
	PROG1(b, I(CONST, 1, 0, 0), I(NOT, 0, 0, 0));
}
static void ends_in_isdir(struct plan_builder *b)
{
	PROG1(b, RET, I(ISDIR, 0, 0, 0));
}
static void second_prog_bad(struct plan_builder *b)
{
	good_prog(b);
	PROG1(b, I(CONST, 1, 0, 0));
}
static void jump_past_end(struct plan_builder *b)
{
	PROG1(b, I(JF, 0, 0, 1), RET);
}
static void jump_into_next(struct plan_builder *b)
{
	PROG1(b, I(JT, 0, 0, 2), RET);
	good_prog(b);
}
static void jump_huge(struct plan_builder *b)
{
	PROG1(b, I(JT, 0, 0, 0xffffffffu), RET);
}

/* operands: N must be zero */
static void n_a(struct plan_builder *b)
{
	PROG1(b, I(ISDIR, 1, 0, 0), RET);
}
static void n_b(struct plan_builder *b)
{
	PROG1(b, I(NOT, 0, 1, 0), RET);
}
static void n_k(struct plan_builder *b)
{
	PROG1(b, I(ISSYS, 0, 0, 1), RET);
}
static void n_ret(struct plan_builder *b)
{
	PROG1(b, I(RET, 0, 0, 5));
}
static void n_jump_a(struct plan_builder *b)
{
	PROG1(b, I(JF, 1, 0, 0), RET);
}
static void n_node_b(struct plan_builder *b)
{
	PROG1(b, I(NODE, 0, 1, 0), RET);
}
/* U: CONST is a boolean */
static void u_const(struct plan_builder *b)
{
	PROG1(b, I(CONST, 2, 0, 0), RET);
}
/* C: comparison */
static void c_fsize(struct plan_builder *b)
{
	pb_const(b, 1);
	PROG1(b, I(FSIZE, CMP__COUNT, 0, 0), RET);
}
static void c_osver(struct plan_builder *b)
{
	PROG1(b, I(OSVER, 0xff, 0, 0), RET);
}
/* C: a version compare has no second operand, so "range" is refused */
static void c_osver_range(struct plan_builder *b)
{
	PROG1(b, I(OSVER, CMP_RANGE, 0, 0), RET);
}
/* F: time field */
static void f_ftime(struct plan_builder *b)
{
	pb_const(b, 1);
	PROG1(b, I(FTIME, CMP_LT, TF__COUNT, 0), RET);
}
/* PH: phase */
static void ph_phase(struct plan_builder *b)
{
	PROG1(b, I(PHASE, PHASE__COUNT, 0, 0), RET);
}
/* P: pattern index (there is one pattern) */
static void p_node(struct plan_builder *b)
{
	PROG1(b, I(NODE, 0, 0, 1), RET);
}
static void p_leaf(struct plan_builder *b)
{
	PROG1(b, I(LEAF, 0, 0, 0xffffffffu), RET);
}
static void p_exists(struct plan_builder *b)
{
	PROG1(b, I(EXISTS, 0, 0, 1), RET);
}
static void p_sameobj_k(struct plan_builder *b)
{
	PROG1(b, I(SAMEOBJ, 0, 0, 1), RET);
}
static void p_sameobj_b(struct plan_builder *b)
{
	PROG1(b, I(SAMEOBJ, 0, 1, 0), RET);
}
/* S: string offset */
static void s_osmatch(struct plan_builder *b)
{
	PROG1(b, I(OSMATCH, 0, 0, 0x7fffffffu), RET);
}
static void s_osver(struct plan_builder *b)
{
	PROG1(b, I(OSVER, CMP_EQ, 0, PLAN_NONE), RET);
}
/* Q: constant index */
static void q_fsize(struct plan_builder *b)
{
	pb_const(b, 7);
	PROG1(b, I(FSIZE, CMP_EQ, 0, 1), RET);
}
static void q_none(struct plan_builder *b)
{
	PROG1(b, I(FTIME, CMP_EQ, TF_MODIFIED, 0), RET);
}
/* a range needs two constants */
static void range_fsize(struct plan_builder *b)
{
	pb_const(b, 1);
	pb_const(b, 2);
	PROG1(b, I(FSIZE, CMP_RANGE, 0, 1), RET);
}
static void range_ftime(struct plan_builder *b)
{
	pb_const(b, 1);
	PROG1(b, I(FTIME, CMP_RANGE, TF_CREATED, 0), RET);
}

/* references from the tables to programs */
static void ent_prog_none(struct plan_builder *b)
{
	good_prog(b);
	struct plan_ent e = {0, 0, PLAN_NONE, 0};
	pb_ent(b, &e);
}
static void ent_prog_mid(struct plan_builder *b)
{
	struct plan_ent e = {0, 0, good_prog(b) + 1, 0};
	pb_ent(b, &e);
}
static void ent_prog_past(struct plan_builder *b)
{
	good_prog(b);
	struct plan_ent e = {0, 0, 1000, 0};
	pb_ent(b, &e);
}
static void ent_prog_empty_code(struct plan_builder *b)
{
	struct plan_ent e = {0, 0, 0, 0};
	pb_ent(b, &e);
}
static void ent_rule(struct plan_builder *b)
{
	struct plan_ent e = {1, 0, good_prog(b), 0};
	pb_ent(b, &e);
}
static void ent_pat(struct plan_builder *b)
{
	struct plan_ent e = {0, 1, good_prog(b), 0};
	pb_ent(b, &e);
}
static void ent_reserved(struct plan_builder *b)
{
	struct plan_ent e = {0, 0, good_prog(b), 1};
	pb_ent(b, &e);
}

static void add_comp(struct plan_builder *b, uint32_t name, uint32_t src, uint32_t ctx,
		     uint32_t detect, uint32_t reserved)
{
	struct plan_comp c = {name, src, 1, ctx, detect, reserved};
	pb_comp(b, &c);
}
static void comp_detect_mid(struct plan_builder *b)
{
	good_ent(b);
	add_comp(b, 0, 0, 1, 1, 0);
}
static void comp_detect_past(struct plan_builder *b)
{
	good_ent(b);
	add_comp(b, 0, 0, 1, 99, 0);
}
static void comp_name(struct plan_builder *b)
{
	add_comp(b, 0x10000, 0, 1, PLAN_NONE, 0);
}
static void comp_src(struct plan_builder *b)
{
	add_comp(b, 0, 1, 1, PLAN_NONE, 0);
}
static void comp_ctx0(struct plan_builder *b)
{
	add_comp(b, 0, 0, 0, PLAN_NONE, 0);
}
static void comp_ctx4(struct plan_builder *b)
{
	add_comp(b, 0, 0, 4, PLAN_NONE, 0);
}
static void comp_reserved(struct plan_builder *b)
{
	add_comp(b, 0, 0, 1, PLAN_NONE, 2);
}

static struct plan_rule a_rule(void)
{
	return (struct plan_rule){.kind = PRK_INCLUDE,
				  .context = CTXB_USER,
				  .comp = 0,
				  .src = 0,
				  .args = {PLAN_NONE, PLAN_NONE, PLAN_NONE},
				  .cond_pc = PLAN_NONE};
}
#define RULE_WITH(fn, field, value)                                                                \
	static void fn(struct plan_builder *b)                                                     \
	{                                                                                          \
		struct plan_rule r = a_rule();                                                     \
		good_ent(b);                                                                       \
		r.field = value;                                                                   \
		pb_rule(b, &r);                                                                    \
	}
RULE_WITH(rule_kind, kind, PRK__COUNT)
RULE_WITH(rule_ctx0, context, 0)
RULE_WITH(rule_ctx4, context, 4)
RULE_WITH(rule_helper, helper, PLAN_HELPER__COUNT)
RULE_WITH(rule_comp, comp, 1)
RULE_WITH(rule_src, src, 1)
RULE_WITH(rule_reserved, reserved, 1)
RULE_WITH(rule_cond_mid, cond_pc, 2)
RULE_WITH(rule_cond_past, cond_pc, 5000)
RULE_WITH(rule_arg0, args[0], 0x10000)
RULE_WITH(rule_arg2, args[2], 0x7fffffff)

static void add_pat(struct plan_builder *b, uint32_t node, uint32_t leaf, uint32_t src,
		    uint32_t text, uint32_t flags)
{
	struct plan_pat t = {node, leaf, src, 1, text, flags};
	pb_pat(b, &t);
}
static void pat_node(struct plan_builder *b)
{
	add_pat(b, 0x10000, PLAN_NONE, 0, 0, 0);
}
static void pat_leaf(struct plan_builder *b)
{
	add_pat(b, 0, 0x10000, 0, 0, 0);
}
static void pat_text(struct plan_builder *b)
{
	add_pat(b, 0, PLAN_NONE, 0, PLAN_NONE, 0);
}
static void pat_src(struct plan_builder *b)
{
	add_pat(b, 0, PLAN_NONE, 3, 0, 0);
}
static void pat_flags(struct plan_builder *b)
{
	add_pat(b, 0, PLAN_NONE, 0, 0, PP__MASK + 1);
}

static void src_path(struct plan_builder *b)
{
	struct plan_src s = {0x10000, 0, {0}};
	pb_src(b, &s);
}
static void src_kind(struct plan_builder *b)
{
	struct plan_src s = {0, 3, {0}};
	pb_src(b, &s);
}
static void var_name(struct plan_builder *b)
{
	struct plan_var v = {0x10000, 0, 0};
	pb_var(b, &v);
}
static void var_value(struct plan_builder *b)
{
	struct plan_var v = {0, PLAN_NONE, 0};
	pb_var(b, &v);
}
static void var_flags(struct plan_builder *b)
{
	struct plan_var v = {0, 0, 2};
	pb_var(b, &v);
}

static void add_errc(struct plan_builder *b, uint32_t pat, uint8_t fatal, uint8_t reg,
		     uint16_t reserved, int32_t code, uint32_t src)
{
	struct plan_errc e = {pat, fatal, reg, reserved, code, src, 1};
	pb_errc(b, &e);
}
static void errc_pat(struct plan_builder *b)
{
	add_errc(b, 1, 0, 0, 0, -1, 0);
}
static void errc_fatal(struct plan_builder *b)
{
	add_errc(b, 0, 2, 0, 0, -1, 0);
}
static void errc_registry(struct plan_builder *b)
{
	add_errc(b, 0, 0, 2, 0, -1, 0);
}
static void errc_reserved(struct plan_builder *b)
{
	add_errc(b, 0, 0, 0, 1, -1, 0);
}
static void errc_code(struct plan_builder *b)
{
	add_errc(b, 0, 0, 0, 0, -2, 0);
}
static void errc_src(struct plan_builder *b)
{
	add_errc(b, 0, 0, 0, 0, 5, 1);
}

static void add_hlnk(struct plan_builder *b, uint32_t pat, uint32_t create, uint32_t src)
{
	struct plan_hlnk h = {pat, create, src, 1};
	pb_hlnk(b, &h);
}
static void hlnk_pat(struct plan_builder *b)
{
	add_hlnk(b, 1, 1, 0);
}
static void hlnk_create(struct plan_builder *b)
{
	add_hlnk(b, 0, 2, 0);
}
static void hlnk_src(struct plan_builder *b)
{
	add_hlnk(b, 0, 0, 1);
}

static void add_grpm(struct plan_builder *b, const char *from, const char *to, uint32_t applies,
		     uint32_t src, uint32_t reserved)
{
	struct plan_grpm g = {pb_str(b, from), pb_str(b, to), applies, src, 1, reserved};
	pb_grpm(b, &g);
}
static void grpm_from(struct plan_builder *b)
{
	add_grpm(b, "bad:name", "sudo", PG_MIGRATED, 0, 0);
}
static void grpm_to(struct plan_builder *b)
{
	add_grpm(b, "sudo", "", PG_MIGRATED, 0, 0); /* offset 0: "" */
}
static void grpm_applies(struct plan_builder *b)
{
	add_grpm(b, "sudo", "sudo", 0, 0, 0);
}
static void grpm_applies_bits(struct plan_builder *b)
{
	add_grpm(b, "sudo", "sudo", 4, 0, 0);
}
static void grpm_src(struct plan_builder *b)
{
	add_grpm(b, "sudo", "sudo", PG_MIGRATED, 1, 0);
}
static void grpm_reserved(struct plan_builder *b)
{
	add_grpm(b, "sudo", "sudo", PG_MIGRATED, 0, 1);
}
static void grpm_offset(struct plan_builder *b)
{
	struct plan_grpm g = {0xfffffff0u, pb_str(b, "sudo"), PG_MIGRATED, 0, 1, 0};
	pb_grpm(b, &g);
}

struct bad_row {
	const char *what;
	void (*build)(struct plan_builder *b);
	const char *needle1, *needle2;
};

/* clang-format off */
static const struct bad_row bad_rows[] = {
	/* programs: header, length, nesting, opcodes, termination, jumps */
	{"missing PROG header", no_header, "CODE pc 0", "expected a PROG header"},
	{"PROG a operand", header_a, "CODE pc 0", "PROG operands a/b must be zero"},
	{"PROG b operand", header_b, "CODE pc 0", "PROG operands a/b must be zero"},
	{"empty program", empty_prog, "CODE pc 0", "program length 0"},
	{"length past end", length_past_end, "CODE pc 0", "program length 3 runs past the code"},
	{"length 2^32-1", length_huge, "CODE pc 0", "runs past the code"},
	{"PROG inside a program", prog_inside, "CODE pc 1", "PROG header inside a program"},
	{"unknown opcode", unknown_op, "CODE pc 1", "unknown opcode"},
	{"opcode 255", unknown_op_ff, "CODE pc 1", "unknown opcode 255"},
	{"no RET", no_ret, "CODE pc 2", "does not end in RET"},
	{"ends after RET", ends_in_isdir, "CODE pc 2", "does not end in RET"},
	/* (a jump as the last instruction is caught as a jump past the end) */
	{"second program bad", second_prog_bad, "CODE pc 6", "does not end in RET"},
	{"jump past the end", jump_past_end, "CODE pc 1",
	 "JF target 3 is beyond the program end 2"},
	{"jump into the next program", jump_into_next, "CODE pc 1", "JT target 4 is beyond"},
	{"jump distance 2^32-1", jump_huge, "CODE pc 1", "JT target 4294967297"},
	/* operands of every kind */
	{"N: a of ISDIR", n_a, "CODE pc 1", "ISDIR has an operand out of range (a=1 b=0 k=0)"},
	{"N: b of NOT", n_b, "CODE pc 1", "NOT has an operand out of range (a=0 b=1 k=0)"},
	{"N: k of ISSYS", n_k, "CODE pc 1", "ISSYS has an operand out of range (a=0 b=0 k=1)"},
	{"N: k of RET", n_ret, "CODE pc 1", "RET has an operand out of range"},
	{"N: a of JF", n_jump_a, "CODE pc 1", "JF has an operand out of range"},
	{"N: b of NODE", n_node_b, "CODE pc 1", "NODE has an operand out of range"},
	{"U: CONST 2", u_const, "CODE pc 1", "CONST has an operand out of range (a=2"},
	{"C: FSIZE comparison", c_fsize, "CODE pc 1", "FSIZE has an operand out of range"},
	{"C: OSVER comparison", c_osver, "CODE pc 1", "OSVER has an operand out of range (a=255"},
	{"C: OSVER range", c_osver_range, "CODE pc 1", "OSVER cannot use a range comparison"},
	{"F: FTIME field", f_ftime, "CODE pc 1", "FTIME has an operand out of range"},
	{"PH: PHASE 2", ph_phase, "CODE pc 1", "PHASE has an operand out of range (a=2"},
	{"P: NODE pattern", p_node, "CODE pc 1", "NODE has an operand out of range (a=0 b=0 k=1)"},
	{"P: LEAF pattern", p_leaf, "CODE pc 1", "LEAF has an operand out of range"},
	{"P: EXISTS pattern", p_exists, "CODE pc 1", "EXISTS has an operand out of range"},
	{"P: SAMEOBJ k", p_sameobj_k, "CODE pc 1",
	 "SAMEOBJ has an operand out of range (a=0 b=0 k=1)"},
	{"P: SAMEOBJ b", p_sameobj_b, "CODE pc 1",
	 "SAMEOBJ has an operand out of range (a=0 b=1 k=0)"},
	{"S: OSMATCH string", s_osmatch, "CODE pc 1", "OSMATCH has an operand out of range"},
	{"S: OSVER none", s_osver, "CODE pc 1", "OSVER has an operand out of range"},
	{"Q: FSIZE constant", q_fsize, "CODE pc 1",
	 "FSIZE has an operand out of range (a=0 b=0 k=1)"},
	{"Q: no constants", q_none, "CODE pc 1", "FTIME has an operand out of range"},
	{"range: FSIZE pair", range_fsize, "CODE pc 1", "FSIZE range needs constants 1 and 2"},
	{"range: FTIME pair", range_ftime, "CODE pc 1", "FTIME range needs constants 0 and 1"},
	/* entries */
	{"entry without program", ent_prog_none, "ENTS[0]", "program"},
	{"entry into a program", ent_prog_mid, "ENTS[0]", "program"},
	{"entry past the code", ent_prog_past, "ENTS[0]", "program"},
	{"entry with no code", ent_prog_empty_code, "ENTS[0]", "program"},
	{"entry rule", ent_rule, "ENTS[0]", "rule"},
	{"entry pattern", ent_pat, "ENTS[0]", "pattern"},
	{"entry reserved", ent_reserved, "ENTS[0]", NULL},
	/* components */
	{"detection into a program", comp_detect_mid, "COMP[1]", "detection program"},
	{"detection past the code", comp_detect_past, "COMP[1]", "detection program"},
	{"component name", comp_name, "COMP[1]", "name"},
	{"component source", comp_src, "COMP[1]", "source"},
	{"component context 0", comp_ctx0, "COMP[1]", "context"},
	{"component context 4", comp_ctx4, "COMP[1]", "context"},
	{"component reserved", comp_reserved, "COMP[1]", NULL},
	/* rules */
	{"rule kind", rule_kind, "RULE[1]", "kind"},
	{"rule context 0", rule_ctx0, "RULE[1]", "context"},
	{"rule context 4", rule_ctx4, "RULE[1]", "context"},
	{"rule helper", rule_helper, "RULE[1]", "helper"},
	{"rule component", rule_comp, "RULE[1]", "component"},
	{"rule source", rule_src, "RULE[1]", "source"},
	{"rule reserved", rule_reserved, "RULE[1]", NULL},
	{"rule condition into a program", rule_cond_mid, "RULE[1]", "condition"},
	{"rule condition past the code", rule_cond_past, "RULE[1]", "condition"},
	{"rule argument 0", rule_arg0, "RULE[1]", "argument"},
	{"rule argument 2", rule_arg2, "RULE[1]", "argument"},
	/* patterns */
	{"pattern node", pat_node, "PATS[1]", "string"},
	{"pattern leaf", pat_leaf, "PATS[1]", "string"},
	{"pattern text", pat_text, "PATS[1]", "string"},
	{"pattern source", pat_src, "PATS[1]", "source"},
	{"pattern flags", pat_flags, "PATS[1]", "flags"},
	/* sources and variables */
	{"source path", src_path, "SRCS[1]", "path"},
	{"source kind", src_kind, "SRCS[1]", "kind"},
	{"variable name", var_name, "VARS[0]", "name"},
	{"variable value", var_value, "VARS[0]", "value"},
	{"variable flags", var_flags, "VARS[0]", "flags"},
	/* Config.xml tables */
	{"errc pattern", errc_pat, "ERRC[0]", "pattern"},
	{"errc fatal", errc_fatal, "ERRC[0]", "flags"},
	{"errc registry", errc_registry, "ERRC[0]", "flags"},
	{"errc reserved", errc_reserved, "ERRC[0]", NULL},
	{"errc code", errc_code, "ERRC[0]", "code"},
	{"errc source", errc_src, "ERRC[0]", "source"},
	{"hlnk pattern", hlnk_pat, "HLNK[0]", "pattern"},
	{"hlnk action", hlnk_create, "HLNK[0]", "action"},
	{"hlnk source", hlnk_src, "HLNK[0]", "source"},
	/* the optional group mappings */
	{"grpm from", grpm_from, "grpm[0]", "group name"},
	{"grpm to", grpm_to, "grpm[0]", "group name"},
	{"grpm string offset", grpm_offset, "grpm[0]", "group name"},
	{"grpm appliesTo 0", grpm_applies, "grpm[0]", "appliesTo"},
	{"grpm appliesTo bits", grpm_applies_bits, "grpm[0]", "appliesTo"},
	{"grpm source", grpm_src, "grpm[0]", "source"},
	{"grpm reserved", grpm_reserved, "grpm[0]", "reserved"},
};
/* clang-format on */

static int build_and_parse(void (*build)(struct plan_builder *), struct plan_error *e)
{
	struct plan_builder *b = hp_builder_base();
	build(b);
	unsigned char *buf;
	size_t len;
	hp_serialize(b, &buf, &len);
	pb_free(b);
	struct plan p;
	memset(e, 0, sizeof *e);
	int rc = plan_parse(buf, len, &p, e);
	free(buf);
	return rc;
}

Test(verify, one_bad_plan_per_rule)
{
	for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
		const struct bad_row *r = &bad_rows[i];
		struct plan_error e;
		int rc = build_and_parse(r->build, &e);
		cr_expect_eq(rc, PLAN_E_VERIFY, "%s: %s (%s), expected verification failure",
			     r->what, plan_status_name(rc), e.msg);
		cr_expect_eq(e.status, PLAN_E_VERIFY, "%s", r->what);
		if (r->needle1)
			cr_expect_not_null(strstr(e.msg, r->needle1), "%s: \"%s\" not in \"%s\"",
					   r->what, r->needle1, e.msg);
		if (r->needle2)
			cr_expect_not_null(strstr(e.msg, r->needle2), "%s: \"%s\" not in \"%s\"",
					   r->what, r->needle2, e.msg);
	}
}

/* The good counterparts of the rows above verify: the base plan itself, boundary
 * values (last pattern, last constant pair, a jump onto the final RET, PLAN_NONE
 * where it is allowed, context 3, code -1, several programs). */
static void boundaries(struct plan_builder *b)
{
	good_ent(b);
	pb_const_pair(b, 1, 2);
	uint32_t s = pb_str(b, "6.*");
	uint32_t pc = pb_prog_begin(b);
	pb_emit(b, OP_FSIZE, CMP_RANGE, 0, 0);
	pb_emit(b, OP_FTIME, CMP_RANGE, TF__COUNT - 1, 0);
	pb_emit(b, OP_PHASE, PHASE__COUNT - 1, 0, 0);
	pb_emit(b, OP_OSVER, CMP_RANGE - 1, 0, s); /* the highest comparison OSVER takes */
	pb_emit(b, OP_OSMATCH, 0, 0, 0);
	pb_emit(b, OP_CONST, 1, 0, 0);
	pb_emit(b, OP_JT, 0, 0, 0); /* to the very next instruction */
	pb_emit(b, OP_JF, 0, 0, 1); /* onto the final RET */
	pb_emit(b, OP_NOT, 0, 0, 0);
	pb_emit(b, OP_RET, 0, 0, 0);
	pb_prog_end(b, pc);
	add_comp(b, 0, 0, CTXB_SYSTEM | CTXB_USER, pc, 0);
	struct plan_rule r = a_rule();
	r.context = CTXB_SYSTEM | CTXB_USER;
	r.cond_pc = pc;
	r.helper = PLAN_HELPER__COUNT - 1;
	r.kind = PRK__COUNT - 1;
	r.comp = 1;
	r.args[0] = s;
	pb_rule(b, &r);
	struct plan_ent e = {1, 0, pc, 0};
	pb_ent(b, &e);
	add_pat(b, 0, PLAN_NONE, 0, 0, PP__MASK);
	add_errc(b, 1, 1, 1, 0, -1, 0);
	add_hlnk(b, 1, 1, 0);
	add_grpm(b, "sudo", "wheel", PG__MASK, 0, 0);
	add_grpm(b, "a.b-c_$", "Users", PG_NONMIGRATED, 0, 0);
	struct plan_var v = {s, s, PV_USER};
	pb_var(b, &v);
}

static void nothing(struct plan_builder *b)
{
	(void)b;
}

Test(verify, boundaries_are_accepted)
{
	struct plan_error e;
	cr_expect_eq(build_and_parse(nothing, &e), PLAN_OK, "base plan: %s", e.msg);
	cr_expect_eq(build_and_parse(good_ent, &e), PLAN_OK, "one entry: %s", e.msg);
	cr_expect_eq(build_and_parse(boundaries, &e), PLAN_OK, "boundaries: %s", e.msg);
}

/* Every opcode has a name and operand kinds the verifier knows, and the table is dense. */
Test(verify, opcode_table)
{
	for (int op = 0; op < OP__COUNT; op++) {
		const struct op_info *oi = &op_info[op];
		cr_expect_not_null(oi->name, "opcode %d has no name", op);
		cr_expect_not_null(oi->doc, "opcode %d has no synopsis", op);
		cr_expect(oi->a <= OK_L && oi->b <= OK_L && oi->k <= OK_L, "%s operand kinds",
			  oi->name);
		cr_expect_eq((oi->flags & OPF_HEAD) != 0, op == OP_PROG, "%s head flag", oi->name);
		cr_expect_eq((oi->flags & OPF_TERM) != 0, op == OP_RET, "%s terminal flag",
			     oi->name);
		cr_expect_eq((oi->flags & OPF_JUMP) != 0, op == OP_JT || op == OP_JF,
			     "%s jump flag", oi->name);
		cr_expect_eq((oi->flags & OPF_JUMP) != 0, oi->k == OK_J,
			     "%s: jumps and J operands agree", oi->name);
		for (int o = op + 1; o < OP__COUNT; o++)
			cr_expect_str_neq(oi->name, op_info[o].name);
	}
}

/* --- running verified programs --------------------------------------------------- */

struct vm_fixture {
	char root[96];
	unsigned char *buf;
	size_t len;
	struct plan plan;
	struct rt_env env;
	struct rt_bound b;
	int rootfd;
	uint32_t prog_all;
	uint32_t s_ver, s_glob;
};

/* Patterns of the VM plan: 0 "/data/ *" [*] (base), 1 /data/x [a.txt], 2 /data/x
 * [hard.txt] (a hard link of a.txt), 3 /data/x [missing.txt], 4 /data/x (no leaf). */
static void vm_patterns(struct plan_builder *b)
{
	uint32_t x = pb_str(b, "/data/x");
	add_pat(b, x, pb_str(b, "a.txt"), 0, 0, 0);
	add_pat(b, x, pb_str(b, "hard.txt"), 0, 0, 0);
	add_pat(b, x, pb_str(b, "missing.txt"), 0, 0, 0);
	add_pat(b, x, PLAN_NONE, 0, 0, 0);
}

static void write_file(const char *dir, const char *name, size_t size)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
}

/* A temporary root with /data/x/a.txt (100 bytes) and its hard link hard.txt. */
static void make_root(struct vm_fixture *f)
{
	snprintf(f->root, sizeof f->root, "/tmp/migstate-vm-XXXXXX");
	cr_assert_not_null(mkdtemp(f->root));
	char dir[160];
	snprintf(dir, sizeof dir, "%s/data", f->root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof dir, "%s/data/x", f->root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	write_file(dir, "a.txt", 100);
	char a[200], h[200];
	snprintf(a, sizeof a, "%s/a.txt", dir);
	snprintf(h, sizeof h, "%s/hard.txt", dir);
	cr_assert_eq(link(a, h), 0);
}

static void drop_root(struct vm_fixture *f)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
	cr_expect_eq(system(cmd), 0);
}

/* One program that uses every opcode; every check that must hold is followed by a
 * JF to the final RET, so the accumulator is 1 only if all of them held. */
static uint32_t all_ops_prog(struct plan_builder *b, struct vm_fixture *f)
{
	uint32_t c_size = pb_const(b, 10);
	uint32_t c_time = pb_const_pair(b, 0, (uint64_t)4102444800); /* 1970..2100 */
	f->s_ver = pb_str(b, "5.10");
	f->s_glob = pb_str(b, "6.*");
	uint32_t fails[32];
	size_t nf = 0;
	uint32_t pc = pb_prog_begin(b);
#define CHECK(op, a, bb, k)                                                                        \
	do {                                                                                       \
		pb_emit(b, OP_##op, (a), (bb), (k));                                               \
		fails[nf++] = pb_emit(b, OP_JF, 0, 0, 0);                                          \
	} while (0)
	CHECK(NODE, 0, 0, 0);  /* /data/x matches /data/ * */
	CHECK(LEAF, 0, 0, 0);  /* a.txt matches * */
	CHECK(ENODE, 0, 0, 0); /* the entry's pattern: 0 */
	CHECK(ELEAF, 0, 0, 0);
	pb_emit(b, OP_ISDIR, 0, 0, 0);	 /* a file: 0 ... */
	CHECK(NOT, 0, 0, 0);		 /* ... so NOT gives 1 */
	CHECK(FSIZE, CMP_GT, 0, c_size); /* 100 > 10 */
	CHECK(FTIME, CMP_RANGE, TF_MODIFIED, c_time);
	pb_emit(b, OP_DANGLING, 0, 0, 0);
	CHECK(NOT, 0, 0, 0);
	CHECK(PHASE, PHASE_SCAN, 0, 0);
	pb_emit(b, OP_CONST, 0, 0, 0);
	uint32_t jt = pb_emit(b, OP_JT, 0, 0, 0); /* not taken: acc is 0 */
	pb_emit(b, OP_CONST, 1, 0, 0);
	pb_patch_jump(b, jt);
	fails[nf++] = pb_emit(b, OP_JF, 0, 0, 0);
	pb_emit(b, OP_CONST, 1, 0, 0);
	uint32_t skip = pb_emit(b, OP_JT, 0, 0, 0); /* taken: skips the CONST 0 */
	pb_emit(b, OP_CONST, 0, 0, 0);
	pb_patch_jump(b, skip);
	fails[nf++] = pb_emit(b, OP_JF, 0, 0, 0);
	CHECK(EXISTS, 0, 0, 1);		    /* /data/x/a.txt exists */
	CHECK(SAMEOBJ, 0, 2, 1);	    /* a.txt and hard.txt: one inode */
	CHECK(ISSYS, 0, 0, 0);		    /* context 0 */
	CHECK(OSVER, CMP_GTE, 0, f->s_ver); /* 6.1.0 >= 5.10 */
	CHECK(OSMATCH, 0, 0, f->s_glob);    /* 6.1.0 matches 6.* */
	pb_emit(b, OP_ARCH64, 0, 0, 0);
	pb_emit(b, OP_CONST, 1, 0, 0); /* ARCH64 depends on the build: not checked */
	pb_emit(b, OP_RET, 0, 0, 0);   /* success */
	for (size_t i = 0; i < nf; i++)
		pb_patch_jump(b, fails[i]);
	pb_emit(b, OP_RET, 0, 0, 0); /* a check failed: acc is 0 */
	pb_prog_end(b, pc);
#undef CHECK
	return pc;
}

static void vm_setup(struct vm_fixture *f, void (*more)(struct plan_builder *, struct vm_fixture *))
{
	make_root(f);
	struct plan_builder *b = hp_builder_base();
	vm_patterns(b);
	f->prog_all = all_ops_prog(b, f);
	struct plan_ent e = {0, 0, f->prog_all, 0};
	pb_ent(b, &e);
	if (more)
		more(b, f);
	hp_serialize(b, &f->buf, &f->len);
	pb_free(b);
	struct plan_error pe;
	cr_assert_eq(plan_parse(f->buf, f->len, &f->plan, &pe), PLAN_OK, "%s", pe.msg);
	f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(f->rootfd >= 0);
	f->env = (struct rt_env){.rootfd = f->rootfd, .phase = PHASE_SCAN, .os_release = "6.1.0"};
	char err[256];
	cr_assert_eq(rt_bind(&f->plan, &f->env, &f->b, err, sizeof err), 0, "%s", err);
}

static void vm_teardown(struct vm_fixture *f)
{
	rt_unbind(&f->b);
	close(f->rootfd);
	free(f->buf);
	drop_root(f);
}

static struct vm_obj file_obj(uint64_t size)
{
	return (struct vm_obj){.dir = "/data/x",
			       .dirlen = 7,
			       .name = "a.txt",
			       .namelen = 5,
			       .size = size,
			       .mtime = 1000000000};
}

static int run(const struct vm_fixture *f, uint32_t pc, const struct vm_obj *o, unsigned ctx,
	       char **trace)
{
	size_t n;
	FILE *t = trace ? open_memstream(trace, &n) : NULL;
	struct vm_env e = {
	    .plan = &f->plan, .bound = &f->b, .ctx = ctx, .obj = o, .ent_pat = 0, .trace = t};
	int acc = vm_run(&e, pc);
	if (t)
		fclose(t);
	return acc;
}

Test(verify, every_opcode_verifies_and_runs)
{
	struct vm_fixture f;
	vm_setup(&f, NULL);
	/* the program really contains every opcode */
	bool used[OP__COUNT] = {false};
	uint32_t end = f.prog_all + f.plan.code[f.prog_all].k;
	for (uint32_t pc = f.prog_all; pc <= end; pc++)
		used[f.plan.code[pc].op] = true;
	for (int op = 0; op < OP__COUNT; op++)
		cr_expect(used[op], "opcode %s is not exercised: add it to all_ops_prog",
			  op_info[op].name);

	struct vm_obj o = file_obj(100);
	char *trace = NULL;
	int acc = run(&f, f.prog_all, &o, 0, &trace);
	cr_expect_eq(acc, 1, "every check holds; trace:\n%s", trace);
	/* --trace: one line per executed instruction, the last one the RET */
	cr_expect_not_null(strstr(trace, "  vm     1 NODE     a=0 b=0 k=0 -> acc=1\n"), "%s",
			   trace);
	cr_expect_not_null(strstr(trace, " RET      a=0 b=0 k=0 -> acc=1\n"), "%s", trace);
	size_t lines = 0;
	for (const char *c = trace; *c; c++)
		lines += *c == '\n';
	cr_expect_gt(lines, 30, "%zu trace lines", lines);
	free(trace);
	/* each failing condition makes the program return 0 */
	struct vm_obj small = file_obj(5);
	cr_expect_eq(run(&f, f.prog_all, &small, 0, NULL), 0, "size 5 is not > 10");
	struct vm_obj other = o;
	other.dir = "/elsewhere";
	other.dirlen = 10;
	cr_expect_eq(run(&f, f.prog_all, &other, 0, NULL), 0, "outside /data");
	struct vm_obj dir = o;
	dir.is_dir = true;
	cr_expect_eq(run(&f, f.prog_all, &dir, 0, NULL), 0, "a directory");
	struct vm_obj link = o;
	link.is_link = link.dangling = true;
	cr_expect_eq(run(&f, f.prog_all, &link, 0, NULL), 0, "a dangling link");
	vm_teardown(&f);
}

/* One-opcode programs: PROG, OP, RET. */
struct op_row {
	const char *what;
	struct plan_insn in[4];
	size_t n;
	int obj; /* 0 none (condition program), 1 the file, 2 a directory, 3 a dangling link */
	int phase;
	unsigned ctx;
	int want;
};

#define Q_10 0	  /* const 10 (interned: all_ops_prog made it first) */
#define Q_RANGE 3 /* consts 50, 150 (after all_ops_prog's 10 and its time pair) */
static void op_consts(struct plan_builder *b, struct vm_fixture *f)
{
	(void)f;
	cr_assert_eq(pb_const(b, 10), Q_10);
	cr_assert_eq(pb_const_pair(b, 50, 150), Q_RANGE);
	pb_str(b, "6.1");
	pb_str(b, "7");
	pb_str(b, "6.1.*");
	pb_str(b, "5.*");
}

/* clang-format off */
static const struct op_row op_rows[] = {
	{"empty accumulator", {RET}, 1, 1, 0, 0, 0},
	{"CONST 1", {I(CONST, 1, 0, 0), RET}, 2, 0, 0, 0, 1},
	{"CONST 0", {I(CONST, 0, 0, 0), RET}, 2, 0, 0, 0, 0},
	{"NOT", {I(NOT, 0, 0, 0), RET}, 2, 0, 0, 0, 1},
	{"NOT NOT", {I(NOT, 0, 0, 0), I(NOT, 0, 0, 0), RET}, 3, 0, 0, 0, 0},
	{"NODE file", {I(NODE, 0, 0, 0), RET}, 2, 1, 0, 0, 1},
	{"NODE no object", {I(NODE, 0, 0, 0), RET}, 2, 0, 0, 0, 0},
	{"NODE exact dir", {I(NODE, 0, 0, 4), RET}, 2, 1, 0, 0, 1},
	{"LEAF file", {I(LEAF, 0, 0, 1), RET}, 2, 1, 0, 0, 1},
	{"LEAF other name", {I(LEAF, 0, 0, 2), RET}, 2, 1, 0, 0, 0},
	{"LEAF directory, pattern with leaf", {I(LEAF, 0, 0, 0), RET}, 2, 2, 0, 0, 0},
	{"LEAF directory, pattern without leaf", {I(LEAF, 0, 0, 4), RET}, 2, 2, 0, 0, 1},
	{"LEAF file, pattern without leaf", {I(LEAF, 0, 0, 4), RET}, 2, 1, 0, 0, 0},
	{"ENODE", {I(ENODE, 0, 0, 0), RET}, 2, 1, 0, 0, 1},
	{"ELEAF", {I(ELEAF, 0, 0, 0), RET}, 2, 1, 0, 0, 1},
	{"ELEAF directory", {I(ELEAF, 0, 0, 0), RET}, 2, 2, 0, 0, 0},
	{"ISDIR file", {I(ISDIR, 0, 0, 0), RET}, 2, 1, 0, 0, 0},
	{"ISDIR directory", {I(ISDIR, 0, 0, 0), RET}, 2, 2, 0, 0, 1},
	{"ISDIR no object", {I(ISDIR, 0, 0, 0), RET}, 2, 0, 0, 0, 0},
	{"FSIZE 100 == 10", {I(FSIZE, CMP_EQ, 0, Q_10), RET}, 2, 1, 0, 0, 0},
	{"FSIZE 100 != 10", {I(FSIZE, CMP_NEQ, 0, Q_10), RET}, 2, 1, 0, 0, 1},
	{"FSIZE 100 < 10", {I(FSIZE, CMP_LT, 0, Q_10), RET}, 2, 1, 0, 0, 0},
	{"FSIZE 100 <= 10", {I(FSIZE, CMP_LTE, 0, Q_10), RET}, 2, 1, 0, 0, 0},
	{"FSIZE 100 > 10", {I(FSIZE, CMP_GT, 0, Q_10), RET}, 2, 1, 0, 0, 1},
	{"FSIZE 100 >= 10", {I(FSIZE, CMP_GTE, 0, Q_10), RET}, 2, 1, 0, 0, 1},
	{"FSIZE 100 in 50..150", {I(FSIZE, CMP_RANGE, 0, Q_RANGE), RET}, 2, 1, 0, 0, 1},
	{"FSIZE directory", {I(FSIZE, CMP_GTE, 0, Q_10), RET}, 2, 2, 0, 0, 0},
	{"FSIZE no object", {I(FSIZE, CMP_LT, 0, Q_10), RET}, 2, 0, 0, 0, 0},
	{"FTIME mtime > 10", {I(FTIME, CMP_GT, TF_MODIFIED, Q_10), RET}, 2, 1, 0, 0, 1},
	{"FTIME ctime (0) < 10", {I(FTIME, CMP_LT, TF_CREATED, Q_10), RET}, 2, 1, 0, 0, 1},
	{"FTIME atime (0) in 50..150",
	 {I(FTIME, CMP_RANGE, TF_ACCESSED, Q_RANGE), RET}, 2, 1, 0, 0, 0},
	{"FTIME no object", {I(FTIME, CMP_LT, TF_CREATED, Q_10), RET}, 2, 0, 0, 0, 0},
	{"DANGLING file", {I(DANGLING, 0, 0, 0), RET}, 2, 1, 0, 0, 0},
	{"DANGLING link", {I(DANGLING, 0, 0, 0), RET}, 2, 3, 0, 0, 1},
	{"PHASE scan in scan", {I(PHASE, PHASE_SCAN, 0, 0), RET}, 2, 0, PHASE_SCAN, 0, 1},
	{"PHASE scan in load", {I(PHASE, PHASE_SCAN, 0, 0), RET}, 2, 0, PHASE_LOAD, 0, 0},
	{"PHASE load in load", {I(PHASE, PHASE_LOAD, 0, 0), RET}, 2, 0, PHASE_LOAD, 0, 1},
	{"JT taken", {I(CONST, 1, 0, 0), I(JT, 0, 0, 1), I(NOT, 0, 0, 0), RET}, 4, 0, 0, 0, 1},
	{"JT not taken", {I(CONST, 0, 0, 0), I(JT, 0, 0, 1), I(NOT, 0, 0, 0), RET}, 4, 0, 0, 0, 1},
	{"JF taken", {I(JF, 0, 0, 1), I(NOT, 0, 0, 0), RET}, 3, 0, 0, 0, 0},
	{"JF not taken", {I(CONST, 1, 0, 0), I(JF, 0, 0, 1), I(NOT, 0, 0, 0), RET}, 4, 0, 0, 0, 0},
	{"jump onto RET", {I(CONST, 1, 0, 0), I(JT, 0, 0, 0), RET}, 3, 0, 0, 0, 1},
	{"EXISTS", {I(EXISTS, 0, 0, 1), RET}, 2, 0, 0, 0, 1},
	{"EXISTS missing", {I(EXISTS, 0, 0, 3), RET}, 2, 0, 0, 0, 0},
	{"EXISTS directory", {I(EXISTS, 0, 0, 4), RET}, 2, 0, 0, 0, 1},
	{"EXISTS recursive glob", {I(EXISTS, 0, 0, 0), RET}, 2, 0, 0, 0, 1},
	{"SAMEOBJ linked", {I(SAMEOBJ, 0, 2, 1), RET}, 2, 0, 0, 0, 1},
	{"SAMEOBJ itself", {I(SAMEOBJ, 0, 1, 1), RET}, 2, 0, 0, 0, 1},
	{"SAMEOBJ missing", {I(SAMEOBJ, 0, 3, 1), RET}, 2, 0, 0, 0, 0},
	{"SAMEOBJ glob", {I(SAMEOBJ, 0, 0, 1), RET}, 2, 0, 0, 0, 0},
	{"ISSYS system", {I(ISSYS, 0, 0, 0), RET}, 2, 0, 0, 0, 1},
	{"ARCH64", {I(ARCH64, 0, 0, 0), RET}, 2, 0, 0, 0, sizeof(void *) == 8},
};
/* clang-format on */

/* String offsets of the row table: looked up by value at run time. */
struct str_row {
	const char *what;
	uint8_t op, cmp;
	const char *str;
	int want; /* kernel release 6.1.0 */
};
/* clang-format off */
static const struct str_row str_rows[] = {
	{"6.1.0 == 6.1", OP_OSVER, CMP_EQ, "6.1", 1},
	{"6.1.0 != 6.1", OP_OSVER, CMP_NEQ, "6.1", 0},
	{"6.1.0 < 7", OP_OSVER, CMP_LT, "7", 1},
	{"6.1.0 <= 6.1", OP_OSVER, CMP_LTE, "6.1", 1},
	{"6.1.0 > 7", OP_OSVER, CMP_GT, "7", 0},
	{"6.1.0 >= 6.1", OP_OSVER, CMP_GTE, "6.1", 1},
	{"6.1.0 > 5.*: not a number, 5", OP_OSVER, CMP_GT, "5.*", 1},
	{"6.1.0 in range", OP_OSVER, CMP_RANGE, "6.1", 0}, /* no range for versions */
	{"6.1.0 ~ 6.1.*", OP_OSMATCH, 0, "6.1.*", 1},
	{"6.1.0 ~ 5.*", OP_OSMATCH, 0, "5.*", 0},
};
/* clang-format on */

static uint32_t str_off(const struct plan *p, const char *s)
{
	for (uint32_t off = 0; off < p->nstrs; off += (uint32_t)strlen(p->strs + off) + 1)
		if (!strcmp(p->strs + off, s))
			return off;
	cr_assert_fail("string %s not in the pool", s);
	return 0;
}

static void op_programs(struct plan_builder *b, struct vm_fixture *f)
{
	op_consts(b, f);
	for (size_t i = 0; i < sizeof op_rows / sizeof op_rows[0]; i++)
		prog(b, op_rows[i].in, op_rows[i].n);
}

Test(verify, one_opcode_programs)
{
	struct vm_fixture f;
	vm_setup(&f, op_programs);
	/* the row programs follow the all-opcodes one, in table order */
	uint32_t pc = f.prog_all + f.plan.code[f.prog_all].k + 1;
	for (size_t i = 0; i < sizeof op_rows / sizeof op_rows[0]; i++) {
		const struct op_row *r = &op_rows[i];
		struct vm_obj o = file_obj(100);
		o.mtime = 1000;
		if (r->obj == 2) {
			o.is_dir = true;
			o.name = "";
			o.namelen = 0;
		}
		if (r->obj == 3)
			o.is_link = o.dangling = true;
		struct rt_bound b = f.b;
		b.phase = r->phase;
		struct vm_env e = {.plan = &f.plan,
				   .bound = &b,
				   .ctx = r->ctx,
				   .obj = r->obj ? &o : NULL,
				   .ent_pat = 1,
				   .trace = NULL};
		int acc = vm_run(&e, pc);
		cr_expect_eq(acc, r->want, "%s: acc %d", r->what, acc);
		pc += f.plan.code[pc].k + 1;
	}
	vm_teardown(&f);
}

Test(verify, version_programs)
{
	struct vm_fixture f;
	vm_setup(&f, op_programs);
	for (size_t i = 0; i < sizeof str_rows / sizeof str_rows[0]; i++) {
		const struct str_row *r = &str_rows[i];
		/* patch the all-opcodes program's first check in place: a private copy */
		struct plan p = f.plan;
		struct plan_insn *code = malloc(p.ncode * sizeof *code);
		memcpy(code, p.code, p.ncode * sizeof *code);
		code[0] = (struct plan_insn){OP_PROG, 0, 0, 2};
		code[1] = (struct plan_insn){r->op, r->cmp, 0, str_off(&p, r->str)};
		code[2] = (struct plan_insn){OP_RET, 0, 0, 0};
		p.code = code;
		struct vm_env e = {
		    .plan = &p, .bound = &f.b, .ctx = 0, .obj = NULL, .ent_pat = PLAN_NONE};
		cr_expect_eq(vm_run(&e, 0), r->want, "%s", r->what);
		free(code);
	}
	vm_teardown(&f);
}

/* Condition programs run without an object and without an entry pattern. */
Test(verify, entry_opcodes_need_an_entry)
{
	struct vm_fixture f;
	vm_setup(&f, NULL);
	struct vm_obj o = file_obj(100);
	struct plan p = f.plan;
	struct plan_insn code[3] = {{OP_PROG, 0, 0, 2}, {OP_ENODE, 0, 0, 0}, {OP_RET, 0, 0, 0}};
	p.code = code;
	struct vm_env e = {.plan = &p, .bound = &f.b, .ctx = 0, .obj = &o, .ent_pat = PLAN_NONE};
	cr_expect_eq(vm_run(&e, 0), 0);
	code[1].op = OP_ELEAF;
	cr_expect_eq(vm_run(&e, 0), 0);
	e.ent_pat = 0;
	cr_expect_eq(vm_run(&e, 0), 1);
	vm_teardown(&f);
}

/* Plans that verify can still hold templates no machine can bind (the verifier checks
 * references, not meaning): binding refuses them with a message, or binds them to
 * nothing, and never crashes. */
struct bind_row {
	const char *what;
	const char *node;     /* pattern node template */
	const char *var_name; /* a plan variable, or NULL */
	const char *var_value;
	int want_rc;	    /* rt_bind's result */
	const char *needle; /* in the error message, when it fails */
};

/* clang-format off */
static const struct bind_row bind_rows[] = {
	{"self reference", "%X%/a", "X", "%X%", -1, "refers to itself"},
	{"mutual reference", "%X%/a", "X", "%Y%/%X%", -1, "not defined"},
	{"undefined variable", "%NOPE%/a", NULL, NULL, -1, "not defined"},
	{"unterminated variable", "/a/%X", NULL, NULL, -1, "unterminated"},
	{"unknown token", "/a/{bogus}", NULL, NULL, -1, "unknown token"},
	{"unknown xdg dir", "{xdg:NOPE}/a", NULL, NULL, 0, NULL}, /* no user in context 0 */
	{"relative result", "relative/path", NULL, NULL, 0, NULL},
	{"unmapped drive", "{drive:Q}/a", NULL, NULL, 0, NULL},
	{"removable drives", "{drives:Removable}/a", NULL, NULL, 0, NULL},
	{"user token, no user", "{home}/a", NULL, NULL, 0, NULL},
	{"empty template", "", NULL, NULL, 0, NULL},
	{"lone escape", "/a\\", NULL, NULL, 0, NULL},
	{"very long", NULL, NULL, NULL, -1, "too long"},
};
/* clang-format on */

Test(verify, hostile_templates_bind_safely)
{
	for (size_t i = 0; i < sizeof bind_rows / sizeof bind_rows[0]; i++) {
		const struct bind_row *r = &bind_rows[i];
		struct plan_builder *b = hp_builder_base();
		char *longnode = NULL;
		const char *node = r->node;
		if (!node) {
			longnode = malloc(20000);
			memset(longnode, 'a', 19999);
			longnode[0] = '/';
			longnode[19999] = 0;
			node = longnode;
		}
		struct plan_pat t = {pb_str(b, node), PLAN_NONE, 0, 1, 0, 0};
		pb_pat(b, &t);
		if (r->var_name) {
			struct plan_var v = {pb_str(b, r->var_name), pb_str(b, r->var_value), 0};
			pb_var(b, &v);
		}
		good_ent(b);
		struct plan_ent e = {0, 1, 0, 0};
		pb_ent(b, &e);
		unsigned char *buf;
		size_t len;
		hp_serialize(b, &buf, &len);
		pb_free(b);
		free(longnode);
		struct plan p;
		struct plan_error pe;
		cr_assert_eq(plan_parse(buf, len, &p, &pe), PLAN_OK, "%s: %s", r->what, pe.msg);
		struct rt_env env = {.rootfd = AT_FDCWD, .phase = PHASE_SCAN};
		struct rt_bound bd;
		char err[256] = "";
		int rc = rt_bind(&p, &env, &bd, err, sizeof err);
		cr_expect_eq(rc, r->want_rc, "%s: rt_bind %d (%s)", r->what, rc, err);
		if (rc == 0) {
			size_t n;
			rt_pattern_globs(&bd, 0, 1, &n);
			cr_expect_eq(n, r->node[0] == '/' ? 1 : 0, "%s: %zu globs", r->what, n);
			rt_unbind(&bd);
		} else if (r->needle) {
			cr_expect_not_null(strstr(err, r->needle), "%s: \"%s\" not in \"%s\"",
					   r->what, r->needle, err);
		}
		free(buf);
	}
}
