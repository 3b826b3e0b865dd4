/*
 * Motorola MC146818 real-time clock and 128 bytes of CMOS RAM at 0x70/0x71.
 * Port 0x70 bit 7 is the NMI mask (cmos_nmi_masked), bits 0-6 the index.
 *
 * The clock counts seconds from a start time given at init (by default the
 * fixed CMOS_DEFAULT_START so runs are deterministic; the board may pass the
 * host's time instead) advanced by virtual time. Periodic, alarm and
 * update-ended interrupts go to IRQ8 through vtimers; register A's UIP bit is
 * set for the 244 us before each update, computed from virtual time.
 */
#ifndef VD_DEV_CMOS_H
#define VD_DEV_CMOS_H
#include "base/types.h"
#include "base/snapfield.h"
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/irq.h"

#define CMOS_DEFAULT_START 1767225600LL   /* 2026-01-01 00:00:00 UTC */

/* Register indices. */
enum {
    CMOS_SECONDS = 0x00, CMOS_SECONDS_ALARM = 0x01, CMOS_MINUTES = 0x02,
    CMOS_MINUTES_ALARM = 0x03, CMOS_HOURS = 0x04, CMOS_HOURS_ALARM = 0x05,
    CMOS_WEEKDAY = 0x06, CMOS_DAY = 0x07, CMOS_MONTH = 0x08, CMOS_YEAR = 0x09,
    CMOS_REG_A = 0x0A, CMOS_REG_B = 0x0B, CMOS_REG_C = 0x0C, CMOS_REG_D = 0x0D,
    CMOS_SHUTDOWN = 0x0F, CMOS_FLOPPY = 0x10, CMOS_EQUIPMENT = 0x14,
    CMOS_BASEMEM_LO = 0x15, CMOS_BASEMEM_HI = 0x16,
    CMOS_EXTMEM_LO = 0x17, CMOS_EXTMEM_HI = 0x18,
    CMOS_CHECKSUM_HI = 0x2E, CMOS_CHECKSUM_LO = 0x2F,   /* sum of 0x10-0x2D */
    CMOS_EXTMEM2_LO = 0x30, CMOS_EXTMEM2_HI = 0x31,
    CMOS_CENTURY = 0x32,
    CMOS_HIGHMEM_LO = 0x34, CMOS_HIGHMEM_HI = 0x35,     /* 64K units above 16M */
};

struct cmos {
    u8 index;
    bool nmi_masked;
    u8 ram[128];              /* time registers hold the values last read/written; 0x0C holds the flags */
    i64 base_sec;             /* clock value (unix seconds) at virtual time base_ns */
    u64 base_ns;              /* an update (seconds tick) happens at base_ns + k * 1 s */
    u64 div_ns;               /* divider chain start: periodic ticks count from here */
    u64 flags_ns;             /* PF/UF/AF are up to date for events at or before this time */
    struct vclock *clock;
    struct vtimer periodic;   /* next periodic interrupt (armed while PIE and PF clear) */
    struct vtimer update;     /* next update-ended second (armed while UIE/AIE wait for UF/AF) */
    struct irq_line irq;      /* IRQ8, level = IRQF */
    bool irq_level;
};

void cmos_init(struct cmos *c, struct iomap *ports, struct vclock *clock,
               struct irq_line irq8, i64 start_unix_sec);
/* Clear interrupt state and registers B-D as a reset does (time and RAM kept). */
void cmos_reset(struct cmos *c);
/* Board setup: memory size bytes (0x15-0x18, 0x30/0x31, 0x34/0x35) and checksum. */
void cmos_set_memory(struct cmos *c, u64 ram_bytes);
/* Raw CMOS RAM access for the board (updates the 0x2E/0x2F checksum). */
void cmos_set_byte(struct cmos *c, u8 index, u8 val);
u8 cmos_get_byte(struct cmos *c, u8 index);
static inline bool cmos_nmi_masked(const struct cmos *c) { return c->nmi_masked; }
/* Current RTC time as unix seconds (the guest may have set it). */
i64 cmos_time(struct cmos *c);
int cmos_info(const struct cmos *c, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field cmos_snap_fields[];
extern const size_t cmos_snap_nfields;

#endif
