/* diracl.c - ACLs of existing destination directories (diracl.h). */
#include "diracl.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/xattr.h>

#define XA_ACCESS "system.posix_acl_access"
#define XA_DEFAULT "system.posix_acl_default"

/* The kernel's format (linux/posix_acl_xattr.h): le32 version 2, then entries of
 * le16 tag, le16 perm, le32 id. */
#define ACL_VERSION 2u
#define HDR 4u
#define ENT 8u
#define T_USER_OBJ 0x01u
#define T_USER 0x02u
#define T_GROUP_OBJ 0x04u
#define T_GROUP 0x08u
#define T_MASK 0x10u
#define T_OTHER 0x20u
#define MAX_ACL (64u << 10)

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_ent(unsigned char *p, unsigned tag, unsigned perm)
{
	p[0] = (unsigned char)tag;
	p[1] = (unsigned char)(tag >> 8);
	p[2] = (unsigned char)perm;
	p[3] = (unsigned char)(perm >> 8);
	p[4] = p[5] = p[6] = p[7] = 0xff; /* ACL_UNDEFINED_ID: base entries have no id */
}

static bool well_formed(const unsigned char *buf, size_t n)
{
	return n >= HDR && (n - HDR) % ENT == 0 && le32(buf) == ACL_VERSION;
}

/* The perm of the first entry tagged TAG, or -1. */
static int perm_of(const unsigned char *buf, size_t n, unsigned tag)
{
	for (size_t o = HDR; o + ENT <= n; o += ENT)
		if (le16(buf + o) == tag)
			return (int)(le16(buf + o + 2) & 7u);
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
		unsigned tag = le16(buf + o);
		if ((tag == T_USER || tag == T_GROUP) && (le16(buf + o + 2) & eff_mask & ~other))
			return true;
	}
	return false;
}

bool diracl_default_named(const unsigned char *buf, size_t n)
{
	if (!well_formed(buf, n))
		return true;
	for (size_t o = HDR; o + ENT <= n; o += ENT) {
		unsigned tag = le16(buf + o);
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
	out[0] = ACL_VERSION;
	out[1] = out[2] = out[3] = 0;
	put_ent(out + HDR, T_USER_OBJ, (unsigned)u);
	put_ent(out + HDR + ENT, T_GROUP_OBJ, gp);
	put_ent(out + HDR + 2 * ENT, T_OTHER, (unsigned)o);
	return HDR + 3 * ENT;
}

/* The xattr NAME of FD, malloc'd, or NULL (none, no ACL support, unreadable). */
/* The ACL NAME of FD into a new buffer (*N bytes). NULL with *N 0: there is none;
 * NULL with *N SIZE_MAX: there is one that cannot be read (larger than any valid
 * one, or it kept changing size), which the callers treat as granting too much. */
static unsigned char *get_acl(int fd, const char *name, size_t *n)
{
	*n = 0;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t len = fgetxattr(fd, name, NULL, 0);
		if (len < 0 && (errno == ENODATA || errno == EOPNOTSUPP || errno == ENOTSUP))
			return NULL;
		if (len == 0)
			return NULL;
		if (len < 0 || (size_t)len > MAX_ACL)
			break;
		unsigned char *buf = malloc((size_t)len);
		if (!buf)
			break;
		ssize_t got = fgetxattr(fd, name, buf, (size_t)len);
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
	unsigned char *a = get_acl(fd, XA_ACCESS, &n);
	if (a ? diracl_access_beyond(a, n, captured) : n == SIZE_MAX)
		r |= DIRACL_ACCESS;
	free(a);
	unsigned char *d = get_acl(fd, XA_DEFAULT, &n);
	if (d ? diracl_default_named(d, n) : n == SIZE_MAX)
		r |= DIRACL_DEFAULT;
	free(d);
	return r;
}

int diracl_narrow(int fd, unsigned which)
{
	if (which & DIRACL_ACCESS) {
		size_t n;
		unsigned char *a = get_acl(fd, XA_ACCESS, &n), base[28];
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
