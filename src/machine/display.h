/*
 * -display curses: the VGA text screen drawn on the terminal with ANSI
 * escape sequences (no library needed), redrawn at most every 40 ms of host
 * time and only where cells changed, and keys typed there sent to the PS/2
 * keyboard as scan-code set 2 (letters, digits, punctuation, Enter, Tab,
 * Backspace, Esc, Ctrl-letter, the arrow keys). The display only reads text
 * memory and the VGA registers, so it changes nothing the guest can see
 * except through the keys typed, which are recorded as input
 * (machine/replay.h) like serial input.
 */
#ifndef VD_MACHINE_DISPLAY_H
#define VD_MACHINE_DISPLAY_H
#include "base/types.h"
#include "dev/vga.h"
#include "dev/i8042.h"

struct display;

/* NULL with one line in err when stdout is not a terminal. */
struct display *display_open(const struct vga *vga, char *err, size_t errlen);
/* Redraw what changed (force: now, else at most every 40 ms). */
void display_refresh(struct display *d, bool force);
/* Keys typed since, as scan-code set 2 bytes for the keyboard: at most
 * room bytes into out, whole strokes only. Returns how many. (The board
 * records them with the instruction count, machine/replay.c, and gives
 * them to the keyboard controller.) */
size_t display_keys(struct display *d, u8 *out, size_t room);
bool display_has_input(const struct display *d);
int display_fds(struct display *d, int *fds, int max);
/* Leaves the terminal as it was. NULL is fine. */
void display_close(struct display *d);

#endif
