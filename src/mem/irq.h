/* An IRQ line between a device and an interrupt controller: {callback, opaque, number}. */
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

#endif
