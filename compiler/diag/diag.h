/* diag.h - compiler diagnostics in the gcc shape.
 *
 *   file:line:col: error: message [-Wname]
 *
 * Records are collected (never fatal at the first), sorted by file, line and column
 * for deterministic output, capped by --error-limit, and printed as text (with the
 * source line and a caret when stderr is a terminal), JSON or SARIF 2.1.0. */
#ifndef MIGC_DIAG_H
#define MIGC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };
enum diag_format { DIAG_TEXT, DIAG_JSON, DIAG_SARIF };

struct diag_set;

struct diag_set *diag_new(void);
void diag_free(struct diag_set *d);

/* Disable a warning by name (-Wno-NAME); unknown names are a usage error (returns -1). */
int diag_disable(struct diag_set *d, const char *wname);
void diag_set_werror(struct diag_set *d, bool on);
void diag_set_error_limit(struct diag_set *d, unsigned limit);

/* Record one diagnostic. WNAME is the warning's -W name (NULL for hard errors and notes).
 * LOC->col 0 means "column unknown": only file:line is printed. */
void diag_report(struct diag_set *d, enum diag_level lv, const struct src_loc *loc,
		 const char *wname, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

unsigned diag_errors(const struct diag_set *d);   /* counts warnings promoted by --werror */
unsigned diag_warnings(const struct diag_set *d);

/* Print everything collected, sorted, to OUT in FORMAT; text mode shows carets when
 * COLOR_CARET is true (stderr is a terminal). */
void diag_print(struct diag_set *d, FILE *out, enum diag_format format, bool caret);

#endif
