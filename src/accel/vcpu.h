/*
 * The vcpu seam: the one interface through which the machine loop, the
 * debugger and the differential tests drive a CPU, whatever engine runs it
 * (the interpreter, the translator, KVM). Engine switching is a policy
 * above this interface (demand.c), itself a vcpu.
 *
 * Addresses: "virt" means linear (after segmentation, before paging); "phys"
 * means guest-physical. Debug accesses never fault the guest and never have
 * device side effects.
 */
#ifndef VD_ACCEL_VCPU_H
#define VD_ACCEL_VCPU_H
#include "base/types.h"
#include "base/vclock.h"
#include "cpu/state.h"
#include "mem/physmem.h"

enum vcpu_exit {
    VCPU_EXIT_BUDGET,       /* ran the requested number of instructions */
    VCPU_EXIT_HLT,          /* halted with nothing to do; the machine may skip time */
    VCPU_EXIT_STOP,         /* vcpu_kick() */
    VCPU_EXIT_BREAKPOINT,   /* at a debugger breakpoint, not yet executed */
    VCPU_EXIT_WATCHPOINT,   /* an instruction touched a watched range (it completed) */
    VCPU_EXIT_STEP,         /* vcpu_step executed one instruction (or delivered one event) */
    VCPU_EXIT_TRIPLE_FAULT, /* shutdown */
    VCPU_EXIT_EMULATE,      /* KVM cannot run the current state (real mode seen, an exit it cannot
                             * handle): an emulator must take over; the policy never returns it */
};

enum vcpu_wp_kind { VCPU_WP_WRITE = 1, VCPU_WP_READ = 2, VCPU_WP_ACCESS = 3 };

struct vcpu_stop {
    enum vcpu_exit why;
    u32 addr;               /* breakpoint / watchpoint address that hit: linear, ... */
    bool phys;              /* ... or physical for a physical point */
    enum vcpu_wp_kind wp_kind;
};

/* What the machine gives an engine: memory, ports and the interrupt controller. */
struct vcpu_board {
    struct physmem *mem;
    struct iomap *ports;
    struct vclock *clock;
    int (*intr_ack)(void *opaque);   /* PIC INTA: returns the vector */
    void *intr_opaque;
    /* x87 FERR# output and IGNNE# input (PC/AT: IRQ 13, port 0xF0), called
     * with intr_opaque; NULL when the board does not route them. */
    void (*fpu_ferr)(void *opaque, bool asserted);
    bool (*fpu_ignne)(void *opaque);
    /* IA32_APIC_BASE written (called with intr_opaque); NULL: the board has
     * no local APIC (and CPUID does not report one). */
    void (*apic_base_write)(void *opaque, u64 value);
    /* A performance counter with INT set overflowed (called with
     * intr_opaque); NULL: the board has no LVT to signal it through. */
    void (*pmi)(void *opaque);
};

/* One page-table walk step, for 'info pg'/'gva2gpa' (no A/D side effects). */
struct vcpu_walk {
    int levels;             /* number of valid entries in step[] */
    struct { u64 table_paddr; u64 entry; int index; } step[3];
    bool present;
    u64 paddr;
    u32 page_size;          /* 4096, 2 MiB or 4 MiB */
    u32 flags;              /* effective: bit 1 writable, bit 2 user, bit 63>>32 NX in bit 31 */
};

struct vcpu_tlb_entry {
    char kind;              /* 'r', 'w' or 'x' */
    bool user;              /* the user-mode (CPL 3) set */
    u32 linear, paddr, flags;
};

struct vcpu;
struct vcpu_ops {
    const char *name;
    void (*destroy)(struct vcpu *v);
    void (*reset)(struct vcpu *v);
    enum vcpu_exit (*run)(struct vcpu *v, u64 max_insns);
    /* Execute exactly one instruction; with irq false, pending interrupts are
     * not taken (the debugger's single step). */
    enum vcpu_exit (*step)(struct vcpu *v, bool irq);
    void (*get_state)(struct vcpu *v, struct cpu_state *s);
    void (*set_state)(struct vcpu *v, const struct cpu_state *s);
    size_t (*read_virt)(struct vcpu *v, u32 lin, void *buf, size_t len);
    size_t (*write_virt)(struct vcpu *v, u32 lin, const void *buf, size_t len);
    bool (*walk)(struct vcpu *v, u32 lin, struct vcpu_walk *w);
    /* Physical memory written by someone other than the guest CPU. */
    void (*mem_changed)(struct vcpu *v, u64 paddr, size_t len);
    /* Debugger points, any number (-1: this engine cannot hold it). With
     * phys, addr is guest-physical: a breakpoint on the instruction fetched
     * from there, a watchpoint on data accesses to that range, whatever
     * linear address reaches it; else addr is linear. */
    int (*bp_insert)(struct vcpu *v, u32 addr, bool phys);
    int (*bp_remove)(struct vcpu *v, u32 addr, bool phys);
    int (*wp_insert)(struct vcpu *v, u32 addr, u32 len, enum vcpu_wp_kind kind, bool phys);
    int (*wp_remove)(struct vcpu *v, u32 addr, u32 len, enum vcpu_wp_kind kind, bool phys);
    void (*kick)(struct vcpu *v);                    /* async-signal-safe */
    void (*set_intr)(struct vcpu *v, bool level);    /* PIC INTR output */
    void (*nmi)(struct vcpu *v);
    void (*flush_tlb)(struct vcpu *v);               /* physical mapping changed (A20) */
    int (*tlb_dump)(struct vcpu *v, struct vcpu_tlb_entry *out, int max);
    u64 (*icount)(struct vcpu *v);                   /* instructions retired */
    /* -d stats: log the engine's counters (vd_logf), one line per engine */
    void (*log_stats)(struct vcpu *v);
    /* The switching policy only (NULL elsewhere): 'monitor info engine' text,
     * and 'monitor engine emulate|auto' (emulate: stay in the emulator). */
    void (*engine_info)(struct vcpu *v, char *buf, size_t len);
    void (*engine_force)(struct vcpu *v, bool emulate);
    /* Snapshots. The engine's whole state between two instructions
     * (registers, instruction count, pending traps and shadows, ...) as
     * snap_size() opaque bytes of this build's layout. snap_load expects
     * the board's clock to hold the saved time already; it flushes the
     * TLBs, and with flush_code drops all decoded and translated code (a
     * caller that restored only some pages tells mem_changed instead). */
    size_t (*snap_size)(struct vcpu *v);
    void (*snap_save)(struct vcpu *v, void *buf);
    void (*snap_load)(struct vcpu *v, const void *buf, bool flush_code);
    /* Write tracking: physmem's dirty bitmap was allocated or cleared; the
     * engine marks pages in it from now on (cpu_bus.dirty). */
    void (*dirty_reset)(struct vcpu *v);
};

struct vcpu {
    const struct vcpu_ops *ops;
    struct vcpu_board board;
    struct vcpu_stop stop;  /* details of the last exit */
};

/* The engines (-accel): the software ones behind vcpu_emu_create, and KVM
 * behind vcpu_demand_create (KVM with the interpreter for what KVM cannot do). */
enum vcpu_engine {
    VCPU_ENGINE_INTERP,     /* the reference interpreter (cpu/) */
    VCPU_ENGINE_DBT,        /* the dynamic binary translator (dbt/); x86-64 hosts only */
    VCPU_ENGINE_KVM,        /* /dev/kvm, switching to the interpreter on demand (demand.c) */
};
#define VCPU_EMULATE_BLOCKS_DEFAULT 1000
struct vcpu_engine_opts {
    enum vcpu_engine engine;
    u32 tb_size_mb;         /* translation cache bound in MiB; 0 = the default */
    bool verify;            /* lockstep checker: re-run each translated block on the interpreter */
    u32 emulate_blocks;     /* KVM: basic blocks run in protected mode on the emulator before going
                             * back to KVM (after real mode, or a state KVM refused); 0 = default */
    double time_scale;      /* KVM: virtual ns per host ns spent running the guest; 0 = 1 */
};
/* Is the engine built into this binary for this host? */
bool vcpu_engine_available(enum vcpu_engine e);
/* The default: the translator where available, else the interpreter. */
enum vcpu_engine vcpu_default_engine(void);
const char *vcpu_engine_name(enum vcpu_engine e);

/* Create a software engine (o NULL: the default engine, default options).
 * NULL when the engine is not available or memory runs out. */
struct vcpu *vcpu_emu_create(const struct vcpu_board *b, const struct vcpu_engine_opts *o);
/* Basic blocks an emulator vcpu has run (the policy's count): the
 * interpreter counts always, the translator while vcpu_emu_count_blocks is
 * on (its blocks then run one at a time, unchained). */
u64 vcpu_emu_blocks(struct vcpu *v);
void vcpu_emu_count_blocks(struct vcpu *v, bool on);
/* "dbt" or "interp" */
const char *vcpu_emu_engine_name(struct vcpu *v);
/* The emulator takes over at the current virtual time (another engine ran
 * meanwhile: the TSC of the state it was given already counts that time). */
void vcpu_emu_rebase_time(struct vcpu *v);
/* KVM with demand emulation (o->engine == VCPU_ENGINE_KVM). NULL with a
 * reason in why (one line) when /dev/kvm is missing or cannot run guests. */
struct vcpu *vcpu_demand_create(const struct vcpu_board *b, const struct vcpu_engine_opts *o, char *why, size_t whylen);

static inline void vcpu_destroy(struct vcpu *v) { v->ops->destroy(v); }
static inline void vcpu_reset(struct vcpu *v) { v->ops->reset(v); }
static inline enum vcpu_exit vcpu_run(struct vcpu *v, u64 n) { return v->ops->run(v, n); }
static inline enum vcpu_exit vcpu_step(struct vcpu *v, bool irq) { return v->ops->step(v, irq); }
static inline void vcpu_get_state(struct vcpu *v, struct cpu_state *s) { v->ops->get_state(v, s); }
static inline void vcpu_set_state(struct vcpu *v, const struct cpu_state *s) { v->ops->set_state(v, s); }
static inline size_t vcpu_read_virt(struct vcpu *v, u32 lin, void *b, size_t n) { return v->ops->read_virt(v, lin, b, n); }
static inline size_t vcpu_write_virt(struct vcpu *v, u32 lin, const void *b, size_t n) { return v->ops->write_virt(v, lin, b, n); }
static inline bool vcpu_walk(struct vcpu *v, u32 lin, struct vcpu_walk *w) { return v->ops->walk(v, lin, w); }
static inline void vcpu_mem_changed(struct vcpu *v, u64 pa, size_t n) { v->ops->mem_changed(v, pa, n); }
static inline int vcpu_bp_insert(struct vcpu *v, u32 a, bool phys) { return v->ops->bp_insert(v, a, phys); }
static inline int vcpu_bp_remove(struct vcpu *v, u32 a, bool phys) { return v->ops->bp_remove(v, a, phys); }
static inline int vcpu_wp_insert(struct vcpu *v, u32 a, u32 len, enum vcpu_wp_kind k, bool phys) { return v->ops->wp_insert(v, a, len, k, phys); }
static inline int vcpu_wp_remove(struct vcpu *v, u32 a, u32 len, enum vcpu_wp_kind k, bool phys) { return v->ops->wp_remove(v, a, len, k, phys); }
static inline void vcpu_kick(struct vcpu *v) { v->ops->kick(v); }
static inline void vcpu_set_intr(struct vcpu *v, bool level) { v->ops->set_intr(v, level); }
static inline void vcpu_nmi(struct vcpu *v) { v->ops->nmi(v); }
static inline void vcpu_flush_tlb(struct vcpu *v) { v->ops->flush_tlb(v); }
static inline u64 vcpu_icount(struct vcpu *v) { return v->ops->icount(v); }
/* 0: this engine cannot save its state (no snapshots, no history) */
static inline size_t vcpu_snap_size(struct vcpu *v) { return v->ops->snap_size ? v->ops->snap_size(v) : 0; }
static inline void vcpu_snap_save(struct vcpu *v, void *buf) { v->ops->snap_save(v, buf); }
static inline void vcpu_snap_load(struct vcpu *v, const void *buf, bool flush_code) { v->ops->snap_load(v, buf, flush_code); }
static inline void vcpu_dirty_reset(struct vcpu *v) { if (v->ops->dirty_reset) v->ops->dirty_reset(v); }
static inline void vcpu_log_stats(struct vcpu *v) { if (v->ops->log_stats) v->ops->log_stats(v); }
/* Physical debug access: RAM/ROM only, then tell the engine. */
static inline size_t vcpu_read_phys(struct vcpu *v, u64 pa, void *b, size_t n)
{
    return physmem_debug_rw(v->board.mem, pa, b, n, false);
}
static inline size_t vcpu_write_phys(struct vcpu *v, u64 pa, const void *b, size_t n)
{
    size_t done = physmem_debug_rw(v->board.mem, pa, (void *)b, n, true);
    if (done) vcpu_mem_changed(v, pa, done);
    return done;
}
/* Debug access to linear memory, page by page through the engine's own walk
 * (no faults, no accessed/dirty bits; writes reported as mem_changed): what
 * every engine's read_virt and write_virt do. */
static inline size_t vcpu_virt_rw(struct vcpu *v, u32 lin, void *buf, size_t len, bool write)
{
    size_t done = 0;
    while (done < len) {
        struct vcpu_walk w;
        u32 a = lin + (u32)done;
        if (!v->ops->walk(v, a, &w) || !w.present) break;
        size_t n = 0x1000 - (a & 0xfff);
        if (n > len - done) n = len - done;
        size_t got = physmem_debug_rw(v->board.mem, w.paddr, (u8 *)buf + done, n, write);
        if (write && got) vcpu_mem_changed(v, w.paddr, got);
        done += got;
        if (got < n) break;
    }
    return done;
}

#endif
