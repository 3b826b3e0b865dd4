/* 8254 PIT through ports 0x40-0x43 and 0x61, on a hand-driven virtual clock. */
#include "test.h"
#include "dev/pit.h"

#define F PIT_FREQ_HZ

static struct iomap ports;
static struct vclock clk;
static struct pit pit;
static int level, edges;
static u64 edge_ns[64];

static void irq0_cb(void *o, int n, int l)
{
    (void)o; (void)n;
    if (l && !level && edges < 64) edge_ns[edges] = clk.now;
    if (l && !level) edges++;
    level = l;
}
static void out(u16 port, u8 v) { iomap_write(&ports, port, v, 1); }
static u8 in(u16 port) { return (u8)iomap_read(&ports, port, 1); }
/* Time of input clock t after t0 (rounded up to the ns, as the device does). */
static u64 tick_ns(u64 t0, u64 t) { return t0 + (u64)(((unsigned __int128)t * 1000000000u + F - 1) / F); }
/* Advance the clock to t, firing every timer on the way in order. */
static void run_to(u64 t) { vclock_run_until(&clk, t); }
static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    vclock_init(&clk);
    clk.now = 1000;   /* not zero, so load times are visible */
    level = edges = 0;
    pit_init(&pit, &ports, &clk, (struct irq_line){irq0_cb, NULL, 0});
}
static u16 read16(u16 port) { u8 lo = in(port); return (u16)(lo | in(port) << 8); }

TEST(mode2_periodic_irq0)
{
    setup();
    out(0x43, 0x34);                    /* ch0, lsb/msb, mode 2 (Linux periodic tick) */
    out(0x40, 11932 & 0xff); out(0x40, 11932 >> 8);
    u64 t0 = clk.now;
    edges = 0;
    run_to(t0 + 51000000);              /* 5 periods of 10.00015 ms */
    CHECK_EQ(edges, 5);
    for (int k = 1; k <= 5; k++) CHECK_EQ(edge_ns[k - 1], tick_ns(t0, (u64)k * 11932));
    /* counter at 51 ms: 60852 clocks elapsed, 1192 into the 6th period */
    CHECK_EQ(clk.now - t0, 51000000);
    out(0x43, 0x00);                    /* counter latch */
    CHECK_EQ(read16(0x40), 11932 - 1192);
    /* the latch holds while time goes on */
    out(0x43, 0x00);
    clk.now += 1000000;
    CHECK_EQ(read16(0x40), 11932 - 1192);
    CHECK(read16(0x40) != 11932 - 1192);
    /* the next deadline bounds the CPU slice: exactly the next edge */
    CHECK_EQ(vclock_next_deadline(&clk), tick_ns(t0, 6 * 11932));
}

TEST(mode2_new_count_at_period_end)
{
    setup();
    out(0x43, 0x34); out(0x40, 0x00); out(0x40, 0x10);   /* 4096 */
    u64 t0 = clk.now;
    clk.now = tick_ns(t0, 1000);
    out(0x40, 0x00); out(0x40, 0x08);   /* 2048 from the next period on */
    CHECK_EQ(pit_count(&pit, 0), 4096 - 1000);
    edges = 0;
    run_to(tick_ns(t0, 4096 + 2048 + 2048));
    CHECK_EQ(edges, 3);
    CHECK_EQ(edge_ns[0], tick_ns(t0, 4096));
    CHECK_EQ(edge_ns[1], tick_ns(tick_ns(t0, 4096), 2048));
}

TEST(mode0_interrupt_on_terminal_count)
{
    setup();
    out(0x43, 0x30);                    /* ch0 mode 0 */
    CHECK_EQ(level, 0);                 /* OUT low after the control word */
    out(0x40, 0xe8); out(0x40, 0x03);   /* 1000 */
    u64 t0 = clk.now;
    edges = 0;
    run_to(tick_ns(t0, 999));
    CHECK_EQ(edges, 0);
    CHECK(!pit_out(&pit, 0));
    run_to(tick_ns(t0, 1000));
    CHECK_EQ(edges, 1);
    CHECK(pit_out(&pit, 0));
    run_to(t0 + 100000000);
    CHECK_EQ(edges, 1);                 /* one shot */
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
    /* counter wraps after the terminal count */
    clk.now = tick_ns(t0, 1010);
    CHECK_EQ(read16(0x40), 0xfff6);
}

TEST(mode4_strobe)
{
    setup();
    out(0x43, 0x38);                    /* ch0 mode 4 (Linux oneshot clockevent) */
    out(0x40, 100); out(0x40, 0);
    u64 t0 = clk.now;
    edges = 0;
    run_to(t0 + 1000000);
    CHECK_EQ(edges, 1);
    CHECK_EQ(edge_ns[0], tick_ns(t0, 101));
}

TEST(channel2_gate_and_port61)
{
    setup();
    CHECK_EQ(in(0x61) & 0x01, 0);
    out(0x61, (in(0x61) & ~0x02) | 0x01);   /* gate 2 on, speaker off (Linux pit_calibrate_tsc) */
    out(0x43, 0xb0);                    /* ch2 lsb/msb mode 0 */
    out(0x42, 0xe8); out(0x42, 0x03);
    u64 t0 = clk.now;
    CHECK_EQ(in(0x61) & 0x20, 0);
    clk.now = tick_ns(t0, 999);
    CHECK_EQ(in(0x61) & 0x20, 0);
    clk.now = tick_ns(t0, 1000);
    CHECK_EQ(in(0x61) & 0x20, 0x20);
    /* gate low suspends mode 0 counting */
    out(0x43, 0xb0); out(0x42, 100); out(0x42, 0);
    t0 = clk.now;
    clk.now = tick_ns(t0, 40);
    out(0x61, 0x00);
    clk.now += 1000000;
    CHECK_EQ(pit_count(&pit, 2), 60);
    out(0x61, 0x01);
    u64 t1 = clk.now;
    clk.now = tick_ns(t1, 59);
    CHECK_EQ(in(0x61) & 0x20, 0);
    clk.now = tick_ns(t1, 60);
    CHECK_EQ(in(0x61) & 0x20, 0x20);
    /* after the terminal count, gate low/high does not restart the one-shot */
    clk.now += 1000000;
    out(0x61, 0x00); out(0x61, 0x01);
    clk.now += 1000000;
    CHECK_EQ(in(0x61) & 0x20, 0x20);
}

TEST(refresh_toggle)
{
    setup();
    u8 a = in(0x61) & 0x10;
    clk.now += 15085;
    u8 b = in(0x61) & 0x10;
    CHECK(a != b);
    out(0x61, 0xff);
    CHECK_EQ(in(0x61) & 0x0f, 0x0f);    /* bits 4-7 are read-only status */
}

TEST(mode3_square_wave)
{
    setup();
    out(0x61, 0x01);
    out(0x43, 0xb6);                    /* ch2 lsb/msb mode 3 (PC speaker tone) */
    out(0x42, 100); out(0x42, 0);
    u64 t0 = clk.now;
    CHECK(pit_out(&pit, 2));
    clk.now = tick_ns(t0, 49); CHECK(pit_out(&pit, 2));
    clk.now = tick_ns(t0, 50); CHECK(!pit_out(&pit, 2));
    clk.now = tick_ns(t0, 99); CHECK(!pit_out(&pit, 2));
    clk.now = tick_ns(t0, 100); CHECK(pit_out(&pit, 2));
    clk.now = tick_ns(t0, 10);
    CHECK_EQ(pit_count(&pit, 2), 80);   /* counts down by two */
    /* gate low forces OUT high */
    clk.now = tick_ns(t0, 60);
    out(0x61, 0x00);
    CHECK(pit_out(&pit, 2));
}

TEST(mode2_gate_low_loads_but_holds)
{
    setup();
    out(0x43, 0xb4); out(0x42, 0x00); out(0x42, 0x01);   /* ch2 mode 2, 256, gate low */
    out(0x43, 0xe8);                    /* read-back status ch2 */
    CHECK_EQ(in(0x42), 0x80 | 0x30 | 0x04);   /* loaded (no null count), OUT high */
    clk.now += 1000000;
    CHECK_EQ(pit_count(&pit, 2), 256);
    out(0x61, 0x01);                    /* gate rising edge starts counting */
    u64 t0 = clk.now;
    clk.now = tick_ns(t0, 6);
    CHECK_EQ(pit_count(&pit, 2), 250);
}

TEST(mode1_gate_trigger)
{
    setup();
    out(0x43, 0xb2);                    /* ch2 mode 1 */
    out(0x42, 10); out(0x42, 0);
    CHECK(pit_out(&pit, 2));            /* waits for a trigger */
    clk.now += 100000;
    CHECK(pit_out(&pit, 2));
    out(0x61, 0x01);                    /* gate rising edge */
    u64 t0 = clk.now;
    CHECK(!pit_out(&pit, 2));
    clk.now = tick_ns(t0, 9); CHECK(!pit_out(&pit, 2));
    clk.now = tick_ns(t0, 10); CHECK(pit_out(&pit, 2));
}

TEST(mode5_hardware_strobe)
{
    setup();
    out(0x43, 0xba);                    /* ch2 mode 5 */
    out(0x42, 20); out(0x42, 0);
    clk.now += 50000;
    CHECK(pit_out(&pit, 2));            /* no trigger yet */
    out(0x61, 0x01);                    /* trigger */
    u64 t0 = clk.now;
    clk.now = tick_ns(t0, 19); CHECK(pit_out(&pit, 2));
    clk.now = tick_ns(t0, 20); CHECK(!pit_out(&pit, 2));   /* strobe: one clock low */
    clk.now = tick_ns(t0, 21); CHECK(pit_out(&pit, 2));
    out(0x61, 0x00); out(0x61, 0x01);   /* retrigger restarts the count */
    t0 = clk.now;
    clk.now = tick_ns(t0, 5);
    CHECK_EQ(pit_count(&pit, 2), 15);
}

TEST(readback_status_and_count)
{
    setup();
    out(0x43, 0x34);
    u8 st;
    out(0x43, 0xe2);                    /* read-back status of ch0 */
    st = in(0x40);
    CHECK_EQ(st, 0x80 | 0x40 | 0x30 | 0x04);   /* OUT high, null count, lsb/msb, mode 2 */
    out(0x40, 0x00); out(0x40, 0x01);   /* 256 */
    u64 t0 = clk.now;
    clk.now = tick_ns(t0, 56);
    out(0x43, 0xc2);                    /* latch status and count of ch0 */
    clk.now = tick_ns(t0, 100);
    st = in(0x40);
    CHECK_EQ(st, 0x80 | 0x30 | 0x04);   /* count loaded: null count clear */
    CHECK_EQ(read16(0x40), 200);
    CHECK_EQ(read16(0x40), 156);        /* latch consumed: live count */
    /* read-back of several channels, count only */
    out(0x43, 0xb0); out(0x42, 0x34); out(0x42, 0x12);
    out(0x43, 0xda);                    /* count of ch0 and ch2 */
    CHECK_EQ(read16(0x42), 0x1234);     /* ch2 gate low: not counting */
    CHECK_EQ(read16(0x40), 156);
}

TEST(bcd_counting)
{
    setup();
    out(0x43, 0x31);                    /* ch0 lsb/msb mode 0 BCD */
    out(0x40, 0x00); out(0x40, 0x10);   /* 1000 decimal */
    u64 t0 = clk.now;
    clk.now = tick_ns(t0, 250);
    CHECK_EQ(read16(0x40), 0x0750);
    edges = 0;
    run_to(tick_ns(t0, 1000));
    CHECK_EQ(edges, 1);
    clk.now = tick_ns(t0, 1001);
    CHECK_EQ(read16(0x40), 0x9999);     /* wraps in decimal */
    /* BCD count 0 means 10000 */
    out(0x43, 0x35); out(0x40, 0); out(0x40, 0);
    t0 = clk.now;
    clk.now = tick_ns(t0, 1);
    CHECK_EQ(read16(0x40), 0x9999);
}

TEST(lsb_and_msb_only)
{
    setup();
    out(0x43, 0x14);                    /* ch0 LSB only, mode 2 */
    out(0x40, 200);
    u64 t0 = clk.now;
    clk.now = tick_ns(t0, 50);
    CHECK_EQ(in(0x40), 150);
    CHECK_EQ(in(0x40), 150);
    out(0x43, 0x24);                    /* MSB only */
    out(0x40, 0x02);                    /* 512 */
    t0 = clk.now;
    clk.now = tick_ns(t0, 256);
    CHECK_EQ(in(0x40), 0x01);
}

TEST(quick_calibrate_msb_polling)
{
    /* Linux quick_pit_calibrate: ch2 mode 0 0xffff, read lsb then msb repeatedly */
    setup();
    out(0x61, (in(0x61) & ~0x02) | 0x01);
    out(0x43, 0xb0); out(0x42, 0xff); out(0x42, 0xff);
    u64 t0 = clk.now;
    for (int i = 1; i < 10; i++) {
        clk.now = tick_ns(t0, (u64)i * 256);
        in(0x42);
        CHECK_EQ(in(0x42), 0xff - i);
    }
}

/* Power-on: nothing counts until programmed (an 8254 is idle after reset;
 * QEMU's counts mode 3 from reset), and no IRQ0 edge ever comes. */
TEST(power_on_idle_until_programmed)
{
    setup();
    edges = 0;
    run_to(clk.now + 1000000000ull);   /* a second */
    CHECK_EQ(edges, 0);
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
    out(0x43, 0x00);
    u16 a = read16(0x40);
    clk.now += 5000000;
    out(0x43, 0x00);
    CHECK_EQ(read16(0x40), a);         /* the counter stands still */
    out(0x43, 0x34); out(0x40, 0); out(0x40, 0);  /* mode 2, 65536: the BIOS tick */
    u64 t0 = clk.now;
    run_to(t0 + 60000000);
    CHECK_EQ(edges, 1);
    CHECK_EQ(edge_ns[0], tick_ns(t0, 65536));
}

TEST(info_dump)
{
    setup();
    out(0x43, 0x36); out(0x40, 0); out(0x40, 0);  /* mode 3, 65536 */
    char buf[600];
    int n = pit_info(&pit, buf, sizeof buf);
    CHECK(n > 0 && (size_t)n == strlen(buf));
    CHECK(strstr(buf, "counting") != NULL);
    CHECK(strstr(buf, "next IRQ0 edge at") != NULL);
}

int main(void)
{
    RUN(mode2_periodic_irq0);
    RUN(power_on_idle_until_programmed);
    RUN(mode2_new_count_at_period_end);
    RUN(mode0_interrupt_on_terminal_count);
    RUN(mode4_strobe);
    RUN(channel2_gate_and_port61);
    RUN(refresh_toggle);
    RUN(mode3_square_wave);
    RUN(mode2_gate_low_loads_but_holds);
    RUN(mode1_gate_trigger);
    RUN(mode5_hardware_strobe);
    RUN(readback_status_and_count);
    RUN(bcd_counting);
    RUN(lsb_and_msb_only);
    RUN(quick_calibrate_msb_polling);
    RUN(info_dump);
    iomap_free(&ports);
    return test_summary();
}
