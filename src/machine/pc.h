/*
 * The PC board's private state: shared by the board wiring (pc.c) and the
 * machine loop (loop.c). Nothing outside src/machine includes this; the
 * debugger sees the machine through machine.h.
 */
#ifndef VD_MACHINE_PC_H
#define VD_MACHINE_PC_H
#include "machine/machine.h"
#include "machine/config.h"
#include "machine/loader.h"
#include "machine/chardev.h"
#include "machine/snapshot.h"
#include "dev/hooks.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/uart.h"
#include "dev/cmos.h"
#include "dev/i8042.h"
#include "dev/misc.h"
#include "dev/pci.h"
#include "dev/acpi_pm.h"
#include "dev/lapic.h"
#include "dev/ioapic.h"
#include "dev/ide.h"
#include "dev/vga.h"
#include "machine/display.h"
#include "machine/diskimg.h"
#include "dev/testdev.h"
#include "dev/fw_cfg.h"
#include <signal.h>

/* Output of a character backend, counted (machstate.c). */
struct out_tap {
    struct chardev real;
    u64 pos, high;           /* bytes the guest wrote; the most it ever wrote */
};
struct rr_history;
struct rr_log;

struct machine {
    struct machine_config cfg;
    struct physmem mem;
    struct iomap ports;
    struct vclock clock;
    struct vcpu *cpu;
    struct board_hooks hooks;
    struct boot_image boot;      /* applied at power-on and on every reset */

    struct pic pic;
    struct pit pit;
    struct uart uart[2];         /* COM1, COM2 (present when -serial gave them) */
    int nuart;
    struct cmos cmos;
    struct i8042 kbc;
    struct post_port post;
    struct debugcon debugcon[1 + MACHINE_MAX_DEBUGCON]; /* -debugcon, then each -device isa-debugcon */
    int ndebugcon;
    struct debug_exit debug_exit;
    struct port92 port92;
    struct rcr rcr;
    struct pci_bus pci;
    struct i440fx chipset;
    struct acpi_pm acpi_pm;
    struct fw_cfg fw_cfg;
    struct lapic lapic;
    struct ioapic ioapic;
    struct ide_ctrl ide;
    struct vga vga;
    struct display *display;     /* -display curses, else NULL */
    struct diskimg *disk[MACHINE_MAX_DRIVES]; /* the IDE drives' images (NULL: none, or an empty CD drive) */
    struct pc_testdev *pc_testdev;     /* -device pc-testdev (NULL: absent) */
    struct pci_testdev pci_testdev;    /* -device pci-testdev (cfg.pci_testdev) */
    struct irq_fanout isa_irq[16];   /* each ISA IRQ to the 8259 and the I/O APIC (pc_isa_irq) */
    bool acpi_tables;            /* the loader placed ACPI tables (-kernel without -bios) */
    bool fpu_ferr, fpu_ignne;    /* x87 FERR# from the CPU, IGNNE# to it (port 0xF0) */

    struct hostchar *serial_hc[2], *debugcon_hc[1 + MACHINE_MAX_DEBUGCON];

    /* requests raised by devices and signals, handled between slices */
    volatile sig_atomic_t interrupt_req;
    bool reset_req;
    bool exit_req;
    int exit_status;
    enum machine_exit_reason exit_reason;
    bool paused;                 /* shut down under -no-shutdown: state kept, CPU stopped */
    bool suspend_req;            /* ACPI S3 entered (SLP_EN): the loop suspends the machine */
    bool suspended;              /* in S3: the CPU does not run until a wake event */
    bool wake_button;            /* the power button was pressed while suspended */
    bool rtc_irq;                /* the RTC's IRQ 8 output level (a wake event in S3) */
    u32 facs_addr;               /* the FACS the loader placed (0: none), for the S3 waking vector */
    u64 resets;                  /* machine_reset calls after power-on */
    u64 reset_icount;            /* instructions retired at the last reset */
    bool pace_idle;              /* HLT waits for the deadline in real time (cfg.idle_sleep) */
    bool idle;                   /* halted with nothing that can wake the guest but the host */

    /* snapshots (machstate.c, snapfile.c) and the history (history.c) */
    struct snap_registry snap;
    struct out_tap tap[3 + MACHINE_MAX_DEBUGCON]; /* serial0, serial1, then each debug console */
    bool snap_flush_code;        /* the load in progress drops all translated code */
    bool snap_keep_output;       /* ... and keeps the output high-water marks (going back in time) */
    u64 config_hash;             /* what a snapshot file must have been saved on */
    struct rr_history *hist;     /* NULL: no history kept */
    struct rr_log *rr;           /* input log (replay.c); NULL: input is not recorded */
    bool (*break_poll)(void *);  /* machine_set_break_poll */
    void *break_opaque;
};

/* pc.c: device-side services used by the loop */
void pc_reset_devices(struct machine *m);
/* Enter the boot image (or the reset vector) after a CPU reset. */
void pc_boot(struct machine *m);
/* The line a device on ISA IRQ irq drives: the 8259's input and the I/O APIC's
 * pin (IRQ 0 -> pin 2, as the MADT's interrupt source override says). */
struct irq_line pc_isa_irq(struct machine *m, int irq);
/* Wake from S3: reset everything but RAM, then resume where the firmware
 * would: the FACS waking vector in real mode when the loader is the
 * firmware, the reset vector (CMOS shutdown status 0xFE) with a -bios ROM. */
void pc_resume(struct machine *m, bool rtc);
/* machstate.c: the board's snapshot registry and state */
bool machine_snap_register(struct machine *m);
struct chardev machine_tap(struct out_tap *t, struct chardev real);
void machine_state_save(struct machine *m, struct snap_buf *b);
/* Load a state machine_state_check accepted (snap_check_state on m->snap). */
void machine_state_load(struct machine *m, const u8 *p, size_t len, bool flush_code, bool keep_output);
/* snapfile.c: the configuration a snapshot file must match */
u64 machine_config_hash(struct machine *m);

/* Request an exit with status and reason (kicks the CPU). */
void pc_request_exit(struct machine *m, int status, enum machine_exit_reason why);

#endif
