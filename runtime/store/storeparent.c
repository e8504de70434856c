/* storeparent.c - the ownership and mode check of the store's path (storeparent.h). */
#include "storeparent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disasm.h"
#include "exitcodes.h"

#define MAX_LINKS 40 /* as the kernel's path walk */

const char *storeparent_unsafe(const struct stat *st, bool is_link, uid_t me, char *why,
			       size_t whysz)
{
	if (st->st_uid != 0 && st->st_uid != me) {
		if (me == 0)
			snprintf(why, whysz, "owned by uid %u, not by root", (unsigned)st->st_uid);
		else
			snprintf(why, whysz, "owned by uid %u, neither root nor uid %u running migstate",
				 (unsigned)st->st_uid, (unsigned)me);
		return why;
	}
	if (is_link)
		return NULL; /* a symlink's own mode means nothing */
	mode_t w = st->st_mode & (S_IWGRP | S_IWOTH);
	/* sticky and root's (/tmp): only an entry's owner may rename it, checked next */
	if (w && !((st->st_mode & S_ISVTX) && st->st_uid == 0)) {
		snprintf(why, whysz, "writable by %s (mode %04o)",
			 w == S_IWGRP ? "its group" : w == S_IWOTH ? "others" : "its group and others",
			 (unsigned)(st->st_mode & 07777));
		return why;
	}
	return NULL;
}

/* The path walked so far, for messages. */
struct shown {
	char *s;
	size_t n, cap;
};

static int shown_set(struct shown *p, const char *s)
{
	p->n = 0;
	size_t l = strlen(s);
	if (l + 1 > p->cap) {
		char *q = realloc(p->s, l + 1);
		if (!q)
			return -1;
		p->s = q;
		p->cap = l + 1;
	}
	memcpy(p->s, s, l + 1);
	p->n = l;
	return 0;
}

static int shown_push(struct shown *p, const char *name)
{
	size_t l = strlen(name), need = p->n + 1 + l + 1;
	if (need > p->cap) {
		char *q = realloc(p->s, need * 2);
		if (!q)
			return -1;
		p->s = q;
		p->cap = need * 2;
	}
	if (p->n > 1 || p->s[0] != '/')
		p->s[p->n++] = '/';
	memcpy(p->s + p->n, name, l + 1);
	p->n += l;
	return 0;
}

static void shown_pop(struct shown *p)
{
	char *sl = strrchr(p->s, '/');
	if (!sl)
		return;
	p->n = sl == p->s ? 1 : (size_t)(sl - p->s);
	p->s[p->n] = 0;
}

static int refuse(const struct shown *p, const char *what, const char *why, char *err,
		  size_t errsz)
{
	snprintf(err, errsz,
		 "the store's path is not safe: %s %s is %s, so another user could replace the "
		 "store; fix it, choose another place, or pass %s",
		 what, p->s, why, STOREPARENT_OVERRIDE);
	return 1;
}

static int check_fd(int fd, const struct shown *p, uid_t me, char *err, size_t errsz)
{
	struct stat st;
	char why[128];
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "cannot examine %s: %s", p->s, strerror(errno));
		return -1;
	}
	if (storeparent_unsafe(&st, false, me, why, sizeof why))
		return refuse(p, "the directory", why, err, errsz);
	return 0;
}

/* The walk proper; TODO is malloc'd and owned (replaced at each symlink). */
static int walk(char *todo, uid_t me, struct shown *p, char *err, size_t errsz)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int links = 0, rc = -1;
	char *pos = todo;
	if (fd < 0 || shown_set(p, "/") != 0 || (rc = check_fd(fd, p, me, err, errsz)) != 0)
		goto out;
	rc = -1;
	for (;;) {
		while (*pos == '/')
			pos++;
		if (!*pos) {
			rc = 0; /* the whole path is there, and safe */
			goto out;
		}
		char *end = strchrnul(pos, '/');
		char name[NAME_MAX + 1];
		if ((size_t)(end - pos) > NAME_MAX) {
			snprintf(err, errsz, "%s: a name in the store's path is too long", p->s);
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(name, pos, (size_t)(end - pos));
		name[end - pos] = 0;
		pos = end;
		if (!strcmp(name, "."))
			continue;
		struct stat st;
		int nfd;
		if (!strcmp(name, "..")) {
			nfd = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (nfd < 0) {
				snprintf(err, errsz, "%s/..: %s", p->s, strerror(errno));
				goto out;
			}
			close(fd);
			fd = nfd;
			shown_pop(p);
			if ((rc = check_fd(fd, p, me, err, errsz)) != 0)
				goto out;
			rc = -1;
			continue;
		}
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT) {
				rc = 0; /* from here on scan makes it, owned by us */
				goto out;
			}
			snprintf(err, errsz, "cannot examine %s/%s: %s", p->s, name, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char why[128];
			if (storeparent_unsafe(&st, true, me, why, sizeof why)) {
				if (shown_push(p, name) != 0)
					snprintf(err, errsz, "out of memory");
				else
					rc = refuse(p, "the symlink", why, err, errsz);
				goto out;
			}
			char target[PATH_MAX];
			ssize_t tl = readlinkat(fd, name, target, sizeof target - 1);
			if (++links > MAX_LINKS || tl <= 0) {
				snprintf(err, errsz, "%s/%s: %s", p->s, name,
					 tl <= 0 ? strerror(errno) : strerror(ELOOP));
				goto out;
			}
			target[tl] = 0;
			char *next;
			if (asprintf(&next, "%s/%s", target, pos) < 0)
				goto out;
			free(todo);
			todo = pos = next;
			if (target[0] == '/') {
				close(fd);
				fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0 || shown_set(p, "/") != 0)
					goto out;
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc = 0; /* not a directory: the command refuses the path itself */
			goto out;
		}
		nfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			snprintf(err, errsz, "cannot open %s/%s: %s", p->s, name, strerror(errno));
			goto out;
		}
		close(fd);
		fd = nfd;
		if (shown_push(p, name) != 0 || (rc = check_fd(fd, p, me, err, errsz)) != 0)
			goto out;
		rc = -1;
	}
out:;
	int saved = errno;
	if (fd >= 0)
		close(fd);
	free(todo);
	errno = saved;
	return rc;
}

int storeparent_check(const char *path, uid_t me, char *err, size_t errsz)
{
	char *todo = NULL;
	if (path[0] == '/') {
		todo = strdup(path);
	} else {
		char *cwd = getcwd(NULL, 0);
		if (!cwd || asprintf(&todo, "%s/%s", cwd, path) < 0)
			todo = NULL;
		free(cwd);
	}
	if (!todo) {
		snprintf(err, errsz, "cannot resolve the store's path: %s", strerror(errno));
		return -1;
	}
	struct shown p = {0};
	int rc = walk(todo, me, &p, err, errsz);
	int saved = errno;
	free(p.s);
	errno = saved;
	return rc;
}

int storeparent_enforce(const char *verb, const char *path, bool allow)
{
	char err[PATH_MAX + 512];
	int rc = storeparent_check(path, geteuid(), err, sizeof err);
	if (rc < 0)
		return 0; /* not a verdict: the command's own open of the store reports it */
	if (rc == 0)
		return 0;
	fprintf(stderr, "migstate %s: %s", verb, allow ? "warning: " : "");
	text_str(stderr, err);
	fputs(allow ? " (allowed by " STOREPARENT_OVERRIDE ")\n" : "\n", stderr);
	return allow ? 0 : EXIT_BAD_STORE;
}
