/* helpers_diag.c - see helpers_diag.h. */
#include "helpers_diag.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hd_render(struct diag_set *d, enum diag_format format, bool caret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	diag_print(d, f, format, caret);
	fclose(f);
	return buf;
}

void hd_expect(struct diag_set *d, const char *needle)
{
	char *text = hd_render(d, DIAG_TEXT, false);
	cr_expect_not_null(strstr(text, needle), "expected \"%s\" in:\n%s", needle, text);
	free(text);
}
