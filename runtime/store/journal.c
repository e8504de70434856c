/* journal.c - the restore journal: load appends, rd and verify read it sorted in
 * walk order (journal.h). */
#include "journal.h"

#include <stdio_ext.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineesc.h"
#include "storewalk.h"

/* A sorted entry: u32 volume, u32 path length, the path, the destination (no NULs). */
#define JREC_HEAD 8u

static int jrec_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	uint32_t av, bv, al, bl;
	(void)an;
	(void)bn;
	memcpy(&av, a, 4);
	memcpy(&al, a + 4, 4);
	memcpy(&bv, b, 4);
	memcpy(&bl, b + 4, 4);
	int c = sw_path_cmp((const char *)a + JREC_HEAD, al, (const char *)b + JREC_HEAD, bl);
	if (c)
		return c;
	return av < bv ? -1 : av > bv;
}

int sw_journal_open(int meta_fd, int tmpdir, struct sw_journal *j)
{
	memset(j, 0, sizeof *j);
	j->tmpdir = tmpdir;
	j->fd = openat(meta_fd, SW_JOURNAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (j->fd < 0)
		return errno == ENOENT ? 0 : -1;
	return 0;
}

/* Read the journal into the sorter: lines as load writes them; a torn last line (a
 * crash while appending) ends it, a malformed line is skipped. */
static void journal_load(struct sw_journal *j)
{
	/* budget: the sorter's memory for a journal of any length */
	xs_init(&j->xs, j->tmpdir, (size_t)2 << 20, jrec_cmp);
	j->loaded = true;
	FILE *f = j->fd >= 0 ? fdopen(j->fd, "r") : NULL;
	if (!f) {
		if (j->fd >= 0)
			close(j->fd);
		j->fd = -1;
		xs_rewind(&j->xs);
		return;
	}
	j->fd = -1; /* f owns it */
	char *line = NULL, *rec = NULL;
	size_t lcap = 0, rcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;
		line[len - 1] = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = 0;
		char *end;
		unsigned long vol = strtoul(line, &end, 10);
		if (*end || !lineesc_decode(t1 + 1) || !lineesc_decode(t2 + 1))
			continue;
		size_t pl = strlen(t1 + 1), dl = strlen(t2 + 1);
		if (pl > UINT32_MAX || JREC_HEAD + pl + dl > rcap) {
			size_t nc = JREC_HEAD + pl + dl + 64;
			char *q = pl > UINT32_MAX ? NULL : realloc(rec, nc);
			if (!q) {
				j->err = ENOMEM;
				break;
			}
			rec = q;
			rcap = nc;
		}
		uint32_t v32 = (uint32_t)vol, p32 = (uint32_t)pl;
		memcpy(rec, &v32, 4);
		memcpy(rec + 4, &p32, 4);
		memcpy(rec + JREC_HEAD, t1 + 1, pl);
		memcpy(rec + JREC_HEAD + pl, t2 + 1, dl);
		if (xs_put(&j->xs, rec, JREC_HEAD + pl + dl) != 0) {
			j->err = errno ? errno : EIO;
			break;
		}
	}
	if (!j->err && ferror(f))
		j->err = errno ? errno : EIO;
	free(rec);
	free(line);
	fclose(f);
	if (xs_rewind(&j->xs) != 0 && !j->err)
		j->err = errno ? errno : EIO;
}

int sw_journal_load(struct sw_journal *j)
{
	if (!j->loaded)
		journal_load(j);
	return j->err ? -1 : 0;
}

void sw_journal_rewind(struct sw_journal *j)
{
	if (j->loaded && xs_rewind(&j->xs) != 0 && !j->err)
		j->err = errno ? errno : EIO;
	j->have = j->eof = j->have_la = false;
	j->gn = 0;
}

/* Append the entry REC to the group at hand. */
static int group_add(struct sw_journal *j, const unsigned char *rec, size_t n)
{
	uint32_t vol, pl;
	memcpy(&vol, rec, 4);
	memcpy(&pl, rec + 4, 4);
	size_t dl = n - JREC_HEAD - pl;
	if (j->gn == j->gcap) {
		size_t nc = j->gcap ? j->gcap * 2 : 8;
		uint32_t *v = realloc(j->gvol, nc * sizeof *v);
		if (v)
			j->gvol = v;
		size_t *d = v ? realloc(j->gdest, nc * sizeof *d) : NULL;
		if (!d)
			return -1;
		j->gdest = d;
		j->gcap = nc;
	}
	if (j->gdlen + dl + 1 > j->gdcap) {
		size_t nc = j->gdcap ? j->gdcap : 256;
		while (nc < j->gdlen + dl + 1)
			nc *= 2;
		char *q = realloc(j->gdests, nc);
		if (!q)
			return -1;
		j->gdests = q;
		j->gdcap = nc;
	}
	if (!j->gn) {
		if (pl + 1 > j->gpcap) {
			char *q = realloc(j->gpath, pl + 1);
			if (!q)
				return -1;
			j->gpath = q;
			j->gpcap = pl + 1;
		}
		memcpy(j->gpath, rec + JREC_HEAD, pl);
		j->gpath[pl] = 0;
		j->glen = pl;
	}
	j->gvol[j->gn] = vol;
	j->gdest[j->gn++] = j->gdlen;
	memcpy(j->gdests + j->gdlen, rec + JREC_HEAD + pl, dl);
	j->gdests[j->gdlen + dl] = 0;
	j->gdlen += dl + 1;
	return 0;
}

/* Read the next sorted entry into la (a copy: the sorter's is gone at the next get). */
static bool fetch_ahead(struct sw_journal *j)
{
	size_t n;
	const unsigned char *r = j->eof ? NULL : xs_get(&j->xs, &n);
	if (!r) {
		if (!j->eof && j->xs.err && !j->err)
			j->err = j->xs.err;
		j->eof = true;
		return false;
	}
	if (n > j->lacap) {
		unsigned char *q = realloc(j->la, n);
		if (!q) {
			j->err = ENOMEM;
			j->eof = true;
			return false;
		}
		j->la = q;
		j->lacap = n;
	}
	memcpy(j->la, r, n);
	j->lan = n;
	return j->have_la = true;
}

/* The next group: every entry of the next payload path. The entry after it stays read
 * ahead in la and starts the following group. */
static bool group_next(struct sw_journal *j)
{
	j->gn = 0;
	j->gdlen = 0;
	j->have = false;
	if (!j->have_la && !fetch_ahead(j))
		return false;
	do {
		uint32_t pl;
		memcpy(&pl, j->la + 4, 4);
		if (j->gn &&
		    sw_path_cmp(j->gpath, j->glen, (const char *)j->la + JREC_HEAD, pl) != 0)
			break;
		if (group_add(j, j->la, j->lan) != 0) {
			j->err = ENOMEM;
			j->eof = true;
			break;
		}
		j->have_la = false;
	} while (fetch_ahead(j));
	return j->have = j->gn > 0;
}

size_t sw_journal_find(struct sw_journal *j, uint32_t vol, const char *path, size_t len,
		       const char *const **dests)
{
	if (!j->loaded)
		journal_load(j);
	for (;;) {
		if (!j->have && !group_next(j))
			return 0;
		int c = sw_path_cmp(j->gpath, j->glen, path, len);
		if (c > 0)
			return 0;
		if (c == 0)
			break;
		j->have = false;
	}
	if (j->gn > j->outcap) {
		const char **q = realloc(j->out, j->gn * sizeof *q);
		if (!q) {
			j->err = ENOMEM;
			return 0;
		}
		j->out = q;
		j->outcap = j->gn;
	}
	size_t n = 0;
	for (size_t i = 0; i < j->gn; i++)
		if (j->gvol[i] == vol)
			j->out[n++] = j->gdests + j->gdest[i];
	*dests = j->out;
	return n;
}

void sw_journal_close(struct sw_journal *j)
{
	if (j->loaded)
		xs_free(&j->xs);
	if (j->fd >= 0)
		close(j->fd);
	free(j->gpath);
	free(j->gvol);
	free(j->gdest);
	free(j->gdests);
	free(j->la);
	free(j->out);
	memset(j, 0, sizeof *j);
	j->fd = -1;
}

FILE *sw_journal_append(int meta_fd)
{
	int fd =
	    openat(meta_fd, SW_JOURNAL, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	/* a run killed mid-line left a torn last line: end it with a bare backslash (an
	 * escape the reader refuses, so it skips that line) rather than glue this run's
	 * first entry onto it */
	struct stat st;
	char last;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n' && write(fd, "\\\n", 2) != 2) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "a");
	if (!f)
		close(fd);
	return f;
}

int sw_journal_add(FILE *f, uint32_t vol, const char *path, const char *dest)
{
	if (!f)
		return 0;
	fprintf(f, "%u\t", vol);
	lineesc_put(f, path);
	fputc('\t', f);
	lineesc_put(f, dest);
	fputc('\n', f);
	/* written a buffer at a time (one write per file cost load a tenth of its time): a
	 * crash loses the lines not written yet, and rd then keeps what they would have
	 * shown restored (the safe side); load's next run records them again */
	return !ferror(f) ? 0 : -1;
}

void sw_journal_drop(FILE *f)
{
	__fpurge(f);
	fclose(f);
}
