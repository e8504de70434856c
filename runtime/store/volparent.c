/* volparent.c - the per-volume stores' path check (volparent.h). */
#include "volparent.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "disasm.h"
#include "exitcodes.h"
#include "storeparent.h"

bool volparent_unsafe(const char *path, char *why, size_t whysz)
{
	return storeparent_check(path, geteuid(), why, whysz) == 1;
}

int volparent_enforce(const char *verb, const char *mount, const char *path, bool allow,
		      struct rlog *log)
{
	char err[PATH_MAX + 512];
	if (storeparent_check(path, geteuid(), err, sizeof err) != 1)
		return 0; /* safe, or no verdict: the store's own open reports it */
	if (log) {
		rlog_msg(log, allow ? RL_WARN : RL_ERROR,
			 "the store of the volume mounted at %s (%s): %s%s", rlog_esc(log, mount),
			 rlog_esc(log, path), rlog_esc(log, err),
			 allow ? " (allowed by " STOREPARENT_OVERRIDE ")" : "");
	} else {
		fprintf(stderr, "migstate %s: %sthe store of the volume mounted at ", verb,
			allow ? "warning: " : "");
		text_str(stderr, mount);
		fputs(" (", stderr);
		text_str(stderr, path);
		fputs("): ", stderr);
		text_str(stderr, err);
		fputs(allow ? " (allowed by " STOREPARENT_OVERRIDE ")\n" : "\n", stderr);
	}
	return allow ? 0 : EXIT_BAD_STORE;
}

int volparent_enforce_store(const char *verb, const struct sw_store *s, bool allow,
			    struct rlog *log)
{
	int rc = 0;
	for (size_t i = 0; i < s->nvols; i++) {
		/* only stores that were opened: an absent one is reported as missing */
		if (i == s->master || s->vol_fd[i] < 0 || !s->vol_real[i] || !*s->vol_real[i])
			continue;
		const char *mount = s->have_cat && i < s->cat.nvols ? s->cat.vols[i].mount : "?";
		if (volparent_enforce(verb, mount, s->vol_real[i], allow, log) != 0)
			rc = EXIT_BAD_STORE;
	}
	return rc;
}
