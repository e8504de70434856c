/* dent64.h - the kernel's getdents64(2) record, for the walks that read directories
 * with the raw call (one buffer per directory, no DIR stream per level). */
#ifndef MIGRT_DENT64_H
#define MIGRT_DENT64_H

#include <stdint.h>

struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

#endif
