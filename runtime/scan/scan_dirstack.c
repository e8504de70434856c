/* scan_dirstack.c - directory stacks: the directories along one logical path, kept open
 * from one item to the next (sources in pass 2, payload directories in the stores). */
#include "scan_int.h"

#include <errno.h>
#include <fcntl.h>

#include "fsutil.h"

/* The directories along one logical path, each opened from its parent (O_NOFOLLOW: no
 * symlink is followed) and kept open, a bounded number of them (fdstack.h). Items come
 * in walk order, so the next item's directory is mostly this one, a child, or a sibling
 * of an ancestor: an open per new directory instead of a resolution of the whole path
 * per directory change. MKDIRS: missing directories are made (0700) on the way down (a
 * store's payload tree). */
void ds_free(struct dstack *d)
{
	if (d->ready)
		fds_free(&d->fds);
	d->ready = false;
}

static int make_open(void *ctx, int parent, const char *name, const char *path, size_t len)
{
	(void)ctx;
	(void)path;
	(void)len;
	if (fs_mkdirat(parent, name, 0700) != 0 && errno != EEXIST)
		return -1;
	return openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* An fd of directory DIR (LEN bytes, logical) beneath BASE ("/"), owned by the stack
 * (valid until the next ds_open). -1 with errno. */
int ds_open(struct dstack *d, int base, const char *dir, size_t len, bool mkdirs)
{
	if (!d->ready || d->fds.base != base) {
		ds_free(d);
		fds_init(&d->fds, base, 0);
		d->ready = true;
	}
	return fds_goto(&d->fds, dir, len, mkdirs ? make_open : NULL, NULL);
}
