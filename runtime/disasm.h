/* disasm.h - print a verified plan for people (EXPLAIN-style listing) or tools (JSON). */
#ifndef MIGRT_DISASM_H
#define MIGRT_DISASM_H

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"

void plan_dump_text(const struct plan *p, FILE *out);
void plan_dump_json(const struct plan *p, FILE *out);

/* Write S to OUT as a JSON string (quotes included), escaping control bytes and
 * invalid UTF-8 (as \u00XX of each byte) so hostile file names cannot break the output. */
void json_str(FILE *out, const char *s);
/* Write S for a human: printable ASCII and valid UTF-8 kept, everything else as \xNN. */
void text_str(FILE *out, const char *s);

extern const char *const rule_kind_names[PRK__COUNT];
extern const char *const helper_names[PLAN_HELPER__COUNT];
const char *context_name(unsigned ctx);

#endif
