/* test_inotab.c - the inode table (runtime/inotab.c): values found by their key after
 * growth and after many removals (backward shifting keeps every run reachable), against
 * a plain array as the reference. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "inotab.h"

struct val {
	uint64_t v;
	uint32_t names;
};

Test(inotab, put_get_del_match_a_reference)
{
	enum { N = 5000 };
	static int present[N];
	struct inotab t;
	inotab_init(&t, sizeof(struct val));
	cr_assert_null(inotab_get(&t, 1, 2, 3), "empty table");
	srand(7);
	for (int round = 0; round < 40000; round++) {
		int k = rand() % N;
		/* keys that collide in two words: only the third tells them apart */
		uint64_t a = (uint64_t)k % 3, b = (uint64_t)k / 7, c = (uint64_t)k;
		if (rand() % 3) {
			struct val *v = inotab_put(&t, a, b, c);
			cr_assert_not_null(v);
			if (!present[k])
				cr_assert_eq(v->v, 0, "a new entry starts zeroed");
			v->v = (uint64_t)k * 1000 + 1;
			v->names++;
			present[k] = 1;
		} else {
			inotab_del(&t, a, b, c);
			present[k] = 0;
		}
		if (round % 997 == 0)
			for (int j = 0; j < N; j++) {
				struct val *v = inotab_get(&t, (uint64_t)j % 3, (uint64_t)j / 7,
							   (uint64_t)j);
				cr_assert_eq(v != NULL, present[j] != 0, "key %d at round %d", j,
					     round);
				if (v)
					cr_assert_eq(v->v, (uint64_t)j * 1000 + 1);
			}
	}
	size_t n = 0;
	for (int j = 0; j < N; j++)
		n += present[j] != 0;
	cr_assert_eq(t.n, n, "count");
	inotab_clear(&t);
	cr_assert_null(inotab_get(&t, 0, 0, 0));
	cr_assert_eq(t.n, 0);
	inotab_free(&t);
}
