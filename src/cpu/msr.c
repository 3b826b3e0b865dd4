/*
 * Model-specific registers of the modelled P6 (see cpuid.c for its
 * identity). Unknown MSRs and reserved bits raise #GP(0) in the caller.
 *
 *   0x10        TSC: retired instructions + an offset (s.tsc holds the
 *               offset while the interpreter runs; the engine adds time
 *               skipped over HLT to it, so the TSC counts virtual ns at
 *               1 GHz); all 64 bits writable
 *               (a real Pentium II clears bits 63:32 on a write)
 *   0x17        PLATFORM_ID (read-only, platform 0)
 *   0x1B        APIC_BASE: base and global enable of the board's local APIC
 *               (c->apic_base_write); BSP is read-only; the enable bit
 *               can be set again after a clear (Pentium 4 and later: the
 *               APIC comes back in its power-up state; a P6 needed a reset)
 *   0x2A        EBL_CR_POWERON (reads 0, writes ignored)
 *   0x79, 0x8B  BIOS_UPDT_TRIG / BIOS_SIGN_ID: no microcode, revision 0
 *   0xC1, 0xC2, 0x186, 0x187   PERFCTR0/1, EVNTSEL0/1 (pmu.c)
 *   0xFE        MTRRcap: 8 variable ranges, fixed ranges, WC
 *   0x174-0x176 SYSENTER_CS/ESP/EIP
 *   0x1A0       MISC_ENABLE (stored as written)
 *   0x1D9       DEBUGCTL (LBR/BTF not modelled: reads 0)
 *   0x200-0x20F variable MTRRs, 0x250/0x258/0x259/0x268-0x26F fixed MTRRs,
 *   0x2FF       MTRRdefType: stored in s.mtrr[] (layout in state.h)
 *   0x277       PAT
 *   0xC0000080  EFER: only NXE (we advertise NX, not SYSCALL/LM)
 */
#include "cpu/sys.h"
#include "base/log.h"

enum { MTRR_FIX_BASE = 16, MTRR_DEF = 27 };   /* s.mtrr[] layout (state.h) */
enum { APIC_BASE_MSR_BSP = 1u << 8, APIC_BASE_MSR_EN = 1u << 11 };
#define PHYS_HI (~0ull << CPU_PHYS_BITS)

static int mtrr_slot(u32 idx)
{
    if (idx >= 0x200 && idx <= 0x20f) return (int)(idx - 0x200);
    if (idx == 0x250) return MTRR_FIX_BASE;
    if (idx == 0x258 || idx == 0x259) return MTRR_FIX_BASE + 1 + (int)(idx - 0x258);
    if (idx >= 0x268 && idx <= 0x26f) return MTRR_FIX_BASE + 3 + (int)(idx - 0x268);
    if (idx == 0x2ff) return MTRR_DEF;
    return -1;
}

static bool mem_type_ok(unsigned t, bool pat)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || (pat && t == 7);
}

static bool mtrr_value_ok(int slot, u64 v)
{
    if (slot < MTRR_FIX_BASE) {
        if (slot & 1) return !(v & (PHYS_HI | 0x7ff));                    /* PhysMask */
        return !(v & (PHYS_HI | 0xf00)) && mem_type_ok(v & 0xff, false);  /* PhysBase */
    }
    if (slot == MTRR_DEF) return !(v & ~0xcffull) && mem_type_ok(v & 0xff, false);
    for (int b = 0; b < 8; b++)
        if (!mem_type_ok((v >> (8 * b)) & 0xff, false)) return false;
    return true;
}

bool cpu_msr_read(struct cpu *c, u32 idx, u64 *val)
{
    int m = mtrr_slot(idx);
    if (m >= 0) {
        *val = c->s.mtrr[m];
        return true;
    }
    switch (idx) {
    case 0x10: *val = cpu_tsc(c); return true;
    case 0x17: *val = 0; return true;
    case 0x1b: *val = c->s.apic_base; return true;
    case 0xc1: case 0xc2: case 0x186: case 0x187: return cpu_pmu_msr_read(c, idx, val);
    case 0x2a: case 0x8b: case 0x1d9:
        *val = 0;
        return true;
    case 0xfe: *val = 0x508; return true;
    case 0x174: *val = c->s.sysenter_cs; return true;
    case 0x175: *val = c->s.sysenter_esp; return true;
    case 0x176: *val = c->s.sysenter_eip; return true;
    case 0x1a0: *val = c->misc_enable; return true;
    case 0x277: *val = c->s.pat; return true;
    case 0xc0000080: *val = c->s.efer; return true;
    }
    VD_LOG(LOG_UNIMP, "rdmsr: unknown MSR 0x%x\n", idx);
    return false;
}

bool cpu_msr_write(struct cpu *c, u32 idx, u64 v)
{
    int m = mtrr_slot(idx);
    if (m >= 0) {
        if (!mtrr_value_ok(m, v)) return false;
        c->s.mtrr[m] = v;
        return true;
    }
    switch (idx) {
    case 0x10: c->s.tsc = v - c->icount; return true;
    case 0x1b:
        if (v & (PHYS_HI | 0x6ff)) return false;
        v = (v & ~(u64)APIC_BASE_MSR_BSP) | (c->s.apic_base & APIC_BASE_MSR_BSP);
        c->s.apic_base = v;
        if (c->apic_base_write) c->apic_base_write(c->apic_opaque, v);
        return true;
    case 0xc1: case 0xc2: case 0x186: case 0x187: return cpu_pmu_msr_write(c, idx, v);
    case 0x2a: case 0x79: case 0x8b: case 0x1d9:
        return true;
    case 0x174: c->s.sysenter_cs = (u32)v; return true;
    case 0x175: c->s.sysenter_esp = (u32)v; return true;
    case 0x176: c->s.sysenter_eip = (u32)v; return true;
    case 0x1a0: c->misc_enable = v; return true;
    case 0x277:
        for (int b = 0; b < 8; b++)
            if (!mem_type_ok((v >> (8 * b)) & 0xff, true)) return false;
        c->s.pat = v;
        return true;
    case 0xc0000080:
        if (v & ~EFER_NXE) return false;
        if ((v ^ c->s.efer) & EFER_NXE) cpu_tlb_flush(c, true); /* NX is cached in TLB permissions */
        c->s.efer = v;
        return true;
    }
    VD_LOG(LOG_UNIMP, "wrmsr: unknown or read-only MSR 0x%x\n", idx);
    return false;
}
