/* xml_cond.c - conditions and detections of a MigXML rule file (xml_rules_int.h):
 * <conditions>, <condition>, and old-style <detect>/<detects>/<detection> turned into
 * conditions, named ones resolved from <namedElements>. */
#include <stdio.h>
#include <string.h>

#include "xml_load.h"
#include "xml_rules_int.h"

/* ---------------------------------------------------------------------------
 * Conditions
 * ------------------------------------------------------------------------- */

struct m_conditions *xr_cond_new(struct xr *r, struct src_loc loc, bool op_or)
{
	struct m_conditions *c = arena_alloc(r->a, sizeof(*c));
	c->loc = loc;
	c->op_or = op_or;
	c->op_explicit = true;
	return c;
}

static void xr_cond_add_nested(struct xr *r, struct m_conditions *c, struct m_conditions *sub)
{
	struct m_condition *item = arena_alloc(r->a, sizeof(*item));
	item->loc = sub->loc;
	item->nested = sub;
	XPUSH(r->a, c->items, c->nitems, item);
}

/* A AND B, either may be NULL. */
struct m_conditions *xr_cond_and(struct xr *r, struct m_conditions *a, struct m_conditions *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct m_conditions *c = xr_cond_new(r, a->loc, false);
	xr_cond_add_nested(r, c, a);
	xr_cond_add_nested(r, c, b);
	return c;
}

/* OR of ALTS (one alternative is returned as is). */
struct m_conditions *xr_cond_or(struct xr *r, struct m_conditions **alts, size_t n,
				struct src_loc loc)
{
	if (n == 1)
		return alts[0];
	struct m_conditions *c = xr_cond_new(r, loc, true);
	for (size_t i = 0; i < n; i++)
		xr_cond_add_nested(r, c, alts[i]);
	return c;
}

/* <condition negation=>helper call</condition>; NULL if the call is unusable. */
static struct m_condition *xr_condition(struct xr *r, const xmlNode *n)
{
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c))
		xn_unexpected(r->x, c, XV_MIGXML);
	struct script_call *call = xp_script(r->x, n, NULL, xn_text(r->x, n), HP_CONDITION);
	if (!call)
		return NULL;
	struct m_condition *cond = arena_alloc(r->a, sizeof(*cond));
	cond->loc = xdoc_loc(r->x, n);
	cond->negate = xr_bool(r, n, "negation", false);
	cond->call = call;
	return cond;
}

/* Add <condition>/<conditions> child C to C (true if C was one of those). */
bool xr_cond_child(struct xr *r, struct m_conditions *c, const xmlNode *child)
{
	if (xn_is(child, "condition")) {
		struct m_condition *item = xr_condition(r, child);
		if (item)
			XPUSH(r->a, c->items, c->nitems, item);
		return true;
	}
	if (xn_is(child, "conditions")) {
		xr_cond_add_nested(r, c, xr_conditions(r, child));
		return true;
	}
	return false;
}

/* <conditions operation=AND|OR> */
struct m_conditions *xr_conditions(struct xr *r, const xmlNode *n)
{
	struct m_conditions *c = xr_cond_new(r, xdoc_loc(r->x, n), false);
	c->op_explicit = false;
	const char *op = xn_attr(r->x, n, "operation");
	if (op) {
		const char *v = xml_trim(r->a, op);
		c->op_explicit = true;
		if (!xml_casecmp(v, "OR"))
			c->op_or = true;
		else if (xml_casecmp(v, "AND") != 0) {
			xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, "operation"),
				  "invalid-attribute",
				  "operation=\"%.60s\" is not AND or OR; AND is used", v);
			c->op_explicit = false;
		}
	}
	for (const xmlNode *ch = xn_first(n); ch; ch = xn_next(ch))
		if (!xr_cond_child(r, c, ch))
			xn_unexpected(r->x, ch, XV_MIGXML);
	return c;
}

/* ---------------------------------------------------------------------------
 * Detection
 * ------------------------------------------------------------------------- */

/* Named detections of this file: <detection>, <detects> and <detect> share one
 * table (a reference of one kind to a definition of another is accepted). */
const struct m_detection *xr_find_named(struct xr *r, const char *name)
{
	for (size_t i = 0; i < r->f->nnamed_detections; i++)
		if (strcmp(r->f->named_detection_names[i], name) == 0)
			return r->f->named_detections[i];
	return NULL;
}

/* The alternatives of the named detection referenced by N, or NULL (reported). */
static const struct m_detection *xr_detection_ref(struct xr *r, const xmlNode *n, const char *name)
{
	xr_ignore_children(r, n, name);
	const struct m_detection *def = xr_find_named(r, name);
	if (!def)
		xd_report(r->x, DIAG_ERROR, xr_attr_loc(r, n, "name"), NULL,
			  "<%s name=\"%.100s\">: no such named element in <namedElements>",
			  (const char *)n->name, name);
	return def;
}

/* <detect>: TRUE if any of its conditions is (OR). */
struct m_conditions *xr_detect(struct xr *r, const xmlNode *n)
{
	struct src_loc loc = xdoc_loc(r->x, n);
	xr_context(r, n);
	const char *name = xr_name(r, n);
	if (name && !(n->parent && xn_is(n->parent, "namedElements"))) {
		const struct m_detection *def = xr_detection_ref(r, n, name);
		return def && def->nalts ? xr_cond_or(r, def->alts, def->nalts, loc) : NULL;
	}
	struct m_conditions *c = xr_cond_new(r, loc, true);
	for (const xmlNode *ch = xn_first(n); ch; ch = xn_next(ch)) {
		if (xr_cond_child(r, c, ch))
			continue;
		if (xn_is(ch, "objectSet"))
			xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, ch), "unsupported",
				  "<objectSet> inside <detect> is not supported; it is ignored");
		else
			xn_unexpected(r->x, ch, XV_MIGXML);
	}
	return c;
}

/* <detects>: TRUE if all its <detect> are (AND). */
struct m_conditions *xr_detects(struct xr *r, const xmlNode *n)
{
	struct m_conditions *c = xr_cond_new(r, xdoc_loc(r->x, n), false);
	xr_context(r, n);
	for (const xmlNode *ch = xn_first(n); ch; ch = xn_next(ch)) {
		if (xn_is(ch, "detect")) {
			struct m_conditions *d = xr_detect(r, ch);
			if (d)
				xr_cond_add_nested(r, c, d);
		} else
			xn_unexpected(r->x, ch, XV_MIGXML);
	}
	return c;
}

/* <detection>: its <conditions> blocks, AND-ed. */
struct m_conditions *xr_detection_body(struct xr *r, const xmlNode *n)
{
	struct m_conditions *all = NULL;
	xr_context(r, n);
	for (const xmlNode *ch = xn_first(n); ch; ch = xn_next(ch)) {
		if (xn_is(ch, "conditions"))
			all = xr_cond_and(r, all, xr_conditions(r, ch));
		else
			xn_unexpected(r->x, ch, XV_MIGXML);
	}
	return all ? all : xr_cond_new(r, xdoc_loc(r->x, n), false); /* empty: TRUE */
}

/* A <detection> or <detects> under a role or rules: add its alternatives to DET. */
void xr_add_detection(struct xr *r, const xmlNode *n, struct m_detection *det)
{
	if (!det->loc.file)
		det->loc = xdoc_loc(r->x, n);
	const char *name = xr_name(r, n);
	if (name) {
		xr_context(r, n);
		const struct m_detection *def = xr_detection_ref(r, n, name);
		for (size_t i = 0; def && i < def->nalts; i++)
			XPUSH(r->a, det->alts, det->nalts, def->alts[i]);
		return;
	}
	struct m_conditions *alt = xn_is(n, "detects") ? xr_detects(r, n) : xr_detection_body(r, n);
	XPUSH(r->a, det->alts, det->nalts, alt);
}
