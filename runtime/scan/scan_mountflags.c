/* scan_mountflags.c - what a nosuid or a nodev mount means for what the scan keeps.
 * A nosuid mount ignores set-id bits and file capabilities, so a user can put a
 * root-owned set-uid shell on one (her own squashfs or FUSE image); a nodev mount
 * makes device nodes inert, so she can put a world-writable disk node on one. Neither
 * may become live elsewhere: the catalog records such a file's mode without set-id
 * bits (CF_NOSUID), copies into the store drop them and the capabilities, and a device
 * node is recorded with CF_NODEV, which load never recreates. */
#include "scan_int.h"

#include "copyfile.h"
#include "setid.h"

unsigned scan_copy_flags(const struct scan *s, const struct item *it)
{
	return s->sv[it->vol].nosuid ? COPY_NOSUID : 0;
}

void scan_mount_flags(struct scan *s, const struct item *it, int sfd, struct cat_record *r)
{
	const struct svol *v = &s->sv[it->vol];
	if (v->nosuid && r->type != CT_DIR) { /* a set-gid directory only passes its group on */
		r->flags |= CF_NOSUID;
		if (r->type == CT_FILE && setid_privileged(sfd, item_name(it), r->mode)) {
			s->c.setid_stripped++;
			rlog_msg(&s->log, RL_WARN,
				 "%s is on a nosuid mount: its set-id bits and file capabilities are "
				 "not captured (mode %04o recorded as %04o)",
				 rlog_esc(&s->log, it->path), r->mode & 07777,
				 r->mode & 07777 & ~SETID_BITS);
		}
		r->mode &= ~(uint32_t)SETID_BITS;
	}
	if (v->nodev && (r->type == CT_CHR || r->type == CT_BLK)) {
		r->flags |= CF_NODEV;
		s->c.devices_skipped++;
		rlog_msg(&s->log, RL_WARN, "device node %s is on a nodev mount: recorded, never restored",
			 rlog_esc(&s->log, it->path));
	}
}
