/* testhooks.c - hooks the end-to-end tests drive through the environment. */
#include "testhooks.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

void test_crash_point(void)
{
	/* rd calls it from its worker threads too (rd_unlink.c): atomic */
	static long left = -2;
	long l = __atomic_load_n(&left, __ATOMIC_ACQUIRE);
	if (l == -2) {
		const char *e = getenv("MIGSTATE_TEST_CRASH_AFTER");
		long v = e && *e ? strtol(e, NULL, 10) : -1;
		__atomic_compare_exchange_n(&left, &l, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		l = __atomic_load_n(&left, __ATOMIC_ACQUIRE);
	}
	if (l > 0 && __atomic_sub_fetch(&left, 1, __ATOMIC_ACQ_REL) == 0) {
		kill(getpid(), SIGKILL);
		/* with worker threads the others may run on for a moment: this one (holding
		 * whatever lock it holds) never goes on */
		for (;;)
			pause();
	}
}
