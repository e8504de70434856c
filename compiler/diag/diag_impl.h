/* diag_impl.h - private to the diag_*.c files: the record store shared by the collector
 * (diag.c), the escaping layer (diag_esc.c) and the three printers (diag_text.c,
 * diag_json.c, diag_sarif.c). Nothing outside diag_*.c includes this file; the public
 * interface is diag.h. */
#ifndef MIGC_DIAG_IMPL_H
#define MIGC_DIAG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "escape.h"
#include "srcline.h"

/* One collected diagnostic. FILE is borrowed (it outlives the set), the rest is owned. */
struct diag_rec {
	enum diag_level level; /* as reported (before --werror) */
	const char *file;      /* NULL: no file (command line) */
	int line, col;
	const char *wname; /* -W name without "-W": table entry or owned copy; NULL */
	bool wname_owned;
	char *msg;
	size_t seq; /* insertion order, the last sort key */
};

struct diag_set {
	struct diag_rec *recs;
	size_t nrecs, cap;
	unsigned char *disabled; /* one flag per known warning (diag_warning_count()) */
	bool werror;
	unsigned error_limit; /* 0: no limit */
};

/* The printable view of one record after --werror and -Wno- are applied. */
struct diag_view {
	const struct diag_rec *rec;
	enum diag_level level; /* effective level */
	bool promoted;	       /* a warning turned into an error by --werror */
};

/* Sort the records and compute the views to print, honouring -Wno- and the error limit.
 * Returns a malloc'd array of *N views; *TRUNCATED tells whether the limit cut the list. */
struct diag_view *diag_views(struct diag_set *d, size_t *n, bool *truncated);

/* The known warning table (diag.c). */
size_t diag_warning_count(void);
const char *diag_warning_name(size_t i);
/* Short description of a -W name (without "-W"); NULL for an unknown name. */
const char *diag_warning_desc(const char *wname);

/* Escaping: every piece of user-supplied text goes through the runtime's escaper
 * (escape.h: esc_write, esc_puts, enum esc_mode); diag_esc.c adds what only
 * diagnostics need. */
/* Write S as a JSON string literal (with the quotes); NULL writes null. */
void diag_esc_json_string(FILE *out, const char *s);
/* Percent-encode S as a URI reference path (RFC 3986): unreserved bytes and '/' kept. */
void diag_esc_uri(FILE *out, const char *s);
/* Write the caret line for byte column COL (1-based) of LINE: one space per displayed
 * column of the escaped text before it (tabs kept), then '^'. */
void diag_esc_caret(FILE *out, const char *line, size_t len, size_t col);

/* Printers. */
void diag_print_text(struct diag_set *d, FILE *out, bool caret);
void diag_print_json(struct diag_set *d, FILE *out);
void diag_print_sarif(struct diag_set *d, FILE *out);

#endif
