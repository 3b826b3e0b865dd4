/*
 * vdebug's command line: QEMU's spelling where the meaning is the same.
 * Exit status: the guest's (isa-debug-exit: (v << 1) | 1); 0 after a shutdown
 * or a stop by signal (as QEMU); 1 for a bad image or host error; 2 for a bad
 * command line; 124 when -icount-limit stops the guest.
 */
#define _GNU_SOURCE /* strptime, timegm, tm_gmtoff */
#include "machine/config.h"
#include "machine/machine.h"
#include "accel/vcpu.h"
#include "accel/kvm.h"
#include "machine/chardev.h"
#include "debug/gdbstub.h"
#include "debug/monitor.h"
#include "base/log.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/version.h"
#include "cpu/model.h"
#include "machine/replay.h"

static const char usage[] =
    "usage: vdebug [options]\n"
    "A whole-PC x86 (IA-32) virtual machine for debugging OS kernels.\n"
    "\n"
    "Guest:\n"
    "  -kernel FILE        boot a Linux bzImage or a multiboot v1 kernel (ELF32 or a.out kludge)\n"
    "  -append STR         kernel command line (after the kernel path, as QEMU passes it)\n"
    "  -initrd FILE[ ARGS][,FILE...]  multiboot modules (',,' is a literal comma)\n"
    "  -bios FILE          firmware ROM (multiple of 64 KiB, up to 16 MiB) mapped below 4 GiB;\n"
    "                      the CPU starts at its reset vector F000:FFF0; with -kernel, the firmware\n"
    "                      boots the kernel through fw_cfg (as QEMU). Default with neither\n"
    "                      -kernel nor -bios: Debian's SeaBIOS, " SEABIOS_DEFAULT "\n"
    "  -boot [order=]DRIVES[,menu=on|off][,strict=on|off][,reboot-timeout=MS]\n"
    "                      firmware boot order: c disk, d CD-ROM, n network, a floppy (default cad)\n"
    "  -fw_cfg [name=]NAME,file=PATH|string=STR   an fw_cfg file for the firmware/guest\n"
    "  -L DIR              look for firmware files named without a path (-bios bios.bin, option\n"
    "                      ROMs) in DIR first, then in " QEMU_DATA_DIR " and " SEABIOS_DIR "\n"
    "  -m SIZE             RAM size, default 128M (plain number = MiB; K, M, G suffixes; at most 3G)\n"
    "\n"
    "Devices:\n"
    "  -serial SPEC        COM1 backend, again for COM2: stdio, mon:stdio, file:PATH, null,\n"
    "                      none (no port), tcp:127.0.0.1:PORT,server[,nowait]\n"
    "                      (default: mon:stdio on a terminal, else stdio); mon:stdio adds QEMU's\n"
    "                      escapes: C-a x exit, C-a c monitor, C-a h help, C-a C-a a C-a\n"
    "  -debugcon SPEC      debug console on port 0xE9: stdio, file:PATH, none\n"
    "  -chardev stdio|null,id=ID   -chardev file,id=ID,path=PATH\n"
    "  -chardev socket,id=ID,host=ADDR,port=PORT,server=on[,wait=off]\n"
    "                      a host backend for -device ...,chardev=ID or -serial chardev:ID\n"
    "  -device isa-debugcon,chardev=ID[,iobase=PORT]\n"
    "                      debug console (default port 0xE9; SeaBIOS logs to 0x402)\n"
    "  -device sga         serial graphics adapter option ROM (int 10h text to COM1; with a firmware)\n"
    "  -device isa-debug-exit[,iobase=PORT][,iosize=N]\n"
    "                      exit device: writing V exits with status (V << 1) | 1\n"
    "                      (defaults iobase=0x501, iosize=2, as QEMU)\n"
    "  -hda/-hdb/-hdc/-hdd FILE  raw disk image as IDE primary master/slave, secondary master/slave\n"
    "  -cdrom FILE         ISO image in an ATAPI CD-ROM drive (secondary master, index 2)\n"
    "  -drive file=FILE[,format=raw][,if=ide][,index=0-3][,media=disk|cdrom][,readonly=on][,snapshot=on]\n"
    "                      an IDE drive, as QEMU spells it (',,' is a literal comma in FILE)\n"
    "  -snapshot           keep every disk image untouched: the guest's writes stay in memory\n"
    "  -display curses     the VGA text screen on the terminal (keys go to the PS/2 keyboard;\n"
    "                      the default serial port is then null)\n"
    "  -display none, -nographic  no display (the default; the serial port is the terminal)\n"
    "  -device pc-testdev  QEMU's ISA test device (ports 0xe0/0xe4/0xe8, IRQ lines at 0x2000,\n"
    "                      64 KiB of MMIO at 0xff000000), as kvm-unit-tests use it\n"
    "  -device pci-testdev QEMU's PCI test device (1b36:0005 at 00:02.0)\n"
    "  -nodefaults         accepted; with it, no serial port unless -serial is given\n"
    "\n"
    "Machine:\n"
    "  -machine pc, -smp 1 accepted (the only board and CPU count)\n"
    "  -cpu MODEL          accepted with a note: the guest sees vdebug's one CPU (-cpu help)\n"
    "  -name NAME, -net none, -nic none   accepted (vdebug has no network adapter)\n"
    "  -pidfile FILE       write the process ID to FILE (removed at exit)\n"
    "  -no-reboot          exit (status 0) on triple fault or guest reset instead of resetting\n"
    "  -no-shutdown        on shutdown, stop the guest (state kept for GDB) instead of exiting\n"
    "  -icount-limit N     stop after N guest instructions with status 124 (deterministic watchdog)\n"
    "  -icount [shift=0][,sleep=on|off]\n"
    "                      vdebug always counts 1 instruction = 1 virtual ns (shift=0); sleep=on makes\n"
    "                      a halted CPU wait in real time for its next timer, sleep=off skips ahead\n"
    "                      (default: on when a serial port reads a terminal, else off)\n"
    "                      rrsnapshot-interval=N: instructions between the history's snapshots\n"
    "                      (reverse debugging under -s/-gdb; default 10000000, 0: no history);\n"
    "                      rrmem=SIZE: memory bound of the history (default 512M);\n"
    "                      rr=record|replay,rrfile=F: record what enters from outside (serial\n"
    "                      input, paced idle time, the host clock of -rtc) to F, or replay F\n"
    "  -loadvm NAME        start from the snapshot NAME (saved by the monitor's savevm)\n"
    "  -rtc base=utc|localtime|YYYY-MM-DD[THH:MM:SS][,clock=vm]\n"
    "                      RTC start time (default: fixed 2026-01-01T00:00:00, for deterministic runs);\n"
    "                      the RTC always advances with virtual time\n"
    "\n"
    "Engine:\n"
    "  -accel dbt[,tb-size=MiB][,verify=on|off]\n"
    "                      the dynamic binary translator (x86-64 hosts); tb-size bounds its\n"
    "                      translation cache, verify=on re-runs each translated block on the\n"
    "                      interpreter and stops at the first difference (lockstep checker)\n"
    "  -accel tcg[,...]    the same as -accel dbt (QEMU's name)\n"
    "  -accel interp       the reference interpreter (every host)\n"
    "  -accel kvm[,emulate-blocks=N][,time-scale=F], -enable-kvm\n"
    "                      hardware virtualization (/dev/kvm); real mode, v8086 and what the\n"
    "                      debugger asks beyond the debug registers run on the interpreter, and\n"
    "                      the guest returns to KVM after N (1000) blocks in protected mode;\n"
    "                      virtual time runs F (1) ns per host ns the guest spends in KVM\n"
    "                      default: dbt where the host has it, else interp; several -accel (or\n"
    "                      -accel kvm:dbt): the first one this host can run (as QEMU);\n"
    "                      -machine accel=A[:B] as QEMU; -accel help lists the engines\n"
    "\n"
    "Debugging:\n"
    "  -s                  shorthand for -gdb tcp::1234\n"
    "  -S                  hold the CPU at its first instruction until GDB continues\n"
    "  -gdb tcp::PORT      GDB remote stub on 127.0.0.1:PORT (tcp:HOST:PORT to choose the address)\n"
    "  -monitor stdio|none monitor console on the terminal (\"help\" lists its commands)\n"
    "  -d ITEM[,ITEM...]   log items (-d help lists them)\n"
    "  -D FILE             write the log to FILE instead of stderr\n"
    "\n"
    "  -h, --help          this help\n"
    "  --version           version\n";

static struct machine *the_machine;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    if (got_signal) { /* second signal: the guest did not stop; leave now */
        hostchar_restore_terminal();
        _exit(1);
    }
    got_signal = sig;
    if (the_machine) machine_interrupt(the_machine);
}

static VD_NORETURN void usage_error(const char *fmt, ...) VD_PRINTF(1, 2);
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("vdebug: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see vdebug -h)\n", stderr);
    exit(2);
}

/* "-m" sizes: a number with an optional K/M/G/T suffix (no suffix = MiB);
 * QEMU's "size=" prefix is accepted. Returns 0 or -1. */
static int parse_size(const char *s, u64 *out)
{
    if (!strncmp(s, "size=", 5)) s += 5;
    if (*s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -1;
    unsigned shift = 20;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        case 'b': case 'B': shift = 0; break;
        default: return -1;
        }
        if (end[1] && !((end[1] == 'i' || end[1] == 'B') && (!end[2] || (end[1] == 'i' && end[2] == 'B' && !end[3]))))
            return -1;
    }
    if (v > (UINT64_MAX >> shift)) return -1;
    *out = (u64)v << shift;
    return 0;
}

static int parse_u64(const char *s, u64 *out)
{
    if (*s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

/* -rtc base=...,clock=vm: QEMU's spelling; only virtual-time clocks exist here. */
static void parse_rtc(const char *spec, struct machine_config *c)
{
    char buf[128];
    if (strlen(spec) >= sizeof(buf)) usage_error("-rtc %s: malformed", spec);
    strcpy(buf, spec);
    for (char *save, *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        if (!strcmp(opt, "clock=vm")) continue;
        if (!strncmp(opt, "clock=", 6))
            usage_error("-rtc %s: vdebug's RTC runs on virtual time (only clock=vm)", spec);
        if (strncmp(opt, "base=", 5)) usage_error("-rtc %s: unknown option '%s'", spec, opt);
        const char *v = opt + 5;
        time_t now = time(NULL);
        if (!strcmp(v, "utc")) c->rtc_start = (long long)now;
        else if (!strcmp(v, "localtime")) {
            struct tm tm;
            localtime_r(&now, &tm);
            c->rtc_start = (long long)now + tm.tm_gmtoff;
        } else {
            struct tm tm;
            memset(&tm, 0, sizeof(tm));
            const char *end = strptime(v, "%Y-%m-%d", &tm);
            if (end && *end == 'T') end = strptime(end + 1, "%H:%M:%S", &tm);
            if (!end || *end) usage_error("-rtc %s: base must be utc, localtime or YYYY-MM-DD[THH:MM:SS]", spec);
            c->rtc_start = (long long)timegm(&tm);
        }
    }
}

static void parse_icount(const char *spec, struct machine_config *c)
{
    char buf[128];
    if (strlen(spec) >= sizeof(buf)) usage_error("-icount %s: malformed", spec);
    strcpy(buf, spec);
    for (char *save, *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        if (!strcmp(opt, "0") || !strcmp(opt, "shift=0")) continue;
        if (!strncmp(opt, "rrsnapshot-interval=", 20)) {
            if (parse_u64(opt + 20, &c->history_interval) < 0)
                usage_error("-icount %s: rrsnapshot-interval= wants an instruction count (0: no history)", spec);
            if (!c->history_interval) c->history = false, c->history_interval = UINT64_MAX;
            continue;
        }
        if (!strcmp(opt, "rr=record") || !strcmp(opt, "rr=replay")) {
            c->rr_mode = opt[3] == 'r' && opt[4] == 'e' && opt[5] == 'c' ? 1 : 2;
            continue;
        }
        if (!strcmp(opt, "rr=off")) {
            c->rr_mode = 0;
            continue;
        }
        if (!strncmp(opt, "rrfile=", 7) && opt[7]) {
            static char file[4096];
            snprintf(file, sizeof(file), "%s", opt + 7);
            c->rr_file = file;
            continue;
        }
        if (!strncmp(opt, "rrmem=", 6)) {
            if (parse_size(opt + 6, &c->history_mem) < 0 || c->history_mem < (1u << 20))
                usage_error("-icount %s: rrmem= wants a size of at least 1M (e.g. 512M)", spec);
            continue;
        }
        if (!strcmp(opt, "sleep=on")) c->idle_sleep = 1;
        else if (!strcmp(opt, "sleep=off")) c->idle_sleep = 0;
        else if (!strncmp(opt, "shift=", 6) || (opt[0] >= '0' && opt[0] <= '9'))
            usage_error("-icount %s: vdebug counts 1 instruction = 1 virtual ns (only shift=0)", spec);
        else usage_error("-icount %s: unknown option '%s' (shift=0, sleep=on|off, rr=record|replay, rrfile=F, rrsnapshot-interval=N, rrmem=SIZE)", spec, opt);
    }
    if (c->rr_mode && !c->rr_file) usage_error("-icount %s: rr=%s needs rrfile=FILE", spec, c->rr_mode == 1 ? "record" : "replay");
}

/* "k=v,k=v" after a device or backend name: calls f for each option (key
 * and value live only during the call). */
static void each_opt(const char *flag, const char *spec, const char *p, void (*f)(const char *flag, const char *spec,
                     const char *key, const char *val, void *arg), void *arg)
{
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        char opt[512];
        if (!len || len >= sizeof(opt)) usage_error("%s %s: malformed option list", flag, spec);
        memcpy(opt, p, len);
        opt[len] = 0;
        char *eq = strchr(opt, '=');
        if (!eq) usage_error("%s %s: malformed option '%s' (expected NAME=VALUE)", flag, spec, opt);
        *eq = 0;
        f(flag, spec, opt, eq + 1, arg);
        p += len;
    }
}

struct device_opts { const char *type; u64 iobase, iosize; char *chardev; bool has_iobase, has_iosize; };

static void device_opt(const char *flag, const char *spec, const char *key, const char *val, void *arg)
{
    struct device_opts *d = arg;
    u64 v;
    if (!strcmp(d->type, "isa-debugcon") && !strcmp(key, "chardev")) {
        free(d->chardev);
        d->chardev = val[0] ? strdup(val) : NULL;
    }
    else if (!strcmp(key, "iobase") && parse_u64(val, &v) == 0 && v <= 0xffff) d->iobase = v, d->has_iobase = true;
    else if (!strcmp(d->type, "isa-debug-exit") && !strcmp(key, "iosize") && parse_u64(val, &v) == 0 && v >= 1 &&
             v <= 4)
        d->iosize = v, d->has_iosize = true;
    else if (!strcmp(d->type, "isa-debug-exit"))
        usage_error("%s %s: bad option '%s=%s' (iobase=0..0xffff, iosize=1..4)", flag, spec, key, val);
    else usage_error("%s %s: bad option '%s=%s' (iobase=0..0xffff, chardev=ID)", flag, spec, key, val);
}

static void parse_device(const char *spec, struct machine_config *c)
{
    size_t n = strcspn(spec, ",");
    char type[32];
    if (n >= sizeof(type)) n = sizeof(type) - 1;
    memcpy(type, spec, n);
    type[n] = 0;
    struct device_opts d = {type, 0, 0, NULL, false, false};
    if (!strcmp(type, "sga")) {
        if (spec[n]) usage_error("-device %s: sga has no options", spec);
        c->sga = true;
        return;
    }
    /* QEMU's test devices (kvm-unit-tests) */
    if (!strcmp(type, "pc-testdev") || !strcmp(type, "pci-testdev")) {
        if (spec[n]) usage_error("-device %s: %s takes no options", spec, type);
        if (type[1] == 'c') c->pc_testdev = true;
        else c->pci_testdev = true;
        return;
    }
    if (strcmp(type, "isa-debug-exit") && strcmp(type, "isa-debugcon"))
        usage_error("-device %s: unsupported device (vdebug provides isa-debug-exit, isa-debugcon, sga, pc-testdev, "
                    "pci-testdev)", type);
    each_opt("-device", spec, spec + n, device_opt, &d);
    if (!strcmp(type, "isa-debugcon")) {
        if (!d.chardev) usage_error("-device %s: isa-debugcon needs chardev=ID (a -chardev)", spec);
        if (c->nisa_debugcon == MACHINE_MAX_DEBUGCON) usage_error("-device %s: at most %d debug consoles", spec,
                                                                   MACHINE_MAX_DEBUGCON);
        /* the backend is resolved once every -chardev is known (resolve_chardevs) */
        c->isa_debugcon[c->nisa_debugcon].iobase = d.has_iobase ? (u16)d.iobase : 0xe9;
        c->isa_debugcon[c->nisa_debugcon++].spec = d.chardev;
        return;
    }
    c->exit_device = true;
    if (d.has_iobase) c->exit_iobase = (u16)d.iobase;
    if (d.has_iosize) c->exit_iosize = (u16)d.iosize;
    if ((u32)c->exit_iobase + c->exit_iosize > 0x10000) usage_error("-device %s: ports past 0xffff", spec);
}

/*
 * -chardev BACKEND,id=ID[,...] as QEMU spells the backends vdebug has:
 * stdio, null, file (path=), socket (host=, port=, server=on, wait=off: a TCP
 * server). Each becomes the host backend spec -serial uses; devices name
 * it with chardev=ID (and -serial chardev:ID).
 */
#define MAX_CHARDEV 8
struct chardev_def { char *id, *spec; bool used; };
static struct chardev_def chardevs[MAX_CHARDEV];
static int nchardev;

struct chardev_opts { const char *backend; char id[64], path[512], host[64], port[16]; int server, wait; };

static void opt_copy(char *dst, size_t n, const char *flag, const char *spec, const char *val)
{
    if (strlen(val) >= n) usage_error("%s %s: value '%s' too long", flag, spec, val);
    strcpy(dst, val);
}

static void chardev_opt(const char *flag, const char *spec, const char *key, const char *val, void *arg)
{
    struct chardev_opts *o = arg;
    bool sock = !strcmp(o->backend, "socket");
    if (!strcmp(key, "id")) opt_copy(o->id, sizeof(o->id), flag, spec, val);
    else if (!strcmp(key, "path") && !strcmp(o->backend, "file")) opt_copy(o->path, sizeof(o->path), flag, spec, val);
    else if (!strcmp(key, "host") && sock) opt_copy(o->host, sizeof(o->host), flag, spec, val);
    else if (!strcmp(key, "port") && sock) opt_copy(o->port, sizeof(o->port), flag, spec, val);
    else if ((!strcmp(key, "server") || !strcmp(key, "wait")) && sock && (!strcmp(val, "on") || !strcmp(val, "off")))
        *(!strcmp(key, "server") ? &o->server : &o->wait) = !strcmp(val, "on");
    else if (!strcmp(key, "signal") && !strcmp(o->backend, "stdio")) {
    } else usage_error("%s %s: unsupported option '%s=%s' for backend %s", flag, spec, key, val, o->backend);
}

static void parse_chardev(const char *spec)
{
    size_t n = strcspn(spec, ",");
    char backend[16];
    if (!n || n >= sizeof(backend)) usage_error("-chardev %s: malformed (BACKEND,id=ID,...)", spec);
    memcpy(backend, spec, n);
    backend[n] = 0;
    if (strcmp(backend, "stdio") && strcmp(backend, "null") && strcmp(backend, "file") && strcmp(backend, "socket"))
        usage_error("-chardev %s: unsupported backend '%s' (vdebug has stdio, null, file, socket)", spec, backend);
    struct chardev_opts o = {.backend = backend, .wait = 1};
    each_opt("-chardev", spec, spec + n, chardev_opt, &o);
    if (!o.id[0]) usage_error("-chardev %s: needs id=ID", spec);
    for (int i = 0; i < nchardev; i++)
        if (!strcmp(chardevs[i].id, o.id)) usage_error("-chardev %s: duplicate ID '%s'", spec, o.id);
    if (nchardev == MAX_CHARDEV) usage_error("-chardev %s: at most %d character devices", spec, MAX_CHARDEV);
    char buf[600];
    if (!strcmp(backend, "file")) {
        if (!o.path[0]) usage_error("-chardev %s: file needs path=PATH", spec);
        snprintf(buf, sizeof(buf), "file:%s", o.path);
    } else if (!strcmp(backend, "socket")) {
        if (!o.port[0] || !o.server)
            usage_error("-chardev %s: vdebug's sockets are TCP servers (host=ADDR,port=PORT,server=on[,wait=off])",
                        spec);
        snprintf(buf, sizeof(buf), "tcp:%s:%s,server%s", o.host[0] ? o.host : "127.0.0.1", o.port,
                 o.wait ? "" : ",nowait");
    } else {
        snprintf(buf, sizeof(buf), "%s", backend);
    }
    char err[256];
    if (hostchar_check(buf, "chardev", err, sizeof(err)) < 0) usage_error("%s", err);
    chardevs[nchardev].id = strdup(o.id);
    chardevs[nchardev++].spec = strdup(buf);
}

/* The backend spec of -chardev ID, claimed by one device (as QEMU: a
 * character device serves one front end). */
static const char *chardev_claim(const char *id, const char *user)
{
    for (int i = 0; i < nchardev; i++)
        if (!strcmp(chardevs[i].id, id)) {
            if (chardevs[i].used) usage_error("%s: chardev '%s' is already in use", user, id);
            chardevs[i].used = true;
            return chardevs[i].spec;
        }
    usage_error("%s: no -chardev with id '%s'", user, id);
}

static void resolve_chardevs(struct machine_config *c)
{
    for (int i = 0; i < 2; i++)
        if (c->serial[i] && !strncmp(c->serial[i], "chardev:", 8)) c->serial[i] = chardev_claim(c->serial[i] + 8, "-serial");
    for (int i = 0; i < c->nisa_debugcon; i++) {
        char *id = (char *)c->isa_debugcon[i].spec; /* parse_device's copy of chardev=ID */
        c->isa_debugcon[i].spec = chardev_claim(id, "-device isa-debugcon");
        free(id);
    }
}

/* -boot [order=]DRIVES[,menu=on|off][,strict=on|off][,reboot-timeout=MS] as QEMU's pc machine */
static void boot_opt(const char *flag, const char *spec, const char *key, const char *val, void *arg)
{
    struct machine_config *c = arg;
    u64 v;
    if (!strcmp(key, "order")) {
        if (!val[0] || strlen(val) > 3 || strspn(val, "abcdn") != strlen(val))
            usage_error("%s %s: order is up to three of a, b (floppy), c (disk), d (CD-ROM), n (network)", flag, spec);
        c->boot_order = val;
    } else if ((!strcmp(key, "menu") || !strcmp(key, "strict")) && (!strcmp(val, "on") || !strcmp(val, "off"))) {
        *(!strcmp(key, "menu") ? &c->boot_menu : &c->boot_strict) = !strcmp(val, "on");
    } else if (!strcmp(key, "reboot-timeout") && parse_u64(val, &v) == 0 && v <= 0xffff) {
        c->boot_reboot_timeout = (int)v;
    } else {
        usage_error("%s %s: unsupported option '%s=%s' (order=, menu=on|off, strict=on|off, reboot-timeout=MS)",
                    flag, spec, key, val);
    }
}

/* A copy of an option argument that the configuration points into (kept
 * for the life of the process). */
static char *kept_copy(const char *s)
{
    static char *kept[64];
    static int nkept;
    if (nkept == 64) usage_error("too many -boot/-fw_cfg options");
    char *d = strdup(s);
    if (!d) usage_error("out of memory");
    return kept[nkept++] = d;
}

static void parse_boot(const char *spec, struct machine_config *c)
{
    char *buf = kept_copy(spec); /* boot_order points into it */
    char *save = NULL;
    bool first = true;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(t, '=');
        if (!eq && first) { /* QEMU's implied option: -boot cd[,menu=on] */
            boot_opt("-boot", spec, "order", t, c);
            continue;
        }
        if (!eq) usage_error("-boot %s: malformed option '%s'", spec, t);
        *eq = 0;
        boot_opt("-boot", spec, t, eq + 1, c);
    }
}

/* -fw_cfg [name=]NAME,file=PATH | -fw_cfg [name=]NAME,string=STR */
static void parse_fw_cfg(const char *spec, struct machine_config *c)
{
    char *buf = kept_copy(spec);
    const char *name = NULL, *file = NULL, *string = NULL;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strncmp(t, "name=", 5)) name = t + 5;
        else if (!strncmp(t, "file=", 5)) file = t + 5;
        else if (!strncmp(t, "string=", 7)) string = t + 7;
        else if (!name && !strchr(t, '=')) name = t;
        else usage_error("-fw_cfg %s: unsupported option '%s' (name=, file= or string=)", spec, t);
    }
    if (!name || !name[0]) usage_error("-fw_cfg %s: needs name=NAME", spec);
    if (!file == !string) usage_error("-fw_cfg %s: give exactly one of file= and string=", spec);
    if (strlen(name) >= 56) usage_error("-fw_cfg %s: the name is longer than 55 bytes", spec);
    if (strncmp(name, "opt/", 4))
        fprintf(stderr, "vdebug: warning: -fw_cfg %s: externally provided fw_cfg item names should be prefixed "
                        "with \"opt/\"\n", name);
    for (int i = 0; i < c->nfw_cfg; i++)
        if (!strcmp(c->fw_cfg[i].name, name)) usage_error("-fw_cfg %s: duplicate name", spec);
    if (c->nfw_cfg == MACHINE_MAX_FW_CFG) usage_error("-fw_cfg %s: at most %d items", spec, MACHINE_MAX_FW_CFG);
    c->fw_cfg[c->nfw_cfg++] = (struct fw_cfg_user){name, file, string};
}

/*
 * -accel: QEMU's list semantics. Each -accel (or -enable-kvm, or a name of
 * -machine accel=A:B) adds a candidate; the first one this binary can run is
 * used, with a note for each one skipped; none at all is a usage error.
 */
enum accel_kind { ACCEL_INTERP, ACCEL_DBT, ACCEL_KVM };
struct accel_choice {
    enum accel_kind kind;
    struct vcpu_engine_opts opts;
    char what[96];              /* how the user spelled it, for messages: "-accel kvm" */
};
#define MAX_ACCEL 8

struct opts {
    struct accel_choice accel[MAX_ACCEL];
    int naccel;
    bool accel_flag, machine_accel; /* -accel/-enable-kvm given; -machine accel= given */
    struct machine_config cfg;
    const char *gdb;
    bool start_stopped;
    bool nodefaults;
    bool nographic, display_none; /* -nographic; -display none (the last -display) */
    int nserial;
    const char *log_file;
    const char *loadvm;
    bool monitor;
    bool snapshot;
};

static struct accel_choice *accel_add(struct opts *o, enum accel_kind kind, const char *fmt, ...) VD_PRINTF(3, 4);
static struct accel_choice *accel_add(struct opts *o, enum accel_kind kind, const char *fmt, ...)
{
    if (o->naccel == MAX_ACCEL) usage_error("at most %d accelerators (-accel, -enable-kvm, -machine accel=)", MAX_ACCEL);
    struct accel_choice *a = &o->accel[o->naccel++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->what, sizeof(a->what), fmt, ap);
    va_end(ap);
    a->kind = kind;
    a->opts = (struct vcpu_engine_opts){.engine = kind == ACCEL_DBT ? VCPU_ENGINE_DBT
                                                  : kind == ACCEL_KVM ? VCPU_ENGINE_KVM : VCPU_ENGINE_INTERP};
    return a;
}

/* An accelerator's name: dbt, tcg (QEMU's name for its translator), interp, kvm. -1 if unknown. */
static int accel_kind_of(const char *name, size_t n)
{
#define IS(w) (n == sizeof(w) - 1 && !strncmp(name, w, n))
    if (IS("dbt") || IS("tcg")) return ACCEL_DBT;
    if (IS("interp")) return ACCEL_INTERP;
    if (IS("kvm")) return ACCEL_KVM;
#undef IS
    return -1;
}

static void accel_list(void)
{
    printf("Accelerators supported in this vdebug binary:\n");
    if (vcpu_engine_available(VCPU_ENGINE_DBT))
        printf("dbt       dynamic binary translator (options: tb-size=MiB, verify=on|off)\n"
               "tcg       the same as dbt (QEMU's name)\n");
    printf("interp    reference interpreter\n");
    char why[256];
    if (vcpu_kvm_usable(why, sizeof(why)))
        printf("kvm       /dev/kvm, with the interpreter on demand (options: emulate-blocks=N, time-scale=F)\n");
    else
        printf("kvm       not usable here: %s\n", why);
    printf("default: %s\n", vcpu_engine_name(vcpu_default_engine()));
}

/* -accel NAME[:NAME...][,tb-size=MiB][,verify=on|off][,thread=single][,emulate-blocks=N]
 * A list of names (kvm:dbt) adds each as a candidate, as -machine accel= does;
 * each option goes to the engines of the list that have it. */
static void parse_accel(const char *spec, struct opts *o)
{
    if (!strcmp(spec, "help")) {
        accel_list();
        exit(0);
    }
    size_t names = strcspn(spec, ",");
    if (!names) usage_error("-accel %s: malformed (expected kvm, dbt, tcg or interp, then ,OPTION=VALUE...)", spec);
    struct accel_choice *list[MAX_ACCEL];
    int nlist = 0;
    for (const char *l = spec; l < spec + names;) {
        size_t n = strcspn(l, ":,");
        int kind = accel_kind_of(l, n);
        if (kind < 0)
            usage_error("-accel %s: unknown accelerator '%.*s' (kvm, dbt, tcg or interp; -accel help lists them)",
                        spec, (int)n, l);
        list[nlist++] = accel_add(o, (enum accel_kind)kind, "-accel %.*s", (int)n, l);
        l += n;
        if (*l == ':') l++;
    }
    const char *p = spec + names;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        char opt[64];
        if (!len || len >= sizeof(opt)) usage_error("-accel %s: malformed option list", spec);
        memcpy(opt, p, len);
        opt[len] = 0;
        p += len;
        char *eq = strchr(opt, '=');
        if (!eq || !eq[1]) usage_error("-accel %s: malformed option '%s' (expected NAME=VALUE)", spec, opt);
        *eq = 0;
        const char *v = eq + 1;
        bool dbt_opt = !strcmp(opt, "tb-size") || !strcmp(opt, "verify");
        bool kvm_opt = !strcmp(opt, "emulate-blocks") || !strcmp(opt, "time-scale");
        bool any_opt = !strcmp(opt, "thread");
        if (!dbt_opt && !kvm_opt && !any_opt)
            usage_error("-accel %s: unknown option '%s' (dbt: tb-size=MiB, verify=on|off; kvm: emulate-blocks=N, "
                        "time-scale=F)",
                        spec, opt);
        int taken = 0;
        for (int j = 0; j < nlist; j++) {
            struct accel_choice *a = list[j];
            if (any_opt) {
                if (strcmp(v, "single"))
                    usage_error("-accel %s: vdebug emulates one CPU on one thread (only thread=single)", spec);
                taken++;
            } else if (dbt_opt && a->kind == ACCEL_DBT) {
                taken++;
                if (!strcmp(opt, "tb-size")) {
                    u32 mb = 0;
                    const char *d = v;
                    for (; *d >= '0' && *d <= '9' && mb <= 2048; d++) mb = mb * 10 + (u32)(*d - '0');
                    if (*d || !mb || mb > 2048)
                        usage_error("-accel %s: tb-size is the translation cache size in MiB, 1 to 2048", spec);
                    a->opts.tb_size_mb = mb;
                } else if (!strcmp(v, "on")) a->opts.verify = true;
                else if (!strcmp(v, "off")) a->opts.verify = false;
                else usage_error("-accel %s: verify is on or off", spec);
            } else if (kvm_opt && a->kind == ACCEL_KVM && !strcmp(opt, "time-scale")) {
                taken++;
                char *e;
                double f = strtod(v, &e);
                if (*e || !(f >= 0.001 && f <= 1000))
                    usage_error("-accel %s: time-scale is virtual ns per host ns under KVM, 0.001 to 1000", spec);
                a->opts.time_scale = f;
            } else if (kvm_opt && a->kind == ACCEL_KVM) {
                taken++;
                u64 nb = 0;
                const char *d = v;
                for (; *d >= '0' && *d <= '9' && nb <= 1000000000u; d++) nb = nb * 10 + (u64)(*d - '0');
                if (*d || !nb || nb > 1000000000u)
                    usage_error("-accel %s: emulate-blocks is a number of basic blocks, 1 to 1000000000", spec);
                a->opts.emulate_blocks = (u32)nb;
            }
        }
        if (!taken)
            usage_error(dbt_opt ? "-accel %s: %s is an option of the translator (-accel dbt)"
                                : "-accel %s: %s is an option of -accel kvm", spec, opt);
    }
}

/* -machine [type=]pc[,accel=A[:B...]] (QEMU's older spelling of -accel; no engine options there) */
static void parse_machine(const char *flag, const char *spec, struct opts *o)
{
    char buf[256];
    if (strlen(spec) >= sizeof(buf)) usage_error("%s %s: malformed", flag, spec);
    strcpy(buf, spec);
    bool first = true;
    for (char *save, *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save), first = false) {
        if (!strncmp(opt, "accel=", 6)) {
            if (o->machine_accel) usage_error("%s %s: accel= given twice", flag, spec);
            o->machine_accel = true;
            const char *l = opt + 6;
            if (!*l) usage_error("%s %s: accel= needs a list of accelerators (kvm, dbt, tcg, interp)", flag, spec);
            for (;;) {
                size_t n = strcspn(l, ":");
                int kind = accel_kind_of(l, n);
                if (kind < 0)
                    usage_error("%s %s: unknown accelerator '%.*s' (kvm, dbt, tcg or interp)", flag, spec, (int)n, l);
                accel_add(o, (enum accel_kind)kind, "%s accel=%.*s", flag, (int)n, l);
                if (!l[n]) break;
                l += n + 1;
            }
        } else if (!strcmp(opt, "pc") || !strcmp(opt, "type=pc")) {
            if (!first) usage_error("%s %s: the machine type comes first", flag, spec);
        } else if (first && !strchr(opt, '='))
            usage_error("%s %s: vdebug emulates one board, 'pc'", flag, spec);
        else if (!strncmp(opt, "type=", 5))
            usage_error("%s %s: vdebug emulates one board, 'pc'", flag, spec);
        else
            usage_error("%s %s: unsupported machine option '%s' (vdebug accepts type=pc, accel=)", flag, spec, opt);
    }
}

/* The engine: the first candidate this binary and host can run (QEMU's
 * order). KVM is tried for real (a throw-away VM): without a usable
 * /dev/kvm and nothing after it, one line and status 1. */
static void resolve_accel(struct opts *o)
{
    if (o->accel_flag && o->machine_accel)
        usage_error("the -accel and \"-machine accel=\" options are incompatible (as in QEMU)");
    if (!o->naccel) {
        o->cfg.engine = (struct vcpu_engine_opts){.engine = vcpu_default_engine()};
        return;
    }
    char why[MAX_ACCEL][256];
    int i;
    for (i = 0; i < o->naccel; i++) {
        why[i][0] = 0;
        if (o->accel[i].kind == ACCEL_KVM) {
            if (vcpu_kvm_usable(why[i], sizeof(why[i]))) break;
        } else if (vcpu_engine_available(o->accel[i].opts.engine)) {
            break;
        } else {
            snprintf(why[i], sizeof(why[i]), "the translator is not built for this host");
        }
    }
    if (i == o->naccel) { /* nothing runnable: say why the first one is not */
        const struct accel_choice *a = &o->accel[0];
        if (a->kind == ACCEL_KVM) {
            fprintf(stderr, "vdebug: %s: KVM is not usable: %s (use %s, or -accel kvm:dbt to fall back)\n", a->what,
                    why[0], vcpu_engine_available(VCPU_ENGINE_DBT) ? "-accel dbt or -accel interp" : "-accel interp");
            exit(1);
        }
        usage_error("%s: the translator is not built for this host (x86-64 only; use -accel interp)", a->what);
    }
    for (int j = 0; j < i; j++)
        fprintf(stderr, "vdebug: %s: %s; falling back to %s\n", o->accel[j].what, why[j],
                vcpu_engine_name(o->accel[i].opts.engine));
    o->cfg.engine = o->accel[i].opts;
}

/* Put a drive at index (-1: the first free one, as QEMU). */
static void drive_add(struct machine_config *c, int index, const struct drive_config *d, const char *what)
{
    if (index < 0)
        for (index = 0; index < MACHINE_MAX_DRIVES && c->drive[index].present; index++) {}
    if (index >= MACHINE_MAX_DRIVES) usage_error("%s: the IDE controller has four drives (index 0-3), all taken", what);
    if (c->drive[index].present) usage_error("%s: drive index %d is already used", what, index);
    c->drive[index] = *d;
    c->drive[index].present = true;
}

/* -drive file=F,format=raw,if=ide,index=N,media=disk|cdrom,readonly=on|off,snapshot=on|off */
static void parse_drive(const char *spec, struct machine_config *c)
{
    struct drive_config d = {0};
    int index = -1, bus = -1, unit = -1;
    char *buf = malloc(strlen(spec) + 1); /* values, ",," unescaped; lives as long as the config */
    if (!buf) usage_error("out of memory");
    const char *p = spec;
    char *w = buf;
    while (*p) {
        const char *eq = strchr(p, '=');
        size_t klen = eq ? (size_t)(eq - p) : strcspn(p, ",");
        if (!eq || memchr(p, ',', klen)) usage_error("-drive %s: malformed option (expected KEY=VALUE)", spec);
        char key[32];
        if (klen >= sizeof(key)) usage_error("-drive %s: unknown option '%.*s'", spec, (int)klen, p);
        memcpy(key, p, klen);
        key[klen] = 0;
        p = eq + 1;
        char *v = w;
        while (*p && !(*p == ',' && p[1] != ',')) {
            if (*p == ',') p++; /* ",," is one comma */
            *w++ = *p++;
        }
        *w++ = 0;
        if (*p == ',') p++;
#define ONOFF(flag) do { if (!strcmp(v, "on")) flag = true; else if (!strcmp(v, "off")) flag = false; \
                         else usage_error("-drive %s: %s is on or off", spec, key); } while (0)
        if (!strcmp(key, "file")) d.file = v;
        else if (!strcmp(key, "format")) {
            if (strcmp(v, "raw")) usage_error("-drive %s: vdebug reads raw images only (format=raw)", spec);
        } else if (!strcmp(key, "if")) {
            if (strcmp(v, "ide")) usage_error("-drive %s: vdebug has an IDE controller only (if=ide)", spec);
        } else if (!strcmp(key, "index") || !strcmp(key, "bus") || !strcmp(key, "unit")) {
            char *end;
            long n = strtol(v, &end, 10);
            int max = !strcmp(key, "index") ? 3 : 1;
            if (!*v || *end || n < 0 || n > max) usage_error("-drive %s: %s is 0 to %d", spec, key, max);
            if (key[0] == 'i') index = (int)n;
            else if (key[0] == 'b') bus = (int)n;
            else unit = (int)n;
        } else if (!strcmp(key, "media")) {
            if (!strcmp(v, "cdrom")) d.cdrom = true;
            else if (strcmp(v, "disk")) usage_error("-drive %s: media is disk or cdrom", spec);
        } else if (!strcmp(key, "readonly") || !strcmp(key, "read-only")) ONOFF(d.readonly);
        else if (!strcmp(key, "snapshot")) ONOFF(d.snapshot);
        else if (!strcmp(key, "cache") || !strcmp(key, "id") || !strcmp(key, "aio")) {
            /* accepted: vdebug's own write-back cache (see README) */
        } else usage_error("-drive %s: unknown option '%s' (file, format, if, index, media, readonly, snapshot)", spec, key);
#undef ONOFF
    }
    if (!d.file && !d.cdrom) usage_error("-drive %s: needs file= (only a CD-ROM drive may be empty)", spec);
    if (d.file && !*d.file) usage_error("-drive %s: empty file name", spec);
    if (bus >= 0 || unit >= 0) {
        int i = (bus < 0 ? 0 : bus) * 2 + (unit < 0 ? 0 : unit);
        if (index >= 0 && index != i) usage_error("-drive %s: index and bus/unit disagree", spec);
        index = i;
    }
    drive_add(c, index, &d, "-drive");
}

/* -cpu MODEL[,FEATURES]: vdebug presents one CPU; a script's model name is
 * accepted with a note saying which CPU the guest sees instead. */
static void parse_cpu(const char *spec)
{
    size_t n = strcspn(spec, ",");
    if (!strcmp(spec, "help")) {
        printf("vdebug models one CPU, 'vdebug': " CPU_MODEL_TEXT "\n");
        exit(0);
    }
    if (!n) usage_error("-cpu %s: missing model name (-cpu help)", spec);
    if (n == 6 && !strncmp(spec, "vdebug", 6) && !spec[n]) return;
    fprintf(stderr, "vdebug: note: -cpu %s: the guest sees vdebug's one CPU model instead: " CPU_MODEL_TEXT "\n", spec);
}

/* -pidfile FILE: the process ID, as QEMU writes it, removed at exit. */
static const char *pidfile;
static void remove_pidfile(void) { unlink(pidfile); }
static void write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
        fprintf(stderr, "vdebug: -pidfile %s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (!pidfile) atexit(remove_pidfile);
    pidfile = path;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) usage_error("unexpected argument '%s'", a);
        const char *name = a[1] == '-' ? a + 2 : a + 1; /* QEMU accepts --opt too */
#define FLAG(s) (!strcmp(name, s))
#define ARG() (i + 1 < argc ? argv[++i] : (usage_error("%s: missing argument", a), (char *)NULL))
        if (FLAG("h") || FLAG("help")) {
            fputs(usage, stdout);
            exit(0);
        } else if (FLAG("version")) {
            printf("vdebug version " VDEBUG_VERSION "\n");
            exit(0);
        } else if (FLAG("kernel")) o->cfg.kernel = ARG();
        else if (FLAG("initrd")) o->cfg.initrd = ARG();
        else if (FLAG("append")) o->cfg.append = ARG();
        else if (FLAG("bios")) o->cfg.bios = ARG();
        else if (FLAG("L")) {
            const char *v = ARG();
            if (o->cfg.ndata_dir == MACHINE_MAX_DATA_DIRS) usage_error("-L %s: at most %d -L directories", v, MACHINE_MAX_DATA_DIRS);
            o->cfg.data_dir[o->cfg.ndata_dir++] = v;
        } else if (FLAG("cpu")) parse_cpu(ARG());
        else if (FLAG("name")) ARG(); /* QEMU's guest name: nothing here shows it */
        else if (FLAG("net") || FLAG("nic")) {
            const char *v = ARG();
            if (strcmp(v, "none")) usage_error("%s %s: vdebug has no network adapter (only %s none)", a, v, a);
        } else if (FLAG("pidfile")) write_pidfile(ARG());
        else if (FLAG("hda") || FLAG("hdb") || FLAG("hdc") || FLAG("hdd") || FLAG("cdrom")) {
            struct drive_config d = {.file = ARG(), .cdrom = FLAG("cdrom")};
            if (!*d.file) usage_error("%s: empty file name", a);
            drive_add(&o->cfg, d.cdrom ? 2 : name[2] - 'a', &d, a);
        } else if (FLAG("drive")) parse_drive(ARG(), &o->cfg);
        else if (FLAG("snapshot")) o->snapshot = true;
        else if (FLAG("m")) {
            const char *v = ARG();
            u64 size;
            if (parse_size(v, &size) < 0) usage_error("-m %s: malformed size (e.g. 128M, 1G)", v);
            if (size > (3ull << 30))
                usage_error("-m %s: at most 3 GiB of RAM fits below the 32-bit PCI/ROM hole", v);
            if (size < (2u << 20)) usage_error("-m %s: at least 2 MiB of RAM is needed", v);
            if (size & 0xfff) usage_error("-m %s: not a multiple of 4 KiB", v);
            o->cfg.ram_size = size;
        } else if (FLAG("serial")) {
            const char *v = ARG();
            char err[256];
            if (o->nserial == 2) usage_error("-serial %s: at most two serial ports (COM1, COM2)", v);
            if (strncmp(v, "chardev:", 8) && hostchar_check(v, "serial", err, sizeof(err)) < 0) usage_error("%s", err);
            o->cfg.serial[o->nserial++] = v;
        } else if (FLAG("debugcon")) {
            const char *v = ARG();
            char err[256];
            if (hostchar_check(v, "debugcon", err, sizeof(err)) < 0) usage_error("%s", err);
            o->cfg.debugcon = v;
        } else if (FLAG("device")) parse_device(ARG(), &o->cfg);
        else if (FLAG("chardev")) parse_chardev(ARG());
        else if (FLAG("boot")) parse_boot(ARG(), &o->cfg);
        else if (FLAG("fw_cfg")) parse_fw_cfg(ARG(), &o->cfg);
        else if (FLAG("nographic")) o->nographic = true;
        else if (FLAG("nodefaults")) o->nodefaults = true;
        else if (FLAG("display")) {
            const char *v = ARG();
            size_t n = strcspn(v, ",");
            if (n == 4 && !strncmp(v, "none", 4) && !v[n]) o->cfg.display_curses = false, o->display_none = true;
            else if (n == 6 && !strncmp(v, "curses", 6)) o->cfg.display_curses = true, o->display_none = false; /* options (charset=) ignored */
            else usage_error("-display %s: vdebug draws the text screen with -display curses, or none", v);
        } else if (FLAG("curses")) o->cfg.display_curses = true, o->display_none = false;
        else if (FLAG("no-reboot")) o->cfg.no_reboot = true;
        else if (FLAG("no-shutdown")) o->cfg.no_shutdown = true;
        else if (FLAG("icount-limit")) {
            const char *v = ARG();
            if (parse_u64(v, &o->cfg.icount_limit) < 0 || !o->cfg.icount_limit)
                usage_error("-icount-limit %s: expected a positive instruction count", v);
        } else if (FLAG("icount")) parse_icount(ARG(), &o->cfg);
        else if (FLAG("rtc")) parse_rtc(ARG(), &o->cfg);
        else if (FLAG("smp")) {
            const char *v = ARG();
            if (strcmp(v, "1") && strcmp(v, "cpus=1")) usage_error("-smp %s: vdebug emulates one CPU (-smp 1)", v);
        } else if (FLAG("M") || FLAG("machine")) {
            const char *v = ARG();
            parse_machine(FLAG("M") ? "-M" : "-machine", v, o);
        } else if (FLAG("accel")) {
            o->accel_flag = true;
            parse_accel(ARG(), o);
        } else if (FLAG("enable-kvm")) {
            o->accel_flag = true;
            accel_add(o, ACCEL_KVM, "-enable-kvm");
        } else if (FLAG("monitor")) {
            const char *v = ARG();
            if (!strcmp(v, "stdio")) o->monitor = true;
            else if (!strcmp(v, "none")) o->monitor = false;
            else usage_error("-monitor %s: vdebug's monitor console is -monitor stdio (or GDB's 'monitor')", v);
        }
        else if (FLAG("d")) {
            const char *v = ARG();
            const char *bad;
            size_t badlen;
            if (!strcmp(v, "help")) {
                vd_log_list(stdout);
                exit(0);
            }
            if (vd_log_parse(v, &vd_log_mask, &bad, &badlen) < 0)
                usage_error("-d %s: unknown log item '%.*s' (-d help lists them)", v, (int)badlen, bad);
        } else if (FLAG("D")) o->log_file = ARG();
        else if (FLAG("loadvm")) o->loadvm = ARG();
        else if (FLAG("s")) o->gdb = "tcp::1234";
        else if (FLAG("S")) o->start_stopped = true;
        else if (FLAG("gdb")) o->gdb = ARG();
        else usage_error("unknown option '%s'", a);
#undef FLAG
#undef ARG
    }
}

/* The machine runs in slices of this many virtual ns between looks at the
 * monitor console; slicing does not change what the guest does. */
#define CONSOLE_SLICE (1ull << 24)

struct console {
    struct monitor mon;
    char line[1024];
    size_t len;
    bool eof;
    char mux_line[256];     /* a line typed after C-a c on a mon:stdio port, run between slices */
    bool mux_pending;
};

static void mux_queue(void *opaque, const char *line)
{
    struct console *c = opaque;
    snprintf(c->mux_line, sizeof(c->mux_line), "%s", line);
    c->mux_pending = true;
}

/* Both the terminal's users: "stdio" and QEMU's multiplexed "mon:stdio". */
static bool spec_is_stdio(const char *spec) { return spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")); }

/* Runs every complete line typed on stdin; returns true after "quit". */
static bool console_poll(struct console *c, int timeout_ms, struct machine *m)
{
    struct pollfd p[5];
    int fds[4], n = 0;
    if (!c->eof) p[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
    if (timeout_ms) { /* idle guest: serial input may wake it too */
        int k = machine_poll_fds(m, fds, 4);
        for (int i = 0; i < k; i++) p[n++] = (struct pollfd){fds[i], POLLIN, 0};
    }
    /* signals are blocked until ppoll waits, so a Ctrl-C cannot slip in before it */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct timespec zero = {0, 0};
    int r0 = got_signal ? 0 : ppoll(p, (nfds_t)n, timeout_ms < 0 ? NULL : &zero, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (r0 <= 0 || c->eof || !(p[0].revents & (POLLIN | POLLHUP)))
        return false;
    ssize_t r = read(STDIN_FILENO, c->line + c->len, sizeof(c->line) - 1 - c->len);
    if (r <= 0) {
        c->eof = true; /* no more commands; the guest runs on */
        return false;
    }
    c->len += (size_t)r;
    char *nl;
    while ((nl = memchr(c->line, '\n', c->len))) {
        *nl = 0;
        if (c->line[0]) monitor_exec(&c->mon, c->line);
        size_t used = (size_t)(nl + 1 - c->line);
        memmove(c->line, nl + 1, c->len - used);
        c->len -= used;
        if (c->mon.quit) return true;
        printf("(vdebug) ");
        fflush(stdout);
    }
    if (c->len == sizeof(c->line) - 1) c->len = 0; /* an overlong line is dropped */
    return false;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    machine_config_init(&o.cfg);
    parse_args(argc, argv, &o);
    resolve_chardevs(&o.cfg);
    resolve_accel(&o);
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) o.cfg.drive[i].snapshot |= o.snapshot;
    /* QEMU tells the firmware "no graphics" for -nographic only: -display none
     * keeps a (headless) display, and SeaBIOS then no serial console */
    o.cfg.display_none = o.display_none && !o.nographic;
    /* no display: the serial console is the terminal, unless the monitor has it */
    /* on a terminal, QEMU's -nographic default: the serial port with C-a escapes */
    if (!o.nserial && !o.nodefaults)
        o.cfg.serial[0] = o.monitor || o.cfg.display_curses ? "null" : isatty(STDIN_FILENO) ? "mon:stdio" : "stdio";
    for (int i = 0; i < 2; i++)
        if (o.cfg.serial[i] && !strcmp(o.cfg.serial[i], "none")) o.cfg.serial[i] = NULL;
    if (o.cfg.debugcon && !strcmp(o.cfg.debugcon, "none")) o.cfg.debugcon = NULL;
    if (o.start_stopped && !o.gdb) {
        /* QEMU would wait for its monitor; vdebug's monitor is GDB's */
        fprintf(stderr, "vdebug: -S without -s/-gdb: the GDB stub listens on tcp::1234\n");
        o.gdb = "tcp::1234";
    }
    o.cfg.gdb = o.gdb != NULL || o.monitor; /* a front end holds a halted guest instead of exiting */
    /* the history for reverse debugging: kept when GDB can ask for it */
    o.cfg.history = o.gdb != NULL && o.cfg.history_interval != UINT64_MAX;
    if (o.monitor && o.gdb)
        usage_error("-monitor stdio cannot be combined with -s/-gdb yet: use GDB's 'monitor' command");
    if (o.cfg.display_curses && o.monitor)
        usage_error("-display curses and -monitor stdio both want the terminal: use GDB's 'monitor' with -display curses");
    for (int i = 0; i < 2; i++)
        if (o.cfg.display_curses && spec_is_stdio(o.cfg.serial[i]))
            usage_error("-display curses and -serial stdio both want the terminal: give -serial a file:, tcp: or none");
    for (int i = 0; i < 2; i++)
        if (o.monitor && spec_is_stdio(o.cfg.serial[i]))
            usage_error("-monitor stdio and -serial stdio both want the terminal: give -serial a file:, tcp: or none");
    if (o.log_file && vd_log_open(o.log_file) < 0) {
        fprintf(stderr, "vdebug: -D %s: cannot open: %s\n", o.log_file, strerror(errno));
        return 1;
    }

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking waits return to notice the signal */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct rr_log *replay_log = NULL;
    char rr_err[600];
    if (o.cfg.rr_mode == 2) {
        long long rtc;
        replay_log = rr_file_read(o.cfg.rr_file, &rtc, rr_err, sizeof(rr_err));
        if (!replay_log) {
            fprintf(stderr, "vdebug: %s\n", rr_err);
            vd_log_close();
            return 1;
        }
        o.cfg.rtc_start = rtc; /* the host clock as it was when recorded */
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct machine *m = machine_create(&o.cfg);
    if (!m) {
        vd_log_close();
        return 1;
    }
    the_machine = m;
    if (o.loadvm) {
        char msg[1024];
        if (machine_loadvm(m, o.loadvm, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "vdebug: -%s\n", msg);
            the_machine = NULL;
            machine_destroy(m);
            vd_log_close();
            return 1;
        }
    }
    if ((replay_log && rr_file_replay(m, replay_log, rr_err, sizeof(rr_err)) < 0) ||
        (o.cfg.rr_mode == 1 && rr_file_record(m, o.cfg.rr_file, o.cfg.rtc_start, rr_err, sizeof(rr_err)) < 0)) {
        fprintf(stderr, "vdebug: %s\n", rr_err);
        the_machine = NULL;
        machine_destroy(m);
        vd_log_close();
        return 1;
    }

    int status;
    if (o.gdb) {
        struct gdbstub *g = gdbstub_open(o.gdb, m);
        if (!g) {
            the_machine = NULL;
            machine_destroy(m);
            vd_log_close();
            return 1;
        }
        status = gdbstub_run(g, o.start_stopped);
        gdbstub_close(g);
    } else {
        struct console con = {0};
        bool mux = false;
        for (int i = 0; i < 2; i++) mux |= o.cfg.serial[i] && !strcmp(o.cfg.serial[i], "mon:stdio");
        if (o.monitor || mux) monitor_init(&con.mon, m, machine_vcpu(m));
        if (mux) hostchar_mux_set_monitor(mux_queue, &con);
        if (o.monitor) {
            printf("vdebug monitor: type 'help' for commands\n(vdebug) ");
            fflush(stdout);
        }
        for (;;) {
            if (got_signal) {
                fprintf(stderr, "vdebug: terminating on signal %d\n", (int)got_signal);
                status = 0;
                break;
            }
            enum machine_stop st = machine_run(m, o.monitor || mux ? CONSOLE_SLICE : UINT64_MAX);
            if (con.mux_pending) {
                con.mux_pending = false;
                if (con.mux_line[0]) monitor_exec(&con.mon, con.mux_line);
                if (con.mon.quit) {
                    status = 0;
                    break;
                }
                printf("(vdebug) ");
                fflush(stdout);
            }
            if (st == MACHINE_EXIT) {
                status = machine_exit_status(m);
                break;
            }
            if (o.monitor) {
                if (console_poll(&con, st == MACHINE_BUDGET && machine_idle(m) ? -1 : 0, m)) {
                    status = 0;
                    break;
                }
                continue;
            }
            if (st == MACHINE_BUDGET && machine_idle(m)) {
                /* stopped under -no-shutdown: wait for Ctrl-C (no lost wake-up) */
                sigprocmask(SIG_BLOCK, &block, &old);
                if (!got_signal) sigsuspend(&old);
                sigprocmask(SIG_SETMASK, &old, NULL);
            }
        }
    }
    if (vd_log_enabled(LOG_STATS)) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double host = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        u64 n = vcpu_icount(machine_vcpu(m));
        vd_logf("stats: %llu guest instructions, virtual time %.3f s, host time %.3f s, %.1f million instructions/s\n",
                (unsigned long long)n, (double)machine_virtual_ns(m) / 1e9, host, host > 0 ? (double)n / host / 1e6 : 0.0);
        vcpu_log_stats(machine_vcpu(m)); /* "stats: engine NAME: ..." lines */
    }
    the_machine = NULL;
    machine_destroy(m);
    vd_log_close();
    hostchar_restore_terminal();
    return status;
}
