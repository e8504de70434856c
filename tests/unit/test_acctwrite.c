/* test_acctwrite.c - the account-creation engine (runtime/acctwrite.c, acctlock.c,
 * acctfile.c, acctedit.c, logindefs.c) on temporary roots: allocation, shells,
 * passwords, memberships, lines kept byte for byte, atomic replacement, locks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acctdb.h"
#include "acctfile.h"
#include "acctlock.h"
#include "acctwrite.h"
#include "logindefs.h"

static char root[64];
static int rootfd = -1;

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *rel, size_t *len)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static bool exists(const char *rel)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static void mkexe(const char *rel)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	cr_assert_geq(fd, 0, "%s", p);
	close(fd);
}

static void mkd(const char *rel)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
}

#define BASE_PASSWD                                                                        \
	"root:x:0:0:root:/root:/bin/sh\n"                                                  \
	"admin:x:1000:1000:Admin:/home/admin:/bin/sh\n"                                    \
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
#define BASE_SHADOW                                                                        \
	"root:*:19000:0:99999:7:::\n"                                                      \
	"admin:$y$j9T$xyz:19000:0:99999:7:::\n"                                            \
	"nobody:*:19000:0:99999:7:::\n"
#define BASE_GROUP                                                                         \
	"root:x:0:\n"                                                                      \
	"sudo:x:27:admin\n"                                                                \
	"users:x:100:\n"                                                                   \
	"admin:x:1000:\n"                                                                  \
	"nogroup:x:65534:\n"
#define BASE_GSHADOW                                                                       \
	"root:*::\n"                                                                       \
	"sudo:*::admin\n"                                                                  \
	"users:*::\n"                                                                      \
	"admin:!::\n"                                                                      \
	"nogroup:*::\n"

static void setup(void)
{
	strcpy(root, "/tmp/migstate-acctwrite.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	mkd("etc");
	mkd("etc/default");
	mkd("bin");
	mkexe("bin/sh");
	mkexe("bin/bash");
	put("etc/passwd", BASE_PASSWD);
	put("etc/shadow", BASE_SHADOW);
	put("etc/group", BASE_GROUP);
	put("etc/gshadow", BASE_GSHADOW);
	put("etc/login.defs", "# login.defs\nUID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\n"
			      "GID_MAX 60000\n");
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(rootfd, 0);
	acctfile_fault = NULL;
}

static void teardown(void)
{
	close(rootfd);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(acctwrite, .init = setup, .fini = teardown);

static struct aw_user user(const char *name, uint32_t uid)
{
	return (struct aw_user){name, uid, name, uid, "", "/home/x", "/bin/sh", NULL, NULL, true};
}

/* Apply REQ, expecting success; RES filled. */
static void apply(const struct aw_request *req, struct aw_result *res)
{
	char err[512] = "";
	int rc = acctwrite_apply(rootfd, req, res, err, sizeof err);
	cr_assert_eq(rc, 0, "apply: %s", err);
}

static struct acct_db read_db(void)
{
	struct acct_db db;
	char err[256];
	cr_assert_eq(acctdb_read(rootfd, &db, err, sizeof err), 0, "%s", err);
	return db;
}

/* --- allocation ----------------------------------------------------------------------- */

Test(acctwrite, captured_ids_kept_when_free)
{
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_request req = {.users = u, .nusers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[0].status, AW_CREATED);
	cr_expect_eq(res.users[0].uid, 1001);
	cr_expect_eq(res.users[0].gid, 1001);
	cr_expect(res.users[0].group_created);
	cr_expect_str_eq(res.users[0].home, "/home/x");
	struct acct_db db = read_db();
	const struct acct_user *a = acctdb_user_named(&db, "alice");
	cr_assert_not_null(a);
	cr_expect_eq(a->uid, 1001);
	cr_expect_eq(acctdb_group_named(&db, "alice")->gid, 1001);
	cr_expect_not_null(acctdb_shadow_of(&db, "alice"));
	cr_expect_not_null(acctdb_gshadow_of(&db, "alice"));
	acctdb_free(&db);
	acctwrite_result_free(&res);
}

Test(acctwrite, taken_id_moves_above_the_highest)
{
	put("etc/passwd", BASE_PASSWD "carol:x:1005:1000::/home/carol:/bin/sh\n");
	put("etc/shadow", BASE_SHADOW "carol:!:19000:0:99999:7:::\n");
	struct aw_user u[] = {user("alice", 1000)}; /* admin has 1000 */
	struct aw_request req = {.users = u, .nusers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[0].uid, 1006, "one above the highest uid in range, got %u",
		     res.users[0].uid);
	cr_expect_eq(res.users[0].gid, 1001, "gid 1000 is admin's group: above it");
	acctwrite_result_free(&res);
}

Test(acctwrite, out_of_range_captured_id_is_allocated_in_range)
{
	put("etc/login.defs", "UID_MIN 0x7d0\nUID_MAX 3000\nGID_MIN 2000\nGID_MAX 3000\n");
	struct aw_user u[] = {user("sys", 999), user("high", 70000)};
	struct aw_request req = {.users = u, .nusers = 2};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.uid_min, 2000, "hex values are read as the shadow tools read them");
	cr_expect_eq(res.users[0].uid, 2000);
	cr_expect_eq(res.users[1].uid, 2001);
	cr_expect_eq(res.users[0].gid, 2000);
	cr_expect_eq(res.users[1].gid, 2001);
	acctwrite_result_free(&res);
}

Test(acctwrite, range_exhausted_and_wrapping)
{
	/* highest in range is the maximum: the lowest free id is taken */
	put("etc/login.defs", "UID_MIN 1000\nUID_MAX 1003\nGID_MIN 1000\nGID_MAX 1003\n");
	put("etc/passwd", BASE_PASSWD "top:x:1003:1000::/:/bin/sh\n");
	struct aw_user u[] = {user("a", 1003), user("b", 1003), user("c", 1003)};
	struct aw_request req = {.users = u, .nusers = 3};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[0].uid, 1001);
	cr_expect_eq(res.users[1].uid, 1002);
	cr_expect_eq(res.users[2].status, AW_NO_ID, "1000..1003 are all taken now");
	cr_expect_eq(res.users_created, 2);
	struct acct_db db = read_db();
	cr_expect_null(acctdb_user_named(&db, "c"), "an account without an id is not written");
	cr_expect_null(acctdb_group_named(&db, "c"));
	acctdb_free(&db);
	acctwrite_result_free(&res);
}

Test(acctwrite, captured_ids_honoured_before_allocation)
{
	/* x's 1000 is taken: it must not be given 1001, which y captured */
	struct aw_user u[] = {user("x", 1000), user("y", 1001)};
	struct aw_request req = {.users = u, .nusers = 2};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[1].uid, 1001);
	cr_expect_eq(res.users[0].uid, 1002);
	acctwrite_result_free(&res);
}

Test(acctwrite, existing_names_and_ids_mentioned_by_any_line)
{
	/* a NIS line, a duplicate-id line and an orphan shadow line take names and ids */
	put("etc/passwd", BASE_PASSWD "+nisuser::::::\ndupid:x:1000:1000::/:/bin/sh\n"
				      "broken:x:1002\n");
	put("etc/shadow", BASE_SHADOW "orphan:!:1::::::\n");
	put("etc/group", BASE_GROUP "dupgid:x:1000:\n");
	struct aw_user u[] = {user("nisuser", 1001), user("dupid", 1001), user("orphan", 1001),
			      user("admin", 1001), user("fresh", 1002), user("dupgid", 1003)};
	struct aw_request req = {.users = u, .nusers = 6};
	struct aw_result res;
	apply(&req, &res);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(res.users[i].status, AW_EXISTS, "user %d", i);
	cr_expect_eq(res.users[3].uid, 1000, "an existing user reports the target's ids");
	cr_expect_eq(res.users[4].uid, 1003, "1002 is named by a malformed line");
	cr_expect_eq(res.users[5].status, AW_INVALID,
		     "its primary group's name is taken by a line that is no entry");
	acctwrite_result_free(&res);
}

Test(acctwrite, primary_group_of_the_target_is_used)
{
	put("etc/group", BASE_GROUP "staff:x:1200:\n");
	struct aw_user u[] = {user("alice", 1001)};
	u[0].group = "staff";
	u[0].gid = 50;
	struct aw_user v = user("bob", 1002);
	v.group = "users"; /* a system group as primary: used, no membership */
	struct aw_user both[] = {u[0], v};
	struct aw_request req = {.users = both, .nusers = 2};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[0].gid, 1200);
	cr_expect_not(res.users[0].group_created);
	cr_expect_eq(res.users[1].gid, 100);
	cr_expect_eq(res.ngroups, 0);
	acctwrite_result_free(&res);
}

Test(acctwrite, invalid_fields_are_not_written)
{
	struct aw_user u[] = {user("ev:il", 1001), user("ok", 1002), user("nl", 1003),
			      user("123", 1004), user("-dash", 1005), user("sh", 1006),
			      user("hash", 1007)};
	u[2].gecos = "a\nroot::0:0::/:/bin/sh";
	u[5].shell = "bin/sh";
	u[6].hash = "x:0:0";
	struct aw_request req = {.users = u, .nusers = 7};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[1].status, AW_CREATED);
	for (int i = 0; i < 7; i++)
		if (i != 1)
			cr_expect_eq(res.users[i].status, AW_INVALID, "user %d", i);
	char *pw = get("etc/passwd", NULL);
	cr_expect_eq(strcmp(pw, BASE_PASSWD "ok:x:1002:1002::/home/x:/bin/sh\n"), 0, "%s", pw);
	free(pw);
	acctwrite_result_free(&res);
}

/* --- shells and passwords -------------------------------------------------------------- */

Test(acctwrite, shell_fallback)
{
	mkd("usr");
	mkd("usr/bin");
	mkexe("usr/bin/fish");
	char p[256];
	snprintf(p, sizeof p, "%s/bin/fish", root);
	cr_assert_eq(symlink("../usr/bin/fish", p), 0);
	snprintf(p, sizeof p, "%s/bin/escape", root);
	cr_assert_eq(symlink("/../../../../usr/bin/env", p), 0); /* the host has it, the root not */
	put("bin/plain", "");				       /* not executable */
	struct aw_user u[] = {user("a", 1001), user("b", 1002), user("c", 1003), user("d", 1004),
			      user("e", 1005)};
	u[0].shell = "/bin/zsh";
	u[1].shell = "/bin/fish";
	u[2].shell = "/bin/escape";
	u[3].shell = "/bin/plain";
	u[4].shell = "";
	struct aw_request req = {.users = u, .nusers = 5};
	struct aw_result res;
	put("etc/default/useradd", "SHELL=/bin/zsh\nSHELL=/bin/bash\n");
	apply(&req, &res);
	cr_expect_str_eq(res.default_shell, "/bin/bash", "the last SHELL= line");
	cr_expect_str_eq(res.users[0].shell, "/bin/bash");
	cr_expect(res.users[0].shell_replaced);
	cr_expect_str_eq(res.users[1].shell, "/bin/fish", "a link inside the root is followed");
	cr_expect_not(res.users[1].shell_replaced);
	cr_expect_str_eq(res.users[2].shell, "/bin/bash");
	cr_expect_str_eq(res.users[3].shell, "/bin/bash");
	cr_expect_str_eq(res.users[4].shell, "", "an empty shell is kept");
	acctwrite_result_free(&res);

	/* a default that does not exist there either: /bin/sh */
	put("etc/default/useradd", "SHELL=/bin/zsh\n");
	struct aw_user w[] = {user("f", 1010)};
	w[0].shell = "/bin/ksh";
	struct aw_request r2 = {.users = w, .nusers = 1};
	apply(&r2, &res);
	cr_expect_str_eq(res.users[0].shell, "/bin/sh");
	acctwrite_result_free(&res);
}

Test(acctwrite, locked_and_usable_passwords)
{
	struct aw_user u[] = {user("lk", 1001), user("us", 1002), user("ll", 1003),
			      user("ln", 1004), user("un", 1005), user("ue", 1006)};
	u[0].hash = "$y$j9T$salt$hash";
	u[0].aging = "19700:0:99999:7:::";
	u[1].hash = "$y$j9T$salt$hash";
	u[1].locked = false;
	u[2].hash = "!$6$old";
	u[4].locked = false;
	u[5].hash = "";
	u[5].locked = false;
	struct aw_request req = {.users = u, .nusers = 6};
	struct aw_result res;
	apply(&req, &res);
	struct acct_db db = read_db();
	cr_expect_str_eq(acctdb_shadow_of(&db, "lk")->hash, "!$y$j9T$salt$hash");
	cr_expect_str_eq(acctdb_shadow_of(&db, "lk")->rest, "19700:0:99999:7:::");
	cr_expect_str_eq(acctdb_shadow_of(&db, "us")->hash, "$y$j9T$salt$hash");
	cr_expect_str_eq(acctdb_shadow_of(&db, "ll")->hash, "!$6$old", "locked once only");
	cr_expect_str_eq(acctdb_shadow_of(&db, "ln")->hash, "!");
	cr_expect_str_eq(acctdb_shadow_of(&db, "un")->hash, "*");
	cr_expect_str_eq(acctdb_shadow_of(&db, "ue")->hash, "*", "never passwordless");
	const char *rest = acctdb_shadow_of(&db, "ln")->rest;
	cr_expect_eq(strspn(rest, "0123456789"), strlen(rest) - 6, "today, no limits: %s", rest);
	for (size_t i = 0; i < db.nusers; i++)
		cr_expect(strcmp(db.users[i].name, "lk") || !strcmp("/bin/sh", db.users[i].shell));
	char *pw = get("etc/passwd", NULL);
	cr_expect_null(strstr(pw, "$y$"), "no hash in passwd");
	free(pw);
	acctdb_free(&db);
	acctwrite_result_free(&res);
}

/* --- memberships ------------------------------------------------------------------------ */

Test(acctwrite, memberships_and_system_groups)
{
	put("etc/group", BASE_GROUP "devs:x:1500:admin\nempty:x:1501:\r\n");
	put("etc/gshadow", BASE_GSHADOW "devs:!::admin\nempty:!::\r\n");
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_group g[] = {{"proj", 1600}};
	struct aw_member m[] = {{"alice", "devs"},  {"alice", "empty"}, {"alice", "proj"},
				{"admin", "proj"},  {"alice", "sudo"},  {"admin", "devs"},
				{"ghost", "devs"},  {"alice", "nogrp"}, {"alice", "proj"}};
	struct aw_request req = {.users = u, .nusers = 1, .groups = g, .ngroups = 1,
				 .members = m, .nmembers = 9};
	struct aw_result res;
	apply(&req, &res);
	enum aw_status want[] = {AW_ADDED,	  AW_ADDED,	AW_ADDED,   AW_ADDED,  AW_SYSTEM_GROUP,
				 AW_ALREADY, AW_NO_USER, AW_NO_GROUP, AW_ALREADY};
	for (int i = 0; i < 9; i++)
		cr_expect_eq(res.members[i], want[i], "membership %d: %s", i,
			     acctwrite_status_name(res.members[i]));
	cr_expect_eq(res.members_added, 4);
	cr_expect_eq(res.members_refused, 1);
	char *gr = get("etc/group", NULL), *gs = get("etc/gshadow", NULL);
	cr_expect_str_eq(gr, BASE_GROUP "devs:x:1500:admin,alice\nempty:x:1501:alice\r\n"
					"proj:x:1600:alice,admin\nalice:x:1001:\n");
	cr_expect_str_eq(gs, BASE_GSHADOW "devs:!::admin,alice\nempty:!::alice\r\n"
					  "proj:!::alice,admin\nalice:!::\n");
	free(gr);
	free(gs);
	acctwrite_result_free(&res);

	/* told that privileged groups are allowed */
	struct aw_member p[] = {{"alice", "sudo"}};
	struct aw_request r2 = {.members = p, .nmembers = 1, .flags = AW_PRIVILEGED};
	apply(&r2, &res);
	cr_expect_eq(res.members[0], AW_ADDED);
	struct acct_db db = read_db();
	const struct acct_group *s = acctdb_group_named(&db, "sudo");
	cr_expect_eq(s->nmem, 2);
	cr_expect_str_eq(s->mem[1], "alice");
	cr_expect_str_eq(acctdb_gshadow_of(&db, "sudo")->rest, ":admin,alice");
	acctdb_free(&db);
	acctwrite_result_free(&res);
}

Test(acctwrite, gshadow_member_missing_only_there)
{
	put("etc/group", BASE_GROUP "devs:x:1500:admin\n");
	put("etc/gshadow", BASE_GSHADOW "devs:!::\n");
	struct aw_member m[] = {{"admin", "devs"}};
	struct aw_request req = {.members = m, .nmembers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.members[0], AW_ADDED);
	char *gr = get("etc/group", NULL), *gs = get("etc/gshadow", NULL);
	cr_expect_str_eq(gr, BASE_GROUP "devs:x:1500:admin\n");
	cr_expect_str_eq(gs, BASE_GSHADOW "devs:!::admin\n");
	free(gr);
	free(gs);
	acctwrite_result_free(&res);
}

Test(acctwrite, no_gshadow_on_the_target)
{
	char p[256];
	snprintf(p, sizeof p, "%s/etc/gshadow", root);
	unlink(p);
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_request req = {.users = u, .nusers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_not(exists("etc/gshadow"), "none is made");
	acctwrite_result_free(&res);
}

/* --- lines kept byte for byte ---------------------------------------------------------- */

Test(acctwrite, hostile_lines_kept_byte_for_byte)
{
	size_t biglen = 70000;
	char *big = malloc(biglen + 2);
	memset(big, 'g', biglen);
	memcpy(big, "huge:x:7:", 9);
	big[biglen] = '\n';
	big[biglen + 1] = 0;
	const char *head = "# comment: keep me\n"
			   "root:x:0:\r\n"
			   "\n"
			   "+\n"
			   "+@netgroup\n"
			   "-excluded\n"
			   "dup:x:27:\n" /* duplicate gid: not an entry, but its name is taken */
			   "devs:x:oops:\n"
			   "devs:x:1500:admin\r\n"
			   "devs:x:1501:other\n"
			   "bad\001ctl:x:9:\n";
	char *text = malloc(strlen(head) + biglen + 64);
	strcpy(text, head);
	strcat(text, big);
	strcat(text, "sudo:x:27:admin\nlast:x:1600:"); /* no final newline */
	put("etc/group", text);
	put("etc/gshadow", "devs:!::admin\r\n# c\nsudo:*::admin");
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_group g[] = {{"dup", 1700}, {"excluded", 1701}};
	struct aw_member m[] = {{"alice", "devs"}};
	struct aw_request req = {.users = u, .nusers = 1, .groups = g, .ngroups = 2,
				 .members = m, .nmembers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.groups[0].status, AW_EXISTS);
	cr_expect_eq(res.groups[1].status, AW_EXISTS, "a -name line takes the name");
	cr_expect_eq(res.members[0], AW_ADDED);
	size_t n;
	char *gr = get("etc/group", &n);
	/* only the member field of the first well-formed devs line changed */
	char *want = malloc(strlen(text) + 128);
	strcpy(want, text);
	char *at = strstr(want, "devs:x:1500:admin\r\n");
	memmove(at + 23, at + 17, strlen(at + 17) + 1);
	memcpy(at + 17, ",alice", 6);
	strcat(want, "\nalice:x:1001:\n");
	cr_expect_eq(n, strlen(want));
	cr_expect(!memcmp(gr, want, n), "group rewritten beyond its member field");
	char *gs = get("etc/gshadow", NULL);
	cr_expect_str_eq(gs, "devs:!::admin,alice\r\n# c\nsudo:*::admin\nalice:!::\n");
	char *bak = get("etc/group-", &n);
	cr_expect_eq(n, strlen(text));
	cr_expect(!memcmp(bak, text, n), "the backup is the old file");
	free(gr);
	free(gs);
	free(bak);
	free(want);
	free(text);
	free(big);
	acctwrite_result_free(&res);
}

Test(acctwrite, owner_mode_kept_and_nothing_written_when_nothing_to_do)
{
	char p[256];
	snprintf(p, sizeof p, "%s/etc/shadow", root);
	cr_assert_eq(chown(p, 0, 42), 0);
	cr_assert_eq(chmod(p, 0640), 0);
	struct stat before, after;
	cr_assert_eq(stat(p, &before), 0);
	struct aw_user u[] = {user("admin", 1000)};
	struct aw_request req = {.users = u, .nusers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_eq(res.users[0].status, AW_EXISTS);
	cr_assert_eq(stat(p, &after), 0);
	cr_expect_eq(before.st_ino, after.st_ino, "an existing user changes nothing");
	cr_expect_not(exists("etc/shadow-"));
	acctwrite_result_free(&res);

	struct aw_user v[] = {user("alice", 1001)};
	req.users = v;
	apply(&req, &res);
	cr_assert_eq(stat(p, &after), 0);
	cr_expect_neq(before.st_ino, after.st_ino);
	cr_expect_eq(after.st_uid, 0);
	cr_expect_eq(after.st_gid, 42);
	cr_expect_eq(after.st_mode & 07777, 0640);
	snprintf(p, sizeof p, "%s/etc/shadow-", root);
	cr_assert_eq(stat(p, &after), 0);
	cr_expect_eq(after.st_gid, 42);
	cr_expect_eq(after.st_mode & 07777, 0640);
	cr_expect_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec, "the backup keeps the times");
	cr_expect_not(exists("etc/shadow+"));
	cr_expect_not(exists("etc/passwd.lock"));
	acctwrite_result_free(&res);
}

Test(acctwrite, plan_writes_nothing_and_matches_apply)
{
	struct aw_user u[] = {user("alice", 1000), user("bob", 1001)};
	struct aw_request req = {.users = u, .nusers = 2};
	struct aw_result plan, res;
	char err[256];
	cr_assert_eq(acctwrite_plan(rootfd, &req, &plan, err, sizeof err), 0, "%s", err);
	char *pw = get("etc/passwd", NULL);
	cr_expect_str_eq(pw, BASE_PASSWD);
	free(pw);
	cr_expect_not(exists("etc/.pwd.lock"), "a plan takes no lock");
	apply(&req, &res);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(plan.users[i].uid, res.users[i].uid);
		cr_expect_eq(plan.users[i].gid, res.users[i].gid);
		cr_expect_eq(plan.users[i].status, res.users[i].status);
	}
	acctwrite_result_free(&plan);
	acctwrite_result_free(&res);
}

Test(acctwrite, refused_targets)
{
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_request req = {.users = u, .nusers = 1};
	struct aw_result res;
	char err[256], p[256], q[256];
	/* a symbolic link for shadow */
	snprintf(p, sizeof p, "%s/etc/shadow", root);
	snprintf(q, sizeof q, "%s/etc/shadow.real", root);
	cr_assert_eq(rename(p, q), 0);
	cr_assert_eq(symlink("shadow.real", p), 0);
	cr_expect_eq(acctwrite_apply(rootfd, &req, &res, err, sizeof err), -1);
	cr_expect_eq(errno, ELOOP, "%s", err);
	unlink(p);
	/* no shadow at all */
	cr_expect_eq(acctwrite_apply(rootfd, &req, &res, err, sizeof err), -1);
	cr_expect_eq(errno, ENOENT, "%s", err);
	cr_expect(strstr(err, "shadow") != NULL, "%s", err);
	cr_assert_eq(rename(q, p), 0);
	char *pw = get("etc/passwd", NULL);
	cr_expect_str_eq(pw, BASE_PASSWD, "nothing written");
	free(pw);
	cr_expect_not(exists("etc/passwd.lock"), "locks released");
	/* etc itself a link */
	snprintf(p, sizeof p, "%s/etc", root);
	snprintf(q, sizeof q, "%s/etc.real", root);
	cr_assert_eq(rename(p, q), 0);
	cr_assert_eq(symlink("etc.real", p), 0);
	cr_expect_eq(acctwrite_apply(rootfd, &req, &res, err, sizeof err), -1);
	cr_expect_eq(errno, ELOOP, "%s", err);
	unlink(p);
	cr_assert_eq(rename(q, p), 0);
}

/* --- atomic replacement ------------------------------------------------------------------ */

static int fail_at, calls;
static char failed_step[64];

static int fault_nth(const char *step, const char *name)
{
	if (++calls != fail_at)
		return 0;
	snprintf(failed_step, sizeof failed_step, "%s %s", step, name);
	return EIO;
}

Test(acctwrite, a_fault_at_any_step_leaves_the_old_files)
{
	put("etc/group", BASE_GROUP "devs:x:1500:\n");
	put("etc/gshadow", BASE_GSHADOW "devs:!::\n");
	const char *names[] = {"etc/passwd", "etc/shadow", "etc/group", "etc/gshadow"};
	char *orig[4];
	for (int i = 0; i < 4; i++)
		orig[i] = get(names[i], NULL);
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_member m[] = {{"alice", "devs"}};
	struct aw_request req = {.users = u, .nusers = 1, .members = m, .nmembers = 1};
	struct aw_result res;
	char err[256];
	int steps = 0;
	for (fail_at = 1;; fail_at++) {
		calls = 0;
		failed_step[0] = 0;
		acctfile_fault = fault_nth;
		int rc = acctwrite_apply(rootfd, &req, &res, err, sizeof err);
		acctfile_fault = NULL;
		if (rc == 0)
			break;
		steps++;
		cr_expect_eq(errno, EIO, "step %s", failed_step);
		for (int i = 0; i < 4; i++) {
			char *now = get(names[i], NULL);
			cr_expect_str_eq(now, orig[i], "%s after a fault at %s", names[i], failed_step);
			free(now);
			char tmp[64];
			snprintf(tmp, sizeof tmp, "%s+", names[i]);
			cr_expect_not(exists(tmp), "%s left after a fault at %s", tmp, failed_step);
		}
		cr_expect_not(exists("etc/passwd.lock"));
		cr_expect_not(exists("etc/shadow.lock"));
		cr_assert_lt(fail_at, 100);
	}
	/* 4 backups (open, write, fsync, rename) + 4 new files (open, write, fsync) + 4
	 * renames: every one of them was made to fail once */
	cr_expect_eq(steps, 4 * 4 + 4 * 3 + 4, "steps %d", steps);
	cr_expect_eq(res.users[0].status, AW_CREATED);
	struct acct_db db = read_db();
	cr_expect_not_null(acctdb_user_named(&db, "alice"));
	cr_expect_eq(acctdb_group_named(&db, "devs")->nmem, 1);
	acctdb_free(&db);
	for (int i = 0; i < 4; i++)
		free(orig[i]);
	acctwrite_result_free(&res);
}

Test(acctwrite, stale_temp_file_is_replaced)
{
	put("etc/passwd+", "garbage");
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_request req = {.users = u, .nusers = 1};
	struct aw_result res;
	apply(&req, &res);
	cr_expect_not(exists("etc/passwd+"));
	char *pw = get("etc/passwd", NULL);
	cr_expect_not_null(strstr(pw, "alice:x:1001"));
	free(pw);
	acctwrite_result_free(&res);
}

/* --- locks ----------------------------------------------------------------------------- */

static int etcfd(void)
{
	int fd = openat(rootfd, "etc", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	return fd;
}

Test(acctwrite, lock_excludes_a_second_locker)
{
	int efd = etcfd();
	struct acct_lock a, b;
	char err[256];
	cr_assert_eq(acctlock_take(efd, 1000, &a, err, sizeof err), 0, "%s", err);
	cr_expect(exists("etc/passwd.lock") && exists("etc/group.lock") &&
		  exists("etc/gshadow.lock") && exists("etc/shadow.lock"));
	char *pid = get("etc/passwd.lock", NULL);
	cr_expect_eq(atol(pid), (long)getpid(), "commonio's format: the pid");
	free(pid);
	/* the same process, another description: still excluded (OFD lock) */
	cr_expect_eq(acctlock_take(efd, 100, &b, err, sizeof err), -1);
	cr_expect_eq(errno, EBUSY, "%s", err);
	/* the engine waits, then gives up */
	struct aw_user u[] = {user("alice", 1001)};
	struct aw_request req = {.users = u, .nusers = 1, .lock_timeout_ms = 200};
	struct aw_result res;
	cr_expect_eq(acctwrite_apply(rootfd, &req, &res, err, sizeof err), -1);
	cr_expect_eq(errno, EBUSY, "%s", err);
	acctlock_release(&a);
	cr_expect_not(exists("etc/passwd.lock"));
	cr_expect_eq(acctlock_take(efd, 100, &b, err, sizeof err), 0, "%s", err);
	acctlock_release(&b);
	close(efd);
}

Test(acctwrite, lckpwdf_lock_of_another_process)
{
	/* a child holds .pwd.lock the way glibc's lckpwdf does (F_SETLKW, POSIX) */
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	pid_t child = fork();
	if (child == 0) {
		char p[256];
		snprintf(p, sizeof p, "%s/etc/.pwd.lock", root);
		int fd = open(p, O_WRONLY | O_CREAT, 0600);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fd < 0 || fcntl(fd, F_SETLKW, &fl))
			_exit(1);
		(void)!write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	cr_assert_eq(read(pipefd[0], &c, 1), 1);
	int efd = etcfd();
	struct acct_lock lk;
	char err[256];
	cr_expect_eq(acctlock_take(efd, 150, &lk, err, sizeof err), -1);
	cr_expect_eq(errno, EBUSY);
	char want[64];
	snprintf(want, sizeof want, "process %ld", (long)child);
	cr_expect(strstr(err, want) != NULL, "%s", err);
	cr_expect_not(exists("etc/passwd.lock"), "no link lock taken without .pwd.lock");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	cr_expect_eq(acctlock_take(efd, 150, &lk, err, sizeof err), 0, "%s", err);
	acctlock_release(&lk);
	close(efd);
	close(pipefd[0]);
	close(pipefd[1]);
}

Test(acctwrite, link_locks_live_stale_and_invalid)
{
	int efd = etcfd();
	struct acct_lock lk;
	char err[256], pid[32];
	/* a live holder: a child that sleeps */
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	int n = snprintf(pid, sizeof pid, "%ld", (long)child);
	char p[256];
	snprintf(p, sizeof p, "%s/etc/group.lock", root);
	FILE *f = fopen(p, "w");
	fwrite(pid, 1, (size_t)n + 1, f);
	fclose(f);
	cr_expect_eq(acctlock_take(efd, 150, &lk, err, sizeof err), -1);
	cr_expect_eq(errno, EBUSY);
	cr_expect(strstr(err, pid) != NULL, "%s", err);
	cr_expect_not(exists("etc/passwd.lock"), "what was taken is released");
	cr_expect(exists("etc/group.lock"), "another's lock is left alone");
	/* the holder dies: its lock is stale and replaced */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	cr_expect_eq(acctlock_take(efd, 150, &lk, err, sizeof err), 0, "%s", err);
	char *now = get("etc/group.lock", NULL);
	cr_expect_eq(atol(now), (long)getpid());
	free(now);
	acctlock_release(&lk);
	/* no valid pid: never removed, a person must look */
	put("etc/shadow.lock", "junk");
	cr_expect_eq(acctlock_take(efd, 150, &lk, err, sizeof err), -1);
	cr_expect_eq(errno, EINVAL, "%s", err);
	cr_expect(exists("etc/shadow.lock"));
	unlink(p);
	close(efd);
}

/* --- login.defs -------------------------------------------------------------------------- */

Test(logindefs, values_as_the_shadow_tools_read_them)
{
	const char *t = "# UID_MIN 5\n"
			"UID_MIN\t 2000 \n"
			"UID_MAX 0x100\n"
			"GID_MIN 010\n"
			"GID_MAX -5\n"
			"SYS_UID_MIN 1\n"
			"UID_MINX 7\n"
			"PASS_MAX_DAYS 99999\n"
			"PASS_MAX_DAYS abc\n";
	cr_expect_eq(logindefs_id(t, "UID_MIN", 1), 2000);
	cr_expect_eq(logindefs_id(t, "UID_MAX", 1), 256);
	cr_expect_eq(logindefs_id(t, "GID_MIN", 1), 8);
	cr_expect_eq(logindefs_id(t, "GID_MAX", 60000), 60000, "not a number: the default");
	cr_expect_eq(logindefs_id(t, "PASS_MAX_DAYS", 3), 3, "the last line wins");
	cr_expect_eq(logindefs_id(NULL, "UID_MIN", 1000), 1000);
	cr_expect_eq(logindefs_id("UID_MIN 4294967295\n", "UID_MIN", 9), 9);
}
