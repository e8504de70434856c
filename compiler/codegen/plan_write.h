/* plan_write.h - build a plan in memory and write it out (temp file, fsync, rename).
 *
 * The code generator appends records and instructions; strings are interned so each
 * distinct string is stored once. Output is deterministic: the same sequence of calls
 * gives byte-identical files. */
#ifndef MIGC_PLAN_WRITE_H
#define MIGC_PLAN_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "plan_format.h"

struct plan_builder;

struct plan_builder *pb_new(void);
void pb_free(struct plan_builder *b);

uint32_t pb_str(struct plan_builder *b, const char *s); /* intern; "" is offset 0 */
uint32_t pb_src(struct plan_builder *b, const struct plan_src *r);
uint32_t pb_var(struct plan_builder *b, const struct plan_var *r);
uint32_t pb_comp(struct plan_builder *b, const struct plan_comp *r);
uint32_t pb_pat(struct plan_builder *b, const struct plan_pat *r);
uint32_t pb_rule(struct plan_builder *b, const struct plan_rule *r);
uint32_t pb_ent(struct plan_builder *b, const struct plan_ent *r);
uint32_t pb_const(struct plan_builder *b, uint64_t v); /* interned */
/* Two consecutive constants LO, HI (for range comparisons); returns LO's index. */
uint32_t pb_const_pair(struct plan_builder *b, uint64_t lo, uint64_t hi);
uint32_t pb_errc(struct plan_builder *b, const struct plan_errc *r);
uint32_t pb_hlnk(struct plan_builder *b, const struct plan_hlnk *r);
uint32_t pb_grpm(struct plan_builder *b, const struct plan_grpm *r);

/* Instructions. pb_prog_begin() emits a PROG header and returns its pc; pb_prog_end()
 * fills in the length. pb_emit() returns the pc of the new instruction; pb_patch_jump()
 * points the jump at PC to the next instruction to be emitted. */
uint32_t pb_prog_begin(struct plan_builder *b);
void pb_prog_end(struct plan_builder *b, uint32_t prog_pc);
uint32_t pb_emit(struct plan_builder *b, uint8_t op, uint8_t a, uint16_t bb, uint32_t k);
void pb_patch_jump(struct plan_builder *b, uint32_t pc);
uint32_t pb_pc(const struct plan_builder *b);
/* Call right after pb_prog_end(): if an identical program was emitted before, drop the
 * new copy and return the earlier one's pc; otherwise return PROG_PC. Programs use
 * relative jumps only, so identical bytes mean identical behaviour. */
uint32_t pb_prog_dedupe(struct plan_builder *b, uint32_t prog_pc);

size_t pb_count_pats(const struct plan_builder *b);

/* Serialize into a malloc'd buffer. */
int pb_serialize(struct plan_builder *b, const unsigned char ruleset[32], uint32_t flags,
		 unsigned char **out, size_t *outlen);
/* Write atomically to PATH (NAME.tmp.PID beside it, fsync, rename, fsync of the
 * directory), reached as outfile.h reaches an output file: no symlink on the way, and
 * what is at PATH must be a regular file of ours with one link (or nothing).
 * Returns 0, or -1 with errno set and a reason in WHY. */
int pb_write_file(const unsigned char *buf, size_t len, const char *path, char *why,
		  size_t whysz);

#endif
