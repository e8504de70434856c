/* musl-compat.h - what the runtime takes from glibc that Debian 12's musl (1.2.3) does
 * not have yet: the statx(2) and renameat2(2) wrappers and their constants. Used only by
 * `make static` (force-included with -include when the compiler is musl-gcc); the
 * kernel's own uapi headers supply struct statx and the STATX_* masks. A musl that
 * declares statx itself (1.2.5 and later define STATX_TYPE) gets nothing from here. */
#ifndef MIGSTATE_MUSL_COMPAT_H
#define MIGSTATE_MUSL_COMPAT_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef STATX_TYPE
#include <linux/stat.h>

static inline int statx(int dirfd, const char *path, int flags, unsigned int mask,
			struct statx *buf)
{
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
}
#endif

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)

static inline int renameat2(int olddirfd, const char *oldpath, int newdirfd,
			    const char *newpath, unsigned int flags)
{
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}
#endif

#endif
