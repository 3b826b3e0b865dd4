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
    /* SF/ZF/PF from res; CF, AF and OF are the FL_CF/FL_AF/FL_OF bits of op1
     * (shifts, SHLD/SHRD, MUL/IMUL: whatever computes CF/OF itself). */
    LF_RES8, LF_RES16, LF_RES32,
    LF_KIND_COUNT
};
/* Invariant: res, op1 and op2 are zero-extended to the operation's size, so
 * cpu_cond_fast can compare them directly. Kinds come in rows of three
 * (8/16/32-bit): LF_xxx8 + lf_szidx(size) picks the row member. */
static inline u32 lf_szidx(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : 2; }

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

/* ---- fast paths for the integer handlers (additive) ---- */
extern const u8 cpu_parity_table[256];   /* 1 when the byte has even parity */
/* CF without materializing everything (ADC/SBB/RCL/RCR/INC/DEC need it). */
static inline u32 lf_cf(struct cpu *c)
{
    const struct lazyflags *l = &c->lf;
    switch (l->kind) {
    case LF_NONE: case LF_INC8: case LF_INC16: case LF_INC32:
    case LF_DEC8: case LF_DEC16: case LF_DEC32:
        return c->s.eflags & FL_CF;
    case LF_ADD8: case LF_ADD16: case LF_ADD32: return l->res < l->op1;
    case LF_SUB8: case LF_SUB16: case LF_SUB32: return l->op1 < l->op2;
    case LF_LOGIC8: case LF_LOGIC16: case LF_LOGIC32: return 0;
    case LF_RES8: case LF_RES16: case LF_RES32: return l->op1 & FL_CF;
    default: return cpu_get_eflags(c) & FL_CF;
    }
}
/* Condition cc holds: decided from the operands after SUB/CMP and logic
 * ops, otherwise from the materialized flags. */
static inline bool cpu_cond_fast(struct cpu *c, int cc)
{
    const struct lazyflags *l = &c->lf;
    u32 k = l->kind;
    bool r;
    if (k >= LF_SUB8 && k <= LF_SUB32) {
        unsigned sh = k == LF_SUB8 ? 24 : k == LF_SUB16 ? 16 : 0;
        u32 a = l->op1, b = l->op2;
        switch (cc >> 1) {
        case 1: r = a < b; break;
        case 2: r = l->res == 0; break;
        case 3: r = a <= b; break;
        case 4: r = (l->res << sh) >> 31; break;
        case 6: r = (i32)(a << sh) < (i32)(b << sh); break;
        case 7: r = (i32)(a << sh) <= (i32)(b << sh); break;
        default: return cpu_cond(c, cc);
        }
        return r ^ (cc & 1);
    }
    if (k >= LF_LOGIC8 && k <= LF_LOGIC32) {
        unsigned sh = k == LF_LOGIC8 ? 24 : k == LF_LOGIC16 ? 16 : 0;
        bool s = (l->res << sh) >> 31, z = l->res == 0;
        switch (cc >> 1) {
        case 0: case 1: r = 0; break;
        case 2: case 3: r = z; break;
        case 4: case 6: r = s; break;
        case 7: r = z || s; break;
        default: return cpu_cond(c, cc);
        }
        return r ^ (cc & 1);
    }
    if (k >= LF_ADD8 && k <= LF_ADD32) {
        switch (cc >> 1) {
        case 1: return (l->res < l->op1) ^ (cc & 1);
        case 3: return (l->res < l->op1 || l->res == 0) ^ (cc & 1);
        }
    }
    /* ZF and SF come from the sized result for every lazy kind (DEC/JNZ loops) */
    if (k != LF_NONE && ((cc >> 1) == 2 || (cc >> 1) == 4)) {
        if ((cc >> 1) == 2) r = l->res == 0;
        else r = (l->res >> ((8u << ((k - 1) % 3)) - 1)) & 1;
        return r ^ (cc & 1);
    }
    return cpu_cond(c, cc);
}

#endif
