/* script.h - helper-function calls (spec section 7), parsed.
 *
 * `MigXmlHelper.GenerateDrivePatterns("* [*.doc]", "Fixed")` as found in <script>,
 * <condition>, and the filter=/script= attributes is parsed by grammar/script.{l,y}
 * into a script_call. helper_lookup() knows every documented helper: its arity and
 * the places where it may appear. Columns are 1-based offsets into the text. */
#ifndef MIGC_SCRIPT_H
#define MIGC_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

struct script_arg {
	bool is_null; /* the bare word NULL */
	char *str;    /* the string's contents, quotes removed (NULL when is_null) */
	int col;
};

struct script_call {
	char *ns;   /* "MigXmlHelper" as written (matched case-insensitively) */
	char *name; /* "GenerateDrivePatterns" as written */
	struct script_arg *args;
	size_t nargs; /* after dropping trailing NULLs */
	int col, name_col;
	const struct helper_info *helper; /* filled by script_check(); NULL if unknown */
};

/* Where a helper call may stand. */
enum helper_place {
	HP_CONDITION = 1 << 0,   /* <condition> */
	HP_FILTER = 1 << 1,      /* include/exclude filter= */
	HP_OBJECTSET = 1 << 2,   /* <script> in an objectSet: returns patterns */
	HP_VARIABLE = 1 << 3,    /* <script> in a <variable>: returns a string */
	HP_LOCMODIFY = 1 << 4,   /* locationModify script= */
	HP_MERGE = 1 << 5,       /* merge script= */
	HP_CONTENTMODIFY = 1 << 6,
	HP_CLEANUP = 1 << 7,     /* destinationCleanup filter= */
	HP_CONTENT = 1 << 8,     /* <content filter=> */
	HP_PROCESSING = 1 << 9,  /* <processing><script> */
	HP_LOCATION = 1 << 10,   /* <location><script> in addObjects */
};

enum helper_domain { HD_FILE, HD_REGISTRY, HD_GENERIC, HD_INTERNAL };

struct helper_info {
	const char *name;       /* canonical spelling */
	int min_args, max_args; /* max_args -1: variadic */
	unsigned places;        /* mask of enum helper_place */
	enum helper_domain domain;
	int id;                 /* stable number, HELPER_xxx below */
};

enum helper_id {
#define HELPER(id, name, min, max, places, domain) HELPER_##id,
#include "helpers.def"
#undef HELPER
	HELPER__COUNT
};

struct script_error {
	int col;
	char message[200];
};

struct script_call *script_parse(const char *text, size_t len, struct script_error *err);
void script_free(struct script_call *c);

/* Case-insensitive lookup by name; NULL if no such helper. */
const struct helper_info *helper_lookup(const char *name);
const struct helper_info *helper_by_id(int id);

/* Resolve c->helper and check namespace, arity and that PLACE is allowed.
 * Returns 0 or -1 with *ERR (column points at the name or the surplus argument). */
int script_check(struct script_call *c, enum helper_place place, struct script_error *err);

#endif
