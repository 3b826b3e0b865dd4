/*
 * Stack instructions: PUSH/POP (register, immediate, r/m), PUSHA/POPA,
 * ENTER/LEAVE. Operand size picks the element size, SS.B the stack pointer
 * width (cpu_mem.h helpers). ESP is committed only after every access that
 * can fault has been done.
 */
#include "cpu/ops.h"

GEN_S(h_push_Zv, cpu_push(c, SZ, reg_get(c, i->reg, SZ)))
GEN_S(h_pop_Zv, u32 v = cpu_pop(c, SZ); reg_put(c, i->reg, SZ, v))
GEN_S(h_push_I, cpu_push(c, SZ, i->imm & sz_mask(SZ)))
GEN_V(h_push_Ev, u32 off; cpu_push(c, SZ, e_get(c, i, SZ, MEM, &off)))

/* POP r/m: a memory address that uses ESP is computed with ESP already
 * incremented; the store happens before ESP is committed (precise). */
OPS_INLINE void pop_E(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem)
{
    u32 sp = cpu_sp(c), v = cpu_stack_rd(c, sp, sz);
    if (!mem) {
        cpu_set_sp(c, sp + sz);
        reg_put(c, i->rm, sz, v);
        return;
    }
    u32 old = c->s.gpr[R_ESP];
    cpu_set_sp(c, sp + sz);
    u32 off = cpu_ea(c, i);
    u32 nsp = c->s.gpr[R_ESP];
    c->s.gpr[R_ESP] = old;
    mem_put(c, i->seg, off, sz, v);
    c->s.gpr[R_ESP] = nsp;
}
GEN_V(h_pop_Ev, pop_E(c, i, SZ, MEM))

/* PUSHA pushes EAX ECX EDX EBX, the original ESP, EBP ESI EDI. */
OPS_INLINE void pusha(struct cpu *c, unsigned sz)
{
    /* Every slot's segment and page checks come before the first store, in
     * push order: the stores retire together, a fault leaves memory as it
     * was, and CR2 names the first store in push order that faults. */
    u32 sp = cpu_sp(c), lin[8];
    for (int r = 0; r < 8; r++) lin[r] = cpu_seg_lin(c, S_SS, (sp - (u32)(r + 1) * sz) & cpu_sp_mask(c), sz, SEGCHK_W);
    for (int r = 0, last = -1; r < 8; r++) /* a page once, unless the slot crosses out of it */
        if (last < 0 || (lin[r] ^ lin[last]) >> 12 || (lin[r] & 0xfff) + sz > 0x1000) cpu_probe_write(c, lin[last = r], sz);
    for (int r = 0; r < 8; r++) {
        if (sz == 2) cpu_lwr16(c, lin[r], (u16)reg_get(c, r, 2));
        else cpu_lwr32(c, lin[r], reg_get(c, r, 4));
    }
    cpu_set_sp(c, sp - 8 * sz);
}
/* POPA skips the saved ESP. */
OPS_INLINE void popa(struct cpu *c, unsigned sz)
{
    u32 sp = cpu_sp(c), v[8];
    for (int r = 0; r < 8; r++) v[7 - r] = r == 3 ? 0 : cpu_stack_rd(c, sp + (u32)r * sz, sz);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) reg_put(c, r, sz, v[r]);
    cpu_set_sp(c, sp + 8 * sz);
}
GEN_S(h_pusha, pusha(c, SZ))
GEN_S(h_popa, popa(c, SZ))

/* ENTER alloc, level: the level-1 outer frame pointers are read first
 * (SS:[eBP - k*size], eBP width from SS.B), then everything is pushed, and
 * the final stack pointer is probed for a write (the SDM: #PF "if a write
 * using the final value of the stack pointer would cause a page fault");
 * then EBP (BP with 16-bit operand size) and ESP are committed. */
OPS_INLINE void enter(struct cpu *c, const struct x86_insn *i, unsigned sz)
{
    unsigned level = i->imm2 & 31;
    u32 alloc = i->imm & 0xffff, spm = cpu_sp_mask(c);
    u32 sp = cpu_sp(c), ebp = c->s.gpr[R_EBP];
    u32 frames[32];
    for (unsigned k = 1; k < level; k++) frames[k] = cpu_stack_rd(c, (ebp - k * sz) & spm, sz);
    u32 p = (sp - sz) & spm;
    cpu_stack_wr(c, p, sz, reg_get(c, R_EBP, sz));
    u32 frame = p;
    if (level) {
        for (unsigned k = 1; k < level; k++) {
            p = (p - sz) & spm;
            cpu_stack_wr(c, p, sz, frames[k]);
        }
        p = (p - sz) & spm;
        cpu_stack_wr(c, p, sz, frame);
    }
    u32 fin = (p - alloc) & spm;
    (void)mem_getw(c, S_SS, fin, sz);
    reg_put(c, R_EBP, sz, frame);
    cpu_set_sp(c, fin);
}
GEN_S(h_enter, enter(c, i, SZ))

/* LEAVE: eSP = eBP, pop eBP */
OPS_INLINE void leave(struct cpu *c, unsigned sz)
{
    u32 sp = c->s.gpr[R_EBP] & cpu_sp_mask(c);
    u32 v = cpu_stack_rd(c, sp, sz);
    cpu_set_sp(c, sp + sz);
    reg_put(c, R_EBP, sz, v);
}
GEN_S(h_leave, leave(c, SZ))

void ops_stack_init(void)
{
    REG_S(PUSH_Zv, h_push_Zv);
    REG_S(POP_Zv, h_pop_Zv);
    REG_S(PUSH_Iz, h_push_I);
    REG_S(PUSH_Ibs, h_push_I);
    REG_V(PUSH_Ev, h_push_Ev);
    REG_V(POP_Ev, h_pop_Ev);
    REG_S(PUSHA, h_pusha);
    REG_S(POPA, h_popa);
    REG_S(ENTER_IwIb, h_enter);
    REG_S(LEAVE, h_leave);
}
