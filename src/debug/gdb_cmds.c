/*
 * The GDB command table: each packet is matched by name (exact or prefix),
 * its arguments are parsed by a small schema, and a handler replies.
 *
 * Schema characters: 'x' hex number, 's' text up to the next literal in the
 * schema (or the end), 'b' the rest as binary ('}' escapes undone), '*'
 * ignore the rest, '?' everything after is optional; any other character
 * is a literal separator that must be present. Extra text is an error.
 */
#include "debug/gdb_int.h"
#include "machine/machine.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_ARGS 6
struct gdb_args {
    int n;
    u64 x[MAX_ARGS];
    char *s[MAX_ARGS];
    size_t slen[MAX_ARGS];
};

/* ---- replies ---- */

void gdb_send_packet(struct gdb_sess *s, const char *payload, size_t len)
{
    if (len > GDB_PACKET_MAX) len = GDB_PACKET_MAX;
    s->txlen = gdb_frame(payload, len, s->tx, sizeof(s->tx));
    if (s->send) s->send(s->send_opaque, s->tx, s->txlen);
}

void gdb_send_str(struct gdb_sess *s, const char *payload) { gdb_send_packet(s, payload, strlen(payload)); }

static void reply(struct gdb_sess *s, const char *str)
{
    size_t n = strlen(str);
    if (n > GDB_PACKET_MAX) n = GDB_PACKET_MAX;
    memcpy(s->reply, str, n);
    s->rlen = n;
    s->replied = true;
}

static void replyf(struct gdb_sess *s, const char *fmt, ...) VD_PRINTF(2, 3);
static void replyf(struct gdb_sess *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->reply, sizeof(s->reply), fmt, ap);
    va_end(ap);
    s->rlen = n < 0 ? 0 : (size_t)n < sizeof(s->reply) ? (size_t)n : sizeof(s->reply) - 1;
    s->replied = true;
}

static void reply_hex(struct gdb_sess *s, const u8 *data, size_t n)
{
    if (n > GDB_PACKET_MAX / 2) n = GDB_PACKET_MAX / 2;
    gdb_hex_encode(data, n, s->reply);
    s->rlen = 2 * n;
    s->replied = true;
}

/* Error numbers follow gdbserver's habit: errno values in hex. */
#define E_INVAL "E16"   /* EINVAL */
#define E_FAULT "E0e"   /* EFAULT: memory not mapped */
#define E_NOSPC "E1c"

/* ---- session ---- */

void gdb_sess_init(struct gdb_sess *s, struct machine *m, struct vcpu *v)
{
    memset(s, 0, sizeof(*s));
    s->m = m;
    s->v = v;
    gdb_rx_init(&s->rx);
    monitor_init(&s->mon, m, v);
    snprintf(s->last_stop, sizeof(s->last_stop), "T05thread:01;");
}

void gdb_sess_free(struct gdb_sess *s)
{
    free(s->pts);
    s->pts = NULL;
    s->npts = s->cap = 0;
}

/* ---- breakpoints and watchpoints ---- */

/* Under 'monitor phys on' GDB's addresses are physical, for breakpoints and
 * watchpoints as for memory: a point inserted then stays physical until
 * GDB removes it. */
static int point_insert(struct gdb_sess *s, int type, u32 addr, u32 len)
{
    int r;
    bool phys = s->mon.phys;
    if (type <= 1) r = vcpu_bp_insert(s->v, addr, phys);
    else r = vcpu_wp_insert(s->v, addr, len ? len : 1, type == 2 ? VCPU_WP_WRITE : type == 3 ? VCPU_WP_READ : VCPU_WP_ACCESS, phys);
    if (r) return r;
    if (s->npts == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        struct gdb_point *p = realloc(s->pts, (size_t)cap * sizeof(*p));
        if (!p) return -1;
        s->pts = p;
        s->cap = cap;
    }
    s->pts[s->npts++] = (struct gdb_point){type, addr, len, phys};
    return 0;
}

static void point_raw_remove(struct gdb_sess *s, const struct gdb_point *p)
{
    if (p->type <= 1) vcpu_bp_remove(s->v, p->addr, p->phys);
    else vcpu_wp_remove(s->v, p->addr, p->len ? p->len : 1,
                        p->type == 2 ? VCPU_WP_WRITE : p->type == 3 ? VCPU_WP_READ : VCPU_WP_ACCESS, p->phys);
}

static int find_point(struct gdb_sess *s, int type, u32 addr, u32 len, bool phys)
{
    for (int i = 0; i < s->npts; i++) {
        const struct gdb_point *p = &s->pts[i];
        if (p->type == type && p->addr == addr && (type < 2 || p->len == len) && p->phys == phys) return i;
    }
    return -1;
}

static int point_remove(struct gdb_sess *s, int type, u32 addr, u32 len)
{
    /* the point of the current address space first: 'phys' may have changed since it was set */
    int i = find_point(s, type, addr, len, s->mon.phys);
    if (i < 0) i = find_point(s, type, addr, len, !s->mon.phys);
    if (i >= 0) {
        struct gdb_point *p = &s->pts[i];
        /* Z0 and Z1 at one address share one vcpu breakpoint: keep it while
         * the other kind still wants it. */
        bool shared = false;
        for (int j = 0; j < s->npts; j++)
            if (j != i && s->pts[j].type <= 1 && type <= 1 && s->pts[j].addr == addr && s->pts[j].phys == p->phys)
                shared = true;
        if (!shared) point_raw_remove(s, p);
        s->pts[i] = s->pts[--s->npts];
        return 0;
    }
    return -1;
}

void gdb_remove_all_points(struct gdb_sess *s)
{
    for (int i = 0; i < s->npts; i++) point_raw_remove(s, &s->pts[i]);
    s->npts = 0;
}

/* ---- stop replies ---- */

void gdb_report_stop(struct gdb_sess *s, int sig)
{
    const struct vcpu_stop *st = &s->v->stop;
    char reason[48] = "";
    if (sig == 5 && st->why == VCPU_EXIT_WATCHPOINT) {
        const char *k = st->wp_kind == VCPU_WP_READ ? "rwatch" : st->wp_kind == VCPU_WP_ACCESS ? "awatch" : "watch";
        snprintf(reason, sizeof(reason), "%s:%x;", k, st->addr);
    } else if (sig == 5 && st->why == VCPU_EXIT_BREAKPOINT) {
        bool sw = false;
        for (int i = 0; i < s->npts; i++)
            if (s->pts[i].type == 0 && s->pts[i].addr == st->addr && s->pts[i].phys == st->phys) sw = true;
        snprintf(reason, sizeof(reason), "%s:;", sw ? "swbreak" : "hwbreak");
    }
    snprintf(s->last_stop, sizeof(s->last_stop), "T%02x%sthread:01;", sig, reason);
    gdb_send_str(s, s->last_stop);
}

/* ---- registers ---- */

static void cmd_regs_read(struct gdb_sess *s, struct gdb_args *a)
{
    struct cpu_state st;
    vcpu_get_state(s->v, &st);
    u8 buf[GDB_PACKET_MAX / 2];
    size_t n = 0;
    for (int r = 0; r < gdb_reg_count(); r++) {
        gdb_reg_get(&st, r, buf + n);
        n += (size_t)gdb_reg_size(r);
    }
    reply_hex(s, buf, n);
}

static void cmd_regs_write(struct gdb_sess *s, struct gdb_args *a)
{
    struct cpu_state st;
    vcpu_get_state(s->v, &st);
    const char *p = a->s[0];
    size_t left = a->slen[0];
    u8 buf[16];
    for (int r = 0; r < gdb_reg_count() && left; r++) {
        size_t sz = (size_t)gdb_reg_size(r);
        if (left < 2 * sz || !gdb_hex_decode(p, sz, buf)) return reply(s, E_INVAL);
        gdb_reg_set(s->v, &st, r, buf);
        p += 2 * sz;
        left -= 2 * sz;
    }
    vcpu_set_state(s->v, &st);
    if (s->m) machine_state_changed(s->m);
    reply(s, "OK");
}

static void cmd_reg_read(struct gdb_sess *s, struct gdb_args *a)
{
    int sz = a->x[0] < 1000 ? gdb_reg_size((int)a->x[0]) : 0;
    if (!sz) return reply(s, E_INVAL);
    struct cpu_state st;
    vcpu_get_state(s->v, &st);
    u8 buf[16];
    gdb_reg_get(&st, (int)a->x[0], buf);
    reply_hex(s, buf, (size_t)sz);
}

static void cmd_reg_write(struct gdb_sess *s, struct gdb_args *a)
{
    int sz = a->x[0] < 1000 ? gdb_reg_size((int)a->x[0]) : 0;
    u8 buf[16];
    if (!sz || a->slen[1] != 2 * (size_t)sz || !gdb_hex_decode(a->s[1], (size_t)sz, buf)) return reply(s, E_INVAL);
    struct cpu_state st;
    vcpu_get_state(s->v, &st);
    if (!gdb_reg_set(s->v, &st, (int)a->x[0], buf)) return reply(s, E_INVAL);
    vcpu_set_state(s->v, &st);
    if (s->m) machine_state_changed(s->m);
    reply(s, "OK");
}

/* ---- memory: linear through the guest's page tables, or physical ---- */

static size_t mem_rw(struct gdb_sess *s, u64 addr, void *buf, size_t len, bool write)
{
    if (s->mon.phys)
        return write ? vcpu_write_phys(s->v, addr, buf, len) : vcpu_read_phys(s->v, addr, buf, len);
    if (addr > 0xffffffffull) return 0;
    if (addr + len > 0x100000000ull) len = (size_t)(0x100000000ull - addr);
    return write ? vcpu_write_virt(s->v, (u32)addr, buf, len) : vcpu_read_virt(s->v, (u32)addr, buf, len);
}

static void cmd_mem_read(struct gdb_sess *s, struct gdb_args *a)
{
    u8 buf[GDB_PACKET_MAX / 2];
    size_t len = a->x[1] < sizeof(buf) ? (size_t)a->x[1] : sizeof(buf);
    if (!len) return reply(s, "");
    size_t got = mem_rw(s, a->x[0], buf, len, false);
    if (!got) return reply(s, E_FAULT);
    reply_hex(s, buf, got);  /* a short read is allowed: GDB asks again for the rest */
}

static void mem_write_reply(struct gdb_sess *s, u64 addr, u8 *data, size_t len)
{
    if (!len) return reply(s, "OK");
    size_t done = mem_rw(s, addr, data, len, true);
    if (done && s->m) machine_state_changed(s->m);
    reply(s, done == len ? "OK" : E_FAULT);
}

static void cmd_mem_write_hex(struct gdb_sess *s, struct gdb_args *a)
{
    size_t len = (size_t)a->x[1];
    if (a->x[1] > GDB_PACKET_MAX / 2 || a->slen[2] != 2 * len || !gdb_hex_decode(a->s[2], len, (u8 *)a->s[2]))
        return reply(s, E_INVAL);
    mem_write_reply(s, a->x[0], (u8 *)a->s[2], len); /* decoded in place over its own text */
}

static void cmd_mem_write_bin(struct gdb_sess *s, struct gdb_args *a)
{
    if (a->slen[2] != a->x[1]) return reply(s, E_INVAL);
    mem_write_reply(s, a->x[0], (u8 *)a->s[2], a->slen[2]);
}

/* ---- execution ---- */

static void set_resume(struct gdb_sess *s, enum gdb_resume r, struct gdb_args *a, int addr_arg)
{
    s->resume = r;
    s->resume_has_addr = a && a->n > addr_arg;
    if (s->resume_has_addr) s->resume_addr = (u32)a->x[addr_arg];
}

static void cmd_cont(struct gdb_sess *s, struct gdb_args *a) { set_resume(s, GDB_RESUME_CONT, a, 0); }
static void cmd_step(struct gdb_sess *s, struct gdb_args *a) { set_resume(s, GDB_RESUME_STEP, a, 0); }
static void cmd_cont_sig(struct gdb_sess *s, struct gdb_args *a) { set_resume(s, GDB_RESUME_CONT, a, 1); }
static void cmd_step_sig(struct gdb_sess *s, struct gdb_args *a) { set_resume(s, GDB_RESUME_STEP, a, 1); }

static void cmd_rstep(struct gdb_sess *s, struct gdb_args *a) { set_resume(s, GDB_RESUME_RSTEP, NULL, 0); }
static void cmd_rcont(struct gdb_sess *s, struct gdb_args *a) { set_resume(s, GDB_RESUME_RCONT, NULL, 0); }

static void cmd_vcont_query(struct gdb_sess *s, struct gdb_args *a) { reply(s, "vCont;c;C;s;S;t"); }

/* vCont;ACTION[:TID][;ACTION[:TID]]...: one CPU, so the first action that
 * names our thread (or no thread) decides. */
static void cmd_vcont(struct gdb_sess *s, struct gdb_args *a)
{
    char *p = a->s[0];
    while (*p) {
        char act = *p++;
        while (*p && *p != ':' && *p != ';') p++;     /* signal number, range */
        bool ours = true;
        if (*p == ':') {
            const char *t = ++p;
            u64 tid = 0;
            const char *q = t[0] == 'p' ? t + 1 : t;
            ours = !strncmp(q, "-1", 2) || !gdb_parse_hex(&q, &tid) || tid <= 1;
            while (*p && *p != ';') p++;
        }
        if (*p == ';') p++;
        else if (*p) return reply(s, E_INVAL);
        if (!ours) continue;
        switch (act) {
        case 'c': case 'C': return set_resume(s, GDB_RESUME_CONT, NULL, 0);
        case 's': case 'S': return set_resume(s, GDB_RESUME_STEP, NULL, 0);
        case 't': return replyf(s, "T00thread:01;");
        default: return reply(s, E_INVAL);
        }
    }
    reply(s, E_INVAL);
}

static void cmd_stop_reason(struct gdb_sess *s, struct gdb_args *a) { reply(s, s->last_stop); }

static void cmd_detach(struct gdb_sess *s, struct gdb_args *a)
{
    reply(s, "OK");
    s->resume = GDB_RESUME_DETACH;
}

static void cmd_kill(struct gdb_sess *s, struct gdb_args *a) { s->resume = GDB_RESUME_KILL; }
static void cmd_vkill(struct gdb_sess *s, struct gdb_args *a)
{
    reply(s, "OK");
    s->resume = GDB_RESUME_KILL;
}

static void cmd_point(struct gdb_sess *s, struct gdb_args *a, bool insert)
{
    u64 type = a->x[0], addr = a->x[1], len = a->x[2];
    if (type > 4) return reply(s, "");  /* unsupported kind: GDB falls back */
    if (addr > 0xffffffffull || len > 0xffffffffull || (type >= 2 && (!len || addr + len - 1 > 0xffffffffull)))
        return reply(s, E_INVAL);
    int r = insert ? point_insert(s, (int)type, (u32)addr, (u32)len) : point_remove(s, (int)type, (u32)addr, (u32)len);
    reply(s, r ? (insert ? E_NOSPC : E_INVAL) : "OK");
}
static void cmd_z_insert(struct gdb_sess *s, struct gdb_args *a) { cmd_point(s, a, true); }
static void cmd_z_remove(struct gdb_sess *s, struct gdb_args *a) { cmd_point(s, a, false); }

/* ---- queries ---- */

static void cmd_supported(struct gdb_sess *s, struct gdb_args *a)
{
    replyf(s, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+;ReverseStep+;ReverseContinue+",
           GDB_PACKET_MAX);
}

static void cmd_noack(struct gdb_sess *s, struct gdb_args *a)
{
    reply(s, "OK");
    s->noack = true; /* takes effect after this reply (GDB acks it) */
}

static void cmd_xfer_features(struct gdb_sess *s, struct gdb_args *a)
{
    size_t len;
    const char *doc = gdb_target_xml(a->s[0], &len);
    if (!doc) return reply(s, "E00");
    u64 off = a->x[1], want = a->x[2];
    if (off >= len) return reply(s, "l");
    if (want > GDB_PACKET_MAX - 1) want = GDB_PACKET_MAX - 1;
    size_t avail = len - (size_t)off, take = avail < want ? avail : (size_t)want, used;
    s->rlen = 1 + gdb_escape((const u8 *)doc + off, take, s->reply + 1, (size_t)want, &used);
    s->reply[0] = (size_t)off + used < len ? 'm' : 'l';
    s->replied = true;
}

static void cmd_attached(struct gdb_sess *s, struct gdb_args *a) { reply(s, "1"); }
static void cmd_qc(struct gdb_sess *s, struct gdb_args *a) { reply(s, "QC01"); }
static void cmd_thread_first(struct gdb_sess *s, struct gdb_args *a) { reply(s, "m01"); }
static void cmd_thread_next(struct gdb_sess *s, struct gdb_args *a) { reply(s, "l"); }
static void cmd_ok(struct gdb_sess *s, struct gdb_args *a) { reply(s, "OK"); }
static void cmd_empty(struct gdb_sess *s, struct gdb_args *a) { reply(s, ""); }
static void cmd_offsets(struct gdb_sess *s, struct gdb_args *a) { reply(s, "Text=0;Data=0;Bss=0"); }

static void cmd_thread_alive(struct gdb_sess *s, struct gdb_args *a)
{
    const char *t = a->s[0];
    reply(s, !strcmp(t, "1") || !strcmp(t, "01") || !strcmp(t, "-1") || !strcmp(t, "p1.1") ? "OK" : "E01");
}

static void cmd_thread_extra(struct gdb_sess *s, struct gdb_args *a)
{
    static const char info[] = "CPU#0";
    reply_hex(s, (const u8 *)info, sizeof(info) - 1);
}

static void cmd_phymem_set(struct gdb_sess *s, struct gdb_args *a)
{
    if (a->x[0] > 1) return reply(s, E_INVAL);
    s->mon.phys = a->x[0] == 1;
    reply(s, "OK");
}
static void cmd_phymem_get(struct gdb_sess *s, struct gdb_args *a) { reply(s, s->mon.phys ? "1" : "0"); }

/* monitor output collected here, then sent as O packets */
struct mon_buf { char *p; size_t len, cap; };

static void mon_to_buf(void *o, const char *text, size_t len)
{
    struct mon_buf *b = o;
    if (b->len + len > b->cap) {
        size_t cap = (b->len + len) * 2 + 256;
        char *p = realloc(b->p, cap);
        if (!p) return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, text, len);
    b->len += len;
}

static void cmd_rcmd(struct gdb_sess *s, struct gdb_args *a)
{
    size_t n = a->slen[0] / 2;
    char *line = malloc(n + 1);
    if (!line) return reply(s, "E0c");
    if ((a->slen[0] & 1) || !gdb_hex_decode(a->s[0], n, (u8 *)line)) {
        free(line);
        return reply(s, E_INVAL);
    }
    line[n] = 0;
    struct mon_buf b = {0};
    void (*old_out)(void *, const char *, size_t) = s->mon.out;
    void *old_opaque = s->mon.out_opaque;
    s->mon.out = mon_to_buf;
    s->mon.out_opaque = &b;
    monitor_exec(&s->mon, line);
    s->mon.out = old_out;
    s->mon.out_opaque = old_opaque;
    free(line);
    /* O packets: 'O' + hex, each within the packet size */
    const size_t chunk = (GDB_PACKET_MAX - 2) / 2;
    char *pkt = malloc(2 * chunk + 2);
    for (size_t off = 0; pkt && off < b.len; off += chunk) {
        size_t k = b.len - off < chunk ? b.len - off : chunk;
        pkt[0] = 'O';
        gdb_hex_encode((const u8 *)b.p + off, k, pkt + 1);
        gdb_send_packet(s, pkt, 1 + 2 * k);
    }
    free(pkt);
    free(b.p);
    reply(s, "OK");
    if (s->mon.quit) s->resume = GDB_RESUME_KILL;
}

/* ---- the table ---- */

typedef void (*gdb_cmd_fn)(struct gdb_sess *s, struct gdb_args *a);
struct gdb_cmd {
    const char *name;
    bool exact;          /* the packet must be exactly name (no arguments) */
    const char *schema;  /* arguments after name */
    gdb_cmd_fn fn;
};

static const struct gdb_cmd cmds[] = {
    {"?", true, "", cmd_stop_reason},
    {"g", true, "", cmd_regs_read},
    {"G", false, "s", cmd_regs_write},
    {"p", false, "x", cmd_reg_read},
    {"P", false, "x=s", cmd_reg_write},
    {"m", false, "x,x", cmd_mem_read},
    {"M", false, "x,x:s", cmd_mem_write_hex},
    {"X", false, "x,x:b", cmd_mem_write_bin},
    {"c", false, "?x", cmd_cont},
    {"s", false, "?x", cmd_step},
    {"C", false, "x?;x", cmd_cont_sig},
    {"S", false, "x?;x", cmd_step_sig},
    {"bs", true, "", cmd_rstep},
    {"bc", true, "", cmd_rcont},
    {"vCont?", true, "", cmd_vcont_query},
    {"vCont;", false, "s", cmd_vcont},
    {"vKill", false, "*", cmd_vkill},
    {"vMustReplyEmpty", true, "", cmd_empty},
    {"Z", false, "x,x,x*", cmd_z_insert},
    {"z", false, "x,x,x*", cmd_z_remove},
    {"D", false, "*", cmd_detach},
    {"k", true, "", cmd_kill},
    {"H", false, "*", cmd_ok},
    {"T", false, "s", cmd_thread_alive},
    {"qSupported", false, "*", cmd_supported},
    {"QStartNoAckMode", true, "", cmd_noack},
    {"qXfer:features:read:", false, "s:x,x", cmd_xfer_features},
    {"qAttached", false, "*", cmd_attached},
    {"qC", true, "", cmd_qc},
    {"qfThreadInfo", true, "", cmd_thread_first},
    {"qsThreadInfo", true, "", cmd_thread_next},
    {"qThreadExtraInfo,", false, "*", cmd_thread_extra},
    {"qRcmd,", false, "s", cmd_rcmd},
    {"qOffsets", true, "", cmd_offsets},
    {"qSymbol:", false, "*", cmd_ok},
    {"Qqemu.PhyMemMode:", false, "x", cmd_phymem_set},
    {"qqemu.PhyMemMode", true, "", cmd_phymem_get},
};

static bool is_literal(char c) { return c != 'x' && c != 's' && c != 'b' && c != '*' && c != '?'; }

static bool parse_args(const char *schema, char *p, char *end, struct gdb_args *a)
{
    a->n = 0;
    for (const char *k = schema; *k; k++) {
        if (*k == '*') return true;
        if (*k == '?') {
            if (p == end) return true;
            continue;
        }
        if (!is_literal(*k) && a->n == MAX_ARGS) return false;
        switch (*k) {
        case 'x': {
            const char *q = p;
            u64 v;
            if (!gdb_parse_hex(&q, &v)) return false;
            a->x[a->n] = v;
            a->s[a->n] = p;
            a->slen[a->n++] = (size_t)(q - p);
            p = (char *)q;
            break;
        }
        case 's': {
            char stop = k[1] && is_literal(k[1]) ? k[1] : 0;
            char *q = p;
            while (q < end && *q != stop) q++;
            a->x[a->n] = 0;
            a->s[a->n] = p;
            a->slen[a->n++] = (size_t)(q - p);
            p = q;
            break;
        }
        case 'b':
            a->x[a->n] = 0;
            a->s[a->n] = p;
            a->slen[a->n++] = gdb_unescape(p, (size_t)(end - p));
            p = end;
            break;
        default:
            if (p == end || *p != *k) return false;
            *p++ = 0; /* terminates the text argument before it */
            break;
        }
    }
    return p == end;
}

void gdb_handle_packet(struct gdb_sess *s, char *pkt, size_t len)
{
    s->replied = false;
    s->rlen = 0;
    pkt[len] = 0;
    const struct gdb_cmd *c = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        size_t n = strlen(cmds[i].name);
        if (cmds[i].exact ? (len == n && !memcmp(pkt, cmds[i].name, n)) : (len >= n && !memcmp(pkt, cmds[i].name, n))) {
            c = &cmds[i];
            break;
        }
    }
    if (!c) {
        gdb_send_packet(s, "", 0); /* unknown packet: empty reply */
        return;
    }
    struct gdb_args a;
    size_t n = strlen(c->name);
    if (!parse_args(c->schema, pkt + n, pkt + len, &a)) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    s->resume = GDB_RESUME_NONE;
    c->fn(s, &a);
    if (s->replied) gdb_send_packet(s, s->reply, s->rlen);
}

size_t gdb_sess_input(struct gdb_sess *s, const u8 *data, size_t len, bool *intr)
{
    size_t i = 0;
    while (i < len) {
        enum gdb_rx_event ev = gdb_rx_byte(&s->rx, data[i++]);
        switch (ev) {
        case GDB_RX_PACKET:
            s->packets++;
            if (!s->noack && s->send) s->send(s->send_opaque, "+", 1);
            gdb_handle_packet(s, s->rx.buf, s->rx.len);
            if (s->resume != GDB_RESUME_NONE) return i; /* the caller acts, then feeds the rest */
            break;
        case GDB_RX_BADSUM:
            if (!s->noack && s->send) s->send(s->send_opaque, "-", 1);
            break;
        case GDB_RX_OVERSIZE:
            if (!s->noack && s->send) s->send(s->send_opaque, "+", 1);
            gdb_send_str(s, E_NOSPC);
            break;
        case GDB_RX_NACK:
            if (s->txlen && s->send) s->send(s->send_opaque, s->tx, s->txlen);
            break;
        case GDB_RX_INTERRUPT:
            s->packets++;
            if (intr) *intr = true;
            break;
        default:
            break;
        }
    }
    return i;
}
