/*
 * The identity of the modelled CPU (cpuid.c), for what describes it from
 * outside: the firmware tables a loader writes (SMBIOS, MP) report the same
 * signature and feature flags as CPUID.
 */
#ifndef VD_CPU_MODEL_H
#define VD_CPU_MODEL_H
#include "base/types.h"

#define CPU_SIGNATURE_P6 0x00000663u   /* family 6, model 6, stepping 3 (also EDX at reset) */
/* What -cpu help prints. */
#define CPU_MODEL_TEXT "GenuineIntel family 6 model 6 stepping 3, a P6 with x87, MMX, SSE, SSE2, " \
                       "PAE, NX, PGE, PAT, SYSENTER, VME and a local APIC; no SSE3, no long mode"
/* CPUID leaf 1 EDX without the APIC bit (which follows IA32_APIC_BASE). */
u32 cpu_cpuid_features(void);

#endif
