/* workers.c - $MIGSTATE_WORKERS (workers.h). */
#include "workers.h"

#include <signal.h>
#include <stdlib.h>

unsigned workers_env(unsigned dflt, unsigned max)
{
	const char *e = getenv(WORKERS_ENV);
	if (!e || !*e)
		return dflt;
	char *end;
	unsigned long n = strtoul(e, &end, 10);
	if (*end)
		return dflt;
	return n > max ? max : (unsigned)n;
}

int workers_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
