/* workers.h - how many helper threads a verb may start: $MIGSTATE_WORKERS (rd's unlink
 * workers, load's linker, scan's second linking thread), one knob for all so a test or
 * an operator can turn the threads off (0) or size them. */
#ifndef MIGRT_WORKERS_H
#define MIGRT_WORKERS_H

#define WORKERS_ENV "MIGSTATE_WORKERS"

/* $MIGSTATE_WORKERS when it is a number (at most MAX), else DFLT. */
unsigned workers_env(unsigned dflt, unsigned max);

#endif
