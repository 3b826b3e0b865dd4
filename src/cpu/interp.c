/*
 * The interpreter's run loop: fetch through the fetch TLB, look the
 * instruction up in the decoded cache (keyed by the host address of its
 * first byte), and call its handler. Decoding happens once per instruction
 * until the bytes change; writes to pages that hold decoded code go through
 * the slow write path, which calls cpu_invalidate_host.
 */
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"
#include "base/log.h"
#include <stdlib.h>

struct cpu *cpu_new(const struct cpu_bus *bus)
{
    struct cpu *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->bus = *bus;
    size_t pages = (size_t)((bus->ram_size + 0xfff) >> 12);
    c->code_pages = calloc((pages + 7) / 8 + 1, 1);
    if (!c->code_pages) {
        free(c);
        return NULL;
    }
    /* every TLB entry starts invalid (flushes only visit entries filled since) */
    for (int k = 0; k < 2; k++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            c->tlb[k].r[i].tag = c->tlb[k].w[i].tag = c->tlb[k].x[i].tag = TLB_INVALID;
    cpu_reset(c);
    return c;
}

void cpu_free(struct cpu *c)
{
    if (!c) return;
    free(c->code_pages);
    free(c);
}

void cpu_kick(struct cpu *c) { __atomic_or_fetch(&c->events, EV_STOP, __ATOMIC_RELAXED); }

void cpu_set_intr(struct cpu *c, bool level)
{
    if (level) c->events |= EV_IRQ;
    else c->events &= ~EV_IRQ;
}

void cpu_raise_nmi(struct cpu *c)
{
    c->s.nmi_pending = 1;
    c->events |= EV_NMI;
}

void cpu_dcache_flush(struct cpu *c)
{
    for (unsigned i = 0; i < DCACHE_SIZE; i++) c->dcache[i].key = NULL;
    memset(c->code_pages, 0, (size_t)((c->bus.ram_size + 0xfff) >> 12) / 8 + 1);
}

static inline struct dcache_entry *dc_slot(struct cpu *c, const u8 *p)
{
    return &c->dcache[(uintptr_t)p & (DCACHE_SIZE - 1)];
}

void cpu_invalidate_host(struct cpu *c, const u8 *host, size_t len)
{
    /* An entry covers at most 15 bytes, so only entries starting up to 14
     * bytes before the write can overlap it. */
    if (len > DCACHE_SIZE) {
        for (unsigned i = 0; i < DCACHE_SIZE; i++) c->dcache[i].key = NULL;
        return;
    }
    for (const u8 *p = host - 14; p < host + len; p++) {
        struct dcache_entry *e = dc_slot(c, p);
        if (e->key == p) e->key = NULL;
    }
}

/* RAM page index of a host pointer, or -1 if it is not RAM (ROM needs no tracking). */
static inline long ram_page(const struct cpu *c, const u8 *p)
{
    if (p < c->bus.ram || p >= c->bus.ram + c->bus.ram_size) return -1;
    return (long)((size_t)(p - c->bus.ram) >> 12);
}

bool cpu_is_code_page(const struct cpu *c, const u8 *host)
{
    long pg = ram_page(c, host);
    return pg >= 0 && (c->code_pages[pg >> 3] & (1u << (pg & 7)));
}

/* First decode from a RAM page: remember it holds code, and send write-TLB
 * entries that map it to the slow path, which invalidates decoded code. */
static void mark_code_page(struct cpu *c, const u8 *host)
{
    long pg = ram_page(c, host);
    if (pg < 0 || (c->code_pages[pg >> 3] & (1u << (pg & 7)))) return;
    c->code_pages[pg >> 3] |= (u8)(1u << (pg & 7));
    cpu_tlb_drop_host_writes(c, c->bus.ram + ((size_t)pg << 12));
}

static void log_insn(struct cpu *c, const struct x86_insn *in)
{
    char buf[96];
    x86_format(in, c->s.eip, buf, sizeof(buf));
    vd_logf("%04x:%08x  %s\n", c->s.seg[S_CS].sel, c->s.eip, buf);
}

/* Fetch and decode the instruction at CS:EIP; returns its cache entry, or
 * fills *tmp for an instruction that cannot be cached (crosses a page, MMIO). */
static const struct dcache_entry *fetch_decode(struct cpu *c, struct dcache_entry *tmp)
{
    u32 lin = c->s.seg[S_CS].base + c->s.eip;
    size_t avail;
    const u8 *p = cpu_fetch_ptr(c, lin, &avail);
    u8 mode = c->code_mode;
    if (p) {
        struct dcache_entry *e = dc_slot(c, p);
        if (likely(e->key == p && e->mode == mode)) return e;
        int n = x86_decode(p, avail, (enum x86_mode)mode, &tmp->in);
        if (n > 0) {
            mark_code_page(c, p);
            e->key = p;
            e->mode = mode;
            e->in = tmp->in;
            e->fn = cpu_select_handler(&e->in);
            if (vd_log_enabled(LOG_IN_ASM)) log_insn(c, &e->in);
            return e;
        }
        if (n == X86_DEC_TOOLONG) cpu_raise(c, EXC_GP, 0);
    }
    /* Slow path: gather up to 15 bytes one at a time (faults name the right page). */
    u8 buf[15];
    size_t have = 0;
    int n = X86_DEC_TRUNC;
    while (n == X86_DEC_TRUNC && have < sizeof(buf)) {
        if (c->s.eip + have > c->s.seg[S_CS].limit && !(c->s.eip + have < c->s.eip))
            cpu_raise(c, EXC_GP, 0);
        buf[have] = (u8)cpu_read_slow(c, lin + (u32)have, 1, ACC_FETCH);
        have++;
        n = x86_decode(buf, have, (enum x86_mode)mode, &tmp->in);
    }
    if (n < 0) cpu_raise(c, EXC_GP, 0);
    tmp->key = NULL;
    tmp->mode = mode;
    tmp->fn = cpu_select_handler(&tmp->in);
    if (vd_log_enabled(LOG_IN_ASM)) log_insn(c, &tmp->in);
    return tmp;
}

/* Recover from a raised exception: deliver it. Runs on the run loop's stack
 * after longjmp; a fault during delivery longjmps here again. */
static int handle_exception(struct cpu *c)
{
    int vec = c->exc_pending_vec;
    c->exc_pending_vec = -1;
    if (vec == CPU_VEC_TRIPLE) {
        c->exc_nest = 0;
        return CPU_EXIT_TRIPLE_FAULT;
    }
    /* A delivery retires no instruction, yet counts against the budget: a
     * guest stuck delivering faults forever (a #UD handler that is UD2) must
     * not keep cpu_run from returning to the machine loop and the debugger. */
    if (c->icount_limit > c->icount) c->icount_limit--;
    c->exc_nest++;
    cpu_deliver(c, vec, INTK_HW, c->exc_has_err, c->exc_pending_err);
    c->exc_nest = 0;
    return c->step_mode ? CPU_EXIT_BUDGET : -1;
}

static void log_state(struct cpu *c, const struct x86_insn *in)
{
    if (vd_log_mask & LOG_CPU)
        vd_logf("EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x EFL=%08x\n",
                c->s.gpr[0], c->s.gpr[3], c->s.gpr[1], c->s.gpr[2], c->s.gpr[6], c->s.gpr[7],
                c->s.gpr[5], c->s.gpr[4], cpu_get_eflags(c));
    if (vd_log_mask & LOG_EXEC) log_insn(c, in);
}

/*
 * The hot loop. Kept apart from cpu_run's setjmp so that the compiler can
 * hold c in a register (a function that calls setjmp must keep its locals
 * in memory). The common case per instruction: one events test, one budget
 * test, the inline fetch-TLB probe, the decoded-cache probe, the CS limit
 * test and the handler call.
 */
static __attribute__((noinline)) int run_loop(struct cpu *c)
{
    const bool trace = vd_log_enabled(LOG_EXEC | LOG_CPU);
    struct dcache_entry tmp;
    /* The code page in use: its linear page and host address, valid while
     * c->tlb_gen is unchanged (a register-held copy of one fetch-TLB entry). */
    u32 cpage = TLB_INVALID, cgen = 0;
    uintptr_t caddend = 0;
    for (;;) {
        if (unlikely(c->events)) {
            int r = cpu_events(c);
            if (r >= 0) return r;
        }
        if (unlikely(c->icount >= c->icount_limit)) return CPU_EXIT_BUDGET;
        u32 lin = c->s.seg[S_CS].base + c->s.eip;
        const struct dcache_entry *e;
        if (unlikely((lin & 0xfffff000u) != cpage || c->tlb_gen != cgen)) {
            const struct tlb_entry *t = &c->tlbc->x[TLB_IDX(lin)];
            if (t->tag == (lin & 0xfffff000u)) {
                cpage = t->tag;
                caddend = t->addend;
                cgen = c->tlb_gen;
            } else {
                cpage = TLB_INVALID;
            }
        }
        if (likely(cpage != TLB_INVALID)) {
            const u8 *p = (const u8 *)((uintptr_t)lin + caddend);
            e = dc_slot(c, p);
            if (unlikely(e->key != p || e->mode != c->code_mode)) e = fetch_decode(c, &tmp);
        } else {
            e = fetch_decode(c, &tmp);
        }
        if (unlikely((u64)c->s.eip + e->in.len - 1 > c->s.seg[S_CS].limit)) cpu_raise(c, EXC_GP, 0);
        c->next_eip = c->s.eip + e->in.len;
        if (unlikely(trace)) log_state(c, &e->in);
        e->fn(c, &e->in);
        c->s.eip = c->next_eip;
        c->icount++;
    }
}

enum cpu_exit cpu_run(struct cpu *c, u64 max_insns)
{
    jmp_buf jb;
    jmp_buf *volatile saved = c->jb;
    c->icount_limit = c->icount + max_insns;
    c->jb = &jb;
    int r;
    if (setjmp(jb)) {
        /* an exception was raised: deliver it (a fault during delivery lands here again) */
        r = handle_exception(c);
        if (r >= 0) goto out;
    }
    r = run_loop(c);
out:
    c->jb = saved;
    return (enum cpu_exit)r;
}
