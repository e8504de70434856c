/* workers.h - how many helper threads a verb may start: $MIGSTATE_WORKERS (rd's unlink
 * workers, load's linker, scan's second linking thread), one knob for all so a test or
 * an operator can turn the threads off (0) or size them. */
#ifndef MIGRT_WORKERS_H
#define MIGRT_WORKERS_H

#include <pthread.h>

#define WORKERS_ENV "MIGSTATE_WORKERS"
/* Runs smaller than this stay on one thread: a thread is not worth it there, and their
 * system calls stay in one deterministic sequence (the fault-injection tests count them). */
#define WORKERS_MIN_RUN 8192

/* $MIGSTATE_WORKERS when it is a number (at most MAX), else DFLT. */
unsigned workers_env(unsigned dflt, unsigned max);
/* pthread_create(TH, FN, ARG) for a thread that takes no signals: SIGINT and SIGTERM stay
 * the main thread's. 0, or pthread_create's error. */
int workers_thread(pthread_t *th, void *(*fn)(void *), void *arg);

#endif
