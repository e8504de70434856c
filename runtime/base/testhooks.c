/* testhooks.c - hooks the end-to-end tests drive through the environment. */
#include "testhooks.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

void test_crash_point(void)
{
	static long left = -2;
	if (left == -2) {
		const char *e = getenv("MIGSTATE_TEST_CRASH_AFTER");
		left = e && *e ? strtol(e, NULL, 10) : -1;
	}
	if (left > 0 && --left == 0)
		kill(getpid(), SIGKILL);
}
