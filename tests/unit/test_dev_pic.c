/* 8259A PIC pair driven through its ports as a guest would. */
#include "test.h"
#include "dev/pic.h"

static struct iomap ports;
static struct pic pic;
static int intr_level, intr_changes;

static void intr_cb(void *o, int n, int level) { (void)o; (void)n; intr_level = level; intr_changes++; }
static void out(u16 port, u8 v) { iomap_write(&ports, port, v, 1); }
static u8 in(u16 port) { return (u8)iomap_read(&ports, port, 1); }

/* The standard PC initialization (Linux init_8259A): vectors 0x20/0x28, cascade on IR2. */
static void setup(bool aeoi)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    intr_level = intr_changes = 0;
    pic_init(&pic, &ports, (struct irq_line){intr_cb, NULL, 0});
    out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, aeoi ? 0x03 : 0x01);
    out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, 0x01);
    out(0x21, 0x00); out(0xa1, 0x00);
}

static void raise_edge(int irq) { pic_set_irq(&pic, irq, 1); pic_set_irq(&pic, irq, 0); }

/* Power-on: an 8259 that was never given ICW1-ICW2 drives no INTR, whatever
 * its inputs do (QEMU's would deliver vector 0..7); ICW1 drops the latched
 * edges, so nothing from before initialisation arrives after it. */
TEST(unprogrammed_raises_nothing)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    intr_level = intr_changes = 0;
    pic_init(&pic, &ports, (struct irq_line){intr_cb, NULL, 0});
    raise_edge(0);
    raise_edge(1);
    pic_set_irq(&pic, 9, 1);
    CHECK(!pic_intr(&pic));
    CHECK_EQ(intr_changes, 0);
    CHECK_EQ(pic_ack(&pic), 7u);          /* an INTA anyway: spurious */
    out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, 0x01);
    out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, 0x01);
    CHECK(!pic_intr(&pic));               /* the early edges were dropped */
    pic_set_irq(&pic, 9, 0);
    raise_edge(1);
    CHECK(pic_intr(&pic));
    CHECK_EQ(pic_ack(&pic), 0x21u);
}

TEST(init_and_vector)
{
    setup(false);
    CHECK(!pic_intr(&pic));
    raise_edge(0);
    CHECK(pic_intr(&pic));
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(in(0x20), 0x01);           /* IRR */
    CHECK_EQ(pic_ack(&pic), 0x20);
    CHECK(!pic_intr(&pic));
    CHECK_EQ(intr_level, 0);
    out(0x20, 0x0b);                    /* OCW3: read ISR */
    CHECK_EQ(in(0x20), 0x01);
    out(0x20, 0x20);                    /* non-specific EOI */
    CHECK_EQ(in(0x20), 0x00);
    out(0x20, 0x0a);                    /* back to IRR */
    CHECK_EQ(in(0x20), 0x00);
}

TEST(priority_and_nesting)
{
    setup(false);
    raise_edge(4);
    CHECK_EQ(pic_ack(&pic), 0x24);
    raise_edge(6);                      /* lower priority: blocked by IR4 in service */
    CHECK(!pic_intr(&pic));
    raise_edge(1);                      /* higher priority: nests */
    CHECK(pic_intr(&pic));
    CHECK_EQ(pic_ack(&pic), 0x21);
    out(0x20, 0x20);                    /* EOI clears IR1 (highest in service) */
    CHECK(!pic_intr(&pic));
    out(0x20, 0x20);                    /* EOI clears IR4 -> IR6 now delivered */
    CHECK(pic_intr(&pic));
    CHECK_EQ(pic_ack(&pic), 0x26);
    out(0x20, 0x66);                    /* specific EOI IR6 */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
}

TEST(mask)
{
    setup(false);
    out(0x21, 0x01);                    /* OCW1: mask IR0 */
    CHECK_EQ(in(0x21), 0x01);
    raise_edge(0);
    CHECK(!pic_intr(&pic));
    CHECK_EQ(in(0x20), 0x01);           /* still requested */
    out(0x21, 0x00);
    CHECK(pic_intr(&pic));
    CHECK_EQ(pic_ack(&pic), 0x20);
}

TEST(cascade_slave)
{
    setup(false);
    raise_edge(14);
    CHECK(pic_intr(&pic));
    CHECK_EQ(pic_ack(&pic), 0x2e);
    out(0xa0, 0x0b); out(0x20, 0x0b);
    CHECK_EQ(in(0xa0), 0x40);           /* slave ISR IR6 */
    CHECK_EQ(in(0x20), 0x04);           /* master ISR IR2 */
    raise_edge(3);                      /* IR3 is lower than IR2 in service */
    CHECK(!pic_intr(&pic));
    out(0xa0, 0x20); out(0x20, 0x20);
    CHECK_EQ(pic_ack(&pic), 0x23);
    /* masking the cascade input hides slave requests */
    out(0x20, 0x20);
    out(0x21, 0x04);
    raise_edge(8);
    CHECK(!pic_intr(&pic));
    out(0x21, 0x00);
    CHECK_EQ(pic_ack(&pic), 0x28);
}

TEST(spurious)
{
    setup(false);
    CHECK_EQ(pic_ack(&pic), 0x27);      /* nothing pending: IR7, no ISR */
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
    /* slave spurious: the slave request vanished (level line dropped) after the
     * master latched IR2; vector is IR15, master IR2 in service, slave ISR clear. */
    out(0x4d1, 0x02);                   /* IRQ9 level triggered */
    pic_set_irq(&pic, 9, 1);
    CHECK(pic_intr(&pic));
    pic_set_irq(&pic, 9, 0);
    CHECK_EQ(pic_ack(&pic), 0x2f);
    out(0xa0, 0x0b);
    CHECK_EQ(in(0xa0), 0x00);
    CHECK_EQ(in(0x20), 0x04);
}

TEST(auto_eoi)
{
    setup(true);
    raise_edge(3);
    CHECK_EQ(pic_ack(&pic), 0x23);
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);           /* ISR not set in AEOI mode */
    raise_edge(5);
    CHECK(pic_intr(&pic));
}

TEST(rotate)
{
    setup(false);
    raise_edge(1); raise_edge(3);
    CHECK_EQ(pic_ack(&pic), 0x21);
    out(0x20, 0xa0);                    /* rotate on non-specific EOI: IR1 lowest */
    CHECK_EQ(pic.chip[0].lowest, 1);
    raise_edge(1);
    CHECK_EQ(pic_ack(&pic), 0x23);      /* IR3 (priority 1 after rotation) beats IR1 */
    out(0x20, 0x20);
    CHECK_EQ(pic_ack(&pic), 0x21);
    out(0x20, 0xe1);                    /* rotate on specific EOI IR1 */
    out(0x20, 0xc4);                    /* set priority: IR4 lowest -> IR5 highest */
    raise_edge(0); raise_edge(5);
    CHECK_EQ(pic_ack(&pic), 0x25);
    out(0x20, 0x20);
    CHECK_EQ(pic_ack(&pic), 0x20);
}

TEST(elcr_level)
{
    setup(false);
    CHECK_EQ(in(0x4d0), 0x00);
    out(0x4d0, 0xff);
    CHECK_EQ(in(0x4d0), 0xf8);          /* IRQ0-2 always edge */
    out(0x4d1, 0xff);
    CHECK_EQ(in(0x4d1), 0xde);          /* IRQ8, IRQ13 always edge */
    pic_set_irq(&pic, 11, 1);           /* level, held high */
    CHECK_EQ(pic_ack(&pic), 0x2b);
    out(0xa0, 0x20); out(0x20, 0x20);
    CHECK(pic_intr(&pic));              /* still asserted: requests again */
    CHECK_EQ(pic_ack(&pic), 0x2b);
    pic_set_irq(&pic, 11, 0);
    out(0xa0, 0x20); out(0x20, 0x20);
    CHECK(!pic_intr(&pic));
    /* edge (IRQ1 cannot be made level): a held-high line requests once */
    pic_set_irq(&pic, 1, 1);
    CHECK_EQ(pic_ack(&pic), 0x21);
    out(0x20, 0x20);
    CHECK(!pic_intr(&pic));
}

TEST(poll_mode)
{
    setup(false);
    out(0x21, 0xff);                    /* poll works with interrupts masked */
    out(0x20, 0x0c);
    CHECK_EQ(in(0x20), 0x00);           /* nothing pending */
    out(0x21, 0x00);
    raise_edge(5);
    out(0x20, 0x0c);
    CHECK_EQ(in(0x20), 0x85);
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x20);           /* poll acknowledged IR5 */
}

TEST(special_mask_mode)
{
    setup(false);
    raise_edge(2 + 1);
    CHECK_EQ(pic_ack(&pic), 0x23);      /* IR3 in service */
    raise_edge(6);
    CHECK(!pic_intr(&pic));
    out(0x21, 0x08);                    /* mask IR3 */
    out(0x20, 0x68);                    /* OCW3: set special mask */
    CHECK(pic_intr(&pic));              /* lower priority IR6 now allowed */
    CHECK_EQ(pic_ack(&pic), 0x26);
    out(0x20, 0x48);                    /* reset special mask */
    out(0x20, 0x66);
    out(0x20, 0x63);
    out(0x20, 0x0b);
    CHECK_EQ(in(0x20), 0x00);
}

TEST(info)
{
    char buf[512];
    setup(false);
    raise_edge(0);
    int n = pic_info(&pic, buf, sizeof buf);
    CHECK(n > 0 && (size_t)n == strlen(buf));
    CHECK(strstr(buf, "master") && strstr(buf, "slave") && strstr(buf, "0x20") && strstr(buf, "INTR    1"));
    char small[10];
    n = pic_info(&pic, small, sizeof small);
    CHECK_EQ(strlen(small), 9);
}

int main(void)
{
    RUN(unprogrammed_raises_nothing);
    RUN(init_and_vector);
    RUN(priority_and_nesting);
    RUN(mask);
    RUN(cascade_slave);
    RUN(spurious);
    RUN(auto_eoi);
    RUN(rotate);
    RUN(elcr_level);
    RUN(poll_mode);
    RUN(special_mask_mode);
    RUN(info);
    iomap_free(&ports);
    return test_summary();
}
