/* scan_ahead.c - a helper thread that makes the payload directories ahead of pass 2 on
 * large hard-link captures. */
#include "scan_int.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* A store's payload tree repeats the directories of what is linked into it, and making a
 * directory is the dearest call of a capture (an inode to allocate; on ext4 without a
 * journal also a scan past the inodes freed in the last minute). With a second CPU a
 * helper thread reads the item list ahead of pass 2 and makes the payload directories
 * of the files planned as links, so pass 2 mostly finds them made (its own mkdirat then
 * answers EEXIST, as on a rerun). The helper makes directories and nothing else (0700,
 * like pass 2); it shares with pass 2 only read-only state (the list's records, the
 * volumes) and two atomics, and blocks every signal so they reach the main thread. A
 * directory made for a file that then vanishes stays empty: verify and rd take the
 * payload's directories as they come. */
#define AHEAD_MIN_ITEMS 8192

static void *ahead_main(void *arg)
{
	struct ahead *a = arg;
	struct scan *s = a->s;
	struct dstack *st = calloc(s->nsv, sizeof *st);
	struct icur cur;
	size_t i = 0;
	if (!st)
		return NULL;
	for (struct item *it = ic_first(&a->list, &cur, false); it; it = ic_next(&cur), i++) {
		if (atomic_load_explicit(&a->quit, memory_order_relaxed))
			break;
		if (i < atomic_load_explicit(&a->done, memory_order_relaxed))
			continue; /* pass 2 got there first */
		const struct svol *v = &s->sv[it->vol];
		if (it->type != CT_FILE || it->act != A_LINK || !v->has_store || v->overlay ||
		    v->file_fd < 0)
			continue;
		ds_open(&st[it->vol], v->file_fd, it->path, it->dirlen, true); /* pass 2 reports */
	}
	ic_end(&cur);
	for (size_t k = 0; k < s->nsv; k++)
		ds_free(&st[k]);
	free(st);
	return NULL;
}

/* Start the helper (after pass 2's reader flushed the list to its file, if it has one). */
void scan_ahead_start(struct scan *s, struct ahead *a)
{
	a->s = s;
	a->running = false;
	atomic_init(&a->done, 0);
	atomic_init(&a->quit, 0);
	/* small captures go without: a thread is not worth it there, and their system calls
	 * stay in one deterministic sequence (the fault-injection tests count them) */
	if (!s->so->o.hardlink || s->nit < AHEAD_MIN_ITEMS || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	a->list = s->items;
	a->list.err = 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	a->running = pthread_create(&a->th, NULL, ahead_main, a) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void scan_ahead_stop(struct ahead *a)
{
	if (!a->running)
		return;
	atomic_store(&a->quit, 1);
	pthread_join(a->th, NULL);
	a->running = false;
}
