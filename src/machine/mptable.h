/*
 * Intel MultiProcessor Specification 1.4 tables for the PC board, built
 * when a loader plays the firmware (as SeaBIOS builds them for QEMU): the
 * fallback of kernels that do not read ACPI's MADT (older ones, or acpi=off).
 * An MP floating pointer structure ("_MP_", on a 16-byte boundary in the F
 * segment, where an OS scans) points at the configuration table that
 * follows it: one processor (APIC ID 0, the CPU's signature and features),
 * the ISA bus, the I/O APIC, the ISA interrupt assignments (IRQ n on pin n,
 * IRQ 0 on pin 2, the cascade IRQ 2 absent, as SeaBIOS lists them) and the
 * local interrupts (8259 ExtINT on LINT0, NMI on LINT1). IMCR absent: the
 * board is in virtual-wire mode.
 */
#ifndef VD_MACHINE_MPTABLE_H
#define VD_MACHINE_MPTABLE_H
#include "base/types.h"

struct mptable_config {
    u32 cpu_signature;       /* CPUID 1 EAX */
    u32 cpu_features;        /* CPUID 1 EDX */
    u8 lapic_version;
    u8 ioapic_id, ioapic_version;
    u32 lapic_addr, ioapic_addr;
};

/* Builds the floating pointer and the configuration table for guest physical
 * address base (16-byte aligned): a malloc'd blob of *len bytes to place there. */
u8 *mptable_build(const struct mptable_config *c, u32 base, u32 *len);

/* Layout (MP spec 1.4 chapter 4) used by the builder and the tests. */
enum {
    MPF_LEN = 16, MPF_PHYSPTR = 4, MPF_LENGTH = 8, MPF_SPEC = 9, MPF_CHECKSUM = 10, MPF_FEATURE1 = 11,
    MPF_FEATURE2 = 12,
    MPC_HDR_LEN = 44, MPC_LENGTH = 4, MPC_SPEC = 6, MPC_CHECKSUM = 7, MPC_OEM = 8, MPC_PRODUCT = 16,
    MPC_COUNT = 34, MPC_LAPIC = 36,
    MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_INTSRC = 3, MP_LINTSRC = 4,
    MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3,
};

#endif
