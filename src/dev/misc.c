/* POST port, debug console, isa-debug-exit, port 0x92, reset control register (see misc.h). */
#include "dev/misc.h"
#include "base/log.h"

static void add(struct iomap *ports, u64 base, u64 len, const char *name, unsigned width,
                io_read_fn rd, io_write_fn wr, void *opaque)
{
    if (ports && iomap_add(ports, base, len, name, width, rd, wr, opaque) < 0)
        fprintf(stderr, "vdebug: %s at port 0x%llx overlaps another device; not mapped\n", name,
                (unsigned long long)base);
}

/* ---- POST code ---- */

static u32 post_read(void *opaque, u64 off, unsigned size) { return ((struct post_port *)opaque)->last; }
static void post_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct post_port *p = opaque;
    p->last = (u8)val;
    VD_LOG(LOG_IOPORT, "POST code 0x%02x\n", p->last);
}

void post_init(struct post_port *p, struct iomap *ports)
{
    p->last = 0;
    add(ports, 0x80, 1, "post", 1, post_read, post_write, p);
}

/* ---- debug console ---- */

static u32 debugcon_read(void *opaque, u64 off, unsigned size) { return 0xe9; }
static void debugcon_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct debugcon *d = opaque;
    u8 b = (u8)val;
    chardev_write(&d->out, &b, 1);
}

void debugcon_init(struct debugcon *d, struct iomap *ports, u16 port, struct chardev out)
{
    d->port = port;
    d->out = out;
    add(ports, port, 1, "debugcon", 1, debugcon_read, debugcon_write, d);
}

/* ---- isa-debug-exit ---- */

static void exit_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct debug_exit *e = opaque;
    /* QEMU: exit((val << 1) | 1); the status an OS sees is the low 8 bits. */
    int status = (int)((val << 1) | 1);
    if (e->hooks.request_exit) e->hooks.request_exit(e->hooks.opaque, status);
}

void debug_exit_init(struct debug_exit *e, struct iomap *ports, u16 iobase, u16 iosize,
                     const struct board_hooks *hooks)
{
    e->iobase = iobase;
    e->iosize = iosize ? iosize : 1;
    e->hooks = hooks ? *hooks : (struct board_hooks){0};
    add(ports, iobase, e->iosize, "isa-debug-exit", 4, NULL, exit_write, e);
}

/* ---- System Control Port A (0x92) ---- */

static u32 port92_read(void *opaque, u64 off, unsigned size) { return ((struct port92 *)opaque)->val; }
static void port92_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct port92 *p = opaque;
    u8 old = p->val;
    p->val = (u8)val;
    if (((old ^ p->val) & 2) && p->hooks.set_a20) p->hooks.set_a20(p->hooks.opaque, p->val & 2);
    if ((p->val & 1) && !(old & 1) && p->hooks.request_reset) p->hooks.request_reset(p->hooks.opaque);
}

void port92_reset(struct port92 *p) { p->val = 0x02; }

void port92_init(struct port92 *p, struct iomap *ports, const struct board_hooks *hooks)
{
    p->hooks = hooks ? *hooks : (struct board_hooks){0};
    port92_reset(p);
    add(ports, 0x92, 1, "port92", 1, port92_read, port92_write, p);
}

/* ---- Reset Control Register (0xCF9) ---- */

u8 rcr_read(struct rcr *r) { return r->val; }

void rcr_write(struct rcr *r, u8 val)
{
    /* Bit 2 starts the reset (bit 1 picks hard/soft, bit 3 full reset: all the same here). */
    r->val = val & 0x0a;
    if ((val & 4) && r->hooks.request_reset) r->hooks.request_reset(r->hooks.opaque);
}

static u32 rcr_io_read(void *opaque, u64 off, unsigned size) { return rcr_read(opaque); }
static void rcr_io_write(void *opaque, u64 off, u32 val, unsigned size) { rcr_write(opaque, (u8)val); }

void rcr_reset(struct rcr *r) { r->val = 0; }

void rcr_init(struct rcr *r, struct iomap *ports, const struct board_hooks *hooks)
{
    r->hooks = hooks ? *hooks : (struct board_hooks){0};
    rcr_reset(r);
    add(ports, 0xcf9, 1, "reset-control", 1, rcr_io_read, rcr_io_write, r);
}

const struct snap_field post_snap_fields[] = {SNAP_FIELD(struct post_port, last)};
const size_t post_snap_nfields = 1;
const struct snap_field port92_snap_fields[] = {SNAP_FIELD(struct port92, val)};
const size_t port92_snap_nfields = 1;
const struct snap_field rcr_snap_fields[] = {SNAP_FIELD(struct rcr, val)};
const size_t rcr_snap_nfields = 1;
