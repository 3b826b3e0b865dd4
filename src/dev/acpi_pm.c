/* ACPI PM1 event/control blocks, PM timer and APM control port (acpi_pm.h). */
#include "dev/acpi_pm.h"
#include "base/log.h"
#include "dev/devinfo.h"
#include <stdio.h>

#define NS_PER_SEC 1000000000u
#define TMR_MASK 0xffffffu
#define TMR_OVERFLOW_SHIFT 23                 /* TMR_STS: bit 23 of the counter changed */
#define STS_W1C (ACPI_PM1_TMR | ACPI_PM1_BM | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | \
                 ACPI_PM1_RTC | ACPI_PM1_WAK)
#define EN_MASK (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
/* Events that raise the SCI when enabled (WAK_STS and BM_STS have no enable bit). */
#define SCI_EVENTS EN_MASK
/* PM1_CNT keeps SCI_EN, BM_RLD (bit 1) and SLP_TYP. SLP_EN and GBL_RLS
 * (bit 2: "release the global lock to the BIOS", an SMI with no SMI handler
 * here) are write-only and read 0; bits 3-8 and 14-15 are reserved. */
#define CNT_MASK (ACPI_PM1_SCI_EN | 0x2 | ACPI_PM1_SLP_TYP)

static u64 ticks_at(const struct acpi_pm *pm, u64 now)
{
    u64 d = now > pm->base_ns ? now - pm->base_ns : 0;
    return (u64)((unsigned __int128)d * ACPI_PM_TIMER_HZ / NS_PER_SEC);
}

/* Virtual time of tick t (rounded up, so the tick has happened by then). */
static u64 tick_time(const struct acpi_pm *pm, u64 t)
{
    unsigned __int128 ns = ((unsigned __int128)t * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
    return ns > UINT64_MAX - pm->base_ns ? VCLOCK_NEVER : pm->base_ns + (u64)ns;
}

u32 acpi_pm_timer(struct acpi_pm *pm) { return (u32)ticks_at(pm, pm->clock->now) & TMR_MASK; }

/* Bring TMR_STS up to date: set if bit 23 changed since the last look. */
static void sync_tmr(struct acpi_pm *pm)
{
    u64 epoch = ticks_at(pm, pm->clock->now) >> TMR_OVERFLOW_SHIFT;
    if (epoch != pm->tmr_epoch) {
        pm->sts |= ACPI_PM1_TMR;
        pm->tmr_epoch = epoch;
    }
}

static void update(struct acpi_pm *pm)
{
    bool level = (pm->cnt & ACPI_PM1_SCI_EN) && (pm->sts & pm->en & SCI_EVENTS);
    if (level != pm->sci_level) {
        pm->sci_level = level;
        irq_set(&pm->sci, level);
    }
    if (pm->en & ACPI_PM1_TMR)
        vtimer_arm(&pm->overflow, tick_time(pm, (pm->tmr_epoch + 1) << TMR_OVERFLOW_SHIFT));
    else
        vtimer_disarm(&pm->overflow);
}

static void overflow_fire(void *opaque)
{
    struct acpi_pm *pm = opaque;
    sync_tmr(pm);
    update(pm);
}

/* Merge a 1- or 2-byte access at byte offset off of a 16-bit register. */
static u16 lane_mask(u64 off, unsigned size) { return (u16)((size >= 2 ? 0xffff : 0xff) << 8 * (off & 1)); }
static u16 lane_val(u64 off, u32 val) { return (u16)(val << 8 * (off & 1)); }

static void sleep_enter(struct acpi_pm *pm, unsigned typ)
{
    if (typ == ACPI_PM_SLP_TYP_S5) {
        VD_LOG(LOG_IOPORT, "acpi: SLP_EN with SLP_TYP %u: soft off (S5)\n", typ);
        if (pm->hooks.request_poweroff) pm->hooks.request_poweroff(pm->hooks.opaque);
        return;
    }
    if (typ == ACPI_PM_SLP_TYP_S3 && pm->hooks.request_suspend) {
        VD_LOG(LOG_IOPORT, "acpi: SLP_EN with SLP_TYP %u: suspend to RAM (S3)\n", typ);
        pm->hooks.request_suspend(pm->hooks.opaque);
        return;
    }
    /* No other sleep state is offered (\_S1, \_S2, \_S4 are absent): wake at once. */
    VD_LOG(LOG_UNIMP, "acpi: sleep type %u is not supported; waking up at once\n", typ);
    pm->sts |= ACPI_PM1_WAK;
}

static void cnt_write(struct acpi_pm *pm, u16 mask, u16 val)
{
    pm->cnt = (u16)((pm->cnt & ~mask) | (val & mask & CNT_MASK));
    if (val & mask & ACPI_PM1_SLP_EN) sleep_enter(pm, (pm->cnt & ACPI_PM1_SLP_TYP) >> ACPI_PM1_SLP_TYP_SHIFT);
}

static u32 evt_read(void *opaque, u64 off, unsigned size)
{
    struct acpi_pm *pm = opaque;
    sync_tmr(pm);
    u16 reg = off < 2 ? pm->sts : pm->en;
    return (reg >> 8 * (off & 1)) & (size >= 2 ? 0xffff : 0xff);
}

static void evt_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct acpi_pm *pm = opaque;
    u16 m = lane_mask(off, size), v = lane_val(off, val);
    sync_tmr(pm);
    if (off < 2) pm->sts &= (u16)~(v & m & STS_W1C);
    else pm->en = (u16)((pm->en & ~m) | (v & m & EN_MASK));
    update(pm);
}

static u32 cnt_read(void *opaque, u64 off, unsigned size)
{
    struct acpi_pm *pm = opaque;
    return (pm->cnt >> 8 * (off & 1)) & (size >= 2 ? 0xffff : 0xff);
}

static void cnt_io_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct acpi_pm *pm = opaque;
    cnt_write(pm, lane_mask(off, size), lane_val(off, val));
    update(pm);
}

static u32 tmr_read(void *opaque, u64 off, unsigned size)
{
    struct acpi_pm *pm = opaque;
    u32 v = acpi_pm_timer(pm) >> 8 * off;
    return size >= 4 ? v : v & ((1u << 8 * size) - 1);
}

static u32 apm_read(void *opaque, u64 off, unsigned size)
{
    struct acpi_pm *pm = opaque;
    return off ? pm->apm_sts : pm->apm_cnt;
}

static void apm_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct acpi_pm *pm = opaque;
    if (off) {
        pm->apm_sts = (u8)val;
        return;
    }
    pm->apm_cnt = (u8)val;
    if (pm->apm_cnt == ACPI_PM_ENABLE) pm->cnt |= ACPI_PM1_SCI_EN;
    else if (pm->apm_cnt == ACPI_PM_DISABLE) pm->cnt &= (u16)~ACPI_PM1_SCI_EN;
    else VD_LOG(LOG_UNIMP, "acpi: APM command 0x%02x ignored (no SMI handler)\n", pm->apm_cnt);
    update(pm);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
    sync_tmr(pm);
    pm->sts |= ACPI_PM1_PWRBTN;
    update(pm);
}

bool acpi_pm_rtc_wake(const struct acpi_pm *pm) { return pm->en & ACPI_PM1_RTC; }

void acpi_pm_wakeup(struct acpi_pm *pm, bool rtc)
{
    sync_tmr(pm);
    pm->sts |= ACPI_PM1_WAK | (rtc ? ACPI_PM1_RTC : 0);
    update(pm);
}

void acpi_pm_reset(struct acpi_pm *pm)
{
    pm->sts = pm->en = pm->cnt = 0;
    pm->apm_cnt = pm->apm_sts = 0;
    pm->base_ns = pm->clock->now;
    pm->tmr_epoch = 0;
    update(pm);
}

static void add(struct iomap *ports, u64 base, u64 len, const char *name, unsigned width, io_read_fn rd,
                io_write_fn wr, void *opaque)
{
    if (iomap_add(ports, base, len, name, width, rd, wr, opaque) < 0)
        fprintf(stderr, "vdebug: %s at port 0x%llx overlaps another device; not mapped\n", name,
                (unsigned long long)base);
}

void acpi_pm_init(struct acpi_pm *pm, struct iomap *ports, struct vclock *clock, struct irq_line sci,
                  const struct board_hooks *hooks)
{
    memset(pm, 0, sizeof(*pm));
    pm->clock = clock;
    pm->sci = sci;
    pm->hooks = hooks ? *hooks : (struct board_hooks){0};
    vtimer_init(clock, &pm->overflow, "acpi-pm-timer", overflow_fire, pm);
    add(ports, ACPI_PM_BASE, ACPI_PM_EVT_LEN, "acpi-pm1-evt", 2, evt_read, evt_write, pm);
    add(ports, ACPI_PM_BASE + ACPI_PM_CNT_OFF, ACPI_PM_CNT_LEN, "acpi-pm1-cnt", 2, cnt_read, cnt_io_write, pm);
    add(ports, ACPI_PM_BASE + ACPI_PM_TMR_OFF, ACPI_PM_TMR_LEN, "acpi-pm-tmr", 4, tmr_read, NULL, pm);
    add(ports, ACPI_PM_SMI_CMD, 2, "apm", 1, apm_read, apm_write, pm);
    acpi_pm_reset(pm);
}

int acpi_pm_info(struct acpi_pm *pm, char *buf, size_t size)
{
    struct infobuf b = infobuf_make(buf, size);
    sync_tmr(pm);
    unsigned typ = (pm->cnt & ACPI_PM1_SLP_TYP) >> ACPI_PM1_SLP_TYP_SHIFT;
    infof(&b, "ACPI PM at 0x%x: PM1_STS=%04x PM1_EN=%04x PM1_CNT=%04x (SCI_EN=%u SLP_TYP=%u) SCI %s (IRQ %d)\n",
          ACPI_PM_BASE, pm->sts, pm->en, pm->cnt, pm->cnt & ACPI_PM1_SCI_EN, typ,
          pm->sci_level ? "asserted" : "low", pm->sci.n);
    infof(&b, "  PM_TMR=%06x (%s)  APM_CNT=%02x APM_STS=%02x\n", acpi_pm_timer(pm),
          pm->en & ACPI_PM1_TMR ? "overflow SCI enabled" : "overflow SCI disabled", pm->apm_cnt, pm->apm_sts);
    return (int)b.len;
}

const struct snap_field acpi_pm_snap_fields[] = {
    SNAP_FIELD(struct acpi_pm, sts),
    SNAP_FIELD(struct acpi_pm, en),
    SNAP_FIELD(struct acpi_pm, cnt),
    SNAP_FIELD(struct acpi_pm, apm_cnt),
    SNAP_FIELD(struct acpi_pm, apm_sts),
    SNAP_FIELD(struct acpi_pm, base_ns),
    SNAP_FIELD(struct acpi_pm, tmr_epoch),
    SNAP_FIELD(struct acpi_pm, overflow.deadline),
    SNAP_FIELD(struct acpi_pm, sci_level),
};
const size_t acpi_pm_snap_nfields = sizeof(acpi_pm_snap_fields) / sizeof(acpi_pm_snap_fields[0]);
