/* dirmeta.h - load's directory table: logical directory path -> the catalog metadata it
 * is made with (owner, group, mode; inode and times for the checks and the times set
 * last), plus a mark for "holds something restored". One entry per directory, never per
 * file: keys live in one arena, entries in one open-addressing table, and several paths
 * (a directory and what a locationModify made of it) share one metadata entry. */
#ifndef MIGRT_DIRMETA_H
#define MIGRT_DIRMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dir_meta {
	uint64_t ino;
	int64_t atime_ns, mtime_ns;
	uint32_t uid, gid, mode;   /* as it is restored: the owner mapped by name (idmap.h) */
	uint32_t cap_uid, cap_gid; /* as it was captured */
	const char *acl_path;	   /* its captured ACLs' key (load_acls.c), or NULL */
};

struct dm_slot {
	uint32_t key;        /* offset of the path in the arena + 1; 0: empty */
	uint32_t hash;
	uint32_t meta;       /* index into metas */
	bool touched;
};

struct dirmeta {
	struct dm_slot *slot;
	size_t cap, n;
	char *arena;
	size_t alen, acap;
	struct dir_meta *metas;
	size_t nmetas, capmetas;
};

#define DM_NONE UINT32_MAX

/* Keep M; its index, or DM_NONE when out of memory. */
uint32_t dm_add_meta(struct dirmeta *d, const struct dir_meta *m);
/* PATH -> metadata index META. OVERWRITE replaces an existing entry's index. 1 added,
 * 0 present already, -1 out of memory. */
int dm_put(struct dirmeta *d, const char *path, uint32_t meta, bool overwrite);
/* The metadata index of PATH, DM_NONE when unknown. */
uint32_t dm_find(const struct dirmeta *d, const char *path);
static inline const struct dir_meta *dm_meta(const struct dirmeta *d, uint32_t i)
{
	return i == DM_NONE ? NULL : &d->metas[i];
}
/* Mark PATH as holding something restored. 1 newly marked, 0 marked already, -1 not in
 * the table. */
int dm_touch(struct dirmeta *d, const char *path);
/* Each marked path with its metadata, in the order the paths were added; FN returning
 * nonzero stops. */
void dm_each_touched(const struct dirmeta *d,
		     int (*fn)(const char *path, const struct dir_meta *m, void *ctx), void *ctx);
void dm_free(struct dirmeta *d);

#endif
