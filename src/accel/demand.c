/*
 * Demand emulation: the engine-switching policy, in one place above the
 * engines. A vcpu made of two: KVM (kvm.c) and an emulator (emu.c: the
 * translator where the host has it, else the interpreter; a debugger step
 * runs on the interpreter as always), on the same memory and devices. The guest runs under KVM except while it
 * needs what KVM cannot give:
 *
 *   real mode / v8086      KVM cannot tell us of CR0 writes; the first exit
 *                          that finds PE=0 or VM=1 moves the guest to the
 *                          emulator, which keeps it until it has run N basic
 *                          blocks in protected mode (the translator counts
 *                          them while asked to: vcpu_emu_count_blocks)
 *   kvm refused            an exit KVM cannot handle: N blocks emulated
 *   debugger points        more breakpoints/watchpoints than the four debug
 *                          registers, or ones they cannot express (read-only,
 *                          unaligned, longer than 4 bytes), or the guest's own
 *                          DR7 breakpoints in use: emulated while they stand
 *   physical points        a watchpoint on a physical range, or a breakpoint
 *                          on a physical address (GDB's under 'monitor phys
 *                          on'): debug registers hold linear addresses only,
 *                          so emulated while they stand
 *   single step            a step with interrupts held off (the debugger's
 *                          default): emulated for the step
 *   trace                  -d exec, in_asm or cpu
 *   monitor                'monitor engine emulate' (until 'engine auto')
 *
 * Every switch moves the complete state (vcpu_get_state/vcpu_set_state),
 * the INTR line, and the debugger's points; it is counted per reason and
 * logged under -d engine. The emulator drops its decoded and translated code
 * on the way in (KVM may have written code). Virtual time is the sum of the engines'
 * shares and never goes back (each engine only moves the clock forward).
 */
#define _GNU_SOURCE
#include "accel/vcpu.h"
#include "accel/kvm.h"
#include "base/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum reason { R_START, R_REAL, R_V86, R_PAGING, R_REFUSED, R_POINTS, R_PHYS, R_STEP, R_TRACE, R_MONITOR, R_BLOCKS, R_DEMAND_END, R_N };
static const char *const reason_name[R_N] = {
    "start", "real mode", "v8086 mode", "paging (this host's KVM cannot page)", "KVM refused the state",
    "debugger points KVM cannot hold", "physical breakpoints or watchpoints",
    "single step with interrupts held off", "-d exec/in_asm/cpu", "monitor engine emulate",
    "blocks run in protected mode", "demand ended",
};

struct point { bool exec, phys; u32 lin, len; enum vcpu_wp_kind kind; }; /* lin: physical when phys */

struct demand {
    struct vcpu v;
    struct vcpu *emu, *kvm, *cur;
    u32 n_blocks;          /* -accel kvm,emulate-blocks=N */
    u64 block_goal;        /* in the emulator for a block count: leave when its block counter reaches this */
    bool counting;         /* block_goal is set */
    bool need_blocks;      /* real mode, v8086 or a refused state was emulated: N blocks before KVM */
    bool force;            /* monitor engine emulate */
    bool intr_line;
    struct point *pts;
    int npts, cap;
    bool last_bp;          /* the last stop was a breakpoint (resuming runs its instruction once) */
    u64 switches[R_N];
    u64 to_kvm, to_emu;
    double secs[2];        /* [0] emulator, [1] KVM */
};

static struct demand *dm(struct vcpu *v) { return (struct demand *)v; }
static bool in_kvm(const struct demand *d) { return d->cur == d->kvm; }

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int point_insert(struct vcpu *v, const struct point *p)
{
    return p->exec ? vcpu_bp_insert(v, p->lin, p->phys) : vcpu_wp_insert(v, p->lin, p->len, p->kind, p->phys);
}
static void point_remove(struct vcpu *v, const struct point *p)
{
    if (p->exec) vcpu_bp_remove(v, p->lin, p->phys);
    else vcpu_wp_remove(v, p->lin, p->len, p->kind, p->phys);
}

static bool any_phys_point(const struct demand *d)
{
    for (int i = 0; i < d->npts; i++)
        if (d->pts[i].phys) return true;
    return false;
}

/* Could the debug registers hold every point (the guest's DR7 aside)? */
static bool points_fit_kvm(const struct demand *d)
{
    if (d->npts > vcpu_kvm_free_drs(d->kvm)) return false;
    for (int i = 0; i < d->npts; i++) {
        const struct point *p = &d->pts[i];
        if (p->phys) return false;
        if (!p->exec && ((p->len != 1 && p->len != 2 && p->len != 4) || (p->lin & (p->len - 1)) || p->kind == VCPU_WP_READ))
            return false;
    }
    return true;
}

static void log_switch(struct demand *d, struct vcpu *to, enum reason why, const struct cpu_state *s)
{
    if (!vd_log_enabled(LOG_ENGINE)) return;
    const char *emu = vcpu_emu_engine_name(d->emu);
    vd_logf("engine: %s -> %s (%s) at %04x:%08x, virtual time %llu ns\n", in_kvm(d) ? "kvm" : emu,
            to == d->kvm ? "kvm" : emu, reason_name[why], s->seg[S_CS].sel, s->eip,
            (unsigned long long)d->v.board.clock->now);
}

/* Move the guest to `to`. Returns false (staying put) when KVM refuses the state. */
static bool switch_to(struct demand *d, struct vcpu *to, enum reason why)
{
    if (to == d->cur) return true;
    struct cpu_state s;
    vcpu_get_state(d->cur, &s);
    if (to == d->kvm) {
        const char *no;
        if (s.dr[7] & 0xff && d->npts) return false; /* the guest's DR7 and the debugger's cannot share */
        if (!vcpu_kvm_can_run(d->kvm, &s, &no)) return false;
        if (d->last_bp) s.eflags |= FL_RF; /* resume: the instruction under the breakpoint runs once */
    }
    log_switch(d, to, why, &s);
    for (int i = 0; i < d->npts; i++) point_remove(d->cur, &d->pts[i]);
    struct vcpu *from = d->cur;
    vcpu_set_state(to, &s);
    if (to == d->emu) {
        vcpu_flush_tlb(to);        /* decoded code may be stale: KVM wrote memory */
        vcpu_emu_rebase_time(to);  /* the time KVM ran is in the state's TSC already */
    }
    vcpu_set_intr(to, d->intr_line);
    d->cur = to;
    for (int i = 0; i < d->npts; i++)
        if (point_insert(to, &d->pts[i]) < 0 && to == d->kvm) {
            /* cannot happen after points_fit_kvm, unless KVM itself says no: back */
            for (int j = 0; j < i; j++) point_remove(to, &d->pts[j]);
            d->cur = from;
            for (int j = 0; j < d->npts; j++) point_insert(from, &d->pts[j]);
            return false;
        }
    d->switches[why]++;
    if (to == d->kvm) d->to_kvm++;
    else d->to_emu++;
    return true;
}

/* A standing demand for the emulator, or R_N for none. */
static enum reason standing_demand(struct demand *d)
{
    if (d->force) return R_MONITOR;
    if (vd_log_enabled(LOG_EXEC | LOG_IN_ASM | LOG_CPU)) return R_TRACE;
    if (any_phys_point(d)) return R_PHYS;
    if (!points_fit_kvm(d)) return R_POINTS;
    return R_N;
}

static void start_count(struct demand *d)
{
    d->counting = true;
    d->block_goal = vcpu_emu_blocks(d->emu) + d->n_blocks;
}

/* Before a run: the engine the policy wants now. */
static void decide(struct demand *d)
{
    enum reason r = standing_demand(d);
    if (r != R_N) {
        switch_to(d, d->emu, r);
        return;
    }
    if (in_kvm(d)) return; /* KVM reports real mode itself (VCPU_EXIT_EMULATE) */
    struct cpu_state s;
    vcpu_get_state(d->emu, &s);
    if (!(s.cr0 & CR0_PE) || (s.eflags & FL_VM)) {
        d->need_blocks = true; /* the count starts when protected mode is back */
        d->counting = false;
        return;
    }
    const char *no;
    if (!vcpu_kvm_can_run(d->kvm, &s, &no)) return;
    if (d->need_blocks) {
        if (!d->counting) {
            start_count(d);
            return;
        }
        if (vcpu_emu_blocks(d->emu) < d->block_goal) return;
        if (switch_to(d, d->kvm, R_BLOCKS)) d->need_blocks = d->counting = false;
        return;
    }
    switch_to(d, d->kvm, d->to_kvm + d->to_emu == 0 ? R_START : R_DEMAND_END);
}

static enum vcpu_exit demand_run(struct vcpu *v, u64 n)
{
    struct demand *d = dm(v);
    struct vclock *ck = v->board.clock;
    u64 start = ck->now;
    enum vcpu_exit x = VCPU_EXIT_BUDGET;
    for (;;) {
        u64 used = ck->now - start;
        if (used >= n) break;
        decide(d);
        u64 budget = n - used;
        double t0 = now_s();
        if (in_kvm(d)) {
            x = vcpu_run(d->kvm, budget);
            d->secs[1] += now_s() - t0;
            if (x == VCPU_EXIT_EMULATE) {
                struct cpu_state s;
                vcpu_get_state(d->kvm, &s);
                enum reason r = !(s.cr0 & CR0_PE) ? R_REAL : (s.eflags & FL_VM) ? R_V86
                                : vcpu_kvm_refused_paging(d->kvm) ? R_PAGING : R_REFUSED;
                switch_to(d, d->emu, r);
                d->counting = false;
                x = VCPU_EXIT_BUDGET;
                d->need_blocks = true; /* real mode, or a state KVM refused: N blocks in protected mode */
                continue;
            }
        } else {
            /* while counting blocks or in real mode, short runs: each instruction is at most one block */
            if (d->counting && budget > d->block_goal - vcpu_emu_blocks(d->emu))
                budget = d->block_goal - vcpu_emu_blocks(d->emu) + 1;
            else if (!d->counting && budget > 4096 && standing_demand(d) == R_N)
                budget = 4096;
            vcpu_emu_count_blocks(d->emu, d->counting); /* the translator's blocks run unchained then */
            x = vcpu_run(d->emu, budget);
            d->secs[0] += now_s() - t0;
        }
        if (x != VCPU_EXIT_BUDGET) break;
    }
    d->last_bp = x == VCPU_EXIT_BREAKPOINT;
    v->stop = d->cur->stop;
    v->stop.why = x;
    return x;
}

static enum vcpu_exit demand_step(struct vcpu *v, bool irq)
{
    struct demand *d = dm(v);
    enum reason r = standing_demand(d);
    if (r == R_N && !irq) r = R_STEP;
    if (r != R_N) switch_to(d, d->emu, r);
    double t0 = now_s();
    enum vcpu_exit x = vcpu_step(d->cur, irq);
    d->secs[in_kvm(d)] += now_s() - t0;
    if (x == VCPU_EXIT_EMULATE) { /* KVM could not step this state: the emulator does */
        switch_to(d, d->emu, R_REFUSED);
        x = vcpu_step(d->emu, irq);
    }
    d->last_bp = false;
    v->stop = d->cur->stop;
    v->stop.why = x;
    return x;
}

static void demand_get_state(struct vcpu *v, struct cpu_state *s) { vcpu_get_state(dm(v)->cur, s); }
static void demand_set_state(struct vcpu *v, const struct cpu_state *s)
{
    struct demand *d = dm(v);
    d->last_bp = false;
    const char *no;
    if (in_kvm(d) && (!(s->cr0 & CR0_PE) || (s->eflags & FL_VM) || !vcpu_kvm_can_run(d->kvm, s, &no))) {
        /* a state KVM must not get (the debugger wrote CR0 or EFLAGS): the emulator takes it */
        enum reason r = !(s->cr0 & CR0_PE) ? R_REAL : (s->eflags & FL_VM) ? R_V86 : R_PAGING;
        switch_to(d, d->emu, r);
        d->need_blocks = true;
        d->counting = false;
    }
    vcpu_set_state(d->cur, s);
}
static size_t demand_read_virt(struct vcpu *v, u32 lin, void *b, size_t n) { return vcpu_read_virt(dm(v)->cur, lin, b, n); }
static size_t demand_write_virt(struct vcpu *v, u32 lin, const void *b, size_t n) { return vcpu_write_virt(dm(v)->cur, lin, b, n); }
static bool demand_walk(struct vcpu *v, u32 lin, struct vcpu_walk *w) { return vcpu_walk(dm(v)->cur, lin, w); }
static void demand_mem_changed(struct vcpu *v, u64 pa, size_t n)
{
    vcpu_mem_changed(dm(v)->emu, pa, n);
    vcpu_mem_changed(dm(v)->kvm, pa, n);
}

static int find_point(struct demand *d, const struct point *p)
{
    for (int i = 0; i < d->npts; i++)
        if (d->pts[i].exec == p->exec && d->pts[i].phys == p->phys && d->pts[i].lin == p->lin && d->pts[i].len == p->len && d->pts[i].kind == p->kind)
            return i;
    return -1;
}

static int add_point(struct demand *d, struct point p)
{
    if (find_point(d, &p) >= 0) return 0;
    if (d->npts == d->cap) {
        int cap = d->cap ? 2 * d->cap : 8;
        struct point *n = realloc(d->pts, (size_t)cap * sizeof(*n));
        if (!n) return -1;
        d->pts = n;
        d->cap = cap;
    }
    /* the emulator takes any point: check it there first */
    if (!in_kvm(d) && point_insert(d->emu, &p) < 0) return -1;
    d->pts[d->npts++] = p;
    if (in_kvm(d) && (!points_fit_kvm(d) || point_insert(d->kvm, &p) < 0)) {
        d->npts--;
        switch_to(d, d->emu, p.phys ? R_PHYS : R_POINTS); /* moves the others */
        d->pts[d->npts++] = p;
        if (point_insert(d->emu, &p) < 0) {
            d->npts--;
            return -1;
        }
    }
    return 0;
}

static int del_point(struct demand *d, struct point p)
{
    int i = find_point(d, &p);
    if (i < 0) return -1;
    point_remove(d->cur, &p);
    d->pts[i] = d->pts[--d->npts];
    return 0; /* the next run goes back to KVM if nothing else holds the guest in the emulator */
}

static int demand_bp_insert(struct vcpu *v, u32 a, bool phys)
{
    return add_point(dm(v), (struct point){.exec = true, .phys = phys, .lin = a, .len = 1});
}
static int demand_bp_remove(struct vcpu *v, u32 a, bool phys)
{
    return del_point(dm(v), (struct point){.exec = true, .phys = phys, .lin = a, .len = 1});
}
static int demand_wp_insert(struct vcpu *v, u32 a, u32 len, enum vcpu_wp_kind k, bool phys)
{
    if (!len || k < VCPU_WP_WRITE || k > VCPU_WP_ACCESS) return -1;
    return add_point(dm(v), (struct point){.phys = phys, .lin = a, .len = len, .kind = k});
}
static int demand_wp_remove(struct vcpu *v, u32 a, u32 len, enum vcpu_wp_kind k, bool phys)
{
    return del_point(dm(v), (struct point){.phys = phys, .lin = a, .len = len, .kind = k});
}

static void demand_kick(struct vcpu *v) { vcpu_kick(dm(v)->cur); }
static void demand_set_intr(struct vcpu *v, bool level)
{
    dm(v)->intr_line = level;
    vcpu_set_intr(dm(v)->cur, level);
}
static void demand_nmi(struct vcpu *v) { vcpu_nmi(dm(v)->cur); }
static void demand_flush_tlb(struct vcpu *v)
{
    vcpu_flush_tlb(dm(v)->emu);
    vcpu_flush_tlb(dm(v)->kvm); /* A20: KVM's memory slots follow */
}
static int demand_tlb_dump(struct vcpu *v, struct vcpu_tlb_entry *out, int max) { return dm(v)->cur->ops->tlb_dump(dm(v)->cur, out, max); }
static u64 demand_icount(struct vcpu *v) { return vcpu_icount(dm(v)->emu) + vcpu_icount(dm(v)->kvm); }

static void demand_reset(struct vcpu *v)
{
    struct demand *d = dm(v);
    /* the RESET state is real mode: the emulator's */
    for (int i = 0; i < d->npts; i++) point_remove(d->cur, &d->pts[i]);
    if (in_kvm(d)) d->switches[R_REAL]++;
    d->cur = d->emu;
    vcpu_reset(d->emu);
    vcpu_set_intr(d->emu, d->intr_line);
    for (int i = 0; i < d->npts; i++) point_insert(d->emu, &d->pts[i]);
    d->counting = d->need_blocks = false;
    d->last_bp = false;
}

static void engine_info(struct vcpu *v, char *buf, size_t len)
{
    struct demand *d = dm(v);
    const char *emu = vcpu_emu_engine_name(d->emu);
    int o = snprintf(buf, len, "engine: %s%s (kvm with demand emulation on %s, emulate-blocks=%u)\n",
                     in_kvm(d) ? "kvm" : emu, d->force ? ", held by 'engine emulate'" : "",
                     strcmp(emu, "dbt") ? "the interpreter" : "the translator", d->n_blocks);
    if (!in_kvm(d)) {
        enum reason r = standing_demand(d);
        struct cpu_state s;
        const char *no = NULL;
        vcpu_get_state(d->emu, &s);
        if (r == R_N && (s.cr0 & CR0_PE) && !(s.eflags & FL_VM) && !vcpu_kvm_can_run(d->kvm, &s, &no)) r = R_PAGING;
        if (r == R_N && (!(s.cr0 & CR0_PE) || (s.eflags & FL_VM))) r = (s.eflags & FL_VM) ? R_V86 : R_REAL;
        if (r != R_N && o >= 0 && (size_t)o < len) o += snprintf(buf + o, len - (size_t)o, "held in %s by: %s\n", emu, reason_name[r]);
        else if (d->counting && o >= 0 && (size_t)o < len)
            o += snprintf(buf + o, len - (size_t)o, "back to kvm after %llu more blocks in protected mode\n",
                          (unsigned long long)(d->block_goal - vcpu_emu_blocks(d->emu)));
    }
    if (o >= 0 && (size_t)o < len)
        o += snprintf(buf + o, len - (size_t)o, "switches: %llu to kvm, %llu to %s\n",
                      (unsigned long long)d->to_kvm, (unsigned long long)d->to_emu, emu);
    for (int r = 0; r < R_N; r++)
        if (d->switches[r] && o >= 0 && (size_t)o < len)
            o += snprintf(buf + o, len - (size_t)o, "  %-40s %llu\n", reason_name[r], (unsigned long long)d->switches[r]);
    if (o >= 0 && (size_t)o < len)
        snprintf(buf + o, len - (size_t)o,
                 "time: kvm %.3f s host (%.6f s virtual), %s %.3f s host (%llu instructions)\n", d->secs[1],
                 (double)vcpu_icount(d->kvm) / 1e9, emu, d->secs[0], (unsigned long long)vcpu_icount(d->emu));
}

static void engine_force(struct vcpu *v, bool emulate) { dm(v)->force = emulate; }

static void demand_log_stats(struct vcpu *v)
{
    struct demand *d = dm(v);
    char buf[2048];
    engine_info(v, buf, sizeof(buf));
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) vd_logf("stats: engine kvm: %s\n", line);
    vcpu_log_stats(d->kvm);
    vcpu_log_stats(d->emu);
}

static void demand_destroy(struct vcpu *v)
{
    struct demand *d = dm(v);
    if (d->emu) vcpu_destroy(d->emu);
    if (d->kvm) vcpu_destroy(d->kvm);
    free(d->pts);
    free(d);
}

static const struct vcpu_ops demand_ops = {
    .name = "kvm",
    .destroy = demand_destroy,
    .reset = demand_reset,
    .run = demand_run,
    .step = demand_step,
    .get_state = demand_get_state,
    .set_state = demand_set_state,
    .read_virt = demand_read_virt,
    .write_virt = demand_write_virt,
    .walk = demand_walk,
    .mem_changed = demand_mem_changed,
    .bp_insert = demand_bp_insert,
    .bp_remove = demand_bp_remove,
    .wp_insert = demand_wp_insert,
    .wp_remove = demand_wp_remove,
    .kick = demand_kick,
    .set_intr = demand_set_intr,
    .nmi = demand_nmi,
    .flush_tlb = demand_flush_tlb,
    .tlb_dump = demand_tlb_dump,
    .icount = demand_icount,
    .log_stats = demand_log_stats,
    .engine_info = engine_info,
    .engine_force = engine_force,
};

struct vcpu *vcpu_demand_create(const struct vcpu_board *b, const struct vcpu_engine_opts *o, char *why, size_t whylen)
{
    struct demand *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    d->v.ops = &demand_ops;
    d->v.board = *b;
    d->n_blocks = o && o->emulate_blocks ? o->emulate_blocks : VCPU_EMULATE_BLOCKS_DEFAULT;
    d->kvm = vcpu_kvm_create(b, why, whylen);
    if (!d->kvm) {
        demand_destroy(&d->v);
        return NULL;
    }
    vcpu_kvm_leave_on_real_mode(d->kvm, true);
    if (o && o->time_scale > 0) vcpu_kvm_set_time_scale(d->kvm, o->time_scale);
    /* the translator where the host has it: same semantics and counts as the interpreter, faster */
    struct vcpu_engine_opts eo = {.engine = vcpu_default_engine()};
    d->emu = vcpu_emu_create(b, &eo);
    if (!d->emu) {
        snprintf(why, whylen, "out of memory");
        demand_destroy(&d->v);
        return NULL;
    }
    d->cur = d->emu; /* RESET is real mode */
    return &d->v;
}
