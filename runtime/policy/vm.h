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
	bool nometa;   /* size, times and dangling not filled in (rt_decide_in asks for them) */
};

struct vm_env {
	const struct plan *plan;
	const struct rt_bound *bound;
	unsigned ctx;               /* context index in BOUND (0 = system) */
	const struct vm_obj *obj;   /* NULL for condition programs */
	uint32_t ent_pat;           /* pattern of the entry being run (ENODE/ELEAF), PLAN_NONE */
	FILE *trace;                /* --trace: one line per instruction */
	unsigned known;             /* VMK_*: ENODE/ELEAF results the caller already has */
};

/* vm_env.known: the running entry's node and leaf matches, when already computed (the
 * fast path of decide.c); zero means "match them here". */
#define VMK_NODE 1u
#define VMK_NODE_TRUE 2u
#define VMK_LEAF 4u
#define VMK_LEAF_TRUE 8u

/* Run the program whose PROG header is at PC. Returns the accumulator (0/1), or -1 with
 * errno ENOMEM when a condition helper (DoesObjectExist) ran out of memory: the answer
 * is unknown, and callers must not read it as "false". */
int vm_run(const struct vm_env *e, uint32_t pc);

#endif
