/*
 * IRET in every mode: real mode, v86 (IOPL 3, or VME with 16-bit operand
 * size), protected mode to the same or an outer level, to v86 mode (from
 * CPL 0 with VM set in the popped EFLAGS), and the nested-task return (NT).
 * IRET also ends NMI blocking.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "base/log.h"

#define FL_SETTABLE 0x003F7FD5u  /* every EFLAGS bit a P6 implements */

static void iret_real(struct cpu *c, unsigned osize)
{
    struct stk k;
    stk_init_current(c, &k);
    u32 eip = stk_pop(c, &k, osize);
    u16 cs = (u16)stk_pop(c, &k, osize);
    u32 fl = stk_pop(c, &k, osize);
    if (eip > c->s.seg[S_CS].limit) cpu_raise(c, EXC_GP, 0);
    stk_commit_esp(c, &k);
    seg_load_real(c, S_CS, cs);
    c->next_eip = eip;
    /* 32-bit: VM, VIF and VIP keep their values; 16-bit: FLAGS only */
    cpu_set_eflags(c, fl, osize == 4 ? 0x257FD5u : 0x7FD5u);
}

static void iret_v86(struct cpu *c, unsigned osize)
{
    u32 cur = cpu_get_eflags(c);
    int iopl = (cur >> 12) & 3;
    bool vme = c->s.cr4 & CR4_VME;
    if (iopl < 3 && !(vme && osize == 2)) cpu_raise(c, EXC_GP, 0);
    struct stk k;
    stk_init_current(c, &k);
    u32 eip = stk_pop(c, &k, osize);
    u16 cs = (u16)stk_pop(c, &k, osize);
    u32 fl = stk_pop(c, &k, osize);
    if (eip > 0xffff) cpu_raise(c, EXC_GP, 0);
    u32 mask;
    if (iopl == 3) {
        mask = osize == 4 ? FL_SETTABLE & ~(FL_VM | FL_IOPL | FL_VIP | FL_VIF) : 0x7FD5u & ~FL_IOPL;
    } else {
        /* VME: IF goes to VIF; setting it with VIP pending, or TF, is #GP */
        if ((fl & FL_TF) || ((fl & FL_IF) && (cur & FL_VIP))) cpu_raise(c, EXC_GP, 0);
        mask = 0x7FD5u & ~(FL_IF | FL_IOPL);
        fl = (fl & 0xffff) | ((fl & FL_IF) ? FL_VIF : 0);
        mask |= FL_VIF;
    }
    stk_commit_esp(c, &k);
    seg_load_real(c, S_CS, cs);
    c->next_eip = eip;
    cpu_set_eflags(c, fl, mask);
}

/* IRET with NT: return to the task in the back link of the current TSS. */
static void iret_task(struct cpu *c)
{
    u16 link = (u16)cpu_sysrd(c, c->s.tr.base, 2);
    struct desc t;
    if ((link & 4) || !desc_fetch(c, link, &t)) cpu_raise(c, EXC_TS, sel_err(link, 0));
    if (desc_s(&t) || (desc_type(&t) != DT_TSS16_BUSY && desc_type(&t) != DT_TSS32_BUSY))
        cpu_raise(c, EXC_TS, sel_err(link, 0));
    if (!desc_p(&t)) cpu_raise(c, EXC_NP, sel_err(link, 0));
    task_switch(c, link, &t, TS_IRET, c->next_eip, false, 0, 0);
}

static void iret_to_v86(struct cpu *c, struct stk *k, u32 eip, u16 cs, u32 fl)
{
    u16 segs[6];
    u32 esp = stk_pop(c, k, 4);
    segs[S_SS] = (u16)stk_pop(c, k, 4);
    segs[S_ES] = (u16)stk_pop(c, k, 4);
    segs[S_DS] = (u16)stk_pop(c, k, 4);
    segs[S_FS] = (u16)stk_pop(c, k, 4);
    segs[S_GS] = (u16)stk_pop(c, k, 4);
    segs[S_CS] = cs;
    if (eip > 0xffff) cpu_raise(c, EXC_GP, 0);
    VD_LOG(LOG_PCALL, "iret to v86 %04x:%04x\n", cs, eip);
    v86_enter(c, eip, fl, segs, esp);
}

static void iret_pm(struct cpu *c, unsigned osize)
{
    if (c->s.eflags & FL_NT) {
        iret_task(c);
        return;
    }
    struct stk k;
    stk_init_current(c, &k);
    u32 eip = stk_pop(c, &k, osize);
    u16 cs = (u16)stk_pop(c, &k, osize);
    u32 fl = stk_pop(c, &k, osize);
    int cpl = c->s.cpl;
    if (osize == 4 && (fl & FL_VM) && cpl == 0) {
        iret_to_v86(c, &k, eip, cs, fl);
        return;
    }
    struct desc cd, sd;
    far_check_ret_cs(c, cs, &cd);
    int rpl = cs & 3;
    u32 esp = 0;
    u16 ss = 0;
    if (rpl > cpl) {
        esp = stk_pop(c, &k, osize);
        ss = (u16)stk_pop(c, &k, osize);
        far_check_ret_ss(c, ss, rpl, &sd);
    }
    if (eip > desc_limit(&cd)) cpu_raise(c, EXC_GP, 0);

    u32 cur = cpu_get_eflags(c);
    int iopl = (cur >> 12) & 3;
    u32 mask = (osize == 4 ? FL_SETTABLE : 0x7FD5u) & ~FL_VM;
    if (cpl > 0) mask &= ~(FL_IOPL | FL_VIF | FL_VIP);
    if (cpl > iopl) mask &= ~FL_IF;

    if (rpl > cpl) desc_set_accessed(c, &sd);
    far_set_cs(c, cs, &cd, eip, rpl);
    if (rpl > cpl) {
        seg_from_desc(&c->s.seg[S_SS], ss, &sd);
        cpu_seg_recompute(c, S_SS);
        if (sd.hi & (1u << 22)) c->s.gpr[R_ESP] = esp;
        else c->s.gpr[R_ESP] = (c->s.gpr[R_ESP] & 0xffff0000u) | (esp & 0xffff);
        seg_invalidate_outer(c);
    } else {
        stk_commit_esp(c, &k);
    }
    cpu_set_eflags(c, fl, mask);
}

void far_iret(struct cpu *c, unsigned osize)
{
    if (!cpu_pm(c)) iret_real(c, osize);
    else if (cpu_v86(c)) iret_v86(c, osize);
    else iret_pm(c, osize);
    c->s.nmi_blocked = 0;
    if (c->s.nmi_pending) c->events |= EV_NMI;
    cpu_eflags_loaded(c);
}
