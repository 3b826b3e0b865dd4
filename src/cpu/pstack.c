/*
 * Stacks that are not (yet) the current SS:ESP: the inner stack of an
 * interrupt or call gate, the outer stack of a far return. A struct stk runs
 * a private stack pointer; nothing is committed until stk_commit_esp, so a
 * fault part-way leaves ESP as it was.
 */
#include "cpu/prot.h"

static u32 stk_mask(const struct stk *k) { return (k->ss.attr & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu; }

void stk_init_current(struct cpu *c, struct stk *k)
{
    k->ss = c->s.seg[S_SS];
    k->sp = cpu_sp(c);
    k->fault_vec = EXC_SS;
    k->fault_err = 0;
    k->sys = false;
}

static void stk_check(struct cpu *c, struct stk *k, u32 off, unsigned size)
{
    bool ok;
    if (cpu_pm(c) && !cpu_v86(c)) ok = seg_fits(&k->ss, off, size);
    else ok = (u64)off + size - 1 <= k->ss.limit;
    if (!ok) cpu_raise(c, k->fault_vec, k->fault_err);
}

void stk_check_push(struct cpu *c, struct stk *k, unsigned n)
{
    u32 m = stk_mask(k);
    u32 lo = (k->sp - n) & m;
    if (lo > k->sp && k->sp != 0) {
        /* wraps around within a 16-bit stack: check the two pieces */
        stk_check(c, k, 0, k->sp);
        stk_check(c, k, lo, m - lo + 1);
    } else if (n) {
        stk_check(c, k, lo, n);
    }
}

void stk_probe_push(struct cpu *c, const struct stk *k, unsigned count, unsigned size)
{
    u32 m = stk_mask(k), sp = k->sp, last = 1; /* 1: no page */
    for (unsigned j = 0; j < count; j++) {
        sp = (sp - size) & m;
        u32 lin = k->ss.base + sp;
        if ((lin & 0xfffff000u) == last && (lin & 0xfff) + size <= 0x1000) continue;
        if (k->sys) cpu_probe_syswrite(c, lin, size);
        else cpu_probe_write(c, lin, size);
        last = lin & 0xfffff000u;
    }
}

void stk_push(struct cpu *c, struct stk *k, unsigned size, u32 v)
{
    u32 sp = (k->sp - size) & stk_mask(k);
    stk_check(c, k, sp, size);
    u32 lin = k->ss.base + sp;
    if (k->sys) cpu_syswr(c, lin, size, v);
    else if (size == 2) cpu_lwr16(c, lin, (u16)v);
    else cpu_lwr32(c, lin, v);
    k->sp = sp;
}

u32 stk_pop(struct cpu *c, struct stk *k, unsigned size)
{
    u32 sp = k->sp;
    stk_check(c, k, sp, size);
    u32 lin = k->ss.base + sp, v;
    if (k->sys) v = cpu_sysrd(c, lin, size);
    else v = size == 2 ? cpu_lrd16(c, lin) : cpu_lrd32(c, lin);
    k->sp = (sp + size) & stk_mask(k);
    return v;
}

void stk_commit_esp(struct cpu *c, const struct stk *k)
{
    if (k->ss.attr & SEG_ATTR_DB) c->s.gpr[R_ESP] = k->sp;
    else c->s.gpr[R_ESP] = (c->s.gpr[R_ESP] & 0xffff0000u) | (k->sp & 0xffff);
}

void tss_inner_stack(struct cpu *c, int dpl, u16 *ss, u32 *esp, int ext)
{
    const struct seg *tr = &c->s.tr;
    u32 type = SEG_ATTR_TYPE(tr->attr);
    if (type & 8) {
        u32 off = 4 + (u32)dpl * 8;
        if (off + 5 > tr->limit) cpu_raise(c, EXC_TS, sel_err(tr->sel, ext));
        *esp = cpu_sysrd(c, tr->base + off, 4);
        *ss = (u16)cpu_sysrd(c, tr->base + off + 4, 2);
    } else {
        u32 off = 2 + (u32)dpl * 4;
        if (off + 3 > tr->limit) cpu_raise(c, EXC_TS, sel_err(tr->sel, ext));
        *esp = cpu_sysrd(c, tr->base + off, 2);
        *ss = (u16)cpu_sysrd(c, tr->base + off + 2, 2);
    }
}
