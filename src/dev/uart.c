/* 16550A UART (stub; implementation in progress). */
#include "dev/uart.h"
#include <stdio.h>
static void nofire(void *o) { (void)o; }
void uart_init(struct uart *u, const char *name, struct iomap *ports, u16 base, struct irq_line irq, struct vclock *clock, struct chardev out) { memset(u, 0, sizeof(*u)); u->name = name; u->clock = clock; u->irq = irq; u->out = out; vtimer_init(clock, &u->timeout, name, nofire, u); }
void uart_reset(struct uart *u) { (void)u; }
size_t uart_can_receive(const struct uart *u) { return 0; }
void uart_receive(struct uart *u, const u8 *buf, size_t n) { }
void uart_set_modem_inputs(struct uart *u, u8 msr_bits) { }
int uart_info(const struct uart *u, char *buf, size_t size) { return snprintf(buf, size, "serial: stub\n"); }
