/* workers.c - $MIGSTATE_WORKERS (workers.h). */
#include "workers.h"

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
