/*
 * Virtual-8086 mode: entry (IRET from CPL 0, task switch), the IOPL rules of
 * INT n, and VME: the interrupt redirection bitmap in the TSS (32 bytes just
 * below the I/O permission bitmap) and delivery through the v86 task's own
 * real-mode interrupt vector table at linear address 0.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "base/log.h"

void v86_enter(struct cpu *c, u32 eip, u32 eflags, const u16 segs[6], u32 esp)
{
    cpu_set_eflags(c, eflags, 0xffffffffu);   /* VM is set from here on */
    cpu_set_cpl(c, 3);
    for (int s = 0; s < 6; s++) seg_load_real(c, s, segs[s]);
    c->s.gpr[R_ESP] = esp;
    c->next_eip = eip;
}

/* VME: is INT vec redirected to the v86 IVT (its bit in the TSS map clear)? */
static bool redirected(struct cpu *c, int vec)
{
    const struct seg *tr = &c->s.tr;
    if (!(SEG_ATTR_TYPE(tr->attr) & 8) || tr->limit < 0x67) cpu_raise(c, EXC_GP, 0);
    u32 iobase = cpu_sysrd(c, tr->base + 0x66, 2);
    u32 off = iobase - 32 + (u32)vec / 8;
    if (iobase < 32 || off > tr->limit) cpu_raise(c, EXC_GP, 0);
    return !((cpu_sysrd(c, tr->base + off, 1) >> (vec & 7)) & 1);
}

bool v86_soft_int(struct cpu *c, int vec)
{
    int iopl = (cpu_get_eflags(c) >> 12) & 3;
    if ((c->s.cr4 & CR4_VME) && redirected(c, vec)) {
        v86_ivt_deliver(c, vec, c->next_eip);
        return true;
    }
    if (iopl < 3) cpu_raise(c, EXC_GP, 0);
    return false;
}

void v86_ivt_deliver(struct cpu *c, int vec, u32 ret)
{
    u32 fl = cpu_get_eflags(c);
    int iopl = (fl >> 12) & 3;
    u16 ip = cpu_lrd16(c, (u32)vec * 4);
    u16 cs = cpu_lrd16(c, (u32)vec * 4 + 2);
    u32 image = fl & 0xffff;
    if (iopl < 3) image = (image & ~FL_IF) | ((fl & FL_VIF) ? FL_IF : 0) | FL_IOPL;
    struct stk k;
    stk_init_current(c, &k);
    stk_check_push(c, &k, 6);
    stk_probe_push(c, &k, 3, 2);
    stk_push(c, &k, 2, image);
    stk_push(c, &k, 2, c->s.seg[S_CS].sel);
    stk_push(c, &k, 2, ret);
    stk_commit_esp(c, &k);
    cpu_set_eflags(c, 0, FL_TF | (iopl == 3 ? FL_IF : FL_VIF));
    seg_load_real(c, S_CS, cs);
    c->next_eip = ip;
    c->trace_pending = false;
}
