/* test_aclrec.c - captured ACLs: the kernel's xattr format decoded strictly and encoded
 * (runtime/diracl.c), the store's ACL records written, read back and refused when
 * damaged or hostile (runtime/aclrec.c), and a recorded ACL mapped by name
 * (runtime/aclmap.c): renumbered and swapped accounts, entries of accounts that are not
 * here dropped with the mask recomputed, --mu merging, --keep-ids. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acctdb.h"
#include "aclmap.h"
#include "aclrec.h"
#include "diracl.h"
#include "helpers_tmp.h"
#include "identity.h"
#include "idmap.h"
#include "sumfile.h"

static int dfd = -1;

static void setup(void)
{
	dfd = open(ut_tmp_make("aclrec"), O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
}

static void teardown(void)
{
	close(dfd);
	ut_tmp_remove();
}

TestSuite(aclrec, .init = setup, .fini = teardown);

#define E(t, p, i) ((struct diracl_ent){(t), (p), (i)})

/* user::rw- user:1001:r-- group::r-- group:2000:rw- mask::rw- other::--- */
static unsigned char *sample(size_t *n)
{
	struct diracl_ent e[] = {E(DA_OTHER, 0, 0),	  E(DA_USER, 4, 1001), E(DA_USER_OBJ, 6, 0),
				 E(DA_GROUP, 6, 2000), E(DA_MASK, 6, 0),   E(DA_GROUP_OBJ, 4, 0)};
	unsigned char *v = diracl_encode(e, 6, n);
	cr_assert_not_null(v);
	return v;
}

Test(aclrec, encode_sorts_and_decode_round_trips)
{
	size_t n, ne;
	unsigned char *v = sample(&n);
	cr_expect_eq(n, 4 + 6 * 8);
	struct diracl_ent *e;
	cr_assert_eq(diracl_decode(v, n, &e, &ne), 0);
	cr_assert_eq(ne, 6);
	unsigned want[] = {DA_USER_OBJ, DA_USER, DA_GROUP_OBJ, DA_GROUP, DA_MASK, DA_OTHER};
	for (size_t i = 0; i < 6; i++)
		cr_expect_eq(e[i].tag, want[i], "the kernel's order: entry %zu", i);
	cr_expect_eq(e[1].id, 1001);
	cr_expect_eq(e[3].perm, 6);
	cr_expect(diracl_has_named(v, n));
	cr_expect(diracl_same(v, n, v, n));
	free(e);
	free(v);
}

Test(aclrec, decode_refuses_malformed_values)
{
	size_t n;
	unsigned char *v = sample(&n), *b = malloc(n);
	struct diracl_ent *e;
	size_t ne;
	/* truncated, a stray byte, a wrong version */
	cr_expect_neq(diracl_decode(v, n - 3, &e, &ne), 0);
	cr_expect_neq(diracl_decode(v, 3, &e, &ne), 0);
	memcpy(b, v, n);
	b[0] = 3;
	cr_expect_neq(diracl_decode(b, n, &e, &ne), 0, "version 3");
	memcpy(b, v, n);
	b[4 + 8 + 0] = 0x40; /* an unknown tag */
	cr_expect_neq(diracl_decode(b, n, &e, &ne), 0, "unknown tag");
	memcpy(b, v, n);
	b[4 + 8 + 2] = 8; /* a perm beyond rwx */
	cr_expect_neq(diracl_decode(b, n, &e, &ne), 0, "perm 8");
	free(b);
	free(v);
	struct diracl_ent nomask[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 4, 7), E(DA_GROUP_OBJ, 4, 0),
				      E(DA_OTHER, 0, 0)};
	v = diracl_encode(nomask, 4, &n);
	cr_expect_neq(diracl_decode(v, n, &e, &ne), 0, "a named entry without a mask");
	free(v);
	struct diracl_ent twice[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER_OBJ, 6, 0),
				     E(DA_GROUP_OBJ, 4, 0), E(DA_OTHER, 0, 0)};
	v = diracl_encode(twice, 4, &n);
	cr_expect_neq(diracl_decode(v, n, &e, &ne), 0, "two owner entries");
	free(v);
}

Test(aclrec, write_read_find)
{
	size_t n;
	unsigned char *v = sample(&n);
	struct aclrec a = {0}, b;
	cr_assert_eq(aclrec_add(&a, "/home/z\tab\nnl", ACLREC_ACCESS, v, n), 0);
	cr_assert_eq(aclrec_add(&a, "/home/a", ACLREC_DEFAULT, v, n), 0);
	cr_assert_eq(aclrec_add(&a, "/home/a", ACLREC_ACCESS, v, n), 0);
	cr_assert_eq(aclrec_write(dfd, &a), 0);
	char err[200];
	cr_assert_eq(aclrec_read(dfd, &b, err, sizeof err), 0, "%s", err);
	cr_expect_eq(b.n, 3);
	const struct aclrec_ent *f = aclrec_find(&b, "/home/z\tab\nnl", ACLREC_ACCESS);
	cr_assert_not_null(f, "a path with a tab and a newline, escaped");
	cr_expect(f->len == n && !memcmp(f->val, v, n));
	cr_expect_not_null(aclrec_find(&b, "/home/a", ACLREC_DEFAULT));
	cr_expect_null(aclrec_find(&b, "/home/z\tab\nnl", ACLREC_DEFAULT));
	cr_expect_null(aclrec_find(&b, "/home", ACLREC_ACCESS));
	aclrec_free(&a);
	aclrec_free(&b);
	free(v);
	cr_expect_eq(unlinkat(dfd, ACLREC_FILE, 0), 0);
	cr_expect_neq(aclrec_read(dfd, &b, err, sizeof err), 0);
	cr_expect_eq(errno, ENOENT, "a store made before ACL records");
}

/* A record whose body is BODY, with a right checksum: refused? */
static bool refused(const char *body)
{
	cr_assert_eq(sumfile_write(dfd, ACLREC_FILE, body, strlen(body)), 0);
	struct aclrec a;
	char err[200];
	int rc = aclrec_read(dfd, &a, err, sizeof err);
	int e = errno;
	if (rc == 0)
		aclrec_free(&a);
	else
		cr_expect_eq(e, EINVAL, "%s", body);
	return rc != 0;
}

#define OKV "acl\t/a\taccess\t0200000001000600ffffffff04000400ffffffff20000000ffffffff\n"

Test(aclrec, hostile_records_refused)
{
	cr_expect(!refused(ACLREC_MAGIC "\n" OKV), "a base-only value is well-formed");
	cr_expect(!refused(ACLREC_MAGIC "\n" OKV "later\tkind of line\n"), "a later line: ignored");
	cr_expect(refused(ACLREC_MAGIC "\n" OKV OKV), "one path twice");
	cr_expect(refused(ACLREC_MAGIC "\nacl\ta\taccess\t0200000001000600ffffffff04000400ffffffff20000000ffffffff\n"), "relative path");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\tother\t02000000\n"), "unknown kind");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\taccess\t0200000\n"), "odd hex");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\taccess\t02zz0000\n"), "not hex");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\taccess\t\n"), "empty value");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\taccess\t02000000\n"), "no entries");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\taccess\t0200000001000600\n"), "a cut entry");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\\x0\taccess\t02000000\n"), "bad escape");
	cr_expect(refused(ACLREC_MAGIC "\nacl\t/a\taccess\t02000000\textra\n"), "a fifth field");
	cr_expect(refused("migstate-acls 9\n" OKV), "another major version");
	/* a damaged checksum or a truncated file */
	struct aclrec a;
	char err[200];
	const char *body = ACLREC_MAGIC "\n" OKV;
	cr_assert_eq(sumfile_write(dfd, ACLREC_FILE, body, strlen(body)), 0);
	int fd = openat(dfd, ACLREC_FILE, O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "b", 1, 30), 1);
	cr_expect_neq(aclrec_read(dfd, &a, err, sizeof err), 0, "a byte changed");
	cr_expect(strstr(err, "damaged") != NULL, "%s", err);
	cr_assert_eq(ftruncate(fd, 50), 0);
	cr_expect_neq(aclrec_read(dfd, &a, err, sizeof err), 0, "truncated");
	close(fd);
}

/* The identity records of a system alice 1001, bob 1002, carol 1003 (groups team
 * 2000, old 2001) mapped onto one where alice and bob swapped, carol is gone and 1003
 * is dave's, team is 2100 and old is gone. */
static void swapped_map(struct idmap *m, const struct idmap_mu *mu, size_t nmu, bool keep)
{
	const char *pw0 = "alice:x:1001:1001::/home/alice:/bin/sh\nbob:x:1002:1002::/home/bob:/bin/sh\n"
			  "carol:x:1003:1003::/home/carol:/bin/sh\n";
	const char *gr0 = "alice:x:1001:\nbob:x:1002:\ncarol:x:1003:\nteam:x:2000:\nold:x:2001:\n";
	const char *pw1 = "bob:x:1001:1001::/home/bob:/bin/sh\nalice:x:1002:1002::/home/alice:/bin/sh\n"
			  "dave:x:1003:1003::/home/dave:/bin/sh\n";
	const char *gr1 = "bob:x:1001:\nalice:x:1002:\ndave:x:1003:\nteam:x:2100:\n";
	struct acct_db a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	cr_assert_eq(acctdb_parse(&a, ACCT_PASSWD, pw0, strlen(pw0)), 0);
	cr_assert_eq(acctdb_parse(&a, ACCT_GROUP, gr0, strlen(gr0)), 0);
	cr_assert_eq(acctdb_parse(&b, ACCT_PASSWD, pw1, strlen(pw1)), 0);
	cr_assert_eq(acctdb_parse(&b, ACCT_GROUP, gr1, strlen(gr1)), 0);
	uint32_t uids[] = {1001, 1002, 1003}, gids[] = {2000, 2001};
	struct identities id;
	cr_assert_eq(ident_collect(&a, NULL, 0, uids, 3, gids, 2, &id), 0);
	cr_assert_eq(idmap_build(m, &id, &b, mu, nmu, keep), 0);
	ident_free(&id);
	acctdb_free(&a);
	acctdb_free(&b);
}

/* Map ENTS (N) through M: the result's entries, sorted. */
static size_t mapped(const struct idmap *m, const struct diracl_ent *ents, size_t n,
		     struct diracl_ent **out, size_t *dropped)
{
	size_t vn, tn, ne;
	unsigned char *v = diracl_encode(ents, n, &vn);
	struct aclrec_ent rec = {"/f", ACLREC_ACCESS, v, vn};
	unsigned char *t = aclmap_target(m, &rec, &tn, dropped, NULL, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(diracl_decode(t, tn, out, &ne), 0, "the result is a valid ACL");
	free(t);
	free(v);
	return ne;
}

Test(aclrec, mapped_by_name_twice_the_same)
{
	struct idmap m;
	swapped_map(&m, NULL, 0, false);
	struct diracl_ent in[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 4, 1001), E(DA_USER, 6, 1002),
				  E(DA_GROUP_OBJ, 4, 0), E(DA_GROUP, 4, 2000),
				  E(DA_MASK, 6, 0),	 E(DA_OTHER, 0, 0)};
	struct diracl_ent *o;
	size_t d, n = mapped(&m, in, 7, &o, &d);
	cr_assert_eq(n, 7);
	cr_expect_eq(d, 0);
	/* alice (1001 -> 1002) r--, bob (1002 -> 1001) rw-: sorted by id */
	cr_expect(o[1].tag == DA_USER && o[1].id == 1001 && o[1].perm == 6, "bob");
	cr_expect(o[2].tag == DA_USER && o[2].id == 1002 && o[2].perm == 4, "alice");
	cr_expect(o[4].tag == DA_GROUP && o[4].id == 2100, "team");
	free(o);
	idmap_free(&m);
}

Test(aclrec, unmappable_entries_dropped_mask_recomputed)
{
	struct idmap m;
	swapped_map(&m, NULL, 0, false);
	/* carol (1003: dave's now) rwx and group old (gone) rwx go; the mask narrows to
	 * what remains (alice r--, the owning group r--) */
	struct diracl_ent in[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 4, 1001), E(DA_USER, 7, 1003),
				  E(DA_GROUP_OBJ, 4, 0), E(DA_GROUP, 7, 2001),
				  E(DA_MASK, 7, 0),	 E(DA_OTHER, 0, 0)};
	struct diracl_ent *o;
	size_t d, n = mapped(&m, in, 7, &o, &d);
	cr_expect_eq(d, 2);
	cr_assert_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		cr_expect(!(o[i].tag == DA_USER && o[i].id == 1003), "never dave");
		if (o[i].tag == DA_MASK)
			cr_expect_eq(o[i].perm, 4, "the mask: r--");
	}
	free(o);
	/* none left: the base entries, the owning group with what it had (r-x & r--) */
	struct diracl_ent only[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 7, 1003), E(DA_GROUP_OBJ, 5, 0),
				    E(DA_MASK, 4, 0), E(DA_OTHER, 0, 0)};
	n = mapped(&m, only, 5, &o, &d);
	cr_expect_eq(d, 1);
	cr_assert_eq(n, 3);
	cr_expect(o[1].tag == DA_GROUP_OBJ && o[1].perm == 4);
	free(o);
	idmap_free(&m);
}

Test(aclrec, mu_merges_keep_ids_keeps)
{
	struct idmap m;
	struct idmap_mu mu[] = {{"carol", "dave"}};
	swapped_map(&m, mu, 1, false);
	/* --mu carol:dave: carol's entry (1003) is dave's (1003 here) */
	struct diracl_ent in[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 4, 1003), E(DA_GROUP_OBJ, 4, 0),
				  E(DA_MASK, 4, 0), E(DA_OTHER, 0, 0)};
	struct diracl_ent *o;
	size_t d, n = mapped(&m, in, 5, &o, &d);
	cr_expect_eq(d, 0);
	cr_expect(n == 5 && o[1].id == 1003, "carol's entry is dave's (--mu)");
	free(o);
	/* --mu carol:alice: carol's r-- and alice's -w- are one entry of alice's, rw- */
	idmap_free(&m);
	struct idmap_mu mu2[] = {{"carol", "alice"}};
	swapped_map(&m, mu2, 1, false);
	struct diracl_ent two[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 4, 1003), E(DA_USER, 2, 1001),
				   E(DA_GROUP_OBJ, 4, 0), E(DA_MASK, 6, 0), E(DA_OTHER, 0, 0)};
	n = mapped(&m, two, 6, &o, &d);
	cr_expect(n == 5 && o[1].id == 1002 && o[1].perm == 6, "one entry for alice, rw-");
	free(o);
	idmap_free(&m);
	swapped_map(&m, NULL, 0, true);
	struct diracl_ent k[] = {E(DA_USER_OBJ, 6, 0), E(DA_USER, 4, 1001), E(DA_USER, 4, 1003),
				 E(DA_GROUP_OBJ, 4, 0), E(DA_MASK, 4, 0), E(DA_OTHER, 0, 0)};
	n = mapped(&m, k, 6, &o, &d);
	cr_expect(n == 6 && d == 0 && o[1].id == 1001 && o[2].id == 1003, "--keep-ids: numbers");
	free(o);
	idmap_free(&m);
}
