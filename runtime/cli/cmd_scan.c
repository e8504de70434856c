/* cmd_scan.c - `migstate scan STORE --plan PLAN ...`: the command line of the capture
 * (ScanState /hardlink /nocompress); the work is in scan.c and scan_*.c. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exitcodes.h"
#include "rtopts.h"
#include "scan.h"
#include "storeparent.h"

enum {
	S_OVERWRITE = 1,
	S_EFS,
	S_LISTFILES,
	S_ESTIMATE,
	S_MINFREE,
	S_INUSE,
	S_TRACE,
	S_OVERLAY,
	S_FORCE,
	S_LOCALONLY,
	S_FIRSTBOOT,
	S_FIRSTBOOT_LAC
};

static const struct rtopt_ext scan_ext[] = {
    {"overwrite", 'o', false, false, S_OVERWRITE}, {"efs", 0, true, false, S_EFS},
    {"listfiles", 0, true, false, S_LISTFILES},	   {"estimate", 0, true, false, S_ESTIMATE},
    {"min-free", 0, true, false, S_MINFREE},	   {"in-use", 0, true, false, S_INUSE},
    {"trace", 0, false, false, S_TRACE},	   {"overlay", 0, true, false, S_OVERLAY},
    {"force", 0, false, false, S_FORCE},
    {"localonly", 0, false, false, S_LOCALONLY},
    {"first-boot", 0, false, false, S_FIRSTBOOT},
    {"first-boot-lac", 0, false, false, S_FIRSTBOOT_LAC},
};

static void scan_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: migstate scan STORE --plan PLAN --hardlink --nocompress [options]\n"
	    "       migstate scan STORE --plan PLAN --nocompress [options]   (a copy store)\n"
	    "\n"
	    "Capture what PLAN includes into a migration store at STORE. With --hardlink every\n"
	    "file gets one more name in the store of its own volume (no data is copied);\n"
	    "files that cannot be linked (immutable or append-only files, the link limit, a\n"
	    "btrfs subvolume) are cloned beside them where the filesystem shares extents\n"
	    "(xfs, btrfs), else copied into STORE, the master store, as are files on FAT and\n"
	    "read-only volumes. Without --hardlink every file is copied (cloned if it can).\n"
	    "\n"
	    "Scan options:\n"
	    "  -o, --overwrite       replace an existing store of ours at STORE; refused (35)\n"
	    "                        when it holds the only copy of some data, as rd would\n"
	    "  --force               with -o: replace it even then\n"
	    "  --localonly           never capture files on removable, network or optical\n"
	    "                        volumes, whatever the rules say (no store is made\n"
	    "                        there either)\n"
	    "  --efs MODE            encrypted (fscrypt) files: abort (default), skip,\n"
	    "                        hardlink (needs --hardlink), decryptcopy\n"
	    "  --listfiles FILE      write every captured path to FILE\n"
	    "  --estimate FILE       write what the store would cost (bytes to copy per\n"
	    "                        volume, files to link) to FILE; creates no store\n"
	    "  --min-free MB         free space to keep on every store volume (default 250),\n"
	    "                        and one free inode per 16 KiB of it\n"
	    "  --in-use writers      also treat files open for writing by another process as\n"
	    "                        in use (default: only files locked by one)\n"
	    "  --trace               trace every decision on stderr\n"
	    "  --overlay MODE        lower-layer files on overlayfs: auto (default: a clone if\n"
	    "                        possible, else a link that copies the file up, else a\n"
	    "                        copy when the upper layer lacks room), copy (never copy\n"
	    "                        up: clone or copy into STORE), link (always link)\n"
	    "  --first-boot          (root) once the store is complete, write a manifest and\n"
	    "                        a copy of the plan to .migstate-firstboot/ at the top\n"
	    "                        of the store's filesystem (e.g. /home): after the\n"
	    "                        reinstall, migstate-firstboot.service runs\n"
	    "                        'migstate firstboot' on it (no manifest with --estimate)\n"
	    "  --first-boot-lac      --first-boot, and that load creates missing users (--lac)\n"
	    "\n"
	    "The store must be where the reinstall keeps it: scan warns (--estimate and\n"
	    "--json report store_location) when it is under /bin /boot /dev /etc /lib*\n"
	    "/sbin /usr /var /tmp /run beneath the root, in another btrfs subvolume than a\n"
	    "home, or on the root filesystem while the homes have their own.\n"
	    "\n"
	    "Common options:\n");
	rtopts_usage_common(out);
	fprintf(out, "\n"
		     "Exit codes: 0 done; 2 an encrypted file under --efs abort, or interrupted;\n"
		     "3 done but --continue skipped errors; 11 bad command line; 27 STORE exists\n"
		     "(use -o), is not a store of ours, another user owns or can write it or\n"
		     "could replace it; 29 not enough free space or inodes, or another\n"
		     "migstate command is using the store; 35 -o refused: the old store\n"
		     "holds the only copy of some data; 39 the plan cannot be used; 61 stopped\n"
		     "at an error; 71 cannot start (log); 72 the store could not be written.\n");
}

static int scan_opt(void *ctx, int id, const char *arg, char *err, size_t errsz)
{
	struct scan_opts *so = ctx;
	char *end;
	switch (id) {
	case S_OVERWRITE:
		so->overwrite = true;
		break;
	case S_EFS:
		for (int i = 0; i < 5; i++)
			if (!strcmp(arg, efs_mode_names[i])) {
				so->efs = (enum efs_mode)i;
				return 0;
			}
		snprintf(err, errsz,
			 "--efs must be abort, skip, hardlink, decryptcopy or copyraw, not '%s'",
			 arg);
		return -1;
	case S_LISTFILES:
		so->listfiles = arg;
		break;
	case S_ESTIMATE:
		so->estimate = arg;
		break;
	case S_MINFREE: {
		errno = 0;
		unsigned long long v = strtoull(arg, &end, 10);
		if (!*arg || *end || errno || arg[0] == '-' || v > (1ull << 40)) {
			snprintf(err, errsz, "--min-free expects a number of megabytes, not '%s'",
				 arg);
			return -1;
		}
		so->min_free = (uint64_t)v << 20;
		break;
	}
	case S_INUSE:
		if (!strcmp(arg, "writers"))
			so->in_use_writers = true;
		else if (strcmp(arg, "locks") != 0) {
			snprintf(err, errsz, "--in-use must be locks or writers, not '%s'", arg);
			return -1;
		}
		break;
	case S_TRACE:
		so->trace = true;
		break;
	case S_FORCE:
		so->force = true;
		break;
	case S_LOCALONLY:
		so->localonly = true;
		break;
	case S_FIRSTBOOT:
		so->first_boot = true;
		break;
	case S_FIRSTBOOT_LAC:
		so->first_boot = so->first_boot_lac = true;
		break;
	case S_OVERLAY:
		for (int i = 0; i < 3; i++)
			if (!strcmp(arg, overlay_mode_names[i])) {
				so->overlay = (enum overlay_mode)i;
				return 0;
			}
		snprintf(err, errsz, "--overlay must be auto, copy or link, not '%s'", arg);
		return -1;
	}
	return 0;
}

/* The combinations USMT refuses with rc 11, and ours. NULL when fine. */
static const char *check_combination(const struct scan_opts *so)
{
	if (!so->o.store)
		return "the store parameter is required (migstate scan STORE --plan PLAN ...)";
	if (!so->o.plan)
		return "--plan PLAN is required";
	if (so->o.hardlink && !so->o.nocompress)
		return "--hardlink requires --nocompress";
	if (!so->o.nocompress)
		return "migstate writes uncompressed stores only: give --nocompress (with "
		       "--hardlink "
		       "for a hard-link store)";
	if (so->efs == EFS_HARDLINK && !so->o.hardlink)
		return "--efs hardlink requires --hardlink";
	if (so->efs == EFS_COPYRAW)
		return "--efs copyraw is not possible: the kernel offers no way to read the raw "
		       "ciphertext of an fscrypt file; use --efs hardlink (restore on the same "
		       "volume) or --efs decryptcopy";
	if (so->force && !so->overwrite)
		return "--force only goes with -o (it lets -o drop the last links of the old store)";
	if (so->listfiles && so->estimate)
		return "--listfiles cannot be used with --estimate";
	return NULL;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts so = {.min_free = (uint64_t)250 << 20};
	char err[512];
	int rc = rtopts_parse(argc, argv, &so.o, scan_ext, sizeof scan_ext / sizeof scan_ext[0],
			      scan_opt, &so, err, sizeof err);
	if (rc == RTOPTS_HELP) {
		scan_usage(stdout);
		rtopts_free(&so.o);
		return EXIT_OK;
	}
	if (rc != RTOPTS_OK) {
		fprintf(stderr, "migstate scan: %s (try 'migstate scan --help')\n", err);
		rtopts_free(&so.o);
		return EXIT_USAGE;
	}
	const char *why = check_combination(&so);
	if (why) {
		fprintf(stderr, "migstate scan: %s\n", why);
		rtopts_free(&so.o);
		return EXIT_USAGE;
	}
	if (so.first_boot && geteuid() != 0) {
		/* a right the caller lacks, not a bad command line */
		fprintf(stderr, "migstate scan: --first-boot needs root: the first-boot unit acts "
				"only on a manifest root wrote\n");
		rtopts_free(&so.o);
		return EXIT_NOT_PERMITTED;
	}
	/* an estimate makes no store */
	if (!so.estimate && (rc = storeparent_enforce("scan", so.o.store, so.o.insecure_parent))) {
		rtopts_free(&so.o);
		return rc;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* the handler only sets the flag pass 2 polls: an interrupted call (a log line's
	 * write, a link) is restarted rather than failing with EINTR; nothing here waits
	 * for a signal to break a blocking call */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a log on a closed pipe is a write error, not death */
	rc = scan_run(&so, &stop_requested);
	rtopts_free(&so.o);
	return rc;
}
