/* catalog.c - the store catalog: streaming writer and checked reader (see catalog.h).
 *
 * Fields are serialised one by one in little-endian order, so the file is the same on
 * every host. The writer hashes every byte it hands to write(2); the reader checks the
 * trailer hash over the mapped file before it returns a single record, and bounds-checks
 * every record against the trailer offset. */
#include "catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "le.h"
#include "sha256.h"
#include "store.h"

#define MAGIC_LEN 8
#define HEADER_FIXED (8 + 2 + 2 + 4 + 32 + 8 + 4 + 4)
#define VOLUME_FIXED 32
#define USER_FIXED 16
#define RECORD_FIXED 96
#define TRAILER_SIZE (8 + 8 + 32) /* magic, then CAT_TRL_* */
#define WBUF_SIZE (256u << 10)
#define CAT_MAX_SIZE ((uint64_t)1 << 40)

_Static_assert(HEADER_FIXED == 64, "catalog header size");
_Static_assert(RECORD_FIXED == 96, "catalog record size");

/* The fixed parts, as stored: the byte offset of each field (the writer and the reader
 * below both go by these; docs/store-format.md section 3). */
#define CAT_HDR_MAGIC 0u     /* magic[8] */
#define CAT_HDR_MAJOR 8u     /* u16 */
#define CAT_HDR_MINOR 10u    /* u16 */
#define CAT_HDR_RESERVED 12u /* u32, 0 */
#define CAT_HDR_RULESET 16u  /* u8 ruleset[32] */
#define CAT_HDR_CREATED 48u  /* u64 unix time */
#define CAT_HDR_NVOLS 56u    /* u32 */
#define CAT_HDR_NUSERS 60u   /* u32 */

#define CAT_VOL_DEV 0u	     /* u64 */
#define CAT_VOL_MNT_ID 8u    /* u32 */
#define CAT_VOL_FLAGS 12u    /* u32 CV_* */
#define CAT_VOL_FS_MAGIC 16u /* u64 */
#define CAT_VOL_RESERVED 24u /* u64 */

#define CAT_USER_UID 0u	     /* u32 */
#define CAT_USER_GID 4u	     /* u32 */
#define CAT_USER_NSTRINGS 8u /* u32, then that many strings */

#define CAT_REC_TYPE 0u	       /* u8 */
#define CAT_REC_ACTION 1u      /* u8 */
#define CAT_REC_FLAGS 2u       /* u16 CF_* */
#define CAT_REC_VOLUME 4u      /* u32 */
#define CAT_REC_SRC_VOLUME 8u  /* u32 */
#define CAT_REC_USER 12u       /* u32 */
#define CAT_REC_INO 16u	       /* u64 */
#define CAT_REC_SIZE 24u       /* u64 */
#define CAT_REC_MTIME 32u      /* i64 ns */
#define CAT_REC_ATIME 40u      /* i64 ns */
#define CAT_REC_CTIME 48u      /* i64 ns */
#define CAT_REC_MODE 56u       /* u32 */
#define CAT_REC_UID 60u	       /* u32 */
#define CAT_REC_GID 64u	       /* u32 */
#define CAT_REC_NLINK 68u      /* u32 */
#define CAT_REC_RULE 72u       /* u32 */
#define CAT_REC_PATH_LEN 76u   /* u32 */
#define CAT_REC_RDEV 80u       /* u64 */
#define CAT_REC_TARGET_LEN 88u /* u32 */
#define CAT_REC_RESERVED 92u   /* u32; the path, then the target, follow */

#define CAT_TRL_NRECORDS 8u /* u64, after the end magic */
#define CAT_TRL_HASH 16u    /* u8 sha256[32] */

/* --- writer ----------------------------------------------------------------------- */

struct cat_writer {
	int meta_fd;
	int fd;
	unsigned char *buf;
	size_t len;
	struct sha256_ctx hash;
	uint64_t nrecords;
	int error; /* sticky errno of the first failed write */
};

static int wflush(struct cat_writer *w)
{
	size_t off = 0;
	if (w->error) {
		errno = w->error;
		return -1;
	}
	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->error = n < 0 ? errno : EIO;
			errno = w->error;
			return -1;
		}
		off += (size_t)n;
	}
	w->len = 0;
	return 0;
}

/* Append LEN bytes (hashed as they go). */
static int wput(struct cat_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;
	sha256_update(&w->hash, data, len);
	while (len) {
		if (w->len == WBUF_SIZE && wflush(w))
			return -1;
		size_t n = WBUF_SIZE - w->len < len ? WBUF_SIZE - w->len : len;
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		len -= n;
	}
	return w->error ? -1 : 0;
}

static int wstr(struct cat_writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	unsigned char l[2];
	if (n > CAT_MAX_PATH) {
		errno = ENAMETOOLONG;
		return -1;
	}
	le_put16(l, (uint16_t)n);
	if (wput(w, l, 2))
		return -1;
	return n ? wput(w, s, n) : 0;
}

static int write_header(struct cat_writer *w, const unsigned char ruleset[32],
			const struct cat_vol_info *vols, size_t nvols,
			const struct cat_user_info *users, size_t nusers)
{
	unsigned char h[HEADER_FIXED] = {0};
	memcpy(h + CAT_HDR_MAGIC, CAT_MAGIC, MAGIC_LEN);
	le_put16(h + CAT_HDR_MAJOR, CAT_MAJOR);
	le_put16(h + CAT_HDR_MINOR, CAT_MINOR);
	memcpy(h + CAT_HDR_RULESET, ruleset, 32);
	le_put64(h + CAT_HDR_CREATED, (uint64_t)(int64_t)time(NULL));
	le_put32(h + CAT_HDR_NVOLS, (uint32_t)nvols);
	le_put32(h + CAT_HDR_NUSERS, (uint32_t)nusers);
	if (wput(w, h, sizeof h))
		return -1;
	for (size_t i = 0; i < nvols; i++) {
		unsigned char v[VOLUME_FIXED] = {0};
		le_put64(v + CAT_VOL_DEV, vols[i].v.dev);
		le_put32(v + CAT_VOL_MNT_ID, vols[i].v.mnt_id);
		le_put32(v + CAT_VOL_FLAGS, vols[i].v.flags);
		le_put64(v + CAT_VOL_FS_MAGIC, vols[i].v.fs_magic);
		if (wput(w, v, sizeof v) || wstr(w, vols[i].mount) || wstr(w, vols[i].store_dir))
			return -1;
	}
	for (size_t i = 0; i < nusers; i++) {
		unsigned char u[USER_FIXED] = {0};
		le_put32(u + CAT_USER_UID, users[i].uid);
		le_put32(u + CAT_USER_GID, users[i].gid);
		le_put32(u + CAT_USER_NSTRINGS, CAT_USER_STRINGS);
		if (wput(w, u, sizeof u) || wstr(w, users[i].name) || wstr(w, users[i].home))
			return -1;
		for (int x = 0; x < CAT_XDG_N; x++)
			if (wstr(w, users[i].xdg[x]))
				return -1;
	}
	return 0;
}

struct cat_writer *catw_open_ex(int meta_fd, const unsigned char ruleset[32],
				const struct cat_vol_info *vols, size_t nvols,
				const struct cat_user_info *users, size_t nusers)
{
	struct cat_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->fd = w->meta_fd = -1;
	w->buf = malloc(WBUF_SIZE);
	if (!w->buf)
		goto fail;
	w->meta_fd = dup(meta_fd);
	if (w->meta_fd < 0)
		goto fail;
	w->fd = openat(meta_fd, STORE_CATALOG_PARTIAL,
		       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0)
		goto fail;
	sha256_init(&w->hash);
	if (write_header(w, ruleset, vols, nvols, users, nusers) || wflush(w))
		goto fail;
	return w;
fail:;
	int saved = errno;
	if (w->fd >= 0)
		close(w->fd);
	if (w->meta_fd >= 0)
		close(w->meta_fd);
	free(w->buf);
	free(w);
	errno = saved;
	return NULL;
}

struct cat_writer *catw_open(int meta_fd, const unsigned char ruleset[32],
			     const struct cat_vol_info *vols, size_t nvols)
{
	return catw_open_ex(meta_fd, ruleset, vols, nvols, NULL, 0);
}

int catw_add_ex(struct cat_writer *w, const struct cat_record *r, const char *path,
		const char *target)
{
	size_t plen = strlen(path), tlen = target ? strlen(target) : 0;
	if (plen == 0 || plen > CAT_MAX_PATH || tlen > CAT_MAX_PATH) {
		errno = plen ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	unsigned char b[RECORD_FIXED] = {0};
	b[CAT_REC_TYPE] = r->type;
	b[CAT_REC_ACTION] = r->action;
	le_put16(b + CAT_REC_FLAGS, r->flags);
	le_put32(b + CAT_REC_VOLUME, r->volume);
	le_put32(b + CAT_REC_SRC_VOLUME, r->src_volume);
	le_put32(b + CAT_REC_USER, r->user);
	le_put64(b + CAT_REC_INO, r->ino);
	le_put64(b + CAT_REC_SIZE, r->size);
	le_put64(b + CAT_REC_MTIME, (uint64_t)r->mtime_ns);
	le_put64(b + CAT_REC_ATIME, (uint64_t)r->atime_ns);
	le_put64(b + CAT_REC_CTIME, (uint64_t)r->ctime_ns);
	le_put32(b + CAT_REC_MODE, r->mode);
	le_put32(b + CAT_REC_UID, r->uid);
	le_put32(b + CAT_REC_GID, r->gid);
	le_put32(b + CAT_REC_NLINK, r->nlink);
	le_put32(b + CAT_REC_RULE, r->rule);
	le_put32(b + CAT_REC_PATH_LEN, (uint32_t)plen);
	le_put64(b + CAT_REC_RDEV, r->rdev);
	le_put32(b + CAT_REC_TARGET_LEN, (uint32_t)tlen);
	if (wput(w, b, sizeof b) || wput(w, path, plen) || (tlen && wput(w, target, tlen)))
		return -1;
	w->nrecords++;
	return 0;
}

int catw_add(struct cat_writer *w, const struct cat_record *r, const char *path)
{
	return catw_add_ex(w, r, path, NULL);
}

int catw_flush(struct cat_writer *w)
{
	return wflush(w);
}

uint64_t catw_count(const struct cat_writer *w)
{
	return w->nrecords;
}

static void wclose(struct cat_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->meta_fd >= 0)
		close(w->meta_fd);
	free(w->buf);
	free(w);
}

/* fsync, retried when a signal interrupts it */
static int fsync_nointr(int fd)
{
	int rc;
	while ((rc = fsync(fd)) != 0 && errno == EINTR)
		;
	return rc;
}

int catw_commit(struct cat_writer *w)
{
	unsigned char t[CAT_TRL_HASH], digest[32];
	memcpy(t, CAT_END, MAGIC_LEN);
	le_put64(t + CAT_TRL_NRECORDS, w->nrecords);
	int rc = -1;
	if (wput(w, t, sizeof t) == 0) {
		sha256_final(&w->hash, digest);
		if (w->len + 32 <= WBUF_SIZE || wflush(w) == 0) {
			memcpy(w->buf + w->len, digest, 32);
			w->len += 32;
			if (wflush(w) == 0 && fsync_nointr(w->fd) == 0 &&
			    fs_renameat(w->meta_fd, STORE_CATALOG_PARTIAL, w->meta_fd,
					STORE_CATALOG) == 0 &&
			    fsync_nointr(w->meta_fd) == 0)
				rc = 0;
		}
	}
	int saved = errno;
	wclose(w);
	errno = saved;
	return rc;
}

void catw_abort(struct cat_writer *w)
{
	if (!w)
		return;
	wflush(w);
	wclose(w);
}

/* --- reader ----------------------------------------------------------------------- */

static int rerr(char *err, size_t errsz, const char *what)
{
	snprintf(err, errsz, "%s", what);
	return -1;
}

/* A length-prefixed string at *OFF (bounded by END), malloc'd copy. */
static int rstr(const unsigned char *base, size_t end, size_t *off, char **out)
{
	if (*off + 2 > end)
		return -1;
	size_t n = le_get16(base + *off);
	*off += 2;
	if (*off + n > end || memchr(base + *off, 0, n))
		return -1;
	*out = strndup((const char *)base + *off, n);
	if (!*out)
		return -1;
	*off += n;
	return 0;
}

static void free_tables(struct cat_reader *r)
{
	for (size_t i = 0; i < r->nvols; i++) {
		free(r->vols[i].mount);
		free(r->vols[i].store_dir);
	}
	free(r->vols);
	for (size_t i = 0; i < r->nusers; i++) {
		free(r->users[i].name);
		free(r->users[i].home);
		for (int x = 0; x < CAT_XDG_N; x++)
			free(r->users[i].xdg[x]);
	}
	free(r->users);
	r->vols = NULL;
	r->users = NULL;
	r->nvols = r->nusers = 0;
}

/* Header, volume and user tables, bounded by END. Sets r->first. */
static int parse_header(struct cat_reader *r, size_t end, char *err, size_t errsz)
{
	const unsigned char *b = r->base;
	if (end < HEADER_FIXED || memcmp(b + CAT_HDR_MAGIC, CAT_MAGIC, MAGIC_LEN) != 0)
		return rerr(err, errsz, "not a migstate catalog (magic)");
	if (le_get16(b + CAT_HDR_MAJOR) != CAT_MAJOR) {
		snprintf(err, errsz, "catalog format %u.%u: this build reads %d.x",
			 le_get16(b + CAT_HDR_MAJOR), le_get16(b + CAT_HDR_MINOR), CAT_MAJOR);
		return -1;
	}
	if (le_get32(b + CAT_HDR_RESERVED) != 0)
		return rerr(err, errsz, "catalog header: reserved field not zero");
	memcpy(r->ruleset, b + CAT_HDR_RULESET, 32);
	r->created = (int64_t)le_get64(b + CAT_HDR_CREATED);
	uint32_t nv = le_get32(b + CAT_HDR_NVOLS), nu = le_get32(b + CAT_HDR_NUSERS);
	if (nv > (end - HEADER_FIXED) / (VOLUME_FIXED + 4) ||
	    nu > (end - HEADER_FIXED) / (USER_FIXED + 4))
		return rerr(err, errsz, "catalog header: table counts exceed the file");
	r->vols = calloc(nv ? nv : 1, sizeof *r->vols);
	r->users = calloc(nu ? nu : 1, sizeof *r->users);
	if (!r->vols || !r->users)
		return rerr(err, errsz, "out of memory");
	size_t off = HEADER_FIXED;
	for (uint32_t i = 0; i < nv; i++) {
		struct cat_vol_info *v = &r->vols[i];
		r->nvols = i + 1;
		if (off + VOLUME_FIXED > end)
			return rerr(err, errsz, "catalog volume table truncated");
		v->v.dev = le_get64(b + off + CAT_VOL_DEV);
		v->v.mnt_id = le_get32(b + off + CAT_VOL_MNT_ID);
		v->v.flags = le_get32(b + off + CAT_VOL_FLAGS);
		v->v.fs_magic = le_get64(b + off + CAT_VOL_FS_MAGIC);
		v->v.reserved = le_get64(b + off + CAT_VOL_RESERVED);
		off += VOLUME_FIXED;
		if (rstr(b, end, &off, &v->mount) || rstr(b, end, &off, &v->store_dir))
			return rerr(err, errsz, "catalog volume table: bad string");
	}
	for (uint32_t i = 0; i < nu; i++) {
		struct cat_user_info *u = &r->users[i];
		r->nusers = i + 1;
		if (off + USER_FIXED > end)
			return rerr(err, errsz, "catalog user table truncated");
		u->uid = le_get32(b + off + CAT_USER_UID);
		u->gid = le_get32(b + off + CAT_USER_GID);
		uint32_t ns = le_get32(b + off + CAT_USER_NSTRINGS);
		off += USER_FIXED;
		if (ns < 2 || ns > 1024)
			return rerr(err, errsz, "catalog user table: bad string count");
		for (uint32_t k = 0; k < ns; k++) {
			char *s;
			if (rstr(b, end, &off, &s))
				return rerr(err, errsz, "catalog user table: bad string");
			if (k == 0)
				u->name = s;
			else if (k == 1)
				u->home = s;
			else if (k - 2 < CAT_XDG_N)
				u->xdg[k - 2] = s;
			else
				free(s); /* a later minor version's extra strings */
		}
	}
	r->first = r->off = off;
	return 0;
}

static int map_file(int meta_fd, const char *name, struct cat_reader *r, char *err, size_t errsz)
{
	int fd = openat(meta_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat sb;
	if (fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > CAT_MAX_SIZE) {
		close(fd);
		snprintf(err, errsz, "%s is not a regular file of a sane size", name);
		return -1;
	}
	r->size = (size_t)sb.st_size;
	if (r->size == 0) {
		close(fd);
		snprintf(err, errsz, "%s is empty", name);
		return -1;
	}
	void *m = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(err, errsz, "cannot map %s: %s", name, strerror(errno));
		return -1;
	}
	r->base = m;
	return 0;
}

/* The mapping's pages below the chunk holding offset UPTO go back to the page cache:
 * a catalog read in order (the hash, the count, load's passes) would otherwise stay
 * resident whole, and a 1M-file catalog is over 100 MB. Nothing keeps a pointer into the
 * mapping (records and strings are copied out), so a later read simply faults back in. */
#define CAT_DROP_STEP (1u << 20)

static void drop_behind(struct cat_reader *r, size_t upto)
{
	size_t keep = upto - upto % CAT_DROP_STEP;
	if (keep <= r->dropped)
		return;
	madvise((void *)(r->base + r->dropped), keep - r->dropped, MADV_DONTNEED);
	r->dropped = keep;
}

int catr_open(int meta_fd, const char *name, struct cat_reader *r, char *err, size_t errsz)
{
	memset(r, 0, sizeof *r);
	if (map_file(meta_fd, name ? name : STORE_CATALOG, r, err, errsz))
		return -1;
	if (r->size < HEADER_FIXED + TRAILER_SIZE) {
		rerr(err, errsz, "catalog truncated");
		goto fail;
	}
	size_t t = r->size - TRAILER_SIZE;
	unsigned char digest[32];
	if (memcmp(r->base + t, CAT_END, MAGIC_LEN) != 0) {
		rerr(err, errsz, "catalog truncated (no trailer: an interrupted scan?)");
		goto fail;
	}
	struct sha256_ctx hc;
	sha256_init(&hc);
	/* the hash covers everything before it */
	for (size_t at = 0; at < t + CAT_TRL_HASH; at += CAT_DROP_STEP) {
		size_t n =
		    t + CAT_TRL_HASH - at < CAT_DROP_STEP ? t + CAT_TRL_HASH - at : CAT_DROP_STEP;
		sha256_update(&hc, r->base + at, n);
		drop_behind(r, at + n);
	}
	sha256_final(&hc, digest);
	r->dropped = 0; /* the header is read next */
	if (memcmp(digest, r->base + t + CAT_TRL_HASH, 32) != 0) {
		rerr(err, errsz, "catalog checksum mismatch");
		goto fail;
	}
	if (parse_header(r, t, err, errsz))
		goto fail;
	r->end = t;
	r->nrecords = le_get64(r->base + t + CAT_TRL_NRECORDS);
	/* count once so a record table that disagrees with the trailer is refused now */
	uint64_t n = 0;
	struct cat_record rec;
	char path[16];
	int k;
	while ((k = catr_next(r, &rec, path, sizeof path)) == 1)
		n++;
	if (k < 0 || n != r->nrecords) {
		rerr(err, errsz, "catalog records corrupt (count or bounds)");
		goto fail;
	}
	catr_rewind(r);
	return 0;
fail:
	catr_close(r);
	return -1;
}

int catr_open_partial(int meta_fd, struct cat_reader *r, char *err, size_t errsz)
{
	memset(r, 0, sizeof *r);
	if (map_file(meta_fd, STORE_CATALOG_PARTIAL, r, err, errsz))
		return -1;
	r->partial = true;
	if (parse_header(r, r->size, err, errsz)) {
		catr_close(r);
		return -1;
	}
	/* records up to the last complete one */
	r->end = r->size;
	struct cat_record rec;
	char path[16];
	size_t good = r->first;
	uint64_t n = 0;
	while (catr_next(r, &rec, path, sizeof path) == 1) {
		good = r->off;
		n++;
	}
	r->end = good;
	r->nrecords = n;
	catr_rewind(r);
	return 0;
}

int catr_next(struct cat_reader *r, struct cat_record *rec, char *pathbuf, size_t bufsz)
{
	const unsigned char *b = r->base + r->off;
	if (r->off == r->end)
		return 0;
	if (r->off + RECORD_FIXED > r->end)
		return -1;
	memset(rec, 0, sizeof *rec);
	rec->type = b[CAT_REC_TYPE];
	rec->action = b[CAT_REC_ACTION];
	rec->flags = le_get16(b + CAT_REC_FLAGS);
	rec->volume = le_get32(b + CAT_REC_VOLUME);
	rec->src_volume = le_get32(b + CAT_REC_SRC_VOLUME);
	rec->user = le_get32(b + CAT_REC_USER);
	rec->ino = le_get64(b + CAT_REC_INO);
	rec->size = le_get64(b + CAT_REC_SIZE);
	rec->mtime_ns = (int64_t)le_get64(b + CAT_REC_MTIME);
	rec->atime_ns = (int64_t)le_get64(b + CAT_REC_ATIME);
	rec->ctime_ns = (int64_t)le_get64(b + CAT_REC_CTIME);
	rec->mode = le_get32(b + CAT_REC_MODE);
	rec->uid = le_get32(b + CAT_REC_UID);
	rec->gid = le_get32(b + CAT_REC_GID);
	rec->nlink = le_get32(b + CAT_REC_NLINK);
	rec->rule = le_get32(b + CAT_REC_RULE);
	rec->path_len = le_get32(b + CAT_REC_PATH_LEN);
	rec->rdev = le_get64(b + CAT_REC_RDEV);
	rec->target_len = le_get32(b + CAT_REC_TARGET_LEN);
	rec->reserved = le_get32(b + CAT_REC_RESERVED);
	size_t need = (size_t)rec->path_len + rec->target_len;
	if (rec->type > CT_BLK || rec->action > CA_RECORDED || rec->path_len == 0 ||
	    rec->path_len > CAT_MAX_PATH || rec->target_len > CAT_MAX_PATH ||
	    (rec->target_len && rec->type != CT_SYMLINK) || rec->volume >= r->nvols ||
	    rec->src_volume >= r->nvols || (r->nusers && rec->user > r->nusers) ||
	    r->off + RECORD_FIXED + need > r->end || memchr(b + RECORD_FIXED, 0, need))
		return -1;
	if (bufsz) {
		size_t n = rec->path_len < bufsz ? rec->path_len : bufsz - 1;
		memcpy(pathbuf, b + RECORD_FIXED, n);
		pathbuf[n] = 0;
	}
	r->last = r->off;
	r->off += RECORD_FIXED + need;
	if (r->last - r->dropped >= 2 * CAT_DROP_STEP)
		drop_behind(r, r->last); /* catr_target may still read the record at last */
	return 1;
}

size_t catr_target(const struct cat_reader *r, char *buf, size_t bufsz)
{
	const unsigned char *b = r->base + r->last;
	if (r->last < r->first || r->last + RECORD_FIXED > r->end || bufsz == 0)
		return 0;
	uint32_t plen = le_get32(b + CAT_REC_PATH_LEN), tlen = le_get32(b + CAT_REC_TARGET_LEN);
	size_t n = tlen < bufsz ? tlen : bufsz - 1;
	memcpy(buf, b + RECORD_FIXED + plen, n);
	buf[n] = 0;
	return tlen;
}

void catr_rewind(struct cat_reader *r)
{
	r->off = r->first;
	r->last = 0;
	r->dropped = 0;
}

void catr_close(struct cat_reader *r)
{
	if (r->base)
		munmap((void *)r->base, r->size);
	free_tables(r);
	memset(r, 0, sizeof *r);
}
