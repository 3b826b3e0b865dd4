/*
 * Miscellany: CLC STC CMC CLD STD, LAHF/SAHF, NOP and hint NOPs, BOUND,
 * and the defined-undefined opcodes UD0/UD1/UD2 (#UD).
 */
#include "cpu/ops.h"

static HANDLER(h_clc) { flags_put(c, 0, FL_CF); }
static HANDLER(h_stc) { flags_put(c, FL_CF, FL_CF); }
static HANDLER(h_cmc) { flags_put(c, lf_cf(c) ^ FL_CF, FL_CF); }
static HANDLER(h_cld) { c->s.eflags &= ~FL_DF; }
static HANDLER(h_std) { c->s.eflags |= FL_DF; }

/* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF */
static HANDLER(h_lahf)
{
    cpu_set_reg8(c, 4, (u8)((cpu_get_eflags(c) & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)) | FL_FIXED1));
}
static HANDLER(h_sahf)
{
    flags_put(c, cpu_reg8(c, 4), FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF);
}

static HANDLER(h_nop) {}

/* BOUND: signed index against [lower, upper] in memory; #BR when outside */
OPS_INLINE void bound(struct cpu *c, const struct x86_insn *i, unsigned sz)
{
    u32 off = cpu_ea(c, i);
    i32 lo = (i32)sz_sext(mem_get(c, i->seg, off, sz), sz);
    i32 hi = (i32)sz_sext(mem_get(c, i->seg, off + sz, sz), sz);
    i32 v = (i32)sz_sext(reg_get(c, i->reg, sz), sz);
    if (v < lo || v > hi) cpu_raise_ne(c, EXC_BR);
}
GEN_M(h_bound, bound(c, i, SZ))

void ops_misc_init(void)
{
    REG_1(CLC, h_clc);
    REG_1(STC, h_stc);
    REG_1(CMC, h_cmc);
    REG_1(CLD, h_cld);
    REG_1(STD, h_std);
    REG_1(LAHF, h_lahf);
    REG_1(SAHF, h_sahf);
    REG_1(NOP, h_nop);
    REG_1(NOP_Ev, h_nop);
    REG_M(BOUND_GvMa, h_bound);
    REG_1(UD0, h_ud);
    REG_1(UD1_GvEv, h_ud);
    REG_1(UD2, h_ud);
}
