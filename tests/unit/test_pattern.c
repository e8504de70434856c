/* test_pattern.c - the location-pattern grammar (grammar/pattern.{l,y}, compiler/pattern.c).
 *
 * Table-driven: each accepted row gives the parsed shape (root, drive/hive, every
 * atom of every segment and of the leaf, with columns) and the canonical text; each
 * rejected row gives the exact column and a piece of the message. The shape is
 * written as a string so a row reads like the tree it describes:
 *
 *   'Folder'@4 / *@11      two segments: literal "Folder" at column 4, '*' at column 11
 *   %CSIDL_PERSONAL%@1     a variable atom
 *   'a' *@5                two atoms in one segment (literal, then star) */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define F PAT_FILE
#define R PAT_REGISTRY
#define I PAT_INI

struct prow {
	enum pat_type type;
	const char *text;
	enum pat_root root;
	char drive;       /* PR_DRIVE */
	const char *hive; /* PR_HIVE */
	const char *segs; /* shape of the node segments ("" for none) */
	const char *leaf; /* shape of the leaf; NULL: no [leaf] written */
	int leaf_col;
	const char *canon;
};

struct erow {
	enum pat_type type;
	const char *text;
	int col;
	const char *msg; /* a substring of the message */
};

static void put(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

static void shape_atoms(char *buf, size_t size, const struct pat_atom *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(buf, size, " ");
		switch (a[i].kind) {
		case PA_LIT:
			put(buf, size, "'%s'@%d", a[i].text, a[i].col);
			break;
		case PA_STAR:
			cr_expect_null(a[i].text, "a star atom has no text");
			put(buf, size, "*@%d", a[i].col);
			break;
		case PA_VAR:
			put(buf, size, "%%%s%%@%d", a[i].text, a[i].col);
			break;
		}
	}
}

static void shape_segs(char *buf, size_t size, const struct pat *p)
{
	buf[0] = '\0';
	for (size_t i = 0; i < p->nsegs; i++) {
		if (i > 0)
			put(buf, size, " / ");
		cr_expect_gt(p->segs[i].natoms, 0, "segment %zu of \"%s\" is empty", i, p->text);
		cr_expect_eq(p->segs[i].col, p->segs[i].atoms[0].col,
			     "segment column is its first atom's column");
		shape_atoms(buf, size, p->segs[i].atoms, p->segs[i].natoms);
	}
}

static struct pat *parse(enum pat_type t, const char *s, struct pat_error *e)
{
	return pat_parse(s, strlen(s), t, e);
}

static void check_rows(const struct prow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct prow *r = &rows[i];
		struct pat_error e;
		struct pat *p = parse(r->type, r->text, &e);
		cr_expect_not_null(p, "row %zu \"%s\": col %d: %s", i, r->text, e.col, e.message);
		if (!p)
			continue;
		cr_expect_eq(p->type, r->type, "row %zu type", i);
		cr_expect_eq(p->root, r->root, "row %zu \"%s\": root %d, want %d", i, r->text,
			     p->root, r->root);
		if (r->root == PR_DRIVE)
			cr_expect_eq(p->drive, r->drive, "row %zu drive '%c'", i, p->drive);
		if (r->root == PR_HIVE)
			cr_expect_str_eq(p->hive ? p->hive : "(null)", r->hive, "row %zu hive", i);
		else
			cr_expect_null(p->hive, "row %zu: hive set without PR_HIVE", i);

		char got[1024];
		shape_segs(got, sizeof(got), p);
		cr_expect_str_eq(got, r->segs, "row %zu \"%s\" segments:\n got  %s\n want %s", i,
				 r->text, got, r->segs);
		cr_expect_eq(p->has_leaf, r->leaf != NULL, "row %zu \"%s\" has_leaf", i, r->text);
		if (r->leaf) {
			got[0] = '\0';
			shape_atoms(got, sizeof(got), p->leaf, p->nleaf);
			cr_expect_str_eq(got, r->leaf, "row %zu \"%s\" leaf:\n got  %s\n want %s", i,
					 r->text, got, r->leaf);
			cr_expect_eq(p->leaf_col, r->leaf_col, "row %zu \"%s\" leaf_col %d, want %d",
				     i, r->text, p->leaf_col, r->leaf_col);
		} else {
			cr_expect_eq(p->nleaf, 0);
		}

		char *c = pat_canonical(p);
		cr_expect_str_eq(c, r->canon, "row %zu \"%s\" canonical \"%s\", want \"%s\"", i,
				 r->text, c, r->canon);
		/* the canonical form is a fixed point */
		struct pat *q = parse(r->type, c, &e);
		cr_expect_not_null(q, "row %zu: canonical \"%s\" does not parse: %s", i, c,
				   e.message);
		if (q) {
			char *c2 = pat_canonical(q);
			cr_expect_str_eq(c2, c, "row %zu: canonical form is not stable", i);
			free(c2);
			pat_free(q);
		}
		free(c);
		pat_free(p);
	}
}

static void check_errors(const struct erow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct erow *r = &rows[i];
		struct pat_error e;
		memset(&e, 0x55, sizeof(e));
		struct pat *p = parse(r->type, r->text, &e);
		cr_expect_null(p, "row %zu \"%s\" should not parse", i, r->text);
		pat_free(p);
		cr_expect_eq(e.col, r->col, "row %zu \"%s\": col %d, want %d (%s)", i, r->text,
			     e.col, r->col, e.message);
		cr_expect(memchr(e.message, '\0', sizeof(e.message)) != NULL,
			  "row %zu: message not terminated", i);
		cr_expect(strstr(e.message, r->msg) != NULL, "row %zu \"%s\": message \"%s\" lacks \"%s\"",
			  i, r->text, e.message, r->msg);
	}
}

#define ROWS(t) check_rows((t), sizeof(t) / sizeof((t)[0]))
#define ERRS(t) check_errors((t), sizeof(t) / sizeof((t)[0]))

/* Every row of spec table 5.3, as written there. */
Test(pattern, spec_table_5_3)
{
	static const struct prow rows[] = {
		{ F, "C:\\Folder\\ [*]", PR_DRIVE, 'C', NULL, "'Folder'@4", "*@13", 12,
		  "C:\\Folder [*]" },
		{ F, "C:\\Folder [*]", PR_DRIVE, 'C', NULL, "'Folder'@4", "*@12", 11,
		  "C:\\Folder [*]" },
		{ F, "C:\\Folder\\* [*]", PR_DRIVE, 'C', NULL, "'Folder'@4 / *@11", "*@14", 13,
		  "C:\\Folder\\* [*]" },
		{ F, "C:\\Folder\\ [*.mp3]", PR_DRIVE, 'C', NULL, "'Folder'@4", "*@13 '.mp3'@14", 12,
		  "C:\\Folder [*.mp3]" },
		{ F, "C:\\Folder\\* [*.doc]", PR_DRIVE, 'C', NULL, "'Folder'@4 / *@11",
		  "*@14 '.doc'@15", 13, "C:\\Folder\\* [*.doc]" },
		{ F, "C:\\Folder\\ [Sample.doc]", PR_DRIVE, 'C', NULL, "'Folder'@4",
		  "'Sample.doc'@13", 12, "C:\\Folder [Sample.doc]" },
		{ F, "C:\\* [Sample.doc]", PR_DRIVE, 'C', NULL, "*@4", "'Sample.doc'@7", 6,
		  "C:\\* [Sample.doc]" },
		{ F, "C:\\*\\EngineeringDrafts\\* [*]", PR_DRIVE, 'C', NULL,
		  "*@4 / 'EngineeringDrafts'@6 / *@24", "*@27", 26,
		  "C:\\*\\EngineeringDrafts\\* [*]" },
		{ F, "C:\\EngineeringDrafts\\* [*]", PR_DRIVE, 'C', NULL,
		  "'EngineeringDrafts'@4 / *@22", "*@25", 24, "C:\\EngineeringDrafts\\* [*]" },
		{ F, "%CSIDL_PERSONAL%\\* [*]", PR_NONE, 0, NULL, "%CSIDL_PERSONAL%@1 / *@18", "*@21",
		  20, "%CSIDL_PERSONAL%\\* [*]" },
		{ F, "%CSIDL_MYVIDEO%", PR_NONE, 0, NULL, "%CSIDL_MYVIDEO%@1", NULL, 0,
		  "%CSIDL_MYVIDEO%" },
		{ F, "c:\\Windows\\*", PR_DRIVE, 'C', NULL, "'Windows'@4 / *@12", NULL, 0,
		  "C:\\Windows\\*" },
		{ R, "HKCU\\Software\\X\\* [*]", PR_HIVE, 0, "HKCU", "'Software'@6 / 'X'@15 / *@17",
		  "*@20", 19, "HKCU\\Software\\X\\* [*]" },
		{ R, "HKCU\\Software\\X [*]", PR_HIVE, 0, "HKCU", "'Software'@6 / 'X'@15", "*@18",
		  17, "HKCU\\Software\\X [*]" },
		{ R, "HKLM\\Software\\Microsoft\\Command Processor [DefaultColor]", PR_HIVE, 0,
		  "HKLM", "'Software'@6 / 'Microsoft'@15 / 'Command Processor'@25",
		  "'DefaultColor'@44", 43,
		  "HKLM\\Software\\Microsoft\\Command Processor [DefaultColor]" },
		{ R, "HKCU\\Software\\USMTTESTKEY\\* [MyKey]", PR_HIVE, 0, "HKCU",
		  "'Software'@6 / 'USMTTESTKEY'@15 / *@27", "'MyKey'@30", 29,
		  "HKCU\\Software\\USMTTESTKEY\\* [MyKey]" },
		{ R, "HKCU\\Keyboard Layout\\Toggle []", PR_HIVE, 0, "HKCU",
		  "'Keyboard Layout'@6 / 'Toggle'@22", "", 29, "HKCU\\Keyboard Layout\\Toggle []" },
		{ I, "%WinAmp5InstPath%\\Winamp.ini|WinAmp[keeponscreen]", PR_NONE, 0, NULL,
		  "%WinAmp5InstPath%@1 / 'Winamp.ini'@19", "'keeponscreen'@37", 36,
		  "%WinAmp5InstPath%\\Winamp.ini|WinAmp[keeponscreen]" },
	};
	ROWS(rows);
}

/* Spec 5.2's other documented examples: brackets without a space, GenerateDrivePatterns
 * segments, the encoded locations of 5.1. */
Test(pattern, documented_examples)
{
	static const struct prow rows[] = {
		{ F, "c:\\*[*]", PR_DRIVE, 'C', NULL, "*@4", "*@6", 5, "C:\\* [*]" },
		{ R, "HKCU\\testReg[*]", PR_HIVE, 0, "HKCU", "'testReg'@6", "*@14", 13,
		  "HKCU\\testReg [*]" },
		{ R, "HKCU\\*[*]", PR_HIVE, 0, "HKCU", "*@6", "*@8", 7, "HKCU\\* [*]" },
		{ F, "c:\\users\\name[mail.pst]", PR_DRIVE, 'C', NULL, "'users'@4 / 'name'@10",
		  "'mail.pst'@15", 14, "C:\\users\\name [mail.pst]" },
		{ F, "%CSIDL_LOCAL_APPDATA%\\Microsoft\\Outlook\\*[*.pst]", PR_NONE, 0, NULL,
		  "%CSIDL_LOCAL_APPDATA%@1 / 'Microsoft'@23 / 'Outlook'@33 / *@41",
		  "*@43 '.pst'@44", 42, "%CSIDL_LOCAL_APPDATA%\\Microsoft\\Outlook\\* [*.pst]" },
		{ F, "%CSIDL_MYMUSIC%\\ [desktop.ini]", PR_NONE, 0, NULL, "%CSIDL_MYMUSIC%@1",
		  "'desktop.ini'@19", 18, "%CSIDL_MYMUSIC% [desktop.ini]" },
		{ F, "%CSIDL_MYVIDEO% [desktop.ini]", PR_NONE, 0, NULL, "%CSIDL_MYVIDEO%@1",
		  "'desktop.ini'@18", 17, "%CSIDL_MYVIDEO% [desktop.ini]" },
		{ F, "* [*.doc]", PR_NONE, 0, NULL, "*@1", "*@4 '.doc'@5", 3, "* [*.doc]" },
		{ F, "\\Folder\\* [x]", PR_SEP, 0, NULL, "'Folder'@2 / *@9", "'x'@12", 11,
		  "\\Folder\\* [x]" },
		{ F, "\\Requests\\* [*] ", PR_SEP, 0, NULL, "'Requests'@2 / *@11", "*@14", 13,
		  "\\Requests\\* [*]" },
		{ F, "c:\\Windows[Notepad.exe]", PR_DRIVE, 'C', NULL, "'Windows'@4",
		  "'Notepad.exe'@12", 11, "C:\\Windows [Notepad.exe]" },
		{ F, "c:\\Windows\\System32", PR_DRIVE, 'C', NULL, "'Windows'@4 / 'System32'@12",
		  NULL, 0, "C:\\Windows\\System32" },
		{ R, "HKLM\\SOFTWARE\\MyKey[]", PR_HIVE, 0, "HKLM", "'SOFTWARE'@6 / 'MyKey'@15", "",
		  20, "HKLM\\SOFTWARE\\MyKey []" },
		{ F, "d:\\new folder[]", PR_DRIVE, 'D', NULL, "'new folder'@4", "", 14,
		  "D:\\new folder []" },
		{ F, "C:\\Program Files\\* [*]", PR_DRIVE, 'C', NULL, "'Program Files'@4 / *@18",
		  "*@21", 20, "C:\\Program Files\\* [*]" },
	};
	ROWS(rows);
}

/* Whitespace: trimmed around the pattern (columns stay those of the untrimmed text),
 * optional before '[', significant inside names. */
Test(pattern, spacing)
{
	static const struct prow rows[] = {
		{ F, "  C:\\data\\[*]  ", PR_DRIVE, 'C', NULL, "'data'@6", "*@12", 11,
		  "C:\\data [*]" },
		{ F, " C:\\* [Sample.doc] ", PR_DRIVE, 'C', NULL, "*@5", "'Sample.doc'@8", 7,
		  "C:\\* [Sample.doc]" },
		{ F, "\t\r\n C:\\x\n", PR_DRIVE, 'C', NULL, "'x'@8", NULL, 0, "C:\\x" },
		{ F, "C:\\data    [*]", PR_DRIVE, 'C', NULL, "'data'@4", "*@13", 12, "C:\\data [*]" },
		{ F, "C:\\data\t[*]", PR_DRIVE, 'C', NULL, "'data'@4", "*@10", 9, "C:\\data [*]" },
		{ F, "C:\\data \\ [*]", PR_DRIVE, 'C', NULL, "'data '@4", "*@12", 11,
		  "C:\\data \\ [*]" },
		{ F, "C:\\x\\data \\", PR_DRIVE, 'C', NULL, "'x'@4 / 'data '@6", NULL, 0,
		  "C:\\x\\data \\" },
		{ F, "C:\\New Folder\\My  Files [a b.doc]", PR_DRIVE, 'C', NULL,
		  "'New Folder'@4 / 'My  Files'@15", "'a b.doc'@26", 25,
		  "C:\\New Folder\\My  Files [a b.doc]" },
		{ F, "C:\\ lead", PR_DRIVE, 'C', NULL, "' lead'@4", NULL, 0, "C:\\ lead" },
		{ F, "C:\\x [ sp ]", PR_DRIVE, 'C', NULL, "'x'@4", "' sp '@7", 6, "C:\\x [ sp ]" },
		{ R, "HKLM\\A B\\C D [E F]", PR_HIVE, 0, "HKLM", "'A B'@6 / 'C D'@10", "'E F'@15",
		  14, "HKLM\\A B\\C D [E F]" },
	};
	ROWS(rows);
}

/* '^[' '^]' '^^' '^*' are literal characters; any other '^' is itself. */
Test(pattern, escapes)
{
	static const struct prow rows[] = {
		{ F, "c:\\documents\\mydocs [file^].txt]", PR_DRIVE, 'C', NULL,
		  "'documents'@4 / 'mydocs'@14", "'file].txt'@22", 21,
		  "C:\\documents\\mydocs [file^].txt]" },
		{ F, "C:\\a^[1^]\\* [*]", PR_DRIVE, 'C', NULL, "'a[1]'@4 / *@11", "*@14", 13,
		  "C:\\a^[1^]\\* [*]" },
		{ F, "C:\\x [^[^]^^^*]", PR_DRIVE, 'C', NULL, "'x'@4", "'[]^*'@7", 6,
		  "C:\\x [^[^]^^^*]" },
		{ F, "C:\\star^*dir\\* [a^*b*]", PR_DRIVE, 'C', NULL, "'star*dir'@4 / *@14",
		  "'a*b'@17 *@21", 16, "C:\\star^*dir\\* [a^*b*]" },
		{ F, "C:\\a^b [^x]", PR_DRIVE, 'C', NULL, "'a^b'@4", "'^x'@9", 8,
		  "C:\\a^^b [^^x]" },
		{ F, "C:\\trail^", PR_DRIVE, 'C', NULL, "'trail^'@4", NULL, 0, "C:\\trail^^" },
		{ R, "HKCU\\K^[1^] [v^]]", PR_HIVE, 0, "HKCU", "'K[1]'@6", "'v]'@14", 13,
		  "HKCU\\K^[1^] [v^]]" },
		{ F, "^[", PR_NONE, 0, NULL, "'['@1", NULL, 0, "^[" },
	};
	ROWS(rows);
}

/* %NAME% anywhere in a segment or the leaf; a '%' that does not start one is text. */
Test(pattern, variables)
{
	static const struct prow rows[] = {
		{ F, "%ProgramFiles(x86)%\\App\\* [*]", PR_NONE, 0, NULL,
		  "%ProgramFiles(x86)%@1 / 'App'@21 / *@25", "*@28", 27,
		  "%ProgramFiles(x86)%\\App\\* [*]" },
		{ F, "%CSIDL_PROGRAM_FILESX86%\\x", PR_NONE, 0, NULL,
		  "%CSIDL_PROGRAM_FILESX86%@1 / 'x'@26", NULL, 0, "%CSIDL_PROGRAM_FILESX86%\\x" },
		{ F, "C:\\Users\\%USERNAME%.bak\\* [*]", PR_DRIVE, 'C', NULL,
		  "'Users'@4 / %USERNAME%@10 '.bak'@20 / *@25", "*@28", 27,
		  "C:\\Users\\%USERNAME%.bak\\* [*]" },
		{ F, "%A%%B%", PR_NONE, 0, NULL, "%A%@1 %B%@4", NULL, 0, "%A%%B%" },
		{ F, "C:\\x [%NAME%.doc]", PR_DRIVE, 'C', NULL, "'x'@4", "%NAME%@7 '.doc'@13", 6,
		  "C:\\x [%NAME%.doc]" },
		{ F, "%userprofile%\\* [*.doc]", PR_NONE, 0, NULL, "%userprofile%@1 / *@15",
		  "*@18 '.doc'@19", 17, "%userprofile%\\* [*.doc]" },
		/* lone or unmatched '%' are literal */
		{ F, "C:\\50%off.txt", PR_DRIVE, 'C', NULL, "'50%off.txt'@4", NULL, 0,
		  "C:\\50%off.txt" },
		{ F, "C:\\100% [a%]", PR_DRIVE, 'C', NULL, "'100%'@4", "'a%'@10", 9,
		  "C:\\100% [a%]" },
		{ F, "C:\\%%", PR_DRIVE, 'C', NULL, "'%%'@4", NULL, 0, "C:\\%%" },
		{ F, "C:\\%1%", PR_DRIVE, 'C', NULL, "'%1%'@4", NULL, 0, "C:\\%1%" },
		{ F, "C:\\a%b.c%d.txt", PR_DRIVE, 'C', NULL, "'a%b.c%d.txt'@4", NULL, 0,
		  "C:\\a%b.c%d.txt" },
	};
	ROWS(rows);
}

/* Roots: drive letters (File, Ini), hives (Registry only), a leading separator, none. */
Test(pattern, roots)
{
	static const struct prow rows[] = {
		{ F, "C:", PR_DRIVE, 'C', NULL, "", NULL, 0, "C:\\" },
		{ F, "c:\\", PR_DRIVE, 'C', NULL, "", NULL, 0, "C:\\" },
		{ F, "z:\\ [*]", PR_DRIVE, 'Z', NULL, "", "*@6", 5, "Z:\\ [*]" },
		{ F, "d:[x]", PR_DRIVE, 'D', NULL, "", "'x'@4", 3, "D:\\ [x]" },
		{ F, "D:/Data/* [*]", PR_DRIVE, 'D', NULL, "'Data'@4 / *@9", "*@12", 11,
		  "D:\\Data\\* [*]" },
		{ R, "HKLM", PR_HIVE, 0, "HKLM", "", NULL, 0, "HKLM" },
		{ R, "hklm\\Software", PR_HIVE, 0, "HKLM", "'Software'@6", NULL, 0,
		  "HKLM\\Software" },
		{ R, "HKEY_LOCAL_MACHINE\\Software", PR_HIVE, 0, "HKLM", "'Software'@20", NULL, 0,
		  "HKLM\\Software" },
		{ R, "HKEY_CURRENT_USER\\X", PR_HIVE, 0, "HKCU", "'X'@19", NULL, 0, "HKCU\\X" },
		{ R, "hkey_users\\.DEFAULT", PR_HIVE, 0, "HKU", "'.DEFAULT'@12", NULL, 0,
		  "HKU\\.DEFAULT" },
		{ R, "HKU\\S-1-5-18", PR_HIVE, 0, "HKU", "'S-1-5-18'@5", NULL, 0, "HKU\\S-1-5-18" },
		{ R, "HKEY_CLASSES_ROOT\\.doc", PR_HIVE, 0, "HKCR", "'.doc'@19", NULL, 0,
		  "HKCR\\.doc" },
		{ R, "HkCr\\.doc [Content Type]", PR_HIVE, 0, "HKCR", "'.doc'@6",
		  "'Content Type'@12", 11, "HKCR\\.doc [Content Type]" },
		{ R, "HKEY_CURRENT_CONFIG\\System", PR_HIVE, 0, "HKCC", "'System'@21", NULL, 0,
		  "HKCC\\System" },
		{ R, "HKCC [x]", PR_HIVE, 0, "HKCC", "", "'x'@7", 6, "HKCC [x]" },
		/* not a hive: only a whole first segment counts, and only for Registry */
		{ R, "HKLMX\\y", PR_NONE, 0, NULL, "'HKLMX'@1 / 'y'@7", NULL, 0, "HKLMX\\y" },
		{ R, "\\HKLM\\y", PR_SEP, 0, NULL, "'HKLM'@2 / 'y'@7", NULL, 0, "\\HKLM\\y" },
		{ F, "HKLM\\Software", PR_NONE, 0, NULL, "'HKLM'@1 / 'Software'@6", NULL, 0,
		  "HKLM\\Software" },
		/* a drive letter is not a Registry root */
		{ R, "C:\\x", PR_NONE, 0, NULL, "'C:'@1 / 'x'@4", NULL, 0, "C:\\x" },
		/* drive-like text that is not exactly "X:" is a plain segment */
		{ F, "CC:\\x", PR_NONE, 0, NULL, "'CC:'@1 / 'x'@5", NULL, 0, "CC:\\x" },
		{ F, "1:\\x", PR_NONE, 0, NULL, "'1:'@1 / 'x'@4", NULL, 0, "1:\\x" },
		/* leading separator */
		{ F, "\\", PR_SEP, 0, NULL, "", NULL, 0, "\\" },
		{ F, "/ [*]", PR_SEP, 0, NULL, "", "*@4", 3, "\\ [*]" },
		{ F, "\\\\server\\share", PR_SEP, 0, NULL, "'server'@3 / 'share'@10", NULL, 0,
		  "\\server\\share" },
		/* no root */
		{ F, "*", PR_NONE, 0, NULL, "*@1", NULL, 0, "*" },
		{ F, "Folder\\*", PR_NONE, 0, NULL, "'Folder'@1 / *@8", NULL, 0, "Folder\\*" },
		{ F, "*.doc", PR_NONE, 0, NULL, "*@1 '.doc'@2", NULL, 0, "*.doc" },
	};
	ROWS(rows);
}

/* Separators: '\' and '/' (File), runs collapse, a trailing one is insignificant;
 * Registry key and value names may contain '/', and value names '\'. */
Test(pattern, separators)
{
	static const struct prow rows[] = {
		{ F, "C:\\\\data\\\\\\x", PR_DRIVE, 'C', NULL, "'data'@5 / 'x'@12", NULL, 0,
		  "C:\\data\\x" },
		{ F, "C:\\data\\", PR_DRIVE, 'C', NULL, "'data'@4", NULL, 0, "C:\\data" },
		{ F, "C:\\data\\\\/ [*]", PR_DRIVE, 'C', NULL, "'data'@4", "*@13", 12,
		  "C:\\data [*]" },
		{ F, "C:/data/sub/", PR_DRIVE, 'C', NULL, "'data'@4 / 'sub'@9", NULL, 0,
		  "C:\\data\\sub" },
		{ F, "C:\\a/b\\c", PR_DRIVE, 'C', NULL, "'a'@4 / 'b'@6 / 'c'@8", NULL, 0,
		  "C:\\a\\b\\c" },
		{ F, "%X%\\", PR_NONE, 0, NULL, "%X%@1", NULL, 0, "%X%" },
		{ R, "HKCR\\MIME\\Database\\Content Type\\text/plain [Extension]", PR_HIVE, 0,
		  "HKCR", "'MIME'@6 / 'Database'@11 / 'Content Type'@20 / 'text/plain'@33",
		  "'Extension'@45", 44, "HKCR\\MIME\\Database\\Content Type\\text/plain [Extension]" },
		{ R, "HKCU\\K\\\\L\\", PR_HIVE, 0, "HKCU", "'K'@6 / 'L'@9", NULL, 0, "HKCU\\K\\L" },
		{ R, "HKCU\\K [a\\b/c]", PR_HIVE, 0, "HKCU", "'K'@6", "'a\\b/c'@9", 8,
		  "HKCU\\K [a\\b/c]" },
		{ F, "C:\\a|b", PR_DRIVE, 'C', NULL, "'a|b'@4", NULL, 0, "C:\\a|b" },
	};
	ROWS(rows);
}

/* Ini: file|section[key]; the file part is a node, the key is parsed like a leaf. */
Test(pattern, ini)
{
	static const struct prow rows[] = {
		{ I, "C:\\Program Files\\App\\app.ini|Mail Settings[Window Pos]", PR_DRIVE, 'C',
		  NULL, "'Program Files'@4 / 'App'@18 / 'app.ini'@22", "'Window Pos'@44", 43,
		  "C:\\Program Files\\App\\app.ini|Mail Settings[Window Pos]" },
		{ I, " c:/x.ini|S[*] ", PR_DRIVE, 'C', NULL, "'x.ini'@5", "*@13", 12,
		  "C:\\x.ini|S[*]" },
		{ I, "x.ini|a\\b/c[k%V%]", PR_NONE, 0, NULL, "'x.ini'@1", "'k'@13 %V%@14", 12,
		  "x.ini|a\\b/c[k%V%]" },
		{ I, "x.ini|a^[1^]^*[k^]]", PR_NONE, 0, NULL, "'x.ini'@1", "'k]'@16", 15,
		  "x.ini|a^[1^]^*[k^]]" },
	};
	ROWS(rows);

	struct pat_error e;
	struct pat *p = parse(I, "%WinAmp5InstPath%\\Winamp.ini|WinAmp[keeponscreen]", &e);
	cr_assert_not_null(p, "%s", e.message);
	cr_expect_str_eq(p->ini_file, "%WinAmp5InstPath%\\Winamp.ini");
	cr_expect_str_eq(p->ini_section, "WinAmp");
	cr_expect_str_eq(p->ini_key, "keeponscreen");
	pat_free(p);

	p = parse(I, "C:/a/b.ini|x^[1^]|y[*k]", &e);
	cr_assert_not_null(p, "%s", e.message);
	cr_expect_str_eq(p->ini_file, "C:\\a\\b.ini");
	cr_expect_str_eq(p->ini_section, "x[1]|y");
	cr_expect_str_eq(p->ini_key, "*k");
	cr_expect_eq(p->nleaf, 2);
	pat_free(p);

	/* File and Registry patterns leave the Ini fields NULL */
	p = parse(F, "C:\\x|y [z]", &e);
	cr_assert_not_null(p, "%s", e.message);
	cr_expect_null(p->ini_file);
	cr_expect_null(p->ini_section);
	cr_expect_null(p->ini_key);
	pat_free(p);
}

Test(pattern, errors)
{
	static const struct erow rows[] = {
		/* empty */
		{ F, "", 1, "empty pattern" },
		{ F, "   \t ", 1, "empty pattern" },
		{ R, "\n", 1, "empty pattern" },
		/* no node before the leaf */
		{ F, "[*]", 1, "missing node before '['" },
		{ F, "   [*]", 4, "missing node before '['" },
		/* brackets */
		{ F, "C:\\a [*.doc", 6, "missing ']'" },
		{ F, "C:\\a [", 6, "missing ']'" },
		{ F, "  C:\\a\\[x  ", 8, "missing ']'" },
		{ F, "C:\\a]b [*]", 5, "unescaped ']'" },
		{ F, "C:\\a [b]]", 9, "unescaped ']'" },
		{ F, "]", 1, "unescaped ']'" },
		{ F, "C:\\a [b[c]", 8, "unescaped '[' inside the [leaf]" },
		{ F, "C:\\a[b]\\c [*]", 5, "unescaped '[' before the [leaf]" },
		{ F, "C:\\a [b] [c]", 6, "unescaped '[' before the [leaf]" },
		{ F, "C:\\a [b] x", 10, "unexpected text after the leaf's ']'" },
		{ F, "C:\\a [b]\\", 9, "unexpected text after the leaf's ']'" },
		{ F, "C:\\a [b]*", 9, "unexpected text after the leaf's ']'" },
		{ R, "HKLM\\a [b]x", 11, "unexpected text after the leaf's ']'" },
		/* whitespace-only segments */
		{ F, "C:\\ \\x", 4, "only whitespace" },
		{ F, "C:\\x\\\t\\y [*]", 6, "only whitespace" },
		/* a separator in a file leaf */
		{ F, "C:\\a [x\\y]", 8, "separator cannot appear in the leaf" },
		{ F, "C:\\a [x/y]", 8, "separator cannot appear in the leaf" },
		/* unterminated variables */
		{ F, "%CSIDL_PERSONAL\\x", 1, "unterminated variable '%CSIDL_PERSONAL'" },
		{ F, "%CSIDL_PERSONAL", 1, "unterminated variable" },
		{ F, "%CSIDL_PERSONAL [*]", 1, "unterminated variable" },
		{ F, "C:\\x [%NAME]", 7, "unterminated variable" },
		{ F, "C:\\a%B/c", 5, "unterminated variable '%B'" },
		{ R, "HKCU\\%X\\y", 6, "unterminated variable" },
		/* control characters */
		{ F, "C:\\a\nb", 5, "control character 0x0A" },
		{ F, "C:\\a [b\rc]", 8, "control character 0x0D" },
		{ F, "C:\\a\x7f", 5, "control character 0x7F" },
		/* Ini */
		{ I, "a.ini", 6, "missing '|section[key]'" },
		{ I, "a.ini|", 7, "missing section name after '|'" },
		{ I, "a.ini|[k]", 7, "missing section name after '|'" },
		{ I, "a.ini|s", 8, "missing '[key]'" },
		{ I, "a.ini|s[k", 8, "missing ']'" },
		{ I, "a.ini|s[]", 8, "empty Ini key" },
		{ I, "|s[k]", 1, "missing file name before '|'" },
		{ I, "[k]", 1, "missing node before '['" },
		{ I, "a.ini[k]", 6, "missing '|'" },
		{ I, "a.ini |s[k]", 6, "whitespace is not allowed before '|'" },
		{ I, "a.ini|  s[k]", 7, "whitespace is not allowed after '|'" },
		{ I, "a.ini|s [k]", 8, "whitespace is not allowed before '['" },
		{ I, "a.ini|s*[k]", 8, "'*' is not allowed in an Ini section" },
		{ I, "a.ini|%S%[k]", 7, "variables are not allowed in an Ini section" },
		{ I, "a.ini|s[k]x", 11, "unexpected text after the key's ']'" },
		{ I, "a.ini|s[k[x]", 10, "unescaped '[' inside the [key]" },
		{ I, "a.ini|s[k]]", 11, "unescaped ']'" },
		{ I, "a.ini|s[k][x]", 8, "unescaped '[' before the [key]" },
		{ I, "a.ini|s[k] [x]", 11, "whitespace is not allowed before '['" },
		{ I, "C:\\ \\a.ini|s[k]", 4, "only whitespace" },
	};
	ERRS(rows);

	struct pat_error e;
	cr_expect_null(pat_parse("C:\\x", 4, (enum pat_type)7, &e));
	cr_expect_str_eq(e.message, "unknown pattern type");
	cr_expect_null(pat_parse(NULL, 0, PAT_FILE, &e));
	cr_expect_str_eq(e.message, "empty pattern");
	/* a NULL error pointer is allowed */
	cr_expect_null(pat_parse("[", 1, PAT_FILE, NULL));
}

/* NUL bytes are found by position; the length limit is 8192 bytes, whitespace included. */
Test(pattern, limits)
{
	struct pat_error e;
	static const char nul[] = "C:\\ab\0c [*]";
	cr_expect_null(pat_parse(nul, sizeof(nul) - 1, PAT_FILE, &e));
	cr_expect_eq(e.col, 6);
	cr_expect_str_eq(e.message, "NUL byte in pattern");
	cr_expect_null(pat_parse("C:\\x\0", 5, PAT_FILE, &e));
	cr_expect_eq(e.col, 5);

	/* LEN bounds the text: bytes after it are not read */
	struct pat *p = pat_parse("C:\\data [*] junk", 11, PAT_FILE, &e);
	cr_assert_not_null(p, "%s", e.message);
	cr_expect_str_eq(p->text, "C:\\data [*]");
	pat_free(p);

	char *big = malloc(8194);
	cr_assert_not_null(big);
	memset(big, 'a', 8193);
	memcpy(big, "C:\\", 3);
	big[8193] = '\0';
	cr_expect_null(pat_parse(big, 8193, PAT_FILE, &e));
	cr_expect_eq(e.col, 0);
	cr_expect_str_eq(e.message, "pattern is longer than 8192 bytes");
	p = pat_parse(big, 8192, PAT_FILE, &e);
	cr_expect_not_null(p, "8192 bytes are allowed: %s", e.message);
	if (p) {
		cr_expect_eq(p->nsegs, 1);
		cr_expect_eq(strlen(p->segs[0].atoms[0].text), 8189);
	}
	pat_free(p);
	/* spaces count too */
	memset(big, ' ', 8193);
	memcpy(big + 4000, "C:\\x", 4);
	cr_expect_null(pat_parse(big, 8193, PAT_FILE, &e));
	cr_expect_eq(e.col, 0);
	p = pat_parse(big, 8192, PAT_FILE, &e);
	cr_expect_not_null(p, "%s", e.message);
	if (p)
		cr_expect_eq(p->segs[0].col, 4004);
	pat_free(p);
	free(big);

	/* many segments and atoms: the lists grow */
	char many[4000] = "C:";
	for (int i = 0; i < 500; i++)
		strcat(many, "\\a*");
	strcat(many, " [");
	for (int i = 0; i < 300; i++)
		strcat(many, "%V%x*");
	strcat(many, "]");
	p = parse(F, many, &e);
	cr_assert_not_null(p, "%s", e.message);
	cr_expect_eq(p->nsegs, 500);
	cr_expect_eq(p->segs[499].natoms, 2);
	cr_expect_eq(p->nleaf, 900);
	char *c = pat_canonical(p);
	cr_expect_str_eq(c, many);
	free(c);
	pat_free(p);
}

/* Different spellings of one pattern print the same; the original text is kept trimmed. */
Test(pattern, canonical)
{
	static const struct {
		enum pat_type type;
		const char *spellings[6];
		const char *canon;
	} groups[] = {
		{ F, { "c:\\data\\ [*]", "C:/data [*]", "  C:\\data\\[*]  ", "C:\\\\data\\\\[*]",
		       "c:/data//\t[*]", NULL },
		  "C:\\data [*]" },
		{ F, { "%CSIDL_MYMUSIC%\\ [desktop.ini]", "%CSIDL_MYMUSIC% [desktop.ini]",
		       "%CSIDL_MYMUSIC%[desktop.ini]", "%CSIDL_MYMUSIC%/[desktop.ini]", NULL },
		  "%CSIDL_MYMUSIC% [desktop.ini]" },
		{ F, { "c:\\Windows\\*", "C:/Windows/*/", " C:\\Windows\\*\\ ", NULL },
		  "C:\\Windows\\*" },
		{ F, { "C:", "c:\\", "C:/", "c:\\\\", NULL }, "C:\\" },
		{ R, { "HKEY_CURRENT_USER\\Software\\X\\*[*]", "hkcu\\Software\\X\\* [*]",
		       "HKCU\\\\Software\\X\\*\\ [*]", NULL },
		  "HKCU\\Software\\X\\* [*]" },
		{ I, { "c:/dir/x.ini|S[k]", "C:\\dir\\\\x.ini|S[k]", "  C:\\dir\\x.ini|S[k] ",
		       NULL },
		  "C:\\dir\\x.ini|S[k]" },
	};
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (size_t i = 0; groups[g].spellings[i]; i++) {
			const char *s = groups[g].spellings[i];
			struct pat_error e;
			struct pat *p = parse(groups[g].type, s, &e);
			cr_expect_not_null(p, "\"%s\": %s", s, e.message);
			if (!p)
				continue;
			char *c = pat_canonical(p);
			cr_expect_str_eq(c, groups[g].canon, "\"%s\" -> \"%s\"", s, c);
			free(c);
			pat_free(p);
		}
	}

	struct pat_error e;
	struct pat *p = parse(F, "  c:\\data\\ [*]\t", &e);
	cr_assert_not_null(p);
	cr_expect_str_eq(p->text, "c:\\data\\ [*]");
	pat_free(p);
	cr_expect_null(pat_canonical(NULL));
	pat_free(NULL);
}

Test(pattern, question_mark)
{
	static const struct {
		enum pat_type type;
		const char *text;
		bool qmark;
	} rows[] = {
		{ F, "C:\\data\\file?.doc", true },
		{ F, "C:\\da?ta\\* [*]", true },
		{ F, "C:\\data [file?.doc]", true },
		{ F, "C:\\data\\* [*.do?]", true },
		{ F, "C:\\data\\* [*.doc]", false },
		{ F, "%VAR%\\x", false },
		{ R, "HKCU\\a? [b]", true },
		{ I, "a.ini|sec?[k]", true },
		{ I, "a.ini|sec[k?]", true },
		{ I, "a?.ini|sec[k]", true },
		{ I, "a.ini|sec[k]", false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pat_error e;
		struct pat *p = parse(rows[i].type, rows[i].text, &e);
		cr_expect_not_null(p, "\"%s\": %s", rows[i].text, e.message);
		if (!p)
			continue;
		cr_expect_eq(pat_has_question_mark(p), rows[i].qmark, "\"%s\"", rows[i].text);
		/* '?' stays a literal character */
		char *c = pat_canonical(p);
		cr_expect(strchr(c, '?') != NULL || !rows[i].qmark);
		free(c);
		pat_free(p);
	}
	cr_expect_not(pat_has_question_mark(NULL));
}

/* The same text gives independent results: nothing is kept between calls, and one
 * failed parse does not disturb the next. */
Test(pattern, reentrant)
{
	struct pat_error e1, e2;
	struct pat *a = parse(F, "C:\\a [x]", &e1);
	cr_expect_null(parse(F, "C:\\a [x", &e2));
	struct pat *b = parse(R, "HKLM\\b [y]", &e1);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_expect_str_eq(a->segs[0].atoms[0].text, "a");
	cr_expect_str_eq(b->segs[0].atoms[0].text, "b");
	cr_expect_eq(e2.col, 6);
	pat_free(a);
	pat_free(b);
}
