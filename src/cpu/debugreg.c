/*
 * Debug registers: MOV DR checks, instruction/data/I/O breakpoint matching,
 * and delivery of #DB (see debugreg.h for how the pieces connect).
 *
 * DR7 fields per breakpoint n: enable bits 2n (L) and 2n+1 (G); R/W at
 * 16+4n (00 execute, 01 write, 10 I/O with CR4.DE, 11 read/write); LEN at
 * 18+4n (00 1 byte, 01 2, 11 4; 10 undefined on IA-32: treated as 8).
 * Data and I/O breakpoints compare against the range DRn & ~(len-1).
 *
 * A code breakpoint replaces B0-B3 of DR6 by the breakpoints that hit (as
 * QEMU does). Data and I/O breakpoints are traps: recorded here, delivered
 * by cpu_events() after the instruction retires, dropped if it faults. RF
 * (cleared by cpu_events) suppresses code breakpoints for one instruction.
 */
#include "cpu/debugreg.h"
#include "cpu/sys.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"
#include "base/log.h"

static inline bool bp_enabled(u32 dr7, int n) { return (dr7 >> (2 * n)) & 3; }
static inline unsigned bp_rw(u32 dr7, int n) { return (dr7 >> (16 + 4 * n)) & 3; }
static inline u32 bp_len(u32 dr7, int n)
{
    static const u8 len[4] = {1, 2, 8, 4};
    return len[(dr7 >> (18 + 4 * n)) & 3];
}

bool cpu_dr_armed(const struct cpu *c) { return c->s.dr[7] & 0xff; }

void cpu_dr_changed(struct cpu *c)
{
    if (cpu_dr_armed(c)) c->events |= EV_DEBUG;
    /* data breakpoints may now cover pages the fast TLB holds */
    cpu_tlb_demote(c);
}

bool cpu_dr_data_page(const struct cpu *c, u32 page)
{
    u32 dr7 = c->s.dr[7];
    if (!(dr7 & 0xff)) return false;
    for (int n = 0; n < 4; n++) {
        if (!bp_enabled(dr7, n) || !(bp_rw(dr7, n) & 1)) continue;
        u32 len = bp_len(dr7, n), a = c->s.dr[n] & ~(len - 1);
        if ((a & 0xfffff000u) == page || ((a + len - 1) & 0xfffff000u) == page) return true;
    }
    return false;
}

static void pend(struct cpu *c, u32 bits)
{
    if (c->dr_pending && c->dr_pending_at != c->icount) c->dr_pending = 0; /* stale */
    c->dr_pending |= bits;
    c->dr_pending_at = c->icount;
    c->events |= EV_DEBUG;
}

static inline bool overlap(u32 a, u32 alen, u32 b, u32 blen)
{
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

void cpu_dr_data_check(struct cpu *c, u32 lin, unsigned size, bool write)
{
    u32 dr7 = c->s.dr[7], hit = 0;
    for (int n = 0; n < 4; n++) {
        unsigned rw = bp_rw(dr7, n);
        if (!bp_enabled(dr7, n) || !(rw & 1) || (rw == 1 && !write)) continue;
        u32 len = bp_len(dr7, n);
        if (overlap(c->s.dr[n] & ~(len - 1), len, lin, size)) hit |= 1u << n;
    }
    if (hit) pend(c, hit);
}

void cpu_dr_io_check(struct cpu *c, u16 port, unsigned size)
{
    u32 dr7 = c->s.dr[7], hit = 0;
    if (!(dr7 & 0xff) || !(c->s.cr4 & CR4_DE)) return;
    for (int n = 0; n < 4; n++) {
        if (!bp_enabled(dr7, n) || bp_rw(dr7, n) != 2) continue;
        u32 len = bp_len(dr7, n);
        if (overlap(c->s.dr[n] & 0xffff & ~(len - 1), len, port, size)) hit |= 1u << n;
    }
    if (hit) pend(c, hit);
}

int cpu_dr_before_insn(struct cpu *c, bool shadow_ss)
{
    if (c->wp_pending) {
        c->wp_pending = false;
        if (c->icount == c->wp_pending_at + 1) return CPU_EXIT_WATCHPOINT;
    }
    u32 dr7 = c->s.dr[7];
    if (!(dr7 & 0xff) || (c->s.eflags & FL_RF) || shadow_ss) return -1;
    u32 lin = c->s.seg[S_CS].base + c->s.eip, hit = 0;
    for (int n = 0; n < 4; n++)
        if (bp_enabled(dr7, n) && bp_rw(dr7, n) == 0 && c->s.dr[n] == lin) hit |= 1u << n;
    if (hit) {
        c->s.dr[6] = (c->s.dr[6] & ~0xfu) | hit;
        VD_LOG(LOG_INT, "#DB (code breakpoint) dr6=%08x at %08x\n", c->s.dr[6], lin);
        c->next_eip = c->s.eip;
        cpu_deliver(c, EXC_DB, INTK_HW, false, 0);
    }
    return -1;
}

/* ---- MOV to/from DRn ---- */
static int dr_index(struct cpu *c, int n)
{
    cpu_need_cpl0(c);
    if (n == 4 || n == 5) {
        if (c->s.cr4 & CR4_DE) cpu_raise_ne(c, EXC_UD);
        n += 2;
    }
    if (c->s.dr[7] & DR7_GD) {
        /* general detect: a fault, with GD cleared so the handler may use the DRs */
        c->s.dr[6] = (c->s.dr[6] & ~0xfu) | DR6_BD;
        c->s.dr[7] &= ~DR7_GD;
        cpu_raise_ne(c, EXC_DB);
    }
    return n;
}

u32 cpu_dr_mov_from(struct cpu *c, int n)
{
    return c->s.dr[dr_index(c, n)];
}

void cpu_dr_mov_to(struct cpu *c, int n, u32 v)
{
    n = dr_index(c, n);
    if (n == 6) {
        c->s.dr[6] = (v & 0xe00fu) | DR6_FIXED1;
        return;
    }
    if (n == 7) v = (v & DR7_WRITABLE) | DR7_FIXED1;
    c->s.dr[n] = v;
    cpu_dr_changed(c);
}
