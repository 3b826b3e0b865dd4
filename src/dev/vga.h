/*
 * The VGA's text mode: the registers a text-mode guest programs and reads
 * back (ports 0x3C0-0x3CF, the CRTC at 0x3D4/0x3D5 or 0x3B4/0x3B5 as the
 * Miscellaneous Output register's bit 0 selects, input status 1 at
 * 0x3DA/0x3BA), with power-on values of mode 3 (80x25 colour text) as a VGA
 * BIOS leaves them. Text memory (0xB8000-0xBFFFF) is plain RAM (mem/physmem.h),
 * so every engine's stores land there at full speed; the display side reads
 * it through vga_text(). No graphics modes are drawn.
 *
 * Input status 1 toggles its retrace bits on each read (deterministic, as
 * QEMU does), so guests waiting for a retrace go on.
 */
#ifndef VD_DEV_VGA_H
#define VD_DEV_VGA_H
#include "base/snapfield.h"
#include "base/types.h"
#include "mem/iomap.h"

#define VGA_TEXT_BASE 0xB8000u
#define VGA_TEXT_SIZE 0x8000u
#define VGA_MAX_COLS 132
#define VGA_MAX_ROWS 60

struct vga {
    u8 misc;                   /* Miscellaneous Output */
    u8 seq_idx, seq[5];
    u8 gc_idx, gc[9];
    u8 crtc_idx, crtc[25];
    u8 attr_idx, attr[21];
    bool attr_data;            /* the attribute port's flip-flop: next write is data */
    u8 st01;                   /* input status 1 */
    u8 fcr;                    /* feature control */
    u8 dac_mask, dac_read, dac_write, dac_sub, dac_state;
    u8 dac[256][3];
    const u8 *text;            /* host view of VGA_TEXT_BASE, VGA_TEXT_SIZE bytes */
};

/* What the screen shows now. */
struct vga_screen {
    int cols, rows;
    u16 cell[VGA_MAX_ROWS][VGA_MAX_COLS];   /* character | attribute << 8 */
    int cursor_x, cursor_y;    /* -1 when the cursor is off or outside the screen */
};

void vga_init(struct vga *v, struct iomap *ports, const u8 *text);
void vga_reset(struct vga *v);
void vga_text(const struct vga *v, struct vga_screen *s);
/* The screen as UTF-8 text (code page 437), one line per row, trailing blanks cut. Returns bytes written. */
size_t vga_screen_utf8(const struct vga_screen *s, char *buf, size_t size);
/* Code page 437 character c as UTF-8 into out (up to 3 bytes + NUL); 0 reads as a blank. */
int vga_cp437_utf8(u8 c, char *out);
int vga_info(const struct vga *v, char *buf, size_t size);

/* The device's registers for snapshots (base/snapfield.h); the text is in RAM. */
extern const struct snap_field vga_snap_fields[];
extern const size_t vga_snap_nfields;

#endif
