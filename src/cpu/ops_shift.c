/*
 * Shifts and rotates (ROL ROR RCL RCR SHL/SAL SHR SAR) and SHLD/SHRD, with
 * the 386+ rules: the count is masked to 5 bits; a (masked) count of 0
 * changes nothing, not even flags. RCL/RCR rotate through CF modulo 9 (8-bit)
 * or 17 (16-bit).
 *
 * Flags the manual leaves undefined, and what vdebug produces:
 *  - OF for counts other than 1: the count-1 formula applied to the result
 *    (SHL/ROL: MSB(res)^CF; SHR: MSB(original); SAR: 0; ROR/RCR/SHRD:
 *    the two top bits of the result differ; SHLD: MSB(res)^CF).
 *  - AF after a non-zero shift (SHL/SHR/SAR/SHLD/SHRD): 0. Rotates keep AF.
 *  - CF of SHL/SHR with count >= operand width: the last bit shifted out
 *    (0 once the count exceeds the width).
 *  - SHLD/SHRD r/m16 with count > 16 (result undefined too): P6 behaviour,
 *    the 48-bit concatenation dest:src:dest shifted, result and flags taken
 *    from that. (AMD hosts shift dest:src:src instead; hostcmp masks it.)
 */
#include "cpu/ops.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };
enum { CNT_IB, CNT_1, CNT_CL };

/* Flags of a shift as a lazy LF_RES record. */
OPS_INLINE void shift_flags(struct cpu *c, unsigned sz, u32 res, u32 cf, u32 of)
{
    lf_set(c, LF_RES8 + lf_szidx(sz), res, (cf & 1) | ((of & 1) << 11), 0);
}

/* a shifted by cnt (1..31). Rotates change only CF and OF. */
OPS_INLINE u32 shift(struct cpu *c, int op, unsigned sz, u32 a, unsigned cnt)
{
    unsigned bits = sz * 8;
    u32 m = sz_mask(sz), r, cf;
    switch (op) {
    case SH_ROL: {
        unsigned n = cnt & (bits - 1);
        r = n ? ((a << n) | (a >> (bits - n))) & m : a;
        cf = r & 1;
        flags_put(c, cf | ((((r >> (bits - 1)) ^ cf) & 1) << 11), FL_CF | FL_OF);
        return r;
    }
    case SH_ROR: {
        unsigned n = cnt & (bits - 1);
        r = n ? ((a >> n) | (a << (bits - n))) & m : a;
        cf = (r >> (bits - 1)) & 1;
        flags_put(c, cf | ((((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) << 11), FL_CF | FL_OF);
        return r;
    }
    case SH_RCL:
    case SH_RCR: {
        unsigned n = sz == 1 ? cnt % 9 : sz == 2 ? cnt % 17 : cnt, w = bits + 1;
        if (n == 0) return a;
        u64 v = ((u64)lf_cf(c) << bits) | a, wm = (1ull << w) - 1, t;
        t = op == SH_RCL ? ((v << n) | (v >> (w - n))) & wm : ((v >> n) | (v << (w - n))) & wm;
        r = (u32)t & m;
        cf = (u32)(t >> bits) & 1;
        u32 of = op == SH_RCL ? (r >> (bits - 1)) ^ cf : (r >> (bits - 1)) ^ (r >> (bits - 2));
        flags_put(c, cf | ((of & 1) << 11), FL_CF | FL_OF);
        return r;
    }
    case SH_SHL:
    case SH_SAL: {
        u64 t = (u64)a << cnt;
        r = (u32)t & m;
        cf = (u32)(t >> bits) & 1;
        shift_flags(c, sz, r, cf, (r >> (bits - 1)) ^ cf);
        return r;
    }
    case SH_SHR:
        r = a >> cnt;
        shift_flags(c, sz, r, a >> (cnt - 1), a >> (bits - 1));
        return r;
    default: { /* SAR */
        i32 s = (i32)sz_sext(a, sz);
        r = (u32)(s >> cnt) & m;
        shift_flags(c, sz, r, (u32)(s >> (cnt - 1)), 0);
        return r;
    }
    }
}

OPS_INLINE void shift_E(struct cpu *c, const struct x86_insn *i, int op, int src, unsigned sz, bool mem)
{
    unsigned cnt = src == CNT_1 ? 1 : src == CNT_CL ? (c->s.gpr[R_ECX] & 31) : (i->imm & 31);
    u32 off = 0, a = e_getw(c, i, sz, mem, &off);
    if (cnt == 0) return;
    e_put(c, i, sz, mem, off, shift(c, op, sz, a, cnt));
}

#define SHIFT_HANDLERS(N, OP) \
    GEN_B(h_##N##_EbIb, shift_E(c, i, OP, CNT_IB, SZ, MEM)) \
    GEN_V(h_##N##_EvIb, shift_E(c, i, OP, CNT_IB, SZ, MEM)) \
    GEN_B(h_##N##_Eb1, shift_E(c, i, OP, CNT_1, SZ, MEM)) \
    GEN_V(h_##N##_Ev1, shift_E(c, i, OP, CNT_1, SZ, MEM)) \
    GEN_B(h_##N##_EbCL, shift_E(c, i, OP, CNT_CL, SZ, MEM)) \
    GEN_V(h_##N##_EvCL, shift_E(c, i, OP, CNT_CL, SZ, MEM))
SHIFT_HANDLERS(rol, SH_ROL)
SHIFT_HANDLERS(ror, SH_ROR)
SHIFT_HANDLERS(rcl, SH_RCL)
SHIFT_HANDLERS(rcr, SH_RCR)
SHIFT_HANDLERS(shl, SH_SHL)
SHIFT_HANDLERS(shr, SH_SHR)
SHIFT_HANDLERS(sar, SH_SAR)

#define SHIFT_REGISTER(M, N) \
    REG_B(M##_EbIb, h_##N##_EbIb); REG_V(M##_EvIb, h_##N##_EvIb); \
    REG_B(M##_Eb1, h_##N##_Eb1); REG_V(M##_Ev1, h_##N##_Ev1); \
    REG_B(M##_EbCL, h_##N##_EbCL); REG_V(M##_EvCL, h_##N##_EvCL)

/* ---- SHLD / SHRD ---- */
OPS_INLINE void shxd_E(struct cpu *c, const struct x86_insn *i, bool left, int src, unsigned sz, bool mem)
{
    unsigned cnt = src == CNT_CL ? (c->s.gpr[R_ECX] & 31) : (i->imm & 31);
    u32 off = 0, d = e_getw(c, i, sz, mem, &off), s = reg_get(c, i->reg, sz), r, cf, of;
    if (cnt == 0) return;
    if (sz == 2) {
        u64 t = ((u64)d << 32) | ((u64)s << 16) | d; /* dest:src:dest */
        if (left) {
            r = (u32)((t << cnt) >> 32) & 0xffff;
            cf = (u32)(t >> (48 - cnt)) & 1;
            of = (r >> 15) ^ cf;
        } else {
            r = (u32)(t >> cnt) & 0xffff;
            cf = (u32)(t >> (cnt - 1)) & 1;
            of = (r >> 15) ^ (r >> 14);
        }
    } else if (left) {
        r = (u32)((((u64)d << 32) | s) << cnt >> 32);
        cf = d >> (32 - cnt);
        of = (r >> 31) ^ cf;
    } else {
        r = (u32)((((u64)s << 32) | d) >> cnt);
        cf = d >> (cnt - 1);
        of = (r >> 31) ^ (r >> 30);
    }
    shift_flags(c, sz, r, cf, of);
    e_put(c, i, sz, mem, off, r);
}
GEN_V(h_shld_EvGvIb, shxd_E(c, i, true, CNT_IB, SZ, MEM))
GEN_V(h_shld_EvGvCL, shxd_E(c, i, true, CNT_CL, SZ, MEM))
GEN_V(h_shrd_EvGvIb, shxd_E(c, i, false, CNT_IB, SZ, MEM))
GEN_V(h_shrd_EvGvCL, shxd_E(c, i, false, CNT_CL, SZ, MEM))

void ops_shift_init(void)
{
    SHIFT_REGISTER(ROL, rol);
    SHIFT_REGISTER(ROR, ror);
    SHIFT_REGISTER(RCL, rcl);
    SHIFT_REGISTER(RCR, rcr);
    SHIFT_REGISTER(SHL, shl);
    SHIFT_REGISTER(SHR, shr);
    SHIFT_REGISTER(SAL, shl);
    SHIFT_REGISTER(SAR, sar);
    REG_V(SHLD_EvGvIb, h_shld_EvGvIb);
    REG_V(SHLD_EvGvCL, h_shld_EvGvCL);
    REG_V(SHRD_EvGvIb, h_shrd_EvGvIb);
    REG_V(SHRD_EvGvCL, h_shrd_EvGvCL);
}
