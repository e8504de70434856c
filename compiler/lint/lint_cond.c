/* lint_cond.c - checks on <conditions> trees: the variables in their helper calls, and
 * -Wimplicit-operation: a <conditions> block with two or more members and no
 * operation= attribute. migc combines them with AND (the documented default), but
 * the USMT documentation's own <condition> example reads the same shape as OR, and stock
 * files exist for both readings (spec 4.2), so the author should say which one is meant. */
#include "lint_impl.h"

#define MAX_COND_DEPTH 256

static void walk(struct lint_ctx *lc, const struct m_file *f, const struct m_conditions *c,
		 int depth)
{
	if (!c || depth > MAX_COND_DEPTH)
		return;
	if (c->nitems >= 2 && !c->op_explicit)
		diag_report(
		    lc->d, DIAG_WARNING, &c->loc, "implicit-operation",
		    "<conditions> holds %zu conditions and no operation=: they are combined "
		    "with AND; write operation=\"AND\" or operation=\"OR\" (the USMT "
		    "documentation reads this shape both ways)",
		    c->nitems);
	for (size_t i = 0; i < c->nitems; i++) {
		const struct m_condition *k = c->items[i];
		lint_script(lc, f, k->call, &k->loc, NULL, NULL);
		walk(lc, f, k->nested, depth + 1);
	}
}

/* Check C and every <conditions> nested in it (F: the rule file they belong to). */
void lint_conditions(struct lint_ctx *lc, const struct m_file *f, const struct m_conditions *c)
{
	walk(lc, f, c, 0);
}
