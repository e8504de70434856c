/* storeopen.c - open a store with its path checks (see storeopen.h). */
#include "storeopen.h"

#include <string.h>

#include "exitcodes.h"
#include "store.h"
#include "storeparent.h"
#include "volparent.h"

static int open_checked(struct sw_store *s, const char *verb, const char *path, const char *root,
			unsigned flags, bool allow, bool absent_ok, struct rlog *log, char *err,
			size_t errsz, enum store_open_step *step)
{
	int ec;
	err[0] = 0;
	memset(s, 0, sizeof *s); /* closing it is safe whatever step refuses it */
	s->store_fd = s->meta_fd = s->rootfd = -1;
	/* the master's path before anything is read through it */
	if ((ec = storeparent_enforce(verb, path, allow)) != EXIT_OK) {
		*step = SO_STEP_PATH;
		return ec;
	}
	if (absent_ok && store_probe(path) == SS_NONE) {
		*step = SO_STEP_ABSENT;
		return EXIT_OK;
	}
	if (sw_open(s, path, root, flags, err, errsz, &ec) != 0) {
		sw_close(s);
		*step = SO_STEP_OPEN;
		return ec;
	}
	/* the volumes' stores are known from the catalog only */
	if ((ec = volparent_enforce_store(verb, s, allow, log)) != EXIT_OK) {
		sw_close(s);
		*step = SO_STEP_VOLUMES;
		return ec;
	}
	*step = SO_STEP_NONE;
	return EXIT_OK;
}

int store_open_checked(struct sw_store *s, const char *verb, const char *path, const char *root,
		       unsigned flags, bool allow, struct rlog *log, char *err, size_t errsz,
		       enum store_open_step *step)
{
	return open_checked(s, verb, path, root, flags, allow, false, log, err, errsz, step);
}

int store_open_or_absent(struct sw_store *s, const char *verb, const char *path, const char *root,
			 unsigned flags, bool allow, struct rlog *log, char *err, size_t errsz,
			 enum store_open_step *step)
{
	return open_checked(s, verb, path, root, flags, allow, true, log, err, errsz, step);
}
