/* opcodes.c - op_info[], expanded from opcodes.def. */
#include "opcodes.h"

#define N OK_N
#define U OK_U
#define C OK_C
#define F OK_F
#define PH OK_PH
#define P OK_P
#define S OK_S
#define Q OK_Q
#define J OK_J
#define L OK_L

const struct op_info op_info[OP__COUNT] = {
#define OP(name, ka, kb, kk, fl, d) [OP_##name] = {#name, ka, kb, kk, fl, d},
#include "opcodes.def"
#undef OP
};
