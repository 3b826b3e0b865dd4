/* Power-on / RESET state (Intel SDM vol. 3, table 9-1), P6 family. */
#include "cpu/cpu.h"
#include "cpu/flags.h"

#define CPU_SIGNATURE 0x00000663u /* family 6, model 6, stepping 3: a Pentium II-class P6 */

void cpu_reset(struct cpu *c)
{
    memset(&c->s, 0, sizeof(c->s));
    c->lf.kind = LF_NONE;
    c->s.eflags = FL_FIXED1;
    c->s.eip = 0xfff0;
    c->s.cr0 = CR0_CD | CR0_NW | CR0_ET;
    c->s.gpr[R_EDX] = CPU_SIGNATURE;
    for (int i = 0; i < 6; i++) {
        c->s.seg[i] = (struct seg){.sel = 0, .base = 0, .limit = 0xffff, .attr = 0x93};
    }
    c->s.seg[S_CS] = (struct seg){.sel = 0xf000, .base = 0xffff0000u, .limit = 0xffff, .attr = 0x9b};
    c->s.ldtr = (struct seg){.limit = 0xffff, .attr = 0x82};
    c->s.tr = (struct seg){.limit = 0xffff, .attr = 0x8b};  /* busy 32-bit TSS, as after RESET */
    c->s.gdtr.limit = 0xffff;
    c->s.idtr.limit = 0xffff;
    c->s.dr[6] = 0xffff0ff0u;
    c->s.dr[7] = 0x400;
    c->s.apic_base = 0xfee00900ull;
    c->s.pat = 0x0007040600070406ull;
    c->s.fpu.fcw = 0x40;
    c->s.fpu.ftw = 0xffff;
    c->s.fpu.mxcsr = 0x1f80;
    c->events &= EV_DEBUG;
    c->exc_nest = 0;
    c->exc_pending_vec = -1;
    c->trace_pending = false;
    cpu_set_cpl(c, 0);
    for (int i = 0; i < 6; i++) cpu_seg_recompute(c, i);
    cpu_tlb_flush(c, true);
    cpu_dcache_flush(c);
}
