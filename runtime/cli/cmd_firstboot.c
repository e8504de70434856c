/* cmd_firstboot.c - `migstate firstboot [--root DIR] MANIFEST_DIR`: the first-boot
 * restore (contrib/systemd/migstate-firstboot.service runs it).
 *
 * MANIFEST_DIR is the .migstate-firstboot directory `scan --first-boot` wrote
 * (firstboot.h), as a path beneath DIR (default /). Nothing is done unless every
 * directory on the way, the manifest and the plan are root's and writable by nobody
 * else (exit 27, nothing written). Then load runs in this process with the manifest's
 * options, its --json summary captured, and the result is recorded next to the
 * manifest, which is renamed manifest.done: the unit's condition is false from then
 * on, whatever load's exit code (the admin reads result.json and load.log, and can run
 * load by hand). A power cut during the load leaves the manifest: the next boot runs
 * load again, which resumes (its restore journal). Exit: load's exit code; 27 the
 * manifest is not trusted or not usable; 11 usage; 72 the result cannot be recorded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "argtab.h"
#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "firstboot.h"
#include "fsutil.h"

#define FB_CAPTURE "result.load.tmp"

static const char usage_text[] =
    "usage: migstate firstboot [--root DIR] MANIFEST_DIR\n"
    "Restore from the store that 'scan --first-boot' recorded in MANIFEST_DIR (the\n"
    ".migstate-firstboot directory at the top of the store's filesystem, e.g.\n"
    "/home/.migstate-firstboot), as the first-boot unit does. Refused unless every\n"
    "directory from / to MANIFEST_DIR, the manifest and the plan copy in it are owned\n"
    "by root, writable by neither group nor others, no symlink, not on FUSE; the\n"
    "store then gets load's own checks. Runs load with the manifest's options, writes\n"
    "result.json (load's exit code and --json summary) and load.log there, and renames\n"
    "the manifest manifest.done so it never runs twice.\n"
    "  --root DIR   the system is beneath DIR (default /): MANIFEST_DIR is read\n"
    "               beneath it and load gets --root DIR\n"
    "Exit: load's exit code (0 restored, 3, 14, 27, 39, 61 ... as load); 11 usage;\n"
    "27 the manifest is not trusted or not usable (nothing done); 72 the result\n"
    "cannot be recorded.\n";

/* The bytes of NAME in DIRFD, without the trailing newline ("" when none), malloc'd. */
static char *slurp(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *b = NULL;
	size_t n = 0, cap = 0;
	for (ssize_t k = 1; fd >= 0 && k > 0; n += (size_t)k) {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(b, cap = cap * 2 + 8192);
			if (!nb)
				break;
			b = nb;
		}
		k = read(fd, b + n, cap - n - 1);
		if (k < 0)
			k = 0;
	}
	if (fd >= 0)
		close(fd);
	if (!b)
		return strdup("");
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	b[n] = 0;
	return b;
}

/* Run load with ARGV, its stdout into FB_CAPTURE in DIRFD. Load's exit code, or -1. */
static int run_load(int dirfd, int argc, char **argv)
{
	int out =
	    openat(dirfd, FB_CAPTURE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -1;
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(out, STDOUT_FILENO) < 0) {
		close(out);
		if (saved >= 0)
			close(saved);
		return -1;
	}
	close(out);
	int rc = cmd_load(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

/* result.json: load's exit code and summary; then the manifest becomes manifest.done. */
static int record(int dirfd, int rc, const char *store)
{
	char *load = slurp(dirfd, FB_CAPTURE);
	unlinkat(dirfd, FB_CAPTURE, 0);
	int fd = openat(dirfd, FB_RESULT ".tmp",
			O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		free(load);
		return -1;
	}
	fprintf(f, "{\"rc\":%d,\"store\":", rc);
	json_str(f, store);
	fprintf(f, ",\"finished\":%lld,\"load\":%s}\n", (long long)time(NULL),
		load && load[0] == '{' ? load : "null");
	free(load);
	int err = fflush(f) != 0 || fsync(fileno(f)) != 0;
	err |= fclose(f) != 0;
	if (err || renameat(dirfd, FB_RESULT ".tmp", dirfd, FB_RESULT) != 0 ||
	    renameat(dirfd, FB_MANIFEST, dirfd, FB_DONE) != 0 || fsync(dirfd) != 0)
		return -1;
	return 0;
}

/* firstboot's options (argtab.h); --root may be repeated, as it always could. */
enum { FB_ROOT, FB_HELP, FB_STOP_HELP = 1 };
static const struct argtab_opt fb_opts[] = {
    {"root", 0, true, true, FB_ROOT},
    {"help", 'h', false, true, FB_HELP},
};

struct fb_args {
	const char **root, **dir;
};

static int fb_arg(void *ctx, size_t table, const struct argtab_opt *opt, const char *val, char *err,
		  size_t errsz)
{
	struct fb_args *a = ctx;
	(void)table;
	if (!opt) {
		if (*a->dir)
			return argtab_one_operand(err, errsz, "DIR", *a->dir, val);
		*a->dir = val;
		return ARGTAB_OK;
	}
	if (opt->id == FB_HELP)
		return FB_STOP_HELP;
	*a->root = val;
	return ARGTAB_OK;
}

int cmd_firstboot(int argc, char **argv)
{
	const char *root = "/", *dir = NULL;
	struct fb_args fa = {&root, &dir};
	char uerr[512];
	int pr = argtab_parse(argc, argv, &(struct argtab){fb_opts, 2, false}, 1, "DIR", fb_arg,
			      &fa, uerr, sizeof uerr);
	if (pr == FB_STOP_HELP) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (pr != ARGTAB_OK) {
		fprintf(stderr, "migstate firstboot: %s (try 'migstate firstboot --help')\n", uerr);
		return EXIT_USAGE;
	}
	if (!dir || dir[0] != '/') {
		fprintf(stderr, "migstate firstboot: expected the manifest directory, an absolute "
				"path (try 'migstate firstboot --help')\n");
		return EXIT_USAGE;
	}
	char *rootr = realpath(root, NULL);
	if (!rootr) {
		fprintf(stderr, "migstate firstboot: --root %s: %s\n", root, strerror(errno));
		return EXIT_USAGE;
	}
	size_t rl = strcmp(rootr, "/") ? strlen(rootr) : 0;
	char real[FB_PATH_MAX], err[FB_PATH_MAX + 256];
	snprintf(real, sizeof real, "%.*s%s", (int)rl, rootr, dir);
	struct fb_manifest m;
	int dfd = fb_open_trusted(real, err, sizeof err);
	if (dfd < 0 || fb_read(dfd, &m, err, sizeof err) != 0) {
		fprintf(stderr, "migstate firstboot: %s: %s: nothing done\n", real, err);
		if (dfd >= 0)
			close(dfd);
		free(rootr);
		return EXIT_BAD_STORE;
	}
	/* the store is beside .migstate-firstboot; its path, plan and log are beneath the
	 * checked directories */
	char store[2 * FB_PATH_MAX], plan[FB_PATH_MAX + 16], log[FB_PATH_MAX + 16];
	size_t base = (size_t)(strrchr(real, '/') - real);
	snprintf(store, sizeof store, "%.*s/%s", (int)base, real, m.store);
	snprintf(plan, sizeof plan, "%s/%s", real, FB_PLAN);
	snprintf(log, sizeof log, "%s/%s", real, FB_LOG);
	char *args[16];
	int n = 0;
	args[n++] = "load";
	args[n++] = store;
	args[n++] = "--plan";
	args[n++] = plan;
	args[n++] = "--root";
	args[n++] = rootr;
	args[n++] = "--nocompress";
	if (m.hardlink)
		args[n++] = "--hardlink";
	if (m.lac)
		args[n++] = "--lac";
	args[n++] = "--json";
	args[n++] = "--log";
	args[n++] = log;
	args[n] = NULL;
	fprintf(stderr, "migstate firstboot: restoring from %s\n", store);
	int rc = run_load(dfd, n, args);
	if (rc < 0 || record(dfd, rc < 0 ? EXIT_FAILED : rc, store) != 0) {
		fprintf(stderr, "migstate firstboot: cannot record the result in %s: %s\n", real,
			strerror(errno));
		rc = EXIT_FAILED;
	} else {
		fprintf(stderr, "migstate firstboot: load exited %d; result in %s/%s\n", rc, real,
			FB_RESULT);
	}
	close(dfd);
	free(rootr);
	return rc;
}
