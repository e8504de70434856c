/* test_copyfile.c - the one copy function (runtime/copyfile.c): data, holes, metadata,
 * never replacing a name, the inode check, clone-only copies and the clone probe; and
 * the link limits of runtime/volumes.c. The end-to-end tests (t_fs_*.sh) cover clones
 * on xfs and btrfs; here /tmp may be any filesystem, so clone results are only
 * checked to agree with each other. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copyfile.h"
#include "volumes.h"

static char base[64];
static int dfd = -1;

static void setup(void)
{
	strcpy(base, "/tmp/migstate-ut-copy.XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	dfd = open(base, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	cr_assert_eq(mkdirat(dfd, "dst", 0700), 0);
}

static void teardown(void)
{
	char cmd[600];
	close(dfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	cr_expect_eq(system(cmd), 0);
}

static void put(const char *name, const char *data, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	fchmodat(dfd, name, mode, 0);
}

static int sub(void)
{
	int fd = openat(dfd, "dst", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	return fd;
}

/* Entries of dst whose name starts with ".migtmp" */
static int temps(void)
{
	int n = 0, fd = sub();
	DIR *d = fdopendir(fd);
	struct dirent *e;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, ".migtmp", 7);
	closedir(d);
	return n;
}

TestSuite(copyfile, .init = setup, .fini = teardown);

Test(copyfile, data_mode_times)
{
	put("a", "hello world\n", 0640);
	struct timespec t[2] = {{1000000000, 5}, {1200000000, 123456789}};
	cr_assert_eq(utimensat(dfd, "a", t, 0), 0);
	struct stat st;
	cr_assert_eq(fstatat(dfd, "a", &st, 0), 0);
	int d = sub();
	struct copy_result r;
	cr_assert_eq(copy_file(dfd, "a", d, "a", st.st_dev, st.st_ino, 0, &r), 0);
	struct stat c;
	cr_assert_eq(fstatat(d, "a", &c, 0), 0);
	cr_expect_eq(c.st_size, 12);
	cr_expect_eq(c.st_mode & 07777, 0640);
	cr_expect_eq(c.st_mtim.tv_sec, 1200000000);
	cr_expect_eq(c.st_mtim.tv_nsec, 123456789);
	cr_expect_neq(c.st_ino, st.st_ino);
	cr_expect(r.how == COPY_CLONE || r.bytes == 12);
	char buf[32] = {0};
	int fd = openat(d, "a", O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof buf), 12);
	cr_expect_str_eq(buf, "hello world\n");
	close(fd);
	close(d);
	cr_expect_eq(temps(), 0);
}

/* COPY_NOSUID: the copy of a set-uid, set-gid file has neither bit; without it both stay
 * (the copy has the source's owner and group). */
Test(copyfile, setid_dropped_on_request)
{
	put("s", "#!/bin/sh\n", 06755);
	struct stat st;
	cr_assert_eq(fstatat(dfd, "s", &st, 0), 0);
	if ((st.st_mode & 06000) != 06000)
		cr_skip_test("cannot make a set-id file here");
	int d = sub();
	struct copy_result r;
	cr_assert_eq(copy_file(dfd, "s", d, "kept", 0, 0, 0, &r), 0);
	cr_expect(!r.dropped);
	cr_assert_eq(copy_file(dfd, "s", d, "dropped", 0, 0, COPY_NOSUID, &r), 0);
	cr_expect(r.dropped);
	cr_assert_eq(copy_file(dfd, "s", d, "nosgid", 0, 0, COPY_DROP_SGID, &r), 0);
	struct stat c;
	cr_assert_eq(fstatat(d, "kept", &c, 0), 0);
	cr_expect_eq(c.st_mode & 07777, 06755);
	cr_assert_eq(fstatat(d, "dropped", &c, 0), 0);
	cr_expect_eq(c.st_mode & 07777, 0755);
	cr_assert_eq(fstatat(d, "nosgid", &c, 0), 0);
	cr_expect_eq(c.st_mode & 07777, 04755);
	close(d);
}

Test(copyfile, never_replaces)
{
	put("a", "new\n", 0644);
	int d = sub();
	int fd = openat(d, "a", O_WRONLY | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "old\n", 4), 4);
	close(fd);
	struct copy_result r;
	cr_expect_eq(copy_file(dfd, "a", d, "a", 0, 0, 0, &r), -1);
	cr_expect_eq(errno, EEXIST);
	char buf[8] = {0};
	fd = openat(d, "a", O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof buf), 4);
	cr_expect_str_eq(buf, "old\n");
	close(fd);
	close(d);
	cr_expect_eq(temps(), 0);
}

Test(copyfile, replaced_source_is_stale)
{
	put("a", "x\n", 0644);
	struct stat st;
	cr_assert_eq(fstatat(dfd, "a", &st, 0), 0);
	int d = sub();
	struct copy_result r;
	cr_expect_eq(copy_file(dfd, "a", d, "a", st.st_dev, st.st_ino + 1, 0, &r), -1);
	cr_expect_eq(errno, ESTALE);
	cr_expect_eq(faccessat(d, "a", F_OK, 0), -1);
	close(d);
	cr_expect_eq(temps(), 0);
}

Test(copyfile, holes_kept)
{
	int fd = openat(dfd, "sparse", O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "middle", 6, 4 << 20), 6);
	cr_assert_eq(ftruncate(fd, 8 << 20), 0);
	close(fd);
	struct stat st;
	cr_assert_eq(fstatat(dfd, "sparse", &st, 0), 0);
	if (st.st_blocks * 512 >= st.st_size)
		cr_skip_test("this /tmp keeps no holes");
	int d = sub();
	struct copy_result r;
	cr_assert_eq(copy_file(dfd, "sparse", d, "sparse", 0, 0, COPY_NO_CLONE, &r), 0);
	struct stat c;
	cr_assert_eq(fstatat(d, "sparse", &c, 0), 0);
	cr_expect_eq(c.st_size, 8 << 20);
	cr_expect_lt(c.st_blocks, 2048, "the copy of a sparse file is sparse: %lld blocks",
		     (long long)c.st_blocks);
	cr_expect_leq(r.bytes, 1 << 20, "only the data was copied: %llu bytes",
		      (unsigned long long)r.bytes);
	char buf[7] = {0};
	fd = openat(d, "sparse", O_RDONLY);
	cr_assert_eq(pread(fd, buf, 6, 4 << 20), 6);
	cr_expect_str_eq(buf, "middle");
	close(fd);
	close(d);
}

/* The probe and a clone-only copy agree; a refused clone leaves nothing behind. */
Test(copyfile, clone_only_and_probe)
{
	put("a", "clone me\n", 0644);
	int d = sub();
	int probe = copy_can_clone(dfd, "a", d);
	cr_assert(probe == 0 || probe == 1);
	cr_expect_eq(temps(), 0, "the probe leaves no name behind");
	struct copy_result r;
	int rc = copy_file(dfd, "a", d, "a", 0, 0, COPY_CLONE_ONLY, &r);
	if (probe) {
		cr_expect_eq(rc, 0);
		cr_expect_eq(r.how, COPY_CLONE);
	} else {
		cr_expect_eq(rc, -1);
		cr_expect_not(r.store_side);
		cr_expect_eq(faccessat(d, "a", F_OK, 0), -1);
	}
	cr_expect_eq(temps(), 0);
	cr_expect_eq(copy_can_clone(dfd, "missing", d), -1);
	close(d);
}

Test(volumes, link_max)
{
	cr_expect_eq(vol_link_max(VOL_EXT4_MAGIC), 65000);
	cr_expect_eq(vol_link_max(VOL_BTRFS_MAGIC), 65535);
	cr_expect_eq(vol_link_max(VOL_XFS_MAGIC), 2147483647);
	cr_expect_eq(vol_link_max(VOL_TMPFS_MAGIC), UINT64_MAX);
	cr_expect_eq(vol_link_max(0x12345678), UINT64_MAX);
}

Test(volumes, mount_table)
{
	char err[256];
	struct vol_table t;
	cr_assert_eq(vol_load(&t, err, sizeof err), 0, "%s", err);
	uint32_t id;
	int fd = open("/", O_PATH);
	cr_assert_eq(vol_fd_mnt_id(fd, &id), 0);
	close(fd);
	const struct vol *v = vol_by_id(&t, id);
	cr_assert_not_null(v);
	cr_expect_str_eq(v->mnt, "/");
	cr_expect(!v->upperdir || !strcmp(v->fstype, "overlay"));
	vol_free(&t);
}
