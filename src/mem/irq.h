/* An IRQ line between a device and an interrupt controller: {callback, opaque, number}.
 * A source that feeds two controllers (an ISA IRQ: the 8259 and the I/O APIC)
 * drives a struct irq_fanout instead of changing the device. */
#ifndef VD_MEM_IRQ_H
#define VD_MEM_IRQ_H

struct irq_line {
    void (*set)(void *opaque, int n, int level);
    void *opaque;
    int n;
};

static inline void irq_set(const struct irq_line *l, int level)
{
    if (l && l->set) l->set(l->opaque, l->n, level);
}
/* Edge helper for ISA devices that pulse their line. */
static inline void irq_pulse(const struct irq_line *l)
{
    irq_set(l, 1);
    irq_set(l, 0);
}

/* One input driving two lines: irq_fanout_line() is what the device gets. */
struct irq_fanout {
    struct irq_line out[2];
};
static inline void irq_fanout_set(void *opaque, int n, int level)
{
    struct irq_fanout *f = opaque;
    (void)n;
    irq_set(&f->out[0], level);
    irq_set(&f->out[1], level);
}
static inline struct irq_line irq_fanout_line(struct irq_fanout *f, int n)
{
    return (struct irq_line){irq_fanout_set, f, n};
}

#endif
