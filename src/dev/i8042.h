/*
 * Intel 8042 keyboard controller at 0x60 (data) / 0x64 (status, command),
 * with a minimal PS/2 keyboard and mouse behind it. Emulates what kernels
 * poke: command byte, self tests, enable/disable, output port (A20 through
 * board_hooks.set_a20; pulsing bit 0 low, i.e. command 0xFE, resets the
 * system through request_reset), keyboard reset/echo/ID/scan-set commands.
 * Output bytes raise IRQ1 (keyboard) or IRQ12 (aux) when enabled in the
 * command byte.
 */
#ifndef VD_DEV_I8042_H
#define VD_DEV_I8042_H
#include "base/types.h"
#include "base/snapfield.h"
#include "mem/iomap.h"
#include "mem/irq.h"
#include "dev/hooks.h"

#define I8042_QUEUE 32

/* Who produced a queued byte; CTRL_AUX: the controller itself, but presented as aux data (0xD3). */
enum { I8042_SRC_CTRL, I8042_SRC_KBD, I8042_SRC_AUX, I8042_SRC_CTRL_AUX };

struct i8042 {
    u8 status;                 /* status register bits 2 (SYS) and 3 (last write was a command) */
    u8 cmd_byte;               /* controller command byte ("RAM 0") */
    u8 ram[32];                /* controller RAM 1-31 (commands 0x21-0x3F / 0x61-0x7F) */
    u8 outport;                /* output port bits 0-3, 6-7 (bit 0 reset, bit 1 A20); 4-5 are OBF */
    u8 pending_cmd;            /* controller command waiting for its data byte on 0x60, or 0 */
    u8 kbd_pending;            /* keyboard command waiting for its parameter, or 0 */
    u8 aux_pending;            /* mouse command waiting for its parameter, or 0 */
    u8 scan_set;               /* 1-3 */
    bool kbd_scanning;         /* keyboard enabled (F4) */
    bool aux_streaming;        /* mouse data reporting enabled (F4) */
    u8 leds;
    bool xlate_break;          /* translator saw 0xF0: set bit 7 of the next byte */
    u8 queue[I8042_QUEUE];     /* output bytes waiting for the guest */
    u8 queue_src[I8042_QUEUE]; /* I8042_SRC_* of each */
    u8 qhead, qcount;
    bool obf; u8 obf_byte; bool obf_aux; /* the output buffer (port 0x60) */
    bool irq1_level, irq12_level;
    struct irq_line irq1, irq12;
    struct board_hooks hooks;
};

void i8042_init(struct i8042 *k, struct iomap *ports, struct irq_line irq1,
                struct irq_line irq12, const struct board_hooks *hooks);
void i8042_reset(struct i8042 *k);
/* Host keyboard input: bytes as the keyboard sends them in its scan set (set 2
 * unless the guest changed it); with the command byte's translate bit on the
 * controller converts them to set 1 as the 8042 does (0xF0 break prefixes fold
 * into bit 7). Ignored while the keyboard has scanning disabled (F5). */
void i8042_key(struct i8042 *k, const u8 *bytes, size_t n);
int i8042_info(const struct i8042 *k, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field i8042_snap_fields[];
extern const size_t i8042_snap_nfields;

#endif
