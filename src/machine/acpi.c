/* ACPI tables for the PC board (acpi.h). */
#include "machine/acpi.h"
#include "machine/aml.h"
#include "dev/acpi_pm.h"
#include "dev/cmos.h"
#include <stdlib.h>

/* Space-padded as QEMU's "BOCHS "/"BXPC    "; not "VDEBUG": kernel-log
 * scanners (ours too) look for the word "bug". */
#define OEM_ID "VDBG  "
#define OEM_TABLE_ID "VDBGPC  "
#define CREATOR_ID "VDBG"
#define PCI_MEM_END 0xFEBFFFFFu   /* top of the PCI memory window, below the I/O APIC's place (QEMU) */

static u8 checksum(const u8 *p, size_t n)
{
    u8 s = 0;
    for (size_t i = 0; i < n; i++) s = (u8)(s + p[i]);
    return (u8)-s;
}

/* Standard table header (section 5.2.6); the checksum is set by finish(). */
static void header(u8 *t, const char *sig, u32 len, u8 rev)
{
    memcpy(t, sig, 4);
    st32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, OEM_ID, 6);
    memcpy(t + 16, OEM_TABLE_ID, 8);
    st32(t + 24, 1);               /* OEM revision */
    memcpy(t + 28, CREATOR_ID, 4);
    st32(t + 32, 1);               /* creator revision */
}

static void finish(u8 *t)
{
    t[9] = 0;
    t[9] = checksum(t, ld32(t + 4));
}

/* Generic Address Structure (section 5.2.3.2): system I/O. */
static void gas_io(u8 *p, u16 port, u8 bits, u8 access)
{
    p[0] = 1;          /* SystemIO */
    p[1] = bits;
    p[2] = 0;
    p[3] = access;     /* 0 = undefined (legacy), 1 = byte */
    st64(p + 4, port);
}

static void fadt(u8 *t, u32 facs, u32 dsdt)
{
    header(t, "FACP", ACPI_FADT_LEN, 3);
    st32(t + FADT_FACS, facs);
    st32(t + FADT_DSDT, dsdt);
    t[FADT_PROFILE] = 1;                       /* desktop */
    st16(t + FADT_SCI_INT, ACPI_PM_SCI_IRQ);
    st32(t + FADT_SMI_CMD, ACPI_PM_SMI_CMD);
    t[FADT_ACPI_ENABLE] = ACPI_PM_ENABLE;
    t[FADT_ACPI_DISABLE] = ACPI_PM_DISABLE;
    st32(t + FADT_PM1A_EVT, ACPI_PM_BASE);
    st32(t + FADT_PM1A_CNT, ACPI_PM_BASE + ACPI_PM_CNT_OFF);
    st32(t + FADT_PM_TMR, ACPI_PM_BASE + ACPI_PM_TMR_OFF);
    t[FADT_PM1_EVT_LEN] = ACPI_PM_EVT_LEN;
    t[FADT_PM1_CNT_LEN] = ACPI_PM_CNT_LEN;
    t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
    /* no C2/C3 (latencies above 100/1000 us say so); no GPE blocks */
    st16(t + FADT_P_LVL2_LAT, 0x0fff);
    st16(t + FADT_P_LVL3_LAT, 0x0fff);
    t[FADT_CENTURY] = CMOS_CENTURY;
    st16(t + FADT_BOOT_ARCH, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042); /* a VGA is there (dev/vga.h) */
    /* C1 is HLT; the power button is a fixed feature, there is no sleep
     * button; the RTC alarm does not reach PM1_STS; 24-bit timer. */
    st32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |
                         FADT_F_RESET_REG_SUP);
    gas_io(t + FADT_RESET_REG, 0xcf9, 8, 1);
    t[FADT_RESET_VALUE] = 0x06;                /* hard reset, start */
    /* X_FIRMWARE_CTRL stays 0: the FACS is below 4 GiB, and with both set
     * ACPICA installs (and Linux lists) it twice */
    st64(t + FADT_X_DSDT, dsdt);
    gas_io(t + FADT_X_PM1A_EVT, ACPI_PM_BASE, ACPI_PM_EVT_LEN * 8, 0);
    gas_io(t + FADT_X_PM1A_CNT, ACPI_PM_BASE + ACPI_PM_CNT_OFF, ACPI_PM_CNT_LEN * 8, 0);
    gas_io(t + FADT_X_PM_TMR, ACPI_PM_BASE + ACPI_PM_TMR_OFF, ACPI_PM_TMR_LEN * 8, 0);
    finish(t);
}

/* ---- DSDT ---- */

/* Name (_CRS, ResourceTemplate () { ... }) opened; close with crs_end. */
static void crs_begin(struct aml *a)
{
    aml_name(a, "_CRS");
    aml_buffer_begin(a);
}

static void crs_end(struct aml *a)
{
    aml_res_end(a);
    aml_end(a);
}

/* A device with a PNP ID, an optional _UID, I/O ranges and an IRQ (-1: none). */
struct isa_dev {
    const char *name, *hid;
    int uid;                       /* -1: no _UID */
    struct { u16 base; u8 len; } io[6];
    int irq;
};

static void isa_device(struct aml *a, const struct isa_dev *d)
{
    aml_device_begin(a, d->name);
    aml_name_eisaid(a, "_HID", d->hid);
    if (d->uid >= 0) aml_name_int(a, "_UID", (u64)d->uid);
    crs_begin(a);
    for (int i = 0; i < 6 && d->io[i].len; i++) aml_res_io(a, d->io[i].base, d->io[i].len);
    if (d->irq >= 0) aml_res_irq(a, (unsigned)d->irq);
    crs_end(a);
    aml_end(a);
}

static void sleep_state(struct aml *a, const char *name, u8 slp_typ)
{
    aml_name(a, name);
    aml_package_begin(a, 4);
    aml_int(a, slp_typ);   /* PM1a_CNT.SLP_TYP */
    aml_int(a, slp_typ);   /* PM1b_CNT.SLP_TYP (no PM1b block) */
    aml_int(a, 0);
    aml_int(a, 0);
    aml_end(a);
}

static void dsdt_body(struct aml *a, const struct acpi_config *c)
{
    sleep_state(a, "\\_S0", ACPI_PM_SLP_TYP_S0);
    sleep_state(a, "\\_S3", ACPI_PM_SLP_TYP_S3);
    sleep_state(a, "\\_S5", ACPI_PM_SLP_TYP_S5);

    aml_scope_begin(a, "\\_SB");
    aml_device_begin(a, "PCI0");
    aml_name_eisaid(a, "_HID", "PNP0A03");
    aml_name_int(a, "_UID", 0);
    aml_name_int(a, "_BBN", 0);
    crs_begin(a);
    aml_res_word_bus(a, 0x00, 0xff);
    aml_res_io(a, 0xcf8, 8);                   /* configuration mechanism #1 (and 0xCF9) */
    aml_res_word_io(a, 0x0000, 0x0cf7);
    aml_res_word_io(a, 0x0d00, 0xffff);
    aml_res_dword_mem(a, 0x000a0000, 0x000bffff);
    u64 low_end = c->ram_size < PCI_MEM_END ? c->ram_size : PCI_MEM_END;
    aml_res_dword_mem(a, (u32)low_end, PCI_MEM_END);
    crs_end(a);

    aml_device_begin(a, "ISA");                /* PIIX3 PCI-to-ISA bridge, 00:01.0 */
    aml_name_int(a, "_ADR", 0x00010000);
    static const struct isa_dev fixed[] = {
        {"PIC", "PNP0000", -1, {{0x20, 2}, {0xa0, 2}}, 2},
        {"TMR", "PNP0100", -1, {{0x40, 4}}, 0},
        {"SPKR", "PNP0800", -1, {{0x61, 1}}, -1},
        {"RTC", "PNP0B00", -1, {{0x70, 2}}, 8},
        {"KBD", "PNP0303", -1, {{0x60, 1}, {0x64, 1}}, 1},
        {"MOU", "PNP0F13", -1, {{0}}, 12},
        /* POST code, port 92, APM control, ELCR, the PM block */
        {"SYS", "PNP0C02", 1, {{0x80, 1}, {0x92, 1}, {ACPI_PM_SMI_CMD, 2}, {0x4d0, 2},
                               {ACPI_PM_BASE, ACPI_PM_TMR_OFF + ACPI_PM_TMR_LEN}}, -1},
    };
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) isa_device(a, &fixed[i]);
    static const struct isa_dev com[2] = {
        {"COM1", "PNP0501", 1, {{0x3f8, 8}}, 4},
        {"COM2", "PNP0501", 2, {{0x2f8, 8}}, 3},
    };
    for (int i = 0; i < 2; i++)
        if (c->com[i]) isa_device(a, &com[i]);
    aml_end(a);   /* ISA */
    aml_end(a);   /* PCI0 */
    aml_end(a);   /* \_SB */
}

/* ---- MADT (section 5.2.12) ---- */

/* Interrupt source override flags: polarity bits 1:0, trigger mode bits 3:2. */
#define MPS_ACTIVE_HIGH 0x1
#define MPS_LEVEL 0xc

/* local APIC, I/O APIC, two source overrides, local APIC NMI */
#define MADT_LEN (MADT_ENTRIES + 8 + 12 + 10 + 10 + 6)

static void madt(u8 *t, const struct acpi_config *c)
{
    header(t, "APIC", MADT_LEN, 1);
    st32(t + MADT_LAPIC_ADDR, ACPI_LAPIC_ADDR);
    st32(t + MADT_FLAGS, MADT_PCAT_COMPAT);
    u8 *p = t + MADT_ENTRIES;
    /* Processor Local APIC: UID 0, APIC ID 0, enabled */
    const u8 lapic[8] = {0, 8, 0, 0, 1, 0, 0, 0};
    memcpy(p, lapic, 8);
    /* I/O APIC: ID, address, GSI base 0 */
    const u8 ioapic[12] = {1, 12, c->ioapic_id, 0};
    memcpy(p + 8, ioapic, 12);
    st32(p + 12, c->ioapic_addr);
    /* ISA IRQ 0 (the PIT) arrives on pin 2; the SCI is level, active high */
    const u8 iso0[10] = {2, 10, 0, 0, 2, 0, 0, 0, 0, 0};
    const u8 iso9[10] = {2, 10, 0, ACPI_PM_SCI_IRQ, ACPI_PM_SCI_IRQ, 0, 0, 0, MPS_ACTIVE_HIGH | MPS_LEVEL, 0};
    memcpy(p + 20, iso0, 10);
    memcpy(p + 30, iso9, 10);
    /* Local APIC NMI: every processor (UID 0xFF), LINT1 */
    const u8 nmi[6] = {4, 6, 0xff, 0, 0, 1};
    memcpy(p + 40, nmi, 6);
    finish(t);
}

/* ---- layout ---- */

static u32 align(u32 v, u32 a) { return (v + a - 1) & ~(a - 1); }

u8 *acpi_build(const struct acpi_config *c, u32 base, u32 *len, struct acpi_layout *where)
{
    struct aml dsdt;
    aml_init(&dsdt);
    dsdt_body(&dsdt, c);

    struct acpi_layout w;
    u32 off = 0;
    w.facs = base + off;                       /* 64-byte aligned (section 5.2.10) */
    off += ACPI_FACS_LEN;
    w.rsdp = base + off;
    off = align(off + ACPI_RSDP_LEN, 16);
    int ntables = c->apic ? 2 : 1;             /* FADT [, MADT] */
    w.rsdt = base + off;
    u32 rsdt_len = ACPI_HDR_LEN + 4 * ntables;
    off = align(off + rsdt_len, 16);
    w.xsdt = base + off;
    u32 xsdt_len = ACPI_HDR_LEN + 8 * ntables;
    off = align(off + xsdt_len, 16);
    w.fadt = base + off;
    off = align(off + ACPI_FADT_LEN, 16);
    w.madt = 0;
    if (c->apic) {
        w.madt = base + off;
        off = align(off + MADT_LEN, 16);
    }
    w.dsdt = base + off;
    u32 dsdt_len = ACPI_HDR_LEN + (u32)dsdt.len;
    off += dsdt_len;
    if (off > ACPI_TABLES_MAX) abort(); /* the DSDT is a few hundred bytes */

    u8 *b = calloc(1, off);
    if (!b) abort();
    u8 *facs = b + (w.facs - base);
    memcpy(facs, "FACS", 4);
    st32(facs + 4, ACPI_FACS_LEN);
    facs[32] = 1;                              /* version (ACPI 2.0+) */

    u8 *t = b + (w.dsdt - base);
    header(t, "DSDT", dsdt_len, 1);            /* revision 1: 32-bit integers */
    memcpy(t + ACPI_HDR_LEN, dsdt.buf, dsdt.len);
    finish(t);
    aml_free(&dsdt);

    fadt(b + (w.fadt - base), w.facs, w.dsdt);
    if (c->apic) madt(b + (w.madt - base), c);
    const u32 entries[2] = {w.fadt, w.madt};

    t = b + (w.rsdt - base);
    header(t, "RSDT", rsdt_len, 1);
    for (int i = 0; i < ntables; i++) st32(t + ACPI_HDR_LEN + 4 * i, entries[i]);
    finish(t);
    t = b + (w.xsdt - base);
    header(t, "XSDT", xsdt_len, 1);
    for (int i = 0; i < ntables; i++) st64(t + ACPI_HDR_LEN + 8 * i, entries[i]);
    finish(t);

    u8 *r = b + (w.rsdp - base);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, OEM_ID, 6);
    r[15] = 2;                                 /* revision: ACPI 2.0+ */
    st32(r + 16, w.rsdt);
    st32(r + 20, ACPI_RSDP_LEN);
    st64(r + 24, w.xsdt);
    r[8] = checksum(r, 20);                    /* the ACPI 1.0 part */
    r[32] = checksum(r, ACPI_RSDP_LEN);        /* the whole structure */

    *len = off;
    if (where) *where = w;
    return b;
}
