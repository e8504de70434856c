/* test_store.c - store recognition, creation and reset (runtime/store.c): what is
 * "ours" and what is foreign (never touched), the store.id state machine, -o resets,
 * per-volume stores made without following symlinks, and a tree removal that stays
 * inside the store. */
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

static void setup(void)
{
	ut_tmp_make("store");
}

TestSuite(store, .init = setup, .fini = ut_tmp_remove);

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *p)
{
	static char buf[1024];
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

Test(store, probe_what_is_there)
{
	cr_expect_eq(store_probe(ut_at("absent")), SS_NONE);
	mkdir(ut_at("empty"), 0755);
	cr_expect_eq(store_probe(ut_at("empty")), SS_NONE);
	write_file(ut_at("file"), "x");
	cr_expect_eq(store_probe(ut_at("file")), SS_FOREIGN);
	mkdir(ut_at("full"), 0755);
	write_file(ut_at("full/data"), "x");
	cr_expect_eq(store_probe(ut_at("full")), SS_FOREIGN);
	cr_expect_eq(symlink("empty", ut_at("link")), 0);
	cr_expect_eq(store_probe(ut_at("link")), SS_FOREIGN, "a symlink is never ours");
	/* MIGSTATE with a store.id that is not ours */
	mkdir(ut_at("fake"), 0755);
	mkdir(ut_at("fake/MIGSTATE"), 0755);
	write_file(ut_at("fake/MIGSTATE/store.id"), "something else\n");
	cr_expect_eq(store_probe(ut_at("fake")), SS_FOREIGN);
	write_file(ut_at("fake/MIGSTATE/store.id"), "migstate-store 1\nstate: bogus\n");
	cr_expect_eq(store_probe(ut_at("fake")), SS_FOREIGN, "an unknown state is not ours");
	write_file(ut_at("fake/MIGSTATE/store.id"),
		   "migstate-store 1\nfuture: line\nstate: complete\n");
	cr_expect_eq(store_probe(ut_at("fake")), SS_COMPLETE, "unknown lines are ignored");
}

Test(store, interrupted_creation_is_ours)
{
	mkdir(ut_at("s"), 0700);
	mkdir(ut_at("s/MIGSTATE"), 0700);
	cr_expect_eq(store_probe(ut_at("s")), SS_SCANNING, "empty MIGSTATE alone");
	write_file(ut_at("s/MIGSTATE/store.id.tmp"), "migst");
	cr_expect_eq(store_probe(ut_at("s")), SS_SCANNING, "only the temp file");
	write_file(ut_at("s/other"), "x");
	cr_expect_eq(store_probe(ut_at("s")), SS_FOREIGN, "anything else next to it");
	char err[256];
	unlink(ut_at("s/other"));
	int m = store_create(ut_at("s"), true, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	cr_expect_eq(store_get_state(m), SS_SCANNING);
	close(m);
}

Test(store, create_sets_up_the_layout)
{
	char err[256];
	int m = store_create(ut_at("deep/parents/store/"), false, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	struct stat st;
	cr_assert_eq(stat(ut_at("deep/parents/store"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700);
	cr_expect_eq(st.st_uid, geteuid());
	cr_assert_eq(stat(ut_at("deep/parents/store/MIGSTATE/File"), &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	char id[STORE_INSTANCE_HEX + 1], want[256];
	cr_assert_eq(store_get_instance(m, id), 0);
	cr_expect_eq(strspn(id, "0123456789abcdef"), STORE_INSTANCE_HEX, "%s", id);
	snprintf(want, sizeof want, "migstate-store 1\nstate: scanning\nrole: master\nid: %s\n",
		 id);
	cr_expect_str_eq(read_file(ut_at("deep/parents/store/MIGSTATE/store.id")), want);
	cr_expect_eq(store_get_state(m), SS_SCANNING);
	cr_expect_eq(store_get_role(m), SR_MASTER);
	cr_expect(!store_is_complete(m));
	cr_expect_eq(store_set_state(m, SS_COMPLETE), 0);
	cr_expect(!store_is_complete(m), "complete needs the catalog too");
	write_file(ut_at("deep/parents/store/MIGSTATE/catalog"), "x");
	cr_expect(store_is_complete(m));
	cr_expect_eq(store_probe(ut_at("deep/parents/store")), SS_COMPLETE);
	cr_expect_eq(store_set_state(m, SS_REMOVING), 0);
	cr_expect_eq(store_probe(ut_at("deep/parents/store")), SS_REMOVING);
	snprintf(want, sizeof want, "migstate-store 1\nstate: removing\nrole: master\nid: %s\n",
		 id);
	cr_expect_str_eq(read_file(ut_at("deep/parents/store/MIGSTATE/store.id")), want,
			 "the id survives a state change");
	close(m);
	int m2 = store_open_meta(ut_at("deep/parents/store"), err, sizeof err);
	cr_expect_geq(m2, 0, "%s", err);
	close(m2);
	cr_expect_lt(store_open_meta(ut_at("deep"), err, sizeof err), 0);
}

Test(store, existing_and_foreign)
{
	char err[256];
	int m = store_create(ut_at("s"), false, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	close(m);
	write_file(ut_at("s/MIGSTATE/File/old"), "old payload");
	mkdir(ut_at("s/MIGSTATE/File/dir"), 0700);
	write_file(ut_at("s/MIGSTATE/File/dir/f"), "x");
	write_file(ut_at("s/MIGSTATE/catalog.partial"), "partial");
	errno = 0;
	cr_expect_lt(store_create(ut_at("s"), false, NULL, err, sizeof err), 0, "exists without overwrite");
	cr_expect_eq(errno, EEXIST);
	cr_expect(strstr(err, "-o") != NULL, "%s", err);
	cr_expect_str_eq(read_file(ut_at("s/MIGSTATE/File/old")), "old payload", "kept");
	m = store_create(ut_at("s"), true, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	cr_expect_null(read_file(ut_at("s/MIGSTATE/File/old")), "reset removes the payload");
	cr_expect_null(read_file(ut_at("s/MIGSTATE/catalog.partial")), "and the catalog");
	struct stat st;
	cr_expect_eq(stat(ut_at("s/MIGSTATE/File"), &st), 0, "payload directory again");
	cr_expect_eq(store_get_state(m), SS_SCANNING);
	close(m);
	/* foreign: refused even with overwrite, and untouched */
	mkdir(ut_at("f"), 0755);
	write_file(ut_at("f/precious"), "data");
	errno = 0;
	cr_expect_lt(store_create(ut_at("f"), true, NULL, err, sizeof err), 0);
	cr_expect_eq(errno, ENOTEMPTY);
	cr_expect_str_eq(read_file(ut_at("f/precious")), "data");
	cr_expect_lt(store_create("/", true, NULL, err, sizeof err), 0, "never a filesystem root");
}

Test(store, volume_stores)
{
	char err[256];
	mkdir(ut_at("mnt"), 0755);
	int mfd = open(ut_at("mnt"), O_RDONLY | O_DIRECTORY);
	int top = -1;
	int m = store_create_volume(mfd, "a/b/store", false, &top, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	cr_expect_geq(top, 0);
	cr_expect_eq(store_get_role(m), SR_VOLUME);
	cr_expect(!strncmp(read_file(ut_at("mnt/a/b/store/MIGSTATE/store.id")),
			   "migstate-store 1\nstate: scanning\nrole: volume\nid: ", 50));
	cr_expect(!store_is_complete(m), "a volume store never holds the catalog");
	struct stat a, b;
	fstat(top, &a);
	stat(ut_at("mnt/a/b/store"), &b);
	cr_expect_eq(a.st_ino, b.st_ino, "TOPFD is the store top");
	close(top);
	close(m);
	/* a symlink on the way is not followed */
	mkdir(ut_at("elsewhere"), 0755);
	cr_assert_eq(symlink(ut_at("elsewhere"), ut_at("mnt/x")), 0);
	cr_expect_lt(store_create_volume(mfd, "x/store", false, NULL, err, sizeof err), 0);
	cr_expect_neq(stat(ut_at("elsewhere/store"), &b), 0, "nothing made through the symlink");
	cr_expect_lt(store_create_volume(mfd, "../escape", false, NULL, err, sizeof err), 0);
	close(mfd);
}

Test(store, rmtree_stays_inside)
{
	mkdir(ut_at("t"), 0755);
	mkdir(ut_at("t/d"), 0755);
	write_file(ut_at("t/d/f"), "x");
	mkdir(ut_at("outside"), 0755);
	write_file(ut_at("outside/keep"), "keep");
	cr_assert_eq(symlink(ut_at("outside"), ut_at("t/d/link")), 0);
	int fd = open(ut_at("."), O_RDONLY | O_DIRECTORY);
	struct stat st;
	fstat(fd, &st);
	cr_expect_eq(store_rmtree_at(fd, "t", st.st_dev), 0);
	cr_expect_neq(stat(ut_at("t"), &st), 0, "gone");
	cr_expect_str_eq(read_file(ut_at("outside/keep")), "keep", "the symlink's target survives");
	/* another device: not entered */
	mkdir(ut_at("t2"), 0755);
	write_file(ut_at("t2/f"), "x");
	cr_expect_eq(store_rmtree_at(fd, "t2", st.st_dev + 1), 1);
	cr_expect_str_eq(read_file(ut_at("t2/f")), "x");
	cr_expect_eq(store_rmtree_at(fd, "absent", st.st_dev), 0);
	close(fd);
}

Test(store, reset_draws_a_new_instance_id)
{
	char err[256], a[STORE_INSTANCE_HEX + 1], b[STORE_INSTANCE_HEX + 1];
	int m = store_create(ut_at("s"), false, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	cr_assert_eq(store_get_instance(m, a), 0);
	close(m);
	m = store_create(ut_at("s"), true, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	cr_assert_eq(store_get_instance(m, b), 0);
	cr_expect_str_neq(a, b, "a store made again at the same path is another instance");
	close(m);
	/* a store made before ids: no instance, still ours */
	mkdir(ut_at("old"), 0700);
	mkdir(ut_at("old/MIGSTATE"), 0700);
	write_file(ut_at("old/MIGSTATE/store.id"), "migstate-store 1\nstate: complete\nrole: master\n");
	int o = open(ut_at("old/MIGSTATE"), O_RDONLY | O_DIRECTORY);
	errno = 0;
	cr_expect_eq(store_get_instance(o, a), -1);
	cr_expect_eq(errno, ENODATA);
	cr_expect_eq(store_get_state(o), SS_COMPLETE);
	close(o);
}

/* A directory another user made at the store's place (or inside it) is never adopted:
 * a sticky /tmp lets anyone create the name before scan does. */
Test(store, never_adopts_what_another_user_made)
{
	char err[256];
	/* an empty directory of uid 4242 at the store path */
	mkdir(ut_at("planted"), 0777);
	cr_assert_eq(chown(ut_at("planted"), 4242, 4242), 0);
	errno = 0;
	cr_expect_lt(store_create(ut_at("planted"), false, NULL, err, sizeof err), 0);
	cr_expect_eq(errno, EEXIST);
	cr_expect(strstr(err, "uid 4242") != NULL, "%s", err);
	struct stat st;
	cr_expect_eq(stat(ut_at("planted/MIGSTATE"), &st), -1, "nothing made inside it");
	/* ours but writable by others */
	mkdir(ut_at("wide"), 0700);
	chmod(ut_at("wide"), 0777);
	cr_expect_lt(store_create(ut_at("wide"), false, NULL, err, sizeof err), 0);
	cr_expect(strstr(err, "writable") != NULL, "%s", err);
	/* a store of ours whose MIGSTATE another user owns: -o refuses it */
	int m = store_create(ut_at("s"), false, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	close(m);
	cr_assert_eq(chown(ut_at("s/MIGSTATE/File"), 4242, 4242), 0);
	cr_expect_lt(store_create(ut_at("s"), true, NULL, err, sizeof err), 0);
	cr_expect(strstr(err, "MIGSTATE/File") != NULL, "%s", err);
	cr_expect_eq(stat(ut_at("s/MIGSTATE/File"), &st), 0, "left as it was");
	/* an empty directory of ours is fine (an administrator made it beforehand) */
	mkdir(ut_at("mine"), 0755);
	m = store_create(ut_at("mine"), false, NULL, err, sizeof err);
	cr_assert_geq(m, 0, "%s", err);
	stat(ut_at("mine"), &st);
	cr_expect_eq(st.st_mode & 07777, 0700);
	close(m);
}
