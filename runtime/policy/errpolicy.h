/* errpolicy.h - Config.xml's ErrorControl and HardLinkStoreControl at run time.
 *
 * Both are lists of (pattern, action) kept in document order in the plan (ERRC, HLNK
 * sections); the first rule whose pattern names the failing object decides (spec 3.3,
 * 3.4). A pattern names a file when its node glob matches the file's directory (the
 * way the VM's NODE instruction matches) and its leaf glob matches the name; a pattern
 * without a leaf names no file. For an error on a directory itself (it cannot be
 * opened or read) the node glob alone decides. Patterns are tried in every context
 * they were bound in (system and each user), since a rule may use user variables. */
#ifndef MIGRT_ERRPOLICY_H
#define MIGRT_ERRPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bind.h"

enum errp_action {
	ERRP_NONE,     /* no rule matched: --continue decides */
	ERRP_NONFATAL, /* skip the object, log it, carry on */
	ERRP_FATAL,    /* stop the migration (exit 61), even with --continue */
};

enum hlnk_action {
	HLNK_NONE,   /* no rule: a locked file is the file-in-use error (EBUSY) */
	HLNK_CREATE, /* createHardLink: link it anyway */
	HLNK_ERROR,  /* errorHardLink: copy it instead; EBUSY if the copy fails */
};

/* The first ErrorControl rule matching an error ERR (errno) on DIR/NAME (NAME NULL or
 * "" for the directory DIR itself). *RULE receives its index in plan->errcs. */
enum errp_action errp_decide(const struct rt_bound *b, const char *dir, const char *name, int err,
			     uint32_t *rule);
/* The first HardLinkStoreControl rule matching the locked file DIR/NAME. */
enum hlnk_action hlnk_decide(const struct rt_bound *b, const char *dir, const char *name,
			     uint32_t *rule);

#endif
