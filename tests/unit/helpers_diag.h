/* helpers_diag.h - test helpers around diagnostics, shared by the unit suites. */
#ifndef TESTS_HELPERS_DIAG_H
#define TESTS_HELPERS_DIAG_H

#include <stdbool.h>

#include "diag.h"

/* Everything D collected, printed in FORMAT into a malloc'd string. */
char *hd_render(struct diag_set *d, enum diag_format format, bool caret);
/* Expect NEEDLE in D's text output (a Criterion expectation, not an assertion). */
void hd_expect(struct diag_set *d, const char *needle);

#endif
