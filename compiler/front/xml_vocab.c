/* xml_vocab.c - element and attribute names of MigXML and Config.xml: an unexpected
 * element gets "did you mean" or "misplaced", an unknown attribute a warning
 * (xml_priv.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_load.h"
#include "xml_priv.h"

/* ---------------------------------------------------------------------------
 * Element vocabularies
 * ------------------------------------------------------------------------- */

/* Element names of each vocabulary, space separated. */
static const char migxml_names[] =
    "migration component role rules include exclude unconditionalExclude objectSet "
    "pattern script locationModify merge contentModify destinationCleanup "
    "includeAttributes excludeAttributes addObjects object location attributes bytes "
    "detects detect detection conditions condition environment variable text "
    "namedElements externalProcess commandLine processing displayName extensions "
    "extension content";

/* USMT-internal elements: accepted anywhere and ignored without a word. */
static const char internal_names[] = "paths path icon library plugin windowsObjects "
				     "_locDefinition _locDefault _locTag manufacturer version "
				     "description";

static const char config_names[] =
    "Configuration Applications Documents WindowsComponents component Policies "
    "ErrorControl fileError registryError nonFatal fatal HardLinkStoreControl fileLocked "
    "createHardLink errorHardLink ProfileControl localGroups mappings changeGroup";

/* Find NAME (length N) among the space-separated words of LIST; returns the word
 * (its length in *LEN) or NULL. */
static const char *find_word(const char *list, const char *name, size_t n, bool fold, size_t *len)
{
	for (const char *w = list; *w;) {
		size_t wl = strcspn(w, " ");
		if (wl == n && (fold ? strncasecmp(w, name, n) == 0 : strncmp(w, name, n) == 0)) {
			*len = wl;
			return w;
		}
		w += wl;
		w += strspn(w, " ");
	}
	return NULL;
}

static bool has_word(const char *list, const char *name)
{
	size_t len;
	return find_word(list, name, strlen(name), false, &len) != NULL;
}

/* N does not belong where it is: say why, and that it is ignored. */
void xn_unexpected(struct xdoc *x, const xmlNode *n, enum xvocab v)
{
	const char *vocab = v == XV_CONFIG ? config_names : migxml_names;
	const char *name = (const char *)n->name;
	struct src_loc loc = xdoc_loc(x, n);
	if (n->ns && n->ns->prefix) {
		xd_report(x, DIAG_WARNING, loc, "unknown-element",
			  "unknown element <%.60s:%.60s>; it is ignored",
			  (const char *)n->ns->prefix, name);
		return;
	}
	if (has_word(internal_names, name))
		return;
	if (has_word(vocab, name)) {
		const char *parent = n->parent && n->parent->type == XML_ELEMENT_NODE
					 ? (const char *)n->parent->name
					 : "the document";
		xd_report(x, DIAG_WARNING, loc, "unknown-element",
			  "<%s> is not allowed inside <%s>; it is ignored", name, parent);
		return;
	}
	size_t nl = strlen(name), wl;
	const char *near = find_word(vocab, name, nl, true, &wl);
	if (!near)
		near = find_word(internal_names, name, nl, true, &wl);
	if (near)
		xd_report(x, DIAG_WARNING, loc, "unknown-element",
			  "unknown element <%s>; did you mean <%.*s>? it is ignored", name, (int)wl,
			  near);
	else
		xd_report(x, DIAG_WARNING, loc, "unknown-element",
			  "unknown element <%.100s>; it is ignored", name);
}

/* Attributes each element defines (space separated). Config.xml's are matched
 * case-insensitively: /genconfig and hand-written files disagree (displayname vs
 * displayName, ID vs id). */
struct elem_attrs {
	const char *elem;
	const char *attrs;
};

static const struct elem_attrs migxml_attrs[] = {
    {"migration", "urlid"},
    {"component", "type context defaultSupported hidden"},
    {"role", "role"},
    {"rules", "name context"},
    {"include", "filter"},
    {"exclude", "filter"},
    {"unconditionalExclude", ""},
    {"objectSet", ""},
    {"pattern", "type"},
    {"script", ""},
    {"locationModify", "script"},
    {"merge", "script"},
    {"contentModify", "script"},
    {"destinationCleanup", "filter"},
    {"includeAttributes", "attributes"},
    {"excludeAttributes", "attributes"},
    {"addObjects", ""},
    {"object", ""},
    {"location", "type"},
    {"attributes", ""},
    {"bytes", "string expand"},
    {"detects", "name context"},
    {"detect", "name context"},
    {"detection", "name context"},
    {"conditions", "operation"},
    {"condition", "negation"},
    {"environment", "name context"},
    {"variable", "name remap"},
    {"text", ""},
    {"namedElements", ""},
    {"externalProcess", "when"},
    {"commandLine", ""},
    {"processing", "when"},
    {"displayName", "_locID"},
    {"extensions", ""},
    {"extension", ""},
    {"content", "filter"},
    {NULL, NULL},
};

static const struct elem_attrs config_attrs[] = {
    {"Configuration", ""},
    {"Applications", ""},
    {"Documents", ""},
    {"WindowsComponents", "defaultMigrate"},
    {"component", "displayname migrate ID"},
    {"Policies", ""},
    {"Policy", ""},
    {"ErrorControl", ""},
    {"fileError", ""},
    {"registryError", ""},
    {"nonFatal", "errorCode"},
    {"fatal", "errorCode"},
    {"HardLinkStoreControl", ""},
    {"fileLocked", ""},
    {"createHardLink", ""},
    {"errorHardLink", ""},
    {"ProfileControl", ""},
    {"localGroups", ""},
    {"mappings", ""},
    {"changeGroup", "from to appliesTo"},
    {NULL, NULL},
};

static void check_attrs(struct xdoc *x, const xmlNode *n, const char *list, bool config)
{
	for (const xmlAttr *at = n->properties; at; at = at->next) {
		if (at->ns && at->ns->prefix)
			continue; /* xsi:noNamespaceSchemaLocation and the like */
		const char *name = (const char *)at->name;
		size_t nl = strlen(name), wl;
		if (find_word(list, name, nl, config, &wl))
			continue;
		struct src_loc loc = xdoc_attr_loc(x, n, name, 1);
		const char *near = find_word(list, name, nl, true, &wl);
		if (near)
			xd_report(
			    x, DIAG_WARNING, loc, "unknown-attribute",
			    "unknown attribute %s= in <%s>; did you mean %.*s=? it is ignored",
			    name, (const char *)n->name, (int)wl, near);
		else
			xd_report(x, DIAG_WARNING, loc, "unknown-attribute",
				  "unknown attribute %.60s= in <%s>; it is ignored", name,
				  (const char *)n->name);
	}
}

static void check_attrs_tree(struct xdoc *x, const xmlNode *n, const struct elem_attrs *table,
			     bool config)
{
	for (; n; n = xn_next(n)) {
		if (n->ns && n->ns->prefix)
			continue;
		const char *name = (const char *)n->name;
		/* The tables and internal_names share no name: look in the table first,
		 * the internal names only for an element the table does not know. */
		const struct elem_attrs *e = table;
		while (e->elem && (e->elem[0] != name[0] || strcmp(e->elem, name) != 0))
			e++;
		if (e->elem)
			check_attrs(x, n, e->attrs, config);
		else if (has_word(internal_names, name))
			continue; /* not ours to judge */
		check_attrs_tree(x, xn_first(n), table, config);
	}
}

/* Warn about attributes the elements of X do not define (unknown elements are
 * reported elsewhere and their attributes are not judged). */
void xn_check_attributes(struct xdoc *x, enum xvocab v)
{
	bool config = v == XV_CONFIG;
	check_attrs_tree(x, x->root, config ? config_attrs : migxml_attrs, config);
}
