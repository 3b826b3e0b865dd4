/* Work between instructions: interrupts, HLT, single-step traps, stop requests. */
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"

int cpu_events(struct cpu *c)
{
    if (c->events & EV_STOP) {
        __atomic_and_fetch(&c->events, ~(u32)EV_STOP, __ATOMIC_RELAXED);
        return CPU_EXIT_STOP;
    }
    if (c->events & EV_SHADOW) {
        c->events &= ~EV_SHADOW;
        return -1;
    }
    if ((c->events & EV_IRQ) && (cpu_get_eflags(c) & FL_IF)) {
        int vec = c->bus.intr_ack(c->bus.opaque);
        c->events &= ~EV_HALT;
        c->s.halted = 0;
        if (vec >= 0) {
            c->next_eip = c->s.eip;
            cpu_deliver(c, vec, INTK_HW, false, 0);
        }
    }
    if (c->events & EV_HALT) return CPU_EXIT_HLT;
    if (c->events & EV_DEBUG && c->bp_hit && c->bp_hit(c->bp_opaque, c->s.seg[S_CS].base + c->s.eip))
        return CPU_EXIT_BREAKPOINT;
    return -1;
}
