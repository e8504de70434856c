/* lint_loc.c - where lint points: positions inside XML text checked against the source
 * (a column is printed only when the file confirms it), and the set that keeps a
 * finding from being reported twice when a named <rules> is referenced twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint_impl.h"

/* Do the N bytes of TEXT stand at byte AT of LINE? */
static bool same(const char *line, size_t linelen, size_t at, const char *text, size_t n)
{
	return at <= linelen && n <= linelen - at && memcmp(line + at, text, n) == 0;
}

/* See lint_impl.h. */
struct src_loc lint_text_loc(struct lint_ctx *lc, const struct src_loc *start, const char *text,
			     size_t off)
{
	struct src_loc loc = {start ? start->file : NULL, 0, 0};
	if (!start || start->line <= 0 || !text)
		return loc;
	size_t len = strlen(text), seg = 0, nl = 0;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++)
		if (text[i] == '\n')
			nl++, seg = i + 1;
	loc.line = start->line + (int)nl;
	if (start->col <= 0)
		return loc;
	/* Compare the text from the start of its line up to and including OFF. */
	size_t from = nl ? seg : 0, n = off - from + (off < len ? 1 : 0);
	const char *line;
	size_t linelen;
	if (!srcline_get(lc->src, start->file, loc.line, &line, &linelen))
		return loc;
	size_t at = nl ? 0 : (size_t)start->col - 1;
	if (!nl && !same(line, linelen, at, text, n)) {
		/* START may be the element's '<' rather than its text: try after the tag. */
		const char *gt = at < linelen ? memchr(line + at, '>', linelen - at) : NULL;
		at = gt ? (size_t)(gt - line) + 1 : linelen + 1;
	}
	if (!same(line, linelen, at, text + from, n))
		return loc;
	size_t col = at + 1 + (off - from);
	if (col <= (size_t)INT32_MAX)
		loc.col = (int)col;
	return loc;
}

/* See lint_impl.h. */
size_t lint_skip_blank(const char *text)
{
	size_t i = 0;
	while (text && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	return i;
}

struct seen_key {
	const void *a, *b;
	int check; /* -1: empty slot */
};

struct lint_seen {
	struct seen_key *v;
	size_t n, cap; /* cap: a power of two */
};

/* An empty set. */
struct lint_seen *lint_seen_new(void)
{
	struct lint_seen *s = calloc(1, sizeof *s);
	if (!s) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	return s;
}

/* Free the set. */
void lint_seen_free(struct lint_seen *s)
{
	if (s) {
		free(s->v);
		free(s);
	}
}

static size_t slot(const struct seen_key *v, size_t cap, const struct seen_key *k)
{
	uintptr_t h = (uintptr_t)k->a * 31u + (uintptr_t)k->b * 17u + (uintptr_t)k->check;
	h ^= h >> 15;
	size_t i = (size_t)h & (cap - 1);
	while (v[i].check != -1 && !(v[i].check == k->check && v[i].a == k->a && v[i].b == k->b))
		i = (i + 1) & (cap - 1);
	return i;
}

static void grow(struct lint_seen *s)
{
	size_t cap = s->cap ? 2 * s->cap : 64;
	struct seen_key *v = malloc(cap * sizeof *v);
	if (!v) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	for (size_t i = 0; i < cap; i++)
		v[i].check = -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].check != -1)
			v[slot(v, cap, &s->v[i])] = s->v[i];
	free(s->v);
	s->v = v;
	s->cap = cap;
}

/* See lint_impl.h. */
bool lint_first(struct lint_ctx *lc, enum lint_check check, const void *a, const void *b)
{
	struct lint_seen *s = lc->seen;
	if (2 * (s->n + 1) > s->cap)
		grow(s);
	struct seen_key k = {a, b, (int)check};
	size_t i = slot(s->v, s->cap, &k);
	if (s->v[i].check != -1)
		return false;
	s->v[i] = k;
	s->n++;
	return true;
}
