/*
 * The lockstep checker (-accel dbt,verify=on). Each block runs on its own
 * (no chaining), translated, from a saved state S0; every RAM write is
 * logged with the bytes it overwrites (cpu->write_log, called by every
 * store path: the interpreter's, the MMU's, the REP fast path and, in this
 * mode, translated stores), so the TLB and everything the guest can
 * count behave as without the checker. Then the state
 * goes back to S0 (registers, lazy flags, everything in struct cpu before
 * the TLB; the logged RAM bytes restored in reverse order) and the
 * interpreter, the reference, runs the same number of instructions (plus
 * the faulting one, when the block raised an exception, which both then
 * deliver). Registers, flags, the instruction count, pending events and
 * every byte either run wrote must agree; the first difference stops
 * vdebug with a report: guest EIP, the block's guest and host code, the
 * field that differs. Execution continues from the interpreter's state.
 *
 * Accessed/dirty bits the page walk sets are not logged: the first run
 * leaves them set, and the second finds them so (or its TLB entries,
 * which are kept), as a second execution on hardware would.
 *
 * Blocks that touched a device (port I/O, MMIO, an interrupt acknowledge)
 * cannot be run twice: those counted by the bus shims run once and are not
 * compared; blocks with port I/O instructions run on the interpreter only.
 */
#include "dbt/dbt_int.h"
#include "cpu/flags.h"
#include "base/log.h"
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)

/* The part of struct cpu that is state rather than cache. */
#define STATE_BYTES offsetof(struct cpu, tlb)

struct wlog_entry {
    u8 *host;
    u8 size;
    u8 old[4];
};

struct verifier {
    struct wlog_entry *log;
    size_t n, cap;
    unsigned dev_touch;
    u8 *s0, *s1;                 /* copies of the state part of struct cpu */
    /* the bus as the board wired it, behind the counting shims */
    struct cpu_bus bus;
};

static struct verifier *V(struct dbt *d) { return (struct verifier *)d->verifier; }

static void write_log(void *opaque, u8 *host, unsigned size)
{
    struct verifier *v = opaque;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct wlog_entry *l = realloc(v->log, cap * sizeof(*l));
        if (!l) {
            fprintf(stderr, "vdebug: lockstep checker: out of memory\n");
            exit(1);
        }
        v->log = l;
        v->cap = cap;
    }
    struct wlog_entry *e = &v->log[v->n++];
    e->host = host;
    e->size = (u8)size;
    memcpy(e->old, host, size);
}

/* Device access shims: count, then do what the board does. */
static struct verifier *shim_v(void *o) { return V((struct dbt *)o); }
static u8 *shim_ptr(void *o, u64 pa, bool w) { return shim_v(o)->bus.ptr(shim_v(o)->bus.opaque, pa, w); }
static u32 shim_mmio_read(void *o, u64 pa, unsigned s)
{
    shim_v(o)->dev_touch++;
    return shim_v(o)->bus.mmio_read(shim_v(o)->bus.opaque, pa, s);
}
static void shim_mmio_write(void *o, u64 pa, u32 val, unsigned s)
{
    shim_v(o)->dev_touch++;
    shim_v(o)->bus.mmio_write(shim_v(o)->bus.opaque, pa, val, s);
}
static u32 shim_in(void *o, u16 port, unsigned s)
{
    shim_v(o)->dev_touch++;
    return shim_v(o)->bus.io_in(shim_v(o)->bus.opaque, port, s);
}
static void shim_out(void *o, u16 port, u32 val, unsigned s)
{
    shim_v(o)->dev_touch++;
    shim_v(o)->bus.io_out(shim_v(o)->bus.opaque, port, val, s);
}
static int shim_ack(void *o)
{
    shim_v(o)->dev_touch++;
    return shim_v(o)->bus.intr_ack(shim_v(o)->bus.opaque);
}

bool dbt_verify_init(struct dbt *d)
{
    struct verifier *v = calloc(1, sizeof(*v));
    if (!v) return false;
    v->s0 = malloc(STATE_BYTES);
    v->s1 = malloc(STATE_BYTES);
    if (!v->s0 || !v->s1) {
        free(v->s0);
        free(v->s1);
        free(v);
        return false;
    }
    struct cpu *c = d->c;
    d->verifier = v;
    v->bus = c->bus;
    c->bus.opaque = d;
    c->bus.ptr = shim_ptr;
    c->bus.mmio_read = shim_mmio_read;
    c->bus.mmio_write = shim_mmio_write;
    c->bus.io_in = shim_in;
    c->bus.io_out = shim_out;
    c->bus.intr_ack = shim_ack;
    c->write_log = write_log;
    c->write_log_opaque = v;
    return true;
}

void dbt_verify_free(struct dbt *d)
{
    struct verifier *v = V(d);
    if (!v) return;
    if (d->c) {
        d->c->bus = v->bus;
        d->c->write_log = NULL;
    }
    free(v->log);
    free(v->s0);
    free(v->s1);
    free(v);
    d->verifier = NULL;
}


static bool has_port_io(const struct tb *tb)
{
    const struct x86_insn *in = (const struct x86_insn *)(const void *)tb->insns;
    for (unsigned k = 0; k < tb->n; k++) {
        switch (in[k].op) {
        case X86_OP_IN_ALIb: case X86_OP_IN_eAXIb: case X86_OP_OUT_IbAL: case X86_OP_OUT_IbeAX:
        case X86_OP_IN_ALDX: case X86_OP_IN_eAXDX: case X86_OP_OUT_DXAL: case X86_OP_OUT_DXeAX:
        case X86_OP_INSB: case X86_OP_INSV: case X86_OP_OUTSB: case X86_OP_OUTSV:
            return true;
        default:
            break;
        }
    }
    return false;
}

static VD_NORETURN void report(struct dbt *d, const struct tb *tb, const char *what, u64 got, u64 want)
{
    struct cpu *c = d->c;
    fprintf(stderr, "vdebug: lockstep checker: the translated block at %04x:%08x disagrees with the interpreter\n",
            c->s.seg[S_CS].sel, tb->eip);
    fprintf(stderr, "  first difference: %s: translated %#llx, interpreter %#llx\n", what, (unsigned long long)got,
            (unsigned long long)want);
    fprintf(stderr, "  guest code (%u instructions, %u bytes, mode key %#x):\n", tb->n, tb->bytes, tb->key);
    const struct x86_insn *in = (const struct x86_insn *)(const void *)tb->insns;
    u32 eip = tb->eip;
    for (unsigned k = 0; k < tb->n; k++) {
        char buf[96];
        x86_format(&in[k], eip, buf, sizeof(buf));
        fprintf(stderr, "    %08x  %s\n", eip, buf);
        eip += in[k].len;
    }
    fprintf(stderr, "  host code (%u bytes at %p):", tb->code_size, (const void *)tb->xentry);
    for (u32 i = 0; i < tb->code_size; i++) fprintf(stderr, "%s%02x", i % 32 ? " " : "\n    ", tb->xentry[i]);
    fprintf(stderr, "\n");
    exit(3);
}

static void compare(struct dbt *d, const struct tb *tb, struct cpu *t /* translated */, struct cpu *c /* interp */)
{
    static const char *const names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    for (int r = 0; r < 8; r++)
        if (t->s.gpr[r] != c->s.gpr[r]) report(d, tb, names[r], t->s.gpr[r], c->s.gpr[r]);
    if (t->s.eip != c->s.eip) report(d, tb, "eip", t->s.eip, c->s.eip);
    if (t->s.eflags != c->s.eflags) report(d, tb, "eflags", t->s.eflags, c->s.eflags);
    if (t->icount != c->icount) report(d, tb, "instruction count", t->icount, c->icount);
    if ((t->events ^ c->events) & ~(u32)EV_BLOCK_END) report(d, tb, "pending events", t->events, c->events);
    for (int s = 0; s < 6; s++)
        if (memcmp(&t->s.seg[s], &c->s.seg[s], sizeof(c->s.seg[s]))) report(d, tb, "segment register", (u64)s, (u64)s);
    if (t->s.cr0 != c->s.cr0 || t->s.cr2 != c->s.cr2 || t->s.cr3 != c->s.cr3 || t->s.cr4 != c->s.cr4)
        report(d, tb, "control registers (cr2)", t->s.cr2, c->s.cr2);
    if (memcmp(&t->s.fpu, &c->s.fpu, sizeof(c->s.fpu))) report(d, tb, "x87/SSE state", 0, 0);
    if (memcmp(&t->s, &c->s, sizeof(c->s))) report(d, tb, "other architectural state", 0, 0);
}

enum cpu_exit dbt_verify_block(struct dbt *d, struct tb *tb, bool *handled)
{
    struct cpu *c = d->c;
    struct verifier *v = V(d);
    *handled = true;
    d->st.verify_blocks++;
    if (has_port_io(tb)) return (enum cpu_exit)dbt_interp(d, tb->n); /* devices: once, on the interpreter */
    struct cpu *s0p = (struct cpu *)(void *)v->s0, *s1p = (struct cpu *)(void *)v->s1;
#define s0 (*s0p)
#define s1 (*s1p)
    memcpy(&s0, c, STATE_BYTES);
    v->n = 0;
    v->dev_touch = 0;

    /* run 1: translated */
    jmp_buf jb;
    jmp_buf *volatile saved = c->jb;
    volatile int r1 = CPU_EXIT_BUDGET;
    volatile bool faulted = false;
    c->jb = &jb;
    if (setjmp(jb) == 0) {
        d->enter(c, tb->code);
    } else {
        faulted = true;
        int r = cpu_exception_recover(c);
        r1 = r >= 0 ? r : CPU_EXIT_BUDGET;
    }
    c->jb = saved;
    u64 retired = c->icount - s0.icount;
    d->st.insns_translated += retired;
    /* A device saw it: it cannot run again. Events pending at the end would
     * be handled by the interpreter's run at its budget end (an interrupt
     * acknowledged twice): the block's own run stands, unchecked. */
    if (v->dev_touch || (c->events & ~(u32)EV_BLOCK_END)) {
        d->st.verify_unchecked++;
        return (enum cpu_exit)r1;
    }

    /* keep run 1's results, undo its writes */
    cpu_flags_sync(c);
    memcpy(&s1, c, STATE_BYTES);
    size_t n1 = v->n;
    u8(*after)[4] = n1 ? malloc(n1 * 4) : NULL;
    for (size_t i = 0; i < n1; i++) memcpy(after[i], v->log[i].host, v->log[i].size);
    for (size_t i = n1; i-- > 0;) memcpy(v->log[i].host, v->log[i].old, v->log[i].size);
    u32 gen1 = c->tlb_gen;
    memcpy(c, &s0, STATE_BYTES);
    c->jb = saved;
    if (gen1 != s0.tlb_gen) {
        c->tlb_gen = gen1;
        cpu_tlb_flush(c, true);
    }

    /* run 2: the interpreter, the same instructions (and the same fault) */
    u64 limit = s0.icount_limit;
    c->icount_limit = c->icount + retired + (faulted ? 1 : 0);
    enum cpu_exit r2 = cpu_run_to_limit(c);
    c->icount_limit = limit - (faulted ? 1 : 0);
    s1.icount_limit = c->icount_limit;
    cpu_flags_sync(c);
    compare(d, tb, &s1, c);
    if (r2 != (enum cpu_exit)r1) report(d, tb, "exit reason", (u64)r1, (u64)r2);
    /* every byte either run wrote: run 1's final value (or the original,
     * for bytes only run 2 wrote) must be what is there now */
    for (size_t i = 0; i < n1; i++) {
        /* the last write of run 1 to these bytes holds the final value */
        bool last = true;
        for (size_t j = i + 1; j < n1 && last; j++)
            if (v->log[j].host < v->log[i].host + v->log[i].size && v->log[i].host < v->log[j].host + v->log[j].size)
                last = false;
        if (last && memcmp(after[i], v->log[i].host, v->log[i].size)) {
            u32 a = 0, b = 0;
            memcpy(&a, after[i], v->log[i].size);
            memcpy(&b, v->log[i].host, v->log[i].size);
            report(d, tb, "memory written (value at the first differing store)", a, b);
        }
    }
    for (size_t i = n1; i < v->n; i++) {
        bool seen = false; /* written by run 1, or earlier in run 2 (then log[i].old is not the original) */
        for (size_t j = 0; j < i && !seen; j++)
            if (v->log[j].host < v->log[i].host + v->log[i].size && v->log[i].host < v->log[j].host + v->log[j].size)
                seen = true;
        if (!seen && memcmp(v->log[i].old, v->log[i].host, v->log[i].size)) {
            u32 a = 0, b = 0;
            memcpy(&a, v->log[i].old, v->log[i].size);
            memcpy(&b, v->log[i].host, v->log[i].size);
            report(d, tb, "memory written by the interpreter only", a, b);
        }
    }
    free(after);
    return r2;
#undef s0
#undef s1
}

#else
bool dbt_verify_init(struct dbt *d) { return false; }
void dbt_verify_free(struct dbt *d) {}
enum cpu_exit dbt_verify_block(struct dbt *d, struct tb *tb, bool *handled)
{
    *handled = false;
    return CPU_EXIT_BUDGET;
}
#endif
