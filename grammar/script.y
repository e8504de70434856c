/* script.y - parser for helper-function calls (spec section 7, GRAMMAR.md):
 *
 *   Namespace.Name("string", 'string', NULL, ...)
 *
 * Tokens come from grammar/script.l; compiler/script.c drives both, drops trailing
 * NULL arguments and checks the call against compiler/helpers.def. Columns are
 * 1-based byte offsets into the caller's (untrimmed) text. */

%define api.pure full
%define api.prefix {scryy}
%define parse.error custom
%locations
%expect 0

%param {void *scanner}
%parse-param {struct scr_lex *ctx}

%code requires {
#include <stdbool.h>
#include <stddef.h>

#include "script.h"

/* A growable argument list. */
struct scr_args {
	struct script_arg *v;
	size_t n, cap;
};

/* State shared by script.c, the scanner and the parser for one script_parse() call. */
struct scr_lex {
	const char *src;      /* the trimmed text */
	size_t len;
	int base;             /* offset of src in the caller's text (columns add it) */
	size_t pos;           /* scanner position in src */
	size_t tok_start;     /* where the current match began in src */
	int paren_col;        /* column of the last '(' scanned */
	unsigned ntok;        /* tokens handed out so far */
	struct script_call *result;
	bool failed;          /* err holds the first error */
	bool oom;
	struct script_error *err;
};
}

%code provides {
int scryylex(SCRYYSTYPE *lval, SCRYYLTYPE *lloc, void *scanner);
/* Record the first error only: later ones are consequences. */
void scr_lex_fail(struct scr_lex *ctx, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
}

%code {
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void scryyerror(SCRYYLTYPE *loc, void *scanner, struct scr_lex *ctx, const char *msg);
static void args_free(struct scr_args *a);
static struct scr_args *args_push(struct scr_args *a, struct script_arg arg);
static struct script_call *call_make(char *ns, int ns_col, char *name, int name_col,
				     struct scr_args *args);
}

%union {
	char *str;
	struct script_arg arg;
	struct scr_args *args;
	struct script_call *call;
}

%token <str> WORD  "name"
%token <str> STRING "string"
%token DOT    "'.'"
%token LPAREN "'('"
%token RPAREN "')'"
%token COMMA  "','"
%token LEXERR "invalid text"

%type <arg> arg
%type <args> args
%type <call> call

%destructor { free($$); } <str>
%destructor { free($$.str); } <arg>
%destructor { args_free($$); } <args>
%destructor { script_free($$); } <call>

%%

input
	: call			{ ctx->result = $1; }
	;

call
	: WORD DOT WORD LPAREN RPAREN
		{
			$$ = call_make($1, @1.first_column, $3, @3.first_column, NULL);
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	| WORD DOT WORD LPAREN args RPAREN
		{
			$$ = call_make($1, @1.first_column, $3, @3.first_column, $5);
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	/* no namespace: parsed so that script_check can say what is missing */
	| WORD LPAREN RPAREN
		{
			$$ = call_make(NULL, @1.first_column, $1, @1.first_column, NULL);
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	| WORD LPAREN args RPAREN
		{
			$$ = call_make(NULL, @1.first_column, $1, @1.first_column, $3);
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	;

args
	: arg
		{
			$$ = args_push(NULL, $1);
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	| args COMMA arg
		{
			$$ = args_push($1, $3);
			if (!$$) { ctx->oom = true; YYNOMEM; }
		}
	;

arg
	: STRING		{ $$ = (struct script_arg){ .str = $1, .col = @1.first_column }; }
	| WORD
		{
			if (strcasecmp($1, "NULL") != 0) {
				scr_lex_fail(ctx, @1.first_column,
					     "unquoted argument '%.40s': arguments are strings in "
					     "quotes, or NULL",
					     $1);
				free($1);
				YYABORT;
			}
			free($1);
			$$ = (struct script_arg){ .is_null = true, .col = @1.first_column };
		}
	;

%%

static void scryyerror(SCRYYLTYPE *loc, void *scanner, struct scr_lex *ctx, const char *msg)
{
	(void)scanner;
	scr_lex_fail(ctx, loc ? loc->first_column : 0, "%s", msg);
}

static bool expects(const yysymbol_kind_t *exp, int n, yysymbol_kind_t k)
{
	for (int i = 0; i < n; i++)
		if (exp[i] == k)
			return true;
	return false;
}

/* A string that starts right where another one, quoted the same way, ended: 'it''s'. */
static bool doubled_quote(const struct scr_lex *ctx, int col)
{
	int i = col - 1 - ctx->base; /* the opening quote of this string in src */
	return i >= 1 && (size_t)i < ctx->len && ctx->src[i - 1] == ctx->src[i];
}

/* Syntax errors in words a policy author understands. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner, struct scr_lex *ctx)
{
	(void)scanner;
	if (ctx->failed) /* the scanner already said why (LEXERR) */
		return 0;
	yysymbol_kind_t tok = yypcontext_token(yyctx);
	int col = yypcontext_location(yyctx)->first_column;
	yysymbol_kind_t exp[8];
	int nexp = yypcontext_expected_tokens(yyctx, exp, 8);
	bool want_arg = expects(exp, nexp, YYSYMBOL_STRING);
	bool want_name = expects(exp, nexp, YYSYMBOL_WORD) && !want_arg;

	if (nexp == 1 && exp[0] == YYSYMBOL_YYEOF) {
		scr_lex_fail(ctx, col, "unexpected text after ')'");
		return 0;
	}
	if (want_name) {
		if (ctx->ntok <= 1)
			scr_lex_fail(ctx, col, "missing function name");
		else
			scr_lex_fail(ctx, col, "missing function name after '.'");
		return 0;
	}
	if (want_arg) {
		if (tok == YYSYMBOL_RPAREN)
			scr_lex_fail(ctx, col, "missing argument after ','");
		else if (tok == YYSYMBOL_COMMA)
			scr_lex_fail(ctx, col, "missing argument before ','");
		else if (tok == YYSYMBOL_YYEOF)
			scr_lex_fail(ctx, col, "missing ')' to close the '(' at column %d",
				     ctx->paren_col);
		else
			scr_lex_fail(ctx, col, "unexpected %s in the argument list",
				     yysymbol_name(tok));
		return 0;
	}
	if (expects(exp, nexp, YYSYMBOL_RPAREN)) { /* after an argument */
		if (tok == YYSYMBOL_YYEOF)
			scr_lex_fail(ctx, col, "missing ')' to close the '(' at column %d",
				     ctx->paren_col);
		else if (tok == YYSYMBOL_STRING && doubled_quote(ctx, col))
			scr_lex_fail(ctx, col,
				     "missing ',' between arguments (a quote cannot be doubled or "
				     "escaped inside a string: quote with the other kind instead)");
		else if (tok == YYSYMBOL_STRING || tok == YYSYMBOL_WORD)
			scr_lex_fail(ctx, col, "missing ',' between arguments");
		else
			scr_lex_fail(ctx, col, "unexpected %s: expected ',' or ')'",
				     yysymbol_name(tok));
		return 0;
	}
	if (expects(exp, nexp, YYSYMBOL_LPAREN)) { /* after the name */
		if (expects(exp, nexp, YYSYMBOL_DOT))
			scr_lex_fail(ctx, col, "expected '.' or '(' after the name");
		else
			scr_lex_fail(ctx, col, "missing '(' after the function name");
		return 0;
	}
	scr_lex_fail(ctx, col, "unexpected %s", yysymbol_name(tok));
	return 0;
}

static void args_free(struct scr_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].str);
	free(a->v);
	free(a);
}

/* Append ARG to A (NULL: a new list). Consumes both, also on failure (returns NULL). */
static struct scr_args *args_push(struct scr_args *a, struct script_arg arg)
{
	if (!a)
		a = calloc(1, sizeof(*a));
	if (a && a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 4;
		struct script_arg *v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			args_free(a);
			a = NULL;
		} else {
			a->v = v;
			a->cap = cap;
		}
	}
	if (!a) {
		free(arg.str);
		return NULL;
	}
	a->v[a->n++] = arg;
	return a;
}

/* Build the call; consumes NS, NAME and ARGS (also on failure, which returns NULL). */
static struct script_call *call_make(char *ns, int ns_col, char *name, int name_col,
				     struct scr_args *args)
{
	struct script_call *c = calloc(1, sizeof(*c));
	if (!c) {
		free(ns);
		free(name);
		args_free(args);
		return NULL;
	}
	c->ns = ns;
	c->name = name;
	c->col = ns_col;
	c->name_col = name_col;
	if (args) {
		c->args = args->v;
		c->nargs = args->n;
		free(args);
	}
	return c;
}
