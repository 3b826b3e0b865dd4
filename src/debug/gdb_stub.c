/*
 * The GDB stub's transport and run loop: a TCP listener (127.0.0.1 unless an
 * address is given), one client at a time (a new connection replaces the
 * old one), reconnects after a close.
 *
 * While the guest runs, the machine executes in bounded slices and the
 * sockets are polled between slices, so a Ctrl-C (0x03) or a new connection
 * is seen within one slice. Virtual time follows executed instructions, so
 * nothing in the guest advances while it is stopped. A new connection
 * stops the guest (GDB expects a stopped target when it attaches). When a
 * session ends, its breakpoints and watchpoints are removed, and:
 *  - detach ('D', GDB's `detach`): the guest runs on, as QEMU does;
 *  - a connection that closes after talking the protocol (a crashed or
 *    killed GDB): the guest stays stopped until a client continues it;
 *  - a connection that closes without one packet (a port probe): nothing
 *    changes, so a -S hold or a stopped guest stays stopped and a running
 *    guest runs on.
 * A reverse continue, which re-executes the history and may take long,
 * looks at the socket between pieces of re-execution (break_poll): a
 * Ctrl-C stops it where it is, reported as SIGINT.
 */
#define _GNU_SOURCE
#include "debug/gdbstub.h"
#include "debug/gdb_int.h"
#include "machine/machine.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLICE_INSNS 200000   /* instructions between socket polls while running */

struct gdbstub {
    struct machine *m;
    struct vcpu *v;
    int lfd, cfd;
    bool running;
    bool running_before;   /* the run state before the current client attached */
    struct gdb_sess sess;
    u8 in[4096];
    size_t ilen, ioff;
};

static bool break_poll(void *opaque);

static void client_send(void *opaque, const char *data, size_t len)
{
    struct gdbstub *g = opaque;
    while (len && g->cfd >= 0) {
        ssize_t n = send(g->cfd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* the reader will see the close */
        data += n;
        len -= (size_t)n;
    }
}

/* Split "tcp::1234", "tcp:HOST:1234", ":1234", "1234" (QEMU chardev
 * options after a comma are ignored). */
static bool parse_spec(const char *spec, char *host, size_t hsz, char *port, size_t psz)
{
    const char *s = spec;
    if (!strncmp(s, "tcp:", 4)) s += 4;
    const char *end = strchr(s, ',');
    if (!end) end = s + strlen(s);
    const char *colon = NULL;
    for (const char *p = s; p < end; p++)
        if (*p == ':') colon = p;
    const char *h = s, *pt = s;
    size_t hl = 0;
    if (colon) {
        hl = (size_t)(colon - s);
        pt = colon + 1;
    }
    if (hl && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    size_t pl = (size_t)(end - pt);
    if (!pl || pl >= psz || hl >= hsz) return false;
    for (size_t i = 0; i < pl; i++)
        if (pt[i] < '0' || pt[i] > '9') return false;
    memcpy(host, hl ? h : "127.0.0.1", hl ? hl : 10);
    host[hl ? hl : 9] = 0;
    memcpy(port, pt, pl);
    port[pl] = 0;
    return true;
}

struct gdbstub *gdbstub_open(const char *spec, struct machine *m)
{
    char host[256], port[16];
    if (!parse_spec(spec, host, sizeof(host), port, sizeof(port))) {
        fprintf(stderr, "vdebug: -gdb: cannot parse '%s' (expected tcp::PORT or tcp:HOST:PORT)\n", spec);
        return NULL;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res;
    int e = getaddrinfo(host, port, &hints, &res);
    if (e) {
        fprintf(stderr, "vdebug: -gdb %s: %s\n", spec, gai_strerror(e));
        return NULL;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1)) break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "vdebug: -gdb %s: cannot listen: %s\n", spec, strerror(err));
        return NULL;
    }
    struct gdbstub *g = calloc(1, sizeof(*g));
    if (!g) {
        close(fd);
        fprintf(stderr, "vdebug: out of memory\n");
        return NULL;
    }
    g->m = m;
    g->v = machine_vcpu(m);
    g->lfd = fd;
    g->cfd = -1;
    machine_set_break_poll(m, break_poll, g);
    /* Name the real port (useful with port 0): tests and tools wait for this line. */
    struct sockaddr_storage sa;
    socklen_t sl = sizeof(sa);
    int actual = atoi(port);
    if (!getsockname(fd, (struct sockaddr *)&sa, &sl))
        actual = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                : ((struct sockaddr_in *)&sa)->sin_port);
    fprintf(stderr, "vdebug: gdb server listening on tcp:%s:%d\n", host, actual);
    return g;
}

void gdbstub_close(struct gdbstub *g)
{
    if (!g) return;
    machine_set_break_poll(g->m, NULL, NULL);
    if (g->cfd >= 0) close(g->cfd);
    if (g->lfd >= 0) close(g->lfd);
    gdb_sess_free(&g->sess);
    free(g);
}

/* End the session; detach: the client asked the guest to run on. */
static void drop_client(struct gdbstub *g, bool detach)
{
    gdb_remove_all_points(&g->sess);
    close(g->cfd);
    g->cfd = -1;
    g->ilen = g->ioff = 0;
    if (detach) g->running = true;
    else if (!g->sess.packets) g->running = g->running_before; /* a probe changes nothing */
    /* else: a debugger went away without detaching: the guest stays stopped */
}

static void accept_client(struct gdbstub *g)
{
    int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    /* One debugger at a time: a new connection replaces the old one (its
     * close may not have been read yet, or that GDB is gone for good). */
    if (g->cfd >= 0) drop_client(g, false);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    g->cfd = fd;
    gdb_sess_free(&g->sess);
    gdb_sess_init(&g->sess, g->m, g->v);
    g->sess.send = client_send;
    g->sess.send_opaque = g;
    g->ilen = g->ioff = 0;
    g->running_before = g->running;
    g->running = false; /* GDB attaches to a stopped target */
}

/* Read what the client has sent (non-blocking); false when it closed. */
static bool read_client(struct gdbstub *g)
{
    ssize_t n = recv(g->cfd, g->in, sizeof(g->in), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) return false;
    g->ilen = (size_t)n;
    g->ioff = 0;
    return true;
}

static int exit_status(struct gdbstub *g)
{
    int st = machine_exit_status(g->m);
    if (g->cfd >= 0) {
        char pkt[8];
        snprintf(pkt, sizeof(pkt), "W%02x", st & 0xff);
        gdb_send_str(&g->sess, pkt);
    }
    return st;
}

/* One instruction for GDB's step; returns an exit status or -1. */
static int do_step(struct gdbstub *g)
{
    enum machine_stop r = machine_step(g->m, g->sess.mon.step_irq);
    if (r == MACHINE_EXIT) return exit_status(g);
    g->v->stop.why = g->v->stop.why == VCPU_EXIT_WATCHPOINT ? VCPU_EXIT_WATCHPOINT : VCPU_EXIT_STEP;
    gdb_report_stop(&g->sess, 5);
    return -1;
}

static void set_pc(struct gdbstub *g, u32 addr)
{
    struct cpu_state st;
    vcpu_get_state(g->v, &st);
    u8 b[4];
    st32(b, addr);
    gdb_reg_set(g->v, &st, GDB_REG_PC, b);
    vcpu_set_state(g->v, &st);
    machine_state_changed(g->m);
}

/* Asked by a long reverse continue: has the client sent a Ctrl-C (0x03)?
 * What it sent stays buffered for pump(); while it waits for the reply to
 * bc, GDB sends nothing else (but acks). */
static bool break_poll(void *opaque)
{
    struct gdbstub *g = opaque;
    if (g->cfd < 0) return false;
    if (g->ioff == g->ilen) g->ioff = g->ilen = 0;
    if (g->ilen < sizeof(g->in)) {
        ssize_t n = recv(g->cfd, g->in + g->ilen, sizeof(g->in) - g->ilen, MSG_DONTWAIT);
        if (n > 0) g->ilen += (size_t)n;
    }
    return memchr(g->in + g->ioff, 0x03, g->ilen - g->ioff) != NULL;
}

/* bs / bc: go back on the machine's history, and say where it stopped. */
static int do_reverse(struct gdbstub *g, bool cont)
{
    enum machine_rstop r = cont ? machine_reverse_continue(g->m) : machine_reverse_step(g->m);
    switch (r) {
    case MACHINE_RSTOP_DONE:
        gdb_report_stop(&g->sess, 5);
        break;
    case MACHINE_RSTOP_DEBUG:
        gdb_report_stop(&g->sess, 5);
        break;
    case MACHINE_RSTOP_INTERRUPTED:
        gdb_report_stop(&g->sess, 2); /* Ctrl-C: SIGINT, as a forward interrupt */
        break;
    case MACHINE_RSTOP_BEGIN:
        /* GDB: "No more reverse-execution history." */
        snprintf(g->sess.last_stop, sizeof(g->sess.last_stop), "T05replaylog:begin;thread:01;");
        gdb_send_str(&g->sess, g->sess.last_stop);
        break;
    case MACHINE_RSTOP_NONE:
        gdb_send_str(&g->sess, "E16"); /* no history kept (-icount rrsnapshot-interval=0) */
        break;
    case MACHINE_RSTOP_EXIT:
        return exit_status(g);
    }
    return -1;
}

/* Feed buffered input to the session and act on resume requests.
 * Returns an exit status to end the run, or -1. */
static int pump(struct gdbstub *g)
{
    while (g->cfd >= 0 && g->ioff < g->ilen) {
        bool intr = false;
        g->ioff += gdb_sess_input(&g->sess, g->in + g->ioff, g->ilen - g->ioff, &intr);
        if (intr && g->running) {
            g->running = false;
            gdb_report_stop(&g->sess, 2);
        }
        enum gdb_resume r = g->sess.resume;
        g->sess.resume = GDB_RESUME_NONE;
        if (r == GDB_RESUME_CONT || r == GDB_RESUME_STEP) {
            if (g->sess.resume_has_addr) set_pc(g, g->sess.resume_addr);
        }
        if (r == GDB_RESUME_CONT) {
            g->running = true;
        } else if (r == GDB_RESUME_STEP) {
            g->running = false;
            int st = do_step(g);
            if (st >= 0) return st;
        } else if (r == GDB_RESUME_RSTEP || r == GDB_RESUME_RCONT) {
            g->running = false;
            int st = do_reverse(g, r == GDB_RESUME_RCONT);
            if (st >= 0) return st;
        } else if (r == GDB_RESUME_DETACH) {
            drop_client(g, true);
        } else if (r == GDB_RESUME_KILL || g->sess.mon.quit) {
            return 0;
        }
    }
    return -1;
}

/* Wait for socket activity (timeout_ms: 0 polls, -1 blocks) and handle it.
 * An idle guest also wakes on the machine's host input descriptors.
 * Returns an exit status, -1 to go on, or -2 when a signal interrupted the wait. */
static int service(struct gdbstub *g, int timeout_ms, bool with_input)
{
    struct pollfd p[8];
    int n = 0, in[6];
    p[n++] = (struct pollfd){.fd = g->lfd, .events = POLLIN};
    if (g->cfd >= 0) p[n++] = (struct pollfd){.fd = g->cfd, .events = POLLIN};
    int nin = with_input ? machine_poll_fds(g->m, in, 6) : 0;
    for (int i = 0; i < nin; i++) p[n++] = (struct pollfd){.fd = in[i], .events = POLLIN};
    /* SIGINT/SIGTERM stay blocked until ppoll waits, so that one arriving
     * just before it cannot leave the stub asleep with the request pending */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    if (machine_interrupt_pending(g->m)) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -2;
    }
    struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
    int r = ppoll(p, (nfds_t)n, timeout_ms < 0 ? NULL : &ts, &old);
    int err = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (r < 0 && err == EINTR) return -2; /* a signal: the caller asks the machine */
    if (r <= 0) return -1;
    /* the old client's close first, so that a reconnect in the same poll is accepted */
    if (n > 1 && g->cfd >= 0 && p[1].fd == g->cfd && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        if (!read_client(g)) drop_client(g, false);
    }
    if (p[0].revents & POLLIN) accept_client(g);
    return pump(g);
}

int gdbstub_run(struct gdbstub *g, bool start_stopped)
{
    g->running = !start_stopped;
    if (start_stopped) fprintf(stderr, "vdebug: guest held at its first instruction until gdb continues\n");
    for (;;) {
        int st = pump(g);
        if (st >= 0) return st;
        if (!g->running) {
            st = service(g, -1, false);
            if (st >= 0) return st;
            /* SIGINT/SIGTERM at vdebug while GDB holds the guest: a zero budget
             * only collects the machine's pending requests */
            if (st == -2) {
                enum machine_stop r = machine_run(g->m, 0);
                if (r == MACHINE_EXIT) return exit_status(g);
                if (r == MACHINE_INTERRUPTED) {
                    if (g->cfd >= 0) gdb_send_str(&g->sess, "X02");
                    return 0;
                }
            }
            continue;
        }
        enum machine_stop r = machine_run(g->m, SLICE_INSNS);
        switch (r) {
        case MACHINE_EXIT:
            return exit_status(g);
        case MACHINE_INTERRUPTED:
            /* Ctrl-C or a signal at vdebug itself: end like QEMU does. */
            if (g->cfd >= 0) gdb_send_str(&g->sess, "X02");
            return 0;
        case MACHINE_DEBUG:
            if (g->cfd >= 0) {
                g->running = false;
                gdb_report_stop(&g->sess, 5);
            }
            break;
        case MACHINE_BUDGET:
            break;
        }
        /* A guest that cannot make progress by itself waits for GDB or host input. */
        bool idle = g->running && machine_idle(g->m);
        st = service(g, idle ? -1 : 0, idle);
        if (st >= 0) return st;
    }
}
