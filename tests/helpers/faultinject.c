/* faultinject.c - an LD_PRELOAD shim that makes chosen libc calls of migstate fail, stall,
 * stop or die at a chosen moment, so tests can put a fault anywhere without touching
 * the runtime. Built by the tests:
 *     cc -shared -fPIC -o $T/faultinject.so tests/helpers/faultinject.c -ldl
 * (with faultinject_alloc.c, its allocator wrappers: cc ... faultinject.c faultinject_alloc.c)
 * and used as
 *     LD_PRELOAD=$T/faultinject.so MIGSTATE_FAULT="linkat:3:ENOSPC" migstate scan ...
 *
 * MIGSTATE_FAULT is a comma-separated list of rules FUNC:WHEN:ACTION[:FILTER]
 *   FUNC    one of the intercepted calls below (openat2 is the raw syscall; "ficlone"
 *           is ioctl(FICLONE) only, "ioctl" every ioctl; "open" also catches open64,
 *           "openat" openat64, "fstatat" fstatat64, "pread"/"pwrite" their 64 forms;
 *           "malloc", "calloc", "realloc": the allocator, see faultinject_alloc.c)
 *   WHEN    N      the Nth matching call only (1 = the first)
 *           N+     the Nth and every later one (a disk that stays full)
 *           N-M    calls N to M
 *           *      every call
 *   ACTION  an errno name (ENOSPC EIO EXDEV EMLINK EPERM EACCES ENAMETOOLONG EINTR
 *           EDQUOT EROFS ENOENT ELOOP EBUSY ENOMEM EAGAIN ESTALE EFBIG EOPNOTSUPP) or
 *           number: the call is not made and returns -1 with that errno;
 *           delay=MS  sleep MS milliseconds, then make the call;
 *           stop      raise SIGSTOP, then (after SIGCONT) make the call;
 *           kill      raise SIGKILL instead of making the call;
 *           killafter make the call, then raise SIGKILL (a crash right after it);
 *           count     never fire, only count (see MIGSTATE_FAULT_LOG)
 *           log       never fire, log every call it counts (which one, and where)
 *   FILTER  only calls whose path contains this substring count and fire. The path is
 *           the name argument joined to its directory fd's path (/proc/self/fd), or,
 *           for fd-only calls (read, write, fsync, ...), the fd's path. linkat and
 *           renameat match on either name. A call with no path never matches a rule
 *           that has a filter (an allocation has none).
 * MIGSTATE_FAULT_LOG=FILE: one line per fired rule ("FUNC #N PATH -> ACTION"; for an
 * allocation PATH is the caller, "main+0xOFFSET": the innermost return address inside
 * the program itself, minus one, for addr2line -e PROGRAM) and, at exit, one
 * "count FUNC:WHEN:ACTION N" line per rule with the number of calls it saw.
 *
 * The shim never touches errno or files unless a rule matches, and writes its log with
 * raw syscalls, so it can be preloaded into any program.
 *
 * What it sees: the calls a program makes through the dynamic symbol table. migstate
 * imports (nm -D build/migstate | grep ' U '): open openat linkat mkdir mkdirat renameat
 * renameat2 unlinkat symlinkat mknodat readlinkat statx fstatat read write pread pwrite
 * copy_file_range ioctl fsync syncfs fchown fchownat fchmod fchmodat utimensat futimens
 * fsetxattr ftruncate, and syscall() for openat2; all are wrapped here (also their
 * 64-bit and _FORTIFY_SOURCE aliases). Calls glibc makes from inside itself (fopen,
 * opendir, readdir's getdents, statx inside fstatat) use internal aliases and are not
 * seen: the fault lands on the call migstate itself makes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "faultinject.h"

#define MAX_RULES 64

enum act { ACT_ERRNO, ACT_DELAY, ACT_STOP, ACT_KILL, ACT_KILLAFTER, ACT_COUNT, ACT_LOG };

struct rule {
	char func[32];
	unsigned long from, to; /* inclusive; to == ULONG_MAX: open-ended */
	enum act act;
	int err;
	long ms;
	char filter[PATH_MAX];
	char text[128]; /* the rule as written, for the log */
	char action[32];
	unsigned long seen;
};

static struct rule rules[MAX_RULES];
static int nrules = -1; /* -1: not parsed yet */
__thread int fi_busy __attribute__((tls_model("initial-exec"))); /* the shim's own calls never count */
#define busy fi_busy
static __thread int kill_after; /* a killafter rule fired: die once the call returns */

/* Make the real call E, then die if a killafter rule fired for it. */
#define AFTER(e)                                                                               \
	({                                                                                     \
		__typeof__(e) r_ = (e);                                                        \
		if (kill_after)                                                                \
			raise(SIGKILL);                                                        \
		r_;                                                                            \
	})

static const struct {
	const char *name;
	int err;
} errnames[] = {
    {"ENOSPC", ENOSPC}, {"EIO", EIO},	  {"EXDEV", EXDEV},	  {"EMLINK", EMLINK},
    {"EPERM", EPERM},	{"EACCES", EACCES}, {"ENAMETOOLONG", ENAMETOOLONG},
    {"EINTR", EINTR},	{"EDQUOT", EDQUOT}, {"EROFS", EROFS},	  {"ENOENT", ENOENT},
    {"ELOOP", ELOOP},	{"EBUSY", EBUSY},   {"ENOMEM", ENOMEM},	  {"EAGAIN", EAGAIN},
    {"ESTALE", ESTALE}, {"EFBIG", EFBIG},   {"EOPNOTSUPP", EOPNOTSUPP},
};

static void raw_log(const char *s)
{
	const char *f = getenv("MIGSTATE_FAULT_LOG");
	if (!f || !*f)
		return;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, f, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	size_t n = strlen(s);
	while (n) {
		long w = syscall(SYS_write, fd, s, n);
		if (w <= 0)
			break;
		s += w;
		n -= (size_t)w;
	}
	syscall(SYS_close, fd);
}

static void parse(void)
{
	int saved = errno;
	nrules = 0;
	const char *env = getenv("MIGSTATE_FAULT");
	if (!env || !*env) {
		errno = saved;
		return;
	}
	char *copy = strdup(env);
	char *save = NULL;
	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && nrules < MAX_RULES;
	     tok = strtok_r(NULL, ",", &save)) {
		struct rule *r = &rules[nrules];
		memset(r, 0, sizeof *r);
		snprintf(r->text, sizeof r->text, "%s", tok);
		char *f = tok, *w = strchr(f, ':');
		if (!w)
			continue;
		*w++ = 0;
		char *a = strchr(w, ':');
		if (!a)
			continue;
		*a++ = 0;
		char *flt = strchr(a, ':');
		if (flt)
			*flt++ = 0;
		snprintf(r->func, sizeof r->func, "%s", f);
		snprintf(r->action, sizeof r->action, "%s", a);
		if (!strcmp(w, "*")) {
			r->from = 1;
			r->to = ULONG_MAX;
		} else {
			char *end;
			r->from = strtoul(w, &end, 10);
			if (*end == '+')
				r->to = ULONG_MAX;
			else if (*end == '-')
				r->to = strtoul(end + 1, NULL, 10);
			else
				r->to = r->from;
		}
		if (!strncmp(a, "delay=", 6)) {
			r->act = ACT_DELAY;
			r->ms = strtol(a + 6, NULL, 10);
		} else if (!strcmp(a, "stop")) {
			r->act = ACT_STOP;
		} else if (!strcmp(a, "kill")) {
			r->act = ACT_KILL;
		} else if (!strcmp(a, "killafter")) {
			r->act = ACT_KILLAFTER;
		} else if (!strcmp(a, "count")) {
			r->act = ACT_COUNT;
		} else if (!strcmp(a, "log")) {
			r->act = ACT_LOG;
		} else {
			r->act = ACT_ERRNO;
			r->err = (int)strtol(a, NULL, 10);
			for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
				if (!strcmp(a, errnames[i].name))
					r->err = errnames[i].err;
			if (r->err <= 0)
				continue; /* unknown errno: ignore the rule */
		}
		if (flt)
			snprintf(r->filter, sizeof r->filter, "%s", flt);
		nrules++;
	}
	free(copy);
	errno = saved;
}

__attribute__((destructor)) static void report(void)
{
	if (nrules <= 0)
		return;
	busy++;
	for (int i = 0; i < nrules; i++) {
		char line[256];
		snprintf(line, sizeof line, "count %s %lu\n", rules[i].text, rules[i].seen);
		raw_log(line);
	}
	busy--;
}

/* The path of DIRFD/NAME (NAME NULL or "": the fd itself) into BUF. */
static void path_of(int dirfd, const char *name, char *buf, size_t n)
{
	buf[0] = 0;
	if (name && name[0] == '/') {
		snprintf(buf, n, "%s", name);
		return;
	}
	char dir[PATH_MAX] = "";
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof dir))
			dir[0] = 0;
	} else if (dirfd >= 0) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
		ssize_t k = readlink(proc, dir, sizeof dir - 1);
		dir[k > 0 ? k : 0] = 0;
	}
	if (name && name[0])
		snprintf(buf, n, "%s/%s", dir, name);
	else
		snprintf(buf, n, "%s", dir);
}

/* Decide for one call of FUNC touching (DFD1, N1) and (DFD2, N2) (N2 only for two-name
 * calls; HAS_PATH false for calls without a path), or, WHERE set, an allocation that
 * WHERE describes for the log. Returns 0 to make the call, or -1 with errno set to fail
 * it. */
static int fault_core(const char *func, int dfd1, const char *n1, int dfd2, const char *n2,
		      int has2, fi_where_fn where)
{
	if (busy)
		return 0;
	busy++;
	if (nrules < 0)
		parse();
	if (nrules == 0) {
		busy--;
		return 0;
	}
	int saved = errno;
	int rc = 0;
	for (int i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];
		if (strcmp(r->func, func) != 0)
			continue;
		if (where && r->filter[0])
			continue; /* an allocation has no path to match */
		char p1[PATH_MAX * 2] = "", p2[PATH_MAX * 2] = "";
		if (!where && (r->filter[0] || r->act != ACT_COUNT)) {
			path_of(dfd1, n1, p1, sizeof p1);
			if (has2)
				path_of(dfd2, n2, p2, sizeof p2);
		}
		if (r->filter[0] && !strstr(p1, r->filter) && !(has2 && strstr(p2, r->filter)))
			continue;
		unsigned long k = __atomic_add_fetch(&r->seen, 1, __ATOMIC_SEQ_CST);
		if (r->act == ACT_COUNT || (r->act != ACT_LOG && (k < r->from || k > r->to)))
			continue;
		if (where)
			where(p1, sizeof p1);
		char line[PATH_MAX * 4 + 256];
		snprintf(line, sizeof line, "%s #%lu %s%s%s -> %s\n", func, k, p1, has2 ? " " : "",
			 has2 ? p2 : "", r->action);
		raw_log(line);
		switch (r->act) {
		case ACT_DELAY: {
			struct timespec ts = {r->ms / 1000, (r->ms % 1000) * 1000000L};
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
			break;
		}
		case ACT_STOP:
			raise(SIGSTOP);
			break;
		case ACT_KILL:
			raise(SIGKILL);
			break;
		case ACT_KILLAFTER:
			kill_after = 1;
			break;
		case ACT_ERRNO:
			saved = r->err;
			rc = -1;
			break;
		case ACT_COUNT:
		case ACT_LOG:
			break;
		}
		if (rc)
			break;
	}
	busy--;
	errno = saved;
	return rc;
}

static int fault(const char *func, int dfd1, const char *n1, int dfd2, const char *n2, int has2)
{
	return fault_core(func, dfd1, n1, dfd2, n2, has2, NULL);
}

int fi_fault_alloc(const char *func, fi_where_fn where)
{
	return fault_core(func, -1, NULL, -1, NULL, 0, where);
}

#define REAL(ret, name, ...)                                                                   \
	static ret (*real_##name)(__VA_ARGS__);                                                \
	if (!real_##name)                                                                      \
		real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

/* --- opening ------------------------------------------------------------------------- */

static int do_openat(const char *alias, int dfd, const char *path, int flags, mode_t mode)
{
	REAL(int, openat, int, const char *, int, ...);
	if (fault(alias, dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_openat(dfd, path, flags, mode));
}

int openat(int dfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat("openat", dfd, path, flags, mode);
}

int openat64(int dfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat("openat", dfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	REAL(int, open, const char *, int, ...);
	if (fault("open", AT_FDCWD, path, -1, NULL, 0))
		return -1;
	return AFTER(real_open(path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	REAL(int, open, const char *, int, ...);
	if (fault("open", AT_FDCWD, path, -1, NULL, 0))
		return -1;
	return AFTER(real_open(path, flags, mode));
}

/* the _FORTIFY_SOURCE forms (not imported by migstate today, kept for a fortified build) */
int __openat_2(int dfd, const char *path, int flags)
{
	return do_openat("openat", dfd, path, flags, 0);
}

int __open_2(const char *path, int flags)
{
	REAL(int, open, const char *, int, ...);
	if (fault("open", AT_FDCWD, path, -1, NULL, 0))
		return -1;
	return AFTER(real_open(path, flags));
}

/* openat2 has no libc wrapper on Debian 12: migstate calls syscall(SYS_openat2, ...). */
long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	REAL(long, syscall, long, ...);
#ifdef SYS_openat2
	if (nr == SYS_openat2 && fault("openat2", (int)a[0], (const char *)a[1], -1, NULL, 0))
		return -1;
#endif
#ifdef SYS_statx
	if (nr == SYS_statx && fault("statx", (int)a[0], (const char *)a[1], -1, NULL, 0))
		return -1;
#endif
	return AFTER(real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

/* --- names --------------------------------------------------------------------------- */

int linkat(int od, const char *op, int nd, const char *np, int flags)
{
	REAL(int, linkat, int, const char *, int, const char *, int);
	if (fault("linkat", od, op, nd, np, 1))
		return -1;
	return AFTER(real_linkat(od, op, nd, np, flags));
}

int mkdirat(int dfd, const char *path, mode_t mode)
{
	REAL(int, mkdirat, int, const char *, mode_t);
	if (fault("mkdirat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_mkdirat(dfd, path, mode));
}

int mkdir(const char *path, mode_t mode)
{
	REAL(int, mkdir, const char *, mode_t);
	if (fault("mkdir", AT_FDCWD, path, -1, NULL, 0))
		return -1;
	return AFTER(real_mkdir(path, mode));
}

int renameat(int od, const char *op, int nd, const char *np)
{
	REAL(int, renameat, int, const char *, int, const char *);
	if (fault("renameat", od, op, nd, np, 1))
		return -1;
	return AFTER(real_renameat(od, op, nd, np));
}

int renameat2(int od, const char *op, int nd, const char *np, unsigned flags)
{
	REAL(int, renameat2, int, const char *, int, const char *, unsigned);
	if (fault("renameat2", od, op, nd, np, 1))
		return -1;
	return AFTER(real_renameat2(od, op, nd, np, flags));
}

int unlinkat(int dfd, const char *path, int flags)
{
	REAL(int, unlinkat, int, const char *, int);
	if (fault("unlinkat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_unlinkat(dfd, path, flags));
}

int symlinkat(const char *target, int dfd, const char *path)
{
	REAL(int, symlinkat, const char *, int, const char *);
	if (fault("symlinkat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_symlinkat(target, dfd, path));
}

int mknodat(int dfd, const char *path, mode_t mode, dev_t dev)
{
	REAL(int, mknodat, int, const char *, mode_t, dev_t);
	if (fault("mknodat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_mknodat(dfd, path, mode, dev));
}

ssize_t readlinkat(int dfd, const char *path, char *buf, size_t n)
{
	REAL(ssize_t, readlinkat, int, const char *, char *, size_t);
	if (fault("readlinkat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_readlinkat(dfd, path, buf, n));
}

/* --- metadata ------------------------------------------------------------------------ */

int statx(int dfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	REAL(int, statx, int, const char *, int, unsigned, struct statx *);
	if (fault("statx", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_statx(dfd, path, flags, mask, buf));
}

int fstatat(int dfd, const char *path, struct stat *st, int flags)
{
	REAL(int, fstatat, int, const char *, struct stat *, int);
	if (fault("fstatat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_fstatat(dfd, path, st, flags));
}

int fstatat64(int dfd, const char *path, struct stat64 *st, int flags)
{
	REAL(int, fstatat, int, const char *, struct stat *, int);
	if (fault("fstatat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_fstatat(dfd, path, (struct stat *)st, flags));
}

int fchownat(int dfd, const char *path, uid_t u, gid_t g, int flags)
{
	REAL(int, fchownat, int, const char *, uid_t, gid_t, int);
	if (fault("fchownat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_fchownat(dfd, path, u, g, flags));
}

int fchown(int fd, uid_t u, gid_t g)
{
	REAL(int, fchown, int, uid_t, gid_t);
	if (fault("fchown", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_fchown(fd, u, g));
}

int fchmodat(int dfd, const char *path, mode_t m, int flags)
{
	REAL(int, fchmodat, int, const char *, mode_t, int);
	if (fault("fchmodat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_fchmodat(dfd, path, m, flags));
}

int fchmod(int fd, mode_t m)
{
	REAL(int, fchmod, int, mode_t);
	if (fault("fchmod", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_fchmod(fd, m));
}

int utimensat(int dfd, const char *path, const struct timespec t[2], int flags)
{
	REAL(int, utimensat, int, const char *, const struct timespec *, int);
	if (fault("utimensat", dfd, path, -1, NULL, 0))
		return -1;
	return AFTER(real_utimensat(dfd, path, t, flags));
}

int futimens(int fd, const struct timespec t[2])
{
	REAL(int, futimens, int, const struct timespec *);
	if (fault("futimens", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_futimens(fd, t));
}

int fsetxattr(int fd, const char *name, const void *v, size_t n, int flags)
{
	REAL(int, fsetxattr, int, const char *, const void *, size_t, int);
	if (fault("fsetxattr", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_fsetxattr(fd, name, v, n, flags));
}

/* --- data ---------------------------------------------------------------------------- */

ssize_t read(int fd, void *buf, size_t n)
{
	REAL(ssize_t, read, int, void *, size_t);
	if (fault("read", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_read(fd, buf, n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, write, int, const void *, size_t);
	if (fault("write", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_write(fd, buf, n));
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	REAL(ssize_t, pread, int, void *, size_t, off_t);
	if (fault("pread", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_pread(fd, buf, n, off));
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	REAL(ssize_t, pread, int, void *, size_t, off_t);
	if (fault("pread", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_pread(fd, buf, n, off));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	if (fault("pwrite", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_pwrite(fd, buf, n, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	if (fault("pwrite", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_pwrite(fd, buf, n, off));
}

ssize_t copy_file_range(int in, off_t *oin, int out, off_t *oout, size_t n, unsigned flags)
{
	REAL(ssize_t, copy_file_range, int, off_t *, int, off_t *, size_t, unsigned);
	/* matched on either end: the source or the store side */
	if (fault("copy_file_range", in, NULL, out, NULL, 1))
		return -1;
	return AFTER(real_copy_file_range(in, oin, out, oout, n, flags));
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	REAL(int, ioctl, int, unsigned long, ...);
	if (req == FICLONE && fault("ficlone", fd, NULL, (int)(intptr_t)arg, NULL, 1))
		return -1;
	if (fault("ioctl", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_ioctl(fd, req, arg));
}

int fsync(int fd)
{
	REAL(int, fsync, int);
	if (fault("fsync", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_fsync(fd));
}

int fdatasync(int fd)
{
	REAL(int, fdatasync, int);
	if (fault("fdatasync", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_fdatasync(fd));
}

int syncfs(int fd)
{
	REAL(int, syncfs, int);
	if (fault("syncfs", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_syncfs(fd));
}

int ftruncate(int fd, off_t len)
{
	REAL(int, ftruncate, int, off_t);
	if (fault("ftruncate", fd, NULL, -1, NULL, 0))
		return -1;
	return AFTER(real_ftruncate(fd, len));
}
