/* load_ahead.c - plain file links on a second thread while the run goes on (#19).
 *
 * The run (load.c, the main thread) goes through the actions in catalog order as before
 * and makes the directories; a file action that is the plain case (a file restored at
 * its own path by a hard link, its owner here already the payload's, no ACL record, no
 * set-id question) is handed to the linker thread instead: it reads the payload's
 * attributes and links it into place. The main thread accounts for every handed-over
 * action in catalog order (counters, journal, log, directory times, crash points): a
 * linked one as load_place.c would have, one the linker left (anything unusual, any
 * error) through the usual path, apply_action. The linker stops linking at the first
 * action it leaves and leaves every later one too, until the main thread has accounted
 * for them all: so the links are made in catalog order, and an action the main thread
 * does itself never comes after a later one's link.
 *
 * The main thread's own changes (the directories it makes ahead) could meet a link still
 * on its way only by name: before a directory is made or opened for an action, if a
 * handed-over action's path is that directory or one above it, everything handed over
 * is accounted for first.
 *
 * Small runs (fewer than WORKERS_MIN_RUN actions) use no thread: the fault injection's
 * counted calls stay in one order; MIGSTATE_WORKERS=0 (workers.h) turns it off. The
 * log says how many files the linker placed. */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "logging.h"
#include "workers.h"

#define LK_RING 256 /* actions handed over and not accounted for yet */
#define LK_KICK 32  /* an idle linker is woken for this many (wake-ups cost) */

/* A destination directory and the payload directory of a run of handed-over actions:
 * duplicated descriptors, valid while an action uses them (main thread only). */
struct lk_dirs {
	int dfd, sfd;
	char *dir;    /* their logical path (an action here is restored at its own path) */
	uint32_t vol; /* the payload's volume */
	size_t refs;
};

enum lk_state { LK_QUEUED, LK_LINKED, LK_LEFT };

struct lk_job {
	struct lk_dirs *d;
	struct sw_rec r;
	struct action a;
	const char *name;    /* the leaf of r.path: in both directories */
	enum lk_state state; /* set by the linker (under the lock) */
};

struct linker {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t th;
	bool stopping, poisoned; /* poisoned: it left one, leaves the rest */
	bool idle, main_waits;
	struct lk_job ring[LK_RING];
	size_t head, mid, tail; /* accounted < head <= done < mid <= queued < tail */
	struct lk_dirs *cur;	/* of the last action handed over (main thread) */
	size_t linked;		/* by the linker (main thread's count) */
};

static void *linker_main(void *arg)
{
	struct linker *k = arg;
	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (k->mid == k->tail && !k->stopping) {
			k->idle = true;
			pthread_cond_wait(&k->work, &k->mu);
			k->idle = false;
		}
		if (k->mid == k->tail)
			break;
		struct lk_job *j = &k->ring[k->mid % LK_RING];
		bool poisoned = k->poisoned;
		pthread_mutex_unlock(&k->mu);
		bool ok = !poisoned && fs_linkat(j->d->sfd, j->name, j->d->dfd, j->name, 0) == 0;
		pthread_mutex_lock(&k->mu);
		j->state = ok ? LK_LINKED : LK_LEFT;
		if (!ok)
			k->poisoned = true;
		k->mid++;
		if (k->main_waits && (k->mid - k->head >= LK_RING / 2 || k->mid == k->tail))
			pthread_cond_signal(&k->done);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

static void dirs_put(struct lk_dirs *d)
{
	if (d && --d->refs == 0) {
		close(d->dfd);
		close(d->sfd);
		free(d->dir);
		free(d);
	}
}

static void job_free(struct lk_job *j)
{
	dirs_put(j->d);
	free(j->r.path);
	j->d = NULL;
	j->r.path = NULL;
}

/* Account for job J in catalog order (main thread). */
static void account(struct loader *L, struct lk_job *j)
{
	if (j->state == LK_LINKED) {
		struct obj ob = {.L = L, .r = &j->r, .sfd = -1};
		L->lk->linked++;
		count_placed(L, P_LINKED);
		load_placed(L, &ob, j->d->dir, j->name, NULL);
	} else if (!L->stop) {
		apply_action(L, &j->r, &j->a); /* the usual path, from the start */
	}
	job_free(j);
}

/* Account for what is done; with ALL, wait for everything handed over. */
static void settle(struct loader *L, bool all)
{
	struct linker *k = L->lk;
	for (;;) {
		pthread_mutex_lock(&k->mu);
		if (all && k->idle && k->mid < k->tail)
			pthread_cond_signal(&k->work);
		while (all && k->head < k->tail && k->mid == k->head) {
			k->main_waits = true;
			pthread_cond_wait(&k->done, &k->mu);
			k->main_waits = false;
		}
		size_t mid = k->mid;
		if (k->head == k->tail)
			k->poisoned = false; /* nothing left that a link could overtake */
		pthread_mutex_unlock(&k->mu);
		if (k->head == mid)
			return;
		while (k->head < mid)
			account(L, &k->ring[k->head++ % LK_RING]);
	}
}

void lk_drain(struct loader *L)
{
	if (L->lk)
		settle(L, true);
}

/* Is a handed-over action's path DIR or one of the directories above it? */
static bool in_way(const struct linker *k, const char *dir)
{
	size_t dl = strlen(dir);
	for (size_t i = k->head; i < k->tail; i++) {
		const char *p = k->ring[i % LK_RING].r.path;
		size_t pl = strlen(p);
		if (pl <= dl && !memcmp(p, dir, pl) && (dir[pl] == '/' || dir[pl] == 0))
			return true;
	}
	return false;
}

void lk_stopped_after(struct loader *L)
{
	if (!L->lk)
		return;
	/* every action handed over came before the one that stopped the run: one thread
	 * would have finished them first (an error of theirs stops the rest of them) */
	L->stop = false;
	settle(L, true);
	L->stop = true;
}

void lk_before_dir(struct loader *L, const char *dir)
{
	if (L->lk && in_way(L->lk, dir))
		settle(L, true);
}

/* The destination and payload directories for R (whose parent is DIR): the last ones,
 * or newly opened (and made). NULL: the usual path does it (and says why). */
static struct lk_dirs *dirs_for(struct loader *L, const struct sw_rec *r, const char *dir)
{
	struct linker *k = L->lk;
	struct lk_dirs *c = k->cur;
	const char *sleaf;
	if (c && c->vol == r->r.volume && !strcmp(c->dir, dir))
		return c;
	lk_before_dir(L, dir);
	if (L->stop)
		return NULL;
	int sfd = open_payload_dir(L, r, &sleaf);
	int dfd = sfd >= 0 ? open_dest_dir(L, dir) : -1;
	if (dfd < 0)
		return NULL;
	struct lk_dirs *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	d->sfd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
	d->dir = strdup(dir);
	d->vol = r->r.volume;
	d->refs = 1; /* k->cur's */
	if (d->dfd < 0 || d->sfd < 0 || !d->dir) {
		dirs_put(d);
		return NULL;
	}
	dirs_put(k->cur);
	k->cur = d;
	return d;
}

/* Is record R's payload (PST) the plain case: a link gives it to its owner here (OUID,
 * OGID) as it is, with nothing to re-own and no set-id question? */
static bool plain_payload(struct loader *L, const struct sw_rec *r, const struct stat *pst,
			  uint32_t ouid, uint32_t ogid)
{
	return S_ISREG(pst->st_mode) && !owners_payload_differs(L, pst, ouid, ogid) &&
	       !load_setid_drops(&r->r, pst, ouid, ogid);
}

bool lk_offer(struct loader *L, const struct sw_rec *r, const struct action *a)
{
	struct linker *k = L->lk;
	uint32_t ouid, ogid;
	if (!k || r->r.type != CT_FILE || a->ndest != 1 || strcmp(a->dest[0], r->path) != 0 ||
	    idmap_owner(&L->map, r->r.uid, r->r.gid, &ouid, &ogid) != 0 ||
	    aclrec_find(&L->acls, r->path, ACLREC_ACCESS) != NULL)
		return false;
	const char *leaf;
	char *dir = load_parent_of(r->path, &leaf);
	if (!dir)
		return false;
	struct lk_dirs *d = dirs_for(L, r, dir);
	free(dir);
	if (L->stop)
		return true; /* an earlier action stopped the run: this one is not placed */
	struct stat pst;
	if (!d || fstatat(d->sfd, leaf, &pst, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !plain_payload(L, r, &pst, ouid, ogid))
		return false;
	char *path = strdup(r->path);
	if (!path)
		return false;
	if (k->tail - k->head == LK_RING) {
		/* full: wait until the linker has done half of it */
		pthread_mutex_lock(&k->mu);
		if (k->idle)
			pthread_cond_signal(&k->work);
		while (k->mid - k->head < LK_RING / 2 && k->mid < k->tail) {
			k->main_waits = true;
			pthread_cond_wait(&k->done, &k->mu);
			k->main_waits = false;
		}
		pthread_mutex_unlock(&k->mu);
		settle(L, false);
		if (L->stop) {
			free(path);
			return true; /* stopped: nothing more is placed */
		}
	}
	struct lk_job *j = &k->ring[k->tail % LK_RING];
	d->refs++;
	*j = (struct lk_job){.d = d, .r = {.r = r->r, .path = path}, .a = *a, .state = LK_QUEUED};
	j->a.dest[0] = path;
	j->name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	pthread_mutex_lock(&k->mu);
	k->tail++;
	if (k->idle && k->tail - k->mid >= LK_KICK)
		pthread_cond_signal(&k->work);
	size_t done = k->mid - k->head;
	pthread_mutex_unlock(&k->mu);
	if (done >= LK_KICK)
		settle(L, false);
	return true;
}

void lk_start(struct loader *L)
{
	if (L->nacts < WORKERS_MIN_RUN || L->o->dry_run || L->o->copy_only ||
	    workers_env(1, 1) == 0)
		return;
	struct linker *k = calloc(1, sizeof *k);
	if (!k)
		return; /* one thread, as before */
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->work, NULL);
	pthread_cond_init(&k->done, NULL);
	L->lk = k;
	if (workers_thread(&k->th, linker_main, k) != 0) {
		L->lk = NULL;
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->work);
		pthread_cond_destroy(&k->done);
		free(k);
	}
}

void lk_stop(struct loader *L)
{
	struct linker *k = L->lk;
	if (!k)
		return;
	settle(L, true);
	pthread_mutex_lock(&k->mu);
	k->stopping = true;
	pthread_cond_signal(&k->work);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->th, NULL);
	rlog_msg(L->log, RL_INFO, "%zu files linked into place on a second thread", k->linked);
	dirs_put(k->cur);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->work);
	pthread_cond_destroy(&k->done);
	free(k);
	L->lk = NULL;
}
