/* scan.c - the capture engine (see scan.h) from start to end: set-up, pass 1 (scan_walk.c),
 * the stores (scan_payloads.c, scan_stores.c), pass 2 (scan_capture.c), commit, the report
 * (scan_report.c). The small helpers every scan_*.c shares are scan_util.c. */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "exitcodes.h"
#include "scan_int.h"
#include "store.h"
#include "storeguard.h"
#include "users.h"
#include "version.h"

const char *const efs_mode_names[5] = {"abort", "skip", "hardlink", "decryptcopy", "copyraw"};
const char *const overlay_mode_names[3] = {"auto", "copy", "link"};

/* Absolute path of P with every existing leading part resolved (realpath) and the rest
 * appended lexically ("." dropped, ".." refused). NULL on failure. */
static char *abs_path(const char *p)
{
	char *full;
	if (p[0] == '/') {
		full = strdup(p);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return NULL;
		if (asprintf(&full, "%s/%s", cwd, p) < 0)
			full = NULL;
	}
	if (!full)
		return NULL;
	size_t len = strlen(full);
	while (len > 1 && full[len - 1] == '/')
		full[--len] = 0;
	/* find the longest existing prefix */
	char *cut = full + len;
	char *res = NULL;
	for (;;) {
		char save = *cut;
		*cut = 0;
		res = realpath(*full ? full : "/", NULL);
		*cut = save;
		if (res || cut == full)
			break;
		do
			cut--;
		while (cut > full && *cut != '/');
	}
	if (!res) {
		free(full);
		return NULL;
	}
	/* append the missing components */
	for (char *q = cut; *q;) {
		while (*q == '/')
			q++;
		char *e = q;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - q);
		if (n == 0)
			break;
		if ((n == 2 && !strncmp(q, "..", 2))) {
			free(res);
			free(full);
			return NULL;
		}
		if (!(n == 1 && *q == '.')) {
			char *r2;
			if (asprintf(&r2, "%s%s%.*s", res, strcmp(res, "/") ? "/" : "", (int)n, q) <
			    0) {
				free(res);
				free(full);
				return NULL;
			}
			free(res);
			res = r2;
		}
		q = e;
	}
	free(full);
	return res;
}

/* --- set-up ------------------------------------------------------------------------ */

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Output files named on the command line must not be inside the store. */
static int outside_store(struct scan *s, const char *what, const char *path)
{
	if (!path)
		return 0;
	char *a = abs_path(path);
	bool in = a && scan_within(a, s->store_real);
	free(a);
	if (in) {
		fprintf(stderr,
			"migstate scan: the %s %s is inside the store %s: it would be "
			"overwritten; put it elsewhere\n",
			what, path, s->store_real);
		return -1;
	}
	return 0;
}

static int setup_paths(struct scan *s)
{
	const struct rt_opts *o = s->o;
	s->rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->root_real = realpath(o->root, NULL);
	if (s->rootfd < 0 || !s->root_real) {
		fprintf(stderr, "migstate scan: --root %s: %s\n", o->root, strerror(errno));
		return EXIT_USAGE;
	}
	s->store_real = abs_path(o->store);
	if (!s->store_real) {
		fprintf(stderr, "migstate scan: the store path %s cannot be used: %s\n", o->store,
			strerror(errno));
		return EXIT_BAD_STORE;
	}
	s->store_logical = scan_logical_of(s, s->store_real);
	if (outside_store(s, "log", o->log ? o->log : "migstate-scan.log") ||
	    outside_store(s, "progress log", o->progress) ||
	    outside_store(s, "file list", s->so->listfiles) ||
	    outside_store(s, "estimate", s->so->estimate))
		return EXIT_USAGE;
	return 0;
}

/* The master volume and the store's path relative to it. */
static int setup_master(struct scan *s)
{
	char *p = strdup(s->store_real);
	struct statx x;
	uint32_t mnt = 0;
	int rc = -1;
	if (!p)
		return -1;
	/* the deepest existing ancestor is on the mount the store will be on */
	for (;;) {
		int fd = open(*p ? p : "/", O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			rc = vol_statx(fd, "", &x, &mnt);
			close(fd);
			break;
		}
		char *sl = strrchr(p, '/');
		if (!sl)
			break;
		*sl = 0;
	}
	free(p);
	if (rc != 0)
		return -1;
	int v = svol_of(s, mnt, makedev(x.stx_dev_major, x.stx_dev_minor));
	if (v != 0)
		return -1; /* the master is always the first volume */
	struct svol *m = &s->sv[0];
	m->master = true;
	m->home = 0;
	/* relative path: from the logical mount point when both are beneath the root */
	const char *base = m->mnt_real, *full = s->store_real;
	if (s->store_logical && m->mnt_logical) {
		base = m->mnt_logical;
		full = s->store_logical;
	}
	size_t bl = strcmp(base, "/") ? strlen(base) : 0;
	if (!scan_within(full, base) || !full[bl] || !full[bl + 1]) {
		fprintf(stderr,
			"migstate scan: the store %s is the root of a filesystem: give a "
			"directory inside it\n",
			s->store_real);
		return -2;
	}
	s->store_rel = strdup(full + bl + 1);
	return s->store_rel ? 0 : -1;
}

static int setup_bind(struct scan *s)
{
	struct plan_error pe;
	char err[512];
	if (plan_open(s->o->plan, &s->plan, &pe) != PLAN_OK) {
		rlog_msg(&s->log, RL_ERROR, "plan %s: %s: %s", rlog_esc(&s->log, s->o->plan),
			 plan_status_name(pe.status), pe.msg);
		return EXIT_BAD_PLAN;
	}
	s->plan_open = true;
	if (rtopts_select_users(s->o, s->rootfd, &s->users, &s->choices, &s->nchoices, err,
				sizeof err)) {
		rlog_msg(&s->log, RL_ERROR, "users: %s", err);
		return EXIT_ENVIRONMENT;
	}
	for (size_t i = 0; i < s->nchoices; i++) {
		rlog_msg(&s->log, RL_INFO, "user %s (uid %u): %s",
			 rlog_esc(&s->log, s->choices[i].name), s->choices[i].uid,
			 s->choices[i].reason);
		rlog_progress(&s->log, "detectedUser", s->choices[i].name, "includedInMigration",
			      s->choices[i].selected ? "Yes" : "No", NULL);
	}
	if (scan_fixed_roots(s))
		return EXIT_FAILED;
	static struct utsname un;
	uname(&un);
	static struct rt_env env;
	env = (struct rt_env){
	    .rootfd = s->rootfd,
	    .users = s->users.v,
	    .nusers = s->users.n,
	    .defines = s->o->defines,
	    .ndefines = s->o->ndefines,
	    .drives = s->o->drives,
	    .ndrives = s->o->ndrives,
	    .fixed_roots = (const char *const *)s->fixed,
	    .nfixed = s->nfixed,
	    .class_roots = {NULL, (const char *const *)s->classroots[DC_REMOVABLE],
			    (const char *const *)s->classroots[DC_REMOTE],
			    (const char *const *)s->classroots[DC_CDROM]},
	    .nclass = {0, s->nclassroots[DC_REMOVABLE], s->nclassroots[DC_REMOTE],
		       s->nclassroots[DC_CDROM]},
	    .phase = PHASE_SCAN,
	    .os_release = un.release,
	};
	if (rt_bind(&s->plan, &env, &s->b, err, sizeof err) != 0) {
		rlog_msg(&s->log, RL_ERROR, "cannot bind the plan to this system: %s", err);
		return EXIT_BAD_PLAN;
	}
	s->bound = true;
	if (locks_load(&s->locks, s->so->in_use_writers ? LOCKS_WRITERS : 0) != 0)
		rlog_msg(&s->log, RL_WARN,
			 "cannot read /proc/locks: locked files are not detected");
	return 0;
}

/* scan -o: lock the existing store (another verb using it: 75) and check that nobody
 * else owns or can write it (27). The lock is kept until the scan ends. */
static int lock_old_store(struct scan *s)
{
	char why[400];
	int top = open(s->store_real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (top < 0) {
		rlog_msg(&s->log, RL_ERROR, "store %s: %s", rlog_esc(&s->log, s->store_real),
			 strerror(errno));
		return EXIT_BAD_STORE;
	}
	if (storeguard_lock(top, why, sizeof why) != 0) {
		int busy = errno == EWOULDBLOCK;
		rlog_msg(&s->log, RL_ERROR, "store %s: %s", rlog_esc(&s->log, s->store_real), why);
		close(top);
		return busy ? EXIT_STORE_BUSY : EXIT_BAD_STORE;
	}
	int meta = openat(top, STORE_META, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int bad = storeguard_check(meta, why, sizeof why);
	if (meta >= 0)
		close(meta);
	if (bad) {
		rlog_msg(&s->log, RL_ERROR,
			 "store %s cannot be trusted: %s (another user could have written what it "
			 "holds): not overwritten",
			 rlog_esc(&s->log, s->store_real), why);
		close(top);
		return EXIT_BAD_STORE;
	}
	s->lock_fd = top;
	return 0;
}

static void cleanup(struct scan *s)
{
	if (s->cw)
		catw_abort(s->cw);
	items_free(&s->items);
	ds_free(&s->src);
	for (size_t i = 0; i < s->npstk; i++)
		ds_free(&s->pstk[i]);
	free(s->pstk);
	free(s->dirbuf);
	for (size_t i = 0; i < s->nsv; i++)
		svol_free(&s->sv[i]);
	free(s->sv);
	inotab_free(&s->copies);
	inotab_free(&s->plan_copies);
	for (size_t i = 0; i < s->nfirsts; i++)
		free(s->firsts[i].path);
	free(s->firsts);
	free(s->probes);
	locks_free(&s->locks);
	if (s->bound)
		rt_unbind(&s->b);
	for (size_t i = 0; i < s->nfixed; i++)
		free(s->fixed[i]);
	free(s->fixed);
	for (int c = 1; c < DC__N; c++) {
		for (size_t i = 0; i < s->nclassroots[c]; i++)
			free(s->classroots[c][i]);
		free(s->classroots[c]);
	}
	users_free(&s->users);
	idset_free(&s->own_uids);
	free(s->nonlocal);
	idset_free(&s->own_gids);
	aclrec_free(&s->acls);
	rtopts_choices_free(s->choices, s->nchoices);
	if (s->plan_open)
		plan_close(&s->plan);
	vol_free(&s->vt);
	if (s->rootfd >= 0)
		close(s->rootfd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->root_real);
	free(s->store_real);
	free(s->refused);
	free(s->store_logical);
	free(s->store_rel);
}

int scan_run(const struct scan_opts *so, volatile sig_atomic_t *stop)
{
	struct scan s = {0};
	char err[512];
	int rc;
	s.so = so;
	s.o = &so->o;
	s.stop = stop;
	s.rootfd = s.lock_fd = -1;
	items_init(&s.items);
	raise_nofile();
	if ((rc = setup_paths(&s)))
		goto out;
	if (rlog_open(&s.log, so->o.log ? so->o.log : "migstate-scan.log", so->o.progress,
		      so->estimate ? NULL : so->listfiles, so->o.verbose, err, sizeof err)) {
		fprintf(stderr, "migstate scan: %s\n", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	s.log_open = true;
	rlog_progress(&s.log, "program", "migstate scan", "productVersion", MIGSTATE_VERSION, NULL);
	rlog_progress(&s.log, "PHASE", "Initializing", NULL);
	rlog_msg(&s.log, RL_INFO, "migstate %s scan: store %s, root %s, plan %s, %s store",
		 MIGSTATE_VERSION, rlog_esc(&s.log, s.store_real), rlog_esc(&s.log, s.root_real),
		 rlog_esc(&s.log, so->o.plan), so->o.hardlink ? "hard-link" : "copy");
	if (vol_load(&s.vt, err, sizeof err)) {
		rlog_msg(&s.log, RL_ERROR, "%s", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	int m = setup_master(&s);
	if (m) {
		if (m == -1)
			rlog_msg(&s.log, RL_ERROR, "cannot find the volume of the store %s",
				 rlog_esc(&s.log, s.store_real));
		rc = EXIT_BAD_STORE;
		goto out;
	}
	/* an existing store is refused before any work (27), unless -o and ours */
	enum store_state st = store_probe(s.store_real);
	if (!so->estimate && (st == SS_FOREIGN || (st != SS_NONE && !so->overwrite))) {
		if (st == SS_FOREIGN)
			rlog_msg(&s.log, RL_ERROR,
				 "store %s: exists and is not a migstate store: left "
				 "untouched",
				 rlog_esc(&s.log, s.store_real));
		else
			rlog_msg(&s.log, RL_ERROR,
				 "store %s: a store (state %s%s) already exists there: "
				 "-o overwrites it",
				 rlog_esc(&s.log, s.store_real), store_state_names[st],
				 st == SS_COMPLETE ? "" : ", incomplete");
		rc = EXIT_BAD_STORE;
		goto out;
	}
	/* -o: the store to replace is ours from now on, and trusted, before any work */
	if (!so->estimate && st != SS_NONE && (rc = lock_old_store(&s)))
		goto out;
	if ((rc = setup_bind(&s)))
		goto out;
	scan_judge_location(&s);
	if (scan_pass1(&s)) {
		rc = s.exit ? s.exit : EXIT_FAILED;
		goto out;
	}
	if (scan_choose_stores(&s)) {
		rc = EXIT_FAILED;
		goto out;
	}
	char a[32];
	rlog_progress(&s.log, "totalSizeInMBToTransfer", scan_mb(s.sv[0].copy_bytes, a, sizeof a),
		      NULL);
	if (so->estimate) {
		rc = scan_write_estimate(&s) ? EXIT_FAILED : EXIT_OK;
		scan_summary(&s, rc, true);
		if (rc == EXIT_OK && !so->o.json)
			printf("migstate scan: estimate written to %s: %s to copy into the master "
			       "store%s\n",
			       so->estimate, scan_mb(s.sv[0].copy_bytes, a, sizeof a),
			       s.loc.mask ? "; the store would not survive a reinstall there "
					    "(see the warnings)"
					  : "");
		goto out;
	}
	if (scan_check_space(&s, false)) {
		rc = EXIT_STARTUP;
		goto out;
	}
	if (scan_create_stores(&s) || scan_open_catalog(&s)) {
		if (!s.exit)
			store_failure(&s, "opening the catalog of", s.store_real, errno);
		rc = s.exit;
		goto out;
	}
	if (scan_pass2(&s) || scan_commit(&s)) {
		rc = s.exit ? s.exit : EXIT_FAILED;
		goto out;
	}
	rc = s.c.skipped_continue ? EXIT_SKIPPED : EXIT_OK;
	rlog_msg(&s.log, RL_INFO, "store %s complete", rlog_esc(&s.log, s.store_real));
	if (so->first_boot && scan_first_boot(&s))
		rc = EXIT_FAILED;
out:
	if (s.log_open) {
		if (!so->estimate || rc != EXIT_OK)
			scan_summary(&s, rc, false);
		snprintf(err, sizeof err, "%" PRIu64, s.c.skipped_continue + s.c.skipped_rule);
		rlog_progress(&s.log, "numberOfIgnoredErrors", err, "message",
			      rc == EXIT_OK	   ? "successful run"
			      : rc == EXIT_SKIPPED ? "completed with skipped errors"
						   : "stopped",
			      NULL);
		if (rlog_close(&s.log) && rc == EXIT_OK)
			rc = EXIT_ENVIRONMENT;
	}
	cleanup(&s);
	return rc;
}
