/* acctwrite.h - create captured accounts on a target system beneath its root: the
 * engine of load --lac / --lae. It edits etc/passwd, etc/shadow, etc/group and
 * etc/gshadow itself (no useradd is run: the target's tools may be absent or of another
 * version), under the locks the shadow tools take (acctlock.h) and atomically
 * (acctfile.h), and leaves homes alone (load restores them).
 *
 * Rules (docs/operations.md, "Creating accounts"):
 *   - Ranges: UID_MIN..UID_MAX and GID_MIN..GID_MAX of the TARGET's etc/login.defs
 *     (default 1000..60000), read as the shadow tools read them.
 *   - Taken: a name or id is taken when any line of the target's files mentions it, not
 *     only the entries acctdb.h reads: a duplicate, a malformed line, a NIS "+name" or
 *     "-name" line, a shadow or gshadow line without its passwd or group line. So no
 *     second line is ever written for a name, and no id a line mentions is handed out.
 *   - A user whose name is taken is not created (AW_EXISTS, with the target's ids when
 *     it has an entry). Nor is a group.
 *   - Ids: the captured uid (gid) when it is free and within the range; else one above
 *     the highest id in use within the range, as useradd does (an id freed by a deleted
 *     account may still own files); when that passes the maximum, the lowest free id of
 *     the range; none left: AW_NO_ID, not created. Captured ids are honoured first for
 *     every account of the request, then the others are allocated, so the order of the
 *     request never moves an account off its captured id.
 *   - Primary group: the target's group of that name when there is one (its gid, even
 *     outside the range: the user is not added to it as a member), else a group of that
 *     name is created with the rules above (wanted: the captured gid). A group of the
 *     request and a user's primary group of the same name are one group.
 *   - Shell: kept when it names an executable regular file beneath the root (symbolic
 *     links resolved inside the root: /bin may be a link to usr/bin); else SHELL of the
 *     target's etc/default/useradd when that one exists there, else /bin/sh. An empty
 *     shell is kept (login takes /bin/sh).
 *   - Password: passwd has "x", shadow the captured hash. Locked (--lac without --lae):
 *     "!" before it, unless it already starts with "!". No hash captured, or an empty one
 *     (never recreate a passwordless account): "!" when locked, "*" when not. The aging
 *     fields are the captured ones; none: last change today, no limits.
 *   - Groups are written "name:x:gid:members" and, when the target has etc/gshadow,
 *     "name:!::members" there.
 *   - Memberships: added to the member field of group and gshadow (both, so grpck sees
 *     the same lists). Only to a group whose gid is within GID_MIN..GID_MAX, unless
 *     AW_PRIVILEGED: a system group (sudo, adm, docker...) is AW_SYSTEM_GROUP, not added.
 *     The user must exist on the target or be created by the request (AW_NO_USER), the
 *     group too (AW_NO_GROUP); a member already listed is AW_ALREADY.
 *   - Fields: a name must be what the shadow tools accept ([A-Za-z0-9_.][A-Za-z0-9_.-]*
 *     with an optional final "$", at most 32 bytes, not all digits); no field may hold
 *     ':', a newline or another control byte; home must be absolute. Else AW_INVALID.
 *   - Lines: every existing line stays byte for byte (comments, NIS lines, CRLF, lines
 *     the reader skips); new entries are appended (a final newline is added to a file
 *     that lacks one), and for a membership only the member field of the group's line
 *     (the first well-formed line of that name, as getgrnam sees it) is rewritten.
 *   - Refused before anything is written: etc or a file being a symbolic link or not a
 *     regular file, a target without etc/passwd or etc/shadow (no shadow passwords: we
 *     never put a hash in world-readable passwd).
 * Not done: etc/subuid and etc/subgid ranges, nscd/sssd cache flushes, SELinux labels of
 * the new files (the old file's owner and mode are kept). */
#ifndef MIGRT_ACCTWRITE_H
#define MIGRT_ACCTWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AW_PRIVILEGED 1u /* memberships of system groups may be added */
#define AW_NAME_MAX 32u	 /* useradd's limit */

struct aw_user {
	const char *name;
	uint32_t uid;	     /* captured: kept when free and in range */
	const char *group;   /* the primary group's name */
	uint32_t gid;	     /* its captured gid */
	const char *gecos, *home, *shell;
	const char *hash;    /* the captured shadow password field; NULL: none */
	const char *aging;   /* the 7 shadow fields after it, ':'-joined; NULL: none */
	bool locked;	     /* --lac without --lae: the hash kept behind "!" */
};

struct aw_group {
	const char *name;
	uint32_t gid; /* captured */
};

struct aw_member {
	const char *user, *group;
};

struct aw_request {
	const struct aw_user *users;
	size_t nusers;
	const struct aw_group *groups;
	size_t ngroups;
	const struct aw_member *members;
	size_t nmembers;
	unsigned flags;		 /* AW_PRIVILEGED */
	unsigned lock_timeout_ms; /* 0: 15 s, as the shadow tools */
};

enum aw_status {
	AW_CREATED,	 /* a user or group written (by acctwrite_plan: to be written) */
	AW_EXISTS,	 /* its name is taken on the target: left alone */
	AW_INVALID,	 /* a field that cannot be written safely: not created */
	AW_NO_ID,	 /* no free id left in the range: not created */
	AW_ADDED,	 /* a membership written */
	AW_ALREADY,	 /* the user is a member already */
	AW_SYSTEM_GROUP, /* a membership of a group outside GID_MIN..GID_MAX: refused */
	AW_NO_USER,	 /* a membership of a user neither on the target nor created */
	AW_NO_GROUP,	 /* ... of a group neither on the target nor created */
};

struct aw_user_result {
	enum aw_status status;
	uint32_t uid, gid; /* final (AW_EXISTS: the target's); ACCT_ID_INVALID: none */
	char *shell;	   /* the shell written (NULL unless created) */
	bool shell_replaced; /* the captured one does not exist on the target */
	bool group_created;  /* its primary group was created for it */
	const char *home;    /* the request's home, for load to restore */
};

struct aw_group_result {
	char *name;
	enum aw_status status;
	uint32_t wanted, gid; /* captured and final (AW_EXISTS: the target's) */
	bool primary;	      /* made for a user's primary group, not in the request */
};

struct aw_result {
	struct aw_user_result *users;	/* one per request user, in its order */
	size_t nusers;
	struct aw_group_result *groups; /* the request's groups in order, then the primary
					 * groups of created users not among them */
	size_t ngroups;
	enum aw_status *members;	/* one per request membership */
	size_t nmembers;
	uint32_t uid_min, uid_max, gid_min, gid_max; /* the target's ranges */
	char *default_shell;
	size_t users_created, groups_created, members_added, members_refused;
};

/* What acctwrite_apply would do, from the files as they are now, writing nothing (for
 * --dry-run). 0, or -1 with errno and ERR. */
int acctwrite_plan(int rootfd, const struct aw_request *req, struct aw_result *res, char *err,
		   size_t errsz);
/* Take the locks, read the target's files under them (a view read before could be stale:
 * a useradd in between would be handed the same id), decide as acctwrite_plan, write.
 * 0 (RES says what was done), or -1 with errno and ERR and nothing written: EBUSY
 * locked by another process, ELOOP/EINVAL a link or not a regular file, ENOENT no
 * etc/passwd or etc/shadow, or the error of a read or write. */
int acctwrite_apply(int rootfd, const struct aw_request *req, struct aw_result *res, char *err,
		    size_t errsz);
void acctwrite_result_free(struct aw_result *res);
const char *acctwrite_status_name(enum aw_status st);
/* A user or group name the shadow tools accept (see "Fields" above); migc checks the
 * group names of Config.xml's <changeGroup> with it too. */
bool acctwrite_name_valid(const char *name);

#endif
