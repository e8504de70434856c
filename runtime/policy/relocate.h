/* relocate.h - where an included object goes at restore: locationModify helpers. */
#ifndef MIGRT_RELOCATE_H
#define MIGRT_RELOCATE_H

#include "bind.h"
#include "decide.h"

/* Destination of the object at DIR/NAME (logical) under relocating rule RULE in
 * context CTX: 0 with *OUT a malloc'd logical path, or NULL when the rule does not
 * apply (RelativeMove of an object outside its source root) or cannot be bound here;
 * -1 with errno ENOMEM (never taken for "does not apply").
 *   RelativeMove(src, dst): DIR under src is re-rooted under dst.
 *   Move(dst): the sub-folders beyond the longest variable's path that contains DIR
 *              are recreated under dst; with no such variable only the name is kept.
 *   ExactMove(loc): loc names a file: exactly there; a folder: loc/NAME (flattened). */
int rt_relocate(const struct rt_bound *b, unsigned ctx, uint32_t rule, const char *dir,
		const char *name, char **out);

#endif
