/* Boot images: segments to copy into RAM and the entry state (loader.h). */
#include "machine/loader.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* The PC hole no image may touch: EBDA, VGA window, option ROMs, BIOS. */
#define HOLE_START 0x9FC00u
#define HOLE_END 0x100000u

int machine_memmap(u64 ram_size, bool rom_mapped, u32 rom_size, struct memmap_entry out[MEMMAP_MAX])
{
    int n = 0;
    out[n++] = (struct memmap_entry){0, HOLE_START, MEMMAP_RAM};
    out[n++] = (struct memmap_entry){HOLE_START, 0xA0000u - HOLE_START, MEMMAP_RESERVED};
    out[n++] = (struct memmap_entry){0xF0000u, 0x10000u, MEMMAP_RESERVED};
    if (ram_size > HOLE_END) out[n++] = (struct memmap_entry){HOLE_END, ram_size - HOLE_END, MEMMAP_RAM};
    if (rom_mapped) out[n++] = (struct memmap_entry){(1ull << 32) - rom_size, rom_size, MEMMAP_RESERVED};
    return n;
}

void boot_image_init(struct boot_image *b) { memset(b, 0, sizeof(*b)); }

void boot_image_free(struct boot_image *b)
{
    for (int i = 0; i < b->nseg; i++) free(b->seg[i].data);
    free(b->seg);
    memset(b, 0, sizeof(*b));
}

void boot_image_add(struct boot_image *b, u32 paddr, u32 memsz, u8 *data, u32 filesz, const char *what)
{
    if (b->nseg == b->cap) {
        int cap = b->cap ? b->cap * 2 : 8;
        struct load_seg *s = realloc(b->seg, (size_t)cap * sizeof(*s));
        if (!s) abort();
        b->seg = s;
        b->cap = cap;
    }
    if (memsz < filesz) memsz = filesz;
    b->seg[b->nseg++] = (struct load_seg){paddr, memsz, filesz, data, what, false};
}

void boot_image_add_firmware(struct boot_image *b, u32 paddr, u8 *data, u32 size, const char *what)
{
    boot_image_add(b, paddr, size, data, size, what);
    b->seg[b->nseg - 1].firmware = true;
}

int boot_image_check(const struct boot_image *b, u64 ram_size, char *err, size_t errlen)
{
    for (int i = 0; i < b->nseg; i++) {
        const struct load_seg *s = &b->seg[i];
        u64 start = s->paddr, end = (u64)s->paddr + s->memsz;
        if (s->memsz == 0) continue;
        /* firmware data: the BIOS area, or the EBDA */
        if (s->firmware && (start < PHYS_BIOS_SHADOW || end > HOLE_END) && (start < HOLE_START || end > 0xA0000u)) {
            snprintf(err, errlen, "%s at 0x%llx-0x%llx is outside the BIOS area 0x%x-0x%x", s->what,
                     (unsigned long long)start, (unsigned long long)end - 1, PHYS_BIOS_SHADOW, HOLE_END - 1);
            return -1;
        }
        if (!s->firmware && start < HOLE_END && end > HOLE_START) {
            snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps the PC memory hole 0x%x-0x%x "
                     "(EBDA, VGA window, BIOS)", s->what, (unsigned long long)start,
                     (unsigned long long)end - 1, HOLE_START, HOLE_END - 1);
            return -1;
        }
        if (end > ram_size) {
            snprintf(err, errlen, "%s at 0x%llx-0x%llx does not fit in %llu MiB of RAM (try a larger -m)",
                     s->what, (unsigned long long)start, (unsigned long long)end - 1,
                     (unsigned long long)(ram_size >> 20));
            return -1;
        }
        for (int j = 0; j < i; j++) {
            const struct load_seg *o = &b->seg[j];
            if (o->memsz && start < (u64)o->paddr + o->memsz && o->paddr < end) {
                snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps %s at 0x%x-0x%llx", s->what,
                         (unsigned long long)start, (unsigned long long)end - 1, o->what, o->paddr,
                         (unsigned long long)o->paddr + o->memsz - 1);
                return -1;
            }
        }
    }
    return 0;
}

void boot_image_add_lowmem(struct boot_image *b)
{
    /* null, null, flat code (0x10), flat data (0x18); accessed bits preset so
     * a selector load never writes the table */
    static const u64 gdt[4] = {0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
    u8 *g = malloc(sizeof(gdt));
    if (!g) abort();
    memcpy(g, gdt, sizeof(gdt));
    boot_image_add(b, BOOT_GDT_ADDR, sizeof(gdt), g, sizeof(gdt), "boot GDT");
    boot_image_add(b, BOOT_STACK_BASE, BOOT_STACK_TOP - BOOT_STACK_BASE, NULL, 0, "boot stack");
}

void boot_image_apply(const struct boot_image *b, struct physmem *pm)
{
    for (int i = 0; i < b->nseg; i++) {
        const struct load_seg *s = &b->seg[i];
        if (s->filesz) physmem_debug_rw(pm, s->paddr, s->data, s->filesz, true);
        for (u32 off = s->filesz; off < s->memsz;) {
            static const u8 zero[4096];
            u32 n = s->memsz - off < sizeof(zero) ? s->memsz - off : (u32)sizeof(zero);
            physmem_debug_rw(pm, (u64)s->paddr + off, (void *)zero, n, true);
            off += n;
        }
    }
}

void boot_entry_state(const struct boot_entry *e, const struct cpu_state *reset, struct cpu_state *out)
{
    *out = *reset;
    memcpy(out->gpr, e->gpr, sizeof(out->gpr));
    out->eip = e->eip;
    out->eflags = FL_FIXED1; /* IF=0, DF=0 */
    /* caches on (CD and NW clear), as firmware leaves them before it boots a kernel */
    out->cr0 = (reset->cr0 | CR0_PE) & ~(u32)(CR0_PG | CR0_CD | CR0_NW);
    out->cpl = 0;
    /* flat 4 GiB segments: code execute/read accessed (0xb), data read/write accessed (0x3) */
    const u32 code = 0xb | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G;
    const u32 data = 0x3 | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G;
    for (int i = 0; i < 6; i++)
        out->seg[i] = (struct seg){.sel = e->ds_sel, .base = 0, .limit = 0xffffffffu, .attr = data};
    out->seg[S_CS] = (struct seg){.sel = e->cs_sel, .base = 0, .limit = 0xffffffffu, .attr = code};
    out->gdtr.base = BOOT_GDT_ADDR;
    out->gdtr.limit = 4 * 8 - 1;
    out->halted = 0;
    out->intr_shadow = 0;
    /* MTRRs as a PC firmware leaves them (SeaBIOS's values): write-back by
     * default and below 640 KiB, the VGA window uncached, the ROM area
     * write-protected, and the PCI/ROM hole from 3 GiB uncached. */
    memset(out->mtrr, 0, sizeof(out->mtrr));
    out->mtrr[0] = 0xC0000000u | 0x00;                               /* PhysBase0: UC */
    out->mtrr[1] = (~(0x40000000ull - 1) & ((1ull << 36) - 1)) | 0x800; /* PhysMask0: 1 GiB, valid */
    out->mtrr[16] = out->mtrr[17] = 0x0606060606060606ull;           /* 0-0x9FFFF WB */
    out->mtrr[18] = 0;                                               /* 0xA0000-0xBFFFF UC */
    for (int i = 19; i <= 26; i++) out->mtrr[i] = 0x0505050505050505ull; /* 0xC0000-0xFFFFF WP */
    out->mtrr[27] = 0xC06;                                           /* enabled, fixed enabled, WB */
}

int load_file(const char *path, const char *what, u64 max, u8 **data, size_t *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s '%s': %s", what, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s '%s' is not a regular file", what, path);
        fclose(f);
        return -1;
    }
    if ((u64)st.st_size > max) {
        snprintf(err, errlen, "%s '%s' is too large (%lld bytes, at most %llu)", what, path,
                 (long long)st.st_size, (unsigned long long)max);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    u8 *buf = malloc(n ? n : 1);
    if (!buf || fread(buf, 1, n, f) != n) {
        snprintf(err, errlen, "cannot read %s '%s'", what, path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *size = n;
    return 0;
}
