/* xml_load.c - the XML front end's shared helpers and policy_load().
 *
 * xml_rules.c (MigXML) and xml_config.c (Config.xml) build the model; this file has
 * what both need: diagnostics per file, element-name checks with "did you mean",
 * parsing of patterns and helper calls into the arena at exact positions, and the
 * step that puts a whole policy together (duplicate urlids, component numbering,
 * Config.xml switches). */
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
int xs_casecmp(const char *a, const char *b)
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
const char *xs_trim(struct arena *a, const char *s)
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
		if (!(at->ns && at->ns->prefix) && xs_casecmp((const char *)at->name, name) == 0) {
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
		if (has_word(internal_names, name))
			continue; /* not ours to judge */
		for (const struct elem_attrs *e = table; e->elem; e++)
			if (strcmp(e->elem, name) == 0) {
				check_attrs(x, n, e->attrs, config);
				break;
			}
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

/* ---------------------------------------------------------------------------
 * Patterns and helper calls, copied into the arena
 * ------------------------------------------------------------------------- */

static char *dup_opt(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

static struct pat_atom *atoms_copy(struct arena *a, const struct pat_atom *src, size_t n)
{
	if (!n)
		return NULL;
	struct pat_atom *dst = arena_alloc(a, n * sizeof(*dst));
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[i];
		dst[i].text = dup_opt(a, src[i].text);
	}
	return dst;
}

static struct pat *pat_copy(struct arena *a, const struct pat *p)
{
	struct pat *q = arena_alloc(a, sizeof(*q));
	*q = *p;
	q->hive = dup_opt(a, p->hive);
	q->ini_file = dup_opt(a, p->ini_file);
	q->ini_section = dup_opt(a, p->ini_section);
	q->ini_key = dup_opt(a, p->ini_key);
	q->text = dup_opt(a, p->text);
	q->leaf = atoms_copy(a, p->leaf, p->nleaf);
	q->segs = NULL;
	if (p->nsegs) {
		q->segs = arena_alloc(a, p->nsegs * sizeof(*q->segs));
		for (size_t i = 0; i < p->nsegs; i++) {
			q->segs[i] = p->segs[i];
			q->segs[i].atoms = atoms_copy(a, p->segs[i].atoms, p->segs[i].natoms);
		}
	}
	return q;
}

static struct script_call *call_copy(struct arena *a, const struct script_call *c)
{
	struct script_call *q = arena_alloc(a, sizeof(*q));
	*q = *c;
	q->ns = dup_opt(a, c->ns);
	q->name = dup_opt(a, c->name);
	q->args = NULL;
	if (c->nargs) {
		q->args = arena_alloc(a, c->nargs * sizeof(*q->args));
		for (size_t i = 0; i < c->nargs; i++) {
			q->args[i] = c->args[i];
			q->args[i].str = dup_opt(a, c->args[i].str);
		}
	}
	return q;
}

/* Location of column COL of N's text (ATTR NULL) or of its attribute ATTR. */
static struct src_loc text_pos(struct xdoc *x, const xmlNode *n, const char *attr, int col)
{
	return attr ? xdoc_attr_loc(x, n, attr, col) : xdoc_text_loc(x, n, col);
}

/* Parse TEXT (N's text) as a pattern of TYPE. */
struct pat *xp_pattern(struct xdoc *x, const xmlNode *n, const char *text, enum pat_type type)
{
	size_t len = strlen(text);
	if (len > PATTERN_MAX_BYTES) {
		xd_report(x, DIAG_ERROR, xdoc_text_loc(x, n, 1), NULL,
			  "pattern is %zu bytes long; the limit is %u", len, PATTERN_MAX_BYTES);
		return NULL;
	}
	struct pat_error err = {0, ""};
	struct pat *p = pat_parse(text, len, type, &err);
	if (!p) {
		xd_report(x, DIAG_ERROR, xdoc_text_loc(x, n, err.col > 0 ? err.col : 1), NULL, "%s",
			  err.message[0] ? err.message : "invalid pattern");
		return NULL;
	}
	struct pat *q = pat_copy(x->a, p);
	pat_free(p);
	return q;
}

/* Parse TEXT (N's text, or its attribute ATTR) as a helper call allowed at PLACE. */
struct script_call *xp_script(struct xdoc *x, const xmlNode *n, const char *attr, const char *text,
			      enum helper_place place)
{
	size_t len = strlen(text);
	if (len > PATTERN_MAX_BYTES) {
		xd_report(x, DIAG_ERROR, text_pos(x, n, attr, 1), NULL,
			  "script is %zu bytes long; the limit is %u", len, PATTERN_MAX_BYTES);
		return NULL;
	}
	struct script_error err = {0, ""};
	struct script_call *c = script_parse(text, len, &err);
	if (!c) {
		xd_report(x, DIAG_ERROR, text_pos(x, n, attr, err.col > 0 ? err.col : 1), NULL,
			  "%s", err.message[0] ? err.message : "invalid helper call");
		return NULL;
	}
	if (script_check(c, place, &err) < 0) {
		xd_report(x, DIAG_ERROR, text_pos(x, n, attr, err.col > 0 ? err.col : 1), NULL,
			  "%s", err.message[0] ? err.message : "helper call not allowed here");
		script_free(c);
		return NULL;
	}
	struct script_call *q = call_copy(x->a, c);
	script_free(c);
	return q;
}

/* ---------------------------------------------------------------------------
 * policy_load
 * ------------------------------------------------------------------------- */

/* Load one MigXML rule file. */
struct m_file *xml_load_rules(struct arena *a, struct diag_set *d, const char *path)
{
	struct src_loc loc;
	return xr_load(a, d, path, &loc);
}

/* Load one Config.xml. */
struct m_config *xml_load_config(struct arena *a, struct diag_set *d, const char *path)
{
	return xc_load(a, d, path, NULL);
}

struct comp_list {
	struct m_component **items;
	size_t n;
};

static void number_components(struct arena *a, struct m_component **cs, size_t n,
			      struct comp_list *all, unsigned *next)
{
	for (size_t i = 0; i < n; i++) {
		cs[i]->id = (*next)++;
		XPUSH(a, all->items, all->n, cs[i]);
		number_components(a, cs[i]->children, cs[i]->nchildren, all, next);
	}
}

/* A parent turned off turns off its whole subtree. */
static void propagate_disabled(struct m_component **cs, size_t n, bool parent_on)
{
	for (size_t i = 0; i < n; i++) {
		if (!parent_on)
			cs[i]->enabled = false;
		propagate_disabled(cs[i]->children, cs[i]->nchildren, cs[i]->enabled);
	}
}

/* Is switch path P inside the path of one of the first N switches marked in MISSING? */
static bool under_missing(const struct m_config *c, const bool *missing, size_t n, const char *p)
{
	for (size_t t = 0; t < n; t++) {
		if (!missing[t])
			continue;
		size_t l = strlen(c->switches[t]->path);
		if (strncasecmp(p, c->switches[t]->path, l) == 0 && p[l] == '\\')
			return true;
	}
	return false;
}

/* Config.xml switches: no entry = migrate; several entries = on if any says yes. An
 * entry that names no component is reported, once for a whole missing subtree. */
static void apply_switches(struct arena *a, struct diag_set *d, struct m_policy *out,
			   const struct comp_list *all, const bool *in_windows)
{
	const struct m_config *c = out->config;
	unsigned char *state = arena_alloc(a, all->n + 1); /* 0 none, 1 all no, 2 a yes */
	bool *missing = arena_alloc(a, c->nswitches + 1);
	for (size_t s = 0; s < c->nswitches; s++) {
		const struct m_switch *sw = c->switches[s];
		bool matched = false;
		for (size_t i = 0; i < all->n; i++) {
			const char *p = all->items[i]->path;
			if (!p || xs_casecmp(p, sw->path) != 0)
				continue;
			matched = true;
			if (sw->migrate)
				state[i] = 2;
			else if (state[i] == 0)
				state[i] = 1;
		}
		if (matched || (in_windows && in_windows[s]))
			continue;
		missing[s] = true;
		if (!under_missing(c, missing, s, sw->path))
			diag_report(
			    d, DIAG_WARNING, &sw->loc, "unknown-component",
			    "Config.xml entry \"%.200s\" names no component of the rule files",
			    sw->path);
	}
	for (size_t i = 0; i < all->n; i++)
		if (state[i] == 1)
			all->items[i]->enabled = false;
	for (size_t f = 0; f < out->nfiles; f++)
		if (!out->files[f]->ignored)
			propagate_disabled(out->files[f]->components, out->files[f]->ncomponents,
					   true);
}

/* Load FILES and CONFIG into OUT (see xml_load.h). */
int policy_load(struct arena *a, struct diag_set *d, struct m_policy *out, const char *const *files,
		size_t nfiles, const char *config)
{
	memset(out, 0, sizeof(*out));
	int failed = 0;
	for (size_t i = 0; i < nfiles; i++) {
		struct src_loc root = {files[i], 0, 0};
		struct m_file *f = xr_load(a, d, files[i], &root);
		if (!f) {
			failed++;
			continue;
		}
		for (size_t j = 0; f->urlid && j < out->nfiles; j++) {
			const struct m_file *g = out->files[j];
			if (g->ignored || !g->urlid || xs_casecmp(g->urlid, f->urlid) != 0)
				continue;
			diag_report(d, DIAG_WARNING, &root, "duplicate-urlid",
				    "urlid \"%.200s\" is already used by %s; this file is ignored",
				    f->urlid, g->path);
			f->ignored = true;
			break;
		}
		XPUSH(a, out->files, out->nfiles, f);
	}

	bool *in_windows = NULL;
	if (config) {
		out->config = xc_load(a, d, config, &in_windows);
		if (!out->config)
			failed++;
	}

	struct comp_list all = {NULL, 0};
	unsigned next = 0;
	for (size_t i = 0; i < out->nfiles; i++)
		if (!out->files[i]->ignored)
			number_components(a, out->files[i]->components, out->files[i]->ncomponents,
					  &all, &next);
	out->ncomponents = next;
	if (out->config)
		apply_switches(a, d, out, &all, in_windows);
	return failed;
}
