/* locks.c - /proc/locks (and optionally /proc/PID/fdinfo) reader (see locks.h).
 *
 * /proc/locks lines:  "1: POSIX  ADVISORY  WRITE 1234 08:01:131 0 EOF"
 * (id, class, mode, access, pid, major:minor:inode with major and minor in hex, range);
 * waiters are listed as "1: -> POSIX ..." and skipped: they hold nothing. */
#include "locks.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int add(struct lock_set *s, size_t *cap, uint64_t dev, uint64_t ino, int pid, bool writer)
{
	if (s->n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct lock_key *q = realloc(s->v, c * sizeof *q);
		if (!q)
			return -1;
		s->v = q;
		*cap = c;
	}
	s->v[s->n++] = (struct lock_key){dev, ino, pid, writer};
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct lock_key *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void read_proc_locks(FILE *f, struct lock_set *s, size_t *cap, int self)
{
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strstr(line, "->"))
			continue;
		char cls[16], mode[16], acc[16];
		int pid;
		unsigned maj, min;
		unsigned long long ino;
		if (sscanf(line, "%*[^:]: %15s %15s %15s %d %x:%x:%llu", cls, mode, acc, &pid, &maj,
			   &min, &ino) != 7)
			continue;
		if (pid == self)
			continue;
		add(s, cap, (uint64_t)makedev(maj, min), (uint64_t)ino, pid, false);
	}
}

/* Every fd of every other process opened for writing (O_WRONLY or O_RDWR). */
static void read_writers(struct lock_set *s, size_t *cap, int self)
{
	DIR *p = opendir("/proc");
	if (!p)
		return;
	struct dirent *de;
	while ((de = readdir(p))) {
		if (!isdigit((unsigned char)de->d_name[0]) || atoi(de->d_name) == self)
			continue;
		char dir[64];
		snprintf(dir, sizeof dir, "/proc/%.20s/fdinfo", de->d_name);
		DIR *fi = opendir(dir);
		if (!fi)
			continue;
		struct dirent *fe;
		while ((fe = readdir(fi))) {
			if (!isdigit((unsigned char)fe->d_name[0]))
				continue;
			char path[128], buf[256];
			snprintf(path, sizeof path, "%s/%.20s", dir, fe->d_name);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = 0;
			const char *fl = strstr(buf, "flags:");
			if (!fl || (strtoul(fl + 6, NULL, 8) & O_ACCMODE) == O_RDONLY)
				continue;
			struct stat st;
			snprintf(path, sizeof path, "/proc/%.20s/fd/%.20s", de->d_name, fe->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				add(s, cap, (uint64_t)st.st_dev, (uint64_t)st.st_ino,
				    atoi(de->d_name), true);
		}
		closedir(fi);
	}
	closedir(p);
}

int locks_load(struct lock_set *s, unsigned flags)
{
	size_t cap = 0;
	int self = (int)getpid();
	s->v = NULL;
	s->n = 0;
	FILE *f = fopen("/proc/locks", "re");
	if (!f)
		return -1;
	read_proc_locks(f, s, &cap, self);
	fclose(f);
	if (flags & LOCKS_WRITERS)
		read_writers(s, &cap, self);
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, cmp_key);
	return 0;
}

void locks_free(struct lock_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const struct lock_key *locks_find(const struct lock_set *s, dev_t dev, ino_t ino)
{
	struct lock_key k = {(uint64_t)dev, (uint64_t)ino, 0, false};
	if (!s->n)
		return NULL;
	return bsearch(&k, s->v, s->n, sizeof *s->v, cmp_key);
}
