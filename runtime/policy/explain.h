/* explain.h - decide one logical path and say why: the engine behind `migc explain`
 * (and anything else that must give the very same answer as a scan). */
#ifndef MIGRT_EXPLAIN_H
#define MIGRT_EXPLAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "bind.h"
#include "decide.h"

struct explain_result {
	struct decision d;
	char *dests[DECIDE_MAX_DEST + 1]; /* destinations after locationModify (malloc'd) */
	size_t ndests;
	bool is_dir;
	bool exists;
};

/* Decide PATH (logical, absolute). A trailing '/' or an existing directory beneath the
 * root makes it a directory object; an existing file gives the filters its size and
 * times. 0, or -1 out of memory (no verdict rather than another one). */
int rt_explain(const struct rt_bound *b, const char *path, FILE *trace, struct explain_result *r);
void rt_explain_free(struct explain_result *r);

/* One line: VERDICT<TAB>PATH<TAB>DEST<TAB>FILE:LINE (DEST and FILE:LINE "-" when none;
 * several destinations joined with ';'). */
void rt_explain_print_text(const struct rt_bound *b, const char *path, const struct explain_result *r,
			   FILE *out);
void rt_explain_print_json(const struct rt_bound *b, const char *path, const struct explain_result *r,
			   FILE *out);

#endif
