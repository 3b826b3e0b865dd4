/*
 * A debugger's page walk over guest-physical memory, for engines that keep
 * no software MMU (KVM): 2-level 32-bit paging with PSE 4 MiB pages, and
 * 3-level PAE with 2 MiB pages and NX. The PDPTEs are read from memory at
 * CR3 (a real CPU caches them at the CR3 load; a debugger sees the tables).
 * No accessed/dirty bits are set and nothing faults.
 */
#include "accel/kvm_int.h"

static bool rd(struct physmem *pm, u64 pa, u64 *v, unsigned size)
{
    *v = 0;
    return physmem_debug_rw(pm, pa, v, size, false) == size;
}

bool guest_walk(struct physmem *pm, const struct cpu_state *s, u32 lin, struct vcpu_walk *w)
{
    memset(w, 0, sizeof(*w));
    if (!(s->cr0 & CR0_PG)) {
        w->present = true;
        w->paddr = lin;
        w->page_size = 0x1000;
        w->flags = 1 | 2 | 4;
        return true;
    }
    u32 wr = 2, us = 4, nx = 0;
    u64 e;
    if (s->cr4 & CR4_PAE) {
        u64 nxmask = (s->efer & EFER_NXE) ? (1ull << 63) : 0;
        u64 table = s->cr3 & ~0x1fu;
        int idx = (int)(lin >> 30);
        u64 addr = table + 8u * (u64)idx;
        if (!rd(pm, addr, &e, 8)) return false;
        w->step[w->levels++] = (typeof(w->step[0])){table, e, idx};
        if (!(e & 1)) return true;
        table = e & 0x000ffffffffff000ull;
        idx = (int)((lin >> 21) & 511);
        if (!rd(pm, table + 8u * (u64)idx, &e, 8)) return false;
        w->step[w->levels++] = (typeof(w->step[0])){table, e, idx};
        if (!(e & 1)) return true;
        wr &= (u32)e;
        us &= (u32)e;
        if (e & nxmask) nx = 1u << 31;
        if (e & 0x80) {
            w->present = true;
            w->page_size = 0x200000;
            w->paddr = (e & 0x000fffffffe00000ull) | (lin & 0x1fffff);
            w->flags = 1 | wr | us | nx | ((u32)e & 0x160);
            return true;
        }
        table = e & 0x000ffffffffff000ull;
        idx = (int)((lin >> 12) & 511);
        if (!rd(pm, table + 8u * (u64)idx, &e, 8)) return false;
        w->step[w->levels++] = (typeof(w->step[0])){table, e, idx};
        if (!(e & 1)) return true;
        wr &= (u32)e;
        us &= (u32)e;
        if (e & nxmask) nx = 1u << 31;
        w->present = true;
        w->page_size = 0x1000;
        w->paddr = (e & 0x000ffffffffff000ull) | (lin & 0xfff);
        w->flags = 1 | wr | us | nx | ((u32)e & 0x160);
        return true;
    }
    u64 table = s->cr3 & 0xfffff000u;
    int idx = (int)(lin >> 22);
    if (!rd(pm, table + 4u * (u64)idx, &e, 4)) return false;
    w->step[w->levels++] = (typeof(w->step[0])){table, e, idx};
    if (!(e & 1)) return true;
    wr &= (u32)e;
    us &= (u32)e;
    if ((e & 0x80) && (s->cr4 & CR4_PSE)) {
        w->present = true;
        w->page_size = 0x400000;
        w->paddr = ((e & 0xffc00000u) | ((e & 0x1e000ull) << 19)) | (lin & 0x3fffff);
        w->flags = 1 | wr | us | ((u32)e & 0x160);
        return true;
    }
    table = e & 0xfffff000u;
    idx = (int)((lin >> 12) & 1023);
    if (!rd(pm, table + 4u * (u64)idx, &e, 4)) return false;
    w->step[w->levels++] = (typeof(w->step[0])){table, e, idx};
    if (!(e & 1)) return true;
    wr &= (u32)e;
    us &= (u32)e;
    w->present = true;
    w->page_size = 0x1000;
    w->paddr = (e & 0xfffff000u) | (lin & 0xfff);
    w->flags = 1 | wr | us | ((u32)e & 0x160);
    return true;
}
