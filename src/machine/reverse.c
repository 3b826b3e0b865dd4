/*
 * Reverse execution for the debugger, on the history (history.c):
 *
 *  - reverse step: go to instruction count t - 1;
 *  - reverse continue: find the last debug stop (breakpoint or watchpoint)
 *    before t. Interval by interval, newest first: restore the snapshot
 *    that begins it, re-execute to its end with the debugger's points
 *    armed and note every stop; the last one noted is the answer. A
 *    breakpoint stop is at the count where the instruction is about to
 *    run; a watchpoint stop at the count before the instruction that
 *    touched the watched bytes (GDB then shows the value before and after
 *    that instruction). Without any stop, the machine goes to the start of
 *    the history.
 *
 * The machine's break poll (the debugger's Ctrl-C) is asked between pieces
 * of re-execution; when it says stop, the machine stays where it is.
 */
#include "machine/pc.h"
#include "machine/history.h"
#include "machine/replay.h"
#include <stdlib.h>

enum machine_rstop machine_reverse_step(struct machine *m)
{
    if (!m->hist) return MACHINE_RSTOP_NONE;
    u64 t = vcpu_icount(m->cpu);
    if (t <= history_first(m) || !history_can_go(m, t - 1)) return MACHINE_RSTOP_BEGIN;
    enum machine_stop r = history_goto(m, t - 1);
    if (r == MACHINE_EXIT || r == MACHINE_INTERRUPTED) return MACHINE_RSTOP_EXIT;
    m->cpu->stop.why = VCPU_EXIT_STEP;
    return MACHINE_RSTOP_DONE;
}

/* The debugger interrupted a reverse continue: it stays where the
 * re-execution was, an instruction the history holds (everything before it
 * re-executed exactly; the history ahead is re-executed when asked). */
static enum machine_rstop interrupted(struct machine *m)
{
    history_set_replaying(m, false);
    history_set_breakable(m, false);
    m->cpu->stop.why = VCPU_EXIT_STOP;
    return MACHINE_RSTOP_INTERRUPTED;
}

enum machine_rstop machine_reverse_continue(struct machine *m)
{
    if (!m->hist) return MACHINE_RSTOP_NONE;
    u64 t = vcpu_icount(m->cpu);
    u64 snaps[4096];
    int ns = history_snapshots(m, snaps, 4096);
    u64 upper = t;
    bool found = false;
    u64 pos = 0;
    struct vcpu_stop hit = {0};
    history_set_replaying(m, true);
    history_set_breakable(m, true);
    for (int i = 0; i < ns && !found; i++) {
        if (snaps[i] >= upper) continue;
        /* (the memory bound may have dropped it while re-executing a later interval) */
        if (history_restore_before(m, snaps[i]) != snaps[i]) break;
        for (;;) {
            enum machine_stop r = history_run_to(m, upper, true);
            if (r == MACHINE_EXIT || r == MACHINE_INTERRUPTED) {
                history_set_replaying(m, false);
                history_set_breakable(m, false);
                return MACHINE_RSTOP_EXIT;
            }
            if (history_broken(m)) return interrupted(m);
            if (r != MACHINE_DEBUG) break;
            u64 ic = vcpu_icount(m->cpu);
            u64 p = m->cpu->stop.why == VCPU_EXIT_WATCHPOINT ? ic - 1 : ic;
            if (p < upper && (!found || p >= pos)) {
                found = true;
                pos = p;
                hit = m->cpu->stop;
            }
            if (ic >= upper) break;
        }
        upper = snaps[i];
    }
    history_set_replaying(m, false);
    if (!found) {
        enum machine_stop r = history_goto(m, history_first(m));
        if (history_broken(m)) return interrupted(m);
        history_set_breakable(m, false);
        if (r == MACHINE_EXIT || r == MACHINE_INTERRUPTED) return MACHINE_RSTOP_EXIT;
        return MACHINE_RSTOP_BEGIN;
    }
    enum machine_stop r = history_goto(m, pos);
    if (history_broken(m)) return interrupted(m);
    history_set_breakable(m, false);
    if (r == MACHINE_EXIT || r == MACHINE_INTERRUPTED) return MACHINE_RSTOP_EXIT;
    m->cpu->stop = hit;
    return MACHINE_RSTOP_DEBUG;
}

void machine_set_break_poll(struct machine *m, bool (*poll)(void *opaque), void *opaque)
{
    m->break_poll = poll;
    m->break_opaque = opaque;
}

void machine_state_changed(struct machine *m) { history_reset(m); }

int machine_rr_info(struct machine *m, char *buf, size_t size)
{
    int n = history_info(m, buf, size);
    if (n >= 0 && (size_t)n < size) n += rr_info(m, buf + n, size - (size_t)n);
    return n;
}

int machine_rr_check(struct machine *m, char *buf, size_t size) { return history_check(m, buf, size); }
