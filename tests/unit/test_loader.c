/* Multiboot and BIOS loaders: images built here, placed in a real physmem. */
#include "test.h"
#include "machine/loader.h"
#include <unistd.h>

#define RAM (32u << 20)
static char err[512];

/* ---- image builders ---- */

struct img { u8 b[0x4000]; size_t size; };

static void mb_header(u8 *p, u32 flags)
{
    st32(p, MULTIBOOT_HEADER_MAGIC);
    st32(p + 4, flags);
    st32(p + 8, (u32)-(MULTIBOOT_HEADER_MAGIC + flags));
}

/* ELF32 with two PT_LOAD segments: text (0x1000 bytes of file at offset
 * 0x1000, holding the multiboot header) and data (0x10 bytes + bss). */
static void make_elf(struct img *im, u32 text_vaddr, u32 text_paddr, u32 entry, u32 data_paddr, u32 data_memsz)
{
    memset(im, 0, sizeof(*im));
    u8 *e = im->b;
    memcpy(e, "\177ELF", 4);
    e[4] = 1; e[5] = 1; e[6] = 1;
    st16(e + 16, 2);          /* ET_EXEC */
    st16(e + 18, 3);          /* EM_386 */
    st32(e + 20, 1);
    st32(e + 24, entry);
    st32(e + 28, 52);         /* phoff */
    st16(e + 40, 52);
    st16(e + 42, 32);
    st16(e + 44, 2);
    u8 *ph = e + 52;
    st32(ph, 1); st32(ph + 4, 0x1000); st32(ph + 8, text_vaddr); st32(ph + 12, text_paddr);
    st32(ph + 16, 0x1000); st32(ph + 20, 0x1000); st32(ph + 24, 5);
    ph += 32;
    st32(ph, 1); st32(ph + 4, 0x2000); st32(ph + 8, data_paddr); st32(ph + 12, data_paddr);
    st32(ph + 16, 0x10); st32(ph + 20, data_memsz); st32(ph + 24, 6);
    mb_header(e + 0x1000, 0x3);
    for (int i = 0; i < 0x100; i++) e[0x1010 + i] = (u8)i;      /* text bytes */
    for (int i = 0; i < 0x10; i++) e[0x2000 + i] = (u8)(0xa0 + i); /* data bytes */
    im->size = 0x2010;
}

/* Flat a.out-kludge image: header at file offset 0x40, loaded at load_addr. */
static void make_aout(struct img *im, u32 load_addr, u32 size, u32 bss_extra, u32 entry)
{
    memset(im, 0, sizeof(*im));
    u8 *h = im->b + 0x40;
    mb_header(h, 0x10003);
    st32(h + 12, load_addr + 0x40);
    st32(h + 16, load_addr);
    st32(h + 20, 0);                        /* whole file */
    st32(h + 24, bss_extra ? load_addr + size + bss_extra : 0);
    st32(h + 28, entry);
    for (u32 i = 0x60; i < size; i++) im->b[i] = (u8)(i * 7);
    im->size = size;
}

static struct multiboot_args args(const struct img *im)
{
    return (struct multiboot_args){.kernel_path = "k.elf", .kernel = im->b, .kernel_size = im->size,
                                   .ram_size = RAM};
}

static const struct load_seg *find_seg(const struct boot_image *b, const char *what, int nth)
{
    for (int i = 0; i < b->nseg; i++)
        if (!strcmp(b->seg[i].what, what) && nth-- == 0) return &b->seg[i];
    return NULL;
}

static struct physmem pm;
static u32 rd32(u32 pa) { u32 v = 0; physmem_debug_rw(&pm, pa, &v, 4, false); return v; }
static u8 rd8(u32 pa) { u8 v = 0; physmem_debug_rw(&pm, pa, &v, 1, false); return v; }
static const char *rdstr(u32 pa)
{
    static char s[256];
    physmem_debug_rw(&pm, pa, s, sizeof(s) - 1, false);
    s[sizeof(s) - 1] = 0;
    return s;
}

static void load_and_apply(const struct multiboot_args *a, struct boot_image *b)
{
    physmem_free(&pm);
    physmem_init(&pm, a->ram_size);
    if (multiboot_load(a, b, err, sizeof(err)) < 0) {
        FAILF("multiboot_load: %s", err);
        return;
    }
    boot_image_apply(b, &pm);
}

/* ---- ELF ---- */

TEST(elf_segments_entry_and_bss)
{
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x1000);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    CHECK(b.has_entry);
    CHECK_EQ(b.entry.eip, 0x100010);
    CHECK_EQ(b.entry.gpr[R_EAX], MULTIBOOT_BOOT_MAGIC);
    CHECK_EQ(b.entry.gpr[R_EBX], BOOT_INFO_ADDR);
    CHECK_EQ(b.entry.gpr[R_ESP], BOOT_STACK_TOP);
    CHECK_EQ(rd32(0x100000), MULTIBOOT_HEADER_MAGIC);
    CHECK_EQ(rd8(0x100010 + 0x42), 0x42);
    CHECK_EQ(rd8(0x200005), 0xa5);
    CHECK_EQ(rd8(0x200010), 0);
    CHECK_EQ(rd32(0x200ffc), 0);
    const struct load_seg *d = find_seg(&b, "kernel", 1);
    CHECK(d && d->paddr == 0x200000 && d->memsz == 0x1000 && d->filesz == 0x10);
    boot_image_free(&b);
}

TEST(elf_higher_half_entry_is_translated)
{
    struct img im;
    make_elf(&im, 0xc0100000u, 0x100000, 0xc0100020u, 0x200000, 0x10);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    CHECK_EQ(b.entry.eip, 0x100020);
    CHECK_EQ(rd32(0x100000), MULTIBOOT_HEADER_MAGIC);
    boot_image_free(&b);
}

/* ---- a.out kludge ---- */

TEST(aout_kludge_load_and_bss)
{
    struct img im;
    make_aout(&im, 0x100000, 0x800, 0x2000, 0x100060);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    CHECK_EQ(b.entry.eip, 0x100060);
    CHECK_EQ(rd32(0x100040), MULTIBOOT_HEADER_MAGIC);
    CHECK_EQ(rd8(0x100061), (u8)(0x61 * 7));
    const struct load_seg *k = find_seg(&b, "kernel", 0);
    CHECK(k && k->paddr == 0x100000 && k->filesz == 0x800 && k->memsz == 0x2800);
    boot_image_free(&b);
}

TEST(aout_kludge_wins_over_elf_when_flag_16_set)
{
    /* an ELF file whose header asks for the kludge is loaded by the address fields */
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x10);
    u8 *h = im.b + 0x1000;
    mb_header(h, 0x10003);
    st32(h + 12, 0x300000);           /* header_addr: file offset 0x1000 lands here */
    st32(h + 16, 0x300000 - 0x1000);  /* load from the start of the file */
    st32(h + 20, 0);
    st32(h + 24, 0);
    st32(h + 28, 0x300004);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    CHECK_EQ(b.entry.eip, 0x300004);
    CHECK_EQ(rd32(0x2ff000), ld32("\177ELF"));
    CHECK_EQ(rd32(0x300000), MULTIBOOT_HEADER_MAGIC);
    boot_image_free(&b);
}

/* ---- information block ---- */

TEST(info_block_fields_cmdline_and_mmap)
{
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x10);
    struct multiboot_args a = args(&im);
    a.append = "console=ttyS0 debug";
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    u32 mbi = b.entry.gpr[R_EBX];
    u32 flags = rd32(mbi);
    CHECK_EQ(flags & 0x24d, 0x24d); /* memory, cmdline, mods, mmap, boot loader name */
    CHECK_EQ(flags & 0x20, 0);      /* no ELF section headers */
    CHECK_EQ(rd32(mbi + 4), 639);
    CHECK_EQ(rd32(mbi + 8), (RAM - 0x100000) / 1024);
    CHECK_STR(rdstr(rd32(mbi + 16)), "k.elf console=ttyS0 debug");
    CHECK_STR(rdstr(rd32(mbi + 64)), "vdebug");
    CHECK_EQ(rd32(mbi + 20), 0);
    u32 len = rd32(mbi + 44), addr = rd32(mbi + 48);
    CHECK_EQ(len, 4 * 24);
    static const struct { u64 base, len; u32 type; } want[] = {
        {0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2}, {0x100000, RAM - 0x100000, 1},
    };
    for (unsigned i = 0; i < 4 && i * 24 < len; i++) {
        u32 e = addr + i * 24;
        CHECK_EQ(rd32(e), 20);
        CHECK_EQ(rd32(e + 4) | (u64)rd32(e + 8) << 32, want[i].base);
        CHECK_EQ(rd32(e + 12) | (u64)rd32(e + 16) << 32, want[i].len);
        CHECK_EQ(rd32(e + 20), want[i].type);
    }
    boot_image_free(&b);
}

TEST(cmdline_without_append_is_path_and_space)
{
    struct img im;
    make_aout(&im, 0x100000, 0x800, 0, 0x100060);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    CHECK_STR(rdstr(rd32(b.entry.gpr[R_EBX] + 16)), "k.elf ");
    boot_image_free(&b);
}

TEST(mmap_reserves_a_mapped_rom)
{
    struct img im;
    make_aout(&im, 0x100000, 0x800, 0, 0x100060);
    struct multiboot_args a = args(&im);
    a.rom_mapped = true;
    a.rom_size = 0x20000;
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    u32 mbi = b.entry.gpr[R_EBX];
    CHECK_EQ(rd32(mbi + 44), 5 * 24);
    u32 e = rd32(mbi + 48) + 4 * 24;
    CHECK_EQ(rd32(e + 4), 0xfffe0000u);
    CHECK_EQ(rd32(e + 12), 0x20000);
    CHECK_EQ(rd32(e + 20), 2);
    boot_image_free(&b);
}

/* ---- modules ---- */

static char tmpdir[64];
static void write_file(const char *name, const void *data, size_t n)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

TEST(modules_page_aligned_after_kernel_with_cmdlines)
{
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x1234); /* kernel ends at 0x201234 */
    u8 m1[5000], m2[3];
    for (unsigned i = 0; i < sizeof(m1); i++) m1[i] = (u8)(i ^ 0x5a);
    memcpy(m2, "abc", 3);
    write_file("m1", m1, sizeof(m1));
    write_file("m,2", m2, sizeof(m2));
    char initrd[256];
    snprintf(initrd, sizeof(initrd), "%s/m1 arg1 arg2,%s/m,,2", tmpdir, tmpdir);
    struct multiboot_args a = args(&im);
    a.initrd = initrd;
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    u32 mbi = b.entry.gpr[R_EBX];
    CHECK_EQ(rd32(mbi + 20), 2);
    u32 mods = rd32(mbi + 24);
    CHECK_EQ(rd32(mods), 0x202000);
    CHECK_EQ(rd32(mods + 4), 0x202000 + sizeof(m1));
    char want[128];
    snprintf(want, sizeof(want), "%s/m1 arg1 arg2", tmpdir);
    CHECK_STR(rdstr(rd32(mods + 8)), want);
    CHECK_EQ(rd32(mods + 16), 0x204000); /* next page after 0x202000 + 5000 */
    CHECK_EQ(rd32(mods + 20), 0x204003);
    snprintf(want, sizeof(want), "%s/m,2", tmpdir);
    CHECK_STR(rdstr(rd32(mods + 24)), want);
    CHECK_EQ(rd8(0x202000 + 4999), (u8)(4999 ^ 0x5a));
    CHECK_EQ(rd8(0x204001), 'b');
    boot_image_free(&b);
}

TEST(info_moves_above_modules_when_kernel_is_low)
{
    /* a kernel loaded over the low info area pushes the info block up */
    struct img im;
    make_aout(&im, 0x8000, 0x800, 0, 0x8060);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    u32 mbi = b.entry.gpr[R_EBX];
    CHECK(mbi >= 0x100000);
    CHECK_EQ(mbi & 0xfff, 0);
    CHECK_STR(rdstr(rd32(mbi + 64)), "vdebug");
    boot_image_free(&b);
}

/* ---- errors: one clear message each ---- */

static void expect_error(struct multiboot_args *a, const char *needle)
{
    struct boot_image b;
    if (multiboot_load(a, &b, err, sizeof(err)) == 0) {
        FAILF("loaded, expected an error containing '%s'", needle);
        boot_image_free(&b);
        return;
    }
    if (!strstr(err, needle)) FAILF("error '%s' lacks '%s'", err, needle);
    if (strchr(err, '\n')) FAILF("error '%s' is not one line", err);
}

TEST(error_truncated_elf)
{
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x10);
    struct multiboot_args a = args(&im);
    a.kernel_size = 0x1800; /* cuts the text segment */
    expect_error(&a, "truncated");
    a.kernel_size = 40;     /* cuts the ELF header (no multiboot header either) */
    expect_error(&a, "neither a multiboot kernel");
}

TEST(error_truncated_aout)
{
    struct img im;
    make_aout(&im, 0x100000, 0x800, 0, 0x100060);
    st32(im.b + 0x40 + 20, 0x100000 + 0x1000); /* load_end beyond the file */
    struct multiboot_args a = args(&im);
    expect_error(&a, "truncated");
}

TEST(error_not_multiboot)
{
    struct img im;
    memset(&im, 0x90, sizeof(im));
    im.size = 4096;
    struct multiboot_args a = args(&im);
    expect_error(&a, "neither a multiboot kernel");
    mb_header(im.b + 8, 3);
    st32(im.b + 16, 0); /* bad checksum */
    expect_error(&a, "neither a multiboot kernel");
}

TEST(error_elf64_and_unknown_required_flag)
{
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x10);
    im.b[4] = 2;
    struct multiboot_args a = args(&im);
    expect_error(&a, "64-bit");
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 0x10);
    mb_header(im.b + 0x1000, 0x3 | 0x8);
    expect_error(&a, "requires features");
}

TEST(error_overlaps_vga_hole)
{
    struct img im;
    make_aout(&im, 0xa0000, 0x800, 0, 0xa0060);
    struct multiboot_args a = args(&im);
    expect_error(&a, "hole");
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0xf8000, 0x10);
    a = args(&im);
    expect_error(&a, "hole");
}

TEST(error_larger_than_ram)
{
    struct img im;
    make_elf(&im, 0x100000, 0x100000, 0x100010, 0x200000, 64u << 20);
    struct multiboot_args a = args(&im);
    expect_error(&a, "does not fit");
    expect_error(&a, "-m");
}

TEST(error_missing_module)
{
    struct img im;
    make_aout(&im, 0x100000, 0x800, 0, 0x100060);
    struct multiboot_args a = args(&im);
    a.initrd = "/nonexistent/module arg";
    expect_error(&a, "cannot open module '/nonexistent/module'");
}

TEST(error_kernel_overlaps_boot_gdt)
{
    struct img im;
    make_aout(&im, 0x400, 0x800, 0, 0x460);
    struct multiboot_args a = args(&im);
    expect_error(&a, "boot GDT");
}

/* ---- entry state ---- */

TEST(entry_state_flat_protected_mode)
{
    struct boot_entry e = {.eip = 0x100010, .cs_sel = 0x10, .ds_sel = 0x18};
    e.gpr[R_EAX] = MULTIBOOT_BOOT_MAGIC;
    struct cpu_state reset = {0}, s;
    reset.eflags = 0x202;
    reset.cr0 = 0x60000010;
    boot_entry_state(&e, &reset, &s);
    CHECK_EQ(s.eip, 0x100010);
    CHECK_EQ(s.gpr[R_EAX], MULTIBOOT_BOOT_MAGIC);
    CHECK_EQ(s.cr0 & (CR0_PE | CR0_PG), CR0_PE);
    CHECK_EQ(s.eflags & FL_IF, 0);
    CHECK_EQ(s.seg[S_CS].sel, 0x10);
    CHECK_EQ(s.seg[S_CS].limit, 0xffffffffu);
    CHECK_EQ(s.seg[S_CS].attr & (SEG_ATTR_DB | SEG_ATTR_P | SEG_ATTR_S | 8), SEG_ATTR_DB | SEG_ATTR_P | SEG_ATTR_S | 8);
    for (int i = 0; i < 6; i++) {
        if (i == S_CS) continue;
        CHECK_EQ(s.seg[i].sel, 0x18);
        CHECK_EQ(s.seg[i].base, 0);
        CHECK_EQ(s.seg[i].limit, 0xffffffffu);
        CHECK_EQ(SEG_ATTR_TYPE(s.seg[i].attr), 3);
    }
    CHECK_EQ(s.gdtr.base, BOOT_GDT_ADDR);
    CHECK_EQ(s.cpl, 0);
}

TEST(boot_gdt_descriptors_match_entry_caches)
{
    struct img im;
    make_aout(&im, 0x100000, 0x800, 0, 0x100060);
    struct multiboot_args a = args(&im);
    struct boot_image b;
    load_and_apply(&a, &b);
    if (test_case_failed) return;
    u32 code_hi = rd32(BOOT_GDT_ADDR + 0x14), data_hi = rd32(BOOT_GDT_ADDR + 0x1c);
    struct cpu_state r = {0}, s;
    boot_entry_state(&b.entry, &r, &s);
    CHECK_EQ(seg_attr_from_desc_hi(code_hi), s.seg[S_CS].attr);
    CHECK_EQ(seg_attr_from_desc_hi(data_hi), s.seg[S_DS].attr);
    CHECK_EQ(rd32(BOOT_GDT_ADDR + 0x10), 0x0000ffff);
    boot_image_free(&b);
}

/* ---- BIOS ROM ---- */

TEST(bios_sizes)
{
    static u8 buf[0x20000];
    u8 *rom;
    u32 size;
    char p[128];
    snprintf(p, sizeof(p), "%s/rom", tmpdir);
    write_file("rom", buf, 0x10000);
    CHECK_EQ(bios_load(p, &rom, &size, err, sizeof(err)), 0);
    CHECK_EQ(size, 0x10000);
    free(rom);
    write_file("rom", buf, 0x10400);
    CHECK(bios_load(p, &rom, &size, err, sizeof(err)) < 0 && strstr(err, "multiple of 64 KiB"));
    write_file("rom", buf, 0);
    CHECK(bios_load(p, &rom, &size, err, sizeof(err)) < 0 && strstr(err, "multiple of 64 KiB"));
    CHECK(bios_load("/nonexistent/rom", &rom, &size, err, sizeof(err)) < 0 && strstr(err, "cannot open"));
}

/* ---- Linux boot protocol ---- */

/* A bzImage-shaped file: 4 setup sectors + boot sector, then pm_size bytes
 * of protected-mode kernel filled with a pattern. */
static u8 *make_bz(size_t *size, u16 version, u32 pm_size, u32 init_size)
{
    size_t n = 5 * 512 + pm_size;
    u8 *k = calloc(1, n);
    k[0x1f1] = 4;
    st16(k + 0x1fe, 0xAA55);
    k[0x200] = 0xeb;
    k[0x201] = 0x6a;                  /* header ends at 0x26c */
    memcpy(k + 0x202, "HdrS", 4);
    st16(k + 0x206, version);
    k[0x211] = 0x01;                  /* LOADED_HIGH */
    st32(k + 0x214, 0x100000);
    st32(k + 0x22c, 0x7fffffff);      /* initrd_addr_max */
    st32(k + 0x238, 2047);            /* cmdline_size */
    st32(k + 0x260, init_size);
    for (u32 i = 0; i < pm_size; i++) k[5 * 512 + i] = (u8)(i * 13 + 1);
    *size = n;
    return k;
}

TEST(linux_zero_page_and_entry)
{
    size_t n;
    u8 *k = make_bz(&n, 0x020f, 0x3000, 0x10000);
    char rd[] = "/tmp/vd-test-initrd-XXXXXX";
    int fd = mkstemp(rd);
    CHECK(fd >= 0);
    CHECK(write(fd, "initrd-bytes", 12) == 12);
    close(fd);
    struct linux_args a = {.kernel_path = "bz", .kernel = k, .kernel_size = n, .append = "console=ttyS0 quiet",
                           .initrd = rd, .ram_size = RAM};
    struct boot_image b;
    CHECK(linux_detect(k, n));
    if (linux_load(&a, &b, err, sizeof(err)) < 0) {
        FAILF("%s", err);
        goto out;
    }
    const struct load_seg *ks = find_seg(&b, "kernel", 0), *bp = find_seg(&b, "boot_params", 0),
                          *cl = find_seg(&b, "command line", 0), *ir = find_seg(&b, "initrd", 0);
    CHECK(ks && bp && cl && ir);
    if (!ks || !bp || !cl || !ir) goto free;
    CHECK_EQ(ks->paddr, 0x100000);
    CHECK_EQ(ks->filesz, 0x3000);
    CHECK(!memcmp(ks->data, k + 5 * 512, 0x3000));
    CHECK_EQ(bp->paddr, LINUX_BOOT_PARAMS);
    const u8 *z = bp->data;
    CHECK(!memcmp(z + 0x1f1, k + 0x1f1, 0x202 - 0x1f1)); /* setup header copied... */
    CHECK(!memcmp(z + 0x202, "HdrS", 4));
    CHECK_EQ(z[0x1ef], 0);                               /* ...sentinel stays 0 */
    CHECK_EQ(z[0x210], 0xff);                            /* type_of_loader */
    CHECK_EQ(ld32(z + 0x228), LINUX_CMDLINE);
    CHECK_EQ(cl->paddr, LINUX_CMDLINE);
    CHECK_STR((const char *)cl->data, "console=ttyS0 quiet");
    CHECK_EQ(ld32(z + 0x218), ir->paddr);
    CHECK_EQ(ld32(z + 0x21c), 12);
    CHECK_EQ(ir->paddr, RAM - 4096);                     /* page-aligned at the top of RAM */
    CHECK_EQ(ld32(z + 0x1e0), (RAM - 0x100000) / 1024);  /* alt_mem_k */
    /* e820: the machine's map */
    CHECK_EQ(z[0x1e8], 4);
    CHECK_EQ(ld64(z + 0x2d0 + 8), 0x9fc00);
    CHECK_EQ(ld32(z + 0x2d0 + 16), 1);
    CHECK_EQ(ld64(z + 0x2d0 + 20 * 3), 0x100000);
    CHECK_EQ(ld64(z + 0x2d0 + 20 * 3 + 8), RAM - 0x100000);
    CHECK(b.has_entry);
    CHECK_EQ(b.entry.eip, 0x100000);
    CHECK_EQ(b.entry.gpr[R_ESI], LINUX_BOOT_PARAMS);
    CHECK_EQ(b.entry.gpr[R_EBX] | b.entry.gpr[R_EBP] | b.entry.gpr[R_EDI], 0);
    CHECK_EQ(b.entry.cs_sel, 0x10);
    CHECK_EQ(b.entry.ds_sel, 0x18);
free:
    boot_image_free(&b);
out:
    unlink(rd);
    free(k);
}

static void expect_linux_error(struct linux_args *a, const char *needle)
{
    struct boot_image b;
    if (linux_load(a, &b, err, sizeof(err)) == 0) {
        FAILF("loaded, expected an error containing '%s'", needle);
        boot_image_free(&b);
        return;
    }
    if (!strstr(err, needle)) FAILF("error '%s' lacks '%s'", err, needle);
    if (strchr(err, '\n')) FAILF("error '%s' is not one line", err);
}

TEST(linux_errors)
{
    size_t n;
    u8 *k = make_bz(&n, 0x020f, 0x3000, 0x10000);
    struct linux_args a = {.kernel_path = "bz", .kernel = k, .kernel_size = n, .ram_size = RAM};
    st16(k + 0x206, 0x0201);
    expect_linux_error(&a, "too old");
    st16(k + 0x206, 0x020f);
    k[0x211] = 0;
    expect_linux_error(&a, "zImage");
    k[0x211] = 1;
    st16(k + 0x1fe, 0);
    expect_linux_error(&a, "broken");
    st16(k + 0x1fe, 0xAA55);
    k[0x1f1] = 200;                               /* setup longer than the file */
    expect_linux_error(&a, "broken");
    k[0x1f1] = 4;
    st32(k + 0x260, 64u << 20);                   /* init_size beyond RAM */
    expect_linux_error(&a, "larger -m");
    st32(k + 0x260, 0x10000);
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    a.append = big;
    expect_linux_error(&a, "at most 2047");
    a.append = NULL;
    a.initrd = "/nonexistent/initrd";
    expect_linux_error(&a, "initrd");
    a.kernel_size = 600;                          /* truncated file */
    a.initrd = NULL;
    expect_linux_error(&a, "broken");
    free(k);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vdebug-test-loader.XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    RUN(elf_segments_entry_and_bss);
    RUN(elf_higher_half_entry_is_translated);
    RUN(aout_kludge_load_and_bss);
    RUN(aout_kludge_wins_over_elf_when_flag_16_set);
    RUN(info_block_fields_cmdline_and_mmap);
    RUN(cmdline_without_append_is_path_and_space);
    RUN(mmap_reserves_a_mapped_rom);
    RUN(modules_page_aligned_after_kernel_with_cmdlines);
    RUN(info_moves_above_modules_when_kernel_is_low);
    RUN(error_truncated_elf);
    RUN(error_truncated_aout);
    RUN(error_not_multiboot);
    RUN(error_elf64_and_unknown_required_flag);
    RUN(error_overlaps_vga_hole);
    RUN(error_larger_than_ram);
    RUN(error_missing_module);
    RUN(error_kernel_overlaps_boot_gdt);
    RUN(entry_state_flat_protected_mode);
    RUN(boot_gdt_descriptors_match_entry_caches);
    RUN(bios_sizes);
    RUN(linux_zero_page_and_entry);
    RUN(linux_errors);
    physmem_free(&pm);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (system(cmd)) {}
    return test_summary();
}
