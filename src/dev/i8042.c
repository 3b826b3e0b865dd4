/* i8042 (stub; implementation in progress). */
#include "dev/i8042.h"
#include <stdio.h>
void i8042_init(struct i8042 *k, struct iomap *ports, struct irq_line irq1, struct irq_line irq12, const struct board_hooks *hooks) { memset(k, 0, sizeof(*k)); k->irq1 = irq1; k->irq12 = irq12; if (hooks) k->hooks = *hooks; }
void i8042_reset(struct i8042 *k) { (void)k; }
void i8042_key(struct i8042 *k, const u8 *bytes, size_t n) { }
int i8042_info(const struct i8042 *k, char *buf, size_t size) { return snprintf(buf, size, "i8042: stub\n"); }
