/* scan_firstboot.c - scan --first-boot: the manifest the first-boot unit restores from
 * (firstboot.h), written once the store is complete. It goes to the top of the store's
 * filesystem as seen beneath the root (the mount point of the master volume; the root
 * itself when that mount holds the root), with the store's path relative to it: after
 * the reinstall that filesystem is mounted at the same place and nothing else of the
 * old system is left. */
#include "scan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firstboot.h"

int scan_first_boot(struct scan *s)
{
	const struct svol *m = &s->sv[0];
	char base[FB_PATH_MAX], err[FB_PATH_MAX + 256];
	if (s->store_logical && m->mnt_logical)
		snprintf(base, sizeof base, "%s%s", strcmp(s->root_real, "/") ? s->root_real : "",
			 strcmp(m->mnt_logical, "/") ? m->mnt_logical : "");
	else
		snprintf(base, sizeof base, "%s", m->mnt_real);
	if (!base[0])
		strcpy(base, "/");
	struct fb_manifest fm = {.hardlink = s->o->hardlink, .lac = s->so->first_boot_lac};
	snprintf(fm.store, sizeof fm.store, "%s", s->store_rel);
	if (fb_write(base, &fm, s->plan.base, s->plan.size, err, sizeof err) != 0) {
		rlog_msg(&s->log, RL_ERROR, "first-boot manifest: %s", rlog_esc(&s->log, err));
		return -1;
	}
	rlog_msg(&s->log, RL_INFO,
		 "first-boot manifest written to %s/%s: after the reinstall, the unit "
		 "migstate-firstboot.service restores from it",
		 rlog_esc(&s->log, base), FB_DIR);
	return 0;
}
