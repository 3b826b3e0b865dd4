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
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/irq.h"

#define PIT_FREQ_HZ 1193182u

struct pit_channel {
    u32 count;           /* effective initial count in ticks (1..65536 or 1..10000 in BCD) */
    u16 count_reg;       /* raw value written (0 = max) */
    u64 load_ns;         /* virtual time the counting period started */
    bool counting;       /* count loaded and (for modes 1/5) triggered */
    bool armed;          /* mode 1/5: count written, waiting for a gate edge; mode 0/4 pending */
    u8 mode, rw_mode, bcd;
    bool gate;
    bool out_fixed; bool out_fixed_val;  /* output before counting starts */
    /* latches */
    bool count_latched; u16 latched_count; u8 latch_read_state;
    bool status_latched; u8 status;
    bool null_count;
    u8 read_state, write_state;  /* for LSB-then-MSB access: 0 = LSB next, 1 = MSB next */
    u8 write_lsb;
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

#endif
