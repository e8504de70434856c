/* faultinject.h - what the fault shim's files share (faultinject.c: the rules and the
 * libc wrappers; faultinject_alloc.c: the allocator wrappers). */
#ifndef FAULTINJECT_H
#define FAULTINJECT_H

#include <stddef.h>

/* Nonzero while the shim is inside its own code: its own calls never count. */
extern __thread int fi_busy __attribute__((tls_model("initial-exec")));

/* Describes the caller of an allocation into BUF for the log. */
typedef void (*fi_where_fn)(char *buf, size_t n);

/* The rules' decision for one call of allocator FUNC: 0 make it, -1 fail it (errno set).
 * WHERE is called only when a rule logs or fires. */
int fi_fault_alloc(const char *func, fi_where_fn where);

#endif
