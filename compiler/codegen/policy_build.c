/* policy_build.c - see policy_build.h. */
#include "policy_build.h"

#include <stdio.h>
#include <stdlib.h>

#include "paths.h"
#include "plan.h"
#include "plan_write.h"
#include "sha256.h"

static int file_sha256(const char *path, unsigned char out[32])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct sha256_ctx c;
	unsigned char buf[65536];
	size_t n;
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&c, buf, n);
	fclose(f);
	sha256_final(&c, out);
	return 0;
}

int pbuild_vars(struct arena *a, struct diag_set *d, struct var_table *vt, const char *path,
		 const char *const *defs, size_t ndefs, const char **used, unsigned char sha[32],
		 const char **bad)
{
	if (!path)
		path = migc_default_vars_path();
	*used = path;
	if (vars_load_map(a, d, vt, path) != 0 || file_sha256(path, sha) != 0)
		return -1;
	for (size_t i = 0; i < ndefs; i++)
		if (vars_define(a, vt, defs[i]) != 0) {
			*bad = defs[i];
			return -2;
		}
	vars_resolve(vt, d);
	return 0;
}

int pbuild_plan(const struct m_policy *pol, const struct var_table *vt,
		  const struct cg_options *o, struct diag_set *d, unsigned char **buf, size_t *len,
		  struct cg_stats *st)
{
	struct plan_builder *b = pb_new();
	unsigned char ruleset[32];
	int rc = 1;
	*buf = NULL;
	*len = 0;
	if (codegen(b, pol, vt, o, d, ruleset, st) == 0 && diag_errors(d) == 0 &&
	    pb_serialize(b, ruleset, o->case_sensitive ? PLAN_F_CASE_SENSITIVE : 0, buf, len) == 0) {
		/* every plan migc writes or uses has passed the runtime's own loader */
		struct plan chk;
		struct plan_error pe;
		rc = 0;
		if (plan_parse(*buf, *len, &chk, &pe) != PLAN_OK) {
			fprintf(stderr, "migc: internal error: generated plan fails verification: %s\n",
				pe.msg);
			free(*buf);
			*buf = NULL;
			rc = 2;
		}
	}
	pb_free(b);
	return rc;
}
