/* test_diag.c - unit tests for compiler/diag*.c: text shape, caret, --werror, -Wno-,
 * the error limit, escaping of hostile text, and the JSON and SARIF documents. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "helpers_diag.h"

/* Print D in FORMAT into a malloc'd string. */
static char *render(struct diag_set *d, enum diag_format format, bool caret)
{
	return hd_render(d, format, caret);
}

static void report(struct diag_set *d, enum diag_level lv, const char *file, int line, int col,
		   const char *wname, const char *msg)
{
	struct src_loc loc = {file, line, col};
	diag_report(d, lv, &loc, wname, "%s", msg);
}

Test(diag, text_shape_and_order)
{
	struct diag_set *d = diag_new();
	report(d, DIAG_WARNING, "b.xml", 3, 7, "crossed", "second file");
	report(d, DIAG_ERROR, "a.xml", 9, 0, NULL, "no column");
	report(d, DIAG_WARNING, "a.xml", 2, 5, "no-leaf", "first");
	report(d, DIAG_ERROR, "a.xml", 0, 4, NULL, "no line");
	report(d, DIAG_NOTE, "a.xml", 2, 5, NULL, "same place, later");
	char *s = render(d, DIAG_TEXT, false);
	cr_assert_str_eq(s, "a.xml: error: no line\n"
			    "a.xml:2:5: warning: first [-Wno-leaf]\n"
			    "a.xml:2:5: note: same place, later\n"
			    "a.xml:9: error: no column\n"
			    "b.xml:3:7: warning: second file [-Wcrossed]\n"
			    "2 errors, 2 warnings generated.\n");
	cr_assert_eq(diag_errors(d), 2);
	cr_assert_eq(diag_warnings(d), 2);
	free(s);
	diag_free(d);
}

Test(diag, singular_counts_and_clean_run)
{
	struct diag_set *d = diag_new();
	char *s = render(d, DIAG_TEXT, true);
	cr_assert_str_eq(s, "");
	free(s);
	report(d, DIAG_ERROR, NULL, 0, 0, NULL, "bad option");
	report(d, DIAG_WARNING, "x.xml", 1, 1, "shadowed", "w");
	s = render(d, DIAG_TEXT, false);
	cr_assert_str_eq(s, "migc: error: bad option\n"
			    "x.xml:1:1: warning: w [-Wshadowed]\n"
			    "1 error, 1 warning generated.\n");
	free(s);
	diag_free(d);
}

Test(diag, caret_keeps_tabs_strips_cr)
{
	char path[] = "/tmp/test_diag_XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	const char src[] = "<migration>\r\n\t <pattern>C:\\caf\xc3\xa9 [a?b]</pattern>\r\n";
	cr_assert_eq(write(fd, src, sizeof src - 1), (ssize_t)(sizeof src - 1));
	close(fd);

	struct diag_set *d = diag_new();
	/* '?' is byte 23 of line 2: tab, space, "<pattern>", "C:\caf", two bytes of e-acute,
	 * " [a"; the caret line keeps the tab and counts e-acute as one column */
	report(d, DIAG_WARNING, path, 2, 23, "question-mark", "literal '?'");
	report(d, DIAG_ERROR, path, 1, 0, NULL, "line only");
	char *s = render(d, DIAG_TEXT, true);
	char *want;
	cr_assert(asprintf(&want,
			   "%s:1: error: line only\n"
			   "<migration>\n"
			   "%s:2:23: warning: literal '?' [-Wquestion-mark]\n"
			   "\t <pattern>C:\\caf\xc3\xa9 [a?b]</pattern>\n"
			   "\t                    ^\n"
			   "1 error, 1 warning generated.\n",
			   path, path) > 0);
	cr_assert_str_eq(s, want);
	free(want);
	free(s);
	diag_free(d);
	unlink(path);
}

Test(diag, caret_missing_file_prints_no_source)
{
	struct diag_set *d = diag_new();
	report(d, DIAG_ERROR, "/nonexistent/x.xml", 4, 2, NULL, "gone");
	char *s = render(d, DIAG_TEXT, true);
	cr_assert_str_eq(s,
			 "/nonexistent/x.xml:4:2: error: gone\n1 error, 0 warnings generated.\n");
	free(s);
	diag_free(d);
}

Test(diag, werror_promotes)
{
	struct diag_set *d = diag_new();
	diag_set_werror(d, true);
	report(d, DIAG_WARNING, "a.xml", 1, 2, "crossed", "x");
	report(d, DIAG_NOTE, "a.xml", 1, 3, NULL, "n");
	char *s = render(d, DIAG_TEXT, false);
	cr_assert_str_eq(s, "a.xml:1:2: error: x [-Werror=crossed]\n"
			    "a.xml:1:3: note: n\n"
			    "1 error, 0 warnings generated.\n");
	cr_assert_eq(diag_errors(d), 1);
	cr_assert_eq(diag_warnings(d), 0);
	free(s);
	diag_free(d);
}

Test(diag, disable_known_and_unknown)
{
	struct diag_set *d = diag_new();
	cr_assert_eq(diag_disable(d, "shadowed"), 0);
	cr_assert_eq(diag_disable(d, "no-such-warning"), -1);
	cr_assert_eq(diag_disable(d, ""), -1);
	report(d, DIAG_WARNING, "a.xml", 1, 1, "shadowed", "hidden");
	report(d, DIAG_WARNING, "a.xml", 2, 1, "crossed", "shown");
	char *s = render(d, DIAG_TEXT, false);
	cr_assert_str_eq(s, "a.xml:2:1: warning: shown [-Wcrossed]\n"
			    "0 errors, 1 warning generated.\n");
	cr_assert_eq(diag_warnings(d), 1);
	free(s);
	diag_free(d);
}

Test(diag, error_limit)
{
	struct diag_set *d = diag_new();
	diag_set_error_limit(d, 2);
	for (int i = 1; i <= 4; i++)
		report(d, DIAG_ERROR, "a.xml", i, 1, NULL, "e");
	report(d, DIAG_WARNING, "a.xml", 1, 5, "crossed", "w");
	char *s = render(d, DIAG_TEXT, false);
	cr_assert_str_eq(s, "a.xml:1:1: error: e\n"
			    "a.xml:1:5: warning: w [-Wcrossed]\n"
			    "a.xml:2:1: error: e\n"
			    "migc: fatal error: too many errors emitted, stopping now "
			    "[--error-limit=2]\n"
			    "4 errors, 1 warning generated.\n");
	free(s);
	diag_free(d);
}

Test(diag, hostile_text_is_escaped)
{
	struct diag_set *d = diag_new();
	report(d, DIAG_ERROR, "evil\x1b[2J\n.xml", 1, 1, NULL,
	       "bad \xff byte, tab\there, rlo \xe2\x80\xae, c1 \xc2\x9b, ok \xc3\xa9 \"q\" \\");
	char *s = render(d, DIAG_TEXT, false);
	cr_assert_str_eq(s, "evil\\x1b[2J\\x0a.xml:1:1: error: bad \\xff byte, tab\\x09here, "
			    "rlo \\u202E, c1 \\u009B, ok \xc3\xa9 \"q\" \\\n"
			    "1 error, 0 warnings generated.\n");
	free(s);
	s = render(d, DIAG_JSON, false);
	cr_assert(strstr(s, "\"file\":\"evil\\\\x1b[2J\\\\x0a.xml\""), "%s", s);
	cr_assert(strstr(s, "\\\\xff byte") && strstr(s, "\\\"q\\\" \\\\\""), "%s", s);
	for (const char *p = s; *p; p++)
		cr_assert((unsigned char)*p >= 0x20 || *p == '\n');
	free(s);
	s = render(d, DIAG_SARIF, false);
	cr_assert(strstr(s, "\"uri\": \"evil%1B%5B2J%0A.xml\""), "%s", s);
	free(s);
	diag_free(d);
}

Test(diag, json_document)
{
	struct diag_set *d = diag_new();
	diag_set_werror(d, true);
	report(d, DIAG_WARNING, "p/a.xml", 3, 4, "crossed", "w");
	report(d, DIAG_ERROR, NULL, 0, 0, NULL, "e");
	char *s = render(d, DIAG_JSON, false);
	cr_assert_str_eq(s, "{\"version\":1,\"diagnostics\":[\n"
			    "{\"file\":null,\"line\":0,\"column\":0,\"level\":\"error\","
			    "\"message\":\"e\",\"option\":null},\n"
			    "{\"file\":\"p/a.xml\",\"line\":3,\"column\":4,\"level\":\"error\","
			    "\"message\":\"w\",\"option\":\"-Wcrossed\"}\n"
			    "],\"errors\":2,\"warnings\":0}\n");
	free(s);
	diag_free(d);

	d = diag_new();
	s = render(d, DIAG_JSON, false);
	cr_assert_str_eq(s, "{\"version\":1,\"diagnostics\":[],\"errors\":0,\"warnings\":0}\n");
	free(s);
	diag_free(d);
}

Test(diag, sarif_document)
{
	struct diag_set *d = diag_new();
	report(d, DIAG_WARNING, "rel/a.xml", 3, 4, "crossed", "w1");
	report(d, DIAG_WARNING, "/abs/b c.xml", 5, 0, "crossed", "w2");
	report(d, DIAG_ERROR, "rel/a.xml", 0, 0, NULL, "e");
	char *s = render(d, DIAG_SARIF, false);
	cr_assert(strstr(s, "\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\""));
	cr_assert(strstr(s, "\"version\": \"2.1.0\""));
	cr_assert(strstr(s, "\"name\": \"migc\""));
	/* rules in order of first use, each listed once */
	const char *r1 = strstr(s, "{\"id\": \"-Wcrossed\", \"shortDescription\": {\"text\": ");
	cr_assert(r1, "%s", s);
	cr_assert_null(strstr(r1 + 1, "{\"id\": \"-Wcrossed\""));
	cr_assert(strstr(s, "{\"id\": \"error\", \"shortDescription\""));
	/* absolute path: file URI, no base, line without column */
	cr_assert(
	    strstr(s, "{\"uri\": \"file:///abs/b%20c.xml\"}, \"region\": {\"startLine\": 5}}"),
	    "%s", s);
	/* relative path: %SRCROOT%, line and column */
	cr_assert(strstr(s, "{\"uri\": \"rel/a.xml\", \"uriBaseId\": \"%SRCROOT%\"}, "
			    "\"region\": {\"startLine\": 3, \"startColumn\": 4}}"),
		  "%s", s);
	/* no line: no region */
	cr_assert(
	    strstr(s, "\"ruleId\": \"error\",\n          \"ruleIndex\": 1,\n"
		      "          \"level\": \"error\",\n          \"message\": {\"text\": \"e\"},\n"
		      "          \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
		      "{\"uri\": \"rel/a.xml\", \"uriBaseId\": \"%SRCROOT%\"}}}]"),
	    "%s", s);
	cr_assert(strstr(s, "\"level\": \"warning\",\n          \"message\": {\"text\": \"w1\"}"));
	free(s);
	diag_free(d);
}

Test(diag, long_message_and_w_prefix)
{
	struct diag_set *d = diag_new();
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct src_loc loc = {"a.xml", 1, 1};
	diag_report(d, DIAG_WARNING, &loc, "-Wcrossed", "%s%d", big, 42);
	char *s = render(d, DIAG_TEXT, false);
	cr_assert(strstr(s, "xxx42 [-Wcrossed]\n"), "%s", s);
	cr_assert_eq(strlen(s), strlen("a.xml:1:1: warning: ") + 999 + 2 +
				    strlen(" [-Wcrossed]\n") +
				    strlen("0 errors, 1 warning generated.\n"));
	free(s);
	diag_free(d);
}

Test(diag, output_is_deterministic)
{
	struct diag_set *d = diag_new();
	for (int i = 0; i < 50; i++)
		report(d, i % 3 ? DIAG_WARNING : DIAG_ERROR, i % 2 ? "b.xml" : "a.xml", 50 - i,
		       i % 5, i % 3 ? "shadowed" : NULL, i % 2 ? "odd" : "even");
	char *a = render(d, DIAG_SARIF, false);
	char *b = render(d, DIAG_SARIF, false);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	diag_free(d);
}

/* An unbuffered stream (like stderr) that counts the writes reaching it. */
static ssize_t count_write(void *cookie, const char *buf, size_t n)
{
	(void)buf;
	(*(int *)cookie)++;
	return (ssize_t)n;
}

/* stderr is unbuffered: the printers' many small writes must reach it as one write
 * per diag_print, not one system call per character (issue 19: 269 writes for two
 * warnings). */
Test(diag, print_is_one_write_on_an_unbuffered_stream)
{
	struct diag_set *d = diag_new();
	for (int i = 1; i <= 20; i++)
		report(d, DIAG_WARNING, "a.xml", i, 3, "crossed", "some warning text");
	for (enum diag_format f = DIAG_TEXT; f <= DIAG_SARIF; f++) {
		int writes = 0;
		FILE *out = fopencookie(&writes, "w", (cookie_io_functions_t){.write = count_write});
		cr_assert_not_null(out);
		setvbuf(out, NULL, _IONBF, 0);
		diag_print(d, out, f, false);
		cr_assert_eq(writes, 1, "format %d: %d writes", (int)f, writes);
		fclose(out);
	}
	diag_free(d);
}
