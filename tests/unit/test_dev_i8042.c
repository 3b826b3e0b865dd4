/* i8042 keyboard controller through ports 0x60/0x64. */
#include "test.h"
#include "dev/i8042.h"

static struct iomap ports;
static struct i8042 kbc;
static int irq1, irq12, edges1, edges12, resets, a20 = -1, a20_calls;

static void irq_cb(void *o, int n, int l)
{
    (void)o;
    int *lv = n == 1 ? &irq1 : &irq12;
    if (l && !*lv) (n == 1 ? edges1++ : edges12++);
    *lv = l;
}
static void set_a20(void *o, bool on) { (void)o; a20 = on; a20_calls++; }
static void reset_cb(void *o) { (void)o; resets++; }
static void cmd(u8 v) { iomap_write(&ports, 0x64, v, 1); }
static void data(u8 v) { iomap_write(&ports, 0x60, v, 1); }
static u8 status(void) { return (u8)iomap_read(&ports, 0x64, 1); }
static u8 rdata(void) { return (u8)iomap_read(&ports, 0x60, 1); }
/* Read one byte the way drivers do: wait for OBF (it is always already set here). */
static int next(void) { return (status() & 1) ? rdata() : -1; }

static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    irq1 = irq12 = edges1 = edges12 = resets = a20_calls = 0;
    a20 = -1;
    struct board_hooks h = {.set_a20 = set_a20, .request_reset = reset_cb};
    i8042_init(&kbc, &ports, (struct irq_line){irq_cb, NULL, 1}, (struct irq_line){irq_cb, NULL, 12}, &h);
}

TEST(status_and_self_test)
{
    setup();
    CHECK_EQ(status(), 0x14);           /* SYS, not inhibited, empty */
    cmd(0xaa);
    CHECK_EQ(status() & 0x09, 0x09);    /* OBF, last write was a command */
    CHECK_EQ(rdata(), 0x55);
    CHECK_EQ(status() & 1, 0);
    cmd(0xab); CHECK_EQ(next(), 0x00);
    cmd(0xa9); CHECK_EQ(next(), 0x00);
    CHECK_EQ(next(), -1);
}

TEST(command_byte)
{
    setup();
    cmd(0x20);
    CHECK_EQ(next(), 0x65);
    cmd(0x60); data(0x47);
    CHECK_EQ(status() & 0x08, 0);       /* last write was data */
    cmd(0x20);
    CHECK_EQ(next(), 0x47);
    cmd(0xad); cmd(0xa8);
    cmd(0x20);
    CHECK_EQ(next(), 0x57);
    cmd(0x60); data(0x00);              /* SYS flag follows the command byte */
    CHECK_EQ(status() & 0x04, 0);
    cmd(0x61); data(0x99);              /* controller RAM */
    cmd(0x21);
    CHECK_EQ(next(), 0x99);
}

TEST(irq1_per_byte)
{
    setup();
    data(0xff);                         /* keyboard reset: ACK then BAT OK */
    CHECK_EQ(irq1, 1);
    CHECK_EQ(edges1, 1);
    CHECK_EQ(rdata(), 0xfa);
    CHECK_EQ(irq1, 1);
    CHECK_EQ(edges1, 2);                /* the next byte is a new edge */
    CHECK_EQ(rdata(), 0xaa);
    CHECK_EQ(irq1, 0);
    cmd(0x60); data(0x64);              /* KBDINT off */
    data(0xee);
    CHECK_EQ(irq1, 0);
    CHECK_EQ(next(), 0xee);             /* echo */
}

TEST(keyboard_identify_and_scan_set)
{
    setup();
    data(0xf2);
    CHECK_EQ(next(), 0xfa); CHECK_EQ(next(), 0xab); CHECK_EQ(next(), 0x41);
    data(0xf0); CHECK_EQ(next(), 0xfa);
    data(0x00); CHECK_EQ(next(), 0xfa); CHECK_EQ(next(), 0x41);   /* set 2, translated */
    data(0xf0); data(0x01); CHECK_EQ(next(), 0xfa); CHECK_EQ(next(), 0xfa);
    cmd(0x60); data(0x05);              /* translation off */
    data(0xf0); data(0x00);
    CHECK_EQ(next(), 0xfa); CHECK_EQ(next(), 0xfa); CHECK_EQ(next(), 0x01);
    data(0xed); data(0x07);             /* LEDs */
    CHECK_EQ(next(), 0xfa); CHECK_EQ(next(), 0xfa);
    CHECK_EQ(kbc.leds, 7);
}

TEST(a20_through_output_port)
{
    setup();
    cmd(0xd0);
    u8 op = (u8)next();
    CHECK_EQ(op & 0x03, 0x03);          /* A20 on, reset line high */
    cmd(0xd1); data(0xdd);              /* A20 off */
    CHECK_EQ(a20, 0);
    cmd(0xd0);
    CHECK_EQ(next() & 0x02, 0);
    cmd(0xd1); data(0xdf);              /* A20 on (Linux enable_a20_kbc) */
    CHECK_EQ(a20, 1);
    CHECK_EQ(a20_calls, 2);
    cmd(0xd1); data(0xdf);              /* no change, no callback */
    CHECK_EQ(a20_calls, 2);
    cmd(0xdd);
    CHECK_EQ(a20, 0);
    cmd(0xdf);
    CHECK_EQ(a20, 1);
    CHECK_EQ(resets, 0);
}

TEST(reset_pulse)
{
    setup();
    cmd(0xff);                          /* pulse nothing */
    CHECK_EQ(resets, 0);
    cmd(0xfe);                          /* pulse bit 0: system reset */
    CHECK_EQ(resets, 1);
    cmd(0xd1); data(0xde);              /* writing the reset bit low also resets */
    CHECK_EQ(resets, 2);
}

TEST(disable_keyboard_holds_bytes)
{
    setup();
    cmd(0xad);
    const u8 keys[] = {0x1c, 0xf0, 0x1c};  /* set 2 'A' press and release */
    i8042_key(&kbc, keys, 3);
    CHECK_EQ(status() & 1, 0);
    cmd(0x20);                          /* controller replies still come out */
    CHECK_EQ(next(), 0x75);
    cmd(0xae);
    CHECK_EQ(next(), 0x1e);
    CHECK_EQ(next(), 0x9e);
    CHECK_EQ(next(), -1);
}

TEST(aux_device)
{
    setup();
    cmd(0xa8);                          /* enable aux */
    cmd(0x60); data(0x47);              /* irq1 + irq12, translation */
    cmd(0xd4); data(0xf2);              /* mouse: get ID */
    CHECK_EQ(irq12, 1);
    CHECK_EQ(irq1, 0);
    CHECK_EQ(status() & 0x21, 0x21);    /* OBF from aux */
    CHECK_EQ(rdata(), 0xfa);
    CHECK_EQ(rdata(), 0x00);
    CHECK_EQ(irq12, 0);
    CHECK_EQ(edges12, 2);
    cmd(0xd3); data(0x5a);              /* write aux output buffer */
    CHECK_EQ(status() & 0x21, 0x21);
    CHECK_EQ(rdata(), 0x5a);
    cmd(0xd2); data(0x33);              /* write keyboard output buffer */
    CHECK_EQ(status() & 0x21, 0x01);
    CHECK_EQ(irq1, 1);
    CHECK_EQ(rdata(), 0x33);
}

TEST(aux_loopback_while_disabled)
{
    /* Linux i8042_check_aux: 0xD3 loopback with the aux clock still disabled */
    setup();
    cmd(0xd3); data(0x5a);
    CHECK_EQ(status() & 0x21, 0x21);
    CHECK_EQ(rdata(), 0x5a);
    cmd(0xd2); data(0x11);              /* keyboard buffer write works while disabled too */
    cmd(0xad);
    CHECK_EQ(status() & 0x21, 0x01);
    CHECK_EQ(rdata(), 0x11);
    cmd(0xd4); data(0xf2);              /* a real aux byte waits for the aux port */
    CHECK_EQ(status() & 1, 0);
    cmd(0xa8);
    CHECK_EQ(rdata(), 0xfa);
}

TEST(keys_translated_to_set1)
{
    setup();
    const u8 a_make_break[] = {0x1c, 0xf0, 0x1c};      /* set 2 'A' press, release */
    i8042_key(&kbc, a_make_break, 3);
    CHECK_EQ(next(), 0x1e);
    CHECK_EQ(next(), 0x9e);
    const u8 right_arrow[] = {0xe0, 0x74, 0xe0, 0xf0, 0x74};
    i8042_key(&kbc, right_arrow, 5);
    CHECK_EQ(next(), 0xe0); CHECK_EQ(next(), 0x4d);
    CHECK_EQ(next(), 0xe0); CHECK_EQ(next(), 0xcd);
    cmd(0x60); data(0x05);              /* translation off: raw set 2 */
    i8042_key(&kbc, a_make_break, 3);
    CHECK_EQ(next(), 0x1c); CHECK_EQ(next(), 0xf0); CHECK_EQ(next(), 0x1c);
    data(0xf5); CHECK_EQ(next(), 0xfa); /* scanning disabled: keys ignored */
    i8042_key(&kbc, a_make_break, 1);
    CHECK_EQ(next(), -1);
}

TEST(info)
{
    setup();
    char buf[512];
    int n = i8042_info(&kbc, buf, sizeof buf);
    CHECK(n > 0 && (size_t)n == strlen(buf));
    CHECK(strstr(buf, "0x65") != NULL && strstr(buf, "A20 on") != NULL);
}

int main(void)
{
    RUN(status_and_self_test);
    RUN(command_byte);
    RUN(irq1_per_byte);
    RUN(keyboard_identify_and_scan_set);
    RUN(a20_through_output_port);
    RUN(reset_pulse);
    RUN(disable_keyboard_holds_bytes);
    RUN(aux_device);
    RUN(aux_loopback_while_disabled);
    RUN(keys_translated_to_set1);
    RUN(info);
    iomap_free(&ports);
    return test_summary();
}
