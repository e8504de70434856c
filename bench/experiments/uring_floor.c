/* uring_floor.c - experiment for issue #8: does io_uring batching or a second thread make the
 * syscall floor of a hard-link capture (walk SRC, mkdir every directory under DST, link every
 * regular file, optionally stat each file) faster on this machine?
 *
 * Self-contained: raw io_uring_setup/io_uring_enter and the mmap()ed rings from
 * <linux/io_uring.h>; no liburing. Not part of migstate (runtime/ does not use it).
 *
 * usage: uring_floor [-s] [-m plain|uring|threads] [-q DEPTH] [-b INFLIGHT] [-M] [-w WORKERS]
 *                    [-t THREADS] SRC DST
 *   -s          also statx() each regular file (AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS)
 *   -m plain    one thread, plain syscalls, recursive walk (the floor, reimplemented)
 *   -m uring    directories read with getdents64; linkat (and statx) queued as
 *               IORING_OP_LINKAT / IORING_OP_STATX, submitted DEPTH operations at a time
 *               (-q, default 128) with up to INFLIGHT submitted batches outstanding while the
 *               next one is filled (-b, default 1); mkdirat + openat of each destination
 *               directory done synchronously, or with -M as IORING_OP_MKDIRAT hard-linked to
 *               IORING_OP_OPENAT in the same batch (the directory's links are queued only once
 *               that batch has completed and the directory fd is known); -w caps the kernel's
 *               io-wq workers (IORING_REGISTER_IOWQ_MAX_WORKERS; default: the kernel's)
 *   -m threads  THREADS (-t, default 2) threads taking directories from a shared LIFO work
 *               queue, plain syscalls; a thread that finds a subdirectory makes it in DST,
 *               opens both and queues the pair
 * Prints "N files, M dirs" on stderr. Build:
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -pthread -o uring_floor uring_floor.c */
#include <dirent.h> /* DT_* */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DENTS_BUF 32768 /* glibc's readdir buffer size */

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int do_stat;

static void die(const char *what, int err)
{
	fprintf(stderr, "uring_floor: %s: %s\n", what, strerror(err));
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		die("malloc", ENOMEM);
	return p;
}

static int is_dot(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}

/* d_type, asking the file system when getdents64 does not say */
static unsigned char type_of(int dirfd, const struct linux_dirent64 *e)
{
	if (e->d_type != DT_UNKNOWN)
		return e->d_type;
	struct stat st;
	if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
		die("fstatat", errno);
	return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
}

static long getdents(int fd, char *buf)
{
	long n = syscall(SYS_getdents64, fd, buf, DENTS_BUF);
	if (n < 0)
		die("getdents64", errno);
	return n;
}

static int open_dir(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		die("openat", errno);
	return fd;
}

static void make_dir(int at, const char *name)
{
	if (mkdirat(at, name, 0700) && errno != EEXIST)
		die("mkdirat", errno);
}

static void stat_file(int at, const char *name)
{
	struct statx stx;
	if (statx(at, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx))
		die("statx", errno);
}

static void link_file(int sfd, int dfd, const char *name)
{
	if (linkat(sfd, name, dfd, name, 0))
		die("linkat", errno);
}

/* ---- mode plain: the floor, with getdents64 instead of readdir ---------------------- */

static long nfiles, ndirs;

static void walk_plain(int sfd, int dfd)
{
	char *buf = xmalloc(DENTS_BUF);
	long n;
	while ((n = getdents(sfd, buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
			off += e->d_reclen;
			if (is_dot(e->d_name))
				continue;
			unsigned char t = type_of(sfd, e);
			if (t == DT_DIR) {
				make_dir(dfd, e->d_name);
				int s2 = open_dir(sfd, e->d_name), d2 = open_dir(dfd, e->d_name);
				ndirs++;
				walk_plain(s2, d2);
			} else if (t == DT_REG) {
				if (do_stat)
					stat_file(sfd, e->d_name);
				link_file(sfd, dfd, e->d_name);
				nfiles++;
			}
		}
	}
	free(buf);
	close(sfd);
	close(dfd);
}

/* ---- mode threads: shared LIFO queue of (src fd, dst fd) ------------------------------ */

struct pair {
	int sfd, dfd;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pair *v;
	size_t n, cap;
	int busy; /* threads working on a directory (which may queue more) */
	long files, dirs;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, 0, 0};

static void q_push(int sfd, int dfd)
{
	pthread_mutex_lock(&q.mu);
	if (q.n == q.cap) {
		q.cap = q.cap ? 2 * q.cap : 256;
		q.v = realloc(q.v, q.cap * sizeof *q.v);
		if (!q.v)
			die("realloc", ENOMEM);
	}
	q.v[q.n++] = (struct pair){sfd, dfd};
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
}

static void *worker(void *arg)
{
	(void)arg;
	char *buf = xmalloc(DENTS_BUF);
	long files = 0, dirs = 0;
	pthread_mutex_lock(&q.mu);
	for (;;) {
		while (q.n == 0 && q.busy > 0)
			pthread_cond_wait(&q.cv, &q.mu);
		if (q.n == 0)
			break; /* nothing queued and nobody can queue more */
		struct pair p = q.v[--q.n];
		q.busy++;
		pthread_mutex_unlock(&q.mu);
		long n;
		while ((n = getdents(p.sfd, buf)) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
				off += e->d_reclen;
				if (is_dot(e->d_name))
					continue;
				unsigned char t = type_of(p.sfd, e);
				if (t == DT_DIR) {
					make_dir(p.dfd, e->d_name);
					int s2 = open_dir(p.sfd, e->d_name), d2 = open_dir(p.dfd, e->d_name);
					dirs++;
					q_push(s2, d2);
				} else if (t == DT_REG) {
					if (do_stat)
						stat_file(p.sfd, e->d_name);
					link_file(p.sfd, p.dfd, e->d_name);
					files++;
				}
			}
		}
		close(p.sfd);
		close(p.dfd);
		pthread_mutex_lock(&q.mu);
		if (--q.busy == 0 && q.n == 0)
			pthread_cond_broadcast(&q.cv);
	}
	q.files += files;
	q.dirs += dirs;
	pthread_mutex_unlock(&q.mu);
	free(buf);
	return NULL;
}

static void run_threads(int sfd, int dfd, int nthreads)
{
	pthread_t *t = xmalloc((size_t)nthreads * sizeof *t);
	q_push(sfd, dfd);
	for (int i = 0; i < nthreads; i++) {
		int rc = pthread_create(&t[i], NULL, worker, NULL);
		if (rc)
			die("pthread_create", rc);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	nfiles = q.files;
	ndirs = q.dirs;
	free(t);
	free(q.v);
}

/* ---- mode uring ------------------------------------------------------------------------ */

static struct {
	int fd;
	unsigned *sq_head, *sq_tail, sq_mask, *sq_array, *cq_head, *cq_tail, cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned tail; /* local SQ tail: SQEs filled, not yet published */
	unsigned published;
} ring;

static void ring_init(unsigned entries, unsigned cq_entries, int workers)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = cq_entries;
	ring.fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (ring.fd < 0)
		die("io_uring_setup", errno);
	if (!(p.features & IORING_FEAT_SINGLE_MMAP))
		die("io_uring_setup: no IORING_FEAT_SINGLE_MMAP", EINVAL);
	size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	size_t sz = sqsz > cqsz ? sqsz : cqsz;
	char *r = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQ_RING);
	if (r == MAP_FAILED)
		die("mmap ring", errno);
	ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
	                 MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQES);
	if (ring.sqes == MAP_FAILED)
		die("mmap sqes", errno);
	ring.sq_head = (unsigned *)(r + p.sq_off.head);
	ring.sq_tail = (unsigned *)(r + p.sq_off.tail);
	ring.sq_mask = *(unsigned *)(r + p.sq_off.ring_mask);
	ring.sq_array = (unsigned *)(r + p.sq_off.array);
	ring.cq_head = (unsigned *)(r + p.cq_off.head);
	ring.cq_tail = (unsigned *)(r + p.cq_off.tail);
	ring.cq_mask = *(unsigned *)(r + p.cq_off.ring_mask);
	ring.cqes = (struct io_uring_cqe *)(r + p.cq_off.cqes);
	ring.tail = ring.published = *ring.sq_tail;
	if (workers > 0) {
		unsigned max[2] = {(unsigned)workers, (unsigned)workers}; /* bounded, unbounded */
		if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_IOWQ_MAX_WORKERS, max, 2) < 0)
			die("IORING_REGISTER_IOWQ_MAX_WORKERS", errno);
	}
}

static struct io_uring_sqe *sqe_get(void)
{
	unsigned i = ring.tail & ring.sq_mask;
	struct io_uring_sqe *s = &ring.sqes[i];
	memset(s, 0, sizeof *s);
	ring.sq_array[i] = i;
	ring.tail++;
	return s;
}

/* publish the filled SQEs and enter: submit them, waiting for at least MIN completions */
static void ring_enter(unsigned min)
{
	unsigned n = ring.tail - ring.published;
	__atomic_store_n(ring.sq_tail, ring.tail, __ATOMIC_RELEASE);
	ring.published = ring.tail;
	for (;;) {
		long r = syscall(__NR_io_uring_enter, ring.fd, n, min, min ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
		if (r >= 0) {
			n -= (unsigned)r;
			if (!n)
				return;
			continue;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EBUSY)
			die("io_uring_enter", errno);
	}
}

/* user_data: batch slot << 32 | kind << 28 | index */
enum { K_LINK, K_STATX, K_MKDIR, K_OPEN };

struct kid {
	int sfd, dfd;
};

struct batch {
	unsigned ops, done;
	char *arena;
	size_t used;
	struct statx *stx;
	unsigned nstx;
	int *closefds;
	unsigned nclose, capclose;
	struct kid *kids;
	unsigned nkids;
};

static unsigned depth = 128, maxinflight = 1;
static int uring_mkdir;
static struct batch *batches; /* maxinflight + 1 slots, used as a FIFO */
static unsigned b_first, b_count; /* oldest in-flight slot, in-flight count */
static unsigned b_cur;            /* slot being filled */
static struct pair *stack;        /* ready directories (LIFO) */
static size_t nstack, capstack;

static void stack_push(int sfd, int dfd)
{
	if (nstack == capstack) {
		capstack = capstack ? 2 * capstack : 256;
		stack = realloc(stack, capstack * sizeof *stack);
		if (!stack)
			die("realloc", ENOMEM);
	}
	stack[nstack++] = (struct pair){sfd, dfd};
}

static void batch_alloc(struct batch *b)
{
	memset(b, 0, sizeof *b);
	b->arena = xmalloc((depth + 4) * 256);
	b->stx = xmalloc((depth + 4) * sizeof *b->stx);
	b->kids = xmalloc((depth + 4) * sizeof *b->kids);
}

static void batch_close_later(struct batch *b, int fd)
{
	if (b->nclose == b->capclose) {
		b->capclose = b->capclose ? 2 * b->capclose : 64;
		b->closefds = realloc(b->closefds, b->capclose * sizeof(int));
		if (!b->closefds)
			die("realloc", ENOMEM);
	}
	b->closefds[b->nclose++] = fd;
}

static void reap_one(const struct io_uring_cqe *c)
{
	unsigned slot = (unsigned)(c->user_data >> 32);
	unsigned kind = (unsigned)(c->user_data >> 28) & 0xf;
	unsigned idx = (unsigned)c->user_data & 0x0fffffff;
	struct batch *b = &batches[slot];
	b->done++;
	switch (kind) {
	case K_LINK:
		if (c->res < 0)
			die("IORING_OP_LINKAT", -c->res);
		nfiles++;
		break;
	case K_STATX:
		if (c->res < 0)
			die("IORING_OP_STATX", -c->res);
		break;
	case K_MKDIR:
		if (c->res < 0 && c->res != -EEXIST)
			die("IORING_OP_MKDIRAT", -c->res);
		break;
	case K_OPEN:
		if (c->res < 0)
			die("IORING_OP_OPENAT", -c->res);
		b->kids[idx].dfd = c->res;
		break;
	}
}

static void reap_ready(void)
{
	unsigned h = *ring.cq_head, t = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
	for (; h != t; h++)
		reap_one(&ring.cqes[h & ring.cq_mask]);
	__atomic_store_n(ring.cq_head, h, __ATOMIC_RELEASE);
}

/* wait until the oldest in-flight batch has completed, then release it: close the fds of the
 * directories it finished, make its new directories ready */
static void wait_oldest(void)
{
	struct batch *b = &batches[b_first];
	for (;;) {
		reap_ready();
		if (b->done == b->ops)
			break;
		ring_enter(1);
	}
	for (unsigned i = 0; i < b->nclose; i++)
		close(b->closefds[i]);
	for (unsigned i = 0; i < b->nkids; i++)
		stack_push(b->kids[i].sfd, b->kids[i].dfd);
	b->ops = b->done = 0;
	b->used = 0;
	b->nstx = b->nclose = b->nkids = 0;
	b_first = (b_first + 1) % (maxinflight + 1);
	b_count--;
}

static void submit_cur(void)
{
	if (b_count == maxinflight)
		wait_oldest();
	ring_enter(0);
	b_count++;
	b_cur = (b_cur + 1) % (maxinflight + 1);
}

static char *arena_copy(struct batch *b, const char *name)
{
	size_t n = strlen(name) + 1;
	char *p = b->arena + b->used;
	memcpy(p, name, n);
	b->used += n;
	return p;
}

static void walk_dir_uring(int sfd, int dfd, char *buf)
{
	long n;
	while ((n = getdents(sfd, buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
			off += e->d_reclen;
			if (is_dot(e->d_name))
				continue;
			unsigned char t = type_of(sfd, e);
			if (t != DT_DIR && t != DT_REG)
				continue;
			if (batches[b_cur].ops + 2 > depth)
				submit_cur();
			struct batch *b = &batches[b_cur];
			uint64_t tag = (uint64_t)b_cur << 32;
			if (t == DT_DIR) {
				int s2 = open_dir(sfd, e->d_name);
				ndirs++;
				if (!uring_mkdir) {
					make_dir(dfd, e->d_name);
					stack_push(s2, open_dir(dfd, e->d_name));
					continue;
				}
				const char *name = arena_copy(b, e->d_name);
				unsigned k = b->nkids++;
				b->kids[k] = (struct kid){s2, -1};
				struct io_uring_sqe *m = sqe_get();
				m->opcode = IORING_OP_MKDIRAT;
				m->fd = dfd;
				m->addr = (uintptr_t)name;
				m->len = 0700;
				m->flags = IOSQE_IO_HARDLINK; /* the open runs even if the mkdir failed (EEXIST) */
				m->user_data = tag | (uint64_t)K_MKDIR << 28 | k;
				struct io_uring_sqe *o = sqe_get();
				o->opcode = IORING_OP_OPENAT;
				o->fd = dfd;
				o->addr = (uintptr_t)name;
				o->open_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
				o->user_data = tag | (uint64_t)K_OPEN << 28 | k;
				b->ops += 2;
			} else {
				const char *name = arena_copy(b, e->d_name);
				if (do_stat) {
					unsigned k = b->nstx++;
					struct io_uring_sqe *s = sqe_get();
					s->opcode = IORING_OP_STATX;
					s->fd = sfd;
					s->addr = (uintptr_t)name;
					s->len = STATX_BASIC_STATS;
					s->statx_flags = AT_SYMLINK_NOFOLLOW;
					s->off = (uintptr_t)&b->stx[k];
					s->user_data = tag | (uint64_t)K_STATX << 28 | k;
					b->ops++;
				}
				struct io_uring_sqe *l = sqe_get();
				l->opcode = IORING_OP_LINKAT;
				l->fd = sfd;
				l->addr = (uintptr_t)name;
				l->len = (uint32_t)dfd;
				l->addr2 = (uintptr_t)name;
				l->hardlink_flags = 0;
				l->user_data = tag | (uint64_t)K_LINK << 28;
				b->ops++;
			}
		}
	}
	/* the last of this directory's operations are in the batch being filled */
	batch_close_later(&batches[b_cur], sfd);
	batch_close_later(&batches[b_cur], dfd);
}

static void run_uring(int sfd, int dfd, int workers)
{
	unsigned entries = 1;
	while (entries < depth + 2)
		entries <<= 1;
	unsigned cq = 1;
	while (cq < (maxinflight + 1) * (depth + 2))
		cq <<= 1;
	ring_init(entries, 2 * cq, workers);
	batches = xmalloc((maxinflight + 1) * sizeof *batches);
	for (unsigned i = 0; i <= maxinflight; i++)
		batch_alloc(&batches[i]);
	char *buf = xmalloc(DENTS_BUF);
	stack_push(sfd, dfd);
	for (;;) {
		if (nstack) {
			struct pair p = stack[--nstack];
			walk_dir_uring(p.sfd, p.dfd, buf);
		} else if (batches[b_cur].ops || batches[b_cur].nclose) {
			submit_cur();
		} else if (b_count) {
			wait_oldest();
		} else {
			break;
		}
	}
	free(buf);
}

int main(int argc, char **argv)
{
	const char *mode = "plain";
	int nthreads = 2, workers = 0, opt;
	while ((opt = getopt(argc, argv, "sm:q:b:Mw:t:")) != -1) {
		switch (opt) {
		case 's': do_stat = 1; break;
		case 'm': mode = optarg; break;
		case 'q': depth = (unsigned)atoi(optarg); break;
		case 'b': maxinflight = (unsigned)atoi(optarg); break;
		case 'M': uring_mkdir = 1; break;
		case 'w': workers = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || depth < 4 || depth > 4096 || maxinflight < 1 || maxinflight > 8 ||
	    nthreads < 1 || nthreads > 64)
		goto usage;
	/* the work queues hold directory fds open */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	mkdir(argv[optind + 1], 0700);
	int s = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int d = open(argv[optind + 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || d < 0)
		die("open", errno);
	if (!strcmp(mode, "plain"))
		walk_plain(s, d);
	else if (!strcmp(mode, "threads"))
		run_threads(s, d, nthreads);
	else if (!strcmp(mode, "uring"))
		run_uring(s, d, workers);
	else
		goto usage;
	fprintf(stderr, "%ld files, %ld dirs\n", nfiles, ndirs);
	return 0;
usage:
	fprintf(stderr, "usage: uring_floor [-s] [-m plain|uring|threads] [-q DEPTH] [-b INFLIGHT] [-M] "
	                "[-w WORKERS] [-t THREADS] SRC DST\n");
	return 2;
}
