/* acctwrite_drv.c - run the account-creation engine (runtime/acctwrite.h) on a root, for
 * tests/e2e/t_acctwrite.sh. Built against the runtime library by the test.
 *
 *   acctwrite_drv [--plan] [--privileged] [--timeout MS] [--hold MS] ROOT SPEC
 *       SPEC: tab-separated lines
 *           user NAME UID GROUP GID GECOS HOME SHELL HASH AGING locked|usable
 *           group NAME GID
 *           member USER GROUP
 *       ("-" is an absent HASH or AGING). Prints one tab-separated line per user
 *       (user NAME STATUS UID GID SHELL HOME group_created shell_replaced), group
 *       (group NAME STATUS GID primary) and membership (member USER GROUP STATUS).
 *       --hold MS sleeps MS milliseconds with the locks held, before writing.
 *   acctwrite_drv --dump ROOT
 *       the entries as acctdb reads them: "passwd NAME UID GID HOME SHELL",
 *       "group NAME GID MEMBERS", "shadow NAME HASH REST", "gshadow NAME HASH REST".
 * Exit 0, or 1 with the engine's message on stderr. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acctdb.h"
#include "acctfile.h"
#include "acctwrite.h"

static long hold_ms;

static int hold(const char *step, const char *name)
{
	(void)step;
	(void)name;
	if (hold_ms > 0) {
		struct timespec ts = {hold_ms / 1000, (hold_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
		hold_ms = 0;
	}
	return 0;
}

static int dump(int rootfd)
{
	struct acct_db db;
	char err[512];
	if (acctdb_read(rootfd, &db, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (size_t i = 0; i < db.nusers; i++)
		printf("passwd\t%s\t%u\t%u\t%s\t%s\n", db.users[i].name, db.users[i].uid,
		       db.users[i].gid, db.users[i].home, db.users[i].shell);
	for (size_t i = 0; i < db.ngroups; i++) {
		printf("group\t%s\t%u\t", db.groups[i].name, db.groups[i].gid);
		for (size_t j = 0; j < db.groups[i].nmem; j++)
			printf("%s%s", j ? "," : "", db.groups[i].mem[j]);
		printf("\n");
	}
	for (size_t i = 0; i < db.nshadow; i++)
		printf("shadow\t%s\t%s\t%s\n", db.shadow[i].name, db.shadow[i].hash, db.shadow[i].rest);
	for (size_t i = 0; i < db.ngshadow; i++)
		printf("gshadow\t%s\t%s\t%s\n", db.gshadow[i].name, db.gshadow[i].hash,
		       db.gshadow[i].rest);
	printf("skipped\t%zu\tduplicates\t%zu\n", db.skipped, db.duplicates);
	acctdb_free(&db);
	return 0;
}

static const char *opt(char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

int main(int argc, char **argv)
{
	int plan = 0, i = 1;
	struct aw_request req = {0};
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--plan"))
			plan = 1;
		else if (!strcmp(argv[i], "--privileged"))
			req.flags |= AW_PRIVILEGED;
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			req.lock_timeout_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold_ms = atol(argv[++i]);
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
			int fd = open(argv[i + 1], O_RDONLY | O_DIRECTORY);
			return fd < 0 ? 1 : dump(fd);
		} else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: acctwrite_drv [--plan] [--privileged] [--timeout MS] "
				"[--hold MS] ROOT SPEC | --dump ROOT\n");
		return 2;
	}
	int rootfd = open(argv[i], O_RDONLY | O_DIRECTORY);
	FILE *spec = fopen(argv[i + 1], "r");
	if (rootfd < 0 || !spec) {
		perror("open");
		return 1;
	}
	struct aw_user users[64];
	struct aw_group groups[64];
	struct aw_member members[64];
	char line[4096], *keep[64 * 12];
	size_t nkeep = 0;
	while (fgets(line, sizeof line, spec)) {
		line[strcspn(line, "\n")] = 0;
		char *f[12];
		size_t n = 0;
		for (char *p = line; n < 12;) {
			f[n++] = p;
			char *t = strchr(p, '\t');
			if (!t)
				break;
			*t = 0;
			p = t + 1;
		}
		for (size_t k = 0; k < n; k++)
			f[k] = keep[nkeep++] = strdup(f[k]);
		if (!strcmp(f[0], "user") && n == 11 && req.nusers < 64)
			users[req.nusers++] = (struct aw_user){
			    f[1], (uint32_t)strtoul(f[2], NULL, 10), f[3],
			    (uint32_t)strtoul(f[4], NULL, 10), f[5], f[6], f[7], opt(f[8]), opt(f[9]),
			    !strcmp(f[10], "locked")};
		else if (!strcmp(f[0], "group") && n == 3 && req.ngroups < 64)
			groups[req.ngroups++] = (struct aw_group){f[1], (uint32_t)strtoul(f[2], NULL, 10)};
		else if (!strcmp(f[0], "member") && n == 3 && req.nmembers < 64)
			members[req.nmembers++] = (struct aw_member){f[1], f[2]};
		else if (n && *f[0]) {
			fprintf(stderr, "bad spec line: %s\n", f[0]);
			return 2;
		}
	}
	fclose(spec);
	req.users = users;
	req.groups = groups;
	req.members = members;
	acctfile_fault = hold;
	struct aw_result res;
	char err[512];
	int rc = plan ? acctwrite_plan(rootfd, &req, &res, err, sizeof err)
		      : acctwrite_apply(rootfd, &req, &res, err, sizeof err);
	if (rc) {
		fprintf(stderr, "acctwrite: %s\n", err);
	} else {
		for (size_t k = 0; k < req.nusers; k++) {
			const struct aw_user_result *r = &res.users[k];
			printf("user\t%s\t%s\t%ld\t%ld\t%s\t%s\t%d\t%d\n", users[k].name,
			       acctwrite_status_name(r->status),
			       r->uid == ACCT_ID_INVALID ? -1L : (long)r->uid,
			       r->gid == ACCT_ID_INVALID ? -1L : (long)r->gid, r->shell ? r->shell : "-",
			       r->home ? r->home : "-", r->group_created, r->shell_replaced);
		}
		for (size_t k = 0; k < res.ngroups; k++)
			printf("group\t%s\t%s\t%ld\t%d\n", res.groups[k].name,
			       acctwrite_status_name(res.groups[k].status),
			       res.groups[k].gid == ACCT_ID_INVALID ? -1L : (long)res.groups[k].gid,
			       res.groups[k].primary);
		for (size_t k = 0; k < req.nmembers; k++)
			printf("member\t%s\t%s\t%s\n", members[k].user, members[k].group,
			       acctwrite_status_name(res.members[k]));
		acctwrite_result_free(&res);
	}
	for (size_t k = 0; k < nkeep; k++)
		free(keep[k]);
	close(rootfd);
	return rc ? 1 : 0;
}
