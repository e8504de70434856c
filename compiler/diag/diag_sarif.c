/* diag_sarif.c - SARIF 2.1.0 output (one run of the tool "migc") for code-scanning
 * services. Rule ids are the -W names ("-Wcrossed"); diagnostics without one use the
 * ids "error" and "note". Rules are listed in order of first use, results in the
 * diagnostic order, so the log is deterministic. Columns are converted from bytes to
 * Unicode code points when the source line can be read (run.columnKind says so). */
#include <stdlib.h>
#include <string.h>

#include "diag_impl.h"
#include "version.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *level_word(enum diag_level lv)
{
	return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

/* The rule a record belongs to: its -W name, or its reported level. */
struct rule_ref {
	const char *wname; /* NULL: a pseudo-rule named after LEVEL */
	enum diag_level level;
};

static struct rule_ref rule_of(const struct diag_rec *r)
{
	struct rule_ref k = {r->wname, r->level};
	return k;
}

static bool same_rule(struct rule_ref a, struct rule_ref b)
{
	if (a.wname || b.wname)
		return a.wname && b.wname && strcmp(a.wname, b.wname) == 0;
	return a.level == b.level;
}

static void put_rule_id(FILE *out, struct rule_ref k)
{
	if (k.wname) {
		fputs("\"-W", out);
		esc_puts(out, k.wname, ESC_JSON);
		fputc('"', out);
	} else {
		fprintf(out, "\"%s\"", level_word(k.level));
	}
}

static void put_rules(FILE *out, const struct rule_ref *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *desc = rules[i].wname ? diag_warning_desc(rules[i].wname) : NULL;
		fputs(i ? ",\n            {\"id\": " : "\n            {\"id\": ", out);
		put_rule_id(out, rules[i]);
		fputs(", \"shortDescription\": {\"text\": ", out);
		if (desc)
			diag_esc_json_string(out, desc);
		else if (rules[i].wname)
			diag_esc_json_string(out, rules[i].wname);
		else if (rules[i].level == DIAG_ERROR)
			fputs("\"policy error\"", out);
		else
			fprintf(out, "\"%s\"", level_word(rules[i].level));
		fprintf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}}",
			level_word(rules[i].wname ? DIAG_WARNING : rules[i].level));
	}
	fputs(n ? "\n          ]" : "]", out);
}

/* Byte column COL of R's line as a code-point column (COL itself if unreadable). */
static int cp_column(struct srcline *src, const struct diag_rec *r)
{
	const char *text;
	size_t len;
	if (!srcline_get(src, r->file, r->line, &text, &len) || (size_t)r->col - 1 > len)
		return r->col;
	int cp = 1;
	for (size_t i = 0; i + 1 < (size_t)r->col; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			cp++;
	return cp;
}

static void put_location(FILE *out, const struct diag_rec *r, struct srcline *src)
{
	fputs(",\n          \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
	      "{\"uri\": \"",
	      out);
	if (r->file[0] == '/') {
		fputs("file://", out);
		diag_esc_uri(out, r->file);
		fputs("\"}", out);
	} else {
		diag_esc_uri(out, r->file);
		fputs("\", \"uriBaseId\": \"%SRCROOT%\"}", out);
	}
	if (r->line > 0) {
		fprintf(out, ", \"region\": {\"startLine\": %d", r->line);
		if (r->col > 0)
			fprintf(out, ", \"startColumn\": %d", cp_column(src, r));
		fputc('}', out);
	}
	fputs("}}]", out);
}

/* Print every record as a SARIF 2.1.0 log. */
void diag_print_sarif(struct diag_set *d, FILE *out)
{
	size_t n, nrules = 0;
	bool truncated;
	struct diag_view *v = diag_views(d, &n, &truncated);
	struct rule_ref *rules = malloc((n ? n : 1) * sizeof *rules);
	size_t *ruleidx = malloc((n ? n : 1) * sizeof *ruleidx);
	if (!rules || !ruleidx) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		struct rule_ref k = rule_of(v[i].rec);
		size_t j = 0;
		while (j < nrules && !same_rule(rules[j], k))
			j++;
		if (j == nrules)
			rules[nrules++] = k;
		ruleidx[i] = j;
	}

	fputs("{\n  \"$schema\": \"" SARIF_SCHEMA "\",\n  \"version\": \"2.1.0\",\n"
	      "  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": {\n"
	      "          \"name\": \"migc\",\n          \"version\": \"" MIGSTATE_VERSION "\",\n"
	      "          \"rules\": [",
	      out);
	put_rules(out, rules, nrules);
	fputs("\n        }\n      },\n", out);
	if (truncated)
		fprintf(out,
			"      \"invocations\": [{\"executionSuccessful\": true, "
			"\"toolExecutionNotifications\": [{\"level\": \"note\", \"message\": "
			"{\"text\": \"too many errors emitted, stopping now "
			"(--error-limit=%u)\"}}]}],\n",
			d->error_limit);
	fputs("      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [", out);

	struct srcline *src = srcline_new();
	for (size_t i = 0; i < n; i++) {
		const struct diag_rec *r = v[i].rec;
		fputs(i ? ",\n        {\n          \"ruleId\": "
			: "\n        {\n          \"ruleId\": ",
		      out);
		put_rule_id(out, rules[ruleidx[i]]);
		fprintf(out,
			",\n          \"ruleIndex\": %zu,\n          \"level\": \"%s\",\n"
			"          \"message\": {\"text\": ",
			ruleidx[i], level_word(v[i].level));
		diag_esc_json_string(out, r->msg);
		fputc('}', out);
		if (r->file)
			put_location(out, r, src);
		fputs("\n        }", out);
	}
	fputs(n ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n", out);
	srcline_free(src);
	free(ruleidx);
	free(rules);
	free(v);
}
