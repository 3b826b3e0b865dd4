/*
 * What the PC board's state is, for snapshots: the registry entries of the
 * virtual clock, the board's own flags, every device, the character
 * backends' output positions and, last, the CPU (through the vcpu seam).
 * A device added to the board registers its field list here. Devices
 * without state of their own are not listed: the debug consoles and
 * isa-debug-exit (their output positions are the taps below), the -display
 * (it only shows text memory and the VGA registers; keys typed there are
 * input, recorded in replay.c).
 *
 * Output positions: each backend's output goes through a tap that counts
 * the bytes the guest wrote (pos) and the most it ever wrote (high). After
 * the history went back in time (reverse execution), output the guest
 * writes again below `high` is the output already shown, and is not shown
 * twice.
 */
#include "machine/pc.h"
#include "base/log.h"
#include <stdio.h>
#include <stdlib.h>

static void tap_write(void *o, const u8 *buf, size_t n)
{
    struct out_tap *t = o;
    if (t->pos < t->high) {
        u64 skip = t->high - t->pos < n ? t->high - t->pos : n;
        t->pos += skip;
        buf += skip;
        n -= (size_t)skip;
    }
    if (!n) return;
    chardev_write(&t->real, buf, n);
    t->pos += n;
    t->high = t->pos;
}

struct chardev machine_tap(struct out_tap *t, struct chardev real)
{
    t->real = real;
    t->pos = t->high = 0;
    return (struct chardev){real.write ? tap_write : NULL, t};
}

/* ---- the board's own entries ---- */

static void clock_save(void *o, struct snap_buf *b) { snap_put_u64(b, ((struct machine *)o)->clock.now); }
static void clock_load(void *o, struct snap_reader *r) { ((struct machine *)o)->clock.now = snap_get_u64(r); }
static size_t size8(void *o) { return 8; }

struct board_snap {
    u8 fpu_ferr, fpu_ignne, a20, paused;
    u8 suspend_req, suspended, wake_button, rtc_irq;   /* ACPI S3 */
    u64 resets, reset_icount;
};
static void board_save(void *o, struct snap_buf *b)
{
    struct machine *m = o;
    struct board_snap s = {m->fpu_ferr, m->fpu_ignne, m->mem.a20_mask == ~0u, m->paused,
                           m->suspend_req, m->suspended, m->wake_button, m->rtc_irq, m->resets, m->reset_icount};
    snap_put(b, &s, sizeof(s));
}
static void board_load(void *o, struct snap_reader *r)
{
    struct machine *m = o;
    struct board_snap s;
    snap_get(r, &s, sizeof(s));
    m->fpu_ferr = s.fpu_ferr;
    m->fpu_ignne = s.fpu_ignne;
    m->paused = s.paused;
    m->suspend_req = s.suspend_req;
    m->suspended = s.suspended;
    m->wake_button = s.wake_button;
    m->rtc_irq = s.rtc_irq;
    m->resets = s.resets;
    m->reset_icount = s.reset_icount;
    physmem_set_a20(&m->mem, s.a20);
}
static size_t board_size(void *o) { return sizeof(struct board_snap); }

static void taps_save(void *o, struct snap_buf *b)
{
    struct machine *m = o;
    for (int i = 0; i < (int)ARRAY_SIZE(m->tap); i++) snap_put_u64(b, m->tap[i].pos);
}
static void taps_load(void *o, struct snap_reader *r)
{
    struct machine *m = o;
    for (int i = 0; i < (int)ARRAY_SIZE(m->tap); i++) {
        m->tap[i].pos = snap_get_u64(r);
        if (!m->snap_keep_output) m->tap[i].high = m->tap[i].pos;
    }
}
static size_t taps_size(void *o) { return sizeof(((struct machine *)o)->tap) / sizeof(struct out_tap) * 8; }

static void cpu_save(void *o, struct snap_buf *b)
{
    struct machine *m = o;
    size_t n = vcpu_snap_size(m->cpu);
    u8 *tmp = malloc(n);
    if (!tmp) {
        b->oom = true;
        return;
    }
    vcpu_snap_save(m->cpu, tmp);
    snap_put(b, tmp, n);
    free(tmp);
}
static void cpu_load(void *o, struct snap_reader *r)
{
    struct machine *m = o;
    if (r->len - r->off < vcpu_snap_size(m->cpu)) return;
    vcpu_snap_load(m->cpu, r->p + r->off, m->snap_flush_code);
    r->off += vcpu_snap_size(m->cpu);
}
static size_t cpu_size(void *o) { return vcpu_snap_size(((struct machine *)o)->cpu); }

bool machine_snap_register(struct machine *m)
{
    struct snap_registry *r = &m->snap;
    bool ok = snap_register(r, "clock", 1, m, clock_save, clock_load, size8) &&
              snap_register(r, "board", 2, m, board_save, board_load, board_size) &&
              snap_register_fields(r, "pic", 1, &m->pic, SNAP_DEV(pic), NULL) &&
              snap_register_fields(r, "ioapic", 1, &m->ioapic, SNAP_DEV(ioapic), NULL) &&
              snap_register_fields(r, "lapic", 1, &m->lapic, SNAP_DEV(lapic), NULL) &&
              snap_register_fields(r, "pit", 1, &m->pit, SNAP_DEV(pit), NULL) &&
              snap_register_fields(r, "cmos", 1, &m->cmos, SNAP_DEV(cmos), NULL) &&
              snap_register_fields(r, "i8042", 1, &m->kbc, SNAP_DEV(i8042), NULL) &&
              snap_register_fields(r, "post", 1, &m->post, SNAP_DEV(post), NULL) &&
              snap_register_fields(r, "port92", 1, &m->port92, SNAP_DEV(port92), NULL) &&
              snap_register_fields(r, "rcr", 1, &m->rcr, SNAP_DEV(rcr), NULL) &&
              snap_register_fields(r, "pci", 1, &m->pci, SNAP_DEV(pci_bus), NULL) &&
              snap_register_fields(r, "i440fx", 2, &m->chipset, SNAP_DEV(i440fx), i440fx_post_load) &&
              snap_register_fields(r, "acpi-pm", 1, &m->acpi_pm, SNAP_DEV(acpi_pm), NULL) &&
              snap_register_fields(r, "vga", 1, &m->vga, SNAP_DEV(vga), NULL) &&
              snap_register_fields(r, "fw_cfg", 1, &m->fw_cfg, SNAP_DEV(fw_cfg), NULL) &&
              snap_register_fields(r, "ide", 1, &m->ide, SNAP_DEV(ide), ide_post_load);
    /* each present drive: its registers and buffer (the medium's sectors
     * are kept apart: history.c, snapfile.c) */
    static const char *const drive_name[MACHINE_MAX_DRIVES] = {"ide0-hd0", "ide0-hd1", "ide1-hd0", "ide1-hd1"};
    for (int i = 0; ok && i < MACHINE_MAX_DRIVES; i++)
        if (m->cfg.drive[i].present)
            ok = snap_register_fields(r, drive_name[i], 1, &m->ide.ch[i >> 1].drive[i & 1], SNAP_DEV(ide_drive), NULL);
    if (ok && m->pc_testdev) ok = snap_register_fields(r, "pc-testdev", 1, m->pc_testdev, SNAP_DEV(pc_testdev), NULL);
    if (ok && m->cfg.pci_testdev)
        ok = snap_register_fields(r, "pci-testdev", 1, &m->pci_testdev, SNAP_DEV(pci_testdev), pci_testdev_post_load);
    for (int i = 0; ok && i < m->nuart; i++)
        if (m->cfg.serial[i]) ok = snap_register_fields(r, i ? "serial1" : "serial0", 1, &m->uart[i], SNAP_DEV(uart), NULL);
    return ok && snap_register(r, "chardev", 1, m, taps_save, taps_load, taps_size) &&
           snap_register(r, "cpu", 1, m, cpu_save, cpu_load, cpu_size);
}

void machine_state_save(struct machine *m, struct snap_buf *b) { snap_save_state(&m->snap, b); }

void machine_state_load(struct machine *m, const u8 *p, size_t len, bool flush_code, bool keep_output)
{
    m->snap_flush_code = flush_code;
    m->snap_keep_output = keep_output;
    snap_load_state(&m->snap, p, len);
    m->reset_req = m->exit_req = false;
    m->idle = false;
}
