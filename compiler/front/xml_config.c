/* xml_config.c - a Config.xml (<Configuration>) into an m_config.
 *
 * Kept: every <component displayname= migrate=> switch with its display-name path
 * ("Parent\Child"), the ErrorControl rules and the HardLinkStoreControl rules, each
 * list in document order (first match wins at run time), the <ProfileControl> group
 * mappings (<changeGroup>) in document order, and whether a <ProfileControl> was
 * present. Everything else is reported and skipped. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctwrite.h"
#include "xml_load.h"
#include "xml_priv.h"

struct xc {
	struct xdoc *x;
	struct arena *a;
	struct m_config *c;
	bool *in_windows; /* parallel to c->switches */
	size_t nin_windows;
};

/* ---------------------------------------------------------------------------
 * Component switches
 * ------------------------------------------------------------------------- */

/* Path of a switch: "Parent\Child". /genconfig writes nested WindowsComponents
 * entries with the parent's path already in the display name ("gadgets\sticky
 * notes" inside "gadgets"); such a name is taken as the full path. */
static const char *switch_path(struct xc *c, const char *parent, const char *name)
{
	if (!parent)
		return name;
	size_t pl = strlen(parent);
	if (strlen(name) > pl && name[pl] == '\\' && strncasecmp(name, parent, pl) == 0)
		return name;
	size_t n = pl + 1 + strlen(name) + 1;
	char *p = arena_alloc(c->a, n);
	snprintf(p, n, "%s\\%s", parent, name);
	return p;
}

static bool migrate_value(struct xc *c, const xmlNode *n)
{
	const char *raw = xn_attr(c->x, n, "migrate");
	if (!raw) {
		xd_report(c->x, DIAG_WARNING, xdoc_loc(c->x, n), "missing-required",
			  "<component> has no migrate=; \"yes\" is assumed");
		return true;
	}
	const char *v = xml_trim(c->a, raw);
	if (!xml_casecmp(v, "yes") || !xml_casecmp(v, "true"))
		return true;
	if (!xml_casecmp(v, "no") || !xml_casecmp(v, "false"))
		return false;
	xd_report(c->x, DIAG_WARNING, xdoc_attr_loc(c->x, n, "migrate", 1), "invalid-attribute",
		  "migrate=\"%.60s\" is not yes or no; \"yes\" is assumed", v);
	return true;
}

static void xc_switch(struct xc *c, const xmlNode *n, const char *parent, bool windows)
{
	const char *spelled = NULL;
	const char *name = xn_attr_ci(c->x, n, "displayname", &spelled);
	name = name ? xml_trim(c->a, name) : NULL;
	if (!name || !*name) {
		xd_report(c->x, DIAG_WARNING, xdoc_loc(c->x, n), "missing-required",
			  "<component> has no displayname=; it and its children are ignored");
		return;
	}
	struct m_switch *sw = arena_alloc(c->a, sizeof(*sw));
	sw->loc = xdoc_loc(c->x, n);
	sw->path = switch_path(c, parent, name);
	const char *id = xn_attr_ci(c->x, n, "ID", NULL);
	sw->id = id ? xml_trim(c->a, id) : NULL;
	sw->migrate = migrate_value(c, n);
	size_t nw = c->c->nswitches;
	XPUSH(c->a, c->c->switches, c->c->nswitches, sw);
	/* in_windows[] is kept parallel to switches[]. */
	if (nw >= c->nin_windows) {
		size_t cap = c->nin_windows ? c->nin_windows * 2 : 16;
		bool *grown = arena_alloc(c->a, cap * sizeof(bool));
		if (c->in_windows)
			memcpy(grown, c->in_windows, c->nin_windows * sizeof(bool));
		c->in_windows = grown;
		c->nin_windows = cap;
	}
	c->in_windows[nw] = windows;

	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		if (xn_is(k, "component"))
			xc_switch(c, k, sw->path, windows);
		else
			xn_unexpected(c->x, k, XV_CONFIG);
	}
}

/* <Applications>, <Documents>, <WindowsComponents>: lists of switches. */
static void xc_section(struct xc *c, const xmlNode *n, bool windows)
{
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		if (xn_is(k, "component"))
			xc_switch(c, k, NULL, windows);
		else
			xn_unexpected(c->x, k, XV_CONFIG);
	}
}

/* ---------------------------------------------------------------------------
 * Policies
 * ------------------------------------------------------------------------- */

/* Where the rule's pattern text starts (the element when it is empty), as lint and
 * the code generator expect for every pattern-holding node. */
static struct src_loc text_start(struct xc *c, const xmlNode *n, const char *text)
{
	return *text ? xdoc_text_loc(c->x, n, 1) : xdoc_loc(c->x, n);
}

/* errorCode="any", absent, or a number (decimal or 0x-hex). -2 when invalid. */
static long error_code(struct xc *c, const xmlNode *n)
{
	const char *raw = xn_attr(c->x, n, "errorCode");
	if (!raw)
		return -1;
	const char *v = xml_trim(c->a, raw);
	if (!xml_casecmp(v, "any"))
		return -1;
	int base = (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? 16 : 10;
	char *end = NULL;
	errno = 0;
	long code = *v && *v != '-' && *v != '+' ? strtol(v, &end, base) : -1;
	if (code >= 0 && end && !*end && errno == 0)
		return code;
	xd_report(c->x, DIAG_ERROR, xdoc_attr_loc(c->x, n, "errorCode", 1), NULL,
		  "errorCode=\"%.60s\" is not \"any\" or an error number; the rule is ignored", v);
	return -2;
}

/* <nonFatal>/<fatal> inside <fileError>/<registryError>. */
static void xc_error_rule(struct xc *c, const xmlNode *n, bool registry)
{
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k))
		xn_unexpected(c->x, k, XV_CONFIG);
	long code = error_code(c, n);
	if (code == -2)
		return;
	struct m_error_rule *e = arena_alloc(c->a, sizeof(*e));
	e->fatal = xn_is(n, "fatal");
	e->registry = registry;
	e->error_code = code;
	e->text = xn_text(c->x, n);
	e->loc = text_start(c, n, e->text);
	e->pattern = xp_pattern(c->x, n, e->text, registry ? PAT_REGISTRY : PAT_FILE);
	XPUSH(c->a, c->c->errors, c->c->nerrors, e);
}

static void xc_error_control(struct xc *c, const xmlNode *n)
{
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		bool registry = xn_is(k, "registryError");
		if (!registry && !xn_is(k, "fileError")) {
			xn_unexpected(c->x, k, XV_CONFIG);
			continue;
		}
		for (const xmlNode *r = xn_first(k); r; r = xn_next(r)) {
			if (xn_is(r, "nonFatal") || xn_is(r, "fatal"))
				xc_error_rule(c, r, registry);
			else
				xn_unexpected(c->x, r, XV_CONFIG);
		}
	}
}

/* <createHardLink>/<errorHardLink> inside <fileLocked>. */
static void xc_hardlink_rule(struct xc *c, const xmlNode *n)
{
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k))
		xn_unexpected(c->x, k, XV_CONFIG);
	struct m_hardlink_rule *h = arena_alloc(c->a, sizeof(*h));
	h->create = xn_is(n, "createHardLink");
	h->text = xn_text(c->x, n);
	h->loc = text_start(c, n, h->text);
	h->pattern = xp_pattern(c->x, n, h->text, PAT_FILE);
	/* A leafless pattern here matches no file: lint reports it (-Wno-leaf). */
	XPUSH(c->a, c->c->hardlinks, c->c->nhardlinks, h);
}

static void xc_hardlink_control(struct xc *c, const xmlNode *n)
{
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		if (!xn_is(k, "fileLocked")) {
			xn_unexpected(c->x, k, XV_CONFIG);
			continue;
		}
		for (const xmlNode *r = xn_first(k); r; r = xn_next(r)) {
			if (xn_is(r, "createHardLink") || xn_is(r, "errorHardLink"))
				xc_hardlink_rule(c, r);
			else
				xn_unexpected(c->x, r, XV_CONFIG);
		}
	}
}

static void xc_policies(struct xc *c, const xmlNode *n)
{
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		if (xn_is(k, "ErrorControl"))
			xc_error_control(c, k);
		else if (xn_is(k, "HardLinkStoreControl"))
			xc_hardlink_control(c, k);
		else
			xn_unexpected(c->x, k, XV_CONFIG);
	}
}

/* ---------------------------------------------------------------------------
 * ProfileControl
 * ------------------------------------------------------------------------- */

/* from= or to= of <changeGroup> (From=/To= too: the spec's table and its examples
 * disagree on the case): a Linux group name, a DOMAIN\ prefix ignored as for --ui.
 * NULL, reported, when absent or not a name the shadow tools accept. */
static const char *group_attr(struct xc *c, const xmlNode *n, const char *attr)
{
	const char *spelled = attr;
	const char *raw = xn_attr_ci(c->x, n, attr, &spelled);
	if (!raw) {
		xd_report(c->x, DIAG_ERROR, xdoc_loc(c->x, n), NULL,
			  "<changeGroup> has no %s=; the mapping is ignored", attr);
		return NULL;
	}
	const char *v = xml_trim(c->a, raw);
	const char *bs = strrchr(v, '\\');
	const char *name = bs ? bs + 1 : v;
	if (!strcmp(name, "*")) {
		xd_report(c->x, DIAG_ERROR, xdoc_attr_loc(c->x, n, spelled, 1), NULL,
			  "%s=\"*\": a group mapping names one group here; the mapping is ignored",
			  spelled);
		return NULL;
	}
	if (!acctwrite_name_valid(name)) {
		xd_report(c->x, DIAG_ERROR, xdoc_attr_loc(c->x, n, spelled, 1), NULL,
			  "%s=\"%.60s\" is not a Linux group name (letters, digits, '_', '.', "
			  "'-' not first, an optional final '$', at most %u bytes, not all "
			  "digits); the mapping is ignored",
			  spelled, v, AW_NAME_MAX);
		return NULL;
	}
	return name;
}

static void xc_change_group(struct xc *c, const xmlNode *n)
{
	bool ok = true;
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		if (xn_is(k, "include") || xn_is(k, "exclude")) {
			/* skipping a narrowing list would widen a privileged grant */
			xd_report(c->x, DIAG_ERROR, xdoc_loc(c->x, k), NULL,
				  "<%s> user patterns in <changeGroup> are not supported; the "
				  "mapping is ignored rather than applied to users the patterns "
				  "leave out",
				  (const char *)k->name);
			ok = false;
		} else
			xn_unexpected(c->x, k, XV_CONFIG);
	}
	const char *from = group_attr(c, n, "from");
	const char *to = group_attr(c, n, "to");
	const char *spelled = "appliesTo";
	const char *raw = xn_attr_ci(c->x, n, "appliesTo", &spelled);
	const char *v = raw ? xml_trim(c->a, raw) : NULL;
	enum m_applies applies = MAP_MIGRATED;
	if (!v) {
		xd_report(c->x, DIAG_ERROR, xdoc_loc(c->x, n), NULL,
			  "<changeGroup> has no appliesTo= (MigratedUsers, NonmigratedUsers or "
			  "AllUsers); the mapping is ignored");
		ok = false;
	} else if (!xml_casecmp(v, "MigratedUsers"))
		applies = MAP_MIGRATED;
	else if (!xml_casecmp(v, "NonmigratedUsers"))
		applies = MAP_NONMIGRATED;
	else if (!xml_casecmp(v, "AllUsers"))
		applies = MAP_ALL;
	else {
		xd_report(c->x, DIAG_ERROR, xdoc_attr_loc(c->x, n, spelled, 1), NULL,
			  "appliesTo=\"%.60s\" is not MigratedUsers, NonmigratedUsers or "
			  "AllUsers; the mapping is ignored",
			  v);
		ok = false;
	}
	if (!ok || !from || !to)
		return;
	struct m_group_map *m = arena_alloc(c->a, sizeof(*m));
	m->loc = xdoc_loc(c->x, n);
	m->from = from;
	m->to = to;
	m->applies = applies;
	XPUSH(c->a, c->c->group_maps, c->c->ngroup_maps, m);
}

static void xc_profile_control(struct xc *c, const xmlNode *n)
{
	c->c->has_profile_control = true;
	for (const xmlNode *k = xn_first(n); k; k = xn_next(k)) {
		if (!xn_is(k, "localGroups")) {
			xn_unexpected(c->x, k, XV_CONFIG);
			continue;
		}
		for (const xmlNode *m = xn_first(k); m; m = xn_next(m)) {
			if (!xn_is(m, "mappings")) {
				xn_unexpected(c->x, m, XV_CONFIG);
				continue;
			}
			for (const xmlNode *g = xn_first(m); g; g = xn_next(g)) {
				if (xn_is(g, "changeGroup"))
					xc_change_group(c, g);
				else
					xn_unexpected(c->x, g, XV_CONFIG);
			}
		}
	}
}

/* ---------------------------------------------------------------------------
 * Root
 * ------------------------------------------------------------------------- */

static bool xc_check_root(struct xdoc *x)
{
	const char *name = (const char *)x->root->name;
	struct src_loc loc = xdoc_loc(x, x->root);
	if (xn_is(x->root, "Configuration"))
		return true;
	if (!xml_casecmp(name, "migration"))
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "this is a MigXML rule file (<%s>), not a Config.xml; pass it as a rule "
			  "file, not with --config",
			  name);
	else if (!xml_casecmp(name, "offline"))
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "this is a ScanState offline-settings file (<%s>), not a Config.xml",
			  name);
	else if (!xml_casecmp(name, "Configuration"))
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "root element <%s>: did you mean <Configuration>? (element names are "
			  "case-sensitive)",
			  name);
	else
		xd_report(x, DIAG_ERROR, loc, NULL,
			  "root element is <%.100s>; a Config.xml starts with <Configuration>",
			  name);
	return false;
}

static struct m_config *xc_file(struct xdoc *x, bool **in_windows)
{
	if (!xc_check_root(x))
		return NULL;
	xn_check_attributes(x, XV_CONFIG);
	struct xc c = {x, x->a, arena_alloc(x->a, sizeof(struct m_config)), NULL, 0};
	c.c->path = x->path;
	memcpy(c.c->sha256, x->sha256, sizeof(c.c->sha256));
	for (const xmlNode *k = xn_first(x->root); k; k = xn_next(k)) {
		if (xn_is(k, "Applications") || xn_is(k, "Documents"))
			xc_section(&c, k, false);
		else if (xn_is(k, "WindowsComponents"))
			xc_section(&c, k, true);
		else if (xn_is(k, "component"))
			xc_switch(&c, k, NULL, false);
		else if (xn_is(k, "Policies"))
			xc_policies(&c, k);
		else if (xn_is(k, "Policy")) {
			xd_report(
			    x, DIAG_WARNING, xdoc_loc(x, k), "unknown-element",
			    "unknown element <Policy>; read as <Policies> (write <Policies>)");
			xc_policies(&c, k);
		} else if (xn_is(k, "ProfileControl"))
			xc_profile_control(&c, k);
		else
			xn_unexpected(x, k, XV_CONFIG);
	}
	if (in_windows)
		*in_windows = c.in_windows;
	return c.c;
}

/* Load the Config.xml PATH. */
struct m_config *xc_load(struct arena *a, struct diag_set *d, const char *path, bool **in_windows)
{
	struct xdoc x;
	struct m_config *c = NULL;
	if (in_windows)
		*in_windows = NULL;
	if (xdoc_open(&x, a, d, path) == 0)
		c = xc_file(&x, in_windows);
	xdoc_close(&x);
	return c;
}
