/*
 * i8042 keyboard controller with a minimal PS/2 keyboard and mouse. Commands
 * complete instantly (IBF never reads 1). The power-on state is what a PC
 * BIOS leaves for the OS (vdebug boots kernels without one): command byte
 * 0x65 (keyboard interrupt, SYS, mouse disabled, set 2 -> 1 translation), SYS
 * flag set, A20 enabled in the output port. The IRQ lines are levels that
 * follow OBF (as the 8042's OBF pins do); the PIC sees an edge per byte.
 * Bytes from a disabled device stay queued until it is enabled; the
 * controller's own replies always go out.
 */
#include "dev/i8042.h"
#include "base/log.h"
#include "dev/devinfo.h"

enum {
    ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10, ST_AUXB = 0x20,
    CB_KBDINT = 0x01, CB_AUXINT = 0x02, CB_SYS = 0x04, CB_KBDDIS = 0x10, CB_AUXDIS = 0x20,
    CB_XLATE = 0x40,
    OP_RESET = 0x01, OP_A20 = 0x02, OP_KBD_OBF = 0x10, OP_AUX_OBF = 0x20,
    ACK = 0xfa,
};

static void update_irq(struct i8042 *k)
{
    bool l1 = k->obf && !k->obf_aux && (k->cmd_byte & CB_KBDINT);
    bool l12 = k->obf && k->obf_aux && (k->cmd_byte & CB_AUXINT);
    if (l1 != k->irq1_level) { k->irq1_level = l1; irq_set(&k->irq1, l1); }
    if (l12 != k->irq12_level) { k->irq12_level = l12; irq_set(&k->irq12, l12); }
}

static bool src_enabled(const struct i8042 *k, u8 src)
{
    if (src == I8042_SRC_KBD) return !(k->cmd_byte & CB_KBDDIS);
    if (src == I8042_SRC_AUX) return !(k->cmd_byte & CB_AUXDIS);
    return true;
}

/* Move the first deliverable queued byte into the empty output buffer. */
static void refill(struct i8042 *k)
{
    if (!k->obf) {
        for (unsigned i = 0; i < k->qcount; i++) {
            unsigned at = (k->qhead + i) % I8042_QUEUE;
            u8 src = k->queue_src[at];
            if (!src_enabled(k, src)) continue;
            k->obf = true;
            k->obf_byte = k->queue[at];
            k->obf_aux = src == I8042_SRC_AUX || src == I8042_SRC_CTRL_AUX;
            /* remove entry i, keeping the order of the others */
            for (unsigned j = i; j + 1 < k->qcount; j++) {
                unsigned a = (k->qhead + j) % I8042_QUEUE, b = (a + 1) % I8042_QUEUE;
                k->queue[a] = k->queue[b];
                k->queue_src[a] = k->queue_src[b];
            }
            k->qcount--;
            break;
        }
    }
    update_irq(k);
}

static void push(struct i8042 *k, u8 src, u8 b)
{
    if (k->qcount == I8042_QUEUE) {
        VD_LOG(LOG_GUEST_ERRORS, "i8042: output queue full, byte 0x%02x dropped\n", b);
        return;
    }
    unsigned at = (k->qhead + k->qcount) % I8042_QUEUE;
    k->queue[at] = b;
    k->queue_src[at] = src;
    k->qcount++;
    refill(k);
}

/* The 8042's set 2 -> set 1 translation table (codes 0x00-0x83; higher codes pass). */
static const u8 xlate_table[0x84] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
    0x80, 0x81, 0x82, 0x41,
};

/* A byte from the keyboard, through the translator when the command byte enables it. */
static void kbd_reply(struct i8042 *k, u8 b)
{
    if (k->cmd_byte & CB_XLATE) {
        if (b == 0xf0) {
            k->xlate_break = true;
            return;
        }
        if (b < sizeof(xlate_table)) b = xlate_table[b];
        else if (b == 0x84) b = 0x54;
        if (k->xlate_break) b |= 0x80;
        k->xlate_break = false;
    }
    push(k, I8042_SRC_KBD, b);
}
static void aux_reply(struct i8042 *k, u8 b) { push(k, I8042_SRC_AUX, b); }
static void ctrl_reply(struct i8042 *k, u8 b) { push(k, I8042_SRC_CTRL, b); }

static void write_outport(struct i8042 *k, u8 v)
{
    u8 old = k->outport;
    k->outport = v & ~(OP_KBD_OBF | OP_AUX_OBF);
    if ((old ^ v) & OP_A20 && k->hooks.set_a20) k->hooks.set_a20(k->hooks.opaque, v & OP_A20);
    if (!(v & OP_RESET)) {
        /* The reset line is active low: the CPU is reset; the port comes back high. */
        k->outport |= OP_RESET;
        if (k->hooks.request_reset) k->hooks.request_reset(k->hooks.opaque);
    }
}

static u8 read_outport(const struct i8042 *k)
{
    return (u8)(k->outport | (k->obf && !k->obf_aux ? OP_KBD_OBF : 0) |
                (k->obf && k->obf_aux ? OP_AUX_OBF : 0));
}

static void kbd_defaults(struct i8042 *k)
{
    k->scan_set = 2;
    k->kbd_scanning = true;
    k->kbd_pending = 0;
    k->leds = 0;
}

static void kbd_command(struct i8042 *k, u8 v)
{
    if (k->kbd_pending) {
        u8 cmd = k->kbd_pending;
        k->kbd_pending = 0;
        if (cmd == 0xf0 && v == 0) {
            kbd_reply(k, ACK);
            kbd_reply(k, k->scan_set);   /* 1/2/3, translated to 0x43/0x41/0x3f */
            return;
        }
        if (cmd == 0xf0) k->scan_set = v <= 3 ? v : k->scan_set;
        if (cmd == 0xed) k->leds = v & 7;
        kbd_reply(k, ACK);
        return;
    }
    switch (v) {
    case 0xff:                         /* reset: ACK, then basic assurance test passed */
        kbd_defaults(k);
        kbd_reply(k, ACK);
        kbd_reply(k, 0xaa);
        break;
    case 0xee:                         /* echo */
        kbd_reply(k, 0xee);
        break;
    case 0xf2:                         /* identify: MF2 keyboard */
        kbd_reply(k, ACK);
        kbd_reply(k, 0xab);
        kbd_reply(k, 0x83);            /* 0x41 through the translator */
        break;
    case 0xed: case 0xf0: case 0xf3:   /* LEDs, scan set, typematic: a parameter follows */
        k->kbd_pending = v;
        kbd_reply(k, ACK);
        break;
    case 0xf4: k->kbd_scanning = true; kbd_reply(k, ACK); break;
    case 0xf5: kbd_defaults(k); k->kbd_scanning = false; kbd_reply(k, ACK); break;
    case 0xf6: kbd_defaults(k); kbd_reply(k, ACK); break;
    default:
        VD_LOG(LOG_UNIMP, "i8042: keyboard command 0x%02x acknowledged only\n", v);
        kbd_reply(k, ACK);
        break;
    }
}

static void aux_command(struct i8042 *k, u8 v)
{
    if (k->aux_pending) {              /* sample rate / resolution parameter */
        k->aux_pending = 0;
        aux_reply(k, ACK);
        return;
    }
    switch (v) {
    case 0xff:                         /* reset: ACK, self-test passed, mouse ID 0 */
        k->aux_streaming = false;
        aux_reply(k, ACK); aux_reply(k, 0xaa); aux_reply(k, 0x00);
        break;
    case 0xf2:                         /* get device ID */
        aux_reply(k, ACK); aux_reply(k, 0x00);
        break;
    case 0xe9:                         /* status request: right-handed... 100 samples/s, res 2 */
        aux_reply(k, ACK); aux_reply(k, k->aux_streaming ? 0x20 : 0x00); aux_reply(k, 0x02);
        aux_reply(k, 100);
        break;
    case 0xeb:                         /* read data: an empty movement packet */
        aux_reply(k, ACK); aux_reply(k, 0x08); aux_reply(k, 0x00); aux_reply(k, 0x00);
        break;
    case 0xf3: case 0xe8:
        k->aux_pending = v;
        aux_reply(k, ACK);
        break;
    case 0xf4: k->aux_streaming = true; aux_reply(k, ACK); break;
    case 0xf5: case 0xf6: k->aux_streaming = false; aux_reply(k, ACK); break;
    case 0xec: case 0xee:              /* wrap mode: not emulated */
        aux_reply(k, ACK);
        break;
    default:
        aux_reply(k, ACK);
        break;
    }
}

static void controller_command(struct i8042 *k, u8 v)
{
    if (v >= 0x20 && v <= 0x3f) {      /* read RAM byte (0x20: command byte) */
        ctrl_reply(k, v == 0x20 ? k->cmd_byte : k->ram[v & 0x1f]);
        return;
    }
    if (v >= 0x60 && v <= 0x7f) {      /* write RAM byte: data follows */
        k->pending_cmd = v;
        return;
    }
    if (v >= 0xf0) {                   /* pulse output port bits whose mask bit is 0 */
        if (!(v & 1)) write_outport(k, k->outport & ~OP_RESET);
        return;
    }
    switch (v) {
    case 0xa1: ctrl_reply(k, 0x00); break;   /* controller version */
    case 0xa7: k->cmd_byte |= CB_AUXDIS; break;
    case 0xa8: k->cmd_byte &= ~CB_AUXDIS; break;
    case 0xa9: ctrl_reply(k, 0x00); break;   /* aux interface test: OK */
    case 0xaa:                               /* controller self test */
        k->status |= ST_SYS;
        ctrl_reply(k, 0x55);
        break;
    case 0xab: ctrl_reply(k, 0x00); break;   /* keyboard interface test: OK */
    case 0xad: k->cmd_byte |= CB_KBDDIS; break;
    case 0xae: k->cmd_byte &= ~CB_KBDDIS; break;
    case 0xc0: ctrl_reply(k, 0x80); break;   /* input port: keyboard not inhibited */
    case 0xd0: ctrl_reply(k, read_outport(k)); break;
    case 0xd1: case 0xd2: case 0xd3: case 0xd4:
        k->pending_cmd = v;
        break;
    case 0xdd: write_outport(k, k->outport & ~OP_A20); break;
    case 0xdf: write_outport(k, k->outport | OP_A20); break;
    case 0xe0: ctrl_reply(k, 0x00); break;   /* test inputs */
    default:
        VD_LOG(LOG_UNIMP, "i8042: controller command 0x%02x ignored\n", v);
        break;
    }
    refill(k);                               /* enabling an interface may release bytes */
}

static void data_write(struct i8042 *k, u8 v)
{
    u8 cmd = k->pending_cmd;
    k->pending_cmd = 0;
    switch (cmd) {
    case 0:
        kbd_command(k, v);
        break;
    case 0x60:
        k->cmd_byte = v;
        if (v & CB_SYS) k->status |= ST_SYS; else k->status &= ~ST_SYS;
        refill(k);
        break;
    case 0xd1: write_outport(k, v); break;
    case 0xd2: ctrl_reply(k, v); break;   /* as if from the keyboard, even when it is disabled */
    case 0xd3: push(k, I8042_SRC_CTRL_AUX, v); break;   /* Linux's AUX loopback probe */
    case 0xd4: aux_command(k, v); break;
    default:
        if (cmd > 0x60 && cmd <= 0x7f) k->ram[cmd & 0x1f] = v;
        break;
    }
}

/* 0x60 and 0x64 are separate one-byte regions: off is always 0. */
static u32 status_read(void *opaque, u64 off, unsigned size)
{
    struct i8042 *k = opaque;
    return (u8)((k->status & (ST_SYS | ST_CMD)) | ST_UNLOCKED | (k->obf ? ST_OBF : 0) |
                    (k->obf && k->obf_aux ? ST_AUXB : 0));
}

static u32 data_read(void *opaque, u64 off, unsigned size)
{
    struct i8042 *k = opaque;
    u8 v = k->obf_byte;                 /* reading an empty buffer returns the last byte again */
    k->obf = false;
    update_irq(k);                      /* the line drops, so a next byte is a new edge */
    refill(k);
    return v;
}

static void command_port_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct i8042 *k = opaque;
    k->status |= ST_CMD;
    controller_command(k, (u8)val);
}

static void data_port_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct i8042 *k = opaque;
    k->status &= ~ST_CMD;
    data_write(k, (u8)val);
}

void i8042_key(struct i8042 *k, const u8 *bytes, size_t n)
{
    if (!k->kbd_scanning) return;
    for (size_t i = 0; i < n; i++) kbd_reply(k, bytes[i]);
}

void i8042_reset(struct i8042 *k)
{
    k->status = ST_SYS;
    k->cmd_byte = CB_KBDINT | CB_SYS | CB_AUXDIS | CB_XLATE;
    memset(k->ram, 0, sizeof(k->ram));
    k->outport = 0xc0 | OP_A20 | OP_RESET;   /* keyboard clock/data high, A20 on, not in reset */
    k->pending_cmd = k->aux_pending = 0;
    kbd_defaults(k);
    k->aux_streaming = false;
    k->xlate_break = false;
    k->qhead = k->qcount = 0;
    k->obf = false;
    k->obf_byte = 0;
    k->obf_aux = false;
    update_irq(k);
}

void i8042_init(struct i8042 *k, struct iomap *ports, struct irq_line irq1,
                struct irq_line irq12, const struct board_hooks *hooks)
{
    memset(k, 0, sizeof(*k));
    k->irq1 = irq1;
    k->irq12 = irq12;
    if (hooks) k->hooks = *hooks;
    i8042_reset(k);
    if (ports) {
        iomap_add(ports, 0x60, 1, "i8042-data", 1, data_read, data_port_write, k);
        iomap_add(ports, 0x64, 1, "i8042-cmd", 1, status_read, command_port_write, k);
    }
}

int i8042_info(const struct i8042 *k, char *buf, size_t size)
{
    struct infobuf b = infobuf_make(buf, size);
    infof(&b, "command byte 0x%02x: kbd %s%s, aux %s%s%s%s\n", k->cmd_byte,
          (k->cmd_byte & CB_KBDDIS) ? "disabled" : "enabled", (k->cmd_byte & CB_KBDINT) ? " irq1" : "",
          (k->cmd_byte & CB_AUXDIS) ? "disabled" : "enabled", (k->cmd_byte & CB_AUXINT) ? " irq12" : "",
          (k->cmd_byte & CB_XLATE) ? ", translate" : "", (k->cmd_byte & CB_SYS) ? ", sys" : "");
    infof(&b, "output port  0x%02x: A20 %s\n", read_outport(k), (k->outport & OP_A20) ? "on" : "off");
    infof(&b, "output buf   %s", k->obf ? "" : "empty\n");
    if (k->obf) infof(&b, "0x%02x from %s\n", k->obf_byte, k->obf_aux ? "aux" : "keyboard");
    infof(&b, "queued       %u byte%s\n", k->qcount, k->qcount == 1 ? "" : "s");
    infof(&b, "keyboard     set %u, scanning %s, leds %x\n", k->scan_set, k->kbd_scanning ? "on" : "off",
          k->leds);
    infof(&b, "irq1 %d  irq12 %d\n", k->irq1_level, k->irq12_level);
    return (int)b.len;
}

const struct snap_field i8042_snap_fields[] = {
    SNAP_FIELD(struct i8042, status),
    SNAP_FIELD(struct i8042, cmd_byte),
    SNAP_FIELD(struct i8042, ram),
    SNAP_FIELD(struct i8042, outport),
    SNAP_FIELD(struct i8042, pending_cmd),
    SNAP_FIELD(struct i8042, kbd_pending),
    SNAP_FIELD(struct i8042, aux_pending),
    SNAP_FIELD(struct i8042, scan_set),
    SNAP_FIELD(struct i8042, kbd_scanning),
    SNAP_FIELD(struct i8042, aux_streaming),
    SNAP_FIELD(struct i8042, leds),
    SNAP_FIELD(struct i8042, xlate_break),
    SNAP_FIELD(struct i8042, queue),
    SNAP_FIELD(struct i8042, queue_src),
    SNAP_FIELD(struct i8042, qhead),
    SNAP_FIELD(struct i8042, qcount),
    SNAP_FIELD(struct i8042, obf),
    SNAP_FIELD(struct i8042, obf_byte),
    SNAP_FIELD(struct i8042, obf_aux),
    SNAP_FIELD(struct i8042, irq1_level),
    SNAP_FIELD(struct i8042, irq12_level),
};
const size_t i8042_snap_nfields = sizeof(i8042_snap_fields) / sizeof(i8042_snap_fields[0]);
