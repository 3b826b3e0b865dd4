/*
 * Intel 8254 programmable interval timer at 0x40-0x43, clocked at
 * 1.193182 MHz derived from virtual time (no per-instruction ticking: counts
 * and outputs are computed from the load time; a vtimer is armed for the next
 * channel 0 output transition). Channel 0 output drives IRQ0; channel 2's gate
 * and output go through port 0x61 ("system control port B"), which this device
 * also owns: bit 0 gate 2, bit 1 speaker data (stored), bit 4 refresh toggle
 * (flips every 15.085 us of virtual time), bit 5 channel 2 output.
 */
#ifndef VD_DEV_PIT_H
#define VD_DEV_PIT_H
#include "base/types.h"
#include "base/snapfield.h"
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/irq.h"

#define PIT_FREQ_HZ 1193182u

struct pit_channel {
    u8 mode;             /* control word mode bits as written (6, 7 act as 2, 3) */
    u8 rw_mode;          /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    u16 count_reg;       /* last count written (0 = maximum) */
    bool have_count;     /* a count was written since the control word */
    bool running;        /* counting element counts n ticks from load_ns */
    u32 n;               /* count in use, in ticks (1..65536, BCD 1..10000) */
    u64 load_ns;
    bool paused;         /* mode 0/4 counting suspended by gate low (resumes from held) */
    u16 held;            /* counter value while not running (register format) */
    bool held_out;       /* output level while not running */
    bool pending;        /* mode 2/3: new count takes effect at pending_ns (end of period) */
    u32 pending_n;
    u64 pending_ns;
    bool null_count;     /* count written but not yet loaded into the counting element */
    bool count_latched, status_latched;
    u16 latch;
    u8 status;
    bool latch_msb, read_msb, write_msb;  /* LSB-then-MSB byte toggles */
    u8 lsb;              /* first byte of a two-byte count write */
};

struct pit {
    struct pit_channel ch[3];
    struct vclock *clock;
    struct vtimer timer;       /* next channel 0 output transition */
    struct irq_line irq0;
    bool irq0_level;
    u8 speaker_data;           /* port 0x61 bit 1 */
    u8 port61_rest;            /* port 0x61 bits 2-3 (stored, no effect) */
};

void pit_init(struct pit *p, struct iomap *ports, struct vclock *clock, struct irq_line irq0);
void pit_reset(struct pit *p);
/* Current output level / count of a channel (for the speaker, tests, info). */
bool pit_out(struct pit *p, int ch);
u32 pit_count(struct pit *p, int ch);
void pit_set_gate(struct pit *p, int ch, bool gate);
int pit_info(const struct pit *p, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field pit_snap_fields[];
extern const size_t pit_snap_nfields;

#endif
