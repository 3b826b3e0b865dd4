/*
 * MP specification 1.4 tables: found where an OS scans (16-byte aligned
 * "_MP_" in the F segment), both checksums, the floating pointer's
 * reference to the table, every entry's size by its type as an OS walks
 * them, and the interrupt assignments the board wires (IRQ 0 on pin 2, no
 * IRQ 2, the rest identity; ExtINT on LINT0, NMI on LINT1).
 */
#include "test.h"
#include "machine/mptable.h"

static const struct mptable_config cfg = {
    .cpu_signature = 0x663, .cpu_features = 0x0383fbff, .lapic_version = 0x11, .ioapic_id = 1,
    .ioapic_version = 0x11, .lapic_addr = 0xfee00000u, .ioapic_addr = 0xfec00000u,
};

static u8 sum(const u8 *p, size_t n)
{
    u8 s = 0;
    while (n--) s = (u8)(s + *p++);
    return s;
}

TEST(floating_pointer_and_table)
{
    const u32 base = 0xf0560;
    u32 len;
    u8 *b = mptable_build(&cfg, base, &len);
    CHECK(!memcmp(b, "_MP_", 4));
    CHECK_EQ(base % 16, 0);
    CHECK_EQ(b[MPF_LENGTH], 1);
    CHECK_EQ(b[MPF_SPEC], 4);
    CHECK_EQ(sum(b, MPF_LEN), 0);
    CHECK_EQ(b[MPF_FEATURE1], 0);
    u32 tp = ld32(b + MPF_PHYSPTR);
    CHECK(tp >= base && tp < base + len);
    const u8 *t = b + (tp - base);
    CHECK(!memcmp(t, "PCMP", 4));
    u16 tlen = (u16)(t[MPC_LENGTH] | t[MPC_LENGTH + 1] << 8);
    CHECK(tp - base + tlen <= len);
    CHECK_EQ(sum(t, tlen), 0);
    CHECK_EQ(t[MPC_SPEC], 4);
    CHECK_EQ(ld32(t + MPC_LAPIC), 0xfee00000u);
    CHECK(!memchr(t + MPC_OEM, 0, 20));            /* space-padded strings */
    free(b);
}

TEST(entries)
{
    u32 len;
    u8 *b = mptable_build(&cfg, 0xf0000, &len);
    const u8 *t = b + MPF_LEN, *p = t + MPC_HDR_LEN, *end = t + (t[MPC_LENGTH] | t[MPC_LENGTH + 1] << 8);
    int count = t[MPC_COUNT] | t[MPC_COUNT + 1] << 8, n = 0, procs = 0, ioapics = 0;
    int pin_of_irq[16], lint[2] = {-1, -1};
    for (int i = 0; i < 16; i++) pin_of_irq[i] = -1;
    while (p < end) {
        n++;
        switch (p[0]) {
        case MP_PROCESSOR:
            procs++;
            CHECK_EQ(p[1], 0);
            CHECK_EQ(p[2], 0x11);
            CHECK_EQ(p[3], 3);
            CHECK_EQ(ld32(p + 4), 0x663);
            CHECK_EQ(ld32(p + 8), 0x0383fbff);
            p += 20;
            break;
        case MP_BUS:
            CHECK(!memcmp(p + 2, "ISA   ", 6));
            p += 8;
            break;
        case MP_IOAPIC:
            ioapics++;
            CHECK_EQ(p[1], 1);
            CHECK_EQ(p[3], 1);
            CHECK_EQ(ld32(p + 4), 0xfec00000u);
            p += 8;
            break;
        case MP_INTSRC:
            CHECK_EQ(p[1], MP_INT);
            CHECK_EQ(p[2] | p[3], 0);                  /* conforms to the ISA bus: edge, high */
            CHECK_EQ(p[6], 1);
            if (p[5] < 16) pin_of_irq[p[5]] = p[7];
            p += 8;
            break;
        case MP_LINTSRC:
            CHECK_EQ(p[6], 0xff);
            if (p[7] < 2) lint[p[7]] = p[1];
            p += 8;
            break;
        default:
            FAILF("unknown entry type %u", p[0]);
            p = end;
        }
    }
    CHECK(p == end);
    CHECK_EQ(n, count);
    CHECK_EQ(procs, 1);
    CHECK_EQ(ioapics, 1);
    CHECK_EQ(pin_of_irq[0], 2);
    CHECK_EQ(pin_of_irq[2], -1);
    for (int i = 1; i < 16; i++)
        if (i != 2 && pin_of_irq[i] != i) FAILF("IRQ %d on pin %d", i, pin_of_irq[i]);
    CHECK_EQ(lint[0], MP_EXTINT);
    CHECK_EQ(lint[1], MP_NMI);
    free(b);
}

int main(void)
{
    RUN(floating_pointer_and_table);
    RUN(entries);
    return test_summary();
}
