/* load_links.c - where load copies a file (a copy restore, or a link the kernel refused:
 * another volume, EXDEV), the names of one captured inode become hard links of one
 * restored inode, as they were: the first name is copied, the others are linked to that
 * copy; when its filesystem refuses one more link (EMLINK) the next name is copied
 * afresh and takes over (one more inode per ~65,000 names on ext4).
 *
 * A captured inode is its catalog volume and inode number (src_volume, ino: every name
 * of it has both); the table holds only files captured with more than one name, per
 * destination device, and drops an inode once all its names came. The copy is found
 * again by its logical path beneath the root (never through a symlink) and must still be
 * the inode load made, with the owner and mode it was given: a name someone swapped in
 * meanwhile is never linked (the next name is copied and takes over). The link is made
 * to the very inode checked (by its fd). */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

struct restored {
	char *path;	   /* logical path of the copy */
	uint64_t dev, ino; /* the copy as made */
	uint32_t uid, gid, mode;
	uint32_t names; /* names of the captured inode restored so far */
};

static bool several_names(const struct obj *ob)
{
	return ob->r->r.type == CT_FILE && ob->r->r.nlink > 1;
}

/* One more name of the captured inode restored: once all came, forget it. */
static void count_name(struct loader *L, const struct obj *ob, uint64_t dev)
{
	struct restored *e = inotab_get(&L->restored, ob->r->r.src_volume, ob->r->r.ino, dev);
	if (e && ++e->names >= ob->r->r.nlink) {
		free(e->path);
		inotab_del(&L->restored, ob->r->r.src_volume, ob->r->r.ino, dev);
	}
}

int links_restore(struct loader *L, const struct obj *ob, int dfd, const char *target)
{
	struct stat dst, st;
	if (!several_names(ob) || !L->restored.n || fstat(dfd, &dst) != 0)
		return 0;
	const struct cat_record *r = &ob->r->r;
	struct restored *e = inotab_get(&L->restored, r->src_volume, r->ino, dst.st_dev);
	if (!e)
		return 0;
	const char *leaf;
	int pfd = fs_open_parent(L->s.rootfd, e->path, &leaf);
	int ofd = pfd >= 0 ? openat(pfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (pfd >= 0)
		close(pfd);
	if (ofd < 0 || fstat(ofd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink == 0 ||
	    st.st_dev != e->dev || st.st_ino != e->ino || st.st_uid != e->uid ||
	    st.st_gid != e->gid || st.st_mode != e->mode) {
		if (ofd >= 0)
			close(ofd);
		rlog_msg(L->log, RL_DEBUG,
			 "%s: the copy restored for another name (%s) is gone or "
			 "changed: copied again",
			 rlog_esc(L->log, ob->r->path), rlog_esc(L->log, e->path));
		return 0; /* the copy made now takes over */
	}
	int rc = fs_link_fd(ofd, dfd, target), err = errno;
	close(ofd);
	if (rc == 0) {
		count_name(L, ob, dst.st_dev);
		return 1;
	}
	if (err == EEXIST) {
		errno = EEXIST; /* something appeared at TARGET */
		return -1;
	}
	if (err == EMLINK)
		rlog_msg(L->log, RL_DEBUG,
			 "%s: %s has as many links as its filesystem allows: "
			 "a new copy",
			 rlog_esc(L->log, ob->r->path), rlog_esc(L->log, e->path));
	return 0; /* EMLINK, EPERM (protected_hardlinks) ...: a copy of its own */
}

void links_remember(struct loader *L, const struct obj *ob, int dfd, const char *name,
		    const struct stat *made)
{
	const char *dir = several_names(ob) ? load_dest_dir_path(L, dfd) : NULL;
	if (!dir)
		return;
	const struct cat_record *r = &ob->r->r;
	char *p = load_join(dir, name);
	struct restored *e =
	    p ? inotab_put(&L->restored, r->src_volume, r->ino, made->st_dev) : NULL;
	if (!e) {
		free(p); /* no memory: later names are copies of their own */
		return;
	}
	free(e->path);
	uint32_t names = e->names;
	*e = (struct restored){
	    p, made->st_dev, made->st_ino, made->st_uid, made->st_gid, made->st_mode, names};
	count_name(L, ob, made->st_dev);
}

static void free_restored(void *v)
{
	free(((struct restored *)v)->path);
}

void links_init(struct loader *L)
{
	inotab_init(&L->restored, sizeof(struct restored));
}

void links_free(struct loader *L)
{
	inotab_each(&L->restored, free_restored);
	inotab_free(&L->restored);
}
