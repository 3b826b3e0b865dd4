/* ACPI PM device (PM1 event/control blocks, PM timer, APM port) through the
 * port map on a hand-driven virtual clock. Expected values follow the ACPI
 * 6.4 spec (section 4.8) and the PIIX4 datasheet's PM register layout. */
#include "test.h"
#include "dev/acpi_pm.h"

#define SEC 1000000000ull
#define STS (ACPI_PM_BASE + 0)
#define EN (ACPI_PM_BASE + 2)
#define CNT (ACPI_PM_BASE + ACPI_PM_CNT_OFF)
#define TMR (ACPI_PM_BASE + ACPI_PM_TMR_OFF)

static struct iomap ports;
static struct vclock clk;
static struct acpi_pm pm;
static int sci, sci_rises, poweroffs, resets, suspends;

static void sci_cb(void *o, int n, int l)
{
    (void)o;
    if (n != ACPI_PM_SCI_IRQ) FAILF("SCI on IRQ %d", n);
    if (l && !sci) sci_rises++;
    sci = l;
}
static void poweroff_cb(void *o) { (void)o; poweroffs++; }
static void reset_cb(void *o) { (void)o; resets++; }
static void suspend_cb(void *o) { (void)o; suspends++; }
static const struct board_hooks hooks = {.request_poweroff = poweroff_cb, .request_reset = reset_cb,
                                         .request_suspend = suspend_cb};

static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    vclock_init(&clk);
    sci = sci_rises = poweroffs = resets = suspends = 0;
    acpi_pm_init(&pm, &ports, &clk, (struct irq_line){sci_cb, NULL, ACPI_PM_SCI_IRQ}, &hooks);
}

static u32 rd(u16 port, unsigned size) { return iomap_read(&ports, port, size); }
static void wr(u16 port, u32 v, unsigned size) { iomap_write(&ports, port, v, size); }
static void enable_acpi(void) { wr(ACPI_PM_SMI_CMD, ACPI_PM_ENABLE, 1); }

TEST(power_on_state)
{
    setup();
    CHECK_EQ(rd(STS, 2), 0);
    CHECK_EQ(rd(EN, 2), 0);
    CHECK_EQ(rd(CNT, 2), 0);       /* SCI_EN clear until the OS's ACPI_ENABLE */
    CHECK_EQ(rd(TMR, 4), 0);
    CHECK_EQ(sci, 0);
}

TEST(timer_rate_in_virtual_time)
{
    setup();
    /* 3.579545 MHz: 1 s of virtual time is 3579545 ticks; 1 ms is 3579 ticks */
    clk.now = SEC;
    CHECK_EQ(rd(TMR, 4), 3579545);
    clk.now = SEC + 1000000;
    CHECK_EQ(rd(TMR, 4), 3579545 + 3579);
    /* the 24-bit counter wraps after 2^24 ticks (4.687 s); the top byte reads 0 */
    clk.now = 5 * SEC;
    CHECK_EQ(rd(TMR, 4), (5ull * 3579545) & 0xffffff);
    CHECK_EQ(rd(TMR, 4) >> 24, 0);
    /* narrower reads see the same value's bytes */
    u32 v = rd(TMR, 4);
    CHECK_EQ(rd(TMR, 2) | rd(TMR + 2, 2) << 16, v);
    CHECK_EQ(rd(TMR + 1, 1), (v >> 8) & 0xff);
    /* a day of virtual time: no overflow in the arithmetic */
    clk.now = 86400 * SEC;
    CHECK_EQ(rd(TMR, 4), (86400ull * 3579545) & 0xffffff);
    /* read-only */
    wr(TMR, 0x123456, 4);
    CHECK_EQ(rd(TMR, 4), (86400ull * 3579545) & 0xffffff);
}

TEST(tmr_sts_and_write_one_to_clear)
{
    setup();
    /* bit 23 first changes at tick 2^23 = 2.343484 s */
    u64 t23 = (8388608ull * SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
    clk.now = t23 - 1;
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_TMR, 0);
    clk.now = t23;
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_TMR, ACPI_PM1_TMR);
    /* writing 0 keeps it, writing 1 clears it; other bits are untouched */
    acpi_pm_power_button(&pm);
    wr(STS, 0, 2);
    CHECK_EQ(rd(STS, 2), ACPI_PM1_TMR | ACPI_PM1_PWRBTN);
    wr(STS, ACPI_PM1_TMR, 2);
    CHECK_EQ(rd(STS, 2), ACPI_PM1_PWRBTN);
    /* a byte write to the high half clears PWRBTN_STS (bit 8) */
    wr(STS + 1, ACPI_PM1_PWRBTN >> 8, 1);
    CHECK_EQ(rd(STS, 2), 0);
    /* not set again until the next change of bit 23 (2^23 ticks later) */
    u64 t24 = (16777216ull * SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
    clk.now = t24 - 1;
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_TMR, 0);
    clk.now = t24;
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_TMR, ACPI_PM1_TMR);
}

TEST(timer_overflow_sci)
{
    setup();
    enable_acpi();
    CHECK_EQ(rd(CNT, 2) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
    wr(EN, ACPI_PM1_TMR, 2);
    CHECK_EQ(rd(EN, 2), ACPI_PM1_TMR);
    u64 t23 = (8388608ull * SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
    /* the device arms a timer for the overflow: the SCI rises exactly then */
    CHECK_EQ(vclock_next_deadline(&clk), t23);
    vclock_run_until(&clk, t23 - 1);
    CHECK_EQ(sci, 0);
    vclock_run_until(&clk, t23);
    CHECK_EQ(sci, 1);
    CHECK_EQ(sci_rises, 1);
    /* level: stays up until the status is cleared */
    vclock_run_until(&clk, t23 + SEC);
    CHECK_EQ(sci, 1);
    wr(STS, ACPI_PM1_TMR, 2);
    CHECK_EQ(sci, 0);
    u64 t24 = (16777216ull * SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
    CHECK_EQ(vclock_next_deadline(&clk), t24);
    vclock_run_until(&clk, t24);
    CHECK_EQ(sci, 1);
    CHECK_EQ(sci_rises, 2);
    /* TMR_EN off: the line drops, no timer stays armed */
    wr(EN, 0, 2);
    CHECK_EQ(sci, 0);
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
}

TEST(sci_needs_sci_en_and_enable)
{
    setup();
    acpi_pm_power_button(&pm);
    CHECK_EQ(rd(STS, 2), ACPI_PM1_PWRBTN);
    CHECK_EQ(sci, 0);                  /* not enabled */
    wr(EN, ACPI_PM1_PWRBTN, 2);
    CHECK_EQ(sci, 0);                  /* SCI_EN clear: the event would go to SMI */
    enable_acpi();
    CHECK_EQ(sci, 1);
    wr(ACPI_PM_SMI_CMD, ACPI_PM_DISABLE, 1);
    CHECK_EQ(rd(CNT, 2) & ACPI_PM1_SCI_EN, 0);
    CHECK_EQ(sci, 0);
    enable_acpi();
    CHECK_EQ(sci, 1);
    wr(STS, ACPI_PM1_PWRBTN, 2);
    CHECK_EQ(sci, 0);
    /* APM status port is a scratch byte; the command port reads back */
    wr(ACPI_PM_SMI_CMD + 1, 0x5a, 1);
    CHECK_EQ(rd(ACPI_PM_SMI_CMD + 1, 1), 0x5a);
    CHECK_EQ(rd(ACPI_PM_SMI_CMD, 1), ACPI_PM_ENABLE);
}

TEST(s5_requests_poweroff)
{
    setup();
    enable_acpi();
    /* SLP_TYP alone does nothing; SLP_EN reads back as 0 */
    wr(CNT, ACPI_PM_SLP_TYP_S0 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SCI_EN, 2);
    CHECK_EQ(rd(CNT, 2), ACPI_PM_SLP_TYP_S0 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SCI_EN);
    CHECK_EQ(poweroffs, 0);
    /* what ACPICA does for S5: SLP_TYP first, then SLP_TYP | SLP_EN */
    u16 v = ACPI_PM_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SCI_EN;
    wr(CNT, v, 2);
    CHECK_EQ(poweroffs, 0);
    wr(CNT, v | ACPI_PM1_SLP_EN, 2);
    CHECK_EQ(poweroffs, 1);
    CHECK_EQ(rd(CNT, 2) & ACPI_PM1_SLP_EN, 0);
    /* BM_RLD (bit 1) is kept; GBL_RLS (bit 2) and the reserved bits read 0 */
    wr(CNT, ACPI_PM1_SCI_EN | 0x2 | 0x4 | 0xc1f8, 2);
    CHECK_EQ(rd(CNT, 2), ACPI_PM1_SCI_EN | 0x2);
    CHECK_EQ(poweroffs, 1);
    /* a byte write of the high half (SLP_TYP and SLP_EN live there) works too */
    wr(CNT + 1, (ACPI_PM_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN) >> 8, 1);
    CHECK_EQ(poweroffs, 2);
    CHECK_EQ(resets, 0);
}

TEST(unsupported_sleep_wakes_at_once)
{
    setup();
    enable_acpi();
    wr(CNT, 2 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN | ACPI_PM1_SCI_EN, 2);   /* PIIX4 POSCCL */
    CHECK_EQ(poweroffs, 0);
    CHECK_EQ(suspends, 0);
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_WAK, ACPI_PM1_WAK);
    wr(STS, ACPI_PM1_WAK, 2);
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_WAK, 0);
}

/* S3: the board suspends; after its reset on the RTC wake-up, WAK_STS and RTC_STS */
TEST(s3_requests_suspend_and_wakes_with_status)
{
    setup();
    enable_acpi();
    wr(EN, ACPI_PM1_RTC, 2);
    CHECK(acpi_pm_rtc_wake(&pm));
    wr(CNT, ACPI_PM_SLP_TYP_S3 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN | ACPI_PM1_SCI_EN, 2);
    CHECK_EQ(suspends, 1);
    CHECK_EQ(rd(STS, 2) & ACPI_PM1_WAK, 0);            /* not awake yet */
    acpi_pm_reset(&pm);                                 /* what the board does on the wake-up */
    CHECK(!acpi_pm_rtc_wake(&pm));
    acpi_pm_wakeup(&pm, true);
    CHECK_EQ(rd(STS, 2) & (ACPI_PM1_WAK | ACPI_PM1_RTC), ACPI_PM1_WAK | ACPI_PM1_RTC);
    wr(STS, ACPI_PM1_WAK | ACPI_PM1_RTC, 2);
    CHECK_EQ(rd(STS, 2) & (ACPI_PM1_WAK | ACPI_PM1_RTC), 0);
    CHECK_EQ(poweroffs, 0);
}

TEST(reset_restarts_timer_and_clears)
{
    setup();
    enable_acpi();
    wr(EN, ACPI_PM1_PWRBTN | ACPI_PM1_TMR, 2);
    acpi_pm_power_button(&pm);
    CHECK_EQ(sci, 1);
    clk.now = 3 * SEC;
    acpi_pm_reset(&pm);
    CHECK_EQ(sci, 0);
    CHECK_EQ(rd(STS, 2), 0);
    CHECK_EQ(rd(EN, 2), 0);
    CHECK_EQ(rd(CNT, 2), 0);
    CHECK_EQ(rd(TMR, 4), 0);
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
    clk.now = 4 * SEC;
    CHECK_EQ(rd(TMR, 4), 3579545);
}

TEST(info_text)
{
    setup();
    char buf[512];
    int n = acpi_pm_info(&pm, buf, sizeof(buf));
    CHECK(n > 0);
    CHECK(strstr(buf, "PM1_CNT=0000") != NULL);
}

int main(void)
{
    RUN(power_on_state);
    RUN(timer_rate_in_virtual_time);
    RUN(tmr_sts_and_write_one_to_clear);
    RUN(timer_overflow_sci);
    RUN(sci_needs_sci_en_and_enable);
    RUN(s5_requests_poweroff);
    RUN(unsupported_sleep_wakes_at_once);
    RUN(s3_requests_suspend_and_wakes_with_status);
    RUN(reset_restarts_timer_and_clears);
    RUN(info_text);
    iomap_free(&ports);
    return test_summary();
}
