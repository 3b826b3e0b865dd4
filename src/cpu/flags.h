/*
 * EFLAGS access. Arithmetic flags are lazy: a flag-setting handler records
 * its result and operands in c->lf (lf_set) and the six flags are computed
 * only when something reads them. Everything outside the integer handlers
 * uses cpu_get_eflags / cpu_set_eflags and never looks at c->lf directly.
 */
#ifndef VD_CPU_FLAGS_H
#define VD_CPU_FLAGS_H
#include "cpu/cpu.h"

/* LF_* kinds: the operation whose flags c->lf describes. */
enum {
    LF_NONE = 0, /* arithmetic flags are exact in c->s.eflags */
    LF_ADD8, LF_ADD16, LF_ADD32,
    LF_ADC8, LF_ADC16, LF_ADC32,
    LF_SUB8, LF_SUB16, LF_SUB32,
    LF_SBB8, LF_SBB16, LF_SBB32,
    LF_LOGIC8, LF_LOGIC16, LF_LOGIC32,
    LF_INC8, LF_INC16, LF_INC32,   /* CF preserved: kept in s.eflags */
    LF_DEC8, LF_DEC16, LF_DEC32,
    LF_KIND_COUNT
};

/* Materialize the arithmetic flags into s.eflags and set lf.kind = LF_NONE. */
void cpu_flags_sync(struct cpu *c);
/* Complete EFLAGS. */
static inline u32 cpu_get_eflags(struct cpu *c)
{
    if (c->lf.kind != LF_NONE) cpu_flags_sync(c);
    return c->s.eflags;
}
/* Write the bits of `mask` from val (the caller has applied privilege rules:
 * IOPL/IF/VM/etc. are in mask only when the instruction may change them).
 * Keeps EV_TF in step with TF. */
void cpu_set_eflags(struct cpu *c, u32 val, u32 mask);
/* Record a lazy result. */
static inline void lf_set(struct cpu *c, u32 kind, u32 res, u32 op1, u32 op2)
{
    c->lf.kind = kind;
    c->lf.res = res;
    c->lf.op1 = op1;
    c->lf.op2 = op2;
}
/* Individual flags (for Jcc, ADC, etc.). */
bool cpu_cf(struct cpu *c);
bool cpu_zf(struct cpu *c);
bool cpu_sf(struct cpu *c);
bool cpu_of(struct cpu *c);
bool cpu_pf(struct cpu *c);
/* Condition code cc (0..15, the low nibble of Jcc) holds. */
bool cpu_cond(struct cpu *c, int cc);

#endif
