/* fuzz_xml.c - libFuzzer harness: the whole front end (hardened libxml2 parse, model,
 * pattern/script parsing, Config.xml) and code generation, on arbitrary documents. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "codegen.h"
#include "diag.h"
#include "plan.h"
#include "vars.h"
#include "xml_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.xml", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct arena *a = arena_new();
	struct diag_set *d = diag_new();
	struct m_policy pol = {0};
	const char *files[1] = {path};
	policy_load(a, d, &pol, files, 1, NULL);
	if (diag_errors(d) == 0) {
		struct var_table vt = {0};
		vars_define(a, &vt, "CSIDL_PERSONAL={xdg:DOCUMENTS}");
		vars_resolve(&vt, d);
		struct plan_builder *b = pb_new();
		struct cg_options o = {0};
		struct cg_stats st;
		unsigned char rs[32];
		unsigned char *buf = NULL;
		size_t len = 0;
		if (codegen(b, &pol, &vt, &o, d, rs, &st) == 0 && pb_serialize(b, rs, 0, &buf, &len) == 0) {
			struct plan p;
			struct plan_error pe;
			if (plan_parse(buf, len, &p, &pe) != PLAN_OK)
				__builtin_trap(); /* the compiler must only ever emit verifiable plans */
		}
		free(buf);
		pb_free(b);
	}
	diag_free(d);
	arena_free(a);
	close(fd);
	return 0;
}
