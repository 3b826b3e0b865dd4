/*
 * I/O APIC (Intel 82093AA): 24 interrupt input pins, each with a
 * redirection entry that turns the pin into an APIC-bus message (vector,
 * delivery mode, destination, edge or level trigger, polarity, mask).
 * Memory-mapped at 0xFEC00000: IOREGSEL (offset 0x00) selects a register,
 * IOWIN (offset 0x10) reads or writes it. Registers: 0x00 ID (bits 27:24),
 * 0x01 version (0x11, max redirection entry 23 in bits 23:16), 0x02
 * arbitration ID, 0x10 + 2n / 0x11 + 2n redirection entry n low / high.
 *
 * Edge-triggered pins send a message on each rising (active) edge while
 * unmasked (an edge on a masked pin is lost, as the datasheet says).
 * Level-triggered pins send one while active, unmasked and without remote
 * IRR, set remote IRR, and wait for the EOI broadcast of their vector
 * (ioapic_eoi) before sending again. An ExtINT entry passes its pin's level
 * (the 8259's INTR) to the CPU's APIC as long as it is unmasked.
 */
#ifndef VD_DEV_IOAPIC_H
#define VD_DEV_IOAPIC_H
#include "base/types.h"
#include "base/snapfield.h"
#include "mem/iomap.h"
#include "dev/lapic.h"

#define IOAPIC_DEFAULT_BASE 0xFEC00000u
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x11u
#define IOAPIC_DEFAULT_ID 1        /* unique next to the CPU's APIC ID 0, as P6 APIC buses need */

struct ioapic {
    void (*send)(void *opaque, const struct apic_msg *m);   /* to the local APIC(s) */
    void *opaque;
    u8 id;
    u8 sel;                      /* IOREGSEL */
    u64 redir[IOAPIC_PINS];
    u32 level;                   /* pin input levels, bit per pin (as wired, before polarity) */
};

/* Registers the MMIO window at IOAPIC_DEFAULT_BASE in mmio (may be NULL in tests). */
void ioapic_init(struct ioapic *io, struct iomap *mmio, void (*send)(void *opaque, const struct apic_msg *m),
                 void *opaque);
/* RESET state: ID IOAPIC_DEFAULT_ID, every entry masked. Pin levels are kept (they belong to the devices). */
void ioapic_reset(struct ioapic *io);
/* irq_line callback: opaque = struct ioapic *, n = pin 0..23. */
void ioapic_set_irq(void *ioapic, int pin, int level);
static inline struct irq_line ioapic_irq_line(struct ioapic *io, int pin)
{
    return (struct irq_line){ioapic_set_irq, io, pin};
}
/* EOI broadcast from a local APIC for a level-triggered vector. */
void ioapic_eoi(struct ioapic *io, u8 vector);
/* Register access by offset from the base. */
u32 ioapic_read(struct ioapic *io, u32 offset);
void ioapic_write(struct ioapic *io, u32 offset, u32 val);
/* Readable state (monitor "info ioapic"). Returns the length written. */
int ioapic_info(const struct ioapic *io, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field ioapic_snap_fields[];
extern const size_t ioapic_snap_nfields;

#endif
