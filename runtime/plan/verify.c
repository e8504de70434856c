/* verify.c - check every table and every program of a plan before anything runs it.
 *
 * Like bpf_validate(): after this pass the VM and the executors index tables and
 * follow jumps without bounds checks. Each rule below says why it exists. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctwrite.h"
#include "opcodes.h"
#include "plan.h"

static int bad(struct plan_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct plan_error *e, const char *fmt, ...)
{
	va_list ap;
	e->status = PLAN_E_VERIFY;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return PLAN_E_VERIFY;
}

/* A string reference must land inside the pool; the pool ends in NUL (checked by the
 * loader), so every in-range offset names a terminated string. */
static int str_ok(const struct plan *p, uint32_t off)
{
	return off < p->nstrs;
}

static int opt_str_ok(const struct plan *p, uint32_t off)
{
	return off == PLAN_NONE || str_ok(p, off);
}

static int operand_ok(const struct plan *p, unsigned kind, uint32_t v)
{
	switch (kind) {
	case OK_N: return v == 0;             /* unused fields stay zero: no hidden data */
	case OK_U: return v <= 1;             /* CONST takes a boolean */
	case OK_C: return v < CMP__COUNT;
	case OK_F: return v < TF__COUNT;
	case OK_PH: return v < PHASE__COUNT;
	case OK_P: return v < p->npats;       /* pattern tables are indexed directly */
	case OK_S: return str_ok(p, v);
	case OK_Q: return v < p->nconsts;
	case OK_J: return 1;                  /* checked against the program's end */
	case OK_L: return 1;
	}
	return 0;
}

/* Programs: a PROG header with length L followed by L instructions; jumps stay inside
 * and go forward (so every program terminates and one pass suffices); the last
 * instruction of every program is terminal (no falling off the end into the next). */
static int verify_code(const struct plan *p, unsigned char *is_prog, struct plan_error *e)
{
	size_t pc = 0;
	while (pc < p->ncode) {
		const struct plan_insn *h = &p->code[pc];
		if (h->op != OP_PROG)
			return bad(e, "CODE pc %zu: expected a PROG header, found opcode %u", pc, h->op);
		if (h->a || h->b)
			return bad(e, "CODE pc %zu: PROG operands a/b must be zero", pc);
		if (h->k == 0 || h->k > p->ncode - pc - 1)
			return bad(e, "CODE pc %zu: program length %u runs past the code (%zu instructions)",
				   pc, h->k, p->ncode);
		size_t end = pc + h->k; /* index of the last instruction */
		is_prog[pc] = 1;
		for (size_t i = pc + 1; i <= end; i++) {
			const struct plan_insn *in = &p->code[i];
			if (in->op >= OP__COUNT)
				return bad(e, "CODE pc %zu: unknown opcode %u", i, in->op);
			const struct op_info *oi = &op_info[in->op];
			if (oi->flags & OPF_HEAD)
				return bad(e, "CODE pc %zu: PROG header inside a program", i);
			if (!operand_ok(p, oi->a, in->a) || !operand_ok(p, oi->b, in->b) ||
			    !operand_ok(p, oi->k, in->k))
				return bad(e, "CODE pc %zu: %s has an operand out of range (a=%u b=%u k=%u)",
					   i, oi->name, in->a, in->b, in->k);
			if (in->op == OP_FSIZE || in->op == OP_FTIME) {
				if (in->a == CMP_RANGE && (size_t)in->k + 1 >= p->nconsts)
					return bad(e, "CODE pc %zu: %s range needs constants %u and %u",
						   i, oi->name, in->k, in->k + 1);
			}
			/* a version is one value: "in range" has no second operand to compare with */
			if (in->op == OP_OSVER && in->a == CMP_RANGE)
				return bad(e, "CODE pc %zu: OSVER cannot use a range comparison", i);
			if (oi->flags & OPF_JUMP) {
				if ((uint64_t)i + 1 + in->k > end)
					return bad(e, "CODE pc %zu: %s target %llu is beyond the program end %zu",
						   i, oi->name, (unsigned long long)i + 1 + in->k, end);
			}
		}
		if (!(op_info[p->code[end].op].flags & OPF_TERM))
			return bad(e, "CODE pc %zu: program does not end in RET", end);
		pc = end + 1;
	}
	return PLAN_OK;
}

static int prog_ref_ok(const struct plan *p, const unsigned char *is_prog, uint32_t pc, int optional)
{
	if (pc == PLAN_NONE)
		return optional;
	return pc < p->ncode && is_prog[pc];
}

int plan_verify(const struct plan *p, struct plan_error *e)
{
	int rc = PLAN_OK;
	unsigned char *is_prog = calloc(p->ncode ? p->ncode : 1, 1);
	if (!is_prog)
		return bad(e, "out of memory");

	rc = verify_code(p, is_prog, e);
	if (rc)
		goto out;
	for (size_t i = 0; i < p->nsrcs; i++)
		if (!str_ok(p, p->srcs[i].path) || p->srcs[i].kind > 2) {
			rc = bad(e, "SRCS[%zu]: bad path or kind", i);
			goto out;
		}
	for (size_t i = 0; i < p->nvars; i++)
		if (!str_ok(p, p->vars[i].name) || !str_ok(p, p->vars[i].value) ||
		    (p->vars[i].flags & ~PV_USER)) {
			rc = bad(e, "VARS[%zu]: bad name, value or flags", i);
			goto out;
		}
	for (size_t i = 0; i < p->ncomps; i++) {
		const struct plan_comp *c = &p->comps[i];
		if (!str_ok(p, c->name) || c->src >= p->nsrcs || c->context < 1 || c->context > 3 ||
		    c->reserved || !prog_ref_ok(p, is_prog, c->detect_pc, 1)) {
			rc = bad(e, "COMP[%zu]: bad name, source, context or detection program", i);
			goto out;
		}
	}
	for (size_t i = 0; i < p->npats; i++) {
		const struct plan_pat *t = &p->pats[i];
		if (!str_ok(p, t->node) || !opt_str_ok(p, t->leaf) || !str_ok(p, t->text) ||
		    t->src >= p->nsrcs || (t->flags & ~PP__MASK)) {
			rc = bad(e, "PATS[%zu]: bad string, source or flags", i);
			goto out;
		}
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct plan_rule *r = &p->rules[i];
		int ok = r->kind < PRK__COUNT && r->context >= 1 && r->context <= 3 &&
			 r->helper < PLAN_HELPER__COUNT && r->comp < p->ncomps && r->src < p->nsrcs &&
			 !r->reserved && prog_ref_ok(p, is_prog, r->cond_pc, 1);
		for (int a = 0; a < 3 && ok; a++)
			ok = opt_str_ok(p, r->args[a]);
		if (!ok) {
			rc = bad(e, "RULE[%zu]: bad kind, context, helper, component, source, argument or condition", i);
			goto out;
		}
	}
	for (size_t i = 0; i < p->nents; i++) {
		const struct plan_ent *t = &p->ents[i];
		if (t->rule >= p->nrules || t->pat >= p->npats || t->reserved ||
		    !prog_ref_ok(p, is_prog, t->prog, 0)) {
			rc = bad(e, "ENTS[%zu]: bad rule, pattern or program", i);
			goto out;
		}
	}
	for (size_t i = 0; i < p->nerrcs; i++) {
		const struct plan_errc *t = &p->errcs[i];
		if (t->pat >= p->npats || t->fatal > 1 || t->registry > 1 || t->reserved ||
		    t->code < -1 || t->src >= p->nsrcs) {
			rc = bad(e, "ERRC[%zu]: bad pattern, flags, code or source", i);
			goto out;
		}
	}
	for (size_t i = 0; i < p->nhlnks; i++) {
		const struct plan_hlnk *t = &p->hlnks[i];
		if (t->pat >= p->npats || t->create > 1 || t->src >= p->nsrcs) {
			rc = bad(e, "HLNK[%zu]: bad pattern, action or source", i);
			goto out;
		}
	}
	for (size_t i = 0; i < p->ngrpms; i++) {
		const struct plan_grpm *t = &p->grpms[i];
		/* the names reach the account engine: only names it would accept */
		if (!str_ok(p, t->from) || !str_ok(p, t->to) ||
		    !acctwrite_name_valid(plan_str(p, t->from)) ||
		    !acctwrite_name_valid(plan_str(p, t->to)) || !t->applies ||
		    (t->applies & ~PG__MASK) || t->src >= p->nsrcs || t->reserved) {
			rc = bad(e, "grpm[%zu]: bad group name, appliesTo, source or reserved field", i);
			goto out;
		}
	}
out:
	free(is_prog);
	return rc;
}
