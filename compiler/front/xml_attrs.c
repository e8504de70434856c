/* xml_attrs.c - attributes of MigXML rule elements: locations, context=, booleans,
 * enumerations, names (xml_rules_int.h). */
#include <string.h>

#include "xml_load.h"
#include "xml_rules_int.h"

/* ---------------------------------------------------------------------------
 * Attributes
 * ------------------------------------------------------------------------- */

struct src_loc xr_attr_loc(struct xr *r, const xmlNode *n, const char *attr)
{
	return xdoc_attr_loc(r->x, n, attr, 1);
}

/* context= as a CTX_* mask; 0 when absent or invalid. */
unsigned xr_context(struct xr *r, const xmlNode *n)
{
	static const struct {
		const char *name;
		unsigned ctx;
	} tab[] = {
	    {"System", CTX_SYSTEM}, {"User", CTX_USER}, {"UserAndSystem", CTX_USER_AND_SYSTEM}};
	const char *raw = xn_attr(r->x, n, "context");
	if (!raw)
		return 0;
	const char *v = xml_trim(r->a, raw);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(v, tab[i].name) == 0)
			return tab[i].ctx;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (xml_casecmp(v, tab[i].name) == 0) {
			xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, "context"), "context-case",
				  "context=\"%s\" is accepted as \"%s\"; write it \"%s\"", v,
				  tab[i].name, tab[i].name);
			return tab[i].ctx;
		}
	xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, "context"), "invalid-attribute",
		  "context=\"%.60s\" is not System, User or UserAndSystem; it is ignored", v);
	return 0;
}

/* A yes/no attribute (TRUE, FALSE, Yes, No in any case); DEF when absent or invalid. */
bool xr_bool(struct xr *r, const xmlNode *n, const char *attr, bool def)
{
	const char *raw = xn_attr(r->x, n, attr);
	if (!raw)
		return def;
	const char *v = xml_trim(r->a, raw);
	if (!xml_casecmp(v, "true") || !xml_casecmp(v, "yes"))
		return true;
	if (!xml_casecmp(v, "false") || !xml_casecmp(v, "no"))
		return false;
	xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, attr), "invalid-attribute",
		  "%s=\"%.60s\" is not Yes or No; the default (%s) is used", attr, v,
		  def ? "Yes" : "No");
	return def;
}

/* Is VALUE one of the words in LIST (case-insensitively)? Warn if not. */
void xr_check_enum(struct xr *r, const xmlNode *n, const char *attr, const char *const *list,
		   const char *what)
{
	const char *raw = xn_attr(r->x, n, attr);
	if (!raw) {
		xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, n), "missing-required",
			  "<%s> has no %s= attribute", (const char *)n->name, attr);
		return;
	}
	const char *v = xml_trim(r->a, raw);
	for (; *list; list++)
		if (!xml_casecmp(v, *list))
			return;
	xd_report(r->x, DIAG_WARNING, xr_attr_loc(r, n, attr), "invalid-attribute",
		  "%s=\"%.60s\" is not %s", attr, v, what);
}

/* A name= value, trimmed; NULL when absent or empty. */
const char *xr_name(struct xr *r, const xmlNode *n)
{
	const char *raw = xn_attr(r->x, n, "name");
	if (!raw)
		return NULL;
	const char *v = xml_trim(r->a, raw);
	return *v ? v : NULL;
}

/* A reference instance has children of its own: they are ignored. */
void xr_ignore_children(struct xr *r, const xmlNode *n, const char *name)
{
	if (xn_has_elements(n))
		xd_report(r->x, DIAG_WARNING, xdoc_loc(r->x, n), "ignored-children",
			  "<%s name=\"%.100s\"> refers to a named element; its own children are "
			  "ignored",
			  (const char *)n->name, name);
}
