/*
 * ACPI firmware tables for the PC board, built in C at machine start when a
 * loader plays the firmware (-kernel without -bios), as SeaBIOS builds them
 * for QEMU's "pc" machine:
 *
 *   RSDP (revision 2) -> RSDT / XSDT -> FADT (revision 3) -> FACS, DSDT
 *
 * The FADT describes the PM device of dev/acpi_pm.h (PM1a event/control
 * blocks and PM timer at 0x600, SCI on IRQ 9, SMI_CMD 0xB2 with the
 * ACPI_ENABLE/DISABLE handshake), the reset register (0xCF9 <- 0x06), the
 * CMOS century byte, an i8042 and legacy ISA devices, a VGA, and a desktop
 * profile. The DSDT (hand-assembled AML, machine/aml.h) declares \_S0, \_S3
 * (suspend to RAM) and \_S5 and, under \_SB.PCI0 (PNP0A03, bus 0, the i440FX's I/O and memory
 * windows), the PIIX3 ISA bridge's devices with their resources: PIC, PIT,
 * speaker, RTC, i8042 keyboard and mouse, the COM ports present and the
 * motherboard's other ports (PNP0C02). A MADT follows when the board has a
 * local APIC and an I/O APIC (struct acpi_config.apic): the CPU's APIC (ID 0),
 * the I/O APIC with GSI base 0, the ISA overrides a PC needs (IRQ 0 -> GSI 2,
 * the SCI level-triggered active high) and LINT1 as NMI, as QEMU's pc
 * machine describes them; PCAT_COMPAT says the 8259s are there too.
 *
 * Everything sits in the 64 KiB F segment, which the e820 map reports as
 * reserved; the RSDP is on a 16-byte boundary there, where an OS searches
 * for it (ACPI 6.4 section 5.2.5.1).
 */
#ifndef VD_MACHINE_ACPI_H
#define VD_MACHINE_ACPI_H
#include "base/types.h"

#define ACPI_TABLES_BASE 0xF0000u
#define ACPI_TABLES_MAX 0x10000u

struct acpi_config {
    u64 ram_size;            /* RAM below 4 GiB ends here: the PCI memory window starts */
    bool com[2];             /* COM1 (0x3F8, IRQ 4) / COM2 (0x2F8, IRQ 3) present */
    bool apic;               /* local APIC (ID 0, 0xFEE00000) and I/O APIC present: add a MADT */
    u8 ioapic_id;
    u32 ioapic_addr;
};

/* Where each table went (guest physical addresses), for tests and the loaders. */
struct acpi_layout { u32 rsdp, rsdt, xsdt, fadt, facs, dsdt, madt; /* 0: none */ };

/* Builds the tables for guest physical address base: returns a malloc'd
 * blob of *len bytes (at most ACPI_TABLES_MAX) to place at base. */
u8 *acpi_build(const struct acpi_config *c, u32 base, u32 *len, struct acpi_layout *where);

/* Table offsets used by the builder and the tests (ACPI 6.4 section 5.2). */
enum {
    ACPI_HDR_LEN = 36,
    ACPI_RSDP_LEN = 36,       /* revision 2: 20 bytes of ACPI 1.0 + the extended part */
    ACPI_FACS_LEN = 64,
    ACPI_FADT_LEN = 244,      /* revision 3 (ACPI 2.0) */
    ACPI_LAPIC_ADDR = 0xFEE00000u,
    MADT_LAPIC_ADDR = 36, MADT_FLAGS = 40, MADT_ENTRIES = 44,
    FADT_FACS = 36, FADT_DSDT = 40, FADT_PROFILE = 45, FADT_SCI_INT = 46, FADT_SMI_CMD = 48,
    FADT_ACPI_ENABLE = 52, FADT_ACPI_DISABLE = 53, FADT_PM1A_EVT = 56, FADT_PM1A_CNT = 64,
    FADT_PM_TMR = 76, FADT_GPE0 = 80, FADT_PM1_EVT_LEN = 88, FADT_PM1_CNT_LEN = 89,
    FADT_PM_TMR_LEN = 91, FADT_P_LVL2_LAT = 96, FADT_P_LVL3_LAT = 98, FADT_CENTURY = 108,
    FADT_BOOT_ARCH = 109, FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128,
    FADT_X_FACS = 132, FADT_X_DSDT = 140, FADT_X_PM1A_EVT = 148, FADT_X_PM1B_EVT = 160,
    FADT_X_PM1A_CNT = 172, FADT_X_PM1B_CNT = 184, FADT_X_PM2_CNT = 196, FADT_X_PM_TMR = 208,
    FADT_X_GPE0 = 220, FADT_X_GPE1 = 232,
};
/* FADT flags and IA-PC boot architecture flags */
enum {
    FADT_F_WBINVD = 1u << 0, FADT_F_PROC_C1 = 1u << 2, FADT_F_PWR_BUTTON = 1u << 4,
    FADT_F_SLP_BUTTON = 1u << 5, FADT_F_FIX_RTC = 1u << 6, FADT_F_TMR_VAL_EXT = 1u << 8,
    FADT_F_RESET_REG_SUP = 1u << 10,
    MADT_PCAT_COMPAT = 1u << 0,
    BOOT_ARCH_LEGACY_DEVICES = 1u << 0, BOOT_ARCH_8042 = 1u << 1, BOOT_ARCH_NO_VGA = 1u << 2,
};

#endif
