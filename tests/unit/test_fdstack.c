/* test_fdstack.c - the bounded directory stack (runtime/fdstack.c): however deep it
 * goes, no more than its bound of directories is open; a level closed to stay within it
 * is opened again (up with "..", down by name) only as the same directory; a directory
 * swapped for another or for a symlink is ESTALE / refused, never followed.
 * t_deep_trees.sh runs every verb over 10,000 levels with 1024 descriptors. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdstack.h"

static char base[64];
static int basefd = -1;

static void setup(void)
{
	strcpy(base, "/tmp/migstate-ut-fdstack.XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	basefd = open(base, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(basefd, 0);
}

static void teardown(void)
{
	close(basefd);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	cr_expect_eq(system(cmd), 0);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;
	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* mkdir then open (a store's payload tree) */
static int mk_open(void *ctx, int parent, const char *name, const char *path, size_t len)
{
	size_t *calls = ctx;
	(*calls)++;
	cr_assert_eq(strlen(path), len);
	cr_assert(len >= strlen(name) + 1 && !strcmp(path + len - strlen(name), name));
	if (mkdirat(parent, name, 0700) != 0 && errno != EEXIST)
		return -1;
	return openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static ino_t ino_of(int fd)
{
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

#define DEPTH 600

TestSuite(fdstack, .init = setup, .fini = teardown);

Test(fdstack, deep_push_pop_bounded)
{
	static ino_t ino[DEPTH + 1];
	struct fdstack s;
	size_t calls = 0, before = open_fds();
	fds_init(&s, basefd, 8);
	for (size_t i = 1; i <= DEPTH; i++) {
		int fd = fds_push(&s, "d", 1, mk_open, &calls, NULL);
		cr_assert_geq(fd, 0, "push %zu: %s", i, strerror(errno));
		ino[i] = ino_of(fd);
		cr_assert_leq(open_fds(), before + 8, "at depth %zu", i);
	}
	cr_assert_eq(calls, DEPTH);
	cr_assert_eq(fds_depth(&s), DEPTH);
	size_t len;
	cr_assert_eq(strlen(fds_path(&s, &len)), 2 * DEPTH);
	/* random access far up: the same directories, still bounded */
	for (size_t i = 1; i <= DEPTH; i += 37) {
		int fd = fds_at(&s, i);
		cr_assert_geq(fd, 0);
		cr_assert_eq(ino_of(fd), ino[i], "level %zu", i);
		cr_assert_leq(open_fds(), before + 9);
	}
	cr_assert_eq(ino_of(fds_top(&s)), ino[DEPTH]);
	/* all the way up again */
	for (size_t i = DEPTH; i > 1; i--) {
		cr_assert_eq(fds_pop(&s), 0, "pop to %zu: %s", i - 1, strerror(errno));
		cr_assert_eq(ino_of(fds_top(&s)), ino[i - 1], "level %zu", i - 1);
		cr_assert_leq(open_fds(), before + 9);
	}
	cr_assert_gt(s.reopened, 0);
	fds_free(&s);
	cr_assert_eq(open_fds(), before);
}

Test(fdstack, goto_keeps_the_shared_levels)
{
	struct fdstack s;
	size_t calls = 0;
	fds_init(&s, basefd, 4);
	cr_assert_geq(fds_goto(&s, "/a/b/c/d/e/f", 12, mk_open, &calls), 0);
	cr_assert_eq(calls, 6);
	int fd = fds_goto(&s, "/a/b/c/d/e/g", 12, mk_open, &calls);
	cr_assert_geq(fd, 0);
	cr_assert_eq(calls, 7, "only g is new");
	struct stat a, b;
	char p[128];
	snprintf(p, sizeof p, "%s/a/b/c/d/e/g", base);
	cr_assert_eq(stat(p, &a), 0);
	cr_assert_eq(fstat(fd, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	/* "/a/b2" shares /a, which was closed to stay within 4: opened again */
	fd = fds_goto(&s, "/a/b2", 5, mk_open, &calls);
	cr_assert_geq(fd, 0);
	cr_assert_eq(calls, 8);
	snprintf(p, sizeof p, "%s/a/b2", base);
	cr_assert_eq(stat(p, &a), 0);
	cr_assert_eq(fstat(fd, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(fds_goto(&s, "/", 1, NULL, NULL), basefd);
	cr_assert_eq(fds_depth(&s), 0);
	/* a missing directory without a maker: ENOENT, the stack at the last one entered */
	cr_assert_eq(fds_goto(&s, "/a/b/nothing/x", 14, NULL, NULL), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(fds_depth(&s), 2);
	fds_free(&s);
}

Test(fdstack, swapped_directory_is_stale)
{
	struct fdstack s;
	size_t calls = 0;
	char p[256], q[256];
	fds_init(&s, basefd, 3);
	cr_assert_geq(fds_goto(&s, "/l1/l2/l3/l4/l5/l6/l7/l8", 24, mk_open, &calls), 0);
	/* l2 (closed by now) is replaced by another directory of that name */
	snprintf(p, sizeof p, "%s/l1/l2", base);
	snprintf(q, sizeof q, "%s/l1/moved", base);
	cr_assert_eq(rename(p, q), 0);
	cr_assert_eq(mkdir(p, 0700), 0);
	int fd = fds_at(&s, 2);
	cr_assert_eq(fd, -1);
	cr_assert_eq(errno, ESTALE, "%s", strerror(errno));
	/* the same directory under its new name is still found going up (by identity) */
	for (int i = 0; i < 6; i++)
		fds_pop(&s);
	cr_assert_eq(fds_depth(&s), 2);
	fd = fds_top(&s);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	struct stat a, b;
	cr_assert_eq(stat(q, &a), 0);
	cr_assert_eq(fstat(fd, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	fds_free(&s);

	/* a symlink in place of a closed level, nearer the base than the open levels (so
	 * it is opened again downwards, by name): never followed */
	fds_init(&s, basefd, 2);
	cr_assert_geq(fds_goto(&s, "/s1/s2/s3/s4/s5/s6/s7/s8/s9", 27, mk_open, &calls), 0);
	snprintf(p, sizeof p, "%s/s1/s2", base);
	snprintf(q, sizeof q, "%s/s1/s2away", base);
	cr_assert_eq(rename(p, q), 0);
	cr_assert_eq(symlink("s2away", p), 0);
	cr_assert_eq(fds_at(&s, 2), -1);
	cr_assert(errno == ELOOP || errno == ENOTDIR || errno == ESTALE, "%s", strerror(errno));
	fds_free(&s);
}

Test(fdstack, push_expect_identity)
{
	struct fdstack s;
	char p[128];
	fds_init(&s, basefd, 0);
	snprintf(p, sizeof p, "%s/x", base);
	cr_assert_eq(mkdir(p, 0700), 0);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	struct fds_id good = {st.st_dev, st.st_ino}, bad = {st.st_dev, st.st_ino + 1};
	cr_assert_eq(fds_push(&s, "x", 1, NULL, NULL, &bad), -1);
	cr_assert_eq(errno, ESTALE);
	cr_assert_eq(fds_depth(&s), 0);
	cr_assert_geq(fds_push(&s, "x", 1, NULL, NULL, &good), 0);
	cr_assert_eq(fds_depth(&s), 1);
	size_t len;
	cr_assert_str_eq(fds_path(&s, &len), "/x");
	fds_free(&s);
}
