/* 8254 PIT (stub; implementation in progress). */
#include "dev/pit.h"
#include <stdio.h>
void pit_init(struct pit *p, struct iomap *ports, struct vclock *clock, struct irq_line irq0) { memset(p, 0, sizeof(*p)); p->clock = clock; p->irq0 = irq0; vtimer_init(clock, &p->timer, "pit", NULL, p); }
void pit_reset(struct pit *p) { (void)p; }
bool pit_out(struct pit *p, int ch) { return false; }
u32 pit_count(struct pit *p, int ch) { return 0; }
void pit_set_gate(struct pit *p, int ch, bool gate) { }
int pit_info(const struct pit *p, char *buf, size_t size) { return snprintf(buf, size, "pit: stub\n"); }
