/*
 * The translator's internals, shared by its files:
 *   tb.c        translation blocks: the cache memory, lookup, chaining,
 *               invalidation and flushes
 *   translate.c guest block -> host code (native emitters, handler calls)
 *   dbt.c       the run loop (dispatcher), the way into and out of host code
 *   verify.c    the lockstep checker
 *
 * Host code conventions (System V x86-64):
 *   rbx  struct cpu *c for the whole stay in translated code
 *   r12  the instruction count at the entry of the block running now;
 *        c->icount in memory is written from it before anything outside
 *        translated code looks (a handler call, a slow path, an exit to the
 *        lookup or the dispatcher); a chained jump only adds to r12
 *   r8-r11, rbp, r13-r15  guest EAX..EDI, cached within one block
 *        (translate.c: loaded on first use, written back to c->s.gpr before
 *        a handler call, a slow path or an exit; nothing is cached across
 *        a block boundary)
 *   rax, rcx, rdx, rsi, rdi  scratch; helpers are called with the stack
 *   16-aligned (the entry trampoline aligns it; translated code pushes only
 *   even numbers of registers around a helper call).
 * Guest state is in struct cpu whenever anything but the block's own code
 * may look (registers in c->s.gpr, arithmetic flags in c->lf exactly as the
 * interpreter keeps them), so a handler call or a fault sees the
 * interpreter's state; EIP and the instruction count are written just
 * before they are needed (a handler call, a slow path, an exit).
 */
#ifndef VD_DBT_INT_H
#define VD_DBT_INT_H
#include "dbt/dbt.h"
#include "dbt/x64.h"
#include <stddef.h>
#include <stdio.h>

#define TB_MAX_INSNS 64      /* a block ends at a branch or after this many; interrupts still arrive at exact counts (a block is entered only whole within the budget) */
#define TB_HASH_BITS 16

/* The mode a translation was made for (code that is identical in bytes but
 * runs with a different key is translated again). */
enum {
    KEY_MODE32 = 1u << 0,    /* CS.D */
    KEY_USER = 1u << 1,      /* CPL 3: the emitted TLB probes use tlb[1] */
    KEY_SS32 = 1u << 2,      /* SS.B */
    KEY_CSLIM4G = 1u << 3,   /* CS limit 0xffffffff: chained jumps need no limit check */
    KEY_FLAT_SHIFT = 8,      /* bit 8 + seg: that segment is flat (base 0, limit 4G, RW) */
    KEY_BIG_SHIFT = 16,      /* bit 16 + seg: limit 4G, RW, any base (added at run time: a
                              * per-CPU FS or a TLS GS needs no retranslation when it moves) */
};

/* One exit of a block to a known guest EIP, patchable to jump straight to
 * the block that runs there (chaining). */
struct tb_exit {
    u8 *jmp;                 /* the rel32 of the exit's jmp; unchained it points to the next byte */
    struct tb *src;
    struct tb *dst;          /* chained to, or NULL */
    struct tb_exit *next_in; /* the other exits chained to dst */
};

struct tb {
    const u8 *host;          /* host address of the first guest byte; NULL when dropped */
    u32 eip;                 /* guest EIP of the first instruction */
    u32 key;                 /* KEY_* */
    u32 csbase;              /* CS base it was translated under */
    u16 bytes;               /* guest bytes covered */
    u8 n;                    /* guest instructions */
    u8 nexit;
    u8 body_off;             /* code + body_off: past the entry's budget check (dbt_count_blocks) */
    u32 gen;                 /* cache generation it belongs to */
    u8 *code;                /* entry point */
    u8 *xentry;              /* entry for chained jumps from another page: checks first that the
                              * block's linear page still maps to its host page and that no
                              * debugger breakpoint is set, else looks up */
    u32 code_size;
    struct tb *hash_next;
    struct tb *page_next;    /* other blocks translated from the same RAM page */
    struct tb_exit *in;      /* exits of other blocks chained to this one */
    struct tb_exit *exits;   /* its own patchable exits (nexit of them) */
    const struct x86_insn *insns; /* the decoded instructions (n) */
};

/* The jump cache: recent lookups by EIP, direct-mapped, with what
 * dbt_lookup needs of the block, so that a hit touches only the entry (the
 * hash table and the block descriptors are megabytes). Entries of dropped
 * blocks are cleared; a flush clears all. */
#define JC_BITS 12
struct jc_entry {
    u32 eip, key, csbase;
    u16 bytes;
    u8 n;
    const u8 *host;          /* NULL: empty */
    const u8 *code;
    struct tb *tb;
};

struct dbt {
    struct cpu *c;
    bool verify;
    /* executable memory: the fixed stubs first, then block code */
    u8 *mem;
    size_t mem_size, code_start, code_used;
    /* block descriptors and exit descriptors: arrays refilled on flush */
    struct tb *tbs;
    size_t ntb, max_tb;
    struct tb_exit *exits;
    size_t nexits, max_exits;
    struct tb *hash[1u << TB_HASH_BITS];
    struct jc_entry jc[1u << JC_BITS];
    struct tb **page_head;   /* per RAM page */
    size_t ram_pages;
    u32 gen;
    bool flush_pending;      /* flush at the next dispatcher turn (code may be running now) */
    bool count_blocks;       /* dbt_count_blocks: one block per dispatcher turn, counted in c->blocks */
    /* fixed stubs */
    void (*enter)(struct cpu *c, const u8 *code); /* the trampoline into host code */
    u8 *exit_stub;           /* return to the dispatcher */
    u8 *lookup_stub;         /* find the next block from c->s.eip and go there: rsi = exit or 0 */
    struct dbt_stats st;
    /* VD_DBT_NO_NATIVE=FORM,FORM,...|all: forms that call their handler
     * instead of native code (for bisecting a translation bug) */
    u8 no_native[(X86_OP_COUNT + 7) / 8];
    bool no_native_all;
    void *verifier;          /* verify.c's state when verify is on */
    u32 key, key_gen;        /* tb_key_cached: key is tb_key() while c->seg_gen == key_gen */
    FILE *perfmap;           /* VD_DBT_PERFMAP=1: /tmp/perf-PID.map names each block for perf */
    FILE *perfmap_code;      /* VD_DBT_PERFMAP=2: and /tmp/vdebug-dbt-PID.bin holds their code, in order */
};

/* tb.c */
bool tb_cache_init(struct dbt *d, size_t bytes);
void tb_cache_free(struct dbt *d);
u32 tb_key(const struct cpu *c);
/* tb_key, recomputed only when c->seg_gen moved */
static inline u32 tb_key_cached(struct dbt *d)
{
    if (d->key_gen != d->c->seg_gen) {
        d->key = tb_key(d->c);
        d->key_gen = d->c->seg_gen;
    }
    return d->key;
}
struct tb *tb_find(struct dbt *d, const u8 *host, u32 eip, u32 key);
/* tb_find through the jump cache: the entry describing the block, or NULL */
const struct jc_entry *tb_lookup(struct dbt *d, const u8 *host, u32 eip, u32 key);
/* Allocate a block (NULL when the descriptor arrays are full). */
struct tb *tb_alloc(struct dbt *d);
struct tb_exit *tb_alloc_exits(struct dbt *d, unsigned n);
void tb_insert(struct dbt *d, struct tb *tb);
void tb_flush_now(struct dbt *d);
/* Patch exit x to jump to tb's code, if the rules allow it. */
void tb_chain(struct dbt *d, struct tb_exit *x, struct tb *tb);
void tb_hooks_install(struct dbt *d);

/* translate.c: translate the block at host/eip for the current mode; NULL
 * when the first instruction cannot be translated here (crosses the page
 * end) or the cache is full (d->flush_pending is then set). */
struct tb *dbt_translate(struct dbt *d, const u8 *host, size_t avail, u32 eip, u32 key);
/* The fixed stubs at the start of the cache. */
void dbt_emit_stubs(struct dbt *d);

/* dbt.c: called from translated code to find the next block */
const u8 *dbt_lookup(struct dbt *d, struct tb_exit *x);

/* Run up to n instructions on the interpreter inside the current budget. */
int dbt_interp(struct dbt *d, u64 n);

/* verify.c */
bool dbt_verify_init(struct dbt *d);
void dbt_verify_free(struct dbt *d);
enum cpu_exit dbt_verify_block(struct dbt *d, struct tb *tb, bool *handled);

/* offsets into struct cpu for the emitters */
#define OFF_GPR(r) ((i32)(offsetof(struct cpu, s.gpr) + 4 * (r)))
#define OFF_EIP ((i32)offsetof(struct cpu, s.eip))
#define OFF_SEGBASE(sg) ((i32)(offsetof(struct cpu, s.seg) + (sg) * sizeof(struct seg) + offsetof(struct seg, base)))
#define OFF_EFLAGS ((i32)offsetof(struct cpu, s.eflags))
#define OFF_NEXT_EIP ((i32)offsetof(struct cpu, next_eip))
#define OFF_EVENTS ((i32)offsetof(struct cpu, events))
#define OFF_ICOUNT ((i32)offsetof(struct cpu, icount))
#define OFF_JIT_LIMIT ((i32)offsetof(struct cpu, jit_limit))
#define OFF_LF_RES ((i32)offsetof(struct cpu, lf.res))
#define OFF_LF_OP1 ((i32)offsetof(struct cpu, lf.op1))
#define OFF_LF_OP2 ((i32)offsetof(struct cpu, lf.op2))
#define OFF_LF_KIND ((i32)offsetof(struct cpu, lf.kind))

#endif
