/* fdstack.h - the directories along one path below a base directory fd, opened one
 * component at a time (O_DIRECTORY|O_NOFOLLOW: no symlink is ever followed), with at
 * most a fixed number of them open whatever the depth.
 *
 * Every tree walk of the runtime (scan's walk and its directory stacks, load's
 * destination and payload directories, the store walks of verify, du, rd and scan -o)
 * keeps its directories here instead of one descriptor per level, so 10,000 levels need
 * no more descriptors than 10. When a new level would go over the bound, the shallowest
 * open level (never the deepest) is closed, after its identity (st_dev, st_ino) is
 * recorded. A closed level is opened again only when it is needed, and only from
 * directories the stack holds: upwards with ".." from the nearest open level below it,
 * or downwards from the deepest open level above it, one component at a time; each
 * directory opened again must be the one recorded, else ESTALE (something was moved or
 * swapped meanwhile: a race, never followed). No path is ever resolved whole by the
 * kernel, so paths beyond PATH_MAX work.
 *
 * Levels: 0 is the base (not owned, never closed); level i > 0 is the i-th directory
 * below it. The path of the deepest level is "/a/b/c" ("" at level 0). */
#ifndef MIGRT_FDSTACK_H
#define MIGRT_FDSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FDS_MAX_OPEN 32 /* directories one stack keeps open at most (besides its base) */

struct fds_level {
	int fd;	    /* -1: closed, opened again when needed */
	bool known; /* dev/ino recorded (when it was closed) */
	dev_t dev;
	ino_t ino;
	size_t end; /* path[0..end) is the path of this level */
};

struct fdstack {
	int base;
	char *path; /* the deepest level's path, NUL-terminated */
	size_t cap;
	struct fds_level *lv;
	size_t n, capn; /* levels (n >= 1 once used: level 0 is the base) */
	size_t nopen;	/* open levels besides the base */
	size_t max_open;
	size_t reopened; /* directories opened again (statistics, tests) */
};

/* The identity a directory must have (fds_push). */
struct fds_id {
	dev_t dev;
	ino_t ino;
};

/* Opens directory NAME in PARENT, PATH (LEN bytes, NUL-terminated) being its path:
 * returns a new fd, or -1 with errno. NULL stands for openat(O_RDONLY|O_DIRECTORY|
 * O_NOFOLLOW|O_CLOEXEC). A function may also make the directory first (a store's
 * payload tree) or look at it (load's destinations). */
typedef int (*fds_open_fn)(void *ctx, int parent, const char *name, const char *path,
			   size_t len);

/* MAX_OPEN: levels open at most besides the base (0: FDS_MAX_OPEN; at least 2). */
void fds_init(struct fdstack *s, int base, size_t max_open);
/* Close every level (not the base); the stack can be used again after fds_init. */
void fds_free(struct fdstack *s);
/* Levels below the base. */
size_t fds_depth(const struct fdstack *s);
/* The deepest level's path ("" at the base) and its length. */
const char *fds_path(const struct fdstack *s, size_t *len);

/* An fd of LEVEL (0: the base), opened again if it was closed. Owned by the stack:
 * valid until the next call that pushes, pops or goes elsewhere (fds_at of another
 * level never closes the deepest one). -1 with errno (ESTALE: not the directory it
 * was). */
int fds_at(struct fdstack *s, size_t level);
/* fds_at of the deepest level. */
int fds_top(struct fdstack *s);
/* Enter NAME (NL bytes, no '/') below the deepest level, opened by FN (NULL: see
 * fds_open_fn). EXPECT: it must be that directory, else ESTALE. The new deepest
 * level's fd, or -1 with errno (nothing entered). */
int fds_push(struct fdstack *s, const char *name, size_t nl, fds_open_fn fn, void *ctx,
	     const struct fds_id *expect);
/* Leave the deepest level. 0, or -1 with errno when the level it returns to was closed
 * and cannot be opened again (ESTALE: it is not the directory it was); the level is
 * left anyway, and fds_top tries again. */
int fds_pop(struct fdstack *s);
/* Go to directory DIR (LEN bytes, "/a/b": logical below the base; "/" or "" is the
 * base): the levels it shares with the deepest one are kept, the others left, the
 * missing ones entered with FN. Its fd (owned by the stack), or -1 with errno (the
 * stack then stands at the deepest directory of DIR that could be entered). */
int fds_goto(struct fdstack *s, const char *dir, size_t len, fds_open_fn fn, void *ctx);

#endif
