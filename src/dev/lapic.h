/*
 * Local APIC of the P6-family CPU (the integrated APIC of the Pentium
 * Pro/II/III: version 0x11, five LVT entries: timer, performance counter,
 * LINT0, LINT1, error; 4-bit APIC IDs). Memory-mapped at IA32_APIC_BASE
 * (0xFEE00000) while the MSR's global enable bit is set.
 *
 * It sits between the interrupt sources and the CPU: its INTR output drives
 * the CPU's INTR line, and the CPU's interrupt acknowledge comes here
 * (lapic_ack), which returns the vector of the highest-priority deliverable
 * interrupt (IRR -> ISR), or runs the 8259's INTA cycle for an ExtINT
 * (LINT0 in virtual-wire mode), or returns the spurious vector. With the APIC
 * globally disabled (IA32_APIC_BASE[11] = 0) LINT0 is the CPU's INTR pin
 * and LINT1 its NMI pin, as on a CPU without an APIC.
 *
 * The I/O APIC (and the LAPIC's own ICR) reach it with APIC-bus messages
 * (lapic_deliver). Time comes from the virtual clock; the timer counts at
 * LAPIC_BUS_HZ divided by the divide configuration.
 */
#ifndef VD_DEV_LAPIC_H
#define VD_DEV_LAPIC_H
#include "base/types.h"
#include "base/snapfield.h"
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/irq.h"

#define LAPIC_DEFAULT_BASE 0xFEE00000u
#define LAPIC_BUS_HZ 1000000000u     /* 1 virtual ns per bus clock (QEMU's choice too) */
#define LAPIC_VERSION 0x11u
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_ENABLE (1u << 11)

/* LVT entries, in register order (0x320 + 0x10 * i; 0x330 thermal is absent on P6) */
enum { LVT_TIMER, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_N };

/* Delivery modes (LVT, ICR and I/O APIC redirection entries, bits 10:8) */
enum { APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4, APIC_DM_INIT = 5,
       APIC_DM_STARTUP = 6, APIC_DM_EXTINT = 7 };

/* ESR bits */
enum { ESR_SEND_ILLEGAL_VECTOR = 1u << 5, ESR_RECV_ILLEGAL_VECTOR = 1u << 6, ESR_ILLEGAL_REGISTER = 1u << 7 };

/* An interrupt message on the APIC bus (from the I/O APIC or an ICR). */
struct apic_msg {
    u8 dest;             /* destination field (physical ID or logical mask) */
    bool logical;        /* destination mode */
    u8 mode;             /* APIC_DM_* */
    u8 vector;
    bool level;          /* trigger mode: level (the EOI is broadcast back) */
    bool assert;         /* ExtINT from the I/O APIC: the 8259's INTR level */
};

/* What the board connects. */
struct lapic_wiring {
    struct irq_line intr;                    /* INTR output to the CPU (level) */
    void (*nmi)(void *opaque);               /* NMI to the CPU */
    int (*extint_ack)(void *opaque);         /* the 8259's INTA cycle: returns its vector */
    void (*eoi)(void *opaque, u8 vector);    /* EOI of a level-triggered vector (to the I/O APIC) */
    void *opaque;
};

struct lapic {
    struct lapic_wiring w;
    struct vclock *clock;
    struct vtimer timer;

    u64 base;                /* IA32_APIC_BASE as last written */
    bool hw_enabled;         /* IA32_APIC_BASE[11]; clearing it resets the registers */
    u8 id;
    u8 tpr;
    u32 ldr, dfr, svr;
    u32 esr, esr_pending;    /* ESR: errors latched by the last ESR write, and those since */
    u32 icr_lo, icr_hi;
    u32 irr[8], isr[8], tmr[8];
    u32 lvt[LVT_N];
    u32 initial_count, divide;
    u64 count_start;         /* virtual time the count was loaded */
    unsigned count_shift;    /* log2 of the divisor */
    bool lint[2];            /* LINT0/LINT1 input levels */
    bool extint_msg;         /* ExtINT asserted through the I/O APIC */
    bool intr;               /* level last put on w.intr */
};

/* Registers the MMIO window at LAPIC_DEFAULT_BASE in mmio (the physical MMIO map). */
void lapic_init(struct lapic *l, struct iomap *mmio, struct vclock *clock, const struct lapic_wiring *w);
/* Power-on/RESET state (the ID is kept): globally enabled at the default base,
 * software-disabled, LVTs masked except LINT0 = ExtINT and LINT1 = NMI, the
 * virtual-wire setup a PC BIOS leaves (QEMU's APIC resets LINT0 the same way). */
void lapic_reset(struct lapic *l);
/* IA32_APIC_BASE was written (value already checked for reserved bits). */
void lapic_set_base(struct lapic *l, u64 value);
/* irq_line callback for the LINT0/LINT1 pins: opaque = struct lapic *, n = 0 or 1. */
void lapic_set_lint(void *lapic, int pin, int level);
static inline struct irq_line lapic_lint_line(struct lapic *l, int pin)
{
    return (struct irq_line){lapic_set_lint, l, pin};
}
/* Performance-monitoring interrupt (a counter with its INT bit set overflowed):
 * signalled through the LVT performance counter entry, which Linux's NMI
 * watchdog programs as NMI. The engine calls it through vcpu_board.pmi when a
 * counter of cpu/pmu.c wraps. */
void lapic_pmi(struct lapic *l);
/* A message on the APIC bus; ignored unless it is addressed to this APIC. */
void lapic_deliver(struct lapic *l, const struct apic_msg *m);
/* Does a message with this destination reach this APIC? */
bool lapic_match_dest(const struct lapic *l, u8 dest, bool logical);
/* The CPU's interrupt acknowledge: the vector to deliver. */
int lapic_ack(struct lapic *l);
/* Register access by offset from the base (what the MMIO window does). */
u32 lapic_read(struct lapic *l, u32 offset);
void lapic_write(struct lapic *l, u32 offset, u32 val);
/* Readable state (monitor "info lapic"). Returns the length written. */
int lapic_info(const struct lapic *l, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field lapic_snap_fields[];
extern const size_t lapic_snap_nfields;

#endif
