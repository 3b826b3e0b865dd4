/*
 * 8259A PIC pair. Follows the Intel 8259A datasheet; where it is silent the
 * behaviour matches QEMU's i8259 (which real kernels have been tested on):
 *  - edge mode: a 0->1 transition latches IRR; the request stays latched if
 *    the line drops before INTA (the datasheet leaves this to the designer);
 *  - level mode (ELCR bit or ICW1 LTIM): IRR follows the line and is not
 *    cleared by INTA;
 *  - spurious: INTA with nothing requested returns IR7's vector and sets no
 *    ISR bit; on the slave the master still puts IR2 in service, so the guest
 *    must EOI the master only (what Linux does for a spurious IRQ15).
 * Unlike QEMU's, a chip that has not been given a vector base (ICW2) since
 * reset drives no INTR (real 8259As and Bochs): its IRR may latch requests,
 * but ICW1 drops the edge-triggered ones before they could be seen.
 */
#include "dev/pic.h"
#include "base/log.h"
#include "dev/devinfo.h"

static bool is_level(const struct pic_chip *c, int irq) { return c->ltim || (c->elcr >> irq & 1); }

/* Number of priority steps from the highest-priority IR to the first set bit; 8 if none. */
static int priority_of(const struct pic_chip *c, u8 mask)
{
    if (!mask) return 8;
    int add = (c->lowest + 1) & 7, prio = 0;
    while (!(mask & (1u << ((prio + add) & 7)))) prio++;
    return prio;
}

/* The IR the chip would present on INTR, or -1. */
static int chip_pending(const struct pic_chip *c, bool master)
{
    if (!c->programmed) return -1; /* not initialised since reset: no INTR */
    int prio = priority_of(c, c->irr & ~c->imr);
    if (prio == 8) return -1;
    u8 in_service = c->isr;
    if (c->special_mask) in_service &= ~c->imr;  /* masked ISR bits do not block */
    if (master && c->sfnm) in_service &= ~(1u << 2);  /* slave may nest through IR2 */
    if (prio < priority_of(c, in_service)) return (prio + c->lowest + 1) & 7;
    return -1;
}

static void chip_set_input(struct pic_chip *c, int irq, int level)
{
    u8 m = 1u << irq;
    if (is_level(c, irq)) {
        if (level) c->irr |= m; else c->irr &= ~m;
    } else if (level && !(c->level & m)) {
        c->irr |= m;
    }
    if (level) c->level |= m; else c->level &= ~m;
}

static void update(struct pic *p)
{
    chip_set_input(&p->chip[0], 2, chip_pending(&p->chip[1], false) >= 0);
    bool intr = chip_pending(&p->chip[0], true) >= 0;
    if (intr != p->intr) {
        p->intr = intr;
        irq_set(&p->intr_out, intr);
    }
}

void pic_set_irq(void *opaque, int irq, int level)
{
    struct pic *p = opaque;
    if (irq < 0 || irq > 15) return;
    chip_set_input(&p->chip[irq >> 3], irq & 7, level);
    update(p);
}

bool pic_intr(const struct pic *p) { return chip_pending(&p->chip[0], true) >= 0; }

/* INTA on one chip for IR irq (already chosen). */
static void chip_ack(struct pic_chip *c, int irq)
{
    if (c->auto_eoi) {
        if (c->rotate_aeoi) c->lowest = irq;
    } else {
        c->isr |= 1u << irq;
    }
    if (!is_level(c, irq)) c->irr &= ~(1u << irq);
}

int pic_ack(struct pic *p)
{
    struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
    int irq = chip_pending(m, true), vec;
    if (irq < 0) {
        VD_LOG(LOG_INT, "pic: spurious IRQ7\n");
        return m->vector_base + 7;
    }
    if (irq == 2 && !m->single) {
        int irq2 = chip_pending(s, false);
        if (irq2 >= 0) {
            chip_ack(s, irq2);
        } else {
            VD_LOG(LOG_INT, "pic: spurious IRQ15\n");
            irq2 = 7;
        }
        vec = s->vector_base + irq2;
    } else {
        vec = m->vector_base + irq;
    }
    chip_ack(m, irq);
    update(p);
    return vec;
}

static void chip_icw1(struct pic_chip *c, u8 val)
{
    /* ICW1 clears IMR and ISR, makes IR7 lowest priority, selects IRR for reads,
     * and resets the edge detectors (so a line already high is not an edge). */
    c->imr = 0;
    c->isr = 0;
    c->irr &= c->elcr;
    c->level = 0;
    c->lowest = 7;
    c->read_isr = c->poll = c->special_mask = false;
    c->auto_eoi = c->rotate_aeoi = c->sfnm = false;
    c->icw4_needed = val & 1;
    c->single = val & 2;
    c->ltim = val & 8;
    if (val & 0xe0) VD_LOG(LOG_UNIMP, "pic: ICW1 0x%02x: MCS-80 vector address bits ignored\n", val);
    c->init_step = 2;
}

static void chip_ocw2(struct pic_chip *c, u8 val)
{
    int cmd = val >> 5, irq;
    switch (cmd) {
    case 0: case 4:                    /* clear / set rotate in auto-EOI mode */
        c->rotate_aeoi = cmd == 4;
        break;
    case 1: case 5:                    /* non-specific EOI (5: and rotate) */
        if (c->isr) {
            irq = (priority_of(c, c->isr) + c->lowest + 1) & 7;
            c->isr &= ~(1u << irq);
            if (cmd == 5) c->lowest = irq;
        }
        break;
    case 3: case 7:                    /* specific EOI (7: and rotate) */
        irq = val & 7;
        c->isr &= ~(1u << irq);
        if (cmd == 7) c->lowest = irq;
        break;
    case 6:                            /* set priority: IR val&7 becomes lowest */
        c->lowest = val & 7;
        break;
    default:                           /* 2: no operation */
        break;
    }
}

static void chip_write(struct pic_chip *c, unsigned port, u8 val)
{
    if (port == 0) {
        if (val & 0x10) {
            chip_icw1(c, val);
        } else if (val & 0x08) {       /* OCW3 */
            if (val & 0x04) c->poll = true;
            if (val & 0x02) c->read_isr = val & 1;
            if (val & 0x40) c->special_mask = val & 0x20;
        } else {
            chip_ocw2(c, val);
        }
        return;
    }
    switch (c->init_step) {
    case 0:
        c->imr = val;                  /* OCW1 */
        break;
    case 2:
        c->vector_base = val & 0xf8;
        c->init_step = !c->single ? 3 : c->icw4_needed ? 4 : 0;
        c->programmed = true;  /* has a vector base: its requests may reach the CPU */
        break;
    case 3:
        c->icw3 = val;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        if (!(val & 1)) VD_LOG(LOG_UNIMP, "pic: ICW4 MCS-80/85 mode not supported\n");
        c->auto_eoi = val & 2;
        c->sfnm = val & 0x10;
        c->init_step = 0;
        break;
    }
}

/* OCW3 poll: the read acts as INTA for this chip and returns 0x80 | IR, or 0. */
static u8 chip_poll(struct pic *p, int which)
{
    struct pic_chip *c = &p->chip[which];
    int irq = chip_pending(c, which == 0);
    c->poll = false;
    if (irq < 0) return 0;
    chip_ack(c, irq);
    return 0x80 | irq;
}

static u32 pic_io_read(void *opaque, u64 off, unsigned size, int which)
{
    struct pic *p = opaque;
    struct pic_chip *c = &p->chip[which];
    u8 v;
    if (c->poll) {
        v = chip_poll(p, which);
        update(p);
    } else if (off == 0) {
        v = c->read_isr ? c->isr : c->irr;
    } else {
        v = c->imr;
    }
    return v;
}

static void pic_io_write(void *opaque, u64 off, u32 val, unsigned size, int which)
{
    struct pic *p = opaque;
    chip_write(&p->chip[which], (unsigned)off, (u8)val);
    update(p);
}

static u32 master_read(void *o, u64 off, unsigned size) { return pic_io_read(o, off, size, 0); }
static u32 slave_read(void *o, u64 off, unsigned size) { return pic_io_read(o, off, size, 1); }
static void master_write(void *o, u64 off, u32 v, unsigned size) { pic_io_write(o, off, v, size, 0); }
static void slave_write(void *o, u64 off, u32 v, unsigned size) { pic_io_write(o, off, v, size, 1); }

static u32 elcr_read(void *opaque, u64 off, unsigned size)
{
    struct pic *p = opaque;
    return p->chip[off & 1].elcr;
}

static void elcr_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pic *p = opaque;
    struct pic_chip *c = &p->chip[off & 1];
    c->elcr = val & c->elcr_mask;
    update(p);
}

void pic_reset(struct pic *p)
{
    for (int i = 0; i < 2; i++) {
        struct pic_chip *c = &p->chip[i];
        *c = (struct pic_chip){.lowest = 7};
        /* IRQ0-2 and IRQ8/IRQ13 are always edge triggered on the PIIX ELCR. */
        c->elcr_mask = i == 0 ? 0xf8 : 0xde;
    }
    update(p);
}

void pic_init(struct pic *p, struct iomap *ports, struct irq_line intr_out)
{
    memset(p, 0, sizeof(*p));
    p->intr_out = intr_out;
    pic_reset(p);
    if (ports) {
        iomap_add(ports, 0x20, 2, "pic-master", 1, master_read, master_write, p);
        iomap_add(ports, 0xa0, 2, "pic-slave", 1, slave_read, slave_write, p);
        iomap_add(ports, 0x4d0, 2, "elcr", 1, elcr_read, elcr_write, p);
    }
}

int pic_info(const struct pic *p, char *buf, size_t size)
{
    static const char *steps[] = {"ready", "?", "ICW2", "ICW3", "ICW4"};
    struct infobuf b = infobuf_make(buf, size);
    infof(&b, "chip    IRR  ISR  IMR  ELCR base lowest init   modes\n");
    for (int i = 0; i < 2; i++) {
        const struct pic_chip *c = &p->chip[i];
        infof(&b, "%-7s %02x   %02x   %02x   %02x   0x%02x %d      %-6s%s%s%s%s%s%s\n",
              i ? "slave" : "master", c->irr, c->isr, c->imr, c->elcr, c->vector_base,
              c->lowest, steps[c->init_step <= 4 ? c->init_step : 1],
              c->auto_eoi ? " aeoi" : "", c->rotate_aeoi ? " rotate-aeoi" : "",
              c->sfnm ? " sfnm" : "", c->special_mask ? " smm" : "",
              c->ltim ? " ltim" : "", c->read_isr ? " read-isr" : " read-irr");
    }
    infof(&b, "INTR    %d\n", pic_intr(p) ? 1 : 0);
    return (int)b.len;
}

const struct snap_field pic_snap_fields[] = {
    SNAP_FIELD(struct pic, chip),
    SNAP_FIELD(struct pic, intr),
};
const size_t pic_snap_nfields = sizeof(pic_snap_fields) / sizeof(pic_snap_fields[0]);
