/* script.c - drive the helper-call scanner and parser; the helper table and its checks.
 *
 * The grammar is grammar/script.{l,y}. Here: trimming with column offsets, dropping
 * trailing NULL arguments, the helper table generated from helpers.def, and
 * script_check() (namespace, name with a did-you-mean, arity, place). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "script.h"
#include "script.tab.h"

#define SCRIPT_MAX_LEN 65536

/* The flex entry points (no generated scanner header is built; yyscan_t is void *). */
struct yy_buffer_state;
int scryylex_init_extra(struct scr_lex *extra, void **scanner);
struct yy_buffer_state *scryy_scan_bytes(const char *bytes, int len, void *scanner);
int scryylex_destroy(void *scanner);

static const struct helper_info helpers[] = {
#define HELPER(id, name, min, max, places, domain)                                           \
	{ name, min, max, places, domain, HELPER_##id },
#include "helpers.def"
#undef HELPER
};

_Static_assert(sizeof(helpers) / sizeof(helpers[0]) == HELPER__COUNT,
	       "helpers[] and enum helper_id come from the same list");

static const char MIGXML_NS[] = "MigXmlHelper";
static const char LEGACY_NS[] = "MigsysHelperFunction"; /* spec 7.8: RelativeMove only */
static const char SYS_NS[] = "MigSysHelper"; /* stock MigApp.xml: internal helpers only */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static struct script_call *fail(struct script_error *err, int col, const char *msg)
{
	err->col = col;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return NULL;
}

/* Parse one helper call; see script.h. */
struct script_call *script_parse(const char *text, size_t len, struct script_error *err)
{
	struct script_error spare;
	if (!err)
		err = &spare;
	memset(err, 0, sizeof(*err));
	if (!text)
		len = 0;
	if (len > SCRIPT_MAX_LEN)
		return fail(err, 0, "script is longer than 65536 bytes");
	const char *nul = len ? memchr(text, '\0', len) : NULL;
	if (nul)
		return fail(err, (int)(nul - text) + 1, "NUL byte in script");

	size_t b = 0, e = len;
	while (b < e && is_space(text[b]))
		b++;
	while (e > b && is_space(text[e - 1]))
		e--;
	if (b == e)
		return fail(err, 1, "empty script: missing function name");

	struct scr_lex ctx = { .src = text + b, .len = e - b, .base = (int)b, .err = err };
	void *scanner = NULL;
	if (scryylex_init_extra(&ctx, &scanner) != 0)
		return fail(err, 0, "out of memory");
	int r = 1;
	if (scryy_scan_bytes(ctx.src, (int)ctx.len, scanner))
		r = scryyparse(scanner, &ctx);
	scryylex_destroy(scanner);

	struct script_call *c = ctx.result;
	if (r == 0 && c) {
		/* F("a", NULL, NULL) is F("a"): NULL arguments carry no string to free */
		while (c->nargs > 0 && c->args[c->nargs - 1].is_null)
			c->nargs--;
		return c;
	}
	script_free(c);
	if (ctx.oom || r == 2) {
		memset(err, 0, sizeof(*err));
		return fail(err, 0, "out of memory");
	}
	if (!ctx.failed)
		return fail(err, 0, "invalid script");
	return NULL;
}

/* Free a call from script_parse (NULL is fine). */
void script_free(struct script_call *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nargs; i++)
		free(c->args[i].str);
	free(c->args);
	free(c->ns);
	free(c->name);
	free(c);
}

/* Case-insensitive lookup; see script.h. */
const struct helper_info *helper_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < HELPER__COUNT; i++)
		if (strcasecmp(helpers[i].name, name) == 0)
			return &helpers[i];
	return NULL;
}

/* The helper with this HELPER_xxx id, NULL when out of range. */
const struct helper_info *helper_by_id(int id)
{
	if (id < 0 || id >= HELPER__COUNT)
		return NULL;
	return &helpers[id];
}

static int fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive Levenshtein distance, capped: names longer than 64 bytes are never
 * close to a helper name anyway. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (fold(a[i - 1]) != fold(b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The helper name closest to NAME, if it is close enough to be a likely typo:
 * at most 2 edits, or at most a third of the name's length. */
static const struct helper_info *closest_helper(const char *name)
{
	const struct helper_info *best = NULL;
	size_t bestd = (size_t)-1;
	for (size_t i = 0; i < HELPER__COUNT; i++) {
		size_t d = edit_distance(name, helpers[i].name);
		if (d < bestd) {
			bestd = d;
			best = &helpers[i];
		}
	}
	if (!best)
		return NULL;
	size_t len = strlen(name);
	return bestd <= 2 || bestd * 3 <= len ? best : NULL;
}

static const struct {
	unsigned bit;
	const char *words;
} place_names[] = {
	{ HP_CONDITION, "a condition" },
	{ HP_FILTER, "a filter" },
	{ HP_OBJECTSET, "an objectSet script" },
	{ HP_VARIABLE, "a variable script" },
	{ HP_LOCMODIFY, "a locationModify script" },
	{ HP_MERGE, "a merge script" },
	{ HP_CONTENTMODIFY, "a contentModify script" },
	{ HP_CLEANUP, "a destinationCleanup filter" },
	{ HP_CONTENT, "a content filter" },
	{ HP_PROCESSING, "a processing script" },
	{ HP_LOCATION, "a location script" },
};

#define NPLACES (sizeof(place_names) / sizeof(place_names[0]))

static const char *place_words(unsigned place)
{
	for (size_t i = 0; i < NPLACES; i++)
		if (place & place_names[i].bit)
			return place_names[i].words;
	return "this place";
}

/* "a merge script", "a filter or a destinationCleanup filter", ... */
static void list_places(char *buf, size_t size, unsigned places)
{
	size_t n = 0, k = 0, total = 0;
	for (size_t i = 0; i < NPLACES; i++)
		total += (places & place_names[i].bit) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NPLACES && n < size; i++) {
		if (!(places & place_names[i].bit))
			continue;
		const char *sep = k == 0 ? "" : k + 1 == total ? " or " : ", ";
		int w = snprintf(buf + n, size - n, "%s%s", sep, place_names[i].words);
		if (w < 0)
			break;
		n += (size_t)w;
		k++;
	}
}

static int check_fail(struct script_error *err, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int check_fail(struct script_error *err, int col, const char *fmt, ...)
{
	err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/* Namespace, name, arity, place; see script.h. PLACE 0 skips the place check; with
 * several bits set, any one of them allowing the helper is enough. */
int script_check(struct script_call *c, enum helper_place place, struct script_error *err)
{
	struct script_error spare;
	if (!err)
		err = &spare;
	memset(err, 0, sizeof(*err));
	c->helper = NULL;

	if (!c->ns)
		return check_fail(err, c->col, "missing namespace: write '%s.%.60s'", MIGXML_NS,
				  c->name);
	bool legacy = strcasecmp(c->ns, LEGACY_NS) == 0;
	bool sysns = strcasecmp(c->ns, SYS_NS) == 0;
	if (!legacy && !sysns && strcasecmp(c->ns, MIGXML_NS) != 0)
		return check_fail(err, c->col,
				  "unknown namespace '%.60s': helper functions are called as "
				  "'%s.Name'",
				  c->ns, MIGXML_NS);

	const struct helper_info *h = helper_lookup(c->name);
	if (!h) {
		const struct helper_info *near = closest_helper(c->name);
		if (near)
			return check_fail(err, c->name_col,
					  "unknown helper function '%.60s'; did you mean '%s'?",
					  c->name, near->name);
		return check_fail(err, c->name_col, "unknown helper function '%.60s'", c->name);
	}
	if (legacy && h->id != HELPER_RELATIVE_MOVE)
		return check_fail(err, c->col,
				  "namespace '%s' is only accepted for RelativeMove: write "
				  "'%s.%s'",
				  LEGACY_NS, MIGXML_NS, h->name);
	if (sysns && h->domain != HD_INTERNAL)
		return check_fail(err, c->col,
				  "namespace '%s' is only accepted for USMT's internal helpers: write "
				  "'%s.%s'",
				  SYS_NS, MIGXML_NS, h->name);
	c->helper = h;

	int n = (int)c->nargs;
	if (n < h->min_args) {
		if (h->min_args == h->max_args)
			return check_fail(err, c->name_col,
					  "'%s' takes %d argument%s, %d given", h->name,
					  h->min_args, plural(h->min_args), n);
		return check_fail(err, c->name_col, "'%s' needs at least %d argument%s, %d given",
				  h->name, h->min_args, plural(h->min_args), n);
	}
	if (h->max_args >= 0 && n > h->max_args) {
		int col = c->args[h->max_args].col;
		if (h->min_args == h->max_args)
			return check_fail(err, col, "'%s' takes %d argument%s, %d given", h->name,
					  h->max_args, plural(h->max_args), n);
		return check_fail(err, col, "'%s' takes at most %d argument%s, %d given",
				  h->name, h->max_args, plural(h->max_args), n);
	}

	if (place != 0 && !(h->places & (unsigned)place)) {
		char where[160];
		list_places(where, sizeof(where), h->places);
		return check_fail(err, c->name_col, "'%s' cannot be used in %s (allowed in %s)",
				  h->name, place_words((unsigned)place), where);
	}
	return 0;
}
