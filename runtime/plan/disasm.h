/* disasm.h - print a verified plan for people (EXPLAIN-style listing) or tools (JSON). */
#ifndef MIGRT_DISASM_H
#define MIGRT_DISASM_H

#include <stdbool.h>
#include <stdio.h>

#include "escape.h" /* json_str, text_str: the printers' escaper */
#include "plan.h"

void plan_dump_text(const struct plan *p, FILE *out);
void plan_dump_json(const struct plan *p, FILE *out);

extern const char *const rule_kind_names[PRK__COUNT];
extern const char *const helper_names[PLAN_HELPER__COUNT];
const char *plan_context_name(unsigned ctx);
const char *grpm_applies_name(unsigned applies); /* PG_* mask */

#endif
