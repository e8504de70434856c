/* storeopen.h - a store opened the one way load, rd, rd --pending and verify open it:
 * its path checked (storeparent.h), then opened (storewalk.h), then, once the catalog
 * names the volumes, each per-volume store's path checked (volparent.h). Every check,
 * in this order, for every command that reads a store it may act on as root: a store
 * another user could have swapped in is never trusted. (scan, which makes stores
 * rather than opening them, checks before it makes each one.) */
#ifndef MIGRT_STOREOPEN_H
#define MIGRT_STOREOPEN_H

#include <stdbool.h>
#include <stddef.h>

#include "logging.h"
#include "storewalk.h"

/* Which step refused the store. */
enum store_open_step {
	SO_STEP_NONE,	 /* opened */
	SO_STEP_PATH,	 /* its path is not safe (reported on stderr) */
	SO_STEP_OPEN,	 /* sw_open failed: ERR says why (not reported) */
	SO_STEP_VOLUMES, /* a per-volume store's path is not safe (reported: LOG, or stderr) */
	SO_STEP_ABSENT,	 /* no store is there (store_open_or_absent only; not reported) */
};

/* Open the store at PATH into S for command VERB (sw_open's ROOT and FLAGS); ALLOW is
 * --allow-insecure-store-parent (unsafe paths are a warning). Returns 0 with S open, or
 * the exit code with S closed and *STEP saying which step refused it. */
int store_open_checked(struct sw_store *s, const char *verb, const char *path, const char *root,
		       unsigned flags, bool allow, struct rlog *log, char *err, size_t errsz,
		       enum store_open_step *step);

/* The same for a reader for which "nothing there" is an answer (info): after the path
 * check, a path where no store is (store_probe: SS_NONE) returns 0 with S closed and
 * *STEP SO_STEP_ABSENT. */
int store_open_or_absent(struct sw_store *s, const char *verb, const char *path, const char *root,
			 unsigned flags, bool allow, struct rlog *log, char *err, size_t errsz,
			 enum store_open_step *step);

#endif
