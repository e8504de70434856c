/* test_vars.c - the variable map (compiler/vars.c) and the shipped
 * policies/variables.map: every variable of spec 8.2/8.3 and every one the corpus
 * uses is mapped, user variables are told apart, errors carry file:line. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "vars.h"
#include "helpers_diag.h"

#define MAP "policies/variables.map"
#define CORPUS "../shared/corpus/"

static struct arena *A;
static struct diag_set *D;
static struct var_table T;
static char tmpmap[64];

static void setup(void)
{
	A = arena_new();
	D = diag_new();
	T = (struct var_table){NULL, 0};
	tmpmap[0] = '\0';
}

static void teardown(void)
{
	diag_free(D);
	arena_free(A);
	if (tmpmap[0])
		unlink(tmpmap);
}

TestSuite(vars, .init = setup, .fini = teardown);

static char *diags(void)
{
	return hd_render(D, DIAG_TEXT, false);
}

static void expect_diag(const char *needle)
{
	hd_expect(D, needle);
}

static void load_shipped(void)
{
	cr_assert_eq(vars_load_map(A, D, &T, MAP), 0);
	char *text = diags();
	cr_assert_eq(vars_resolve(&T, D), 0, "%s", text);
	free(text);
	text = diags();
	cr_assert_eq(diag_warnings(D), 0, "%s", text);
	free(text);
}

/* A map file with CONTENT (removed in teardown). */
static const char *write_map(const char *content)
{
	snprintf(tmpmap, sizeof(tmpmap), "/tmp/migc-vars-XXXXXX");
	int fd = mkstemp(tmpmap);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
	return tmpmap;
}

Test(vars, shipped_map_loads_and_resolves)
{
	load_shipped();
	for (size_t i = 1; i < T.ndefs; i++)
		cr_expect_lt(strcmp(T.defs[i - 1]->name, T.defs[i]->name), 0, "%s before %s",
			     T.defs[i - 1]->name, T.defs[i]->name);
	static const struct {
		const char *name, *value;
		bool user;
	} rows[] = {
	    {"csidl_personal", "{xdg:DOCUMENTS}", true},
	    {"CSIDL_PROFILE", "{home}", true},
	    {"UserProfile", "{home}", true},
	    {"CSIDL_APPDATA", "{home}/.config", true},
	    {"CSIDL_LOCAL_APPDATA", "{home}/.local/share", true},
	    {"PROFILESFOLDER", "/home", false},
	    {"PROGRAMFILES", "/opt", false},
	    {"SYSTEMDRIVE", "{drive:C}", false},
	    {"USERNAME", "{user}", true},
	    {"USERSID", "{uid}", true},
	    {"ALLUSERSPROFILE", "%CSIDL_COMMON_APPDATA%", false},
	    {"CSIDL_PLAYLISTS", "%CSIDL_MYMUSIC%/Playlists", true}, /* user through MYMUSIC */
	    {"CSIDL_COMMON_DOCUMENTS", "%PUBLIC%/Documents", false},
	    {"FOLDERID_DOWNLOADS", "%CSIDL_DOWNLOADS%", true},
	    {"FOLDERID_RECORDEDTV", "%PUBLIC%/Recorded TV", false}, /* space kept */
	    {"CSIDL_DRIVES", "/dev/null/CSIDL_DRIVES", false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct var_def *v = vars_find(&T, rows[i].name);
		cr_assert_not_null(v, "%s", rows[i].name);
		cr_expect_str_eq(v->value, rows[i].value, "%s", rows[i].name);
		cr_expect_eq(v->user, rows[i].user, "%s", rows[i].name);
		cr_expect_str_eq(v->loc.file, MAP);
		cr_expect_gt(v->loc.line, 0);
	}
	cr_expect_null(vars_find(&T, "COMPUTERNAME"), "deliberately unmapped");
	cr_expect_null(vars_find(&T, "CSIDL_PPROFILE"), "a typo in the corpus, not a variable");
}

/* Spec 8.2 (any context), 8.3 (user contexts) and the extra names listed after 8.3. */
static const char spec_system[] =
    "ALLUSERSAPPDATA ALLUSERSPROFILE COMMONPROGRAMFILES COMMONPROGRAMFILES(X86) "
    "CSIDL_COMMON_ADMINTOOLS CSIDL_COMMON_ALTSTARTUP CSIDL_COMMON_APPDATA "
    "CSIDL_COMMON_DESKTOPDIRECTORY CSIDL_COMMON_DOCUMENTS CSIDL_COMMON_FAVORITES "
    "CSIDL_COMMON_MUSIC CSIDL_COMMON_PICTURES CSIDL_COMMON_PROGRAMS "
    "CSIDL_COMMON_STARTMENU CSIDL_COMMON_STARTUP CSIDL_COMMON_TEMPLATES "
    "CSIDL_COMMON_VIDEO CSIDL_DEFAULT_APPDATA CSIDL_DEFAULT_LOCAL_APPDATA "
    "CSIDL_DEFAULT_COOKIES CSIDL_DEFAULT_CONTACTS CSIDL_DEFAULT_DESKTOP "
    "CSIDL_DEFAULT_DOWNLOADS CSIDL_DEFAULT_FAVORITES CSIDL_DEFAULT_HISTORY "
    "CSIDL_DEFAULT_INTERNET_CACHE CSIDL_DEFAULT_PERSONAL "
    "CSIDL_DEFAULT_MYDOCUMENTS CSIDL_DEFAULT_MYPICTURES CSIDL_DEFAULT_MYMUSIC "
    "CSIDL_DEFAULT_MYVIDEO CSIDL_DEFAULT_RECENT CSIDL_DEFAULT_SENDTO "
    "CSIDL_DEFAULT_STARTMENU CSIDL_DEFAULT_PROGRAMS CSIDL_DEFAULT_STARTUP "
    "CSIDL_DEFAULT_TEMPLATES CSIDL_DEFAULT_QUICKLAUNCH CSIDL_FONTS "
    "CSIDL_PROGRAM_FILES CSIDL_PROGRAM_FILESX86 CSIDL_PROGRAM_FILES_COMMON "
    "CSIDL_PROGRAM_FILES_COMMONX86 CSIDL_RESOURCES CSIDL_SYSTEM CSIDL_WINDOWS "
    "DEFAULTUSERPROFILE PROFILESFOLDER PROGRAMFILES PROGRAMFILES(X86) SYSTEM "
    "SYSTEM32 SYSTEM16 SYSTEMPROFILE SYSTEMROOT WINDIR SYSTEMDRIVE";

static const char spec_user[] =
    "APPDATA CSIDL_ADMINTOOLS CSIDL_ALTSTARTUP CSIDL_APPDATA CSIDL_BITBUCKET "
    "CSIDL_CONTACTS CSIDL_DESKTOP CSIDL_DESKTOPDIRECTORY CSIDL_FAVORITES "
    "CSIDL_INTERNET_CACHE CSIDL_LOCAL_APPDATA CSIDL_MYDOCUMENTS CSIDL_MYMUSIC "
    "CSIDL_MYPICTURES CSIDL_MYVIDEO CSIDL_PERSONAL CSIDL_PLAYLISTS CSIDL_PROFILE "
    "CSIDL_PROGRAMS CSIDL_RECENT CSIDL_STARTMENU CSIDL_STARTUP CSIDL_TEMPLATES "
    "HOMEPATH TEMP TMP USERPROFILE USERSID CSIDL_QUICKLAUNCH USERNAME "
    "CSIDL_DOWNLOADS FOLDERID_DOWNLOADS";

/* Spec 8.3 folders with no Linux counterpart: mapped (so rules compile) to paths that
 * cannot exist, which makes them system variables. */
static const char spec_nowhere[] =
    "CSIDL_CDBURN_AREA CSIDL_CONNECTIONS CSIDL_CONTROLS CSIDL_COOKIES "
    "CSIDL_DRIVES CSIDL_HISTORY CSIDL_INTERNET CSIDL_NETHOOD CSIDL_NETWORK "
    "CSIDL_PRINTERS CSIDL_PRINTHOOD CSIDL_SENDTO";

/* Copy the next space-separated word of *W into BUF; false at the end. */
static bool next_word(const char **w, char *buf, size_t size)
{
	*w += strspn(*w, " ");
	size_t n = strcspn(*w, " ");
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, *w, n);
	buf[n] = '\0';
	*w += n;
	return true;
}

Test(vars, every_spec_variable_is_mapped)
{
	load_shipped();
	char name[64];
	size_t checked = 0;
	for (const char *w = spec_system; next_word(&w, name, sizeof(name)); checked++) {
		const struct var_def *v = vars_find(&T, name);
		cr_expect_not_null(v, "%s is not mapped", name);
		if (v)
			cr_expect(!v->user, "%s is valid in System context", name);
	}
	for (const char *w = spec_user; next_word(&w, name, sizeof(name)); checked++) {
		const struct var_def *v = vars_find(&T, name);
		cr_expect_not_null(v, "%s is not mapped", name);
		if (v)
			cr_expect(v->user, "%s is a per-user location", name);
	}
	for (const char *w = spec_nowhere; next_word(&w, name, sizeof(name)); checked++) {
		const struct var_def *v = vars_find(&T, name);
		cr_expect_not_null(v, "%s is not mapped", name);
		if (v)
			cr_expect(!strncmp(v->value, "/dev/null/", 10), "%s", name);
	}
	cr_expect_eq(checked, 57 + 32 + 12);
}

/* Names in FILE's "%NAME%" references (the grep of the brief: [A-Za-z_()0-9]*) and in
 * its <variable name="..."> definitions, upper-cased, appended to the lists. */
struct names {
	char **v;
	size_t n;
};

static void add_name(struct names *ns, const char *s, size_t len)
{
	char buf[128];
	if (len == 0 || len >= sizeof(buf))
		return;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[len] = '\0';
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], buf))
			return;
	ns->v = realloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	cr_assert_not_null(ns->v);
	ns->v[ns->n++] = strdup(buf);
}

static bool var_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '(' || c == ')';
}

static void scan_file(const char *path, struct names *used, struct names *defined)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len = getdelim(&buf, &cap, '\0', f); /* the files hold no NUL byte */
	fclose(f);
	cr_assert_gt(len, 0);
	for (const char *p = buf; (p = strchr(p, '%')) != NULL;) {
		const char *q = p + 1;
		while (var_char(*q))
			q++;
		if (*q == '%') {
			add_name(used, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else
			p = q;
	}
	for (const char *p = buf; (p = strstr(p, "<variable")) != NULL; p++) {
		const char *n = strstr(p, "name=\"");
		const char *end = strchr(p, '>');
		if (!n || !end || n > end)
			continue;
		n += 6;
		size_t l = strcspn(n, "\" ");
		add_name(defined, n, l);
	}
	free(buf);
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

Test(vars, every_corpus_variable_is_mapped)
{
	DIR *dir = opendir(CORPUS);
	if (!dir)
		cr_skip_test("no corpus at " CORPUS);
	load_shipped();
	struct names used = {NULL, 0}, defined = {NULL, 0};
	struct dirent *de;
	size_t files = 0;
	while ((de = readdir(dir)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 4 || strcasecmp(de->d_name + l - 4, ".xml") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), CORPUS "%s", de->d_name);
		scan_file(path, &used, &defined);
		files++;
	}
	closedir(dir);
	cr_expect_geq(files, 89);
	/* Not variables: a typo and a name its file never defines; lint reports both. */
	static const char *const unmapped[] = {"CSIDL_PPROFILE", "ACROBATPROINSTPATH"};
	size_t checked = 0;
	for (size_t i = 0; i < used.n; i++) {
		bool skip = false;
		for (size_t j = 0; j < defined.n; j++)
			skip |= !strcmp(used.v[i], defined.v[j]);
		for (size_t j = 0; j < sizeof(unmapped) / sizeof(unmapped[0]); j++)
			skip |= !strcmp(used.v[i], unmapped[j]);
		if (skip)
			continue;
		checked++;
		cr_expect_not_null(vars_find(&T, used.v[i]),
				   "%%%s%% (used by the corpus) is not mapped", used.v[i]);
	}
	cr_expect_geq(checked, 50);
	names_free(&used);
	names_free(&defined);
}

Test(vars, define_replaces_and_adds)
{
	load_shipped();
	size_t n = T.ndefs;
	cr_assert_eq(vars_define(A, &T, "profilesfolder=/srv/home"), 0);
	cr_expect_eq(T.ndefs, n);
	const struct var_def *v = vars_find(&T, "PROFILESFOLDER");
	cr_assert_not_null(v);
	cr_expect_str_eq(v->name, "PROFILESFOLDER");
	cr_expect_str_eq(v->value, "/srv/home");
	cr_expect_str_eq(v->loc.file, "<command line>");

	cr_assert_eq(vars_define(A, &T, "MyAppDir=%PROGRAMFILES%/MyApp"), 0);
	cr_assert_eq(vars_define(A, &T, "MYAPPDATA=%APPDATA%/MyApp"), 0);
	cr_assert_eq(vars_define(A, &T, "Empty="), 0);
	cr_expect_eq(T.ndefs, n + 3);
	cr_assert_eq(vars_resolve(&T, D), 0);
	cr_expect(!vars_find(&T, "myappdir")->user);
	cr_expect(vars_find(&T, "myappdata")->user);
	cr_expect_str_eq(vars_find(&T, "EMPTY")->value, "");
	for (size_t i = 1; i < T.ndefs; i++)
		cr_expect_lt(strcmp(T.defs[i - 1]->name, T.defs[i]->name), 0);

	cr_expect_eq(vars_define(A, &T, "NOEQUALS"), -1);
	cr_expect_eq(vars_define(A, &T, "=value"), -1);
	cr_expect_eq(vars_define(A, &T, "BAD NAME=x"), -1);
	cr_expect_eq(vars_define(A, &T, "PCT%=x"), -1);
	cr_expect_eq(T.ndefs, n + 3);
}

Test(vars, map_errors_are_located)
{
	const char *path = write_map("# comment line\n"
				     "GOOD      {home}/x   # trailing comment\n"
				     "LOOP_A    %LOOP_B%/a\n"
				     "LOOP_B    %loop_a%/b\n"
				     "UNKNOWN   %NO_SUCH_VAR%/x\n"
				     "PLACE     {homedir}/x\n"
				     "NOVALUE\n"
				     "BAD%NAME  /x\n"
				     "UNTERM    %GOOD/x\n"
				     "GOOD      /elsewhere\n"
				     "   \n");
	cr_expect_eq(vars_load_map(A, D, &T, path), 2);
	char want[256];
	snprintf(want, sizeof(want), "%s:7:1: error: variable NOVALUE has no value", path);
	expect_diag(want);
	snprintf(want, sizeof(want), "%s:8:1: error: invalid variable name \"BAD%%NAME\"", path);
	expect_diag(want);
	snprintf(want, sizeof(want),
		 "%s:10:1: warning: variable GOOD is defined again (first at line 2); this "
		 "definition is used [-Wduplicate-name]",
		 path);
	expect_diag(want);
	cr_expect_str_eq(vars_find(&T, "good")->value, "/elsewhere");

	cr_expect_eq(vars_resolve(&T, D), 4);
	snprintf(want, sizeof(want), "%s:3:1: error: variable LOOP_A is defined in terms of itself",
		 path);
	expect_diag(want);
	snprintf(want, sizeof(want),
		 "%s:5:1: error: variable UNKNOWN refers to unknown variable %%NO_SUCH_VAR%%",
		 path);
	expect_diag(want);
	snprintf(want, sizeof(want),
		 "%s:6:1: error: variable PLACE: unknown placeholder \"{homedir}\"", path);
	expect_diag(want);
	snprintf(want, sizeof(want), "%s:9:1: error: variable UNTERM: unterminated", path);
	expect_diag(want);
}

Test(vars, missing_map_is_an_error)
{
	cr_expect_eq(vars_load_map(A, D, &T, "policies/no-such.map"), 1);
	expect_diag(
	    "policies/no-such.map: error: cannot open variable map: No such file or directory");
	cr_expect_eq(T.ndefs, 0);
	cr_expect_null(vars_find(&T, "ANY"));
	cr_expect_eq(vars_resolve(&T, D), 0);
}
