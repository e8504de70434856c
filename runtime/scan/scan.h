/* scan.h - the capture engine behind `migstate scan` (ScanState /hardlink /nocompress).
 *
 * Two passes over the migrated system:
 *   1. walk and decide (walk.c): every included object is classified -- link it into
 *      the store of its own volume, copy it into the master store, record it only
 *      (directories, symlinks, fifos, sockets, devices), or raise an error at once
 *      (a file locked by an application with no HardLinkStoreControl rule, an encrypted
 *      file under --efs abort) -- so the space check knows what will be copied before
 *      anything is written, and a refused scan leaves no store behind;
 *   2. create the stores and capture the list in walk order, streaming the catalog;
 *      commit the catalog last, then mark the stores complete.
 * Errors on objects go through ErrorControl (errpolicy.h), then --continue. */
#ifndef MIGRT_SCAN_H
#define MIGRT_SCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "rtopts.h"

enum efs_mode { EFS_ABORT, EFS_SKIP, EFS_HARDLINK, EFS_DECRYPTCOPY, EFS_COPYRAW };
extern const char *const efs_mode_names[5];

/* --overlay: what a lower-layer file on overlayfs becomes. AUTO: a clone beside it when
 * the layers' filesystem shares extents, else a link (the kernel copies the data up
 * into the upper layer: one copy, and restore is free), else -- when the upper layer
 * has no room for the copy-ups -- a copy in the master store. COPY: never copy up
 * (clone or copy into the master). LINK: always link (copy up). */
enum overlay_mode { OVL_AUTO, OVL_COPY, OVL_LINK };
extern const char *const overlay_mode_names[3];

struct scan_opts {
	struct rt_opts o; /* the shared options */
	bool overwrite;	  /* -o */
	bool force;	  /* --force: -o may drop the last links the old store holds */
	bool localonly;	  /* --localonly: removable, network and optical volumes left out */
	enum efs_mode efs;
	const char *listfiles; /* --listfiles FILE */
	const char *estimate;  /* --estimate FILE: write the estimate, create no store */
	uint64_t min_free;     /* bytes that must stay free on every store volume */
	bool in_use_writers;   /* --in-use writers: open-for-write counts as locked */
	bool trace;	       /* --trace: decision trace on stderr */
	enum overlay_mode overlay; /* --overlay auto|copy|link */
	bool first_boot;	   /* --first-boot: write the manifest (firstboot.h) */
	bool first_boot_lac;	   /* --first-boot-lac: its load creates missing users */
};

/* Run the scan; returns the process exit code (exitcodes.h). STOP is set by a signal
 * handler to cancel (exit 2, the store stays recognisably incomplete). */
int scan_run(const struct scan_opts *so, volatile sig_atomic_t *stop);

#endif
