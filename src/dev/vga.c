/* VGA text mode registers and the text screen (vga.h). */
#include "dev/vga.h"
#include "dev/devinfo.h"
#include <stdio.h>
#include <stdlib.h>

/* mode 3 as a VGA BIOS programs it */
static const u8 mode3_seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
static const u8 mode3_gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff};
static const u8 mode3_crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
                                  0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
static const u8 mode3_attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                  0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};

void vga_reset(struct vga *v)
{
    const u8 *text = v->text;
    memset(v, 0, sizeof(*v));
    v->text = text;
    v->misc = 0x67;
    memcpy(v->seq, mode3_seq, sizeof(v->seq));
    memcpy(v->gc, mode3_gc, sizeof(v->gc));
    memcpy(v->crtc, mode3_crtc, sizeof(v->crtc));
    memcpy(v->attr, mode3_attr, sizeof(v->attr));
    v->attr_idx = 0x20; /* palette address source: the screen is on */
    v->dac_mask = 0xff;
    for (int k = 0; k < 64; k++) { /* the EGA colours at DAC entries 0-63 (rgbRGB) */
        v->dac[k][0] = (u8)(((k >> 2) & 1) * 0x2a + ((k >> 5) & 1) * 0x15);
        v->dac[k][1] = (u8)(((k >> 1) & 1) * 0x2a + ((k >> 4) & 1) * 0x15);
        v->dac[k][2] = (u8)((k & 1) * 0x2a + ((k >> 3) & 1) * 0x15);
    }
}

/* 0x3Bx answers in mono mode, 0x3Dx in colour mode (Miscellaneous Output bit 0) */
static bool wrong_mode(const struct vga *v, u16 port)
{
    return (port >= 0x3b0 && port < 0x3c0 && (v->misc & 1)) || (port >= 0x3d0 && !(v->misc & 1));
}

static u8 port_read(struct vga *v, u16 port)
{
    if (wrong_mode(v, port)) return 0xff;
    switch (port) {
    case 0x3c0: return v->attr_idx;
    case 0x3c1: return (v->attr_idx & 0x1f) < sizeof(v->attr) ? v->attr[v->attr_idx & 0x1f] : 0;
    case 0x3c2: return 0x10; /* input status 0: switch sense (a colour monitor) */
    case 0x3c4: return v->seq_idx;
    case 0x3c5: return v->seq_idx < sizeof(v->seq) ? v->seq[v->seq_idx] : 0;
    case 0x3c6: return v->dac_mask;
    case 0x3c7: return v->dac_state;
    case 0x3c8: return v->dac_write;
    case 0x3c9: {
        u8 c = v->dac[v->dac_read][v->dac_sub];
        if (++v->dac_sub == 3) v->dac_sub = 0, v->dac_read++;
        return c;
    }
    case 0x3ca: return v->fcr;
    case 0x3cc: return v->misc;
    case 0x3ce: return v->gc_idx;
    case 0x3cf: return v->gc_idx < sizeof(v->gc) ? v->gc[v->gc_idx] : 0;
    case 0x3b4: case 0x3d4: return v->crtc_idx;
    case 0x3b5: case 0x3d5: return v->crtc_idx < sizeof(v->crtc) ? v->crtc[v->crtc_idx] : 0;
    case 0x3ba: case 0x3da:
        v->attr_data = false;
        v->st01 ^= 0x09; /* vertical retrace and display disabled, in turn */
        return v->st01;
    default: return 0xff;
    }
}

static void port_write(struct vga *v, u16 port, u8 val)
{
    if (wrong_mode(v, port)) return;
    switch (port) {
    case 0x3c0:
        if (!v->attr_data) v->attr_idx = val & 0x3f;
        else if ((v->attr_idx & 0x1f) < sizeof(v->attr)) v->attr[v->attr_idx & 0x1f] = val;
        v->attr_data = !v->attr_data;
        return;
    case 0x3c2: v->misc = val; return;
    case 0x3c4: v->seq_idx = val & 7; return;
    case 0x3c5: if (v->seq_idx < sizeof(v->seq)) v->seq[v->seq_idx] = val; return;
    case 0x3c6: v->dac_mask = val; return;
    case 0x3c7: v->dac_read = val, v->dac_sub = 0, v->dac_state = 3; return;
    case 0x3c8: v->dac_write = val, v->dac_sub = 0, v->dac_state = 0; return;
    case 0x3c9:
        v->dac[v->dac_write][v->dac_sub] = val & 0x3f;
        if (++v->dac_sub == 3) v->dac_sub = 0, v->dac_write++;
        return;
    case 0x3ce: v->gc_idx = val & 0x0f; return;
    case 0x3cf: if (v->gc_idx < sizeof(v->gc)) v->gc[v->gc_idx] = val; return;
    case 0x3b4: case 0x3d4: v->crtc_idx = val & 0x3f; return;
    case 0x3b5: case 0x3d5:
        if (v->crtc_idx >= sizeof(v->crtc)) return;
        /* CR11 bit 7 write-protects CR0-7 (except CR7 bit 4, the line compare's bit 8) */
        if ((v->crtc[0x11] & 0x80) && v->crtc_idx <= 7) {
            if (v->crtc_idx == 7) v->crtc[7] = (u8)((v->crtc[7] & ~0x10) | (val & 0x10));
            return;
        }
        v->crtc[v->crtc_idx] = val;
        return;
    case 0x3ba: case 0x3da: v->fcr = val; return;
    }
}

static u32 io_read(void *opaque, u64 off, unsigned size)
{
    struct vga *v = opaque;
    u32 r = 0;
    for (unsigned i = 0; i < size; i++) r |= (u32)port_read(v, (u16)(0x3b0 + off + i)) << (8 * i);
    return r;
}

static void io_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size; i++) port_write(v, (u16)(0x3b0 + off + i), (u8)(val >> (8 * i)));
}

void vga_init(struct vga *v, struct iomap *ports, const u8 *text)
{
    v->text = text;
    vga_reset(v);
    if (iomap_add(ports, 0x3b0, 0x30, "vga", 2, io_read, io_write, v) < 0)
        fprintf(stderr, "vdebug: VGA ports overlap another device; not mapped\n");
}

void vga_text(const struct vga *v, struct vga_screen *s)
{
    int cols = v->crtc[1] + 1;
    int lines = (v->crtc[0x12] | (v->crtc[7] & 0x02) << 7 | (v->crtc[7] & 0x40) << 3) + 1;
    int rows = lines / ((v->crtc[9] & 0x1f) + 1);
    s->cols = cols < 1 ? 1 : cols > VGA_MAX_COLS ? VGA_MAX_COLS : cols;
    s->rows = rows < 1 ? 1 : rows > VGA_MAX_ROWS ? VGA_MAX_ROWS : rows;
    u32 start = (u32)v->crtc[0x0c] << 8 | v->crtc[0x0d];
    u32 pitch = v->crtc[0x13] * 2u;              /* cells per line */
    if (!pitch) pitch = (u32)s->cols;
    for (int y = 0; y < s->rows; y++)
        for (int x = 0; x < s->cols; x++) {
            u32 at = ((start + (u32)y * pitch + (u32)x) * 2) & (VGA_TEXT_SIZE - 1);
            s->cell[y][x] = (u16)(v->text[at] | v->text[at + 1] << 8);
        }
    u32 cur = (u32)v->crtc[0x0e] << 8 | v->crtc[0x0f];
    s->cursor_x = s->cursor_y = -1;
    if (!(v->crtc[0x0a] & 0x20) && cur >= start && (cur - start) / pitch < (u32)s->rows &&
        (cur - start) % pitch < (u32)s->cols) {
        s->cursor_x = (int)((cur - start) % pitch);
        s->cursor_y = (int)((cur - start) / pitch);
    }
}

/* code page 437, 0x00-0x1f and 0x7f-0xff (0x20-0x7e are ASCII) */
static const u16 cp437_low[32] = {
    0x0020, 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25d8, 0x25cb, 0x25d9, 0x2642, 0x2640,
    0x266a, 0x266b, 0x263c, 0x25ba, 0x25c4, 0x2195, 0x203c, 0x00b6, 0x00a7, 0x25ac, 0x21a8, 0x2191, 0x2193,
    0x2192, 0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc};
static const u16 cp437_high[129] = {
    0x2302,
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee,
    0x00ec, 0x00c4, 0x00c5, 0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9, 0x00ff, 0x00d6,
    0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192, 0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa,
    0x00ba, 0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510, 0x2514,
    0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f, 0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
    0x256c, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b, 0x256a, 0x2518, 0x250c,
    0x2588, 0x2584, 0x258c, 0x2590, 0x2580, 0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
    0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229, 0x2261, 0x00b1, 0x2265, 0x2264, 0x2320,
    0x2321, 0x00f7, 0x2248, 0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0};

int vga_cp437_utf8(u8 c, char *out)
{
    u32 u = c < 0x20 ? cp437_low[c] : c < 0x7f ? c : cp437_high[c - 0x7f];
    int n;
    if (u < 0x80) out[0] = (char)u, n = 1;
    else if (u < 0x800) out[0] = (char)(0xc0 | u >> 6), out[1] = (char)(0x80 | (u & 0x3f)), n = 2;
    else out[0] = (char)(0xe0 | u >> 12), out[1] = (char)(0x80 | ((u >> 6) & 0x3f)), out[2] = (char)(0x80 | (u & 0x3f)), n = 3;
    out[n] = 0;
    return n;
}

size_t vga_screen_utf8(const struct vga_screen *s, char *buf, size_t size)
{
    size_t len = 0;
    for (int y = 0; y < s->rows; y++) {
        int end = s->cols;
        while (end > 0 && ((s->cell[y][end - 1] & 0xff) == 0 || (s->cell[y][end - 1] & 0xff) == ' ')) end--;
        for (int x = 0; x < end; x++) {
            char u[4];
            int n = vga_cp437_utf8((u8)s->cell[y][x], u);
            if (len + (size_t)n + 2 > size) return len;
            memcpy(buf + len, u, (size_t)n);
            len += (size_t)n;
        }
        if (len + 2 > size) return len;
        buf[len++] = '\n';
    }
    if (len < size) buf[len] = 0;
    return len;
}

int vga_info(const struct vga *v, char *buf, size_t size)
{
    struct infobuf b = infobuf_make(buf, size);
    struct vga_screen *s = malloc(sizeof(*s));
    if (!s) return 0;
    vga_text(v, s);
    infof(&b, "VGA text %dx%d (%s), start address 0x%04x, cursor ", s->cols, s->rows, v->misc & 1 ? "colour" : "mono",
          v->crtc[0x0c] << 8 | v->crtc[0x0d]);
    if (s->cursor_x < 0) infof(&b, "off\n");
    else infof(&b, "at column %d row %d (scan lines %d-%d)\n", s->cursor_x, s->cursor_y, v->crtc[0x0a] & 0x1f,
               v->crtc[0x0b] & 0x1f);
    free(s);
    return (int)b.len;
}

const struct snap_field vga_snap_fields[] = {
    SNAP_FIELD(struct vga, misc),
    SNAP_FIELD(struct vga, seq_idx),
    SNAP_FIELD(struct vga, seq),
    SNAP_FIELD(struct vga, gc_idx),
    SNAP_FIELD(struct vga, gc),
    SNAP_FIELD(struct vga, crtc_idx),
    SNAP_FIELD(struct vga, crtc),
    SNAP_FIELD(struct vga, attr_idx),
    SNAP_FIELD(struct vga, attr),
    SNAP_FIELD(struct vga, attr_data),
    SNAP_FIELD(struct vga, st01),
    SNAP_FIELD(struct vga, fcr),
    SNAP_FIELD(struct vga, dac_mask),
    SNAP_FIELD(struct vga, dac_read),
    SNAP_FIELD(struct vga, dac_write),
    SNAP_FIELD(struct vga, dac_sub),
    SNAP_FIELD(struct vga, dac_state),
    SNAP_FIELD(struct vga, dac),
};
const size_t vga_snap_nfields = sizeof(vga_snap_fields) / sizeof(vga_snap_fields[0]);
