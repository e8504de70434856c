/* cg_code.c - programs: entry predicates (node, leaf, filter), conditions, detections.
 *
 * Everything compiles to straight-line code with forward jumps. A block of AND-ed
 * items jumps to its end as soon as one is false (the accumulator then holds 0), an
 * OR block as soon as one is true; the block's value is left in the accumulator, so
 * blocks nest without a stack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cg.h"
#include "opcodes.h"

static const char *arg(const struct script_call *c, size_t i)
{
	return i < c->nargs && !c->args[i].is_null ? c->args[i].str : NULL;
}

/* A File location argument ("C:\Dir [file]") as a plan pattern for EXISTS/SAMEOBJ. */
static uint32_t loc_pattern(struct cg *g, const char *text, const struct src_loc *loc)
{
	struct pat_error pe;
	if (!text)
		return PLAN_NONE;
	struct pat *p = pat_parse_with(g->pats, text, strlen(text), PAT_FILE, &pe);
	if (!p) {
		diag_report(g->d, DIAG_ERROR, loc, NULL, "bad location \"%s\": %s", text, pe.message);
		return PLAN_NONE;
	}
	uint32_t k = cg_pattern(g, p, loc, NULL, 0);
	pat_free(p);
	return k;
}

static bool is_file_type(const char *t)
{
	return t && !strcasecmp(t, "File");
}

/* One <condition>: leaves its value in acc. */
static void emit_condition(struct cg *g, const struct m_condition *c)
{
	const struct script_call *s = c->call;
	struct plan_builder *b = g->b;
	if (!s || !s->helper) {
		pb_emit(b, OP_CONST, 0, 0, 0); /* already reported as an error */
		return;
	}
	switch (s->helper->id) {
	case HELPER_IS_SYSTEM_CONTEXT:
		pb_emit(b, OP_ISSYS, 0, 0, 0);
		break;
	case HELPER_IS_NATIVE_64BIT:
		pb_emit(b, OP_ARCH64, 0, 0, 0);
		break;
	case HELPER_DOES_OBJECT_EXIST: {
		uint32_t k = is_file_type(arg(s, 0)) ? loc_pattern(g, arg(s, 1), &c->loc) : PLAN_NONE;
		if (k == PLAN_NONE)
			pb_emit(b, OP_CONST, 0, 0, 0); /* registry objects never exist here */
		else
			pb_emit(b, OP_EXISTS, 0, 0, k);
		break;
	}
	case HELPER_IS_SAME_OBJECT: {
		uint32_t k1 = PLAN_NONE, k2 = PLAN_NONE;
		if (is_file_type(arg(s, 0))) {
			k1 = loc_pattern(g, arg(s, 1), &c->loc);
			k2 = loc_pattern(g, arg(s, 2), &c->loc);
		}
		if (k1 == PLAN_NONE || k2 == PLAN_NONE || k2 > 0xffff)
			pb_emit(b, OP_CONST, 0, 0, 0);
		else
			pb_emit(b, OP_SAMEOBJ, 0, (uint16_t)k2, k1);
		break;
	}
	case HELPER_DOES_OS_MATCH:
		pb_emit(b, OP_OSMATCH, 0, 0, pb_str(b, arg(s, 1) ? arg(s, 1) : "*"));
		break;
	case HELPER_IS_OS_LATER_THAN:
	case HELPER_IS_OS_EARLIER_THAN:
		if (arg(s, 0) && !strcasecmp(arg(s, 0), "9x")) {
			pb_emit(b, OP_CONST, 0, 0, 0); /* never Windows 9x */
			break;
		}
		pb_emit(b, OP_OSVER, s->helper->id == HELPER_IS_OS_LATER_THAN ? CMP_GTE : CMP_LT, 0,
			pb_str(b, arg(s, 1) ? arg(s, 1) : "0"));
		break;
	default:
		/* version resources, registry strings and content compares have no Linux
		 * counterpart: the condition is false (documented in docs/policy-guide.md) */
		g->stats->not_applicable++;
		pb_emit(b, OP_CONST, 0, 0, 0);
		break;
	}
	if (c->negate)
		pb_emit(b, OP_NOT, 0, 0, 0);
}

static void emit_conditions(struct cg *g, const struct m_conditions *cs)
{
	uint32_t *jumps = calloc(cs->nitems + 1, sizeof *jumps);
	size_t nj = 0;
	if (!jumps)
		abort();
	if (cs->nitems == 0)
		pb_emit(g->b, OP_CONST, 1, 0, 0);
	for (size_t i = 0; i < cs->nitems; i++) {
		const struct m_condition *c = cs->items[i];
		if (c->nested)
			emit_conditions(g, c->nested);
		else
			emit_condition(g, c);
		if (c->nested && c->negate)
			pb_emit(g->b, OP_NOT, 0, 0, 0);
		if (i + 1 < cs->nitems)
			jumps[nj++] = pb_emit(g->b, cs->op_or ? OP_JT : OP_JF, 0, 0, 0);
	}
	for (size_t i = 0; i < nj; i++)
		pb_patch_jump(g->b, jumps[i]);
	free(jumps);
}

uint32_t cg_conditions_prog(struct cg *g, const struct cg_conds *cs)
{
	if (cs->n == 0)
		return PLAN_NONE;
	uint32_t pc = pb_prog_begin(g->b);
	uint32_t jumps[CG_MAX_CONDS];
	for (size_t i = 0; i < cs->n; i++) {
		emit_conditions(g, cs->v[i]);
		if (i + 1 < cs->n)
			jumps[i] = pb_emit(g->b, OP_JF, 0, 0, 0);
	}
	for (size_t i = 0; i + 1 < cs->n; i++)
		pb_patch_jump(g->b, jumps[i]);
	pb_emit(g->b, OP_RET, 0, 0, 0);
	pb_prog_end(g->b, pc);
	return pc;
}

uint32_t cg_detection_prog(struct cg *g, const struct m_detection *det)
{
	if (det->nalts == 0)
		return PLAN_NONE;
	uint32_t pc = pb_prog_begin(g->b);
	uint32_t *jumps = calloc(det->nalts, sizeof *jumps);
	size_t nj = 0;
	if (!jumps)
		abort();
	for (size_t i = 0; i < det->nalts; i++) {
		emit_conditions(g, det->alts[i]);
		if (i + 1 < det->nalts)
			jumps[nj++] = pb_emit(g->b, OP_JT, 0, 0, 0);
	}
	for (size_t i = 0; i < nj; i++)
		pb_patch_jump(g->b, jumps[i]);
	free(jumps);
	pb_emit(g->b, OP_RET, 0, 0, 0);
	pb_prog_end(g->b, pc);
	return pc;
}

/* --- FileProperties ------------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	uint64_t mul = 1;
	if (!strncasecmp(end, "KB", 2))
		mul = 1024;
	else if (!strncasecmp(end, "MB", 2))
		mul = 1024 * 1024;
	else if (!strncasecmp(end, "GB", 2))
		mul = 1024ull * 1024 * 1024;
	else if (*end && strcasecmp(end, "B") != 0)
		return -1;
	if (end == s || v < 0)
		return -1;
	*out = (uint64_t)(v * (double)mul);
	return 0;
}

/* "YYYY/MM/DD" (also '-' or '.' separated) -> seconds at 00:00:00 UTC */
static int parse_date(const char *s, int64_t *out)
{
	int y, m, d;
	char s1, s2;
	if (sscanf(s, "%d%c%d%c%d", &y, &s1, &m, &s2, &d) != 5 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int op_of(const char *s)
{
	static const char *const names[] = {"eq", "neq", "lt", "lte", "gt", "gte", "range"};
	for (int i = 0; i < CMP__COUNT; i++)
		if (s && !strcasecmp(s, names[i]))
			return i;
	return -1;
}

static void emit_file_properties(struct cg *g, const struct script_call *s, const struct src_loc *loc)
{
	const char *prop = arg(s, 0), *ops = arg(s, 1), *val = arg(s, 2);
	int op = op_of(ops);
	struct plan_builder *b = g->b;
	if (op < 0 || !prop || !val) {
		diag_report(g->d, DIAG_ERROR, loc, NULL,
			    "FileProperties: operator must be one of eq, neq, lt, lte, gt, gte, range");
		pb_emit(b, OP_CONST, 0, 0, 0);
		return;
	}
	const char *dash = op == CMP_RANGE ? strchr(val + 1, '-') : NULL;
	if (!strcasecmp(prop, "filesize")) {
		uint64_t lo, hi;
		if (parse_size(val, &lo) || (op == CMP_RANGE && (!dash || parse_size(dash + 1, &hi)))) {
			diag_report(g->d, DIAG_ERROR, loc, NULL,
				    "FileProperties: bad size \"%s\" (use e.g. 5GB, or 1KB-1MB with range)", val);
			pb_emit(b, OP_CONST, 0, 0, 0);
			return;
		}
		if (op == CMP_RANGE)
			pb_emit(b, OP_FSIZE, CMP_RANGE, 0, pb_const_pair(b, lo, hi));
		else
			pb_emit(b, OP_FSIZE, (uint8_t)op, 0, pb_const(b, lo));
		return;
	}
	int field = !strcasecmp(prop, "dateModified") ? TF_MODIFIED
		    : !strcasecmp(prop, "dateCreated") ? TF_CREATED
		    : !strcasecmp(prop, "dateAccessed") ? TF_ACCESSED : -1;
	int64_t lo, hi;
	if (field < 0 || parse_date(val, &lo) || (op == CMP_RANGE && (!dash || parse_date(dash + 1, &hi)))) {
		diag_report(g->d, DIAG_ERROR, loc, NULL,
			    "FileProperties: property must be filesize, dateModified, dateCreated or dateAccessed with a YYYY/MM/DD date (got \"%s\", \"%s\")",
			    prop, val);
		pb_emit(b, OP_CONST, 0, 0, 0);
		return;
	}
	/* a date names a whole day: eq/neq/lte/gt compare against the day's end too */
	int64_t day_end = lo + 86399;
	switch (op) {
	case CMP_EQ:
		pb_emit(b, OP_FTIME, CMP_RANGE, (uint16_t)field, pb_const_pair(b, (uint64_t)lo, (uint64_t)day_end));
		break;
	case CMP_NEQ:
		pb_emit(b, OP_FTIME, CMP_RANGE, (uint16_t)field, pb_const_pair(b, (uint64_t)lo, (uint64_t)day_end));
		pb_emit(b, OP_NOT, 0, 0, 0);
		break;
	case CMP_LT:
	case CMP_GTE:
		pb_emit(b, OP_FTIME, (uint8_t)op, (uint16_t)field, pb_const(b, (uint64_t)lo));
		break;
	case CMP_LTE:
	case CMP_GT:
		pb_emit(b, OP_FTIME, (uint8_t)op, (uint16_t)field, pb_const(b, (uint64_t)day_end));
		break;
	case CMP_RANGE:
		pb_emit(b, OP_FTIME, CMP_RANGE, (uint16_t)field, pb_const_pair(b, (uint64_t)lo, (uint64_t)(hi + 86399)));
		break;
	}
}

static void emit_filter(struct cg *g, const struct script_call *f, const struct src_loc *loc)
{
	struct plan_builder *b = g->b;
	if (!f->helper) {
		pb_emit(b, OP_CONST, 0, 0, 0);
		return;
	}
	switch (f->helper->id) {
	case HELPER_ANSWER_NO:
		pb_emit(b, OP_CONST, 0, 0, 0);
		break;
	case HELPER_NEVER_RESTORE:
		pb_emit(b, OP_PHASE, PHASE_SCAN, 0, 0);
		break;
	case HELPER_IGNORE_IRRELEVANT_LINKS: {
		/* captured always; dropped at restore when it is a symlink to nothing */
		pb_emit(b, OP_PHASE, PHASE_SCAN, 0, 0);
		uint32_t j = pb_emit(b, OP_JT, 0, 0, 0);
		pb_emit(b, OP_DANGLING, 0, 0, 0);
		pb_emit(b, OP_NOT, 0, 0, 0);
		pb_patch_jump(b, j);
		break;
	}
	case HELPER_FILE_PROPERTIES:
		emit_file_properties(g, f, loc);
		break;
	default:
		/* registry-content filters: no file is selected by them */
		g->stats->not_applicable++;
		pb_emit(b, OP_CONST, 0, 0, 0);
		break;
	}
}

uint32_t cg_entry_prog(struct cg *g, uint32_t pat, const struct script_call *filter,
		       const struct src_loc *loc)
{
	struct plan_builder *b = g->b;
	uint32_t pc = pb_prog_begin(b);
	uint32_t j1, j2 = PLAN_NONE;
	(void)pat; /* the entry's own pattern: ENODE/ELEAF, so equal programs are shared */
	pb_emit(b, OP_ENODE, 0, 0, 0);
	j1 = pb_emit(b, OP_JF, 0, 0, 0);
	pb_emit(b, OP_ELEAF, 0, 0, 0);
	if (filter) {
		j2 = pb_emit(b, OP_JF, 0, 0, 0);
		emit_filter(g, filter, loc);
	}
	pb_patch_jump(b, j1);
	if (j2 != PLAN_NONE)
		pb_patch_jump(b, j2);
	pb_emit(b, OP_RET, 0, 0, 0);
	pb_prog_end(b, pc);
	return pb_prog_dedupe(b, pc);
}
