/*
 * 8254 PIT. Nothing ticks: a running channel remembers when its count was
 * loaded (load_ns) and the count n; its counter and output at any virtual
 * time are computed from the number of 1.193182 MHz input clocks elapsed.
 * Channel 0's output drives IRQ0 and a vtimer is armed for its next rising
 * edge. Simplifications (documented, as in QEMU): a count is loaded at once
 * rather than on the next input clock; mode 3 with an odd count uses
 * (n+1)/2 high and (n-1)/2 low clocks without the 8254's odd-count dance.
 * Power-on state as on hardware (not QEMU's, which counts from reset): no
 * channel counts until a control word and a count are written (the 8254's
 * state is undefined until then; OUT is taken as high, so programming mode
 * 2 or 3 makes no IRQ0 edge); gates 0 and 1 tied high, gate 2 low (port 0x61
 * bit 0).
 */
#include "dev/pit.h"
#include "base/log.h"
#include "dev/devinfo.h"

#define NS_PER_SEC 1000000000u
#define REFRESH_NS 15085u   /* port 0x61 bit 4 half period (DRAM refresh request) */

static int eff_mode(const struct pit_channel *c) { return c->mode > 5 ? c->mode - 4 : c->mode; }
static u32 modulus(const struct pit_channel *c) { return c->bcd ? 10000 : 65536; }

static u16 to_bcd(u32 v)
{
    return (u16)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}
static u32 from_bcd(u16 v)
{
    return (v & 15) + (v >> 4 & 15) * 10 + (v >> 8 & 15) * 100 + (v >> 12 & 15) * 1000;
}

/* Register value (binary or BCD, 0 = maximum) -> count in ticks. */
static u32 count_ticks(const struct pit_channel *c, u16 reg)
{
    u32 v = c->bcd ? from_bcd(reg) : reg;
    return v ? v : modulus(c);
}

static u64 ticks_since(u64 from, u64 now)
{
    return now <= from ? 0 : (u64)((unsigned __int128)(now - from) * PIT_FREQ_HZ / NS_PER_SEC);
}
/* Virtual time of input clock number t after from (rounded up). */
static u64 tick_time(u64 from, u64 t)
{
    unsigned __int128 ns = ((unsigned __int128)t * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
    return ns > UINT64_MAX - from ? VCLOCK_NEVER : from + (u64)ns;
}

/* Apply a mode 2/3 count whose period has begun. */
static void sync(struct pit_channel *c, u64 now)
{
    if (c->pending && now >= c->pending_ns) {
        c->load_ns = c->pending_ns;
        c->n = c->pending_n;
        c->pending = false;
        c->null_count = false;
    }
}

/* Counter value (register format) at now. */
static u16 counter_at(struct pit_channel *c, u64 now)
{
    sync(c, now);
    if (!c->running) return c->held;
    u64 d = ticks_since(c->load_ns, now);
    u32 n = c->n, m = modulus(c), v;
    switch (eff_mode(c)) {
    case 2: v = n - (u32)(d % n); break;
    case 3: v = n - (u32)((2 * d) % n); break;
    default: v = (u32)((n + m - d % m) % m); break;   /* 0, 1, 4, 5: wrap after terminal count */
    }
    return c->bcd ? to_bcd(v % 10000) : (u16)v;
}

static bool out_at(struct pit_channel *c, u64 now)
{
    sync(c, now);
    if (!c->running) return c->held_out;
    u64 d = ticks_since(c->load_ns, now);
    u32 n = c->n;
    switch (eff_mode(c)) {
    case 0: case 1: return d >= n;
    case 2: return n == 1 || d % n != n - 1;   /* low for the one clock at count 1 */
    case 3: return d % n < (n + 1) / 2;
    default: return d != n;                     /* 4, 5: low for one clock at count 0 */
    }
}

/* Tick index of the first rising edge of OUT after tick d, or UINT64_MAX. */
static u64 next_rise(const struct pit_channel *c, u64 d)
{
    u32 n = c->n;
    switch (eff_mode(c)) {
    case 0: case 1: return d < n ? n : UINT64_MAX;
    case 2: case 3: return (d / n + 1) * n;
    default: return d < (u64)n + 1 ? (u64)n + 1 : UINT64_MAX;
    }
}

static void rearm0(struct pit *p)
{
    struct pit_channel *c = &p->ch[0];
    u64 now = p->clock->now;
    sync(c, now);
    if (!c->running) {
        vtimer_disarm(&p->timer);
        return;
    }
    u64 e = next_rise(c, ticks_since(c->load_ns, now));
    u64 t = e == UINT64_MAX ? VCLOCK_NEVER : tick_time(c->load_ns, e);
    if (c->pending && c->pending_ns < t) t = c->pending_ns;   /* the new period starts with an edge */
    vtimer_arm(&p->timer, t);
}

/* Channel 0 changed synchronously: put its output level on IRQ0, re-arm. */
static void update0(struct pit *p)
{
    bool level = out_at(&p->ch[0], p->clock->now);
    if (level != p->irq0_level) {
        p->irq0_level = level;
        irq_set(&p->irq0, level);
    }
    rearm0(p);
}

/* Timer: a rising edge of OUT0 is due. IRQ0 is edge triggered, so the line is
 * pulsed low-high here and otherwise rests high in periodic modes. */
static void pit_fire(void *opaque)
{
    struct pit *p = opaque;
    irq_set(&p->irq0, 0);
    irq_set(&p->irq0, 1);
    p->irq0_level = true;
    rearm0(p);
}

static void changed(struct pit *p, int ch)
{
    if (ch == 0) update0(p);
}

static void start(struct pit_channel *c, u64 now, u32 n)
{
    c->running = true;
    c->paused = false;
    c->load_ns = now;
    c->n = n;
    c->pending = false;
    c->null_count = false;
}

static void stop(struct pit_channel *c, u64 now)
{
    c->held = counter_at(c, now);
    c->held_out = out_at(c, now);
    c->running = false;
    c->pending = false;
}

/* A complete count was written to the count register. */
static void load_count(struct pit_channel *c, u64 now)
{
    u32 n = count_ticks(c, c->count_reg);
    c->have_count = true;
    c->null_count = true;
    switch (eff_mode(c)) {
    case 0: case 4:
        if (c->gate) {
            start(c, now, n);
        } else {                       /* loaded, counting suspended until gate goes high */
            c->running = false;
            c->paused = true;
            c->held = c->count_reg;
            c->held_out = eff_mode(c) == 4;
        }
        break;
    case 1: case 5:
        /* Waits for a gate trigger; a running count finishes with the old value. */
        break;
    case 2: case 3:
        sync(c, now);
        if (c->running) {              /* takes effect at the end of the current period */
            u64 d = ticks_since(c->load_ns, now);
            c->pending = true;
            c->pending_n = n;
            c->pending_ns = tick_time(c->load_ns, (d / c->n + 1) * c->n);
        } else if (c->gate) {
            start(c, now, n);
        } else {                       /* loaded on the next clock, counts once gate goes high */
            c->held = c->count_reg;
            c->held_out = true;
            c->null_count = false;
        }
        break;
    }
}

static void set_gate(struct pit *p, int ch, bool gate)
{
    struct pit_channel *c = &p->ch[ch];
    u64 now = p->clock->now;
    if (gate == c->gate) return;
    c->gate = gate;
    switch (eff_mode(c)) {
    case 0: case 4:
        if (!gate && c->running) {
            /* Past the terminal count the one-shot is over: OUT keeps its level and
             * the (wrapping) counter is simply frozen, nothing resumes on gate high. */
            bool over = ticks_since(c->load_ns, now) >= c->n;
            stop(c, now);
            c->paused = !over;
        } else if (gate && c->paused) {
            start(c, now, count_ticks(c, c->held));
        }
        break;
    case 1: case 5:
        if (gate && c->have_count) start(c, now, count_ticks(c, c->count_reg));
        break;
    case 2: case 3:
        if (!gate) {                   /* counting stops, output forced high */
            if (c->running) stop(c, now);
            c->held_out = true;
        } else if (c->have_count) {
            start(c, now, count_ticks(c, c->count_reg));
        }
        break;
    }
    changed(p, ch);
}

void pit_set_gate(struct pit *p, int ch, bool gate)
{
    if (ch >= 0 && ch < 3) set_gate(p, ch, gate);
}

bool pit_out(struct pit *p, int ch) { return out_at(&p->ch[ch], p->clock->now); }
u32 pit_count(struct pit *p, int ch) { return counter_at(&p->ch[ch], p->clock->now); }

static u8 status_byte(struct pit_channel *c, u64 now)
{
    return (u8)(out_at(c, now) << 7 | c->null_count << 6 | c->rw_mode << 4 | c->mode << 1 | c->bcd);
}

static void latch_count(struct pit_channel *c, u64 now)
{
    if (c->count_latched) return;      /* a second latch before the first is read is ignored */
    c->latch = counter_at(c, now);
    c->count_latched = true;
    c->latch_msb = false;
}

static void control_word(struct pit *p, u8 val)
{
    u64 now = p->clock->now;
    int sel = val >> 6;
    if (sel == 3) {                    /* read-back: bit 5 = 0 latch count, bit 4 = 0 latch status */
        for (int i = 0; i < 3; i++) {
            if (!(val & (2 << i))) continue;
            struct pit_channel *c = &p->ch[i];
            if (!(val & 0x20)) latch_count(c, now);
            if (!(val & 0x10) && !c->status_latched) {
                c->status = status_byte(c, now);
                c->status_latched = true;
            }
        }
        return;
    }
    struct pit_channel *c = &p->ch[sel];
    int rw = val >> 4 & 3;
    if (rw == 0) {
        latch_count(c, now);
        return;
    }
    if (c->running) stop(c, now);
    c->rw_mode = (u8)rw;
    c->mode = val >> 1 & 7;
    c->bcd = val & 1;
    c->have_count = false;
    c->paused = false;
    c->pending = false;
    c->null_count = true;
    c->held_out = eff_mode(c) != 0;    /* mode 0: OUT low after the control word, else high */
    c->count_latched = c->status_latched = false;
    c->read_msb = c->write_msb = false;
    changed(p, sel);
}

static void data_write(struct pit *p, int ch, u8 val)
{
    struct pit_channel *c = &p->ch[ch];
    u64 now = p->clock->now;
    switch (c->rw_mode) {
    case 1: c->count_reg = val; break;
    case 2: c->count_reg = (u16)(val << 8); break;
    default:
        if (!c->write_msb) {
            c->lsb = val;
            c->write_msb = true;
            if (eff_mode(c) == 0 && c->running) {   /* mode 0: first byte stops counting */
                stop(c, now);
                c->held_out = false;
                changed(p, ch);
            }
            return;
        }
        c->count_reg = (u16)(c->lsb | val << 8);
        c->write_msb = false;
        break;
    }
    load_count(c, now);   /* mode 0: restarts with OUT low until the terminal count */
    changed(p, ch);
}

static u8 data_read(struct pit *p, int ch)
{
    struct pit_channel *c = &p->ch[ch];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    u16 v;
    bool msb;
    if (c->count_latched) {
        v = c->latch;
        if (c->rw_mode == 3) {
            msb = c->latch_msb;
            c->latch_msb = !msb;
            if (msb) c->count_latched = false;
        } else {
            msb = c->rw_mode == 2;
            c->count_latched = false;
        }
    } else {
        v = counter_at(c, p->clock->now);
        if (c->rw_mode == 3) {
            msb = c->read_msb;
            c->read_msb = !msb;
        } else {
            msb = c->rw_mode == 2;
        }
    }
    return msb ? v >> 8 : v & 0xff;
}

static u32 pit_io_read(void *opaque, u64 off, unsigned size)
{
    struct pit *p = opaque;
    if (off == 3) return 0xff;         /* the control register is write-only */
    return data_read(p, (int)off);
}

static void pit_io_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pit *p = opaque;
    if (off == 3) control_word(p, (u8)val);
    else data_write(p, (int)off, (u8)val);
}

/* Port 0x61, system control port B. */
static u32 port61_read(void *opaque, u64 off, unsigned size)
{
    struct pit *p = opaque;
    u64 now = p->clock->now;
    return (p->ch[2].gate ? 1 : 0) | p->speaker_data << 1 | p->port61_rest |
           ((now / REFRESH_NS) & 1) << 4 | (out_at(&p->ch[2], now) ? 0x20 : 0);
}

static void port61_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pit *p = opaque;
    p->speaker_data = val >> 1 & 1;
    p->port61_rest = val & 0x0c;
    set_gate(p, 2, val & 1);
}

void pit_reset(struct pit *p)
{
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        *c = (struct pit_channel){.mode = 3, .rw_mode = 3, .gate = i != 2, .held_out = true};
    }
    p->speaker_data = 0;
    p->port61_rest = 0;
    p->irq0_level = false;
    irq_set(&p->irq0, 0);
    update0(p);
}

void pit_init(struct pit *p, struct iomap *ports, struct vclock *clock, struct irq_line irq0)
{
    memset(p, 0, sizeof(*p));
    p->clock = clock;
    p->irq0 = irq0;
    vtimer_init(clock, &p->timer, "pit", pit_fire, p);
    pit_reset(p);
    if (ports) {
        iomap_add(ports, 0x40, 4, "pit", 1, pit_io_read, pit_io_write, p);
        iomap_add(ports, 0x61, 1, "port61", 1, port61_read, port61_write, p);
    }
}

int pit_info(const struct pit *cp, char *buf, size_t size)
{
    /* Computing the counter may apply a pending mode 2/3 count: not a guest-visible change. */
    struct pit *p = (struct pit *)cp;
    static const char *rw[] = {"-", "lsb", "msb", "lsb/msb"};
    u64 now = p->clock->now;
    struct infobuf b = infobuf_make(buf, size);
    infof(&b, "ch mode rw      bcd gate reload  count  out state\n");
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        u16 count = counter_at(c, now);
        infof(&b, "%d  %d    %-7s %d   %d    0x%04x  0x%04x %d   %s%s\n", i, c->mode, rw[c->rw_mode & 3],
              c->bcd, c->gate, c->count_reg, count, out_at(c, now),
              c->running ? "counting" : c->paused ? "paused (gate low)" :
              !c->have_count ? "idle (no count)" : c->gate ? "waiting for trigger" : "gate low",
              c->null_count ? " null-count" : "");
    }
    if (p->timer.deadline != VCLOCK_NEVER)
        infof(&b, "next IRQ0 edge at %llu ns (in %llu ns)\n", (unsigned long long)p->timer.deadline,
              (unsigned long long)(p->timer.deadline > now ? p->timer.deadline - now : 0));
    else
        infof(&b, "next IRQ0 edge: none\n");
    infof(&b, "port 0x61: gate2 %d speaker %d\n", p->ch[2].gate, p->speaker_data);
    return (int)b.len;
}

const struct snap_field pit_snap_fields[] = {
    SNAP_FIELD(struct pit, ch),
    SNAP_FIELD(struct pit, timer.deadline),
    SNAP_FIELD(struct pit, irq0_level),
    SNAP_FIELD(struct pit, speaker_data),
    SNAP_FIELD(struct pit, port61_rest),
};
const size_t pit_snap_nfields = sizeof(pit_snap_fields) / sizeof(pit_snap_fields[0]);
