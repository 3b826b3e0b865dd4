/*
 * The PC board: RAM and ROM, the port and MMIO maps, the devices, the
 * virtual clock and one vcpu, wired together; plus the machine loop that
 * runs the vcpu in slices bounded by the next device deadline, skips time
 * over HLT, and handles reset, shutdown and exit requests.
 *
 * Contract with the debugger (src/debug): the GDB stub drives the machine
 * through machine_run()/machine_step() and inspects it through m->cpu (the
 * vcpu interface) and m->mem; it never touches devices directly except
 * through the monitor's read-only info functions.
 */
#ifndef VD_MACHINE_MACHINE_H
#define VD_MACHINE_MACHINE_H
#include "base/types.h"
#include "base/vclock.h"
#include "mem/physmem.h"
#include "mem/iomap.h"
#include "accel/vcpu.h"

struct machine;

enum machine_stop {
    MACHINE_BUDGET,       /* ran max_insns instructions (or the clock reached a limit) */
    MACHINE_EXIT,         /* guest asked to exit (isa-debug-exit, shutdown): m->exit_status */
    MACHINE_DEBUG,        /* breakpoint / watchpoint / step done: m->cpu->stop says which */
    MACHINE_INTERRUPTED,  /* machine_interrupt() (Ctrl-C, SIGTERM, debugger) */
};

/* Run until one of the above. max_insns bounds the work so callers can poll. */
enum machine_stop machine_run(struct machine *m, u64 max_insns);
/* Execute one instruction (irq: whether a pending interrupt may be taken first). */
enum machine_stop machine_step(struct machine *m, bool irq);
/* Async-signal-safe: make machine_run return MACHINE_INTERRUPTED soon. */
void machine_interrupt(struct machine *m);
/* Has machine_interrupt() been called since machine_run last reported it? */
bool machine_interrupt_pending(const struct machine *m);
/* System reset (as the reset button: devices and CPU to power-on state, images kept). */
void machine_reset(struct machine *m);
/* Press the ACPI power button (PM1_STS.PWRBTN_STS; an SCI when the guest enabled it). */
void machine_power_button(struct machine *m);
/* An NMI from outside, as QEMU's monitor command 'nmi' gives it: a pulse on
 * the local APIC's LINT1 (delivered as its LVT entry says: NMI after reset
 * and under every BIOS; nothing while masked), or straight to the CPU while
 * the APIC is disabled. */
void machine_nmi(struct machine *m);
/* Exit status the guest requested (valid after MACHINE_EXIT). */
int machine_exit_status(const struct machine *m);
struct vcpu *machine_vcpu(struct machine *m);
/* Human-readable state of a device for the monitor ("pic", "pit", "serial",
 * "rtc", ...). Writes at most size bytes (NUL-terminated); returns -1 if the
 * device is unknown. */
int machine_info(struct machine *m, const char *what, char *buf, size_t size);
struct physmem *machine_mem(struct machine *m);

/* Added by the board (additive): */
/* True after machine_run returned MACHINE_BUDGET because the guest cannot make
 * progress by itself: it is halted with nothing armed that could wake it, or
 * paused after a shutdown under -no-shutdown. A caller that has its own
 * descriptors (the GDB socket) should wait on them and on machine_poll_fds()
 * instead of calling machine_run again at once. */
bool machine_idle(const struct machine *m);
/* Host input descriptors (serial backend) worth poll()ing while idle: when one
 * is readable, machine_run makes progress. Returns how many it wrote. */
int machine_poll_fds(struct machine *m, int *fds, int max);
/* Write the VGA text screen to path as UTF-8 text (monitor "screendump").
 * 0, or -1 with a message in err. */
int machine_screendump(struct machine *m, const char *path, char *err, size_t errlen);
/* Reverse execution (machine/reverse.c, on the history kept when a
 * debugger drives the machine). */
enum machine_rstop {
    MACHINE_RSTOP_DONE,   /* went back one instruction */
    MACHINE_RSTOP_DEBUG,  /* stopped at the last breakpoint/watchpoint hit: m->cpu->stop says which */
    MACHINE_RSTOP_BEGIN,  /* at the start of the history: nothing earlier to go to */
    MACHINE_RSTOP_NONE,   /* no history is kept */
    MACHINE_RSTOP_EXIT,   /* the machine exited while re-executing (should not happen) */
    MACHINE_RSTOP_INTERRUPTED, /* the break poll asked to stop: at some instruction in the history */
};
/* A reverse continue can take long (it re-executes the history): it asks
 * poll(opaque) now and then, and stops where it is when poll says so (the
 * debugger's Ctrl-C). NULL: never interrupted. */
void machine_set_break_poll(struct machine *m, bool (*poll)(void *opaque), void *opaque);
enum machine_rstop machine_reverse_step(struct machine *m);
enum machine_rstop machine_reverse_continue(struct machine *m);
/* The debugger changed registers or memory: the history starts anew. */
void machine_state_changed(struct machine *m);
/* `rr info`: the history kept, its snapshots and memory. */
int machine_rr_info(struct machine *m, char *buf, size_t size);
/* `rr check`: re-execute the history up to now and compare the whole state. */
int machine_rr_check(struct machine *m, char *buf, size_t size);
/* Snapshot files (machine/snapfile.c): `savevm`, `loadvm`, `delvm`, `info
 * snapshots`. 0, or -1 with one line in msg. */
int machine_savevm(struct machine *m, const char *name, char *msg, size_t size);
int machine_loadvm(struct machine *m, const char *name, char *msg, size_t size);
int machine_delvm(struct machine *m, const char *name, char *msg, size_t size);
int machine_info_snapshots(struct machine *m, char *buf, size_t size);

/* Virtual time since power-on, ns (instructions plus time skipped over HLT). */
u64 machine_virtual_ns(const struct machine *m);

#endif
