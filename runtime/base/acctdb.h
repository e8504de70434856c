/* acctdb.h - the account databases of a system: etc/passwd, etc/group, etc/shadow and
 * etc/gshadow beneath its root, read as glibc's files backend would see them.
 *
 * What is not an entry is skipped and counted, never guessed at: comments, blank lines,
 * NIS compat lines ("+", "-", "+name", "@netgroup"), lines with too few fields, an empty
 * name or one holding a control character, ids that are not plain decimal numbers below
 * 2^32 - 1, lines over ACCT_LINE_MAX bytes. A second entry with a name (or, for passwd
 * and group, an id) already seen is a duplicate: the first wins, as for getpwnam(3) and
 * getpwuid(3), and duplicates are counted. passwd must exist; group, shadow and
 * gshadow may not (then they are empty). */
#ifndef MIGRT_ACCTDB_H
#define MIGRT_ACCTDB_H

#include <stddef.h>
#include <stdint.h>

#define ACCT_LINE_MAX 65536u
#define ACCT_ID_INVALID UINT32_MAX

struct acct_user {
	char *name;
	uint32_t uid, gid;
	char *gecos, *home, *shell;
};

struct acct_group {
	char *name;
	uint32_t gid;
	char **mem; /* member names */
	size_t nmem;
};

/* A shadow or gshadow entry: the name, the password field, and the fields after it as
 * they were (shadow: last change, min, max, warn, inactive, expire, reserved; gshadow:
 * administrators and members), ':'-joined. */
struct acct_secret {
	char *name;
	char *hash;
	char *rest;
};

struct acct_db {
	struct acct_user *users;
	size_t nusers;
	struct acct_group *groups;
	size_t ngroups;
	struct acct_secret *shadow, *gshadow;
	size_t nshadow, ngshadow;
	size_t skipped;	   /* lines that are not entries */
	size_t duplicates; /* entries whose name or id came earlier */
};

/* Read the four files beneath ROOTFD. 0, or -1 with ERR (and errno). */
int acctdb_read(int rootfd, struct acct_db *db, char *err, size_t errsz);
/* Parse one file's TEXT (LEN bytes, may hold NULs) of KIND into DB (appending). */
enum acct_kind { ACCT_PASSWD, ACCT_GROUP, ACCT_SHADOW, ACCT_GSHADOW };
int acctdb_parse(struct acct_db *db, enum acct_kind kind, const char *text, size_t len);
void acctdb_free(struct acct_db *db);

const struct acct_user *acctdb_user_named(const struct acct_db *db, const char *name);
const struct acct_user *acctdb_user_id(const struct acct_db *db, uint32_t uid);
const struct acct_group *acctdb_group_named(const struct acct_db *db, const char *name);
const struct acct_group *acctdb_group_id(const struct acct_db *db, uint32_t gid);
const struct acct_secret *acctdb_shadow_of(const struct acct_db *db, const char *name);
const struct acct_secret *acctdb_gshadow_of(const struct acct_db *db, const char *name);

/* A plain decimal id ("0" .. "4294967294"); ACCT_ID_INVALID otherwise. */
uint32_t acctdb_parse_id(const char *s);

#endif
