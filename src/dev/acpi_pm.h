/*
 * ACPI power-management fixed hardware, laid out as the PIIX4 PM function of
 * QEMU's "pc" machine at PMBA 0x600 (ACPI 6.4 section 4.8):
 *
 *   base+0  PM1a_STS  16 bits, write 1 to clear: TMR_STS (bit 0), PWRBTN_STS
 *                     (bit 8), WAK_STS (bit 15)
 *   base+2  PM1a_EN   16 bits: TMR_EN, PWRBTN_EN (and GBL/SLPBTN/RTC_EN, stored)
 *   base+4  PM1a_CNT  16 bits: SCI_EN (bit 0), SLP_TYP (12:10), SLP_EN (bit 13,
 *                     write-only: starts the sleep transition)
 *   base+8  PM_TMR    32-bit read-only: the 24-bit ACPI PM timer, 3.579545 MHz
 *                     from virtual time, counting from 0 at reset
 *   0xB2/0xB3         APM control/status (the FADT's SMI_CMD): writing
 *                     ACPI_PM_ENABLE / ACPI_PM_DISABLE to 0xB2 sets / clears
 *                     SCI_EN, which is what firmware's SMI handler does (QEMU
 *                     does the same without SMM); 0xB3 is a scratch byte
 *
 * TMR_STS is set each time the counter's bit 23 changes (every 2^23 ticks,
 * ~2.34 s). The SCI (IRQ 9, level) is asserted while SCI_EN is set and a
 * status bit is set with its enable bit; without SCI_EN the events would go
 * to SMI, which this machine has not.
 *
 * Sleep: SLP_EN with SLP_TYP = ACPI_PM_SLP_TYP_S5 (the PIIX4's "soft off",
 * the \_S5 value in the DSDT) calls the board's request_poweroff;
 * ACPI_PM_SLP_TYP_S3 (the PIIX4's suspend to RAM, \_S3) calls its
 * request_suspend: the board stops the CPU until a wake event (the RTC's
 * interrupt with RTC_EN set, the power button), then resets the machine but
 * RAM, and calls acpi_pm_wakeup, which sets WAK_STS (and RTC_STS) as QEMU's
 * PIIX4 does. The other types (suspend to disk, power-on suspend) are not
 * offered in the DSDT; a guest that enters one anyway is logged (-d unimp)
 * and wakes at once (WAK_STS), so an OS polling for the wake-up goes on.
 */
#ifndef VD_DEV_ACPI_PM_H
#define VD_DEV_ACPI_PM_H
#include "base/types.h"
#include "base/snapfield.h"
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/irq.h"
#include "dev/hooks.h"

#define ACPI_PM_BASE 0x600
#define ACPI_PM_EVT_LEN 4        /* PM1a_EVT_BLK: status + enable */
#define ACPI_PM_CNT_OFF 4
#define ACPI_PM_CNT_LEN 2
#define ACPI_PM_TMR_OFF 8
#define ACPI_PM_TMR_LEN 4
#define ACPI_PM_SMI_CMD 0xB2
#define ACPI_PM_ENABLE 0xF1
#define ACPI_PM_DISABLE 0xF0
#define ACPI_PM_SCI_IRQ 9
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_SLP_TYP_S5 0     /* PIIX4 SUS_TYP 000: soft off */
#define ACPI_PM_SLP_TYP_S0 5     /* PIIX4 SUS_TYP 101: working */
#define ACPI_PM_SLP_TYP_S3 1     /* PIIX4 SUS_TYP 001: suspend to RAM */

/* PM1 status/enable bits */
enum {
    ACPI_PM1_TMR = 1u << 0,
    ACPI_PM1_BM = 1u << 4,
    ACPI_PM1_GBL = 1u << 5,
    ACPI_PM1_PWRBTN = 1u << 8,
    ACPI_PM1_SLPBTN = 1u << 9,
    ACPI_PM1_RTC = 1u << 10,
    ACPI_PM1_WAK = 1u << 15,
};
/* PM1 control bits */
enum {
    ACPI_PM1_SCI_EN = 1u << 0,
    ACPI_PM1_SLP_TYP_SHIFT = 10,
    ACPI_PM1_SLP_TYP = 7u << 10,
    ACPI_PM1_SLP_EN = 1u << 13,
};

struct acpi_pm {
    u16 sts, en, cnt;
    u8 apm_cnt, apm_sts;
    u64 base_ns;              /* virtual time at which the timer read 0 */
    u64 tmr_epoch;            /* ticks >> 23 when TMR_STS was last brought up to date */
    struct vclock *clock;
    struct vtimer overflow;   /* next bit-23 change, armed while TMR_EN */
    struct irq_line sci;
    bool sci_level;
    struct board_hooks hooks;
};

void acpi_pm_init(struct acpi_pm *pm, struct iomap *ports, struct vclock *clock, struct irq_line sci,
                  const struct board_hooks *hooks);
/* Power-on state: registers 0 (SCI_EN clear: the OS enables ACPI through
 * SMI_CMD), the timer restarts at 0. */
void acpi_pm_reset(struct acpi_pm *pm);
/* The 24-bit timer value now. */
u32 acpi_pm_timer(struct acpi_pm *pm);
/* Press the (fixed-feature) power button: PWRBTN_STS and an SCI if enabled. */
void acpi_pm_power_button(struct acpi_pm *pm);
/* Is the RTC an enabled wake-up source (PM1_EN.RTC_EN)? */
bool acpi_pm_rtc_wake(const struct acpi_pm *pm);
/* After the board's reset on a wake-up from S3: WAK_STS, and RTC_STS when
 * the RTC woke the machine. */
void acpi_pm_wakeup(struct acpi_pm *pm, bool rtc);
int acpi_pm_info(struct acpi_pm *pm, char *buf, size_t size);

/* The device's state for snapshots (base/snapfield.h). */
extern const struct snap_field acpi_pm_snap_fields[];
extern const size_t acpi_pm_snap_nfields;

#endif
