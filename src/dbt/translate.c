/*
 * Guest block -> host x86-64 code.
 *
 * A block is decoded by the same decoder and ends by the same rules as the
 * interpreter's decoded blocks (cpu/block.c), and additionally after any
 * instruction that may change the mode key (segment loads). Each
 * instruction becomes either
 *   - native code (emit_native: MOV, the ALU group, TEST, INC/DEC, LEA,
 *     MOVZX/MOVSX, PUSH/POP, near JMP/Jcc/CALL/RET, ...), which is mostly
 *     the guest instruction itself applied to the guest registers, followed
 *     by the stores that keep c->lf as the interpreter would leave it; or
 *   - a call of the instruction's interpreter handler, chosen by the same
 *     cpu_select_handler, with EIP, next_eip and icount written first.
 *
 * Guest registers: within a block, EAX..EDI are cached in fixed host
 * registers (HREG), loaded on first use and written back to struct cpu
 * only where something else may look at them: before a handler call, on
 * the way into a slow path, at every exit. The translator tracks at
 * translation time which are loaded (rv) and which are changed (rd). The
 * high byte registers AH..BH are accessed in struct cpu (their register is
 * written back first and reloaded after a write).
 *
 * Memory operands of native instructions compute the linear address, probe
 * the software TLB inline and access host memory directly; a TLB miss (page
 * walk, MMIO, watched page, page holding code, misaligned access) runs the
 * whole instruction through its handler in an out-of-line stub, so every
 * slow case is the interpreter's. Native code therefore never changes guest
 * state before its last TLB probe.
 *
 * Arithmetic flags: native flag-setting instructions store c->lf directly
 * (only the fields the kind uses). The host's flags then equal the guest's,
 * and a following Jcc, INC, CMOV uses them directly; when host code in
 * between clobbered them (a TLB probe, a handler) they are rebuilt from
 * c->lf with two instructions when the kind of the last flag-setting
 * instruction is known at translation time, and otherwise a helper
 * evaluates the condition.
 */
#include "dbt/dbt_int.h"
#include "cpu/flags.h"
#include "cpu/cpu_mem.h"
#include "cpu/sys.h"
#include "base/log.h"
#include <time.h>
#include <stdio.h>

_Static_assert(sizeof(struct tlb_entry) == 32, "the emitted TLB probe scales the index by 32");

#define MAX_FRAGS 256

/* The host register caching guest register r (EAX..EDI); the first four
 * are caller-saved (saved around helper calls), the rest callee-saved. */
static const int HREG[8] = {X8, X9, X10, X11, XBP, X13, X14, X15};
#define HREG_CALLER 0x0fu

enum frag_kind { FR_STATIC, FR_DYN, FR_SLOW, FR_BAIL, FR_XMISS };

/* Out-of-line code emitted after the block body. */
struct frag {
    enum frag_kind kind;
    u8 *from;            /* rel32 in the body that jumps here */
    int k;               /* FR_STATIC/FR_DYN: instructions retired; FR_SLOW: the instruction */
    u32 target;          /* FR_STATIC: the EIP */
    u8 rv, rd;           /* guest registers loaded / changed in the body at the branch here */
    u8 *resume;          /* FR_SLOW: where the body continues */
    u8 rv_resume;        /* FR_SLOW: guest registers the body has loaded there */
    int lfkind;          /* FR_SLOW: flags to rebuild in the host before resuming, or -1 */
    /* FR_SLOW from a TLB probe: its access, for the watched-page check */
    u8 psize;
    i32 parr;            /* offset of the TLB array probed */
    u8 *probe_done;      /* where the body continues with rdi = host address */
};

struct tctx {
    struct dbt *d;
    struct cpu *c;
    struct xb b;
    struct tb *tb;
    u32 key;
    i32 tlb_r, tlb_w;           /* offsets of this mode's TLB arrays in struct cpu */
    /* the instruction being emitted */
    int k;
    u32 eip;
    const struct x86_insn *in;
    const struct x86_insn *in_copy; /* the copy handlers get */
    cpu_handler fn;
    /* guest registers in HREG: loaded (valid) and changed since (dirty, a subset) */
    u8 rv, rd;
    /* static knowledge of the flags */
    int lfkind;                 /* LF_* kind of the guest's flags, or -1 if unknown */
    bool lfmem;                 /* c->lf holds them (else: the host flags and EFLAGS.CF do,
                                 * and the next instruction replaces them, see lf_dead) */
    int mkind;                  /* the kind in c->lf.kind, or -1 if unknown */
    bool hostfl;                /* the host's arithmetic flags are the guest's (lfkind known) */
    bool hostnocf;              /* ... except CF (after a native INC/DEC: CF is in EFLAGS) */
    bool lf_dead;               /* the current instruction's flags are overwritten by the next
                                 * before anything can read them: c->lf need not be written */
    bool next_incdec;           /* the next is a native INC/DEC of a register, which reads
                                 * only CF: dead too when CF needs no c->lf (logic, INC/DEC) */
    int nfrag;
    bool too_many;
    struct tb_exit *exits;
    int nexit, max_exit;
    u64 native;
    u32 tb_eip;
    const struct x86_insn *icopy;
    /* The arrays last: dbt_translate zeroes only what comes before them
     * (frag_new clears each fragment it hands out; ieip and ifn are written
     * for every instruction of the block first). */
    struct frag frags[MAX_FRAGS];
    /* per instruction, for the slow stubs */
    u32 ieip[TB_MAX_INSNS];
    cpu_handler ifn[TB_MAX_INSNS];
};

static inline struct xm cpu_at(i32 off) { return xmem(XBX, off); }
static inline bool seg_flat(const struct tctx *t, int seg) { return t->key & (1u << (KEY_FLAT_SHIFT + seg)); }
static inline bool seg_big(const struct tctx *t, int seg) { return t->key & (1u << (KEY_BIG_SHIFT + seg)); }

/* ---- the guest register cache ---- */
/* Guest register r (32-bit numbering) in its host register, loaded if needed. */
static int gr(struct tctx *t, int r)
{
    if (!(t->rv & (1u << r))) {
        x_load(&t->b, 4, HREG[r], cpu_at(OFF_GPR(r)));
        t->rv |= (u8)(1u << r);
    }
    return HREG[r];
}
/* Guest register r is about to be written whole (32 bits): no load. Only
 * after every source operand has been read through gr(). */
static int gr_def(struct tctx *t, int r)
{
    t->rv |= (u8)(1u << r);
    t->rd |= (u8)(1u << r);
    return HREG[r];
}
/* Write back the changed guest registers in mask. */
static void gr_store(struct tctx *t, unsigned mask)
{
    for (int r = 0; r < 8; r++)
        if (t->rd & mask & (1u << r)) x_store(&t->b, 4, cpu_at(OFF_GPR(r)), HREG[r]);
    t->rd &= (u8)~mask;
}
static void gr_load_all(struct tctx *t, unsigned mask)
{
    for (int r = 0; r < 8; r++)
        if (mask & (1u << r)) x_load(&t->b, 4, HREG[r], cpu_at(OFF_GPR(r)));
}

/* A guest operand: a host register (h >= 0, the guest value in its low
 * bytes) or memory m (a guest memory operand at [rdi], or a high byte
 * register in struct cpu). */
struct gop {
    int h;
    struct xm m;
};
static struct gop gop_mem(void) { return (struct gop){-1, xmem(XDI, 0)}; }
/* Guest register r of size sz (AL..BH numbering for bytes), for reading
 * (and writing back through the same operand). */
static struct gop gop_reg(struct tctx *t, int r, unsigned sz)
{
    if (sz == 1 && r >= 4) {
        gr_store(t, 1u << (r & 3));
        return (struct gop){-1, cpu_at(OFF_GPR(r & 3) + 1)};
    }
    return (struct gop){gr(t, r), {0}};
}
/* ... for writing only (after every source operand is read) */
static struct gop gop_reg_w(struct tctx *t, int r, unsigned sz)
{
    if (sz == 4) return (struct gop){gr_def(t, r), {0}};
    return gop_reg(t, r, sz);
}
/* Guest register r of size sz was written through its gop. */
static void gop_written(struct tctx *t, int r, unsigned sz)
{
    if (sz == 1 && r >= 4) t->rv &= (u8)~(1u << (r & 3)); /* struct cpu holds it now */
    else t->rd |= (u8)(1u << (sz == 1 ? r & 3 : r));
}
/* host register s <- the operand, zero-extended */
static void g_load(struct tctx *t, unsigned sz, int s, struct gop o)
{
    struct xb *b = &t->b;
    if (o.h < 0) x_load(b, (int)sz, s, o.m);
    else if (sz == 4) x_mov_rr(b, 4, s, o.h);
    else if (sz == 2) x_movzx16_rr(b, s, o.h);
    else x_movzx8_rr(b, s, o.h);
}
/* host register s <- the operand, sign-extended */
static void g_load_sx(struct tctx *t, unsigned sz, int s, struct gop o)
{
    struct xb *b = &t->b;
    if (o.h < 0) x_load_sx(b, (int)sz, s, o.m);
    else if (sz == 4) x_mov_rr(b, 4, s, o.h);
    else x_movsx_rr(b, (int)sz, s, o.h);
}
/* the operand <- the low sz bytes of host register s */
static void g_store(struct tctx *t, unsigned sz, struct gop o, int s)
{
    if (o.h < 0) x_store(&t->b, (int)sz, o.m, s);
    else x_mov_rr(&t->b, (int)sz, o.h, s);
}
static void g_store_imm(struct tctx *t, unsigned sz, struct gop o, u32 imm)
{
    if (o.h < 0) x_store_imm(&t->b, (int)sz, o.m, imm);
    else if (sz == 4) x_mov_ri32(&t->b, o.h, imm);
    else x_mov_ri_low(&t->b, (int)sz, o.h, imm);
}
/* dst <- src, either side a register or memory */
static void g_move(struct tctx *t, unsigned sz, struct gop dst, struct gop src)
{
    struct xb *b = &t->b;
    if (dst.h >= 0 && src.h >= 0) x_mov_rr(b, (int)sz, dst.h, src.h);
    else if (dst.h >= 0 && sz == 4) x_load(b, 4, dst.h, src.m);
    else if (dst.h >= 0) x_load_low(b, (int)sz, dst.h, src.m);
    else if (src.h >= 0) x_store(b, (int)sz, dst.m, src.h);
    else {
        x_load(b, (int)sz, XDX, src.m);
        x_store(b, (int)sz, dst.m, XDX);
    }
}

/* x_patch inside the buffer only: after an overflow the block is thrown
 * away, and a rel32 beyond the end must not be written. */
static void patch(const struct tctx *t, u8 *at, const u8 *target)
{
    if (at + 4 <= t->b.end) x_patch(at, target);
}

static struct frag *frag_new(struct tctx *t, enum frag_kind kind, u8 *from)
{
    if (t->nfrag == MAX_FRAGS) {
        t->too_many = true;
        return &t->frags[MAX_FRAGS - 1];
    }
    struct frag *f = &t->frags[t->nfrag++];
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->from = from;
    f->lfkind = -1;
    f->rv = t->rv;
    f->rd = t->rd;
    return f;
}

static bool kind_rebuildable(int kind);
/* The instruction's out-of-line handler run (f, may be NULL) rejoins the
 * body here. lfkind: the lazy-flag kind the instruction leaves (the stub
 * then rebuilds the host flags from c->lf, as the body has them), or -1
 * when it sets no flags. Where the stub cannot rebuild them, the body does
 * not keep them either. */
static void slow_rejoin(struct tctx *t, struct frag *f, int lfkind)
{
    if (!f) return;
    f->resume = t->b.p;
    f->rv_resume = t->rv;
    f->lfkind = lfkind;
    if (lfkind >= 0 && !kind_rebuildable(lfkind)) t->hostfl = false;
}

/* c->icount = icount at block entry + k */
static void emit_icount(struct tctx *t, int k)
{
    if (k == 0) {
        x_store(&t->b, 8, cpu_at(OFF_ICOUNT), X12);
        return;
    }
    x_lea(&t->b, 8, XAX, xmem(X12, k));
    x_store(&t->b, 8, cpu_at(OFF_ICOUNT), XAX);
}

/* ---- exits ---- */
static void jump_to_dyn_exit(struct tctx *t, int cc, int k)
{
    u8 *at = cc < 0 ? x_jmp32(&t->b) : x_jcc32(&t->b, cc);
    frag_new(t, FR_DYN, at)->k = k;
}
static void jump_to_static_exit(struct tctx *t, int cc, int k, u32 target)
{
    u8 *at = cc < 0 ? x_jmp32(&t->b) : x_jcc32(&t->b, cc);
    struct frag *f = frag_new(t, FR_STATIC, at);
    f->k = k;
    f->target = target;
}

/* ---- lazy flags ---- */
#define LF_OP_IMM (-2) /* emit_lf_set: the operand is the immediate imm2 */
/* The flag-setting instruction just emitted left its result in host
 * register res and its operands in op1/op2 (registers, -1 = not needed by
 * the kind): record them in c->lf. Stores leave the host flags alone.
 * Flags the next instruction overwrites before anything can read them
 * (lf_dead) are not written; c->lf's kind is then unknown here. */
static bool kind_logic(int k) { return k >= LF_LOGIC8 && k <= LF_LOGIC32; }
static bool kind_incdec(int k) { return k >= LF_INC8 && k <= LF_DEC32; }
/* The flags of kind `kind` the current instruction sets need not reach
 * c->lf: the next instruction replaces them, or is a register INC/DEC,
 * which reads only CF, and finds it without c->lf (0 after a logic
 * operation, in EFLAGS after INC/DEC, in the host's CF after ADD/SUB: t->
 * hostfl is already set for the instruction being emitted). */
static bool lf_is_dead(const struct tctx *t, u32 kind)
{
    int k = (int)kind;
    bool addsub = (k >= LF_ADD8 && k <= LF_ADD32) || (k >= LF_SUB8 && k <= LF_SUB32);
    return t->lf_dead || (t->next_incdec && (kind_logic(k) || kind_incdec(k) || (addsub && t->hostfl)));
}
static void emit_lf_set2(struct tctx *t, u32 kind, int res, int op1, int op2, u32 imm2, bool hostfl)
{
    struct xb *b = &t->b;
    t->hostfl = hostfl;
    t->hostnocf = false;
    t->lfkind = (int)kind;
    t->lfmem = false;
    if (lf_is_dead(t, kind)) return;
    t->lfmem = true;
    x_store(b, 4, cpu_at(OFF_LF_RES), res);
    if (op1 >= 0) x_store(b, 4, cpu_at(OFF_LF_OP1), op1);
    if (op2 == LF_OP_IMM) x_store_imm(b, 4, cpu_at(OFF_LF_OP2), imm2);
    else if (op2 >= 0) x_store(b, 4, cpu_at(OFF_LF_OP2), op2);
    if (t->mkind != (int)kind) x_store_imm(b, 4, cpu_at(OFF_LF_KIND), kind);
    t->mkind = (int)kind;
}
static void emit_lf_set(struct tctx *t, u32 kind, int res, int op1, int op2, bool hostfl)
{
    emit_lf_set2(t, kind, res, op1, op2, 0, hostfl);
}

/* Kinds whose host flags emit_flags_rebuild can rebuild. */
static bool kind_rebuildable(int kind)
{
    return (kind >= LF_ADD8 && kind <= LF_ADD32) || (kind >= LF_SUB8 && kind <= LF_SUB32) || kind_logic(kind) ||
           kind_incdec(kind);
}
/* Rebuild the host flags from c->lf for a kind known at translation time.
 * Returns false when the kind has no two-instruction rebuild. */
static bool emit_flags_rebuild(struct tctx *t, int kind)
{
    if (!kind_rebuildable(kind)) return false;
    struct xb *b = &t->b;
    int sz = 1 << ((kind - 1) % 3); /* rows of 8/16/32 */
    if (kind >= LF_ADD8 && kind <= LF_ADD32) {
        x_load(b, 4, XAX, cpu_at(OFF_LF_OP1));
        x_alu_rm(b, sz, XALU_ADD, XAX, cpu_at(OFF_LF_OP2));
    } else if (kind >= LF_SUB8 && kind <= LF_SUB32) {
        x_load(b, 4, XAX, cpu_at(OFF_LF_OP1));
        x_alu_rm(b, sz, XALU_CMP, XAX, cpu_at(OFF_LF_OP2));
    } else if (kind >= LF_LOGIC8 && kind <= LF_LOGIC32) {
        x_load(b, 4, XAX, cpu_at(OFF_LF_RES));
        x_test_rr(b, sz, XAX, XAX);
    } else if ((kind >= LF_INC8 && kind <= LF_DEC32)) {
        /* CF from EFLAGS (INC/DEC keep it there), the rest from the operation */
        bool dec = kind >= LF_DEC8;
        x_bt_mi(b, cpu_at(OFF_EFLAGS), 0);
        x_load(b, 4, XAX, cpu_at(OFF_LF_OP1));
        x_incdec_r(b, sz, dec, XAX);
    } else {
        return false;
    }
    return true;
}

/* Condition cc reads CF (B, AE, BE, A). */
static bool cc_reads_cf(int cc) { return (cc >> 1) == 1 || (cc >> 1) == 3; }

/* The host flags are the guest's (CF too if cf); rebuild them if needed.
 * false: unknown. */
static bool need_hostfl(struct tctx *t, bool cf)
{
    if (t->hostfl && !(cf && t->hostnocf)) return true;
    if (!t->lfmem || !emit_flags_rebuild(t, t->lfkind)) return false;
    t->hostfl = true;
    t->hostnocf = false;
    return true;
}

/* ---- calls out of the body ---- */
/* Call fn(c, arg) (arg < 0: fn(c)), a helper that reads and writes only
 * c->lf and EFLAGS: the guest registers cached in caller-saved host
 * registers are saved around it on the stack (an even number of pushes
 * keeps it 16-aligned). Its result is in eax. c->lf may have changed form
 * (cpu_cond materializes it): its kind is unknown afterwards. */
static void emit_helper(struct tctx *t, const void *fn, int arg)
{
    struct xb *b = &t->b;
    int save[6], n = 0;
    for (int r = 0; r < 8; r++)
        if ((t->rv & HREG_CALLER & (1u << r))) save[n++] = HREG[r];
    if (n & 1) save[n] = save[n - 1], n++;
    for (int i = 0; i < n; i++) x_push(b, save[i]);
    x_mov_rr(b, 8, XDI, XBX);
    if (arg >= 0) x_mov_ri32(b, XSI, (u32)arg);
    x_call_abs(b, fn);
    for (int i = n - 1; i >= 0; i--) x_pop(b, save[i]);
    t->hostfl = false;
    t->lfkind = t->mkind = -1;
}

static void emit_sync(struct tctx *t, int k, u32 eip, u32 len)
{
    x_store_imm(&t->b, 4, cpu_at(OFF_EIP), eip);
    x_store_imm(&t->b, 4, cpu_at(OFF_NEXT_EIP), eip + len);
    emit_icount(t, k);
}

/* Call the handler of the current instruction (the changed guest registers
 * written back first, none cached afterwards); then leave the block (at
 * instruction k+1, from next_eip) if it did not fall through or raised an
 * event, as the interpreter's run loop does. */
static void emit_call_handler(struct tctx *t, bool checks)
{
    struct xb *b = &t->b;
    gr_store(t, 0xff);
    emit_sync(t, t->k, t->eip, t->in->len);
    x_mov_rr(b, 8, XDI, XBX);
    x_mov_ri64(b, XSI, (u64)(uintptr_t)t->in_copy);
    x_call_abs(b, (const void *)t->fn);
    t->rv = t->rd = 0;
    t->hostfl = false;
    t->lfkind = t->mkind = -1;
    t->lfmem = true;
    if (!checks) return;
    x_alu_mi(b, 4, XALU_CMP, cpu_at(OFF_NEXT_EIP), t->eip + t->in->len);
    jump_to_dyn_exit(t, XCC_NE, t->k + 1);
    x_alu_mi(b, 4, XALU_CMP, cpu_at(OFF_EVENTS), 0);
    jump_to_dyn_exit(t, XCC_NE, t->k + 1);
}

/* ---- memory operands ---- */
/* esi = the offset (effective address) of the ModRM/moffs memory operand
 * (32-bit addressing). */
static void emit_offset(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool base = in->base != X86_REG_NONE, index = in->index != X86_REG_NONE;
    if (base && index) x_lea(b, 4, XSI, xmem_idx(gr(t, in->base), gr(t, in->index), in->scale, in->disp));
    else if (base) x_lea(b, 4, XSI, xmem(gr(t, in->base), in->disp));
    else {
        x_mov_ri32(b, XSI, (u32)in->disp);
        if (index) x_lea(b, 4, XSI, xmem_idx(XSI, gr(t, in->index), in->scale, 0));
    }
}
/* esi = its linear address (a segment with a 4 GiB limit: checked by the
 * caller; a base other than 0 is added from the segment register at run
 * time). */
static void emit_ea(struct tctx *t)
{
    emit_offset(t);
    if (!seg_flat(t, t->in->seg)) x_alu_rm(&t->b, 4, XALU_ADD, XSI, cpu_at(OFF_SEGBASE(t->in->seg)));
}

static void log_store(struct cpu *c, u8 *host, unsigned size) { c->write_log(c->write_log_opaque, host, size); }

/* Probe the TLB for an access of sz bytes at esi (write: the write array);
 * on a hit rdi = host address; a miss jumps to the instruction's slow stub.
 * Clobbers eax, edi and the host flags. */
static struct frag *emit_probe(struct tctx *t, unsigned sz, bool write)
{
    struct xb *b = &t->b;
    x_mov_rr(b, 4, XDI, XSI);
    x_shift_ri(b, 4, 5, XDI, 12 - 5);
    x_alu_ri(b, 4, XALU_AND, XDI, (TLB_SIZE - 1) << 5); /* the entry's offset: index * 32 */
    x_mov_rr(b, 4, XAX, XSI);
    x_alu_ri(b, 4, XALU_AND, XAX, 0xfffff000u | (sz - 1));
    i32 arr = write ? t->tlb_w : t->tlb_r;
    x_alu_rm(b, 4, XALU_CMP, XAX, xmem_idx(XBX, XDI, 0, arr + (i32)offsetof(struct tlb_entry, tag)));
    u8 *at = x_jcc32(b, XCC_NE);
    x_load(b, 8, XDI, xmem_idx(XBX, XDI, 0, arr + (i32)offsetof(struct tlb_entry, addend)));
    x_alu_rr(b, 8, XALU_ADD, XDI, XSI);
    struct frag *f = frag_new(t, FR_SLOW, at);
    f->k = t->k;
    f->psize = (u8)sz;
    f->parr = arr;
    f->probe_done = b->p;
    t->hostfl = false;
    if (write && t->d->verify) {
        /* the lockstep checker logs the bytes this store will change (an
         * even number of pushes: the call needs the stack 16-aligned) */
        static const int keep[] = {XAX, XCX, XDX, XSI, XDI, X8, X9, X10, X11, XAX};
        for (int i = 0; i < 10; i++) x_push(b, keep[i]);
        x_mov_rr(b, 8, XSI, XDI);
        x_mov_rr(b, 8, XDI, XBX);
        x_mov_ri32(b, XDX, sz);
        x_call_abs(b, (const void *)log_store);
        for (int i = 9; i >= 0; i--) x_pop(b, keep[i]);
    }
    return f;
}

/* The current instruction's memory operand can be accessed natively. */
static bool mem_native_ok(const struct tctx *t)
{
    return t->in->asize == 4 && (seg_flat(t, t->in->seg) || seg_big(t, t->in->seg));
}

/* The E operand of size sz: memory at [rdi] (probed) or a register. */
static struct gop gop_e(struct tctx *t, unsigned sz, bool mem) { return mem ? gop_mem() : gop_reg(t, t->in->rm, sz); }
static void gop_e_written(struct tctx *t, unsigned sz, bool mem)
{
    if (!mem) gop_written(t, t->in->rm, sz);
}

/* ---- flags of a kind the host cannot rebuild ---- */
static void sync_flags(struct cpu *c) { cpu_flags_sync(c); }

/* The guest's arithmetic flags into EFLAGS (c->lf of kind LF_NONE), through
 * the interpreter's cpu_flags_sync once, unless they are there already; the
 * conditions, CF for INC/ADC, and the rotates then read EFLAGS inline. */
static void ensure_eflags(struct tctx *t)
{
    if (t->lfkind == LF_NONE) return;
    int k = t->lfkind;
    if (t->lfmem && kind_rebuildable(k) && need_hostfl(t, true)) {
        /* the host's flags are the guest's (but AF after a logic operation,
         * which the host leaves undefined and the guest defines as 0) */
        struct xb *b = &t->b;
        x_pushf(b);
        x_pop(b, XAX);
        x_alu_ri(b, 4, XALU_AND, XAX, kind_logic(k) ? FL_ARITH & ~(u32)FL_AF : FL_ARITH);
        x_alu_mi(b, 4, XALU_AND, cpu_at(OFF_EFLAGS), ~(u32)FL_ARITH);
        x_alu_mr(b, 4, XALU_OR, cpu_at(OFF_EFLAGS), XAX);
        x_store_imm(b, 4, cpu_at(OFF_LF_KIND), LF_NONE);
        t->hostfl = false;
    } else {
        emit_helper(t, (const void *)sync_flags, -1);
    }
    t->lfkind = t->mkind = LF_NONE;
}

/* Test condition cc of the flags in EFLAGS (ensure_eflags first): returns
 * the host condition code that holds exactly when cc does. Clobbers eax,
 * ecx and the host flags. */
static int emit_eflags_cond(struct tctx *t, int cc)
{
    struct xb *b = &t->b;
    static const u32 mask[6] = {FL_OF, FL_CF, FL_ZF, FL_CF | FL_ZF, FL_SF, FL_PF};
    bool neg = cc & 1;
    t->hostfl = false;
    if ((cc >> 1) < 6) {
        x_test_mi(b, cpu_at(OFF_EFLAGS), mask[cc >> 1]); /* nonzero: the condition holds */
        return neg ? XCC_E : XCC_NE;
    }
    /* L: SF != OF; LE: that or ZF. Bit 7 of eax = SF ^ OF (OF moved down
     * from bit 11), bit 6 = ZF */
    x_load(b, 4, XAX, cpu_at(OFF_EFLAGS));
    x_mov_rr(b, 4, XCX, XAX);
    x_alu_ri(b, 4, XALU_AND, XCX, FL_OF);
    x_shift_ri(b, 4, 5, XCX, 4);
    x_alu_rr(b, 4, XALU_XOR, XAX, XCX);
    x_test_mi_r(b, XAX, (cc >> 1) == 6 ? FL_SF : FL_SF | FL_ZF);
    return neg ? XCC_E : XCC_NE;
}

/* CF alone into EFLAGS, as incdec() parks it (cheaper than all flags: for
 * most kinds lf_cf is one comparison) */
static void park_cf(struct cpu *c) { c->s.eflags = (c->s.eflags & ~FL_CF) | lf_cf(c); }

/* park_cf for a kind known only at run time (a block's first flag reader):
 * inline for the kinds that keep CF in EFLAGS (nothing to do) and the ADD and
 * SUB rows (one comparison of c->lf's operands), the helper for the rest. */
static void emit_park_cf(struct tctx *t)
{
    struct xb *b = &t->b;
    if (t->lfkind != -1 || !t->lfmem) {
        emit_helper(t, (const void *)park_cf, -1);
        return;
    }
    u8 *done[4], *other, *sub;
    x_load(b, 4, XAX, cpu_at(OFF_LF_KIND));
    x_lea(b, 4, XCX, xmem(XAX, -LF_INC8));
    x_alu_ri(b, 4, XALU_CMP, XCX, LF_DEC32 - LF_INC8);
    done[0] = x_jcc32(b, XCC_BE);                      /* INC/DEC: CF is in EFLAGS */
    x_test_rr(b, 4, XAX, XAX);
    done[1] = x_jcc32(b, XCC_E);                       /* LF_NONE */
    x_lea(b, 4, XCX, xmem(XAX, -LF_SUB8));
    x_alu_ri(b, 4, XALU_CMP, XCX, 2);
    sub = x_jcc32(b, XCC_BE);
    x_lea(b, 4, XCX, xmem(XAX, -LF_ADD8));
    x_alu_ri(b, 4, XALU_CMP, XCX, 2);
    other = x_jcc32(b, XCC_A);
    x_load(b, 4, XCX, cpu_at(OFF_LF_RES));             /* ADD: CF = res < op1 */
    x_alu_rm(b, 4, XALU_CMP, XCX, cpu_at(OFF_LF_OP1));
    u8 *setcf = x_jmp32(b);
    patch(t, sub, b->p);
    x_load(b, 4, XCX, cpu_at(OFF_LF_OP1));             /* SUB: CF = op1 < op2 */
    x_alu_rm(b, 4, XALU_CMP, XCX, cpu_at(OFF_LF_OP2));
    patch(t, setcf, b->p);
    x_setcc(b, XCC_B, XCX);
    x_movzx8_rr(b, XCX, XCX);
    x_alu_mi(b, 4, XALU_AND, cpu_at(OFF_EFLAGS), ~(u32)FL_CF);
    x_alu_mr(b, 4, XALU_OR, cpu_at(OFF_EFLAGS), XCX);
    done[2] = x_jmp32(b);
    patch(t, other, b->p);
    emit_helper(t, (const void *)park_cf, -1);
    done[3] = b->p;
    for (int i = 0; i < 3; i++) patch(t, done[i], done[3]);
    t->hostfl = false;
    t->lfkind = t->mkind = -1;
}

/* The guest flags condition cc reads into EFLAGS: CF alone when cc reads
 * only CF and the kind is known only at run time (emit_park_cf: EFLAGS.CF
 * is then right whatever c->lf holds), else all of them (ensure_eflags). */
static void ensure_eflags_for(struct tctx *t, int cc)
{
    if ((cc >> 1) == 1 && t->lfkind == -1 && t->lfmem) emit_park_cf(t);
    else ensure_eflags(t);
}

/* ---- native emitters ---- */

static u32 lf_kind_for(int op, unsigned sz)
{
    u32 k = lf_szidx(sz);
    switch (op) {
    case XALU_ADD: return LF_ADD8 + k;
    case XALU_ADC: return LF_ADC8 + k;
    case XALU_SBB: return LF_SBB8 + k;
    case XALU_SUB: case XALU_CMP: return LF_SUB8 + k;
    default: return LF_LOGIC8 + k;
    }
}

/* ADC/SBB: the guest's CF into the host's, in two steps around the
 * memory operand's probe (which clobbers the host flags, and a helper call
 * would clobber the probe's result). Before it: CF of a kind that cannot be
 * rebuilt goes to EFLAGS (park_cf); returns whether CF is then read from
 * EFLAGS. */
static bool carry_prepare(struct tctx *t)
{
    int lk = t->lfkind;
    if (lk == LF_NONE || kind_incdec(lk)) return true; /* CF is in EFLAGS */
    bool rebuildable = t->lfmem && ((lk >= LF_ADD8 && lk <= LF_ADD32) || (lk >= LF_SUB8 && lk <= LF_SUB32) ||
                                    kind_logic(lk));
    if (rebuildable || (t->hostfl && !t->hostnocf)) return false;
    emit_park_cf(t);
    return true;
}
/* After the probe, with nothing but moves until the ADC/SBB: host CF = CF. */
static void carry_in(struct tctx *t, bool from_eflags)
{
    if (from_eflags) x_bt_mi(&t->b, cpu_at(OFF_EFLAGS), 0);
    else need_hostfl(t, true);
}

enum src { SRC_G, SRC_E, SRC_IMM, SRC_ACC };

/* dst op= src for ADD OR ADC SBB AND SUB XOR CMP and TEST (op -1). dst is
 * the E operand (mem or register), G (reg) or the accumulator. */
static bool emit_alu(struct tctx *t, int op, unsigned sz, enum src dst, enum src src)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool test = op < 0;
    bool mem = (dst == SRC_E || src == SRC_E) && in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    bool writes = !test && op != XALU_CMP;
    bool carry = op == XALU_ADC || op == XALU_SBB;
    bool cf_eflags = carry && carry_prepare(t);
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, dst == SRC_E && writes);
    }
    if (carry) carry_in(t, cf_eflags); /* (from here only moves until the operation) */
    int dreg = dst == SRC_E ? in->rm : dst == SRC_G ? in->reg : X86_EAX;
    struct gop dm = dst == SRC_E ? gop_e(t, sz, mem) : gop_reg(t, dreg, sz);
    u32 kind = test ? LF_LOGIC8 + lf_szidx(sz) : lf_kind_for(op, sz);
    bool logic = kind_logic((int)kind), dead = lf_is_dead(t, kind);
    /* CMP and TEST compute the result too: c->lf records it */
    int hop = test ? XALU_AND : op == XALU_CMP ? XALU_SUB : op;
    u32 imm = in->imm & (sz == 1 ? 0xff : sz == 2 ? 0xffff : 0xffffffffu);
    /* the source: the immediate, or a host register holding it (the cached
     * register itself at 32 bits, else zero-extended into ecx) */
    int sr = -1;
    if (src != SRC_IMM) {
        struct gop so = src == SRC_G ? gop_reg(t, in->reg, sz) : gop_e(t, sz, mem);
        if (so.h >= 0 && sz == 4) sr = so.h;
        else g_load(t, sz, sr = XCX, so);
    }
    int res, op1 = -1;
    if (dm.h >= 0 && writes) {
        /* a register destination: the operation itself on the cached register */
        if (!logic && !dead) g_load(t, sz, op1 = XDX, dm);
        if (sr >= 0) x_alu_rr(b, sz, hop, dm.h, sr);
        else x_alu_ri(b, sz, hop, dm.h, imm);
        if (sr == dm.h) sr = XDX; /* op2 was the destination (ADD EAX, EAX): its value before */
        gop_written(t, dreg, sz);
        res = dm.h;
        if (dead) res = XAX; /* (not stored) */
        else if (sz == 1) x_movzx8_rr(b, res = XAX, dm.h); /* (movzx keeps the flags) */
        else if (sz == 2) x_movzx16_rr(b, res = XAX, dm.h);
    } else {
        /* memory, or CMP/TEST: on a copy in eax (op1: the operand before,
         * the cached register itself when it holds it whole, else a copy) */
        g_load(t, sz, XAX, dm);
        if (!logic && !dead) {
            if (dm.h >= 0 && sz == 4) op1 = dm.h; /* (not written: CMP) */
            else x_mov_rr(b, 4, op1 = XDX, XAX);
        }
        if (sr >= 0) x_alu_rr(b, sz, hop, XAX, sr);
        else x_alu_ri(b, sz, hop, XAX, imm);
        if (writes) g_store(t, sz, dm, XAX);
        if (writes && !(dst == SRC_E && mem)) gop_written(t, dreg, sz);
        res = XAX;
    }
    emit_lf_set2(t, kind, res, op1, logic ? -1 : sr >= 0 ? sr : LF_OP_IMM, imm, true);
    slow_rejoin(t, slow, (int)kind);
    return true;
}

/* MOV between E and G, or an immediate into E */
static bool emit_mov(struct tctx *t, unsigned sz, bool to_e, bool imm)
{
    const struct x86_insn *in = t->in;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, to_e);
    }
    if (imm) {
        g_store_imm(t, sz, mem ? gop_mem() : gop_reg_w(t, in->rm, sz), in->imm);
        gop_e_written(t, sz, mem);
    } else if (to_e) {
        struct gop src = gop_reg(t, in->reg, sz);
        g_move(t, sz, mem ? gop_mem() : gop_reg_w(t, in->rm, sz), src);
        gop_e_written(t, sz, mem);
    } else {
        struct gop src = gop_e(t, sz, mem);
        g_move(t, sz, gop_reg_w(t, in->reg, sz), src);
        gop_written(t, in->reg, sz);
    }
    slow_rejoin(t, slow, -1);
    return true;
}

/* MOVZX/MOVSX Gv, Eb/Ew */
static bool emit_movx(struct tctx *t, unsigned ssz, bool sx)
{
    const struct x86_insn *in = t->in;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, ssz, false);
    }
    struct gop src = gop_e(t, ssz, mem);
    unsigned osz = in->osize;
    /* at 32 bits straight into the cached register */
    int d = osz == 4 ? gr_def(t, in->reg) : XDX;
    if (sx) g_load_sx(t, ssz, d, src);
    else g_load(t, ssz, d, src);
    if (osz != 4) g_store(t, osz, gop_reg_w(t, in->reg, osz), XDX);
    gop_written(t, in->reg, osz);
    slow_rejoin(t, slow, -1);
    return true;
}

/* MOV moffs forms: AL/eAX <-> [disp] */
static bool emit_mov_moffs(struct tctx *t, unsigned sz, bool to_mem)
{
    if (!mem_native_ok(t)) return false;
    emit_ea(t);
    struct frag *slow = emit_probe(t, sz, to_mem);
    if (to_mem) {
        g_move(t, sz, gop_mem(), gop_reg(t, X86_EAX, sz));
    } else {
        g_move(t, sz, gop_reg_w(t, X86_EAX, sz), gop_mem());
        gop_written(t, X86_EAX, sz);
    }
    slow_rejoin(t, slow, -1);
    return true;
}

/* INC/DEC of a register or memory: CF is kept, so the current CF goes to
 * EFLAGS first (as incdec() does); the host's own INC/DEC then leaves the
 * host flags equal to the guest's but for CF. */
static bool emit_incdec(struct tctx *t, unsigned sz, int reg, bool is_e, bool dec)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = is_e && in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    int lk = t->lfkind;
    bool cf_in_eflags = lk == LF_NONE || (lk >= LF_INC8 && lk <= LF_DEC32);
    bool logic = lk >= LF_LOGIC8 && lk <= LF_LOGIC32;
    bool rebuildable = (lk >= LF_ADD8 && lk <= LF_ADD32) || (lk >= LF_SUB8 && lk <= LF_SUB32);
    struct frag *slow = NULL;
    if (!cf_in_eflags && !logic && !rebuildable) {
        /* CF of a kind the host cannot rebuild: the interpreter's lf_cf
         * computes it, into EFLAGS as incdec() parks it */
        emit_park_cf(t);
        cf_in_eflags = true;
    }
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, true);
    }
    if (logic) {
        x_alu_mi(b, 4, XALU_AND, cpu_at(OFF_EFLAGS), ~(u32)FL_CF); /* CF of a logic operation: 0 */
    } else if (!cf_in_eflags) {
        /* CF of the last ADD/SUB operation, into EFLAGS bit 0: from the host
         * flags, which that operation left (c->lf may not hold it, see
         * lf_is_dead), or rebuilt from c->lf */
        need_hostfl(t, true);
        x_setcc(b, XCC_B, XCX);
        x_movzx8_rr(b, XCX, XCX);
        x_alu_mi(b, 4, XALU_AND, cpu_at(OFF_EFLAGS), ~(u32)FL_CF);
        x_alu_mr(b, 4, XALU_OR, cpu_at(OFF_EFLAGS), XCX);
    }
    struct gop dm = mem ? gop_mem() : gop_reg(t, reg, sz);
    g_load(t, sz, XDX, dm); /* op1: the operand before */
    int res = XAX;
    if (dm.h >= 0 && sz == 4) {
        x_incdec_r(b, 4, dec, dm.h);
        res = dm.h;
    } else {
        x_mov_rr(b, 4, XAX, XDX); /* (zero-extended: so is the result) */
        x_incdec_r(b, sz, dec, XAX);
        g_store(t, sz, dm, XAX);
    }
    if (!mem) gop_written(t, reg, sz);
    u32 kind = (dec ? LF_DEC8 : LF_INC8) + lf_szidx(sz);
    emit_lf_set(t, kind, res, XDX, -1, true);
    t->hostnocf = true; /* the host's CF is not the guest's: a reader of CF rebuilds */
    slow_rejoin(t, slow, (int)kind);
    return true;
}

/* ecx holds CF (0 or 1) after a shift of r (operand before in edx, both
 * zero-extended, bits wide): OR in OF << 11 as ops_shift.c defines it for
 * every count: SHL MSB(result) ^ CF, SHR MSB(operand), SAR 0. */
static void emit_shift_of(struct tctx *t, int ext, int r, unsigned bits)
{
    struct xb *b = &t->b;
    if (ext == 7) return;
    x_mov_rr(b, 4, XSI, ext == 4 ? r : XDX);
    x_shift_ri(b, 4, 5, XSI, (u8)(bits - 1));
    if (ext == 4) x_alu_rr(b, 4, XALU_XOR, XSI, XCX);
    x_shift_ri(b, 4, 4, XSI, 11);
    x_alu_rr(b, 4, XALU_OR, XCX, XSI);
}

/* SHL/SHR/SAR by a constant count: the result and CF from the host, OF
 * and AF (0) as the interpreter defines them (ops_shift.c), as an LF_RES
 * record. Counts that reach the operand width (8/16-bit) call the handler. */
static bool emit_shift_imm(struct tctx *t, unsigned sz, int ext, unsigned count)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    unsigned bits = sz * 8;
    count &= 31;
    bool mem = in->mod != 3;
    if (count >= bits || (mem && !mem_native_ok(t))) return false;
    if (count == 0) return mem ? false : true; /* no change at all (a memory operand is still checked) */
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, true);
    }
    struct gop dm = gop_e(t, sz, mem);
    u32 kind = LF_RES8 + lf_szidx(sz);
    bool dead = lf_is_dead(t, kind);
    /* the operand in edx (zero-extended) for OF, the result in r: the
     * cached register itself at 32 bits, else eax (zero-extended too) */
    int r = dm.h >= 0 && sz == 4 ? dm.h : XAX;
    if (!dead || r == XAX) g_load(t, sz, XDX, dm);
    if (r == XAX) x_mov_rr(b, 4, XAX, XDX);
    if (!dead) x_alu_rr(b, 4, XALU_XOR, XCX, XCX);
    x_shift_ri(b, sz, ext, r, (u8)count);
    if (!dead) {
        x_setcc(b, XCC_B, XCX); /* ecx = CF | OF << 11 */
        emit_shift_of(t, ext, r, bits);
    }
    if (r == XAX) g_store(t, sz, dm, XAX);
    gop_e_written(t, sz, mem);
    emit_lf_set(t, kind, r, XCX, -1, false);
    slow_rejoin(t, slow, (int)kind);
    return true;
}

/* SHL/SHR/SAR r/m32 by CL: as by a constant, but a count of 0 (CL & 31)
 * changes nothing, flags included, so the flags' kind is unknown after. */
static bool emit_shift_cl(struct tctx *t, unsigned sz, int ext)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = in->mod != 3;
    if (sz != 4 || (mem && !mem_native_ok(t))) return false; /* (8/16-bit counts may reach the width) */
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, 4, true);
    }
    /* every guest register the code below reads, loaded before the branch */
    struct gop dm = gop_e(t, 4, mem);
    x_mov_rr(b, 4, XCX, gr(t, X86_ECX));
    x_alu_ri(b, 4, XALU_AND, XCX, 31);
    u8 *skip = x_jcc32(b, XCC_E);
    bool dead = lf_is_dead(t, LF_RES32);
    int r = dm.h >= 0 ? dm.h : XAX;
    g_load(t, 4, XDX, dm);
    if (r == XAX) x_mov_rr(b, 4, XAX, XDX);
    x_shift_rcl(b, 4, ext, r);
    if (!dead) {
        x_setcc(b, XCC_B, XCX); /* ecx = CF | OF << 11 (the count is spent) */
        x_movzx8_rr(b, XCX, XCX);
        emit_shift_of(t, ext, r, 32);
    }
    if (r == XAX) g_store(t, 4, dm, XAX);
    gop_e_written(t, 4, mem);
    emit_lf_set(t, LF_RES32, r, XCX, -1, false);
    patch(t, skip, b->p);
    /* the two ways join: c->lf holds one kind or the other */
    t->lfkind = t->mkind = -1;
    t->lfmem = !dead;
    slow_rejoin(t, slow, -1);
    return true;
}

/* ROL/ROR r/m32 by a constant or CL. They change CF and OF only, so the
 * flags are first materialized in EFLAGS (as the interpreter's flags_put
 * does), then CF and OF are put there as ops_shift.c defines them (OF for
 * every count). A count of 0 changes nothing. */
static bool emit_rotate(struct tctx *t, bool ror, bool by_cl, unsigned count)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = in->mod != 3;
    count &= 31;
    if (in->osize != 4 || (mem && !mem_native_ok(t))) return false;
    if (!by_cl && count == 0) return !mem; /* (a memory operand is still checked: the handler) */
    ensure_eflags(t); /* before the probe: a helper call clobbers rdi */
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, 4, true);
    }
    struct gop dm = gop_e(t, 4, mem); /* (every register read is loaded before the branch) */
    u8 *skip = NULL;
    if (by_cl) {
        x_mov_rr(b, 4, XCX, gr(t, X86_ECX));
        x_alu_ri(b, 4, XALU_AND, XCX, 31);
        skip = x_jcc32(b, XCC_E);
    }
    int r = dm.h >= 0 ? dm.h : XAX;
    if (r == XAX) g_load(t, 4, XAX, dm);
    if (by_cl) x_shift_rcl(b, 4, ror ? 1 : 0, r);
    else x_shift_ri(b, 4, ror ? 1 : 0, r, (u8)count);
    /* ecx = CF | OF << 11: ROL: CF = bit 0, OF = bit 31 ^ CF; ROR: CF = bit 31, OF = bit 31 ^ bit 30 */
    x_mov_rr(b, 4, XCX, r);
    if (ror) x_shift_ri(b, 4, 5, XCX, 31);
    else x_alu_ri(b, 4, XALU_AND, XCX, 1);
    x_mov_rr(b, 4, XSI, r);
    x_shift_ri(b, 4, 5, XSI, ror ? 30 : 31);
    if (ror) x_alu_ri(b, 4, XALU_AND, XSI, 1);
    x_alu_rr(b, 4, XALU_XOR, XSI, XCX);
    x_shift_ri(b, 4, 4, XSI, 11);
    x_alu_rr(b, 4, XALU_OR, XCX, XSI);
    x_alu_mi(b, 4, XALU_AND, cpu_at(OFF_EFLAGS), ~(u32)(FL_CF | FL_OF));
    x_alu_mr(b, 4, XALU_OR, cpu_at(OFF_EFLAGS), XCX);
    if (r == XAX) g_store(t, 4, dm, XAX);
    gop_e_written(t, 4, mem);
    if (skip) patch(t, skip, b->p);
    t->hostfl = false; /* c->lf stays LF_NONE: the flags are in EFLAGS */
    slow_rejoin(t, slow, -1);
    return true;
}

/* NOT and NEG r/m: NOT changes no flags; NEG sets them as SUB 0, a */
static bool emit_notneg(struct tctx *t, unsigned sz, bool neg)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, true);
    }
    struct gop dm = gop_e(t, sz, mem);
    int r = dm.h >= 0 && sz == 4 ? dm.h : XAX;
    if (neg) g_load(t, sz, XDX, dm); /* op2 = a */
    if (r == XAX) g_load(t, sz, XAX, dm);
    if (neg) x_neg_r(b, sz, r);
    else x_not_r(b, sz, r);
    if (r == XAX) g_store(t, sz, dm, XAX);
    gop_e_written(t, sz, mem);
    if (neg) {
        u32 kind = LF_SUB8 + lf_szidx(sz);
        /* res zero-extended (eax is: it was loaded so), op1 = 0 */
        x_mov_ri32(b, XCX, 0);
        emit_lf_set(t, kind, r, XCX, XDX, true);
        slow_rejoin(t, slow, (int)kind);
    } else {
        slow_rejoin(t, slow, -1);
    }
    return true;
}

/* IMUL Gv, Ev[, imm]: the truncated product; CF = OF = it did not fit */
static bool emit_imul(struct tctx *t, bool imm)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    unsigned sz = in->osize;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, false);
    }
    g_load(t, sz, XDX, gop_e(t, sz, mem));
    if (imm) x_mov_ri32(b, XAX, in->imm & (sz == 2 ? 0xffffu : 0xffffffffu));
    else g_load(t, sz, XAX, gop_reg(t, in->reg, sz));
    x_imul_rr(b, sz, XAX, XDX);
    x_setcc(b, XCC_B, XCX);
    x_movzx8_rr(b, XCX, XCX);
    x_neg_r(b, 4, XCX); /* 0 or all ones */
    x_alu_ri(b, 4, XALU_AND, XCX, FL_CF | FL_OF);
    if (sz == 2) x_movzx16_rr(b, XAX, XAX);
    g_store(t, sz, gop_reg_w(t, in->reg, sz), XAX);
    gop_written(t, in->reg, sz);
    u32 kind = LF_RES8 + lf_szidx(sz);
    emit_lf_set(t, kind, XAX, XCX, -1, false);
    slow_rejoin(t, slow, (int)kind);
    return true;
}

/* A branch (jcc) to an out-of-line run of the current instruction's
 * handler, which then rejoins at `resume` (set by the caller). */
static struct frag *jump_to_handler(struct tctx *t, int cc)
{
    struct frag *f = frag_new(t, FR_SLOW, x_jcc32(&t->b, cc));
    f->k = t->k;
    return f;
}

/* MUL/IMUL/DIV/IDIV r/m32 (EDX:EAX forms). A zero divisor or a quotient
 * that does not fit goes to the handler, which raises #DE exactly; MUL and
 * IMUL record CF = OF = "the high half is needed" as mul_flags() does. */
static bool emit_muldiv32(struct tctx *t, int ext)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    if (in->osize != 4) return false;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow[4] = {0};
    int ns = 0;
    if (mem) {
        emit_ea(t);
        slow[ns++] = emit_probe(t, 4, false);
    }
    g_load(t, 4, XCX, gop_e(t, 4, mem));
    x_mov_rr(b, 4, XAX, gr(t, X86_EAX));
    if (ext == 4 || ext == 5) {
        x_grp3_r(b, 4, ext, XCX); /* edx:eax = eax * ecx */
        x_setcc(b, XCC_B, XCX);
        x_movzx8_rr(b, XCX, XCX);
        x_neg_r(b, 4, XCX);
        x_alu_ri(b, 4, XALU_AND, XCX, FL_CF | FL_OF);
        x_mov_rr(b, 4, gr_def(t, X86_EAX), XAX);
        x_mov_rr(b, 4, gr_def(t, X86_EDX), XDX);
        emit_lf_set(t, LF_RES32, XAX, XCX, -1, false);
        for (int i = 0; i < ns; i++) slow_rejoin(t, slow[i], LF_RES32);
        return true;
    }
    x_test_rr(b, 4, XCX, XCX);
    slow[ns++] = jump_to_handler(t, XCC_E);
    x_mov_rr(b, 4, XDX, gr(t, X86_EDX));
    if (ext == 6) {
        x_alu_rr(b, 4, XALU_CMP, XDX, XCX); /* the quotient fits iff EDX < divisor */
        slow[ns++] = jump_to_handler(t, XCC_AE);
        x_grp3_r(b, 4, 6, XCX);
    } else {
        /* a divisor of -1 goes to the handler (INT_MIN / -1 raises #DE) */
        x_alu_ri(b, 4, XALU_CMP, XCX, 0xffffffffu);
        slow[ns++] = jump_to_handler(t, XCC_E);
        /* a dividend that fits in 32 bits (EDX its sign, as after CDQ): the
         * quotient fits too, and the host's 32-bit IDIV is the fast one */
        x_mov_rr(b, 4, XSI, XAX);
        x_shift_ri(b, 4, 7, XSI, 31);
        x_alu_rr(b, 4, XALU_CMP, XSI, XDX);
        u8 *wide = x_jcc32(b, XCC_NE);
        x_grp3_r(b, 4, 7, XCX);
        u8 *done = x_jmp32(b);
        patch(t, wide, b->p);
        /* else the 64-bit signed dividend by the sign-extended divisor: the
         * quotient must fit in 32 bits */
        x_shift_ri(b, 8, 4, XDX, 32);
        x_alu_rr(b, 8, XALU_OR, XAX, XDX);
        x_movsxd_rr(b, XCX, XCX);
        x_cqo(b);
        x_grp3_r(b, 8, 7, XCX);
        x_movsxd_rr(b, XSI, XAX);
        x_alu_rr(b, 8, XALU_CMP, XSI, XAX);
        slow[ns++] = jump_to_handler(t, XCC_NE);
        patch(t, done, b->p);
    }
    x_mov_rr(b, 4, gr_def(t, X86_EAX), XAX);
    x_mov_rr(b, 4, gr_def(t, X86_EDX), XDX);
    t->hostfl = false;
    for (int i = 0; i < ns; i++) slow_rejoin(t, slow[i], -1);
    return true;
}

/* cl = condition cc of the guest flags (host flags or the evaluator). */
static void emit_cond_to_cl(struct tctx *t, int cc)
{
    struct xb *b = &t->b;
    if (need_hostfl(t, cc_reads_cf(cc))) {
        x_setcc(b, cc, XCX);
        return;
    }
    ensure_eflags_for(t, cc);
    x_setcc(b, emit_eflags_cond(t, cc), XCX);
}

static bool emit_setcc(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    emit_cond_to_cl(t, in->cc);
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, 1, true);
    }
    g_store(t, 1, mem ? gop_mem() : gop_reg(t, in->rm, 1), XCX);
    gop_e_written(t, 1, mem);
    slow_rejoin(t, slow, -1);
    return true;
}

/* CMOVcc Gv, Ev. A memory source is read whatever the condition (and may
 * fault: the probe comes first, and the host flags are rebuilt after it).
 * A 32-bit CMOV writes its destination even when the condition fails (the
 * upper half of the host register; the guest value is unchanged either
 * way). */
static bool emit_cmov(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    unsigned sz = in->osize;
    bool mem = in->mod != 3;
    bool cf = cc_reads_cf(in->cc);
    if (mem) {
        /* the flags must be rebuildable after the probe (and in its slow stub) */
        if (!mem_native_ok(t) || !t->lfmem || !kind_rebuildable(t->lfkind)) return false;
    }
    int hcc = in->cc;
    if (!mem && !need_hostfl(t, cf)) {
        ensure_eflags_for(t, in->cc); /* (before the loads below: a helper call keeps only loaded registers) */
        hcc = -1;
    }
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, false);
    }
    int dst = gr(t, in->reg); /* (loads leave the host flags alone) */
    int src = mem ? -1 : gr(t, in->rm);
    if (mem) need_hostfl(t, cf);
    if (hcc < 0) hcc = emit_eflags_cond(t, in->cc);
    if (mem) x_cmov_rm(&t->b, (int)sz, hcc, dst, xmem(XDI, 0));
    else x_cmov_rr(&t->b, (int)sz, hcc, dst, src);
    gop_written(t, in->reg, sz);
    /* the stub rebuilds the host flags the body has after the instruction */
    slow_rejoin(t, slow, t->hostfl ? t->lfkind : -1);
    return true;
}

/* CBW/CWDE and CWD/CDQ */
static bool emit_cbw(struct tctx *t)
{
    unsigned sz = t->in->osize;
    g_load_sx(t, sz / 2, XDX, gop_reg(t, X86_EAX, sz / 2));
    g_store(t, sz, gop_reg_w(t, X86_EAX, sz), XDX);
    gop_written(t, X86_EAX, sz);
    return true;
}
static bool emit_cwd(struct tctx *t)
{
    unsigned sz = t->in->osize;
    g_load_sx(t, sz, XDX, gop_reg(t, X86_EAX, sz));
    x_shift_ri(&t->b, 4, 7, XDX, 31);
    g_store(t, sz, gop_reg_w(t, X86_EDX, sz), XDX);
    gop_written(t, X86_EDX, sz);
    t->hostfl = false;
    return true;
}

/* XCHG between registers (not the high bytes: both sides are written) */
static bool emit_xchg_rr(struct tctx *t, unsigned sz, int r1, int r2)
{
    if (sz == 1 && (r1 >= 4 || r2 >= 4)) return false;
    struct gop a = gop_reg(t, r1, sz), c = gop_reg(t, r2, sz);
    g_load(t, sz, XDX, a);
    g_load(t, sz, XCX, c);
    g_store(t, sz, a, XCX);
    g_store(t, sz, c, XDX);
    gop_written(t, r1, sz);
    gop_written(t, r2, sz);
    return true;
}

static bool emit_lea(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    if (in->asize != 4) return false;
    emit_offset(t);
    g_store(t, in->osize, gop_reg_w(t, in->reg, in->osize), XSI);
    gop_written(t, in->reg, in->osize);
    return true;
}

static bool stack_native_ok(const struct tctx *t)
{
    return t->in->osize == 4 && (t->key & KEY_SS32) && seg_flat(t, S_SS);
}

/* push guest register reg, or (reg < 0) the host register v: esi = ESP - 4,
 * probe, store, commit ESP */
static void emit_push(struct tctx *t, int reg, int v)
{
    struct xb *b = &t->b;
    x_lea(b, 4, XSI, xmem(gr(t, X86_ESP), -4));
    struct frag *slow = emit_probe(t, 4, true);
    x_store(b, 4, xmem(XDI, 0), reg >= 0 ? gr(t, reg) : v); /* PUSH ESP: the value before */
    x_mov_rr(b, 4, gr_def(t, X86_ESP), XSI);
    slow_rejoin(t, slow, -1);
}

static bool emit_push_reg(struct tctx *t, int reg)
{
    if (!stack_native_ok(t)) return false;
    emit_push(t, reg, -1);
    return true;
}

static bool emit_pop_reg(struct tctx *t, int reg)
{
    if (!stack_native_ok(t)) return false;
    struct xb *b = &t->b;
    x_mov_rr(b, 4, XSI, gr(t, X86_ESP));
    struct frag *slow = emit_probe(t, 4, false);
    x_load(b, 4, XDX, xmem(XDI, 0));
    x_lea(b, 4, gr_def(t, X86_ESP), xmem(XSI, 4));
    x_mov_rr(b, 4, gr_def(t, reg), XDX); /* after ESP: POP ESP loads the popped value */
    slow_rejoin(t, slow, -1);
    return true;
}

/* Near relative branches the translator can follow itself: 32-bit operand
 * size under a CS with a 4 GiB limit (no truncation, no limit check). */
static bool near_native_ok(const struct tctx *t) { return t->in->osize == 4 && (t->key & KEY_CSLIM4G); }

static bool emit_jcc(struct tctx *t)
{
    if (!near_native_ok(t)) return false;
    u32 target = t->eip + t->in->len + t->in->imm;
    int cc = t->in->cc;
    if (need_hostfl(t, cc_reads_cf(cc))) {
        jump_to_static_exit(t, cc, t->k + 1, target);
        return true;
    }
    if ((cc >> 1) == 2 && t->lfmem) {
        /* JZ/JNZ on flags of unknown kind: ZF is EFLAGS.ZF under LF_NONE,
         * else (res == 0) (res is kept zero-extended to the operation's size) */
        struct xb *b = &t->b;
        x_alu_mi(b, 4, XALU_CMP, cpu_at(OFF_LF_KIND), LF_NONE);
        u8 *lazy = x_jcc32(b, XCC_NE);
        x_load(b, 4, XAX, cpu_at(OFF_EFLAGS));
        x_not_r(b, 4, XAX);
        x_test_mi_r(b, XAX, FL_ZF); /* host ZF = !(~EFLAGS & ZF) = ZF */
        u8 *done = x_jmp32(b);
        patch(t, lazy, b->p);
        x_alu_mi(b, 4, XALU_CMP, cpu_at(OFF_LF_RES), 0);
        patch(t, done, b->p);
        t->hostfl = false;
        jump_to_static_exit(t, cc, t->k + 1, target);
        return true;
    }
    /* flags the host cannot rebuild: from EFLAGS */
    ensure_eflags_for(t, cc);
    jump_to_static_exit(t, emit_eflags_cond(t, cc), t->k + 1, target);
    return true;
}

/* The instruction replaces all of c->lf without reading it and cannot
 * fault or leave the block first, natively or through its handler:
 * register and immediate forms of the ALU group, TEST, shifts by a nonzero
 * constant and IMUL. The flags of the instruction before it are dead. */
static bool overwrites_lf(const struct x86_insn *in)
{
    if (in->pfx & X86_PFX_LOCK) return false; /* #UD */
    switch (in->op) {
#define ALU_REG_CASES(M) \
    case X86_OP_##M##_EbGb: case X86_OP_##M##_EvGv: case X86_OP_##M##_GbEb: case X86_OP_##M##_GvEv: \
    case X86_OP_##M##_EbIb: case X86_OP_##M##_EvIz: case X86_OP_##M##_EvIbs:
    ALU_REG_CASES(ADD) ALU_REG_CASES(OR) ALU_REG_CASES(AND) ALU_REG_CASES(SUB) ALU_REG_CASES(XOR) ALU_REG_CASES(CMP)
#undef ALU_REG_CASES
    case X86_OP_TEST_EbGb: case X86_OP_TEST_EvGv: case X86_OP_TEST_EbIb: case X86_OP_TEST_EvIz:
    case X86_OP_IMUL_GvEv: case X86_OP_IMUL_GvEvIz: case X86_OP_IMUL_GvEvIbs:
        return in->mod == 3;
    case X86_OP_ADD_ALIb: case X86_OP_ADD_eAXIz: case X86_OP_OR_ALIb: case X86_OP_OR_eAXIz:
    case X86_OP_AND_ALIb: case X86_OP_AND_eAXIz: case X86_OP_SUB_ALIb: case X86_OP_SUB_eAXIz:
    case X86_OP_XOR_ALIb: case X86_OP_XOR_eAXIz: case X86_OP_CMP_ALIb: case X86_OP_CMP_eAXIz:
    case X86_OP_TEST_ALIb: case X86_OP_TEST_eAXIz:
        return true;
    case X86_OP_SHL_EbIb: case X86_OP_SHL_EvIb: case X86_OP_SAL_EbIb: case X86_OP_SAL_EvIb:
    case X86_OP_SHR_EbIb: case X86_OP_SHR_EvIb: case X86_OP_SAR_EbIb: case X86_OP_SAR_EvIb:
        return in->mod == 3 && (in->imm & 31) != 0;
    case X86_OP_SHL_Eb1: case X86_OP_SHL_Ev1: case X86_OP_SAL_Eb1: case X86_OP_SAL_Ev1:
    case X86_OP_SHR_Eb1: case X86_OP_SHR_Ev1: case X86_OP_SAR_Eb1: case X86_OP_SAR_Ev1:
        return in->mod == 3;
    default:
        return false;
    }
}

static bool op_native_allowed(const struct dbt *d, unsigned op)
{
    return !d->no_native_all && !(d->no_native[op / 8] & (1u << (op % 8)));
}
static bool native_allowed(const struct tctx *t) { return op_native_allowed(t->d, t->in->op); }

/* A register INC/DEC that will be emitted natively (emit_incdec). */
static bool native_incdec_reg(const struct dbt *d, const struct x86_insn *in)
{
    if ((in->pfx & X86_PFX_LOCK) || !op_native_allowed(d, in->op)) return false;
    switch (in->op) {
    case X86_OP_INC_Zv: case X86_OP_DEC_Zv: return true;
    case X86_OP_INC_Ev: case X86_OP_DEC_Ev: case X86_OP_INC_Eb: case X86_OP_DEC_Eb: return in->mod == 3;
    default: return false;
    }
}

/* LOCK on a form that allows it (a memory destination of ADD ADC SBB AND
 * OR SUB XOR INC DEC NEG NOT): with one CPU and no concurrent DMA the plain
 * read-modify-write is atomic. Every other LOCK raises #UD in the handler. */
static bool lock_ok(const struct x86_insn *in)
{
    if (in->mod == 3) return false;
    switch (in->op) {
#define LOCK_ALU(M) \
    case X86_OP_##M##_EbGb: case X86_OP_##M##_EvGv: case X86_OP_##M##_EbIb: case X86_OP_##M##_EvIz: \
    case X86_OP_##M##_EvIbs:
    LOCK_ALU(ADD) LOCK_ALU(ADC) LOCK_ALU(SBB) LOCK_ALU(AND) LOCK_ALU(OR) LOCK_ALU(SUB) LOCK_ALU(XOR)
#undef LOCK_ALU
    case X86_OP_INC_Ev: case X86_OP_DEC_Ev: case X86_OP_INC_Eb: case X86_OP_DEC_Eb:
    case X86_OP_NEG_Ev: case X86_OP_NEG_Eb: case X86_OP_NOT_Ev: case X86_OP_NOT_Eb:
        return true;
    default:
        return false;
    }
}

static bool emit_native(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    if (((in->pfx & X86_PFX_LOCK) && !lock_ok(in)) || !native_allowed(t)) return false;
    unsigned v = in->osize;
    switch (in->op) {
#define ALU_CASES(M, OPN) \
    case X86_OP_##M##_EbGb: return emit_alu(t, OPN, 1, SRC_E, SRC_G); \
    case X86_OP_##M##_EvGv: return emit_alu(t, OPN, v, SRC_E, SRC_G); \
    case X86_OP_##M##_GbEb: return emit_alu(t, OPN, 1, SRC_G, SRC_E); \
    case X86_OP_##M##_GvEv: return emit_alu(t, OPN, v, SRC_G, SRC_E); \
    case X86_OP_##M##_EbIb: return emit_alu(t, OPN, 1, SRC_E, SRC_IMM); \
    case X86_OP_##M##_EvIz: case X86_OP_##M##_EvIbs: return emit_alu(t, OPN, v, SRC_E, SRC_IMM); \
    case X86_OP_##M##_ALIb: return emit_alu(t, OPN, 1, SRC_ACC, SRC_IMM); \
    case X86_OP_##M##_eAXIz: return emit_alu(t, OPN, v, SRC_ACC, SRC_IMM);
    ALU_CASES(ADD, XALU_ADD)
    ALU_CASES(OR, XALU_OR)
    ALU_CASES(AND, XALU_AND)
    ALU_CASES(ADC, XALU_ADC)
    ALU_CASES(SBB, XALU_SBB)
    ALU_CASES(SUB, XALU_SUB)
    ALU_CASES(XOR, XALU_XOR)
    ALU_CASES(CMP, XALU_CMP)
#undef ALU_CASES
    case X86_OP_TEST_EbGb: return emit_alu(t, -1, 1, SRC_E, SRC_G);
    case X86_OP_TEST_EvGv: return emit_alu(t, -1, v, SRC_E, SRC_G);
    case X86_OP_TEST_EbIb: return emit_alu(t, -1, 1, SRC_E, SRC_IMM);
    case X86_OP_TEST_EvIz: return emit_alu(t, -1, v, SRC_E, SRC_IMM);
    case X86_OP_TEST_ALIb: return emit_alu(t, -1, 1, SRC_ACC, SRC_IMM);
    case X86_OP_TEST_eAXIz: return emit_alu(t, -1, v, SRC_ACC, SRC_IMM);
    case X86_OP_MOV_EbGb: return emit_mov(t, 1, true, false);
    case X86_OP_MOV_EvGv: return emit_mov(t, v, true, false);
    case X86_OP_MOV_GbEb: return emit_mov(t, 1, false, false);
    case X86_OP_MOV_GvEv: return emit_mov(t, v, false, false);
    case X86_OP_MOV_EbIb: return emit_mov(t, 1, true, true);
    case X86_OP_MOV_EvIz: return emit_mov(t, v, true, true);
    case X86_OP_MOV_ZbIb:
        g_store_imm(t, 1, gop_reg_w(t, in->reg, 1), in->imm);
        gop_written(t, in->reg, 1);
        return true;
    case X86_OP_MOV_ZvIv:
        g_store_imm(t, v, gop_reg_w(t, in->reg, v), in->imm);
        gop_written(t, in->reg, v);
        return true;
    case X86_OP_MOV_ALOb: return emit_mov_moffs(t, 1, false);
    case X86_OP_MOV_eAXOv: return emit_mov_moffs(t, v, false);
    case X86_OP_MOV_ObAL: return emit_mov_moffs(t, 1, true);
    case X86_OP_MOV_OveAX: return emit_mov_moffs(t, v, true);
    case X86_OP_MOVZX_GvEb: return emit_movx(t, 1, false);
    case X86_OP_MOVZX_GvEw: return emit_movx(t, 2, false);
    case X86_OP_MOVSX_GvEb: return emit_movx(t, 1, true);
    case X86_OP_MOVSX_GvEw: return emit_movx(t, 2, true);
    case X86_OP_LEA_GvM: return emit_lea(t);
    case X86_OP_INC_Zv: return emit_incdec(t, v, in->reg, false, false);
    case X86_OP_DEC_Zv: return emit_incdec(t, v, in->reg, false, true);
    case X86_OP_INC_Ev: return emit_incdec(t, v, in->rm, true, false);
    case X86_OP_DEC_Ev: return emit_incdec(t, v, in->rm, true, true);
    case X86_OP_INC_Eb: return emit_incdec(t, 1, in->rm, true, false);
    case X86_OP_DEC_Eb: return emit_incdec(t, 1, in->rm, true, true);
    case X86_OP_PUSH_Zv: return emit_push_reg(t, in->reg);
    case X86_OP_POP_Zv: return emit_pop_reg(t, in->reg);
    case X86_OP_NOP: return true;
#define SHIFT_CASES(M, EXT) \
    case X86_OP_##M##_EbIb: return emit_shift_imm(t, 1, EXT, in->imm); \
    case X86_OP_##M##_EvIb: return emit_shift_imm(t, v, EXT, in->imm); \
    case X86_OP_##M##_Eb1: return emit_shift_imm(t, 1, EXT, 1); \
    case X86_OP_##M##_Ev1: return emit_shift_imm(t, v, EXT, 1);
    SHIFT_CASES(SHL, 4)
    SHIFT_CASES(SAL, 4)
    SHIFT_CASES(SHR, 5)
    SHIFT_CASES(SAR, 7)
#undef SHIFT_CASES
    case X86_OP_SHL_EvCL: case X86_OP_SAL_EvCL: return emit_shift_cl(t, v, 4);
    case X86_OP_SHR_EvCL: return emit_shift_cl(t, v, 5);
    case X86_OP_SAR_EvCL: return emit_shift_cl(t, v, 7);
    case X86_OP_ROL_EvIb: return emit_rotate(t, false, false, in->imm);
    case X86_OP_ROR_EvIb: return emit_rotate(t, true, false, in->imm);
    case X86_OP_ROL_Ev1: return emit_rotate(t, false, false, 1);
    case X86_OP_ROR_Ev1: return emit_rotate(t, true, false, 1);
    case X86_OP_ROL_EvCL: return emit_rotate(t, false, true, 0);
    case X86_OP_ROR_EvCL: return emit_rotate(t, true, true, 0);
    case X86_OP_NOT_Eb: return emit_notneg(t, 1, false);
    case X86_OP_NOT_Ev: return emit_notneg(t, v, false);
    case X86_OP_NEG_Eb: return emit_notneg(t, 1, true);
    case X86_OP_NEG_Ev: return emit_notneg(t, v, true);
    case X86_OP_IMUL_GvEv: return emit_imul(t, false);
    case X86_OP_IMUL_GvEvIz: case X86_OP_IMUL_GvEvIbs: return emit_imul(t, true);
    case X86_OP_SETCC_Eb: return emit_setcc(t);
    case X86_OP_MUL_Ev: return emit_muldiv32(t, 4);
    case X86_OP_IMUL_Ev: return emit_muldiv32(t, 5);
    case X86_OP_DIV_Ev: return emit_muldiv32(t, 6);
    case X86_OP_IDIV_Ev: return emit_muldiv32(t, 7);
    case X86_OP_CMOVCC_GvEv: return emit_cmov(t);
    case X86_OP_CBW: return emit_cbw(t);
    case X86_OP_CWD: return emit_cwd(t);
    case X86_OP_XCHG_ZveAX: return emit_xchg_rr(t, v, in->reg, X86_EAX);
    case X86_OP_XCHG_EvGv: return in->mod == 3 && emit_xchg_rr(t, v, in->reg, in->rm);
    case X86_OP_XCHG_EbGb: return in->mod == 3 && emit_xchg_rr(t, 1, in->reg, in->rm);
    case X86_OP_JCC_Jb: case X86_OP_JCC_Jz: return emit_jcc(t);
    default: return false;
    }
}

/* Block-ending instructions with a native form: the exit is part of it. */
static bool emit_native_branch(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    if (!near_native_ok(t) || (in->pfx & X86_PFX_LOCK) || !native_allowed(t)) return false;
    u32 next = t->eip + in->len;
    switch (in->op) {
    case X86_OP_JMP_Jb:
    case X86_OP_JMP_Jz:
        jump_to_static_exit(t, -1, t->k + 1, next + in->imm);
        return true;
    case X86_OP_CALL_Jz:
        if (!stack_native_ok(t)) return false;
        x_mov_ri32(b, XDX, next);
        emit_push(t, -1, XDX);
        jump_to_static_exit(t, -1, t->k + 1, next + in->imm);
        return true;
    case X86_OP_RET: {
        if (!stack_native_ok(t)) return false;
        x_mov_rr(b, 4, XSI, gr(t, X86_ESP));
        struct frag *slow = emit_probe(t, 4, false);
        x_load(b, 4, XDX, xmem(XDI, 0));
        x_lea(b, 4, gr_def(t, X86_ESP), xmem(XSI, 4));
        x_store(b, 4, cpu_at(OFF_NEXT_EIP), XDX);
        slow_rejoin(t, slow, -1);
        jump_to_dyn_exit(t, -1, t->k + 1);
        return true;
    }
    default:
        return false;
    }
}

/* Forms after which the mode key may differ: they end the block with an
 * exit that is never chained. */
static bool changes_key(const struct x86_insn *in)
{
    switch (in->op) {
    case X86_OP_MOV_SwEw:
    case X86_OP_POP_ES: case X86_OP_POP_SS: case X86_OP_POP_DS: case X86_OP_POP_FS: case X86_OP_POP_GS:
    case X86_OP_LES_GvMp: case X86_OP_LDS_GvMp: case X86_OP_LSS_GvMp: case X86_OP_LFS_GvMp: case X86_OP_LGS_GvMp:
        return true;
    default:
        return (x86_forms[in->op].flags & F_BRANCH) != 0;
    }
}

/* As block.c: the block ends after any F_BRANCH form but the conditional ones. */
static bool ends_block(const struct x86_insn *in)
{
    switch (in->op) {
    case X86_OP_JCC_Jb: case X86_OP_JCC_Jz:
    case X86_OP_LOOPNE_Jb: case X86_OP_LOOPE_Jb: case X86_OP_LOOP_Jb: case X86_OP_JCXZ_Jb:
        return false;
    case X86_OP_UD:
        return true;
    default:
        return changes_key(in);
    }
}

/* ---- out-of-line fragments ---- */
static void select_insn(struct tctx *t, int k)
{
    t->k = k;
    t->eip = t->ieip[k];
    t->in = t->in_copy = &t->icopy[k];
    t->fn = t->ifn[k];
}

static void emit_frags(struct tctx *t)
{
    struct xb *b = &t->b;
    struct { int k, rd; u8 *at; } dyn[MAX_FRAGS];
    int ndyn = 0;
    u8 *bail_at = NULL, *xmiss_at = NULL;
    t->lf_dead = t->next_incdec = false;
    /* slow stubs add dynamic exits to the list as they go */
    for (int i = 0; i < t->nfrag && !t->too_many; i++) {
        struct frag f = t->frags[i];
        switch (f.kind) {
        case FR_DYN: {
            int j = 0;
            while (j < ndyn && (dyn[j].k != f.k || dyn[j].rd != f.rd)) j++;
            if (j < ndyn) {
                patch(t, f.from, dyn[j].at);
                break;
            }
            patch(t, f.from, b->p);
            dyn[ndyn].k = f.k;
            dyn[ndyn].rd = f.rd;
            dyn[ndyn++].at = b->p;
            t->rd = f.rd;
            gr_store(t, 0xff);
            x_lea(b, 8, X12, xmem(X12, f.k));
            x_store(b, 8, cpu_at(OFF_ICOUNT), X12);
            x_load(b, 4, XAX, cpu_at(OFF_NEXT_EIP));
            x_store(b, 4, cpu_at(OFF_EIP), XAX);
            x_mov_ri64(b, XDI, (u64)(uintptr_t)t->d);
            x_mov_ri32(b, XSI, 0);
            patch(t, x_jmp32(b), t->d->lookup_stub);
            break;
        }
        case FR_STATIC: {
            /* chained: r12 moves on and the jump goes straight to the next
             * block (whose prologue writes EIP and icount if it bails);
             * unchained: both are written for the lookup */
            patch(t, f.from, b->p);
            t->rd = f.rd;
            gr_store(t, 0xff);
            x_lea(b, 8, X12, xmem(X12, f.k));
            struct tb_exit *x = t->nexit < t->max_exit ? &t->exits[t->nexit++] : NULL;
            if (x) {
                x->jmp = x_jmp32(b);
                patch(t, x->jmp, b->p); /* unchained: on to the lookup */
                x->src = t->tb;
            }
            x_store(b, 8, cpu_at(OFF_ICOUNT), X12);
            x_store_imm(b, 4, cpu_at(OFF_EIP), f.target);
            x_mov_ri64(b, XDI, (u64)(uintptr_t)t->d);
            x_mov_ri64(b, XSI, (u64)(uintptr_t)x);
            patch(t, x_jmp32(b), t->d->lookup_stub);
            break;
        }
        case FR_XMISS: /* the cross-page entry's check failed: look the block up */
            if (!xmiss_at) {
                xmiss_at = b->p;
                x_store(b, 8, cpu_at(OFF_ICOUNT), X12);
                x_store_imm(b, 4, cpu_at(OFF_EIP), t->tb_eip);
                x_mov_ri64(b, XDI, (u64)(uintptr_t)t->d);
                x_mov_ri32(b, XSI, 0);
                patch(t, x_jmp32(b), t->d->lookup_stub);
            }
            patch(t, f.from, xmiss_at);
            break;
        case FR_BAIL: /* the prologue declined: back to the dispatcher, at this block */
            if (!bail_at) {
                bail_at = b->p;
                x_store(b, 8, cpu_at(OFF_ICOUNT), X12);
                x_store_imm(b, 4, cpu_at(OFF_EIP), t->tb_eip);
                patch(t, x_jmp32(b), t->d->exit_stub);
            }
            patch(t, f.from, bail_at);
            break;
        case FR_SLOW:
            patch(t, f.from, b->p);
            if (f.psize) {
                /* A page kept slow only for a debugger watchpoint: an access
                 * that misses every watched range goes on at host speed
                 * (eax = the masked address, edi = the entry's offset) */
                x_alu_ri(b, 4, XALU_OR, XAX, TLB_SLOW);
                x_alu_rm(b, 4, XALU_CMP, XAX, xmem_idx(XBX, XDI, 0, f.parr + (i32)offsetof(struct tlb_entry, tag)));
                u8 *h1 = x_jcc32(b, XCC_NE);
                x_alu_mi(b, 4, XALU_CMP, xmem_idx(XBX, XDI, 0, f.parr + (i32)offsetof(struct tlb_entry, watch_only)), 1);
                u8 *h2 = x_jcc32(b, XCC_NE);
                x_lea(b, 4, XAX, xmem(XSI, f.psize - 1));
                x_alu_rm(b, 4, XALU_CMP, XAX, cpu_at((i32)offsetof(struct cpu, watch_lo)));
                u8 *f1 = x_jcc32(b, XCC_B);
                x_alu_rm(b, 4, XALU_CMP, XSI, cpu_at((i32)offsetof(struct cpu, watch_hi)));
                u8 *h3 = x_jcc32(b, XCC_BE);
                patch(t, f1, b->p);
                x_load(b, 8, XDI, xmem_idx(XBX, XDI, 0, f.parr + (i32)offsetof(struct tlb_entry, addend)));
                x_alu_rr(b, 8, XALU_ADD, XDI, XSI);
                patch(t, x_jmp32(b), f.probe_done);
                patch(t, h1, b->p);
                patch(t, h2, b->p);
                patch(t, h3, b->p);
            }
            /* the whole instruction through its handler, then back */
            select_insn(t, f.k);
            t->rv = f.rv;
            t->rd = f.rd;
            emit_call_handler(t, true); /* writes back what the body changed before the branch */
            /* the body goes on with the registers it had loaded there, and
             * this instruction's flags in the host */
            gr_load_all(t, f.rv_resume);
            if (f.lfkind >= 0) emit_flags_rebuild(t, f.lfkind);
            patch(t, x_jmp32(b), f.resume);
            break;
        }
        if (x_overflow(b)) return;
    }
}

static void log_insn(struct cpu *c, const struct x86_insn *in, u32 eip)
{
    char buf[96];
    x86_format(in, eip, buf, sizeof(buf));
    vd_logf("%04x:%08x  %s\n", c->s.seg[S_CS].sel, eip, buf);
}

struct tb *dbt_translate(struct dbt *d, const u8 *host, size_t avail, u32 eip, u32 key)
{
    struct cpu *c = d->c;
    struct x86_insn ins[TB_MAX_INSNS];
    unsigned n = 0;
    size_t off = 0;
    while (n < TB_MAX_INSNS) {
        int len = x86_decode(host + off, avail - off, (enum x86_mode)c->code_mode, &ins[n]);
        if (len <= 0) break; /* crosses the page end, or too long: the interpreter decides */
        off += (size_t)len;
        n++;
        if (ends_block(&ins[n - 1])) break;
    }
    if (n == 0) return NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    struct tb *tb = tb_alloc(d);
    struct tb_exit *ex = tb ? tb_alloc_exits(d, n + 1) : NULL;
    size_t pos = (d->code_used + 15) & ~(size_t)15;
    size_t cbytes = n * sizeof(struct x86_insn);
    if (!tb || !ex || pos + cbytes + 4096 > d->mem_size) {
        d->flush_pending = true;
        return NULL;
    }
    struct x86_insn *copies = (struct x86_insn *)(d->mem + pos);
    memcpy(copies, ins, cbytes);
    pos = (pos + cbytes + 15) & ~(size_t)15;

    struct tctx t;
    memset(&t, 0, offsetof(struct tctx, frags));
    t.d = d;
    t.c = c;
    t.tb = tb;
    t.key = key;
    i32 set = (i32)offsetof(struct cpu, tlb) + ((key & KEY_USER) ? (i32)sizeof(struct tlb_set) : 0);
    t.tlb_r = set + (i32)offsetof(struct tlb_set, r);
    t.tlb_w = set + (i32)offsetof(struct tlb_set, w);
    t.lfkind = t.mkind = -1;
    t.lfmem = true;
    t.exits = ex;
    t.max_exit = (int)n + 1;
    t.icopy = copies;
    t.b = (struct xb){d->mem + pos, d->mem + pos, d->mem + d->mem_size};
    struct xb *b = &t.b;
    u32 e = eip;
    for (unsigned k = 0; k < n; k++) {
        t.ieip[k] = e;
        t.ifn[k] = cpu_select_handler(&copies[k]);
        if (vd_log_enabled(LOG_IN_ASM)) log_insn(c, &copies[k], e);
        e += copies[k].len;
    }

    /* prologue: enter only with the whole block inside the budget (r12 =
     * c->icount on every way in; memory may lag behind). Events need no
     * check here: those raised in translated code come from handler calls,
     * which are followed by a check, and cpu_kick zeroes jit_limit. (EV_DEBUG
     * alone, debugger breakpoints elsewhere, does not stop a chain either:
     * chains stay in one linear page, and the dispatcher and dbt_lookup only
     * enter a page without breakpoints.) */
    t.tb_eip = eip;
    /* the entry for chained jumps from other pages: the fetch TLB must still
     * map this block's linear page to its host page, and no debugger
     * breakpoint may be set (dbt_lookup decides then) */
    u8 *xentry = b->p;
    u32 lin = c->s.seg[S_CS].base + eip;
    i32 xent = set + (i32)offsetof(struct tlb_set, x) + (i32)(((lin >> 12) & (TLB_SIZE - 1)) * sizeof(struct tlb_entry));
    x_test_mi(b, cpu_at(OFF_EVENTS), EV_DEBUG);
    frag_new(&t, FR_XMISS, x_jcc32(b, XCC_NE));
    x_alu_mi(b, 4, XALU_CMP, cpu_at(xent + (i32)offsetof(struct tlb_entry, tag)), lin & 0xfffff000u);
    frag_new(&t, FR_XMISS, x_jcc32(b, XCC_NE));
    x_load(b, 8, XAX, cpu_at(xent + (i32)offsetof(struct tlb_entry, addend)));
    x_mov_ri32(b, XCX, lin);
    x_alu_rr(b, 8, XALU_ADD, XAX, XCX);
    x_mov_ri64(b, XCX, (u64)(uintptr_t)host);
    x_alu_rr(b, 8, XALU_CMP, XAX, XCX);
    frag_new(&t, FR_XMISS, x_jcc32(b, XCC_NE));
    u8 *entry = b->p;
    x_lea(b, 8, XAX, xmem(X12, (i32)n));
    x_alu_rm(b, 8, XALU_CMP, XAX, cpu_at(OFF_JIT_LIMIT));
    frag_new(&t, FR_BAIL, x_jcc32(b, XCC_A));
    u8 *body = b->p;

    bool exited = false;
    for (unsigned k = 0; k < n; k++) {
        select_insn(&t, (int)k);
        t.lf_dead = k + 1 < n && overwrites_lf(&copies[k + 1]);
        t.next_incdec = k + 1 < n && native_incdec_reg(d, &copies[k + 1]);
        if (k == n - 1 && ends_block(t.in)) {
            exited = true;
            if (emit_native_branch(&t)) {
                t.native++;
                break;
            }
            emit_call_handler(&t, false);
            jump_to_dyn_exit(&t, -1, (int)k + 1);
            break;
        }
        if (emit_native(&t)) {
            t.native++;
        } else {
            emit_call_handler(&t, true);
        }
    }
    if (!exited) jump_to_static_exit(&t, -1, (int)n, eip + (u32)off);
    if (!x_overflow(b)) emit_frags(&t);
    if (t.too_many || x_overflow(b)) {
        d->flush_pending = true;
        return NULL;
    }
    tb->host = host;
    tb->eip = eip;
    tb->key = key;
    tb->csbase = c->s.seg[S_CS].base;
    tb->bytes = (u16)off;
    tb->n = (u8)n;
    tb->xentry = xentry;
    tb->code = entry;
    tb->body_off = (u8)(body - entry);
    tb->code_size = (u32)(b->p - xentry);
    tb->exits = ex;
    tb->insns = copies;
    tb->nexit = (u8)t.nexit;
    d->code_used = (size_t)(b->p - d->mem);
    tb_insert(d, tb);
    if (d->perfmap) {
        fprintf(d->perfmap, "%lx %x tb_%08x_n%u\n", (unsigned long)(uintptr_t)tb->xentry, tb->code_size, eip, n);
        if (d->perfmap_code) fwrite(tb->xentry, 1, tb->code_size, d->perfmap_code);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    d->st.translate_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    d->st.blocks_translated++;
    d->st.guest_insns_translated += n;
    d->st.native_insns += t.native;
    d->st.code_bytes = d->code_used;
    return tb;
}

/* The fixed code at the start of the cache. */
void dbt_emit_stubs(struct dbt *d)
{
    struct xb b = {d->mem, d->mem, d->mem + d->code_start};
    static const int saved[] = {XBX, XBP, X12, X13, X14, X15};
    /* enter(c, code): save the callee-saved registers, align the stack, go */
    d->enter = (void (*)(struct cpu *, const u8 *))(void *)b.p;
    for (int i = 0; i < 6; i++) x_push(&b, saved[i]);
    x_alu_ri(&b, 8, XALU_SUB, XSP, 8);
    x_mov_rr(&b, 8, XBX, XDI);
    x_load(&b, 8, X12, cpu_at(OFF_ICOUNT));
    x_jmp_r(&b, XSI);
    /* exit: back to the dispatcher */
    d->exit_stub = b.p;
    x_alu_ri(&b, 8, XALU_ADD, XSP, 8);
    for (int i = 5; i >= 0; i--) x_pop(&b, saved[i]);
    x_ret(&b);
    /* lookup(d, exit): the next block's code, or the exit stub */
    d->lookup_stub = b.p;
    x_call_abs(&b, (const void *)dbt_lookup);
    x_jmp_r(&b, XAX);
}
