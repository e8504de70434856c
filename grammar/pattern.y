/* pattern.y - parser for MigXML location patterns (spec section 5, GRAMMAR.md).
 *
 * Tokens come from grammar/pattern.l; compiler/pattern.c drives both and owns the
 * public result type (struct pat). The parser builds the tree bottom-up from small
 * growable lists, all in the scratch arena of the call (ctx->mem, reset by
 * compiler/pattern.c before each parse), so no action frees anything and a syntax
 * error anywhere leaves nothing to clean up. Columns are 1-based byte offsets into
 * the caller's (untrimmed) text, carried in the locations. */

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

#include "arena.h"
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
	struct arena *mem;    /* scratch: every token, list and the result live here */
	struct pat *result;   /* set by the parser on success (in mem) */
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

static struct pat_atoms *atoms_new(struct pat_lex *ctx);
static void atoms_push(struct pat_lex *ctx, struct pat_atoms *a, enum pat_atom_kind kind,
		       char *text, int col);
static struct pat_node *node_new(struct pat_lex *ctx, bool lead_sep);
static void node_push(struct pat_lex *ctx, struct pat_node *n, struct pat_atoms *seg, int col);
static int path_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *leaf,
		       int leaf_col);
static int ini_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *sec,
		      int sec_col, struct pat_atoms *key, int key_col);
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

%%

input
	: START_PATH node opt_leaf
		{
			if (path_finish(ctx, $2, $3, ctx->leaf_col) < 0)
				YYABORT;
		}
	| START_INI node PIPE seg LBRACK leaf_body RBRACK
		{
			if (ini_finish(ctx, $2, $4, @4.first_column, $6, @5.first_column) < 0)
				YYABORT;
		}
	;

/* A node: segments separated by runs of separators, maybe one in front (PR_SEP) and
 * one at the end (insignificant). The root (drive, hive) is recognised afterwards
 * from the first segment, so it needs no tokens of its own. */
node
	: segs opt_sep		{ $$ = $1; }
	| SEP			{ $$ = node_new(ctx, true); }
	| SEP segs opt_sep	{ $$ = $2; $$->lead_sep = true; }
	;

segs
	: seg
		{
			$$ = node_new(ctx, false);
			node_push(ctx, $$, $1, @1.first_column);
		}
	| segs SEP seg
		{
			$$ = $1;
			node_push(ctx, $$, $3, @3.first_column);
		}
	;

opt_sep
	: %empty
	| SEP
	;

seg
	: LIT			{ $$ = atoms_new(ctx); atoms_push(ctx, $$, PA_LIT, $1, @1.first_column); }
	| STAR			{ $$ = atoms_new(ctx); atoms_push(ctx, $$, PA_STAR, NULL, @1.first_column); }
	| VAR			{ $$ = atoms_new(ctx); atoms_push(ctx, $$, PA_VAR, $1, @1.first_column); }
	| seg LIT		{ $$ = $1; atoms_push(ctx, $$, PA_LIT, $2, @2.first_column); }
	| seg STAR		{ $$ = $1; atoms_push(ctx, $$, PA_STAR, NULL, @2.first_column); }
	| seg VAR		{ $$ = $1; atoms_push(ctx, $$, PA_VAR, $2, @2.first_column); }
	;

opt_leaf
	: %empty			{ $$ = NULL; }
	| LBRACK leaf_body RBRACK	{ $$ = $2; }
	;

/* A leaf is a single name: a separator inside it is literal text for Registry (value
 * names may contain '\') and an error for File (file names cannot). */
leaf_body
	: %empty		{ $$ = atoms_new(ctx); }
	| leaf_body LIT		{ $$ = $1; atoms_push(ctx, $$, PA_LIT, $2, @2.first_column); }
	| leaf_body STAR	{ $$ = $1; atoms_push(ctx, $$, PA_STAR, NULL, @2.first_column); }
	| leaf_body VAR		{ $$ = $1; atoms_push(ctx, $$, PA_VAR, $2, @2.first_column); }
	| leaf_body SEP
		{
			$$ = $1;
			if (ctx->type != PAT_REGISTRY) {
				pat_lex_fail(ctx, @2.first_column,
					     "a separator cannot appear in the leaf: a leaf names one "
					     "file (write the directory in the node)");
				YYABORT;
			}
			atoms_push(ctx, $$, PA_LIT, $2, @2.first_column);
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

static struct pat_atoms *atoms_new(struct pat_lex *ctx)
{
	return arena_alloc(ctx->mem, sizeof(struct pat_atoms));
}

/* Append one atom (TEXT is in the scratch arena); adjacent literals are merged so a
 * segment is a minimal atom list whatever way the scanner split the text. */
static void atoms_push(struct pat_lex *ctx, struct pat_atoms *a, enum pat_atom_kind kind,
		       char *text, int col)
{
	if (kind == PA_LIT && a->n > 0 && a->v[a->n - 1].kind == PA_LIT) {
		struct pat_atom *last = &a->v[a->n - 1];
		size_t l1 = strlen(last->text), l2 = strlen(text);
		char *s = arena_alloc(ctx->mem, l1 + l2 + 1);
		memcpy(s, last->text, l1);
		memcpy(s + l1, text, l2 + 1);
		last->text = s;
		return;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 4;
		struct pat_atom *v = arena_alloc(ctx->mem, cap * sizeof(*v));
		if (a->n)
			memcpy(v, a->v, a->n * sizeof(*v));
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct pat_atom){ .kind = kind, .text = text, .col = col };
}

static struct pat_node *node_new(struct pat_lex *ctx, bool lead_sep)
{
	struct pat_node *n = arena_alloc(ctx->mem, sizeof(*n));
	n->lead_sep = lead_sep;
	return n;
}

/* Append SEG as the next node segment. */
static void node_push(struct pat_lex *ctx, struct pat_node *n, struct pat_atoms *seg, int col)
{
	if (n->segs.n == n->segs.cap) {
		size_t cap = n->segs.cap ? 2 * n->segs.cap : 4;
		struct pat_seg *v = arena_alloc(ctx->mem, cap * sizeof(*v));
		if (n->segs.n)
			memcpy(v, n->segs.v, n->segs.n * sizeof(*v));
		n->segs.v = v;
		n->segs.cap = cap;
	}
	n->segs.v[n->segs.n++] = (struct pat_seg){ .atoms = seg->v, .natoms = seg->n, .col = col };
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
 * that are only whitespace. Returns 0 or -1 (error recorded). */
static int node_finish(struct pat_lex *ctx, struct pat *p, struct pat_node *node)
{
	struct pat_segs *s = &node->segs;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].natoms == 1 && s->v[i].atoms[0].kind == PA_LIT &&
		    is_blank_text(s->v[i].atoms[0].text)) {
			pat_lex_fail(ctx, s->v[i].col, "a path segment cannot be only whitespace");
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
			p->hive = arena_strdup(ctx->mem, hive_name(t));
			p->root = PR_HIVE;
			skip = 1;
		}
	}
	p->segs = s->v + skip;
	p->nsegs = s->n - skip;
	return 0;
}

static struct pat *pat_new(struct pat_lex *ctx)
{
	struct pat *p = arena_alloc(ctx->mem, sizeof(*p));
	p->type = ctx->type;
	return p;
}

static void take_leaf(struct pat *p, struct pat_atoms *leaf, int col)
{
	p->has_leaf = true;
	p->leaf = leaf->v;
	p->nleaf = leaf->n;
	p->leaf_col = col;
}

/* Assemble a File/Registry pattern (LEAF NULL: no brackets). */
static int path_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *leaf,
		       int leaf_col)
{
	struct pat *p = pat_new(ctx);
	if (node_finish(ctx, p, node) < 0)
		return -1;
	if (leaf)
		take_leaf(p, leaf, leaf_col);
	ctx->result = p;
	return 0;
}

/* The section and key as plain strings (escapes removed, '*' and %VAR% as written). */
static char *atoms_text(struct pat_lex *ctx, const struct pat_atoms *a)
{
	size_t n = 1;
	for (size_t i = 0; i < a->n; i++)
		n += a->v[i].text ? strlen(a->v[i].text) + 2 : 1;
	char *s = arena_alloc(ctx->mem, n), *o = s;
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

/* Assemble an Ini pattern file|section[key]. */
static int ini_finish(struct pat_lex *ctx, struct pat_node *node, struct pat_atoms *sec,
		      int sec_col, struct pat_atoms *key, int key_col)
{
	for (size_t i = 0; i < sec->n; i++) {
		if (sec->v[i].kind == PA_STAR) {
			pat_lex_fail(ctx, sec->v[i].col,
				     "'*' is not allowed in an Ini section name (write '^*' for a "
				     "literal '*')");
			return -1;
		}
		if (sec->v[i].kind == PA_VAR) {
			pat_lex_fail(ctx, sec->v[i].col,
				     "variables are not allowed in an Ini section name");
			return -1;
		}
	}
	(void)sec_col;
	if (key->n == 0) {
		pat_lex_fail(ctx, key_col, "empty Ini key: write the key name between '[' and ']'");
		return -1;
	}
	struct pat *p = pat_new(ctx);
	if (node_finish(ctx, p, node) < 0)
		return -1;
	p->ini_section = atoms_text(ctx, sec);
	p->ini_key = atoms_text(ctx, key);
	take_leaf(p, key, key_col);
	char *file = pat_node_canonical(p);
	if (!file) {
		ctx->oom = true;
		return -1;
	}
	p->ini_file = arena_strdup(ctx->mem, file);
	free(file);
	ctx->result = p;
	return 0;
}
