/*
 * Debug registers DR0-DR3, DR6, DR7: instruction, data and I/O breakpoints
 * and general detect (GD). The architectural values live in c->s.dr[].
 *
 * How the pieces fit:
 *  - Writing DR0-3/DR7 arms breakpoints and sets EV_DEBUG (cpu_dr_changed);
 *    pages holding data breakpoints are kept out of the fast TLB, so every
 *    access to them reaches the MMU slow path, which matches them
 *    (cpu_dr_data_check) and records a pending #DB trap.
 *  - Data/I/O breakpoint hits are recorded in c->dr_pending (DR6 B0-B3)
 *    with c->dr_pending_at = icount of the instruction; cpu_events()
 *    (events.c) delivers them as a #DB trap if that instruction retired.
 *  - cpu_events() calls cpu_dr_before_insn() whenever EV_DEBUG is set: it
 *    stops for a debugger watchpoint hit by the previous instruction
 *    (c->wp_pending) and checks the instruction breakpoints of the
 *    instruction about to run (not when EFLAGS.RF is set, nor in the shadow
 *    of a MOV SS / POP SS: on Intel processors that blocking inhibits code
 *    breakpoints of the next instruction too, SDM vol. 3 6.8.3).
 *  - IN/OUT/INS/OUTS handlers call cpu_dr_io_check() after the port access.
 */
#ifndef VD_CPU_DEBUGREG_H
#define VD_CPU_DEBUGREG_H
#include "cpu/cpu.h"

/* DR6 / DR7 bits */
enum {
    DR6_B0 = 1u << 0, DR6_BD = 1u << 13, DR6_BS = 1u << 14, DR6_BT = 1u << 15,
    DR6_FIXED1 = 0xffff0ff0u,   /* reserved bits that read as 1 on P6 */
    DR7_GD = 1u << 13,
    DR7_FIXED1 = 0x400u,
    DR7_WRITABLE = 0xffff23ffu,
};
/* Called between instructions while EV_DEBUG is set. May deliver #DB (and
 * so may raise, like cpu_deliver). Returns a cpu_exit code (>= 0) to stop
 * cpu_run with, or -1 to go on. */
int cpu_dr_before_insn(struct cpu *c, bool shadow_ss);
/* I/O breakpoints (CR4.DE): call after IN/OUT/INS/OUTS accessed `size`
 * bytes at `port`. */
void cpu_dr_io_check(struct cpu *c, u16 port, unsigned size);
/* True if DR7 enables any breakpoint (the engine keeps EV_DEBUG set). */
bool cpu_dr_armed(const struct cpu *c);

/* ---- within src/cpu ---- */
/* MOV from/to DRn with every architectural check (#GP(0) at CPL>0, #UD for
 * DR4/5 with CR4.DE, #DB for DR7.GD). */
u32 cpu_dr_mov_from(struct cpu *c, int n);
void cpu_dr_mov_to(struct cpu *c, int n, u32 v);
/* DR0-3/DR7 changed (also after a state load): re-arm. */
void cpu_dr_changed(struct cpu *c);
/* Does linear page `page` hold an enabled data breakpoint? */
bool cpu_dr_data_page(const struct cpu *c, u32 page);
/* Match a data access against the data breakpoints (and record the hit). */
void cpu_dr_data_check(struct cpu *c, u32 lin, unsigned size, bool write);

#endif
