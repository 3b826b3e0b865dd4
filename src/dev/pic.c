/* 8259A PIC pair (stub; implementation in progress). */
#include "dev/pic.h"
#include <stdio.h>
void pic_init(struct pic *p, struct iomap *ports, struct irq_line intr_out) { memset(p, 0, sizeof(*p)); p->intr_out = intr_out; }
void pic_reset(struct pic *p) { (void)p; }
void pic_set_irq(void *pic, int irq, int level) { (void)pic; (void)irq; (void)level; }
bool pic_intr(const struct pic *p) { return p->intr; }
int pic_ack(struct pic *p) { return 0x0f; }
int pic_info(const struct pic *p, char *buf, size_t size) { return snprintf(buf, size, "pic: stub\n"); }
