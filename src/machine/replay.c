/*
 * Recording and replaying what enters the machine from outside the guest:
 * bytes typed at a serial port or sent by its TCP client, keys typed at
 * -display curses (as the scan codes given to the keyboard), the real time a
 * paced HLT waited (-icount sleep=on, a terminal on the serial port), and
 * the host clock read for -rtc base=utc|localtime (in the record file's
 * header). Each event carries the instruction count, the virtual time, the
 * EIP and the loop site at which the guest saw it.
 *
 * The log is always kept in memory while there is a history (reverse
 * debugging): re-executing the past hands out the recorded input at the
 * same points, and host input waits until the machine is back at the
 * present. -icount rr=record,rrfile=F also writes it to F; rr=replay,
 * rrfile=F replays F instead of reading the host. A replay that reaches a
 * recorded point in another state (other EIP or virtual time), or passes
 * it, stops with a message naming the first divergence.
 *
 * File: "VDRRLOG1", char version[16], u64 config hash, i64 RTC start, u64
 * flags (bit 0: HLT paced in real time), then
 * events {u64 icount, u64 now, u32 eip, u8 kind, u8 site, u8 port, u8 len,
 * data[len]}, then an end event (kind 0) whose data is the FNV-1a hash of
 * every byte before it: a file cut short or changed is refused whole.
 */
#include "machine/pc.h"
#include "machine/replay.h"
#include "base/version.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define RR_MAGIC "VDRRLOG1"
enum { RR_END = 0, RR_SERIAL = 1, RR_CLOCK = 2, RR_KEY = 3 };

struct rr_event {
    u64 icount, now;
    u32 eip;
    u8 kind, site, port, len;
    u8 data[UART_FIFO_SIZE > 8 ? UART_FIFO_SIZE : 8];
};

struct rr_log {
    struct rr_event *ev;
    size_t n, cap;
    size_t cursor;          /* next event to hand out; == n: live */
    u64 base;               /* events dropped from the front (rr_trim): positions are base + index */
    FILE *out;              /* rr=record */
    u64 out_hash;
    const char *out_path;
    u64 config_hash;        /* of a file being replayed */
    bool pace_idle;         /* ... and whether HLT waited in real time when it was recorded */
    bool diverged;
};

static u32 eip_of(struct machine *m)
{
    struct cpu_state s;
    vcpu_get_state(m->cpu, &s);
    return s.seg[S_CS].base + s.eip;
}

bool rr_start(struct machine *m)
{
    if (m->rr) return true;
    m->rr = calloc(1, sizeof(*m->rr));
    return m->rr != NULL;
}

static void out_bytes(struct rr_log *l, const void *p, size_t n)
{
    if (!l->out) return;
    l->out_hash = snap_hash(l->out_hash, p, n);
    if (fwrite(p, 1, n, l->out) != n) {
        fprintf(stderr, "vdebug: rrfile %s: write failed: %s\n", l->out_path, strerror(errno));
        fclose(l->out);
        l->out = NULL;
    }
}

static void out_event(struct rr_log *l, const struct rr_event *e)
{
    u8 hdr[8 + 8 + 4 + 4];
    memcpy(hdr, &e->icount, 8);
    memcpy(hdr + 8, &e->now, 8);
    memcpy(hdr + 16, &e->eip, 4);
    hdr[20] = e->kind;
    hdr[21] = e->site;
    hdr[22] = e->port;
    hdr[23] = e->len;
    out_bytes(l, hdr, sizeof(hdr));
    out_bytes(l, e->data, e->len);
}

static void add(struct machine *m, u8 kind, enum rr_site site, u8 port, const void *data, u8 len)
{
    struct rr_log *l = m->rr;
    if (!l) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        struct rr_event *e = realloc(l->ev, cap * sizeof(*e));
        if (!e) return;
        l->ev = e;
        l->cap = cap;
    }
    struct rr_event *e = &l->ev[l->n++];
    memset(e, 0, sizeof(*e));
    e->icount = vcpu_icount(m->cpu);
    e->now = m->clock.now;
    e->eip = eip_of(m);
    e->kind = kind;
    e->site = (u8)site;
    e->port = port;
    e->len = len;
    memcpy(e->data, data, len);
    l->cursor = l->n;
    out_event(l, e);
}

bool rr_replaying(const struct machine *m) { return m->rr && m->rr->cursor < m->rr->n; }

static const char *kind_name(u8 k)
{
    return k == RR_SERIAL ? "serial input" : k == RR_CLOCK ? "paced idle time" : k == RR_KEY ? "keys typed" : "end";
}

/* Stop the run: the replay no longer matches the recording. */
static void diverge(struct machine *m, const struct rr_event *e, const char *what)
{
    struct rr_log *l = m->rr;
    if (l->diverged) return;
    l->diverged = true;
    fprintf(stderr, "vdebug: replay diverged at event %zu (%s, recorded at instruction %llu, virtual time %llu ns, "
            "EIP %08x): %s (now at instruction %llu, virtual time %llu ns, EIP %08x)\n",
            (size_t)(l->base + (size_t)(e - l->ev)), kind_name(e->kind), (unsigned long long)e->icount, (unsigned long long)e->now, e->eip,
            what, (unsigned long long)vcpu_icount(m->cpu), (unsigned long long)m->clock.now, eip_of(m));
    l->cursor = l->n; /* nothing more is handed out */
    pc_request_exit(m, 1, MEXIT_REPLAY);
}

/* The next recorded event if it is due here (a kind in the mask kinds, 1 << kind); diverges if it was missed. */
static const struct rr_event *due(struct machine *m, enum rr_site site, unsigned kinds)
{
    struct rr_log *l = m->rr;
    if (!l || l->cursor >= l->n || l->diverged) return NULL;
    const struct rr_event *e = &l->ev[l->cursor];
    u64 ic = vcpu_icount(m->cpu);
    if (e->icount < ic || (e->icount == ic && e->now < m->clock.now)) {
        diverge(m, e, "the guest went past it");
        return NULL;
    }
    if (e->icount != ic || e->now != m->clock.now || e->site != site || !(kinds >> e->kind & 1)) return NULL;
    if (e->eip != eip_of(m)) {
        diverge(m, e, "the guest is elsewhere");
        return NULL;
    }
    return e;
}

void rr_input(struct machine *m, enum rr_site site)
{
    struct rr_log *l = m->rr;
    if (l && l->cursor < l->n) {
        const struct rr_event *e;
        while ((e = due(m, site, 1u << RR_SERIAL | 1u << RR_KEY))) {
            if (e->kind == RR_KEY) {
                if (I8042_QUEUE - m->kbc.qcount - 1 < e->len) {
                    diverge(m, e, "the keyboard cannot take the keys");
                    return;
                }
                i8042_key(&m->kbc, e->data, e->len);
            } else {
                if (e->port >= m->nuart || uart_can_receive(&m->uart[e->port]) < e->len) {
                    diverge(m, e, "the serial port cannot take the bytes");
                    return;
                }
                uart_receive(&m->uart[e->port], e->data, e->len);
            }
            l->cursor++;
        }
        display_refresh(m->display, false);
        return;
    }
    for (int i = 0; i < m->nuart; i++) {
        if (!m->serial_hc[i]) continue;
        u8 buf[UART_FIFO_SIZE];
        size_t room = uart_can_receive(&m->uart[i]);
        if (room > sizeof(buf)) room = sizeof(buf);
        /* read only what the UART can take now: the rest waits in the host's buffer */
        size_t n = room ? hostchar_read(m->serial_hc[i], buf, room) : 0;
        if (!n) continue;
        add(m, RR_SERIAL, site, (u8)i, buf, (u8)n);
        uart_receive(&m->uart[i], buf, n);
    }
    if (m->display) {
        /* keys typed at -display curses, as far as the keyboard controller has room */
        u8 keys[sizeof(((struct rr_event *)0)->data)];
        int room = I8042_QUEUE - m->kbc.qcount - 1;
        size_t n = room > 0 ? display_keys(m->display, keys, (size_t)room < sizeof(keys) ? (size_t)room : sizeof(keys)) : 0;
        if (n) {
            add(m, RR_KEY, site, 0, keys, (u8)n);
            i8042_key(&m->kbc, keys, n);
        }
        display_refresh(m->display, false);
    }
}

u64 rr_paced_skip(struct machine *m, u64 max_ns, u64 (*live_wait)(struct machine *, u64))
{
    struct rr_log *l = m->rr;
    if (l && l->cursor < l->n) {
        const struct rr_event *e = due(m, RR_SITE_PACE, 1u << RR_CLOCK);
        if (!e) {
            if (!l->diverged) diverge(m, &l->ev[l->cursor], "the guest idles where the recording did not");
            return 0;
        }
        u64 ns;
        memcpy(&ns, e->data, 8);
        l->cursor++;
        return ns;
    }
    u64 ns = live_wait(m, max_ns);
    add(m, RR_CLOCK, RR_SITE_PACE, 0, &ns, 8);
    return ns;
}

bool rr_halt_check(struct machine *m)
{
    struct rr_log *l = m->rr;
    if (!l || l->cursor >= l->n || l->diverged) return false;
    const struct rr_event *e = &l->ev[l->cursor];
    if (e->icount == vcpu_icount(m->cpu) && e->now == m->clock.now) return true;
    diverge(m, e, "the guest halted with nothing to wake it before that point");
    return false;
}

u64 rr_budget(struct machine *m, u64 budget)
{
    struct rr_log *l = m->rr;
    if (!l || l->cursor >= l->n) return budget;
    u64 ic = vcpu_icount(m->cpu), at = l->ev[l->cursor].icount;
    if (at > ic && at - ic < budget) budget = at - ic;
    return budget;
}

u64 rr_position(const struct machine *m) { return m->rr ? m->rr->base + m->rr->cursor : 0; }

void rr_seek(struct machine *m, u64 pos)
{
    struct rr_log *l = m->rr;
    if (l && pos >= l->base && pos - l->base <= l->n) l->cursor = (size_t)(pos - l->base);
}

void rr_trim(struct machine *m, u64 pos)
{
    struct rr_log *l = m->rr;
    if (!l || pos <= l->base) return;
    size_t k = (size_t)(pos - l->base);
    if (k > l->cursor) k = l->cursor; /* never what is still to be handed out */
    if (!k) return;
    memmove(l->ev, l->ev + k, (l->n - k) * sizeof(*l->ev));
    l->n -= k;
    l->cursor -= k;
    l->base += k;
}

void rr_truncate(struct machine *m)
{
    struct rr_log *l = m->rr;
    if (!l || l->cursor >= l->n) return;
    l->n = l->cursor;
    if (l->out) {
        fprintf(stderr, "vdebug: the debugger changed the guest in the recorded past: rrfile %s ends here\n", l->out_path);
        rr_file_close(m);
    }
}

void rr_free(struct machine *m)
{
    if (!m->rr) return;
    rr_file_close(m);
    free(m->rr->ev);
    free(m->rr);
    m->rr = NULL;
}

int rr_info(struct machine *m, char *buf, size_t size)
{
    struct rr_log *l = m->rr;
    if (!l) return snprintf(buf, size, "input log: off\n");
    return snprintf(buf, size, "input log: %zu events kept, %llu older dropped (%.1f KiB)%s%s%s\n", l->n, (unsigned long long)l->base, (double)(l->n * sizeof(struct rr_event)) / 1024.0,
                    l->cursor < l->n ? ", replaying" : "", l->out ? ", recording to " : "", l->out ? l->out_path : "");
}

/* ---- files ---- */

int rr_file_record(struct machine *m, const char *path, long long rtc_start, char *err, size_t errlen)
{
    if (!rr_start(m)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct rr_log *l = m->rr;
    l->out = fopen(path, "wb");
    if (!l->out) {
        snprintf(err, errlen, "-icount rrfile=%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    l->out_path = path;
    l->out_hash = SNAP_HASH_INIT;
    char ver[16] = {0};
    snprintf(ver, sizeof(ver), "%s", VDEBUG_VERSION);
    out_bytes(l, RR_MAGIC, 8);
    out_bytes(l, ver, 16);
    out_bytes(l, &m->config_hash, 8);
    i64 rtc = rtc_start;
    out_bytes(l, &rtc, 8);
    u64 flags = m->pace_idle ? 1 : 0;
    out_bytes(l, &flags, 8);
    return 0;
}

void rr_file_close(struct machine *m)
{
    struct rr_log *l = m->rr;
    if (!l || !l->out) return;
    struct rr_event e = {.kind = RR_END, .len = 8};
    e.icount = vcpu_icount(m->cpu);
    e.now = m->clock.now;
    u64 h = l->out_hash;
    /* the hash covers everything before the end event's data */
    u8 hdr[24];
    memcpy(hdr, &e.icount, 8);
    memcpy(hdr + 8, &e.now, 8);
    memset(hdr + 16, 0, 8);
    hdr[20] = RR_END;
    hdr[23] = 8;
    h = snap_hash(h, hdr, sizeof(hdr));
    memcpy(e.data, &h, 8);
    out_event(l, &e);
    if (fclose(l->out) != 0) fprintf(stderr, "vdebug: rrfile %s: write failed: %s\n", l->out_path, strerror(errno));
    l->out = NULL;
}

struct rr_log *rr_file_read(const char *path, long long *rtc_start, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "-icount rrfile=%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct snap_buf b = {0};
    u8 tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0) snap_put(&b, tmp, k);
    fclose(f);
    struct rr_log *l = calloc(1, sizeof(*l));
    if (b.oom || !l) {
        snprintf(err, errlen, "-icount rrfile=%s: out of memory", path);
        goto fail;
    }
    if (b.len < 48 || memcmp(b.p, RR_MAGIC, 8)) {
        snprintf(err, errlen, "-icount rrfile=%s: not a vdebug replay log", path);
        goto fail;
    }
    char ver[17] = {0};
    memcpy(ver, b.p + 8, 16);
    if (strcmp(ver, VDEBUG_VERSION)) {
        snprintf(err, errlen, "-icount rrfile=%s: written by vdebug version %.16s; this is version %s", path, ver, VDEBUG_VERSION);
        goto fail;
    }
    struct snap_reader r = {b.p, b.len, 24, false};
    l->config_hash = snap_get_u64(&r);
    *rtc_start = (long long)(i64)snap_get_u64(&r);
    l->pace_idle = snap_get_u64(&r) & 1;
    for (;;) {
        size_t start = r.off;
        struct rr_event e = {0};
        e.icount = snap_get_u64(&r);
        e.now = snap_get_u64(&r);
        e.eip = snap_get_u32(&r);
        u8 h[4];
        snap_get(&r, h, 4);
        e.kind = h[0];
        e.site = h[1];
        e.port = h[2];
        e.len = h[3];
        if (r.bad || e.len > sizeof(e.data)) break;
        snap_get(&r, e.data, e.len);
        if (r.bad) break;
        if (e.kind == RR_END) {
            u64 want;
            memcpy(&want, e.data, 8);
            if (e.len != 8 || want != snap_hash(SNAP_HASH_INIT, b.p, start + 24) || r.off != b.len) break;
            snap_buf_free(&b);
            return l;
        }
        if ((e.kind != RR_SERIAL && e.kind != RR_CLOCK && e.kind != RR_KEY) || (l->n && (e.icount < l->ev[l->n - 1].icount))) break;
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 256;
            struct rr_event *p = realloc(l->ev, cap * sizeof(*p));
            if (!p) break;
            l->ev = p;
            l->cap = cap;
        }
        l->ev[l->n++] = e;
    }
    snprintf(err, errlen, "-icount rrfile=%s: the log is truncated or was changed (checksum or event %zu is wrong)", path, l->n);
fail:
    snap_buf_free(&b);
    if (l) free(l->ev);
    free(l);
    return NULL;
}

int rr_file_replay(struct machine *m, struct rr_log *log, char *err, size_t errlen)
{
    if (log->config_hash != m->config_hash) {
        snprintf(err, errlen, "-icount rrfile: the log was recorded on a different machine configuration");
        free(log->ev);
        free(log);
        return -1;
    }
    rr_free(m);
    log->cursor = 0;
    m->rr = log;
    m->pace_idle = log->pace_idle; /* the recorded waits are replayed, never waited again */
    return 0;
}
