/* diracl.c - ACLs of existing destination directories (diracl.h). */
#include "diracl.h"
#include "le.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_getxattrat
#define SYS_getxattrat 464 /* Linux 6.13; the same number on every architecture */
#endif

/* getxattrat(2)'s argument block (linux/xattr.h; not in older headers). */
struct xattr_args_v0 {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

#define XA_ACCESS DIRACL_XA_ACCESS
#define XA_DEFAULT DIRACL_XA_DEFAULT

/* The kernel's format (linux/posix_acl_xattr.h): le32 version 2, then entries of
 * le16 tag, le16 perm, le32 id. */
#define ACL_VERSION 2u
#define HDR 4u
#define ENT 8u
#define T_USER_OBJ ((unsigned)DA_USER_OBJ)
#define T_USER ((unsigned)DA_USER)
#define T_GROUP_OBJ ((unsigned)DA_GROUP_OBJ)
#define T_GROUP ((unsigned)DA_GROUP)
#define T_MASK ((unsigned)DA_MASK)
#define T_OTHER ((unsigned)DA_OTHER)
#define MAX_ACL DIRACL_MAX

static void put_ent(unsigned char *p, unsigned tag, unsigned perm)
{
	le_put16(p, (uint16_t)tag);
	le_put16(p + 2, (uint16_t)perm);
	p[4] = p[5] = p[6] = p[7] = 0xff; /* ACL_UNDEFINED_ID: base entries have no id */
}

static unsigned char *get_acl(int fd, const char *at, const char *name, size_t *n);

/* Read xattr NAME of FD (AT NULL: fgetxattr), or of entry AT of directory FD, not
 * followed if a symlink (getxattrat: no open of the object). */
static ssize_t xattr_read(int fd, const char *at, const char *name, void *buf, size_t size)
{
	if (!at)
		return fgetxattr(fd, name, buf, size);
	struct xattr_args_v0 args = {(uint64_t)(uintptr_t)buf, (uint32_t)size, 0};
	return (ssize_t)syscall(SYS_getxattrat, fd, at, AT_SYMLINK_NOFOLLOW, name, &args,
				sizeof args);
}

/* Does the kernel have getxattrat (Linux 6.13)? Asked once. */
bool diracl_at_ok(void)
{
	static int ok = -1;
	if (ok < 0) {
		errno = 0;
		ok = xattr_read(AT_FDCWD, "/", XA_ACCESS, NULL, 0) >= 0 || errno == ENODATA ||
		     errno == EOPNOTSUPP;
	}
	return ok == 1;
}

static bool well_formed(const unsigned char *buf, size_t n)
{
	return n >= HDR && (n - HDR) % ENT == 0 && le_get32(buf) == ACL_VERSION;
}

/* The perm of the first entry tagged TAG, or -1. */
static int perm_of(const unsigned char *buf, size_t n, unsigned tag)
{
	for (size_t o = HDR; o + ENT <= n; o += ENT)
		if (le_get16(buf + o) == tag)
			return (int)(le_get16(buf + o + 2) & 7u);
	return -1;
}

bool diracl_access_beyond(const unsigned char *buf, size_t n, mode_t captured)
{
	if (!well_formed(buf, n))
		return true;
	int mask = perm_of(buf, n, T_MASK);
	/* the mask as dirsafe leaves it: no wider than the captured group bits */
	unsigned eff_mask = (mask < 0 ? 7u : (unsigned)mask) & ((unsigned)captured >> 3 & 7u);
	unsigned other = (unsigned)captured & 7u;
	for (size_t o = HDR; o + ENT <= n; o += ENT) {
		unsigned tag = le_get16(buf + o);
		if ((tag == T_USER || tag == T_GROUP) && (le_get16(buf + o + 2) & eff_mask & ~other))
			return true;
	}
	return false;
}

bool diracl_default_named(const unsigned char *buf, size_t n)
{
	return diracl_has_named(buf, n);
}

bool diracl_has_named(const unsigned char *buf, size_t n)
{
	if (!well_formed(buf, n))
		return true;
	for (size_t o = HDR; o + ENT <= n; o += ENT) {
		unsigned tag = le_get16(buf + o);
		if (tag == T_USER || tag == T_GROUP)
			return true;
	}
	return false;
}

size_t diracl_base(const unsigned char *in, size_t n, unsigned char out[28])
{
	int u = well_formed(in, n) ? perm_of(in, n, T_USER_OBJ) : -1;
	int g = u < 0 ? -1 : perm_of(in, n, T_GROUP_OBJ), o = u < 0 ? -1 : perm_of(in, n, T_OTHER);
	int m = u < 0 ? -1 : perm_of(in, n, T_MASK);
	if (u < 0 || g < 0 || o < 0)
		return 0;
	/* the owning group keeps what it effectively had: never more */
	unsigned gp = (unsigned)g & (m < 0 ? 7u : (unsigned)m);
	le_put32(out, ACL_VERSION);
	put_ent(out + HDR, T_USER_OBJ, (unsigned)u);
	put_ent(out + HDR + ENT, T_GROUP_OBJ, gp);
	put_ent(out + HDR + 2 * ENT, T_OTHER, (unsigned)o);
	return HDR + 3 * ENT;
}

int diracl_decode(const unsigned char *buf, size_t n, struct diracl_ent **ents, size_t *nents)
{
	*ents = NULL;
	*nents = 0;
	if (!well_formed(buf, n) || n > MAX_ACL) {
		errno = EINVAL;
		return -1;
	}
	size_t k = (n - HDR) / ENT, named = 0, cnt[0x21] = {0};
	struct diracl_ent *e = malloc((k ? k : 1) * sizeof *e);
	if (!e) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		const unsigned char *p = buf + HDR + i * ENT;
		unsigned tag = le_get16(p), perm = le_get16(p + 2);
		bool known = tag == T_USER_OBJ || tag == T_USER || tag == T_GROUP_OBJ ||
			     tag == T_GROUP || tag == T_MASK || tag == T_OTHER;
		if (!known || perm > 7u) {
			free(e);
			errno = EINVAL;
			return -1;
		}
		cnt[tag]++;
		named += tag == T_USER || tag == T_GROUP;
		e[i] = (struct diracl_ent){tag, perm, tag == T_USER || tag == T_GROUP ? le_get32(p + 4) : 0};
	}
	if (cnt[T_USER_OBJ] != 1 || cnt[T_GROUP_OBJ] != 1 || cnt[T_OTHER] != 1 ||
	    cnt[T_MASK] > 1 || (named && !cnt[T_MASK])) {
		free(e);
		errno = EINVAL;
		return -1;
	}
	*ents = e;
	*nents = k;
	return 0;
}

static int ent_order(const void *a, const void *b)
{
	const struct diracl_ent *x = a, *y = b;
	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

unsigned char *diracl_encode(const struct diracl_ent *ents, size_t nents, size_t *n)
{
	struct diracl_ent *s = malloc((nents ? nents : 1) * sizeof *s);
	unsigned char *out = malloc(HDR + nents * ENT);
	if (!s || !out) {
		free(s);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < nents; i++)
		s[i] = ents[i];
	qsort(s, nents, sizeof *s, ent_order);
	le_put32(out, ACL_VERSION);
	for (size_t i = 0; i < nents; i++) {
		unsigned char *p = out + HDR + i * ENT;
		bool named = s[i].tag == T_USER || s[i].tag == T_GROUP;
		put_ent(p, s[i].tag, s[i].perm);
		if (named)
			le_put32(p + 4, s[i].id);
	}
	free(s);
	*n = HDR + nents * ENT;
	return out;
}

bool diracl_same(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	struct diracl_ent *x, *y;
	size_t nx, ny, xn, yn;
	if (diracl_decode(a, an, &x, &nx) != 0)
		return false;
	if (diracl_decode(b, bn, &y, &ny) != 0) {
		free(x);
		return false;
	}
	unsigned char *ex = diracl_encode(x, nx, &xn), *ey = diracl_encode(y, ny, &yn);
	bool eq = ex && ey && xn == yn && !memcmp(ex, ey, xn);
	free(ex);
	free(ey);
	free(x);
	free(y);
	return eq;
}

unsigned char *diracl_get(int fd, const char *name, size_t *n)
{
	return get_acl(fd, NULL, name, n);
}

unsigned char *diracl_get_at(int dirfd, const char *at, const char *name, size_t *n)
{
	return get_acl(dirfd, at, name, n);
}

/* The ACL NAME of FD into a new buffer (*N bytes). NULL with *N 0: there is none;
 * NULL with *N SIZE_MAX: there is one that cannot be read (larger than any valid
 * one, or it kept changing size), which the callers treat as granting too much. */
static unsigned char *get_acl(int fd, const char *at, const char *name, size_t *n)
{
	*n = 0;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t len = xattr_read(fd, at, name, NULL, 0);
		if (len < 0 && (errno == ENODATA || errno == EOPNOTSUPP || errno == ENOTSUP))
			return NULL;
		if (len == 0)
			return NULL;
		if (len < 0 || (size_t)len > MAX_ACL)
			break;
		unsigned char *buf = malloc((size_t)len);
		if (!buf)
			break;
		ssize_t got = xattr_read(fd, at, name, buf, (size_t)len);
		if (got > 0) {
			*n = (size_t)got;
			return buf;
		}
		free(buf);
		if (!(got < 0 && errno == ERANGE)) /* ERANGE: it grew in between: again */
			break;
	}
	*n = SIZE_MAX;
	return NULL;
}

unsigned diracl_check(int fd, mode_t captured)
{
	unsigned r = 0;
	size_t n;
	unsigned char *a = get_acl(fd, NULL, XA_ACCESS, &n);
	if (a ? diracl_access_beyond(a, n, captured) : n == SIZE_MAX)
		r |= DIRACL_ACCESS;
	free(a);
	unsigned char *d = get_acl(fd, NULL, XA_DEFAULT, &n);
	if (d ? diracl_default_named(d, n) : n == SIZE_MAX)
		r |= DIRACL_DEFAULT;
	free(d);
	return r;
}

int diracl_narrow(int fd, unsigned which)
{
	if (which & DIRACL_ACCESS) {
		size_t n;
		unsigned char *a = get_acl(fd, NULL, XA_ACCESS, &n), base[28];
		size_t bn = a ? diracl_base(a, n, base) : 0;
		free(a);
		/* base entries only: the kernel keeps them as the mode and drops the xattr */
		if (bn ? fsetxattr(fd, XA_ACCESS, base, bn, 0) != 0
		       : fremovexattr(fd, XA_ACCESS) != 0 && errno != ENODATA)
			return -1;
	}
	if ((which & DIRACL_DEFAULT) && fremovexattr(fd, XA_DEFAULT) != 0 && errno != ENODATA)
		return -1;
	return 0;
}
