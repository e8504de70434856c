/* pattern.y - parser for MigXML location patterns (spec section 5, GRAMMAR.md).
 *
 * Tokens come from grammar/pattern.l; compiler/pattern.c drives both and owns the
 * public result type (struct pat). The parser builds the tree bottom-up from small
 * growable lists; every semantic value that owns memory has a %destructor so that
 * a syntax error anywhere frees what was built so far. Columns are 1-based byte
 * offsets into the caller's (untrimmed) text, carried in the locations. */

%define api.pure full
%define api.prefix {patyy}
%define parse.error custom
%locations
%expect 0

%param {void *scanner}
%parse-param {struct pat_lex *ctx}

%code requires {
#include <stdbool.h>
#include <stddef.h>

#include "pattern.h"

/* A growable list of atoms (a node segment, a leaf, an Ini section or key). */
struct pat_atoms {
	struct pat_atom *v;
	size_t n, cap;
};

/* A growable list of node segments. */
struct pat_segs {
	struct pat_seg *v;
	size_t n, cap;
};

/* The node part of a pattern, before the root is classified. */
struct pat_node {
	bool lead_sep;        /* began with a separator */
	struct pat_segs segs;
};

/* State shared by pattern.c, the scanner and the parser for one pat_parse() call. */
struct pat_lex {
	const char *src;      /* the trimmed text */
	size_t len;
	int base;             /* offset of src in the caller's text (columns add it) */
	size_t pos;           /* scanner position in src */
	size_t tok_start;     /* where the current match began in src */
	enum pat_type type;
	int start_tok;        /* first token to hand the parser (selects the grammar) */
	int leaf_col;         /* column of the last '[' scanned */
	int prev_leaf_col;    /* column of the '[' scanned before that one */
	unsigned ntok;        /* tokens handed out, the start token excluded */
	struct pat *result;   /* set by the parser on success */
	bool failed;          /* err holds the first error */
	bool oom;
	struct pat_error *err;
};
}

%code provides {
int patyylex(PATYYSTYPE *lval, PATYYLTYPE *lloc, void *scanner);
/* Record the first error only: later ones are consequences. */
void pat_lex_fail(struct pat_lex *ctx, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The canonical text of P's root and node only (pattern.c). */
char *pat_node_canonical(const struct pat *p);
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void patyyerror(PATYYLTYPE *loc, void *scanner, struct pat_lex *ctx, const char *msg);

static void atoms_free(struct pat_atoms *a);
static struct pat_atoms *atoms_new(void);
static bool atoms_push(struct pat_atoms *a, enum pat_atom_kind kind, char *text, int col);
static void node_free(struct pat_node *n);
static struct pat_node *node_new(bool lead_sep);
static bool node_push(struct pat_node *n, struct pat_atoms *seg, int col);
static int path_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *leaf,
		       int leaf_col);
static int ini_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *sec,
		      int sec_col, struct pat_atoms *key, int key_col);

/* Allocation failures inside actions: the action frees its own right-hand side. */
#define PUSH_OR_NOMEM(list, kind, text, col)                                                 \
	do {                                                                                 \
		if (!atoms_push((list), (kind), (text), (col))) {                            \
			atoms_free(list);                                                    \
			ctx->oom = true;                                                     \
			YYNOMEM;                                                             \
		}                                                                            \
	} while (0)
}

%union {
	char *str;
	struct pat_atoms *atoms;
	struct pat_node *node;
}

%token START_PATH "start of a pattern"
%token START_INI  "start of an Ini pattern"
%token <str> LIT  "text"
%token <str> VAR  "variable"
%token <str> SEP  "separator"
%token STAR   "'*'"
%token LBRACK "'['"
%token RBRACK "']'"
%token PIPE   "'|'"
%token LEXERR "invalid text"

%type <atoms> seg leaf_body opt_leaf
%type <node> node segs

%destructor { free($$); } <str>
%destructor { atoms_free($$); } <atoms>
%destructor { node_free($$); } <node>

%%

input
	: START_PATH node opt_leaf
		{
			int r = path_finish(ctx, $2, $3, ctx->leaf_col);
			if (r == -2)
				YYNOMEM;
			if (r < 0)
				YYABORT;
		}
	| START_INI node PIPE seg LBRACK leaf_body RBRACK
		{
			int r = ini_finish(ctx, $2, $4, @4.first_column, $6, @5.first_column);
			if (r == -2)
				YYNOMEM;
			if (r < 0)
				YYABORT;
		}
	;

/* A node: segments separated by runs of separators, maybe one in front (PR_SEP) and
 * one at the end (insignificant). The root (drive, hive) is recognised afterwards
 * from the first segment, so it needs no tokens of its own. */
node
	: segs opt_sep		{ $$ = $1; }
	| SEP			{ free($1); $$ = node_new(true); if (!$$) { ctx->oom = true; YYNOMEM; } }
	| SEP segs opt_sep	{ free($1); $$ = $2; $$->lead_sep = true; }
	;

segs
	: seg
		{
			$$ = node_new(false); /* node_push consumes $1 even if this failed */
			if (!node_push($$, $1, @1.first_column)) {
				node_free($$);
				ctx->oom = true;
				YYNOMEM;
			}
		}
	| segs SEP seg
		{
			free($2);
			$$ = $1;
			if (!node_push($$, $3, @3.first_column)) {
				node_free($$);
				ctx->oom = true;
				YYNOMEM;
			}
		}
	;

opt_sep
	: %empty
	| SEP			{ free($1); }
	;

seg
	: LIT
		{
			$$ = atoms_new();
			if (!$$) { free($1); ctx->oom = true; YYNOMEM; }
			PUSH_OR_NOMEM($$, PA_LIT, $1, @1.first_column);
		}
	| STAR
		{
			$$ = atoms_new();
			if (!$$) { ctx->oom = true; YYNOMEM; }
			PUSH_OR_NOMEM($$, PA_STAR, NULL, @1.first_column);
		}
	| VAR
		{
			$$ = atoms_new();
			if (!$$) { free($1); ctx->oom = true; YYNOMEM; }
			PUSH_OR_NOMEM($$, PA_VAR, $1, @1.first_column);
		}
	| seg LIT		{ $$ = $1; PUSH_OR_NOMEM($$, PA_LIT, $2, @2.first_column); }
	| seg STAR		{ $$ = $1; PUSH_OR_NOMEM($$, PA_STAR, NULL, @2.first_column); }
	| seg VAR		{ $$ = $1; PUSH_OR_NOMEM($$, PA_VAR, $2, @2.first_column); }
	;

opt_leaf
	: %empty			{ $$ = NULL; }
	| LBRACK leaf_body RBRACK	{ $$ = $2; }
	;

/* A leaf is a single name: a separator inside it is literal text for Registry (value
 * names may contain '\') and an error for File (file names cannot). */
leaf_body
	: %empty
		{
			$$ = atoms_new();
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	| leaf_body LIT		{ $$ = $1; PUSH_OR_NOMEM($$, PA_LIT, $2, @2.first_column); }
	| leaf_body STAR	{ $$ = $1; PUSH_OR_NOMEM($$, PA_STAR, NULL, @2.first_column); }
	| leaf_body VAR		{ $$ = $1; PUSH_OR_NOMEM($$, PA_VAR, $2, @2.first_column); }
	| leaf_body SEP
		{
			$$ = $1;
			if (ctx->type != PAT_REGISTRY) {
				pat_lex_fail(ctx, @2.first_column,
					     "a separator cannot appear in the leaf: a leaf names one "
					     "file (write the directory in the node)");
				free($2);
				atoms_free($1);
				YYABORT;
			}
			PUSH_OR_NOMEM($$, PA_LIT, $2, @2.first_column);
		}
	;

%%

static void patyyerror(PATYYLTYPE *loc, void *scanner, struct pat_lex *ctx, const char *msg)
{
	(void)scanner;
	pat_lex_fail(ctx, loc ? loc->first_column : 0, "%s", msg);
}

/* True if an unescaped '[' follows position OFF of the trimmed text. */
static bool later_lbrack(const struct pat_lex *ctx, size_t off)
{
	for (size_t i = off; i < ctx->len; i++) {
		if (ctx->src[i] == '^' && i + 1 < ctx->len)
			i++;
		else if (ctx->src[i] == '[')
			return true;
	}
	return false;
}

/* Syntax errors, phrased for people who write patterns rather than for grammarians. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner, struct pat_lex *ctx)
{
	(void)scanner;
	if (ctx->failed) /* the scanner already said why (LEXERR) */
		return 0;
	yysymbol_kind_t tok = yypcontext_token(yyctx);
	int col = yypcontext_location(yyctx)->first_column;
	yysymbol_kind_t exp[8];
	int nexp = yypcontext_expected_tokens(yyctx, exp, 8);
	bool only_end = nexp == 1 && exp[0] == YYSYMBOL_YYEOF;
	bool ini = ctx->type == PAT_INI;
	const char *leafword = ini ? "[key]" : "[leaf]";

	switch (tok) {
	case YYSYMBOL_RBRACK:
		pat_lex_fail(ctx, col, "unescaped ']' (write '^]' for a literal ']')");
		return 0;
	case YYSYMBOL_LBRACK:
		if (ctx->ntok == 1) {
			pat_lex_fail(ctx, col, "missing node before '['");
			return 0;
		}
		if (ini && !only_end) {
			bool want_pipe = false;
			for (int i = 0; i < nexp; i++)
				want_pipe |= exp[i] == YYSYMBOL_PIPE;
			if (want_pipe) {
				pat_lex_fail(ctx, col, "missing '|' between the file and the section "
						       "of an Ini pattern (file|section[key])");
				return 0;
			}
			bool want_text = false, in_key = false;
			for (int i = 0; i < nexp; i++) {
				want_text |= exp[i] == YYSYMBOL_LIT;
				in_key |= exp[i] == YYSYMBOL_RBRACK;
			}
			if (want_text && !in_key) {
				pat_lex_fail(ctx, col, "missing section name after '|'");
				return 0;
			}
		}
		if (!only_end) {
			pat_lex_fail(ctx, col,
				     "unescaped '[' inside the %s (write '^[' for a literal '[')",
				     leafword);
			return 0;
		}
		break;
	case YYSYMBOL_PIPE:
		if (ctx->ntok == 1) {
			pat_lex_fail(ctx, col, "missing file name before '|'");
			return 0;
		}
		break;
	case YYSYMBOL_YYEOF: {
		bool want_rbrack = false, want_lbrack = false, want_pipe = false;
		for (int i = 0; i < nexp; i++) {
			want_rbrack |= exp[i] == YYSYMBOL_RBRACK;
			want_lbrack |= exp[i] == YYSYMBOL_LBRACK;
			want_pipe |= exp[i] == YYSYMBOL_PIPE;
		}
		if (want_rbrack) {
			pat_lex_fail(ctx, ctx->leaf_col,
				     "missing ']': the %s opened here is not closed", leafword);
			return 0;
		}
		if (ini) {
			if (want_pipe)
				pat_lex_fail(ctx, col, "missing '|section[key]' in an Ini pattern");
			else if (want_lbrack)
				pat_lex_fail(ctx, col, "missing '[key]' after the Ini section");
			else
				pat_lex_fail(ctx, col, "missing section name after '|'");
			return 0;
		}
		break;
	}
	default:
		break;
	}
	if (only_end) {
		/* Something follows the leaf. If another bracket group comes later, the
		 * first '[' was the mistake: the leaf is the last group. */
		size_t off = (size_t)(col - 1 - ctx->base);
		int open_col = tok == YYSYMBOL_LBRACK ? ctx->prev_leaf_col : ctx->leaf_col;
		if (tok == YYSYMBOL_LBRACK || later_lbrack(ctx, off)) {
			pat_lex_fail(ctx, open_col,
				     "unescaped '[' before the %s (the %s comes last; write '^[' "
				     "for a literal '[')",
				     leafword, leafword);
			return 0;
		}
		while (off < ctx->len && (ctx->src[off] == ' ' || ctx->src[off] == '\t'))
			off++;
		pat_lex_fail(ctx, ctx->base + (int)off + 1, "unexpected text after the %s's ']'",
			     ini ? "key" : "leaf");
		return 0;
	}
	pat_lex_fail(ctx, col, "unexpected %s", yysymbol_name(tok));
	return 0;
}

static void atoms_free(struct pat_atoms *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].text);
	free(a->v);
	free(a);
}

static struct pat_atoms *atoms_new(void)
{
	return calloc(1, sizeof(struct pat_atoms));
}

/* Append one atom, taking ownership of TEXT; adjacent literals are merged so a
 * segment is a minimal atom list whatever way the scanner split the text. */
static bool atoms_push(struct pat_atoms *a, enum pat_atom_kind kind, char *text, int col)
{
	if (kind == PA_LIT && a->n > 0 && a->v[a->n - 1].kind == PA_LIT) {
		struct pat_atom *last = &a->v[a->n - 1];
		size_t l1 = strlen(last->text), l2 = strlen(text);
		char *s = realloc(last->text, l1 + l2 + 1);
		if (!s) {
			free(text);
			return false;
		}
		memcpy(s + l1, text, l2 + 1);
		last->text = s;
		free(text);
		return true;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 4;
		struct pat_atom *v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			free(text);
			return false;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct pat_atom){ .kind = kind, .text = text, .col = col };
	return true;
}

static void segs_clear(struct pat_segs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->v[i].natoms; j++)
			free(s->v[i].atoms[j].text);
		free(s->v[i].atoms);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static void node_free(struct pat_node *n)
{
	if (!n)
		return;
	segs_clear(&n->segs);
	free(n);
}

static struct pat_node *node_new(bool lead_sep)
{
	struct pat_node *n = calloc(1, sizeof(*n));
	if (n)
		n->lead_sep = lead_sep;
	return n;
}

/* Append SEG (consumed whatever happens) as the next node segment. */
static bool node_push(struct pat_node *n, struct pat_atoms *seg, int col)
{
	if (!n) {
		atoms_free(seg);
		return false;
	}
	if (n->segs.n == n->segs.cap) {
		size_t cap = n->segs.cap ? 2 * n->segs.cap : 4;
		struct pat_seg *v = realloc(n->segs.v, cap * sizeof(*v));
		if (!v) {
			atoms_free(seg);
			return false;
		}
		n->segs.v = v;
		n->segs.cap = cap;
	}
	n->segs.v[n->segs.n++] = (struct pat_seg){ .atoms = seg->v, .natoms = seg->n, .col = col };
	free(seg);
	return true;
}

/* Registry hives: long and short spellings, canonical short name. */
static const char *hive_name(const char *s)
{
	static const struct {
		const char *lng, *shrt;
	} hives[] = {
		{ "HKEY_LOCAL_MACHINE", "HKLM" }, { "HKEY_CURRENT_USER", "HKCU" },
		{ "HKEY_USERS", "HKU" },          { "HKEY_CLASSES_ROOT", "HKCR" },
		{ "HKEY_CURRENT_CONFIG", "HKCC" },
	};
	for (size_t i = 0; i < sizeof(hives) / sizeof(hives[0]); i++)
		if (strcasecmp(s, hives[i].lng) == 0 || strcasecmp(s, hives[i].shrt) == 0)
			return hives[i].shrt;
	return NULL;
}

static bool is_blank_text(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/* Move the node into P: classify the root from the first segment, reject segments
 * that are only whitespace. Returns 0, -1 (error recorded) or -2 (out of memory).
 * NODE is consumed. */
static int node_finish(struct pat_lex *ctx, struct pat *p, struct pat_node *node)
{
	struct pat_segs *s = &node->segs;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].natoms == 1 && s->v[i].atoms[0].kind == PA_LIT &&
		    is_blank_text(s->v[i].atoms[0].text)) {
			pat_lex_fail(ctx, s->v[i].col, "a path segment cannot be only whitespace");
			node_free(node);
			return -1;
		}
	}
	p->root = node->lead_sep ? PR_SEP : PR_NONE;
	size_t skip = 0;
	if (!node->lead_sep && s->n > 0 && s->v[0].natoms == 1 && s->v[0].atoms[0].kind == PA_LIT) {
		const char *t = s->v[0].atoms[0].text;
		if (ctx->type != PAT_REGISTRY && strlen(t) == 2 && t[1] == ':' &&
		    ((t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z'))) {
			p->root = PR_DRIVE;
			p->drive = (char)(t[0] & ~0x20);
			skip = 1;
		} else if (ctx->type == PAT_REGISTRY && hive_name(t)) {
			p->hive = strdup(hive_name(t));
			if (!p->hive) {
				node_free(node);
				return -2;
			}
			p->root = PR_HIVE;
			skip = 1;
		}
	}
	if (skip) {
		free(s->v[0].atoms[0].text);
		free(s->v[0].atoms);
		memmove(s->v, s->v + 1, (s->n - 1) * sizeof(s->v[0]));
		s->n--;
	}
	p->segs = s->v;
	p->nsegs = s->n;
	s->v = NULL;
	s->n = 0;
	node_free(node);
	return 0;
}

static struct pat *pat_new(struct pat_lex *ctx)
{
	struct pat *p = calloc(1, sizeof(*p));
	if (p)
		p->type = ctx->type;
	return p;
}

static void take_leaf(struct pat *p, struct pat_atoms *leaf, int col)
{
	p->has_leaf = true;
	p->leaf = leaf->v;
	p->nleaf = leaf->n;
	p->leaf_col = col;
	free(leaf);
}

/* Assemble a File/Registry pattern. Consumes NODE and LEAF (LEAF NULL: no brackets). */
static int path_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *leaf,
		       int leaf_col)
{
	struct pat *p = pat_new(ctx);
	if (!p) {
		node_free(node);
		atoms_free(leaf);
		return -2;
	}
	int r = node_finish(ctx, p, node);
	if (r < 0) {
		atoms_free(leaf);
		pat_free(p);
		return r;
	}
	if (leaf)
		take_leaf(p, leaf, leaf_col);
	ctx->result = p;
	return 0;
}

/* The section and key as plain strings (escapes removed, '*' and %VAR% as written). */
static char *atoms_text(const struct pat_atoms *a)
{
	size_t n = 1;
	for (size_t i = 0; i < a->n; i++)
		n += a->v[i].text ? strlen(a->v[i].text) + 2 : 1;
	char *s = malloc(n), *o = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].kind == PA_STAR)
			*o++ = '*';
		else if (a->v[i].kind == PA_VAR)
			o += sprintf(o, "%%%s%%", a->v[i].text);
		else
			o = stpcpy(o, a->v[i].text);
	}
	*o = '\0';
	return s;
}

/* Assemble an Ini pattern file|section[key]. Consumes NODE, SEC and KEY. */
static int ini_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *sec,
		      int sec_col, struct pat_atoms *key, int key_col)
{
	struct pat *p = NULL;
	int r = -1;
	for (size_t i = 0; i < sec->n; i++) {
		if (sec->v[i].kind == PA_STAR) {
			pat_lex_fail(ctx, sec->v[i].col,
				     "'*' is not allowed in an Ini section name (write '^*' for a "
				     "literal '*')");
			goto fail;
		}
		if (sec->v[i].kind == PA_VAR) {
			pat_lex_fail(ctx, sec->v[i].col,
				     "variables are not allowed in an Ini section name");
			goto fail;
		}
	}
	(void)sec_col;
	if (key->n == 0) {
		pat_lex_fail(ctx, key_col, "empty Ini key: write the key name between '[' and ']'");
		goto fail;
	}
	p = pat_new(ctx);
	if (!p) {
		r = -2;
		goto fail;
	}
	r = node_finish(ctx, p, node);
	node = NULL;
	if (r < 0)
		goto fail;
	p->ini_section = atoms_text(sec);
	p->ini_key = atoms_text(key);
	if (!p->ini_section || !p->ini_key) {
		r = -2;
		goto fail;
	}
	take_leaf(p, key, key_col);
	key = NULL;
	p->ini_file = pat_node_canonical(p);
	if (!p->ini_file) {
		r = -2;
		goto fail;
	}
	atoms_free(sec);
	ctx->result = p;
	return 0;
fail:
	node_free(node);
	atoms_free(sec);
	atoms_free(key);
	pat_free(p);
	return r;
}
