/* diag_text.c - the gcc/nftables text format:
 *
 *   file:line:col: level: message [-Wname]
 *   <source line>
 *        ^
 *
 * `:col` is left out when the column is unknown, `:line` too when the line is. Long
 * source lines are shown as a window around the column. A final line counts errors and
 * warnings. */
#include <stdlib.h>

#include "diag_impl.h"

#define WINDOW 160 /* bytes of a long source line shown around the column */

static const char *level_word(enum diag_level lv)
{
	return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

static bool utf8_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* The source line with a caret under COL (or none when COL is 0). */
static void print_source(FILE *out, const char *text, size_t len, int col)
{
	size_t from = 0, to = len, c = (size_t)col;
	if (len > WINDOW) {
		if (c > WINDOW / 2)
			from = c - WINDOW / 2;
		if (from > len - WINDOW)
			from = len - WINDOW;
		while (from > 0 && from < len && utf8_cont(text[from]))
			from++;
		to = from + WINDOW < len ? from + WINDOW : len;
		while (to < len && to > from && utf8_cont(text[to]))
			to--;
	}
	if (from)
		fputs("...", out);
	esc_write(out, text + from, to - from, ESC_TEXT_TAB);
	fputs(to < len ? "...\n" : "\n", out);
	if (col <= 0 || c - 1 > len)
		return;
	if (c - 1 < from || c - 1 > to || (c - 1 == to && to < len)) /* outside the window */
		return;
	if (from)
		fputs("   ", out);
	diag_esc_caret(out, text + from, to - from, c - from);
}

static void print_one(FILE *out, const struct diag_view *v, struct srcline *src, bool caret)
{
	const struct diag_rec *r = v->rec;
	if (!r->file)
		fputs("migc", out);
	else
		esc_puts(out, r->file, ESC_TEXT);
	if (r->file && r->line > 0) {
		fprintf(out, ":%d", r->line);
		if (r->col > 0)
			fprintf(out, ":%d", r->col);
	}
	fprintf(out, ": %s: ", level_word(v->level));
	esc_puts(out, r->msg, ESC_TEXT);
	if (v->level != DIAG_NOTE) {
		if (v->promoted)
			fputs(r->wname ? " [-Werror=" : " [-Werror", out);
		else if (r->wname)
			fputs(" [-W", out);
		if (r->wname)
			esc_puts(out, r->wname, ESC_TEXT);
		if (v->promoted || r->wname)
			fputc(']', out);
	}
	fputc('\n', out);

	const char *text;
	size_t len;
	if (caret && srcline_get(src, r->file, r->line, &text, &len))
		print_source(out, text, len, r->col);
}

/* Print every record in the text format, then the counts. */
void diag_print_text(struct diag_set *d, FILE *out, bool caret)
{
	size_t n;
	bool truncated;
	struct diag_view *v = diag_views(d, &n, &truncated);
	struct srcline *src = srcline_new();
	for (size_t i = 0; i < n; i++)
		print_one(out, &v[i], src, caret);
	if (truncated)
		fprintf(out,
			"migc: fatal error: too many errors emitted, stopping now "
			"[--error-limit=%u]\n",
			d->error_limit);
	srcline_free(src);
	free(v);

	unsigned e = diag_errors(d), w = diag_warnings(d);
	if (e || w)
		fprintf(out, "%u error%s, %u warning%s generated.\n", e, e == 1 ? "" : "s", w,
			w == 1 ? "" : "s");
}
