/*
 * Segment registers: the access checks derived from the descriptor caches,
 * and segment loads in real, v86 and protected mode with every check
 * (null selector rules, type, privilege, present -> #NP/#SS, accessed bit).
 */
#include "cpu/prot.h"
#include "base/log.h"

void cpu_seg_recompute(struct cpu *c, int seg)
{
    const struct seg *s = &c->s.seg[seg];
    bool pm = cpu_pm(c) && !cpu_v86(c);
    struct segcheck k;
    segchk_compute(s, pm, &k);
    c->segchk[seg] = k;
    unsigned bit = 1u << seg, any4g = k.lo == 0 && k.hi == 0xffffffffu && k.ok == (SEGCHK_R | SEGCHK_W);
    c->seg_flat = (u8)((c->seg_flat & ~bit) | (any4g && s->base == 0 ? bit : 0));
    c->seg_big = (u8)((c->seg_big & ~bit) | (any4g && s->base != 0 ? bit : 0));
    c->seg_gen++;
    if (seg == S_CS)
        c->code_mode = (pm && (s->attr & SEG_ATTR_DB)) ? X86_MODE_32 : X86_MODE_16;
}

void cpu_seg_recompute_all(struct cpu *c)
{
    for (int i = 0; i < 6; i++) cpu_seg_recompute(c, i);
}

void cpu_seg_fault(struct cpu *c, int seg, u32 off, unsigned size, int kind)
{
    VD_LOG(LOG_GUEST_ERRORS, "segment check failed: seg %d off 0x%x size %u %s\n", seg, off, size,
           kind & SEGCHK_W ? "write" : "read");
    if (seg == S_SS) cpu_raise(c, EXC_SS, 0);
    cpu_raise(c, EXC_GP, 0);
}

void cpu_set_cpl(struct cpu *c, int cpl)
{
    c->s.cpl = (u8)cpl;
    c->tlbc = &c->tlb[cpl == 3];
    c->tlb_gen++;
    c->seg_gen++;
}

void seg_load_real(struct cpu *c, int seg, u16 sel)
{
    struct seg *s = &c->s.seg[seg];
    s->sel = sel;
    s->base = (u32)sel << 4;
    if (cpu_v86(c)) {
        s->limit = 0xffff;
        s->attr = 0xf3 | (seg == S_CS ? 0x8 : 0);
    } else {
        /* real mode keeps limit and attributes (unreal mode), but the
         * segment becomes usable again */
        s->attr = (s->attr & ~SEG_ATTR_UNUSABLE) | SEG_ATTR_P | SEG_ATTR_S;
    }
    cpu_seg_recompute(c, seg);
}

void seg_load_null(struct cpu *c, int seg, u16 sel)
{
    struct seg *s = &c->s.seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0;
    s->attr = SEG_ATTR_UNUSABLE;
    cpu_seg_recompute(c, seg);
}

void seg_check_load(struct cpu *c, int seg, u16 sel, int cpl, struct desc *d, int vec, int ext)
{
    if (seg == S_SS) {
        if (sel_null(sel)) cpu_raise(c, vec, ext ? 1 : 0);
        if (!desc_fetch(c, sel, d)) cpu_raise(c, vec, sel_err(sel, ext));
        if ((sel & 3) != cpl || !desc_writable_data(d) || desc_dpl(d) != cpl)
            cpu_raise(c, vec, sel_err(sel, ext));
        if (!desc_p(d)) cpu_raise(c, EXC_SS, sel_err(sel, ext));
        return;
    }
    if (sel_null(sel)) {
        d->lo = d->hi = 0;
        return;
    }
    if (!desc_fetch(c, sel, d)) cpu_raise(c, vec, sel_err(sel, ext));
    if (!desc_s(d) || !desc_readable(d)) cpu_raise(c, vec, sel_err(sel, ext));
    if (!desc_conforming(d) && ((sel & 3) > desc_dpl(d) || cpl > desc_dpl(d)))
        cpu_raise(c, vec, sel_err(sel, ext));
    if (!desc_p(d)) cpu_raise(c, EXC_NP, sel_err(sel, ext));
}

void seg_commit(struct cpu *c, int seg, u16 sel, struct desc *d)
{
    if (seg != S_SS && seg != S_CS && sel_null(sel)) {
        seg_load_null(c, seg, sel);
        return;
    }
    desc_set_accessed(c, d);
    seg_from_desc(&c->s.seg[seg], sel, d);
    cpu_seg_recompute(c, seg);
}

void cpu_load_seg(struct cpu *c, int seg, u16 sel)
{
    if (!cpu_pm(c) || cpu_v86(c)) {
        seg_load_real(c, seg, sel);
        return;
    }
    if (seg == S_CS) {
        /* only far transfers load CS; they use far_set_cs */
        cpu_raise_ne(c, EXC_UD);
    }
    struct desc d;
    seg_check_load(c, seg, sel, c->s.cpl, &d, EXC_GP, 0);
    seg_commit(c, seg, sel, &d);
}

void seg_invalidate_outer(struct cpu *c)
{
    static const int segs[] = {S_ES, S_DS, S_FS, S_GS};
    for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
        struct seg *s = &c->s.seg[segs[i]];
        if (s->attr & SEG_ATTR_UNUSABLE) continue;
        u32 type = SEG_ATTR_TYPE(s->attr);
        bool conf_code = (type & 0xc) == 0xc;
        /* data and non-conforming code segments more privileged than the new CPL */
        if (!conf_code && SEG_ATTR_DPL(s->attr) < c->s.cpl) seg_load_null(c, segs[i], 0);
    }
}

void seg_load_flat(struct cpu *c, int seg, u16 sel, bool code, int dpl)
{
    struct seg *s = &c->s.seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->attr = (code ? 0xb : 0x3) | SEG_ATTR_S | ((u32)dpl << 5) | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G;
    cpu_seg_recompute(c, seg);
}
