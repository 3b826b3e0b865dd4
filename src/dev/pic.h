/*
 * Intel 8259A programmable interrupt controller pair as wired in the PC/AT:
 * master at 0x20/0x21, slave at 0xA0/0xA1 cascaded on master IR2, plus the
 * edge/level control registers (ELCR) at 0x4D0/0x4D1.
 *
 * Devices raise IRQ 0-15 with pic_set_irq (usable as an irq_line callback:
 * opaque = struct pic *, n = IRQ). The CPU side polls pic_intr() (also
 * mirrored on intr_out as a level) and, when it takes the interrupt, runs
 * the INTA cycle with pic_ack(), which returns the vector.
 */
#ifndef VD_DEV_PIC_H
#define VD_DEV_PIC_H
#include "base/types.h"
#include "base/snapfield.h"
#include "mem/iomap.h"
#include "mem/irq.h"

struct pic_chip {
    u8 irr, isr, imr;
    u8 level;            /* current input line levels (bit per IR) */
    u8 elcr, elcr_mask;  /* 1 = level triggered; mask of writable ELCR bits */
    u8 vector_base;      /* ICW2 & 0xF8 */
    u8 lowest;           /* IR with the lowest priority (rotation); 7 after init */
    u8 icw3;
    u8 init_step;        /* 0 = operational, else next ICW expected (2..4) */
    bool icw4_needed, single, auto_eoi, rotate_aeoi, sfnm;
    bool read_isr;       /* OCW3 RR/RIS: next command-port read returns ISR (else IRR) */
    bool poll;           /* OCW3 P: next read is a poll */
    bool special_mask;   /* OCW3 SMM */
    bool ltim;           /* ICW1 LTIM: every input level triggered */
    bool programmed;     /* ICW2 given since reset; before it, no INTR */
};

struct pic {
    struct pic_chip chip[2];   /* 0 = master, 1 = slave */
    struct irq_line intr_out;  /* INTR to the CPU, level */
    bool intr;                 /* last level put on intr_out */
};

void pic_init(struct pic *p, struct iomap *ports, struct irq_line intr_out);
/* Power-on state: IMR 0 (nothing masked), vector base 0, no requests, ELCR all
 * edge, IR7 lowest priority, and no INTR until programmed: a guest (or BIOS)
 * programs it with ICW1-ICW4. */
void pic_reset(struct pic *p);
/* irq_line callback: opaque = struct pic *, irq = 0..15, level 0/1. */
void pic_set_irq(void *pic, int irq, int level);
/* A line wired to this PIC's input irq. */
static inline struct irq_line pic_irq_line(struct pic *p, int irq)
{
    return (struct irq_line){pic_set_irq, p, irq};
}
/* Is INTR asserted (an unmasked request outranks everything in service)? */
bool pic_intr(const struct pic *p);
/* INTA cycle: highest-priority request moves IRR -> ISR (unless auto-EOI) and
 * its vector is returned. With no request: the spurious vector of IR7 (master)
 * or IR15 (slave, the master's IR2 is then in service), ISR unchanged. */
int pic_ack(struct pic *p);
/* Readable multi-line state (monitor "info pic"). Returns the length written. */
int pic_info(const struct pic *p, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field pic_snap_fields[];
extern const size_t pic_snap_nfields;

#endif
