/* MC146818 RTC/CMOS through ports 0x70/0x71 on a hand-driven virtual clock. */
#include "test.h"
#include "dev/cmos.h"

#define SEC 1000000000ull

static struct iomap ports;
static struct vclock clk;
static struct cmos rtc;
static int irq, rises;

static void irq_cb(void *o, int n, int l) { (void)o; (void)n; if (l && !irq) rises++; irq = l; }
static u8 rd(u8 i) { iomap_write(&ports, 0x70, i, 1); return (u8)iomap_read(&ports, 0x71, 1); }
static void wr(u8 i, u8 v) { iomap_write(&ports, 0x70, i, 1); iomap_write(&ports, 0x71, v, 1); }
static void run_to(u64 t) { vclock_run_until(&clk, t); }
static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    vclock_init(&clk);
    irq = rises = 0;
    cmos_init(&rtc, &ports, &clk, (struct irq_line){irq_cb, NULL, 8}, CMOS_DEFAULT_START);
}

TEST(default_time_bcd)
{
    setup();
    CHECK_EQ(rd(0x00), 0x00);
    CHECK_EQ(rd(0x02), 0x00);
    CHECK_EQ(rd(0x04), 0x00);
    CHECK_EQ(rd(0x06), 0x05);           /* 2026-01-01 is a Thursday (Sunday = 1) */
    CHECK_EQ(rd(0x07), 0x01);
    CHECK_EQ(rd(0x08), 0x01);
    CHECK_EQ(rd(0x09), 0x26);
    CHECK_EQ(rd(0x32), 0x20);
    CHECK_EQ(rd(0x0a), 0x26);
    CHECK_EQ(rd(0x0b), 0x02);
    CHECK_EQ(rd(0x0d), 0x80);
    clk.now = 3661 * SEC + SEC / 2;     /* 01:01:01.5 */
    CHECK_EQ(rd(0x00), 0x01);
    CHECK_EQ(rd(0x02), 0x01);
    CHECK_EQ(rd(0x04), 0x01);
    clk.now = (59 * 86400ull + 12 * 3600 + 34 * 60 + 56) * SEC;   /* 2026-03-01 12:34:56, Sunday */
    CHECK_EQ(rd(0x00), 0x56);
    CHECK_EQ(rd(0x02), 0x34);
    CHECK_EQ(rd(0x04), 0x12);
    CHECK_EQ(rd(0x06), 0x01);
    CHECK_EQ(rd(0x07), 0x01);
    CHECK_EQ(rd(0x08), 0x03);
    CHECK_EQ(cmos_time(&rtc), CMOS_DEFAULT_START + 59 * 86400 + 12 * 3600 + 34 * 60 + 56);
}

TEST(binary_and_12_hour)
{
    setup();
    clk.now = (13 * 3600ull + 5 * 60 + 9) * SEC;
    wr(0x0b, 0x06);                     /* binary, 24h */
    CHECK_EQ(rd(0x04), 13);
    CHECK_EQ(rd(0x02), 5);
    CHECK_EQ(rd(0x00), 9);
    CHECK_EQ(rd(0x09), 26);
    wr(0x0b, 0x04);                     /* binary, 12h */
    CHECK_EQ(rd(0x04), 0x81);           /* 1 PM */
    wr(0x0b, 0x00);                     /* BCD, 12h */
    clk.now = 30 * 60 * SEC;            /* 00:30 -> 12 AM */
    CHECK_EQ(rd(0x04), 0x12);
    clk.now = (12 * 3600ull) * SEC;     /* noon -> 12 PM */
    CHECK_EQ(rd(0x04), 0x92);
}

TEST(set_time_and_century_rollover)
{
    setup();
    clk.now = SEC / 4;
    wr(0x0b, 0x82);                     /* SET: updates stop */
    wr(0x00, 0x59); wr(0x02, 0x59); wr(0x04, 0x23);
    wr(0x07, 0x31); wr(0x08, 0x12); wr(0x09, 0x99); wr(0x32, 0x20);
    clk.now += 5 * SEC;
    CHECK_EQ(rd(0x00), 0x59);           /* frozen while SET */
    CHECK_EQ(rd(0x0a) & 0x80, 0);       /* no UIP while SET */
    wr(0x0b, 0x02);                     /* run: the next update is 1 s later */
    u64 t0 = clk.now;
    clk.now = t0 + SEC - 1;
    CHECK_EQ(rd(0x00), 0x59);
    clk.now = t0 + SEC;
    CHECK_EQ(rd(0x00), 0x00);
    CHECK_EQ(rd(0x04), 0x00);
    CHECK_EQ(rd(0x07), 0x01);
    CHECK_EQ(rd(0x08), 0x01);
    CHECK_EQ(rd(0x09), 0x00);
    CHECK_EQ(rd(0x32), 0x21);           /* 2100-01-01 */
    CHECK_EQ(rd(0x06), 0x06);           /* a Friday */
    /* writing a time register while running keeps the seconds phase */
    wr(0x02, 0x30);
    CHECK_EQ(rd(0x02), 0x30);
    clk.now = t0 + 2 * SEC;
    CHECK_EQ(rd(0x00), 0x01);
    CHECK_EQ(rd(0x02), 0x30);
}

TEST(update_in_progress)
{
    setup();
    clk.now = SEC / 2;
    CHECK_EQ(rd(0x0a) & 0x80, 0);
    clk.now = SEC - 244000;
    CHECK_EQ(rd(0x0a) & 0x80, 0x80);
    clk.now = SEC - 1;
    CHECK_EQ(rd(0x0a) & 0x80, 0x80);
    CHECK_EQ(rd(0x00), 0x00);
    clk.now = SEC;
    CHECK_EQ(rd(0x0a) & 0x80, 0);
    CHECK_EQ(rd(0x00), 0x01);
}

/* Run the clock to t, acknowledging every IRQ8 by reading register C; returns the IRQ count. */
static int count_irqs(u64 t, u8 expect_c)
{
    int n = 0;
    for (;;) {
        u64 d = vclock_next_deadline(&clk);
        if (d > t) break;
        clk.now = d;
        vclock_run_expired(&clk);
        if (irq) {
            u8 c = rd(0x0c);
            if ((c & expect_c) != expect_c) FAILF("register C 0x%02x lacks 0x%02x", c, expect_c);
            n++;
        }
    }
    clk.now = t;
    return n;
}

TEST(periodic_interrupt_rate)
{
    setup();
    wr(0x0b, 0x42);                     /* PIE, rate 6 = 1024 Hz */
    CHECK_EQ(vclock_next_deadline(&clk), 976563);   /* 976562.5 ns rounded up */
    CHECK_EQ(count_irqs(SEC, 0xc0), 1024);
    wr(0x0a, 0x2f);                     /* rate 15: 2 Hz */
    CHECK_EQ(count_irqs(3 * SEC, 0xc0), 4);
    wr(0x0a, 0x23);                     /* rate 3: 8192 Hz */
    CHECK_EQ(count_irqs(3 * SEC + SEC / 8, 0xc0), 1024);
    /* not acknowledged: the line stays high and nothing more is scheduled */
    wr(0x0a, 0x26);
    run_to(4 * SEC);
    CHECK_EQ(irq, 1);
    CHECK_EQ(vclock_next_deadline(&clk) == VCLOCK_NEVER, 1);
    CHECK_EQ(rd(0x0c) & 0xc0, 0xc0);
    CHECK_EQ(irq, 0);
    wr(0x0b, 0x02);
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
}

TEST(flags_without_interrupts)
{
    setup();
    clk.now = SEC / 100;
    CHECK_EQ(rd(0x0c), 0x40);           /* PF at 1024 Hz, PIE off: no IRQF */
    CHECK_EQ(rd(0x0c), 0x00);           /* read clears */
    clk.now = SEC + SEC / 100;
    CHECK_EQ(rd(0x0c), 0x50);           /* and an update ended */
    CHECK_EQ(irq, 0);
    /* enabling an interrupt whose flag is already set asserts IRQF at once */
    clk.now += SEC / 100;
    wr(0x0b, 0x42);
    CHECK_EQ(irq, 1);
    CHECK_EQ(rd(0x0c), 0xc0);
}

TEST(update_ended_interrupt)
{
    setup();
    wr(0x0a, 0x20);                     /* no periodic */
    wr(0x0b, 0x12);                     /* UIE */
    CHECK_EQ(vclock_next_deadline(&clk), SEC);
    CHECK_EQ(count_irqs(10 * SEC, 0x90), 10);
    /* SET clears UIE */
    wr(0x0b, 0x92);
    CHECK_EQ(rd(0x0b), 0x82);
}

TEST(alarm_interrupt)
{
    setup();
    wr(0x0a, 0x20);
    wr(0x01, 0x05); wr(0x03, 0x00); wr(0x05, 0x00);   /* alarm 00:00:05 */
    wr(0x0b, 0x22);                     /* AIE */
    run_to(4 * SEC + SEC / 2);
    CHECK_EQ(irq, 0);
    run_to(5 * SEC);
    CHECK_EQ(irq, 1);
    CHECK_EQ(rd(0x0c), 0xb0);           /* IRQF, AF (and UF, always flagged) */
    /* don't-care bytes: every second */
    wr(0x01, 0xc0); wr(0x03, 0xff); wr(0x05, 0xc0);
    CHECK_EQ(count_irqs(9 * SEC, 0xa0), 4);
    /* lazy: an alarm passed long ago while AIE was off still shows in AF */
    wr(0x0b, 0x02);
    wr(0x01, 0x30); wr(0x03, 0x15); wr(0x05, 0x03);   /* 03:15:30 */
    rd(0x0c);
    clk.now = 5 * 3600 * SEC;
    CHECK_EQ(rd(0x0c) & 0x20, 0x20);
}

TEST(divider_reset)
{
    setup();
    clk.now = 10 * SEC + SEC / 3;
    wr(0x0a, 0x76);                     /* divider in reset: clock stops */
    clk.now = 20 * SEC;
    CHECK_EQ(rd(0x00), 0x10);
    wr(0x0a, 0x26);                     /* first update 500 ms later */
    clk.now = 20 * SEC + SEC / 2 - 1;
    CHECK_EQ(rd(0x00), 0x10);
    clk.now = 20 * SEC + SEC / 2;
    CHECK_EQ(rd(0x00), 0x11);
}

TEST(nmi_mask_ram_and_memory)
{
    setup();
    iomap_write(&ports, 0x70, 0x8f, 1);
    CHECK(cmos_nmi_masked(&rtc));
    iomap_write(&ports, 0x71, 0x0a, 1);  /* shutdown status */
    CHECK_EQ(cmos_get_byte(&rtc, 0x0f), 0x0a);
    CHECK_EQ(rd(0x0f), 0x0a);
    CHECK(!cmos_nmi_masked(&rtc));
    wr(0x40, 0x5a);
    CHECK_EQ(rd(0x40), 0x5a);
    wr(0x7f, 0xa5);
    CHECK_EQ(rd(0x7f), 0xa5);
    wr(0x0d, 0x00);
    CHECK_EQ(rd(0x0d), 0x80);           /* read-only, VRT */
    cmos_set_memory(&rtc, 32u << 20);
    CHECK_EQ(rd(0x15) | rd(0x16) << 8, 640);
    CHECK_EQ(rd(0x17) | rd(0x18) << 8, 31744);
    CHECK_EQ(rd(0x30) | rd(0x31) << 8, 31744);
    CHECK_EQ(rd(0x34) | rd(0x35) << 8, 256);   /* 16 MB above 16M, in 64K */
    cmos_set_memory(&rtc, 256u << 20);
    CHECK_EQ(rd(0x17) | rd(0x18) << 8, 0xffff);
    CHECK_EQ(rd(0x34) | rd(0x35) << 8, 3840);
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++) sum += rd((u8)i);
    CHECK_EQ(rd(0x2e) << 8 | rd(0x2f), sum);
}

TEST(reset_and_info)
{
    setup();
    wr(0x0b, 0x72);
    clk.now = 2 * SEC;
    vclock_run_expired(&clk);
    cmos_reset(&rtc);
    CHECK_EQ(rd(0x0b), 0x02);
    CHECK_EQ(rd(0x0c), 0x00);
    CHECK_EQ(irq, 0);
    char buf[800];
    int n = cmos_info(&rtc, buf, sizeof buf);
    CHECK(n > 0 && (size_t)n == strlen(buf));
    CHECK(strstr(buf, "2026-01-01 00:00:02") != NULL);
}

int main(void)
{
    RUN(default_time_bcd);
    RUN(binary_and_12_hour);
    RUN(set_time_and_century_rollover);
    RUN(update_in_progress);
    RUN(periodic_interrupt_rate);
    RUN(flags_without_interrupts);
    RUN(update_ended_interrupt);
    RUN(alarm_interrupt);
    RUN(divider_reset);
    RUN(nmi_mask_ram_and_memory);
    RUN(reset_and_info);
    iomap_free(&ports);
    return test_summary();
}
