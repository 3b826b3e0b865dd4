/*
 * National 16550A UART (COM1 0x3F8/IRQ4, COM2 0x2F8/IRQ3, ...).
 *
 * Transmission is instant: a THR write goes straight to the char backend, so
 * LSR.THRE/TEMT read back as 1 at once; the THRE interrupt is still raised
 * and cleared exactly as the datasheet says (IER.ETBEI set or a THR write
 * makes it pending, an IIR read reporting it or a THR write clears it).
 * Reception: the machine loop pushes host bytes with uart_receive() up to
 * uart_can_receive(); the receive-timeout interrupt (FIFO mode, data below
 * the trigger level, no FIFO activity for 4 character times) runs on a
 * vtimer whose length follows the divisor latch and LCR word format.
 * In loopback mode (MCR bit 4) output returns to the receiver,
 * OUT1/OUT2/RTS/DTR feed RI/DCD/CTS/DSR, and host input is refused
 * (uart_can_receive returns 0). As in QEMU, the IRQ output is not gated by
 * MCR OUT2 (many small kernels never set it).
 */
#ifndef VD_DEV_UART_H
#define VD_DEV_UART_H
#include "base/types.h"
#include "base/snapfield.h"
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/irq.h"
#include "dev/chardev.h"

#define UART_FIFO_SIZE 16
#define UART_CLOCK_HZ 1843200u   /* 1.8432 MHz crystal: divisor 1 = 115200 baud */

struct uart_fifo {
    u8 data[UART_FIFO_SIZE];
    u8 head, count;
};

struct uart {
    const char *name;          /* "serial0" ... */
    u16 base;
    u8 ier, lcr, mcr, lsr, msr, scr, fcr;
    u16 divisor;
    u8 rbr;                    /* receive holding register when FIFOs are off */
    bool thr_ipending;         /* THRE interrupt pending */
    bool timeout_ipending;     /* character timeout pending */
    bool irq_level;
    u8 msr_inputs;             /* host-side modem inputs (CTS/DSR/RI/DCD in MSR bit positions 4-7) */
    struct uart_fifo rx;       /* receive FIFO (capacity 1 when FIFOs are disabled) */
    u64 tx_count, rx_count;    /* bytes transmitted / received, for info */
    struct vclock *clock;
    struct vtimer timeout;
    struct irq_line irq;
    struct chardev out;
};

void uart_init(struct uart *u, const char *name, struct iomap *ports, u16 base,
               struct irq_line irq, struct vclock *clock, struct chardev out);
void uart_reset(struct uart *u);
/* Host input: how many bytes the receiver can take now, and push them. Bytes
 * beyond the room are dropped and set LSR.OE (as a real overrun would). */
size_t uart_can_receive(const struct uart *u);
void uart_receive(struct uart *u, const u8 *buf, size_t n);
/* Modem status inputs from the host side (bits: MSR 4 CTS, 5 DSR, 6 RI, 7 DCD). */
void uart_set_modem_inputs(struct uart *u, u8 msr_bits);
int uart_info(const struct uart *u, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field uart_snap_fields[];
extern const size_t uart_snap_nfields;

#endif
