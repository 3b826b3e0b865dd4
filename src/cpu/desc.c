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

