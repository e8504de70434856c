/* test_storeguard.c - the trust check and the lock of an opened store
 * (runtime/storeguard.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers_tmp.h"
#include "store.h"
#include "storeguard.h"

static void setup(void)
{
	ut_tmp_make("guard");
}

TestSuite(storeguard, .init = setup, .fini = ut_tmp_remove);

static int check(char *why, size_t n)
{
	int meta = open(ut_at("s/MIGSTATE"), O_RDONLY | O_DIRECTORY);
	cr_assert(meta >= 0);
	int rc = storeguard_check(meta, why, n);
	close(meta);
	return rc;
}

Test(storeguard, every_entry_of_migstate_is_checked)
{
	char err[256], why[400];
	int m = store_create(ut_at("s"), false, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	close(m);
	int f = open(ut_at("s/MIGSTATE/catalog"), O_WRONLY | O_CREAT, 0600);
	close(f);
	cr_expect_eq(check(why, sizeof why), 0, "a fresh store is trusted");
	chmod(ut_at("s/MIGSTATE/catalog"), 0666);
	cr_expect_eq(check(why, sizeof why), -1);
	cr_expect(strstr(why, "MIGSTATE/catalog") && strstr(why, "writable"), "%s", why);
	chmod(ut_at("s/MIGSTATE/catalog"), 0644);
	cr_expect_eq(check(why, sizeof why), 0, "readable is fine");
	cr_assert_eq(chown(ut_at("s/MIGSTATE/store.id"), 4242, 0), 0);
	cr_expect_eq(check(why, sizeof why), -1);
	cr_expect(strstr(why, "store.id") && strstr(why, "uid 4242"), "%s", why);
	cr_assert_eq(chown(ut_at("s/MIGSTATE/store.id"), 0, 0), 0);
	cr_assert_eq(symlink("/etc/passwd", ut_at("s/MIGSTATE/restored")), 0);
	cr_expect_eq(check(why, sizeof why), -1, "a symlink in MIGSTATE");
	unlink(ut_at("s/MIGSTATE/restored"));
	chmod(ut_at("s/MIGSTATE"), 0770);
	cr_expect_eq(check(why, sizeof why), -1);
	cr_expect(strstr(why, "its group"), "%s", why);
	chmod(ut_at("s/MIGSTATE"), 0700);
	cr_assert_eq(chown(ut_at("s/MIGSTATE"), 4242, 0), 0);
	cr_expect_eq(check(why, sizeof why), -1);
	cr_expect(strstr(why, "MIGSTATE is owned by uid 4242"), "%s", why);
}

Test(storeguard, a_second_lock_fails_at_once)
{
	mkdir(ut_at("s"), 0700);
	char why[400];
	int a = open(ut_at("s"), O_RDONLY | O_DIRECTORY);
	int b = open(ut_at("s"), O_RDONLY | O_DIRECTORY);
	cr_assert_eq(storeguard_lock(a, why, sizeof why), 0, "%s", why);
	errno = 0;
	cr_expect_eq(storeguard_lock(b, why, sizeof why), -1);
	cr_expect_eq(errno, EWOULDBLOCK);
	cr_expect(strstr(why, "in use by another migstate command"), "%s", why);
	close(a); /* the lock goes with the descriptor */
	cr_expect_eq(storeguard_lock(b, why, sizeof why), 0, "%s", why);
	close(b);
}
