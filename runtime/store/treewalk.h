/* treewalk.h - a bottom-up walk of a tree that never follows a symlink and never
 * leaves a volume (rd, verify and du walk a store with it). */
#ifndef MIGRT_TREEWALK_H
#define MIGRT_TREEWALK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* Bottom-up walk of the tree below directory fd TOP (not closed). The callback sees
 * each entry once: files, symlinks and others with POST false; a directory with POST
 * false before its contents (return 1 to skip them) and again with POST true after.
 * REL is the path below TOP ('/'-separated, no leading '/'). A directory on another
 * filesystem or mount (a mount point inside the store) is reported with FOREIGN true
 * and never entered. DIRFD/NAME name the entry for *at() calls. A nonzero callback
 * return other than 1 stops the walk and is returned. */
struct sw_visit {
	int dirfd;
	const char *name;
	const char *rel;
	const struct stat *st;
	bool post;
	bool foreign;
	int error; /* the entry could not be read/opened: errno, else 0 */
};
typedef int (*sw_visit_fn)(const struct sw_visit *v, void *ctx);
int sw_walk(int top, sw_visit_fn fn, void *ctx);

/* Mount id of FD (statx STATX_MNT_ID), 0 when the kernel cannot tell. */
uint64_t sw_mnt_id(int fd);

#endif
