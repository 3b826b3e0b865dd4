/*
 * Work at instruction boundaries, in the priority order of SDM vol. 3
 * table 6-2: traps of the previous instruction (single-step, data
 * breakpoints), NMI, maskable interrupts, then code breakpoints of the next
 * instruction. Also the STI / MOV SS interrupt shadow, HLT and RF.
 *
 * Single-step: an instruction that *begins* with TF=1 traps when it retires
 * (so POPF that sets TF does not trap, POPF that clears it does). Before each
 * such instruction trace_at records icount; when icount has moved past it the
 * instruction retired. A fault or interrupt delivery cancels it (except.c).
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "base/log.h"

#include "cpu/debugreg.h"

void cpu_eflags_loaded(struct cpu *c)
{
    if (c->s.eflags & FL_RF) c->events |= EV_TRACE;
}

/* Debug traps for the instruction that just retired. */
static void debug_traps(struct cpu *c, bool shadow_ss)
{
    u32 bits = 0;
    if (c->trace_pending && c->icount == c->trace_at + 1) {
        if (shadow_ss) {
            /* MOV SS / POP SS: the trap waits for the next instruction */
            c->trace_at = c->icount;
        } else {
            bits |= DR6_BS;
            c->trace_pending = false;
        }
    } else if (c->trace_pending && c->icount != c->trace_at) {
        c->trace_pending = false;
    }
    if (c->dr_pending) {
        if (c->icount == c->dr_pending_at + 1) {
            /* a data breakpoint hit by MOV SS / POP SS waits for the next instruction */
            if (shadow_ss) {
                c->dr_pending_at = c->icount;
            } else {
                bits |= c->dr_pending;
                c->dr_pending = 0;
            }
        } else if (c->icount != c->dr_pending_at) {
            c->dr_pending = 0;   /* its instruction faulted */
        }
    }
    if (bits) {
        c->s.dr[6] |= bits;
        c->trace_pending = false;
        cpu_deliver(c, EXC_DB, INTK_HW, false, 0);
    }
}

int cpu_events(struct cpu *c)
{
    if (c->events & EV_STOP) {
        __atomic_and_fetch(&c->events, ~(u32)EV_STOP, __ATOMIC_RELAXED);
        return CPU_EXIT_STOP;
    }
    /* The shadow covers the one boundary after the STI / MOV SS (which may be
     * seen twice when a run ends there); it is dropped at a later boundary. */
    bool shadow = false;
    if (c->events & EV_SHADOW) {
        if (c->icount == c->shadow_at + 1) {
            shadow = true;
        } else {
            c->events &= ~EV_SHADOW;
            c->s.intr_shadow = 0;
        }
    }
    bool shadow_ss = shadow && c->s.intr_shadow == 2;

    if (c->events & EV_TRACE || c->dr_pending) debug_traps(c, shadow_ss);

    if (!shadow) {
        if ((c->events & EV_NMI) && !c->s.nmi_blocked && !c->intr_inhibit) {
            c->events &= ~EV_NMI;
            c->s.nmi_pending = 0;
            c->s.nmi_blocked = 1;
            cpu_deliver(c, EXC_NMI, INTK_HW, false, 0);
        }
        if ((c->events & EV_IRQ) && (c->s.eflags & FL_IF)) {   /* IF is never lazy */
            int vec = c->bus.intr_ack(c->bus.opaque);
            if (vec >= 0) {
                c->next_eip = c->s.eip;
                cpu_deliver(c, vec, INTK_HW, false, 0);
            }
        }
    }
    if (c->events & EV_HALT) return CPU_EXIT_HLT;

    if (c->events & EV_DEBUG) {
        if (c->bp_hit && c->bp_hit(c->bp_opaque, c->s.seg[S_CS].base + c->s.eip))
            return CPU_EXIT_BREAKPOINT;
        int r = cpu_dr_before_insn(c, shadow_ss);
        if (r >= 0) return r;
    }

    /* RF suppresses code breakpoints for one instruction only */
    if (c->s.eflags & FL_RF) c->s.eflags &= ~FL_RF;
    /* arm the single-step trap of the instruction about to run */
    if (c->s.eflags & FL_TF) {
        c->trace_pending = true;
        c->trace_at = c->icount;
    }
    if (c->trace_pending) c->events |= EV_TRACE;
    else c->events &= ~EV_TRACE;
    return -1;
}
