/* MP specification 1.4 tables (mptable.h). */
#include "machine/mptable.h"
#include <stdlib.h>

static u8 checksum(const u8 *p, size_t n)
{
    u8 s = 0;
    for (size_t i = 0; i < n; i++) s = (u8)(s + p[i]);
    return (u8)-s;
}

/* I/O (type 3) or local (type 4) interrupt assignment, conforming polarity and trigger. */
static u8 *intsrc(u8 *p, u8 type, u8 irqtype, u8 bus_irq, u8 dest_apic, u8 dest_pin)
{
    const u8 e[8] = {type, irqtype, 0, 0, 0 /* ISA bus */, bus_irq, dest_apic, dest_pin};
    memcpy(p, e, 8);
    return p + 8;
}

u8 *mptable_build(const struct mptable_config *c, u32 base, u32 *len)
{
    enum { NPROC = 1, NBUS = 1, NIOAPIC = 1, NINT = 15, NLINT = 2 };
    u32 table_len = MPC_HDR_LEN + 20 * NPROC + 8 * (NBUS + NIOAPIC + NINT + NLINT);
    *len = MPF_LEN + table_len;
    u8 *b = calloc(1, *len);
    if (!b) abort();

    u8 *t = b + MPF_LEN, *p = t + MPC_HDR_LEN;
    /* processor: enabled bootstrap processor */
    p[0] = MP_PROCESSOR;
    p[1] = 0;                                   /* local APIC ID */
    p[2] = c->lapic_version;
    p[3] = 3;                                   /* EN | BP */
    st32(p + 4, c->cpu_signature);
    st32(p + 8, c->cpu_features);
    p += 20;
    memcpy(p, (const u8[8]){MP_BUS, 0, 'I', 'S', 'A', ' ', ' ', ' '}, 8);
    p += 8;
    p[0] = MP_IOAPIC;
    p[1] = c->ioapic_id;
    p[2] = c->ioapic_version;
    p[3] = 1;                                   /* enabled */
    st32(p + 4, c->ioapic_addr);
    p += 8;
    for (u8 irq = 0; irq < 16; irq++) {
        if (irq == 2) continue;                 /* the cascade: pin 2 carries IRQ 0 */
        p = intsrc(p, MP_INTSRC, MP_INT, irq, c->ioapic_id, irq == 0 ? 2 : irq);
    }
    p = intsrc(p, MP_LINTSRC, MP_EXTINT, 0, 0xff, 0);   /* every local APIC's LINT0 */
    p = intsrc(p, MP_LINTSRC, MP_NMI, 0, 0xff, 1);      /* ... and LINT1 */

    memcpy(t, "PCMP", 4);
    st16(t + MPC_LENGTH, (u16)table_len);
    t[MPC_SPEC] = 4;                            /* 1.4 */
    memcpy(t + MPC_OEM, "VDBG    ", 8);
    memcpy(t + MPC_PRODUCT, "VDBG PC     ", 12);
    st16(t + MPC_COUNT, NPROC + NBUS + NIOAPIC + NINT + NLINT);
    st32(t + MPC_LAPIC, c->lapic_addr);
    t[MPC_CHECKSUM] = checksum(t, table_len);

    memcpy(b, "_MP_", 4);
    st32(b + MPF_PHYSPTR, base + MPF_LEN);
    b[MPF_LENGTH] = 1;                          /* in 16-byte paragraphs */
    b[MPF_SPEC] = 4;
    b[MPF_FEATURE1] = 0;                        /* a configuration table is present */
    b[MPF_FEATURE2] = 0;                        /* no IMCR: virtual-wire mode */
    b[MPF_CHECKSUM] = checksum(b, MPF_LEN);
    return b;
}
