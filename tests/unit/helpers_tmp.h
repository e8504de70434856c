/* helpers_tmp.h - a scratch directory for a unit test suite: made by the suite's .init,
 * removed with everything in it by its .fini, and paths inside it. */
#ifndef UT_HELPERS_TMP_H
#define UT_HELPERS_TMP_H

/* Make /tmp/migstate-ut-TAG.XXXXXX (fails the test when it cannot). Its path. */
const char *ut_tmp_make(const char *tag);
/* Remove it and everything in it. */
void ut_tmp_remove(void);
/* The scratch directory's path joined with REL (four rotating buffers: two may be used
 * in one call). */
const char *ut_at(const char *rel);

#endif
