/* The form table (names, mnemonics, operands, flags), generated from opcodes.def. */
#include "x86/insn.h"

#define ENC_IGNORE(...)
const struct x86_form x86_forms[X86_OP_COUNT] = {
#define X(name, mnem, o1, o2, o3, fl, ...) [X86_OP_##name] = {#name, mnem, {O_##o1, O_##o2, O_##o3}, fl},
#include "x86/opcodes.def"
#undef X
    [X86_OP_UD] = {"UD", "(bad)", {O_NONE, O_NONE, O_NONE}, 0},
};
