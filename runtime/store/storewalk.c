/* storewalk.c - open a store and its volumes' stores, and the directories beneath them
 * (storewalk.h). The catalog index is catindex.c, the tree walk treewalk.c. */
#include "storewalk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catindex.h"
#include "exitcodes.h"
#include "fdstack.h"
#include "fsutil.h"
#include "storeguard.h"

void sw_hex(const unsigned char h[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[64] = 0;
}

/* --- opening ----------------------------------------------------------------------- */

static char *join_root(const char *root, const char *logical)
{
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		rl = 0;
	size_t n = rl + strlen(logical) + 2;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%.*s%s%s", (int)rl, root, logical[0] == '/' ? "" : "/", logical);
	return r;
}

/* The root is what precedes the master's logical store_dir in STORE's real path. */
static char *derive_root(const char *real, const char *store_dir)
{
	size_t rl = strlen(real), sl = strlen(store_dir);
	while (sl > 1 && store_dir[sl - 1] == '/')
		sl--;
	if (sl == 1 && store_dir[0] == '/')
		return strdup(real);
	if (sl <= rl && !memcmp(real + rl - sl, store_dir, sl) && store_dir[0] == '/') {
		if (rl == sl)
			return strdup("/");
		return strndup(real, rl - sl);
	}
	return NULL;
}

/* Is the logical mount point MP mounted beneath the root? */
static bool is_mounted(int rootfd, const char *mp)
{
	if (!strcmp(mp, "/") || !*mp)
		return true;
	int fd = fs_open_dir(rootfd, mp);
	if (fd < 0)
		return false;
	char *parent = strdup(mp);
	bool mounted = true;
	if (parent) {
		char *slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = 0;
		else if (slash)
			*slash = 0;
		int pfd = fs_open_dir(rootfd, parent);
		if (pfd >= 0) {
			struct stat a, b;
			uint64_t ma = sw_mnt_id(fd), mb = sw_mnt_id(pfd);
			if (ma && mb)
				mounted = ma != mb;
			else if (!fstat(fd, &a) && !fstat(pfd, &b))
				mounted = a.st_dev != b.st_dev;
			close(pfd);
		}
		free(parent);
	}
	close(fd);
	return mounted;
}
/* Every per-volume store opened must be as trustworthy as the master (storeguard.h).
 * One whose MIGSTATE is gone (an rd finished all but its directory) holds nothing. */
static int check_volume_stores(struct sw_store *s, char *err, size_t errsz)
{
	for (size_t i = 0; i < s->nvols; i++) {
		if (i == s->master || s->vol_fd[i] < 0)
			continue;
		int meta = openat(s->vol_fd[i], STORE_META,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (meta < 0 && errno == ENOENT)
			continue;
		char why[400];
		int bad = storeguard_check(meta, why, sizeof why);
		if (meta >= 0)
			close(meta);
		if (bad) {
			snprintf(err, errsz,
				 "the store of the volume mounted at %s (%s) cannot be trusted: %s "
				 "(another user could have written what it holds): nothing touched",
				 s->cat.vols[i].mount, s->vol_real[i], why);
			return -1;
		}
	}
	return 0;
}

static int open_volumes(struct sw_store *s)
{
	s->nvols = s->have_cat ? s->cat.nvols : 0;
	size_t n = s->nvols ? s->nvols : 1;
	s->vol_fd = malloc(n * sizeof *s->vol_fd);
	s->file_fd = malloc(n * sizeof *s->file_fd);
	s->vol_real = calloc(n, sizeof *s->vol_real);
	s->vol_unmounted = calloc(n, sizeof *s->vol_unmounted);
	if (!s->vol_fd || !s->file_fd || !s->vol_real || !s->vol_unmounted)
		return -1;
	for (size_t i = 0; i < n; i++)
		s->vol_fd[i] = s->file_fd[i] = -1;
	if (!s->nvols) {
		/* no catalog: only the master store is known */
		s->nvols = 1;
		s->vol_fd[0] = dup(s->store_fd);
		s->vol_real[0] = strdup(s->real);
		s->file_fd[0] = fs_open_dir(s->store_fd, "/" STORE_META "/" STORE_PAYLOAD);
		s->master = 0;
		return s->vol_real[0] ? 0 : -1;
	}
	for (size_t i = 0; i < s->nvols; i++) {
		const struct cat_vol_info *v = &s->cat.vols[i];
		if (i == s->master) {
			s->vol_fd[i] = dup(s->store_fd);
			s->vol_real[i] = strdup(s->real);
		} else if ((v->v.flags & CV_NO_STORE) || !v->store_dir || !*v->store_dir) {
			s->vol_real[i] = strdup("");
			continue; /* its files were copied into the master */
		} else {
			s->vol_fd[i] = fs_open_dir(s->rootfd, v->store_dir);
			s->vol_real[i] = join_root(s->root, v->store_dir);
			if (s->vol_fd[i] < 0 && !is_mounted(s->rootfd, v->mount))
				s->vol_unmounted[i] = true;
		}
		if (!s->vol_real[i])
			return -1;
		if (s->vol_fd[i] >= 0)
			s->file_fd[i] = fs_open_dir(s->vol_fd[i], "/" STORE_META "/" STORE_PAYLOAD);
	}
	return 0;
}

int sw_open(struct sw_store *s, const char *path, const char *root, unsigned flags, char *err,
	    size_t errsz, int *exit_code)
{
	char cerr[256];
	memset(s, 0, sizeof *s);
	s->store_fd = s->meta_fd = s->rootfd = -1;
	*exit_code = EXIT_BAD_STORE;
	s->arg = strdup(path);
	s->real = realpath(path, NULL);
	if (!s->arg || !s->real) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
	/* a store we may not enter is "not permitted", not "not a store" */
	int perr = 0, probe = open(s->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (probe < 0) {
		perr = errno;
	} else {
		int m = openat(probe, STORE_META, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (m < 0)
			perr = errno;
		else
			close(m);
		close(probe);
	}
	if (perr == EACCES || perr == EPERM) {
		snprintf(err, errsz, "%s: %s", path, strerror(perr));
		*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
	s->state = store_probe(s->real);
	if (s->state == SS_NONE || s->state == SS_FOREIGN) {
		snprintf(err, errsz,
			 "%s is not a migstate store (no %s/%s of ours): nothing touched", path,
			 STORE_META, STORE_ID_FILE);
		return -1;
	}
	s->store_fd = open(s->real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->store_fd >= 0)
		s->meta_fd = openat(s->store_fd, STORE_META,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->meta_fd < 0) {
		snprintf(err, errsz, "%s/%s: %s", path, STORE_META, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
	/* from here on the store is used through these descriptors: lock and check them */
	char why[400];
	if (!(flags & SW_NO_LOCK) && storeguard_lock(s->store_fd, why, sizeof why) != 0) {
		snprintf(err, errsz, "%s: %s", path, why);
		if (errno == EWOULDBLOCK)
			*exit_code = EXIT_STORE_BUSY;
		return -1;
	}
	if (storeguard_check(s->meta_fd, why, sizeof why) != 0) {
		snprintf(err, errsz, "%s cannot be trusted: %s (another user could have written "
			 "what it holds): nothing touched", path, why);
		return -1;
	}
	enum store_state held = store_get_state(s->meta_fd);
	if (held != SS_FOREIGN)
		s->state = held; /* what the opened store says (the probe went by name) */
	s->cat_name = "catalog";
	if (catr_open(s->meta_fd, "catalog", &s->cat, cerr, sizeof cerr) == 0) {
		s->have_cat = true;
	} else if ((flags & SW_ALLOW_PARTIAL) &&
		   catr_open_partial(s->meta_fd, &s->cat, err, errsz) == 0) {
		s->have_cat = true;
		s->cat_name = "catalog.partial";
	} else if (!(flags & SW_NO_CATALOG)) {
		snprintf(err, errsz, "%s: the store has no usable catalog (%s)", path, cerr);
		return -1;
	}
	if (s->have_cat) {
		if (sw_index_load(s, flags, err, errsz))
			return -1;
		for (size_t i = 0; i < s->cat.nvols; i++)
			if (s->cat.vols[i].v.flags & CV_MASTER)
				s->master = i;
	}
	if (root)
		s->root = realpath(root, NULL);
	else if (s->have_cat && s->cat.nvols > 0 &&
		 !(s->cat.vols[s->master].v.flags & CV_OUTSIDE_ROOT))
		s->root = derive_root(s->real, s->cat.vols[s->master].store_dir);
	if (!s->root && !root) {
		s->root = strdup("/");
		s->root_guessed = s->have_cat && s->cat.nvols > 1;
	}
	if (!s->root || (s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errsz, "root %s: %s", s->root ? s->root : "?", strerror(errno));
		return -1;
	}
	if (open_volumes(s) || !(s->dirs = calloc(s->nvols + 1, sizeof *s->dirs))) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t i = 0; i <= s->nvols; i++)
		fds_init(&s->dirs[i], i < s->nvols ? s->file_fd[i] : s->rootfd, 0);
	if (check_volume_stores(s, err, errsz))
		return -1;
	*exit_code = EXIT_OK;
	return 0;
}

void sw_close(struct sw_store *s)
{
	for (size_t i = 0; s->dirs && i <= s->nvols; i++)
		fds_free(&s->dirs[i]);
	free(s->dirs);
	for (size_t i = 0; i < s->nvols; i++) {
		if (s->vol_fd && s->vol_fd[i] >= 0)
			close(s->vol_fd[i]);
		if (s->file_fd && s->file_fd[i] >= 0)
			close(s->file_fd[i]);
		if (s->vol_real)
			free(s->vol_real[i]);
	}
	free(s->vol_fd);
	free(s->file_fd);
	free(s->vol_real);
	free(s->vol_unmounted);
	sw_index_free(s);
	if (s->have_cat)
		catr_close(&s->cat);
	if (s->meta_fd >= 0)
		close(s->meta_fd);
	if (s->store_fd >= 0)
		close(s->store_fd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s->real);
	free(s->arg);
	memset(s, 0, sizeof *s);
	s->store_fd = s->meta_fd = s->rootfd = -1;
}

/* A new fd of the parent of LOGICAL through directory stack K (based on BASE): records
 * come in walk order, so an open per new directory at any depth, instead of a
 * resolution of the whole path per record (one component at a time beyond PATH_MAX). */
static int stack_parent(const struct sw_store *s, size_t k, int base, const char *logical,
			const char **leaf)
{
	const char *slash = strrchr(logical, '/');
	if (!slash || !slash[1] || logical[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	*leaf = slash + 1;
	struct fdstack *st = &s->dirs[k];
	if (st->base != base) { /* the volume's directory was closed (rd) and opened anew */
		fds_free(st);
		fds_init(st, base, 0);
	}
	size_t len = slash > logical ? (size_t)(slash - logical) : 1;
	int fd = fds_goto(st, logical, len, NULL, NULL);
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int sw_payload_dir(const struct sw_store *s, const struct sw_rec *r, const char **leaf)
{
	if (r->r.volume >= s->nvols || s->file_fd[r->r.volume] < 0) {
		errno = ENOENT;
		return -1;
	}
	return stack_parent(s, r->r.volume, s->file_fd[r->r.volume], r->path, leaf);
}

int sw_open_parent(const struct sw_store *s, const char *logical, const char **leaf)
{
	return stack_parent(s, s->nvols, s->rootfd, logical, leaf);
}

int sw_open_dir(const struct sw_store *s, const char *logical)
{
	if (logical[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	int fd = fds_goto(&s->dirs[s->nvols], logical, strlen(logical), NULL, NULL);
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int sw_payload_stat(const struct sw_store *s, const struct sw_rec *r, struct stat *st)
{
	const char *leaf;
	int dfd = sw_payload_dir(s, r, &leaf);
	if (dfd < 0)
		return -1;
	int rc = fstatat(dfd, leaf, st, AT_SYMLINK_NOFOLLOW);
	int saved = errno;
	close(dfd);
	errno = saved;
	return rc;
}
