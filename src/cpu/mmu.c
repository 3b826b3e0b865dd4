/*
 * Memory slow paths: translation (paging), TLB fill, page-crossing and
 * misaligned accesses, MMIO, and writes to pages holding decoded code.
 */
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "base/log.h"

bool cpu_is_code_page(const struct cpu *c, const u8 *host);

/* Linear -> physical for an access of kind acc. Fills *pte_flags. Raises #PF.
 * (Paging off: identity.) */
static u64 translate(struct cpu *c, u32 lin, int acc, u32 *pte_flags)
{
    (void)acc;
    if (!(c->s.cr0 & CR0_PG)) {
        *pte_flags = 0x7; /* present, writable, user */
        return lin;
    }
    VD_LOG(LOG_UNIMP, "paging not implemented\n");
    c->s.cr2 = lin;
    cpu_raise(c, EXC_PF, 0);
}

static void tlb_fill(struct cpu *c, u32 lin, u64 paddr, u32 flags, int kind, u8 *host)
{
    struct tlb_set *set = c->tlbc;
    struct tlb_entry *e = kind == ACC_WRITE ? &set->w[TLB_IDX(lin)] : kind == ACC_FETCH ? &set->x[TLB_IDX(lin)] : &set->r[TLB_IDX(lin)];
    e->paddr = (u32)(paddr & ~0xfffull);
    e->pte_flags = flags;
    if (host) {
        e->tag = lin & 0xfffff000u;
        e->addend = (uintptr_t)(host - (paddr & 0xfff)) - (uintptr_t)(lin & 0xfffff000u);
    } else {
        e->tag = TLB_INVALID;
        e->addend = 0;
    }
}

/* One access that does not cross a page. */
static u32 access_page(struct cpu *c, u32 lin, unsigned size, int acc, bool write, u32 val)
{
    int kind = acc & ACC_KIND_MASK;
    u32 flags;
    u64 pa = translate(c, lin, acc, &flags);
    u8 *host = c->bus.ptr(c->bus.opaque, pa, write);
    if (!(acc & ACC_SYS) && !(acc & ACC_PROBE)) {
        bool code = write && host && cpu_is_code_page(c, host);
        tlb_fill(c, lin, pa, flags, kind, code ? NULL : host);
    }
    if (acc & ACC_PROBE) write = false; /* permission checked; now just read */
    if (write) {
        if (host) {
            if (cpu_is_code_page(c, host)) cpu_invalidate_host(c, host, size);
            switch (size) {
            case 1: *host = (u8)val; break;
            case 2: st16(host, (u16)val); break;
            default: st32(host, val); break;
            }
        } else {
            c->bus.mmio_write(c->bus.opaque, pa, val, size);
        }
        return 0;
    }
    if (!host && (acc & ACC_PROBE)) host = c->bus.ptr(c->bus.opaque, pa, false);
    if (host) return size == 1 ? *host : size == 2 ? ld16(host) : ld32(host);
    return c->bus.mmio_read(c->bus.opaque, pa, size);
}

u32 cpu_read_slow(struct cpu *c, u32 lin, unsigned size, int acc)
{
    u32 off = lin & 0xfff;
    if (off + size <= 0x1000) return access_page(c, lin, size, acc, false, 0);
    /* crossing: check both pages first so a fault on either leaves no effect */
    if ((acc & ACC_KIND_MASK) == ACC_WRITE) cpu_probe_write(c, lin, size);
    u32 v = 0;
    for (unsigned b = 0; b < size; b++)
        v |= access_page(c, lin + b, 1, acc, false, 0) << (8 * b);
    return v;
}

void cpu_probe_write(struct cpu *c, u32 lin, unsigned size)
{
    u32 flags;
    translate(c, lin, ACC_WRITE, &flags);
    if (((lin & 0xfff) + size) > 0x1000) translate(c, (lin | 0xfff) + 1, ACC_WRITE, &flags);
}

void cpu_write_slow(struct cpu *c, u32 lin, unsigned size, u32 val, int acc)
{
    u32 off = lin & 0xfff;
    if (off + size <= 0x1000) {
        access_page(c, lin, size, acc, true, val);
        return;
    }
    cpu_probe_write(c, lin, size);
    for (unsigned b = 0; b < size; b++)
        access_page(c, lin + b, 1, acc, true, (val >> (8 * b)) & 0xff);
}

const u8 *cpu_fetch_ptr(struct cpu *c, u32 lin, size_t *avail)
{
    const struct tlb_entry *e = &c->tlbc->x[TLB_IDX(lin)];
    *avail = 0x1000 - (lin & 0xfff);
    if (likely(e->tag == (lin & 0xfffff000u))) return TLB_HOST(e, lin);
    u32 flags;
    u64 pa = translate(c, lin, ACC_FETCH, &flags);
    u8 *host = c->bus.ptr(c->bus.opaque, pa, false);
    tlb_fill(c, lin, pa, flags, ACC_FETCH, host);
    return host;
}

void cpu_tlb_flush(struct cpu *c, bool include_global)
{
    (void)include_global;
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            c->tlb[s].r[i].tag = TLB_INVALID;
            c->tlb[s].w[i].tag = TLB_INVALID;
            c->tlb[s].x[i].tag = TLB_INVALID;
        }
}

void cpu_tlb_flush_page(struct cpu *c, u32 lin)
{
    unsigned i = TLB_IDX(lin);
    for (int s = 0; s < 2; s++) {
        c->tlb[s].r[i].tag = TLB_INVALID;
        c->tlb[s].w[i].tag = TLB_INVALID;
        c->tlb[s].x[i].tag = TLB_INVALID;
    }
}

bool cpu_debug_walk(struct cpu *c, u32 lin, struct cpu_walk *w)
{
    memset(w, 0, sizeof(*w));
    if (!(c->s.cr0 & CR0_PG)) {
        w->present = true;
        w->paddr = lin;
        w->page_size = 0x1000;
        w->flags = CPU_PTE_P | CPU_PTE_W | CPU_PTE_U;
        return true;
    }
    return false;
}
