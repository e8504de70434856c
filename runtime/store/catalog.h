/* catalog.h - the store's catalog: one record per captured object.
 *
 * Binary, little-endian, streamed to MIGSTATE/catalog.partial while a scan runs and
 * committed last (fsync, rename to MIGSTATE/catalog, fsync of the directory), so a
 * store without `catalog` is recognisably incomplete. Layout:
 *   header  "MIGCAT\r\n" u16 major u16 minor u32 reserved(0) u8 ruleset[32]
 *           i64 created (unix seconds) u32 nvolumes u32 nusers
 *           then nvolumes volume records (struct cat_volume, each followed by its
 *           mount point and store directory as length-prefixed strings)
 *           then nusers user records (struct cat_user, each followed by nstrings
 *           length-prefixed strings: name, home, the 8 XDG dirs)
 *   records struct cat_record, then path bytes (path_len), then the symlink target
 *           bytes (target_len, 0 for anything but a symlink) -- repeated
 *   trailer "MIGCEND\n" u64 nrecords u8 sha256[32] (hash of every byte before it,
 *           the trailer's own magic and count included)
 * Every integer is little-endian; a length-prefixed string is u16 len + bytes (no NUL).
 * Paths are logical (as seen on the migrated system) and may hold any byte but NUL.
 * Directory records come before anything inside them (the walk is pre-order, names in
 * byte order). docs/store-format.md describes the format in prose. */
#ifndef MIGRT_CATALOG_H
#define MIGRT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAT_MAGIC "MIGCAT\r\n"
#define CAT_END "MIGCEND\n"
#define CAT_MAJOR 1
#define CAT_MINOR 0
#define CAT_MAX_PATH 65535u

enum cat_type { CT_FILE, CT_DIR, CT_SYMLINK, CT_FIFO, CT_SOCKET, CT_CHR, CT_BLK };

/* What the scan did with the object. */
enum cat_action {
	CA_LINKED,    /* hard link in the store of its own volume: no data copied */
	CA_COPIED,    /* data copied into the master store */
	CA_REFLINKED, /* FICLONE: shares extents, no data copied; in the store of `volume`
			 (the master, or the store of the file's own or enclosing mount) */
	CA_RECORDED,  /* directory, symlink, fifo, socket, device: metadata only */
};

/* Flags */
#define CF_ENCRYPTED 1u   /* fscrypt file (STATX_ATTR_ENCRYPTED) */
#define CF_IMMUTABLE 2u   /* immutable or append-only at capture: copied */
#define CF_LOCKED 4u      /* held locked by another process at capture */
#define CF_NEVER_RESTORE 8u /* captured, but a NeverRestore filter drops it at load */
#define CF_PARENT 16u     /* directory recorded only as the parent of captured objects
			     (no rule included it): restore creates it only if needed */
#define CF_SHARED 32u     /* a copy already in the store for another name of the same
			     inode: the payload is a hard link to that copy */
#define CF_COPIED_UP 64u  /* CA_LINKED on overlayfs: the file's data was in a lower layer
			     and the kernel copied it up into the upper layer to link it */
#define CF_NOSUID 128u    /* captured from a nosuid mount: `mode` has no set-id bits and
			     load never gives the restored file set-id bits or file
			     capabilities (a linked payload may still have them) */
#define CF_NODEV 256u     /* captured from a nodev mount: a device node is recorded but
			     never recreated */

struct cat_volume {        /* 32 bytes + strings */
	uint64_t dev;          /* st_dev at capture */
	uint32_t mnt_id;       /* mount id at capture (statx STATX_MNT_ID) */
	uint32_t flags;        /* CV_*: holds the master store, has no store of its own */
	uint64_t fs_magic;     /* statfs f_type */
	uint64_t reserved;
	/* + u16 len + mount point (logical), u16 len + store directory (logical) */
};
#define CV_MASTER 1u
#define CV_NO_STORE 2u     /* no store on this volume (FAT, read-only, store not creatable):
			      its files were copied into the master; store_dir is "" */
#define CV_OUTSIDE_ROOT 4u /* store_dir is a real path outside --root (master only) */
#define CV_SUBVOLUME 8u    /* a part of the filesystem mounted at `mount` with a device of
			      its own (a btrfs subvolume not mounted on its own): no store of
			      its own; its files are cloned into another volume's store */

struct cat_record {        /* 96 bytes, then path_len bytes of path */
	uint8_t type;          /* enum cat_type */
	uint8_t action;        /* enum cat_action */
	uint16_t flags;        /* CF_* */
	uint32_t volume;       /* index of the volume whose store holds the payload */
	uint32_t src_volume;   /* index of the volume the original lives on */
	uint32_t user;         /* 0 system, else 1 + index of the user (see the header) */
	uint64_t ino;          /* inode at capture */
	uint64_t size;
	int64_t mtime_ns, atime_ns, ctime_ns;
	uint32_t mode, uid, gid, nlink;
	uint32_t rule;         /* plan rule that included it */
	uint32_t path_len;
	uint64_t rdev;         /* devices */
	uint32_t target_len;   /* symlinks: length of the target stored after the path */
	uint32_t reserved;     /* 0 */
};

_Static_assert(sizeof(struct cat_volume) == 32, "cat_volume layout");
_Static_assert(sizeof(struct cat_record) == 96, "cat_record layout");

struct cat_vol_info {
	struct cat_volume v;
	char *mount;           /* logical mount point */
	char *store_dir;       /* logical path of that volume's store directory */
};

#define CAT_XDG_N 8        /* DESKTOP DOCUMENTS DOWNLOAD MUSIC PICTURES PUBLICSHARE
			      TEMPLATES VIDEOS, as bind.h's xdg_names */
#define CAT_USER_STRINGS (2 + CAT_XDG_N)

struct cat_user {          /* 16 bytes + strings */
	uint32_t uid, gid;
	uint32_t nstrings;     /* CAT_USER_STRINGS when written by this version */
	uint32_t reserved;     /* 0 */
	/* + nstrings x (u16 len + bytes): name, home (logical), xdg[0..7] ("" = default) */
};
_Static_assert(sizeof(struct cat_user) == 16, "cat_user layout");

/* Record field `user` = 1 + index into this table (the scan's context number). */
struct cat_user_info {
	uint32_t uid, gid;
	char *name;
	char *home;
	char *xdg[CAT_XDG_N];  /* NULL or "" = the XDG default below home */
};

/* Writer: records are buffered (large writes) and flushed as they come. */
struct cat_writer;
struct cat_writer *catw_open(int store_meta_fd, const unsigned char ruleset[32],
			     const struct cat_vol_info *vols, size_t nvols);
/* catw_open with the user table (catw_open writes none). NULL with errno on failure. */
struct cat_writer *catw_open_ex(int store_meta_fd, const unsigned char ruleset[32],
				const struct cat_vol_info *vols, size_t nvols,
				const struct cat_user_info *users, size_t nusers);
int catw_add(struct cat_writer *w, const struct cat_record *r, const char *path);
/* catw_add for a symlink: TARGET (r->target_len is set from it). */
int catw_add_ex(struct cat_writer *w, const struct cat_record *r, const char *path,
		const char *target);
/* Write what is buffered to catalog.partial now (durable only after catw_commit). */
int catw_flush(struct cat_writer *w);
uint64_t catw_count(const struct cat_writer *w);
/* Flush, write the trailer, fsync, rename catalog.partial -> catalog, fsync the dir. */
int catw_commit(struct cat_writer *w);
void catw_abort(struct cat_writer *w); /* leaves catalog.partial for the next run */

/* Reader: maps the catalog, checks magic, version and trailer hash before use. */
struct cat_reader {
	const unsigned char *base;
	size_t size;
	unsigned char ruleset[32];
	int64_t created;
	struct cat_vol_info *vols;
	size_t nvols;
	struct cat_user_info *users;
	size_t nusers;
	uint64_t nrecords;
	bool partial;          /* opened with catr_open_partial: no trailer was checked */
	size_t last;           /* offset of the record catr_next returned last */
	size_t off;            /* iteration cursor */
	size_t first;          /* offset of the first record */
	size_t end;            /* offset of the trailer */
	size_t dropped;        /* pages below this offset were handed back (see catr_next) */
};
/* 0, or -1 with a message in ERR (missing, truncated, checksum, version). */
int catr_open(int store_meta_fd, const char *name, struct cat_reader *r, char *err, size_t errsz);
/* Next record: 1 with *REC and *PATH (NUL-terminated copy in PATHBUF), 0 at the end,
 * -1 on a malformed record. Reading in order keeps few of the file's pages resident:
 * those well behind the cursor are handed back (they are read again if needed). */
int catr_next(struct cat_reader *r, struct cat_record *rec, char *pathbuf, size_t bufsz);
void catr_rewind(struct cat_reader *r);
void catr_close(struct cat_reader *r);

/* Open MIGSTATE/catalog.partial of an interrupted scan: the header is checked, the
 * records are those completely written (nrecords counts them); no trailer, no hash.
 * For rd and verify of incomplete stores. 0, or -1 with ERR. */
int catr_open_partial(int store_meta_fd, struct cat_reader *r, char *err, size_t errsz);
/* The symlink target of the record catr_next returned last, into BUF (NUL-terminated);
 * returns its length, 0 when the record has none. */
size_t catr_target(const struct cat_reader *r, char *buf, size_t bufsz);

#endif
