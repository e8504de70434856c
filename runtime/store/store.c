/* store.c - creating, recognising and resetting migration stores (see store.h).
 *
 * Everything below the store top is reached through directory fds with O_NOFOLLOW, so
 * a symlink planted inside a store (or at its place) is never followed: a store path
 * that is a symlink is "foreign" and left alone. A store of ours is only ever reset
 * with OVERWRITE, and only what store.h describes is removed (MIGSTATE's contents). */
#include "store.h"
#include "dirnames.h"
#include "fsutil.h"
#include "storeguard.h"
#include "storewalk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const store_state_names[] = {"none", "scanning", "complete", "removing", "foreign"};
const char *const store_role_names[] = {"master", "volume", "?"};

#define ID_TMP STORE_ID_FILE ".tmp"
#define ID_MAX 512

static int open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Read store.id of META_FD: 0 with *ST, *ROLE and ID (the instance id, "" when the
 * store predates it), -1 when absent or not ours. */
static int read_id_full(int meta_fd, enum store_state *st, enum store_role *role,
			char id[STORE_INSTANCE_HEX + 1])
{
	char buf[ID_MAX + 1];
	int fd = openat(meta_fd, STORE_ID_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat sb;
	ssize_t n = -1;
	int saved = EINVAL;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		while ((n = read(fd, buf, ID_MAX)) < 0 && errno == EINTR)
			;
		if (n < 0)
			saved = errno;
	}
	close(fd);
	/* errno: the read's error, or EINVAL for content that is not ours */
	if (n < (ssize_t)strlen(STORE_ID_MAGIC)) {
		errno = saved;
		return -1;
	}
	buf[n] = 0;
	if (strncmp(buf, STORE_ID_MAGIC, strlen(STORE_ID_MAGIC)) != 0) {
		errno = EINVAL;
		return -1;
	}
	*st = SS_FOREIGN;
	*role = SR_MASTER;
	id[0] = 0;
	for (char *save = NULL, *l = strtok_r(buf + strlen(STORE_ID_MAGIC), "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(l, "state: scanning"))
			*st = SS_SCANNING;
		else if (!strcmp(l, "state: complete"))
			*st = SS_COMPLETE;
		else if (!strcmp(l, "state: removing"))
			*st = SS_REMOVING;
		else if (!strcmp(l, "role: volume"))
			*role = SR_VOLUME;
		else if (!strcmp(l, "role: master"))
			*role = SR_MASTER;
		else if (!strncmp(l, "id: ", 4) && strlen(l + 4) == STORE_INSTANCE_HEX &&
			 strspn(l + 4, "0123456789abcdef") == STORE_INSTANCE_HEX)
			memcpy(id, l + 4, STORE_INSTANCE_HEX + 1);
	}
	return *st == SS_FOREIGN ? -1 : 0;
}

static int read_id(int meta_fd, enum store_state *st, enum store_role *role)
{
	char id[STORE_INSTANCE_HEX + 1];
	return read_id_full(meta_fd, st, role, id);
}

int store_get_instance(int meta_fd, char id[STORE_INSTANCE_HEX + 1])
{
	enum store_state st;
	enum store_role role;
	if (read_id_full(meta_fd, &st, &role, id) != 0)
		return -1;
	return id[0] ? 0 : (errno = ENODATA, -1);
}

/* A fresh instance id: 16 random bytes in hex. */
static int new_instance(char id[STORE_INSTANCE_HEX + 1])
{
	unsigned char r[STORE_INSTANCE_HEX / 2];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t k = getrandom(r + got, sizeof r - got, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/* Names in directory FD other than "." and ".." (at most MAX are counted); when ONLY
 * is given, *OTHERS counts the names that differ from it. */
static size_t count_entries(int fd, const char *only, size_t *others)
{
	int dfd = dup(fd);
	size_t n = 0;
	if (others)
		*others = 0;
	if (dfd < 0)
		return (size_t)-1;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return (size_t)-1;
	}
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (others && only && strcmp(de->d_name, only) != 0)
			(*others)++;
	}
	closedir(d);
	return n;
}

/* What the directory TOP holds. */
static enum store_state probe_top(int top)
{
	int meta = open_dir_at(top, STORE_META);
	if (meta < 0)
		return count_entries(top, NULL, NULL) == 0 ? SS_NONE : SS_FOREIGN;
	enum store_state st;
	enum store_role role;
	if (read_id(meta, &st, &role) == 0) {
		close(meta);
		return st;
	}
	/* store_create interrupted between mkdir MIGSTATE and the first store.id: MIGSTATE
	 * empty (or holding only our temp file) and nothing else at the top */
	size_t others_meta, others_top;
	size_t nm = count_entries(meta, ID_TMP, &others_meta);
	size_t nt = count_entries(top, STORE_META, &others_top);
	close(meta);
	if (nm != (size_t)-1 && nt != (size_t)-1 && others_meta == 0 && others_top == 0)
		return SS_SCANNING;
	return SS_FOREIGN;
}

enum store_state store_probe_at(int dirfd, const char *name)
{
	struct stat sb;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? SS_NONE : SS_FOREIGN;
	if (!S_ISDIR(sb.st_mode))
		return SS_FOREIGN;
	int top = open_dir_at(dirfd, name);
	if (top < 0)
		return SS_FOREIGN;
	enum store_state st = probe_top(top);
	close(top);
	return st;
}

enum store_state store_probe(const char *path)
{
	return store_probe_at(AT_FDCWD, path);
}

enum store_state store_get_state(int meta_fd)
{
	enum store_state st;
	enum store_role role;
	return read_id(meta_fd, &st, &role) == 0 ? st : SS_FOREIGN;
}

enum store_role store_get_role(int meta_fd)
{
	enum store_state st;
	enum store_role role;
	return read_id(meta_fd, &st, &role) == 0 ? role : SR_UNKNOWN;
}

bool store_is_complete(int meta_fd)
{
	struct stat sb;
	return store_get_state(meta_fd) == SS_COMPLETE && store_get_role(meta_fd) == SR_MASTER &&
	       fstatat(meta_fd, STORE_CATALOG, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(sb.st_mode);
}

/* Write store.id atomically: temp file, fsync, rename, fsync of the directory. */
static int write_id(int meta_fd, enum store_state st, enum store_role role, const char *id)
{
	char buf[ID_MAX];
	int n = snprintf(buf, sizeof buf, "%sstate: %s\nrole: %s\n%s%s%s", STORE_ID_MAGIC,
			 store_state_names[st], store_role_names[role], *id ? "id: " : "", id,
			 *id ? "\n" : "");
	int fd =
	    openat(meta_fd, ID_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = 0;
	ssize_t w;
	while ((w = write(fd, buf, (size_t)n)) < 0 && errno == EINTR)
		;
	if (w != n) {
		if (w >= 0)
			errno = ENOSPC; /* a short write of a few bytes: the disk is full */
		rc = -1;
	} else {
		while ((rc = fsync(fd)) != 0 && errno == EINTR)
			;
	}
	int saved = errno;
	close(fd);
	if (rc == 0 && fs_renameat(meta_fd, ID_TMP, meta_fd, STORE_ID_FILE) != 0)
		rc = -1, saved = errno;
	if (rc == 0)
		fsync(meta_fd);
	else
		unlinkat(meta_fd, ID_TMP, 0);
	errno = saved;
	return rc;
}

int store_set_state(int meta_fd, enum store_state st)
{
	enum store_state cur;
	enum store_role role;
	char id[STORE_INSTANCE_HEX + 1] = "";
	/* Keep the role and the instance id store.id has. Guess "master" only when there
	 * is no store.id yet: a store.id that cannot be read right now (EIO) must not turn
	 * a per-volume store into a master. */
	if (read_id_full(meta_fd, &cur, &role, id) != 0) {
		if (errno != ENOENT)
			return -1;
		role = SR_MASTER;
	}
	return write_id(meta_fd, st, role, id);
}

/* sw_walk's visitor for store_rmtree_at: everything removed bottom-up; what cannot be
 * (or could not be read, or is another filesystem's) is counted in *CTX. */
static int rmtree_visit(const struct sw_visit *v, void *ctx)
{
	size_t *left = ctx;
	bool dir = S_ISDIR(v->st->st_mode);
	if (v->error || v->foreign) {
		(*left)++; /* never descend into another filesystem, never guess a content */
		return 0;
	}
	if (dir && !v->post)
		return 0;
	if (unlinkat(v->dirfd, v->name, dir ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
		(*left)++;
	return 0;
}

size_t store_rmtree_at(int dirfd, const char *name, dev_t dev)
{
	struct stat sb;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : 1;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT ? 0 : 1;
	if (sb.st_dev != dev)
		return 1; /* a mount inside the store: never descend into another filesystem */
	int fd = open_dir_at(dirfd, name);
	if (fd < 0)
		return 1;
	/* the shared bottom-up walk: a bounded number of descriptors at any depth */
	size_t left = 0;
	if (sw_walk(fd, rmtree_visit, &left) != 0)
		left++;
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		left++;
	return left;
}

/* Empty MIGSTATE of an existing store of ours, keeping store.id (state "removing" while
 * it runs, so an interruption is recognisable). */
static int reset_meta(int meta, char *err, size_t errsz)
{
	struct stat sb;
	if (fstat(meta, &sb) != 0 || store_set_state(meta, SS_REMOVING) != 0) {
		snprintf(err, errsz, "cannot mark the old store for removal: %s", strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	if (dirnames_read(meta, &names, &n) != 0) {
		snprintf(err, errsz, "cannot read the old store: %s", strerror(errno));
		return -1;
	}
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], STORE_ID_FILE) != 0)
			left += store_rmtree_at(meta, names[i], sb.st_dev);
	dirnames_free(names, n);
	if (left) {
		snprintf(err, errsz, "%zu entries of the old store could not be removed", left);
		errno = EBUSY;
		return -1;
	}
	return 0;
}

/* Create or reset the store NAME in PARENT. Returns the MIGSTATE fd, *TOPFD the top.
 *
 * Never adopts what someone else made: a store directory that is already there (an
 * empty one, or a store of ours to reset) must be owned by us and writable by nobody
 * else, and a new store's MIGSTATE and File are made with mkdir, never accepted when
 * they appear meanwhile (EEXIST). Otherwise a user who can create entries next to the
 * store (a sticky /tmp) could plant a MIGSTATE of hers and rewrite the catalog that
 * load later restores as root. Refusals set errno EEXIST (ENOTEMPTY: foreign). */
static int create_at(int parent, const char *name, bool overwrite, enum store_role role, int *topfd,
		     char *err, size_t errsz)
{
	enum store_state st = store_probe_at(parent, name);
	int top = -1, meta = -1;
	char why[200], id[STORE_INSTANCE_HEX + 1];
	struct stat sb;
	if (st == SS_FOREIGN) {
		snprintf(err, errsz, "exists and is not a migstate store: left untouched");
		errno = ENOTEMPTY;
		return -1;
	}
	if (st != SS_NONE && !overwrite) {
		snprintf(err, errsz, "a store (state %s) already exists there: -o overwrites it",
			 store_state_names[st]);
		errno = EEXIST;
		return -1;
	}
	if (new_instance(id) != 0) {
		snprintf(err, errsz, "cannot draw a store id: %s", strerror(errno));
		return -1;
	}
	bool made = false;
	if (st == SS_NONE) {
		if (fs_mkdirat(parent, name, 0700) == 0)
			made = true;
		else if (errno != EEXIST) {
			snprintf(err, errsz, "cannot create the store directory: %s",
				 strerror(errno));
			return -1;
		}
	}
	top = open_dir_at(parent, name);
	if (top < 0 || fstat(top, &sb) != 0) {
		snprintf(err, errsz, "cannot open the store directory: %s", strerror(errno));
		goto fail;
	}
	if (storeguard_unsafe_stat(&sb, why, sizeof why)) {
		snprintf(err, errsz, "the store directory was %s by another user: %s; refused",
			 made ? "replaced" : "made", why);
		errno = EEXIST;
		goto fail;
	}
	if (fchmod(top, 0700) != 0) {
		snprintf(err, errsz, "cannot set up the store directory: %s", strerror(errno));
		goto fail;
	}
	if (st == SS_NONE) {
		if (fs_mkdirat(top, STORE_META, 0700) != 0) {
			int e = errno;
			snprintf(err, errsz, "cannot create %s: %s%s", STORE_META, strerror(e),
				 e == EEXIST ? " (it appeared while the store was made: refused)"
					     : "");
			errno = e;
			goto fail;
		}
		meta = open_dir_at(top, STORE_META);
	} else {
		meta = open_dir_at(top, STORE_META);
		if (meta >= 0 && storeguard_check(meta, why, sizeof why) != 0) {
			snprintf(err, errsz, "the old store cannot be trusted: %s; refused", why);
			errno = EEXIST;
			goto fail;
		}
	}
	if (meta < 0) {
		snprintf(err, errsz, "cannot open %s: %s", STORE_META, strerror(errno));
		goto fail;
	}
	if (st != SS_NONE && store_get_state(meta) != SS_FOREIGN && reset_meta(meta, err, errsz))
		goto fail;
	if (st != SS_NONE)
		unlinkat(meta, ID_TMP, 0);
	if (write_id(meta, SS_SCANNING, role, id) != 0) {
		snprintf(err, errsz, "cannot write %s: %s", STORE_ID_FILE, strerror(errno));
		goto fail;
	}
	if (fs_mkdirat(meta, STORE_PAYLOAD, 0700) != 0) {
		int e = errno;
		snprintf(err, errsz, "cannot create %s/%s: %s", STORE_META, STORE_PAYLOAD,
			 strerror(e));
		errno = e;
		goto fail;
	}
	if (topfd)
		*topfd = top;
	else
		close(top);
	return meta;
fail:;
	int saved = errno;
	if (meta >= 0)
		close(meta);
	if (top >= 0)
		close(top);
	errno = saved;
	return -1;
}

/* mkdir -p of the first LEN bytes of REL beneath DIRFD, never following a symlink.
 * Returns an fd of the last directory (DIRFD itself duplicated when LEN is 0). */
static int mkdirs_at(int dirfd, const char *rel, size_t len)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t i = 0;
	while (fd >= 0 && i < len) {
		while (i < len && rel[i] == '/')
			i++;
		size_t s = i;
		while (i < len && rel[i] != '/')
			i++;
		if (i == s)
			break;
		char seg[256];
		if (i - s >= sizeof seg) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(seg, rel + s, i - s);
		seg[i - s] = 0;
		if (!strcmp(seg, "..") || !strcmp(seg, ".")) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		if (fs_mkdirat(fd, seg, 0755) != 0 && errno != EEXIST) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		int nfd = open_dir_at(fd, seg);
		int saved = errno;
		close(fd);
		errno = saved;
		fd = nfd;
	}
	return fd;
}

int store_create(const char *path, bool overwrite, int *topfd, char *err, size_t errsz)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = memrchr(path, '/', len);
	const char *name = slash ? slash + 1 : path;
	size_t nlen = len - (size_t)(name - path);
	char leaf[256];
	if (nlen == 0 || nlen >= sizeof leaf || (nlen == 1 && name[0] == '.') ||
	    (nlen == 2 && !strncmp(name, "..", 2))) {
		snprintf(err, errsz, "not a usable store path (a filesystem root, '.' or '..')");
		errno = EINVAL;
		return -1;
	}
	memcpy(leaf, name, nlen);
	leaf[nlen] = 0;
	int parent;
	if (!slash)
		parent = openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (slash == path)
		parent = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (path[0] != '/')
		parent = mkdirs_at(AT_FDCWD, path, (size_t)(slash - path));
	else {
		int rfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		parent = rfd < 0 ? -1 : mkdirs_at(rfd, path, (size_t)(slash - path));
		if (rfd >= 0)
			close(rfd);
	}
	if (parent < 0) {
		snprintf(err, errsz, "cannot create the parent directory: %s", strerror(errno));
		return -1;
	}
	int meta = create_at(parent, leaf, overwrite, SR_MASTER, topfd, err, errsz);
	int saved = errno;
	close(parent);
	errno = saved;
	return meta;
}

int store_create_volume(int mntfd, const char *rel, bool overwrite, int *topfd, char *err,
			size_t errsz)
{
	size_t len = strlen(rel);
	while (len > 0 && rel[len - 1] == '/')
		len--;
	const char *slash = memrchr(rel, '/', len);
	const char *name = slash ? slash + 1 : rel;
	size_t nlen = len - (size_t)(name - rel);
	char leaf[256];
	if (nlen == 0 || nlen >= sizeof leaf) {
		snprintf(err, errsz, "not a usable store path");
		errno = EINVAL;
		return -1;
	}
	memcpy(leaf, name, nlen);
	leaf[nlen] = 0;
	int parent = mkdirs_at(mntfd, rel, slash ? (size_t)(slash - rel) : 0);
	if (parent < 0) {
		snprintf(err, errsz, "cannot create the parent directory: %s", strerror(errno));
		return -1;
	}
	int meta = create_at(parent, leaf, overwrite, SR_VOLUME, topfd, err, errsz);
	int saved = errno;
	close(parent);
	errno = saved;
	return meta;
}

int store_open_meta(const char *path, char *err, size_t errsz)
{
	int top = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (top < 0) {
		snprintf(err, errsz, "cannot open the store %s: %s", path, strerror(errno));
		return -1;
	}
	int meta = open_dir_at(top, STORE_META);
	int saved = errno;
	close(top);
	if (meta < 0) {
		snprintf(err, errsz, "%s has no %s directory: not a migstate store", path,
			 STORE_META);
		errno = saved;
	}
	return meta;
}
