/*
 * The software engines behind the vcpu interface: the interpreter (cpu_run)
 * and the translator (dbt_run), on one struct cpu. Wires the CPU's bus to
 * the machine's physical memory, port map, PIC and virtual clock, and
 * implements debugger breakpoints/watchpoints and single-step (a step always
 * runs on the interpreter).
 *
 * Virtual time: 1 retired instruction = 1 virtual ns; time skipped over HLT
 * is added by the machine loop (clock->now moves ahead, time_base follows).
 * The TSC is virtual time plus an offset: a 1 GHz constant-rate counter.
 */
#include "accel/vcpu.h"
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"
#include "cpu/debugreg.h"
#include "cpu/sys.h"
#include "base/log.h"
#include "dbt/dbt.h"
#include <stdlib.h>

#define MAX_BP 4096

struct emu {
    struct vcpu v;
    struct cpu *c;
    struct dbt *dbt;      /* NULL: the interpreter runs everything */
    struct vcpu_engine_opts opts;
    u64 time_base;        /* clock->now - icount at the last sync */
    u32 bp[MAX_BP];
    int nbp;
    u32 pbp[MAX_BP];      /* physical breakpoints: the instruction fetched from this physical address */
    int npbp;
    u32 bp_hit_pa;        /* the physical breakpoint that stopped the run ... */
    bool bp_hit_phys;     /* ... when it was one */
    u32 skip_bp;          /* resume from this breakpoint once */
    bool skip_bp_valid;
    /* debugger watchpoints: any number of linear ranges (see emu_watch_hit)
     * and of physical ranges (emu_watch_phys_hit) */
    struct emu_wp { u32 lin, last; enum vcpu_wp_kind kind; } *wp, *pwp;
    int nwp, wp_cap, npwp, pwp_cap;
    u32 wp_lo, wp_hi;     /* bounds of all ranges: most pages are rejected by one compare */
    u32 pwp_lo, pwp_hi;
};

static struct emu *emu_of(struct vcpu *v) { return (struct emu *)v; }
/* In cpu->wp_hit_kind beside the vcpu_wp_kind: the hit was a physical watchpoint's. */
#define EMU_WP_PHYS 0x100

/* Keep the device clock current before any device sees an access. */
static void sync_clock(struct emu *e)
{
    struct vclock *ck = e->v.board.clock;
    u64 now = e->time_base + e->c->icount;
    if (now > ck->now) {
        ck->now = now;
    } else if (now < ck->now) {
        /* The machine skipped ahead (HLT). The TSC counts virtual time, so it
         * moves on by the skipped nanoseconds too (it stays in step with the
         * PIT and RTC, as a constant-rate TSC does with the chipset timers). */
        u64 base = ck->now - e->c->icount;
        e->c->s.tsc += base - e->time_base;
        e->time_base = base;
    }
}

static u8 *bus_ptr(void *o, u64 pa, bool write) { return physmem_ptr(emu_of(o)->v.board.mem, pa, write); }
static u32 bus_mmio_read(void *o, u64 pa, unsigned size)
{
    struct emu *e = o;
    sync_clock(e);
    return physmem_read(e->v.board.mem, pa, size);
}
static void bus_mmio_write(void *o, u64 pa, u32 val, unsigned size)
{
    struct emu *e = o;
    sync_clock(e);
    physmem_write(e->v.board.mem, pa, val, size);
}
static u32 bus_in(void *o, u16 port, unsigned size)
{
    struct emu *e = o;
    sync_clock(e);
    return iomap_read(e->v.board.ports, port, size);
}
static void bus_out(void *o, u16 port, u32 val, unsigned size)
{
    struct emu *e = o;
    sync_clock(e);
    iomap_write(e->v.board.ports, port, val, size);
}
static int bus_ack(void *o)
{
    struct emu *e = o;
    sync_clock(e);
    return e->v.board.intr_ack ? e->v.board.intr_ack(e->v.board.intr_opaque) : -1;
}

/* The physical address the guest's page tables give lin (no side effects),
 * for physical breakpoints; false when it is not mapped. */
static bool lin_to_phys(struct emu *e, u32 lin, u64 *pa)
{
    struct cpu_walk w;
    if (!(e->c->s.cr0 & CR0_PG)) {
        *pa = lin;
        return true;
    }
    if (!cpu_debug_walk(e->c, lin, &w) || !w.present) return false;
    *pa = w.paddr;
    return true;
}

static bool bp_hit(void *o, u32 lin)
{
    struct emu *e = o;
    if (e->skip_bp_valid) {
        e->skip_bp_valid = false;
        if (lin == e->skip_bp) return false;
    }
    e->bp_hit_phys = false;
    for (int i = 0; i < e->nbp; i++)
        if (e->bp[i] == lin) return true;
    u64 pa;
    if (e->npbp && lin_to_phys(e, lin, &pa))
        for (int i = 0; i < e->npbp; i++)
            if (e->pbp[i] == pa) {
                e->bp_hit_phys = true;
                e->bp_hit_pa = e->pbp[i];
                return true;
            }
    return false;
}

static bool bp_page(void *o, u32 page)
{
    struct emu *e = o;
    for (int i = 0; i < e->nbp; i++)
        if ((e->bp[i] & 0xfffff000u) == page) return true;
    u64 pa;
    if (e->npbp && lin_to_phys(e, page, &pa))
        for (int i = 0; i < e->npbp; i++)
            if ((e->pbp[i] & ~0xfffull) == (pa & ~0xfffull)) return true;
    return false;
}

static void update_debug_events(struct emu *e)
{
    /* EV_DEBUG is shared with the guest's DR7 breakpoints and pending watch stops */
    if (e->nbp || e->npbp || cpu_dr_armed(e->c) || e->c->wp_pending) e->c->events |= EV_DEBUG;
    else e->c->events &= ~EV_DEBUG;
}

static enum vcpu_exit map_exit(struct emu *e, enum cpu_exit x)
{
    struct cpu *c = e->c;
    e->v.stop.why = (enum vcpu_exit)x;
    switch (x) {
    case CPU_EXIT_BUDGET: return VCPU_EXIT_BUDGET;
    case CPU_EXIT_HLT: return VCPU_EXIT_HLT;
    case CPU_EXIT_STOP: return VCPU_EXIT_STOP;
    case CPU_EXIT_BREAKPOINT:
        /* resuming executes the instruction under the breakpoint once */
        e->skip_bp = c->s.seg[S_CS].base + c->s.eip;
        e->skip_bp_valid = true;
        e->v.stop.addr = e->bp_hit_phys ? e->bp_hit_pa : e->skip_bp;
        e->v.stop.phys = e->bp_hit_phys;
        return VCPU_EXIT_BREAKPOINT;
    case CPU_EXIT_WATCHPOINT:
        e->v.stop.addr = c->wp_hit_addr;
        e->v.stop.wp_kind = (enum vcpu_wp_kind)(c->wp_hit_kind & 3);
        e->v.stop.phys = c->wp_hit_kind & EMU_WP_PHYS;
        return VCPU_EXIT_WATCHPOINT;
    case CPU_EXIT_TRIPLE_FAULT: return VCPU_EXIT_TRIPLE_FAULT;
    }
    return VCPU_EXIT_STOP;
}

static enum vcpu_exit emu_run(struct vcpu *v, u64 n)
{
    struct emu *e = emu_of(v);
    struct cpu *c = e->c;
    sync_clock(e);
    /* end the run where a performance counter overflows (pmu.c) */
    u64 ov = e->v.board.pmi ? cpu_pmu_next_overflow(c) : UINT64_MAX;
    if (ov != UINT64_MAX && ov - c->icount < n) n = ov - c->icount;
    enum cpu_exit x = e->dbt ? dbt_run(e->dbt, n) : cpu_run(c, n);
    /* it wrapped as planned (a PMU write in between ends the run early) */
    if (ov != UINT64_MAX && c->icount >= ov && cpu_pmu_next_overflow(c) == ov + (1ull << 40))
        e->v.board.pmi(e->v.board.intr_opaque);
    sync_clock(e);
    enum vcpu_exit r = map_exit(e, x);
    v->stop.why = r;
    return r;
}

static enum vcpu_exit emu_step(struct vcpu *v, bool irq)
{
    struct emu *e = emu_of(v);
    struct cpu *c = e->c;
    /* INTR and NMI held off, also when the stepped instruction sets IF or
     * ends NMI blocking (STI, POPF, IRET); a held NMI stays pending */
    c->intr_inhibit = !irq;
    cpu_irq_update(c);
    c->step_mode = true;
    /* a step starting on a breakpoint executes it */
    e->skip_bp = c->s.seg[S_CS].base + c->s.eip;
    e->skip_bp_valid = true;
    sync_clock(e);
    enum cpu_exit x = cpu_run(c, 1);
    sync_clock(e);
    c->step_mode = false;
    c->intr_inhibit = false;
    cpu_irq_update(c); /* INTR as it is now, against IF as the step left it */
    e->skip_bp_valid = false;
    enum vcpu_exit r = x == CPU_EXIT_BUDGET ? VCPU_EXIT_STEP : map_exit(e, x);
    v->stop.why = r;
    return r;
}

static void emu_get_state(struct vcpu *v, struct cpu_state *s)
{
    struct cpu *c = emu_of(v)->c;
    cpu_flags_sync(c);
    *s = c->s;
    s->tsc = c->s.tsc + c->icount; /* the interpreter keeps the TSC as an offset from icount (msr.c) */
    for (unsigned n = 0; n < 2; n++) s->perfctr[n] = cpu_pmc_read(c, n); /* likewise (pmu.c) */
}

static void emu_set_state(struct vcpu *v, const struct cpu_state *s)
{
    struct cpu *c = emu_of(v)->c;
    c->s = *s;
    c->s.tsc = s->tsc - c->icount;
    for (unsigned n = 0; n < 2; n++) cpu_pmc_set(c, n, s->perfctr[n]);
    c->lf.kind = LF_NONE;
    cpu_set_eflags(c, s->eflags, 0xffffffffu);
    cpu_set_cpl(c, s->cpl);
    for (int i = 0; i < 6; i++) cpu_seg_recompute(c, i);
    if (s->halted) c->events |= EV_HALT;
    else c->events &= ~EV_HALT;
    /* event state from another engine: the shadow covers the next boundary, a pending NMI waits */
    if (s->intr_shadow) {
        c->shadow_at = c->icount - 1;
        c->events |= EV_SHADOW;
    } else {
        c->events &= ~EV_SHADOW;
    }
    if (s->nmi_pending) c->events |= EV_NMI;
    else c->events &= ~EV_NMI;
    cpu_irq_update(c);
    cpu_sys_state_loaded(c);
    update_debug_events(emu_of(v));
}

static size_t emu_read_virt(struct vcpu *v, u32 lin, void *buf, size_t len) { return vcpu_virt_rw(v, lin, buf, len, false); }
static size_t emu_write_virt(struct vcpu *v, u32 lin, const void *buf, size_t len) { return vcpu_virt_rw(v, lin, (void *)buf, len, true); }

static bool emu_walk(struct vcpu *v, u32 lin, struct vcpu_walk *out)
{
    struct cpu_walk w;
    bool ok = cpu_debug_walk(emu_of(v)->c, lin, &w);
    memset(out, 0, sizeof(*out));
    out->levels = w.levels;
    for (int i = 0; i < w.levels && i < 3; i++) {
        out->step[i].table_paddr = w.step[i].table;
        out->step[i].entry = w.step[i].entry;
        out->step[i].index = w.step[i].index;
    }
    out->present = w.present;
    out->paddr = w.paddr;
    out->page_size = w.page_size;
    out->flags = w.flags;
    return ok;
}

static void emu_mem_changed(struct vcpu *v, u64 pa, size_t len)
{
    struct emu *e = emu_of(v);
    for (size_t done = 0; done < len;) {
        size_t n = 0x1000 - ((pa + done) & 0xfff);
        if (n > len - done) n = len - done;
        u8 *p = physmem_ptr(v->board.mem, pa + done, false);
        if (p) cpu_invalidate_host(e->c, p, n);
        done += n;
    }
}

static int emu_bp_insert(struct vcpu *v, u32 addr, bool phys)
{
    struct emu *e = emu_of(v);
    u32 *bp = phys ? e->pbp : e->bp;
    int *n = phys ? &e->npbp : &e->nbp;
    for (int i = 0; i < *n; i++)
        if (bp[i] == addr) return 0;
    if (*n == MAX_BP) return -1;
    bp[(*n)++] = addr;
    update_debug_events(e);
    return 0;
}

static int emu_bp_remove(struct vcpu *v, u32 addr, bool phys)
{
    struct emu *e = emu_of(v);
    u32 *bp = phys ? e->pbp : e->bp;
    int *n = phys ? &e->npbp : &e->nbp;
    for (int i = 0; i < *n; i++)
        if (bp[i] == addr) {
            bp[i] = bp[--*n];
            update_debug_events(e);
            return 0;
        }
    return -1;
}

/*
 * Debugger watchpoints. The MMU keeps any linear page for which
 * emu_watch_page says yes out of the fast TLB, so unwatched pages cost
 * nothing and accesses to watched pages take the slow path, which asks
 * emu_watch_hit. The ranges are a plain list: it is consulted only on TLB
 * fills and slow-path accesses, and the bounds check rejects most pages.
 */
static void range_bounds(const struct emu_wp *wp, int n, u32 *lo, u32 *hi)
{
    *lo = 0xffffffffu;
    *hi = 0;
    for (int i = 0; i < n; i++) {
        if (wp[i].lin < *lo) *lo = wp[i].lin;
        if (wp[i].last > *hi) *hi = wp[i].last;
    }
}

static void wp_bounds(struct emu *e)
{
    range_bounds(e->wp, e->nwp, &e->wp_lo, &e->wp_hi);
    range_bounds(e->pwp, e->npwp, &e->pwp_lo, &e->pwp_hi);
    e->c->watch_lo = e->wp_lo;
    e->c->watch_hi = e->wp_hi;
    e->c->watch_phys = e->npwp > 0;
}

static bool page_watched(const struct emu_wp *wp, int n, u32 lo, u32 hi, u32 page)
{
    u32 page_last = page | 0xfff;
    if (!n || page_last < lo || page > hi) return false;
    for (int i = 0; i < n; i++)
        if (wp[i].lin <= page_last && wp[i].last >= page) return true;
    return false;
}

static bool emu_watch_page(void *o, u32 page)
{
    struct emu *e = o;
    return page_watched(e->wp, e->nwp, e->wp_lo, e->wp_hi, page);
}

static bool emu_watch_phys_page(void *o, u64 pa_page)
{
    struct emu *e = o;
    return pa_page <= 0xfffff000u && page_watched(e->pwp, e->npwp, e->pwp_lo, e->pwp_hi, (u32)pa_page);
}

/* The watchpoint of wp[0..n) an access of size bytes at addr hits, or -1;
 * with several, the one that names this kind of access exactly (so GDB sees
 * awatch for access watchpoints). */
static int range_hit(const struct emu_wp *wp, int n, u32 addr, unsigned size, bool write)
{
    u32 last = addr + size - 1;
    if (last < addr) last = 0xffffffffu;
    int best = -1;
    for (int i = 0; i < n; i++) {
        const struct emu_wp *w = &wp[i];
        if (w->lin > last || w->last < addr) continue;
        if (write ? w->kind == VCPU_WP_READ : w->kind == VCPU_WP_WRITE) continue;
        if (best < 0 || w->kind == (write ? VCPU_WP_WRITE : VCPU_WP_READ)) best = i;
    }
    return best;
}

/* Does an access of size bytes at lin touch a watched range of a kind that
 * cares? Refines the MMU's defaults (wp_hit_addr = lin, kind read/write):
 * the address reported is the first watched byte touched, the kind the
 * watchpoint's own. */
static bool emu_watch_hit(void *o, u32 lin, unsigned size, bool write)
{
    struct emu *e = o;
    int best = range_hit(e->wp, e->nwp, lin, size, write);
    if (best < 0) return false;
    e->c->wp_hit_addr = e->wp[best].lin > lin ? e->wp[best].lin : lin;
    e->c->wp_hit_kind = (int)e->wp[best].kind;
    return true;
}

/* The same for a physical watchpoint; the stop reports the physical address. */
static bool emu_watch_phys_hit(void *o, u64 pa, unsigned size, bool write)
{
    struct emu *e = o;
    if (pa > 0xffffffffu) return false;
    int best = range_hit(e->pwp, e->npwp, (u32)pa, size, write);
    if (best < 0) return false;
    e->c->wp_hit_addr = e->pwp[best].lin > pa ? e->pwp[best].lin : (u32)pa;
    e->c->wp_hit_kind = (int)e->pwp[best].kind | EMU_WP_PHYS;
    return true;
}

static int emu_wp_insert(struct vcpu *v, u32 addr, u32 len, enum vcpu_wp_kind k, bool phys)
{
    struct emu *e = emu_of(v);
    if (!len || k < VCPU_WP_WRITE || k > VCPU_WP_ACCESS) return -1;
    u32 last = addr + len - 1 < addr ? 0xffffffffu : addr + len - 1;
    struct emu_wp **wp = phys ? &e->pwp : &e->wp;
    int *n = phys ? &e->npwp : &e->nwp, *cap = phys ? &e->pwp_cap : &e->wp_cap;
    if (*n == *cap) {
        int c2 = *cap ? 2 * *cap : 16;
        struct emu_wp *w = realloc(*wp, (size_t)c2 * sizeof(*w));
        if (!w) return -1;
        *wp = w;
        *cap = c2;
    }
    (*wp)[(*n)++] = (struct emu_wp){addr, last, k};
    wp_bounds(e);
    /* pages already in the fast TLB must go through the hooks again; demote
     * rather than flush, so that the guest-visible TLB contents (stale
     * entries included) stay as they are */
    cpu_tlb_demote(e->c);
    return 0;
}

static int emu_wp_remove(struct vcpu *v, u32 addr, u32 len, enum vcpu_wp_kind k, bool phys)
{
    struct emu *e = emu_of(v);
    u32 last = addr + len - 1 < addr ? 0xffffffffu : addr + len - 1;
    struct emu_wp *wp = phys ? e->pwp : e->wp;
    int *n = phys ? &e->npwp : &e->nwp;
    for (int i = 0; i < *n; i++)
        if (wp[i].lin == addr && wp[i].last == last && wp[i].kind == k) {
            wp[i] = wp[--*n];
            wp_bounds(e);
            return 0; /* the page may stay slow until its TLB entry is refilled */
        }
    return -1;
}
static void emu_kick(struct vcpu *v) { cpu_kick(emu_of(v)->c); }
static void emu_set_intr(struct vcpu *v, bool level) { cpu_set_intr(emu_of(v)->c, level); }
static void emu_nmi(struct vcpu *v) { cpu_raise_nmi(emu_of(v)->c); }
static void emu_flush_tlb(struct vcpu *v)
{
    cpu_tlb_flush(emu_of(v)->c, true);
    cpu_dcache_flush(emu_of(v)->c);
}
static u64 emu_icount(struct vcpu *v) { return emu_of(v)->c->icount; }
u64 vcpu_emu_blocks(struct vcpu *v) { return emu_of(v)->c->blocks; }
void vcpu_emu_count_blocks(struct vcpu *v, bool on)
{
    if (emu_of(v)->dbt) dbt_count_blocks(emu_of(v)->dbt, on);
}
const char *vcpu_emu_engine_name(struct vcpu *v) { return vcpu_engine_name(emu_of(v)->opts.engine); }
void vcpu_emu_rebase_time(struct vcpu *v)
{
    struct emu *e = emu_of(v);
    e->time_base = e->v.board.clock->now - e->c->icount;
}

static int emu_tlb_dump(struct vcpu *v, struct vcpu_tlb_entry *out, int max)
{
    struct cpu *c = emu_of(v)->c;
    int n = 0;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 3; k++)
            for (unsigned i = 0; i < TLB_SIZE; i++) {
                const struct tlb_entry *t = k == 0 ? &c->tlb[s].r[i] : k == 1 ? &c->tlb[s].w[i] : &c->tlb[s].x[i];
                if (t->tag == TLB_INVALID) continue;
                if (n < max) out[n] = (struct vcpu_tlb_entry){"rwx"[k], s == 1, t->tag & ~0xfffu, t->paddr, t->pte_flags};
                n++;
            }
    return n;
}

static void emu_log_stats(struct vcpu *v)
{
    struct emu *e = emu_of(v);
    if (!e->dbt) {
        vd_logf("stats: engine interp: %llu guest instructions\n", (unsigned long long)e->c->icount);
        return;
    }
    struct dbt_stats s;
    dbt_get_stats(e->dbt, &s);
    u64 all = s.insns_translated + s.insns_interp;
    vd_logf("stats: engine dbt: %llu guest instructions, %llu (%.1f%%) in translated code, %llu on the interpreter\n",
            (unsigned long long)all, (unsigned long long)s.insns_translated,
            all ? 100.0 * (double)s.insns_translated / (double)all : 0.0, (unsigned long long)s.insns_interp);
    vd_logf("stats: engine dbt: %llu blocks translated (%llu guest instructions, %.1f%% emitted natively), "
            "%llu chained jumps, %llu lookups (%llu from direct jumps), %llu KiB of host code\n",
            (unsigned long long)s.blocks_translated, (unsigned long long)s.guest_insns_translated,
            s.guest_insns_translated ? 100.0 * (double)s.native_insns / (double)s.guest_insns_translated : 0.0,
            (unsigned long long)s.chains, (unsigned long long)s.lookups, (unsigned long long)s.lookups_direct,
            (unsigned long long)(s.code_bytes >> 10));
    vd_logf("stats: engine dbt: %llu cache flushes, %llu invalidations, %.3f s in the translator\n",
            (unsigned long long)s.flushes, (unsigned long long)s.invalidations, s.translate_seconds);
    if (e->opts.verify)
        vd_logf("stats: engine dbt: lockstep checker ran %llu blocks, compared %llu, no difference\n",
                (unsigned long long)s.verify_blocks, (unsigned long long)(s.verify_blocks - s.verify_unchecked));
}

/* ---- snapshots ---- */

/* What cpu_state does not carry: the count and the protection model's
 * pending work between two instructions. Fixed layout of this build. */
struct emu_snap {
    struct cpu_state s;     /* as emu_get_state exports it (flags, TSC, PMCs materialized) */
    u64 icount;
    u32 events;             /* EV_* that are state (not EV_STOP / EV_DEBUG / EV_BLOCK_END) */
    u8 intr_line, trace_pending, wp_pending, pad;
    u32 dr_pending;
    u64 dr_pending_at, wp_pending_at, trace_at, shadow_at, misc_enable;
    u32 wp_hit_addr;
    i32 wp_hit_kind;
};
#define EMU_SNAP_EVENTS (EV_IRQ | EV_NMI | EV_SHADOW | EV_TF | EV_HALT | EV_TRACE)

static size_t emu_snap_size(struct vcpu *v) { return sizeof(struct emu_snap); }

static void emu_snap_save(struct vcpu *v, void *buf)
{
    struct cpu *c = emu_of(v)->c;
    struct emu_snap sn;
    memset(&sn, 0, sizeof(sn));
    emu_get_state(v, &sn.s);
    sn.icount = c->icount;
    sn.events = c->events & EMU_SNAP_EVENTS;
    sn.intr_line = c->intr_line;
    sn.trace_pending = c->trace_pending;
    sn.wp_pending = c->wp_pending;
    sn.dr_pending = c->dr_pending;
    sn.dr_pending_at = c->dr_pending_at;
    sn.wp_pending_at = c->wp_pending_at;
    sn.trace_at = c->trace_at;
    sn.shadow_at = c->shadow_at;
    sn.misc_enable = c->misc_enable;
    sn.wp_hit_addr = c->wp_hit_addr;
    sn.wp_hit_kind = c->wp_hit_kind;
    memcpy(buf, &sn, sizeof(sn));
}

static void emu_snap_load(struct vcpu *v, const void *buf, bool flush_code)
{
    struct emu *e = emu_of(v);
    struct cpu *c = e->c;
    struct emu_snap sn;
    memcpy(&sn, buf, sizeof(sn));
    c->icount = sn.icount;
    e->time_base = v->board.clock->now - c->icount;
    e->skip_bp_valid = false;
    emu_set_state(v, &sn.s);   /* flushes the TLBs, re-derives segments, CPL, DR7 */
    c->intr_line = sn.intr_line;
    c->trace_pending = sn.trace_pending;
    c->wp_pending = sn.wp_pending;
    c->dr_pending = sn.dr_pending;
    c->dr_pending_at = sn.dr_pending_at;
    c->wp_pending_at = sn.wp_pending_at;
    c->trace_at = sn.trace_at;
    c->shadow_at = sn.shadow_at;
    c->misc_enable = sn.misc_enable;
    c->wp_hit_addr = sn.wp_hit_addr;
    c->wp_hit_kind = sn.wp_hit_kind;
    c->events = (c->events & ~(u32)EMU_SNAP_EVENTS) | sn.events | EV_BLOCK_END;
    cpu_irq_update(c);
    update_debug_events(e);
    if (flush_code) {
        cpu_dcache_flush(c);
        if (e->dbt) dbt_flush(e->dbt);
    }
}

static void emu_dirty_reset(struct vcpu *v)
{
    struct cpu *c = emu_of(v)->c;
    c->bus.dirty = v->board.mem->dirty;
    cpu_tlb_demote_writes(c);
}

static void emu_page_written(void *o, u64 page) { physmem_mark_page(emu_of(o)->v.board.mem, page); }

static void emu_reset(struct vcpu *v)
{
    struct emu *e = emu_of(v);
    cpu_reset(e->c);
    if (e->dbt) dbt_flush(e->dbt);
    update_debug_events(e);
}

static void emu_destroy(struct vcpu *v)
{
    struct emu *e = emu_of(v);
    dbt_free(e->dbt);
    cpu_free(e->c);
    free(e->wp);
    free(e->pwp);
    free(e);
}

static const struct vcpu_ops emu_ops = {
    .name = "interpreter",
    .destroy = emu_destroy,
    .reset = emu_reset,
    .run = emu_run,
    .step = emu_step,
    .get_state = emu_get_state,
    .set_state = emu_set_state,
    .read_virt = emu_read_virt,
    .write_virt = emu_write_virt,
    .walk = emu_walk,
    .mem_changed = emu_mem_changed,
    .bp_insert = emu_bp_insert,
    .bp_remove = emu_bp_remove,
    .wp_insert = emu_wp_insert,
    .wp_remove = emu_wp_remove,
    .kick = emu_kick,
    .set_intr = emu_set_intr,
    .nmi = emu_nmi,
    .flush_tlb = emu_flush_tlb,
    .tlb_dump = emu_tlb_dump,
    .icount = emu_icount,
    .log_stats = emu_log_stats,
    .snap_size = emu_snap_size,
    .snap_save = emu_snap_save,
    .snap_load = emu_snap_load,
    .dirty_reset = emu_dirty_reset,
};

bool vcpu_engine_available(enum vcpu_engine eng)
{
    /* KVM: built on every (Linux) host; whether /dev/kvm runs guests is vcpu_kvm_usable's question */
    return eng == VCPU_ENGINE_INTERP || eng == VCPU_ENGINE_KVM || (eng == VCPU_ENGINE_DBT && dbt_available());
}

enum vcpu_engine vcpu_default_engine(void)
{
    return dbt_available() ? VCPU_ENGINE_DBT : VCPU_ENGINE_INTERP;
}

const char *vcpu_engine_name(enum vcpu_engine eng)
{
    return eng == VCPU_ENGINE_DBT ? "dbt" : eng == VCPU_ENGINE_KVM ? "kvm" : "interp";
}

struct vcpu *vcpu_emu_create(const struct vcpu_board *b, const struct vcpu_engine_opts *o)
{
    struct vcpu_engine_opts def = {.engine = vcpu_default_engine()};
    if (!o) o = &def;
    if (!vcpu_engine_available(o->engine) || o->engine == VCPU_ENGINE_KVM) return NULL;
    struct emu *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    e->opts = *o;
    e->v.ops = &emu_ops;
    e->v.board = *b;
    struct cpu_bus bus = {
        .opaque = e,
        .ptr = bus_ptr,
        .mmio_read = bus_mmio_read,
        .mmio_write = bus_mmio_write,
        .io_in = bus_in,
        .io_out = bus_out,
        .intr_ack = bus_ack,
        .ram = b->mem->ram,
        .ram_size = b->mem->ram_size,
        .dirty = b->mem->dirty,
        .page_written = emu_page_written,
        .dirty_opaque = e,
    };
    e->c = cpu_new(&bus);
    if (!e->c) {
        free(e);
        return NULL;
    }
    e->time_base = b->clock->now;
    e->c->bp_hit = bp_hit;
    e->c->bp_page = bp_page;
    e->c->bp_opaque = e;
    e->c->watch_page = emu_watch_page;
    e->c->watch_hit = emu_watch_hit;
    e->c->watch_phys_page = emu_watch_phys_page;
    e->c->watch_phys_hit = emu_watch_phys_hit;
    e->c->watch_opaque = e;
    e->c->watch_lo = 0xffffffffu;
    e->c->watch_hi = 0;
    e->c->fpu_ferr = b->fpu_ferr;
    e->c->fpu_ignne = b->fpu_ignne;
    e->c->fpu_opaque = b->intr_opaque;
    e->c->apic_base_write = b->apic_base_write;
    e->c->apic_opaque = b->intr_opaque;
    if (o->engine == VCPU_ENGINE_DBT) {
        e->dbt = dbt_new(e->c, (size_t)o->tb_size_mb << 20, o->verify);
        if (!e->dbt) {
            cpu_free(e->c);
            free(e);
            return NULL;
        }
    }
    return &e->v;
}
