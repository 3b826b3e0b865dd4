/* Host character backends: stdio, file, none, TCP server (see chardev.h). */
#define _GNU_SOURCE
#include "machine/chardev.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

enum hc_kind { HC_NONE, HC_STDIO, HC_FILE, HC_TCP };

struct hostchar {
    enum hc_kind kind;
    int out_fd;        /* -1: discard */
    int in_fd;         /* -1: no input */
    int listen_fd;     /* HC_TCP */
    bool wait;         /* HC_TCP without nowait */
    bool own_out;      /* close out_fd on close */
    /* mon:stdio, QEMU's multiplexer: Ctrl-A escapes, a monitor line */
    bool mux, esc, mon_mode;
    char line[256];
    size_t llen;
};

static void (*mux_monitor)(void *opaque, const char *line);
static void *mux_opaque;

void hostchar_mux_set_monitor(void (*fn)(void *opaque, const char *line), void *opaque)
{
    mux_monitor = fn;
    mux_opaque = opaque;
}

static void say(const char *s) { (void)!write(STDOUT_FILENO, s, strlen(s)); }

static const char mux_help[] =
    "\r\nC-a h    print this help\r\n"
    "C-a x    exit vdebug\r\n"
    "C-a c    switch between the console and the monitor\r\n"
    "C-a C-a  send C-a to the guest\r\n";

/* Ctrl-A escapes and monitor lines taken out of the input in place; returns
 * what is left for the guest. */
static size_t mux_filter(struct hostchar *h, u8 *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        u8 b = buf[i];
        if (h->esc) {
            h->esc = false;
            if (b == 'x') {
                say("\r\nvdebug: terminated by C-a x\r\n");
                raise(SIGTERM);
            } else if (b == 'h' || b == '?') say(mux_help);
            else if (b == 'c') {
                if (!mux_monitor) say("\r\nvdebug: no monitor console here (under -s/-gdb, GDB's 'monitor' is it)\r\n");
                else if ((h->mon_mode = !h->mon_mode)) say("\r\n(vdebug) ");
                else say("\r\n");
                h->llen = 0;
            } else if (b == 0x01 && !h->mon_mode) buf[k++] = b;
            continue;
        }
        if (b == 0x01) h->esc = true;
        else if (!h->mon_mode) buf[k++] = b;
        else if (b == '\r' || b == '\n') {
            say("\r\n");
            h->line[h->llen] = 0;
            h->llen = 0;
            mux_monitor(mux_opaque, h->line);
        } else if ((b == 0x7f || b == 0x08) && h->llen) {
            h->llen--;
            say("\b \b");
        } else if (b >= 0x20 && b < 0x7f && h->llen < sizeof(h->line) - 1) {
            h->line[h->llen++] = (char)b;
            (void)!write(STDOUT_FILENO, &b, 1);
        }
    }
    return k;
}

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

void hostchar_restore_terminal(void)
{
    if (tio_saved) tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

/* Characters reach the guest as typed (no line editing, no echo, CR kept as
 * CR like a serial terminal) but Ctrl-C still raises SIGINT, which stops
 * vdebug cleanly. Output processing is left on so "\n" starts a new line. */
static void terminal_raw(void)
{
    if (tio_saved || !isatty(STDIN_FILENO)) return;
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) < 0) return;
    saved_tio = t;
    tio_saved = 1;
    atexit(hostchar_restore_terminal);
    t.c_iflag &= ~(unsigned)(ICRNL | INLCR | IGNCR | IXON | IXOFF | ISTRIP);
    t.c_lflag &= ~(unsigned)(ICANON | ECHO | ECHONL | IEXTEN);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

struct tcp_spec { struct sockaddr_in addr; bool wait; };

/* "HOST:PORT,server[,nowait][,wait]" after "tcp:" */
static int parse_tcp(const char *s, struct tcp_spec *t, char *err, size_t errlen, const char *what)
{
    /* IPv4 hosts have no ':', so the first one ends the host */
    const char *colon = strchr(s, ':');
    const char *comma = strchr(s, ',');
    if (comma && colon > comma) colon = NULL;
    if (!colon) goto bad;
    char host[64];
    size_t hl = (size_t)(colon - s);
    if (hl >= sizeof(host)) goto bad;
    memcpy(host, s, hl);
    host[hl] = 0;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || errno || port <= 0 || port > 65535) goto bad;
    if (*end && *end != ',') goto bad;
    bool server = false;
    t->wait = true;
    while (*end == ',') {
        const char *opt = end + 1;
        const char *next = strchr(opt, ',');
        size_t n = next ? (size_t)(next - opt) : strlen(opt);
        if (n == 6 && !strncmp(opt, "server", 6)) server = true;
        else if (n == 6 && !strncmp(opt, "nowait", 6)) t->wait = false;
        else if (n == 4 && !strncmp(opt, "wait", 4)) t->wait = true;
        else if (n == 9 && !strncmp(opt, "server=on", 9)) server = true;
        else if (n == 8 && !strncmp(opt, "wait=off", 8)) t->wait = false;
        else goto bad;
        end = (char *)opt + n;
    }
    if (!server) {
        snprintf(err, errlen, "-%s tcp:%s: only server mode is supported (add ',server')", what, s);
        return -1;
    }
    memset(&t->addr, 0, sizeof(t->addr));
    t->addr.sin_family = AF_INET;
    t->addr.sin_port = htons((u16)port);
    if (!host[0]) strcpy(host, "127.0.0.1");
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &t->addr.sin_addr) != 1) {
        snprintf(err, errlen, "-%s tcp:%s: host must be a numeric IPv4 address", what, s);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "-%s: malformed tcp spec 'tcp:%s' (expected tcp:127.0.0.1:PORT,server[,nowait])",
             what, s);
    return -1;
}

static int classify(const char *spec, const char *what, char *err, size_t errlen, enum hc_kind *k,
                    struct tcp_spec *t)
{
    if (!strcmp(spec, "mon:stdio")) *k = HC_STDIO;
    else if (!strcmp(spec, "none") || !strcmp(spec, "null")) *k = HC_NONE;
    else if (!strcmp(spec, "stdio")) *k = HC_STDIO;
    else if (!strncmp(spec, "file:", 5) && spec[5]) *k = HC_FILE;
    else if (!strncmp(spec, "tcp:", 4)) {
        *k = HC_TCP;
        return parse_tcp(spec + 4, t, err, errlen, what);
    } else {
        snprintf(err, errlen, "-%s: unknown backend '%s' (expected stdio, mon:stdio, file:PATH, none or "
                 "tcp:127.0.0.1:PORT,server)", what, spec);
        return -1;
    }
    return 0;
}

int hostchar_check(const char *spec, const char *what, char *err, size_t errlen)
{
    enum hc_kind k;
    struct tcp_spec t;
    return classify(spec, what, err, errlen, &k, &t);
}

struct hostchar *hostchar_open(const char *spec, const char *what, bool want_input,
                               char *err, size_t errlen)
{
    enum hc_kind k;
    struct tcp_spec t;
    if (classify(spec, what, err, errlen, &k, &t) < 0) return NULL;
    struct hostchar *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->kind = k;
    h->mux = !strcmp(spec, "mon:stdio");
    h->out_fd = h->in_fd = h->listen_fd = -1;
    switch (k) {
    case HC_NONE:
        break;
    case HC_STDIO:
        h->out_fd = STDOUT_FILENO;
        if (want_input) {
            h->in_fd = STDIN_FILENO;
            terminal_raw();
        }
        break;
    case HC_FILE:
        h->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (h->out_fd < 0) {
            snprintf(err, errlen, "-%s: cannot open '%s': %s", what, spec + 5, strerror(errno));
            free(h);
            return NULL;
        }
        h->own_out = true;
        break;
    case HC_TCP: {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (s >= 0) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (s < 0 || bind(s, (struct sockaddr *)&t.addr, sizeof(t.addr)) < 0 || listen(s, 1) < 0) {
            snprintf(err, errlen, "-%s %s: cannot listen: %s", what, spec, strerror(errno));
            if (s >= 0) close(s);
            free(h);
            return NULL;
        }
        h->listen_fd = s;
        h->wait = t.wait;
        break;
    }
    }
    return h;
}

static void drop_client(struct hostchar *h)
{
    if (h->kind != HC_TCP || h->out_fd < 0) return;
    close(h->out_fd);
    h->out_fd = h->in_fd = -1;
}

static void try_accept(struct hostchar *h, bool block)
{
    if (h->kind != HC_TCP || h->out_fd >= 0) return;
    if (!block) {
        struct pollfd p = {h->listen_fd, POLLIN, 0};
        if (poll(&p, 1, 0) <= 0) return;
    }
    int c = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) return;
    h->out_fd = h->in_fd = c;
}

void hostchar_wait_client(struct hostchar *h)
{
    if (!h || h->kind != HC_TCP || !h->wait) return;
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    getsockname(h->listen_fd, (struct sockaddr *)&a, &al);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
    fprintf(stderr, "vdebug: waiting for a connection on tcp:%s:%u\n", ip, ntohs(a.sin_port));
    /* one attempt: a signal (Ctrl-C) interrupts it and the caller stops */
    try_accept(h, true);
}

static void hc_write(void *opaque, const u8 *buf, size_t n)
{
    struct hostchar *h = opaque;
    try_accept(h, false);
    while (n && h->out_fd >= 0) {
        ssize_t w = h->kind == HC_TCP ? send(h->out_fd, buf, n, MSG_NOSIGNAL) : write(h->out_fd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {h->out_fd, POLLOUT, 0};
            poll(&p, 1, -1);
            continue;
        }
        if (w <= 0) {
            if (h->kind == HC_TCP) drop_client(h);
            return; /* a closed stdout or full disk: output is lost, the guest runs on */
        }
        buf += w;
        n -= (size_t)w;
    }
}

struct chardev hostchar_dev(struct hostchar *h)
{
    if (!h || h->kind == HC_NONE) return (struct chardev){NULL, NULL};
    return (struct chardev){hc_write, h};
}

size_t hostchar_read(struct hostchar *h, u8 *buf, size_t max)
{
    if (!h) return 0;
    try_accept(h, false);
    if (h->in_fd < 0 || !max) return 0;
    struct pollfd p = {h->in_fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return 0;
    ssize_t r = read(h->in_fd, buf, max);
    if (r > 0) return h->mux ? mux_filter(h, buf, (size_t)r) : (size_t)r;
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        if (h->kind == HC_TCP) drop_client(h);
        else h->in_fd = -1; /* stdin at end of file */
    }
    return 0;
}

int hostchar_fds(struct hostchar *h, int *fds, int max)
{
    if (!h || max <= 0) return 0;
    if (h->in_fd >= 0) {
        fds[0] = h->in_fd;
        return 1;
    }
    if (h->kind == HC_TCP) {
        fds[0] = h->listen_fd;
        return 1;
    }
    return 0;
}

bool hostchar_is_terminal(const struct hostchar *h) { return h && h->in_fd >= 0 && isatty(h->in_fd); }

bool hostchar_has_input(const struct hostchar *h)
{
    return h && (h->in_fd >= 0 || h->kind == HC_TCP);
}

void hostchar_close(struct hostchar *h)
{
    if (!h) return;
    if (h->kind == HC_TCP) {
        drop_client(h);
        close(h->listen_fd);
    }
    if (h->own_out) close(h->out_fd);
    free(h);
}
