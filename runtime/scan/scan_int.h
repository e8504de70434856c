/* scan_int.h - shared by the capture engine's files (scan.c and scan_*.c); not part of
 * its interface (scan.h).
 *
 * scan.c runs the capture: set-up, pass 1 (scan_walk.c: walk, decide, classify into the
 * item list, scan_items.c), where each payload goes (scan_payloads.c), the stores
 * (scan_stores.c), pass 2 (scan_capture.c, helped by scan_helper.c), commit, the report
 * (scan_report.c). The volumes are in scan_volumes.c, the open directory stacks in
 * scan_dirstack.c, inodes already copied in scan_copies.c, failures in scan_errors.c. */
#ifndef MIGRT_SCAN_INT_H
#define MIGRT_SCAN_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "aclrec.h"
#include "bind.h"
#include "catalog.h"
#include "inotab.h"
#include "fdstack.h"
#include "idset.h"
#include "locks.h"
#include "logging.h"
#include "plan.h"
#include "scan.h"
#include "spill.h"
#include "storeloc.h"
#include "volumes.h"
#include "walk.h"
/* A_LINK: a hard link in the store of its own volume. A_REFLINK: a clone (FICLONE, shared
 * extents) in the store of its home volume (its own, or for a btrfs subvolume the store
 * of the mount it is part of). A_COPY: into the master store (by FICLONE when the master
 * is on the same filesystem and mount, else a real copy). */
enum item_act { A_RECORD, A_LINK, A_COPY, A_REFLINK };
/* One object found by pass 1, captured by pass 2. */
struct item {
	char *path;	 /* logical */
	uint32_t dirlen; /* path[0..dirlen) is its directory */
	uint32_t vol;	 /* svol of the original */
	uint32_t rule, ctx;
	uint64_t dev, ino;
	uint64_t est;	/* bytes a copy would take */
	uint32_t nlink; /* names of the inode when classified (> 1: others may come) */
	uint16_t flags; /* CF_* */
	uint8_t type;	/* enum cat_type */
	uint8_t act;	/* enum item_act */
	bool parent_only;
	bool lock_copy; /* errorHardLink: a copy that fails is the in-use error */
	bool copyup;	/* overlayfs: its data is in a lower layer (linking copies it up) */
	bool plain;	/* must be a real copy into the master (--efs decryptcopy) */
};
/* A cached open directory (consecutive objects mostly share one). */
struct pdir {
	char *path;
	int fd;
};
/* A volume the scan reads from or writes to: a mount and a device, (mount id, st_dev).
 * A btrfs subvolume that is not mounted on its own shares its mount with the enclosing
 * filesystem but has its own st_dev: links into the mount's store fail (EXDEV), clones
 * work. overlayfs reports the underlying layer's st_dev for files: one volume per
 * mount there. */
struct svol {
	uint32_t mnt_id;
	dev_t dev;
	uint64_t fs_magic;
	uint64_t link_max; /* vol_link_max() of the filesystem holding its files */
	bool subvol;	   /* not the device the mount's store would be on: no store */
	bool overlay;	   /* overlayfs: linking a lower-layer file copies its data up */
	bool no_copyup;	   /* overlay, --overlay auto: no room for copy-ups, copy instead */
	bool readonly;	   /* read-only mount or filesystem (squashfs, erofs ...) */
	bool nosuid;	   /* mounted nosuid (or unknown): no set-id bit, no capability kept */
	bool nodev;	   /* mounted nodev (or unknown): its device nodes are never restored */
	char *upper;	   /* overlayfs upper layer directory (NULL: none or not visible) */
	int home;	   /* the svol whose store takes its links and clones; -1: none */
	int probe_fd;	   /* O_PATH fd of the deepest existing directory of its store */
	char *mnt_real;	   /* mount point in our namespace */
	char *mnt_logical; /* as seen beneath the root ("/" when at or above it) */
	char *fstype;
	bool no_links;	  /* cannot hold hard links: copy into the master */
	bool master;	  /* holds the master store */
	bool has_store;	  /* a store of its own (master, or a per-volume store) */
	bool used;	  /* holds included objects */
	char *store_real; /* its store directory (NULL: none) */
	char *store_logical;
	int meta_fd, file_fd;
	uint32_t cat;			     /* index in the catalog's volume table */
	uint64_t n_link, n_copy, copy_bytes; /* plan (copy_bytes: on the master, every copy) */
	uint64_t n_reflink, n_copyup;	     /* plan: clones (anywhere), links copying up */
	uint64_t copyup_bytes;		     /* plan: bytes copied up on this volume */
	uint64_t from_bytes;		     /* plan: bytes of its files copied into the master */
	uint64_t n_inodes;		     /* plan: inodes its store takes (copies, clones,
						payload directories) */
	char *plan_dir;			     /* plan: the last payload directory counted */
	size_t plan_dirlen, plan_dircap;
	uint64_t did_link;		     /* captured */
	struct pdir pd;			     /* last payload directory */
};
/* Can files of volume SRC be cloned into the store of volume DST? Tried once per pair
 * (and per layer on overlayfs: LOWER). */
struct clone_probe {
	uint32_t src, dst;
	bool lower, ok;
};
struct counters {
	uint64_t linked, copied, reflinked, recorded, bytes_copied;
	uint64_t copied_up, bytes_copied_up; /* overlayfs links that copied data up */
	uint64_t skipped_continue, skipped_rule, efs_skipped, parents, vanished;
	uint64_t setid_stripped;  /* files from nosuid mounts that lost set-id bits or caps */
	uint64_t devices_skipped; /* device nodes from nodev mounts: recorded, never restored */
	uint64_t volumes_skipped; /* mount roots the walk cannot enter (a user's FUSE mount) */
	uint64_t stores_skipped;  /* migstate stores found in the walk: never captured */
	uint64_t nonlocal_skipped; /* --localonly: mounts of other drive classes left out */
};
/* The item list: every object pass 1 found, in walk order (see "the item list" below). */
struct items {
	struct spill sp; /* the front-coded records (scan_items.c) */
	int tmpfd;	 /* directory to make its file in first (the store's volume), owned; -1 */
	char *last;	 /* the previous record's path (front coding) */
	size_t lastlen, lastcap;
	int err; /* errno of the first failure (sticky): the list's, or a reader's */
};
/* Directories along one logical path, kept open, a bounded number of them (see
 * "directory stacks" below). All zero: not used yet. */
struct dstack {
	struct fdstack fds;
	bool ready;
};
/* The first copy of an inode with several names: later names link to it. */
struct first_copy {
	char *path;
	uint8_t act;
};
struct scan {
	const struct scan_opts *so;
	const struct rt_opts *o;
	volatile sig_atomic_t *stop;
	struct rlog log;
	bool log_open;
	struct plan plan;
	bool plan_open;
	int rootfd;
	char *root_real;
	struct vol_table vt;
	struct user_list users;
	struct user_choice *choices;
	size_t nchoices;
	struct rt_bound b;
	bool bound;
	struct lock_set locks;
	char **fixed;
	size_t nfixed;
	char **classroots[DC__N]; /* Removable, Remote, CDROM mount roots ([DC_FIXED] unused) */
	size_t nclassroots[DC__N];
	char *store_real, *store_logical, *store_rel;
	struct svol *sv;
	size_t nsv;
	struct items items; /* what pass 1 found, streamed */
	size_t nit;
	struct cat_writer *cw;
	struct dstack src;   /* source directories (pass 2) */
	struct dstack *pstk; /* payload directories, per svol */
	size_t npstk;
	char *dirbuf; /* item_dir() */
	size_t dirbufcap;
	struct inotab copies;	   /* (dev, ino) -> the copy later names link to (firsts) */
	struct inotab plan_copies; /* (dev, ino, store) -> names planned (scan_plan_payloads) */
	struct first_copy *firsts;
	size_t nfirsts;
	struct clone_probe *probes;
	size_t nprobes;
	struct counters c;
	int lock_fd;   /* the master store's top, locked (storeguard.h): -1 until it exists */
	struct idset own_uids, own_gids; /* owners of what was captured (identity.h) */
	struct aclrec acls;		 /* captured ACLs with named entries (aclrec.h) */
	uint32_t *nonlocal; /* mount ids of removable, network and optical volumes */
	size_t nnonlocal;
	char *refused; /* the last mount root found refusing us (scan_mount_refused) */
	struct storeloc loc; /* where the store lies: will a reinstall keep it? */
	int exit;     /* set when something decided to stop the run */
	bool started; /* the walk began: a summary means something */
};
/* A reader: ic_first, ic_next ... NULL (at the end, or on an error: items.err). */
struct icur {
	struct items *l;
	bool update; /* write changed items back */
	struct spill_cur cur;
	bool have;
	char *path;
	size_t pathcap;
	struct item it, orig;
};

/* What pass 2's helper thread did with one item (scan_helper.c). */
struct prelinked {
	bool linked;	   /* linked into its payload directory: X is what was linked */
	bool acl_read;	   /* its access ACL was read from the store name: ACL (NULL: none) */
	struct statx x;
	unsigned char *acl;
	size_t acllen;
};
struct helper;
static inline const char *item_name(const struct item *it)
{
	return it->path + it->dirlen + (it->dirlen > 1 ? 1 : 0);
}

/* --- scan_util.c: small helpers --------------------------------------------------- */

/* Is P the directory DIR or beneath it? */
bool scan_within(const char *p, const char *dir);
/* Logical path of the real path REAL ("/" for the root), NULL when outside it. */
char *scan_logical_of(const struct scan *s, const char *real);
/* statvfs free bytes at PATH or its deepest existing ancestor (*TOTAL: its size). */
uint64_t scan_free_at(const char *path, uint64_t *total);
/* The free inodes there (*AVAIL), false when its filesystem has no fixed number. */
bool scan_free_inodes_at(const char *path, uint64_t *avail);
/* BYTES as "12.3 MB" in BUF. */
const char *scan_mb(uint64_t bytes, char *buf, size_t n);
/* The catalog type (enum cat_type) of a stat mode. */
uint8_t scan_cat_type_of(unsigned mode);

/* --- scan_report.c: where the store lies (storeloc.h), warned in the log and on stderr
 * and reported by --estimate and --json --- */
void scan_judge_location(struct scan *s);
/* --- scan_firstboot.c: --first-boot, the manifest for the first-boot unit. 0, or -1
 * (logged) --- */
int scan_first_boot(struct scan *s);
/* --- scan_errors.c --------------------------------------------------------------- */

/* An error on DIR/NAME (NAME NULL: the directory itself): ErrorControl first, then
 * --continue. Returns 0 to skip the object and go on, -1 to stop (s->exit set). */
int scan_error(struct scan *s, const char *dir, const char *name, int err, const char *what);
/* A store-side failure: the store cannot be written (exit EXIT_FAILED). -1. */
int store_failure(struct scan *s, const char *what, const char *path, int err);
/* PATH[0..LEN) is the root of a mount that refuses us (ERR): a warning and a skipped
 * volume, once (pass 2 may meet it for every object beneath it). */
void scan_mount_refused(struct scan *s, const char *path, size_t len, int err);

/* --- scan_items.c ---------------------------------------------------------------- */

/* An empty list; its temporary file is made in DIRFD (owned from then on) first. */
void items_init(struct items *l);
void items_set_tmpdir(struct items *l, int dirfd);
/* Append IT (its path: PLEN bytes). 0, or -1 with errno. */
int items_push(struct items *l, const struct item *it, size_t plen);
void items_free(struct items *l);
/* Start reading the list (UPDATE: changes to the items returned are written back),
 * the next item, the end of a reading (writes the last change back). */
struct item *ic_first(struct items *l, struct icur *c, bool update);
struct item *ic_next(struct icur *c);
void ic_end(struct icur *c);
/* IT's directory as a string, in a buffer reused from call to call. */
const char *item_dir(struct scan *s, const struct item *it);

/* --- scan_dirstack.c ------------------------------------------------------------- */

void ds_free(struct dstack *d);
/* An fd of directory DIR (LEN bytes, logical) beneath BASE ("/"), owned by the stack
 * (valid until the next ds_open); MKDIRS: missing directories are made. -1 with errno. */
int ds_open(struct dstack *d, int base, const char *dir, size_t len, bool mkdirs);

/* --- scan_copies.c --------------------------------------------------------------- */

/* The copy of inode (DEV, INO) later names link to: its index in s->firsts and the svol
 * holding it. */
bool ih_find(const struct inotab *h, uint64_t dev, uint64_t ino, size_t *idx, uint32_t *vol);
/* Make (IDX, VOL) that copy (replacing an earlier one: its links ran out, EMLINK). */
void ih_put(struct inotab *h, uint64_t dev, uint64_t ino, size_t idx, uint32_t vol);

/* --- scan_volumes.c -------------------------------------------------------------- */

void svol_free(struct svol *v);
/* The deepest existing directory on the way to PATH, opened O_PATH, when it is on mount
 * MNT_ID; -1 otherwise. *DEV: its device. */
int scan_open_deepest(const char *path, uint32_t mnt_id, dev_t *dev);
/* The svol of (MNT_ID, DEV), added on first sight. -1 when out of memory. */
int svol_of(struct scan *s, uint32_t mnt_id, dev_t dev);
/* Mount points at or beneath the root, by drive type (GenerateDrivePatterns). */
int scan_fixed_roots(struct scan *s);
/* Where a volume mounted at MNT gets its store re-rooted. */
const char *scan_store_base(const struct scan *s, const char *mnt);
/* Real path of the store of the volume mounted at MNT. */
char *scan_volume_store_path(const struct scan *s, const char *mnt);
/* Directories the walk must never enter: the master store and any per-volume store. */
int scan_skip_lists(struct scan *s, struct walk_skip **skip, size_t *nskip, char ***paths,
		    size_t *npaths);

/* --- scan_walk.c ----------------------------------------------------------------- */

/* Immutable or append-only: "locked by the OS", cannot be linked. */
bool stx_os_locked(const struct statx *x);
/* How to capture the regular file IT (statx X). 1 = capture, 0 = leave it out, -1 = stop. */
int scan_classify(struct scan *s, struct item *it, const struct statx *x);
/* Pass 1: walk, decide, classify into the item list. 0, or -1 (s->exit says why). */
int scan_pass1(struct scan *s);

/* --- scan_payloads.c ------------------------------------------------------------- */

/* Where each file's payload goes and what that costs, per volume. */
void scan_plan_payloads(struct scan *s);
/* Decide which volumes get a store of their own (before anything is created). */
int scan_choose_stores(struct scan *s);
/* Inodes the store of V will take; *KEEP: those --min-free keeps free besides. */
uint64_t scan_store_inodes(const struct scan *s, const struct svol *v, uint64_t *keep);
/* Enough free space and inodes on every store volume? 0, or -1 (reported unless QUIET). */
int scan_check_space(struct scan *s, bool quiet);

/* --- scan_stores.c --------------------------------------------------------------- */

/* Create the master store and the per-volume ones. */
int scan_create_stores(struct scan *s);
/* Open the catalog writer with the volume and user tables. */
int scan_open_catalog(struct scan *s);
/* Flush every store, commit the catalog, then mark the stores complete (master last). */
int scan_commit(struct scan *s);

/* --- scan_recount.c -------------------------------------------------------------- */

/* What a payload tree holds: regular files, and everything else (other types, mounts
 * inside it, entries or directories that cannot be read). */
struct payload_tally {
	uint64_t files, other;
};
/* Add what the tree below directory TOP holds to *T. 0, or -1 with errno. */
int scan_count_payload(int top, struct payload_tally *t);

/* --- scan_mountflags.c ---------------------------------------------------------- */

/* copy_file() flags for a copy of IT (COPY_NOSUID off a nosuid mount). */
unsigned scan_copy_flags(const struct scan *s, const struct item *it);
/* What IT's mount means for its record R (SFD: its directory): CF_NOSUID and the mode
 * without set-id bits off a nosuid mount, CF_NODEV for a device node off a nodev one;
 * each file stripped and each such device is counted and logged. */
void scan_mount_flags(struct scan *s, const struct item *it, int sfd, struct cat_record *r);

/* --- scan_helper.c: pass 2 on two cores ------------------------------------------ */

/* Start the helper when the capture is large enough and a second CPU is there (NULL:
 * none, the main thread does everything). */
struct helper *scan_helper_start(struct scan *s);
/* Called by the main thread for every item I of the list, in order: what the helper did
 * with it, NULL when it is the main thread's to capture (waits for the helper's chunk). */
const struct prelinked *scan_helper_at(struct helper *h, size_t i);
/* Stop it (joined) and free it (NULL: nothing). */
void scan_helper_stop(struct helper *h);

/* --- scan_capture.c: pass 2 ------------------------------------------------------ */

/* Pass 2: capture every item in walk order, streaming the catalog. 0, or -1. */
int scan_pass2(struct scan *s);

/* Link IT by fd into its payload directory (PD: this thread's payload stack of IT's
 * volume) when it takes the quick way: 1 linked (X, *DFD the payload directory), 0 take
 * the general path, -1 the payload directory cannot be made (errno). */
int scan_link_fast(const struct scan *s, struct dstack *pd, const struct item *it, int sfd,
		   struct statx *x, int *dfd);
/* The record of IT linked by scan_link_fast (X), counted. */
void scan_linked_record(struct scan *s, const struct item *it, const struct statx *x,
			struct cat_record *r);

/* --- scan_report.c --------------------------------------------------------------- */

/* --estimate FILE: USMT /p's shape, plus one element per store volume. */
int scan_write_estimate(struct scan *s);
/* The summary: in the log, and on stdout (text or --json). */
void scan_summary(struct scan *s, int rc, bool estimate);

#endif
