/* setid.c - set-id bits and file capabilities (see setid.h). */
#include "setid.h"

#include <errno.h>
#include <stdio.h>
#include <sys/xattr.h>

int setid_has_caps(int dirfd, const char *name)
{
	/* no fgetxattr on an O_PATH fd and no getxattrat in libc: the directory's magic
	 * link in /proc, with the name looked up in it and not followed (lgetxattr) */
	char path[64 + 256];
	if (snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dirfd, name) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (lgetxattr(path, SETID_CAPS_XATTR, NULL, 0) >= 0)
		return 1;
	return errno == ENODATA || errno == ENOTSUP ? 0 : -1;
}

bool setid_privileged(int dirfd, const char *name, mode_t mode)
{
	return (mode & SETID_BITS) || setid_has_caps(dirfd, name) != 0;
}
