/* logging.h - what a run tells people and tools while it works.
 *
 *   the log        (--log): "YYYY-MM-DD HH:MM:SS [level] message", one event a line;
 *   the progress log (--progress): USMT's shape, "dd Mon yyyy, HH:MM:SS, HH:MM:SS
 *                  (elapsed), key, value, key, value ..." (spec 1.9);
 *   the file list  (--listfiles): one captured path a line;
 *   a progress bar on stderr when it is a terminal.
 * Every name that comes from the file system goes through the one escaper (escape.h:
 * valid printable UTF-8 kept, invalid bytes and controls as \xNN, C1, bidi and format
 * characters as \uXXXX; in the progress log a comma also becomes \x2c), and so does
 * each whole log line, so a hostile file name cannot forge lines or fields or reach a
 * terminal raw. The files are opened by outfile.h: 0600, never through a symlink. */
#ifndef MIGRT_LOGGING_H
#define MIGRT_LOGGING_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* --verbose bits (USMT /v): only sums of these are accepted (0,1,4,5,8,9,12,13). */
#define RTV_VERBOSE 1u /* more detail in the log */
#define RTV_OBJECTS 4u /* one log line per captured/restored object */
#define RTV_ECHO 8u    /* echo log lines to stderr */

enum rlog_level { RL_DEBUG, RL_INFO, RL_WARN, RL_ERROR };

struct rlog {
	FILE *log, *progress, *listfiles;
	unsigned verbose; /* RTV_* bits */
	bool bar;	  /* draw a progress bar on stderr */
	bool bar_drawn;
	struct timespec start; /* CLOCK_MONOTONIC at open */
	struct timespec last_bar;
	char *esc[4]; /* rotating buffers of rlog_esc */
	size_t esccap[4];
	unsigned escnext;
};

/* Open the files that are named (NULL: not wanted). Returns 0 or -1 with ERR naming the
 * file that failed. */
int rlog_open(struct rlog *l, const char *log, const char *progress, const char *listfiles,
	      unsigned verbose, char *err, size_t errsz);
/* Close everything; returns -1 if some buffered output could not be written. */
int rlog_close(struct rlog *l);

/* A log line (printf format; pass names through rlog_esc). RL_DEBUG lines are written
 * only with the verbose bit; RL_WARN and RL_ERROR are also echoed to stderr, and
 * everything is with the echo bit. */
__attribute__((format(printf, 3, 4))) void rlog_msg(struct rlog *l, enum rlog_level lv,
						    const char *fmt, ...);
/* S escaped for a log line (valid until four more calls). */
const char *rlog_esc(struct rlog *l, const char *s);

/* A progress line: KEY, VALUE pairs terminated by NULL. Values are escaped. */
void rlog_progress(struct rlog *l, ...) __attribute__((sentinel));
/* A --listfiles line. */
void rlog_listfile(struct rlog *l, const char *path);

/* The bar: DONE of TOTAL objects (redrawn at most ten times a second). */
void rlog_bar(struct rlog *l, uint64_t done, uint64_t total);
void rlog_bar_end(struct rlog *l);
/* The same place, while the total is not known yet: "WHAT: N objects". */
void rlog_count(struct rlog *l, const char *what, uint64_t n);

/* Seconds since rlog_open. */
double rlog_elapsed(const struct rlog *l);

#endif
