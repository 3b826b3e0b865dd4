/*
 * Guest physical memory: RAM, the BIOS ROM and the MMIO range map.
 *
 *   0x00000000 .. 0x0009FFFF   RAM (conventional memory)
 *   0x000A0000 .. 0x000B7FFF   VGA graphics window: MMIO map (unmapped reads all ones)
 *   0x000B8000 .. 0x000BFFFF   VGA text memory: plain RAM (the display reads it; dev/vga.h)
 *   0x000C0000 .. 0x000FFFFF   shadow area: thirteen segments (twelve of 16 KiB
 *                              up to 0xEFFFF, then the 64 KiB F segment), each
 *                              reading RAM or the bus and writing RAM or the bus
 *                              as the i440FX's PAM registers say (physmem_set_pam).
 *                              "The bus" is the last 128 KiB of the BIOS ROM at
 *                              0xE0000-0xFFFFF (read-only alias) when one is
 *                              loaded; anything else there is the MMIO map
 *   0x00100000 .. ram_size-1   RAM
 *   4 GiB - rom_size .. 4 GiB  BIOS ROM (-bios), read-only
 *   anything else              MMIO map
 *
 * The A20 gate masks address bit 20 of every access while disabled.
 */
#ifndef VD_MEM_PHYSMEM_H
#define VD_MEM_PHYSMEM_H
#include "base/types.h"
#include "mem/iomap.h"

#define PHYS_VGA_START 0xA0000u
#define PHYS_VGA_TEXT 0xB8000u /* text memory, RAM from here to PHYS_VGA_END */
#define PHYS_VGA_END 0xC0000u
#define PHYS_BIOS_SHADOW 0xE0000u
#define PHYS_MAX_RAM (3ull << 30) /* below the 32-bit PCI/ROM hole */
#define PHYS_SHADOW_START 0xC0000u
#define PHYS_SHADOW_SEGS 13       /* 0xC0000 + 16 KiB * i for i < 12; 12 = 0xF0000-0xFFFFF */
/* What a shadow segment does (the PAM nibble's two bits). */
enum { PAM_READ_RAM = 1, PAM_WRITE_RAM = 2 };

struct physmem {
    u8 *ram;
    u64 ram_size;
    u8 *rom;          /* NULL when no -bios */
    u32 rom_size;
    u32 a20_mask;     /* ~0u when A20 is enabled, ~(1u << 20) when masked */
    u8 pam[PHYS_SHADOW_SEGS]; /* PAM_* per shadow segment; 0 (all to the bus) at init */
    struct iomap mmio;
    /* Called when the mapping of physical addresses to host memory changes
     * (A20 toggled): engines drop cached translations. */
    void (*on_remap)(void *opaque);
    void *remap_opaque;
    /* Called after a device's DMA wrote RAM [paddr, paddr + len): engines drop
     * translated code there. */
    void (*on_dma_write)(void *opaque, u64 paddr, size_t len);
    void *dma_opaque;
    /* Write tracking for snapshots (NULL dirty: off). A bit per RAM page,
     * set by the first write since the bits were last cleared; before that
     * write, first_write(opaque, page) is called (the page still holds its
     * old bytes, so a snapshot can keep them). Every writer of RAM marks:
     * physmem_write and physmem_debug_rw (devices, loaders, debuggers) here,
     * the CPU through cpu_bus.dirty (its fast write TLB entries exist only
     * for marked pages). */
    u64 *dirty;
    void (*first_write)(void *opaque, u64 page);
    void *dirty_opaque;
    bool rom_written;     /* the debugger patched the ROM */
};

/* Returns 0, or -1 with errno when RAM cannot be allocated. */
int physmem_init(struct physmem *pm, u64 ram_size);
void physmem_free(struct physmem *pm);
/* Takes ownership of rom (malloc'd, size a multiple of 64 KiB). */
void physmem_set_rom(struct physmem *pm, u8 *rom, u32 size);
void physmem_set_a20(struct physmem *pm, bool enabled);
/* The shadow-RAM mode (PAM_*) of each segment of 0xC0000-0xFFFFF; a change
 * calls on_remap (host pointers for those addresses change). */
void physmem_set_pam(struct physmem *pm, const u8 mode[PHYS_SHADOW_SEGS]);
/* The shadow segment of paddr (0xC0000 <= paddr < 0x100000). */
static inline unsigned physmem_shadow_seg(u32 paddr)
{
    return paddr >= 0xF0000u ? 12 : (paddr - PHYS_SHADOW_START) >> 14;
}

/* Host pointer to the byte at paddr (A20 applied) if it is RAM, or ROM for a
 * read; NULL otherwise (MMIO, unmapped, write to ROM). The pointer is valid
 * to the end of its 4 KiB page. */
u8 *physmem_ptr(struct physmem *pm, u64 paddr, bool write);
/* Guest-visible access (RAM, ROM, MMIO); size 1, 2 or 4; must not cross a page. */
u32 physmem_read(struct physmem *pm, u64 paddr, unsigned size);
void physmem_write(struct physmem *pm, u64 paddr, u32 val, unsigned size);
/* Debugger/loader access to RAM and ROM only (no device side effects; ROM is
 * writable here; in the shadow area it is what a read there would see). Returns the number of bytes transferred before the first
 * byte that is not RAM/ROM. */
size_t physmem_debug_rw(struct physmem *pm, u64 paddr, void *buf, size_t len, bool write);
/* A device's bus-master access (A20 applied): RAM directly, MMIO through the
 * map byte by byte, ROM and holes as the CPU sees them (writes ignored, reads
 * all ones). Writes to RAM call on_dma_write, so translated code in the pages
 * written is dropped as for a CPU store. */
void physmem_dma_read(struct physmem *pm, u64 paddr, void *buf, size_t len);
void physmem_dma_write(struct physmem *pm, u64 paddr, const void *buf, size_t len);

/* Write tracking (see struct physmem): start it (false: out of memory), and
 * mark the pages of [paddr, paddr+len) of RAM as about to be written. */
bool physmem_track_writes(struct physmem *pm, void (*first_write)(void *, u64), void *opaque);
static inline void physmem_mark_page(struct physmem *pm, u64 page)
{
    if (pm->dirty && !(pm->dirty[page >> 6] >> (page & 63) & 1)) {
        pm->dirty[page >> 6] |= 1ull << (page & 63);
        if (pm->first_write) pm->first_write(pm->dirty_opaque, page);
    }
}
void physmem_mark_written(struct physmem *pm, u64 paddr, size_t len);
/* Number of u64 words in the dirty bitmap. */
static inline size_t physmem_dirty_words(const struct physmem *pm) { return (size_t)((pm->ram_size >> 12) + 63) >> 6; }

#endif
