/*
 * The interpreter's run loop: translate CS:EIP through the fetch TLB, look
 * the block that starts there up in the block cache (block.h; keyed by the
 * host address of its first byte), and call the handlers of its
 * instructions. Decoding happens once per block until the bytes change;
 * writes to pages that hold decoded code go through the slow write path,
 * which calls cpu_invalidate_host.
 */
#include "cpu/cpu.h"
#include "cpu/block.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"
#include "base/log.h"
#include <stdlib.h>

struct cpu *cpu_new(const struct cpu_bus *bus)
{
    struct cpu *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->bus = *bus;
    c->bc = block_cache_new((size_t)((bus->ram_size + 0xfff) >> 12));
    if (!c->bc) {
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
    block_cache_free(c->bc);
    free(c);
}

void cpu_kick(struct cpu *c)
{
    __atomic_or_fetch(&c->events, EV_STOP, __ATOMIC_RELAXED);
    __atomic_store_n(&c->jit_limit, 0, __ATOMIC_RELAXED); /* translated code stops at its next block */
}

void cpu_set_intr(struct cpu *c, bool level)
{
    c->intr_line = level;
    cpu_irq_update(c);
}

void cpu_raise_nmi(struct cpu *c)
{
    c->s.nmi_pending = 1;
    c->events |= EV_NMI;
}

/* An instruction that cannot come from a block (it crosses a page end, or
 * the code is in MMIO): gather its bytes one at a time, so that a fault
 * names the right page, into *tmp. */
static const struct block_insn *fetch_slow(struct cpu *c, u32 lin, struct block_insn *tmp)
{
    u8 buf[15];
    size_t have = 0;
    int n = X86_DEC_TRUNC;
    while (n == X86_DEC_TRUNC && have < sizeof(buf)) {
        if (c->s.eip + have > c->s.seg[S_CS].limit && !(c->s.eip + have < c->s.eip))
            cpu_raise(c, EXC_GP, 0);
        buf[have] = (u8)cpu_read_slow(c, lin + (u32)have, 1, ACC_FETCH);
        have++;
        n = x86_decode(buf, have, (enum x86_mode)c->code_mode, &tmp->in);
    }
    if (n < 0) cpu_raise(c, EXC_GP, 0);
    tmp->fn = cpu_select_handler(&tmp->in);
    if (vd_log_enabled(LOG_IN_ASM)) {
        char t[96];
        x86_format(&tmp->in, c->s.eip, t, sizeof(t));
        vd_logf("%04x:%08x  %s\n", c->s.seg[S_CS].sel, c->s.eip, t);
    }
    return tmp;
}

/* Recover from a raised exception: deliver it. Runs on the run loop's stack
 * after longjmp; a fault during delivery longjmps here again. */
int cpu_exception_recover(struct cpu *c)
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
    if (vd_log_mask & LOG_EXEC) {
        char buf[96];
        x86_format(in, c->s.eip, buf, sizeof(buf));
        vd_logf("%04x:%08x  %s\n", c->s.seg[S_CS].sel, c->s.eip, buf);
    }
}

/* Run instructions x[0..n-1] of a block, starting at c->s.eip. Stops early
 * after an instruction that did not fall through to the next one (a REP
 * iteration batch, an instruction re-run) or that raised an event: an
 * interrupt line, a trap, EV_BLOCK_END (code written, TLB changed). */
static inline __attribute__((always_inline)) void run_block(struct cpu *c, const struct block_insn *x, u32 n)
{
    const struct block_insn *end = x + n;
    u32 eip = c->s.eip;
    for (;;) {
        u32 next = eip + x->in.len;
        c->next_eip = next;
        x->fn(c, &x->in);
        eip = c->next_eip;
        c->s.eip = eip;
        c->icount++;
        if (++x == end || unlikely(c->events | (eip ^ next))) return;
    }
}

/*
 * The hot loop. Kept apart from cpu_run's setjmp so that the compiler can
 * hold c in a register (a function that calls setjmp must keep its locals
 * in memory). Per block: one events test, one budget test, the fetch
 * translation (a register-held copy of the code page's fetch-TLB entry),
 * the block-cache probe and one CS limit test; per instruction: the handler
 * call and a test that it fell through without raising an event.
 *
 * While c->events is non-zero (a trap, shadow or breakpoint armed, an
 * interrupt pending but masked, tracing) every instruction goes through
 * cpu_events first, one at a time: events are handled at exactly the
 * instruction boundaries they would be without blocks.
 */
static __attribute__((noinline)) int run_loop(struct cpu *c)
{
    const bool trace = vd_log_enabled(LOG_EXEC | LOG_CPU);
    struct block_insn tmp;
    /* The code page in use: its linear page and host address, valid while
     * c->tlb_gen is unchanged (a register-held copy of one fetch-TLB entry). */
    u32 cpage = TLB_INVALID, cgen = 0;
    uintptr_t caddend = 0;
    const u32 nmax = trace ? 1 : BLOCK_MAX_INSNS; /* tracing logs every instruction */
    for (;;) {
        u32 n = nmax;
        if (unlikely(c->events)) {
            if (c->stop_at_limit && c->icount >= c->icount_limit) return CPU_EXIT_BUDGET;
            if (c->events & EV_BLOCK_END) __atomic_and_fetch(&c->events, ~(u32)EV_BLOCK_END, __ATOMIC_RELAXED);
            if (c->events) {
                int r = cpu_events(c);
                if (r >= 0) return r;
                n = 1;
            }
        }
        u64 left = c->icount_limit - c->icount;
        if (unlikely(c->icount >= c->icount_limit)) return CPU_EXIT_BUDGET;
        if (left < n) n = (u32)left;
        u32 lin = c->s.seg[S_CS].base + c->s.eip;
        if (unlikely((lin & 0xfffff000u) != cpage || c->tlb_gen != cgen)) {
            const struct tlb_entry *t = &c->tlbc->x[TLB_IDX(lin)];
            if (t->tag != (lin & 0xfffff000u)) {
                size_t avail;
                cpu_fetch_ptr(c, lin, &avail); /* fills the entry or raises #PF */
            }
            cgen = c->tlb_gen;
            if (t->tag == (lin & 0xfffff000u)) {
                cpage = t->tag;
                caddend = t->addend;
            } else {
                cpage = TLB_INVALID; /* MMIO code, or kept slow */
            }
        }
        const struct block *b = NULL;
        if (likely(cpage != TLB_INVALID)) {
            const u8 *p = (const u8 *)((uintptr_t)lin + caddend);
            b = block_find(c->bc, p, c->code_mode);
            if (unlikely(!b)) b = block_build(c, p, 0x1000 - (lin & 0xfff), c->code_mode, c->s.eip);
        }
        const struct block_insn *x;
        if (likely(b)) {
            x = b->insn;
            if (n > b->n) n = b->n;
            if (unlikely((u64)c->s.eip + b->bytes - 1 > c->s.seg[S_CS].limit)) n = 1;
        } else {
            x = fetch_slow(c, lin, &tmp);
            n = 1;
        }
        if (n == 1) {
            if (unlikely((u64)c->s.eip + x->in.len - 1 > c->s.seg[S_CS].limit)) cpu_raise(c, EXC_GP, 0);
            if (unlikely(trace)) log_state(c, &x->in);
        }
        c->blocks++;
        run_block(c, x, n);
    }
}
enum cpu_exit cpu_run(struct cpu *c, u64 max_insns)
{
    c->icount_limit = c->icount + max_insns;
    return cpu_run_to_limit(c);
}

int cpu_run_guarded(struct cpu *c, int (*loop)(void *), void *arg)
{
    jmp_buf jb;
    jmp_buf *volatile saved = c->jb;
    c->jb = &jb;
    int r;
    if (setjmp(jb)) {
        /* an exception was raised: deliver it (a fault during delivery lands here again) */
        r = cpu_exception_recover(c);
        if (r >= 0) goto out;
    }
    r = loop(arg);
out:
    c->jb = saved;
    return r;
}

static int interp_loop(void *c) { return run_loop(c); }

enum cpu_exit cpu_run_to_limit(struct cpu *c) { return (enum cpu_exit)cpu_run_guarded(c, interp_loop, c); }
