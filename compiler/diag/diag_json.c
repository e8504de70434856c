/* diag_json.c - the JSON format, one object for the whole run:
 *
 *   {"version":1,"diagnostics":[{"file","line","column","level","message","option"}],
 *    "errors":N,"warnings":M}
 *
 * line and column are 0 when unknown, file is null for command-line problems, option is
 * the -W name that controls the diagnostic ("-Wname") or null. One diagnostic per line
 * so that the output diffs well; the counts are totals, even past --error-limit. */
#include <stdlib.h>

#include "diag_impl.h"

static const char *level_word(enum diag_level lv)
{
	return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

/* Print every record as one JSON document. */
void diag_print_json(struct diag_set *d, FILE *out)
{
	size_t n;
	bool truncated;
	struct diag_view *v = diag_views(d, &n, &truncated);
	fputs("{\"version\":1,\"diagnostics\":[", out);
	for (size_t i = 0; i < n; i++) {
		const struct diag_rec *r = v[i].rec;
		fputs(i ? ",\n" : "\n", out);
		fputs("{\"file\":", out);
		diag_esc_json_string(out, r->file);
		fprintf(out, ",\"line\":%d,\"column\":%d,\"level\":\"%s\",\"message\":", r->line,
			r->col, level_word(v[i].level));
		diag_esc_json_string(out, r->msg);
		fputs(",\"option\":", out);
		if (r->wname) {
			fputs("\"-W", out);
			esc_puts(out, r->wname, ESC_JSON);
			fputc('"', out);
		} else {
			fputs("null", out);
		}
		fputc('}', out);
	}
	fprintf(out, "%s],\"errors\":%u,\"warnings\":%u}\n", n ? "\n" : "", diag_errors(d),
		diag_warnings(d));
	free(v);
}
