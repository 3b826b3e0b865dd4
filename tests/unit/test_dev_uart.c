/* 16550A UART at 0x3F8 driven through its ports, with a test char backend. */
#include "test.h"
#include "dev/uart.h"

static struct iomap ports;
static struct vclock clk;
static struct uart uart;
static int irq;
static u8 sent[256];
static size_t nsent;

static void irq_cb(void *o, int n, int l) { (void)o; (void)n; irq = l; }
static void backend(void *o, const u8 *b, size_t n)
{
    (void)o;
    for (size_t i = 0; i < n && nsent < sizeof sent; i++) sent[nsent++] = b[i];
}
static void out(u16 port, u8 v) { iomap_write(&ports, 0x3f8 + port, v, 1); }
static u8 in(u16 port) { return (u8)iomap_read(&ports, 0x3f8 + port, 1); }
static void rx(const char *s) { uart_receive(&uart, (const u8 *)s, strlen(s)); }

enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    vclock_init(&clk);
    irq = 0;
    nsent = 0;
    uart_init(&uart, "serial0", &ports, 0x3f8, (struct irq_line){irq_cb, NULL, 4}, &clk,
              (struct chardev){backend, NULL});
}

TEST(reset_state)
{
    setup();
    CHECK_EQ(in(IIR), 0x01);
    CHECK_EQ(in(LSR), 0x60);
    CHECK_EQ(in(MSR), 0xb0);
    CHECK_EQ(in(IER), 0);
    CHECK_EQ(in(LCR), 0);
    out(SCR, 0x5a);
    CHECK_EQ(in(SCR), 0x5a);
    CHECK_EQ(irq, 0);
}

TEST(divisor_latch_and_transmit)
{
    setup();
    out(LCR, 0x80);
    out(0, 0x01); out(1, 0x00);         /* 115200 baud */
    CHECK_EQ(in(0), 0x01);
    CHECK_EQ(in(1), 0x00);
    out(LCR, 0x03);                     /* 8N1, DLAB off */
    CHECK_EQ(uart.divisor, 1);
    out(THR, 'h'); out(THR, 'i');
    CHECK_EQ(nsent, 2);
    CHECK(sent[0] == 'h' && sent[1] == 'i');
    CHECK_EQ(in(LSR) & 0x60, 0x60);     /* instant: THRE and TEMT */
    CHECK_EQ(in(IER), 0);               /* IER untouched by the divisor writes */
}

TEST(thre_interrupt)
{
    setup();
    out(IER, 0x02);                     /* enabling ETBEI with THR empty: interrupt at once */
    CHECK_EQ(irq, 1);
    CHECK_EQ(in(IIR), 0x02);
    CHECK_EQ(irq, 0);                   /* the IIR read cleared it */
    CHECK_EQ(in(IIR), 0x01);
    out(THR, 'x');                      /* THR empties again */
    CHECK_EQ(irq, 1);
    CHECK_EQ(in(IIR), 0x02);
    out(THR, 'y');
    out(IER, 0x00);
    CHECK_EQ(irq, 0);
    CHECK_EQ(in(IIR), 0x01);
}

TEST(receive_without_fifo)
{
    setup();
    out(IER, 0x01);
    CHECK_EQ(uart_can_receive(&uart), 1);
    rx("a");
    CHECK_EQ(uart_can_receive(&uart), 0);
    CHECK_EQ(irq, 1);
    CHECK_EQ(in(IIR), 0x04);
    CHECK_EQ(in(LSR) & 0x01, 0x01);
    CHECK_EQ(in(RBR), 'a');
    CHECK_EQ(in(LSR) & 0x01, 0);
    CHECK_EQ(irq, 0);
    /* overrun: the second byte overwrites RBR and sets OE, cleared by reading LSR */
    out(IER, 0x05);
    rx("bc");
    CHECK_EQ(in(IIR), 0x06);            /* line status outranks received data */
    CHECK_EQ(in(LSR) & 0x03, 0x03);
    CHECK_EQ(in(LSR) & 0x02, 0);
    CHECK_EQ(in(IIR), 0x04);
    CHECK_EQ(in(RBR), 'c');
}

TEST(fifo_trigger_level)
{
    setup();
    out(FCR, 0x81);                     /* FIFO on, trigger 8 */
    CHECK_EQ(in(IIR) & 0xc0, 0xc0);
    out(IER, 0x01);
    CHECK_EQ(uart_can_receive(&uart), 16);
    rx("1234567");
    CHECK_EQ(irq, 0);
    CHECK_EQ(in(IIR), 0xc1);
    rx("8");
    CHECK_EQ(irq, 1);
    CHECK_EQ(in(IIR), 0xc4);
    CHECK_EQ(in(RBR), '1');             /* below the trigger again */
    CHECK_EQ(irq, 0);
    CHECK_EQ(in(IIR), 0xc1);
    rx("9abcdefghi");                   /* 7 + 10 = 17: one lost, overrun */
    CHECK_EQ(uart_can_receive(&uart), 0);
    CHECK_EQ(in(LSR) & 0x03, 0x03);
    for (const char *p = "2345678"; *p; p++) CHECK_EQ(in(RBR), *p);
    CHECK_EQ(in(RBR), '9');
    /* FIFO reset empties it */
    out(FCR, 0x83);
    CHECK_EQ(in(LSR) & 0x01, 0);
    /* FIFO off */
    out(FCR, 0x00);
    CHECK_EQ(in(IIR) & 0xc0, 0);
}

TEST(receive_timeout)
{
    setup();
    out(LCR, 0x80); out(0, 1); out(1, 0); out(LCR, 0x03);   /* 115200 8N1: 86805 ns per char */
    out(FCR, 0xc1);                     /* trigger 14 */
    out(IER, 0x01);
    rx("abc");
    CHECK_EQ(in(IIR), 0xc1);
    clk.now += 4 * 86805 - 10;
    vclock_run_expired(&clk);
    CHECK_EQ(irq, 0);
    clk.now += 10;
    vclock_run_expired(&clk);
    CHECK_EQ(irq, 1);
    CHECK_EQ(in(IIR), 0xcc);
    CHECK_EQ(in(RBR), 'a');             /* a read clears the timeout and restarts it */
    CHECK_EQ(irq, 0);
    CHECK_EQ(in(IIR), 0xc1);
    CHECK_EQ(vclock_next_deadline(&clk), clk.now + 4 * 86805);
    clk.now += 4 * 86805;
    vclock_run_expired(&clk);
    CHECK_EQ(in(IIR), 0xcc);
    in(RBR); in(RBR);                   /* empty: no timeout any more */
    CHECK_EQ(in(IIR), 0xc1);
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
}

TEST(loopback)
{
    setup();
    out(MCR, 0x10);
    CHECK_EQ(uart_can_receive(&uart), 0);
    in(MSR);
    CHECK_EQ(in(MSR), 0x00);            /* modem inputs follow the (clear) outputs */
    out(THR, 'L');
    CHECK_EQ(nsent, 0);                 /* nothing leaves the chip */
    CHECK_EQ(in(LSR) & 0x01, 1);
    CHECK_EQ(in(RBR), 'L');
    out(MCR, 0x1f);                     /* DTR RTS OUT1 OUT2 -> DSR CTS RI DCD */
    CHECK_EQ(in(MSR), 0xfb);            /* deltas except TERI (RI rose) */
    out(MCR, 0x1b);                     /* OUT1 off: RI trailing edge */
    CHECK_EQ(in(MSR), 0xb4);
    out(MCR, 0x00);
    CHECK_EQ(in(MSR) & 0xf0, 0xb0);     /* back to the host's inputs */
}

TEST(modem_status_interrupt_and_priority)
{
    setup();
    out(IER, 0x0f);
    CHECK_EQ(in(IIR), 0x02);            /* THRE pending from enabling */
    CHECK_EQ(in(IIR), 0x01);
    uart_set_modem_inputs(&uart, 0xa0); /* CTS drops */
    CHECK_EQ(irq, 1);
    out(THR, 'z');                      /* THRE now pending too: outranks modem status */
    rx("q");                            /* received data outranks THRE */
    CHECK_EQ(in(IIR), 0x04);
    in(RBR);
    CHECK_EQ(in(IIR), 0x02);
    CHECK_EQ(in(IIR), 0x00);            /* modem status */
    CHECK_EQ(in(MSR), 0xa1);            /* DCTS */
    CHECK_EQ(in(IIR), 0x01);
    CHECK_EQ(irq, 0);
}

TEST(info)
{
    setup();
    char buf[512];
    out(LCR, 0x80); out(0, 1); out(1, 0); out(LCR, 0x03);
    int n = uart_info(&uart, buf, sizeof buf);
    CHECK(n > 0 && (size_t)n == strlen(buf));
    CHECK(strstr(buf, "115200 baud 8N1") != NULL);
}

int main(void)
{
    RUN(reset_state);
    RUN(divisor_latch_and_transmit);
    RUN(thre_interrupt);
    RUN(receive_without_fifo);
    RUN(fifo_trigger_level);
    RUN(receive_timeout);
    RUN(loopback);
    RUN(modem_status_interrupt_and_priority);
    RUN(info);
    iomap_free(&ports);
    return test_summary();
}
