/*
 * Two-operand arithmetic (ADD OR ADC SBB AND SUB XOR CMP), TEST, INC/DEC,
 * NOT/NEG, and the exchange-and-compare family (XCHG, CMPXCHG, XADD,
 * CMPXCHG8B). LOCK needs no extra work: one CPU thread runs the guest.
 */
#include "cpu/ops.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a op b at size sz; records the lazy flags and returns the result. */
OPS_INLINE u32 alu(struct cpu *c, int op, unsigned sz, u32 a, u32 b)
{
    u32 m = sz_mask(sz), k = lf_szidx(sz), r;
    switch (op) {
    case ALU_ADD: r = (a + b) & m; lf_set(c, LF_ADD8 + k, r, a, b); break;
    case ALU_ADC: r = (a + b + lf_cf(c)) & m; lf_set(c, LF_ADC8 + k, r, a, b); break;
    case ALU_SBB: r = (a - b - lf_cf(c)) & m; lf_set(c, LF_SBB8 + k, r, a, b); break;
    case ALU_OR: r = a | b; lf_set(c, LF_LOGIC8 + k, r, 0, 0); break;
    case ALU_AND: r = a & b; lf_set(c, LF_LOGIC8 + k, r, 0, 0); break;
    case ALU_XOR: r = a ^ b; lf_set(c, LF_LOGIC8 + k, r, 0, 0); break;
    default: r = (a - b) & m; lf_set(c, LF_SUB8 + k, r, a, b); break; /* SUB, CMP */
    }
    return r;
}

/* E op= G */
OPS_INLINE void alu_EG(struct cpu *c, const struct x86_insn *i, int op, unsigned sz, bool mem)
{
    u32 off = 0, b = reg_get(c, i->reg, sz);
    if (op == ALU_CMP) {
        alu(c, op, sz, e_get(c, i, sz, mem, &off), b);
        return;
    }
    u32 a = e_getw(c, i, sz, mem, &off);
    e_put(c, i, sz, mem, off, alu(c, op, sz, a, b));
}
/* G op= E */
OPS_INLINE void alu_GE(struct cpu *c, const struct x86_insn *i, int op, unsigned sz, bool mem)
{
    u32 off = 0, b = e_get(c, i, sz, mem, &off);
    u32 r = alu(c, op, sz, reg_get(c, i->reg, sz), b);
    if (op != ALU_CMP) reg_put(c, i->reg, sz, r);
}
/* E op= imm (imm is already sign-extended where the form says so) */
OPS_INLINE void alu_EI(struct cpu *c, const struct x86_insn *i, int op, unsigned sz, bool mem)
{
    u32 off = 0, b = i->imm & sz_mask(sz);
    if (op == ALU_CMP) {
        alu(c, op, sz, e_get(c, i, sz, mem, &off), b);
        return;
    }
    u32 a = e_getw(c, i, sz, mem, &off);
    e_put(c, i, sz, mem, off, alu(c, op, sz, a, b));
}
/* AL/eAX op= imm */
OPS_INLINE void alu_AI(struct cpu *c, const struct x86_insn *i, int op, unsigned sz)
{
    u32 r = alu(c, op, sz, reg_get(c, R_EAX, sz), i->imm & sz_mask(sz));
    if (op != ALU_CMP) reg_put(c, R_EAX, sz, r);
}

#define ALU_HANDLERS(N, OP) \
    GEN_B(h_##N##_EbGb, alu_EG(c, i, OP, SZ, MEM)) \
    GEN_V(h_##N##_EvGv, alu_EG(c, i, OP, SZ, MEM)) \
    GEN_B(h_##N##_GbEb, alu_GE(c, i, OP, SZ, MEM)) \
    GEN_V(h_##N##_GvEv, alu_GE(c, i, OP, SZ, MEM)) \
    GEN_B(h_##N##_EbIb, alu_EI(c, i, OP, SZ, MEM)) \
    GEN_V(h_##N##_EvIz, alu_EI(c, i, OP, SZ, MEM)) \
    H_VAR(h_##N##_ALIb, 1, 0, alu_AI(c, i, OP, SZ)) \
    GEN_S(h_##N##_eAXIz, alu_AI(c, i, OP, SZ))
ALU_HANDLERS(add, ALU_ADD)
ALU_HANDLERS(or, ALU_OR)
ALU_HANDLERS(adc, ALU_ADC)
ALU_HANDLERS(sbb, ALU_SBB)
ALU_HANDLERS(and, ALU_AND)
ALU_HANDLERS(sub, ALU_SUB)
ALU_HANDLERS(xor, ALU_XOR)
ALU_HANDLERS(cmp, ALU_CMP)

#define ALU_REGISTER(M, N) \
    REG_B(M##_EbGb, h_##N##_EbGb); REG_V(M##_EvGv, h_##N##_EvGv); \
    REG_B(M##_GbEb, h_##N##_GbEb); REG_V(M##_GvEv, h_##N##_GvEv); \
    REG_B(M##_EbIb, h_##N##_EbIb); REG_V(M##_EvIz, h_##N##_EvIz); \
    REG_V(M##_EvIbs, h_##N##_EvIz); \
    REG_1(M##_ALIb, h_##N##_ALIb); REG_S(M##_eAXIz, h_##N##_eAXIz)

/* ---- TEST ---- */
OPS_INLINE void test_op(struct cpu *c, unsigned sz, u32 a, u32 b)
{
    lf_set(c, LF_LOGIC8 + lf_szidx(sz), a & b, 0, 0);
}
GEN_B(h_test_EbGb, u32 off; test_op(c, SZ, e_get(c, i, SZ, MEM, &off), reg_get(c, i->reg, SZ)))
GEN_V(h_test_EvGv, u32 off; test_op(c, SZ, e_get(c, i, SZ, MEM, &off), reg_get(c, i->reg, SZ)))
GEN_B(h_test_EbIb, u32 off; test_op(c, SZ, e_get(c, i, SZ, MEM, &off), i->imm & sz_mask(SZ)))
GEN_V(h_test_EvIz, u32 off; test_op(c, SZ, e_get(c, i, SZ, MEM, &off), i->imm & sz_mask(SZ)))
H_VAR(h_test_ALIb, 1, 0, test_op(c, SZ, reg_get(c, R_EAX, SZ), i->imm & 0xff))
GEN_S(h_test_eAXIz, test_op(c, SZ, reg_get(c, R_EAX, SZ), i->imm & sz_mask(SZ)))

/* ---- INC/DEC: CF is preserved, so park the current CF in s.eflags ---- */
OPS_INLINE u32 incdec(struct cpu *c, unsigned sz, u32 a, bool dec)
{
    u32 r = (dec ? a - 1 : a + 1) & sz_mask(sz);
    c->s.eflags = (c->s.eflags & ~FL_CF) | lf_cf(c);
    lf_set(c, (dec ? LF_DEC8 : LF_INC8) + lf_szidx(sz), r, a, 1);
    return r;
}
OPS_INLINE void incdec_E(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, bool dec)
{
    u32 off = 0, a = e_getw(c, i, sz, mem, &off);
    e_put(c, i, sz, mem, off, incdec(c, sz, a, dec));
}
GEN_B(h_inc_Eb, incdec_E(c, i, SZ, MEM, false))
GEN_V(h_inc_Ev, incdec_E(c, i, SZ, MEM, false))
GEN_B(h_dec_Eb, incdec_E(c, i, SZ, MEM, true))
GEN_V(h_dec_Ev, incdec_E(c, i, SZ, MEM, true))
GEN_S(h_inc_Zv, reg_put(c, i->reg, SZ, incdec(c, SZ, reg_get(c, i->reg, SZ), false)))
GEN_S(h_dec_Zv, reg_put(c, i->reg, SZ, incdec(c, SZ, reg_get(c, i->reg, SZ), true)))

/* ---- NOT / NEG ---- */
OPS_INLINE void notneg_E(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, bool neg)
{
    u32 off = 0, a = e_getw(c, i, sz, mem, &off), r;
    if (neg) {
        r = (0 - a) & sz_mask(sz);
        lf_set(c, LF_SUB8 + lf_szidx(sz), r, 0, a);
    } else {
        r = ~a & sz_mask(sz);
    }
    e_put(c, i, sz, mem, off, r);
}
GEN_B(h_not_Eb, notneg_E(c, i, SZ, MEM, false))
GEN_V(h_not_Ev, notneg_E(c, i, SZ, MEM, false))
GEN_B(h_neg_Eb, notneg_E(c, i, SZ, MEM, true))
GEN_V(h_neg_Ev, notneg_E(c, i, SZ, MEM, true))

/* ---- XCHG ---- */
OPS_INLINE void xchg_EG(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem)
{
    u32 off = 0, a = e_getw(c, i, sz, mem, &off), b = reg_get(c, i->reg, sz);
    e_put(c, i, sz, mem, off, b);
    reg_put(c, i->reg, sz, a);
}
GEN_B(h_xchg_EbGb, xchg_EG(c, i, SZ, MEM))
GEN_V(h_xchg_EvGv, xchg_EG(c, i, SZ, MEM))
GEN_S(h_xchg_ZveAX, u32 t = reg_get(c, i->reg, SZ); reg_put(c, i->reg, SZ, reg_get(c, R_EAX, SZ));
      reg_put(c, R_EAX, SZ, t))

/* ---- CMPXCHG: flags as CMP accumulator, destination. A memory destination
 * is always written (with its old value on mismatch), as the hardware does. */
OPS_INLINE void cmpxchg_EG(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem)
{
    u32 off = 0, d = e_getw(c, i, sz, mem, &off), acc = reg_get(c, R_EAX, sz);
    alu(c, ALU_CMP, sz, acc, d);
    if (acc == d) {
        e_put(c, i, sz, mem, off, reg_get(c, i->reg, sz));
    } else {
        if (mem) e_put(c, i, sz, mem, off, d);
        reg_put(c, R_EAX, sz, d);
    }
}
GEN_B(h_cmpxchg_EbGb, cmpxchg_EG(c, i, SZ, MEM))
GEN_V(h_cmpxchg_EvGv, cmpxchg_EG(c, i, SZ, MEM))

/* ---- XADD: the register receives the old destination first, so that
 * XADD r, r (same register) ends with the sum. */
OPS_INLINE void xadd_EG(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem)
{
    u32 off = 0, d = e_getw(c, i, sz, mem, &off), s = reg_get(c, i->reg, sz);
    u32 r = alu(c, ALU_ADD, sz, d, s);
    reg_put(c, i->reg, sz, d);
    e_put(c, i, sz, mem, off, r);
}
GEN_B(h_xadd_EbGb, xadd_EG(c, i, SZ, MEM))
GEN_V(h_xadd_EvGv, xadd_EG(c, i, SZ, MEM))

/* ---- CMPXCHG8B m64: only ZF changes ---- */
static HANDLER(h_cmpxchg8b)
{
    u32 off = cpu_ea(c, i);
    u32 lo = cpu_rdw32(c, i->seg, off), hi = cpu_rdw32(c, i->seg, off + 4);
    bool eq = lo == c->s.gpr[R_EAX] && hi == c->s.gpr[R_EDX];
    if (eq) {
        cpu_wr32(c, i->seg, off, c->s.gpr[R_EBX]);
        cpu_wr32(c, i->seg, off + 4, c->s.gpr[R_ECX]);
    } else {
        cpu_wr32(c, i->seg, off, lo);
        cpu_wr32(c, i->seg, off + 4, hi);
        c->s.gpr[R_EAX] = lo;
        c->s.gpr[R_EDX] = hi;
    }
    flags_put(c, eq ? FL_ZF : 0, FL_ZF);
}

void ops_alu_init(void)
{
    ALU_REGISTER(ADD, add);
    ALU_REGISTER(OR, or);
    ALU_REGISTER(ADC, adc);
    ALU_REGISTER(SBB, sbb);
    ALU_REGISTER(AND, and);
    ALU_REGISTER(SUB, sub);
    ALU_REGISTER(XOR, xor);
    ALU_REGISTER(CMP, cmp);
    REG_B(TEST_EbGb, h_test_EbGb);
    REG_V(TEST_EvGv, h_test_EvGv);
    REG_B(TEST_EbIb, h_test_EbIb);
    REG_V(TEST_EvIz, h_test_EvIz);
    REG_1(TEST_ALIb, h_test_ALIb);
    REG_S(TEST_eAXIz, h_test_eAXIz);
    REG_B(INC_Eb, h_inc_Eb);
    REG_V(INC_Ev, h_inc_Ev);
    REG_B(DEC_Eb, h_dec_Eb);
    REG_V(DEC_Ev, h_dec_Ev);
    REG_S(INC_Zv, h_inc_Zv);
    REG_S(DEC_Zv, h_dec_Zv);
    REG_B(NOT_Eb, h_not_Eb);
    REG_V(NOT_Ev, h_not_Ev);
    REG_B(NEG_Eb, h_neg_Eb);
    REG_V(NEG_Ev, h_neg_Ev);
    REG_B(XCHG_EbGb, h_xchg_EbGb);
    REG_V(XCHG_EvGv, h_xchg_EvGv);
    REG_S(XCHG_ZveAX, h_xchg_ZveAX);
    REG_B(CMPXCHG_EbGb, h_cmpxchg_EbGb);
    REG_V(CMPXCHG_EvGv, h_cmpxchg_EvGv);
    REG_B(XADD_EbGb, h_xadd_EbGb);
    REG_V(XADD_EvGv, h_xadd_EvGv);
    cpu_register(X86_OP_CMPXCHG8B_Mq, h_ud, h_cmpxchg8b, h_ud, h_cmpxchg8b);
}
