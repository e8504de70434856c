/* sameobj.c - the one test of "this file is the captured object" (see sameobj.h). */
#include "sameobj.h"

#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "storewalk.h"

/* statfs f_type of filesystems where the mount (or a FUSE daemon) gives every file its
 * owner and mode: no per-file owner to compare. */
#define FS_MSDOS 0x4d44u
#define FS_EXFAT 0x2011bab0u
#define FS_NTFS 0x5346544eu
#define FS_NTFS3 0x7366746eu
#define FS_FUSE 0x65735546u

void same_init(struct same_ctx *c, int rootfd, const struct cat_reader *cat)
{
	memset(c, 0, sizeof *c);
	c->rootfd = rootfd;
	c->cat = cat;
}

void same_free(struct same_ctx *c)
{
	users_free(&c->here);
	c->loaded = false;
}

static bool keeps_owners(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) != 0)
		return true; /* cannot tell: compare them */
	switch ((unsigned long)sf.f_type & 0xffffffffu) {
	case FS_MSDOS:
	case FS_EXFAT:
	case FS_NTFS:
	case FS_NTFS3:
	case FS_FUSE:
		return false;
	default:
		return true;
	}
}

/* The captured user's name for UID (the catalog's user table), or NULL. */
static const char *captured_name(const struct same_ctx *c, uid_t uid)
{
	for (size_t i = 0; c->cat && i < c->cat->nusers; i++)
		if (c->cat->users[i].uid == uid && c->cat->users[i].name)
			return c->cat->users[i].name;
	return NULL;
}

/* The name UID has on this system (the target root's etc/passwd), or NULL. */
static const char *name_here(struct same_ctx *c, uid_t uid)
{
	if (!c->loaded) {
		c->loaded = true;
		if (c->rootfd < 0 || users_read_all(c->rootfd, &c->here) != 0)
			c->here.n = 0; /* unreadable: owners compare by number */
	}
	for (size_t i = 0; i < c->here.n; i++)
		if (c->here.v[i].uid == uid)
			return c->here.v[i].name;
	return NULL;
}

/* Is FOUND_UID the captured owner CAP_UID: by name when both have one, else by number. */
static bool same_owner(struct same_ctx *c, uid_t cap_uid, uid_t found_uid)
{
	const char *cap = captured_name(c, cap_uid);
	const char *now = cap ? name_here(c, found_uid) : NULL;
	if (cap && now)
		return !strcmp(cap, now);
	return cap_uid == found_uid;
}

/* Open F for reading if it is a regular file; its stat in *ST. -1 otherwise. The stat
 * is the open file's, so what is compared is one inode even if the name changes. */
static int open_regular(const struct same_file *f, struct stat *st)
{
	struct stat pre;
	if (fstatat(f->dirfd, f->name, &pre, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(pre.st_mode))
		return -1;
	int fd = openat(f->dirfd, f->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_dev != pre.st_dev ||
	    st->st_ino != pre.st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

bool same_object(struct same_ctx *c, const struct same_file *captured,
		 const struct same_file *found, uid_t cap_uid)
{
	struct stat cs, fs;
	int cfd = open_regular(captured, &cs);
	if (cfd < 0)
		return false;
	int ffd = open_regular(found, &fs);
	bool same = false;
	if (ffd < 0)
		goto out;
	if (fs.st_dev == cs.st_dev && fs.st_ino == cs.st_ino) {
		same = true;
		goto out;
	}
	if (fs.st_size != cs.st_size)
		goto out;
	if (keeps_owners(ffd) && ((fs.st_mode & 07777) != (cs.st_mode & 07777) ||
				  !same_owner(c, cap_uid != SAME_PAYLOAD_OWNER ? cap_uid : cs.st_uid,
					      fs.st_uid)))
		goto out;
	same = sw_same_content(cfd, ffd);
out:
	if (ffd >= 0)
		close(ffd);
	close(cfd);
	return same;
}
