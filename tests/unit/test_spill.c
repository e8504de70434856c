/* test_spill.c - load's record lists (runtime/spill.c): what goes in comes back in
 * order, byte for byte, whether it stayed in memory or moved to the temporary file,
 * including records larger than the budget and the read buffer; the directory table
 * (runtime/dirmeta.c) keeps one metadata entry for several names and marks what was
 * restored into. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirmeta.h"
#include "spill.h"

/* Record I: its length varies (empty, small, past the budget) and its bytes say I. */
static size_t rec_len(unsigned i)
{
	return i % 97 == 0 ? 5000 + i : i % 13;
}

static void rec_fill(unsigned i, unsigned char *b)
{
	for (size_t k = 0; k < rec_len(i); k++)
		b[k] = (unsigned char)(i * 31 + k);
}

static void roundtrip(size_t budget, unsigned n, bool want_file)
{
	struct spill s;
	unsigned char want[8192];
	spill_init(&s, -1, budget);
	for (unsigned i = 0; i < n; i++) {
		rec_fill(i, want);
		cr_assert_eq(spill_put(&s, want, rec_len(i)), 0, "put %u", i);
	}
	cr_assert_eq(spill_in_file(&s), want_file);
	cr_assert_eq(spill_rewind(&s), 0);
	cr_assert_eq(spill_put(&s, "x", 1), -1, "no put while reading");
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		unsigned char *got = spill_get(&s, &len);
		cr_assert_not_null(got, "record %u (err %d)", i, s.err);
		cr_assert_eq(len, rec_len(i), "length of %u", i);
		rec_fill(i, want);
		cr_assert_eq(memcmp(got, want, len), 0, "bytes of %u", i);
	}
	size_t len;
	cr_assert_null(spill_get(&s, &len));
	cr_assert_eq(s.err, 0);
	spill_free(&s);
}

Test(spill, in_memory) { roundtrip(1u << 20, 500, false); }

Test(spill, in_a_file) { roundtrip(256, 3000, true); }

/* Readers of their own (scan's item list): two at once see every record in order, a
 * record built by spill_put2 comes back whole, and a rewrite of the record a reader is
 * at is what the next reader sees. */
static void cursors(size_t budget, unsigned n, bool want_file)
{
	struct spill s;
	unsigned char want[8192];
	spill_init(&s, -1, budget);
	for (unsigned i = 0; i < n; i++) {
		rec_fill(i, want);
		size_t half = rec_len(i) / 2;
		cr_assert_eq(spill_put2(&s, want, half, want + half, rec_len(i) - half), 0);
	}
	cr_assert_eq(spill_in_file(&s), want_file);
	struct spill_cur a, b;
	cr_assert_eq(spill_cur_open(&a, &s), 0);
	cr_assert_eq(spill_cur_open(&b, &s), 0);
	for (unsigned i = 0; i < n; i++) {
		size_t la, lb;
		unsigned char *ga = spill_cur_get(&a, &la);
		cr_assert_not_null(ga, "a: record %u (err %d)", i, a.err);
		rec_fill(i, want);
		cr_assert_eq(la, rec_len(i));
		cr_assert_eq(memcmp(ga, want, la), 0, "a: bytes of %u", i);
		if (la)
			cr_assert_eq(spill_cur_rewrite(&a, 0, "Z", 1), 0);
		unsigned char *gb = spill_cur_get(&b, &lb);
		cr_assert_not_null(gb, "b: record %u", i);
		cr_assert_eq(lb, la);
	}
	size_t len;
	cr_assert_null(spill_cur_get(&a, &len));
	cr_assert_eq(a.err, 0);
	spill_cur_close(&a);
	spill_cur_close(&b);
	struct spill_cur c;
	cr_assert_eq(spill_cur_open(&c, &s), 0);
	for (unsigned i = 0; i < n; i++) {
		unsigned char *g = spill_cur_get(&c, &len);
		cr_assert_not_null(g);
		rec_fill(i, want);
		if (len)
			want[0] = 'Z';
		cr_assert_eq(memcmp(g, want, len), 0, "rewritten bytes of %u", i);
	}
	spill_cur_close(&c);
	spill_free(&s);
}

Test(spill, cursors_in_memory) { cursors(1u << 20, 500, false); }

Test(spill, cursors_in_a_file) { cursors(256, 3000, true); }

Test(dirmeta, names_share_metadata)
{
	struct dirmeta d = {0};
	struct dir_meta m = {.ino = 7, .uid = 1001, .gid = 1001, .mode = 040700};
	uint32_t i = dm_add_meta(&d, &m);
	cr_assert_neq(i, DM_NONE);
	cr_assert_eq(dm_put(&d, "/home/a/Old", i, false), 1);
	cr_assert_eq(dm_put(&d, "/home/a/New", i, false), 1);
	cr_assert_eq(dm_put(&d, "/home/a/New", DM_NONE - 1, false), 0, "not replaced");
	cr_assert_eq(dm_find(&d, "/home/a/New"), i);
	cr_assert_eq(dm_meta(&d, dm_find(&d, "/home/a/Old"))->ino, 7);
	cr_assert_eq(dm_find(&d, "/home/a"), DM_NONE);
	char p[64];
	for (int k = 0; k < 5000; k++) { /* past a few table growths */
		snprintf(p, sizeof p, "/d/%d", k);
		cr_assert_eq(dm_put(&d, p, i, false), 1);
	}
	cr_assert_eq(dm_find(&d, "/home/a/Old"), i);
	cr_assert_eq(dm_touch(&d, "/home/a/New"), 1);
	cr_assert_eq(dm_touch(&d, "/home/a/New"), 0);
	cr_assert_eq(dm_touch(&d, "/nowhere"), -1);
	dm_free(&d);
}
