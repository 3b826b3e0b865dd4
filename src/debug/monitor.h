/*
 * The monitor: QEMU-style inspection and control commands ("info gdt",
 * "xp /8x 0x1000", "system_reset", ...). Reached through GDB's `monitor`
 * command (qRcmd) and, for a console, through monitor_exec directly.
 * Output goes through a callback so each front end decides where it lands.
 */
#ifndef VD_DEBUG_MONITOR_H
#define VD_DEBUG_MONITOR_H
#include "base/types.h"

struct machine;
struct vcpu;

struct monitor {
    struct machine *m;
    struct vcpu *v;
    bool phys;       /* GDB memory packets address guest-physical memory */
    bool step_irq;   /* single-step may take a pending interrupt first */
    bool quit;       /* "quit" was given: the front end ends the session */
    void (*out)(void *opaque, const char *text, size_t len);
    void *out_opaque;
};

/* m may be NULL in tests (machine commands then report "no machine"); v is
 * the vcpu to inspect. out defaults to stdout when NULL. */
void monitor_init(struct monitor *mon, struct machine *m, struct vcpu *v);
/* Run one command line. Returns 0, or -1 after printing an error for an
 * unknown command or bad arguments. */
int monitor_exec(struct monitor *mon, const char *line);
void mon_printf(struct monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
