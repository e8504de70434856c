/* acctlock.h - the locks the shadow tools take on a system's account files, taken on
 * the files beneath a root (its etc directory fd), so that a useradd, passwd, groupadd
 * or systemd-sysusers working on that system waits for us and we wait for it.
 *
 * Two kinds, because the tools take two kinds (shadow-utils lib/commonio.c):
 *   - lckpwdf(3): a write lock (fcntl) on etc/.pwd.lock. glibc takes it with F_SETLKW
 *     and a 15 s alarm; shadow-utils calls lckpwdf() first when it runs on the system
 *     itself or chrooted into it (useradd --root), systemd-sysusers --root takes the same
 *     lock on ROOT/etc/.pwd.lock. We take an open file description lock (F_OFD_SETLK):
 *     it conflicts with their fcntl locks and, unlike a process-wide POSIX lock, with a
 *     second taker in our own process as well.
 *   - commonio's link locks: NAME.PID is written with the pid and hard-linked to
 *     NAME.lock for passwd, group, gshadow and shadow (useradd's order). The link
 *     succeeds for one process only; a NAME.lock whose pid is dead is stale and
 *     replaced, one holding no valid pid is never touched. useradd --prefix takes only
 *     these (no lckpwdf beneath a prefix), retrying for 15 s.
 * Both are retried until the timeout; released in reverse order (the lock files
 * removed, then .pwd.lock unlocked), as commonio_unlock does. */
#ifndef MIGRT_ACCTLOCK_H
#define MIGRT_ACCTLOCK_H

#include <stddef.h>
#include <sys/types.h>

#define ACCTLOCK_TIMEOUT_MS 15000u /* the shadow tools' 15 tries, 1 s apart */
#define ACCTLOCK_NFILES 4

struct acct_lock {
	int etcfd;		      /* borrowed */
	int pwdfd;		      /* .pwd.lock, locked; -1 when not held */
	unsigned held;		      /* bit I: acctlock_files[I].lock is ours */
};

extern const char *const acctlock_files[ACCTLOCK_NFILES]; /* passwd group gshadow shadow */

/* Take every lock on the files in ETCFD within TIMEOUT_MS. 0; -1 with errno (EBUSY: held
 * by another process, named in ERR; ELOOP: a lock file is a symbolic link; EINVAL: a
 * lock file without a valid pid, which needs a person to look at it) and nothing held. */
int acctlock_take(int etcfd, unsigned timeout_ms, struct acct_lock *lk, char *err,
		  size_t errsz);
void acctlock_release(struct acct_lock *lk);

#endif
