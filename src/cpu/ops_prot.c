/*
 * Handlers of the protection model: segment register moves, far transfers,
 * software interrupts, IRET, PUSHF/POPF, CLI/STI, HLT. Port I/O is in
 * ops_io.c, descriptor-table instructions and SYSENTER/SYSEXIT in ops_dt.c.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "cpu/dispatch.h"

#define FL_SETTABLE 0x003F7FD5u

static inline int iopl_of(struct cpu *c) { return (c->s.eflags >> 12) & 3; }   /* not a lazy flag */

static void set_shadow(struct cpu *c, int kind)
{
    c->s.intr_shadow = (u8)kind;   /* 1: STI, 2: MOV SS / POP SS (also holds debug traps) */
    c->shadow_at = c->icount;
    c->events |= EV_SHADOW;
}

/* ---- PUSH/POP segment registers ---- */
static void push_sreg(struct cpu *c, const struct x86_insn *i, int seg)
{
    /* P6: a 32-bit push of a segment register writes only the low word */
    u32 sp = (cpu_sp(c) - i->osize) & cpu_sp_mask(c);
    cpu_wr16(c, S_SS, sp, c->s.seg[seg].sel);
    cpu_set_sp(c, sp);
}

static void pop_sreg(struct cpu *c, const struct x86_insn *i, int seg)
{
    u32 sp = cpu_sp(c);
    u16 v = (u16)cpu_stack_rd(c, sp, i->osize);
    /* the increment uses the old stack size; commit after the load succeeded */
    u32 esp = cpu_ss32(c) ? sp + i->osize : (c->s.gpr[R_ESP] & 0xffff0000u) | ((sp + i->osize) & 0xffff);
    cpu_load_seg(c, seg, v);
    c->s.gpr[R_ESP] = esp;
    if (seg == S_SS) set_shadow(c, 2);
}

#define SREG_OPS(S, n) \
    static HANDLER(h_push_##n) { push_sreg(c, i, S); } \
    static HANDLER(h_pop_##n) { pop_sreg(c, i, S); }
SREG_OPS(S_ES, es)
SREG_OPS(S_CS, cs)
SREG_OPS(S_SS, ss)
SREG_OPS(S_DS, ds)
SREG_OPS(S_FS, fs)
SREG_OPS(S_GS, gs)

/* ---- MOV Sw / LxS ---- */
static HANDLER(h_mov_EvSw)
{
    if (i->reg > 5) cpu_raise_ne(c, EXC_UD);
    u16 v = c->s.seg[i->reg].sel;
    if (i->mod != 3) cpu_wr16(c, i->seg, cpu_ea(c, i), v);
    else if (i->osize == 4) c->s.gpr[i->rm] = v;   /* P6 zero-extends */
    else cpu_set_reg16(c, i->rm, v);
}

static HANDLER(h_mov_SwEw)
{
    if (i->reg > 5 || i->reg == S_CS) cpu_raise_ne(c, EXC_UD);
    u16 v = i->mod == 3 ? cpu_reg16(c, i->rm) : cpu_rd16(c, i->seg, cpu_ea(c, i));
    cpu_load_seg(c, i->reg, v);
    if (i->reg == S_SS) set_shadow(c, 2);
}

static void load_far_ptr(struct cpu *c, const struct x86_insn *i, int seg)
{
    u32 ea = cpu_ea(c, i);
    u32 mask = i->asize == 2 ? 0xffff : 0xffffffffu;
    u32 off = i->osize == 4 ? cpu_rd32(c, i->seg, ea) : cpu_rd16(c, i->seg, ea);
    u16 sel = cpu_rd16(c, i->seg, (ea + i->osize) & mask);
    cpu_load_seg(c, seg, sel);
    if (i->osize == 4) c->s.gpr[i->reg] = off;
    else cpu_set_reg16(c, i->reg, (u16)off);
}
static HANDLER(h_les) { load_far_ptr(c, i, S_ES); }
static HANDLER(h_lds) { load_far_ptr(c, i, S_DS); }
static HANDLER(h_lss) { load_far_ptr(c, i, S_SS); }
static HANDLER(h_lfs) { load_far_ptr(c, i, S_FS); }
static HANDLER(h_lgs) { load_far_ptr(c, i, S_GS); }

/* ---- far transfers ---- */
static void read_mp(struct cpu *c, const struct x86_insn *i, u16 *sel, u32 *off)
{
    u32 ea = cpu_ea(c, i);
    u32 mask = i->asize == 2 ? 0xffff : 0xffffffffu;
    *off = i->osize == 4 ? cpu_rd32(c, i->seg, ea) : cpu_rd16(c, i->seg, ea);
    *sel = cpu_rd16(c, i->seg, (ea + i->osize) & mask);
}
static HANDLER(h_jmpf_Ap) { far_jmp(c, (u16)i->imm2, i->osize == 4 ? i->imm : (i->imm & 0xffff), i->osize); }
static HANDLER(h_callf_Ap) { far_call(c, (u16)i->imm2, i->osize == 4 ? i->imm : (i->imm & 0xffff), i->osize); }
static HANDLER(h_jmpf_Mp)
{
    u16 sel;
    u32 off;
    read_mp(c, i, &sel, &off);
    far_jmp(c, sel, off, i->osize);
}
static HANDLER(h_callf_Mp)
{
    u16 sel;
    u32 off;
    read_mp(c, i, &sel, &off);
    far_call(c, sel, off, i->osize);
}
static HANDLER(h_retf) { far_ret(c, i->osize, 0); }
static HANDLER(h_retf_Iw) { far_ret(c, i->osize, (u16)i->imm); }
static HANDLER(h_iret) { far_iret(c, i->osize); }

/* ---- software interrupts ---- */
static HANDLER(h_int_Ib)
{
    int vec = i->imm & 0xff;
    if (cpu_v86(c) && v86_soft_int(c, vec)) return;
    cpu_deliver(c, vec, INTK_SOFT, false, 0);
}
static HANDLER(h_int3) { cpu_deliver(c, EXC_BP, INTK_SOFT, false, 0); }
static HANDLER(h_into)
{
    if (cpu_of(c)) cpu_deliver(c, EXC_OF, INTK_SOFT, false, 0);
}
static HANDLER(h_int1) { cpu_deliver(c, EXC_DB, INTK_ICEBP, false, 0); }

/* ---- flags ---- */
static HANDLER(h_pushf)
{
    u32 fl = cpu_get_eflags(c), v;
    if (cpu_v86(c) && ((fl >> 12) & 3) < 3) {
        if (!((c->s.cr4 & CR4_VME) && i->osize == 2)) cpu_raise(c, EXC_GP, 0);
        v = (fl & 0xffff & ~FL_IF) | ((fl & FL_VIF) ? FL_IF : 0) | FL_IOPL;
    } else {
        v = i->osize == 4 ? fl & ~(FL_VM | FL_RF) : fl & 0xffff;
    }
    cpu_push(c, i->osize, v);
}

static HANDLER(h_popf)
{
    u32 fl = cpu_get_eflags(c);
    int iopl = (fl >> 12) & 3;
    u32 sp = cpu_sp(c);
    u32 v = cpu_stack_rd(c, sp, i->osize), mask;
    if (cpu_v86(c)) {
        if (iopl == 3) {
            mask = i->osize == 4 ? FL_SETTABLE & ~(FL_IOPL | FL_VM | FL_VIP | FL_VIF) : 0x7FD5u & ~FL_IOPL;
        } else if ((c->s.cr4 & CR4_VME) && i->osize == 2) {
            if ((v & FL_TF) || ((v & FL_IF) && (fl & FL_VIP))) cpu_raise(c, EXC_GP, 0);
            mask = (0x7FD5u & ~(FL_IF | FL_IOPL)) | FL_VIF;
            v = (v & 0xffff) | ((v & FL_IF) ? FL_VIF : 0);
        } else {
            cpu_raise(c, EXC_GP, 0);
        }
    } else {
        mask = i->osize == 4 ? FL_SETTABLE & ~(FL_VIP | FL_VIF | FL_VM) : 0x7FD5u;
        if (cpu_pm(c) && c->s.cpl > 0) mask &= ~FL_IOPL;
        if (cpu_pm(c) && c->s.cpl > iopl) mask &= ~FL_IF;
    }
    v &= ~FL_RF;   /* POPF clears RF */
    cpu_set_sp(c, sp + i->osize);
    cpu_set_eflags(c, v, mask);
}

/* CLI/STI: IF if allowed, else VIF under VME (v86) or PVI (CPL 3), else #GP(0). */
static int if_access(struct cpu *c)
{
    if (!cpu_pm(c)) return 1;
    int iopl = iopl_of(c);
    if (cpu_v86(c)) {
        if (iopl == 3) return 1;
        if (c->s.cr4 & CR4_VME) return 2;
    } else {
        if (c->s.cpl <= iopl) return 1;
        if (c->s.cpl == 3 && (c->s.cr4 & CR4_PVI)) return 2;
    }
    cpu_raise(c, EXC_GP, 0);
}

static HANDLER(h_cli)
{
    if (if_access(c) == 1) cpu_set_eflags(c, 0, FL_IF);
    else cpu_set_eflags(c, 0, FL_VIF);
}

static HANDLER(h_sti)
{
    u32 fl = cpu_get_eflags(c);
    if (if_access(c) == 1) {
        if (!(fl & FL_IF)) {
            cpu_set_eflags(c, FL_IF, FL_IF);
            set_shadow(c, 1);
        }
    } else {
        if (fl & FL_VIP) cpu_raise(c, EXC_GP, 0);
        cpu_set_eflags(c, FL_VIF, FL_VIF);
    }
}

static HANDLER(h_hlt)
{
    if (cpu_pm(c) && c->s.cpl != 0) cpu_raise(c, EXC_GP, 0);
    c->s.halted = 1;
    c->events |= EV_HALT;
}

void cpu_ops_prot_init(void)
{
#define SREG_REG(OP, n) \
    cpu_register1(X86_OP_PUSH_##OP, h_push_##n); \
    cpu_register1(X86_OP_POP_##OP, h_pop_##n);
    SREG_REG(ES, es)
    SREG_REG(SS, ss)
    SREG_REG(DS, ds)
    SREG_REG(FS, fs)
    SREG_REG(GS, gs)
    cpu_register1(X86_OP_PUSH_CS, h_push_cs);
    (void)h_pop_cs;
    cpu_register1(X86_OP_MOV_EvSw, h_mov_EvSw);
    cpu_register1(X86_OP_MOV_SwEw, h_mov_SwEw);
    cpu_register(X86_OP_LES_GvMp, h_ud, h_les, h_ud, h_les);
    cpu_register(X86_OP_LDS_GvMp, h_ud, h_lds, h_ud, h_lds);
    cpu_register(X86_OP_LSS_GvMp, h_ud, h_lss, h_ud, h_lss);
    cpu_register(X86_OP_LFS_GvMp, h_ud, h_lfs, h_ud, h_lfs);
    cpu_register(X86_OP_LGS_GvMp, h_ud, h_lgs, h_ud, h_lgs);
    cpu_register1(X86_OP_JMPF_Ap, h_jmpf_Ap);
    cpu_register1(X86_OP_CALLF_Ap, h_callf_Ap);
    cpu_register(X86_OP_JMPF_Mp, h_ud, h_jmpf_Mp, h_ud, h_jmpf_Mp);
    cpu_register(X86_OP_CALLF_Mp, h_ud, h_callf_Mp, h_ud, h_callf_Mp);
    cpu_register1(X86_OP_RETF, h_retf);
    cpu_register1(X86_OP_RETF_Iw, h_retf_Iw);
    cpu_register1(X86_OP_IRET, h_iret);
    cpu_register1(X86_OP_INT_Ib, h_int_Ib);
    cpu_register1(X86_OP_INT3, h_int3);
    cpu_register1(X86_OP_INTO, h_into);
    cpu_register1(X86_OP_INT1, h_int1);
    cpu_register1(X86_OP_PUSHF, h_pushf);
    cpu_register1(X86_OP_POPF, h_popf);
    cpu_register1(X86_OP_CLI, h_cli);
    cpu_register1(X86_OP_STI, h_sti);
    cpu_register1(X86_OP_HLT, h_hlt);
    ops_io_init();
    ops_dt_init();
}
