/* Segment registers: access checks derived from the descriptor caches, and loads. */
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "base/log.h"

void cpu_seg_recompute(struct cpu *c, int seg)
{
    const struct seg *s = &c->s.seg[seg];
    struct segcheck *k = &c->segchk[seg];
    u32 a = s->attr;
    if (!cpu_pm(c) || cpu_v86(c)) {
        /* real and v86 mode: any access within the cached limit (unreal mode keeps big limits) */
        k->lo = 0;
        k->hi = s->limit;
        k->ok = SEGCHK_R | SEGCHK_W;
    } else if ((a & SEG_ATTR_UNUSABLE) || !(a & SEG_ATTR_P)) {
        k->lo = 1;
        k->hi = 0;
        k->ok = 0;
    } else {
        u32 type = SEG_ATTR_TYPE(a);
        if (!(a & SEG_ATTR_S)) {
            k->ok = 0;
        } else if (type & 8) { /* code: readable if bit 1, never writable */
            k->ok = (type & 2) ? SEGCHK_R : 0;
        } else {
            k->ok = SEGCHK_R | ((type & 2) ? SEGCHK_W : 0);
        }
        if (!(type & 8) && (type & 4)) { /* expand-down data */
            k->lo = s->limit + 1;
            k->hi = (a & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
            if (k->lo == 0) { k->lo = 1; k->hi = 0; } /* limit 0xffffffff: nothing valid */
        } else {
            k->lo = 0;
            k->hi = s->limit;
        }
    }
    if (seg == S_CS)
        c->code_mode = (cpu_pm(c) && !cpu_v86(c) && (a & SEG_ATTR_DB)) ? X86_MODE_32 : X86_MODE_16;
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
}

/* Real/v86-mode load; protected-mode loads are descriptor-table work (see the
 * system-architecture code). */
void cpu_load_seg(struct cpu *c, int seg, u16 sel)
{
    if (cpu_pm(c) && !cpu_v86(c)) {
        VD_LOG(LOG_UNIMP, "protected-mode segment load not implemented\n");
        cpu_raise_ne(c, EXC_UD);
    }
    struct seg *s = &c->s.seg[seg];
    s->sel = sel;
    s->base = (u32)sel << 4;
    if (cpu_v86(c)) {
        s->limit = 0xffff;
        s->attr = 0xf3 | (seg == S_CS ? 0x8 : 0);
    }
    cpu_seg_recompute(c, seg);
}
