/* rd.h - remove a migration store without ever losing user data (UsmtUtils /rd,
 * spec 9.9).
 *
 * Order of work, chosen so that an interrupted rd (kill -9, power loss) leaves a store
 * the next rd still recognises and finishes:
 *   1. store.id says "removing";
 *   2. each volume's MIGSTATE/File is removed bottom-up with unlinkat() relative to
 *      directory fds, never following a symlink, never entering another mount;
 *      secondary volumes first, the master last;
 *   3. a volume whose payload is gone loses its MIGSTATE and, if then empty, its store
 *      directory; the master's catalog goes last, then store.id.
 *
 * What is kept (exit 35, the catalog stays so rd can run again):
 *   - an entry that is the last link to its data (link count 1, or a copy made by the
 *     scan) when no file with the same bytes exists at its original path or where load
 *     put it (load's journal): nothing was restored from it; --force removes it anyway;
 *   - entries the kernel refuses now (EBUSY: a mount point; EROFS: a read-only volume):
 *     recorded as pending deletion outside the store, finished by `rd --pending` (and
 *     the boot-time unit contrib/migstate-rd-pending.service);
 *   - a secondary volume that is not mounted.
 * EPERM/EACCES anywhere makes the exit code 34. */
#ifndef MIGRT_RD_H
#define MIGRT_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "storewalk.h"

#define RD_PENDING_DEFAULT "/var/lib/migstate/pending"
#define RD_PENDING_ENV "MIGSTATE_PENDING_DIR"

struct rd_opts {
	bool force;           /* remove last links too */
	FILE *out;            /* one line per kept/pending entry and the summary */
	const char *pending_dir; /* NULL: $MIGSTATE_PENDING_DIR or RD_PENDING_DEFAULT */
	bool insecure_parent; /* --allow-insecure-store-parent (storeparent.h) */
};

struct rd_result {
	size_t files, dirs;   /* removed */
	size_t kept;          /* last links (or unmatched copies) kept */
	size_t pending;       /* refused now, recorded for later */
	size_t denied;        /* EPERM/EACCES */
	size_t errors;        /* anything else */
	size_t no_fds;        /* of those: too many open files (EMFILE/ENFILE, exit 72) */
	size_t unmounted;     /* volumes not mounted */
	bool complete;        /* nothing of the store is left */
};

/* Remove the opened store S. Returns the exit code (0, 34, 35, 72). */
int rd_run(struct sw_store *s, const struct rd_opts *o, struct rd_result *r);

/* What rd_run would keep as the last link to user data, without removing anything
 * (scan -o runs it on the store it is about to replace). Kept entries are reported on
 * O->out like rd_run's ("kept" lines). EXIT_OK when nothing would be kept (or with
 * O->force), else EXIT_STORE_KEPT. */
int rd_check(struct sw_store *s, const struct rd_opts *o, struct rd_result *r);

/* Finish every pending record (or only STORE's when not NULL). Returns the exit code. */
int rd_pending(const struct rd_opts *o, const char *store);

/* A new store was made at STORE_REAL (scan): a pending record left for an earlier
 * store at that path is set aside (NAME.retired), so `rd --pending` never runs it
 * against the new store. Logged on LOG. */
struct rlog;
void rd_pending_retire(const char *store_real, struct rlog *log);

/* The directory pending records live in. */
const char *rd_pending_dir(const struct rd_opts *o);

#endif
