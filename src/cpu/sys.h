/*
 * Internal interfaces of the system-architecture code in src/cpu: paging
 * (paging.c), the software TLB model (mmu.c), control registers and system
 * instructions (ops_sys.c), MSRs (msr.c), CPUID (cpuid.c). The x87 has
 * its own handler group and header (fpu.c, fpu.h). Debug registers have
 * their own header (debugreg.h) because other groups call into them.
 */
#ifndef VD_CPU_SYS_H
#define VD_CPU_SYS_H
#include "cpu/cpu.h"
#include "cpu/model.h"

/* Paging-structure entry bits (32-bit and PAE). */
enum {
    PG_P = 1u << 0, PG_RW = 1u << 1, PG_US = 1u << 2, PG_PWT = 1u << 3, PG_PCD = 1u << 4,
    PG_A = 1u << 5, PG_D = 1u << 6, PG_PS = 1u << 7, PG_G = 1u << 8,
};
#define PG_NX (1ull << 63)

/* #PF error code bits */
enum { PFE_P = 1, PFE_W = 2, PFE_U = 4, PFE_RSVD = 8, PFE_ID = 16 };

/* Physical address width (MAXPHYADDR) of the modelled CPU: PAE, 36 bits. */
#define CPU_PHYS_BITS 36

/* Extra bit in tlb_entry.pte_flags: the translation came from a large page
 * (4 MiB, or 2 MiB with PAE); INVLPG anywhere in it drops it. */
#define CPU_PTE_LARGE 0x80u

/* tlb_entry.tag for an entry that holds a translation but must not be used
 * by the inline fast paths (MMIO page, code page in the write array, watched
 * page, debug-register breakpoint page, physical address above 4 GiB): a bit
 * the masked linear address never has. The page is tag & ~0xfff. */
#define TLB_SLOW 0x800u
static inline bool tlb_holds(const struct tlb_entry *e, u32 page)
{
    return e->tag != TLB_INVALID && (e->tag & 0xfffff000u) == page;
}

/* ---- paging.c ---- */
struct pg_xlat {
    u64 paddr;        /* physical address of the linear address itself */
    u32 flags;        /* CPU_PTE_* effective flags (+ CPU_PTE_LARGE) after the A/D update */
};
/* Walk the page tables for an access of kind acc (ACC_*) by a user-mode
 * (user) or supervisor-mode access; checks permissions, sets accessed and
 * dirty bits, raises #PF with the exact error code and CR2. */
void cpu_pg_walk(struct cpu *c, u32 lin, int acc, bool user, struct pg_xlat *out);
/* Load the four PAE PDPTEs from CR3; false (nothing loaded) if one that is
 * present has reserved bits set: the caller raises #GP(0). */
bool cpu_pg_load_pdptes(struct cpu *c, u32 cr3);
/* Would a write by this mode be allowed by the effective flags? */
static inline bool cpu_pg_writable(const struct cpu *c, u32 flags, bool user)
{
    if (user) return (flags & CPU_PTE_W) && (flags & CPU_PTE_U);
    return (flags & CPU_PTE_W) || !(c->s.cr0 & CR0_WP);
}

/* ---- mmu.c ---- */
/* (cpu_tlb_demote is in cpu.h: the debugger uses it too) */
/* INVLPG: drop the translation of lin (and any large page holding it) from
 * both sets, global or not. */
void cpu_tlb_invlpg(struct cpu *c, u32 lin);

/* ---- ops_sys.c: control-register writes with all their side effects ---- */
/* Raise #GP(0) on invalid values; flush the TLB and reload PDPTEs as needed. */
void cpu_write_cr0(struct cpu *c, u32 v);
void cpu_write_cr3(struct cpu *c, u32 v);
void cpu_write_cr4(struct cpu *c, u32 v);
/* Raise #GP(0) unless CPL 0 (v86 mode is CPL 3). */
void cpu_need_cpl0(struct cpu *c);

/* ---- msr.c ---- */
/* false: the MSR does not exist or the value is invalid (caller raises #GP(0)). */
bool cpu_msr_read(struct cpu *c, u32 index, u64 *val);
bool cpu_msr_write(struct cpu *c, u32 index, u64 val);
/* The time-stamp counter: retired instructions plus the offset in s.tsc (which
 * the engine moves on by the virtual time skipped over HLT). */
static inline u64 cpu_tsc(const struct cpu *c) { return c->s.tsc + c->icount; }

/* ---- pmu.c ---- */
/* PERFCTR0/1 and PERFEVTSEL0/1; false: not a PMU MSR or an invalid value. */
bool cpu_pmu_msr_read(struct cpu *c, u32 index, u64 *val);
bool cpu_pmu_msr_write(struct cpu *c, u32 index, u64 val);
/* Counter n as RDPMC / RDMSR see it; set it (state import). */
u64 cpu_pmc_read(const struct cpu *c, unsigned n);
void cpu_pmc_set(struct cpu *c, unsigned n, u64 v);
/* The instruction count at which a counting counter with INT set next wraps
 * (the performance-monitoring interrupt is due); UINT64_MAX if none. */
u64 cpu_pmu_next_overflow(const struct cpu *c);

/* ---- cpuid.c ---- */
void cpu_cpuid(struct cpu *c, u32 leaf, u32 sub, u32 out[4]);
/* cpu_cpuid_features and CPU_SIGNATURE_P6: cpu/model.h */

#endif
