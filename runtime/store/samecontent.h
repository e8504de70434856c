/* samecontent.h - comparing the bytes of two files. */
#ifndef MIGRT_SAMECONTENT_H
#define MIGRT_SAMECONTENT_H

#include <stdbool.h>

/* Do the files open as A and B hold the same bytes? (sizes are compared first) */
bool sw_same_content(int a, int b);
/* Same, for two regular files named beneath directory fds; false when either is not a
 * regular file. */
bool sw_same_file_content(int adir, const char *a, int bdir, const char *b);

#endif
