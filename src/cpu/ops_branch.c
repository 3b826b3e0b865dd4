/*
 * Near control transfers: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ.
 * Targets are truncated to 16 bits with 16-bit operand size and checked
 * against the CS limit (#GP(0)) before anything changes (branch_to).
 * Relative displacements arrive sign-extended in i->imm.
 */
#include "cpu/ops.h"

/* Jcc: one handler per condition and operand size */
#define JCC(cc) \
    static HANDLER(h_jcc16_##cc) { if (cpu_cond_fast(c, cc)) branch_to(c, c->next_eip + i->imm, 2); } \
    static HANDLER(h_jcc32_##cc) { if (cpu_cond_fast(c, cc)) branch_to(c, c->next_eip + i->imm, 4); }
#define CC16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
CC16(JCC)
#define JCC_ROW(cc) {h_jcc16_##cc, h_jcc32_##cc},
static const cpu_handler jcc_tab[16][2] = {CC16(JCC_ROW)};
static cpu_handler sel_jcc(const struct x86_insn *i) { return jcc_tab[i->cc & 15][i->osize == 4]; }

GEN_S(h_jmp_J, branch_to(c, c->next_eip + i->imm, SZ))
GEN_V(h_jmp_Ev, u32 off; branch_to(c, e_get(c, i, SZ, MEM, &off), SZ))

/* CALL: target checked first, then the push (may fault), then EIP. */
OPS_INLINE void call_to(struct cpu *c, u32 target, unsigned sz)
{
    u32 ret = c->next_eip;
    branch_to(c, target, sz);
    cpu_push(c, sz, ret);
}
GEN_S(h_call_J, call_to(c, c->next_eip + i->imm, SZ))
GEN_V(h_call_Ev, u32 off; call_to(c, e_get(c, i, SZ, MEM, &off), SZ))

OPS_INLINE void ret_near(struct cpu *c, unsigned sz, u32 extra)
{
    u32 sp = cpu_sp(c), t = cpu_stack_rd(c, sp, sz);
    branch_to(c, t, sz);
    cpu_set_sp(c, sp + sz + extra);
}
GEN_S(h_ret, ret_near(c, SZ, 0))
GEN_S(h_ret_Iw, ret_near(c, SZ, i->imm & 0xffff))

/* LOOP family: address size picks CX/ECX; ZF tests for LOOPE/LOOPNE. */
enum { LP_LOOP, LP_LOOPE, LP_LOOPNE, LP_JCXZ };
OPS_INLINE void loop_op(struct cpu *c, const struct x86_insn *i, int kind, bool a32, unsigned osz)
{
    u32 am = a32 ? 0xffffffffu : 0xffffu;
    u32 cnt = c->s.gpr[R_ECX] & am;
    bool take;
    if (kind == LP_JCXZ) {
        if (cnt == 0) branch_to(c, c->next_eip + i->imm, osz);
        return;
    }
    cnt = (cnt - 1) & am;
    take = cnt != 0;
    if (kind == LP_LOOPE) take = take && cpu_cond_fast(c, 4);
    if (kind == LP_LOOPNE) take = take && cpu_cond_fast(c, 5);
    if (take) branch_to(c, c->next_eip + i->imm, osz);
    if (a32) c->s.gpr[R_ECX] = cnt;
    else cpu_set_reg16(c, R_ECX, (u16)cnt);
}
#define LOOP_H(N, K) \
    static HANDLER(h_##N##_a16o16) { loop_op(c, i, K, false, 2); } \
    static HANDLER(h_##N##_a16o32) { loop_op(c, i, K, false, 4); } \
    static HANDLER(h_##N##_a32o16) { loop_op(c, i, K, true, 2); } \
    static HANDLER(h_##N##_a32o32) { loop_op(c, i, K, true, 4); } \
    static cpu_handler sel_##N(const struct x86_insn *i) \
    { \
        return i->asize == 4 ? (i->osize == 4 ? h_##N##_a32o32 : h_##N##_a32o16) \
                             : (i->osize == 4 ? h_##N##_a16o32 : h_##N##_a16o16); \
    }
LOOP_H(loop, LP_LOOP)
LOOP_H(loope, LP_LOOPE)
LOOP_H(loopne, LP_LOOPNE)
LOOP_H(jcxz, LP_JCXZ)

void ops_branch_init(void)
{
    cpu_register_selector(X86_OP_JCC_Jb, sel_jcc);
    cpu_register_selector(X86_OP_JCC_Jz, sel_jcc);
    REG_S(JMP_Jb, h_jmp_J);
    REG_S(JMP_Jz, h_jmp_J);
    REG_S(CALL_Jz, h_call_J);
    REG_V(JMP_Ev, h_jmp_Ev);
    REG_V(CALL_Ev, h_call_Ev);
    REG_S(RET, h_ret);
    REG_S(RET_Iw, h_ret_Iw);
    cpu_register_selector(X86_OP_LOOP_Jb, sel_loop);
    cpu_register_selector(X86_OP_LOOPE_Jb, sel_loope);
    cpu_register_selector(X86_OP_LOOPNE_Jb, sel_loopne);
    cpu_register_selector(X86_OP_JCXZ_Jb, sel_jcxz);
}
