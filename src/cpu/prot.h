/*
 * Internal interface of the protection model: descriptors (desc.c),
 * segment loads (seg.c), far transfers and gates (farctl.c), task switches
 * (task.c), virtual-8086 mode and VME (v86.c), I/O permission (iopriv.c).
 *
 * Every function that can fault does all of its checks and reads before it
 * changes any register, so a fault leaves the instruction without effect.
 * The functions named *_check only check and read; *_commit only change state.
 */
#ifndef VD_CPU_PROT_H
#define VD_CPU_PROT_H
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"

/* ---- descriptors ---- */
struct desc {
    u32 lo, hi;
    u32 addr;   /* linear address of the descriptor (for accessed/busy updates) */
};
static inline u32 desc_base(const struct desc *d) { return (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000u); }
static inline u32 desc_limit(const struct desc *d)
{
    u32 l = (d->lo & 0xffff) | (d->hi & 0xf0000);
    return (d->hi & (1u << 23)) ? (l << 12) | 0xfff : l;
}
static inline u32 desc_type(const struct desc *d) { return (d->hi >> 8) & 0xf; }
static inline bool desc_s(const struct desc *d) { return d->hi & (1u << 12); }
static inline int desc_dpl(const struct desc *d) { return (d->hi >> 13) & 3; }
static inline bool desc_p(const struct desc *d) { return d->hi & (1u << 15); }
static inline bool desc_db(const struct desc *d) { return d->hi & (1u << 22); }
static inline bool desc_is_code(const struct desc *d) { return desc_s(d) && (desc_type(d) & 8); }
static inline bool desc_is_data(const struct desc *d) { return desc_s(d) && !(desc_type(d) & 8); }
static inline bool desc_conforming(const struct desc *d) { return desc_is_code(d) && (desc_type(d) & 4); }
static inline bool desc_readable(const struct desc *d) { return !desc_is_code(d) || (desc_type(d) & 2); }
static inline bool desc_writable_data(const struct desc *d) { return desc_is_data(d) && (desc_type(d) & 2); }
/* gate offset (16-bit gates use only the low word) */
static inline u32 gate_offset(const struct desc *d)
{
    u32 off = d->lo & 0xffff;
    if (desc_type(d) & 8) off |= d->hi & 0xffff0000u;
    return off;
}
static inline u16 gate_selector(const struct desc *d) { return (u16)(d->lo >> 16); }

/* System descriptor types */
enum {
    DT_TSS16_AVAIL = 1, DT_LDT = 2, DT_TSS16_BUSY = 3, DT_CALL16 = 4, DT_TASK = 5,
    DT_INT16 = 6, DT_TRAP16 = 7, DT_TSS32_AVAIL = 9, DT_TSS32_BUSY = 11,
    DT_CALL32 = 12, DT_INT32 = 14, DT_TRAP32 = 15,
};

static inline bool sel_null(u16 sel) { return (sel & 0xfffc) == 0; }
/* Error code for a selector: index and TI, with EXT in bit 0. */
static inline u32 sel_err(u16 sel, int ext) { return (sel & 0xfffcu) | (ext ? 1u : 0u); }

/* Read the descriptor for sel from the GDT or LDT. Returns false if the
 * selector is beyond the table limit (or the LDT is unusable); may #PF. */
bool desc_fetch(struct cpu *c, u16 sel, struct desc *d);
/* Set the accessed bit of a code/data descriptor in memory (if clear). */
void desc_set_accessed(struct cpu *c, struct desc *d);
/* Set or clear the busy bit of a TSS descriptor in memory. */
void desc_set_busy(struct cpu *c, struct desc *d, bool busy);
/* Fill a segment cache from a descriptor. */
void seg_from_desc(struct seg *s, u16 sel, const struct desc *d);
/* Segment-check record for an arbitrary cache (pm: protected-mode rules). */
static inline void segchk_compute(const struct seg *s, bool pm, struct segcheck *k)
{
    u32 a = s->attr;
    if (!pm) {
        /* real and v86 mode: any access within the cached limit (unreal mode keeps big limits) */
        k->lo = 0;
        k->hi = s->limit;
        k->ok = SEGCHK_R | SEGCHK_W;
        return;
    }
    if ((a & SEG_ATTR_UNUSABLE) || !(a & SEG_ATTR_P) || !(a & SEG_ATTR_S)) {
        k->lo = 1;
        k->hi = 0;
        k->ok = 0;
        return;
    }
    u32 type = SEG_ATTR_TYPE(a);
    if (type & 8) /* code: readable if bit 1, never writable */
        k->ok = (type & 2) ? SEGCHK_R : 0;
    else
        k->ok = SEGCHK_R | ((type & 2) ? SEGCHK_W : 0);
    if (!(type & 8) && (type & 4)) { /* expand-down data: valid offsets are limit+1 .. 0xffff or 4G-1 */
        k->lo = s->limit + 1;
        k->hi = (a & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
        if (k->lo == 0 || k->lo > k->hi) { k->lo = 1; k->hi = 0; }
    } else {
        k->lo = 0;
        k->hi = s->limit;
    }
}
/* Would an access of size bytes at off through cache s be within limits? */
static inline bool seg_fits(const struct seg *s, u32 off, unsigned size)
{
    struct segcheck k;
    segchk_compute(s, true, &k);
    /* a stack is always writable data here; only the limits matter */
    return off >= k.lo && (u64)off + size - 1 <= k.hi;
}

/* ---- segment loads (seg.c) ---- */
/* Check a protected-mode load of seg with sel at privilege cpl; fills *d
 * (d->hi == 0 and lo == 0 for a null data selector). vec is the exception for
 * descriptor errors (#GP for MOV/POP, #TS for task switches), ext its EXT bit. */
void seg_check_load(struct cpu *c, int seg, u16 sel, int cpl, struct desc *d, int vec, int ext);
/* Load seg from a checked descriptor (sets the accessed bit), or a null selector. */
void seg_commit(struct cpu *c, int seg, u16 sel, struct desc *d);
/* Real-mode / v86 style load: base = sel << 4. */
void seg_load_real(struct cpu *c, int seg, u16 sel);
/* Load a null (unusable) selector. */
void seg_load_null(struct cpu *c, int seg, u16 sel);
/* After a return to an outer privilege level: data segments the new CPL may
 * not use become null. */
void seg_invalidate_outer(struct cpu *c);
/* Load a flat segment (SYSENTER/SYSEXIT). */
void seg_load_flat(struct cpu *c, int seg, u16 sel, bool code, int dpl);
void cpu_seg_recompute_all(struct cpu *c);

/* ---- stacks outside the current SS (farctl.c) ---- */
struct stk {
    struct seg ss;  /* the stack's segment cache */
    u32 sp;         /* running stack pointer (already masked when 16-bit) */
    int fault_vec;  /* exception for a limit violation (EXC_SS) */
    u32 fault_err;
    bool sys;       /* supervisor (implicit) access */
};
void stk_init_current(struct cpu *c, struct stk *k);
void stk_push(struct cpu *c, struct stk *k, unsigned size, u32 v);
u32 stk_pop(struct cpu *c, struct stk *k, unsigned size);
/* Check that n bytes can be pushed (limit only). */
void stk_check_push(struct cpu *c, struct stk *k, unsigned n);
/* Translate for writing, in push order, the slots of `count` pushes of
 * `size` bytes, so a page fault on any comes before the first store: an
 * instruction's stores retire together (a fault leaves no partial frame),
 * and CR2 still names the first store in push order that faults. */
void stk_probe_push(struct cpu *c, const struct stk *k, unsigned count, unsigned size);
/* Commit the running stack pointer into ESP (width by the stack's B bit). */
void stk_commit_esp(struct cpu *c, const struct stk *k);
/* Read the inner stack pointer for privilege level dpl from the current TSS. */
void tss_inner_stack(struct cpu *c, int dpl, u16 *ss, u32 *esp, int ext);

/* ---- far transfers (farctl.c) ---- */
void far_jmp(struct cpu *c, u16 sel, u32 off, unsigned osize);
void far_call(struct cpu *c, u16 sel, u32 off, unsigned osize);
void far_ret(struct cpu *c, unsigned osize, u16 imm);
void far_iret(struct cpu *c, unsigned osize);
/* Transfer to a checked code segment at the current privilege level. */
void far_set_cs(struct cpu *c, u16 sel, struct desc *d, u32 eip, int cpl);
/* Checks of the CS and (outer) SS popped by RETF/IRET. */
void far_check_ret_cs(struct cpu *c, u16 cs, struct desc *cd);
void far_check_ret_ss(struct cpu *c, u16 ss, int rpl, struct desc *sd);

/* ---- task switches (task.c) ---- */
enum task_src { TS_JMP, TS_CALL, TS_IRET, TS_INT };
/* Switch to the task whose TSS descriptor d (selector sel) was checked by the
 * caller for type and privilege. eip_save is the EIP to save in the old TSS.
 * For TS_INT with has_err, err is pushed on the new task's stack. */
void task_switch(struct cpu *c, u16 sel, struct desc *d, enum task_src src, u32 eip_save,
                 bool has_err, u32 err, int ext);

/* ---- virtual-8086 mode (v86.c) ---- */
/* INT n in v86 mode: IOPL and VME redirection; returns true if delivered. */
bool v86_soft_int(struct cpu *c, int vec);
/* Deliver through the v86 task's real-mode IVT (VME redirection). */
void v86_ivt_deliver(struct cpu *c, int vec, u32 ret);
/* Enter v86 mode with the given frame (IRET from CPL 0 or a task switch). */
void v86_enter(struct cpu *c, u32 eip, u32 eflags, const u16 segs[6], u32 esp);

/* ---- I/O permission (iopriv.c) ---- */
/* Raise #GP(0) unless the current privilege may access [port, port+size). */
void cpu_io_check(struct cpu *c, u16 port, unsigned size);

/* ---- handler registration of ops_io.c and ops_dt.c (called by cpu_ops_prot_init) ---- */
void ops_io_init(void);
void ops_dt_init(void);

/* ---- events (events.c) ---- */
/* Bookkeeping after an instruction loaded EFLAGS (IRET, POPF, task switch):
 * keeps the single-step trap of the current instruction and RF handling. */
void cpu_eflags_loaded(struct cpu *c);

#endif
