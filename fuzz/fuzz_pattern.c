/* fuzz_pattern.c - libFuzzer harness: the pattern grammar; canonical forms re-parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum pat_type t = (enum pat_type)(data[0] % 3);
	struct pat_error e;
	struct pat *p = pat_parse((const char *)data + 1, size - 1, t, &e);
	if (!p)
		return 0;
	char *c = pat_canonical(p);
	if (c) {
		struct pat *q = pat_parse(c, strlen(c), t, &e);
		if (q) {
			char *c2 = pat_canonical(q);
			if (c2 && strcmp(c, c2) != 0)
				abort(); /* canonical form must be a fixed point */
			free(c2);
			pat_free(q);
		}
		free(c);
	}
	pat_free(p);
	return 0;
}
