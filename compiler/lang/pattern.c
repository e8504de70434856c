/* pattern.c - drive the location-pattern scanner and parser; print and free the tree.
 *
 * The grammar itself is grammar/pattern.{l,y}; this file does what is easier in C
 * than in a grammar: the length and NUL checks, trimming (with the column offset
 * that keeps error positions true to the untrimmed text), and the canonical form
 * used by listings, lint and tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "pattern.h"
#include "pattern.tab.h"

#define PAT_MAX_LEN 8192

/* The flex entry points (the generated header is not built, so declare them here;
 * the types match flex's: yyscan_t is void *). */
struct yy_buffer_state;
int patyylex_init_extra(struct pat_lex *extra, void **scanner);
void patyyset_extra(struct pat_lex *extra, void *scanner);
struct yy_buffer_state *patyy_scan_buffer(char *base, size_t size, void *scanner);
void patyy_delete_buffer(struct yy_buffer_state *b, void *scanner);
int patyylex_destroy(void *scanner);

/* One scanner and one scratch arena, reused by every parse: a parse then costs no
 * scanner setup and no malloc/free per token, list or node. */
struct pat_parser {
	void *scanner;
	struct arena *scratch;
};

struct pat_parser *pat_parser_new(void)
{
	struct pat_parser *pp = calloc(1, sizeof(*pp));
	if (!pp)
		return NULL;
	if (patyylex_init_extra(NULL, &pp->scanner) != 0) {
		free(pp);
		return NULL;
	}
	pp->scratch = arena_new();
	return pp;
}

void pat_parser_free(struct pat_parser *pp)
{
	if (!pp)
		return;
	patyylex_destroy(pp->scanner);
	arena_free(pp->scratch);
	free(pp);
}

static bool is_trim_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static struct pat *fail(struct pat_error *err, int col, const char *msg)
{
	err->col = col;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return NULL;
}

/* Parse into PP's scratch arena (valid until the next parse). */
static struct pat *parse_scratch(struct pat_parser *pp, const char *text, size_t len,
				 enum pat_type type, struct pat_error *err)
{
	memset(err, 0, sizeof(*err));
	if (!text)
		len = 0;
	if (type != PAT_FILE && type != PAT_REGISTRY && type != PAT_INI)
		return fail(err, 0, "unknown pattern type");
	if (len > PAT_MAX_LEN)
		return fail(err, 0, "pattern is longer than 8192 bytes");
	const char *nul = len ? memchr(text, '\0', len) : NULL;
	if (nul)
		return fail(err, (int)(nul - text) + 1, "NUL byte in pattern");

	size_t b = 0, e = len;
	while (b < e && is_trim_space(text[b]))
		b++;
	while (e > b && is_trim_space(text[e - 1]))
		e--;
	if (b == e)
		return fail(err, 1, "empty pattern");

	arena_reset(pp->scratch);
	struct pat_lex ctx = {
		.src = text + b,
		.len = e - b,
		.base = (int)b,
		.type = type,
		.start_tok = type == PAT_INI ? START_INI : START_PATH,
		.mem = pp->scratch,
		.err = err,
	};
	/* flex scans in place a buffer that ends in two NULs (the arena zeroes it). */
	char *buf = arena_alloc(pp->scratch, ctx.len + 2);
	memcpy(buf, ctx.src, ctx.len);
	patyyset_extra(&ctx, pp->scanner);
	struct yy_buffer_state *yb = patyy_scan_buffer(buf, ctx.len + 2, pp->scanner);
	int r = 1;
	if (yb) {
		r = patyyparse(pp->scanner, &ctx);
		patyy_delete_buffer(yb, pp->scanner);
	} else
		ctx.oom = true;
	patyyset_extra(NULL, pp->scanner);

	struct pat *p = ctx.result;
	if (r == 0 && p) {
		p->text = arena_strndup(pp->scratch, ctx.src, ctx.len);
		return p;
	}
	if (ctx.oom || r == 2) {
		memset(err, 0, sizeof(*err));
		return fail(err, 0, "out of memory");
	}
	if (!ctx.failed)
		return fail(err, 0, "invalid pattern");
	return NULL;
}

/* Copies of a tree: packed into one block of an arena (the structs and strings of one
 * pattern side by side, 8-byte aligned: a quarter of the memory of one arena_alloc
 * each, and the pages touched are what a compile pays for), or (no arena) as the
 * separately malloc'd blocks pat_free expects. */
struct copier {
	char *next; /* packed: the next free byte of the block; NULL: malloc */
};

#define PACK_ALIGN 8u

static size_t packed(size_t n)
{
	return (n + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
}

static void *cp_alloc(struct copier *c, size_t n)
{
	if (c->next) {
		void *p = c->next;
		c->next += packed(n);
		return p;
	}
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	return p;
}

static char *cp_str(struct copier *c, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	return memcpy(cp_alloc(c, n), s, n);
}

static struct pat_atom *cp_atoms(struct copier *c, const struct pat_atom *src, size_t n)
{
	if (!n)
		return NULL;
	struct pat_atom *dst = cp_alloc(c, n * sizeof(*dst));
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[i];
		dst[i].text = cp_str(c, src[i].text);
	}
	return dst;
}

static struct pat *cp_pat(struct copier *c, const struct pat *p)
{
	struct pat *q = cp_alloc(c, sizeof(*q));
	*q = *p;
	q->hive = cp_str(c, p->hive);
	q->ini_file = cp_str(c, p->ini_file);
	q->ini_section = cp_str(c, p->ini_section);
	q->ini_key = cp_str(c, p->ini_key);
	q->text = cp_str(c, p->text);
	q->leaf = cp_atoms(c, p->leaf, p->nleaf);
	q->segs = NULL;
	if (p->nsegs) {
		q->segs = cp_alloc(c, p->nsegs * sizeof(*q->segs));
		for (size_t i = 0; i < p->nsegs; i++) {
			q->segs[i] = p->segs[i];
			q->segs[i].atoms = cp_atoms(c, p->segs[i].atoms, p->segs[i].natoms);
		}
	}
	return q;
}

/* The bytes cp_pat takes from a packed block: what cp_alloc is asked for, the same
 * requests in the same sizes. */
static size_t str_size(const char *s)
{
	return s ? packed(strlen(s) + 1) : 0;
}

static size_t atoms_size(const struct pat_atom *a, size_t n)
{
	size_t z = n ? packed(n * sizeof(*a)) : 0;
	for (size_t i = 0; i < n; i++)
		z += str_size(a[i].text);
	return z;
}

static size_t pat_size(const struct pat *p)
{
	size_t z = packed(sizeof(*p)) + str_size(p->hive) + str_size(p->ini_file) +
		   str_size(p->ini_section) + str_size(p->ini_key) + str_size(p->text) +
		   atoms_size(p->leaf, p->nleaf);
	if (p->nsegs)
		z += packed(p->nsegs * sizeof(*p->segs));
	for (size_t i = 0; i < p->nsegs; i++)
		z += atoms_size(p->segs[i].atoms, p->segs[i].natoms);
	return z;
}

static struct pat *cp_pat_packed(struct arena *out, const struct pat *p)
{
	size_t n = pat_size(p);
	char *block = arena_alloc(out, n);
	struct copier c = {block};
	struct pat *q = cp_pat(&c, p);
	if (c.next != block + n) { /* pat_size and cp_pat disagree: a bug, not bad input */
		fprintf(stderr, "migc: internal error: pattern copy size\n");
		abort();
	}
	return q;
}

/* Parse one pattern into arena OUT; see pattern.h. */
struct pat *pat_parse_in(struct pat_parser *pp, struct arena *out, const char *text, size_t len,
			 enum pat_type type, struct pat_error *err)
{
	struct pat_error spare;
	struct pat *p = parse_scratch(pp, text, len, type, err ? err : &spare);
	return p ? cp_pat_packed(out, p) : NULL;
}

/* Parse one pattern with PP, the tree malloc'd; see pattern.h. */
struct pat *pat_parse_with(struct pat_parser *pp, const char *text, size_t len,
			   enum pat_type type, struct pat_error *err)
{
	struct pat_error spare;
	struct pat *p = parse_scratch(pp, text, len, type, err ? err : &spare);
	return p ? cp_pat(&(struct copier){NULL}, p) : NULL;
}

/* Parse one pattern; see pattern.h. */
struct pat *pat_parse(const char *text, size_t len, enum pat_type type, struct pat_error *err)
{
	struct pat_parser *pp = pat_parser_new();
	if (!pp) {
		struct pat_error spare;
		if (!err)
			err = &spare;
		memset(err, 0, sizeof(*err));
		return fail(err, 0, "out of memory");
	}
	struct pat *q = pat_parse_with(pp, text, len, type, err);
	pat_parser_free(pp);
	return q;
}

static void atoms_free(struct pat_atom *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].text);
	free(a);
}

/* Free a tree from pat_parse (NULL is fine). */
void pat_free(struct pat *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsegs; i++)
		atoms_free(p->segs[i].atoms, p->segs[i].natoms);
	free(p->segs);
	atoms_free(p->leaf, p->nleaf);
	free(p->hive);
	free(p->ini_file);
	free(p->ini_section);
	free(p->ini_key);
	free(p->text);
	free(p);
}

/* A growable output string; on allocation failure it goes to the failed state and
 * all further appends are ignored. */
struct sbuf {
	char *s;
	size_t n, cap;
	bool failed;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *t = realloc(b->s, cap);
		if (!t) {
			b->failed = true;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static char *sb_finish(struct sbuf *b)
{
	if (b->failed || !b->s) {
		free(b->s);
		return b->failed ? NULL : strdup("");
	}
	return b->s;
}

/* Literal text with the pattern escapes put back, so the output parses to the same atoms. */
static void put_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '[' || *s == ']' || *s == '^' || *s == '*')
			sb_putn(b, "^", 1);
		sb_putn(b, s, 1);
	}
}

static void put_atoms(struct sbuf *b, const struct pat_atom *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (a[i].kind) {
		case PA_LIT:
			put_escaped(b, a[i].text);
			break;
		case PA_STAR:
			sb_puts(b, "*");
			break;
		case PA_VAR:
			sb_puts(b, "%");
			sb_puts(b, a[i].text);
			sb_puts(b, "%");
			break;
		}
	}
}

static bool ends_blank(const struct pat_seg *s)
{
	const struct pat_atom *a = &s->atoms[s->natoms - 1];
	if (a->kind != PA_LIT || !a->text[0])
		return false;
	char c = a->text[strlen(a->text) - 1];
	return c == ' ' || c == '\t';
}

static void put_node(struct sbuf *b, const struct pat *p)
{
	switch (p->root) {
	case PR_DRIVE: {
		char d[3] = { p->drive, ':', '\0' };
		sb_puts(b, d);
		break;
	}
	case PR_HIVE:
		sb_puts(b, p->hive ? p->hive : "");
		break;
	case PR_SEP:
	case PR_NONE:
		break;
	}
	for (size_t i = 0; i < p->nsegs; i++) {
		if (i > 0 || p->root != PR_NONE)
			sb_puts(b, "\\");
		put_atoms(b, p->segs[i].atoms, p->segs[i].natoms);
	}
	/* A bare root is the root directory: `C:\`, `\` (a bare hive needs nothing). */
	if (p->nsegs == 0 && (p->root == PR_DRIVE || p->root == PR_SEP))
		sb_puts(b, "\\");
	/* Trailing blanks of the last segment would be trimmed (or taken as the space
	 * before '[') when read back: keep them with a closing separator. */
	if (p->nsegs > 0 && ends_blank(&p->segs[p->nsegs - 1]))
		sb_puts(b, "\\");
}

/* The root and node in canonical form, without leaf or Ini parts (see pattern.tab.h). */
char *pat_node_canonical(const struct pat *p)
{
	struct sbuf b = { 0 };
	put_node(&b, p);
	return sb_finish(&b);
}

/* Canonical text; see pattern.h. */
char *pat_canonical(const struct pat *p)
{
	if (!p)
		return NULL;
	struct sbuf b = { 0 };
	put_node(&b, p);
	if (p->type == PAT_INI) {
		sb_puts(&b, "|");
		put_escaped(&b, p->ini_section ? p->ini_section : "");
		sb_puts(&b, "[");
		put_atoms(&b, p->leaf, p->nleaf);
		sb_puts(&b, "]");
	} else if (p->has_leaf) {
		sb_puts(&b, " [");
		put_atoms(&b, p->leaf, p->nleaf);
		sb_puts(&b, "]");
	}
	return sb_finish(&b);
}

static bool atoms_have_qmark(const struct pat_atom *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].kind == PA_LIT && strchr(a[i].text, '?'))
			return true;
	return false;
}

/* '?' anywhere in literal text; see pattern.h. */
bool pat_has_question_mark(const struct pat *p)
{
	if (!p)
		return false;
	for (size_t i = 0; i < p->nsegs; i++)
		if (atoms_have_qmark(p->segs[i].atoms, p->segs[i].natoms))
			return true;
	if (atoms_have_qmark(p->leaf, p->nleaf))
		return true;
	return p->ini_section && strchr(p->ini_section, '?');
}
