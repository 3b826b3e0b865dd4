/*
 * Callbacks from devices to the board for machine-wide effects: the A20 gate,
 * system reset, guest-requested exit and ACPI power-off. Every pointer may be
 * NULL (the request is then ignored). Devices copy the struct at init.
 */
#ifndef VD_DEV_HOOKS_H
#define VD_DEV_HOOKS_H
#include "base/types.h"

struct board_hooks {
    void *opaque;
    void (*set_a20)(void *opaque, bool on);          /* i8042 output port bit 1, port 0x92 bit 1 */
    void (*request_reset)(void *opaque);             /* i8042 0xFE, port 0x92 bit 0, 0xCF9 */
    void (*request_exit)(void *opaque, int status);  /* isa-debug-exit */
    void (*request_poweroff)(void *opaque);          /* ACPI sleep state S5 (soft off) */
    void (*request_suspend)(void *opaque);           /* ACPI sleep state S3 (suspend to RAM) */
};

#endif
