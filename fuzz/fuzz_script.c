/* fuzz_script.c - libFuzzer harness: the helper-call grammar and its checks. */
#include <stdint.h>

#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script_error e;
	struct script_call *c = script_parse((const char *)data, size, &e);
	if (c) {
		script_check(c, HP_CONDITION, &e);
		script_check(c, HP_OBJECTSET, &e);
		script_free(c);
	}
	return 0;
}
