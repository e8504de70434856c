/* test_diracl.c - the ACL xattr parsing of runtime/diracl.c: which entries grant beyond
 * the captured mode, the base entries a narrowed access ACL keeps, malformed values.
 * t_load_dir_acl.sh runs it through load on ext4 and tmpfs. */
#include <criterion/criterion.h>
#include <string.h>

#include "diracl.h"

/* An ACL xattr value from (tag, perm) pairs, ids 1002 for named entries. */
static size_t acl(unsigned char *out, const unsigned (*e)[2], size_t n)
{
	memset(out, 0, 4);
	out[0] = 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = out + 4 + 8 * i;
		p[0] = (unsigned char)e[i][0];
		p[1] = 0;
		p[2] = (unsigned char)e[i][1];
		p[3] = 0;
		unsigned id = (e[i][0] == 2 || e[i][0] == 8) ? 1002u : 0xffffffffu;
		memcpy(p + 4, &id, 4);
	}
	return 4 + 8 * n;
}

Test(diracl, access_beyond)
{
	unsigned char b[64];
	static const unsigned named_rx[][2] = {{1, 7}, {2, 5}, {4, 5}, {0x10, 5}, {0x20, 0}};
	size_t n = acl(b, named_rx, 5);
	cr_expect(diracl_access_beyond(b, n, 0750), "bob r-x on a 0750 directory: beyond");
	cr_expect(!diracl_access_beyond(b, n, 0755), "others have r-x anyway");
	cr_expect(!diracl_access_beyond(b, n, 0700), "the mask goes to ---");
	static const unsigned group_w[][2] = {{1, 7}, {8, 7}, {4, 5}, {0x10, 7}, {0x20, 5}};
	n = acl(b, group_w, 5);
	cr_expect(diracl_access_beyond(b, n, 0775), "a named group's w on 0775");
	cr_expect(!diracl_access_beyond(b, n, 0755), "the mask loses w");
	static const unsigned base[][2] = {{1, 7}, {4, 5}, {0x20, 5}};
	n = acl(b, base, 3);
	cr_expect(!diracl_access_beyond(b, n, 0700), "base entries only");
	cr_expect(diracl_access_beyond(b, 5, 0700), "malformed: beyond");
	b[0] = 1;
	cr_expect(diracl_access_beyond(b, n, 0700), "wrong version: beyond");
}

Test(diracl, default_named)
{
	unsigned char b[64];
	static const unsigned named[][2] = {{1, 7}, {2, 6}, {4, 5}, {0x10, 7}, {0x20, 0}};
	static const unsigned base[][2] = {{1, 7}, {4, 5}, {0x20, 5}};
	cr_expect(diracl_default_named(b, acl(b, named, 5)));
	cr_expect(!diracl_default_named(b, acl(b, base, 3)));
}

Test(diracl, base_entries)
{
	unsigned char b[64], out[28];
	/* the owning group had rwx but the mask r-x: it keeps r-x, never more */
	static const unsigned e[][2] = {{1, 7}, {2, 7}, {4, 7}, {0x10, 5}, {0x20, 1}};
	size_t n = acl(b, e, 5);
	cr_assert_eq(diracl_base(b, n, out), 28);
	cr_expect_eq(out[0], 2);
	cr_expect_eq(out[4], 1);
	cr_expect_eq(out[6], 7);
	cr_expect_eq(out[12], 4);
	cr_expect_eq(out[14], 5, "group_obj & mask");
	cr_expect_eq(out[20], 0x20);
	cr_expect_eq(out[22], 1);
	static const unsigned no_other[][2] = {{1, 7}, {4, 7}};
	cr_expect_eq(diracl_base(b, acl(b, no_other, 2), out), 0, "malformed");
}
