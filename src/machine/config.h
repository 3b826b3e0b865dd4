/*
 * What the command line asks of the machine, and the calls that build and
 * tear it down. main() fills struct machine_config from argv; machine_create
 * loads every image and wires the board, or prints one clear error and
 * returns NULL with nothing half-started.
 */
#ifndef VD_MACHINE_CONFIG_H
#define VD_MACHINE_CONFIG_H
#include "base/types.h"
#include "accel/vcpu.h"

struct machine;

#define MACHINE_DEFAULT_RAM (128ull << 20)
#define MACHINE_MAX_DRIVES 4      /* IDE: primary master, primary slave, secondary master, slave */

/* One IDE drive (-hda..-hdd, -cdrom, -drive if=ide,index=N) */
struct drive_config {
    bool present;
    const char *file;             /* NULL: a CD-ROM drive without a disc */
    bool cdrom;                   /* media=cdrom */
    bool readonly;                /* readonly=on */
    bool snapshot;                /* snapshot=on (or -snapshot): writes stay in memory */
};
/* Debian's firmware files: SeaBIOS (package seabios), QEMU's option ROMs
 * (qemu-system-data: linuxboot_dma.bin, sgabios.bin) */
#define SEABIOS_DIR "/usr/share/seabios"
#define SEABIOS_DEFAULT SEABIOS_DIR "/bios-256k.bin"
#define QEMU_DATA_DIR "/usr/share/qemu"
#define MACHINE_MAX_DATA_DIRS 8   /* -L DIR */
#define MACHINE_MAX_FW_CFG 16
#define MACHINE_MAX_DEBUGCON 4

struct fw_cfg_user { const char *name, *file, *string; }; /* -fw_cfg name=N,file=F|string=S */

struct machine_config {
    u64 ram_size;                 /* bytes; default MACHINE_DEFAULT_RAM */
    const char *kernel;           /* -kernel FILE (multiboot) */
    const char *initrd;           /* -initrd FILE[ args][,FILE...] (multiboot modules) */
    const char *append;           /* -append STR */
    const char *bios;             /* -bios FILE; with neither -bios nor -kernel: SEABIOS_DEFAULT */
    const char *data_dir[MACHINE_MAX_DATA_DIRS]; /* -L DIR: searched first for firmware files */
    int ndata_dir;
    const char *serial[2];        /* -serial specs for COM1, COM2; NULL = none */
    const char *debugcon;         /* -debugcon spec; NULL = "none" */
    struct { u16 iobase; const char *spec; } isa_debugcon[MACHINE_MAX_DEBUGCON]; /* -device isa-debugcon */
    int nisa_debugcon;
    const char *boot_order;       /* -boot order: a, c, d, n (at most 3); NULL: "cad" as QEMU */
    bool boot_menu, boot_strict;  /* -boot menu=on, strict=on */
    int boot_reboot_timeout;      /* -boot reboot-timeout=ms; -1: not given */
    bool sga;                     /* -device sga: the serial graphics adapter option ROM */
    struct fw_cfg_user fw_cfg[MACHINE_MAX_FW_CFG];
    int nfw_cfg;
    bool exit_device;             /* -device isa-debug-exit */
    u16 exit_iobase, exit_iosize; /* QEMU's defaults: 0x501, 2 */
    bool pc_testdev, pci_testdev; /* -device pc-testdev / pci-testdev (QEMU's test devices) */
    bool no_reboot;               /* reset requests and triple faults end the run */
    bool no_shutdown;             /* on guest shutdown, stop instead of exiting */
    bool gdb;                     /* a GDB stub drives the machine: never exit on a dead halt */
    u64 icount_limit;             /* 0 = none; else stop after this many instructions */
    int idle_sleep;               /* HLT: -1 auto (wait in real time when a serial port reads a
                                   * terminal), 0 skip to the next deadline, 1 wait in real time */
    long long rtc_start;          /* RTC time at power-on, unix seconds (default: fixed, deterministic) */
    struct drive_config drive[MACHINE_MAX_DRIVES]; /* IDE drives by index */
    bool display_curses;          /* -display curses: the text screen on the terminal */
    bool display_none;            /* -display none without -nographic: fw_cfg NOGRAPHIC 0, as QEMU
                                   * gives it, so SeaBIOS keeps no serial console of its own */
    bool history;                 /* keep the execution history (reverse debugging; on under -s/-gdb) */
    u64 history_interval;         /* -icount rrsnapshot-interval=N: instructions between snapshots (0: default) */
    u64 history_mem;              /* -icount rrmem=SIZE: bound of the history's memory (0: default) */
    int rr_mode;                  /* -icount rr=: 0 off, 1 record, 2 replay (main opens rr_file) */
    const char *rr_file;          /* -icount rrfile=F */
    struct vcpu_engine_opts engine; /* -accel: the CPU engine and its options (default:
                                   * vcpu_default_engine(), default options) */
};

void machine_config_init(struct machine_config *c);
/* Returns NULL after printing "vdebug: ..." to stderr. */
struct machine *machine_create(const struct machine_config *c);
void machine_destroy(struct machine *m);

/* Why the last machine_run ended with MACHINE_EXIT: for main()'s message. */
enum machine_exit_reason {
    MEXIT_GUEST,         /* isa-debug-exit: status (v << 1) | 1 */
    MEXIT_SHUTDOWN,      /* triple fault or reset request under -no-reboot: status 0 */
    MEXIT_HALTED,        /* HLT that nothing can wake (IF=0, no GDB): status 0 */
    MEXIT_ICOUNT,        /* -icount-limit reached: status 124 */
    MEXIT_POWEROFF,      /* ACPI soft off (S5), e.g. Linux's poweroff: status 0 */
    MEXIT_REPLAY,        /* a replay diverged from its recording: status 1 */
};
enum machine_exit_reason machine_exit_reason(const struct machine *m);

#endif
