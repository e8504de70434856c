/* walk.h - the directory walker: every object the bound plan includes, once.
 *
 * The walk starts at the logical root ("/" = the --root directory fd) and goes down
 * with directory fds only (openat O_DIRECTORY|O_NOFOLLOW): no path is ever resolved
 * twice and no symlink is followed. Per directory it looks the path index up once
 * (rt_dir_begin; rt_candidates with --trace), decides the directory itself and each
 * non-directory entry from its name and d_type (rt_decide_in: same verdicts as
 * rt_decide), statx'es an entry only when the plan includes it, when a filter reads its
 * size or times, or when the file system gives no d_type, and enters a subdirectory
 * only when some entry can match in or below it (rt_reachable). Names come from
 * getdents64 into a buffer the directory's frame keeps: nothing is allocated per entry.
 * Entries are visited in byte order of their names, so two walks of the same tree
 * report the same sequence (pre-order: a directory before what it holds).
 *
 * Never entered: directories on pseudo filesystems (volumes.h), directories whose
 * (st_dev, st_ino) or logical path is in the skip lists (the store itself), mount roots
 * that refuse us (mount_denied). Every
 * directory on the way to an included object is reported once, before it, marked
 * parent_only unless the plan included it too. */
#ifndef MIGRT_WALK_H
#define MIGRT_WALK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "bind.h"
#include "decide.h"
#include "volumes.h"

struct walk_obj {
	const char *path; /* logical path */
	size_t pathlen;
	size_t dirlen;		 /* path[0..dirlen) is the parent directory ("/" = 1) */
	const char *name;	 /* last component, inside PATH */
	int dirfd;		 /* the parent directory, for *at() calls */
	const struct statx *stx; /* lstat-like: symlinks are not followed */
	uint32_t mnt_id;
	bool is_dir;
	bool parent_only;	  /* a directory reported only as a parent */
	const struct decision *d; /* the verdict (NULL when parent_only) */
};

struct walk_ops {
	/* An included object, or a parent directory reported for the first time.
	 * Return 0 to go on, a negative value to stop the walk with it. */
	int (*object)(void *ctx, const struct walk_obj *o);
	/* DIR/NAME (NAME NULL: the directory DIR itself) could not be examined or read
	 * (errno ERR during WHAT). Return 0 to skip it, negative to stop. */
	int (*error)(void *ctx, const char *dir, const char *name, int err, const char *what);
	/* Optional: a directory was not entered (pseudo filesystem, store, ...). */
	void (*skipped)(void *ctx, const char *path, const char *why);
	/* Optional: PATH is the root of another mount that refuses us (errno ERR): a FUSE
	 * mount without allow_other denies every other uid, root included, even a stat.
	 * Not entered and not an error: its owner's choice cannot stop the walk. */
	void (*mount_denied)(void *ctx, const char *path, int err);
	/* Optional: PATH is the top of a migstate store (its MIGSTATE holds a store.id of
	 * ours): an earlier scan's, or one nested in a user's home. Never entered: a store
	 * is never captured, whoever made it. */
	void (*store_found)(void *ctx, const char *path);
	/* Optional: PATH is the root of a mount walk_config.nonlocal lists: not entered. */
	void (*nonlocal)(void *ctx, const char *path);
};

struct walk_skip {
	dev_t dev;
	ino_t ino;
};

struct walk_config {
	const struct rt_bound *b;
	int rootfd;
	const struct vol_table *vols;
	const struct walk_skip *skip; /* directories never entered, by identity */
	size_t nskip;
	const char *const *skip_paths; /* ... and by logical path */
	size_t nskip_paths;
	FILE *trace;		     /* decision trace, or NULL */
	volatile sig_atomic_t *stop; /* set asynchronously: stop at the next entry */
	const uint32_t *nonlocal;    /* --localonly: mount ids never entered (removable,
					network, optical), whatever the rules say */
	size_t nnonlocal;
};

struct walk_stats {
	uint64_t dirs;	   /* directories entered */
	uint64_t decided;  /* objects decided */
	uint64_t included; /* objects the plan included */
};

#define WALK_STOPPED (-4) /* *stop was set */

/* Walk; returns 0, WALK_STOPPED, or the negative value a callback returned. */
int walk_run(const struct walk_config *c, const struct walk_ops *ops, void *ctx,
	     struct walk_stats *stats);

#endif
