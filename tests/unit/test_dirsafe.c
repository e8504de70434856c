/* test_dirsafe.c - load's rule for existing destination directories (runtime/dirsafe.c):
 * only group/other bits the captured mode did not grant are removed, never added; the
 * owner is reported, never changed; --keep-dir-modes and --dry-run change nothing; each
 * directory is looked at once. t_load_dir_modes.sh runs it through load. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirsafe.h"

Test(dirsafe, extra_bits)
{
	static const mode_t rows[][3] = {
	    /* now, captured, removed */
	    {0755, 0700, 0055}, {0777, 0750, 0027}, {0700, 0755, 0},  /* never adds */
	    {02775, 0755, 0020}, {01777, 01777, 0}, {0750, 0705, 0050}, /* o+rx kept, g+rx go */
	    {0711, 0700, 0011}, {0755, 0755, 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		cr_expect_eq(dirsafe_extra(rows[i][0], rows[i][1]), rows[i][2],
			     "now %04o captured %04o", (unsigned)rows[i][0], (unsigned)rows[i][1]);
}

static char base[64];
static struct rlog lg;

static void setup(void)
{
	char err[128];
	strcpy(base, "/tmp/migstate-ut-dirsafe.XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	cr_assert_eq(rlog_open(&lg, NULL, NULL, NULL, 0, err, sizeof err), 0);
}

static void teardown(void)
{
	rlog_close(&lg);
	rmdir(base);
}

static int wide_dir(mode_t mode, struct stat *st)
{
	cr_assert_eq(chmod(base, mode), 0);
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, st), 0);
	return fd;
}

static mode_t mode_now(void)
{
	struct stat st;
	cr_assert_eq(stat(base, &st), 0);
	return st.st_mode & 07777;
}

Test(dirsafe, tightens_through_the_fd, .init = setup, .fini = teardown)
{
	struct dirsafe d;
	struct stat st;
	dirsafe_init(&d, &lg, false, false, stdout);
	int fd = wide_dir(02777, &st);
	dirsafe_apply(&d, fd, &st, "/home/alice", st.st_uid, 0700);
	cr_expect_eq(mode_now(), 02700, "set-gid kept, group/other bits gone: %04o",
		     (unsigned)mode_now());
	cr_expect_eq(d.tightened, 1);
	cr_expect_eq(d.left_wide, 0);
	cr_expect_eq(d.owner_differs, 0);
	/* narrower than captured: left so */
	fd = (close(fd), wide_dir(0700, &st));
	dirsafe_apply(&d, fd, &st, "/home/alice", st.st_uid, 0755);
	cr_expect_eq(mode_now(), 0700);
	cr_expect_eq(d.tightened, 1);
	close(fd);
	dirsafe_free(&d);
}

Test(dirsafe, keep_and_dry_run_change_nothing, .init = setup, .fini = teardown)
{
	struct dirsafe d;
	struct stat st;
	dirsafe_init(&d, &lg, true, false, stdout);
	int fd = wide_dir(0755, &st);
	dirsafe_apply(&d, fd, &st, "/home/alice", st.st_uid, 0700);
	cr_expect_eq(mode_now(), 0755, "--keep-dir-modes");
	cr_expect_eq(d.left_wide, 1);
	cr_expect_eq(d.tightened, 0);
	dirsafe_free(&d);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cr_assert_not_null(out);
	dirsafe_init(&d, &lg, false, true, out);
	dirsafe_apply(&d, fd, &st, "/home/al\nice", st.st_uid, 0700);
	fclose(out);
	cr_expect_eq(mode_now(), 0755, "--dry-run");
	cr_expect_eq(d.tightened, 1, "counted as would-be tightened");
	cr_expect_str_eq(buf, "tighten\t/home/al\\x0aice\t0755 -> 0700\n", "one escaped line");
	free(buf);
	close(fd);
	dirsafe_free(&d);
}

Test(dirsafe, owner_reported_not_changed, .init = setup, .fini = teardown)
{
	struct dirsafe d;
	struct stat st;
	dirsafe_init(&d, &lg, false, false, stdout);
	int fd = wide_dir(0700, &st);
	dirsafe_apply(&d, fd, &st, "/home/bob", st.st_uid + 1, 0700);
	cr_expect_eq(d.owner_differs, 1);
	struct stat now;
	cr_assert_eq(stat(base, &now), 0);
	cr_expect_eq(now.st_uid, st.st_uid, "never chowned");
	close(fd);
	dirsafe_free(&d);
}

Test(dirsafe, each_directory_once, .init = setup, .fini = teardown)
{
	struct dirsafe d;
	struct stat st;
	dirsafe_init(&d, &lg, false, false, stdout);
	int fd = open(base, O_RDONLY | O_DIRECTORY);
	int fd2 = open(base, O_RDONLY | O_DIRECTORY);
	cr_expect(dirsafe_first(&d, fd, &st));
	cr_expect(!dirsafe_first(&d, fd2, &st), "the same inode through another fd");
	int root = open("/", O_RDONLY | O_DIRECTORY);
	cr_expect(dirsafe_first(&d, root, &st));
	/* the set grows past its first size */
	char p[128];
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof p, "%s/d%d", base, i);
		cr_assert_eq(mkdir(p, 0700), 0);
		int f = open(p, O_RDONLY | O_DIRECTORY);
		cr_expect(dirsafe_first(&d, f, &st));
		close(f);
	}
	cr_expect(!dirsafe_first(&d, fd, &st), "still seen after the set grew");
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof p, "%s/d%d", base, i);
		rmdir(p);
	}
	close(fd);
	close(fd2);
	close(root);
	dirsafe_free(&d);
}
