/* test_storeparent.c - the store path check (runtime/storeparent.c): which owners and
 * modes are trusted, and the walk from / through directories, "..", missing components
 * and symlinks. t_store_parent.sh checks other owners (root needed) through scan, load
 * and rd. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storeparent.h"

Test(storeparent, rules)
{
	static const struct {
		uid_t uid;
		mode_t mode;
		bool link;
		uid_t me;
		bool safe;
	} rows[] = {
	    {0, S_IFDIR | 0755, false, 0, true},
	    {0, S_IFDIR | 01777, false, 0, true},   /* /tmp */
	    {0, S_IFDIR | 0777, false, 0, false},   /* not sticky */
	    {0, S_IFDIR | 0775, false, 0, false},   /* group-writable */
	    {0, S_IFDIR | 0757, false, 0, false},   /* other-writable */
	    {0, S_IFDIR | 01775, false, 0, true},   /* sticky and root's */
	    {1000, S_IFDIR | 01777, false, 0, false}, /* sticky but a user's */
	    {1000, S_IFDIR | 0700, false, 0, false},  /* a user's */
	    {1000, S_IFDIR | 0700, false, 1000, true}, /* the user running migstate */
	    {1001, S_IFDIR | 0700, false, 1000, false},
	    {0, S_IFLNK | 0777, true, 0, true},     /* a symlink's mode means nothing */
	    {1000, S_IFLNK | 0777, true, 0, false}, /* its owner does */
	};
	char why[128];
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct stat st = {.st_uid = rows[i].uid, .st_mode = rows[i].mode};
		const char *r = storeparent_unsafe(&st, rows[i].link, rows[i].me, why, sizeof why);
		cr_expect_eq(r == NULL, rows[i].safe, "row %zu: %s", i, r ? r : "safe");
	}
	struct stat st = {.st_uid = 0, .st_mode = S_IFDIR | 0777};
	cr_expect_str_eq(storeparent_unsafe(&st, false, 0, why, sizeof why),
			 "writable by its group and others (mode 0777)");
	st.st_uid = 1000;
	cr_expect_str_eq(storeparent_unsafe(&st, false, 0, why, sizeof why),
			 "owned by uid 1000, not by root");
}

static char base[64];

static void setup(void)
{
	strcpy(base, "/tmp/migstate-ut-sp.XXXXXX");
	cr_assert_not_null(mkdtemp(base)); /* 0700, ours, in root's sticky /tmp */
}

static void teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", base, base);
	cr_expect_eq(system(cmd), 0);
}

/* BASE + SUFFIX */
static int check(const char *suffix, char *err, size_t errsz)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s", base, suffix);
	return storeparent_check(path, geteuid(), err, errsz);
}

Test(storeparent, walk, .init = setup, .fini = teardown)
{
	char err[512], p[256];
	if (access("/tmp", W_OK) != 0 || geteuid() == 65534)
		cr_skip_test("no usable /tmp");
	struct stat tmp;
	cr_assert_eq(stat("/tmp", &tmp), 0);
	if (tmp.st_uid != 0 || (tmp.st_mode & 07777) != 01777)
		cr_skip_test("/tmp is not root's and 1777 here");
	cr_expect_eq(check("/store", err, sizeof err), 0, "%s", err);
	cr_expect_eq(check("/not/yet/made/store", err, sizeof err), 0, "%s", err);
	snprintf(p, sizeof p, "%s/open", base);
	cr_assert_eq(mkdir(p, 0700), 0);
	cr_assert_eq(chmod(p, 0777), 0);
	cr_expect_eq(check("/open/store", err, sizeof err), 1);
	cr_expect(strstr(err, "/open is writable by its group and others (mode 0777)"), "%s", err);
	cr_expect(strstr(err, STOREPARENT_OVERRIDE), "%s", err);
	/* the store itself, when it exists, counts too */
	cr_expect_eq(check("/open", err, sizeof err), 1);
	/* ".." walks back up: the unsafe directory is still on the way */
	cr_expect_eq(check("/open/../store", err, sizeof err), 1);
	cr_assert_eq(chmod(p, 0755), 0);
	cr_expect_eq(check("/open/../store", err, sizeof err), 0, "%s", err);
	/* a symlink is followed and its target walked; a relative one from its directory */
	snprintf(p, sizeof p, "%s/link", base);
	cr_assert_eq(symlink("open", p), 0);
	cr_expect_eq(check("/link/store", err, sizeof err), 0, "%s", err);
	snprintf(p, sizeof p, "%s/open", base);
	cr_assert_eq(chmod(p, 0775), 0);
	cr_expect_eq(check("/link/store", err, sizeof err), 1);
	cr_expect(strstr(err, "/open is writable by its group (mode 0775)"), "%s", err);
	/* an absolute symlink */
	snprintf(p, sizeof p, "%s/abs", base);
	cr_assert_eq(symlink("/tmp", p), 0);
	cr_expect_eq(check("/abs/store", err, sizeof err), 0, "%s", err);
	/* a loop is an error, not a verdict */
	snprintf(p, sizeof p, "%s/loop", base);
	cr_assert_eq(symlink("loop", p), 0);
	cr_expect_eq(check("/loop/store", err, sizeof err), -1);
	/* a relative store path starts at the current directory */
	char *cwd = getcwd(NULL, 0);
	snprintf(p, sizeof p, "%s/open", base);
	cr_assert_eq(chdir(p), 0);
	cr_expect_eq(storeparent_check("store", geteuid(), err, sizeof err), 1);
	cr_assert_eq(chdir(cwd), 0);
	free(cwd);
}
