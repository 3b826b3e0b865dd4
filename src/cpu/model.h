/*
 * The identity of the modelled CPU (cpuid.c), for what describes it from
 * outside: the firmware tables a loader writes (SMBIOS, MP) report the same
 * signature and feature flags as CPUID.
 */
#ifndef VD_CPU_MODEL_H
#define VD_CPU_MODEL_H
#include "base/types.h"

#define CPU_SIGNATURE_P6 0x00000663u   /* family 6, model 6, stepping 3 (also EDX at reset) */
/* CPUID leaf 1 EDX without the APIC bit (which follows IA32_APIC_BASE). */
u32 cpu_cpuid_features(void);

#endif
