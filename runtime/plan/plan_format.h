/* plan_format.h - the compiled plan file: layout, records and the instruction format.
 *
 * A plan is little-endian throughout and laid out as
 *   header (72 bytes) | section table | sections (8-byte aligned) | SHA-256 trailer (32)
 * The trailer hashes every byte before it and is checked before any section is read.
 * docs/plan-format.md describes the same thing in prose; keep both in step and bump
 * PLAN_MAJOR (incompatible) or PLAN_MINOR (readers of the same major still work)
 * whenever this file changes. */
#ifndef MIGRT_PLAN_FORMAT_H
#define MIGRT_PLAN_FORMAT_H

#include <stdint.h>

/* \x89 catches 7-bit transports, \r\n and \n catch newline mangling, \x1a stops
 * `type` on DOS, like PNG's signature. */
#define PLAN_MAGIC "\x89MGP\r\n\x1a\n"
#define PLAN_MAGIC_LEN 8
#define PLAN_MAJOR 1
#define PLAN_MINOR 1 /* 1: optional section grpm */
#define PLAN_ENDIAN_CHECK 0x01020304u
#define PLAN_HEADER_SIZE 72u
#define PLAN_SECTION_ENTRY_SIZE 24u
#define PLAN_TRAILER_SIZE 32u
#define PLAN_MAX_SIZE (256u << 20)
#define PLAN_NONE 0xffffffffu /* "no reference" in any u32 index or offset */

/* Header flags */
#define PLAN_F_CASE_SENSITIVE 1u

/* Header, as stored: the byte offset of each field (the writer, plan_write.c, and the
 * loader, plan_load.c, both go by these). */
#define PLAN_HDR_MAGIC 0u	   /* magic[8] */
#define PLAN_HDR_MAJOR 8u	   /* u16 */
#define PLAN_HDR_MINOR 10u	   /* u16 */
#define PLAN_HDR_ENDIAN 12u	   /* u32 endian_check */
#define PLAN_HDR_FILE_SIZE 16u	   /* u64 */
#define PLAN_HDR_NSECTIONS 24u	   /* u32 */
#define PLAN_HDR_SECTION_TABLE 28u /* u32 offset of the section table */
#define PLAN_HDR_RULESET 32u	   /* u8 ruleset_hash[32] */
#define PLAN_HDR_FLAGS 64u	   /* u32 */
#define PLAN_HDR_RESERVED 68u	   /* u32, 0 */

/* A section table entry (struct plan_section), as stored. */
#define PLAN_SECENT_ID 0u
#define PLAN_SECENT_RESERVED 4u
#define PLAN_SECENT_OFFSET 8u
#define PLAN_SECENT_SIZE 16u

/* Section ids. Ids whose first character is upper-case are required by a reader of
 * this major version; lower-case ones are optional and skipped when unknown. */
#define PLAN_SEC(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define SEC_STRS PLAN_SEC('S', 'T', 'R', 'S') /* string pool: NUL-terminated strings */
#define SEC_SRCS PLAN_SEC('S', 'R', 'C', 'S') /* rule files: struct plan_src */
#define SEC_VARS PLAN_SEC('V', 'A', 'R', 'S') /* variable defaults: struct plan_var */
#define SEC_COMP PLAN_SEC('C', 'O', 'M', 'P') /* components: struct plan_comp */
#define SEC_PATS PLAN_SEC('P', 'A', 'T', 'S') /* patterns: struct plan_pat */
#define SEC_RULE PLAN_SEC('R', 'U', 'L', 'E') /* rules: struct plan_rule */
#define SEC_ENTS PLAN_SEC('E', 'N', 'T', 'S') /* match entries: struct plan_ent */
#define SEC_CODE PLAN_SEC('C', 'O', 'D', 'E') /* instructions: struct plan_insn */
#define SEC_CNST PLAN_SEC('C', 'N', 'S', 'T') /* 64-bit constants: u64 */
#define SEC_ERRC PLAN_SEC('E', 'R', 'R', 'C') /* ErrorControl, document order */
#define SEC_HLNK PLAN_SEC('H', 'L', 'N', 'K') /* HardLinkStoreControl, document order */
/* Optional: a runtime that does not know it adds no group membership, the safe side. */
#define SEC_GRPM PLAN_SEC('g', 'r', 'p', 'm') /* ProfileControl changeGroup, document order */

struct plan_section {      /* 24 bytes in the section table */
	uint32_t id;
	uint32_t reserved; /* 0 */
	uint64_t offset;
	uint64_t size;
};

/* Records below are stored packed exactly as declared (all fields naturally aligned,
 * no padding); the loader checks each section's size is a multiple of the record. */
struct plan_src {  /* a rule file or the Config.xml */
	uint32_t path; /* str */
	uint32_t kind; /* 0 rules, 1 config, 2 variable map */
	uint8_t sha256[32];
};

struct plan_var {
	uint32_t name;  /* str, upper-case */
	uint32_t value; /* str, template (see compiler/vars.h) */
	uint32_t flags; /* PV_USER */
};
#define PV_USER 1u

/* Contexts (bit mask) */
#define CTXB_SYSTEM 1u
#define CTXB_USER 2u

struct plan_comp {
	uint32_t name;      /* str: display-name path "Parent\Child" */
	uint32_t src;       /* index into SRCS */
	uint32_t line;
	uint32_t context;   /* CTXB_* */
	uint32_t detect_pc; /* program index of the detection, PLAN_NONE: always present */
	uint32_t reserved;  /* 0 */
};

struct plan_pat {
	uint32_t node;  /* str: node template, '/'-separated (see docs/plan-format.md) */
	uint32_t leaf;  /* str: leaf glob, PLAN_NONE when the pattern has no [leaf] */
	uint32_t src;
	uint32_t line;
	uint32_t text;  /* str: canonical MigXML spelling, for listings */
	uint32_t flags; /* PP_* */
};
#define PP_USER 1u        /* uses a per-user variable: bound once per user */
#define PP_EACH_USER 2u   /* GenerateUserPatterns: expanded for every migrated user */
#define PP_EXCEPT_SELF 4u /* ... except the user being processed ("FALSE") */
#define PP__MASK 7u

enum plan_rule_kind {
	PRK_INCLUDE,
	PRK_EXCLUDE,
	PRK_UNCOND_EXCLUDE,
	PRK_MERGE,
	PRK_LOCATION_MODIFY,
	PRK_INCLUDE_ATTRS,
	PRK_EXCLUDE_ATTRS,
	PRK_DEST_CLEANUP,
	PRK__COUNT
};

struct plan_rule {
	uint8_t kind;      /* enum plan_rule_kind */
	uint8_t context;   /* CTXB_* (effective) */
	uint16_t helper;   /* merge/locationModify helper id (PLAN_HELPER_*), 0 none */
	uint32_t comp;     /* index into COMP */
	uint32_t src;
	uint32_t line;
	uint32_t args[3];  /* str refs of helper arguments, PLAN_NONE when absent */
	uint32_t aux;      /* include/excludeAttributes: M_ATTR mask; ExactMove: RULE_AUX_* */
	uint32_t cond_pc;  /* program index of the <rules> conditions, PLAN_NONE: always */
	uint32_t reserved; /* 0 */
};

#define RULE_AUX_TARGET_IS_FILE 1u /* ExactMove to a location with a [leaf] */

/* Helpers the runtime implements for merge and locationModify (stable numbers). */
enum plan_helper {
	PLAN_HELPER_NONE,
	PLAN_HELPER_SOURCE_PRIORITY,
	PLAN_HELPER_DESTINATION_PRIORITY,
	PLAN_HELPER_FIND_FILE_PLACE,
	PLAN_HELPER_NEWEST_VERSION,
	PLAN_HELPER_RELATIVE_MOVE,
	PLAN_HELPER_MOVE,
	PLAN_HELPER_EXACT_MOVE,
	PLAN_HELPER__COUNT
};

/* One (rule, pattern) pair: the unit the path index and the VM work on. */
struct plan_ent {
	uint32_t rule;
	uint32_t pat;
	uint32_t prog;     /* program index: the predicate (pattern match + filters) */
	uint32_t reserved; /* 0 */
};

struct plan_insn {
	uint8_t op;
	uint8_t a;
	uint16_t b;
	uint32_t k;
};

struct plan_errc {
	uint32_t pat;
	uint8_t fatal;
	uint8_t registry;
	uint16_t reserved; /* 0 */
	int32_t code;      /* errno value, -1 = any */
	uint32_t src;
	uint32_t line;
};

struct plan_hlnk {
	uint32_t pat;
	uint32_t create; /* 1 createHardLink, 0 errorHardLink */
	uint32_t src;
	uint32_t line;
};

/* <changeGroup from= to= appliesTo=>: users it applies to who were in group FROM at
 * capture are added to group TO on the target (load; runtime/load_groupmap.c). */
struct plan_grpm {
	uint32_t from;     /* str: a group name (acctwrite_name_valid) */
	uint32_t to;       /* str: a group name */
	uint32_t applies;  /* PG_* mask, not 0 */
	uint32_t src;
	uint32_t line;
	uint32_t reserved; /* 0 */
};
#define PG_MIGRATED 1u    /* MigratedUsers */
#define PG_NONMIGRATED 2u /* NonmigratedUsers; both: AllUsers */
#define PG__MASK 3u

/* Comparison operators (FileProperties, OS versions). */
enum vm_cmp { CMP_EQ, CMP_NEQ, CMP_LT, CMP_LTE, CMP_GT, CMP_GTE, CMP_RANGE, CMP__COUNT };
/* Time fields for FTIME. */
enum vm_tfield { TF_MODIFIED, TF_CREATED, TF_ACCESSED, TF__COUNT };
enum vm_phase { PHASE_SCAN, PHASE_LOAD, PHASE__COUNT };

_Static_assert(sizeof(struct plan_section) == PLAN_SECTION_ENTRY_SIZE, "section entry");
_Static_assert(sizeof(struct plan_src) == 40, "plan_src");
_Static_assert(sizeof(struct plan_var) == 12, "plan_var");
_Static_assert(sizeof(struct plan_comp) == 24, "plan_comp");
_Static_assert(sizeof(struct plan_pat) == 24, "plan_pat");
_Static_assert(sizeof(struct plan_rule) == 40, "plan_rule");
_Static_assert(sizeof(struct plan_ent) == 16, "plan_ent");
_Static_assert(sizeof(struct plan_insn) == 8, "plan_insn");
_Static_assert(sizeof(struct plan_errc) == 20, "plan_errc");
_Static_assert(sizeof(struct plan_hlnk) == 16, "plan_hlnk");
_Static_assert(sizeof(struct plan_grpm) == 24, "plan_grpm");

#endif
