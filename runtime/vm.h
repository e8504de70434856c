/* vm.h - the plan interpreter: runs one verified program against one object.
 *
 * An object is a file (DIR is its parent directory, NAME its name) or a directory
 * (DIR is its own path, NAME is empty, IS_DIR set). Paths are logical: as seen on the
 * migrated system, '/'-separated, absolute, without a trailing '/' (except "/"). */
#ifndef MIGRT_VM_H
#define MIGRT_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "plan.h"

struct rt_bound;

struct vm_obj {
	const char *dir;
	size_t dirlen;
	const char *name;
	size_t namelen;
	bool is_dir;
	bool is_link;
	bool dangling; /* symlink whose target does not exist */
	uint64_t size;
	int64_t mtime, ctime, atime;
};

struct vm_env {
	const struct plan *plan;
	const struct rt_bound *bound;
	unsigned ctx;               /* context index in BOUND (0 = system) */
	const struct vm_obj *obj;   /* NULL for condition programs */
	uint32_t ent_pat;           /* pattern of the entry being run (ENODE/ELEAF), PLAN_NONE */
	FILE *trace;                /* --trace: one line per instruction */
};

/* Run the program whose PROG header is at PC. Returns the accumulator (0/1). */
int vm_run(const struct vm_env *e, uint32_t pc);

#endif
