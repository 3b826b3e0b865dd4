/* Descriptor tables: fetching descriptors, accessed/busy bits, segment caches. */
#include "cpu/prot.h"

bool desc_fetch(struct cpu *c, u16 sel, struct desc *d)
{
    u32 base, limit;
    if (sel & 4) {
        if (c->s.ldtr.attr & SEG_ATTR_UNUSABLE || sel_null(c->s.ldtr.sel)) return false;
        base = c->s.ldtr.base;
        limit = c->s.ldtr.limit;
    } else {
        base = c->s.gdtr.base;
        limit = c->s.gdtr.limit;
    }
    u32 idx = sel & 0xfff8u;
    if (idx + 7 > limit) return false;
    d->addr = base + idx;
    d->lo = cpu_sysrd(c, d->addr, 4);
    d->hi = cpu_sysrd(c, d->addr + 4, 4);
    return true;
}

void desc_set_accessed(struct cpu *c, struct desc *d)
{
    if (!desc_s(d) || (d->hi & 0x100)) return;
    d->hi |= 0x100;
    cpu_syswr(c, d->addr + 5, 1, (d->hi >> 8) & 0xff);
}

void desc_set_busy(struct cpu *c, struct desc *d, bool busy)
{
    if (busy) d->hi |= 0x200;
    else d->hi &= ~0x200u;
    cpu_syswr(c, d->addr + 5, 1, (d->hi >> 8) & 0xff);
}

void seg_from_desc(struct seg *s, u16 sel, const struct desc *d)
{
    s->sel = sel;
    s->base = desc_base(d);
    s->limit = desc_limit(d);
    s->attr = seg_attr_from_desc_hi(d->hi);
}

void segchk_compute(const struct seg *s, bool pm, struct segcheck *k)
{
    u32 a = s->attr;
    if (!pm) {
        /* real and v86 mode: any access within the cached limit (unreal mode keeps big limits) */
        k->lo = 0;
        k->hi = s->limit;
        k->ok = SEGCHK_R | SEGCHK_W;
        return;
    }
    if ((a & SEG_ATTR_UNUSABLE) || !(a & SEG_ATTR_P) || !(a & SEG_ATTR_S)) {
        k->lo = 1;
        k->hi = 0;
        k->ok = 0;
        return;
    }
    u32 type = SEG_ATTR_TYPE(a);
    if (type & 8) /* code: readable if bit 1, never writable */
        k->ok = (type & 2) ? SEGCHK_R : 0;
    else
        k->ok = SEGCHK_R | ((type & 2) ? SEGCHK_W : 0);
    if (!(type & 8) && (type & 4)) { /* expand-down data: valid offsets are limit+1 .. 0xffff or 4G-1 */
        k->lo = s->limit + 1;
        k->hi = (a & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
        if (k->lo == 0 || k->lo > k->hi) { k->lo = 1; k->hi = 0; }
    } else {
        k->lo = 0;
        k->hi = s->limit;
    }
}

bool seg_fits(const struct seg *s, u32 off, unsigned size)
{
    struct segcheck k;
    segchk_compute(s, true, &k);
    /* a stack is always writable data here; only the limits matter */
    return off >= k.lo && (u64)off + size - 1 <= k.hi;
}
