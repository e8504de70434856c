/* helpers_tmp.c - a scratch directory per unit test suite (see helpers_tmp.h). */
#include "helpers_tmp.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char base[128];

const char *ut_tmp_make(const char *tag)
{
	snprintf(base, sizeof base, "/tmp/migstate-ut-%s.XXXXXX", tag);
	cr_assert_not_null(mkdtemp(base), "mkdtemp %s", base);
	return base;
}

void ut_tmp_remove(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	cr_expect_eq(system(cmd), 0);
}

const char *ut_at(const char *rel)
{
	static char path[4][512];
	static unsigned k;
	char *p = path[k++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", base, rel);
	return p;
}
