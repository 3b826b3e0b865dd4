/*
 * The P6 performance-monitoring counters: PERFCTR0/1 (MSRs 0xC1/0xC2, 40 bits,
 * also read by RDPMC) and PERFEVTSEL0/1 (0x186/0x187). As on the Pentium
 * Pro/II/III, EN (bit 22) of PERFEVTSEL0 starts and stops both counters, a
 * write to a counter sets its low 32 bits and sign-extends bit 31 into bits
 * 39:32, and bit 21 of an event select is reserved (#GP).
 *
 * What counts: INST_RETIRED (event 0xC0) and CPU_CLK_UNHALTED (0x79), both as
 * retired instructions, since the modelled CPU retires one instruction per
 * 1 GHz clock (the TSC's rate); every other event reads as never occurring.
 * The USR/OS filter only gates counting as a whole (a counter counts when
 * either bit is set, at any CPL). A counter with INT set that wraps past
 * 2^40 raises the performance-monitoring interrupt: the engine ends its run
 * at cpu_pmu_next_overflow() and signals the board (the local APIC's LVT
 * performance-counter entry); a write to a PMU MSR ends the run so that the
 * engine recomputes that point.
 *
 * While a counter counts, s.perfctr[n] holds its value minus the instruction
 * count, as s.tsc does for the TSC; the engine converts on state export.
 */
#include "cpu/sys.h"

#define PMC_MASK ((1ull << 40) - 1)
enum { SEL_USR = 1u << 16, SEL_OS = 1u << 17, SEL_INT = 1u << 20, SEL_EN = 1u << 22, SEL_RESERVED = 1u << 21 };

static bool counting(const struct cpu *c, unsigned n)
{
    u64 sel = c->s.perfevtsel[n];
    u8 ev = (u8)sel;
    return (c->s.perfevtsel[0] & SEL_EN) && (sel & (SEL_USR | SEL_OS)) && (ev == 0xc0 || ev == 0x79);
}

u64 cpu_pmc_read(const struct cpu *c, unsigned n)
{
    return (c->s.perfctr[n] + (counting(c, n) ? c->icount : 0)) & PMC_MASK;
}

void cpu_pmc_set(struct cpu *c, unsigned n, u64 v)
{
    c->s.perfctr[n] = (v - (counting(c, n) ? c->icount : 0)) & PMC_MASK;
}

u64 cpu_pmu_next_overflow(const struct cpu *c)
{
    u64 at = UINT64_MAX;
    for (unsigned n = 0; n < 2; n++) {
        if (!counting(c, n) || !(c->s.perfevtsel[n] & SEL_INT)) continue;
        u64 left = (1ull << 40) - cpu_pmc_read(c, n);   /* 1 .. 2^40 */
        if (c->icount + left < at) at = c->icount + left;
    }
    return at;
}

bool cpu_pmu_msr_read(struct cpu *c, u32 idx, u64 *val)
{
    switch (idx) {
    case 0xc1: case 0xc2: *val = cpu_pmc_read(c, idx - 0xc1); return true;
    case 0x186: case 0x187: *val = c->s.perfevtsel[idx - 0x186]; return true;
    }
    return false;
}

bool cpu_pmu_msr_write(struct cpu *c, u32 idx, u64 v)
{
    switch (idx) {
    case 0xc1: case 0xc2:
        cpu_pmc_set(c, idx - 0xc1, (u64)(int64_t)(int32_t)(u32)v);
        cpu_kick(c); /* the overflow point moved */
        return true;
    case 0x186: case 0x187: {
        if (v & (SEL_RESERVED | ~0xffffffffull)) return false;
        u64 now[2] = {cpu_pmc_read(c, 0), cpu_pmc_read(c, 1)};
        c->s.perfevtsel[idx - 0x186] = v;
        cpu_pmc_set(c, 0, now[0]);   /* EN of counter 0 gates both: rebase both */
        cpu_pmc_set(c, 1, now[1]);
        cpu_kick(c);
        return true;
    }
    }
    return false;
}
