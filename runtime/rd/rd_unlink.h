/* rd_unlink.h - rd's unlinks on worker threads while the walk goes on (#19).
 *
 * The walk (rd.c, one thread) stats and decides every entry; what may go is handed to
 * the workers in batches of one directory's names. A directory is removed once its own
 * batches and every subdirectory below it are done, by whichever thread finishes the
 * last of them, so a directory is never tried before its contents.
 *
 * The last-link guarantee needs the link count the walk sees to be the one the removal
 * meets: two names of one inode (a file captured with two names) must not both pass
 * the test while neither is gone yet. So the inodes on their way out are tracked, and
 * a file whose inode is among them waits until they are gone and is looked at again
 * (rdu_busy_inode, rdu_wait_inode).
 *
 * The directories are removed by RDU_REMOVERS more threads, the removers, in the order
 * they become empty (a parent only after its last subdirectory): removing a directory
 * frees its inode and blocks, and on a filesystem mounted with discard (ext4 without a
 * journal discards synchronously) that waits for the device; the waits overlap there,
 * off the thread that unlinks files (#19: 12,600 such waits in a 200k-file store were
 * serialised behind the unlinks, and the walk waited for them).
 *
 * Memory and descriptors are bounded: at most RDU_MAX_OUT batches and finished-but-
 * waiting directories are outstanding (a directory holds two descriptors, itself and
 * its parent), and the walk waits
 * for the workers beyond that. */
#ifndef MIGRT_RD_UNLINK_H
#define MIGRT_RD_UNLINK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RDU_MAX_WORKERS 8
#define RDU_BATCH 256
#define RDU_MAX_OUT 128
#define RDU_HASH 4096
/* Threads removing directories: mostly waiting for the device (discards), several so
 * the waits overlap. */
#define RDU_REMOVERS 4
/* MIGSTATE_WORKERS=N (workers.h): N threads for rd's unlinks, and the removers (0:
 * none, the walking thread does everything itself). The default, one: the walk's stats
 * on one core, the unlinks on the other, the removers mostly waiting for the device. */
#define RDU_DEFAULT_WORKERS 1

/* The outcome of one removal, reported under the pool's lock in the thread that made
 * it: REL is the entry's path below the walk's top, ERR 0 or the errno. */
typedef void (*rdu_done_fn)(void *ctx, const char *rel, bool isdir, int err);

struct rdu_item;
struct rdu_batch;
struct rdu_node;

struct rdu {
	pthread_mutex_t mu;
	pthread_cond_t work, done; /* work queued; a batch or a directory finished */
	pthread_cond_t rmwork;	   /* a directory queued for the remover */
	pthread_t th[RDU_MAX_WORKERS];
	unsigned nth;
	unsigned idle;	 /* workers waiting for work (only then is one woken) */
	bool walk_waits; /* the walk waits on DONE (only then is it woken) */
	pthread_t rmth[RDU_REMOVERS]; /* the removers: empty directories, in order */
	unsigned nrm, rmidle;
	bool have_remover;
	struct rdu_node *rmhead, *rmtail;
	bool stopping;
	struct rdu_batch *qhead, *qtail; /* queued, not taken yet */
	size_t out;			 /* batches and sealed directories not finished */
	struct rdu_item *hash[RDU_HASH];  /* regular files on their way out */
	struct rdu_batch *cur;		 /* being filled by the walk (one at a time) */
	struct rdu_node *dir;		 /* the directory the walk is in */
	size_t live;			 /* nodes not finished (the top's included) */
	rdu_done_fn fn;
	void *ctx;
};

/* The number of unlink workers to use ($MIGSTATE_WORKERS, else the default; at most
 * RDU_MAX_WORKERS). */
unsigned rdu_workers(void);

/* Start NTH workers for one walk. -1 (nothing started) when none could be. */
int rdu_start(struct rdu *u, unsigned nth, rdu_done_fn fn, void *ctx);
/* Everything handed over is done (directories removed), the workers stopped. */
void rdu_finish(struct rdu *u);

/* The pool's lock, for the walk's own reporting while workers report too. */
void rdu_lock(struct rdu *u);
void rdu_unlock(struct rdu *u);

/* The walk enters a directory (its pre-visit; REL its path) / leaves it (its post-visit:
 * DIRFD is its parent, NAME its name; RMDIR false when it must not be removed, its walk
 * failed). rdu_enter returns -1 (no memory): the caller rdu_finish()es the pool and
 * goes on alone. rdu_leave returns 1 when the caller must remove the directory itself
 * (everything handed over below it is done then). */
int rdu_enter(struct rdu *u, const char *rel);
int rdu_leave(struct rdu *u, int dirfd, const char *name, const char *rel, bool rmdir);

/* Is an entry with inode DEV/INO on its way out? Then rdu_wait_inode waits until it is
 * gone (the walk then looks at its own entry again). */
bool rdu_busy_inode(struct rdu *u, dev_t dev, ino_t ino);
void rdu_wait_inode(struct rdu *u, dev_t dev, ino_t ino);

/* Remove entry NAME of DIRFD (the directory the walk is in; REL its path); a regular
 * file gives its inode (DEV/INO) for rdu_busy_inode. 0, or -1 (ENOMEM): the caller
 * removes it itself. */
int rdu_unlink(struct rdu *u, int dirfd, const char *name, const char *rel, bool regular,
	       dev_t dev, ino_t ino);

#endif
