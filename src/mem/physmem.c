#include "mem/physmem.h"
#include "base/log.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

int physmem_init(struct physmem *pm, u64 ram_size)
{
    memset(pm, 0, sizeof(*pm));
    if (ram_size == 0 || ram_size > PHYS_MAX_RAM || (ram_size & 0xfff)) {
        errno = EINVAL;
        return -1;
    }
    /* mmap: zeroed, lazily committed, and not counted by ASan as a leak source. */
    void *p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return -1;
    pm->ram = p;
    pm->ram_size = ram_size;
    pm->a20_mask = ~0u;
    iomap_init(&pm->mmio, "mmio");
    return 0;
}

void physmem_free(struct physmem *pm)
{
    if (pm->ram) munmap(pm->ram, pm->ram_size);
    free(pm->rom);
    free(pm->dirty);
    iomap_free(&pm->mmio);
    memset(pm, 0, sizeof(*pm));
}

void physmem_set_rom(struct physmem *pm, u8 *rom, u32 size)
{
    free(pm->rom);
    pm->rom = rom;
    pm->rom_size = size;
    if (pm->on_remap) pm->on_remap(pm->remap_opaque);
}

void physmem_set_a20(struct physmem *pm, bool enabled)
{
    u32 m = enabled ? ~0u : ~(1u << 20);
    if (m == pm->a20_mask) return;
    pm->a20_mask = m;
    if (pm->on_remap) pm->on_remap(pm->remap_opaque);
}

void physmem_set_pam(struct physmem *pm, const u8 mode[PHYS_SHADOW_SEGS])
{
    if (!memcmp(pm->pam, mode, PHYS_SHADOW_SEGS)) return;
    memcpy(pm->pam, mode, PHYS_SHADOW_SEGS);
    if (pm->on_remap) pm->on_remap(pm->remap_opaque);
}

u8 *physmem_ptr(struct physmem *pm, u64 paddr, bool write)
{
    if (paddr < (1ull << 32)) paddr &= pm->a20_mask;
    if (paddr < 0x100000) {
        if (paddr >= PHYS_VGA_START && paddr < PHYS_VGA_TEXT) return NULL;
        if (paddr >= PHYS_SHADOW_START) {
            u8 m = pm->pam[physmem_shadow_seg((u32)paddr)];
            if (m & (write ? PAM_WRITE_RAM : PAM_READ_RAM)) return paddr < pm->ram_size ? pm->ram + paddr : NULL;
            /* to the bus: the BIOS ROM's alias (read-only), else MMIO */
            if (write || !pm->rom || paddr < PHYS_BIOS_SHADOW) return NULL;
            /* last 128 KiB of the ROM (or the whole ROM if smaller, aligned to the top) */
            u64 off = paddr - 0x100000 + pm->rom_size;
            return off < pm->rom_size ? pm->rom + off : NULL;
        }
    }
    if (paddr < pm->ram_size) return pm->ram + paddr;
    if (pm->rom && paddr < (1ull << 32) && paddr >= (1ull << 32) - pm->rom_size)
        return write ? NULL : pm->rom + (paddr - ((1ull << 32) - pm->rom_size));
    return NULL;
}

u32 physmem_read(struct physmem *pm, u64 paddr, unsigned size)
{
    u8 *p = physmem_ptr(pm, paddr, false);
    if (p) {
        switch (size) {
        case 1: return *p;
        case 2: return ld16(p);
        default: return ld32(p);
        }
    }
    if (paddr < (1ull << 32)) paddr &= pm->a20_mask;
    return iomap_read(&pm->mmio, paddr, size);
}

void physmem_write(struct physmem *pm, u64 paddr, u32 val, unsigned size)
{
    u8 *p = physmem_ptr(pm, paddr, true);
    if (p) {
        if (pm->dirty) physmem_mark_written(pm, (u64)(p - pm->ram), size);
        switch (size) {
        case 1: *p = (u8)val; break;
        case 2: st16(p, (u16)val); break;
        default: st32(p, val); break;
        }
        return;
    }
    if (paddr < (1ull << 32)) paddr &= pm->a20_mask;
    if (physmem_ptr(pm, paddr, false)) {
        VD_LOG(LOG_GUEST_ERRORS, "write to ROM at 0x%llx ignored\n", (unsigned long long)paddr);
        return;
    }
    iomap_write(&pm->mmio, paddr, val, size);
}

static u8 *debug_ptr(struct physmem *pm, u64 paddr)
{
    u8 *p = physmem_ptr(pm, paddr, false);
    return p; /* ROM included: loaders and debuggers may patch it */
}

size_t physmem_debug_rw(struct physmem *pm, u64 paddr, void *buf, size_t len, bool write)
{
    size_t done = 0;
    while (done < len) {
        u8 *p = debug_ptr(pm, paddr + done);
        if (!p) break;
        size_t n = 0x1000 - ((paddr + done) & 0xfff);
        if (n > len - done) n = len - done;
        if (write) {
            if (p >= pm->ram && p < pm->ram + pm->ram_size) {
                if (pm->dirty) physmem_mark_written(pm, (u64)(p - pm->ram), n);
            } else {
                pm->rom_written = true;
            }
            memcpy(p, (u8 *)buf + done, n);
        }
        else memcpy((u8 *)buf + done, p, n);
        done += n;
    }
    return done;
}

void physmem_dma_read(struct physmem *pm, u64 paddr, void *buf, size_t len)
{
    u8 *out = buf;
    for (size_t done = 0; done < len;) {
        u64 pa = (paddr + done) & 0xffffffffu;
        size_t n = 0x1000 - (pa & 0xfff);
        if (n > len - done) n = len - done;
        u8 *p = physmem_ptr(pm, pa, false);
        if (p) memcpy(out + done, p, n);
        else
            for (size_t i = 0; i < n; i++) out[done + i] = (u8)physmem_read(pm, pa + i, 1);
        done += n;
    }
}

void physmem_dma_write(struct physmem *pm, u64 paddr, const void *buf, size_t len)
{
    const u8 *in = buf;
    for (size_t done = 0; done < len;) {
        u64 pa = (paddr + done) & 0xffffffffu;
        size_t n = 0x1000 - (pa & 0xfff);
        if (n > len - done) n = len - done;
        u8 *p = physmem_ptr(pm, pa, true);
        if (p) {
            if (pm->dirty) physmem_mark_written(pm, (u64)(p - pm->ram), n);
            memcpy(p, in + done, n);
            if (pm->on_dma_write) pm->on_dma_write(pm->dma_opaque, pa, n);
        } else
            for (size_t i = 0; i < n; i++) physmem_write(pm, pa + i, in[done + i], 1);
        done += n;
    }
}

bool physmem_track_writes(struct physmem *pm, void (*first_write)(void *, u64), void *opaque)
{
    if (!pm->dirty) {
        pm->dirty = calloc(physmem_dirty_words(pm), sizeof(u64));
        if (!pm->dirty) return false;
    }
    pm->first_write = first_write;
    pm->dirty_opaque = opaque;
    return true;
}

/* offset: a RAM offset (the physical address; A20 already applied) */
void physmem_mark_written(struct physmem *pm, u64 off, size_t len)
{
    if (!pm->dirty || !len || off >= pm->ram_size) return;
    for (u64 pg = off >> 12; pg <= (off + len - 1) >> 12 && pg < (pm->ram_size >> 12); pg++) physmem_mark_page(pm, pg);
}
