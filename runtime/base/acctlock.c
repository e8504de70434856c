/* acctlock.c - the shadow tools' locks beneath a root (see acctlock.h). */
#include "acctlock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

const char *const acctlock_files[ACCTLOCK_NFILES] = {"passwd", "group", "gshadow", "shadow"};

#define POLL_MS 50

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* lckpwdf's lock: 0 taken (fd in LK), 1 held by another, -1 error. */
static int pwd_lock_once(struct acct_lock *lk, pid_t *holder)
{
	if (lk->pwdfd < 0) {
		int fd = openat(lk->etcfd, ".pwd.lock", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if (fd < 0)
			return -1;
		struct stat st;
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		lk->pwdfd = fd;
	}
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(lk->pwdfd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -1;
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	*holder = fcntl(lk->pwdfd, F_OFD_GETLK, &q) == 0 && q.l_type != F_UNLCK ? q.l_pid : -1;
	return 1;
}

/* The pid written in lock file NAME (a decimal number and nothing else but the NUL
 * commonio writes after it), 0 when it is gone, -1 when it holds none (errno EINVAL) or
 * cannot be read. */
static pid_t lock_pid(int etcfd, const char *name)
{
	int fd = openat(etcfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	char buf[32];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) {
		errno = EINVAL;
		return -1;
	}
	buf[n] = 0;
	char *e;
	errno = 0;
	long long v = strtoll(buf, &e, 10);
	if (e == buf || *e || errno || v <= 0 || v != (pid_t)v) {
		errno = EINVAL;
		return -1;
	}
	return (pid_t)v;
}

/* commonio's do_lock_file beneath ETCFD: 0 taken, 1 held by *HOLDER, -1 error. */
static int link_lock_once(int etcfd, const char *file, pid_t *holder)
{
	char tmp[64], lock[64], pid[24];
	long me = (long)getpid();
	snprintf(tmp, sizeof tmp, "%s.%ld", file, me);
	snprintf(lock, sizeof lock, "%s.lock", file);
	int plen = snprintf(pid, sizeof pid, "%ld", me);
	/* never open an existing name: a planted hard link would be truncated */
	if (unlinkat(etcfd, tmp, 0) && errno != ENOENT)
		return -1;
	int fd = openat(etcfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = fs_pwrite_all(fd, pid, (size_t)plen + 1, 0) || fdatasync(fd) ? -1 : 1;
	int e = errno;
	close(fd);
	for (int attempt = 0; rc == 1 && attempt < 2; attempt++) {
		if (fs_linkat(etcfd, tmp, etcfd, lock, 0) == 0) {
			struct stat st;
			if (fstatat(etcfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink == 2) {
				rc = 0;
			} else { /* someone else holds a name of our file: not a lock */
				unlinkat(etcfd, lock, 0);
				rc = -1;
				e = EBUSY;
			}
			break;
		}
		if (errno != EEXIST) {
			rc = -1;
			e = errno;
			break;
		}
		pid_t p = lock_pid(etcfd, lock);
		if (p < 0) {
			rc = -1;
			e = errno;
			break;
		}
		if (p > 0 && (kill(p, 0) == 0 || errno == EPERM)) {
			*holder = p;
			break; /* alive: held */
		}
		if (p > 0 && unlinkat(etcfd, lock, 0) && errno != ENOENT) {
			rc = -1; /* stale, and it cannot be removed */
			e = errno;
			break;
		}
	}
	unlinkat(etcfd, tmp, 0);
	errno = e;
	return rc;
}

void acctlock_release(struct acct_lock *lk)
{
	for (int i = ACCTLOCK_NFILES - 1; i >= 0; i--) {
		if (lk->held & (1u << i)) {
			char lock[64];
			snprintf(lock, sizeof lock, "%s.lock", acctlock_files[i]);
			unlinkat(lk->etcfd, lock, 0);
		}
	}
	lk->held = 0;
	if (lk->pwdfd >= 0)
		close(lk->pwdfd); /* closing the description drops its OFD lock */
	lk->pwdfd = -1;
}

int acctlock_take(int etcfd, unsigned timeout_ms, struct acct_lock *lk, char *err,
		  size_t errsz)
{
	*lk = (struct acct_lock){etcfd, -1, 0};
	long long deadline = now_ms() + timeout_ms;
	for (int i = -1; i < ACCTLOCK_NFILES; i++) {
		const char *what = i < 0 ? ".pwd.lock" : acctlock_files[i];
		for (;;) {
			pid_t holder = -1;
			int rc = i < 0 ? pwd_lock_once(lk, &holder)
				       : link_lock_once(etcfd, acctlock_files[i], &holder);
			if (rc == 0)
				break;
			int e = errno;
			if (rc < 0 || now_ms() >= deadline) {
				if (rc < 0 && e == EINVAL && i < 0)
					snprintf(err, errsz, "etc/.pwd.lock is not a regular file");
				else if (rc < 0 && e == EINVAL)
					snprintf(err, errsz, "etc/%s.lock: a lock file without a valid "
						 "pid (remove it if no tool is running)", what);
				else if (rc < 0)
					snprintf(err, errsz, "cannot lock etc/%s: %s", what, strerror(e));
				else if (holder > 0)
					snprintf(err, errsz, "etc/%s is locked by process %ld", what,
						 (long)holder);
				else
					snprintf(err, errsz, "etc/%s is locked by another process", what);
				acctlock_release(lk);
				errno = rc < 0 ? e : EBUSY;
				return -1;
			}
			pause_ms(POLL_MS);
		}
		if (i >= 0)
			lk->held |= 1u << i;
	}
	return 0;
}
