/* firstboot.h - the first-boot restore: the manifest `scan --first-boot` writes and the
 * checks `migstate firstboot` makes before it acts on one.
 *
 * A reinstall replaces /etc and everything else on the root filesystem; the store's
 * filesystem survives (storeloc.h). So scan writes, at the top of the filesystem that
 * holds the store (its mount point as seen beneath --root: /home for /home/.migstore),
 *
 *   .migstate-firstboot/          0700, root's
 *     manifest                    "migstate-firstboot 1\n" + key: value lines (below)
 *     plan                        a copy of the plan the scan ran (0600)
 *
 * and the first-boot unit (contrib/systemd/migstate-firstboot.service) runs
 * `migstate firstboot /home/.migstate-firstboot` when the manifest exists. That runs
 * load as root, at boot, so the manifest is trusted only when nobody but root could
 * have written it or replaced it: every directory from / down to .migstate-firstboot
 * (and the manifest and the plan) must be owned by root and writable by neither group
 * nor others, none may be a symlink, and none may be on a FUSE filesystem (whose
 * owners its unprivileged mounter invents). The store it names then gets every check
 * load makes of a store (storeparent.h, storeguard.h).
 *
 * manifest lines:  store: <path of the store relative to the directory holding
 *                  .migstate-firstboot; no "..">, hardlink: yes|no, lac: yes|no,
 *                  created: <unix seconds>. Unknown lines are ignored.
 * After the load: result.json ({"rc":N,"store":"...","finished":T,"load":{load's
 * --json summary}|null}), load.log, and the manifest renamed manifest.done, so the
 * unit's condition is false from then on whatever load's exit code was. */
#ifndef MIGRT_FIRSTBOOT_H
#define MIGRT_FIRSTBOOT_H

#include <stdbool.h>
#include <stddef.h>

#define FB_DIR ".migstate-firstboot"
#define FB_MANIFEST "manifest"
#define FB_DONE "manifest.done"
#define FB_PLAN "plan"
#define FB_RESULT "result.json"
#define FB_LOG "load.log"
#define FB_MAGIC "migstate-firstboot 1\n"
#define FB_PATH_MAX 4096

struct fb_manifest {
	char store[FB_PATH_MAX]; /* relative to the directory holding FB_DIR */
	bool hardlink, lac;
};

/* scan --first-boot: write BASE/.migstate-firstboot/{plan,manifest} (BASE: the real
 * path of the directory the store's path M->store is relative to); the plan is the
 * PLANSZ bytes at PLAN, the very plan the scan ran. 0, or -1 with ERR. */
int fb_write(const char *base, const struct fb_manifest *m, const void *plan, size_t plansz,
	     char *err, size_t errsz);

/* firstboot: open the manifest directory PATH (a real path) after checking every
 * directory on the way as described above. An fd, or -1 with ERR (errno EPERM: not
 * trusted). */
int fb_open_trusted(const char *path, char *err, size_t errsz);

/* Read and check the manifest (and that the plan is trusted) in the directory DIRFD. 0,
 * or -1 with ERR (errno EPERM: not trusted, EINVAL: malformed, ENOENT: none). */
int fb_read(int dirfd, struct fb_manifest *m, char *err, size_t errsz);

#endif
