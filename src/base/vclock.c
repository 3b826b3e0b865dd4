#include "base/vclock.h"

void vclock_init(struct vclock *c)
{
    c->now = 0;
    c->timers = NULL;
    c->slice_end = 0;
    c->kick = NULL;
    c->kick_opaque = NULL;
}

void vtimer_init(struct vclock *c, struct vtimer *t, const char *name,
                 void (*fire)(void *), void *opaque)
{
    t->deadline = VCLOCK_NEVER;
    t->clock = c;
    t->fire = fire;
    t->opaque = opaque;
    t->name = name;
    t->next = c->timers;
    c->timers = t;
}

u64 vclock_next_deadline(const struct vclock *c)
{
    u64 d = VCLOCK_NEVER;
    for (const struct vtimer *t = c->timers; t; t = t->next)
        if (t->deadline < d) d = t->deadline;
    return d;
}

void vclock_run_expired(struct vclock *c)
{
    /* Bounded: a timer re-arming at or before now fires at most 64 times per call. */
    for (int round = 0; round < 64; round++) {
        bool any = false;
        for (struct vtimer *t = c->timers; t; t = t->next)
            if (t->deadline <= c->now) {
                t->deadline = VCLOCK_NEVER;
                t->fire(t->opaque);
                any = true;
            }
        if (!any) return;
    }
}

void vclock_run_until(struct vclock *c, u64 t)
{
    for (;;) {
        u64 d = vclock_next_deadline(c);
        if (d > t) break;
        if (d > c->now) c->now = d;
        vclock_run_expired(c);
    }
    c->now = t;
    vclock_run_expired(c);
}
