/* rd_unlink.c - rd's removals on worker threads (rd_unlink.h). */
#include "rd_unlink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhooks.h"
#include "workers.h"

/* A directory of the walk: removed when its count drops to zero (its own reference
 * while the walk is in it, one per batch of its names, one per subdirectory). */
struct rdu_node {
	struct rdu_node *parent;
	struct rdu_node *next; /* in the remover's queue */
	size_t pending;
	int pfd;	/* its parent, once the walk has left it (-1: not removed) */
	int dfd;	/* the directory itself, for its batches (-1: none yet) */
	char *name, *rel;
};

struct rdu_item {
	struct rdu_item *hnext; /* in the hash of inodes on their way out */
	dev_t dev;
	ino_t ino;
	bool regular;
	size_t name; /* offset in the batch's names */
};

struct rdu_batch {
	struct rdu_batch *next;
	struct rdu_node *node; /* its directory (node->dfd) */
	char *rel; /* the directory's path, for messages */
	size_t n;
	struct rdu_item it[RDU_BATCH];
	char *names;
	size_t nlen, ncap;
};

unsigned rdu_workers(void)
{
	return workers_env(RDU_DEFAULT_WORKERS, RDU_MAX_WORKERS);
}

void rdu_lock(struct rdu *u)
{
	pthread_mutex_lock(&u->mu);
}

void rdu_unlock(struct rdu *u)
{
	pthread_mutex_unlock(&u->mu);
}

static size_t hslot(dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15u) ^ (uint64_t)dev;
	return (size_t)(h >> 40) % RDU_HASH;
}

static void hash_del(struct rdu *u, struct rdu_item *it)
{
	for (struct rdu_item **p = &u->hash[hslot(it->dev, it->ino)]; *p; p = &(*p)->hnext)
		if (*p == it) {
			*p = it->hnext;
			return;
		}
}

bool rdu_busy_inode(struct rdu *u, dev_t dev, ino_t ino)
{
	rdu_lock(u);
	bool busy = false;
	for (struct rdu_item *it = u->hash[hslot(dev, ino)]; it && !busy; it = it->hnext)
		busy = it->dev == dev && it->ino == ino;
	rdu_unlock(u);
	return busy;
}

static void free_batch(struct rdu_batch *b)
{
	free(b->rel);
	free(b->names);
	free(b);
}

static void free_node(struct rdu_node *n)
{
	if (n->pfd >= 0)
		close(n->pfd);
	if (n->dfd >= 0)
		close(n->dfd);
	free(n->name);
	free(n->rel);
	free(n);
}

/* Wake the walk if it waits for something to finish (lock held). */
static void wake_walk(struct rdu *u)
{
	if (u->walk_waits)
		pthread_cond_broadcast(&u->done);
}

/* The walk waits (lock held) until something finishes. */
static void walk_wait(struct rdu *u)
{
	u->walk_waits = true;
	pthread_cond_wait(&u->done, &u->mu);
	u->walk_waits = false;
}

/* Directory N was tried (ERR: its removal's outcome; N->pfd < 0: it was not to be
 * removed): reported and freed. Its parent, whose reference the caller drops. Lock held. */
static struct rdu_node *removed(struct rdu *u, struct rdu_node *n, int err)
{
	struct rdu_node *p = n->parent;
	if (n->pfd >= 0)
		u->fn(u->ctx, n->rel, true, err);
	if (n->name) /* handed over: it counted as outstanding */
		u->out--;
	free_node(n);
	u->live--;
	return p;
}

/* Remove directory N now (lock held; released around the rmdir). */
static int rmdir_node(struct rdu *u, struct rdu_node *n)
{
	rdu_unlock(u);
	int err = unlinkat(n->pfd, n->name, AT_REMOVEDIR) == 0 ? 0 : errno;
	if (!err)
		test_crash_point();
	/* its last descriptor goes after the rmdir: the inode is freed by this close, not
	 * under the parent's lock the rmdir holds, so the removals of its siblings (and
	 * their waits for the device's discards) overlap */
	if (n->dfd >= 0) {
		close(n->dfd);
		n->dfd = -1;
	}
	rdu_lock(u);
	return err;
}

/* Drop one reference of N. A directory whose last reference goes is removed: by the
 * remover thread (queued), else by the thread that dropped it, which then does the same
 * for its parent. Called and returns with the lock held. */
static void release(struct rdu *u, struct rdu_node *n)
{
	while (n && --n->pending == 0) {
		if (n->pfd >= 0 && u->have_remover) {
			n->next = NULL;
			if (u->rmtail)
				u->rmtail->next = n;
			else
				u->rmhead = n;
			u->rmtail = n;
			if (u->rmidle)
				pthread_cond_signal(&u->rmwork);
			break;
		}
		int err = n->pfd >= 0 ? rmdir_node(u, n) : 0;
		n = removed(u, n, err);
	}
	wake_walk(u);
}

/* The remover: directories whose contents are gone, in the order they became empty (a
 * parent only after its last subdirectory). */
static void *remover(void *arg)
{
	struct rdu *u = arg;
	rdu_lock(u);
	for (;;) {
		while (!u->rmhead && !u->stopping) {
			u->rmidle++;
			pthread_cond_wait(&u->rmwork, &u->mu);
			u->rmidle--;
		}
		struct rdu_node *n = u->rmhead;
		if (!n)
			break;
		if (!(u->rmhead = n->next))
			u->rmtail = NULL;
		int err = rmdir_node(u, n);
		release(u, removed(u, n, err));
	}
	rdu_unlock(u);
	return NULL;
}

/* The walk is no longer in the directory it is in (lock held): it is left without
 * being removed. */
static void abandon(struct rdu *u)
{
	struct rdu_node *n = u->dir;
	u->dir = n->parent;
	release(u, n);
}

static void run_batch(struct rdu *u, struct rdu_batch *b)
{
	int errs[RDU_BATCH];
	for (size_t i = 0; i < b->n; i++) {
		errs[i] = unlinkat(b->node->dfd, b->names + b->it[i].name, 0) == 0 ? 0 : errno;
		if (!errs[i])
			test_crash_point(); /* right after it: a test's kill lands here */
	}
	size_t rl = strlen(b->rel);
	char *path = NULL;
	size_t pcap = 0;
	rdu_lock(u);
	for (size_t i = 0; i < b->n; i++) {
		const char *name = b->names + b->it[i].name;
		const char *rel = name;
		if (rl) {
			size_t need = rl + strlen(name) + 2;
			if (need > pcap) {
				char *q = realloc(path, need);
				if (q) {
					path = q;
					pcap = need;
				}
			}
			if (pcap >= need) {
				memcpy(path, b->rel, rl);
				path[rl] = '/';
				strcpy(path + rl + 1, name);
				rel = path;
			}
		}
		if (b->it[i].regular)
			hash_del(u, &b->it[i]);
		u->fn(u->ctx, rel, false, errs[i]);
	}
	free(path);
	u->out--;
	release(u, b->node);
	rdu_unlock(u);
	free_batch(b);
}

static void *worker(void *arg)
{
	struct rdu *u = arg;
	rdu_lock(u);
	for (;;) {
		while (!u->qhead && !u->stopping) {
			u->idle++;
			pthread_cond_wait(&u->work, &u->mu);
			u->idle--;
		}
		if (!u->qhead)
			break;
		struct rdu_batch *b = u->qhead;
		if (!(u->qhead = b->next))
			u->qtail = NULL;
		rdu_unlock(u);
		run_batch(u, b);
		rdu_lock(u);
	}
	rdu_unlock(u);
	return NULL;
}

/* Wait (lock held) until fewer than RDU_MAX_OUT things are outstanding. */
static void wait_room(struct rdu *u)
{
	while (u->out >= RDU_MAX_OUT)
		walk_wait(u);
}

/* Hand the batch being filled to the workers. */
static void flush(struct rdu *u)
{
	struct rdu_batch *b = u->cur;
	if (!b)
		return;
	u->cur = NULL;
	rdu_lock(u);
	wait_room(u);
	b->next = NULL;
	if (u->qtail)
		u->qtail->next = b;
	else
		u->qhead = b;
	u->qtail = b;
	u->out++;
	if (u->idle)
		pthread_cond_signal(&u->work);
	rdu_unlock(u);
}

int rdu_start(struct rdu *u, unsigned nth, rdu_done_fn fn, void *ctx)
{
	memset(u, 0, sizeof *u);
	u->fn = fn;
	u->ctx = ctx;
	if (nth == 0 || !(u->dir = calloc(1, sizeof *u->dir)))
		return -1;
	u->dir->pending = 1;
	u->dir->pfd = u->dir->dfd = -1;
	u->live = 1;
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->work, NULL);
	pthread_cond_init(&u->done, NULL);
	pthread_cond_init(&u->rmwork, NULL);
	for (unsigned i = 0; i < nth && i < RDU_MAX_WORKERS; i++)
		if (workers_thread(&u->th[u->nth], worker, u) == 0)
			u->nth++;
	for (unsigned i = 0; u->nth && i < RDU_REMOVERS; i++)
		if (workers_thread(&u->rmth[u->nrm], remover, u) == 0)
			u->nrm++;
	u->have_remover = u->nrm > 0;
	if (u->nth == 0) {
		free(u->dir);
		pthread_mutex_destroy(&u->mu);
		pthread_cond_destroy(&u->work);
		pthread_cond_destroy(&u->done);
		pthread_cond_destroy(&u->rmwork);
		return -1;
	}
	return 0;
}

void rdu_finish(struct rdu *u)
{
	flush(u);
	rdu_lock(u);
	while (u->dir->parent) /* a walk that stopped early: what it left open stays */
		abandon(u);
	release(u, u->dir); /* the top itself is never removed here */
	u->dir = NULL;
	while (u->live)
		walk_wait(u);
	u->stopping = true;
	pthread_cond_broadcast(&u->work);
	pthread_cond_broadcast(&u->rmwork);
	rdu_unlock(u);
	for (unsigned i = 0; i < u->nth; i++)
		pthread_join(u->th[i], NULL);
	for (unsigned i = 0; i < u->nrm; i++)
		pthread_join(u->rmth[i], NULL);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->work);
	pthread_cond_destroy(&u->done);
	pthread_cond_destroy(&u->rmwork);
}

void rdu_wait_inode(struct rdu *u, dev_t dev, ino_t ino)
{
	flush(u); /* it may be in the batch being filled */
	rdu_lock(u);
	for (;;) {
		bool busy = false;
		for (struct rdu_item *it = u->hash[hslot(dev, ino)]; it && !busy; it = it->hnext)
			busy = it->dev == dev && it->ino == ino;
		if (!busy)
			break;
		walk_wait(u);
	}
	rdu_unlock(u);
}

int rdu_enter(struct rdu *u, const char *rel)
{
	flush(u); /* the names before it are the parent's */
	struct rdu_node *n = calloc(1, sizeof *n);
	if (!n || !(n->rel = strdup(rel))) {
		free(n);
		return -1;
	}
	n->parent = u->dir;
	n->pending = 1;
	n->pfd = n->dfd = -1;
	rdu_lock(u);
	u->dir->pending++;
	u->live++;
	rdu_unlock(u);
	u->dir = n;
	return 0;
}

int rdu_leave(struct rdu *u, int dirfd, const char *name, const char *rel, bool rmdir)
{
	flush(u);
	rdu_lock(u);
	/* a directory whose walk stopped without its visit after (treewalk.c): left as is */
	while (u->dir->parent && strcmp(u->dir->rel, rel) != 0)
		abandon(u);
	rdu_unlock(u);
	struct rdu_node *n = u->dir;
	if (!n->parent)
		return 1; /* not one the pool was given */
	u->dir = n->parent;
	if (rmdir && (n->name = strdup(name)) &&
	    (n->pfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(n->name);
		n->name = NULL;
	}
	rdu_lock(u);
	if (rmdir && !n->name) {
		/* no memory or descriptor to hand it over: everything below done, then the
		 * caller removes it */
		while (n->pending > 1)
			walk_wait(u);
		release(u, n);
		rdu_unlock(u);
		return 1;
	}
	if (n->name) {
		wait_room(u);
		u->out++;
	}
	release(u, n);
	rdu_unlock(u);
	return 0;
}

int rdu_unlink(struct rdu *u, int dirfd, const char *name, const char *rel, bool regular,
	       dev_t dev, ino_t ino)
{
	struct rdu_batch *b = u->cur;
	if (!b) {
		if (!(b = calloc(1, sizeof *b)))
			return -1;
		/* REL is the entry's path: the batch keeps its directory's */
		const char *slash = strrchr(rel, '/');
		b->rel = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
		/* one descriptor of the directory for all its batches (no lock: the workers
		 * read it only in batches queued after it was set) */
		if (u->dir->dfd < 0)
			u->dir->dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
		if (!b->rel || u->dir->dfd < 0) {
			free_batch(b);
			return -1;
		}
		b->node = u->dir;
		rdu_lock(u);
		u->dir->pending++;
		rdu_unlock(u);
		u->cur = b;
	}
	size_t nl = strlen(name) + 1;
	if (b->nlen + nl > b->ncap) {
		size_t cap = b->ncap ? b->ncap * 2 : 4096;
		while (cap < b->nlen + nl)
			cap *= 2;
		char *q = realloc(b->names, cap);
		if (!q)
			return -1;
		b->names = q;
		b->ncap = cap;
	}
	struct rdu_item *it = &b->it[b->n++];
	memcpy(b->names + b->nlen, name, nl);
	it->name = b->nlen;
	b->nlen += nl;
	it->dev = dev;
	it->ino = ino;
	it->regular = regular;
	if (regular) {
		size_t h = hslot(dev, ino);
		rdu_lock(u);
		it->hnext = u->hash[h];
		u->hash[h] = it;
		rdu_unlock(u);
	}
	if (b->n == RDU_BATCH)
		flush(u);
	return 0;
}
