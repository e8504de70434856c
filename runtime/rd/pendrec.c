/* pendrec.c - pending records: what rd could not remove now, kept outside the store
 * for `rd --pending` (see pendrec.h). */
#include "pendrec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "lineesc.h"
#include "logging.h"
#include "sha256.h"
#include "storeguard.h"
#include "storeparent.h"

#define PENDING_MAGIC "migstate-pending 1"

const char *rd_pending_dir(const struct rd_opts *o)
{
	if (o->pending_dir)
		return o->pending_dir;
	const char *e = getenv(RD_PENDING_ENV);
	return e && *e ? e : RD_PENDING_DEFAULT;
}

void pendrec_name(const char *store_real, char out[80])
{
	unsigned char h[32];
	char hex[65];
	sha256(store_real, strlen(store_real), h);
	sha256_hex(h, hex);
	snprintf(out, 80, "%.32s.pending", hex);
}

static int mkdir_p(const char *path);

/* Open the pending directory, made (root's, 0700) when CREATE and missing. Records
 * there tell the boot-time rd what to remove, so the directory is checked like a store:
 * its path by storeparent_check, itself owned by us and writable by nobody else.
 * -1 with errno (ENOENT: absent) and WHY; *UNTRUSTED when it is not safe. */
int pendrec_dir_open(const char *dir, bool create, bool *untrusted, char *why, size_t whysz)
{
	*untrusted = false;
	int rc = storeparent_check(dir, geteuid(), why, whysz);
	if (rc > 0) {
		*untrusted = true;
		errno = EPERM;
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT && create) {
		if (mkdir_p(dir) != 0)
			return -1;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (dfd < 0) {
		snprintf(why, whysz, "%s", strerror(errno));
		return -1;
	}
	struct stat st;
	char r[160];
	if (fstat(dfd, &st) != 0 || storeguard_unsafe_stat(&st, r, sizeof r)) {
		snprintf(why, whysz, "%s", r);
		close(dfd);
		*untrusted = true;
		errno = EPERM;
		return -1;
	}
	return dfd;
}

static int mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return -1;
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*q = '/';
	}
	int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

int pendrec_write(const char *dir, const struct sw_store *s, struct spill *entries, size_t n,
		  bool lost)
{
	char name[80];
	pendrec_name(s->real, name);
	if (lost) {
		/* a shorter record would let `rd --pending` forget entries; keep what it had */
		errno = entries->err ? entries->err : ENOMEM;
		return -1;
	}
	char why[400];
	bool untrusted;
	int dfd = pendrec_dir_open(dir, n > 0, &untrusted, why, sizeof why);
	if (dfd < 0 && errno == ENOENT && n == 0)
		return 0;
	if (dfd < 0) {
		fprintf(stderr, "migstate rd: the pending directory %s: %s\n", dir, why);
		return -1;
	}
	if (n == 0) {
		unlinkat(dfd, name, 0);
		close(dfd);
		return 0;
	}
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		close(dfd);
		return -1;
	}
	fprintf(f, "%s\nstore\t", PENDING_MAGIC);
	lineesc_put(f, s->real);
	fputs("\nroot\t", f);
	lineesc_put(f, s->root);
	fputc('\n', f);
	/* the one store instance this record is about: a later store at the same path is
	 * another store, never removed by `rd --pending` */
	char id[STORE_INSTANCE_HEX + 1];
	struct stat top;
	if (store_get_instance(s->meta_fd, id) == 0)
		fprintf(f, "id\t%s\n", id);
	if (fstat(s->store_fd, &top) == 0)
		fprintf(f, "dev\t%llu\nino\t%llu\n", (unsigned long long)top.st_dev,
			(unsigned long long)top.st_ino);
	int rc = spill_rewind(entries);
	size_t len;
	for (const unsigned char *p; rc == 0 && (p = spill_get(entries, &len));) {
		fputs("entry\t", f);
		lineesc_put(f, (const char *)p);
		fputc('\n', f);
	}
	if (entries->err)
		rc = -1;
	if (fflush(f) || fsync(fileno(f)))
		rc = -1;
	if (fclose(f))
		rc = -1;
	if (rc == 0)
		rc = fs_renameat(dfd, tmp, dfd, name);
	if (rc == 0)
		fsync(dfd);
	close(dfd);
	return rc;
}

void pendrec_free(struct pending_rec *p)
{
	free(p->store);
	free(p->root);
	memset(p, 0, sizeof *p);
}

/* Read a pending record (never through a symlink, only a regular file of ours). */
int pendrec_read(int dfd, const char *name, struct pending_rec *p)
{
	memset(p, 0, sizeof *p);
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char r[160];
	if (fd >= 0 && (fstat(fd, &st) != 0 || storeguard_unsafe_stat(&st, r, sizeof r) ||
			!S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool magic = false, have_dev = false, have_ino = false;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (!magic) {
			magic = !strcmp(line, PENDING_MAGIC);
			if (!magic)
				break;
			continue;
		}
		char *tab = strchr(line, '\t');
		if (!tab || !lineesc_decode(tab + 1))
			continue;
		*tab = 0;
		const char *v = tab + 1;
		char *end;
		if (!strcmp(line, "store") && !p->store)
			p->store = strdup(v);
		else if (!strcmp(line, "root") && !p->root)
			p->root = strdup(v);
		else if (!strcmp(line, "id") && strlen(v) == STORE_INSTANCE_HEX)
			memcpy(p->id, v, STORE_INSTANCE_HEX + 1);
		else if (!strcmp(line, "dev") && *v) {
			p->dev = strtoull(v, &end, 10);
			have_dev = !*end;
		} else if (!strcmp(line, "ino") && *v) {
			p->ino = strtoull(v, &end, 10);
			have_ino = !*end;
		}
	}
	p->have_top = have_dev && have_ino;
	free(line);
	fclose(f);
	if (!magic || !p->store || !p->root) {
		pendrec_free(p);
		return -1;
	}
	return 0;
}

/* Is the opened store S the very store record P was written for, still being removed?
 * NULL when it is, else why not. */
const char *pendrec_mismatch(const struct sw_store *s, const struct pending_rec *p)
{
	char id[STORE_INSTANCE_HEX + 1];
	struct stat top;
	if (s->state != SS_REMOVING)
		return "the store there is not being removed (a newer store at the same path?)";
	if (p->id[0] && (store_get_instance(s->meta_fd, id) != 0 || strcmp(id, p->id) != 0))
		return "the store there is another store than the record's (its id differs)";
	if (p->have_top &&
	    (fstat(s->store_fd, &top) != 0 || top.st_dev != p->dev || top.st_ino != p->ino))
		return "the store there is another directory than the record's";
	return NULL;
}

/* Set record NAME aside as NAME.retired (replacing an older one): it is about a store
 * that no longer exists at its path. Kept for the administrator, never run again. */
int pendrec_retire_at(int dfd, const char *name)
{
	char ret[128];
	snprintf(ret, sizeof ret, "%s.retired", name);
	return fs_renameat(dfd, name, dfd, ret);
}

void rd_pending_retire(const char *store_real, struct rlog *log)
{
	const char *dir = rd_pending_dir(&(struct rd_opts){0});
	char name[80], why[400];
	bool untrusted;
	pendrec_name(store_real, name);
	int dfd = pendrec_dir_open(dir, false, &untrusted, why, sizeof why);
	if (dfd < 0)
		return; /* none (or untrusted: rd --pending refuses it too) */
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (pendrec_retire_at(dfd, name) == 0)
			rlog_msg(log, RL_WARN,
				 "the pending deletions recorded for an earlier store at this path "
				 "(%s/%s) belong to the store this scan replaced: set aside as "
				 "%s.retired, "
				 "never run; remove what it lists by hand if it is still there",
				 rlog_esc(log, dir), name, name);
		else
			rlog_msg(log, RL_ERROR,
				 "cannot set aside the pending record %s/%s of an earlier store at "
				 "this path: %s ('rd --pending' will refuse this store anyway)",
				 rlog_esc(log, dir), name, strerror(errno));
	}
	close(dfd);
}
