/*
 * Multiboot v1 loader (the Multiboot Specification 0.6.96): ELF32 kernels
 * loaded by program header (physical addresses), or any format through the
 * header's address fields when flag bit 16 ("a.out kludge") is set, as GRUB
 * and QEMU do. Modules come from -initrd, page-aligned after the kernel. The
 * information block lives in low memory (BOOT_INFO_ADDR) unless the kernel
 * occupies it, then after the last module.
 *
 * Not provided: ELF section headers (info flag bit 5), drives, APM, VBE and
 * framebuffer information (a video-mode request in the header is accepted and
 * ignored, as QEMU does: there is no display).
 */
#include "machine/loader.h"
#include <stdio.h>
#include <stdlib.h>

#define MB_SEARCH 8192
#define MB_PAGE_ALIGN (1u << 0)
#define MB_MEMORY_INFO (1u << 1)
#define MB_VIDEO_MODE (1u << 2)
#define MB_AOUT_KLUDGE (1u << 16)
#define MB_KNOWN_REQUIRED (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)

/* multiboot_info.flags bits */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define MBI_SIZE 0x80u   /* struct multiboot_info with room for the VBE/framebuffer fields */

static u32 align_up(u64 v, u32 a) { return (u32)((v + a - 1) & ~(u64)(a - 1)); }

/* Offset of a valid header in the first 8 KiB, or -1. */
static long find_header(const u8 *img, size_t size)
{
    size_t lim = size < MB_SEARCH ? size : MB_SEARCH;
    for (size_t off = 0; off + 12 <= lim; off += 4) {
        if (ld32(img + off) != MULTIBOOT_HEADER_MAGIC) continue;
        if ((u32)(ld32(img + off) + ld32(img + off + 4) + ld32(img + off + 8)) == 0) return (long)off;
    }
    return -1;
}

bool multiboot_detect(const u8 *img, size_t size) { return find_header(img, size) >= 0; }

static u8 *copy_bytes(const u8 *src, u32 n)
{
    u8 *d = malloc(n ? n : 1);
    if (!d) abort();
    memcpy(d, src, n);
    return d;
}

static int load_aout(const u8 *img, size_t size, long h, struct boot_image *b, u32 *entry, u64 *end,
                     char *err, size_t errlen)
{
    if ((size_t)h + 32 > size) {
        snprintf(err, errlen, "truncated multiboot header (a.out kludge needs 32 bytes)");
        return -1;
    }
    u32 header_addr = ld32(img + h + 12), load_addr = ld32(img + h + 16);
    u32 load_end = ld32(img + h + 20), bss_end = ld32(img + h + 24);
    *entry = ld32(img + h + 28);
    if (load_addr > header_addr || header_addr - load_addr > (u32)h) {
        snprintf(err, errlen, "bad multiboot header: load_addr 0x%x is not below header_addr 0x%x "
                 "within the file", load_addr, header_addr);
        return -1;
    }
    size_t file_off = (size_t)h - (header_addr - load_addr);
    u64 load_size = load_end ? (u64)load_end - load_addr : size - file_off;
    if (load_end && load_end < load_addr) {
        snprintf(err, errlen, "bad multiboot header: load_end_addr 0x%x below load_addr 0x%x", load_end, load_addr);
        return -1;
    }
    if (file_off + load_size > size) {
        snprintf(err, errlen, "kernel file is truncated: the header asks for %llu bytes from offset %zu, "
                 "the file has %zu", (unsigned long long)load_size, file_off, size);
        return -1;
    }
    u64 memsz = load_size;
    if (bss_end) {
        if (bss_end < load_addr + load_size) {
            snprintf(err, errlen, "bad multiboot header: bss_end_addr 0x%x below the end of the load 0x%llx",
                     bss_end, (unsigned long long)load_addr + load_size);
            return -1;
        }
        memsz = (u64)bss_end - load_addr;
    }
    boot_image_add(b, load_addr, (u32)memsz, copy_bytes(img + file_off, (u32)load_size), (u32)load_size, "kernel");
    *end = (u64)load_addr + memsz;
    return 0;
}

static int load_elf(const u8 *img, size_t size, struct boot_image *b, u32 *entry, u64 *end,
                    char *err, size_t errlen)
{
    if (size < 52) {
        snprintf(err, errlen, "kernel file is truncated (ELF header)");
        return -1;
    }
    if (img[4] == 2) {
        snprintf(err, errlen, "64-bit ELF kernel: multiboot v1 needs an ELF32 kernel or the a.out kludge");
        return -1;
    }
    if (img[4] != 1 || img[5] != 1 || ld16(img + 18) != 3 || ld16(img + 16) != 2) {
        snprintf(err, errlen, "unsupported ELF kernel (need ELF32, little-endian, EM_386, ET_EXEC)");
        return -1;
    }
    u32 phoff = ld32(img + 28);
    u16 phentsize = ld16(img + 42), phnum = ld16(img + 44);
    u32 e_entry = ld32(img + 24);
    if (phnum == 0 || phentsize < 32) {
        snprintf(err, errlen, "ELF kernel has no program headers");
        return -1;
    }
    if ((u64)phoff + (u64)phnum * phentsize > size) {
        snprintf(err, errlen, "kernel file is truncated (program headers end past the end of the file)");
        return -1;
    }
    bool translated = false, any = false;
    *entry = e_entry;
    *end = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const u8 *ph = img + phoff + (u64)i * phentsize;
        if (ld32(ph) != 1) continue; /* PT_LOAD */
        u32 off = ld32(ph + 4), vaddr = ld32(ph + 8), paddr = ld32(ph + 12);
        u32 filesz = ld32(ph + 16), memsz = ld32(ph + 20);
        if (memsz == 0) continue;
        if (filesz > memsz) {
            snprintf(err, errlen, "bad ELF kernel: segment %u has p_filesz > p_memsz", i);
            return -1;
        }
        if ((u64)off + filesz > size) {
            snprintf(err, errlen, "kernel file is truncated: segment %u needs bytes up to offset %llu, "
                     "the file has %zu", i, (unsigned long long)off + filesz, size);
            return -1;
        }
        if ((u64)paddr + memsz > (1ull << 32)) {
            snprintf(err, errlen, "bad ELF kernel: segment %u wraps past 4 GiB", i);
            return -1;
        }
        boot_image_add(b, paddr, memsz, copy_bytes(img + off, filesz), filesz, "kernel");
        if ((u64)paddr + memsz > *end) *end = (u64)paddr + memsz;
        /* A higher-half kernel's e_entry is virtual: enter at its physical twin. */
        if (!translated && e_entry - vaddr < memsz) {
            *entry = e_entry - vaddr + paddr;
            translated = true;
        }
        any = true;
    }
    if (!any) {
        snprintf(err, errlen, "ELF kernel has no loadable segments");
        return -1;
    }
    return 0;
}

/* Splits the -initrd string at ',' (",," stands for a literal comma).
 * Returns the number of modules; each item is malloc'd in items[]. */
static int split_modules(const char *s, char ***items)
{
    int n = 0, cap = 0;
    char **v = NULL;
    while (s && *s) {
        size_t len = 0, cap_s = strlen(s) + 1;
        char *it = malloc(cap_s);
        if (!it) abort();
        while (*s) {
            if (s[0] == ',' && s[1] == ',') { it[len++] = ','; s += 2; continue; }
            if (s[0] == ',') { s++; break; }
            it[len++] = *s++;
        }
        it[len] = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            v = realloc(v, (size_t)cap * sizeof(*v));
            if (!v) abort();
        }
        v[n++] = it;
    }
    *items = v;
    return n;
}

struct strtab { char *buf; size_t len, cap; };
static u32 str_add(struct strtab *t, const char *s)
{
    size_t n = strlen(s) + 1;
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2;
        t->buf = realloc(t->buf, t->cap);
        if (!t->buf) abort();
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    return (u32)(t->len - n);
}

struct mb_mod { u32 start, end, cmd; };

int multiboot_load(const struct multiboot_args *a, struct boot_image *out, char *err, size_t errlen)
{
    boot_image_init(out);
    long h = find_header(a->kernel, a->kernel_size);
    if (h < 0) {
        bool elf = a->kernel_size >= 4 && !memcmp(a->kernel, "\177ELF", 4);
        snprintf(err, errlen, "'%s' is neither a multiboot kernel (no multiboot header in its first 8 KiB%s) "
                 "nor a Linux bzImage", a->kernel_path, elf ? "; it is an ELF file" : "");
        return -1;
    }
    u32 flags = ld32(a->kernel + h + 4);
    if (flags & 0xffffu & ~MB_KNOWN_REQUIRED) {
        snprintf(err, errlen, "multiboot kernel requires features vdebug does not provide (header flags 0x%x)", flags);
        return -1;
    }
    u32 entry;
    u64 kend;
    bool elf = a->kernel_size >= 4 && !memcmp(a->kernel, "\177ELF", 4);
    int r;
    if (flags & MB_AOUT_KLUDGE) r = load_aout(a->kernel, a->kernel_size, h, out, &entry, &kend, err, errlen);
    else if (elf) r = load_elf(a->kernel, a->kernel_size, out, &entry, &kend, err, errlen);
    else {
        snprintf(err, errlen, "'%s': multiboot kernel is neither ELF nor uses the a.out kludge (header flag 16)",
                 a->kernel_path);
        r = -1;
    }
    if (r < 0) goto fail;
    /* Check the kernel alone first so its error names the kernel, not a module. */
    if (boot_image_check(out, a->ram_size, err, errlen) < 0) goto fail;

    struct strtab st = {0};
    char *kcmd = malloc(strlen(a->kernel_path) + (a->append ? strlen(a->append) : 0) + 2);
    if (!kcmd) abort();
    sprintf(kcmd, "%s %s", a->kernel_path, a->append ? a->append : ""); /* as QEMU builds it */
    u32 cmd_off = str_add(&st, kcmd);
    free(kcmd);
    u32 name_off = str_add(&st, "vdebug");

    char **items;
    int nmod = split_modules(a->initrd, &items);
    struct mb_mod *mods = calloc((size_t)nmod + 1, sizeof(*mods));
    if (!mods) abort();
    u64 next = align_up(kend > 0x100000 ? kend : 0x100000, 4096);
    for (int i = 0; i < nmod && r == 0; i++) {
        char path[4096];
        size_t pl = strcspn(items[i], " ");
        if (pl == 0 || pl >= sizeof(path)) {
            snprintf(err, errlen, "-initrd: empty or overlong module name in '%s'", a->initrd);
            r = -1;
            break;
        }
        memcpy(path, items[i], pl);
        path[pl] = 0;
        u8 *data;
        size_t size;
        if (load_file(path, "module", a->ram_size, &data, &size, err, errlen) < 0) {
            r = -1;
            break;
        }
        if (next + size > a->ram_size) {
            snprintf(err, errlen, "module '%s' (%zu bytes at 0x%llx) does not fit in %llu MiB of RAM "
                     "(try a larger -m)", path, size, (unsigned long long)next,
                     (unsigned long long)(a->ram_size >> 20));
            free(data);
            r = -1;
            break;
        }
        boot_image_add(out, (u32)next, (u32)size, data, (u32)size, "module");
        mods[i] = (struct mb_mod){(u32)next, (u32)(next + size), str_add(&st, items[i])};
        next = align_up(next + size, 4096);
    }
    for (int i = 0; i < nmod; i++) free(items[i]);
    free(items);
    if (r < 0) {
        free(mods);
        free(st.buf);
        goto fail;
    }

    /* The memory map the kernel sees: the machine's RAM and holes. */
    struct memmap_entry mm[MEMMAP_MAX];
    int nmm = machine_memmap(a->ram_size, a->rom_mapped, a->rom_size, mm);

    u32 mmap_off = MBI_SIZE, mods_off = mmap_off + 24u * (u32)nmm, str_base = mods_off + 16u * (u32)nmod;
    u32 info_size = str_base + (u32)st.len;
    u32 info_addr = BOOT_INFO_ADDR;
    bool low_ok = info_size <= BOOT_INFO_END - BOOT_INFO_ADDR;
    for (int i = 0; i < out->nseg && low_ok; i++)
        if (out->seg[i].paddr < BOOT_INFO_ADDR + info_size && out->seg[i].paddr + out->seg[i].memsz > BOOT_INFO_ADDR)
            low_ok = false;
    if (!low_ok) info_addr = (u32)next;

    u8 *info = calloc(1, info_size);
    if (!info) abort();
    st32(info + 0, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
    st32(info + 4, 0x9fc00 / 1024);                                             /* mem_lower, KiB */
    st32(info + 8, a->ram_size > 0x100000 ? (u32)((a->ram_size - 0x100000) / 1024) : 0); /* mem_upper */
    st32(info + 16, info_addr + str_base + cmd_off);
    st32(info + 20, (u32)nmod);
    st32(info + 24, info_addr + mods_off);
    st32(info + 44, 24u * (u32)nmm);
    st32(info + 48, info_addr + mmap_off);
    st32(info + 64, info_addr + str_base + name_off);
    for (int i = 0; i < nmm; i++) {
        u8 *e = info + mmap_off + 24 * i;
        st32(e, 20); /* size of the rest of the entry */
        st64(e + 4, mm[i].base);
        st64(e + 12, mm[i].len);
        st32(e + 20, mm[i].type);
    }
    for (int i = 0; i < nmod; i++) {
        u8 *e = info + mods_off + 16 * i;
        st32(e, mods[i].start);
        st32(e + 4, mods[i].end);
        st32(e + 8, info_addr + str_base + mods[i].cmd);
    }
    memcpy(info + str_base, st.buf, st.len);
    free(st.buf);
    free(mods);
    boot_image_add(out, info_addr, info_size, info, info_size, "multiboot info");
    boot_image_add_lowmem(out);
    if (boot_image_check(out, a->ram_size, err, errlen) < 0) goto fail;

    out->has_entry = true;
    memset(&out->entry, 0, sizeof(out->entry));
    out->entry.eip = entry;
    out->entry.gpr[R_EAX] = MULTIBOOT_BOOT_MAGIC;
    out->entry.gpr[R_EBX] = info_addr;
    out->entry.gpr[R_ESP] = BOOT_STACK_TOP;
    out->entry.cs_sel = BOOT_CODE_SEL;
    out->entry.ds_sel = BOOT_DATA_SEL;
    return 0;
fail:
    boot_image_free(out);
    return -1;
}
