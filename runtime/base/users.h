/* users.h - the users of the migrated system, read beneath --root.
 *
 * A user is a ROOT/etc/passwd entry with a uid in UID_MIN..UID_MAX of
 * ROOT/etc/login.defs (default 1000..60000) whose home directory exists. Their XDG
 * user dirs come from ~/.config/user-dirs.dirs ("$HOME/..." or absolute values). */
#ifndef MIGRT_USERS_H
#define MIGRT_USERS_H

#include <stddef.h>
#include <stdint.h>

enum xdg_dir {
	XDG_DESKTOP,
	XDG_DOCUMENTS,
	XDG_DOWNLOAD,
	XDG_MUSIC,
	XDG_PICTURES,
	XDG_PUBLICSHARE,
	XDG_TEMPLATES,
	XDG_VIDEOS,
	XDG__N
};
extern const char *const xdg_names[XDG__N];    /* "DESKTOP", ... */
extern const char *const xdg_defaults[XDG__N]; /* "Desktop", ...: {home}/<this> when unset */

/* One user of the system: what binding a plan to them needs (bind.h). */
struct rt_user {
	char *name;
	uint32_t uid, gid;
	char *home;	   /* logical path */
	char *xdg[XDG__N]; /* logical paths; NULL: {home}/<Default> */
};

struct user_list {
	struct rt_user *v;
	size_t n;
};

/* Every passwd entry in the uid range (home existence is not checked here). */
int users_read(int rootfd, struct user_list *out, char *err, size_t errsz);
/* Every passwd entry, any uid (names of owners). -1 when passwd cannot be read. */
int users_read_all(int rootfd, struct user_list *out);
/* Look up one user by name in ROOT/etc/passwd (any uid). 0 found, -1 not. */
int users_lookup(int rootfd, const char *name, struct rt_user *out);
/* Fill u->xdg from the user's user-dirs.dirs (missing file: defaults stay NULL). */
void users_load_xdg(int rootfd, struct rt_user *u);
void users_free_one(struct rt_user *u);
void users_free(struct user_list *l);
/* UID_MIN/UID_MAX from ROOT/etc/login.defs (defaults 1000/60000). */
void users_uid_range(int rootfd, uint32_t *min, uint32_t *max);

#endif
