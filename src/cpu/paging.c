/*
 * Page-table walks: 32-bit paging with 4 KiB and (CR4.PSE) 4 MiB pages, and
 * PAE paging with 4 KiB and 2 MiB pages and the NX bit (EFER.NXE). The
 * walker checks permissions, sets accessed/dirty bits with atomic ORs on
 * guest memory, and raises #PF with the exact error code and CR2.
 *
 * Accessed bits of non-leaf entries are set as the walk passes through them
 * (even when a lower level then faults), the leaf's A (and D on a write)
 * only when the access is allowed; this is what Intel CPUs and QEMU do.
 * PAE PDPTEs come from the copy loaded at the last CR3 write or paging
 * enable (cpu_pg_load_pdptes), as on hardware, never from memory at walk
 * time.
 *
 * Reserved bits (MAXPHYADDR 36): PAE entries bits 62:36, bit 63 unless
 * EFER.NXE, 2 MiB PDEs bits 20:13; 32-bit 4 MiB PDEs bits 21:13 (no PSE-36).
 */
#include "cpu/sys.h"
#include "cpu/cpu_mem.h"

bool cpu_is_code_page(const struct cpu *c, const u8 *host);

#define PHYS_MASK ((1ull << CPU_PHYS_BITS) - 1)
#define PAE_ADDR (PHYS_MASK & ~0xfffull)            /* bits 35:12 */
#define PAE_RSVD_HI (~PHYS_MASK & ~PG_NX)           /* bits 62:36 */

static u64 pt_load(struct cpu *c, u64 pa, bool q)
{
    const u8 *h = c->bus.ptr(c->bus.opaque, pa, false);
    if (h) return q ? ld64(h) : ld32(h);
    u64 v = c->bus.mmio_read(c->bus.opaque, pa, 4);
    if (q) v |= (u64)c->bus.mmio_read(c->bus.opaque, pa + 4, 4) << 32;
    return v;
}

/* Set A/D bits in the low dword of an entry: a locked OR, as the CPU does. */
static void pt_set(struct cpu *c, u64 pa, u32 bits)
{
    u8 *h = c->bus.ptr(c->bus.opaque, pa, true);
    if (h) {
        cpu_note_write(c, h);
        if (cpu_is_code_page(c, h)) cpu_invalidate_host(c, h, 4);
        __atomic_or_fetch((u32 *)(void *)h, bits, __ATOMIC_SEQ_CST);
    } else {
        u32 v = c->bus.mmio_read(c->bus.opaque, pa, 4);
        c->bus.mmio_write(c->bus.opaque, pa, v | bits, 4);
    }
}

static VD_NORETURN void pf(struct cpu *c, u32 lin, u32 err)
{
    c->s.cr2 = lin;
    cpu_raise(c, EXC_PF, err);
}

bool cpu_pg_load_pdptes(struct cpu *c, u32 cr3)
{
    u64 e[4];
    for (int i = 0; i < 4; i++) {
        e[i] = pt_load(c, (cr3 & 0xffffffe0u) + 8u * i, true);
        if ((e[i] & PG_P) && (e[i] & (~PHYS_MASK | 0x1e6)))
            return false;
    }
    memcpy(c->pdpte, e, sizeof(e));
    return true;
}

/* One walk, shared by the CPU (side effects, faults) and the debugger (neither). */
struct walk_out {
    u64 paddr;
    u32 flags;          /* CPU_PTE_* before the permission check */
    u64 leaf_pa;        /* where the leaf entry lives */
    u64 leaf;
    u32 fault;          /* 0, or the #PF error bits P/RSVD found by the walk */
};

static bool do_walk(struct cpu *c, u32 lin, bool side_effects, struct cpu_walk *dbg, struct walk_out *o)
{
    bool pae = c->s.cr4 & CR4_PAE;
    u64 comb = PG_RW | PG_US;  /* AND of R/W and U/S over the levels */
    bool nx = false;
    u32 large = 0;
    u64 pa_tbl, e;
    int lvl = 0;
    o->fault = 0;
#define STEP(tbl, ent, idx) do { if (dbg && lvl < 3) { dbg->step[lvl].table = (tbl); \
        dbg->step[lvl].entry = (ent); dbg->step[lvl].index = (idx); dbg->levels = lvl + 1; } lvl++; } while (0)
    if (pae) {
        bool nxe = c->s.efer & EFER_NXE;
        u64 rsvd = PAE_RSVD_HI | (nxe ? 0 : PG_NX);
        u64 pdpte = c->pdpte[lin >> 30];
        STEP(c->s.cr3 & 0xffffffe0u, pdpte, (int)(lin >> 30));
        if (!(pdpte & PG_P)) return false;
        pa_tbl = pdpte & PAE_ADDR;
        u64 pde_pa = pa_tbl + ((lin >> 21) & 0x1ff) * 8;
        e = pt_load(c, pde_pa, true);
        STEP(pa_tbl, e, (int)((lin >> 21) & 0x1ff));
        if (!(e & PG_P)) return false;
        if ((e & rsvd) || ((e & PG_PS) && (e & 0x1fe000))) { o->fault = PFE_P | PFE_RSVD; return false; }
        comb &= e;
        nx = nxe && (e & PG_NX);
        if (e & PG_PS) {
            large = CPU_PTE_LARGE;
            o->leaf_pa = pde_pa;
            o->paddr = (e & PHYS_MASK & ~0x1fffffull) | (lin & 0x1fffff);
        } else {
            if (side_effects && !(e & PG_A)) pt_set(c, pde_pa, PG_A);
            pa_tbl = e & PAE_ADDR;
            u64 pte_pa = pa_tbl + ((lin >> 12) & 0x1ff) * 8;
            e = pt_load(c, pte_pa, true);
            STEP(pa_tbl, e, (int)((lin >> 12) & 0x1ff));
            if (!(e & PG_P)) return false;
            if (e & rsvd) { o->fault = PFE_P | PFE_RSVD; return false; }
            comb &= e;
            nx = nx || (nxe && (e & PG_NX));
            o->leaf_pa = pte_pa;
            o->paddr = (e & PAE_ADDR) | (lin & 0xfff);
        }
    } else {
        pa_tbl = c->s.cr3 & 0xfffff000u;
        u64 pde_pa = pa_tbl + (lin >> 22) * 4;
        e = pt_load(c, pde_pa, false);
        STEP(pa_tbl, e, (int)(lin >> 22));
        if (!(e & PG_P)) return false;
        comb &= e;
        if ((e & PG_PS) && (c->s.cr4 & CR4_PSE)) {
            if (e & 0x3fe000) { o->fault = PFE_P | PFE_RSVD; return false; }
            large = CPU_PTE_LARGE;
            o->leaf_pa = pde_pa;
            o->paddr = (e & 0xffc00000u) | (lin & 0x3fffff);
        } else {
            if (side_effects && !(e & PG_A)) pt_set(c, pde_pa, PG_A);
            pa_tbl = e & 0xfffff000u;
            u64 pte_pa = pa_tbl + ((lin >> 12) & 0x3ff) * 4;
            e = pt_load(c, pte_pa, false);
            STEP(pa_tbl, e, (int)((lin >> 12) & 0x3ff));
            if (!(e & PG_P)) return false;
            comb &= e;
            o->leaf_pa = pte_pa;
            o->paddr = (e & 0xfffff000u) | (lin & 0xfff);
        }
    }
#undef STEP
    o->leaf = e;
    o->flags = CPU_PTE_P | large | (u32)(e & (PG_A | PG_D)) |
               ((comb & PG_RW) ? CPU_PTE_W : 0) | ((comb & PG_US) ? CPU_PTE_U : 0) |
               (nx ? CPU_PTE_NX : 0) | (((e & PG_G) && (c->s.cr4 & CR4_PGE)) ? CPU_PTE_G : 0);
    return true;
}

void cpu_pg_walk(struct cpu *c, u32 lin, int acc, bool user, struct pg_xlat *out)
{
    int kind = acc & ACC_KIND_MASK;
    bool write = kind == ACC_WRITE;
    bool fetch = kind == ACC_FETCH;
    bool idbit = fetch && (c->s.cr4 & CR4_PAE) && (c->s.efer & EFER_NXE);
    u32 err = (write ? PFE_W : 0) | (user ? PFE_U : 0) | (idbit ? PFE_ID : 0);
    struct walk_out o;
    if (!do_walk(c, lin, true, NULL, &o)) pf(c, lin, err | o.fault);
    if ((user && !(o.flags & CPU_PTE_U)) || (write && !cpu_pg_writable(c, o.flags, user)) ||
        (fetch && (o.flags & CPU_PTE_NX)))
        pf(c, lin, err | PFE_P);
    u32 bits = PG_A | (write ? PG_D : 0);
    if (((u32)o.leaf & bits) != bits) {
        pt_set(c, o.leaf_pa, bits);
        o.flags |= bits; /* PG_A == CPU_PTE_A, PG_D == CPU_PTE_D */
    }
    out->paddr = o.paddr;
    out->flags = o.flags;
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
    struct walk_out o;
    if (!do_walk(c, lin, false, w, &o)) return false;
    w->present = true;
    w->paddr = o.paddr;
    w->page_size = !(o.flags & CPU_PTE_LARGE) ? 0x1000 : (c->s.cr4 & CR4_PAE) ? 0x200000 : 0x400000;
    w->flags = o.flags & ~CPU_PTE_LARGE;
    return true;
}
