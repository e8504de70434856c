/* vm.c - the interpreter loop: one switch, short cases, helpers for anything longer.
 * Programs were verified (verify.c), so operands are in range and jumps stay inside
 * the program; the loop still stops at the program end as a second line of defence. */
#include "vm.h"

#include <string.h>

#include "bind.h"
#include "match.h"
#include "opcodes.h"

static int cmp_u64(uint64_t v, unsigned op, const uint64_t *c)
{
	switch (op) {
	case CMP_EQ: return v == c[0];
	case CMP_NEQ: return v != c[0];
	case CMP_LT: return v < c[0];
	case CMP_LTE: return v <= c[0];
	case CMP_GT: return v > c[0];
	case CMP_GTE: return v >= c[0];
	case CMP_RANGE: return v >= c[0] && v <= c[1];
	}
	return 0;
}

static int cmp_i64(int64_t v, unsigned op, const uint64_t *c)
{
	int64_t a = (int64_t)c[0], b = op == CMP_RANGE ? (int64_t)c[1] : 0;
	switch (op) {
	case CMP_EQ: return v == a;
	case CMP_NEQ: return v != a;
	case CMP_LT: return v < a;
	case CMP_LTE: return v <= a;
	case CMP_GT: return v > a;
	case CMP_GTE: return v >= a;
	case CMP_RANGE: return v >= a && v <= b;
	}
	return 0;
}

static int op_node(const struct vm_env *e, uint32_t k)
{
	const struct vm_obj *o = e->obj;
	size_t n;
	const struct rt_glob *g = rt_pattern_globs(e->bound, e->ctx, k, &n);
	if (!o)
		return 0;
	return rt_globs_match_dir(e->bound, g, n, o->dir, o->dirlen);
}

static int op_leaf(const struct vm_env *e, uint32_t k)
{
	const struct vm_obj *o = e->obj;
	const struct plan_pat *pt = &e->plan->pats[k];
	if (!o)
		return 0;
	if (pt->leaf == PLAN_NONE)
		return o->is_dir;
	if (o->is_dir)
		return 0;
	const char *leaf = plan_str(e->plan, pt->leaf);
	return glob_match(leaf, strlen(leaf), o->name, o->namelen, e->bound->match_flags);
}

static int64_t obj_time(const struct vm_obj *o, unsigned field)
{
	switch (field) {
	case TF_CREATED: return o->ctime;
	case TF_ACCESSED: return o->atime;
	default: return o->mtime;
	}
}

static void trace(const struct vm_env *e, uint32_t pc, const struct plan_insn *in, int acc)
{
	const struct op_info *oi = &op_info[in->op];
	fprintf(e->trace, "  vm %5u %-8s a=%u b=%u k=%u -> acc=%d\n", pc, oi->name, in->a, in->b,
		in->k, acc);
}

int vm_run(const struct vm_env *e, uint32_t pc)
{
	const struct plan *p = e->plan;
	const struct plan_insn *code = p->code;
	uint32_t end = pc + code[pc].k;
	int acc = 0;

	for (uint32_t i = pc + 1; i <= end; i++) {
		const struct plan_insn *in = &code[i];
		switch ((enum opcode)in->op) {
		case OP_PROG:
			return 0; /* unreachable after verification */
		case OP_NODE: acc = op_node(e, in->k); break;
		case OP_LEAF: acc = op_leaf(e, in->k); break;
		case OP_ENODE:
			if (e->known & VMK_NODE)
				acc = (e->known & VMK_NODE_TRUE) != 0;
			else
				acc = e->ent_pat != PLAN_NONE && op_node(e, e->ent_pat);
			break;
		case OP_ELEAF:
			if (e->known & VMK_LEAF)
				acc = (e->known & VMK_LEAF_TRUE) != 0;
			else
				acc = e->ent_pat != PLAN_NONE && op_leaf(e, e->ent_pat);
			break;
		case OP_ISDIR: acc = e->obj && e->obj->is_dir; break;
		case OP_FSIZE:
			acc = e->obj && !e->obj->is_dir && cmp_u64(e->obj->size, in->a, &p->consts[in->k]);
			break;
		case OP_FTIME:
			acc = e->obj && cmp_i64(obj_time(e->obj, in->b), in->a, &p->consts[in->k]);
			break;
		case OP_DANGLING: acc = e->obj && e->obj->is_link && e->obj->dangling; break;
		case OP_PHASE: acc = e->bound->phase == in->a; break;
		case OP_CONST: acc = in->a != 0; break;
		case OP_NOT: acc = !acc; break;
		case OP_JT:
			if (acc)
				i += in->k;
			break;
		case OP_JF:
			if (!acc)
				i += in->k;
			break;
		case OP_RET:
			if (e->trace)
				trace(e, i, in, acc);
			return acc;
		case OP_EXISTS:
			acc = rt_exists(e->bound, e->ctx, in->k);
			if (acc < 0)
				return -1; /* out of memory: no verdict (errno ENOMEM) */
			break;
		case OP_SAMEOBJ: acc = rt_same_object(e->bound, e->ctx, in->k, in->b); break;
		case OP_ISSYS: acc = e->ctx == 0; break;
		case OP_OSVER: acc = rt_os_compare(e->bound, in->a, plan_str(p, in->k)); break;
		case OP_OSMATCH: acc = rt_os_match(e->bound, plan_str(p, in->k)); break;
		case OP_ARCH64: acc = sizeof(void *) == 8; break;
		case OP__COUNT:
			return 0;
		}
		if (e->trace)
			trace(e, i, in, acc);
	}
	return acc;
}
