/* testhooks.h - hooks the end-to-end tests drive through the environment. */
#ifndef MIGSTATE_TESTHOOKS_H
#define MIGSTATE_TESTHOOKS_H

/* MIGSTATE_TEST_CRASH_AFTER=N: SIGKILL the process at the Nth call (one call per object
 * placed by load, per entry removed by rd), so tests prove a rerun finishes the job. */
void test_crash_point(void);

#endif
