/*
 * Virtual time. vdebug's clock is derived from executed guest instructions, so
 * the same guest and flags give the same run every time. `now` is in virtual
 * nanoseconds; the engine keeps it current before every device access, and the
 * machine loop advances it (skipping ahead over HLT) between slices.
 *
 * Devices arm timers (one absolute deadline each); the machine loop asks for
 * the earliest deadline to bound the next CPU slice and fires expired timers.
 */
#ifndef VD_BASE_VCLOCK_H
#define VD_BASE_VCLOCK_H
#include "base/types.h"

#define VCLOCK_NEVER UINT64_MAX

struct vclock;
struct vtimer {
    u64 deadline;                 /* VCLOCK_NEVER when disarmed */
    struct vclock *clock;
    void (*fire)(void *opaque);   /* called with clock->now >= deadline */
    void *opaque;
    const char *name;
    struct vtimer *next;          /* registration list */
};

struct vclock {
    u64 now;                      /* virtual ns */
    struct vtimer *timers;        /* all registered timers */
    /* While the CPU runs a slice that ends at slice_end (0 otherwise), a
     * timer armed for an earlier deadline calls kick, so that the slice ends
     * after the instruction that armed it and the machine loop cuts the next
     * one at the new deadline: timers fire at their exact time whatever the
     * slicing (snapshots and replays slice differently). */
    u64 slice_end;
    void (*kick)(void *opaque);
    void *kick_opaque;
};

void vclock_init(struct vclock *c);
void vtimer_init(struct vclock *c, struct vtimer *t, const char *name,
                 void (*fire)(void *), void *opaque);
static inline void vtimer_arm(struct vtimer *t, u64 deadline)
{
    t->deadline = deadline;
    if (t->clock && deadline < t->clock->slice_end && t->clock->kick) t->clock->kick(t->clock->kick_opaque);
}
static inline void vtimer_disarm(struct vtimer *t) { t->deadline = VCLOCK_NEVER; }
/* Earliest armed deadline, VCLOCK_NEVER if none. */
u64 vclock_next_deadline(const struct vclock *c);
/* Fire every timer whose deadline <= now (a fired timer may re-arm itself). */
void vclock_run_expired(struct vclock *c);
/* Advance to t, firing each timer with now set to its own deadline, in
 * deadline order (what the machine loop does between CPU slices; tests that
 * drive devices without a CPU use it directly). */
void vclock_run_until(struct vclock *c, u64 t);

#endif
