/* load_util.c - the small helpers the restore engine's files share (load_int.h): the
 * --dry-run line, times, path splitting and joining. */
#include "load_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* One --dry-run line: WHAT <TAB> A [<TAB> B]. On stderr when stdout carries --json. */
void load_out_line(struct loader *L, const char *what, const char *a, const char *b)
{
	FILE *out = L->o->ro->json ? stderr : stdout;
	fputs(what, out);
	fputc('\t', out);
	text_str(out, a);
	if (b) {
		fputc('\t', out);
		text_str(out, b);
	}
	fputc('\n', out);
}

int64_t load_ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

struct timespec load_ts_of(int64_t ns)
{
	struct timespec t;
	t.tv_sec = (time_t)(ns / 1000000000);
	t.tv_nsec = (long)(ns % 1000000000);
	if (t.tv_nsec < 0) {
		t.tv_nsec += 1000000000;
		t.tv_sec--;
	}
	return t;
}

/* Ignorable when a filesystem cannot keep an attribute (FAT through FUSE says ENOSYS). */
bool load_unsupported(int err)
{
	return err == EPERM || err == ENOSYS || err == EOPNOTSUPP || err == ENOTSUP;
}

/* Split logical PATH at its last '/': a malloc'd parent and a pointer to the leaf. */
char *load_parent_of(const char *path, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		*leaf = path;
		return strdup("/");
	}
	*leaf = slash + 1;
	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

char *load_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
	return r;
}
