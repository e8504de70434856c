/* dirnames.h - the names in a directory as an array, for code that reads a directory
 * whole before it changes anything in it (removal, checks): one reader instead of a
 * readdir loop per caller. */
#ifndef MIGRT_DIRNAMES_H
#define MIGRT_DIRNAMES_H

#include <stddef.h>

/* The names in directory DFD but "." and "..", sorted by bytes (walks and reports are
 * reproducible), read with DFD itself (getdents64 from its start: no second descriptor,
 * so a walk at the descriptor limit still reads). 0, or -1 with errno: never an empty
 * list for a directory that could not be read. Free with dirnames_free. */
int dirnames_read(int dfd, char ***out, size_t *n);
void dirnames_free(char **v, size_t n);
/* Does directory DFD hold anything but "." and ".."? 1 empty, 0 not, -1 with errno when
 * it cannot be read (never "not empty" for a directory that was not looked at). Reads
 * with DFD itself into a buffer on the stack: no allocation, no second descriptor. */
int dirnames_empty(int dfd);

#endif
