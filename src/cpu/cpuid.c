/*
 * CPUID: the identity of the modelled CPU, a P6-family "GenuineIntel"
 * (family 6, model 6, stepping 3, the signature reset leaves in EDX),
 * advertising only what is implemented:
 *   FPU (the complete P6 x87, fpu.c, with #MF and FERR#), VME, DE, PSE, TSC, MSR, PAE,
 *   CX8, SEP, MTRR, PGE, CMOV, PAT, CLFSH (64-byte lines in EBX[15:8]),
 *   MMX, FXSR, SSE, SSE2 (ops_mmx.c, ops_sse*.c, fxsr.c; a P6-family CPU with
 *   SSE2 exists: the Pentium M), APIC (below); no MCE/MCA, no PSE-36,
 *   no SSE3.
 * NX (0x80000001 EDX bit 20) is advertised so that PAE guests can use
 * EFER.NXE; no real P6 had it, and EFER exists here only for NXE.
 * Leaves above the maximum return the highest basic leaf, as Intel CPUs do.
 * APIC (EDX bit 9) is reported when the board has a local APIC
 * (c->apic_base_write) and only while IA32_APIC_BASE enables it globally, as
 * on hardware; its initial APIC ID (leaf 1 EBX[31:24]) is 0.
 */
#include "cpu/sys.h"

#define MAX_BASIC 2u
#define MAX_EXT 0x80000004u

enum {
    F_FPU = 1u << 0, F_VME = 1u << 1, F_DE = 1u << 2, F_PSE = 1u << 3, F_TSC = 1u << 4,
    F_MSR = 1u << 5, F_PAE = 1u << 6, F_CX8 = 1u << 8, F_SEP = 1u << 11, F_MTRR = 1u << 12,
    F_PGE = 1u << 13, F_CMOV = 1u << 15, F_PAT = 1u << 16, F_CLFSH = 1u << 19, F_MMX = 1u << 23,
    F_FXSR = 1u << 24, F_SSE = 1u << 25, F_SSE2 = 1u << 26,
};
#define EXT_NX (1u << 20)
#define F_APIC (1u << 9)

u32 cpu_cpuid_features(void)
{
    return F_FPU | F_VME | F_DE | F_PSE | F_TSC | F_MSR | F_PAE | F_CX8 | F_SEP | F_MTRR | F_PGE | F_CMOV | F_PAT |
           F_CLFSH | F_MMX | F_FXSR | F_SSE | F_SSE2;
}

static const char brand[48] = "Intel(R) Pentium(R) II processor (vdebug)";

static void str4(u32 *out, const char *s) { memcpy(out, s, 4); }

void cpu_cpuid(struct cpu *c, u32 leaf, u32 sub, u32 r[4])
{
    (void)sub;
    u32 max = c->cpuid_max && c->cpuid_max < MAX_BASIC ? c->cpuid_max : MAX_BASIC;
    if ((leaf > max && leaf < 0x80000000u) || leaf > MAX_EXT) leaf = max;
    r[0] = r[1] = r[2] = r[3] = 0;
    switch (leaf) {
    case 0:
        r[0] = max;
        str4(&r[1], "Genu");
        str4(&r[3], "ineI");
        str4(&r[2], "ntel");
        break;
    case 1:
        r[0] = CPU_SIGNATURE_P6;
        r[1] = 8u << 8; /* CLFLUSH line size: 8 quadwords */
        r[3] = cpu_cpuid_features();
        if (c->apic_base_write && (c->s.apic_base & (1u << 11))) r[3] |= F_APIC;
        break;
    case 2:
        /* Pentium II descriptors: TLBs, 16 KiB L1 I/D, 512 KiB L2 */
        r[0] = 0x03020101u;
        r[3] = 0x0c040843u;
        break;
    case 0x80000000u:
        r[0] = MAX_EXT;
        break;
    case 0x80000001u:
        r[3] = EXT_NX;
        break;
    case 0x80000002u: case 0x80000003u: case 0x80000004u:
        memcpy(r, brand + 16 * (leaf - 0x80000002u), 16);
        break;
    }
}
