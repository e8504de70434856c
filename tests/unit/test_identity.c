/* test_identity.c - the identity records of a store (runtime/identity.c): collected from
 * a system's account files, written, read back, and refused when damaged. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acctdb.h"
#include "identity.h"

static char dir[64];
static int dfd = -1;

static void setup(void)
{
	strcpy(dir, "/tmp/migstate-ut-ident.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
}

static void teardown(void)
{
	char cmd[128];
	close(dfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(identity, .init = setup, .fini = teardown);

static struct acct_db sample(void)
{
	struct acct_db db;
	memset(&db, 0, sizeof db);
	const char *pw = "root:x:0:0:root:/root:/bin/bash\n"
			 "alice:x:1001:1001:Alice\tTab,,,:/home/alice:/bin/bash\n"
			 "bob:x:1002:1002::/home/bob:/bin/zsh\n"
			 "carol:x:1003:1003::/home/carol:/bin/sh\n";
	const char *gr = "root:x:0:\nalice:x:1001:\nbob:x:1002:\ncarol:x:1003:\n"
			 "sudo:x:27:alice\nteam:x:2000:alice,bob\ncrontab:x:101:\n";
	const char *sh = "alice:$y$abc\\def:19700:0:99999:7:::\nbob:!:19700:0:99999:7:::\n";
	cr_assert_eq(acctdb_parse(&db, ACCT_PASSWD, pw, strlen(pw)), 0);
	cr_assert_eq(acctdb_parse(&db, ACCT_GROUP, gr, strlen(gr)), 0);
	cr_assert_eq(acctdb_parse(&db, ACCT_SHADOW, sh, strlen(sh)), 0);
	return db;
}

Test(identity, collect_write_read_round_trip)
{
	struct acct_db db = sample();
	const char *sel[] = {"alice"};
	uint32_t uids[] = {0, 1001, 1002, 4242}, gids[] = {101, 1001, 5555};
	struct identities id, back;
	cr_assert_eq(ident_collect(&db, sel, 1, uids, 4, gids, 3, &id), 0);
	cr_expect_eq(id.nusers, 3, "alice, and root and bob as owners");
	const struct ident_user *a = ident_user_uid(&id, 1001);
	cr_assert_not_null(a);
	cr_expect(a->selected);
	cr_expect_str_eq(a->hash, "$y$abc\\def");
	cr_expect(!ident_user_uid(&id, 1002)->selected);
	cr_expect_null(ident_user_uid(&id, 1003), "carol neither selected nor an owner");
	cr_expect_eq(id.nmembers, 2, "alice in sudo and team");
	cr_expect_not_null(ident_group_gid(&id, 27));
	cr_expect_not_null(ident_group_gid(&id, 101), "an owning group");
	cr_expect_eq(id.nanon_uids, 1);
	cr_expect_eq(id.anon_uids[0], 4242);
	cr_expect_eq(id.nanon_gids, 1);
	cr_assert_eq(ident_write(dfd, &id), 0);
	struct stat st;
	cr_assert_eq(fstatat(dfd, IDENT_FILE, &st, 0), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "shadow hashes: root's alone");
	char err[256];
	cr_assert_eq(ident_read(dfd, &back, err, sizeof err), 0, "%s", err);
	cr_expect_eq(back.nusers, id.nusers);
	cr_expect_eq(back.ngroups, id.ngroups);
	cr_expect_eq(back.nmembers, id.nmembers);
	const struct ident_user *b = ident_user_uid(&back, 1001);
	cr_assert_not_null(b);
	cr_expect_str_eq(b->gecos, "Alice\tTab,,,", "a tab in a field survives");
	cr_expect_str_eq(b->hash, a->hash);
	cr_expect_str_eq(b->aging, "19700:0:99999:7:::");
	cr_expect(b->selected);
	cr_expect_eq(back.anon_uids[0], 4242);
	ident_free(&id);
	ident_free(&back);
	acctdb_free(&db);
}

static void put(const char *text)
{
	int fd = openat(dfd, IDENT_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

Test(identity, damaged_or_absent)
{
	struct identities id;
	char err[256];
	errno = 0;
	cr_expect_eq(ident_read(dfd, &id, err, sizeof err), -1);
	cr_expect_eq(errno, ENOENT, "a store made before identity records");
	struct acct_db db = sample();
	const char *sel[] = {"bob"};
	cr_assert_eq(ident_collect(&db, sel, 1, NULL, 0, NULL, 0, &id), 0);
	cr_assert_eq(ident_write(dfd, &id), 0);
	ident_free(&id);
	acctdb_free(&db);
	/* flip one byte */
	char buf[4096];
	int fd = openat(dfd, IDENT_FILE, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	cr_assert_gt(n, 40);
	buf[n] = 0;
	char *u = strstr(buf, "bob");
	cr_assert_not_null(u);
	u[0] = 'B';
	put(buf);
	errno = 0;
	cr_expect_eq(ident_read(dfd, &id, err, sizeof err), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect(strstr(err, "damaged") != NULL, "%s", err);
	put("migstate-identities 1\nuser\tx\n");
	cr_expect_eq(ident_read(dfd, &id, err, sizeof err), -1, "no checksum");
	put("");
	cr_expect_eq(ident_read(dfd, &id, err, sizeof err), -1, "empty");
}

#include "idmap.h"

/* Captured: alice 1001, bob 1002, carol 1003 (selected), team 2000, sudo 27; an owner
 * 4242 without a name. The target: alice 1000 (renumbered), bob 1001 (he took alice's
 * old uid), no carol, but uid 1003 is dave now; team 2001; no sudo and gid 27 free. */
Test(identity, ids_mapped_by_name)
{
	struct acct_db cap = sample(), tgt;
	memset(&tgt, 0, sizeof tgt);
	const char *pw = "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"
			 "bob:x:1001:1001::/home/bob:/bin/sh\ndave:x:1003:1003::/home/dave:/bin/sh\n";
	const char *gr = "root:x:0:\nalice:x:1000:\nbob:x:1001:\nteam:x:2001:\n";
	cr_assert_eq(acctdb_parse(&tgt, ACCT_PASSWD, pw, strlen(pw)), 0);
	cr_assert_eq(acctdb_parse(&tgt, ACCT_GROUP, gr, strlen(gr)), 0);
	const char *sel[] = {"alice", "bob", "carol"};
	uint32_t uids[] = {0, 1001, 1002, 1003, 4242}, gids[] = {0, 1001, 1002, 2000, 27};
	struct identities id;
	cr_assert_eq(ident_collect(&cap, sel, 3, uids, 5, gids, 5, &id), 0);
	struct idmap m;
	cr_assert_eq(idmap_build(&m, &id, &tgt, NULL, 0, false), 0);
	uint32_t u, g;
	cr_expect_eq(idmap_owner(&m, 1001, 1001, &u, &g), 0);
	cr_expect(u == 1000 && g == 1000, "alice renumbered: %u:%u", u, g);
	cr_expect_eq(idmap_owner(&m, 1002, 2000, &u, &g), 0);
	cr_expect(u == 1001 && g == 2001, "bob and team by name: %u:%u", u, g);
	cr_expect_eq(idmap_owner(&m, 1003, 1003, &u, &g), -1, "carol: uid 1003 is dave's now");
	cr_expect_eq(idmap_user(&m, 1003)->kind, IDM_TAKEN);
	cr_expect_str_eq(idmap_user(&m, 1003)->now, "dave");
	cr_expect_eq(idmap_owner(&m, 1001, 27, &u, &g), 0, "sudo absent: the owner's group");
	cr_expect(u == 1000 && g == 1000, "%u:%u", u, g);
	cr_expect_eq(idmap_owner(&m, 4242, 0, &u, &g), 0);
	cr_expect(u == 4242 && g == 0, "a nameless owner keeps its number");
	cr_expect_eq(idmap_owner(&m, 0, 0, &u, &g), 0);
	cr_expect(u == 0 && g == 0);
	cr_expect_eq(idmap_owner(&m, 777, 777, &u, &g), 0, "not in the records: kept");
	idmap_need(&m, 1003, 1003);
	cr_expect_eq(idmap_user(&m, 1003)->objects, 1);
	idmap_free(&m);
	/* --mu carol:dave: carol's objects go to dave */
	struct idmap_mu mu[] = {{"carol", "dave"}};
	cr_assert_eq(idmap_build(&m, &id, &tgt, mu, 1, false), 0);
	cr_expect_eq(idmap_owner(&m, 1003, 1003, &u, &g), 0);
	cr_expect_eq(u, 1003, "dave's uid");
	cr_expect_str_eq(idmap_user(&m, 1003)->target, "dave");
	idmap_free(&m);
	/* --keep-ids, or no records: numbers kept */
	cr_assert_eq(idmap_build(&m, &id, &tgt, NULL, 0, true), 0);
	cr_expect_eq(idmap_owner(&m, 1003, 1003, &u, &g), 0);
	cr_expect(u == 1003 && g == 1003);
	idmap_free(&m);
	cr_assert_eq(idmap_build(&m, NULL, &tgt, NULL, 0, false), 0);
	cr_expect(m.keep);
	idmap_free(&m);
	ident_free(&id);
	acctdb_free(&cap);
	acctdb_free(&tgt);
}

Test(identity, mapped_group_members_recorded_migrated_or_not)
{
	struct acct_db db = sample();
	const char *sel[] = {"alice"}, *mapped[] = {"team", "absent", "carol"};
	struct identities id, back;
	cr_assert_eq(ident_collect(&db, sel, 1, NULL, 0, NULL, 0, &id), 0);
	cr_assert_eq(ident_collect_groups(&db, mapped, 3, &id), 0);
	/* team lists alice and bob; carol is carol's primary group; "absent" is nobody's */
	cr_assert_eq(id.ngmembers, 3);
	cr_expect_str_eq(id.gmembers[0].user, "alice");
	cr_expect_str_eq(id.gmembers[1].user, "bob");
	cr_expect_str_eq(id.gmembers[2].user, "carol");
	cr_expect_str_eq(id.gmembers[2].group, "carol");
	cr_expect_not_null(ident_group_gid(&id, 2000), "the mapped group's entry");
	cr_assert_eq(ident_write(dfd, &id), 0);
	char err[200];
	cr_assert_eq(ident_read(dfd, &back, err, sizeof err), 0, "%s", err);
	cr_assert_eq(back.ngmembers, 3);
	cr_expect_str_eq(back.gmembers[1].user, "bob");
	cr_expect_str_eq(back.gmembers[1].group, "team");
	ident_free(&id);
	ident_free(&back);
	acctdb_free(&db);
}
