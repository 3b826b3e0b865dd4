/*
 * I/O APIC (82093AA), see ioapic.h. Redirection entry bits:
 *   7:0 vector, 10:8 delivery mode, 11 destination mode (1 = logical),
 *   12 delivery status (ro, always idle here: messages are delivered at once),
 *   13 polarity (1 = active low), 14 remote IRR (ro), 15 trigger (1 = level),
 *   16 mask, 63:56 destination.
 */
#include "dev/ioapic.h"
#include "dev/devinfo.h"
#include "base/log.h"

enum {
    RE_LOGICAL = 1u << 11, RE_ACTIVE_LOW = 1u << 13, RE_REMOTE_IRR = 1u << 14, RE_LEVEL = 1u << 15,
    RE_MASKED = 1u << 16,
};
#define RE_WRITABLE 0xff0000000001afffull   /* not delivery status, not remote IRR */

static unsigned re_mode(u64 e) { return (e >> 8) & 7; }
static bool pin_active(const struct ioapic *io, int pin)
{
    return ((io->level >> pin) & 1) != !!(io->redir[pin] & RE_ACTIVE_LOW);
}

static void send(struct ioapic *io, int pin, bool assert)
{
    u64 e = io->redir[pin];
    struct apic_msg m = {
        .dest = (u8)(e >> 56), .logical = e & RE_LOGICAL, .mode = (u8)re_mode(e), .vector = (u8)e,
        .level = e & RE_LEVEL, .assert = assert,
    };
    VD_LOG(LOG_INT, "ioapic: pin %d -> vector 0x%02x mode %u dest 0x%02x%s\n", pin, m.vector, m.mode, m.dest,
           m.logical ? " logical" : "");
    if (io->send) io->send(io->opaque, &m);
}

/* Deliver what the pin's state asks for now. edge: the pin just became active. */
static void service(struct ioapic *io, int pin, bool edge)
{
    u64 e = io->redir[pin];
    if (re_mode(e) == APIC_DM_EXTINT) {             /* virtual wire through the I/O APIC */
        send(io, pin, !(e & RE_MASKED) && pin_active(io, pin));
        return;
    }
    if (e & RE_MASKED || !pin_active(io, pin)) return;
    if (e & RE_LEVEL) {
        if (e & RE_REMOTE_IRR) return;
        /* remote IRR stands for "accepted by a local APIC"; fixed and
         * lowest-priority messages are, NMI/SMI/INIT are not tracked */
        if (re_mode(e) == APIC_DM_FIXED || re_mode(e) == APIC_DM_LOWEST) io->redir[pin] |= RE_REMOTE_IRR;
        send(io, pin, true);
    } else if (edge) {
        send(io, pin, true);
    }
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    struct ioapic *io = opaque;
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    bool was = pin_active(io, pin);
    if (level) io->level |= 1u << pin;
    else io->level &= ~(1u << pin);
    bool now = pin_active(io, pin);
    if (now != was) service(io, pin, now);
}

void ioapic_eoi(struct ioapic *io, u8 vector)
{
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        u64 e = io->redir[pin];
        if ((u8)e != vector || !(e & RE_REMOTE_IRR)) continue;
        io->redir[pin] &= ~(u64)RE_REMOTE_IRR;
        service(io, pin, false);                     /* still active: the next message */
    }
}

u32 ioapic_read(struct ioapic *io, u32 off)
{
    if (off == 0x00) return io->sel;
    if (off != 0x10) return 0;
    unsigned r = io->sel;
    switch (r) {
    case 0x00: return (u32)io->id << 24;
    case 0x01: return IOAPIC_VERSION | (IOAPIC_PINS - 1) << 16;
    case 0x02: return (u32)io->id << 24;             /* arbitration ID: the ID after reset */
    }
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
        u64 e = io->redir[(r - 0x10) / 2];
        return r & 1 ? (u32)(e >> 32) : (u32)e;
    }
    return 0;
}

void ioapic_write(struct ioapic *io, u32 off, u32 val)
{
    if (off == 0x00) {
        io->sel = (u8)val;
        return;
    }
    if (off != 0x10) return;
    unsigned r = io->sel;
    if (r == 0x00) {
        io->id = (u8)(val >> 24 & 0xf);
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_PINS) return;   /* version, arbitration, reserved: read-only */
    int pin = (int)(r - 0x10) / 2;
    u64 e = io->redir[pin];
    u64 v = r & 1 ? ((u64)val << 32 | (u32)e) : ((e & 0xffffffff00000000ull) | val);
    bool was_extint = re_mode(e) == APIC_DM_EXTINT;
    io->redir[pin] = (e & ~RE_WRITABLE) | (v & RE_WRITABLE);
    if (!(io->redir[pin] & RE_LEVEL)) io->redir[pin] &= ~(u64)RE_REMOTE_IRR;
    if (was_extint && re_mode(io->redir[pin]) != APIC_DM_EXTINT) send(io, pin, false);   /* wire released */
    /* an unmasked level pin that is active (or an ExtINT wire) delivers now; edges already past are lost */
    if (re_mode(io->redir[pin]) == APIC_DM_EXTINT || (io->redir[pin] & RE_LEVEL)) service(io, pin, false);
}

static u32 mmio_read(void *opaque, u64 off, unsigned size)
{
    u32 v = ioapic_read(opaque, (u32)off & ~3u);
    return size == 4 ? v : (v >> (8 * (off & 3))) & ((1u << (8 * size)) - 1);
}

static void mmio_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct ioapic *io = opaque;
    if (off == 0 && size >= 1) {                     /* IOREGSEL takes byte writes */
        ioapic_write(io, 0, val & 0xff);
        return;
    }
    if (size != 4 || (off & 3)) {
        VD_LOG(LOG_GUEST_ERRORS, "ioapic: %u-byte write at offset 0x%llx ignored\n", size, (unsigned long long)off);
        return;
    }
    ioapic_write(io, (u32)off, val);
}

void ioapic_init(struct ioapic *io, struct iomap *mmio, void (*sendfn)(void *, const struct apic_msg *), void *opaque)
{
    memset(io, 0, sizeof(*io));
    io->send = sendfn;
    io->opaque = opaque;
    if (mmio) iomap_add(mmio, IOAPIC_DEFAULT_BASE, 0x1000, "ioapic", 4, mmio_read, mmio_write, io);
    ioapic_reset(io);
}

void ioapic_reset(struct ioapic *io)
{
    io->id = IOAPIC_DEFAULT_ID;
    io->sel = 0;
    for (int i = 0; i < IOAPIC_PINS; i++) io->redir[i] = RE_MASKED;
}

int ioapic_info(const struct ioapic *io, char *buf, size_t size)
{
    struct infobuf b = infobuf_make(buf, size);
    infof(&b, "ioapic: id %u, pins active:", io->id);
    for (int p = 0; p < IOAPIC_PINS; p++)
        if (pin_active(io, p)) infof(&b, " %d", p);
    infof(&b, "\n");
    static const char *const dm[8] = {"fixed", "lowest", "smi", "res3", "nmi", "init", "res6", "extint"};
    for (int p = 0; p < IOAPIC_PINS; p++) {
        u64 e = io->redir[p];
        if (e == RE_MASKED) continue;
        infof(&b, "  pin %2d: vector 0x%02x %-6s %s %s %s dest 0x%02x%s%s\n", p, (unsigned)(u8)e, dm[re_mode(e)],
              e & RE_LEVEL ? "level" : "edge ", e & RE_ACTIVE_LOW ? "low " : "high", e & RE_LOGICAL ? "logical " : "physical",
              (unsigned)(e >> 56), e & RE_MASKED ? " masked" : "", e & RE_REMOTE_IRR ? " remote-irr" : "");
    }
    return (int)b.len;
}

const struct snap_field ioapic_snap_fields[] = {
    SNAP_FIELD(struct ioapic, id),
    SNAP_FIELD(struct ioapic, sel),
    SNAP_FIELD(struct ioapic, redir),
    SNAP_FIELD(struct ioapic, level),
};
const size_t ioapic_snap_nfields = sizeof(ioapic_snap_fields) / sizeof(ioapic_snap_fields[0]);
