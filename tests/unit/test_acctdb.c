/* test_acctdb.c - the passwd/group/shadow/gshadow readers (runtime/acctdb.c) against
 * hostile and damaged lines. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acctdb.h"

static struct acct_db parse(enum acct_kind k, const char *text)
{
	struct acct_db db;
	memset(&db, 0, sizeof db);
	cr_assert_eq(acctdb_parse(&db, k, text, strlen(text)), 0);
	return db;
}

Test(acctdb, passwd_entries_and_what_is_skipped)
{
	struct acct_db db = parse(ACCT_PASSWD,
				  "root:x:0:0:root:/root:/bin/bash\n"
				  "# a comment\n"
				  "\n"
				  "alice:x:1001:1001:Alice A,,,:/home/alice:/bin/bash\r\n"
				  "+\n"
				  "+bob::::::\n"
				  "-carol:x:1003:1003::/home/carol:/bin/sh\n"
				  "@netgroup:x:1:1::/:/bin/sh\n"
				  "short:x:1004:1004:/home/short\n"
				  "long:x:1005:1005::/home/long:/bin/sh:extra\n"
				  ":x:1006:1006::/home/noname:/bin/sh\n"
				  "neg:x:-1:1006::/:/bin/sh\n"
				  "hex:x:0x10:1006::/:/bin/sh\n"
				  "big:x:4294967295:1::/:/bin/sh\n"
				  "huge:x:99999999999:1::/:/bin/sh\n"
				  "sp:x: 7:1::/:/bin/sh\n"
				  "ctl\001:x:1010:1010::/:/bin/sh\n"
				  "alice:x:2001:2001::/home/alice2:/bin/sh\n"
				  "dupid:x:1001:1:::\n"
				  "last:x:4294967294:0:::");
	cr_expect_eq(db.nusers, 3);
	const struct acct_user *a = acctdb_user_named(&db, "alice");
	cr_assert_not_null(a);
	cr_expect_eq(a->uid, 1001, "the first entry of a name wins");
	cr_expect_str_eq(a->gecos, "Alice A,,,");
	cr_expect_str_eq(a->shell, "/bin/bash", "a CR at the end is not part of the shell");
	cr_expect_eq(acctdb_user_id(&db, 1001), a, "the first entry of an id wins");
	cr_expect_not_null(acctdb_user_id(&db, 4294967294u));
	cr_expect_null(acctdb_user_named(&db, "+bob"));
	cr_expect_null(acctdb_user_named(&db, "carol"));
	cr_expect_eq(db.duplicates, 2);
	cr_expect_eq(db.skipped, 14, "skipped %zu", db.skipped);
	acctdb_free(&db);
}

Test(acctdb, over_long_lines_and_nul_bytes)
{
	size_t n = ACCT_LINE_MAX + 100;
	char *text = malloc(n + 64);
	memset(text, 'g', n);
	memcpy(text, "longname:x:", 11);
	strcpy(text + n, "\nok:x:5:5::/:/bin/sh\n");
	struct acct_db db = parse(ACCT_PASSWD, text);
	cr_expect_eq(db.nusers, 1);
	cr_expect_not_null(acctdb_user_named(&db, "ok"));
	cr_expect_eq(db.skipped, 1);
	acctdb_free(&db);
	free(text);
	const char nul[] = "a\0b:x:1:1::/:/bin/sh\nc:x:2:2::/:/bin/sh\n";
	memset(&db, 0, sizeof db);
	cr_assert_eq(acctdb_parse(&db, ACCT_PASSWD, nul, sizeof nul - 1), 0);
	cr_expect_eq(db.nusers, 1, "a line holding a NUL is not an entry");
	acctdb_free(&db);
}

Test(acctdb, groups_and_members)
{
	struct acct_db db = parse(ACCT_GROUP, "sudo:x:27:alice,bob\n"
					      "crontab:x:101:\n"
					      "users:x:100:alice,,+nis,bob\n"
					      "bad:x:abc:alice\n"
					      "toomany:x:5:a:b\n"
					      "sudo:x:28:eve\n");
	cr_expect_eq(db.ngroups, 3);
	const struct acct_group *g = acctdb_group_named(&db, "sudo");
	cr_assert_not_null(g);
	cr_expect_eq(g->gid, 27);
	cr_expect_eq(g->nmem, 2);
	cr_expect_str_eq(g->mem[1], "bob");
	cr_expect_eq(acctdb_group_id(&db, 101)->nmem, 0);
	cr_expect_eq(acctdb_group_named(&db, "users")->nmem, 2, "empty and NIS members dropped");
	cr_expect_eq(db.duplicates, 1);
	cr_expect_eq(db.skipped, 2);
	acctdb_free(&db);
}

Test(acctdb, shadow_and_gshadow)
{
	struct acct_db db = parse(ACCT_SHADOW, "alice:$y$j9T$abc:19700:0:99999:7:::\n"
					       "bob:!:19700:0:99999:7:::\n"
					       "short:x:1\n"
					       "alice:other:1:2:3:4:5:6:7\n");
	cr_expect_eq(db.nshadow, 2);
	const struct acct_secret *s = acctdb_shadow_of(&db, "alice");
	cr_assert_not_null(s);
	cr_expect_str_eq(s->hash, "$y$j9T$abc");
	cr_expect_str_eq(s->rest, "19700:0:99999:7:::");
	cr_expect_eq(db.skipped, 1);
	cr_expect_eq(db.duplicates, 1);
	cr_assert_eq(acctdb_parse(&db, ACCT_GSHADOW, "sudo:!::alice,bob\nbad:!:x\n", 25), 0);
	cr_expect_eq(db.ngshadow, 1);
	cr_expect_str_eq(acctdb_gshadow_of(&db, "sudo")->rest, ":alice,bob");
	acctdb_free(&db);
}

Test(acctdb, ids)
{
	cr_expect_eq(acctdb_parse_id("0"), 0);
	cr_expect_eq(acctdb_parse_id("4294967294"), 4294967294u);
	cr_expect_eq(acctdb_parse_id("4294967295"), ACCT_ID_INVALID);
	cr_expect_eq(acctdb_parse_id(""), ACCT_ID_INVALID);
	cr_expect_eq(acctdb_parse_id("+1"), ACCT_ID_INVALID);
	cr_expect_eq(acctdb_parse_id("12345678901"), ACCT_ID_INVALID);
	cr_expect_eq(acctdb_parse_id("1 "), ACCT_ID_INVALID);
}

#include "idset.h"

Test(idset, many_ids_once_each_sorted)
{
	struct idset s = {0};
	for (uint32_t i = 0; i < 5000; i++)
		cr_assert_eq(idset_add(&s, (i * 7919u) % 3001u), 0);
	cr_assert_eq(idset_add(&s, UINT32_MAX), 0, "the invalid id is ignored");
	size_t n;
	uint32_t *v = idset_sorted(&s, &n);
	cr_assert_eq(n, 3001);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(v[i], i);
	free(v);
	idset_free(&s);
	cr_expect_null(idset_sorted(&s, &n));
	cr_expect_eq(n, 0);
}
