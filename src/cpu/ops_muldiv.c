/*
 * MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
 *
 * Undefined flags: after MUL/IMUL, SF/ZF/PF are computed from the low half
 * of the product (AL/AX/EAX for the one-operand forms, the destination for
 * the others) and AF is 0. DIV/IDIV leave all flags unchanged.
 * #DE on a zero divisor and when the quotient does not fit.
 */
#include "cpu/ops.h"

OPS_INLINE void mul_flags(struct cpu *c, unsigned sz, u32 low, bool ovf)
{
    lf_set(c, LF_RES8 + lf_szidx(sz), low, ovf ? (FL_CF | FL_OF) : 0, 0);
}

/* MUL / IMUL with the accumulator */
OPS_INLINE void mul_E(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, bool sgn)
{
    u32 off = 0, b = e_get(c, i, sz, mem, &off), a = reg_get(c, R_EAX, sz);
    u64 p;
    bool ovf;
    if (sgn) {
        i64 sp = (i64)(i32)sz_sext(a, sz) * (i32)sz_sext(b, sz);
        p = (u64)sp;
        ovf = sp != (i64)(i32)sz_sext((u32)p & sz_mask(sz), sz);
    } else {
        p = (u64)a * b;
        ovf = (p >> (sz * 8)) != 0;
    }
    u32 low = (u32)p & sz_mask(sz);
    if (sz == 1) {
        cpu_set_reg16(c, R_EAX, (u16)p);
    } else {
        reg_put(c, R_EAX, sz, low);
        reg_put(c, R_EDX, sz, (u32)(p >> (sz * 8)));
    }
    mul_flags(c, sz, low, ovf);
}
GEN_B(h_mul_Eb, mul_E(c, i, SZ, MEM, false))
GEN_V(h_mul_Ev, mul_E(c, i, SZ, MEM, false))
GEN_B(h_imul_Eb, mul_E(c, i, SZ, MEM, true))
GEN_V(h_imul_Ev, mul_E(c, i, SZ, MEM, true))

/* IMUL Gv, Ev[, imm]: truncated signed product */
OPS_INLINE void imul_GE(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, bool imm)
{
    u32 off = 0, b = e_get(c, i, sz, mem, &off);
    u32 a = imm ? i->imm : reg_get(c, i->reg, sz);
    i64 sp = (i64)(i32)sz_sext(a & sz_mask(sz), sz) * (i32)sz_sext(b, sz);
    u32 low = (u32)sp & sz_mask(sz);
    reg_put(c, i->reg, sz, low);
    mul_flags(c, sz, low, sp != (i64)(i32)sz_sext(low, sz));
}
GEN_V(h_imul_GvEv, imul_GE(c, i, SZ, MEM, false))
GEN_V(h_imul_GvEvI, imul_GE(c, i, SZ, MEM, true))

/* DIV / IDIV: dividend AX, DX:AX or EDX:EAX */
OPS_INLINE void div_E(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, bool sgn)
{
    u32 off = 0, d = e_get(c, i, sz, mem, &off);
    unsigned bits = sz * 8;
    u64 n = sz == 1 ? cpu_reg16(c, R_EAX)
          : ((u64)reg_get(c, R_EDX, sz) << bits) | reg_get(c, R_EAX, sz);
    u32 q, r;
    if (d == 0) cpu_raise_ne(c, EXC_DE);
    if (sgn) {
        /* sign-extend the 2*bits dividend; INT64_MIN / -1 cannot arise below
         * 64 bits and is caught as overflow at 64 */
        i64 sn = bits == 32 ? (i64)n : (i64)(n << (64 - 2 * bits)) >> (64 - 2 * bits);
        i64 sd = (i32)sz_sext(d, sz);
        if (bits == 32 && sn == INT64_MIN && sd == -1) cpu_raise_ne(c, EXC_DE);
        i64 sq = sn / sd, sr = sn % sd;
        i64 lim = (i64)1 << (bits - 1);
        if (sq >= lim || sq < -lim) cpu_raise_ne(c, EXC_DE);
        q = (u32)sq & sz_mask(sz);
        r = (u32)sr & sz_mask(sz);
    } else {
        u64 uq = n / d;
        if (uq >> bits) cpu_raise_ne(c, EXC_DE);
        q = (u32)uq;
        r = (u32)(n % d);
    }
    if (sz == 1) {
        cpu_set_reg16(c, R_EAX, (u16)(q | (r << 8)));
    } else {
        reg_put(c, R_EAX, sz, q);
        reg_put(c, R_EDX, sz, r);
    }
}
GEN_B(h_div_Eb, div_E(c, i, SZ, MEM, false))
GEN_V(h_div_Ev, div_E(c, i, SZ, MEM, false))
GEN_B(h_idiv_Eb, div_E(c, i, SZ, MEM, true))
GEN_V(h_idiv_Ev, div_E(c, i, SZ, MEM, true))

void ops_muldiv_init(void)
{
    REG_B(MUL_Eb, h_mul_Eb);
    REG_V(MUL_Ev, h_mul_Ev);
    REG_B(IMUL_Eb, h_imul_Eb);
    REG_V(IMUL_Ev, h_imul_Ev);
    REG_V(IMUL_GvEv, h_imul_GvEv);
    REG_V(IMUL_GvEvIz, h_imul_GvEvI);
    REG_V(IMUL_GvEvIbs, h_imul_GvEvI);
    REG_B(DIV_Eb, h_div_Eb);
    REG_V(DIV_Ev, h_div_Ev);
    REG_B(IDIV_Eb, h_idiv_Eb);
    REG_V(IDIV_Ev, h_idiv_Ev);
}
