/*
 * MC146818 RTC and CMOS RAM. Nothing ticks: the time is base_sec plus the
 * whole seconds of virtual time since base_ns, and the flags PF/UF/AF are
 * brought up to date lazily (catch_up) whenever the guest looks or a timer
 * fires. Timers are armed only while an enabled interrupt is still to come
 * (PIE with PF clear, UIE/AIE with UF/AF clear), so a guest that does not
 * read register C leaves nothing ticking.
 * Simplifications: the update cycle is instantaneous (UIP is reported for
 * the 244 us before each update); daylight saving (DSE) and the SQW pin are
 * not emulated; only the 32.768 kHz time base (DV = 010) runs the clock, DV =
 * 11x holds it in reset, and leaving reset puts the first update 500 ms later.
 */
#include "dev/cmos.h"
#include "base/log.h"
#include "dev/devinfo.h"

#define NS 1000000000LL
#define UIP_NS 244000LL

enum {
    A_UIP = 0x80, A_DV = 0x70, A_RS = 0x0f,
    B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04, B_24H = 0x02,
    C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10,
    D_VRT = 0x80,
};

/* ---- calendar (proleptic Gregorian, UTC) ---- */

static i64 days_from_civil(i64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    i64 era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (i64)doe - 719468;
}

struct tm_rtc { int sec, min, hour, wday, day, mon, year; };

static i64 floor_div(i64 a, i64 b) { return a / b - ((a % b) && ((a < 0) != (b < 0))); }

static struct tm_rtc civil_from_unix(i64 t)
{
    struct tm_rtc r;
    i64 days = floor_div(t, 86400), s = t - days * 86400;
    r.sec = (int)(s % 60); r.min = (int)(s / 60 % 60); r.hour = (int)(s / 3600);
    r.wday = (int)((days % 7 + 11) % 7);   /* 1970-01-01 was a Thursday; 0 = Sunday */
    i64 z = days + 719468;
    i64 era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.year = (int)((i64)yoe + era * 400 + (r.mon <= 2));
    return r;
}

/* ---- register format ---- */

static bool binary(const struct cmos *c) { return c->ram[CMOS_REG_B] & B_DM; }
static u8 enc(const struct cmos *c, int v) { return binary(c) ? (u8)v : (u8)((v / 10) << 4 | v % 10); }
static int dec(const struct cmos *c, u8 v) { return binary(c) ? v : (v >> 4) * 10 + (v & 15); }

static u8 enc_hour(const struct cmos *c, int h)
{
    if (c->ram[CMOS_REG_B] & B_24H) return enc(c, h);
    return (u8)(enc(c, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}
static int dec_hour(const struct cmos *c, u8 v)
{
    if (c->ram[CMOS_REG_B] & B_24H) return dec(c, v);
    int h = dec(c, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

static bool running(const struct cmos *c)
{
    return !(c->ram[CMOS_REG_B] & B_SET) && (c->ram[CMOS_REG_A] & 0x60) != 0x60;
}
static bool divider_on(const struct cmos *c) { return (c->ram[CMOS_REG_A] & 0x60) != 0x60; }

/* Whole updates since base_ns at time t (may be negative just after leaving reset). */
static i64 updates_at(const struct cmos *c, u64 t) { return floor_div((i64)(t - c->base_ns), NS); }

static i64 current_sec(const struct cmos *c)
{
    return running(c) ? c->base_sec + updates_at(c, c->clock->now) : c->base_sec;
}

static void store_time(struct cmos *c, i64 t)
{
    struct tm_rtc r = civil_from_unix(t);
    c->ram[CMOS_SECONDS] = enc(c, r.sec);
    c->ram[CMOS_MINUTES] = enc(c, r.min);
    c->ram[CMOS_HOURS] = enc_hour(c, r.hour);
    c->ram[CMOS_WEEKDAY] = enc(c, r.wday + 1);
    c->ram[CMOS_DAY] = enc(c, r.day);
    c->ram[CMOS_MONTH] = enc(c, r.mon);
    c->ram[CMOS_YEAR] = enc(c, r.year % 100);
    c->ram[CMOS_CENTURY] = enc(c, r.year / 100);
}

/* The time the registers hold, as unix seconds. */
static i64 load_time(const struct cmos *c)
{
    int cent = dec(c, c->ram[CMOS_CENTURY]);
    int year = (cent ? cent : 20) * 100 + dec(c, c->ram[CMOS_YEAR]);
    int mon = dec(c, c->ram[CMOS_MONTH]), day = dec(c, c->ram[CMOS_DAY]);
    if (mon < 1 || mon > 12) mon = 1;
    if (day < 1 || day > 31) day = 1;
    return days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 +
           dec_hour(c, c->ram[CMOS_HOURS]) * 3600 + dec(c, c->ram[CMOS_MINUTES]) * 60 +
           dec(c, c->ram[CMOS_SECONDS]);
}

/* ---- periodic rate (register A RS) in 32.768 kHz clocks ---- */

static u32 periodic_ticks(const struct cmos *c)
{
    unsigned rs = c->ram[CMOS_REG_A] & A_RS;
    if (!rs || !divider_on(c)) return 0;
    return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}
static u64 div_ticks(const struct cmos *c, u64 t)
{
    return t <= c->div_ns ? 0 : (u64)((unsigned __int128)(t - c->div_ns) * 32768 / NS);
}
static u64 periodic_next(const struct cmos *c, u64 t)
{
    u32 p = periodic_ticks(c);
    if (!p) return VCLOCK_NEVER;
    u64 n = (div_ticks(c, t) / p + 1) * p;
    return c->div_ns + (u64)(((unsigned __int128)n * NS + 32767) / 32768);
}

/* ---- flags and interrupt ---- */

static bool field_match(u8 alarm, u8 now) { return (alarm & 0xc0) == 0xc0 || alarm == now; }

static bool alarm_match(struct cmos *c, i64 t)
{
    struct tm_rtc r = civil_from_unix(t);
    return field_match(c->ram[CMOS_SECONDS_ALARM], enc(c, r.sec)) &&
           field_match(c->ram[CMOS_MINUTES_ALARM], enc(c, r.min)) &&
           field_match(c->ram[CMOS_HOURS_ALARM], enc_hour(c, r.hour));
}

/* Set PF/UF/AF for every event in (flags_ns, now]. */
static void catch_up(struct cmos *c)
{
    u64 now = c->clock->now, from = c->flags_ns;
    if (now <= from) return;
    u32 p = periodic_ticks(c);
    if (p && div_ticks(c, now) / p > div_ticks(c, from) / p) c->ram[CMOS_REG_C] |= C_PF;
    if (running(c)) {
        i64 k1 = updates_at(c, from), k2 = updates_at(c, now);
        if (k2 > k1) {
            c->ram[CMOS_REG_C] |= C_UF;
            /* Alarms match on h:m:s, so one day of seconds covers every pattern. */
            i64 k = k2 - k1 > 86400 ? k2 - 86400 : k1;
            for (k++; k <= k2 && !(c->ram[CMOS_REG_C] & C_AF); k++)
                if (alarm_match(c, c->base_sec + k)) c->ram[CMOS_REG_C] |= C_AF;
        }
    }
    c->flags_ns = now;
}

static void rearm(struct cmos *c)
{
    u8 b = c->ram[CMOS_REG_B], f = c->ram[CMOS_REG_C];
    u64 now = c->clock->now;
    if ((b & B_PIE) && !(f & C_PF)) vtimer_arm(&c->periodic, periodic_next(c, now));
    else vtimer_disarm(&c->periodic);
    if (running(c) && (((b & B_UIE) && !(f & C_UF)) || ((b & B_AIE) && !(f & C_AF))))
        vtimer_arm(&c->update, c->base_ns + (u64)((updates_at(c, now) + 1) * NS));
    else
        vtimer_disarm(&c->update);
}

static void update_irq(struct cmos *c)
{
    u8 *r = c->ram;
    if (r[CMOS_REG_C] & r[CMOS_REG_B] & (C_PF | C_AF | C_UF)) r[CMOS_REG_C] |= C_IRQF;
    bool level = r[CMOS_REG_C] & C_IRQF;
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(&c->irq, level);
    }
    rearm(c);
}

static void timer_fire(void *opaque)
{
    struct cmos *c = opaque;
    catch_up(c);
    update_irq(c);
}

/* ---- register access ---- */

static bool is_time_reg(u8 i)
{
    return i <= CMOS_YEAR || i == CMOS_CENTURY;
}

static u8 reg_read(struct cmos *c, u8 i)
{
    u64 now = c->clock->now;
    if (is_time_reg(i)) {
        if (running(c)) {
            /* keep the alarm bytes: store_time only writes the time fields */
            store_time(c, current_sec(c));
        }
        return c->ram[i];
    }
    switch (i) {
    case CMOS_REG_A: {
        bool uip = running(c) && (i64)(now - c->base_ns) - updates_at(c, now) * NS >= NS - UIP_NS;
        return (u8)((c->ram[i] & ~A_UIP) | (uip ? A_UIP : 0));
    }
    case CMOS_REG_C: {
        catch_up(c);
        u8 v = c->ram[i];
        c->ram[i] = 0;
        update_irq(c);
        return v;
    }
    case CMOS_REG_D:
        return D_VRT;
    default:
        return c->ram[i];
    }
}

static void reg_write(struct cmos *c, u8 i, u8 v)
{
    u64 now = c->clock->now;
    catch_up(c);
    if (is_time_reg(i)) {
        if (running(c)) {
            /* Takes effect at once, keeping the phase of the seconds tick. */
            store_time(c, current_sec(c));
            c->ram[i] = v;
            c->base_sec = load_time(c) - updates_at(c, now);
        } else {
            c->ram[i] = v;
            if (!(c->ram[CMOS_REG_B] & B_SET)) c->base_sec = load_time(c);
        }
        update_irq(c);
        return;
    }
    switch (i) {
    case CMOS_REG_A: {
        bool was_on = divider_on(c);
        if (was_on && (v & 0x60) == 0x60 && running(c)) {
            c->base_sec = current_sec(c);     /* divider reset: the clock stops here */
            store_time(c, c->base_sec);
        }
        c->ram[i] = v & ~A_UIP;
        if (!was_on && divider_on(c)) {       /* out of reset: first update 500 ms later */
            c->base_ns = now - NS / 2;
            c->div_ns = now;
        }
        break;
    }
    case CMOS_REG_B: {
        bool was_set = c->ram[i] & B_SET;
        if ((v & B_SET) && !was_set) {
            store_time(c, current_sec(c));   /* freeze: the guest now edits the registers */
            c->base_sec = current_sec(c);
            v &= ~B_UIE;                      /* SET clears UIE (datasheet) */
        }
        c->ram[i] = v;
        if (!(v & B_SET) && was_set) {
            c->base_sec = load_time(c);       /* counting resumes a full second from now */
            c->base_ns = now;
            c->flags_ns = now;
        }
        break;
    }
    case CMOS_REG_C: case CMOS_REG_D:
        break;                                 /* read-only */
    default:
        c->ram[i] = v;
        break;
    }
    update_irq(c);
}

static u32 cmos_io_read(void *opaque, u64 off, unsigned size)
{
    struct cmos *c = opaque;
    if (off == 0) return 0xff;                 /* the index register is write-only */
    return reg_read(c, c->index);
}

static void cmos_io_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct cmos *c = opaque;
    if (off == 0) {
        c->index = val & 0x7f;
        c->nmi_masked = val & 0x80;
    } else {
        reg_write(c, c->index, (u8)val);
    }
}

static void update_checksum(struct cmos *c)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++) sum += c->ram[i];
    c->ram[CMOS_CHECKSUM_HI] = (u8)(sum >> 8);
    c->ram[CMOS_CHECKSUM_LO] = (u8)sum;
}

void cmos_set_byte(struct cmos *c, u8 index, u8 val)
{
    c->ram[index & 0x7f] = val;
    update_checksum(c);
}

u8 cmos_get_byte(struct cmos *c, u8 index) { return c->ram[index & 0x7f]; }

void cmos_set_memory(struct cmos *c, u64 ram_bytes)
{
    u64 kb = ram_bytes / 1024;
    u64 ext = kb > 1024 ? kb - 1024 : 0;       /* KB above 1 MB, 16 bits at most */
    if (ext > 0xffff) ext = 0xffff;
    u64 high = ram_bytes > (16u << 20) ? (ram_bytes - (16u << 20)) >> 16 : 0;   /* 64K above 16M */
    if (high > 0xffff) high = 0xffff;
    u8 *r = c->ram;
    r[CMOS_BASEMEM_LO] = 640 & 0xff; r[CMOS_BASEMEM_HI] = 640 >> 8;
    r[CMOS_EXTMEM_LO] = (u8)ext; r[CMOS_EXTMEM_HI] = (u8)(ext >> 8);
    r[CMOS_EXTMEM2_LO] = (u8)ext; r[CMOS_EXTMEM2_HI] = (u8)(ext >> 8);
    r[CMOS_HIGHMEM_LO] = (u8)high; r[CMOS_HIGHMEM_HI] = (u8)(high >> 8);
    update_checksum(c);
}

i64 cmos_time(struct cmos *c)
{
    return (c->ram[CMOS_REG_B] & B_SET) ? load_time(c) : current_sec(c);
}

void cmos_reset(struct cmos *c)
{
    /* RESET pin: clears PIE/AIE/UIE, the flags and IRQF; time, RAM and format kept. */
    catch_up(c);
    c->ram[CMOS_REG_B] &= ~(B_PIE | B_AIE | B_UIE);
    c->ram[CMOS_REG_C] = 0;
    c->index = 0;
    c->nmi_masked = false;
    update_irq(c);
}

void cmos_init(struct cmos *c, struct iomap *ports, struct vclock *clock,
               struct irq_line irq8, i64 start_unix_sec)
{
    memset(c, 0, sizeof(*c));
    c->clock = clock;
    c->irq = irq8;
    c->base_sec = start_unix_sec;
    c->base_ns = c->div_ns = c->flags_ns = clock->now;
    c->ram[CMOS_REG_A] = 0x26;                 /* 32.768 kHz, 1024 Hz periodic rate */
    c->ram[CMOS_REG_B] = B_24H;                /* BCD, 24-hour */
    c->ram[CMOS_EQUIPMENT] = 0x02;             /* FPU present, VGA, no floppy */
    store_time(c, start_unix_sec);
    update_checksum(c);
    vtimer_init(clock, &c->periodic, "rtc-periodic", timer_fire, c);
    vtimer_init(clock, &c->update, "rtc-update", timer_fire, c);
    if (ports) iomap_add(ports, 0x70, 2, "rtc", 1, cmos_io_read, cmos_io_write, c);
}

int cmos_info(const struct cmos *cc, char *buf, size_t size)
{
    struct cmos *c = (struct cmos *)cc;   /* reading the time refreshes the register copies */
    struct infobuf b = infobuf_make(buf, size);
    i64 t = cmos_time(c);
    struct tm_rtc r = civil_from_unix(t);
    u8 *ram = c->ram;
    catch_up(c);
    infof(&b, "time      %04d-%02d-%02d %02d:%02d:%02d UTC%s\n", r.year, r.mon, r.day, r.hour, r.min,
          r.sec, (ram[CMOS_REG_B] & B_SET) ? " (SET: stopped)" : !divider_on(c) ? " (divider reset)" : "");
    infof(&b, "format    %s, %s\n", binary(c) ? "binary" : "BCD",
          (ram[CMOS_REG_B] & B_24H) ? "24-hour" : "12-hour");
    u32 p = periodic_ticks(c);
    infof(&b, "reg A %02x  B %02x  C %02x  D %02x   periodic %s%.3f Hz\n", reg_read(c, CMOS_REG_A),
          ram[CMOS_REG_B], ram[CMOS_REG_C], D_VRT, p ? "" : "off ", p ? 32768.0 / p : 0.0);
    u8 en = ram[CMOS_REG_B] & (B_PIE | B_AIE | B_UIE);
    infof(&b, "enabled   %s%s%s%s  IRQ8 %d\n", (en & B_PIE) ? "PIE " : "", (en & B_AIE) ? "AIE " : "",
          (en & B_UIE) ? "UIE " : "", en ? "" : "none ", c->irq_level);
    infof(&b, "alarm     %02x:%02x:%02x\n", ram[CMOS_HOURS_ALARM], ram[CMOS_MINUTES_ALARM],
          ram[CMOS_SECONDS_ALARM]);
    infof(&b, "index     0x%02x  NMI %s\n", c->index, c->nmi_masked ? "masked" : "enabled");
    infof(&b, "memory    base %u KB  ext %u KB  above 16M %u x 64 KB  shutdown 0x%02x\n",
          ram[0x15] | ram[0x16] << 8, ram[0x30] | ram[0x31] << 8, ram[0x34] | ram[0x35] << 8,
          ram[CMOS_SHUTDOWN]);
    return (int)b.len;
}

const struct snap_field cmos_snap_fields[] = {
    SNAP_FIELD(struct cmos, index),
    SNAP_FIELD(struct cmos, nmi_masked),
    SNAP_FIELD(struct cmos, ram),
    SNAP_FIELD(struct cmos, base_sec),
    SNAP_FIELD(struct cmos, base_ns),
    SNAP_FIELD(struct cmos, div_ns),
    SNAP_FIELD(struct cmos, flags_ns),
    SNAP_FIELD(struct cmos, periodic.deadline),
    SNAP_FIELD(struct cmos, update.deadline),
    SNAP_FIELD(struct cmos, irq_level),
};
const size_t cmos_snap_nfields = sizeof(cmos_snap_fields) / sizeof(cmos_snap_fields[0]);
