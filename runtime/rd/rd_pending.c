/* rd_pending.c - `rd --pending`: finish the removals the pending records list (rd.h). */
#include "rd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirnames.h"
#include "escape.h"
#include "exitcodes.h"
#include "pendrec.h"
#include "storeopen.h"

int rd_pending(const struct rd_opts *o, const char *only)
{
	const char *dir = rd_pending_dir(o);
	FILE *out = o->out ? o->out : stdout;
	char why[400];
	bool untrusted;
	int dfd = pendrec_dir_open(dir, false, &untrusted, why, sizeof why);
	if (dfd < 0) {
		if (errno == ENOENT && !untrusted) {
			fprintf(out, "no pending deletions (%s does not exist)\n", dir);
			return EXIT_OK;
		}
		int err = errno;
		fprintf(stderr, "migstate rd: the pending directory %s %s: %s\n", dir,
			untrusted ? "cannot be trusted" : "cannot be opened", why);
		return untrusted		       ? EXIT_BAD_STORE
		       : err == EACCES || err == EPERM ? EXIT_NOT_PERMITTED
						       : EXIT_FAILED;
	}
	char *only_real = only ? realpath(only, NULL) : NULL;
	if (only && !only_real)
		only_real = strdup(only); /* gone already: match the record's path as given */
	int rc = EXIT_OK;
	size_t done = 0, n = 0;
	char **names = NULL;
	/* names first: rd_run rewrites records in this directory while we work */
	if (dirnames_read(dfd, &names, &n) != 0) {
		int err = errno;
		fprintf(stderr, "migstate rd: the pending directory %s: %s\n", dir, strerror(err));
		close(dfd);
		free(only_real);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		size_t nl = strlen(name);
		if (nl < 9 || strcmp(name + nl - 8, ".pending") != 0)
			continue;
		struct pending_rec p;
		if (pendrec_read(dfd, name, &p) != 0) {
			fprintf(stderr,
				"migstate rd: %s/%s: not a pending record of ours: left alone\n",
				dir, name);
			continue;
		}
		if (only && (!only_real || strcmp(only_real, p.store) != 0)) {
			pendrec_free(&p);
			continue;
		}
		done++;
		fputs("pending store ", out);
		text_str(out, p.store);
		fputc('\n', out);
		enum store_state st = store_probe(p.store);
		int ec;
		if (st == SS_NONE || st == SS_FOREIGN) {
			/* nothing of ours is left there */
			unlinkat(dfd, name, 0);
			fputs("  already gone\n", out);
		} else {
			struct sw_store s;
			char err[512];
			const char *other;
			enum store_open_step step;
			if ((ec = store_open_checked(&s, "rd", p.store, p.root,
						     SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED,
						     o->insecure_parent, NULL, err, sizeof err,
						     &step)) != EXIT_OK) {
				if (step == SO_STEP_PATH)
					fputs("  left alone: its path is not safe (the record stays)\n",
					      out);
				else if (step == SO_STEP_VOLUMES)
					fputs("  left alone: a volume's store path is not safe (the "
					      "record stays)\n",
					      out);
				else
					fprintf(stderr, "migstate rd: %s\n", err);
				if (rc == EXIT_OK)
					rc = ec;
			} else if ((other = pendrec_mismatch(&s, &p))) {
				fprintf(out,
					"  left alone: %s; the record is set aside as %s.retired\n",
					other, name);
				pendrec_retire_at(dfd, name);
				if (rc == EXIT_OK)
					rc = EXIT_BAD_STORE;
			} else {
				struct rd_result r;
				int x = rd_run(&s, o, &r);
				fprintf(
				    out,
				    "  removed %zu files, %zu directories; kept %zu, pending %zu\n",
				    r.files, r.dirs, r.kept, r.pending);
				if (x != EXIT_OK && (rc == EXIT_OK || x == EXIT_NOT_PERMITTED))
					rc = x;
				if (r.pending == 0)
					unlinkat(dfd, name, 0); /* rd_run cleared it too */
			}
			sw_close(&s);
		}
		pendrec_free(&p);
	}
	dirnames_free(names, n);
	close(dfd);
	free(only_real);
	if (done == 0)
		fprintf(out, "no pending deletions%s\n", only ? " for this store" : "");
	return rc;
}
