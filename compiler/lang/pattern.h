/* pattern.h - the MigXML location-pattern language (spec section 5), parsed.
 *
 * A pattern such as `%CSIDL_PERSONAL%\Work\* [*.doc]` is parsed by the flex/bison
 * grammar in grammar/pattern.{l,y} into this tree. The code generator turns it into
 * the plan's symbolic pattern (root + node glob + leaf glob); lint inspects it.
 * Columns are 1-based byte offsets into the pattern text as given (before trimming),
 * so the caller can add them to the XML text's own position. */
#ifndef MIGC_PATTERN_H
#define MIGC_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

enum pat_type { PAT_FILE, PAT_REGISTRY, PAT_INI };

/* One piece of a node segment or of the leaf. */
enum pat_atom_kind {
	PA_LIT,  /* literal text, escapes (^[ ^] ^^ ^*) already removed */
	PA_STAR, /* the only wildcard: '*' */
	PA_VAR,  /* %NAME%: text holds NAME (without the percent signs) */
};

struct pat_atom {
	enum pat_atom_kind kind;
	char *text; /* PA_LIT: the literal bytes; PA_VAR: the variable name; PA_STAR: NULL */
	int col;    /* 1-based column of the atom's first character in the pattern text */
};

/* A node segment: the text between two separators (\ or /). */
struct pat_seg {
	struct pat_atom *atoms;
	size_t natoms;
	int col;
};

enum pat_root {
	PR_NONE,  /* no drive, hive or variable first: `* [*.doc]` (GenerateDrivePatterns segment) */
	PR_DRIVE, /* `C:` ... : drive holds the upper-cased letter */
	PR_HIVE,  /* registry root: hive holds the canonical short name (HKLM, HKCU, HKU, HKCR, HKCC) */
	PR_SEP,   /* starts with a separator: `\Folder\* [x]` (GenerateDrivePatterns segment) */
};

struct pat {
	enum pat_type type;
	enum pat_root root;
	char drive;       /* PR_DRIVE */
	char *hive;       /* PR_HIVE */
	struct pat_seg *segs; /* node segments after the root; a leading %VAR% is segs[0] */
	size_t nsegs;
	bool has_leaf;    /* a [leaf] part was written (`[]` gives has_leaf with nleaf == 0) */
	struct pat_atom *leaf;
	size_t nleaf;
	int leaf_col;     /* column of '[' */
	/* Ini patterns only: file|section[key] */
	char *ini_file, *ini_section, *ini_key;
	char *text;       /* the original text, trimmed, for listings */
};

struct pat_error {
	int col;           /* 1-based column in the pattern text, 0 when unknown */
	char message[200];
};

/* Parse LEN bytes of TEXT as a pattern of TYPE. Returns a tree owned by the caller
 * (free with pat_free) or NULL with *ERR filled in. Never prints. */
struct pat *pat_parse(const char *text, size_t len, enum pat_type type, struct pat_error *err);
void pat_free(struct pat *p);

/* A reusable parser (one scanner, one scratch arena) for parsing many patterns: the
 * tree of pat_parse_with is malloc'd (pat_free), that of pat_parse_in lives in the
 * caller's arena OUT; errors as pat_parse. */
struct arena;
struct pat_parser;
struct pat_parser *pat_parser_new(void);
void pat_parser_free(struct pat_parser *pp);
struct pat *pat_parse_with(struct pat_parser *pp, const char *text, size_t len,
			   enum pat_type type, struct pat_error *err);
struct pat *pat_parse_in(struct pat_parser *pp, struct arena *out, const char *text, size_t len,
			 enum pat_type type, struct pat_error *err);

/* Print the pattern back in canonical MigXML form: `C:\Dir\* [*.doc]` (drive upper-cased,
 * trailing separator dropped, exactly one space before '[', escapes re-applied).
 * Returns a malloc'd string. Two spellings of one pattern give the same string. */
char *pat_canonical(const struct pat *p);

/* True if the pattern contains '?' anywhere in a literal (lint: it is not a wildcard). */
bool pat_has_question_mark(const struct pat *p);

#endif
