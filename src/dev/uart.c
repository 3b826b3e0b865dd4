/*
 * 16550A UART. Register semantics follow the NS16550A datasheet; where a
 * detail is the designer's choice it matches QEMU's serial.c, which guests
 * are written against:
 *  - transmission is instant (see uart.h);
 *  - the interrupt output is not gated by MCR OUT2 (QEMU does not gate it,
 *    and many hobby kernels never set OUT2);
 *  - host input is refused while in loopback mode (the serial input pin is
 *    disconnected from the outside then).
 */
#include "dev/uart.h"
#include "base/log.h"
#include "dev/devinfo.h"

enum {
    IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4, IER_MSI = 8,
    IIR_NONE = 0x01, IIR_MSI = 0x00, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_RLSI = 0x06,
    IIR_TIMEOUT = 0x0c, IIR_FIFO = 0xc0,
    FCR_ENABLE = 1, FCR_CLEAR_RX = 2, FCR_CLEAR_TX = 4,
    LCR_DLAB = 0x80,
    MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 0x10,
    LSR_DR = 1, LSR_OE = 2, LSR_PE = 4, LSR_FE = 8, LSR_BI = 0x10, LSR_THRE = 0x20,
    LSR_TEMT = 0x40, LSR_ERRORS = 0x1e,
    MSR_DCTS = 1, MSR_DDSR = 2, MSR_TERI = 4, MSR_DDCD = 8, MSR_DELTAS = 0x0f,
    MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80,
};

static bool fifo_on(const struct uart *u) { return u->fcr & FCR_ENABLE; }
static unsigned rx_capacity(const struct uart *u) { return fifo_on(u) ? UART_FIFO_SIZE : 1; }
static unsigned rx_trigger(const struct uart *u)
{
    static const u8 levels[4] = {1, 4, 8, 14};
    return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* The pending interrupt of highest priority, as IIR bits 3-0. */
static u8 pending_iir(const struct uart *u)
{
    if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRORS)) return IIR_RLSI;
    if ((u->ier & IER_RDI) && u->rx.count >= rx_trigger(u)) return IIR_RDI;
    if ((u->ier & IER_RDI) && u->timeout_ipending) return IIR_TIMEOUT;
    if ((u->ier & IER_THRI) && u->thr_ipending) return IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS)) return IIR_MSI;
    return IIR_NONE;
}

static void update_irq(struct uart *u)
{
    bool level = pending_iir(u) != IIR_NONE;
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(&u->irq, level);
    }
}

/* One character time on the wire, from the divisor and the LCR word format. */
static u64 char_ns(const struct uart *u)
{
    unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 4) ? 2 : 1) + ((u->lcr & 8) ? 1 : 0);
    u64 div = u->divisor ? u->divisor : 1;
    return (u64)bits * div * 16 * 1000000000ull / UART_CLOCK_HZ;
}

/* FIFO activity (a byte in or out): restart the 4-character timeout. */
static void restart_timeout(struct uart *u)
{
    u->timeout_ipending = false;
    if (fifo_on(u) && u->rx.count) vtimer_arm(&u->timeout, u->clock->now + 4 * char_ns(u));
    else vtimer_disarm(&u->timeout);
}

static void timeout_fire(void *opaque)
{
    struct uart *u = opaque;
    if (fifo_on(u) && u->rx.count) u->timeout_ipending = true;
    update_irq(u);
}

static void rx_clear(struct uart *u)
{
    u->rx.head = u->rx.count = 0;
    u->lsr &= ~LSR_DR;
    u->timeout_ipending = false;
    vtimer_disarm(&u->timeout);
}

/* A character arrives at the receiver (from the host or the loopback path). */
static void rx_push(struct uart *u, u8 b)
{
    struct uart_fifo *f = &u->rx;
    if (f->count >= rx_capacity(u)) {
        u->lsr |= LSR_OE;
        /* Non-FIFO mode: the new character overwrites RBR. FIFO mode: it is lost. */
        if (!fifo_on(u)) f->data[f->head] = b;
    } else {
        f->data[(f->head + f->count) % UART_FIFO_SIZE] = b;
        f->count++;
    }
    u->lsr |= LSR_DR;
    u->rx_count++;
    restart_timeout(u);
}

static u8 rx_pop(struct uart *u)
{
    struct uart_fifo *f = &u->rx;
    u8 b = 0;
    if (f->count) {
        b = f->data[f->head];
        f->head = (f->head + 1) % UART_FIFO_SIZE;
        f->count--;
    } else {
        b = f->data[(f->head + UART_FIFO_SIZE - 1) % UART_FIFO_SIZE];  /* RBR keeps the last byte */
    }
    if (!f->count) u->lsr &= ~LSR_DR;
    restart_timeout(u);
    return b;
}

/* Modem status: recompute the MSR input bits and latch the deltas. */
static void update_msr(struct uart *u)
{
    u8 in;
    if (u->mcr & MCR_LOOP) {
        in = (u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
             (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0);
    } else {
        in = u->msr_inputs & 0xf0;
    }
    u8 old = u->msr & 0xf0, ch = old ^ in, d = 0;
    if (ch & MSR_CTS) d |= MSR_DCTS;
    if (ch & MSR_DSR) d |= MSR_DDSR;
    if ((old & MSR_RI) && !(in & MSR_RI)) d |= MSR_TERI;   /* trailing edge of RI only */
    if (ch & MSR_DCD) d |= MSR_DDCD;
    u->msr = in | (u->msr & MSR_DELTAS) | d;
}

static void transmit(struct uart *u, u8 b)
{
    u->tx_count++;
    if (u->mcr & MCR_LOOP) rx_push(u, b);
    else chardev_write(&u->out, &b, 1);
    /* Instant: THR and the shift register are empty again, THRE interrupt pending. */
    u->lsr |= LSR_THRE | LSR_TEMT;
    u->thr_ipending = true;
}

static u32 uart_read(void *opaque, u64 off, unsigned size)
{
    struct uart *u = opaque;
    u8 v = 0xff;
    switch (off) {
    case 0:
        if (u->lcr & LCR_DLAB) { v = u->divisor & 0xff; break; }
        v = rx_pop(u);
        break;
    case 1:
        v = (u->lcr & LCR_DLAB) ? u->divisor >> 8 : u->ier;
        break;
    case 2:
        v = pending_iir(u);
        if (v == IIR_THRI) u->thr_ipending = false;   /* reading IIR that reports THRE clears it */
        if (fifo_on(u)) v |= IIR_FIFO;
        break;
    case 3: v = u->lcr; break;
    case 4: v = u->mcr; break;
    case 5:
        v = u->lsr;
        u->lsr &= ~LSR_ERRORS;
        break;
    case 6:
        v = u->msr;
        u->msr &= ~MSR_DELTAS;
        break;
    case 7: v = u->scr; break;
    }
    update_irq(u);
    return v;
}

static void write_fcr(struct uart *u, u8 val)
{
    if ((val ^ u->fcr) & FCR_ENABLE) rx_clear(u);   /* changing the FIFO mode empties the FIFOs */
    if (val & FCR_CLEAR_RX) rx_clear(u);
    /* FCR_CLEAR_TX: the transmitter is always empty (instant transmission). */
    u->fcr = val & 0xc9;
    if (!(val & FCR_ENABLE)) u->fcr = 0;
    restart_timeout(u);
}

static void uart_write(void *opaque, u64 off, u32 val32, unsigned size)
{
    struct uart *u = opaque;
    u8 val = (u8)val32;
    switch (off) {
    case 0:
        if (u->lcr & LCR_DLAB) { u->divisor = (u16)((u->divisor & 0xff00) | val); break; }
        u->thr_ipending = false;
        transmit(u, val);
        break;
    case 1:
        if (u->lcr & LCR_DLAB) { u->divisor = (u16)((u->divisor & 0xff) | val << 8); break; }
        {
            u8 changed = (u8)((u->ier ^ val) & 0x0f);
            u->ier = val & 0x0f;
            /* Enabling ETBEI with THR empty raises the THRE interrupt at once. */
            if (changed & IER_THRI) u->thr_ipending = (u->ier & IER_THRI) && (u->lsr & LSR_THRE);
        }
        break;
    case 2: write_fcr(u, val); break;
    case 3: u->lcr = val; break;
    case 4:
        u->mcr = val & 0x1f;
        update_msr(u);
        break;
    case 5: break;                      /* LSR: factory test only */
    case 6: break;                      /* MSR: read-only */
    case 7: u->scr = val; break;
    }
    update_irq(u);
}

size_t uart_can_receive(const struct uart *u)
{
    if (u->mcr & MCR_LOOP) return 0;
    return rx_capacity(u) - u->rx.count;
}

void uart_receive(struct uart *u, const u8 *buf, size_t n)
{
    if (u->mcr & MCR_LOOP) return;
    for (size_t i = 0; i < n; i++) rx_push(u, buf[i]);
    update_irq(u);
}

void uart_set_modem_inputs(struct uart *u, u8 msr_bits)
{
    u->msr_inputs = msr_bits & 0xf0;
    update_msr(u);
    update_irq(u);
}

void uart_reset(struct uart *u)
{
    u->ier = 0;
    u->lcr = 0;
    u->mcr = 0;
    u->fcr = 0;
    u->scr = 0;
    u->divisor = 12;                   /* 9600 baud */
    u->lsr = LSR_THRE | LSR_TEMT;
    u->thr_ipending = false;
    u->msr = 0;
    rx_clear(u);
    memset(u->rx.data, 0, sizeof(u->rx.data));
    update_msr(u);
    u->msr &= ~MSR_DELTAS;
    u->irq_level = false;
    irq_set(&u->irq, 0);
}

void uart_init(struct uart *u, const char *name, struct iomap *ports, u16 base,
               struct irq_line irq, struct vclock *clock, struct chardev out)
{
    memset(u, 0, sizeof(*u));
    u->name = name;
    u->base = base;
    u->irq = irq;
    u->clock = clock;
    u->out = out;
    u->msr_inputs = MSR_DCD | MSR_DSR | MSR_CTS;   /* a host that is always ready */
    vtimer_init(clock, &u->timeout, name, timeout_fire, u);
    uart_reset(u);
    if (ports) iomap_add(ports, base, 8, name, 1, uart_read, uart_write, u);
}

int uart_info(const struct uart *u, char *buf, size_t size)
{
    static const char *parity[] = {"N", "O", "N", "E", "N", "M", "N", "S"};
    struct infobuf b = infobuf_make(buf, size);
    u32 div = u->divisor ? u->divisor : 1;
    infof(&b, "%s at 0x%03x: %u baud %u%s%s%s\n", u->name, u->base, UART_CLOCK_HZ / 16 / div,
          5 + (u->lcr & 3), parity[(u->lcr >> 3) & 7], (u->lcr & 4) ? "2" : "1",
          (u->mcr & MCR_LOOP) ? " loopback" : "");
    infof(&b, "  IER %02x  IIR %02x  LCR %02x  MCR %02x  LSR %02x  MSR %02x  SCR %02x  FCR %02x\n",
          u->ier, pending_iir(u) | (fifo_on(u) ? IIR_FIFO : 0), u->lcr, u->mcr, u->lsr, u->msr,
          u->scr, u->fcr);
    infof(&b, "  fifo %s  rx %u/%u (trigger %u)  irq %d  thre-pending %d  timeout-pending %d\n",
          fifo_on(u) ? "on " : "off", u->rx.count, rx_capacity(u), rx_trigger(u), u->irq_level,
          u->thr_ipending, u->timeout_ipending);
    infof(&b, "  bytes tx %llu  rx %llu\n", (unsigned long long)u->tx_count,
          (unsigned long long)u->rx_count);
    return (int)b.len;
}

const struct snap_field uart_snap_fields[] = {
    SNAP_FIELD(struct uart, ier),
    SNAP_FIELD(struct uart, lcr),
    SNAP_FIELD(struct uart, mcr),
    SNAP_FIELD(struct uart, lsr),
    SNAP_FIELD(struct uart, msr),
    SNAP_FIELD(struct uart, scr),
    SNAP_FIELD(struct uart, fcr),
    SNAP_FIELD(struct uart, divisor),
    SNAP_FIELD(struct uart, rbr),
    SNAP_FIELD(struct uart, thr_ipending),
    SNAP_FIELD(struct uart, timeout_ipending),
    SNAP_FIELD(struct uart, irq_level),
    SNAP_FIELD(struct uart, msr_inputs),
    SNAP_FIELD(struct uart, rx),
    SNAP_FIELD(struct uart, tx_count),
    SNAP_FIELD(struct uart, rx_count),
    SNAP_FIELD(struct uart, timeout.deadline),
};
const size_t uart_snap_nfields = sizeof(uart_snap_fields) / sizeof(uart_snap_fields[0]);
