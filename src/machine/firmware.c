/* The fw_cfg items of the PC board (firmware.h). */
#include "machine/firmware.h"
#include "machine/acpi.h"
#include "machine/smbios.h"
#include "machine/loader.h"
#include "cpu/model.h"
#include "dev/ioapic.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fw_items_free(struct fw_items *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i].data);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void add(struct fw_items *l, u16 key, const char *name, u8 *data, u32 len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = realloc(l->v, (size_t)l->cap * sizeof(*l->v));
        if (!l->v) abort();
    }
    struct fw_item *it = &l->v[l->n++];
    memset(it, 0, sizeof(*it));
    it->key = key;
    if (name) snprintf(it->name, sizeof(it->name), "%s", name);
    it->data = data;
    it->len = len;
}

static u8 *dup_bytes(const void *p, size_t n)
{
    u8 *d = malloc(n ? n : 1);
    if (!d) abort();
    if (n) memcpy(d, p, n);
    return d;
}

static void add_le(struct fw_items *l, u16 key, const char *name, u64 v, unsigned n)
{
    u8 b[8];
    for (unsigned i = 0; i < n; i++) b[i] = (u8)(v >> (8 * i));
    add(l, key, name, dup_bytes(b, n), n);
}

void firmware_apply(struct fw_items *l, struct fw_cfg *f)
{
    for (int i = 0; i < l->n; i++) {
        struct fw_item *it = &l->v[i];
        if (it->name[0]) fw_cfg_add_file(f, it->name, it->data, it->len);
        else fw_cfg_add_bytes(f, it->key, it->data, it->len);
        it->data = NULL;
    }
    fw_items_free(l);
}

/* ---- ACPI through the table loader ---- */

struct linker { u8 *b; u32 len; };

static u8 *cmd(struct linker *k, u32 command)
{
    k->b = realloc(k->b, k->len + FW_LOADER_ENTRY_LEN);
    if (!k->b) abort();
    u8 *e = k->b + k->len;
    memset(e, 0, FW_LOADER_ENTRY_LEN);
    st32(e, command);
    k->len += FW_LOADER_ENTRY_LEN;
    return e;
}

static void cmd_alloc(struct linker *k, const char *file, u32 align, u8 zone)
{
    u8 *e = cmd(k, FW_LOADER_ALLOCATE);
    snprintf((char *)e + 4, FW_CFG_NAME_LEN, "%s", file);
    st32(e + 60, align);
    e[64] = zone;
}

/* dest_file's `size`-byte pointer at `offset` gets src_file's address added */
static void cmd_pointer(struct linker *k, const char *dest, const char *src, u32 offset, u8 size)
{
    u8 *e = cmd(k, FW_LOADER_ADD_POINTER);
    snprintf((char *)e + 4, FW_CFG_NAME_LEN, "%s", dest);
    snprintf((char *)e + 60, FW_CFG_NAME_LEN, "%s", src);
    st32(e + 116, offset);
    e[120] = size;
}

static void cmd_checksum(struct linker *k, const char *file, u32 offset, u32 start, u32 length)
{
    u8 *e = cmd(k, FW_LOADER_ADD_CHECKSUM);
    snprintf((char *)e + 4, FW_CFG_NAME_LEN, "%s", file);
    st32(e + 60, offset);
    st32(e + 64, start);
    st32(e + 68, length);
}

#define ACPI_TABLES_FILE "etc/acpi/tables"
#define ACPI_FW_TABLES_SIZE 0x20000u
#define ACPI_RSDP_FILE "etc/acpi/rsdp"

/*
 * acpi_build at base 0 gives tables whose pointers are offsets into the
 * blob: the loader adds the blob's address to each, then fixes the
 * checksums (which the firmware corrects by the change it made, so they
 * stay right whatever they were). The RSDP goes to its own file in the F
 * segment, where an OS looks for it.
 */
static void add_acpi(struct fw_items *l, const struct machine_config *c)
{
    struct acpi_config ac = {.ram_size = c->ram_size, .com = {c->serial[0] != NULL, c->serial[1] != NULL},
                             .apic = true, .ioapic_id = IOAPIC_DEFAULT_ID, .ioapic_addr = IOAPIC_DEFAULT_BASE};
    struct acpi_layout w;
    u32 len;
    u8 *t = acpi_build(&ac, 0, &len, &w);
    u8 *rsdp = dup_bytes(t + w.rsdp, ACPI_RSDP_LEN);
    memset(t + w.rsdp, 0, ACPI_RSDP_LEN);
    struct linker k = {0};
    cmd_alloc(&k, ACPI_TABLES_FILE, 64, FW_LOADER_ZONE_HIGH);   /* the FACS needs 64 */
    cmd_alloc(&k, ACPI_RSDP_FILE, 16, FW_LOADER_ZONE_FSEG);
    cmd_pointer(&k, ACPI_TABLES_FILE, ACPI_TABLES_FILE, w.fadt + FADT_FACS, 4);
    cmd_pointer(&k, ACPI_TABLES_FILE, ACPI_TABLES_FILE, w.fadt + FADT_DSDT, 4);
    cmd_pointer(&k, ACPI_TABLES_FILE, ACPI_TABLES_FILE, w.fadt + FADT_X_DSDT, 8);
    cmd_checksum(&k, ACPI_TABLES_FILE, w.fadt + 9, w.fadt, ACPI_FADT_LEN);
    int ntables = w.madt ? 2 : 1;
    for (int i = 0; i < ntables; i++) {
        cmd_pointer(&k, ACPI_TABLES_FILE, ACPI_TABLES_FILE, w.rsdt + ACPI_HDR_LEN + 4 * i, 4);
        cmd_pointer(&k, ACPI_TABLES_FILE, ACPI_TABLES_FILE, w.xsdt + ACPI_HDR_LEN + 8 * i, 8);
    }
    cmd_checksum(&k, ACPI_TABLES_FILE, w.rsdt + 9, w.rsdt, ld32(t + w.rsdt + 4));
    cmd_checksum(&k, ACPI_TABLES_FILE, w.xsdt + 9, w.xsdt, ld32(t + w.xsdt + 4));
    cmd_pointer(&k, ACPI_RSDP_FILE, ACPI_TABLES_FILE, 16, 4);
    cmd_pointer(&k, ACPI_RSDP_FILE, ACPI_TABLES_FILE, 24, 8);
    cmd_checksum(&k, ACPI_RSDP_FILE, 8, 0, 20);
    cmd_checksum(&k, ACPI_RSDP_FILE, 32, 0, ACPI_RSDP_LEN);
    /* padded to 128 KiB as QEMU's pc machine pads it (ACPI_BUILD_TABLE_SIZE):
     * SeaBIOS reserves what it allocates at the top of RAM, so the memory
     * map a guest sees is QEMU's */
    u8 *padded = calloc(1, ACPI_FW_TABLES_SIZE);
    if (!padded || len > ACPI_FW_TABLES_SIZE) abort();
    memcpy(padded, t, len);
    free(t);
    add(l, 0, ACPI_TABLES_FILE, padded, ACPI_FW_TABLES_SIZE);
    add(l, 0, ACPI_RSDP_FILE, rsdp, ACPI_RSDP_LEN);
    add(l, 0, "etc/table-loader", k.b, k.len);
}

/* SMBIOS: the anchor (entry point) and the structures as two files; the
 * firmware places them and fills in the table address. */
static void add_smbios(struct fw_items *l, const struct machine_config *c)
{
    struct smbios_config sc = {.ram_size = c->ram_size, .cpuid_signature = CPU_SIGNATURE_P6,
                               .cpuid_features = cpu_cpuid_features() | 1u << 9 /* its local APIC */,
                               .cpu_mhz = 1000};
    u32 len;
    u8 *b = smbios_build(&sc, 0, &len);
    u32 table = ld32(b + 24);                 /* built at 0: the structures' offset */
    u8 *anchor = dup_bytes(b, SMBIOS_EPS_LEN);
    st32(anchor + 24, 0);
    add(l, 0, "etc/smbios/smbios-tables", dup_bytes(b + table, len - table), len - table);
    add(l, 0, "etc/smbios/smbios-anchor", anchor, SMBIOS_EPS_LEN);
    free(b);
}

/* -boot order=...: QEMU's CMOS encoding is done by the board (pc.c); here
 * the fw_cfg side: the boot menu, strictness and the reboot timeout. */
static void add_boot(struct fw_items *l, const struct machine_config *c, const char *rom_boot)
{
    add_le(l, FW_CFG_BOOT_MENU, NULL, c->boot_menu, 2);
    /* bootorder: the devices with a boot index (the -kernel option ROM),
     * one per line, then HALT under strict=on; the last newline is a NUL */
    char buf[256] = "";
    if (rom_boot) snprintf(buf, sizeof(buf), "/rom@genroms/%s\n", rom_boot);
    if (c->boot_strict && buf[0]) strcat(buf, "HALT\n");
    size_t n = strlen(buf);
    if (n) buf[n - 1] = 0;
    add(l, 0, "bootorder", dup_bytes(buf, n), (u32)n);
    if (c->boot_reboot_timeout >= 0) add_le(l, 0, "etc/boot-fail-wait", (u32)c->boot_reboot_timeout, 4);
}

const char *firmware_find(const struct machine_config *c, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s", name);
    if (access(name, R_OK) == 0) return buf;
    if (strchr(name, '/')) return NULL;
    const char *fixed[] = {QEMU_DATA_DIR, SEABIOS_DIR};
    for (int i = 0; i < c->ndata_dir + 2; i++) {
        const char *dir = i < c->ndata_dir ? c->data_dir[i] : fixed[i - c->ndata_dir];
        snprintf(buf, n, "%s/%s", dir, name);
        if (access(buf, R_OK) == 0) return buf;
    }
    return NULL;
}

/* An option ROM file: dir "genroms" (run in the option-ROM scan) or
 * "vgaroms" (run as the display's ROM, as QEMU gives sgabios.bin). */
static int add_rom_file(const struct machine_config *c, struct fw_items *l, const char *kind, const char *rom, const char *why, char *err,
                        size_t errlen)
{
    char path[512], name[FW_CFG_NAME_LEN];
    u8 *d;
    size_t n;
    if (!firmware_find(c, rom, path, sizeof(path)) ||
        load_file(path, "option ROM", 1u << 20, &d, &n, err, errlen) < 0) {
        snprintf(err, errlen, "%s needs the option ROM %s/%s (Debian package %s)", why, QEMU_DATA_DIR, rom,
                 !strcmp(rom, "sgabios.bin") ? "qemu-system-data or sgabios" : "qemu-system-data");
        return -1;
    }
    snprintf(name, sizeof(name), "%s/%s", kind, rom);
    add(l, 0, name, d, (u32)n);
    return 0;
}

/*
 * -kernel through the firmware: QEMU's x86_load_linux for a bzImage (boot
 * protocol 2.02+, loaded high): the real-mode setup at 0x10000 with the
 * command line at 0x20000 and the heap between them, the protected-mode
 * kernel at 1 MiB, the initrd page-aligned below initrd_addr_max and the top
 * of RAM less 128 KiB (QEMU's ACPI reserve); linuxboot_dma.bin copies them
 * and jumps to the setup code in real mode.
 */
enum { LX_REAL = 0x10000, LX_CMDLINE = 0x20000, LX_PROT = 0x100000, LX_ACPI_RESERVE = 0x20000 };

static int add_linux(struct fw_items *l, const struct machine_config *c, const u8 *img, size_t size, char *err,
                     size_t errlen)
{
    struct linux_args a = {.kernel_path = c->kernel, .kernel = img, .kernel_size = size, .append = c->append,
                           .initrd = c->initrd, .ram_size = c->ram_size};
    struct linux_hdr h;
    if (linux_check_header(&a, &h, err, errlen) < 0) return -1;
    const char *cmdline = c->append ? c->append : "";
    size_t cmdlen = strlen(cmdline);
    if (cmdlen > h.cmdline_max) {
        snprintf(err, errlen, "-append: the command line has %zu bytes; this kernel accepts at most %u", cmdlen,
                 h.cmdline_max);
        return -1;
    }
    u8 *setup = dup_bytes(img, h.setup_size);
    u32 kernel_size = (u32)(size - h.setup_size);
    if ((u64)LX_PROT + kernel_size > c->ram_size) {
        free(setup);
        snprintf(err, errlen, "kernel '%s' does not fit in RAM above 1 MiB (try a larger -m)", c->kernel);
        return -1;
    }
    st32(setup + 0x228, LX_CMDLINE);                        /* cmd_line_ptr */
    setup[0x210] = 0xB0;                                    /* type_of_loader: QEMU's */
    setup[0x211] |= 0x80;                                   /* CAN_USE_HEAP */
    st16(setup + 0x224, LX_CMDLINE - LX_REAL - 0x200);      /* heap_end_ptr */
    /* vga=normal|ext|ask|N on the command line sets vid_mode, as QEMU does */
    const char *vga = strstr(cmdline, "vga=");
    if (vga && (vga == cmdline || vga[-1] == ' ')) {
        vga += 4;
        unsigned mode;
        if (!strncmp(vga, "normal", 6)) mode = 0xffff;
        else if (!strncmp(vga, "ext", 3)) mode = 0xfffe;
        else if (!strncmp(vga, "ask", 3)) mode = 0xfffd;
        else mode = (unsigned)strtoul(vga, NULL, 0);
        st16(setup + 0x1fa, (u16)mode);
    }
    if (c->initrd) {
        u8 *rd;
        size_t rd_size;
        if (load_file(c->initrd, "initrd", c->ram_size, &rd, &rd_size, err, errlen) < 0) {
            free(setup);
            return -1;
        }
        u64 max = h.initrd_max;
        if (max >= c->ram_size - LX_ACPI_RESERVE) max = c->ram_size - LX_ACPI_RESERVE - 1;
        if (rd_size == 0 || rd_size > max || ((max - rd_size) & ~4095ull) < LX_PROT + (u64)kernel_size) {
            snprintf(err, errlen, rd_size ? "initrd '%s' (%zu bytes) does not fit between the kernel and 0x%llx "
                                            "(try a larger -m)" : "initrd '%s' is empty",
                     c->initrd, rd_size, (unsigned long long)max);
            free(rd);
            free(setup);
            return -1;
        }
        u32 at = (u32)((max - rd_size) & ~4095ull);
        st32(setup + 0x218, at);
        st32(setup + 0x21c, (u32)rd_size);
        add_le(l, FW_CFG_INITRD_ADDR, NULL, at, 4);
        add_le(l, FW_CFG_INITRD_SIZE, NULL, rd_size, 4);
        add(l, FW_CFG_INITRD_DATA, NULL, rd, (u32)rd_size);
    }
    add_le(l, FW_CFG_CMDLINE_ADDR, NULL, LX_CMDLINE, 4);
    add_le(l, FW_CFG_CMDLINE_SIZE, NULL, cmdlen + 1, 4);
    add(l, FW_CFG_CMDLINE_DATA, NULL, dup_bytes(cmdline, cmdlen + 1), (u32)cmdlen + 1);
    add_le(l, FW_CFG_KERNEL_ADDR, NULL, LX_PROT, 4);
    add_le(l, FW_CFG_KERNEL_SIZE, NULL, kernel_size, 4);
    add(l, FW_CFG_KERNEL_DATA, NULL, dup_bytes(img + h.setup_size, kernel_size), kernel_size);
    add_le(l, FW_CFG_SETUP_ADDR, NULL, LX_REAL, 4);
    add_le(l, FW_CFG_SETUP_SIZE, NULL, h.setup_size, 4);
    add(l, FW_CFG_SETUP_DATA, NULL, setup, h.setup_size);
    return 0;
}

/*
 * A multiboot -kernel through the firmware: QEMU's load_multiboot layout,
 * which QEMU's multiboot_dma.bin expects. One buffer from the kernel's
 * lowest load address: the kernel (page-aligned), then the module list,
 * the command lines and the boot loader name (page-aligned), then each
 * module (page-aligned); the 88-byte information block goes to 0x9500,
 * and the option ROM writes the BIOS's e820 map at 0x9000 and the memory
 * sizes into it before entering the kernel as a multiboot loader does.
 * vdebug's own loader (machine/multiboot.c) parses and checks the kernel
 * and the modules; the pieces are taken from its boot image.
 */
enum { MB_E820 = 0x9000, MB_INFO = 0x9500, MB_INFO_SIZE = 88 };

static const char *seg_str(const struct load_seg *info, u32 addr)
{
    if (addr < info->paddr || addr >= info->paddr + info->filesz) return "";
    const char *p = (const char *)info->data + (addr - info->paddr);
    return memchr(p, 0, info->paddr + info->filesz - addr) ? p : "";
}

static u32 page_up(u64 v) { return (u32)((v + 4095) & ~4095ull); }

/* Appends str to buf at *at; returns its guest address (buf is loaded at base). */
static u32 put_str(u8 *buf, u32 *at, u32 base, const char *str)
{
    u32 where = *at;
    size_t n = strlen(str) + 1;
    memcpy(buf + where, str, n);
    *at += (u32)n;
    return base + where;
}

static int add_multiboot(struct fw_items *l, const struct machine_config *c, const u8 *img, size_t size,
                         char *err, size_t errlen)
{
    struct multiboot_args a = {.kernel_path = c->kernel, .kernel = img, .kernel_size = size, .append = c->append,
                               .initrd = c->initrd, .ram_size = c->ram_size};
    struct boot_image b;
    if (multiboot_load(&a, &b, err, errlen) < 0) return -1;
    u64 lo = ~0ull, hi = 0;
    const struct load_seg *info = NULL;
    int nmod = 0;
    for (int i = 0; i < b.nseg; i++) {
        const struct load_seg *sg = &b.seg[i];
        if (!strcmp(sg->what, "kernel")) {
            if (sg->paddr < lo) lo = sg->paddr;
            if ((u64)sg->paddr + sg->memsz > hi) hi = (u64)sg->paddr + sg->memsz;
        } else if (!strcmp(sg->what, "module")) {
            nmod++;
        } else if (!strcmp(sg->what, "multiboot info")) {
            info = sg;
        }
    }
    if (!info || hi <= lo) abort(); /* multiboot_load always gives both */
    const char *cmdline = seg_str(info, ld32(info->data + 16));
    const char *loader = seg_str(info, ld32(info->data + 64));
    u32 mods_at = ld32(info->data + 24);
    const char *mod_cmd[64];
    if (nmod > 64) {
        snprintf(err, errlen, "-initrd: at most 64 modules through the firmware");
        boot_image_free(&b);
        return -1;
    }
    size_t strs = strlen(cmdline) + 1 + strlen(loader) + 1;
    for (int i = 0; i < nmod; i++) {
        u32 e = mods_at + 16 * (u32)i;
        mod_cmd[i] = e >= info->paddr && e + 12 <= info->paddr + info->filesz
                         ? seg_str(info, ld32(info->data + (e - info->paddr) + 8)) : "";
        strs += strlen(mod_cmd[i]) + 1;
    }
    u32 off_mods = page_up(hi - lo), off_cmd = off_mods + 16 * (u32)nmod;
    u64 total = page_up(off_cmd + strs);
    for (int i = 0; i < b.nseg; i++)
        if (!strcmp(b.seg[i].what, "module")) total = page_up(total + b.seg[i].filesz);
    if (lo + total > c->ram_size) {
        snprintf(err, errlen, "the multiboot kernel and its modules (%llu KiB from 0x%llx) do not fit in RAM "
                 "(try a larger -m)", (unsigned long long)(total >> 10), (unsigned long long)lo);
        boot_image_free(&b);
        return -1;
    }
    u8 *buf = calloc(1, total);
    if (!buf) abort();
    for (int i = 0; i < b.nseg; i++)
        if (!strcmp(b.seg[i].what, "kernel") && b.seg[i].filesz)
            memcpy(buf + (b.seg[i].paddr - lo), b.seg[i].data, b.seg[i].filesz);
    u32 at = off_cmd;
    u8 mbi[MB_INFO_SIZE] = {0};
    st32(mbi + 16, put_str(buf, &at, (u32)lo, cmdline));
    st32(mbi + 64, put_str(buf, &at, (u32)lo, loader));
    u32 mod_off = page_up(off_cmd + strs);
    for (int i = 0, k = 0; i < b.nseg; i++) {
        const struct load_seg *sg = &b.seg[i];
        if (strcmp(sg->what, "module")) continue;
        memcpy(buf + mod_off, sg->data, sg->filesz);
        u8 *e = buf + off_mods + 16 * k;
        st32(e, (u32)lo + mod_off);
        st32(e + 4, (u32)lo + mod_off + sg->filesz);
        st32(e + 8, put_str(buf, &at, (u32)lo, mod_cmd[k]));
        mod_off = page_up(mod_off + sg->filesz);
        k++;
    }
    st32(mbi + 0, 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 6 | 1u << 9); /* memory, boot device, cmdline,
                                                                              * modules, mmap, loader name */
    st32(mbi + 12, 0x8000ffff);                                               /* boot device: as QEMU */
    st32(mbi + 20, (u32)nmod);
    st32(mbi + 24, (u32)lo + off_mods);
    st32(mbi + 48, MB_E820);
    add_le(l, FW_CFG_KERNEL_ENTRY, NULL, b.entry.eip, 4);
    add_le(l, FW_CFG_KERNEL_ADDR, NULL, lo, 4);
    add_le(l, FW_CFG_KERNEL_SIZE, NULL, total, 4);
    add(l, FW_CFG_KERNEL_DATA, NULL, buf, (u32)total);
    add_le(l, FW_CFG_INITRD_ADDR, NULL, MB_INFO, 4);
    add_le(l, FW_CFG_INITRD_SIZE, NULL, MB_INFO_SIZE, 4);
    add(l, FW_CFG_INITRD_DATA, NULL, dup_bytes(mbi, MB_INFO_SIZE), MB_INFO_SIZE);
    boot_image_free(&b);
    return 0;
}

static int add_user(struct fw_items *l, const struct machine_config *c, char *err, size_t errlen)
{
    for (int i = 0; i < c->nfw_cfg; i++) {
        const struct fw_cfg_user *u = &c->fw_cfg[i];
        for (int j = 0; j < l->n; j++)
            if (!strcmp(l->v[j].name, u->name)) {
                snprintf(err, errlen, "-fw_cfg name=%s: the item is already there", u->name);
                return -1;
            }
        if (u->file) {
            u8 *d;
            size_t n;
            if (load_file(u->file, "fw_cfg file", 1u << 30, &d, &n, err, errlen) < 0) return -1;
            add(l, 0, u->name, d, (u32)n);
        } else {
            add(l, 0, u->name, dup_bytes(u->string, strlen(u->string)), (u32)strlen(u->string));
        }
    }
    return 0;
}

int firmware_prepare(const struct machine_config *c, const u8 *kernel, size_t kernel_size,
                     struct fw_items *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    add(out, FW_CFG_UUID, NULL, calloc(1, 16), 16);
    add_le(out, FW_CFG_RAM_SIZE, NULL, c->ram_size, 8);
    /* vdebug draws no graphics: "no graphics" unless -display none was asked
     * for, which QEMU answers with 0 (SeaBIOS then starts no serial console) */
    /* QEMU says "no graphics" for -nographic alone; a display, headless
     * (-display none) or curses, is graphics */
    add_le(out, FW_CFG_NOGRAPHIC, NULL, !c->display_none && !c->display_curses, 2);
    add_le(out, FW_CFG_NB_CPUS, NULL, 1, 2);
    add_le(out, FW_CFG_MAX_CPUS, NULL, 1, 2);
    add(out, FW_CFG_NUMA, NULL, calloc(1, 16), 16);       /* no nodes; CPU 0 in none */
    add_le(out, FW_CFG_IRQ0_OVERRIDE, NULL, 1, 4);
    add_le(out, FW_CFG_ACPI_TABLES, NULL, 0, 2);          /* legacy interfaces: empty */
    add_le(out, FW_CFG_E820_TABLE, NULL, 0, 4);
    u8 e820[20];
    st64(e820, 0);
    st64(e820 + 8, c->ram_size);
    st32(e820 + 16, MEMMAP_RAM);
    add(out, 0, "etc/e820", dup_bytes(e820, 20), 20);
    add_acpi(out, c);
    add_smbios(out, c);
    const char *rom_boot = NULL;
    if (kernel) { /* a multiboot header wins, as in QEMU */
        rom_boot = multiboot_detect(kernel, kernel_size) ? "multiboot_dma.bin" : "linuxboot_dma.bin";
        if ((rom_boot[0] == 'm' ? add_multiboot(out, c, kernel, kernel_size, err, errlen)
                                : add_linux(out, c, kernel, kernel_size, err, errlen)) < 0 ||
            add_rom_file(c, out, "genroms", rom_boot, "-kernel with a firmware", err, errlen) < 0)
            goto fail;
    }
    if (c->sga && add_rom_file(c, out, "vgaroms", "sgabios.bin", "-device sga", err, errlen) < 0) goto fail;
    add_boot(out, c, rom_boot);
    if (add_user(out, c, err, errlen) < 0) goto fail;
    return 0;
fail:
    fw_items_free(out);
    return -1;
}
