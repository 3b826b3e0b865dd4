/*
 * Monitor command parsing and dispatch. The commands and their output
 * formats follow QEMU's human monitor where one exists ("info registers",
 * "xp /8xw 0x1000", "gva2gpa"), so muscle memory carries over; the tables
 * are decoded in inspect.c.
 */
#include "debug/monitor.h"
#include "debug/inspect.h"
#include "accel/vcpu.h"
#include "machine/machine.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void out_stdout(void *o, const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

void monitor_init(struct monitor *mon, struct machine *m, struct vcpu *v)
{
    memset(mon, 0, sizeof(*mon));
    mon->m = m;
    mon->v = v;
    mon->out = out_stdout;
}

void mon_printf(struct monitor *mon, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof(buf)) n = sizeof(buf) - 1;
    (mon->out ? mon->out : out_stdout)(mon->out_opaque, buf, (size_t)n);
}

static void mon_puts(struct monitor *mon, const char *text)
{
    (mon->out ? mon->out : out_stdout)(mon->out_opaque, text, strlen(text));
}

/* Split the line into words (in place); returns the count. */
static int split(char *line, char **w, int max)
{
    int n = 0;
    for (char *p = line; *p;) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (n == max) return max + 1;
        w[n++] = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (*p) *p++ = 0;
    }
    return n;
}

/* Numbers as QEMU's monitor takes them: 0x... hex, otherwise decimal;
 * a leading '$' is tolerated. */
static bool parse_num(const char *s, u64 *v)
{
    if (*s == '$') s++;
    char *end;
    unsigned long long x = strtoull(s, &end, 0);
    if (end == s || *end) return false;
    *v = x;
    return true;
}

/* "/[count][format][size]" as in QEMU's x/xp. */
static bool parse_fmt(const char *s, unsigned *count, char *fmt, unsigned *size)
{
    if (*s++ != '/') return false;
    unsigned n = 0;
    bool have = false;
    while (isdigit((unsigned char)*s)) {
        n = n * 10 + (unsigned)(*s++ - '0');
        have = true;
        if (n > 65536) return false;
    }
    if (have) *count = n;
    for (; *s; s++) {
        switch (*s) {
        case 'x': case 'd': case 'u': case 'o': case 'c': *fmt = *s; break;
        case 'b': *size = 1; break;
        case 'h': *size = 2; break;
        case 'w': *size = 4; break;
        case 'g': *size = 8; break;
        default: return false;
        }
    }
    return true;
}

static void help(struct monitor *mon)
{
    static const char *const lines[] = {
        "info registers      all CPU state: segments with hidden parts, CRs, DRs, tables, CPL, mode",
        "info gdt | ldt      decoded descriptor tables",
        "info idt            decoded interrupt gates (IVT in real mode)",
        "info tss            the current task-state segment",
        "info pg [ADDR]      page-table walk for a linear address, level by level;",
        "                    without ADDR the page directory's present entries",
        "info mem            mapped linear ranges with protections, merged",
        "info tlb            the emulated TLB's contents; stale entries marked",
        "info DEVICE         device state: pic lapic ioapic pit rtc i8042 acpi serial ide vga",
        "screendump FILE     write the VGA text screen to FILE as text (UTF-8)",
        "info engine         the engine running the guest; under -accel kvm the switches per reason",
        "                    and the time in each engine",
        "engine emulate|auto -accel kvm: keep the guest in the emulator / let the policy choose",
        "x /FMT ADDR         dump linear memory (FMT: count, x d u o c, b h w g)",
        "xp /FMT ADDR        dump physical memory",
        "gva2gpa ADDR        translate a linear address",
        "phys on|off         GDB memory accesses are physical / linear",
        "step irq on|off     let single-step take pending interrupts",
        "savevm NAME         save the whole machine to the snapshot NAME (a file)",
        "loadvm NAME         load the snapshot NAME (same vdebug version and configuration)",
        "delvm NAME          delete the snapshot NAME",
        "info snapshots      the snapshot files",
        "rr info             the execution history kept for reverse debugging",
        "rr check            re-execute the history up to here and compare the whole state",
        "system_reset        reset the machine (as the reset button)",
        "system_powerdown    press the ACPI power button (the guest decides what to do)",
        "nmi                 inject an NMI (through the local APIC's LINT1, as QEMU's 'nmi')",
        "quit                end vdebug",
        "help                this list",
    };
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) mon_printf(mon, "%s\n", lines[i]);
}

static int on_off(struct monitor *mon, const char *w, bool *flag, const char *what)
{
    if (!w) {
        mon_printf(mon, "%s is %s\n", what, *flag ? "on" : "off");
        return 0;
    }
    if (!strcmp(w, "on")) *flag = true;
    else if (!strcmp(w, "off")) *flag = false;
    else {
        mon_printf(mon, "usage: %s on|off\n", what);
        return -1;
    }
    mon_printf(mon, "%s %s\n", what, *flag ? "on" : "off");
    return 0;
}

static int info(struct monitor *mon, int n, char **w)
{
    if (n < 2) {
        mon_printf(mon, "usage: info registers|gdt|ldt|idt|tss|pg ADDR|mem|tlb|pic|pit|serial\n");
        return -1;
    }
    const char *what = w[1];
    if (!strcmp(what, "registers") || !strcmp(what, "reg") || !strcmp(what, "r")) inspect_registers(mon);
    else if (!strcmp(what, "gdt")) inspect_gdt(mon);
    else if (!strcmp(what, "ldt")) inspect_ldt(mon);
    else if (!strcmp(what, "idt")) inspect_idt(mon);
    else if (!strcmp(what, "tss")) inspect_tss(mon);
    else if (!strcmp(what, "mem")) inspect_mem(mon);
    else if (!strcmp(what, "tlb")) inspect_tlb(mon);
    else if (!strcmp(what, "engine")) {
        if (mon->v->ops->engine_info) {
            char buf[2048];
            mon->v->ops->engine_info(mon->v, buf, sizeof(buf));
            mon_printf(mon, "%s", buf);
        } else {
            mon_printf(mon, "engine: %s (one engine, no switching)\n", mon->v->ops->name);
        }
    }
    else if (!strcmp(what, "pg")) {
        u64 a;
        if (n == 2) {
            inspect_pg_dir(mon);
            return 0;
        }
        if (!parse_num(w[2], &a) || a > 0xffffffffull) {
            mon_printf(mon, "usage: info pg [ADDR]\n");
            return -1;
        }
        inspect_pg(mon, (u32)a);
    } else if (!strcmp(what, "snapshots")) {
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        char *buf = malloc(65536);
        if (!buf) return -1;
        machine_info_snapshots(mon->m, buf, 65536);
        mon_puts(mon, buf);
        free(buf);
    } else {
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        char buf[8192];
        if (machine_info(mon->m, what, buf, sizeof(buf)) < 0) {
            mon_printf(mon, "unknown info topic '%s' (try 'help')\n", what);
            return -1;
        }
        mon_printf(mon, "%s", buf);
        size_t l = strlen(buf);
        if (l && buf[l - 1] != '\n') mon_printf(mon, "\n");
    }
    return 0;
}

static int dump(struct monitor *mon, int n, char **w, bool phys)
{
    unsigned count = 1, size = 4;
    char fmt = 'x';
    int ai = 1;
    if (n > 1 && w[1][0] == '/') {
        if (!parse_fmt(w[1], &count, &fmt, &size)) {
            mon_printf(mon, "bad format '%s'\n", w[1]);
            return -1;
        }
        ai = 2;
    }
    u64 a;
    if (n != ai + 1 || !parse_num(w[ai], &a)) {
        mon_printf(mon, "usage: %s /FMT ADDR\n", w[0]);
        return -1;
    }
    if (fmt == 'c') size = 1;
    inspect_dump(mon, a, count, fmt, size, phys);
    return 0;
}

int monitor_exec(struct monitor *mon, const char *line)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", line);
    char *w[8];
    int n = split(buf, w, 7);
    if (n == 0) return 0;
    if (n > 7) {
        mon_printf(mon, "too many arguments\n");
        return -1;
    }
    const char *c = w[0];
    if (!strcmp(c, "help") || !strcmp(c, "?")) {
        help(mon);
        return 0;
    }
    if (!strcmp(c, "info")) return info(mon, n, w);
    if (!strcmp(c, "x")) return dump(mon, n, w, false);
    if (!strcmp(c, "xp")) return dump(mon, n, w, true);
    if (!strcmp(c, "gva2gpa")) {
        u64 a;
        if (n != 2 || !parse_num(w[1], &a) || a > 0xffffffffull) {
            mon_printf(mon, "usage: gva2gpa ADDR\n");
            return -1;
        }
        inspect_gva2gpa(mon, (u32)a);
        return 0;
    }
    if (!strcmp(c, "engine")) {
        if (n != 2 || (strcmp(w[1], "emulate") && strcmp(w[1], "auto"))) {
            mon_printf(mon, "usage: engine emulate|auto\n");
            return -1;
        }
        if (!mon->v->ops->engine_force) {
            mon_printf(mon, "engine: one engine (%s) runs this guest; switching is -accel kvm's\n", mon->v->ops->name);
            return -1;
        }
        mon->v->ops->engine_force(mon->v, !strcmp(w[1], "emulate"));
        mon_printf(mon, "engine %s\n", w[1]);
        return 0;
    }
    if (!strcmp(c, "phys")) return on_off(mon, n > 1 ? w[1] : NULL, &mon->phys, "phys");
    if (!strcmp(c, "step") && n >= 2 && !strcmp(w[1], "irq"))
        return on_off(mon, n > 2 ? w[2] : NULL, &mon->step_irq, "step irq");
    if (!strcmp(c, "system_powerdown")) {
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        machine_power_button(mon->m);
        machine_state_changed(mon->m); /* input from outside: the history starts anew */
        mon_printf(mon, "power button pressed\n");
        return 0;
    }
    if (!strcmp(c, "nmi")) {
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        machine_nmi(mon->m);
        machine_state_changed(mon->m); /* input from outside: the history starts anew */
        return 0;
    }
    if (!strcmp(c, "system_reset")) {
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        machine_reset(mon->m);
        machine_state_changed(mon->m);
        mon_printf(mon, "system reset\n");
        return 0;
    }
    if (!strcmp(c, "screendump")) {
        if (n != 2) {
            mon_printf(mon, "usage: screendump FILE\n");
            return -1;
        }
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        char err[512];
        if (machine_screendump(mon->m, w[1], err, sizeof(err)) < 0) {
            mon_printf(mon, "screendump: %s\n", err);
            return -1;
        }
        return 0;
    }
    if (!strcmp(c, "savevm") || !strcmp(c, "loadvm") || !strcmp(c, "delvm")) {
        if (!mon->m) {
            mon_printf(mon, "no machine\n");
            return -1;
        }
        if (n != 2) {
            mon_printf(mon, "usage: %s NAME\n", c);
            return -1;
        }
        char msg[1024];
        int r = c[0] == 's' ? machine_savevm(mon->m, w[1], msg, sizeof(msg))
                : c[0] == 'l' ? machine_loadvm(mon->m, w[1], msg, sizeof(msg))
                              : machine_delvm(mon->m, w[1], msg, sizeof(msg));
        mon_printf(mon, "%s\n", msg);
        return r;
    }
    if (!strcmp(c, "rr")) {
        if (!mon->m || n != 2 || (strcmp(w[1], "info") && strcmp(w[1], "check"))) {
            mon_printf(mon, mon->m ? "usage: rr info|check\n" : "no machine\n");
            return -1;
        }
        char *buf = malloc(65536);
        if (!buf) return -1;
        if (w[1][0] == 'i') machine_rr_info(mon->m, buf, 65536);
        else machine_rr_check(mon->m, buf, 65536);
        mon_puts(mon, buf);
        free(buf);
        return 0;
    }
    if (!strcmp(c, "quit") || !strcmp(c, "q")) {
        mon->quit = true;
        return 0;
    }
    mon_printf(mon, "unknown command '%s' (try 'help')\n", c);
    return -1;
}
