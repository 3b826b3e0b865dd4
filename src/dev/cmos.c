/* MC146818 RTC/CMOS (stub; implementation in progress). */
#include "dev/cmos.h"
#include <stdio.h>
static void nofire(void *o) { (void)o; }
void cmos_init(struct cmos *c, struct iomap *ports, struct vclock *clock, struct irq_line irq8, i64 start) { memset(c, 0, sizeof(*c)); c->clock = clock; c->irq = irq8; c->base_sec = start; vtimer_init(clock, &c->periodic, "rtc-periodic", nofire, c); vtimer_init(clock, &c->update, "rtc-update", nofire, c); }
void cmos_reset(struct cmos *c) { (void)c; }
void cmos_set_memory(struct cmos *c, u64 ram_bytes) { }
void cmos_set_byte(struct cmos *c, u8 index, u8 val) { c->ram[index & 127] = val; }
u8 cmos_get_byte(struct cmos *c, u8 index) { return c->ram[index & 127]; }
i64 cmos_time(struct cmos *c) { return c->base_sec; }
int cmos_info(const struct cmos *c, char *buf, size_t size) { return snprintf(buf, size, "rtc: stub\n"); }
