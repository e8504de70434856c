/* scan_helper.c - pass 2 on two cores: files linked by both threads, records written by
 * the main thread alone, in walk order.
 *
 * Linking is most of a hard-link capture (open by path, check, link, close, and the ACL
 * read: five system calls a file), and it needs nothing but the file and its payload
 * directory. So on a large capture with a second CPU the item list is cut into chunks of
 * CHUNK items, claimed in order by whichever thread is free: the helper thread does
 * nothing else; the main thread, when the chunk it must record next is not linked yet,
 * claims and links the next unclaimed one instead of waiting. Each item of a chunk
 * taking the quick way (scan_link_fast: the same fd-linking and identity check as the
 * single-threaded path) is linked into a slot: what was linked, and its access ACL read
 * from the store name. The main thread then goes through every item in walk order: for
 * a linked item it writes the record and the counts from the slot; anything else
 * (directories, symlinks, copies, a file that changed, any refusal or failure) it
 * captures as ever, the linking having left it alone. The catalog, the log, the
 * counters, the ACL and identity records and every error stay with the main thread, in
 * walk order, so the store is the one a single thread makes.
 *
 * Linking runs at most WINDOW chunks ahead of the records (the slots are reused). The
 * threads share the read-only parts of the run (the volumes; the list's records, each
 * read through its own cursor) and this structure under its mutex; the helper blocks
 * every signal. When the main thread stops early, files linked beyond the last record
 * are payload without a record in an incomplete store, as after a crash between a link
 * and the catalog's next flush: a rerun or rd deals with them the same way. Small
 * captures, and MIGSTATE_WORKERS=0, go without: a thread is not worth it there, and
 * their system calls stay in one deterministic sequence (the fault-injection tests
 * count them). */
#include "scan_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "diracl.h"
#include "workers.h"

#define CHUNK 256	  /* items a claim takes */
#define WINDOW 8	  /* chunks linked ahead of the records at most */

/* One thread's linking: its own reader of the list (it only moves forward: a thread's
 * claims only grow), its own directory stacks. */
struct linker {
	struct items list; /* its own view of the list (its own error state) */
	struct icur cur;
	struct item *it; /* the item at index I (NULL: the end) */
	size_t i;
	bool open;
	struct dstack src, *pd;
};

struct helper {
	struct scan *s;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;	     /* the first chunk nobody has claimed */
	size_t recorded;     /* chunks whose records are written */
	size_t done[WINDOW]; /* chunk c is linked when done[c % WINDOW] == c + 1 */
	bool quit;
	struct linker lk[2]; /* the main thread's, the helper's */
	struct prelinked slot[WINDOW][CHUNK];
};

/* Link IT if it takes the quick way, into SL (emptied first; IT NULL: past the end of
 * the list, or the list failed and the main thread says so). */
static void link_one(struct scan *s, struct linker *lk, const struct item *it,
		     struct prelinked *sl)
{
	free(sl->acl);
	*sl = (struct prelinked){0};
	if (!it || it->type != CT_FILE || it->act != A_LINK)
		return;
	int sfd = ds_open(&lk->src, s->rootfd, it->path, it->dirlen, false);
	int dfd;
	if (sfd < 0 || scan_link_fast(s, &lk->pd[it->vol], it, sfd, &sl->x, &dfd) != 1)
		return; /* the main thread takes it the general way and reports what fails */
	sl->linked = true;
	if (diracl_at_ok()) {
		sl->acl = diracl_get_at(dfd, item_name(it), DIRACL_XA_ACCESS, &sl->acllen);
		sl->acl_read = sl->acl || errno != ENOMEM; /* else the main thread reads it */
	}
}

/* Link the items of chunk C (claimed by this thread) into its slots. */
static void link_chunk(struct helper *h, struct linker *lk, size_t c)
{
	if (!lk->open) {
		lk->it = ic_first(&lk->list, &lk->cur, false);
		lk->i = 0;
		lk->open = true;
	}
	while (lk->it && lk->i < c * CHUNK) { /* chunks the other thread took */
		lk->it = ic_next(&lk->cur);
		lk->i++;
	}
	struct prelinked *sl = h->slot[c % WINDOW];
	for (size_t k = 0; k < CHUNK; k++) {
		link_one(h->s, lk, lk->it, &sl[k]);
		if (lk->it) {
			lk->it = ic_next(&lk->cur);
			lk->i++;
		}
	}
}

static void linker_init(struct linker *lk, struct scan *s)
{
	lk->list = s->items;
	lk->list.err = 0;
	lk->pd = calloc(s->nsv, sizeof *lk->pd);
}

static void linker_free(struct linker *lk, const struct scan *s)
{
	if (lk->open)
		ic_end(&lk->cur);
	ds_free(&lk->src);
	for (size_t k = 0; lk->pd && k < s->nsv; k++)
		ds_free(&lk->pd[k]);
	free(lk->pd);
}

/* Claim the next chunk if the window allows (mutex held): its number, or (size_t)-1. */
static size_t claim(struct helper *h)
{
	return h->next < h->recorded + WINDOW ? h->next++ : (size_t)-1;
}

static void linked(struct helper *h, size_t c)
{
	pthread_mutex_lock(&h->mu);
	h->done[c % WINDOW] = c + 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct linker *lk = &h->lk[1];
	for (;;) {
		pthread_mutex_lock(&h->mu);
		size_t c;
		while (!h->quit && (c = claim(h)) == (size_t)-1)
			pthread_cond_wait(&h->cv, &h->mu);
		bool quit = h->quit;
		pthread_mutex_unlock(&h->mu);
		if (quit)
			break;
		link_chunk(h, lk, c);
		linked(h, c);
		if (!lk->it)
			break; /* the end: the main thread claims what is left */
	}
	return NULL;
}

struct helper *scan_helper_start(struct scan *s)
{
	if (!s->so->o.hardlink || s->nit < WORKERS_MIN_RUN || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    workers_env(1, 1) == 0) /* MIGSTATE_WORKERS=0: one thread (tests compare) */
		return NULL;
	struct helper *h = calloc(1, sizeof *h);
	if (!h)
		return NULL; /* the main thread does it all */
	h->s = s;
	linker_init(&h->lk[0], s);
	linker_init(&h->lk[1], s);
	if (!h->lk[0].pd || !h->lk[1].pd) {
		linker_free(&h->lk[0], s);
		linker_free(&h->lk[1], s);
		free(h);
		return NULL;
	}
	(void)diracl_at_ok(); /* probed once, before two threads ask */
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (workers_thread(&h->th, helper_main, h) != 0) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		linker_free(&h->lk[0], s);
		linker_free(&h->lk[1], s);
		free(h);
		return NULL;
	}
	return h;
}

/* At the start of chunk C: the chunks before are recorded; until C is linked, link the
 * next unclaimed chunk rather than wait (the main thread's share of the linking). */
const struct prelinked *scan_helper_at(struct helper *h, size_t i)
{
	if (!h)
		return NULL;
	size_t c = i / CHUNK;
	if (i % CHUNK == 0) {
		pthread_mutex_lock(&h->mu);
		h->recorded = c;
		pthread_cond_broadcast(&h->cv);
		while (h->done[c % WINDOW] != c + 1) {
			size_t n = claim(h);
			if (n == (size_t)-1) {
				pthread_cond_wait(&h->cv, &h->mu);
				continue;
			}
			pthread_mutex_unlock(&h->mu);
			link_chunk(h, &h->lk[0], n);
			pthread_mutex_lock(&h->mu);
			h->done[n % WINDOW] = n + 1;
			pthread_cond_broadcast(&h->cv);
		}
		pthread_mutex_unlock(&h->mu);
	}
	return &h->slot[c % WINDOW][i % CHUNK];
}

void scan_helper_stop(struct helper *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->quit = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	for (size_t c = 0; c < WINDOW; c++)
		for (size_t k = 0; k < CHUNK; k++)
			free(h->slot[c][k].acl);
	linker_free(&h->lk[0], h->s);
	linker_free(&h->lk[1], h->s);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
