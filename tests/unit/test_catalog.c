/* test_catalog.c - the store catalog (runtime/catalog.c): what the writer streams the
 * reader gives back field for field; a committed catalog with any byte flipped or cut
 * at any length is refused before a record is returned; an interrupted one is readable
 * through catr_open_partial up to its last complete record. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "sha256.h"
#include "store.h"

static char dir[64];
static int meta = -1;

static void setup(void)
{
	strcpy(dir, "/tmp/migstate-ut-cat.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	meta = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(meta, 0);
}

static void teardown(void)
{
	unlinkat(meta, STORE_CATALOG, 0);
	unlinkat(meta, STORE_CATALOG_PARTIAL, 0);
	close(meta);
	rmdir(dir);
}

TestSuite(catalog, .init = setup, .fini = teardown);

static const unsigned char ruleset[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
					  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
					  23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

struct row {
	uint8_t type, action;
	uint16_t flags;
	uint32_t volume, src_volume, user;
	const char *path;
	const char *target;
};

static const struct row rows[] = {
    {CT_DIR, CA_RECORDED, CF_PARENT, 0, 0, 0, "/home", NULL},
    {CT_DIR, CA_RECORDED, CF_PARENT, 0, 0, 1, "/home/alice", NULL},
    {CT_FILE, CA_LINKED, 0, 0, 0, 1, "/home/alice/report.txt", NULL},
    {CT_FILE, CA_COPIED, CF_IMMUTABLE | CF_LOCKED, 0, 1, 1, "/data/a b\tc", NULL},
    {CT_FILE, CA_LINKED, CF_ENCRYPTED, 1, 1, 2, "/data/\xff\xfe-not-utf8\n", NULL},
    {CT_SYMLINK, CA_RECORDED, 0, 0, 0, 1, "/home/alice/latest", "report.txt"},
    {CT_FIFO, CA_RECORDED, 0, 0, 0, 1, "/home/alice/pipe", NULL},
    {CT_CHR, CA_RECORDED, 0, 0, 0, 0, "/dev/x", NULL},
};
#define NROWS (sizeof rows / sizeof rows[0])

static struct cat_record rec_of(const struct row *r, size_t i)
{
	struct cat_record c = {0};
	c.type = r->type;
	c.action = r->action;
	c.flags = r->flags;
	c.volume = r->volume;
	c.src_volume = r->src_volume;
	c.user = r->user;
	c.ino = 1000 + i;
	c.size = (uint64_t)i << 33;   /* above 32 bits */
	c.mtime_ns = -1 - (int64_t)i; /* before 1970 */
	c.atime_ns = 1700000000123456789 + (int64_t)i;
	c.ctime_ns = 42;
	c.mode = 0100644;
	c.uid = 1000;
	c.gid = 1001;
	c.nlink = 3;
	c.rule = (uint32_t)i;
	c.rdev = r->type == CT_CHR ? 0x0501 : 0;
	return c;
}

static void write_catalog(bool commit)
{
	struct cat_vol_info vols[2] = {
	    {{0x801, 27, CV_MASTER, 0xef53, 0}, "/", "/store"},
	    {{0x2a, 61, 0, 0x01021994, 0}, "/data", "/data/store"},
	};
	struct cat_user_info users[2] = {
	    {1000, 1000, "alice", "/home/alice", {NULL, "/home/alice/Docs"}},
	    {1001, 1001, "bob", "/home/bob", {0}},
	};
	struct cat_writer *w = catw_open_ex(meta, ruleset, vols, 2, users, 2);
	cr_assert_not_null(w);
	for (size_t i = 0; i < NROWS; i++) {
		struct cat_record c = rec_of(&rows[i], i);
		cr_assert_eq(catw_add_ex(w, &c, rows[i].path, rows[i].target), 0);
	}
	cr_assert_eq(catw_count(w), NROWS);
	if (commit)
		cr_assert_eq(catw_commit(w), 0);
	else
		catw_abort(w);
}

static void check_records(struct cat_reader *r, size_t n)
{
	struct cat_record c;
	char path[CAT_MAX_PATH + 1], target[256];
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(catr_next(r, &c, path, sizeof path), 1, "record %zu", i);
		struct cat_record want = rec_of(&rows[i], i);
		cr_expect_str_eq(path, rows[i].path, "path of record %zu", i);
		cr_expect_eq(c.path_len, strlen(rows[i].path));
		cr_expect_eq(c.type, want.type);
		cr_expect_eq(c.action, want.action);
		cr_expect_eq(c.flags, want.flags);
		cr_expect_eq(c.volume, want.volume);
		cr_expect_eq(c.src_volume, want.src_volume);
		cr_expect_eq(c.user, want.user);
		cr_expect_eq(c.ino, want.ino);
		cr_expect_eq(c.size, want.size);
		cr_expect_eq(c.mtime_ns, want.mtime_ns);
		cr_expect_eq(c.atime_ns, want.atime_ns);
		cr_expect_eq(c.ctime_ns, want.ctime_ns);
		cr_expect_eq(c.mode, want.mode);
		cr_expect_eq(c.uid, want.uid);
		cr_expect_eq(c.gid, want.gid);
		cr_expect_eq(c.nlink, want.nlink);
		cr_expect_eq(c.rule, want.rule);
		cr_expect_eq(c.rdev, want.rdev);
		size_t tl = catr_target(r, target, sizeof target);
		if (rows[i].target) {
			cr_expect_eq(tl, strlen(rows[i].target));
			cr_expect_str_eq(target, rows[i].target);
		} else {
			cr_expect_eq(tl, 0);
		}
	}
}

Test(catalog, round_trip)
{
	write_catalog(true);
	struct stat st;
	cr_assert_neq(fstatat(meta, STORE_CATALOG_PARTIAL, &st, 0), 0, "partial renamed away");
	struct cat_reader r;
	char err[256];
	cr_assert_eq(catr_open(meta, NULL, &r, err, sizeof err), 0, "%s", err);
	cr_expect_eq(memcmp(r.ruleset, ruleset, 32), 0);
	cr_expect_eq(r.nrecords, NROWS);
	cr_expect_eq(r.nvols, 2);
	cr_expect_str_eq(r.vols[1].mount, "/data");
	cr_expect_str_eq(r.vols[1].store_dir, "/data/store");
	cr_expect_eq(r.vols[0].v.flags, CV_MASTER);
	cr_expect_eq(r.vols[1].v.mnt_id, 61);
	cr_expect_eq(r.vols[1].v.fs_magic, 0x01021994);
	cr_expect_eq(r.nusers, 2);
	cr_expect_str_eq(r.users[0].name, "alice");
	cr_expect_str_eq(r.users[0].home, "/home/alice");
	cr_expect_str_eq(r.users[0].xdg[1], "/home/alice/Docs");
	cr_expect_str_eq(r.users[0].xdg[0], "");
	cr_expect_eq(r.users[1].uid, 1001);
	cr_expect_gt(r.created, 1600000000);
	check_records(&r, NROWS);
	struct cat_record c;
	char p[16];
	cr_expect_eq(catr_next(&r, &c, p, sizeof p), 0, "end");
	catr_rewind(&r);
	cr_expect_eq(catr_next(&r, &c, p, sizeof p), 1, "rewound");
	cr_expect_str_eq(p, "/home", "first record after rewind");
	catr_close(&r);
}

Test(catalog, short_path_buffer_truncates)
{
	write_catalog(true);
	struct cat_reader r;
	char err[256], p[6];
	struct cat_record c;
	cr_assert_eq(catr_open(meta, NULL, &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(catr_next(&r, &c, p, sizeof p), 1);
	cr_expect_str_eq(p, "/home");
	cr_assert_eq(catr_next(&r, &c, p, sizeof p), 1);
	cr_expect_str_eq(p, "/home", "cut to the buffer");
	cr_expect_eq(c.path_len, strlen("/home/alice"));
	catr_close(&r);
}

static unsigned char *slurp(const char *name, size_t *n)
{
	int fd = openat(meta, name, O_RDONLY);
	cr_assert_geq(fd, 0);
	struct stat st;
	fstat(fd, &st);
	unsigned char *b = malloc((size_t)st.st_size);
	cr_assert_eq(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return b;
}

static void put_file(const char *name, const unsigned char *b, size_t n)
{
	int fd = openat(meta, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, b, n), (ssize_t)n);
	close(fd);
}

Test(catalog, every_flipped_byte_is_refused)
{
	write_catalog(true);
	size_t n;
	unsigned char *b = slurp(STORE_CATALOG, &n);
	for (size_t i = 0; i < n; i++) {
		b[i] ^= 0x20;
		put_file(STORE_CATALOG, b, n);
		struct cat_reader r;
		char err[256];
		cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0, "byte %zu flipped", i);
		b[i] ^= 0x20;
	}
	free(b);
}

Test(catalog, every_truncation_is_refused)
{
	write_catalog(true);
	size_t n;
	unsigned char *b = slurp(STORE_CATALOG, &n);
	for (size_t len = 0; len < n; len++) {
		put_file(STORE_CATALOG, b, len);
		struct cat_reader r;
		char err[256];
		cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0, "cut at %zu", len);
	}
	free(b);
}

/* Re-seal a modified catalog with a correct hash, so only the structural checks apply. */
static void reseal(unsigned char *b, size_t n)
{
	sha256(b, n - 32, b + n - 32);
	put_file(STORE_CATALOG, b, n);
}

Test(catalog, structure_checked_behind_a_good_hash)
{
	write_catalog(true);
	size_t n;
	unsigned char *b = slurp(STORE_CATALOG, &n);
	struct cat_reader r;
	char err[256];
	/* another major version */
	b[8] = 9;
	reseal(b, n);
	cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0);
	cr_expect(strstr(err, "format") != NULL, "%s", err);
	b[8] = CAT_MAJOR;
	/* a later minor version is read */
	b[10] = 7;
	reseal(b, n);
	cr_expect_eq(catr_open(meta, NULL, &r, err, sizeof err), 0, "%s", err);
	catr_close(&r);
	b[10] = CAT_MINOR;
	/* reserved header word */
	b[12] = 1;
	reseal(b, n);
	cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0);
	b[12] = 0;
	/* the record count in the trailer */
	b[n - 32 - 8] ^= 1;
	reseal(b, n);
	cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0);
	cr_expect(strstr(err, "count") != NULL, "%s", err);
	b[n - 32 - 8] ^= 1;
	reseal(b, n);
	cr_expect_eq(catr_open(meta, NULL, &r, err, sizeof err), 0, "restored: %s", err);
	catr_close(&r);
	free(b);
}

Test(catalog, bad_record_fields_are_refused)
{
	struct cat_vol_info vol = {{1, 1, CV_MASTER, 0, 0}, "/", "/store"};
	struct {
		struct cat_record c;
		const char *what;
	} bad[] = {
	    {{.type = 9, .action = CA_LINKED}, "type"},
	    {{.type = CT_FILE, .action = 7}, "action"},
	    {{.type = CT_FILE, .volume = 1}, "volume index"},
	    {{.type = CT_FILE, .src_volume = 5}, "source volume index"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cat_writer *w = catw_open(meta, ruleset, &vol, 1);
		cr_assert_not_null(w);
		struct cat_record ok = {.type = CT_FILE};
		cr_assert_eq(catw_add(w, &ok, "/ok"), 0);
		cr_assert_eq(catw_add(w, &bad[i].c, "/bad"), 0);
		cr_assert_eq(catw_commit(w), 0);
		struct cat_reader r;
		char err[256];
		cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0, "bad %s accepted",
			      bad[i].what);
	}
	/* a target on anything but a symlink */
	struct cat_writer *w = catw_open(meta, ruleset, &vol, 1);
	struct cat_record f = {.type = CT_FILE};
	cr_assert_eq(catw_add_ex(w, &f, "/f", "target"), 0);
	cr_assert_eq(catw_commit(w), 0);
	struct cat_reader r;
	char err[256];
	cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0, "file with a target accepted");
	/* the writer refuses what it could not encode */
	w = catw_open(meta, ruleset, &vol, 1);
	cr_expect_neq(catw_add(w, &f, ""), 0, "empty path");
	char *longp = malloc(CAT_MAX_PATH + 2);
	memset(longp, 'a', CAT_MAX_PATH + 1);
	longp[CAT_MAX_PATH + 1] = 0;
	cr_expect_neq(catw_add(w, &f, longp), 0, "path over the limit");
	free(longp);
	catw_abort(w);
}

Test(catalog, empty_catalog)
{
	struct cat_vol_info vol = {{1, 1, CV_MASTER, 0, 0}, "/", "/store"};
	struct cat_writer *w = catw_open(meta, ruleset, &vol, 1);
	cr_assert_not_null(w);
	cr_assert_eq(catw_commit(w), 0);
	struct cat_reader r;
	char err[256];
	struct cat_record c;
	cr_assert_eq(catr_open(meta, STORE_CATALOG, &r, err, sizeof err), 0, "%s", err);
	cr_expect_eq(r.nrecords, 0);
	cr_expect_eq(r.nusers, 0);
	cr_expect_eq(catr_next(&r, &c, err, sizeof err), 0);
	catr_close(&r);
}

Test(catalog, interrupted_scan_is_partial)
{
	write_catalog(false); /* catw_abort: flushed, never committed */
	struct cat_reader r;
	char err[256];
	cr_expect_neq(catr_open(meta, NULL, &r, err, sizeof err), 0, "no committed catalog");
	cr_assert_eq(catr_open_partial(meta, &r, err, sizeof err), 0, "%s", err);
	cr_expect(r.partial);
	cr_expect_eq(r.nrecords, NROWS);
	cr_expect_eq(r.nusers, 2);
	check_records(&r, NROWS);
	catr_close(&r);
	/* cut anywhere: the records before the cut are read, never a broken one */
	size_t n;
	unsigned char *b = slurp(STORE_CATALOG_PARTIAL, &n);
	size_t prev = 0;
	for (size_t len = n; len > 0; len--) {
		put_file(STORE_CATALOG_PARTIAL, b, len);
		if (catr_open_partial(meta, &r, err, sizeof err) != 0)
			continue; /* the header itself is cut */
		cr_expect_leq(r.nrecords, NROWS);
		if (prev)
			cr_expect_leq(r.nrecords, prev, "fewer records as the file gets shorter");
		prev = r.nrecords ? r.nrecords : 1;
		check_records(&r, r.nrecords);
		catr_close(&r);
	}
	free(b);
}

Test(catalog, large_catalog_streams)
{
	struct cat_vol_info vol = {{1, 1, CV_MASTER, 0, 0}, "/", "/store"};
	struct cat_writer *w = catw_open(meta, ruleset, &vol, 1);
	char p[64];
	for (unsigned i = 0; i < 20000; i++) {
		struct cat_record c = {.type = CT_FILE, .ino = i};
		snprintf(p, sizeof p, "/data/dir-%u/file-%u", i / 100, i);
		cr_assert_eq(catw_add(w, &c, p), 0);
		if (i == 5000)
			cr_assert_eq(catw_flush(w), 0);
	}
	cr_assert_eq(catw_commit(w), 0);
	struct cat_reader r;
	char err[256];
	cr_assert_eq(catr_open(meta, NULL, &r, err, sizeof err), 0, "%s", err);
	cr_expect_eq(r.nrecords, 20000);
	struct cat_record c;
	unsigned i = 0;
	while (catr_next(&r, &c, err, sizeof err) == 1) {
		snprintf(p, sizeof p, "/data/dir-%u/file-%u", i / 100, i);
		cr_expect_str_eq(err, p);
		cr_expect_eq(c.ino, i);
		i++;
	}
	cr_expect_eq(i, 20000);
	catr_close(&r);
}
