/* test_match.c - the plan glob matcher (runtime/match.c), as execution tables in the
 * style of git's t3070-wildmatch and rsync's wildtest: one row per case, pattern,
 * subject, flags and the expected answer.
 *
 * Plan globs have one wildcard, '*', which crosses '/' (USMT's '*' crosses '\'); '\'
 * escapes the next byte; '?' and '[' are ordinary bytes; MATCH_FOLD folds ASCII case
 * and nothing else does. glob_node_match() adds one rule: "/x/ *" also names /x itself. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"

#define F MATCH_FOLD

struct glob_row {
	const char *pat;
	const char *subject;
	unsigned flags;
	bool want;
};

/* clang-format off */
static const struct glob_row glob_rows[] = {
	/* literals and the empty cases */
	{"", "", 0, true},
	{"", "a", 0, false},
	{"a", "", 0, false},
	{"abc", "abc", 0, true},
	{"abc", "abd", 0, false},
	{"abc", "ab", 0, false},
	{"ab", "abc", 0, false},
	{"*", "", 0, true},
	{"**", "", 0, true},
	{"*", "anything at all", 0, true},
	{"a*", "a", 0, true},
	{"*a", "a", 0, true},
	{"*a", "", 0, false},
	/* '*' runs over any bytes, '/' included */
	{"*", "/", 0, true},
	{"*", "a/b/c", 0, true},
	{"/data/*", "/data/a/b/c", 0, true},
	{"/data/*", "/data/", 0, true},
	{"/data/*", "/data", 0, false}, /* glob_match: no special case (glob_node_match has it) */
	{"/data/*", "/database", 0, false},
	{"/*/Drafts/*", "/x/y/Drafts/z", 0, true},
	{"/*/Drafts/*", "/Drafts/z", 0, false},
	{"*.txt", "a.txt", 0, true},
	{"*.txt", "dir/a.txt", 0, true},
	{"*.txt", "a.txt.bak", 0, false},
	{"*.txt", ".txt", 0, true},
	{"a*b*c", "abc", 0, true},
	{"a*b*c", "aXbYc", 0, true},
	{"a*b*c", "aXbYcZ", 0, false},
	{"a*b*c", "acb", 0, false},
	{"*ab", "aab", 0, true},       /* needs a backtrack */
	{"*aab", "aaab", 0, true},
	{"a*a*a", "aaa", 0, true},
	{"a*a*a", "aa", 0, false},
	{"*.doc*", "report.docx", 0, true},
	{"*.doc*", "report.pdf", 0, false},
	/* escapes: '\*' a literal star, '\\' a backslash, '\x' just x */
	{"\\*", "*", 0, true},
	{"\\*", "a", 0, false},
	{"\\*", "", 0, false},
	{"a\\*b", "a*b", 0, true},
	{"a\\*b", "aXb", 0, false},
	{"*\\*", "abc*", 0, true},
	{"*\\*", "abc", 0, false},
	{"\\\\", "\\", 0, true},
	{"\\\\", "\\\\", 0, false},
	{"\\\\*", "\\abc", 0, true},   /* escaped backslash, then a real star */
	{"\\\\*", "abc", 0, false},
	{"a\\b", "ab", 0, true},       /* escaping an ordinary byte keeps it */
	{"a\\b", "a\\b", 0, false},
	{"abc\\", "abc\\", 0, true},   /* a lone trailing backslash is itself */
	{"abc\\", "abc", 0, false},
	/* '?' and '[' are ordinary bytes (MigXML has no such wildcards) */
	{"a?c", "abc", 0, false},
	{"a?c", "a?c", 0, true},
	{"?", "x", 0, false},
	{"[ab]", "a", 0, false},
	{"[ab]", "[ab]", 0, true},
	{"[!a]", "b", 0, false},
	{"file].txt", "file].txt", 0, true},
	{"*]", "x]", 0, true},
	{"[*", "[abc", 0, true},
	/* case: folded with MATCH_FOLD only, ASCII only */
	{"ABC", "abc", 0, false},
	{"ABC", "abc", F, true},
	{"abc", "ABC", F, true},
	{"*.TXT", "notes.txt", F, true},
	{"*.TXT", "notes.txt", 0, false},
	{"/Data/*", "/DATA/x", F, true},
	{"/Data/*", "/DATA/x", 0, false},
	{"\\A", "a", F, true},         /* an escaped letter folds too */
	{"\xc3\x89", "\xc3\xa9", F, false}, /* É vs é: bytes, not folded */
	{"\xc3\x89", "\xc3\x89", 0, true},
	{"[", "[", F, true},
	{"@", "`", F, false},          /* neighbours of 'A'..'Z' are not letters */
	{"[", "{", F, false},
	/* bytes with the high bit set, NUL-free binary names */
	{"*\xff", "a\xff", 0, true},
	{"\x01*\x7f", "\x01zz\x7f", 0, true},
};
/* clang-format on */

Test(match, glob_table)
{
	for (size_t i = 0; i < sizeof glob_rows / sizeof glob_rows[0]; i++) {
		const struct glob_row *r = &glob_rows[i];
		bool got =
		    glob_match(r->pat, strlen(r->pat), r->subject, strlen(r->subject), r->flags);
		cr_expect_eq(got, r->want, "row %zu: glob_match(\"%s\", \"%s\", %u) = %d", i,
			     r->pat, r->subject, r->flags, got);
	}
}

/* Lengths are honoured: bytes past PLEN/SLEN are never read. */
Test(match, explicit_lengths)
{
	cr_expect(glob_match("abcXYZ", 3, "abc---", 3, 0));
	cr_expect(!glob_match("abc", 3, "abcd", 4, 0));
	cr_expect(glob_match("*", 1, "ignored", 0, 0));
	cr_expect(glob_match("a\\", 1, "a", 1, 0)); /* the backslash is beyond PLEN */
	cr_expect(glob_match(NULL, 0, NULL, 0, 0));
}

struct node_row {
	const char *glob;
	const char *dir;
	unsigned flags;
	bool want;
};

/* clang-format off */
static const struct node_row node_rows[] = {
	/* the recursive form names the directory it starts from */
	{"/x/*", "/x", 0, true},
	{"/x/*", "/x/y", 0, true},
	{"/x/*", "/x/y/z", 0, true},
	{"/x/*", "/xy", 0, false},
	{"/x/*", "/", 0, false},
	{"/x/*", "/X", 0, false},
	{"/x/*", "/X", F, true},
	{"/data/sub/*", "/data", 0, false},
	{"/data/sub/*", "/data/sub", 0, true},
	/* "/ *" at the root: the root itself and everything */
	{"/*", "/", 0, true},
	{"/*", "/a", 0, true},
	{"/*", "/a/b/c", 0, true},
	/* exact directories */
	{"/x", "/x", 0, true},
	{"/x", "/x/y", 0, false},
	{"/x", "/", 0, false},
	{"/", "/", 0, true},
	{"/", "/x", 0, false},
	/* a star inside a segment is not the recursive form */
	{"/x*", "/x", 0, true},
	{"/x*", "/xyz/deep", 0, true},
	{"/x/a*", "/x", 0, false},
	{"/*/Drafts/*", "/a/Drafts", 0, true},
	{"/*/Drafts/*", "/a/b/Drafts/c", 0, true},
	{"/*/Drafts/*", "/Drafts", 0, false},
	/* an escaped star is a literal: no recursion, no base match */
	{"/x/\\*", "/x", 0, false},
	{"/x/\\*", "/x/*", 0, true},
	{"/x/\\*", "/x/y", 0, false},
	/* a directory whose name ends in a backslash: "\\\\" is an escaped backslash, so
	 * the '/' after it is a separator and the recursive form still names the base */
	{"/x\\\\/*", "/x\\", 0, true},
	{"/x\\\\/*", "/x\\/deep", 0, true},
	{"/x\\\\/*", "/x", 0, false},
	/* degenerate globs */
	{"", "", 0, true},
	{"", "/", 0, false},
	{"*", "/", 0, true},
	{"/", "", 0, false},
};
/* clang-format on */

Test(match, node_table)
{
	for (size_t i = 0; i < sizeof node_rows / sizeof node_rows[0]; i++) {
		const struct node_row *r = &node_rows[i];
		bool got = glob_node_match(r->glob, strlen(r->glob), r->dir, strlen(r->dir), r->flags);
		cr_expect_eq(got, r->want, "row %zu: glob_node_match(\"%s\", \"%s\", %u) = %d", i,
			     r->glob, r->dir, r->flags, got);
	}
}

struct prefix_row {
	const char *glob;
	const char *prefix; /* the first glob_literal_prefix() bytes of GLOB */
	bool has_star;
};

/* clang-format off */
static const struct prefix_row prefix_rows[] = {
	{"", "", false},
	{"/", "/", false},
	{"/data", "/data", false},
	{"/data/sub", "/data/sub", false},
	{"/*", "", true},
	{"/data/*", "/data", true},
	{"/data/sub/*", "/data/sub", true},
	{"/data/sub/*.txt", "/data/sub", true},
	{"/data/su*b/x", "/data", true},
	{"/*/Drafts/*", "", true},
	{"*", "", true},
	{"/a\\*b/c", "/a\\*b/c", false},     /* escaped star: literal throughout */
	{"/a\\*b/*", "/a\\*b", true},
	{"/a\\\\*", "", true},               /* escaped backslash, then a real star */
	{"/a\\\\/x/*", "/a\\\\/x", true},
	{"/a\\/b/*", "/a\\/b", true},        /* escaped '/' is not a separator */
	{"/a/b\\", "/a/b\\", false},         /* trailing backslash */
};
/* clang-format on */

Test(match, literal_prefix_and_star_table)
{
	for (size_t i = 0; i < sizeof prefix_rows / sizeof prefix_rows[0]; i++) {
		const struct prefix_row *r = &prefix_rows[i];
		size_t n = glob_literal_prefix(r->glob, strlen(r->glob));
		cr_expect_eq(n, strlen(r->prefix),
			     "row %zu: glob_literal_prefix(\"%s\") = %zu, expected %zu", i, r->glob,
			     n, strlen(r->prefix));
		cr_expect_eq(strncmp(r->glob, r->prefix, strlen(r->prefix)), 0, "row %zu", i);
		bool star = glob_has_star(r->glob, strlen(r->glob));
		cr_expect_eq(star, r->has_star, "row %zu: glob_has_star(\"%s\") = %d", i, r->glob,
			     star);
	}
}

/* The literal prefix of any glob only names directories the glob can match beneath:
 * every subject the glob matches starts with the unescaped prefix. */
Test(match, literal_prefix_is_a_prefix_of_every_match)
{
	static const char *const globs[] = {"/data/sub/*", "/data/*/x", "/a\\*b/*", "/*"};
	static const char *const subjects[] = {"/data/sub/q", "/data/z/x", "/a*b/c", "/any"};
	for (size_t i = 0; i < 4; i++) {
		char pre[64];
		size_t n = glob_literal_prefix(globs[i], strlen(globs[i]));
		size_t u = glob_unescape(globs[i], n, pre, sizeof pre);
		cr_expect(
		    glob_match(globs[i], strlen(globs[i]), subjects[i], strlen(subjects[i]), 0));
		cr_expect_eq(strncmp(subjects[i], pre, u), 0, "%s: prefix %s", globs[i], pre);
	}
}

struct unescape_row {
	const char *glob;
	size_t outsz;
	const char *want;
};

/* clang-format off */
static const struct unescape_row unescape_rows[] = {
	{"", 8, ""},
	{"abc", 8, "abc"},
	{"a\\*b", 8, "a*b"},
	{"a\\\\b", 8, "a\\b"},
	{"a\\b", 8, "ab"},
	{"abc\\", 8, "abc\\"},   /* trailing backslash kept */
	{"abcdef", 3, "ab"},     /* truncated to OUTSZ-1 bytes, NUL-terminated */
	{"\\*\\*", 8, "**"},
	{"*", 8, "*"},           /* a real star is copied too: callers pass literal prefixes */
};
/* clang-format on */

Test(match, unescape_table)
{
	for (size_t i = 0; i < sizeof unescape_rows / sizeof unescape_rows[0]; i++) {
		const struct unescape_row *r = &unescape_rows[i];
		char out[16];
		memset(out, 'Z', sizeof out);
		size_t n = glob_unescape(r->glob, strlen(r->glob), out, r->outsz);
		cr_expect_str_eq(out, r->want, "row %zu: glob_unescape(\"%s\") = \"%s\"", i,
				 r->glob, out);
		cr_expect_eq(n, strlen(r->want), "row %zu: length", i);
	}
	char none[1] = {'Z'};
	cr_expect_eq(glob_unescape("abc", 3, none, 0), 0);
	cr_expect_eq(none[0], 'Z', "OUTSZ 0 writes nothing");
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pathological inputs that make naive recursive matchers exponential must stay fast:
 * the matcher backtracks only to the last star (O(len(pattern) * len(subject))). */
Test(match, pathological_inputs_are_fast)
{
	enum { N = 200000 };
	char *s = malloc(N + 2);
	cr_assert_not_null(s);
	memset(s, 'a', N);
	s[N] = 0;
	/* clang-format off */
	static const char *const pats[] = {
		"*a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*a*a*b", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c",
		"*\\*", "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*/*/*/*/*/x",
	};
	/* clang-format on */
	double t0 = seconds();
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		cr_expect(!glob_match(pats[i], strlen(pats[i]), s, N, 0), "%s", pats[i]);
		cr_expect(!glob_match(pats[i], strlen(pats[i]), s, N, MATCH_FOLD), "%s", pats[i]);
		cr_expect(!glob_node_match(pats[i], strlen(pats[i]), s, N, 0), "%s", pats[i]);
	}
	/* and the matching variants still match */
	s[N - 1] = 'b';
	cr_expect(glob_match("*a*a*a*a*b", 10, s, N, 0));
	cr_expect(glob_match("*A*A*A*A*B", 10, s, N, MATCH_FOLD));
	double dt = seconds() - t0;
	cr_expect(dt < 5.0, "pathological globs took %.2fs", dt);
	free(s);
}

/* A long path of many segments against a recursive glob with many stars. */
Test(match, deep_paths)
{
	char dir[8192];
	size_t n = 0;
	dir[n++] = '/';
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(dir + n, sizeof dir - n, "d%d/", i % 10);
	dir[--n] = 0; /* no trailing '/' */
	cr_expect(glob_node_match("/d0/*", 5, dir, n, 0));
	cr_expect(glob_node_match("/*/d9/*", 7, dir, n, 0));
	cr_expect(!glob_node_match("/*/d10/*", 8, dir, n, 0));
	cr_expect(glob_match("*d9", 3, dir, n, 0));
}
