/*
 * The translator's run loop: a drop-in for cpu_run. Each turn handles what
 * the interpreter would handle between blocks (pending events, the budget),
 * finds the block at CS:EIP through the fetch TLB and the translation cache
 * (translating on a miss) and runs it; blocks then continue into each other
 * through chained jumps and dbt_lookup without coming back here. Whatever
 * translated code cannot do exactly runs on the interpreter, at block
 * granularity, with the same budget rules:
 *   - pending events (interrupts, traps, breakpoints, HLT, the STI shadow)
 *     and everything while the debugger or TF wants instruction boundaries;
 *   - a block that does not fit in the remaining budget, or whose end is
 *     beyond the CS limit (the interpreter raises the #GP exactly);
 *   - code that cannot be translated (MMIO, an instruction across a page end);
 *   - tracing (-d exec, -d cpu), which logs every instruction.
 * Faults raised in translated code longjmp here and are delivered exactly
 * as the interpreter delivers them (cpu_exception_recover).
 */
#include "dbt/dbt_int.h"
#include "cpu/cpu_mem.h"
#include "cpu/debugreg.h"
#include "base/log.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)

bool dbt_available(void) { return true; }

struct dbt *dbt_new(struct cpu *c, size_t cache_bytes, bool verify)
{
    struct dbt *d = calloc(1, sizeof(*d));
    if (!d) return NULL;
    d->c = c;
    d->key_gen = ~c->seg_gen; /* no key cached yet */
    d->verify = verify;
    if (!tb_cache_init(d, cache_bytes)) {
        dbt_free(d);
        return NULL;
    }
    dbt_emit_stubs(d);
    tb_hooks_install(d);
    if (verify && !dbt_verify_init(d)) {
        dbt_free(d);
        return NULL;
    }
    if (getenv("VD_DBT_PERFMAP")) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
        d->perfmap = fopen(path, "w");
        if (d->perfmap) setvbuf(d->perfmap, NULL, _IOLBF, 0);
        if (!strcmp(getenv("VD_DBT_PERFMAP"), "2")) {
            snprintf(path, sizeof(path), "/tmp/vdebug-dbt-%d.bin", (int)getpid());
            d->perfmap_code = fopen(path, "wb");
        }
    }
    const char *nn = getenv("VD_DBT_NO_NATIVE");
    if (nn) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s", nn);
        for (char *sv, *tok = strtok_r(buf, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv)) {
            if (!strcmp(tok, "all")) d->no_native_all = true;
            for (int op = 0; op < X86_OP_COUNT; op++)
                if (x86_forms[op].name && !strcmp(x86_forms[op].name, tok)) d->no_native[op / 8] |= (u8)(1u << (op % 8));
        }
    }
    return d;
}

void dbt_free(struct dbt *d)
{
    if (!d) return;
    if (d->c && d->c->code_hook_opaque == d) {
        d->c->code_inval_hook = NULL;
        d->c->code_flush_hook = NULL;
    }
    dbt_verify_free(d);
    if (d->perfmap) fclose(d->perfmap);
    if (d->perfmap_code) fclose(d->perfmap_code);
    tb_cache_free(d);
    free(d);
}

void dbt_flush(struct dbt *d) { d->flush_pending = true; }
void dbt_count_blocks(struct dbt *d, bool on) { d->count_blocks = on; }

void dbt_get_stats(const struct dbt *d, struct dbt_stats *s)
{
    *s = d->st;
    s->code_bytes = d->code_used - d->code_start;
}

/* With EV_DEBUG set, may translated code run the page at lin? Only when
 * the event is there for debugger breakpoints alone and none lies in the
 * page (data breakpoints, DR7 and a pending watchpoint stop need the
 * interpreter's boundaries everywhere). */
static bool debug_allows(const struct cpu *c, u32 lin)
{
    if (cpu_dr_armed(c) || c->wp_pending) return false;
    return !(c->bp_page && c->bp_page(c->bp_opaque, lin & 0xfffff000u));
}

/* Called by translated code at an exit: the code of the block at CS:EIP if
 * it can run now (chaining exit x to it when allowed), else the stub back
 * to the dispatcher. */
const u8 *dbt_lookup(struct dbt *d, struct tb_exit *x)
{
    struct cpu *c = d->c;
    d->st.lookups++;
    if (x) d->st.lookups_direct++;
    if ((c->events & ~(u32)EV_DEBUG) || d->flush_pending || d->verify) return d->exit_stub;
    u32 eip = c->s.eip, lin = c->s.seg[S_CS].base + eip;
    if ((c->events & EV_DEBUG) && !debug_allows(c, lin)) return d->exit_stub;
    const struct tlb_entry *e = &c->tlbc->x[TLB_IDX(lin)];
    if (e->tag != (lin & 0xfffff000u)) return d->exit_stub;
    const struct jc_entry *j = tb_lookup(d, TLB_HOST(e, lin), eip, tb_key_cached(d));
    /* jit_limit: the budget (as icount_limit), 0 after a kick or while blocks are counted */
    if (!j || c->icount + j->n > __atomic_load_n(&c->jit_limit, __ATOMIC_RELAXED)) return d->exit_stub;
    if ((u64)eip + j->bytes - 1 > c->s.seg[S_CS].limit) return d->exit_stub;
    if (x) tb_chain(d, x, j->tb);
    return j->code;
}

/* Run up to n instructions on the interpreter within the current budget.
 * Exception deliveries there count against the budget as they do in
 * cpu_run (one each), so the caller's limit moves with them. */
/* The interpreter up to c->icount_limit, counted in the statistics. */
static int interp_to_limit(struct dbt *d)
{
    u64 start = d->c->icount;
    int r = cpu_run_to_limit(d->c);
    d->st.insns_interp += d->c->icount - start;
    return r;
}

int dbt_interp(struct dbt *d, u64 n)
{
    struct cpu *c = d->c;
    u64 limit = c->icount_limit;
    u64 want = limit - c->icount < n ? limit : c->icount + n;
    c->icount_limit = want;
    c->stop_at_limit = true;
    int r = interp_to_limit(d);
    c->stop_at_limit = false;
    u64 deliveries = want - c->icount_limit;
    c->icount_limit = limit - deliveries;
    return r;
}

/* Events that persist across instructions: while one is set, the
 * interpreter runs the whole rest of the budget (one instruction at a time,
 * as it does itself). */
#define EV_PERSISTENT (EV_TF | EV_TRACE)

/* The budget is spent: handle the events of the final boundary as cpu_run
 * does before it returns (an interrupt due there is taken now). */
static int run_end(struct dbt *d) { return d->c->events ? interp_to_limit(d) : CPU_EXIT_BUDGET; }

static int run_loop(void *opaque)
{
    struct dbt *d = opaque;
    struct cpu *c = d->c;
    for (;;) {
        if (d->flush_pending) tb_flush_now(d);
        if (c->icount >= c->icount_limit) return run_end(d);
        if (c->events) {
            if (c->events & EV_BLOCK_END) __atomic_and_fetch(&c->events, ~(u32)EV_BLOCK_END, __ATOMIC_RELAXED);
            /* The interpreter handles the events (at the budget's end too,
             * as cpu_run does: an interrupt is taken before it returns) */
            if ((c->events & EV_DEBUG) && !debug_allows(c, c->s.seg[S_CS].base + c->s.eip)) {
                int r = dbt_interp(d, 1);
                if (r != CPU_EXIT_BUDGET) return r;
                continue;
            }
            if (c->events & ~(u32)EV_DEBUG) {
                int r = dbt_interp(d, (c->events & EV_PERSISTENT) ? UINT64_MAX : 1);
                if (r != CPU_EXIT_BUDGET) return r;
                continue;
            }
        }
        u32 eip = c->s.eip, lin = c->s.seg[S_CS].base + eip;
        const struct tlb_entry *e = &c->tlbc->x[TLB_IDX(lin)];
        const u8 *host;
        if (likely(e->tag == (lin & 0xfffff000u))) {
            host = TLB_HOST(e, lin);
        } else {
            size_t avail;
            host = cpu_fetch_ptr(c, lin, &avail); /* may raise #PF */
            if (e->tag != (lin & 0xfffff000u)) host = NULL; /* MMIO or kept slow */
        }
        struct tb *tb = NULL;
        if (host) {
            u32 key = tb_key_cached(d);
            const struct jc_entry *j = tb_lookup(d, host, eip, key);
            tb = j ? j->tb : NULL;
            if (!tb) {
                tb = dbt_translate(d, host, 0x1000 - (lin & 0xfff), eip, key);
                if (!tb && d->flush_pending) continue; /* the cache was full: flush, retry */
            }
        }
        if (!tb || tb->n > c->icount_limit - c->icount || (u64)eip + tb->bytes - 1 > c->s.seg[S_CS].limit) {
            int r = dbt_interp(d, tb ? c->icount_limit - c->icount : 1);
            if (r != CPU_EXIT_BUDGET) return r;
            continue;
        }
        /* the budget translated code checks, then no kick may be missed:
         * cpu_kick sets EV_STOP before it zeroes jit_limit */
        const u8 *code = tb->code;
        u64 jit_limit = c->icount_limit;
        if (unlikely(d->count_blocks) && !d->verify) {
            /* this block alone: entered past its own budget check (it fits,
             * see above), with a budget no successor's check passes, so
             * neither a chained jump nor dbt_lookup goes on to another */
            code += tb->body_off;
            jit_limit = 0;
        }
        __atomic_store_n(&c->jit_limit, jit_limit, __ATOMIC_RELAXED);
        if (__atomic_load_n(&c->events, __ATOMIC_RELAXED) & ~(u32)EV_DEBUG) continue;
        u64 start = c->icount;
        if (unlikely(d->count_blocks)) c->blocks++;
        if (d->verify) {
            bool handled;
            int r = (int)dbt_verify_block(d, tb, &handled);
            if (handled) {
                if (r != CPU_EXIT_BUDGET) return r;
                continue;
            }
        }
        d->enter(c, code);
        d->st.insns_translated += c->icount - start;
    }
}

enum cpu_exit dbt_run(struct dbt *d, u64 max_insns)
{
    struct cpu *c = d->c;
    c->icount_limit = c->icount + max_insns;
    /* instruction traces: the interpreter logs every instruction */
    if (vd_log_enabled(LOG_EXEC | LOG_CPU)) return (enum cpu_exit)interp_to_limit(d);
    /* faults raised in translated code or the dispatcher's fetch are delivered there */
    return (enum cpu_exit)cpu_run_guarded(c, run_loop, d);
}

#else /* not an x86-64 host: the interpreter is the only software engine */

bool dbt_available(void) { return false; }
struct dbt *dbt_new(struct cpu *c, size_t cache_bytes, bool verify) { return NULL; }
void dbt_free(struct dbt *d) {}
enum cpu_exit dbt_run(struct dbt *d, u64 max_insns) { return CPU_EXIT_STOP; }
void dbt_flush(struct dbt *d) {}
void dbt_count_blocks(struct dbt *d, bool on) {}
void dbt_get_stats(const struct dbt *d, struct dbt_stats *s) { memset(s, 0, sizeof(*s)); }

#endif
