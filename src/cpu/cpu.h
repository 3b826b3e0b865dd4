/*
 * struct cpu: the interpreter's CPU. The architectural state (struct
 * cpu_state) is embedded first; around it sit the interpreter's caches:
 * lazy flags, the software TLB, the decoded-block cache, and the bus
 * through which the CPU reaches memory and ports without knowing the board.
 *
 * Conventions every handler follows (see docs/internals.md):
 *  - c->s.eip is the address of the current instruction while it runs;
 *    c->next_eip is preset to eip + len, and a branch writes c->next_eip.
 *  - A fault is raised with cpu_raise(), which does not return (longjmp to
 *    the run loop). Handlers therefore do every check and every memory
 *    access that can fault before they change any register, so a faulting
 *    instruction leaves no trace (precise exceptions).
 *  - Arithmetic flags live in c->lf (lazy) until read; use cpu_get_eflags /
 *    cpu_set_eflags (flags.h) to see or change EFLAGS as a whole.
 */
#ifndef VD_CPU_CPU_H
#define VD_CPU_CPU_H
#include "base/types.h"
#include "cpu/state.h"
#include "x86/insn.h"
#include <setjmp.h>

struct cpu;
typedef void (*cpu_handler)(struct cpu *c, const struct x86_insn *i);
/* Every instruction handler has this signature. */
#define HANDLER(name) void name(struct cpu *c, const struct x86_insn *i)

/*
 * The bus: how the CPU reaches the machine. The accel layer fills it.
 * ram/ram_size let the CPU turn host pointers back into page numbers for
 * self-modifying-code tracking.
 */
struct cpu_bus {
    void *opaque;
    /* Host pointer to guest-physical byte paddr for RAM (and ROM on read),
     * valid to the end of its 4 KiB page; NULL for MMIO/unmapped/ROM-write. */
    u8 *(*ptr)(void *opaque, u64 paddr, bool write);
    u32 (*mmio_read)(void *opaque, u64 paddr, unsigned size);
    void (*mmio_write)(void *opaque, u64 paddr, u32 val, unsigned size);
    u32 (*io_in)(void *opaque, u16 port, unsigned size);
    void (*io_out)(void *opaque, u16 port, u32 val, unsigned size);
    /* Interrupt acknowledge: the vector of the highest pending PIC interrupt. */
    int (*intr_ack)(void *opaque);
    u8 *ram;
    u64 ram_size;
    /* Write tracking for snapshots (NULL: off): a bit per RAM page written
     * since the bits were cleared. The CPU calls page_written(dirty_opaque, page)
     * before the first write to a page whose bit is clear (it sets the bit);
     * fast write TLB entries exist only for pages whose bit is set.
     * dirty_opaque, not opaque: a bus wrapper (the lockstep checker) may
     * replace opaque. */
    u64 *dirty;
    void (*page_written)(void *dirty_opaque, u64 page);
    void *dirty_opaque;
};

/* ---- software TLB ---- */
/* 4096 entries per array: a kernel's working set of a few thousand pages
 * stays cached (hardware TLBs are smaller; the size is not architectural).
 * Flushes visit only the entries marked in `used`, so a large TLB does not
 * make CR3 loads dearer. */
#define TLB_BITS 12
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_INVALID 0xfffu   /* low bits set: never equals a masked linear address */
struct tlb_entry {
    u32 tag;          /* linear page address, or TLB_INVALID */
    u32 paddr;        /* physical page address (for 'info tlb' and MMIO) */
    uintptr_t addend; /* host = linear + addend; 0 for pages that are not RAM/ROM */
    u32 pte_flags;    /* the effective PTE/PDE flags the walk found (U/S, R/W, G, D, A, NX) */
    u32 watch_only;   /* 1: kept slow only because the page holds a debugger watchpoint, so an
                       * access that misses every watched range may use addend (the translator) */
    u64 pad;          /* 32 bytes: the translator's inline probe scales the index with one shift */
};
struct tlb_set {
    struct tlb_entry r[TLB_SIZE], w[TLB_SIZE], x[TLB_SIZE];
    /* [ACC_READ/WRITE/FETCH]: entries filled since they were last dropped,
     * and which words of `used` are not zero */
    u64 used[3][TLB_SIZE / 64];
    u64 used_words[3];
    bool large;                   /* may hold large-page entries (INVLPG must then look beyond one slot) */
};

/* ---- decoded code: blocks of instructions (block.h) ---- */
struct block_cache;

/* c->events: anything that needs attention between instructions */
enum {
    EV_IRQ = 1u << 0,      /* INTR is high and IF=1: an interrupt is deliverable (cpu_irq_update) */
    EV_NMI = 1u << 1,      /* NMI pending */
    EV_SHADOW = 1u << 2,   /* STI/MOV SS shadow: no interrupt before the next instruction */
    EV_TF = 1u << 3,       /* EFLAGS.TF is set: trap after the next instruction */
    EV_STOP = 1u << 4,     /* leave the run loop (debugger, signal, reset request) */
    EV_DEBUG = 1u << 5,    /* debugger breakpoints or DR7 breakpoints are armed */
    EV_HALT = 1u << 6,     /* in HLT */
    EV_TRACE = 1u << 7,    /* protection model: single-step #DB or RF clear due at the next boundary */
    EV_BLOCK_END = 1u << 15, /* decoded code or the TLB changed: leave the block in progress (run loop only) */
};

/* why cpu_run returned */
enum cpu_exit {
    CPU_EXIT_BUDGET,       /* executed the requested number of instructions */
    CPU_EXIT_HLT,          /* halted; waiting for an interrupt */
    CPU_EXIT_STOP,         /* EV_STOP was set (kick) */
    CPU_EXIT_BREAKPOINT,   /* c->s.eip is at a debugger breakpoint (not executed) */
    CPU_EXIT_WATCHPOINT,   /* an access hit a debugger watchpoint (instruction completed) */
    CPU_EXIT_TRIPLE_FAULT, /* shutdown: the machine decides (reset or exit) */
};

struct lazyflags {
    u32 res;    /* result of the last flag-setting operation */
    u32 op1;    /* first source operand */
    u32 op2;    /* second source operand (or carry-in for ADC/SBB, count for shifts) */
    u32 kind;   /* LF_* (flags.h); LF_NONE: the arithmetic bits of s.eflags are exact */
};

/* Per-segment access check, derived from the descriptor cache by
 * cpu_seg_recompute(): an access of `size` bytes at offset off is allowed
 * when (ok & kind) and lo <= off and off + size - 1 <= hi. */
struct segcheck {
    u32 lo, hi;
    u8 ok;                  /* SEGCHK_R | SEGCHK_W */
};
enum { SEGCHK_R = 1, SEGCHK_W = 2 };

struct cpu {
    struct cpu_state s;     /* architectural state; hot fields are its first members */
    struct segcheck segchk[6];
    u32 next_eip;
    u32 events;             /* EV_* */
    bool intr_line;         /* the INTR input's level (EV_IRQ only while IF=1 too, so that a
                             * masked interrupt does not keep the run loop off its fast path) */
    bool intr_inhibit;      /* the debugger's single step without interrupts: INTR ignored, NMI held */
    struct lazyflags lf;
    u64 icount;             /* instructions retired */
    u64 icount_limit;       /* cpu_run stops when icount reaches this */
    u64 jit_limit;          /* the budget translated code checks at each block's entry: the
                             * dispatcher's icount_limit, or 0 once cpu_kick asked for a stop
                             * (the only event that can arrive while a chain of blocks runs:
                             * every other is raised by a handler, and translated code checks
                             * events after each handler call) */
    struct tlb_set *tlbc;   /* &tlb[CPL == 3] */
    u32 tlb_gen;            /* bumped whenever TLB entries are dropped or tlbc changes */
    u8 code_mode;           /* X86_MODE_16/32: CS.D, kept in sync by segment loads */
    u8 seg_flat, seg_big;   /* bit s: segment s reads and writes offsets 0..4G-1 (segchk), with
                             * base 0 (flat) or another base (big); kept by cpu_seg_recompute */
    u32 seg_gen;            /* bumped by every cpu_seg_recompute and cpu_set_cpl (caches of the mode) */

    struct cpu_bus bus;

    /* exceptions */
    jmp_buf *jb;            /* run loop's recovery point */
    int exc_nest;           /* >0 while delivering an exception (double/triple fault) */
    int exc_pending_vec;    /* vector being delivered, -1 if none */
    u32 exc_pending_err;
    bool exc_has_err;

    /* debugger support (accel/emu): breakpoints and watchpoints */
    bool (*bp_hit)(void *opaque, u32 linear);  /* consulted when EV_DEBUG is set */
    bool (*bp_page)(void *opaque, u32 lin_page); /* a breakpoint lies in this linear page (for the translator) */
    void *bp_opaque;
    u32 wp_hit_addr;        /* address that triggered CPU_EXIT_WATCHPOINT */
    int wp_hit_kind;
    bool step_mode;         /* cpu_run returns right after delivering an exception */
    bool stop_at_limit;     /* return at the budget's end without handling the events of that
                             * boundary (the translator's short interpreter runs: each boundary
                             * is handled once, by the run that continues from it) */
    /* Debugger watchpoints (accel/emu sets these). While watch_page says a
     * linear page holds a watch, the MMU must not put that page in the fast
     * TLB, and every slow-path access to it calls watch_hit; a true return
     * records wp_hit_* and makes cpu_run return CPU_EXIT_WATCHPOINT after the
     * instruction completes. */
    bool (*watch_page)(void *opaque, u32 lin_page);
    bool (*watch_hit)(void *opaque, u32 lin, unsigned size, bool write);
    void *watch_opaque;
    u32 watch_lo, watch_hi; /* bounds of all watched ranges (lo > hi: none), for the translator */
    /* Debugger watchpoints on physical ranges, the same way by physical
     * address: a linear page that maps a page watch_phys_page names stays out
     * of the fast TLB (and is not watch_only: the translator's bounds are
     * linear), and while watch_phys is set every slow-path data access asks
     * watch_phys_hit with its physical address (each page piece apart). */
    bool watch_phys;
    bool (*watch_phys_page)(void *opaque, u64 pa_page);
    bool (*watch_phys_hit)(void *opaque, u64 pa, unsigned size, bool write);
    /* x87 error pins (the board): FERR# output, asserted by the next waiting
     * x87 instruction after an unmasked exception when CR0.NE=0 (PC/AT
     * boards route it to IRQ 13), deasserted when FSW.ES clears; IGNNE#
     * input, sampled while FERR# is asserted. NULL: no FERR# wiring. */
    void (*fpu_ferr)(void *opaque, bool asserted);
    bool (*fpu_ignne)(void *opaque);
    void *fpu_opaque;
    /* IA32_APIC_BASE was written (msr.c): the board's local APIC follows its
     * enable bit. NULL: no APIC behind the MSR, and CPUID does not report one. */
    void (*apic_base_write)(void *opaque, u64 value);
    void *apic_opaque;

    /* decoded blocks and the self-modifying-code bookkeeping (block.c) */
    struct block_cache *bc;
    /* The translator (dbt/) keeps its own code: it is told when guest code
     * is written (the bytes [host, host+len) overlap code marked with
     * cpu_code_mark) and when all decoded code is dropped. NULL: no listener. */
    void (*code_inval_hook)(void *opaque, const u8 *host, size_t len);
    void (*code_flush_hook)(void *opaque);
    void *code_hook_opaque;
    /* The lockstep checker (dbt/verify.c) logs every guest write to RAM:
     * every store path (the inline fast path, the MMU's slow path, the REP
     * string fast path, translated stores) calls it with the bytes about to
     * be written. NULL: no log. */
    void (*write_log)(void *opaque, u8 *host, unsigned size);
    void *write_log_opaque;

    /* ---- owned by the system-architecture code (paging, descriptors, MSRs) ---- */
    u32 cpuid_max;
    u64 pdpte[4];           /* PAE: PDPTEs as loaded by the last CR3 write / paging enable */
    u64 misc_enable;        /* IA32_MISC_ENABLE as written */
    u32 dr_pending;         /* DR6 B0-B3 bits hit by the instruction with icount dr_pending_at */
    u64 dr_pending_at;      /* ... delivered as a #DB trap if that instruction retires */
    bool wp_pending;        /* a debugger watchpoint hit in the instruction with icount wp_pending_at: */
    u64 wp_pending_at;      /* ... cpu_dr_before_insn() stops with CPU_EXIT_WATCHPOINT once it retired */

    /* ---- owned by the protection model (events.c, except.c) ---- */
    u64 trace_at;           /* icount of the instruction that began with TF=1 ... */
    bool trace_pending;     /* ... whose single-step #DB is due when it retires */
    u64 shadow_at;          /* icount of the STI / MOV SS that set EV_SHADOW */

    u64 blocks;             /* blocks the interpreter's run loop dispatched (the KVM policy counts them) */
    struct tlb_set tlb[2];  /* [0] supervisor (CPL 0-2), [1] user (CPL 3) */
};

/* ---- lifetime and execution (interp.c, reset.c) ---- */
struct cpu *cpu_new(const struct cpu_bus *bus);
void cpu_free(struct cpu *c);
void cpu_reset(struct cpu *c);                     /* power-on/reset state */
enum cpu_exit cpu_run(struct cpu *c, u64 max_insns);
/* EV_IRQ follows INTR && IF: called when either changes (cpu_set_intr,
 * cpu_set_eflags). An STI or POPF that sets IF with INTR high thus raises an
 * event, which ends the block in progress. */
static inline void cpu_irq_update(struct cpu *c)
{
    if (c->intr_line && (c->s.eflags & FL_IF) && !c->intr_inhibit) c->events |= EV_IRQ;
    else c->events &= ~EV_IRQ;
}
void cpu_kick(struct cpu *c);                      /* async-safe: makes cpu_run return soon */
void cpu_set_intr(struct cpu *c, bool level);      /* PIC INTR output */
void cpu_raise_nmi(struct cpu *c);

/* ---- exceptions (except.c) ---- */
void cpu_raise(struct cpu *c, int vec, u32 err) VD_NORETURN;      /* with error code */
void cpu_raise_ne(struct cpu *c, int vec) VD_NORETURN;            /* without error code */
/* How an interrupt/exception is being delivered. */
enum intr_kind {
    INTK_HW,     /* exception or external interrupt: return address is c->s.eip */
    INTK_SOFT,   /* INT n / INT3 / INTO: gate DPL checked, return address is c->next_eip */
    INTK_ICEBP,  /* INT1: no DPL check, return address is c->next_eip */
};
/* Deliver through the IVT (real mode), IDT (protected mode) or v86 rules.
 * May raise (nested faults escalate to #DF, then triple fault). */
void cpu_deliver(struct cpu *c, int vec, enum intr_kind kind, bool has_err, u32 err);
#define CPU_VEC_TRIPLE (-2)  /* exc_pending_vec value that ends the run with a triple fault */

/* ---- between-instruction events (events.c) ---- */
/* Returns a cpu_exit code to stop with, or -1 to go on executing. */
int cpu_events(struct cpu *c);

/* ---- segments (seg.c) ---- */
/* Recompute segchk[seg] (and code_mode for CS) after s.seg[seg] changed. */
void cpu_seg_recompute(struct cpu *c, int seg);
/* A segment check failed: raises #GP(0) or #SS(0) (never returns). */
void cpu_seg_fault(struct cpu *c, int seg, u32 off, unsigned size, int kind) VD_NORETURN;
/* Load a segment register the way MOV/POP do in the current mode (all checks). */
void cpu_load_seg(struct cpu *c, int seg, u16 sel);
/* Set CPL and switch the TLB set. */
void cpu_set_cpl(struct cpu *c, int cpl);

/* ---- debugger views (mmu.c): no faults, no accessed/dirty updates ---- */
struct cpu_walk {
    int levels;                                        /* valid entries in step[] */
    struct { u64 table; u64 entry; int index; } step[3]; /* table paddr, entry value, index */
    bool present;
    u64 paddr;                                         /* of the linear address */
    u32 page_size;
    u32 flags;                                         /* CPU_PTE_* of the final mapping */
};
enum { CPU_PTE_P = 1, CPU_PTE_W = 2, CPU_PTE_U = 4, CPU_PTE_A = 0x20, CPU_PTE_D = 0x40, CPU_PTE_G = 0x100, CPU_PTE_NX = 1u << 31 };
bool cpu_debug_walk(struct cpu *c, u32 lin, struct cpu_walk *w);

/* ---- caches ---- */
void cpu_tlb_flush(struct cpu *c, bool include_global);
void cpu_tlb_flush_page(struct cpu *c, u32 linear);
/* Send every fast-path TLB entry through the slow path again while keeping
 * the cached translations (no guest-visible change; for new watchpoints). */
void cpu_tlb_demote(struct cpu *c);
/* Send fast write-TLB entries whose host page is `page` to the slow path
 * (the page now holds decoded code). */
void cpu_tlb_drop_host_writes(struct cpu *c, const u8 *page);
/* Send every fast write TLB entry to the slow path (write tracking's bits
 * were cleared); translations and guest-visible TLB contents are kept. */
void cpu_tlb_demote_writes(struct cpu *c);
/* The architectural state was replaced wholesale (vcpu set_state, engine
 * switch): flush the TLB, reload PAE PDPTEs from CR3, re-arm DR7 (EV_DEBUG). */
void cpu_sys_state_loaded(struct cpu *c);
/* Drop all decoded code. */
void cpu_dcache_flush(struct cpu *c);
/* The len bytes at host (within one page) hold code that a translator
 * compiled: writes to them take the slow path and reach code_inval_hook. */
void cpu_code_mark(struct cpu *c, const u8 *host, unsigned len);
/* Run the interpreter until c->icount reaches c->icount_limit (or an exit). */
enum cpu_exit cpu_run_to_limit(struct cpu *c);
/* After cpu_raise longjmp'd to an engine's recovery point: deliver the
 * pending exception (counts one against the budget). Returns a cpu_exit to
 * stop with, or -1 to go on. */
int cpu_exception_recover(struct cpu *c);
/* An engine's run: loop(arg) under a recovery point that delivers every
 * raised exception (cpu_exception_recover) and calls loop again, until it
 * or a delivery returns a cpu_exit. */
int cpu_run_guarded(struct cpu *c, int (*loop)(void *), void *arg);
/* Guest memory was changed behind the CPU's back (debugger, DMA) or by a
 * write to a page holding code: drop the decoded code that overlaps it. */
void cpu_invalidate_host(struct cpu *c, const u8 *host, size_t len);

/* Handler selection: op + operand size + register/memory -> handler (dispatch.c). */
cpu_handler cpu_select_handler(const struct x86_insn *i);

/* Register accessors */
static inline u8 *cpu_reg8p(struct cpu *c, int r) { return (u8 *)&c->s.gpr[r & 3] + (r >> 2); }
static inline u8 cpu_reg8(struct cpu *c, int r) { return *cpu_reg8p(c, r); }
static inline void cpu_set_reg8(struct cpu *c, int r, u8 v) { *cpu_reg8p(c, r) = v; }
static inline u16 cpu_reg16(struct cpu *c, int r) { return (u16)c->s.gpr[r]; }
static inline void cpu_set_reg16(struct cpu *c, int r, u16 v) { c->s.gpr[r] = (c->s.gpr[r] & 0xffff0000u) | v; }

static inline bool cpu_pm(const struct cpu *c) { return c->s.cr0 & CR0_PE; }
static inline bool cpu_v86(const struct cpu *c) { return c->s.eflags & FL_VM; }

#endif
