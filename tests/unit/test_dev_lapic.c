/*
 * Local APIC: register file, priorities against TPR/PPR, ISR nesting and
 * EOI, spurious vector, LVT masks, LINT0 ExtINT pass-through, the timer in
 * one-shot and periodic modes with every divide value, self-IPIs, errors,
 * and the global disable through IA32_APIC_BASE. Expected values come from
 * the SDM vol. 3 chapter 10 (P6 family rules where they differ).
 */
#include "test.h"
#include "dev/lapic.h"

static struct vclock clk;
static struct lapic apic;
static int intr, nmis, extint_acks, eois, last_eoi;

static void intr_cb(void *o, int n, int level) { (void)o, (void)n; intr = level; }
static void nmi_cb(void *o) { (void)o; nmis++; }
static int extint_cb(void *o) { (void)o; extint_acks++; return 0x28; }
static void eoi_cb(void *o, u8 v) { (void)o; eois++; last_eoi = v; }

static void wr(u32 off, u32 v) { lapic_write(&apic, off, v); }
static u32 rd(u32 off) { return lapic_read(&apic, off); }
static bool bit(u32 base, u8 v) { return rd(base + 0x10 * (v >> 5)) >> (v & 31) & 1; }
static void fixed(u8 v, bool level)
{
    lapic_deliver(&apic, &(struct apic_msg){.dest = 0, .mode = APIC_DM_FIXED, .vector = v, .level = level});
}

static void setup(void)
{
    vclock_init(&clk);
    intr = nmis = extint_acks = eois = last_eoi = 0;
    struct lapic_wiring w = {{intr_cb, NULL, 0}, nmi_cb, extint_cb, eoi_cb, NULL};
    lapic_init(&apic, NULL, &clk, &w);
}
static void enable(void) { wr(0xf0, 0x1ff); }

TEST(reset_state)
{
    setup();
    CHECK_EQ(rd(0x20), 0);
    CHECK_EQ(rd(0x30) & 0xff, 0x11);              /* P6 integrated APIC */
    CHECK_EQ(rd(0x30) >> 16 & 0xff, 4);           /* five LVT entries */
    CHECK_EQ(rd(0xe0), 0xffffffffu);
    CHECK_EQ(rd(0xf0), 0xff);
    CHECK_EQ(rd(0x320), 0x10000);
    CHECK_EQ(rd(0x350), 0x700);                   /* virtual wire: ExtINT */
    CHECK_EQ(rd(0x360), 0x400);                   /* NMI */
    CHECK_EQ(rd(0x370), 0x10000);
    CHECK_EQ(apic.base, 0xfee00900u);
    CHECK_EQ(intr, 0);
}

TEST(register_write_masks)
{
    setup();
    wr(0x20, 0xffffffffu);
    CHECK_EQ(rd(0x20), 0x0f000000u);              /* 4-bit ID */
    wr(0xd0, 0xffffffffu);
    CHECK_EQ(rd(0xd0), 0xff000000u);
    wr(0xe0, 0);
    CHECK_EQ(rd(0xe0), 0x0fffffffu);              /* cluster model */
    wr(0xf0, 0x130);
    CHECK_EQ(rd(0xf0), 0x13f);                    /* vector bits 3:0 hardwired to 1 */
    wr(0x310, 0xffffffffu);
    CHECK_EQ(rd(0x310), 0xff000000u);
    wr(0x3e0, 0xffffffffu);
    CHECK_EQ(rd(0x3e0), 0xb);
    wr(0x360, 0xffffffffu);                       /* software-disabled: the mask stays */
    CHECK_EQ(rd(0x360), 0x1a7ffu);
    wr(0x30, 0x12345678);                         /* version is read-only */
    CHECK_EQ(rd(0x30), 0x40011);
}

TEST(extint_passthrough)
{
    setup();                                      /* software-disabled, LINT0 ExtINT */
    lapic_set_lint(&apic, 0, 1);
    CHECK_EQ(intr, 1);
    CHECK_EQ(lapic_ack(&apic), 0x28);
    CHECK_EQ(extint_acks, 1);
    lapic_set_lint(&apic, 0, 0);
    CHECK_EQ(intr, 0);
    enable();
    wr(0x350, 0x10700);                           /* masked */
    lapic_set_lint(&apic, 0, 1);
    CHECK_EQ(intr, 0);
    wr(0x350, 0x700);
    CHECK_EQ(intr, 1);
    /* an APIC interrupt goes first, then the 8259's */
    fixed(0x40, false);
    CHECK_EQ(lapic_ack(&apic), 0x40);
    CHECK_EQ(lapic_ack(&apic), 0x28);
    CHECK_EQ(extint_acks, 2);
}

TEST(fixed_needs_software_enable)
{
    setup();
    fixed(0x40, false);
    CHECK(!bit(0x200, 0x40));
    CHECK_EQ(intr, 0);
    enable();
    fixed(0x40, false);
    CHECK(bit(0x200, 0x40));
    CHECK_EQ(intr, 1);
    CHECK_EQ(lapic_ack(&apic), 0x40);
    CHECK(!bit(0x200, 0x40));
    CHECK(bit(0x100, 0x40));
    CHECK_EQ(intr, 0);
    CHECK_EQ(rd(0xa0), 0x40);
    wr(0xb0, 0);
    CHECK(!bit(0x100, 0x40));
    CHECK_EQ(eois, 0);                            /* edge: no EOI broadcast */
}

TEST(priority_against_tpr)
{
    setup();
    enable();
    wr(0x80, 0x55);
    CHECK_EQ(rd(0xa0), 0x55);                     /* PPR = TPR with nothing in service */
    fixed(0x5f, false);
    CHECK_EQ(intr, 0);                            /* same class as the TPR: held */
    fixed(0x60, false);
    CHECK_EQ(intr, 1);
    CHECK_EQ(rd(0x90), 0x60);                     /* APR: the highest request's class */
    wr(0x80, 0x70);                               /* raised before the acknowledge */
    CHECK_EQ(intr, 0);
    CHECK_EQ(lapic_ack(&apic), 0xff);             /* spurious vector, nothing in service */
    CHECK_EQ(rd(0xa0), 0x70);
    wr(0x80, 0);
    CHECK_EQ(lapic_ack(&apic), 0x60);
    CHECK_EQ(rd(0xa0), 0x60);                     /* PPR: the class in service */
    CHECK_EQ(intr, 0);                            /* 0x5f is of a lower class */
    wr(0xb0, 0);
    CHECK_EQ(lapic_ack(&apic), 0x5f);
}

TEST(isr_nesting_and_eoi)
{
    setup();
    enable();
    fixed(0x40, false);
    CHECK_EQ(lapic_ack(&apic), 0x40);
    fixed(0x30, false);
    CHECK_EQ(intr, 0);
    fixed(0x80, false);
    CHECK_EQ(intr, 1);
    CHECK_EQ(lapic_ack(&apic), 0x80);             /* nests above 0x40 */
    CHECK(bit(0x100, 0x40) && bit(0x100, 0x80));
    wr(0xb0, 0);                                  /* EOI ends the highest: 0x80 */
    CHECK(bit(0x100, 0x40) && !bit(0x100, 0x80));
    CHECK_EQ(intr, 0);
    wr(0xb0, 0);
    CHECK_EQ(intr, 1);
    CHECK_EQ(lapic_ack(&apic), 0x30);
    wr(0xb0, 0);
    wr(0xb0, 0);                                  /* EOI with nothing in service: harmless */
    CHECK_EQ(rd(0xa0), 0);
}

TEST(level_eoi_broadcast)
{
    setup();
    enable();
    fixed(0x41, true);
    CHECK(bit(0x180, 0x41));                      /* TMR */
    CHECK_EQ(lapic_ack(&apic), 0x41);
    wr(0xb0, 0);
    CHECK_EQ(eois, 1);
    CHECK_EQ(last_eoi, 0x41);
    CHECK(!bit(0x180, 0x41));
}

TEST(spurious_vector)
{
    setup();
    wr(0xf0, 0x13f);
    CHECK_EQ(lapic_ack(&apic), 0x3f);
    CHECK_EQ(rd(0x100) | rd(0x110) | rd(0x120) | rd(0x130), 0);
}

TEST(software_disable_masks_lvts)
{
    setup();
    enable();
    wr(0x320, 0x20030);
    wr(0x370, 0x31);
    CHECK_EQ(rd(0x320), 0x20030);
    wr(0xf0, 0xff);
    CHECK_EQ(rd(0x320), 0x30030);
    CHECK_EQ(rd(0x370), 0x10031);
    CHECK_EQ(rd(0x350), 0x10700);
}

TEST(lint1_nmi_and_masks)
{
    setup();
    enable();
    wr(0x360, 0x10400);
    lapic_set_lint(&apic, 1, 1);
    lapic_set_lint(&apic, 1, 0);
    CHECK_EQ(nmis, 0);
    wr(0x360, 0x400);
    lapic_set_lint(&apic, 1, 1);
    lapic_set_lint(&apic, 1, 1);
    CHECK_EQ(nmis, 1);                            /* edge */
    lapic_set_lint(&apic, 1, 0);
    lapic_set_lint(&apic, 1, 1);
    CHECK_EQ(nmis, 2);
    /* fixed, level-triggered LINT1 is not allowed by the SDM; LINT0 fixed level: remote IRR */
    lapic_set_lint(&apic, 0, 0);
    wr(0x350, 0x8033);
    lapic_set_lint(&apic, 0, 1);
    CHECK(rd(0x350) & (1u << 14));
    CHECK_EQ(lapic_ack(&apic), 0x33);
    wr(0xb0, 0);                                  /* still asserted: requested again */
    CHECK(bit(0x200, 0x33));
    CHECK_EQ(lapic_ack(&apic), 0x33);
    lapic_set_lint(&apic, 0, 0);
    wr(0xb0, 0);
    CHECK(!(rd(0x350) & (1u << 14)));
    CHECK(!bit(0x200, 0x33));
}

TEST(perf_counter_lvt)
{
    setup();
    enable();
    lapic_pmi(&apic);                             /* masked at reset */
    CHECK_EQ(nmis, 0);
    CHECK_EQ(intr, 0);
    wr(0x340, 0x400);                             /* NMI, as Linux's watchdog sets it */
    lapic_pmi(&apic);
    CHECK_EQ(nmis, 1);
    wr(0x340, 0xf0);                              /* fixed vector */
    lapic_pmi(&apic);
    CHECK(bit(0x200, 0xf0));
    CHECK_EQ(nmis, 1);
}

/* Run the clock to t, taking every timer interrupt (ack + EOI) and counting it. */
static int run_to(u64 t)
{
    int n = 0;
    for (;;) {
        u64 d = vclock_next_deadline(&clk);
        if (d > t) break;
        vclock_run_until(&clk, d);
        while (intr) {
            CHECK_EQ(lapic_ack(&apic), 0x40);
            wr(0xb0, 0);
            n++;
        }
    }
    vclock_run_until(&clk, t);
    return n;
}

TEST(timer_one_shot)
{
    setup();
    enable();
    wr(0x3e0, 0x3);                               /* divide by 16 */
    wr(0x320, 0x40);
    wr(0x380, 1000);
    CHECK_EQ(rd(0x390), 1000);
    vclock_run_until(&clk, 1600);
    CHECK_EQ(rd(0x390), 900);
    CHECK_EQ(run_to(15999), 0);
    CHECK_EQ(rd(0x390), 1);
    CHECK_EQ(run_to(16000), 1);
    CHECK_EQ(rd(0x390), 0);
    CHECK_EQ(run_to(100000), 0);                  /* once */
    wr(0x380, 10);                                /* a new count restarts it */
    CHECK_EQ(run_to(100000 + 159), 0);
    CHECK_EQ(run_to(100000 + 160), 1);
    wr(0x380, 0);
    CHECK_EQ(vclock_next_deadline(&clk), VCLOCK_NEVER);
}

TEST(timer_periodic)
{
    setup();
    enable();
    wr(0x3e0, 0xb);                               /* divide by 1 */
    wr(0x320, 0x20040);
    wr(0x380, 500);
    CHECK_EQ(run_to(2600), 5);
    CHECK_EQ(rd(0x390), 500 - 100);
    CHECK_EQ(run_to(3000), 1);
    CHECK_EQ(rd(0x390), 500);                     /* reloaded */
    wr(0x320, 0x30040);                           /* masked: counts on, no interrupt */
    CHECK_EQ(run_to(5000), 0);
    CHECK_EQ(rd(0x390), 500);
    CHECK_EQ(rd(0x200 + 0x10 * 2), 0);
    wr(0x320, 0x20040);
    CHECK_EQ(run_to(5500), 1);
    wr(0x320, 0x40);                              /* back to one-shot: the count has expired */
    CHECK_EQ(run_to(10000), 0);
}

TEST(timer_divide_values)
{
    static const struct { u32 conf, div; } t[] = {
        {0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1},
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        setup();
        enable();
        wr(0x3e0, t[i].conf);
        wr(0x320, 0x40);
        wr(0x380, 100);
        if (run_to(100 * t[i].div - 1) != 0 || run_to(100 * t[i].div) != 1)
            FAILF("divide conf 0x%x: expected a period of %u ns", t[i].conf, 100 * t[i].div);
    }
}

TEST(timer_divide_change_keeps_count)
{
    setup();
    enable();
    wr(0x3e0, 0xb);
    wr(0x320, 0x40);
    wr(0x380, 1000);
    vclock_run_until(&clk, 400);
    CHECK_EQ(rd(0x390), 600);
    wr(0x3e0, 0x0);                               /* now by 2: 600 counts left = 1200 ns */
    CHECK_EQ(rd(0x390), 600);
    CHECK_EQ(run_to(1599), 0);
    CHECK_EQ(run_to(1600), 1);
}

TEST(self_ipi_and_errors)
{
    setup();
    enable();
    wr(0x300, 0x40055);                           /* shorthand self, fixed 0x55 */
    CHECK(bit(0x200, 0x55));
    CHECK_EQ(lapic_ack(&apic), 0x55);
    wr(0xb0, 0);
    wr(0x310, 0);                                 /* physical destination 0: this APIC */
    wr(0x300, 0x4000 | 0x66);
    CHECK(bit(0x200, 0x66));
    wr(0x310, 0x05000000);                        /* another APIC: nobody there */
    wr(0x300, 0x4000 | 0x67);
    CHECK(!bit(0x200, 0x67));
    wr(0x300, 0xc0000 | 0x68);                    /* all excluding self */
    CHECK(!bit(0x200, 0x68));
    wr(0x300, 0x80000 | 0x69);                    /* all including self */
    CHECK(bit(0x200, 0x69));
    wr(0x300, 0x40400);                           /* NMI to self */
    CHECK_EQ(nmis, 1);
    CHECK_EQ(rd(0x300) & (1u << 12), 0);          /* delivery status idle */
    /* illegal vector: send error, latched into ESR by a write */
    wr(0x370, 0x10000 | 0xfe);
    wr(0x300, 0x40005);
    CHECK_EQ(rd(0x280), 0);
    wr(0x280, 0);
    CHECK_EQ(rd(0x280), 0x20);
    wr(0x280, 0);
    CHECK_EQ(rd(0x280), 0);
    /* receive error, signalled through the LVT error entry */
    wr(0x370, 0xfe);
    fixed(0x03, false);
    wr(0x280, 0);
    CHECK_EQ(rd(0x280), 0x40);
    CHECK(bit(0x200, 0xfe));
    /* reserved register */
    rd(0x330);
    wr(0x280, 0);
    CHECK_EQ(rd(0x280), 0x80);
}

TEST(destination_matching)
{
    setup();
    wr(0x20, 0x03000000);
    CHECK(lapic_match_dest(&apic, 3, false));
    CHECK(lapic_match_dest(&apic, 0xf, false));   /* physical broadcast */
    CHECK(!lapic_match_dest(&apic, 0, false));
    wr(0xd0, 0x24000000);                         /* flat: bits 2 and 5 */
    CHECK(lapic_match_dest(&apic, 0x04, true));
    CHECK(lapic_match_dest(&apic, 0xff, true));
    CHECK(!lapic_match_dest(&apic, 0x01, true));
    wr(0xe0, 0x0fffffff);                         /* cluster 2, member bit 2 */
    CHECK(lapic_match_dest(&apic, 0x24, true));
    CHECK(lapic_match_dest(&apic, 0xf4, true));
    CHECK(!lapic_match_dest(&apic, 0x34, true));
    CHECK(!lapic_match_dest(&apic, 0x21, true));
}

TEST(global_disable)
{
    setup();
    enable();
    wr(0x350, 0x10700);                           /* even with LINT0 masked ... */
    lapic_set_base(&apic, 0xfee00100u);           /* BSP, enable bit clear */
    CHECK(!apic.hw_enabled);
    lapic_set_lint(&apic, 0, 1);                  /* ... LINT0 is the CPU's INTR pin */
    CHECK_EQ(intr, 1);
    CHECK_EQ(lapic_ack(&apic), 0x28);
    lapic_set_lint(&apic, 0, 0);
    CHECK_EQ(intr, 0);
    lapic_set_lint(&apic, 1, 1);                  /* LINT1 the NMI pin */
    CHECK_EQ(nmis, 1);
    fixed(0x40, false);                           /* the APIC bus is not listened to */
    CHECK_EQ(intr, 0);
    CHECK_EQ(rd(0xf0), 0xff);                     /* back to the power-up state */
    lapic_set_base(&apic, 0xfee00900u);           /* enabled again (Pentium 4 and later rule) ... */
    CHECK(apic.hw_enabled);
    CHECK_EQ(rd(0xf0), 0xff);                     /* ... in the power-up state: software-disabled */
    CHECK_EQ(rd(0x350), 0x10000);                 /* LINT0 masked, no longer ExtINT */
    lapic_set_lint(&apic, 0, 1);                  /* so the 8259 no longer reaches the CPU */
    CHECK_EQ(intr, 0);
    lapic_set_lint(&apic, 0, 0);
    lapic_reset(&apic);
    CHECK(apic.hw_enabled);
}

int main(void)
{
    RUN(reset_state);
    RUN(register_write_masks);
    RUN(extint_passthrough);
    RUN(fixed_needs_software_enable);
    RUN(priority_against_tpr);
    RUN(isr_nesting_and_eoi);
    RUN(level_eoi_broadcast);
    RUN(spurious_vector);
    RUN(software_disable_masks_lvts);
    RUN(lint1_nmi_and_masks);
    RUN(perf_counter_lvt);
    RUN(timer_one_shot);
    RUN(timer_periodic);
    RUN(timer_divide_values);
    RUN(timer_divide_change_keeps_count);
    RUN(self_ipi_and_errors);
    RUN(destination_matching);
    RUN(global_disable);
    return test_summary();
}
