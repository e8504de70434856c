/* xml_parse.c - patterns and helper calls written in XML text, parsed at their exact
 * position and copied into the arena (xml_priv.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_load.h"
#include "xml_priv.h"

/* ---------------------------------------------------------------------------
 * Patterns and helper calls, copied into the arena
 * ------------------------------------------------------------------------- */

static char *dup_opt(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
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
	if (!x->pats && !(x->pats = pat_parser_new())) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	struct pat_error err = {0, ""};
	struct pat *p = pat_parse_in(x->pats, x->a, text, len, type, &err);
	if (!p)
		xd_report(x, DIAG_ERROR, xdoc_text_loc(x, n, err.col > 0 ? err.col : 1), NULL, "%s",
			  err.message[0] ? err.message : "invalid pattern");
	return p;
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
