/*
 * Guest memory access for instruction handlers. Fast paths are inline: a
 * segment check (two compares) and a TLB probe whose tag compare also
 * rejects misaligned accesses, so the common case is one compare and one
 * load. Everything else (page walks, page-crossing and misaligned accesses,
 * MMIO, writes to pages holding decoded code, watchpoints) goes through the
 * slow paths in mmu.c, which may raise #PF.
 */
#ifndef VD_CPU_MEM_H
#define VD_CPU_MEM_H
#include "cpu/cpu.h"

/* access kinds for the slow path */
enum {
    ACC_READ = 0,
    ACC_WRITE = 1,
    ACC_FETCH = 2,
    ACC_KIND_MASK = 3,
    ACC_SYS = 4,        /* implicit supervisor access (GDT/LDT/IDT/TSS): ignore CPL */
    ACC_PROBE = 8,      /* write-intent read: check write permission, read the value */
};

u32 cpu_read_slow(struct cpu *c, u32 lin, unsigned size, int acc);
void cpu_write_slow(struct cpu *c, u32 lin, unsigned size, u32 val, int acc);
/* Check that [lin, lin+size) can be written (may raise #PF); no side effects otherwise. */
void cpu_probe_write(struct cpu *c, u32 lin, unsigned size);
void cpu_probe_syswrite(struct cpu *c, u32 lin, unsigned size); /* supervisor (implicit) access */
/* Translate for the fetch path: host pointer to the code byte at lin, with
 * *avail set to the bytes left in its page; raises #PF. NULL when the page
 * is MMIO (code then goes through cpu_read_slow). */
const u8 *cpu_fetch_ptr(struct cpu *c, u32 lin, size_t *avail);

/* RAM at host is about to be written outside a fast TLB entry: tell write
 * tracking (cpu_bus.dirty) the first time since its bits were cleared. */
static inline void cpu_note_write(struct cpu *c, const u8 *host)
{
    if (!c->bus.dirty) return;
    uintptr_t off = (uintptr_t)host - (uintptr_t)c->bus.ram;
    if (off >= c->bus.ram_size) return;
    u64 pg = off >> 12;
    if (!(c->bus.dirty[pg >> 6] >> (pg & 63) & 1)) c->bus.page_written(c->bus.dirty_opaque, pg);
}

#define TLB_IDX(lin) (((lin) >> 12) & (TLB_SIZE - 1))
#define TLB_HOST(e, lin) ((u8 *)((uintptr_t)(lin) + (e)->addend))

/* ---- linear (post-segmentation) accesses at the current privilege ---- */
static inline u8 cpu_lrd8(struct cpu *c, u32 lin)
{
    const struct tlb_entry *e = &c->tlbc->r[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff000u))) return *TLB_HOST(e, lin);
    return (u8)cpu_read_slow(c, lin, 1, ACC_READ);
}
static inline u16 cpu_lrd16(struct cpu *c, u32 lin)
{
    const struct tlb_entry *e = &c->tlbc->r[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff001u))) return ld16(TLB_HOST(e, lin));
    return (u16)cpu_read_slow(c, lin, 2, ACC_READ);
}
static inline u32 cpu_lrd32(struct cpu *c, u32 lin)
{
    const struct tlb_entry *e = &c->tlbc->r[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff003u))) return ld32(TLB_HOST(e, lin));
    return cpu_read_slow(c, lin, 4, ACC_READ);
}
static inline void cpu_lwr8(struct cpu *c, u32 lin, u8 v)
{
    const struct tlb_entry *e = &c->tlbc->w[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff000u))) {
        if (unlikely(c->write_log)) c->write_log(c->write_log_opaque, TLB_HOST(e, lin), 1);
        *TLB_HOST(e, lin) = v;
    }
    else cpu_write_slow(c, lin, 1, v, ACC_WRITE);
}
static inline void cpu_lwr16(struct cpu *c, u32 lin, u16 v)
{
    const struct tlb_entry *e = &c->tlbc->w[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff001u))) {
        if (unlikely(c->write_log)) c->write_log(c->write_log_opaque, TLB_HOST(e, lin), 2);
        st16(TLB_HOST(e, lin), v);
    }
    else cpu_write_slow(c, lin, 2, v, ACC_WRITE);
}
static inline void cpu_lwr32(struct cpu *c, u32 lin, u32 v)
{
    const struct tlb_entry *e = &c->tlbc->w[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff003u))) {
        if (unlikely(c->write_log)) c->write_log(c->write_log_opaque, TLB_HOST(e, lin), 4);
        st32(TLB_HOST(e, lin), v);
    }
    else cpu_write_slow(c, lin, 4, v, ACC_WRITE);
}
/* Write-intent read: faults exactly as a write would, so a read-modify-write
 * instruction can read, compute, then write without a second fault. */
static inline u32 cpu_lrdw(struct cpu *c, u32 lin, unsigned size)
{
    const struct tlb_entry *e = &c->tlbc->w[TLB_IDX(lin)];
    if (likely(e->tag == (lin & (0xfffff000u | (size - 1))))) {
        const u8 *p = TLB_HOST(e, lin);
        return size == 1 ? *p : size == 2 ? ld16(p) : ld32(p);
    }
    return cpu_read_slow(c, lin, size, ACC_WRITE | ACC_PROBE);
}

/* ---- segmented accesses ---- */
static inline u32 cpu_seg_lin(struct cpu *c, int seg, u32 off, unsigned size, int kind)
{
    const struct segcheck *k = &c->segchk[seg];
    if (unlikely((k->ok & kind) != kind || off < k->lo || (u64)off + size - 1 > k->hi))
        cpu_seg_fault(c, seg, off, size, kind);
    return c->s.seg[seg].base + off;
}
static inline u8 cpu_rd8(struct cpu *c, int seg, u32 off) { return cpu_lrd8(c, cpu_seg_lin(c, seg, off, 1, SEGCHK_R)); }
static inline u16 cpu_rd16(struct cpu *c, int seg, u32 off) { return cpu_lrd16(c, cpu_seg_lin(c, seg, off, 2, SEGCHK_R)); }
static inline u32 cpu_rd32(struct cpu *c, int seg, u32 off) { return cpu_lrd32(c, cpu_seg_lin(c, seg, off, 4, SEGCHK_R)); }
static inline void cpu_wr8(struct cpu *c, int seg, u32 off, u8 v) { cpu_lwr8(c, cpu_seg_lin(c, seg, off, 1, SEGCHK_W), v); }
static inline void cpu_wr16(struct cpu *c, int seg, u32 off, u16 v) { cpu_lwr16(c, cpu_seg_lin(c, seg, off, 2, SEGCHK_W), v); }
static inline void cpu_wr32(struct cpu *c, int seg, u32 off, u32 v) { cpu_lwr32(c, cpu_seg_lin(c, seg, off, 4, SEGCHK_W), v); }
/* write-intent reads for read-modify-write instructions */
static inline u8 cpu_rdw8(struct cpu *c, int seg, u32 off) { return (u8)cpu_lrdw(c, cpu_seg_lin(c, seg, off, 1, SEGCHK_R | SEGCHK_W), 1); }
static inline u16 cpu_rdw16(struct cpu *c, int seg, u32 off) { return (u16)cpu_lrdw(c, cpu_seg_lin(c, seg, off, 2, SEGCHK_R | SEGCHK_W), 2); }
static inline u32 cpu_rdw32(struct cpu *c, int seg, u32 off) { return cpu_lrdw(c, cpu_seg_lin(c, seg, off, 4, SEGCHK_R | SEGCHK_W), 4); }

/* Supervisor-implicit linear accesses for system structures (GDT, LDT, IDT, TSS). */
/* The system structures (GDT, IDT, TSS) are read at every segment load and
 * interrupt: a supervisor TLB hit inside one page is served inline. */
static inline u32 cpu_sysrd(struct cpu *c, u32 lin, unsigned size)
{
    const struct tlb_entry *e = &c->tlb[0].r[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff000u) && (lin & 0xfff) <= 0x1000 - size)) {
        const u8 *h = TLB_HOST(e, lin);
        return size == 4 ? ld32(h) : size == 2 ? ld16(h) : *h;
    }
    return cpu_read_slow(c, lin, size, ACC_READ | ACC_SYS);
}
static inline void cpu_syswr(struct cpu *c, u32 lin, unsigned size, u32 v)
{
    const struct tlb_entry *e = &c->tlb[0].w[TLB_IDX(lin)];
    if (likely(e->tag == (lin & 0xfffff000u) && (lin & 0xfff) <= 0x1000 - size)) {
        u8 *h = TLB_HOST(e, lin);
        if (unlikely(c->write_log)) c->write_log(c->write_log_opaque, h, size);
        if (size == 4) st32(h, v);
        else if (size == 2) st16(h, (u16)v);
        else *h = (u8)v;
        return;
    }
    cpu_write_slow(c, lin, size, v, ACC_WRITE | ACC_SYS);
}

/* ---- ModRM effective address ---- */
static inline u32 cpu_ea(const struct cpu *c, const struct x86_insn *i)
{
    u32 a = (u32)i->disp;
    if (i->base != X86_REG_NONE) a += c->s.gpr[i->base];
    if (i->index != X86_REG_NONE) a += c->s.gpr[i->index] << i->scale;
    return i->asize == 2 ? (a & 0xffff) : a;
}

/* ---- stack ---- */
/* Stack pointer width follows SS.B. These helpers commit ESP only after the
 * access succeeded. For multi-push instructions use cpu_push_at/cpu_pop_at with
 * an explicit running offset and commit ESP at the end with cpu_set_sp. */
static inline bool cpu_ss32(const struct cpu *c) { return c->s.seg[S_SS].attr & SEG_ATTR_DB; }
static inline u32 cpu_sp(const struct cpu *c) { return cpu_ss32(c) ? c->s.gpr[R_ESP] : (c->s.gpr[R_ESP] & 0xffff); }
static inline void cpu_set_sp(struct cpu *c, u32 sp)
{
    if (cpu_ss32(c)) c->s.gpr[R_ESP] = sp;
    else c->s.gpr[R_ESP] = (c->s.gpr[R_ESP] & 0xffff0000u) | (sp & 0xffff);
}
static inline u32 cpu_sp_mask(const struct cpu *c) { return cpu_ss32(c) ? 0xffffffffu : 0xffffu; }
/* Write a value of `size` bytes at stack offset sp (already decremented). */
static inline void cpu_stack_wr(struct cpu *c, u32 sp, unsigned size, u32 v)
{
    if (size == 2) cpu_wr16(c, S_SS, sp & cpu_sp_mask(c), (u16)v);
    else cpu_wr32(c, S_SS, sp & cpu_sp_mask(c), v);
}
static inline u32 cpu_stack_rd(struct cpu *c, u32 sp, unsigned size)
{
    return size == 2 ? cpu_rd16(c, S_SS, sp & cpu_sp_mask(c)) : cpu_rd32(c, S_SS, sp & cpu_sp_mask(c));
}
static inline void cpu_push(struct cpu *c, unsigned size, u32 v)
{
    u32 sp = (cpu_sp(c) - size) & cpu_sp_mask(c);
    cpu_stack_wr(c, sp, size, v);
    cpu_set_sp(c, sp);
}
static inline u32 cpu_pop(struct cpu *c, unsigned size)
{
    u32 sp = cpu_sp(c);
    u32 v = cpu_stack_rd(c, sp, size);
    cpu_set_sp(c, sp + size);
    return v;
}

/* ---- port I/O (permission checks are the caller's: cpu_io_check in io.c) ---- */
static inline u32 cpu_in(struct cpu *c, u16 port, unsigned size) { return c->bus.io_in(c->bus.opaque, port, size); }
static inline void cpu_out(struct cpu *c, u16 port, unsigned size, u32 v) { c->bus.io_out(c->bus.opaque, port, v, size); }

#endif
