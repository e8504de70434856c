/* locks.h - "locked by an application": files other processes hold locks on.
 *
 * Linux has no mandatory locks, so "in use" is defined as (spec 3.4, PORT):
 *   - a POSIX (fcntl), OFD or flock(2) lock, or a lease, held by another process, as
 *     listed in /proc/locks (read once, at the start of the capture);
 *   - with LOCKS_WRITERS also: the file is open for writing by another process
 *     (every /proc/PID/fdinfo is read once: expensive, hence optional).
 * Files are identified by (st_dev, st_ino). */
#ifndef MIGRT_LOCKS_H
#define MIGRT_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOCKS_WRITERS 1u

struct lock_set {
	struct lock_key *v; /* sorted by (dev, ino) */
	size_t n;
};

struct lock_key {
	uint64_t dev;
	uint64_t ino;
	int pid;     /* holder (-1: OFD lock, holder unknown) */
	bool writer; /* open for writing rather than locked */
};

/* Read the lock table (and, with LOCKS_WRITERS, the open-for-write table). Our own
 * process is never counted. Returns 0, or -1 when /proc/locks cannot be read. */
int locks_load(struct lock_set *s, unsigned flags);
void locks_free(struct lock_set *s);
/* The entry for (DEV, INO), or NULL: the file is not in use. */
const struct lock_key *locks_find(const struct lock_set *s, dev_t dev, ino_t ino);

#endif
