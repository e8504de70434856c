/* test_extsort.c - the bounded-memory pieces rd, verify and du read the store with:
 * the external sort (runtime/extsort.c) returns every record in order, stably, whether
 * it stayed in memory, went to one merge or needed several passes, and again after a
 * rewind; walk order of logical paths (sw_path_cmp); the restore journal read in that
 * order (sw_journal_find), from a journal of several load runs. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extsort.h"
#include "storewalk.h"

/* Records: a 4-byte key (compared) then a 4-byte sequence number and some padding. */
static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	(void)an;
	(void)bn;
	uint32_t x, y;
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x < y ? -1 : x > y;
}

static void sort_check(size_t budget, unsigned n, bool want_file)
{
	struct xsort x;
	xs_init(&x, -1, budget, key_cmp);
	unsigned char rec[600];
	for (unsigned i = 0; i < n; i++) {
		uint32_t key = (i * 2654435761u) % 1000; /* many equal keys */
		size_t len = 8 + (i % 7 == 0 ? 500 : i % 5);
		memset(rec, (int)(i & 0xff), sizeof rec);
		memcpy(rec, &key, 4);
		memcpy(rec + 4, &i, 4);
		cr_assert_eq(xs_put(&x, rec, len), 0, "put %u", i);
	}
	cr_assert_eq(xs_in_file(&x), want_file);
	for (int pass = 0; pass < 2; pass++) {
		cr_assert_eq(xs_rewind(&x), 0);
		uint32_t pk = 0, pseq = 0;
		unsigned got = 0;
		size_t len;
		const unsigned char *p;
		while ((p = xs_get(&x, &len))) {
			uint32_t key, seq;
			memcpy(&key, p, 4);
			memcpy(&seq, p + 4, 4);
			cr_assert_eq(len, 8 + (seq % 7 == 0 ? 500 : seq % 5), "length of %u", seq);
			if (len > 8)
				cr_assert_eq(p[len - 1], (unsigned char)(seq & 0xff), "bytes of %u",
					     seq);
			if (got) {
				cr_assert(key > pk || (key == pk && seq > pseq),
					  "order: %u/%u after %u/%u", key, seq, pk, pseq);
			}
			pk = key;
			pseq = seq;
			got++;
		}
		cr_assert_eq(x.err, 0);
		cr_assert_eq(got, n, "pass %d: %u of %u records", pass, got, n);
	}
	cr_assert_eq(xs_put(&x, rec, 8), -1, "no put while reading");
	xs_free(&x);
}

Test(extsort, in_memory)
{
	sort_check(1u << 20, 3000, false);
}

Test(extsort, one_merge)
{
	sort_check(16384, 3000, true);
}

Test(extsort, several_passes)
{
	sort_check(512, 20000, true);
}

Test(extsort, empty)
{
	struct xsort x;
	size_t n;
	xs_init(&x, -1, 4096, key_cmp);
	cr_assert_eq(xs_rewind(&x), 0);
	cr_assert_null(xs_get(&x, &n));
	xs_free(&x);
}

static int pc(const char *a, const char *b)
{
	return sw_path_cmp(a, strlen(a), b, strlen(b));
}

Test(storewalk, path_order)
{
	cr_assert_lt(pc("/a", "/a/b"), 0);
	cr_assert_lt(pc("/a/b", "/a.txt"), 0); /* a's contents before the next name */
	cr_assert_lt(pc("/a/zzz", "/a!"), 0);
	cr_assert_lt(pc("/a b/c", "/a!"), 0); /* ' ' < '!' */
	cr_assert_lt(pc("/a/b", "/a0"), 0);
	cr_assert_gt(pc("/b", "/a/z"), 0);
	cr_assert_eq(pc("/x/\xff", "/x/\xff"), 0);
	cr_assert_lt(pc("/x/\x01", "/x/\xff"), 0);
	cr_assert_lt(pc("/", "/a"), 0);
}

static void journal_check(size_t lines_per_path)
{
	char dir[] = "/tmp/migstate-jXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	FILE *f = sw_journal_append(dfd);
	cr_assert_not_null(f);
	/* two load runs, each in catalog order; paths that sort around '/' */
	static const char *const paths[] = {"/h/a",  "/h/a/b",	 "/h/a/c\n",
					    "/h/a!", "/h/a.txt", "/h/b"};
	for (size_t run = 0; run < lines_per_path; run++)
		for (size_t i = 0; i < 6; i++) {
			char dest[64];
			snprintf(dest, sizeof dest, "/dest/%zu/%zu", i, run);
			sw_journal_add(f, (uint32_t)(i % 2), paths[i], dest);
		}
	fputs("1\t/h/torn", f); /* a torn last line */
	fclose(f);
	struct sw_journal j;
	cr_assert_eq(sw_journal_open(dfd, -1, &j), 0);
	for (int pass = 0; pass < 2; pass++) {
		sw_journal_rewind(&j);
		const char *const *d;
		cr_assert_eq(sw_journal_find(&j, 0, "/h", 2, &d), 0);
		for (size_t i = 0; i < 6; i++) {
			/* the wrong volume first: the entries stay for the right one */
			cr_assert_eq(sw_journal_find(&j, (uint32_t)(1 - i % 2), paths[i],
						     strlen(paths[i]), &d),
				     0);
			size_t n =
			    sw_journal_find(&j, (uint32_t)(i % 2), paths[i], strlen(paths[i]), &d);
			cr_assert_eq(n, lines_per_path, "%s: %zu entries", paths[i], n);
			for (size_t k = 0; k < n; k++) {
				char want[64];
				snprintf(want, sizeof want, "/dest/%zu/%zu", i, k);
				cr_assert_str_eq(d[k], want);
			}
		}
		cr_assert_eq(sw_journal_find(&j, 1, "/h/torn", 7, &d), 0);
	}
	sw_journal_close(&j);
	unlinkat(dfd, SW_JOURNAL, 0);
	close(dfd);
	rmdir(dir);
}

Test(storewalk, journal_in_walk_order)
{
	journal_check(3);
}

/* criterion runs each test in its own process: the budget hook is read afresh */
Test(storewalk, journal_many_runs)
{
	setenv("MIGSTATE_TEST_ITEMS_MEM", "256", 1);
	journal_check(40);
}

/* A load killed in the middle of a journal line, then a second load: the second run's
 * first entry must not be glued onto the torn line (and lost with it). */
Test(journal, torn_line_then_another_run)
{
	char dir[] = "/tmp/migstate-jXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	FILE *f = sw_journal_append(dfd);
	cr_assert_not_null(f);
	sw_journal_add(f, 0, "/h/a", "/dest/a");
	fputs("0\t/h/b\t/de", f); /* the first run dies while writing this line */
	fclose(f);
	f = sw_journal_append(dfd); /* the second run */
	cr_assert_not_null(f);
	sw_journal_add(f, 0, "/h/c", "/dest/c");
	sw_journal_add(f, 0, "/h/d", "/dest/d");
	fclose(f);
	struct sw_journal j;
	cr_assert_eq(sw_journal_open(dfd, -1, &j), 0);
	const char *const *d;
	cr_assert_eq(sw_journal_find(&j, 0, "/h/a", 4, &d), 1);
	cr_assert_str_eq(d[0], "/dest/a");
	cr_assert_eq(sw_journal_find(&j, 0, "/h/c", 4, &d), 1, "the second run's first entry");
	cr_assert_str_eq(d[0], "/dest/c");
	cr_assert_eq(sw_journal_find(&j, 0, "/h/d", 4, &d), 1);
	cr_assert_str_eq(d[0], "/dest/d");
	sw_journal_close(&j);
	unlinkat(dfd, SW_JOURNAL, 0);
	close(dfd);
	rmdir(dir);
}
