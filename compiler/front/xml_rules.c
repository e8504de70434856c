/* xml_rules.c - a MigXML rule file (<migration>) into an m_file.
 *
 * One function per element kind, each reading its attributes and dispatching on its
 * children; anything unexpected is reported and skipped, never fatal. Patterns and
 * helper calls are parsed here so their errors point inside the XML text.
 *
 * Shapes the rest of the compiler relies on:
 *  - <namedElements> is read first, so detection references resolve whatever the
 *    order in the file; <detection name=>/<detects name=> references are replaced by
 *    the named definition's alternatives here. <rules name=> and <environment name=>
 *    outside namedElements stay references (is_reference) for sema.
 *  - Old-style detection becomes conditions: <detect> = OR of its conditions,
 *    <detects> = AND of its <detect>, several <detects> = alternatives (OR).
 *    Inside <rules> that expression is AND-ed into the rules' conditions.
 *  - Every <role> of a component contributes its rules, environments, detections and
 *    child components to the component (the role value does not change behaviour).
 *    A <destinationCleanup> written directly in a <role> becomes a <rules> of its own.
 *  - Conditions built by the loader (not written as such) have op_explicit set. */
#include <stdio.h>
#include <string.h>

#include "xml_load.h"
#include "xml_priv.h"
#include "xml_rules_int.h"

static struct m_component *xr_component(struct xr *r, const xmlNode *n, struct m_component *parent);
static struct m_rules *xr_rules(struct xr *r, const xmlNode *n, bool named);

/* ---------------------------------------------------------------------------
 * Object sets and rules
 * ------------------------------------------------------------------------- */

/* <pattern type=File|Registry|Ini>text</pattern> */
static struct m_object *xr_pattern(struct xr *r, const xmlNode *n, struct objcount *cnt)
{
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c))
		xn_unexpected(r->x, c, XV_MIGXML);
	enum pat_type type = PAT_FILE;
	const char *t = xn_attr(r->x, n, "type");
	if (!t)
		xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, n), "missing-required",
			  "<pattern> has no type= attribute; File is assumed");
	else if (!xml_casecmp(xml_trim(r->a, t), "Registry"))
		type = PAT_REGISTRY;
	else if (!xml_casecmp(xml_trim(r->a, t), "Ini"))
		type = PAT_INI;
	else if (xml_casecmp(xml_trim(r->a, t), "File") != 0) {
		xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, "type"), "invalid-attribute",
			  "<pattern type=\"%.60s\">: the type is not File, Registry or Ini; the "
			  "pattern is ignored",
			  t);
		return NULL;
	}
	struct m_object *o = arena_alloc(r->a, sizeof(*o));
	o->type = type;
	o->text = xn_text(r->x, n);
	o->loc = *o->text ? xdoc_text_loc(r->x, n, 1) : xdoc_loc(r->x, n);
	o->pattern = xp_pattern(r->x, n, o->text, type);
	if (type == PAT_FILE)
		cnt->file++;
	else {
		cnt->reg++;
		r->f->dropped_registry++;
	}
	return o;
}

/* <script> in an objectSet: a helper call returning patterns. */
static struct m_object *xr_script_object(struct xr *r, const xmlNode *n, struct objcount *cnt)
{
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c))
		xn_unexpected(r->x, c, XV_MIGXML);
	struct m_object *o = arena_alloc(r->a, sizeof(*o));
	o->is_script = true;
	o->type = PAT_FILE;
	o->text = xn_text(r->x, n);
	o->loc = *o->text ? xdoc_text_loc(r->x, n, 1) : xdoc_loc(r->x, n);
	o->script = xp_script(r->x, n, NULL, o->text, HP_OBJECTSET);
	/* Registry-typed generators (first argument "Registry") count as registry. */
	if (o->script && o->script->nargs && o->script->args[0].str &&
	    !xml_casecmp(o->script->args[0].str, "Registry"))
		cnt->reg++;
	else
		cnt->file++;
	return o;
}

/* <content filter=...>: registry content turned into file patterns. */
static void xr_content(struct xr *r, const xmlNode *n, struct m_objectset *set)
{
	set->has_content = true;
	const char *filter = xn_attr(r->x, n, "filter");
	if (filter)
		xp_script(r->x, n, "filter", filter, HP_CONTENT);
	else
		xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, n), "missing-required",
			  "<content> has no filter= attribute");
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c))
		if (!xn_is(c, "objectSet"))
			xn_unexpected(r->x, c, XV_MIGXML);
}

/* <objectSet>: patterns and scripts, optionally conditions. */
static struct m_objectset *xr_objectset(struct xr *r, const xmlNode *n, struct objcount *cnt)
{
	struct m_objectset *set = arena_alloc(r->a, sizeof(*set));
	set->loc = xdoc_loc(r->x, n);
	struct m_conditions *bare = NULL; /* <condition> written directly in the set */
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		struct m_object *o = NULL;
		if (xn_is(c, "pattern"))
			o = xr_pattern(r, c, cnt);
		else if (xn_is(c, "script"))
			o = xr_script_object(r, c, cnt);
		else if (xn_is(c, "content"))
			xr_content(r, c, set);
		else if (xn_is(c, "conditions"))
			set->conds = xr_cond_and(r, set->conds, xr_conditions(r, c));
		else if (xn_is(c, "condition")) {
			if (!bare)
				bare = xr_cond_new(r, xdoc_loc(r->x, c), false);
			xr_cond_child(r, bare, c);
		} else
			xn_unexpected(r->x, c, XV_MIGXML);
		if (o)
			XPUSH(r->a, set->objs, set->nobjs, o);
	}
	if (bare)
		set->conds = xr_cond_and(r, set->conds, bare);
	return set;
}

struct rule_kind {
	const char *elem;
	enum m_rule_kind kind;
	const char *attr; /* filter= or script=, NULL for none */
	enum helper_place place;
	bool attr_required;
};

static const struct rule_kind rule_kinds[] = {
    {"include", MR_INCLUDE, "filter", HP_FILTER, false},
    {"exclude", MR_EXCLUDE, "filter", HP_FILTER, false},
    {"unconditionalExclude", MR_UNCOND_EXCLUDE, NULL, 0, false},
    {"merge", MR_MERGE, "script", HP_MERGE, true},
    {"locationModify", MR_LOCATION_MODIFY, "script", HP_LOCMODIFY, true},
    {"contentModify", MR_CONTENT_MODIFY, "script", HP_CONTENTMODIFY, true},
    {"destinationCleanup", MR_DEST_CLEANUP, "filter", HP_CLEANUP, false},
    {"includeAttributes", MR_INCLUDE_ATTRS, NULL, 0, false},
    {"excludeAttributes", MR_EXCLUDE_ATTRS, NULL, 0, false},
};

static const struct rule_kind *rule_kind_of(const xmlNode *n)
{
	for (size_t i = 0; i < sizeof(rule_kinds) / sizeof(rule_kinds[0]); i++)
		if (xn_is(n, rule_kinds[i].elem))
			return &rule_kinds[i];
	return NULL;
}

/* attributes="Security", "TimeFields" or both (comma, semicolon or space separated). */
static unsigned xr_attr_mask(struct xr *r, const xmlNode *n)
{
	const char *v = xn_attr(r->x, n, "attributes");
	if (!v) {
		xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, n), "missing-required",
			  "<%s> has no attributes= (Security, TimeFields); it is ignored",
			  (const char *)n->name);
		return 0;
	}
	unsigned mask = 0;
	const char *p = v;
	while (*p) {
		size_t skip = strspn(p, " \t\r\n,;|");
		p += skip;
		size_t len = strcspn(p, " \t\r\n,;|");
		if (!len)
			break;
		if (len == 8 && !strncasecmp(p, "Security", 8))
			mask |= M_ATTR_SECURITY;
		else if (len == 10 && !strncasecmp(p, "TimeFields", 10))
			mask |= M_ATTR_TIMEFIELDS;
		else
			xd_report(
			    r->x, DIAG_WARNING,
			    xdoc_attr_loc(r->x, n, "attributes", (int)(p - v) + 1),
			    "invalid-attribute",
			    "attributes=: \"%.*s\" is not Security or TimeFields; it is ignored",
			    (int)(len > 60 ? 60 : len), p);
		p += len;
	}
	return mask;
}

/* include, exclude, merge, ...: NULL when the rule cannot have any effect. */
static struct m_rule *xr_rule(struct xr *r, const xmlNode *n, const struct rule_kind *k,
			      struct objcount *cnt)
{
	struct m_rule *rule = arena_alloc(r->a, sizeof(*rule));
	rule->loc = xdoc_loc(r->x, n);
	rule->kind = k->kind;
	if (k->attr) {
		const char *v = xn_attr(r->x, n, k->attr);
		if (v && *xml_trim(r->a, v)) {
			rule->script_text = v;
			rule->script = xp_script(r->x, n, k->attr, v, k->place);
		} else if (k->attr_required) {
			xd_report(r->x, DIAG_WARNING, rule->loc, "missing-required",
				  "<%s> has no %s= helper call; it is ignored", k->elem, k->attr);
			return NULL;
		}
	}
	if (k->kind == MR_INCLUDE_ATTRS || k->kind == MR_EXCLUDE_ATTRS) {
		rule->attributes = xr_attr_mask(r, n);
		if (!rule->attributes)
			return NULL;
	}
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		if (xn_is(c, "objectSet"))
			XPUSH(r->a, rule->sets, rule->nsets, xr_objectset(r, c, cnt));
		else
			xn_unexpected(r->x, c, XV_MIGXML);
	}
	return rule;
}

/* ---------------------------------------------------------------------------
 * addObjects, externalProcess, processing: checked, not kept in the model
 * ------------------------------------------------------------------------- */

static void xr_children_only(struct xr *r, const xmlNode *n, const char *const *allowed)
{
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		const char *const *a = allowed;
		while (*a && !xn_is(c, *a))
			a++;
		if (!*a)
			xn_unexpected(r->x, c, XV_MIGXML);
	}
}

static void xr_add_objects(struct xr *r, const xmlNode *n)
{
	static const char *const top[] = {"object", "conditions", "condition", "script", NULL};
	static const char *const obj[] = {"location", "attributes", "bytes", NULL};
	static const char *const loc[] = {"script", NULL};
	xr_children_only(r, n, top);
	for (const xmlNode *o = xn_first(n); o; o = xn_next(o)) {
		if (!xn_is(o, "object"))
			continue;
		xr_children_only(r, o, obj);
		for (const xmlNode *l = xn_first(o); l; l = xn_next(l))
			if (xn_is(l, "location"))
				xr_children_only(r, l, loc);
	}
}

static const char *const when_values[] = {"pre-scan",	   "scan-success", "post-scan", "pre-apply",
					  "apply-success", "post-apply",   NULL};

static void xr_external_process(struct xr *r, const xmlNode *n)
{
	static const char *const kids[] = {"commandLine", NULL};
	xr_check_enum(r, n, "when", when_values,
		      "pre-scan, scan-success, post-scan, pre-apply, apply-success or post-apply");
	xr_children_only(r, n, kids);
}

static void xr_processing(struct xr *r, const xmlNode *n)
{
	xr_check_enum(r, n, "when", when_values,
		      "pre-scan, scan-success, post-scan, pre-apply, apply-success or post-apply");
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		if (xn_is(c, "script"))
			xp_script(r->x, c, NULL, xn_text(r->x, c), HP_PROCESSING);
		else
			xn_unexpected(r->x, c, XV_MIGXML);
	}
}

/* ---------------------------------------------------------------------------
 * <rules>
 * ------------------------------------------------------------------------- */

static void xr_rules_child(struct xr *r, struct m_rules *rs, const xmlNode *c, struct objcount *cnt,
			   struct m_detection *det)
{
	const struct rule_kind *k = rule_kind_of(c);
	if (k) {
		struct m_rule *rule = xr_rule(r, c, k, cnt);
		if (rule)
			XPUSH(r->a, rs->rules, rs->nrules, rule);
	} else if (xn_is(c, "rules"))
		XPUSH(r->a, rs->children, rs->nchildren, xr_rules(r, c, false));
	else if (xn_is(c, "conditions"))
		rs->conds = xr_cond_and(r, rs->conds, xr_conditions(r, c));
	else if (xn_is(c, "detects"))
		xr_add_detection(r, c, det);
	else if (xn_is(c, "addObjects"))
		xr_add_objects(r, c);
	else if (xn_is(c, "externalProcess"))
		xr_external_process(r, c);
	else if (xn_is(c, "processing"))
		xr_processing(r, c);
	else
		xn_unexpected(r->x, c, XV_MIGXML);
}

/* <rules name= context=>. NAMED: a definition under <namedElements>. */
static struct m_rules *xr_rules(struct xr *r, const xmlNode *n, bool named)
{
	struct m_rules *rs = arena_alloc(r->a, sizeof(*rs));
	rs->loc = xdoc_loc(r->x, n);
	rs->name = xr_name(r, n);
	rs->context = xr_context(r, n);
	if (rs->name && !named) {
		rs->is_reference = true;
		xr_ignore_children(r, n, rs->name);
		return rs;
	}
	struct objcount cnt = {0, 0};
	struct m_detection det = {{NULL, 0, 0}, NULL, 0};
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c))
		xr_rules_child(r, rs, c, &cnt, &det);
	if (det.nalts)
		rs->conds = xr_cond_and(r, rs->conds, xr_cond_or(r, det.alts, det.nalts, det.loc));
	rs->has_registry_only = cnt.reg > 0 && cnt.file == 0;
	return rs;
}

/* ---------------------------------------------------------------------------
 * <environment> and <variable>
 * ------------------------------------------------------------------------- */

static struct m_variable *xr_variable(struct xr *r, const xmlNode *n)
{
	struct m_variable *v = arena_alloc(r->a, sizeof(*v));
	v->loc = xdoc_loc(r->x, n);
	v->name = xr_name(r, n);
	v->remap = xr_bool(r, n, "remap", false);
	const xmlNode *value = NULL;
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		bool is_value = xn_is(c, "text") || xn_is(c, "script") || xn_is(c, "objectSet");
		if (!is_value) {
			xn_unexpected(r->x, c, XV_MIGXML);
			continue;
		}
		if (value) {
			xd_report(
			    r->x, DIAG_WARNING, xdoc_loc(r->x, c), "unknown-element",
			    "<variable> takes one of <text>, <script>, <objectSet>; this <%s> "
			    "after <%s> is ignored",
			    (const char *)c->name, (const char *)value->name);
			continue;
		}
		value = c;
		if (xn_is(c, "text"))
			v->text = xml_trim(r->a, xn_text(r->x, c));
		else if (xn_is(c, "script"))
			v->script = xp_script(r->x, c, NULL, xn_text(r->x, c), HP_VARIABLE);
		else {
			struct objcount cnt = {0, 0};
			v->set = xr_objectset(r, c, &cnt);
		}
	}
	if (!v->name) {
		xd_report(r->x, DIAG_WARNING, v->loc, "missing-required",
			  "<variable> has no name=; it is ignored");
		return NULL;
	}
	if (!value) {
		xd_report(
		    r->x, DIAG_WARNING, v->loc, "missing-required",
		    "<variable name=\"%.100s\"> has no <text>, <script> or <objectSet>; it is "
		    "ignored",
		    v->name);
		return NULL;
	}
	return v;
}

static struct m_environment *xr_environment(struct xr *r, const xmlNode *n, bool named)
{
	struct m_environment *e = arena_alloc(r->a, sizeof(*e));
	e->loc = xdoc_loc(r->x, n);
	e->name = xr_name(r, n);
	e->context = xr_context(r, n);
	if (e->name && !named) {
		e->is_reference = true;
		xr_ignore_children(r, n, e->name);
		return e;
	}
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		if (xn_is(c, "variable")) {
			struct m_variable *v = xr_variable(r, c);
			if (v)
				XPUSH(r->a, e->vars, e->nvars, v);
		} else if (xn_is(c, "conditions"))
			e->conds = xr_cond_and(r, e->conds, xr_conditions(r, c));
		else
			xn_unexpected(r->x, c, XV_MIGXML);
	}
	return e;
}

/* ---------------------------------------------------------------------------
 * <component>, <role>
 * ------------------------------------------------------------------------- */

static void xr_extensions(struct xr *r, const xmlNode *n, struct m_component *comp)
{
	comp->extensions_loc = xdoc_loc(r->x, n);
	char *csv = comp->extensions_csv ? (char *)comp->extensions_csv : NULL;
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		if (!xn_is(c, "extension")) {
			xn_unexpected(r->x, c, XV_MIGXML);
			continue;
		}
		const char *ext = xml_trim(r->a, xn_text(r->x, c));
		if (!*ext)
			continue;
		size_t old = csv ? strlen(csv) : 0;
		char *grown = arena_alloc(r->a, old + strlen(ext) + 2);
		if (csv)
			memcpy(grown, csv, old);
		snprintf(grown + old, strlen(ext) + 2, "%s%s", old ? "," : "", ext);
		csv = grown;
	}
	comp->extensions_csv = csv;
}

/* <destinationCleanup> written directly in a <role>: stock MigApp.xml does this (the
 * Chrome cache), so it is taken as a <rules> block of its own, context inherited. */
static struct m_rules *xr_role_cleanup(struct xr *r, const xmlNode *n)
{
	struct m_rules *rs = arena_alloc(r->a, sizeof(*rs));
	rs->loc = xdoc_loc(r->x, n);
	struct objcount cnt = {0, 0};
	struct m_rule *rule = xr_rule(r, n, rule_kind_of(n), &cnt);
	if (rule)
		XPUSH(r->a, rs->rules, rs->nrules, rule);
	rs->has_registry_only = cnt.reg > 0 && cnt.file == 0;
	return rs;
}

static void xr_role(struct xr *r, const xmlNode *n, struct m_component *comp)
{
	static const char *const roles[] = {"Container", "Binaries", "Settings", "Data", NULL};
	xr_check_enum(r, n, "role", roles, "Container, Binaries, Settings or Data");
	const char *role = xn_attr(r->x, n, "role");
	if (role && !comp->role)
		comp->role = xml_trim(r->a, role);
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		if (xn_is(c, "rules"))
			XPUSH(r->a, comp->rules, comp->nrules, xr_rules(r, c, false));
		else if (xn_is(c, "environment"))
			XPUSH(r->a, comp->envs, comp->nenvs, xr_environment(r, c, false));
		else if (xn_is(c, "detection") || xn_is(c, "detects"))
			xr_add_detection(r, c, &comp->detection);
		else if (xn_is(c, "component"))
			XPUSH(r->a, comp->children, comp->nchildren, xr_component(r, c, comp));
		else if (xn_is(c, "role"))
			xr_role(r, c, comp);
		else if (xn_is(c, "destinationCleanup"))
			XPUSH(r->a, comp->rules, comp->nrules, xr_role_cleanup(r, c));
		else
			xn_unexpected(r->x, c, XV_MIGXML);
	}
}

static void xr_display_name(struct xr *r, const xmlNode *n, struct m_component *comp)
{
	const char *name = xml_trim(r->a, xn_text(r->x, n));
	if (comp->display_name)
		xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, n), "duplicate-name",
			  "second <displayName> in one component; the first one is used");
	else if (*name)
		comp->display_name = name;
}

/* "Parent\Child" display-name path, the key Config.xml uses. */
static const char *xr_path(struct xr *r, const struct m_component *parent, const char *name)
{
	if (!name)
		return NULL;
	if (!parent || !parent->path)
		return name;
	size_t n = strlen(parent->path) + 1 + strlen(name) + 1;
	char *p = arena_alloc(r->a, n);
	snprintf(p, n, "%s\\%s", parent->path, name);
	return p;
}

static struct m_component *xr_component(struct xr *r, const xmlNode *n, struct m_component *parent)
{
	static const char *const types[] = {"System", "Application", "Device", "Documents", NULL};
	struct m_component *comp = arena_alloc(r->a, sizeof(*comp));
	comp->loc = xdoc_loc(r->x, n);
	comp->parent = parent;
	comp->enabled = true;
	xr_check_enum(r, n, "type", types, "System, Application, Device or Documents");
	const char *type = xn_attr(r->x, n, "type");
	comp->type = type ? xml_trim(r->a, type) : NULL;
	comp->context = xr_context(r, n);
	if (!comp->context)
		comp->context = CTX_USER_AND_SYSTEM;
	comp->default_supported = xr_bool(r, n, "defaultSupported", true);

	/* displayName first: child components need this one's path. */
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c))
		if (xn_is(c, "displayName"))
			xr_display_name(r, c, comp);
	comp->path = xr_path(r, parent, comp->display_name);
	if (!comp->display_name)
		xd_report(r->x, DIAG_WARNING, comp->loc, "missing-required",
			  "<component> has no <displayName>; Config.xml cannot refer to it");

	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		if (xn_is(c, "displayName"))
			continue;
		if (xn_is(c, "role"))
			xr_role(r, c, comp);
		else if (xn_is(c, "environment"))
			XPUSH(r->a, comp->envs, comp->nenvs, xr_environment(r, c, false));
		else if (xn_is(c, "extensions"))
			xr_extensions(r, c, comp);
		else
			xn_unexpected(r->x, c, XV_MIGXML);
	}
	return comp;
}

/* ---------------------------------------------------------------------------
 * <namedElements> and the root
 * ------------------------------------------------------------------------- */

static bool named_taken(struct xr *r, const xmlNode *n, const char *name, bool taken)
{
	if (taken)
		xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, "name"), "duplicate-name",
			  "<%s name=\"%.100s\"> is defined twice in <namedElements>; the first "
			  "definition is used",
			  (const char *)n->name, name);
	return taken;
}

static void xr_named_detection(struct xr *r, const xmlNode *n, const char *name)
{
	if (named_taken(r, n, name, xr_find_named(r, name) != NULL))
		return;
	struct m_detection *det = arena_alloc(r->a, sizeof(*det));
	det->loc = xdoc_loc(r->x, n);
	struct m_conditions *alt = xn_is(n, "detect")	 ? xr_detect(r, n)
				   : xn_is(n, "detects") ? xr_detects(r, n)
							 : xr_detection_body(r, n);
	XPUSH(r->a, det->alts, det->nalts, alt);
	size_t nn = r->f->nnamed_detections;
	XPUSH(r->a, r->f->named_detections, r->f->nnamed_detections, det);
	XPUSH(r->a, r->f->named_detection_names, nn, (void *)name);
}

static void xr_named(struct xr *r, const xmlNode *n)
{
	for (const xmlNode *c = xn_first(n); c; c = xn_next(c)) {
		bool known = xn_is(c, "rules") || xn_is(c, "environment") ||
			     xn_is(c, "detection") || xn_is(c, "detects") || xn_is(c, "detect");
		if (!known) {
			if (xn_is(c, "conditions"))
				xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, c), "unsupported",
					  "named <conditions> are not supported; ignored");
			else
				xn_unexpected(r->x, c, XV_MIGXML);
			continue;
		}
		const char *name = xr_name(r, c);
		if (!name) {
			xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, c), "missing-required",
				  "<%s> in <namedElements> has no name=; it is ignored",
				  (const char *)c->name);
			continue;
		}
		bool taken = false;
		if (xn_is(c, "rules")) {
			for (size_t i = 0; i < r->f->nnamed_rules; i++)
				taken |= strcmp(r->f->named_rules[i]->name, name) == 0;
			if (!named_taken(r, c, name, taken))
				XPUSH(r->a, r->f->named_rules, r->f->nnamed_rules,
				      xr_rules(r, c, true));
		} else if (xn_is(c, "environment")) {
			for (size_t i = 0; i < r->f->nnamed_envs; i++)
				taken |= strcmp(r->f->named_envs[i]->name, name) == 0;
			if (!named_taken(r, c, name, taken))
				XPUSH(r->a, r->f->named_envs, r->f->nnamed_envs,
				      xr_environment(r, c, true));
		} else
			xr_named_detection(r, c, name);
	}
}

/* The root must be <migration>; say what the file is otherwise. */
static bool xr_check_root(struct xdoc *x)
{
	const xmlNode *root = x->root;
	struct src_loc loc = xdoc_loc(x, root);
	const char *name = (const char *)root->name;
	if (xn_is(root, "migration"))
		return true;
	if (!xml_casecmp(name, "Configuration"))
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "this is a Config.xml (<%s>), not a MigXML rule file; pass it with "
			  "--config",
			  name);
	else if (!xml_casecmp(name, "offline"))
		xd_report(
		    x, DIAG_ERROR, loc, NULL,
		    "this is a ScanState offline-settings file (<%s>), not a MigXML rule file",
		    name);
	else if (!xml_casecmp(name, "migration"))
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "root element <%s>: did you mean <migration>? (element names are "
			  "case-sensitive)",
			  name);
	else
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "root element is <%.100s>; a MigXML rule file starts with <migration>",
			  name);
	return false;
}

static struct m_file *xr_file(struct xdoc *x, struct src_loc *root_loc)
{
	if (!xr_check_root(x))
		return NULL;
	xn_check_attributes(x, XV_MIGXML);
	struct xr r = {x, x->a, arena_alloc(x->a, sizeof(struct m_file))};
	struct m_file *f = r.f;
	f->path = x->path;
	memcpy(f->sha256, x->sha256, sizeof(f->sha256));
	*root_loc = xdoc_loc(x, x->root);
	const char *urlid = xn_attr(x, x->root, "urlid");
	if (urlid && *xml_trim(r.a, urlid))
		f->urlid = xml_trim(r.a, urlid);
	else
		xd_report(x, DIAG_WARNING, *root_loc, "missing-required",
			  "<migration> has no urlid=; duplicate rule files cannot be detected");

	for (const xmlNode *c = xn_first(x->root); c; c = xn_next(c))
		if (xn_is(c, "namedElements"))
			xr_named(&r, c);
	for (const xmlNode *c = xn_first(x->root); c; c = xn_next(c)) {
		if (xn_is(c, "component"))
			XPUSH(r.a, f->components, f->ncomponents, xr_component(&r, c, NULL));
		else if (!xn_is(c, "namedElements"))
			xn_unexpected(x, c, XV_MIGXML);
	}
	return f;
}

/* Load the rule file PATH. */
struct m_file *xr_load(struct arena *a, struct diag_set *d, const char *path,
		       struct src_loc *root_loc)
{
	struct xdoc x;
	struct m_file *f = NULL;
	if (xdoc_open(&x, a, d, path) == 0)
		f = xr_file(&x, root_loc);
	xdoc_close(&x);
	return f;
}
