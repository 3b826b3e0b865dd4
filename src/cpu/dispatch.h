/*
 * Handler registration. Each group of instruction handlers (ops_*.c) has an
 * init function that registers, per form (enum x86_op), the handler for each
 * combination of operand size and register/memory operand, or a selector
 * function that picks one from the whole decoded instruction (for example by
 * condition code). cpu_select_handler() consults the table at decode time, so
 * handlers contain no checks that decode could have resolved.
 */
#ifndef VD_CPU_DISPATCH_H
#define VD_CPU_DISPATCH_H
#include "cpu/cpu.h"

typedef cpu_handler (*cpu_selector)(const struct x86_insn *i);

/* r16/m16: 16-bit operand size, register / memory operand; r32/m32 likewise.
 * Byte forms and forms without ModRM use the same handler in several slots. */
void cpu_register(enum x86_op op, cpu_handler r16, cpu_handler m16, cpu_handler r32, cpu_handler m32);
/* One handler for every variant. */
void cpu_register1(enum x86_op op, cpu_handler h);
void cpu_register_selector(enum x86_op op, cpu_selector sel);

/* Handler for forms nobody registered: logs under -d unimp and raises #UD. */
HANDLER(h_unimplemented);
HANDLER(h_ud);

/* The registration functions of every handler group, called once. */
#define CPU_OPS_GROUPS(X) \
    X(core) X(prot) X(sys) X(fpu) X(mmx) X(sse)

#define X(g) void cpu_ops_##g##_init(void);
CPU_OPS_GROUPS(X)
#undef X

#endif
