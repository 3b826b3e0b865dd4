/*
 * SMBIOS (DMI) tables for the PC board, built when a loader plays the
 * firmware (as SeaBIOS builds them for QEMU): a 2.4 entry point ("_SM_" with
 * the legacy "_DMI_" part) on a 16-byte boundary in the F segment, where an
 * OS scans for it, and the structures a kernel and dmidecode read:
 *   type 0 BIOS, 1 system, 3 chassis, 4 processor (with the CPUID signature
 *   and feature flags), 16 physical memory array, 17 memory device,
 *   19 memory array mapped address, 32 system boot, 127 end of table.
 * The layout of each structure follows DSP0134 2.4.
 */
#ifndef VD_MACHINE_SMBIOS_H
#define VD_MACHINE_SMBIOS_H
#include "base/types.h"

struct smbios_config {
    u64 ram_size;
    u32 cpuid_signature;     /* CPUID 1 EAX */
    u32 cpuid_features;      /* CPUID 1 EDX */
    u16 cpu_mhz;             /* core clock (the TSC rate) */
};

enum { SMBIOS_EPS_LEN = 31 };

/* Builds the entry point and the structure table for guest physical address
 * base (16-byte aligned): a malloc'd blob of *len bytes to place there. */
u8 *smbios_build(const struct smbios_config *c, u32 base, u32 *len);

#endif
