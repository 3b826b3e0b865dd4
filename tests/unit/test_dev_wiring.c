/*
 * The devices wired together as on the PC board (PIT -> IRQ0, UART -> IRQ4,
 * RTC -> IRQ8 through the slave PIC), with a "guest" that takes every
 * interrupt: INTA, handler, EOI. Checks edge/level interplay end to end.
 */
#include "test.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/uart.h"
#include "dev/cmos.h"

#define SEC 1000000000ull

static struct iomap ports;
static struct vclock clk;
static struct pic pic;
static struct pit pit;
static struct uart com1;
static struct cmos rtc;
static int counts[16];
static int intr;

static void intr_cb(void *o, int n, int l) { (void)o; (void)n; intr = l; }
static void out(u16 p, u8 v) { iomap_write(&ports, p, v, 1); }
static u8 in(u16 p) { return (u8)iomap_read(&ports, p, 1); }

static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    vclock_init(&clk);
    memset(counts, 0, sizeof counts);
    pic_init(&pic, &ports, (struct irq_line){intr_cb, NULL, 0});
    pit_init(&pit, &ports, &clk, pic_irq_line(&pic, 0));
    uart_init(&com1, "serial0", &ports, 0x3f8, pic_irq_line(&pic, 4), &clk, (struct chardev){0});
    cmos_init(&rtc, &ports, &clk, pic_irq_line(&pic, 8), CMOS_DEFAULT_START);
    out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, 0x01);
    out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, 0x01);
    out(0x21, 0x00); out(0xa1, 0x00);
}

/* Take every pending interrupt like an OS handler would. */
static void service(void)
{
    while (intr) {
        int vec = pic_ack(&pic);
        int irq = vec >= 0x28 ? vec - 0x28 + 8 : vec - 0x20;
        counts[irq]++;
        if (irq == 8) { out(0x70, 0x0c); in(0x71); }   /* acknowledge the RTC */
        if (irq == 4) while (!(in(0x3fa) & 1)) { if (in(0x3fd) & 1) in(0x3f8); }   /* drain UART */
        if (irq >= 8) out(0xa0, 0x20);
        out(0x20, 0x20);
    }
}

static void run_to(u64 t)
{
    for (;;) {
        service();
        u64 d = vclock_next_deadline(&clk);
        if (d > t) break;
        if (d > clk.now) clk.now = d;
        vclock_run_expired(&clk);
    }
    clk.now = t;
    vclock_run_expired(&clk);
    service();
}

TEST(timer_100hz_through_pic)
{
    setup();
    out(0x43, 0x34); out(0x40, 11932 & 0xff); out(0x40, 11932 >> 8);   /* 100 Hz */
    run_to(SEC + SEC / 200);
    CHECK_EQ(counts[0], 100);
}

TEST(rtc_periodic_through_slave)
{
    setup();
    out(0x21, 0x01);                    /* PIT masked */
    out(0x70, 0x0b); out(0x71, 0x42);   /* PIE, 1024 Hz */
    run_to(SEC / 2);
    CHECK_EQ(counts[8], 512);
    CHECK_EQ(counts[0], 0);
}

TEST(uart_rx_and_thre_interrupts)
{
    setup();
    out(0x21, 0x01);
    out(0x3f9, 0x01);                   /* receive interrupts */
    uart_receive(&com1, (const u8 *)"ab", 2);
    CHECK(intr);
    service();
    CHECK_EQ(counts[4], 1);
    CHECK_EQ(in(0x3fd) & 1, 0);
    uart_receive(&com1, (const u8 *)"c", 1);   /* a new edge after the line dropped */
    service();
    CHECK_EQ(counts[4], 2);
}

TEST(all_together)
{
    setup();
    out(0x43, 0x34); out(0x40, 0x9c); out(0x40, 0x2e);     /* 100 Hz */
    out(0x70, 0x0b); out(0x71, 0x52);   /* PIE (1024 Hz) + UIE */
    run_to(2 * SEC + SEC / 2000);
    CHECK_EQ(counts[0], 200);           /* edges at k * 10.00015 ms, k = 1..200 */
    CHECK_EQ(counts[8], 2048);          /* update interrupts coincide with periodic ones */
}

int main(void)
{
    RUN(timer_100hz_through_pic);
    RUN(rtc_periodic_through_slave);
    RUN(uart_rx_and_thre_interrupts);
    RUN(all_together);
    iomap_free(&ports);
    return test_summary();
}
