/* The curses-style text display (display.h). */
#include "machine/display.h"
#include "machine/chardev.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define REFRESH_NS 40000000ll
#define KEYQ 256

struct display {
    const struct vga *vga;
    struct hostchar *in;              /* the terminal: raw input, restored on close */
    struct vga_screen shown, now;
    bool drawn;
    long long last_ns;
    u8 keys[KEYQ];                    /* scan codes waiting for room in the keyboard's queue */
    int nkeys;
    u8 esc[4];                        /* an escape sequence being typed */
    int nesc;
    char out[65536];
    size_t olen;
};

static void flush_out(struct display *d)
{
    size_t done = 0;
    while (done < d->olen) {
        ssize_t w = write(STDOUT_FILENO, d->out + done, d->olen - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    d->olen = 0;
}

static void emit(struct display *d, const char *s, size_t n)
{
    if (d->olen + n > sizeof(d->out)) flush_out(d);
    if (n > sizeof(d->out)) return;
    memcpy(d->out + d->olen, s, n);
    d->olen += n;
}

static void emits(struct display *d, const char *s) { emit(d, s, strlen(s)); }

struct display *display_open(const struct vga *vga, char *err, size_t errlen)
{
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
        snprintf(err, errlen, "-display curses needs a terminal on standard input and output");
        return NULL;
    }
    struct display *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->vga = vga;
    if (!(d->in = hostchar_open("stdio", "display", true, err, errlen))) {
        free(d);
        return NULL;
    }
    emits(d, "\033[?1049h\033[?25l\033[0m\033[2J");
    flush_out(d);
    return d;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000ll + t.tv_nsec;
}

void display_refresh(struct display *d, bool force)
{
    if (!d) return;
    long long t = now_ns();
    if (!force && d->drawn && t - d->last_ns < REFRESH_NS) return;
    d->last_ns = t;
    vga_text(d->vga, &d->now);
    static const u8 ansi[8] = {0, 4, 2, 6, 1, 5, 3, 7}; /* VGA colour -> ANSI colour */
    int attr = -1;
    bool full = !d->drawn || d->now.cols != d->shown.cols || d->now.rows != d->shown.rows;
    if (full) emits(d, "\033[0m\033[2J");
    for (int y = 0; y < d->now.rows; y++) {
        int next_x = -1;
        for (int x = 0; x < d->now.cols; x++) {
            u16 c = d->now.cell[y][x];
            if (!full && c == d->shown.cell[y][x]) continue;
            char buf[48];
            if (next_x != x) {
                snprintf(buf, sizeof(buf), "\033[%d;%dH", y + 1, x + 1);
                emits(d, buf);
            }
            int a = c >> 8;
            if (a != attr) {
                int fg = a & 15, bg = (a >> 4) & 7;
                snprintf(buf, sizeof(buf), "\033[0;%d;%dm", fg >= 8 ? 90 + ansi[fg & 7] : 30 + ansi[fg], 40 + ansi[bg]);
                emits(d, buf);
                attr = a;
            }
            char u[4];
            int n = vga_cp437_utf8((u8)c, u);
            emit(d, u, (size_t)n);
            next_x = x + 1;
        }
    }
    if (full || d->now.cursor_x != d->shown.cursor_x || d->now.cursor_y != d->shown.cursor_y || attr >= 0) {
        char buf[48];
        if (d->now.cursor_x >= 0)
            snprintf(buf, sizeof(buf), "\033[0m\033[%d;%dH\033[?25h", d->now.cursor_y + 1, d->now.cursor_x + 1);
        else snprintf(buf, sizeof(buf), "\033[0m\033[?25l");
        emits(d, buf);
    }
    flush_out(d);
    memcpy(&d->shown, &d->now, sizeof(d->shown));
    d->drawn = true;
}

/* ---- keys: terminal bytes to scan-code set 2 ---- */

enum { SC_LSHIFT = 0x12, SC_LCTRL = 0x14 };

static u8 letter_code(char c)
{
    static const u8 az[26] = {0x1c, 0x32, 0x21, 0x23, 0x24, 0x2b, 0x34, 0x33, 0x43, 0x3b, 0x42, 0x4b, 0x3a,
                              0x31, 0x44, 0x4d, 0x15, 0x2d, 0x1b, 0x2c, 0x3c, 0x2a, 0x1d, 0x22, 0x35, 0x1a};
    return az[c - 'a'];
}

/* key code and whether Shift is held for a printable character; 0 if unknown */
static u8 char_code(u8 c, bool *shift)
{
    static const char plain[] = "1234567890-=[]\\;',./` ", shifted[] = "!@#$%^&*()_+{}|:\"<>?~ ";
    static const u8 codes[] = {0x16, 0x1e, 0x26, 0x25, 0x2e, 0x36, 0x3d, 0x3e, 0x46, 0x45, 0x4e, 0x55,
                               0x54, 0x5b, 0x5d, 0x4c, 0x52, 0x41, 0x49, 0x4a, 0x0e, 0x29};
    *shift = false;
    if (c >= 'a' && c <= 'z') return letter_code((char)c);
    if (c >= 'A' && c <= 'Z') {
        *shift = true;
        return letter_code((char)(c - 'A' + 'a'));
    }
    for (size_t i = 0; i < sizeof(codes); i++) {
        if (c == (u8)plain[i]) return codes[i];
        if (c == (u8)shifted[i] && c != ' ') {
            *shift = true;
            return codes[i];
        }
    }
    return 0;
}

static void queue(struct display *d, const u8 *b, int n)
{
    if (d->nkeys + n > KEYQ) return; /* typed faster than the guest reads: dropped */
    memcpy(d->keys + d->nkeys, b, (size_t)n);
    d->nkeys += n;
}

/* press and release: code (with the E0 prefix when ext), under a modifier */
static void stroke(struct display *d, u8 code, bool ext, u8 mod)
{
    u8 b[12];
    int n = 0;
    if (mod) b[n++] = mod;
    if (ext) b[n++] = 0xe0;
    b[n++] = code;
    if (ext) b[n++] = 0xe0;
    b[n++] = 0xf0;
    b[n++] = code;
    if (mod) b[n++] = 0xf0, b[n++] = mod;
    queue(d, b, n);
}

static void key_byte(struct display *d, u8 c)
{
    if (d->nesc) { /* ESC [ A-D: the arrow keys */
        d->esc[d->nesc++] = c;
        if (d->nesc == 2 && c == '[') return;
        if (d->nesc == 3 && c >= 'A' && c <= 'D') {
            static const u8 arrow[4] = {0x75, 0x72, 0x74, 0x6b};
            stroke(d, arrow[c - 'A'], true, 0);
            d->nesc = 0;
            return;
        }
        int n = d->nesc;
        d->nesc = 0;
        stroke(d, 0x76, false, 0);   /* a lone Esc, then the bytes after it */
        for (int i = 1; i < n; i++) key_byte(d, d->esc[i]);
        return;
    }
    bool shift;
    u8 code;
    if (c == 0x1b) {
        d->esc[0] = c;
        d->nesc = 1;
    } else if (c == '\r' || c == '\n') stroke(d, 0x5a, false, 0);
    else if (c == 0x7f || c == 0x08) stroke(d, 0x66, false, 0);
    else if (c == '\t') stroke(d, 0x0d, false, 0);
    else if (c >= 1 && c <= 26) stroke(d, letter_code((char)('a' + c - 1)), false, SC_LCTRL);
    else if ((code = char_code(c, &shift))) stroke(d, code, false, shift ? SC_LSHIFT : 0);
}

size_t display_keys(struct display *d, u8 *out, size_t room)
{
    if (!d) return 0;
    u8 buf[64];
    size_t n = d->nkeys < KEYQ / 2 ? hostchar_read(d->in, buf, sizeof(buf)) : 0;
    for (size_t i = 0; i < n; i++) key_byte(d, buf[i]);
    if (n && d->nesc == 1) { /* Esc alone at the end of what was read */
        d->nesc = 0;
        stroke(d, 0x76, false, 0);
    }
    /* hand over whole strokes (never a prefix without its code) as far as there is room */
    size_t give = (size_t)d->nkeys < room ? (size_t)d->nkeys : room;
    while (give > 0 && give < (size_t)d->nkeys && (d->keys[give - 1] == 0xe0 || d->keys[give - 1] == 0xf0)) give--;
    if (give > 0) {
        memcpy(out, d->keys, give);
        memmove(d->keys, d->keys + give, (size_t)d->nkeys - give);
        d->nkeys -= (int)give;
    }
    return give;
}

bool display_has_input(const struct display *d) { return d && (d->nkeys || hostchar_has_input(d->in)); }

int display_fds(struct display *d, int *fds, int max) { return d ? hostchar_fds(d->in, fds, max) : 0; }

void display_close(struct display *d)
{
    if (!d) return;
    display_refresh(d, true);
    emits(d, "\033[0m\033[?25h\033[?1049l");
    flush_out(d);
    hostchar_close(d->in);
    free(d);
}
