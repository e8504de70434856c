/* root_env.h - a system to bind a plan to, the way `migc explain --root` and
 * `migc genconfig --root` see it: the root directory, its users and the running
 * kernel's release, as the runtime's rt_env. */
#ifndef MIGC_ROOT_ENV_H
#define MIGC_ROOT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/utsname.h>

#include "bind.h"

struct root_env {
	int rootfd;
	struct rt_user *users;
	size_t nusers;
	struct utsname un;
	struct rt_env env; /* rootfd, users, phase SCAN, os_release filled; the rest 0 */
};

/* Open ROOT. With USER, that one user: from ROOT/etc/passwd, or else uid 1000 with
 * home /home/USER; HOME (if given) replaces the home. Without USER and with ALL_USERS,
 * every user of ROOT/etc/passwd in the login.defs uid range; else no user. XDG folders
 * come from each user's user-dirs.dirs. Returns 0, or -1 with a message on stderr
 * prefixed by WHO. */
int root_env_open(struct root_env *re, const char *root, const char *user, const char *home,
		  bool all_users, const char *who);
void root_env_close(struct root_env *re);

#endif
