/*
 * I/O APIC: register window, redirection entry bits, edge and level pins,
 * remote IRR and the EOI broadcast, masks, polarity, ExtINT pass-through,
 * and the path to a local APIC (ISA IRQ -> pin -> vector -> ack -> EOI).
 * Expected behaviour: Intel 82093AA datasheet.
 */
#include "test.h"
#include "dev/ioapic.h"

static struct ioapic io;
static struct apic_msg msgs[16];
static int nmsg;

static void send_cb(void *o, const struct apic_msg *m)
{
    (void)o;
    if (nmsg < 16) msgs[nmsg] = *m;
    nmsg++;
}

static void setup(void)
{
    nmsg = 0;
    memset(msgs, 0, sizeof msgs);
    ioapic_init(&io, NULL, send_cb, NULL);
}
static u32 reg(u32 r) { ioapic_write(&io, 0x00, r); return ioapic_read(&io, 0x10); }
static void set_reg(u32 r, u32 v) { ioapic_write(&io, 0x00, r); ioapic_write(&io, 0x10, v); }
static void route(int pin, u32 lo, u32 hi) { set_reg(0x11 + 2 * pin, hi); set_reg(0x10 + 2 * pin, lo); }
static void pin(int p, int level) { ioapic_set_irq(&io, p, level); }

TEST(registers)
{
    setup();
    CHECK_EQ(reg(0x00), 0x01000000u);
    CHECK_EQ(reg(0x01), 0x00170011u);             /* version 0x11, 24 entries */
    CHECK_EQ(reg(0x02), 0x01000000u);
    CHECK_EQ(ioapic_read(&io, 0x00), 0x02);       /* IOREGSEL reads back */
    for (int p = 0; p < IOAPIC_PINS; p++)
        if (reg(0x10 + 2 * p) != 0x10000 || reg(0x11 + 2 * p) != 0) FAILF("pin %d not masked at reset", p);
    set_reg(0x00, 0xffffffffu);
    CHECK_EQ(reg(0x00), 0x0f000000u);
    set_reg(0x01, 0);
    CHECK_EQ(reg(0x01), 0x00170011u);
    set_reg(0x10, 0xffffffffu);                   /* delivery status and remote IRR are read-only */
    CHECK_EQ(reg(0x10), 0x1afffu);
    set_reg(0x11, 0xffffffffu);
    CHECK_EQ(reg(0x11), 0xff000000u);
    CHECK_EQ(reg(0x40), 0);                       /* beyond the last entry */
}

TEST(edge_pin)
{
    setup();
    route(2, 0x30, 0);
    pin(2, 1);
    CHECK_EQ(nmsg, 1);
    CHECK_EQ(msgs[0].vector, 0x30);
    CHECK_EQ(msgs[0].mode, APIC_DM_FIXED);
    CHECK(!msgs[0].level && !msgs[0].logical);
    pin(2, 1);
    CHECK_EQ(nmsg, 1);                            /* no edge */
    pin(2, 0);
    CHECK_EQ(nmsg, 1);
    pin(2, 1);
    CHECK_EQ(nmsg, 2);
}

TEST(masked_edge_is_lost)
{
    setup();
    route(4, 0x10000 | 0x34, 0);
    pin(4, 1);
    CHECK_EQ(nmsg, 0);
    route(4, 0x34, 0);
    CHECK_EQ(nmsg, 0);
    pin(4, 0);
    pin(4, 1);
    CHECK_EQ(nmsg, 1);
}

TEST(level_pin_remote_irr)
{
    setup();
    route(9, 0x8000 | 0x39, 0x03000000);
    pin(9, 1);
    CHECK_EQ(nmsg, 1);
    CHECK(msgs[0].level);
    CHECK_EQ(msgs[0].dest, 3);
    CHECK(reg(0x10 + 18) & (1u << 14));           /* remote IRR */
    ioapic_eoi(&io, 0x38);                        /* another vector */
    CHECK_EQ(nmsg, 1);
    ioapic_eoi(&io, 0x39);                        /* still asserted: sent again */
    CHECK_EQ(nmsg, 2);
    pin(9, 0);
    ioapic_eoi(&io, 0x39);
    CHECK_EQ(nmsg, 2);
    CHECK(!(reg(0x10 + 18) & (1u << 14)));
    /* an active level pin is delivered when unmasked */
    route(9, 0x18000 | 0x39, 0);
    pin(9, 1);
    CHECK_EQ(nmsg, 2);
    route(9, 0x8000 | 0x39, 0);
    CHECK_EQ(nmsg, 3);
}

TEST(polarity)
{
    setup();
    pin(11, 1);                                   /* an idle-high line ... */
    route(11, 0x2000 | 0x8000 | 0x3b, 0);         /* ... level, active low: inactive */
    CHECK_EQ(nmsg, 0);
    pin(11, 0);
    CHECK_EQ(nmsg, 1);
    route(12, 0x2000 | 0x3c, 0);                  /* edge, active low: falling edges */
    pin(12, 1);
    CHECK_EQ(nmsg, 1);
    pin(12, 0);
    CHECK_EQ(nmsg, 2);
}

TEST(logical_nmi_extint)
{
    setup();
    route(5, 0x800 | 0x100 | 0x45, 0x01000000);   /* lowest priority, logical */
    pin(5, 1);
    CHECK_EQ(msgs[0].mode, APIC_DM_LOWEST);
    CHECK(msgs[0].logical);
    route(6, 0x400, 0);
    pin(6, 1);
    CHECK_EQ(msgs[1].mode, APIC_DM_NMI);
    route(0, 0x700, 0);                           /* the 8259's INTR as a virtual wire */
    CHECK_EQ(nmsg, 3);
    CHECK(!msgs[2].assert);
    pin(0, 1);
    CHECK_EQ(msgs[3].mode, APIC_DM_EXTINT);
    CHECK(msgs[3].assert);
    pin(0, 0);
    CHECK(!msgs[4].assert);
    CHECK_EQ(nmsg, 5);
}

/* Through a local APIC: a level pin's vector is taken, EOI clears remote IRR. */
static struct lapic apic;
static struct vclock clk;
static int cpu_intr;
static void intr_cb(void *o, int n, int l) { (void)o, (void)n; cpu_intr = l; }
static void eoi_cb(void *o, u8 v) { ioapic_eoi(o, v); }
static void to_lapic(void *o, const struct apic_msg *m) { lapic_deliver(o, m); }

TEST(with_local_apic)
{
    vclock_init(&clk);
    struct lapic_wiring w = {{intr_cb, NULL, 0}, NULL, NULL, eoi_cb, &io};
    lapic_init(&apic, NULL, &clk, &w);
    ioapic_init(&io, NULL, to_lapic, &apic);
    lapic_write(&apic, 0xf0, 0x1ff);
    route(2, 0x30, 0);
    route(9, 0x8000 | 0x39, 0);
    pin(2, 1);
    pin(9, 1);
    CHECK_EQ(cpu_intr, 1);
    CHECK_EQ(lapic_ack(&apic), 0x39);
    CHECK_EQ(cpu_intr, 0);                        /* 0x30 is in the class in service */
    CHECK_EQ(lapic_ack(&apic), 0xff);            /* so an acknowledge now is spurious */
    lapic_write(&apic, 0xb0, 0);                  /* EOI 0x39: still asserted, sent again */
    CHECK(reg(0x10 + 18) & (1u << 14));
    pin(9, 0);
    CHECK_EQ(lapic_ack(&apic), 0x39);
    lapic_write(&apic, 0xb0, 0);
    CHECK(!(reg(0x10 + 18) & (1u << 14)));
    CHECK_EQ(lapic_ack(&apic), 0x30);
    lapic_write(&apic, 0xb0, 0);
    CHECK_EQ(cpu_intr, 0);
    route(3, 0x31, 0x05000000);                   /* to APIC ID 5: nobody */
    pin(3, 1);
    CHECK_EQ(cpu_intr, 0);
}

int main(void)
{
    RUN(registers);
    RUN(edge_pin);
    RUN(masked_edge_is_lost);
    RUN(level_pin_remote_irr);
    RUN(polarity);
    RUN(logical_nmi_extint);
    RUN(with_local_apic);
    return test_summary();
}
