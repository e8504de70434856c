/* root_env.c - see root_env.h. */
#include "root_env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "users.h"

/* The user --user names: from ROOT/etc/passwd, else a plausible stand-in (explain
 * answers for paths that need not exist). */
static int one_user(int rootfd, const char *name, const char *home, struct rt_user *u)
{
	if (users_lookup(rootfd, name, u) != 0) {
		char h[4096];
		snprintf(h, sizeof h, "/home/%s", name);
		u->name = strdup(name);
		u->uid = 1000;
		u->gid = 1000;
		u->home = strdup(h);
		if (!u->name || !u->home)
			return -1;
	}
	if (home) {
		free(u->home);
		if (!(u->home = strdup(home)))
			return -1;
	}
	return 0;
}

int root_env_open(struct root_env *re, const char *root, const char *user, const char *home,
		  bool all_users, const char *who)
{
	memset(re, 0, sizeof *re);
	re->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (re->rootfd < 0) {
		fprintf(stderr, "%s: --root %s: %s\n", who, root, strerror(errno));
		return -1;
	}
	if (user) {
		re->users = calloc(1, sizeof *re->users);
		if (!re->users || one_user(re->rootfd, user, home, re->users) != 0) {
			fprintf(stderr, "%s: out of memory\n", who);
			root_env_close(re);
			return -1;
		}
		re->nusers = 1;
	} else if (all_users) {
		struct user_list l;
		char err[256];
		if (users_read(re->rootfd, &l, err, sizeof err) != 0) {
			fprintf(stderr, "%s: --root %s: %s\n", who, root, err);
			root_env_close(re);
			return -1;
		}
		re->users = l.v;
		re->nusers = l.n;
	}
	for (size_t i = 0; i < re->nusers; i++)
		users_load_xdg(re->rootfd, &re->users[i]);
	uname(&re->un);
	re->env.rootfd = re->rootfd;
	re->env.users = re->users;
	re->env.nusers = re->nusers;
	re->env.phase = PHASE_SCAN;
	re->env.os_release = re->un.release;
	return 0;
}

void root_env_close(struct root_env *re)
{
	struct user_list l = {re->users, re->nusers};
	users_free(&l);
	re->users = NULL;
	re->nusers = 0;
	if (re->rootfd >= 0)
		close(re->rootfd);
	re->rootfd = -1;
}
