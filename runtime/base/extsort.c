/* extsort.c - external merge sort of byte records (see extsort.h). */
#include "extsort.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"
#include "fsutil.h"

#define XS_IO (64u * 1024) /* bytes written, and read per run, at a time */

void xs_init(struct xsort *x, int dirfd, size_t budget, xs_cmp_fn cmp)
{
	memset(x, 0, sizeof *x);
	x->cmp = cmp;
	x->dirfd = dirfd;
	x->fd = -1;
	x->budget = spill_budget(budget);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : first;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q) {
		errno = ENOMEM;
		return -1;
	}
	*p = q;
	*cap = c;
	return 0;
}

static const unsigned char *arec(const struct xsort *x, size_t off, size_t *n)
{
	uint32_t h;
	memcpy(&h, x->arena + off, sizeof h);
	*n = h;
	return x->arena + off + sizeof h;
}

/* Stable: ties keep the order records were put (their arena offsets ascend). */
static int acmp(const struct xsort *x, size_t a, size_t b)
{
	size_t an, bn;
	const unsigned char *pa = arec(x, a, &an), *pb = arec(x, b, &bn);
	int c = x->cmp(pa, an, pb, bn);
	return c ? c : (a < b ? -1 : a > b);
}

/* Bottom-up merge sort of offs[0..n). */
static int sort_mem(struct xsort *x)
{
	if (x->n < 2)
		return 0;
	size_t *tmp = malloc(x->n * sizeof *tmp);
	if (!tmp) {
		errno = ENOMEM;
		return -1;
	}
	size_t *a = x->offs, *b = tmp;
	for (size_t w = 1; w < x->n; w *= 2) {
		for (size_t lo = 0; lo < x->n; lo += 2 * w) {
			size_t mid = lo + w < x->n ? lo + w : x->n;
			size_t hi = lo + 2 * w < x->n ? lo + 2 * w : x->n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				b[k++] = acmp(x, a[i], a[j]) <= 0 ? a[i++] : a[j++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		size_t *t = a;
		a = b;
		b = t;
	}
	if (a != x->offs)
		memcpy(x->offs, a, x->n * sizeof *a);
	free(tmp);
	return 0;
}

/* --- writing runs ------------------------------------------------------------------ */

struct wbuf {
	int fd;
	uint64_t off;
	unsigned char *b;
	size_t len;
};

static int wflush(struct wbuf *w)
{
	if (fs_pwrite_all(w->fd, w->b, w->len, (off_t)w->off) != 0)
		return -1;
	w->off += w->len;
	w->len = 0;
	return 0;
}

static int wput(struct wbuf *w, const unsigned char *rec, size_t n)
{
	uint32_t h = (uint32_t)n;
	const unsigned char *parts[2] = {(const unsigned char *)&h, rec};
	size_t lens[2] = {sizeof h, n};
	for (int p = 0; p < 2; p++) {
		const unsigned char *s = parts[p];
		size_t left = lens[p];
		while (left) {
			if (w->len == XS_IO && wflush(w) != 0)
				return -1;
			size_t k = XS_IO - w->len < left ? XS_IO - w->len : left;
			memcpy(w->b + w->len, s, k);
			w->len += k;
			s += k;
			left -= k;
		}
	}
	return 0;
}

static int add_run(struct xsort *x, uint64_t off, uint64_t len)
{
	if (grow((void **)&x->runs, &x->capruns, x->nruns + 1, sizeof *x->runs, 16) != 0)
		return -1;
	x->runs[x->nruns++] = (struct xs_run){off, len};
	return 0;
}

/* Sort what is in memory and append it to the file as one run. */
static int flush_run(struct xsort *x)
{
	if (!x->n)
		return 0;
	if (sort_mem(x) != 0)
		return -1;
	struct wbuf w = {x->fd, x->flen, malloc(XS_IO), 0};
	if (!w.b) {
		errno = ENOMEM;
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < x->n && rc == 0; i++) {
		size_t n;
		const unsigned char *p = arec(x, x->offs[i], &n);
		rc = wput(&w, p, n);
	}
	if (rc == 0)
		rc = wflush(&w);
	free(w.b);
	if (rc == 0)
		rc = add_run(x, x->flen, w.off - x->flen);
	if (rc != 0)
		return -1;
	x->flen = w.off;
	x->n = 0;
	x->alen = 0;
	return 0;
}

int xs_put(struct xsort *x, const void *rec, size_t n)
{
	if (x->err || x->reading || n > UINT32_MAX) {
		errno = x->err ? x->err : EINVAL;
		return -1;
	}
	size_t need = sizeof(uint32_t) + n;
	if (x->n && x->alen + need + (x->n + 1) * sizeof *x->offs > x->budget && !x->nofile) {
		if (x->fd < 0) {
			x->fd = fs_tmpfile(x->dirfd);
			x->nofile = x->fd < 0;
		}
		if (x->fd >= 0 && flush_run(x) != 0) {
			x->err = errno ? errno : EIO;
			return -1;
		}
	}
	if (grow((void **)&x->arena, &x->acap, x->alen + need, 1, 4096) != 0 ||
	    grow((void **)&x->offs, &x->ncap, x->n + 1, sizeof *x->offs, 256) != 0) {
		x->err = ENOMEM;
		return -1;
	}
	uint32_t h = (uint32_t)n;
	memcpy(x->arena + x->alen, &h, sizeof h);
	if (n)
		memcpy(x->arena + x->alen + sizeof h, rec, n);
	x->offs[x->n++] = x->alen;
	x->alen += need;
	x->count++;
	return 0;
}

/* --- merging ----------------------------------------------------------------------- */

static size_t chunk_of(const struct xsort *x)
{
	size_t c = x->budget / 4;
	return c < 256 ? 256 : c > XS_IO ? XS_IO : c;
}

/* Make S's next record current (S->rec NULL at the run's end). */
static int src_next(struct xsort *x, struct xs_src *s)
{
	uint32_t h = 0;
	s->rec = NULL;
	for (int part = 0; part < 2; part++) {
		size_t want = part == 0 ? sizeof h : sizeof h + h;
		if (s->len - s->at < want) {
			if (s->len - s->at == 0 && s->pos == s->end)
				return 0;
			if (s->at) {
				memmove(s->buf, s->buf + s->at, s->len - s->at);
				s->len -= s->at;
				s->at = 0;
			}
			if (grow((void **)&s->buf, &s->cap, want, 1, chunk_of(x)) != 0)
				return -1;
			while (s->len < s->cap && s->pos < s->end) {
				size_t room = s->cap - s->len;
				if ((uint64_t)room > s->end - s->pos)
					room = (size_t)(s->end - s->pos);
				ssize_t r = pread(x->fd, s->buf + s->len, room, (off_t)s->pos);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					errno = r < 0 ? errno : EIO;
					return -1;
				}
				s->len += (size_t)r;
				s->pos += (uint64_t)r;
			}
			if (s->len < want) {
				errno = EIO; /* a run cut short */
				return -1;
			}
		}
		if (part == 0)
			memcpy(&h, s->buf + s->at, sizeof h);
	}
	s->rec = s->buf + s->at + sizeof h;
	s->rlen = h;
	s->at += sizeof h + h;
	return 0;
}

static int hless(const struct xsort *x, size_t a, size_t b)
{
	int c = x->cmp(x->src[a].rec, x->src[a].rlen, x->src[b].rec, x->src[b].rlen);
	return c ? c < 0 : a < b; /* equal: the earlier run first (stable) */
}

static void sift_down(struct xsort *x, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < x->nheap && hless(x, x->heap[l], x->heap[m]))
			m = l;
		if (r < x->nheap && hless(x, x->heap[r], x->heap[m]))
			m = r;
		if (m == i)
			return;
		size_t t = x->heap[i];
		x->heap[i] = x->heap[m];
		x->heap[m] = t;
		i = m;
	}
}

static void merge_free(struct xsort *x)
{
	if (x->src)
		for (size_t i = 0; i < XS_FANIN; i++)
			free(x->src[i].buf);
	free(x->src);
	free(x->heap);
	x->src = NULL;
	x->heap = NULL;
	x->nheap = 0;
}

/* Start merging runs [first, first + k). */
static int merge_start(struct xsort *x, size_t first, size_t k)
{
	merge_free(x);
	x->src = calloc(XS_FANIN, sizeof *x->src);
	x->heap = malloc(XS_FANIN * sizeof *x->heap);
	if (!x->src || !x->heap) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		struct xs_src *s = &x->src[i];
		s->pos = x->runs[first + i].off;
		s->end = s->pos + x->runs[first + i].len;
		if (src_next(x, s) != 0)
			return -1;
		if (s->rec)
			x->heap[x->nheap++] = i;
	}
	for (size_t i = x->nheap / 2; i-- > 0;)
		sift_down(x, i);
	return 0;
}

/* The smallest head, or NULL; the previous one is advanced first when ADVANCE. */
static const unsigned char *merge_get(struct xsort *x, bool advance, size_t *n)
{
	if (advance && x->nheap) {
		struct xs_src *s = &x->src[x->heap[0]];
		if (src_next(x, s) != 0)
			return NULL;
		if (!s->rec)
			x->heap[0] = x->heap[--x->nheap];
		sift_down(x, 0);
	}
	if (!x->nheap)
		return NULL;
	struct xs_src *s = &x->src[x->heap[0]];
	*n = s->rlen;
	return s->rec;
}

/* One pass: runs merged XS_FANIN at a time into a new file. */
static int merge_pass(struct xsort *x)
{
	int nfd = fs_tmpfile(x->dirfd);
	if (nfd < 0)
		return -1;
	struct xs_run *out = NULL;
	size_t nout = 0, capout = 0;
	struct wbuf w = {nfd, 0, malloc(XS_IO), 0};
	int rc = w.b ? 0 : -1;
	for (size_t first = 0; rc == 0 && first < x->nruns; first += XS_FANIN) {
		size_t k = x->nruns - first < XS_FANIN ? x->nruns - first : XS_FANIN;
		uint64_t start = w.off + w.len;
		rc = merge_start(x, first, k);
		size_t n;
		const unsigned char *p;
		for (bool adv = false; rc == 0 && (p = merge_get(x, adv, &n)); adv = true)
			rc = wput(&w, p, n);
		if (rc == 0 && x->nheap) /* merge_get stopped on an error */
			rc = -1;
		if (rc == 0 && grow((void **)&out, &capout, nout + 1, sizeof *out, 16) == 0)
			out[nout++] = (struct xs_run){start, w.off + w.len - start};
		else if (rc == 0)
			rc = -1;
	}
	if (rc == 0)
		rc = wflush(&w);
	free(w.b);
	merge_free(x);
	if (rc != 0) {
		int e = errno;
		close(nfd);
		free(out);
		errno = e ? e : EIO;
		return -1;
	}
	close(x->fd);
	x->fd = nfd;
	x->flen = w.off;
	free(x->runs);
	x->runs = out;
	x->nruns = nout;
	x->capruns = capout;
	return 0;
}

int xs_rewind(struct xsort *x)
{
	if (x->err) {
		errno = x->err;
		return -1;
	}
	if (!x->reading) {
		x->reading = true;
		if (x->fd >= 0 && x->nruns > 0) {
			if (flush_run(x) != 0) {
				x->err = errno ? errno : EIO;
				return -1;
			}
			free(x->arena);
			free(x->offs);
			x->arena = NULL;
			x->offs = NULL;
			x->acap = x->ncap = 0;
			while (x->nruns > XS_FANIN)
				if (merge_pass(x) != 0) {
					x->err = errno ? errno : EIO;
					return -1;
				}
		} else if (sort_mem(x) != 0) {
			x->err = ENOMEM;
			return -1;
		}
	}
	x->next = 0;
	if (x->nruns > 0 && x->fd >= 0 && merge_start(x, 0, x->nruns) != 0) {
		x->err = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

const unsigned char *xs_get(struct xsort *x, size_t *n)
{
	if (!x->reading || x->err)
		return NULL;
	if (!(x->fd >= 0 && x->nruns > 0)) {
		if (x->next >= x->n)
			return NULL;
		return arec(x, x->offs[x->next++], n);
	}
	/* x->next: 0 before the first record of this read, 1 after */
	const unsigned char *p = merge_get(x, x->next != 0, n);
	x->next = 1;
	if (!p && x->nheap)
		x->err = errno ? errno : EIO;
	return p;
}

void xs_free(struct xsort *x)
{
	merge_free(x);
	free(x->arena);
	free(x->offs);
	free(x->runs);
	if (x->fd >= 0)
		close(x->fd);
	memset(x, 0, sizeof *x);
	x->fd = -1;
}
