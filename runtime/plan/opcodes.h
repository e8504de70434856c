/* opcodes.h - the VM's instruction set, generated from opcodes.def. */
#ifndef MIGRT_OPCODES_H
#define MIGRT_OPCODES_H

#include <stdint.h>

enum opcode {
#define OP(name, a, b, k, flags, doc) OP_##name,
#include "opcodes.def"
#undef OP
	OP__COUNT
};

/* Operand kinds (see opcodes.def). */
enum opnd_kind { OK_N, OK_U, OK_C, OK_F, OK_PH, OK_P, OK_S, OK_Q, OK_J, OK_L };
#define OPF_JUMP 1u
#define OPF_TERM 2u
#define OPF_HEAD 4u

struct op_info {
	const char *name;
	uint8_t a, b, k; /* enum opnd_kind */
	uint8_t flags;
	const char *doc;
};

extern const struct op_info op_info[OP__COUNT];

_Static_assert(OP__COUNT <= 256, "opcodes must fit in a byte");

#endif
