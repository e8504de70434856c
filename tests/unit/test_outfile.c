/* test_outfile.c - output files (runtime/outfile.c): made 0600, never opened through a
 * symlink (at the name or on the way), and an existing file is truncated only when it
 * is a regular file of ours with one link. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "outfile.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof dir, "/tmp/migstate-outfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(outfile, .init = mkdir_tmp, .fini = rm_tmp);

static char *at(const char *name)
{
	static char p[4][128];
	static int k;
	char *r = p[k++ % 4];
	snprintf(r, 128, "%s/%s", dir, name);
	return r;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static off_t size_of(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

Test(outfile, created_private)
{
	umask(022);
	char why[160];
	int fd = outfile_open(at("new.log"), 0600, why, sizeof why);
	cr_assert(fd >= 0, "%s", why);
	close(fd);
	struct stat st;
	cr_assert_eq(lstat(at("new.log"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	/* ours already, but readable by all: truncated and narrowed */
	put(at("old.log"), "old lines\n");
	chmod(at("old.log"), 0644);
	fd = outfile_open(at("old.log"), 0600, why, sizeof why);
	cr_assert(fd >= 0, "%s", why);
	close(fd);
	cr_assert_eq(lstat(at("old.log"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_expect_eq(st.st_size, 0);
}

Test(outfile, symlink_at_the_name_is_not_followed)
{
	put(at("sentinel"), "keep me\n");
	cr_assert_eq(symlink(at("sentinel"), at("trap.log")), 0);
	char why[160];
	cr_assert_eq(outfile_open(at("trap.log"), 0600, why, sizeof why), -1);
	cr_expect_eq(errno, ELOOP);
	cr_expect(strstr(why, "symbolic link"), "%s", why);
	cr_expect_eq(size_of(at("sentinel")), 8, "the target was truncated");
	/* dangling: nothing is created at its target either */
	cr_assert_eq(symlink(at("made-by-us"), at("dangling.log")), 0);
	cr_assert_eq(outfile_open(at("dangling.log"), 0600, why, sizeof why), -1);
	cr_expect_eq(access(at("made-by-us"), F_OK), -1);
}

Test(outfile, symlink_on_the_way_is_not_followed)
{
	cr_assert_eq(mkdir(at("real"), 0755), 0);
	put(at("real/victim.log"), "keep me\n");
	cr_assert_eq(symlink("real", at("via")), 0);
	char why[160];
	cr_assert_eq(outfile_open(at("via/victim.log"), 0600, why, sizeof why), -1);
	cr_expect_eq(errno, ELOOP);
	cr_expect(strstr(why, "directory on its path"), "%s", why);
	cr_expect_eq(size_of(at("real/victim.log")), 8);
	/* the real path, with "." and ".." in it, is fine */
	int fd = outfile_open(at("real/../real/./victim.log"), 0600, why, sizeof why);
	cr_assert(fd >= 0, "%s", why);
	close(fd);
}

Test(outfile, other_files_are_left_alone)
{
	char why[160];
	/* a hard link: may be any file's other name */
	put(at("target"), "keep me\n");
	cr_assert_eq(link(at("target"), at("hard.log")), 0);
	cr_assert_eq(outfile_open(at("hard.log"), 0600, why, sizeof why), -1);
	cr_expect(strstr(why, "hard links"), "%s", why);
	cr_expect_eq(size_of(at("target")), 8);
	/* a device that is not a terminal-like character device */
	cr_assert_eq(mknod(at("disk.log"), S_IFBLK | 0600, makedev(7, 0)), 0);
	cr_assert_eq(outfile_open(at("disk.log"), 0600, why, sizeof why), -1);
	cr_expect(strstr(why, "not a regular file"), "%s", why);
	/* a directory */
	cr_assert_eq(outfile_open(at(""), 0600, why, sizeof why), -1);
	cr_expect_eq(errno, EISDIR);
	cr_assert_eq(outfile_open("", 0600, why, sizeof why), -1);
	cr_expect_eq(errno, EINVAL);
	/* another user's file */
	if (geteuid() != 0)
		return;
	put(at("theirs.log"), "keep me\n");
	cr_assert_eq(chown(at("theirs.log"), 1500, 1500), 0);
	cr_assert_eq(outfile_open(at("theirs.log"), 0600, why, sizeof why), -1);
	cr_expect(strstr(why, "uid 1500"), "%s", why);
	cr_expect_eq(size_of(at("theirs.log")), 8);
	/* another user's FIFO: refused at once, never waited on */
	cr_assert_eq(mkfifo(at("fifo.log"), 0666), 0);
	cr_assert_eq(chown(at("fifo.log"), 1500, 1500), 0);
	cr_assert_eq(outfile_open(at("fifo.log"), 0600, why, sizeof why), -1);
	cr_expect(strstr(why, "uid 1500"), "%s", why);
}

Test(outfile, own_fifo_and_dev_null)
{
	char why[160];
	int fd = outfile_open("/dev/null", 0600, why, sizeof why);
	cr_assert(fd >= 0, "%s", why);
	close(fd);
	cr_assert_eq(mkfifo(at("fifo"), 0600), 0);
	int rd = open(at("fifo"), O_RDONLY | O_NONBLOCK); /* a reader, so the open returns */
	cr_assert(rd >= 0);
	fd = outfile_open(at("fifo"), 0600, why, sizeof why);
	cr_assert(fd >= 0, "%s", why);
	cr_assert_eq(write(fd, "x\n", 2), 2);
	char b[4];
	cr_expect_eq(read(rd, b, sizeof b), 2);
	close(fd);
	close(rd);
}
