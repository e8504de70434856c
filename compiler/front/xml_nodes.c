/* xml_nodes.c - what the XML front end's readers (xml_rules.c, xml_config.c) share:
 * diagnostics per file, small string helpers, element and attribute access
 * (xml_priv.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_load.h"
#include "xml_priv.h"

/* ---------------------------------------------------------------------------
 * Diagnostics and small string helpers
 * ------------------------------------------------------------------------- */

/* Report one diagnostic about X's file; errors are counted per file. */
void xd_report(struct xdoc *x, enum diag_level lv, struct src_loc loc, const char *wname,
	       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lv == DIAG_ERROR)
		x->errors++;
	diag_report(x->d, lv, &loc, wname, "%s", msg);
}

/* ASCII case-insensitive strcmp. */
int xml_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || !ca)
			return ca - cb;
	}
}

static bool xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Arena copy of S without surrounding white space. */
const char *xml_trim(struct arena *a, const char *s)
{
	while (xml_space(*s))
		s++;
	size_t n = strlen(s);
	while (n && xml_space(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* ---------------------------------------------------------------------------
 * Tree access
 * ------------------------------------------------------------------------- */

/* Is N the element NAME (exact, no namespace prefix)? */
bool xn_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !(n->ns && n->ns->prefix) &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNode *elem_from(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/* First element child of N. */
xmlNode *xn_first(const xmlNode *n)
{
	return elem_from(n->children);
}

/* Next element sibling of N. */
xmlNode *xn_next(const xmlNode *n)
{
	return elem_from(n->next);
}

/* Does N have element children? */
bool xn_has_elements(const xmlNode *n)
{
	return xn_first(n) != NULL;
}

static const char *attr_value(struct xdoc *x, const xmlAttr *at)
{
	xmlChar *v = xmlNodeListGetString(x->doc, at->children, 1);
	const char *s = arena_strdup(x->a, v ? (const char *)v : "");
	xmlFree(v);
	return s;
}

/* Value of attribute NAME of N (arena), or NULL. */
const char *xn_attr(struct xdoc *x, const xmlNode *n, const char *name)
{
	for (const xmlAttr *at = n->properties; at; at = at->next)
		if (!(at->ns && at->ns->prefix) && strcmp((const char *)at->name, name) == 0)
			return attr_value(x, at);
	return NULL;
}

/* Value of attribute NAME of N matched case-insensitively; *SPELLED gets the name as
 * written. */
const char *xn_attr_ci(struct xdoc *x, const xmlNode *n, const char *name, const char **spelled)
{
	const char *v = xn_attr(x, n, name);
	if (v) {
		if (spelled)
			*spelled = name;
		return v;
	}
	for (const xmlAttr *at = n->properties; at; at = at->next)
		if (!(at->ns && at->ns->prefix) && xml_casecmp((const char *)at->name, name) == 0) {
			if (spelled)
				*spelled = arena_strdup(x->a, (const char *)at->name);
			return attr_value(x, at);
		}
	return NULL;
}

/* Direct text and CDATA children of N, concatenated (arena). */
const char *xn_text(struct xdoc *x, const xmlNode *n)
{
	size_t len = 0;
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			len += strlen((const char *)c->content);
	char *s = arena_alloc(x->a, len + 1);
	char *p = s;
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			size_t l = strlen((const char *)c->content);
			memcpy(p, c->content, l);
			p += l;
		}
	*p = '\0';
	return s;
}
