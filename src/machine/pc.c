/*
 * The PC board: reads the images, then builds RAM/ROM, the port map, the
 * virtual clock, one vcpu and the devices at their standard ports and IRQs:
 *
 *   0x020-0x021, 0x0a0-0x0a1, 0x4d0-0x4d1   8259A PIC pair (INTR -> LINT0, I/O APIC pin 0)
 *   0xfec00000 (MMIO)                       I/O APIC, 24 pins (ISA IRQ n on pin n, IRQ 0 on pin 2)
 *   0xfee00000 (MMIO)                       local APIC (INTR/NMI -> vcpu; virtual wire at reset)
 *   0x040-0x043, 0x061                      8254 PIT, IRQ 0
 *   0x060, 0x064                            i8042 (IRQ 1/12; A20, reset)
 *   0x070-0x071                             CMOS/RTC, IRQ 8
 *   0x080                                   POST code
 *   0x0f0                                   x87 error: clears IRQ 13 (FERR#), asserts IGNNE#
 *   0x092                                   System Control Port A (A20, reset)
 *   0x3f8 (IRQ 4), 0x2f8 (IRQ 3)            16550A UARTs, one per -serial
 *   0x0e9                                   debug console (-debugcon; more with -device isa-debugcon)
 *   0x510-0x511, 0x514-0x51b                fw_cfg (dev/fw_cfg.h; contents: machine/firmware.h)
 *   iobase (default 0x501)                  isa-debug-exit (-device)
 *   0xcf9                                   reset control
 *   0xe0-0xeb, 0x2000-0x2017, 0xff000000    pc-testdev (-device pc-testdev)
 *   PCI 00:02.0                             pci-testdev (-device pci-testdev)
 *   0x600-0x60b, 0x0b2-0x0b3, IRQ 9 (SCI)   ACPI PM (PIIX4 layout) and APM control
 *   0x3b0-0x3df, 0xb8000-0xbffff (RAM)      VGA text mode (registers; text memory is RAM)
 *   0x1f0-0x1f7, 0x3f6 (IRQ 14), 0x170-0x177, 0x376 (IRQ 15), BAR 4
 *                                           PIIX3 IDE (00:01.1): -hda..-hdd, -cdrom, -drive
 *
 * Booting a -kernel without a -bios ROM, the board plays the firmware: it
 * places the ACPI tables (machine/acpi.h), the SMBIOS tables
 * (machine/smbios.h) and the MP tables (machine/mptable.h) in the F segment
 * and, as a BIOS
 * does for the SCI, sets IRQ 9 level-triggered in the ELCR.
 *
 * Everything that can fail (files, sizes, sockets) is checked before the
 * machine exists, so an error leaves nothing half-started.
 */
#include "machine/pc.h"
#include "machine/acpi.h"
#include "machine/smbios.h"
#include "machine/mptable.h"
#include "machine/bios_data.h"
#include "machine/firmware.h"
#include "machine/history.h"
#include "machine/replay.h"
#include "cpu/model.h"
#include "base/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>

void machine_config_init(struct machine_config *c)
{
    memset(c, 0, sizeof(*c));
    c->ram_size = MACHINE_DEFAULT_RAM;
    c->exit_iobase = 0x501;
    c->exit_iosize = 2;
    c->rtc_start = CMOS_DEFAULT_START;
    c->idle_sleep = -1;
    c->boot_reboot_timeout = -1;
    c->engine = (struct vcpu_engine_opts){.engine = vcpu_default_engine()};
}

/* ---- wiring callbacks ---- */

/*
 * The interrupt path, as on a P6 board: every ISA IRQ goes to the 8259 and
 * to the I/O APIC; the 8259's INTR goes to LINT0 (virtual wire) and I/O APIC
 * pin 0; the I/O APIC sends messages to the local APIC, whose INTR and NMI
 * outputs drive the CPU and which answers the CPU's acknowledge.
 */
static void intr_line(void *opaque, int n, int level)
{
    struct machine *m = opaque;
    if (m->cpu) vcpu_set_intr(m->cpu, level != 0);
}

static void nmi_line(void *opaque)
{
    struct machine *m = opaque;
    if (m->cpu) vcpu_nmi(m->cpu);
}

static void pic_intr_out(void *opaque, int n, int level)
{
    struct machine *m = opaque;
    lapic_set_lint(&m->lapic, 0, level);
    ioapic_set_irq(&m->ioapic, 0, level);
}

static int intr_ack(void *opaque) { return lapic_ack(&((struct machine *)opaque)->lapic); }
static int pic_inta(void *opaque) { return pic_ack(&((struct machine *)opaque)->pic); }
static void apic_eoi(void *opaque, u8 vector) { ioapic_eoi(&((struct machine *)opaque)->ioapic, vector); }
static void apic_bus(void *opaque, const struct apic_msg *msg) { lapic_deliver(&((struct machine *)opaque)->lapic, msg); }
static void apic_base_write(void *opaque, u64 v) { lapic_set_base(&((struct machine *)opaque)->lapic, v); }
static void board_pmi(void *opaque) { lapic_pmi(&((struct machine *)opaque)->lapic); }

struct irq_line pc_isa_irq(struct machine *m, int irq)
{
    struct irq_fanout *f = &m->isa_irq[irq & 15];
    f->out[0] = pic_irq_line(&m->pic, irq & 15);
    f->out[1] = ioapic_irq_line(&m->ioapic, irq == 0 ? 2 : irq & 15);
    return irq_fanout_line(f, irq & 15);
}

/* The physical map changed (PAM, A20, a loaded snapshot's PAM): new host
 * pointers; and what the shadow area maps now may have been translated
 * before the switch and changed since (RAM written while the ROM side was
 * read), so its translations go. */
static void on_remap(void *opaque)
{
    struct machine *m = opaque;
    if (!m->cpu) return;
    vcpu_flush_tlb(m->cpu);
    vcpu_mem_changed(m->cpu, PHYS_SHADOW_START, 0x100000 - PHYS_SHADOW_START);
}

/* x87 errors the PC/AT way: FERR# raises IRQ 13; a write to port 0xF0
 * lowers it and asserts IGNNE# for as long as FERR# stays asserted. */
static void fpu_ferr(void *opaque, bool asserted)
{
    struct machine *m = opaque;
    m->fpu_ferr = asserted;
    if (asserted) irq_fanout_set(&m->isa_irq[13], 13, 1);
    else m->fpu_ignne = false;
}

static bool fpu_ignne(void *opaque) { return ((struct machine *)opaque)->fpu_ignne; }

static void fpu_err_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct machine *m = opaque;
    (void)off, (void)val, (void)size;
    irq_fanout_set(&m->isa_irq[13], 13, 0);
    m->fpu_ignne = m->fpu_ferr;
}

static void dma_written(void *opaque, u64 paddr, size_t len)
{
    struct machine *m = opaque;
    if (m->cpu) vcpu_mem_changed(m->cpu, paddr, len);
}

/* Open the drives' images (before the machine exists, so a bad one costs nothing else). */
static int open_disks(const struct machine_config *c, struct diskimg **disk, char *err, size_t errlen)
{
    static const char *const opt[MACHINE_MAX_DRIVES] = {"-hda", "-hdb", "-hdc", "-hdd"};
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        const struct drive_config *d = &c->drive[i];
        disk[i] = NULL;
        if (!d->present || !d->file) continue;
        unsigned f = (d->cdrom ? DISKIMG_CDROM : 0) | (d->readonly ? DISKIMG_READONLY : 0) |
                     (d->snapshot ? DISKIMG_SNAPSHOT : 0);
        if (!(disk[i] = diskimg_open(d->file, f, d->cdrom && i == 2 ? "-cdrom" : opt[i], err, errlen))) {
            while (i--) diskimg_close(disk[i]);
            return -1;
        }
    }
    return 0;
}
/* A timer armed during a slice ends it (the software engines: exact timer
 * times whatever the slicing; KVM keeps its own pacing). */
static void clock_kick(void *opaque)
{
    struct machine *m = opaque;
    if (m->cpu->ops->snap_size) vcpu_kick(m->cpu);
}

/* -boot order as QEMU's pc machine stores it for SeaBIOS: the first three
 * devices as nibbles (1 floppy, 2 disk, 3 CD-ROM, 4 network) in CMOS 0x3D
 * (second << 4 | first) and 0x38 bits 7:4 (third; bit 0 clear: the floppy
 * boot-signature check on). */
static void set_boot_order(struct cmos *c, const char *order)
{
    u8 n[3] = {0, 0, 0};
    for (int i = 0; i < 3 && order[i]; i++) {
        const char *p = strchr("abcdn", order[i]);
        static const u8 nib[] = {1, 1, 2, 3, 4};
        n[i] = p ? nib[p - "abcdn"] : 0;
    }
    cmos_set_byte(c, 0x3d, (u8)(n[1] << 4 | n[0]));
    cmos_set_byte(c, 0x38, (u8)(n[2] << 4));
}

/* fw_cfg DMA wrote guest RAM: translated code there is stale */
static void fw_dma_written(void *opaque, u64 paddr, u32 len)
{
    struct machine *m = opaque;
    vcpu_mem_changed(m->cpu, paddr, len);
}

static void hook_a20(void *opaque, bool on) { physmem_set_a20(&((struct machine *)opaque)->mem, on); }

static void hook_reset(void *opaque)
{
    struct machine *m = opaque;
    m->reset_req = true;
    vcpu_kick(m->cpu);
}

static void hook_exit(void *opaque, int status) { pc_request_exit(opaque, status, MEXIT_GUEST); }

/* ACPI S3: the loop stops the CPU after the instruction that entered it. */
static void hook_suspend(void *opaque)
{
    struct machine *m = opaque;
    m->suspend_req = true;
    vcpu_kick(m->cpu);
}

/* The RTC's IRQ 8: to the 8259 and the I/O APIC, and watched as a wake event. */
static void rtc_irq(void *opaque, int n, int level)
{
    struct machine *m = opaque;
    m->rtc_irq = level != 0;
    irq_fanout_set(&m->isa_irq[8], 8, level);
}

/* ACPI S5: exit with status 0 as QEMU does, or stop under -no-shutdown. */
static void hook_poweroff(void *opaque)
{
    struct machine *m = opaque;
    if (m->cfg.no_shutdown) {
        fprintf(stderr, "vdebug: guest powered off (ACPI S5): guest stopped (-no-shutdown)%s\n",
                m->cfg.gdb ? "" : "; press Ctrl-C to quit");
        m->paused = true;
        vcpu_kick(m->cpu);
        return;
    }
    pc_request_exit(m, 0, MEXIT_POWEROFF);
}

void pc_request_exit(struct machine *m, int status, enum machine_exit_reason why)
{
    if (!m->exit_req) {
        m->exit_req = true;
        m->exit_status = status;
        m->exit_reason = why;
    }
    vcpu_kick(m->cpu);
}

/* ---- lifetime ---- */

/* CPUID 1 EDX of the board's CPU as firmware tables report it: with its local APIC (bit 9) */
#define BOARD_CPUID_FEATURES (cpu_cpuid_features() | 1u << 9)

static int read_images(const struct machine_config *c, struct boot_image *boot, u8 **rom, u32 *rom_size,
                       struct fw_items *fw, u32 *facs, char *err, size_t errlen)
{
    *facs = 0;
    *rom = NULL;
    *rom_size = 0;
    boot_image_init(boot);
    memset(fw, 0, sizeof(*fw));
    const char *bios = c->bios;
    if (!c->kernel && !bios) { /* QEMU's default firmware */
        bios = SEABIOS_DEFAULT;
        if (access(bios, R_OK) < 0) {
            snprintf(err, errlen, "nothing to run: no -kernel or -bios, and the default firmware %s is missing "
                     "(install Debian's seabios package, or give -kernel FILE or -bios FILE)", bios);
            return -1;
        }
    }
    char found[512]; /* a bare -bios name is looked up as QEMU does (-L); if nowhere, bios_load names it */
    if (c->bios && !(bios = firmware_find(c, c->bios, found, sizeof(found)))) bios = c->bios;
    if (bios && bios_load(bios, rom, rom_size, err, errlen) < 0) return -1;
    if (c->kernel) {
        u8 *img;
        size_t size;
        struct stat st;
        if (stat(c->kernel, &st) == 0 && S_ISREG(st.st_mode) && (u64)st.st_size > c->ram_size) {
            snprintf(err, errlen, "kernel '%s' is larger than the machine's %llu MiB of RAM (try a larger -m)",
                     c->kernel, (unsigned long long)(c->ram_size >> 20));
            goto fail;
        }
        if (load_file(c->kernel, "kernel", c->ram_size, &img, &size, err, errlen) < 0) goto fail;
        if (*rom) { /* -kernel with a firmware: it boots the kernel through fw_cfg, as under QEMU */
            int r = -1;
            if (multiboot_detect(img, size) || linux_detect(img, size))
                r = firmware_prepare(c, img, size, fw, err, errlen);
            else
                snprintf(err, errlen, "'%s' is neither a multiboot kernel nor a Linux bzImage", c->kernel);
            free(img);
            if (r < 0) goto fail;
            return 0;
        }
        int r;
        /* A multiboot header wins over a Linux header, as in QEMU. */
        if (!multiboot_detect(img, size) && linux_detect(img, size)) {
            struct linux_args a = {
                .kernel_path = c->kernel, .kernel = img, .kernel_size = size, .append = c->append,
                .initrd = c->initrd, .ram_size = c->ram_size, .rom_mapped = *rom != NULL, .rom_size = *rom_size,
            };
            r = linux_load(&a, boot, err, errlen);
        } else {
            struct multiboot_args a = {
                .kernel_path = c->kernel, .kernel = img, .kernel_size = size, .append = c->append,
                .initrd = c->initrd, .ram_size = c->ram_size, .rom_mapped = *rom != NULL, .rom_size = *rom_size,
            };
            r = multiboot_load(&a, boot, err, errlen);
        }
        free(img);
        if (r < 0) goto fail;
        /* no ROM: the loader is the firmware and provides the ACPI and SMBIOS tables */
        if (!*rom) {
            struct acpi_config ac = {.ram_size = c->ram_size, .com = {c->serial[0] != NULL, c->serial[1] != NULL},
                                     .apic = true, .ioapic_id = IOAPIC_DEFAULT_ID, .ioapic_addr = IOAPIC_DEFAULT_BASE};
            u32 len;
            struct acpi_layout where;
            u8 *tables = acpi_build(&ac, ACPI_TABLES_BASE, &len, &where);
            *facs = where.facs;
            boot_image_add_firmware(boot, ACPI_TABLES_BASE, tables, len, "ACPI tables");
            /* SMBIOS right after them, on the 16-byte boundary an OS scans */
            u32 smbios_at = (ACPI_TABLES_BASE + len + 15) & ~15u;
            struct smbios_config sc = {.ram_size = c->ram_size, .cpuid_signature = CPU_SIGNATURE_P6,
                                       .cpuid_features = BOARD_CPUID_FEATURES, .cpu_mhz = 1000};
            u8 *dmi = smbios_build(&sc, smbios_at, &len);
            boot_image_add_firmware(boot, smbios_at, dmi, len, "SMBIOS tables");
            /* the MP tables next, for kernels that do not read the MADT */
            u32 mp_at = (smbios_at + len + 15) & ~15u;
            struct mptable_config mc = {
                .cpu_signature = CPU_SIGNATURE_P6, .cpu_features = BOARD_CPUID_FEATURES,
                .lapic_version = LAPIC_VERSION, .ioapic_id = IOAPIC_DEFAULT_ID, .ioapic_version = IOAPIC_VERSION,
                .lapic_addr = LAPIC_DEFAULT_BASE, .ioapic_addr = IOAPIC_DEFAULT_BASE,
            };
            u8 *mp = mptable_build(&mc, mp_at, &len);
            boot_image_add_firmware(boot, mp_at, mp, len, "MP tables");
            /* the interrupt vectors, BIOS data area and handlers a BIOS leaves */
            struct bios_data_config bc = {.com = {c->serial[0] != NULL, c->serial[1] != NULL},
                                          .rtc_start = c->rtc_start};
            bios_data_add(boot, &bc);
            if (boot_image_check(boot, c->ram_size, err, errlen) < 0) {
                boot_image_free(boot);
                goto fail;
            }
        }
    } else if (c->initrd || c->append) {
        snprintf(err, errlen, "-initrd and -append need -kernel");
        goto fail;
    }
    /* fw_cfg is there on every boot, as on QEMU's board */
    if (firmware_prepare(c, NULL, 0, fw, err, errlen) < 0) {
        boot_image_free(boot);
        goto fail;
    }
    return 0;
fail:
    free(*rom);
    *rom = NULL;
    return -1;
}

struct machine *machine_create(const struct machine_config *c)
{
    char err[512];
    struct boot_image boot;
    struct fw_items fw;
    u8 *rom;
    u32 rom_size, facs;
    struct diskimg *disk[MACHINE_MAX_DRIVES];
    if (c->ram_size < (2u << 20) || c->ram_size > PHYS_MAX_RAM || (c->ram_size & 0xfff)) {
        fprintf(stderr, "vdebug: RAM size %llu bytes is not supported (2 MiB .. 3 GiB, a multiple of 4 KiB)\n",
                (unsigned long long)c->ram_size);
        return NULL;
    }
    if (c->pc_testdev && c->debugcon) {
        fprintf(stderr, "vdebug: -device pc-testdev: its byte port 0xe8-0xeb overlaps the debug console at 0xe9 "
                        "(leave out -debugcon)\n");
        return NULL;
    }
    if ((c->serial[0] && hostchar_check(c->serial[0], "serial", err, sizeof(err)) < 0) ||
        (c->serial[1] && hostchar_check(c->serial[1], "serial", err, sizeof(err)) < 0) ||
        (c->debugcon && hostchar_check(c->debugcon, "debugcon", err, sizeof(err)) < 0) ||
        read_images(c, &boot, &rom, &rom_size, &fw, &facs, err, sizeof(err)) < 0) {
        fprintf(stderr, "vdebug: %s\n", err);
        return NULL;
    }
    if (open_disks(c, disk, err, sizeof(err)) < 0) {
        fprintf(stderr, "vdebug: %s\n", err);
        free(rom);
        boot_image_free(&boot);
        fw_items_free(&fw);
        return NULL;
    }

    struct machine *m = calloc(1, sizeof(*m));
    if (!m || physmem_init(&m->mem, c->ram_size) < 0) {
        fprintf(stderr, "vdebug: cannot allocate %llu MiB of guest RAM\n", (unsigned long long)(c->ram_size >> 20));
        for (int i = 0; i < MACHINE_MAX_DRIVES; i++) diskimg_close(disk[i]);
        free(m);
        free(rom);
        boot_image_free(&boot);
        fw_items_free(&fw);
        return NULL;
    }
    m->cfg = *c;
    m->boot = boot;
    memcpy(m->disk, disk, sizeof(disk));
    m->facs_addr = facs;
    if (rom) physmem_set_rom(&m->mem, rom, rom_size);
    iomap_init(&m->ports, "port");
    vclock_init(&m->clock);
    struct vcpu_board vb = {&m->mem, &m->ports, &m->clock, intr_ack, m, fpu_ferr, fpu_ignne, apic_base_write, board_pmi};
    if (c->engine.engine == VCPU_ENGINE_KVM) {
        char why[256];
        m->cpu = vcpu_demand_create(&vb, &c->engine, why, sizeof(why));
        if (!m->cpu) {
            fprintf(stderr, "vdebug: -accel kvm: %s\n", why);
            machine_destroy(m);
            return NULL;
        }
    } else {
        m->cpu = vcpu_emu_create(&vb, &c->engine);
    }
    if (!m->cpu) {
        const char *eng = vcpu_engine_name(c->engine.engine);
        if (!vcpu_engine_available(c->engine.engine))
            fprintf(stderr, "vdebug: the %s engine is not available on this host (-accel interp runs everywhere)\n", eng);
        else if (c->engine.engine == VCPU_ENGINE_DBT)
            fprintf(stderr, "vdebug: cannot create the dbt engine: out of memory, or no executable memory for its "
                            "translation cache (try a smaller -accel dbt,tb-size=MiB, or -accel interp)\n");
        else
            fprintf(stderr, "vdebug: cannot create the %s engine (out of memory)\n", eng);
        machine_destroy(m);
        return NULL;
    }
    m->clock.kick = clock_kick;
    m->clock.kick_opaque = m;
    m->mem.on_remap = on_remap;
    m->mem.remap_opaque = m;
    m->mem.on_dma_write = dma_written;
    m->mem.dma_opaque = m;
    m->hooks = (struct board_hooks){m, hook_a20, hook_reset, hook_exit, hook_poweroff, hook_suspend};

    struct lapic_wiring lw = {{intr_line, m, 0}, nmi_line, pic_inta, apic_eoi, m};
    lapic_init(&m->lapic, &m->mem.mmio, &m->clock, &lw);
    ioapic_init(&m->ioapic, &m->mem.mmio, apic_bus, m);
    pic_init(&m->pic, &m->ports, (struct irq_line){pic_intr_out, m, 0});
    pc_isa_irq(m, 13);                            /* FERR# (fpu_ferr) */
    iomap_add(&m->ports, 0xf0, 1, "fpu-error", 1, NULL, fpu_err_write, m);
    pit_init(&m->pit, &m->ports, &m->clock, pc_isa_irq(m, 0));
    i8042_init(&m->kbc, &m->ports, pc_isa_irq(m, 1), pc_isa_irq(m, 12), &m->hooks);
    pc_isa_irq(m, 8);
    cmos_init(&m->cmos, &m->ports, &m->clock, (struct irq_line){rtc_irq, m, 8}, c->rtc_start);
    cmos_set_memory(&m->cmos, c->ram_size);
    post_init(&m->post, &m->ports);
    port92_init(&m->port92, &m->ports, &m->hooks);
    rcr_init(&m->rcr, NULL, &m->hooks);           /* reached through the PCI host bridge */
    pci_bus_init(&m->pci, &m->ports, &m->rcr);
    i440fx_init(&m->chipset, &m->pci, &m->mem);
    if (c->pci_testdev) pci_testdev_init(&m->pci_testdev, &m->pci, PCI_DEVFN(2, 0), &m->ports, &m->mem.mmio);
    if (c->pc_testdev) {
        struct irq_line lines[PC_TESTDEV_IRQS];
        for (int i = 0; i < PC_TESTDEV_IRQS; i++) lines[i] = i < 16 ? pc_isa_irq(m, i) : ioapic_irq_line(&m->ioapic, i);
        m->pc_testdev = malloc(sizeof(*m->pc_testdev));
        if (!m->pc_testdev) {
            fprintf(stderr, "vdebug: out of memory\n");
            machine_destroy(m);
            return NULL;
        }
        pc_testdev_init(m->pc_testdev, &m->ports, &m->mem.mmio, lines);
    }
    fw_cfg_init(&m->fw_cfg, &m->ports, &m->mem, fw_dma_written, m);
    firmware_apply(&fw, &m->fw_cfg);
    set_boot_order(&m->cmos, c->boot_order ? c->boot_order : "cad");
    acpi_pm_init(&m->acpi_pm, &m->ports, &m->clock, pc_isa_irq(m, ACPI_PM_SCI_IRQ), &m->hooks);
    ide_init(&m->ide, &m->pci, &m->ports, &m->mem, pc_isa_irq(m, 14), pc_isa_irq(m, 15));
    vga_init(&m->vga, &m->ports, physmem_ptr(&m->mem, VGA_TEXT_BASE, false));
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        if (!c->drive[i].present) continue;
        struct blockdev bd;
        if (m->disk[i]) bd = diskimg_dev(m->disk[i]);
        ide_attach(&m->ide, i, m->disk[i] ? &bd : NULL, c->drive[i].cdrom);
    }
    m->acpi_tables = c->kernel && !rom;
    static const u16 com_base[2] = {0x3f8, 0x2f8};
    static const int com_irq[2] = {4, 3};
    static const char *const com_name[2] = {"serial0", "serial1"};
    for (int i = 0; i < 2; i++) {
        if (!c->serial[i]) continue;
        uart_init(&m->uart[i], com_name[i], &m->ports, com_base[i], pc_isa_irq(m, com_irq[i]),
                  &m->clock, (struct chardev){NULL, NULL});
        m->nuart = i + 1;
    }
    /* debug consoles: -debugcon at 0xE9, then each -device isa-debugcon */
    const char *dcon_spec[1 + MACHINE_MAX_DEBUGCON];
    u16 dcon_port[1 + MACHINE_MAX_DEBUGCON];
    if (c->debugcon) dcon_spec[m->ndebugcon] = c->debugcon, dcon_port[m->ndebugcon++] = 0xe9;
    for (int i = 0; i < c->nisa_debugcon; i++)
        dcon_spec[m->ndebugcon] = c->isa_debugcon[i].spec, dcon_port[m->ndebugcon++] = c->isa_debugcon[i].iobase;
    for (int i = 0; i < m->ndebugcon; i++) {
        const struct io_region *r = iomap_find(&m->ports, dcon_port[i]);
        if (r) {
            fprintf(stderr, "vdebug: debug console: port 0x%x is taken by %s\n", dcon_port[i], r->name);
            machine_destroy(m);
            return NULL;
        }
        debugcon_init(&m->debugcon[i], &m->ports, dcon_port[i], (struct chardev){NULL, NULL});
    }
    for (u32 p = c->exit_iobase; c->exit_device && p < (u32)c->exit_iobase + c->exit_iosize; p++) {
        const struct io_region *r = iomap_find(&m->ports, p);
        if (!r) continue;
        fprintf(stderr, "vdebug: -device isa-debug-exit: port 0x%x is taken by %s\n", p, r->name);
        machine_destroy(m);
        return NULL;
    }
    if (c->exit_device) debug_exit_init(&m->debug_exit, &m->ports, c->exit_iobase, c->exit_iosize, &m->hooks);

    /* host backends last: they create files and sockets and change the terminal */
    if ((c->serial[0] && !(m->serial_hc[0] = hostchar_open(c->serial[0], "serial", true, err, sizeof(err)))) ||
        (c->serial[1] && !(m->serial_hc[1] = hostchar_open(c->serial[1], "serial", true, err, sizeof(err)))) ||
        (c->display_curses && !(m->display = display_open(&m->vga, err, sizeof(err))))) {
        fprintf(stderr, "vdebug: %s\n", err);
        machine_destroy(m);
        return NULL;
    }
    for (int i = 0; i < m->ndebugcon; i++)
        if (!(m->debugcon_hc[i] = hostchar_open(dcon_spec[i], "debugcon", false, err, sizeof(err)))) {
            fprintf(stderr, "vdebug: %s\n", err);
            machine_destroy(m);
            return NULL;
        }
    /* devices were wired with no output; connect them now */
    for (int i = 0; i < m->nuart; i++) m->uart[i].out = machine_tap(&m->tap[i], hostchar_dev(m->serial_hc[i]));
    for (int i = 0; i < m->ndebugcon; i++) m->debugcon[i].out = machine_tap(&m->tap[2 + i], hostchar_dev(m->debugcon_hc[i]));
    if (!machine_snap_register(m)) {
        fprintf(stderr, "vdebug: out of memory\n");
        machine_destroy(m);
        return NULL;
    }
    m->config_hash = machine_config_hash(m);

    m->pace_idle = c->idle_sleep == 1 || (c->idle_sleep < 0 && (m->display || hostchar_is_terminal(m->serial_hc[0]) ||
                                                                  hostchar_is_terminal(m->serial_hc[1])));
    for (int i = 0; i < 2; i++) hostchar_wait_client(m->serial_hc[i]);
    machine_reset(m);
    m->resets = 0; /* power-on is not a reset */
    if (c->history && (!rr_start(m) || !history_start(m, c->history_interval, c->history_mem))) {
        fprintf(stderr, "vdebug: out of memory for the execution history (try -icount rrmem=SIZE or rrsnapshot-interval=0)\n");
        machine_destroy(m);
        return NULL;
    }
    return m;
}

void machine_destroy(struct machine *m)
{
    if (!m) return;
    history_free(m);
    rr_free(m);
    snap_registry_free(&m->snap);
    if (m->cpu) vcpu_destroy(m->cpu);
    hostchar_close(m->serial_hc[0]);
    hostchar_close(m->serial_hc[1]);
    for (int i = 0; i < m->ndebugcon; i++) hostchar_close(m->debugcon_hc[i]);
    display_close(m->display);
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) diskimg_close(m->disk[i]); /* writes the cache back */
    boot_image_free(&m->boot);
    free(m->pc_testdev);
    fw_cfg_free(&m->fw_cfg);
    iomap_free(&m->ports);
    physmem_free(&m->mem);
    free(m);
}

void pc_reset_devices(struct machine *m)
{
    pic_reset(&m->pic);
    ioapic_reset(&m->ioapic);
    lapic_reset(&m->lapic);
    m->fpu_ferr = m->fpu_ignne = false;
    pit_reset(&m->pit);
    for (int i = 0; i < m->nuart; i++)
        if (m->cfg.serial[i]) uart_reset(&m->uart[i]);
    cmos_reset(&m->cmos);
    i8042_reset(&m->kbc);
    port92_reset(&m->port92);
    rcr_reset(&m->rcr);
    /* QEMU keeps the i440FX's PAM registers over a reset, and SeaBIOS relies
     * on it: its reset-vector code reads HaveRunPost from the shadowed F
     * segment to tell an S3 resume from a boot (for a reboot it copies its
     * pristine image back into shadow RAM itself, before the reset) */
    u8 pam[7];
    for (unsigned i = 0; i < 7; i++) pam[i] = (u8)pci_config_read(&m->pci, PCI_DEVFN(0, 0), I440FX_PAM0 + i, 1);
    pci_bus_reset(&m->pci);
    for (unsigned i = 0; i < 7; i++) pci_config_write(&m->pci, PCI_DEVFN(0, 0), I440FX_PAM0 + i, pam[i], 1);
    fw_cfg_reset(&m->fw_cfg);
    acpi_pm_reset(&m->acpi_pm);
    ide_reset(&m->ide);
    vga_reset(&m->vga);
    if (m->cfg.pci_testdev) pci_testdev_reset(&m->pci_testdev);
    physmem_set_a20(&m->mem, true);
}

/* Is nothing decoded in [at, at + size) of map? (BARs are at most a few pages here.) */
static bool range_free(const struct iomap *map, u32 at, u32 size, u32 step)
{
    for (u64 a = at; a < (u64)at + size; a += step)
        if (iomap_find(map, a)) return false;
    return !iomap_find(map, (u64)at + size - 1);
}

/* Assign the PCI BARs as SeaBIOS does: size each unassigned BAR (write all
 * ones, read back), I/O from 0xC000 up, memory down from the I/O APIC at
 * 0xFEC00000, largest first, around what is decoded already; then enable
 * decoding in the command register. The IDE controller's bus-master BAR is
 * set up first, at 0xC000, by ide_firmware_setup. */
static void firmware_pci(struct machine *m)
{
    struct { unsigned devfn, reg; u32 size; bool io; } bar[64];
    int n = 0;
    for (unsigned devfn = 0; devfn < 256; devfn++) {
        if (!m->pci.fn[devfn]) continue;
        for (unsigned reg = 0x10; reg < 0x28 && n < 64; reg += 4) {
            u32 old = pci_config_read(&m->pci, devfn, reg, 4);
            bool io = old & 1;
            if (old & (io ? ~3u : ~15u)) continue;              /* assigned already */
            pci_config_write(&m->pci, devfn, reg, 0xffffffffu, 4);
            u32 probe = pci_config_read(&m->pci, devfn, reg, 4) & (io ? ~3u : ~15u);
            pci_config_write(&m->pci, devfn, reg, old, 4);
            if (!probe || (!io && (old & 6))) continue;         /* no BAR (or a 64-bit one: none here) */
            bar[n++] = (typeof(bar[0])){devfn, reg, ~probe + 1, io};
        }
    }
    u32 io_at = 0xc000, mem_at = IOAPIC_DEFAULT_BASE;
    for (int order = 31; order >= 2; order--) {
        for (int i = 0; i < n; i++) {
            u32 sz = bar[i].size, at;
            if (sz != 1u << order) continue;
            if (bar[i].io) {
                for (at = (io_at + sz - 1) & ~(sz - 1); at + sz <= 0x10000 && !range_free(&m->ports, at, sz, 1); at += sz) {}
                if (at + sz > 0x10000) continue;
                io_at = at + sz;
            } else {
                for (at = (mem_at - sz) & ~(sz - 1); at > sz && !range_free(&m->mem.mmio, at, sz, 0x1000); at -= sz) {}
                mem_at = at;
            }
            pci_config_write(&m->pci, bar[i].devfn, bar[i].reg, at, 4);
            u32 cmd = pci_config_read(&m->pci, bar[i].devfn, 0x04, 2);
            pci_config_write(&m->pci, bar[i].devfn, 0x04, cmd | (bar[i].io ? 1 : 2), 2);
        }
    }
}

/* Playing the firmware: shadow RAM on, read-write, in the whole of
 * 0xC0000-0xFFFFF (the firmware tables live in the F segment). */
static void shadow_ram_rw(struct machine *m)
{
    for (unsigned r = I440FX_PAM0; r <= I440FX_PAM0 + 6; r++)
        pci_config_write(&m->pci, PCI_DEVFN(0, 0), r, r == I440FX_PAM0 ? 0x30 : 0x33, 1);
}

/* What the firmware sets up in the devices before it boots or resumes a kernel. */
static void firmware_devices(struct machine *m)
{
    shadow_ram_rw(m);
    iomap_write(&m->ports, 0x4d1, 1u << (ACPI_PM_SCI_IRQ - 8), 1); /* ELCR2: SCI level */
    bios_data_program_devices(&m->ports);
    ide_firmware_setup(&m->ide, 0xc000);       /* as SeaBIOS leaves it */
    firmware_pci(m);
}

void pc_resume(struct machine *m, bool rtc)
{
    pc_reset_devices(m);
    vcpu_reset(m->cpu);
    acpi_pm_wakeup(&m->acpi_pm, rtc);
    if (!m->acpi_tables) return;               /* a ROM resumes from its reset vector */
    cmos_set_byte(&m->cmos, 0x0f, 0);          /* the shutdown status, consumed (SeaBIOS clears it) */
    firmware_devices(m);
    /* FACS.firmware_waking_vector (offset 12): real mode, CS = vector >> 4,
     * IP = vector & 0xF, as SeaBIOS jumps to it; 0 boots afresh */
    u32 vec = 0;
    vcpu_read_phys(m->cpu, m->facs_addr + 12, &vec, 4);
    if (!m->facs_addr || !vec || vec >= 0x100000u) {
        pc_boot(m);
        return;
    }
    struct cpu_state s;
    vcpu_get_state(m->cpu, &s);
    s.seg[S_CS].sel = (u16)(vec >> 4);
    s.seg[S_CS].base = vec & ~0xfu;
    s.eip = vec & 0xf;
    vcpu_set_state(m->cpu, &s);
}

void pc_boot(struct machine *m)
{
    if (!m->boot.has_entry) return; /* the CPU starts at F000:FFF0 in the ROM */
    shadow_ram_rw(m);
    boot_image_apply(&m->boot, &m->mem);
    if (m->acpi_tables) firmware_devices(m);     /* the loader is the firmware */
    for (int i = 0; i < m->boot.nseg; i++) vcpu_mem_changed(m->cpu, m->boot.seg[i].paddr, m->boot.seg[i].memsz);
    struct cpu_state reset, s;
    vcpu_get_state(m->cpu, &reset);
    boot_entry_state(&m->boot.entry, &reset, &s);
    vcpu_set_state(m->cpu, &s);
}


int machine_poll_fds(struct machine *m, int *fds, int max)
{
    int n = 0;
    for (int i = 0; i < 2 && n < max; i++) n += hostchar_fds(m->serial_hc[i], fds + n, max - n);
    if (n < max) n += display_fds(m->display, fds + n, max - n);
    return n;
}

struct vcpu *machine_vcpu(struct machine *m) { return m->cpu; }
struct physmem *machine_mem(struct machine *m) { return &m->mem; }
int machine_exit_status(const struct machine *m) { return m->exit_status; }
enum machine_exit_reason machine_exit_reason(const struct machine *m) { return m->exit_reason; }

int machine_info(struct machine *m, const char *what, char *buf, size_t size)
{
    if (!size) return -1;
    buf[0] = 0;
    if (!strcmp(what, "pic")) return pic_info(&m->pic, buf, size);
    if (!strcmp(what, "lapic")) return lapic_info(&m->lapic, buf, size);
    if (!strcmp(what, "ioapic")) return ioapic_info(&m->ioapic, buf, size);
    if (!strcmp(what, "pit")) return pit_info(&m->pit, buf, size);
    if (!strcmp(what, "rtc") || !strcmp(what, "cmos")) return cmos_info(&m->cmos, buf, size);
    if (!strcmp(what, "i8042") || !strcmp(what, "kbd")) return i8042_info(&m->kbc, buf, size);
    if (!strcmp(what, "acpi")) return acpi_pm_info(&m->acpi_pm, buf, size);
    if (!strcmp(what, "ide") || !strcmp(what, "block")) return ide_info(&m->ide, buf, size);
    if (!strcmp(what, "vga")) return vga_info(&m->vga, buf, size);
    if (!strcmp(what, "serial")) {
        int len = 0;
        for (int i = 0; i < m->nuart; i++)
            if (m->cfg.serial[i] && (size_t)len < size) len += uart_info(&m->uart[i], buf + len, size - (size_t)len);
        if (!len) len = snprintf(buf, size, "no serial ports (give -serial)\n");
        return len;
    }
    return -1;
}

u64 machine_virtual_ns(const struct machine *m) { return m->clock.now; }

void machine_power_button(struct machine *m)
{
    if (m->suspended) m->wake_button = true;   /* wakes the machine; PWRBTN_STS after the reset */
    else acpi_pm_power_button(&m->acpi_pm);
}

void machine_nmi(struct machine *m)
{
    lapic_set_lint(&m->lapic, 1, 1);
    lapic_set_lint(&m->lapic, 1, 0);
}

int machine_screendump(struct machine *m, const char *path, char *err, size_t errlen)
{
    struct vga_screen *s = malloc(sizeof(*s));
    size_t cap = VGA_MAX_ROWS * (VGA_MAX_COLS * 3 + 1) + 1;
    char *text = malloc(cap);
    int rc = -1;
    if (!s || !text) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    vga_text(&m->vga, s);
    size_t len = vga_screen_utf8(s, text, cap);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
        goto out;
    }
    bool ok = fwrite(text, 1, len, f) == len;
    if (fclose(f) != 0) ok = false;
    if (!ok) snprintf(err, errlen, "writing '%s' failed: %s", path, strerror(errno));
    else rc = 0;
out:
    free(s);
    free(text);
    return rc;
}
