/*
 * P6 local APIC (see lapic.h). Register map (offset >> 4):
 *
 *   0x02 ID (bits 27:24)      0x03 version (0x11, max LVT 4)
 *   0x08 TPR   0x09 APR (ro)  0x0A PPR (ro)   0x0B EOI (wo)   0x0C remote read (0)
 *   0x0D LDR   0x0E DFR       0x0F SVR (bits 3:0 hardwired to 1 on P6)
 *   0x10-0x17 ISR, 0x18-0x1F TMR, 0x20-0x27 IRR (ro)          0x28 ESR
 *   0x30/0x31 ICR low/high    0x32 LVT timer  0x34 LVT perf   0x35/0x36 LINT0/1
 *   0x37 LVT error            0x38 initial count  0x39 current count (ro)
 *   0x3E divide configuration
 *
 * Anything else is reserved: reads 0, and the access sets ESR "illegal
 * register address" as on P6. Registers are 32 bits; a narrower read returns
 * the addressed bytes, a narrower write is ignored (the SDM leaves both
 * undefined).
 *
 * Priorities: a fixed interrupt in the IRR is delivered when its priority
 * class (vector bits 7:4) is above the PPR's, PPR being the higher of the TPR
 * and the class of the highest vector in service. An ExtINT from LINT0 (or
 * the I/O APIC) is not prioritised: it is acknowledged by the 8259 when no
 * APIC interrupt is deliverable (as QEMU orders them).
 *
 * Software disable (SVR bit 8 clear): fixed interrupts are not accepted, and
 * every LVT mask bit is set and stays set until the APIC is enabled again;
 * LINT0's ExtINT and NMIs still pass. Global disable (IA32_APIC_BASE[11]
 * clear) resets the APIC, hides its registers and connects LINT0/LINT1 to
 * INTR/NMI directly. Setting the bit again brings the APIC back in the state
 * that disable left, the power-up state of SDM 10.4.7.1 (every LVT masked,
 * SVR 0xFF): the rule of the Pentium 4 and later processors, which operating
 * systems and kvm-unit-tests rely on. (A real P6 needs a reset to re-enable;
 * see docs/kvm-unit-tests.md for why the model follows the later rule.)
 */
#include "dev/lapic.h"
#include "dev/devinfo.h"
#include "base/log.h"

enum {
    LVT_MASKED = 1u << 16,
    LVT_TIMER_PERIODIC = 1u << 17,
    LVT_LEVEL = 1u << 15,
    LVT_REMOTE_IRR = 1u << 14,
    LVT_ACTIVE_LOW = 1u << 13,
    SVR_ENABLE = 1u << 8,
};
/* Writable bits of each LVT entry */
static const u32 lvt_writable[LVT_N] = {
    [LVT_TIMER] = 0x300ff, [LVT_PERF] = 0x107ff, [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff,
    [LVT_ERROR] = 0x100ff,
};

static bool sw_enabled(const struct lapic *l) { return l->svr & SVR_ENABLE; }
static unsigned dm_of(u32 v) { return (v >> 8) & 7; }

/* ---- 256-bit vector sets ---- */

static void vset(u32 *r, u8 v) { r[v >> 5] |= 1u << (v & 31); }
static void vclr(u32 *r, u8 v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool vtest(const u32 *r, u8 v) { return r[v >> 5] >> (v & 31) & 1; }
/* Highest vector set, or -1. */
static int vhigh(const u32 *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i]) return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

static u8 ppr(const struct lapic *l)
{
    int isrv = vhigh(l->isr);
    u8 isr_class = isrv < 0 ? 0 : (u8)(isrv & 0xf0);
    return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

static u8 apr(const struct lapic *l)
{
    int irrv = vhigh(l->irr), isrv = vhigh(l->isr);
    int top = (irrv > isrv ? irrv : isrv);
    u8 cls = top < 0 ? 0 : (u8)(top & 0xf0);
    return (l->tpr & 0xf0) >= cls ? l->tpr : cls;
}

/* The IRR vector the CPU would get now, or -1. */
static int deliverable(const struct lapic *l)
{
    if (!sw_enabled(l)) return -1;
    int v = vhigh(l->irr);
    return v >= 0 && (v & 0xf0) > (ppr(l) & 0xf0) ? v : -1;
}

static bool extint_pending(const struct lapic *l)
{
    u32 lint0 = l->lvt[LVT_LINT0];
    bool via_lint0 = !(lint0 & LVT_MASKED) && dm_of(lint0) == APIC_DM_EXTINT && l->lint[0];
    return via_lint0 || l->extint_msg;
}

/* Recompute the INTR output. */
static void update(struct lapic *l)
{
    bool level = l->hw_enabled ? deliverable(l) >= 0 || extint_pending(l) : l->lint[0];
    if (level != l->intr) {
        l->intr = level;
        irq_set(&l->w.intr, level);
    }
}

static void nmi(struct lapic *l)
{
    if (l->w.nmi) l->w.nmi(l->w.opaque);
}

static void lvt_fire(struct lapic *l, int which);

/* Latch an error and signal it through the LVT error entry. An error
 * already latched since the last ESR write does not signal again (this also
 * ends the loop of an error entry programmed with an illegal vector). */
static void error(struct lapic *l, u32 bits)
{
    bool first = !(l->esr_pending & bits);
    l->esr_pending |= bits;
    if (first) lvt_fire(l, LVT_ERROR);
}

/* Accept a fixed interrupt into the IRR (level: set its TMR bit, so the EOI is broadcast). */
static void accept(struct lapic *l, u8 vec, bool level)
{
    if (vec < 16) {
        error(l, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    if (!sw_enabled(l)) return;
    vset(l->irr, vec);
    if (level) vset(l->tmr, vec);
    else vclr(l->tmr, vec);
    update(l);
}

/* An LVT source signals (timer expiry, error, an edge on a LINT pin). */
static void lvt_fire(struct lapic *l, int which)
{
    u32 e = l->lvt[which];
    if (e & LVT_MASKED) return;
    switch (dm_of(e)) {
    case APIC_DM_FIXED:
        if (which == LVT_LINT0 || which == LVT_LINT1) {
            if (e & LVT_LEVEL) {
                if (e & LVT_REMOTE_IRR) return;   /* still in service */
                l->lvt[which] |= LVT_REMOTE_IRR;
            }
            accept(l, (u8)e, e & LVT_LEVEL);
        } else {
            accept(l, (u8)e, false);
        }
        break;
    case APIC_DM_NMI: nmi(l); break;
    case APIC_DM_EXTINT: update(l); break;          /* LINT0 virtual wire: the level is the request */
    default:
        VD_LOG(LOG_UNIMP, "lapic: LVT %d delivery mode %u not modelled\n", which, dm_of(e));
        break;
    }
}

void lapic_pmi(struct lapic *l)
{
    if (l->hw_enabled) lvt_fire(l, LVT_PERF);
}

/* ---- timer ---- */

static u64 timer_period(const struct lapic *l) { return (u64)l->initial_count << l->count_shift; }

static u32 current_count(const struct lapic *l)
{
    if (!l->initial_count || !l->hw_enabled) return 0;
    u64 ticks = (l->clock->now - l->count_start) >> l->count_shift;
    if (l->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) return l->initial_count - (u32)(ticks % l->initial_count);
    return ticks >= l->initial_count ? 0 : l->initial_count - (u32)ticks;
}

/* Arm the vtimer for the next expiry after now (none for an expired one-shot). */
static void timer_arm(struct lapic *l)
{
    u64 p = timer_period(l), now = l->clock->now;
    if (!p || !l->hw_enabled) {
        vtimer_disarm(&l->timer);
        return;
    }
    u64 first = l->count_start + p;
    if (l->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
        u64 n = now < first ? 0 : (now - first) / p + 1;
        vtimer_arm(&l->timer, first + n * p);
    } else if (now < first) {
        vtimer_arm(&l->timer, first);
    } else {
        vtimer_disarm(&l->timer);
    }
}

static void timer_fire(void *opaque)
{
    struct lapic *l = opaque;
    lvt_fire(l, LVT_TIMER);
    timer_arm(l);
}

static void set_divide(struct lapic *l, u32 val)
{
    /* keep the current count across a divisor change: restart the count there */
    u32 cur = current_count(l);
    l->divide = val & 0xb;
    unsigned v = (l->divide & 3) | (l->divide >> 1 & 4);
    l->count_shift = (v + 1) & 7;                 /* 000 -> /2 ... 110 -> /128, 111 -> /1 */
    if (cur && l->initial_count) {
        u64 elapsed = (u64)(l->initial_count - cur) << l->count_shift;
        l->count_start = l->clock->now - elapsed;   /* may wrap below 0: differences stay exact */
    }
    timer_arm(l);
}

/* ---- state ---- */

static void reset_regs(struct lapic *l)
{
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    memset(l->irr, 0, sizeof(l->irr));
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    for (int i = 0; i < LVT_N; i++) l->lvt[i] = LVT_MASKED;
    l->initial_count = 0;
    l->divide = 0;
    l->count_shift = 1;
    l->count_start = l->clock->now;
    l->extint_msg = false;
    vtimer_disarm(&l->timer);
}

void lapic_reset(struct lapic *l)
{
    reset_regs(l);
    l->base = LAPIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_ENABLE;
    l->hw_enabled = true;
    l->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    l->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
    update(l);
}

void lapic_set_base(struct lapic *l, u64 value)
{
    if ((value & ~0xfffull) != LAPIC_DEFAULT_BASE && (value & APIC_BASE_ENABLE))
        VD_LOG(LOG_UNIMP, "lapic: relocation to 0x%llx not modelled (registers stay at 0x%x)\n",
               (unsigned long long)(value & ~0xfffull), LAPIC_DEFAULT_BASE);
    l->base = value;
    if (!(value & APIC_BASE_ENABLE) && l->hw_enabled) {
        reset_regs(l);
        l->hw_enabled = false;
    } else if ((value & APIC_BASE_ENABLE) && !l->hw_enabled) {
        l->hw_enabled = true;   /* registers as disable left them: the power-up state */
    }
    update(l);
}

/* ---- the APIC bus ---- */

bool lapic_match_dest(const struct lapic *l, u8 dest, bool logical)
{
    if (!logical) return (dest & 0xf) == 0xf || (dest & 0xf) == (l->id & 0xf);  /* 4-bit IDs, 0xF broadcast */
    u8 ld = (u8)(l->ldr >> 24);
    if ((l->dfr >> 28) == 0xf) return (dest & ld) != 0;                           /* flat model */
    return ((dest >> 4) == 0xf || (dest >> 4) == (ld >> 4)) && (dest & ld & 0xf); /* cluster model */
}

/* A message this APIC accepts. */
static void receive(struct lapic *l, const struct apic_msg *m)
{
    switch (m->mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST: accept(l, m->vector, m->level); break;   /* the one CPU is the lowest */
    case APIC_DM_NMI: nmi(l); break;
    case APIC_DM_EXTINT:
        l->extint_msg = m->assert;
        update(l);
        break;
    default:
        VD_LOG(LOG_UNIMP, "lapic: delivery mode %u (vector 0x%x) not modelled\n", m->mode, m->vector);
        break;
    }
}

void lapic_deliver(struct lapic *l, const struct apic_msg *m)
{
    if (l->hw_enabled && lapic_match_dest(l, m->dest, m->logical)) receive(l, m);
}

/* ICR low written: send an IPI. Only this APIC is on the bus, so an IPI
 * either reaches it or nobody. */
static void send_ipi(struct lapic *l)
{
    u32 lo = l->icr_lo;
    unsigned mode = dm_of(lo), shorthand = lo >> 18 & 3;
    bool level_trig = lo & (1u << 15), assert = lo & (1u << 14);
    if (mode == APIC_DM_INIT && level_trig && !assert) return;   /* INIT level de-assert: arbitration IDs only */
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && (u8)lo < 16) {
        error(l, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    bool self = shorthand == 1 || shorthand == 2 ||       /* self, all including self */
                (shorthand == 0 && lapic_match_dest(l, (u8)(l->icr_hi >> 24), lo & (1u << 11)));
    if (!self || mode == APIC_DM_STARTUP) return;            /* a SIPI does nothing to a running CPU */
    if (mode == APIC_DM_EXTINT) {
        VD_LOG(LOG_GUEST_ERRORS, "lapic: ExtINT IPI ignored\n");
        return;
    }
    receive(l, &(struct apic_msg){.mode = (u8)mode, .vector = (u8)lo, .level = level_trig, .assert = assert});
}

void lapic_set_lint(void *opaque, int pin, int level)
{
    struct lapic *l = opaque;
    if (pin < 0 || pin > 1) return;
    bool old = l->lint[pin];
    l->lint[pin] = level != 0;
    if (!l->hw_enabled) {
        if (pin == 1 && level && !old) nmi(l);
        update(l);
        return;
    }
    u32 e = l->lvt[LVT_LINT0 + pin];
    bool active_low = e & LVT_ACTIVE_LOW;
    bool now = l->lint[pin] != active_low, before = old != active_low;
    if (dm_of(e) == APIC_DM_EXTINT) {
        update(l);
    } else if (dm_of(e) == APIC_DM_FIXED && (e & LVT_LEVEL)) {
        if (now) lvt_fire(l, LVT_LINT0 + pin);
    } else if (now && !before) {
        lvt_fire(l, LVT_LINT0 + pin);
    }
}

int lapic_ack(struct lapic *l)
{
    if (!l->hw_enabled) return l->w.extint_ack ? l->w.extint_ack(l->w.opaque) : -1;
    int v = deliverable(l), r;
    if (v >= 0) {
        vclr(l->irr, (u8)v);
        vset(l->isr, (u8)v);
        r = v;
    } else if (extint_pending(l)) {
        r = l->w.extint_ack ? l->w.extint_ack(l->w.opaque) : -1;
    } else {
        r = (u8)l->svr;                             /* the request went away (TPR raised) */
        VD_LOG(LOG_INT, "lapic: spurious interrupt 0x%x\n", r);
    }
    update(l);
    return r;
}

static void eoi(struct lapic *l)
{
    int v = vhigh(l->isr);
    if (v < 0) return;
    vclr(l->isr, (u8)v);
    if (vtest(l->tmr, (u8)v)) {
        vclr(l->tmr, (u8)v);
        /* a level-triggered LINT entry with this vector may take the next request */
        for (int i = LVT_LINT0; i <= LVT_LINT1; i++) {
            if (!(l->lvt[i] & LVT_REMOTE_IRR) || (u8)l->lvt[i] != v) continue;
            l->lvt[i] &= ~LVT_REMOTE_IRR;
            if (l->lint[i - LVT_LINT0] != !!(l->lvt[i] & LVT_ACTIVE_LOW)) lvt_fire(l, i);
        }
        if (l->w.eoi) l->w.eoi(l->w.opaque, (u8)v);
    }
    update(l);
}

/* ---- registers ---- */

u32 lapic_read(struct lapic *l, u32 off)
{
    unsigned r = (off >> 4) & 0xff;
    switch (r) {
    case 0x02: return (u32)l->id << 24;
    case 0x03: return LAPIC_VERSION | (LVT_N - 1) << 16;
    case 0x08: return l->tpr;
    case 0x09: return apr(l);
    case 0x0a: return ppr(l);
    case 0x0b: return 0;
    case 0x0c: return 0;
    case 0x0d: return l->ldr;
    case 0x0e: return l->dfr;
    case 0x0f: return l->svr;
    case 0x10 ... 0x17: return l->isr[r - 0x10];
    case 0x18 ... 0x1f: return l->tmr[r - 0x18];
    case 0x20 ... 0x27: return l->irr[r - 0x20];
    case 0x28: return l->esr;
    case 0x30: return l->icr_lo & ~(1u << 12);  /* delivery status: always idle */
    case 0x31: return l->icr_hi;
    case 0x32: return l->lvt[LVT_TIMER];
    case 0x34 ... 0x37: return l->lvt[LVT_PERF + (r - 0x34)];
    case 0x38: return l->initial_count;
    case 0x39: return current_count(l);
    case 0x3e: return l->divide;
    }
    error(l, ESR_ILLEGAL_REGISTER);
    return 0;
}

static void write_lvt(struct lapic *l, int i, u32 val)
{
    u32 keep = l->lvt[i] & ~lvt_writable[i];     /* remote IRR, delivery status */
    val &= lvt_writable[i];
    if (!sw_enabled(l)) val |= LVT_MASKED;
    l->lvt[i] = keep | val;
    if (i == LVT_TIMER) timer_arm(l);
    if (i == LVT_LINT0 || i == LVT_LINT1) {
        /* an unmasked level entry whose pin is active requests now */
        if (!(l->lvt[i] & LVT_MASKED) && dm_of(l->lvt[i]) == APIC_DM_FIXED && (l->lvt[i] & LVT_LEVEL) &&
            l->lint[i - LVT_LINT0] != !!(l->lvt[i] & LVT_ACTIVE_LOW))
            lvt_fire(l, i);
    }
    update(l);
}

void lapic_write(struct lapic *l, u32 off, u32 val)
{
    unsigned r = (off >> 4) & 0xff;
    switch (r) {
    case 0x02: l->id = (u8)(val >> 24 & 0xf); return;
    case 0x08:
        l->tpr = (u8)val;
        update(l);
        return;
    case 0x0b: eoi(l); return;
    case 0x0d: l->ldr = val & 0xff000000u; return;
    case 0x0e: l->dfr = val | 0x0fffffffu; return;
    case 0x0f:
        l->svr = (val & 0x3f0) | 0xf;
        if (!sw_enabled(l))
            for (int i = 0; i < LVT_N; i++) l->lvt[i] |= LVT_MASKED;
        update(l);
        return;
    case 0x28:
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        return;
    case 0x30:
        l->icr_lo = val & 0x000ccfffu;
        send_ipi(l);
        return;
    case 0x31: l->icr_hi = val & 0xff000000u; return;
    case 0x32: write_lvt(l, LVT_TIMER, val); return;
    case 0x34 ... 0x37: write_lvt(l, LVT_PERF + (int)(r - 0x34), val); return;
    case 0x38:
        l->initial_count = val;
        l->count_start = l->clock->now;
        timer_arm(l);
        return;
    case 0x3e: set_divide(l, val); return;
    case 0x03: case 0x09: case 0x0a: case 0x0c: case 0x10 ... 0x27: case 0x39:
        return;                                    /* read-only */
    }
    error(l, ESR_ILLEGAL_REGISTER);
}

/* ---- MMIO window ---- */

static u32 mmio_read(void *opaque, u64 off, unsigned size)
{
    struct lapic *l = opaque;
    if (!l->hw_enabled) return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;   /* nothing answers */
    u32 v = lapic_read(l, (u32)off & ~0xfu);
    unsigned sh = 8 * (off & 3);
    if ((off & 0xf) >= 4) return 0;
    return size == 4 ? v : (v >> sh) & ((1u << (8 * size)) - 1);
}

static void mmio_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct lapic *l = opaque;
    if (!l->hw_enabled) return;
    if (size != 4 || (off & 0xf)) {
        VD_LOG(LOG_GUEST_ERRORS, "lapic: %u-byte write at offset 0x%llx ignored\n", size, (unsigned long long)off);
        return;
    }
    lapic_write(l, (u32)off, val);
}

void lapic_init(struct lapic *l, struct iomap *mmio, struct vclock *clock, const struct lapic_wiring *w)
{
    memset(l, 0, sizeof(*l));
    l->w = *w;
    l->clock = clock;
    vtimer_init(clock, &l->timer, "lapic-timer", timer_fire, l);
    if (mmio) iomap_add(mmio, LAPIC_DEFAULT_BASE, 0x1000, "lapic", 4, mmio_read, mmio_write, l);
    lapic_reset(l);
}

int lapic_info(const struct lapic *l, char *buf, size_t size)
{
    struct infobuf b = infobuf_make(buf, size);
    infof(&b, "lapic: id %u base 0x%llx %s, %s, svr 0x%03x tpr 0x%02x ppr 0x%02x esr 0x%02x\n", l->id,
          (unsigned long long)l->base, l->hw_enabled ? "enabled" : "globally disabled",
          sw_enabled(l) ? "software-enabled" : "software-disabled", l->svr, l->tpr, ppr(l), l->esr);
    static const char *const name[LVT_N] = {"timer", "perf", "lint0", "lint1", "error"};
    for (int i = 0; i < LVT_N; i++) infof(&b, "  lvt %-5s 0x%05x\n", name[i], l->lvt[i]);
    infof(&b, "  timer: initial %u current %u divide /%u %s\n", l->initial_count, current_count(l),
          1u << l->count_shift, l->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC ? "periodic" : "one-shot");
    static const char *const set[3] = {"irr", "isr", "tmr"};
    const u32 *regs[3] = {l->irr, l->isr, l->tmr};
    for (int s = 0; s < 3; s++) {
        infof(&b, "  %s:", set[s]);
        for (int v = 0; v < 256; v++)
            if (vtest(regs[s], (u8)v)) infof(&b, " 0x%02x", v);
        infof(&b, "\n");
    }
    infof(&b, "  lint0 %d lint1 %d intr %d\n", l->lint[0], l->lint[1], l->intr);
    return (int)b.len;
}

const struct snap_field lapic_snap_fields[] = {
    SNAP_FIELD(struct lapic, timer.deadline),
    SNAP_FIELD(struct lapic, base),
    SNAP_FIELD(struct lapic, hw_enabled),
    SNAP_FIELD(struct lapic, id),
    SNAP_FIELD(struct lapic, tpr),
    SNAP_FIELD(struct lapic, ldr),
    SNAP_FIELD(struct lapic, dfr),
    SNAP_FIELD(struct lapic, svr),
    SNAP_FIELD(struct lapic, esr),
    SNAP_FIELD(struct lapic, esr_pending),
    SNAP_FIELD(struct lapic, icr_lo),
    SNAP_FIELD(struct lapic, icr_hi),
    SNAP_FIELD(struct lapic, irr),
    SNAP_FIELD(struct lapic, isr),
    SNAP_FIELD(struct lapic, tmr),
    SNAP_FIELD(struct lapic, lvt),
    SNAP_FIELD(struct lapic, initial_count),
    SNAP_FIELD(struct lapic, divide),
    SNAP_FIELD(struct lapic, count_start),
    SNAP_FIELD(struct lapic, count_shift),
    SNAP_FIELD(struct lapic, lint),
    SNAP_FIELD(struct lapic, extint_msg),
    SNAP_FIELD(struct lapic, intr),
};
const size_t lapic_snap_nfields = sizeof(lapic_snap_fields) / sizeof(lapic_snap_fields[0]);
