/* load.c - the restore engine (see load.h): set-up, the decisions (load_decide.c),
 * destinationCleanup (load_cleanup.c), the objects applied (load_place.c), times set last
 * (load_times.c). The small helpers every load_*.c shares are load_util.c. */
#include "load.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "disasm.h"
#include "exitcodes.h"
#include "load_int.h"
#include "store.h"
#include "storeopen.h"
#include "users.h"

/* Per-object lists kept in memory up to these sizes, then in a temporary file on the
 * store's filesystem (spill.h): load's memory does not grow with the number of files. */
#define ACTS_MEM (1u << 20)
#define FIX_MEM (256u << 10)

/* --- setup and the run ------------------------------------------------------------- */

static int open_inputs(struct loader *L)
{
	const struct rt_opts *ro = L->o->ro;
	struct plan_error pe;
	char err[512];
	int ec;
	if (plan_open(ro->plan, &L->plan, &pe) != PLAN_OK) {
		rlog_msg(L->log, RL_ERROR, "%s: %s: %s", rlog_esc(L->log, ro->plan),
			 plan_status_name(pe.status), pe.msg);
		return EXIT_BAD_PLAN;
	}
	L->plan_open = true;
	/* a store (or a per-volume store) another user could have swapped would be
	 * restored as root */
	enum store_open_step step;
	L->store_open = true; /* closing it is safe whatever step refuses it */
	if ((ec = store_open_checked(&L->s, "load", ro->store, ro->root, SW_STREAM,
				     ro->insecure_parent, L->log, err, sizeof err, &step)) != 0) {
		if (step == SO_STEP_OPEN)
			rlog_msg(L->log, RL_ERROR, "%s", err);
		return ec;
	}
	same_init(&L->same, L->s.rootfd, &L->s.cat);
	if (L->s.state != SS_COMPLETE || !store_is_complete(L->s.meta_fd)) {
		rlog_msg(L->log, RL_ERROR, "%s: the store is not complete (state %s): %s",
			 rlog_esc(L->log, ro->store), store_state_names[L->s.state],
			 L->s.state == SS_REMOVING ? "rd was removing it"
						   : "its scan did not finish");
		return EXIT_BAD_STORE;
	}
	if (memcmp(L->plan.ruleset, L->s.cat.ruleset, 32) != 0) {
		char a[65], b[65];
		sw_hex(L->plan.ruleset, a);
		sw_hex(L->s.cat.ruleset, b);
		L->st->ruleset_differs = true;
		rlog_msg(
		    L->log, RL_WARN,
		    "the plan's rule set (%s) is not the one the store was captured with (%s): "
		    "rules missing now (reroutes, exclusions) no longer apply",
		    a, b);
	}
	return EXIT_OK;
}

static int bind_plan(struct loader *L)
{
	const struct rt_opts *ro = L->o->ro;
	static struct utsname un;
	uname(&un);
	L->fixed = calloc(L->s.nvols ? L->s.nvols : 1, sizeof *L->fixed);
	if (!L->fixed)
		return -1;
	size_t nfixed = 0;
	for (size_t i = 0; i < L->s.nvols && L->s.have_cat; i++)
		if (L->s.cat.vols[i].mount && *L->s.cat.vols[i].mount &&
		    !(L->s.cat.vols[i].v.flags & CV_SUBVOLUME)) /* its mount is listed already */
			L->fixed[nfixed++] = L->s.cat.vols[i].mount;
	L->env = (struct rt_env){
	    .rootfd = L->s.rootfd,
	    .users = L->users,
	    .nusers = L->nusers,
	    .defines = ro->defines,
	    .ndefines = ro->ndefines,
	    .drives = ro->drives,
	    .ndrives = ro->ndrives,
	    .fixed_roots = L->fixed,
	    .nfixed = nfixed,
	    .phase = PHASE_LOAD,
	    .skip_detection = true,
	    .os_release = un.release,
	};
	char err[256];
	if (rt_bind(&L->plan, &L->env, &L->b, err, sizeof err) != 0) {
		rlog_msg(L->log, RL_ERROR, "cannot bind the plan: %s", err);
		return -1;
	}
	L->bound = true;
	return 0;
}

static void cleanup_loader(struct loader *L)
{
	spill_free(&L->acts);
	spill_free(&L->fix);
	same_free(&L->same);
	links_free(L);
	owners_free(L);
	acls_free(L);
	free(L->pathbuf);
	free(L->tgtbuf);
	dm_free(&L->dirs);
	free(L->lasttouch);
	smap_free(&L->simulated);
	dirsafe_free(&L->safe);
	free(L->refused);
	rt_dirctx_free(&L->dc);
	free(L->dcdir);
	if (L->bound)
		rt_unbind(&L->b);
	for (size_t i = 0; i < L->nusers; i++) {
		users_free_one(&L->users[i]);
		free(L->target_home[i]);
	}
	free(L->users);
	free(L->target_home);
	free(L->user_ctx);
	free(L->fixed);
	if (L->journal)
		fclose(L->journal);
	if (L->dest_ready)
		fds_free(&L->dest);
	if (L->scache_fd >= 0)
		close(L->scache_fd);
	free(L->scache);
	if (L->store_open)
		sw_close(&L->s);
	if (L->plan_open)
		plan_close(&L->plan);
}

/* Apply the action list, reading the catalog alongside it (both in catalog order). */
static int apply_actions(struct loader *L)
{
	struct sw_rec r;
	uint32_t next = 0; /* number of the catalog record load_next_record returns next */
	unsigned char *b;
	size_t n, i = 0;
	if (spill_rewind(&L->acts) != 0)
		return -1;
	catr_rewind(&L->s.cat);
	lk_start(L);
	int rc = 0;
	while (!L->stop && (b = spill_get(&L->acts, &n))) {
		struct action a;
		if (load_pop_action(b, n, L->pathbuf, &a) != 0 || a.rec < next) {
			rc = -1;
			break;
		}
		while (next <= a.rec && rc == 0) {
			if (load_next_record(L, &r) != 1)
				rc = -1;
			next++;
		}
		if (rc != 0)
			break;
		if (r.r.type == CT_DIR) {
			/* made here, ahead of links still on their way: never over one */
			for (size_t d = 0; d < a.ndest; d++)
				lk_before_dir(L, a.dest[d]);
			if (!L->stop) {
				apply_action(L, &r, &a);
				if (L->stop)
					lk_stopped_after(L);
			}
		} else if (!lk_offer(L, &r, &a)) {
			lk_drain(L);
			if (!L->stop)
				apply_action(L, &r, &a);
		}
		rlog_bar(L->log, ++i, L->nacts);
	}
	lk_stop(L); /* everything handed over accounted for */
	if (rc != 0) {
		errno = EINVAL;
		return -1;
	}
	if (L->acts.err) {
		errno = L->acts.err;
		return -1;
	}
	return 0;
}

int load_run(const struct load_opts *o, struct rlog *log, struct load_stats *st)
{
	struct loader L = {.o = o, .log = log, .st = st, .scache_fd = -1};
	memset(st, 0, sizeof *st);
	spill_init(&L.acts, -1, ACTS_MEM);
	spill_init(&L.fix, -1, FIX_MEM);
	links_init(&L);
	dirsafe_init(&L.safe, log, o->keep_dir_modes, o->dry_run, o->ro->json ? stderr : stdout);
	rlog_progress(log, "PHASE", "Initializing", (char *)NULL);
	int rc = open_inputs(&L);
	if (rc != EXIT_OK)
		goto out;
	rc = EXIT_FAILED;
	/* the lists go to the store's filesystem first: it has the room */
	L.acts.dirfd = L.fix.dirfd = L.s.meta_fd;
	L.pathbuf = malloc(CAT_MAX_PATH + 1);
	L.tgtbuf = malloc(CAT_MAX_PATH + 1);
	if ((rc = owners_setup(&L)) != EXIT_OK || (rc = acls_setup(&L)) != EXIT_OK)
		goto out;
	rc = EXIT_FAILED;
	if (!L.pathbuf || !L.tgtbuf || load_setup_users(&L) != 0 || bind_plan(&L) != 0)
		goto out;
	rlog_progress(log, "PHASE", "Scanning", (char *)NULL);
	if (load_plan_actions(&L) != 0) {
		if (L.stop) { /* an object's error stopped it, and said so */
			rc = L.exit;
			goto out;
		}
		rlog_msg(log, RL_ERROR, "cannot keep the list of objects to restore: %s",
			 strerror(L.acts.err ? L.acts.err : ENOMEM));
		goto out;
	}
	rlog_msg(log, RL_INFO,
		 "%zu catalog records, %zu to restore, %zu not restored by the rules%s",
		 (size_t)L.s.cat.nrecords, L.nacts, st->excluded,
		 spill_in_file(&L.acts) ? " (the list is in a temporary file)" : "");
	/* before anything is placed or cleaned up: never a file handed to another person */
	if ((rc = owners_check(&L)) != EXIT_OK)
		goto out;
	rc = EXIT_FAILED;
	if (!o->dry_run) {
		L.journal = sw_journal_append(L.s.meta_fd);
		if (!L.journal)
			rlog_msg(log, RL_WARN,
				 "cannot write the restore journal in the store: %s "
				 "(rd will then keep copied entries it cannot match)",
				 strerror(errno));
	}
	load_run_cleanup(&L);
	rlog_progress(log, "PHASE", "Applying", (char *)NULL);
	if (apply_actions(&L) != 0) {
		rlog_bar_end(log);
		rlog_msg(log, RL_ERROR, "cannot read back the list of objects to restore: %s",
			 strerror(errno));
		goto out;
	}
	rlog_bar_end(log);
	if (!o->dry_run) {
		fix_copy_times(&L);
		acls_fix_dirs(&L);
		fix_dir_times(&L);
	} else {
		acls_fix_dirs(&L); /* --dry-run: said and counted */
	}
	if (L.journal && fflush(L.journal) != 0) {
		/* its last lines were buffered: the same warning as a failure on the way */
		rlog_msg(log, RL_WARN,
			 "cannot write the restore journal in the store: %s (rd will keep copied "
			 "entries it cannot match)",
			 strerror(errno));
		sw_journal_drop(L.journal);
		L.journal = NULL;
	} else if (L.journal && fsync(fileno(L.journal)) != 0) {
		rlog_msg(log, RL_WARN, "restore journal: %s", strerror(errno));
	}
	if (L.stop)
		rc = L.exit;
	else if (st->skipped || st->users_missing)
		rc = EXIT_SKIPPED;
	else
		rc = EXIT_OK;
out:
	cleanup_loader(&L);
	return rc;
}
