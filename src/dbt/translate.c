/*
 * Guest block -> host x86-64 code.
 *
 * A block is decoded by the same decoder and ends by the same rules as the
 * interpreter's decoded blocks (cpu/block.c), and additionally after any
 * instruction that may change the mode key (segment loads). Each
 * instruction becomes either
 *   - native code (emit_native: MOV, the ALU group, TEST, INC/DEC, LEA,
 *     MOVZX/MOVSX, PUSH/POP, near JMP/Jcc/CALL/RET), which is mostly the
 *     guest instruction itself applied to the guest registers in struct cpu,
 *     followed by the stores that keep c->lf as the interpreter would leave
 *     it; or
 *   - a call of the instruction's interpreter handler, chosen by the same
 *     cpu_select_handler, with EIP, next_eip and icount written first.
 * Memory operands of native instructions compute the linear address, probe
 * the software TLB inline and access host memory directly; a TLB miss (page
 * walk, MMIO, watched page, page holding code, misaligned access) runs the
 * whole instruction through its handler in an out-of-line stub, so every
 * slow case is the interpreter's.
 *
 * Arithmetic flags: after a native flag-setting instruction the host's
 * flags equal the guest's, and a following Jcc, INC or DEC uses them
 * directly; when host code in between clobbered them (a TLB probe, a
 * handler) they are rebuilt from c->lf with two instructions when the kind
 * of the last flag-setting instruction is known at translation time, and
 * otherwise a helper evaluates the condition.
 */
#include "dbt/dbt_int.h"
#include "cpu/flags.h"
#include "cpu/cpu_mem.h"
#include "cpu/sys.h"
#include "base/log.h"
#include <time.h>
#include <stdio.h>

_Static_assert(sizeof(struct tlb_entry) == 24, "the emitted TLB probe scales the index by 24");

#define MAX_FRAGS 256

enum frag_kind { FR_STATIC, FR_DYN, FR_SLOW, FR_BAIL };

/* Out-of-line code emitted after the block body. */
struct frag {
    enum frag_kind kind;
    u8 *from;            /* rel32 in the body that jumps here */
    int k;               /* FR_STATIC/FR_DYN: instructions retired; FR_SLOW: the instruction */
    u32 target;          /* FR_STATIC: the EIP */
    u8 *resume;          /* FR_SLOW: where the body continues */
    int lfkind;          /* FR_SLOW: flags to rebuild in the host before resuming, or -1 */
    int pend;            /* lazy flags held in r13-r15 at the branch here (kind), or -1 */
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
    /* static knowledge of the flags */
    int lfkind;                 /* LF_* kind of the guest's lazy flags, or -1 if unknown */
    bool hostfl;                /* the host's arithmetic flags are the guest's (lfkind known) */
    int pend;                   /* -1: c->lf in memory is current; else the lazy flags of
                                 * kind pend are in r13d (res), r14d (op1), r15d (op2) and
                                 * reach memory only where something may read them */
    struct frag frags[MAX_FRAGS];
    int nfrag;
    bool too_many;
    struct tb_exit *exits;
    int nexit, max_exit;
    u64 native;
    u32 tb_eip;
    /* per instruction, for the slow stubs */
    u32 ieip[TB_MAX_INSNS];
    const struct x86_insn *icopy;
    cpu_handler ifn[TB_MAX_INSNS];
};

static inline struct xm cpu_at(i32 off) { return xmem(XBX, off); }
static inline bool seg_flat(const struct tctx *t, int seg) { return t->key & (1u << (KEY_FLAT_SHIFT + seg)); }

/* The guest register r of size sz (AL..BH numbering for bytes) in struct cpu. */
static struct xm greg(int r, unsigned sz)
{
    if (sz == 1) return cpu_at(OFF_GPR(r & 3) + (r >> 2));
    return cpu_at(OFF_GPR(r));
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
    f->pend = t->pend;
    return f;
}

/* The instruction's out-of-line handler run (f, may be NULL) rejoins the
 * body here. lfkind: the lazy-flag kind the instruction leaves (the stub
 * then reloads r13-r15 and the host flags from c->lf, as the body has them),
 * or -1 when it sets no flags. */
static void slow_rejoin(const struct tctx *t, struct frag *f, int lfkind)
{
    if (!f) return;
    f->resume = t->b.p;
    f->lfkind = lfkind;
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

/* Write lazy flags of kind `pend` held in r13-r15 to c->lf. */
static void emit_lf_flush_kind(struct tctx *t, int pend)
{
    if (pend < 0) return;
    struct xb *b = &t->b;
    x_store(b, 4, cpu_at(OFF_LF_RES), X13);
    x_store(b, 4, cpu_at(OFF_LF_OP1), X14);
    x_store(b, 4, cpu_at(OFF_LF_OP2), X15);
    x_store_imm(b, 4, cpu_at(OFF_LF_KIND), (u32)pend);
}
/* Before anything that reads c->lf from memory (a handler, a helper, an exit). */
static void emit_lf_flush(struct tctx *t)
{
    emit_lf_flush_kind(t, t->pend);
    t->pend = -1;
}
/* The flag-setting instruction just emitted left res in eax and its
 * operands in op1/op2 (a register, or -1 for 0): keep them in r13-r15. mov
 * leaves the host flags alone. */
static void emit_lf_set(struct tctx *t, u32 kind, int op1, int op2, bool hostfl)
{
    struct xb *b = &t->b;
    x_mov_rr(b, 4, X13, XAX);
    if (op1 < 0) x_mov_ri32(b, X14, 0);
    else x_mov_rr(b, 4, X14, op1);
    if (op2 < 0) x_mov_ri32(b, X15, 0);
    else x_mov_rr(b, 4, X15, op2);
    t->pend = (int)kind;
    t->lfkind = (int)kind;
    t->hostfl = hostfl;
}

/* Rebuild the host flags from c->lf for a kind known at translation time.
 * Returns false when the kind has no two-instruction rebuild. */
static bool emit_flags_rebuild(struct tctx *t, int kind)
{
    if (kind < 0 || kind == LF_NONE) return false;
    struct xb *b = &t->b;
    int sz = 1 << ((kind - 1) % 3); /* rows of 8/16/32 */
    /* from r13-r15 when they hold them, else from c->lf */
    bool regs = t->pend == kind;
    if (kind >= LF_ADD8 && kind <= LF_ADD32) {
        if (regs) x_mov_rr(b, 4, XAX, X14), x_alu_rr(b, sz, XALU_ADD, XAX, X15);
        else x_load(b, 4, XAX, cpu_at(OFF_LF_OP1)), x_alu_rm(b, sz, XALU_ADD, XAX, cpu_at(OFF_LF_OP2));
    } else if (kind >= LF_SUB8 && kind <= LF_SUB32) {
        if (regs) x_mov_rr(b, 4, XAX, X14), x_alu_rr(b, sz, XALU_CMP, XAX, X15);
        else x_load(b, 4, XAX, cpu_at(OFF_LF_OP1)), x_alu_rm(b, sz, XALU_CMP, XAX, cpu_at(OFF_LF_OP2));
    } else if (kind >= LF_LOGIC8 && kind <= LF_LOGIC32) {
        if (regs) x_mov_rr(b, 4, XAX, X13);
        else x_load(b, 4, XAX, cpu_at(OFF_LF_RES));
        x_test_rr(b, sz, XAX, XAX);
    } else if ((kind >= LF_INC8 && kind <= LF_DEC32)) {
        /* CF from EFLAGS (INC/DEC keep it there), the rest from the operation */
        bool dec = kind >= LF_DEC8;
        x_bt_mi(b, cpu_at(OFF_EFLAGS), 0);
        if (regs) x_mov_rr(b, 4, XAX, X14);
        else x_load(b, 4, XAX, cpu_at(OFF_LF_OP1));
        x_incdec_r(b, sz, dec, XAX);
    } else {
        return false;
    }
    return true;
}

/* The host flags are the guest's; rebuild them if needed. false: unknown. */
static bool need_hostfl(struct tctx *t)
{
    if (t->hostfl) return true;
    if (!emit_flags_rebuild(t, t->lfkind)) return false;
    t->hostfl = true;
    return true;
}

/* ---- handler calls ---- */
static void emit_sync(struct tctx *t, int k, u32 eip, u32 len)
{
    x_store_imm(&t->b, 4, cpu_at(OFF_EIP), eip);
    x_store_imm(&t->b, 4, cpu_at(OFF_NEXT_EIP), eip + len);
    emit_icount(t, k);
}

/* Call the handler of the current instruction; afterwards leave the block
 * (at instruction k+1, from next_eip) if it did not fall through or raised
 * an event, as the interpreter's run loop does. */
static void emit_call_handler(struct tctx *t, bool checks)
{
    struct xb *b = &t->b;
    emit_lf_flush(t);
    emit_sync(t, t->k, t->eip, t->in->len);
    x_mov_rr(b, 8, XDI, XBX);
    x_mov_ri64(b, XSI, (u64)(uintptr_t)t->in_copy);
    x_call_abs(b, (const void *)t->fn);
    if (!checks) return;
    x_alu_mi(b, 4, XALU_CMP, cpu_at(OFF_NEXT_EIP), t->eip + t->in->len);
    jump_to_dyn_exit(t, XCC_NE, t->k + 1);
    x_alu_mi(b, 4, XALU_CMP, cpu_at(OFF_EVENTS), 0);
    jump_to_dyn_exit(t, XCC_NE, t->k + 1);
}

/* ---- memory operands ---- */
/* esi = linear address of the ModRM/moffs memory operand (flat segment,
 * 32-bit addressing: checked by the caller). */
static void emit_ea(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    if (in->base != X86_REG_NONE) x_load(b, 4, XSI, greg(in->base, 4));
    else x_mov_ri32(b, XSI, 0);
    if (in->index != X86_REG_NONE) {
        x_load(b, 4, X8, greg(in->index, 4));
        x_lea(b, 4, XSI, xmem_idx(XSI, X8, in->scale, in->disp));
    } else if (in->disp) {
        x_lea(b, 4, XSI, xmem(XSI, in->disp));
    }
}

static void log_store(struct cpu *c, u8 *host, unsigned size) { c->write_log(c->write_log_opaque, host, size); }

/* Probe the TLB for an access of sz bytes at esi (write: the write array);
 * on a hit rdi = host address; a miss jumps to the instruction's slow stub.
 * Clobbers eax, edi and the host flags. */
static struct frag *emit_probe(struct tctx *t, unsigned sz, bool write)
{
    struct xb *b = &t->b;
    x_mov_rr(b, 4, XDI, XSI);
    x_shift_ri(b, 4, 5, XDI, 12);
    x_alu_ri(b, 4, XALU_AND, XDI, TLB_SIZE - 1);
    x_lea(b, 4, XDI, xmem_idx(XDI, XDI, 1, 0)); /* *3; the *8 is in the addressing */
    x_mov_rr(b, 4, XAX, XSI);
    x_alu_ri(b, 4, XALU_AND, XAX, 0xfffff000u | (sz - 1));
    i32 arr = write ? t->tlb_w : t->tlb_r;
    x_alu_rm(b, 4, XALU_CMP, XAX, xmem_idx(XBX, XDI, 3, arr + (i32)offsetof(struct tlb_entry, tag)));
    u8 *at = x_jcc32(b, XCC_NE);
    x_load(b, 8, XDI, xmem_idx(XBX, XDI, 3, arr + (i32)offsetof(struct tlb_entry, addend)));
    x_alu_rr(b, 8, XALU_ADD, XDI, XSI);
    struct frag *f = frag_new(t, FR_SLOW, at);
    f->k = t->k;
    f->psize = (u8)sz;
    f->parr = arr;
    f->probe_done = b->p;
    t->hostfl = false;
    if (write && t->d->verify) {
        /* the lockstep checker logs the bytes this store will change */
        static const int keep[] = {XAX, XCX, XDX, XSI, XDI, X8};
        for (int i = 0; i < 6; i++) x_push(b, keep[i]);
        x_mov_rr(b, 8, XSI, XDI);
        x_mov_rr(b, 8, XDI, XBX);
        x_mov_ri32(b, XDX, sz);
        x_call_abs(b, (const void *)log_store);
        for (int i = 5; i >= 0; i--) x_pop(b, keep[i]);
    }
    return f;
}

/* The current instruction's memory operand can be accessed natively. */
static bool mem_native_ok(const struct tctx *t)
{
    return t->in->asize == 4 && seg_flat(t, t->in->seg);
}

/* ---- native emitters ---- */
static bool cond_helper(struct cpu *c, int cc) { return cpu_cond_fast(c, cc); }

static u32 lf_kind_for(int op, unsigned sz)
{
    u32 k = lf_szidx(sz);
    switch (op) {
    case XALU_ADD: return LF_ADD8 + k;
    case XALU_SUB: case XALU_CMP: return LF_SUB8 + k;
    default: return LF_LOGIC8 + k;
    }
}

/* eax = result, edx = op1, ecx = op2 (zero-extended): record c->lf as alu() does. */
static void emit_lf_store(struct tctx *t, u32 kind)
{
    bool logic = kind >= LF_LOGIC8 && kind <= LF_LOGIC32;
    emit_lf_set(t, kind, logic ? -1 : XDX, logic ? -1 : XCX, true);
}

enum src { SRC_G, SRC_E, SRC_IMM, SRC_ACC };

/* dst op= src for ADD OR AND SUB XOR CMP and TEST (op -1). dst is the E
 * operand (mem or register), G (reg) or the accumulator. */
static bool emit_alu(struct tctx *t, int op, unsigned sz, enum src dst, enum src src)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool test = op < 0;
    bool mem = (dst == SRC_E || src == SRC_E) && in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    bool writes = !test && op != XALU_CMP;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, dst == SRC_E && writes);
    }
    /* edx = destination operand (a), ecx = source (b) */
    struct xm dm = dst == SRC_E ? (mem ? xmem(XDI, 0) : greg(in->rm, sz))
                                : dst == SRC_G ? greg(in->reg, sz) : greg(X86_EAX, sz);
    x_load(b, sz, XDX, dm);
    if (src == SRC_IMM) x_mov_ri32(b, XCX, in->imm & (sz == 1 ? 0xff : sz == 2 ? 0xffff : 0xffffffffu));
    else if (src == SRC_G) x_load(b, sz, XCX, greg(in->reg, sz));
    else x_load(b, sz, XCX, mem ? xmem(XDI, 0) : greg(in->rm, sz));
    x_mov_rr(b, 4, XAX, XDX);
    /* CMP and TEST compute the result too: c->lf records it */
    x_alu_rr(b, sz, test ? XALU_AND : op == XALU_CMP ? XALU_SUB : op, XAX, XCX);
    if (writes) x_store(b, sz, dm, XAX);
    u32 kind = test ? LF_LOGIC8 + lf_szidx(sz) : lf_kind_for(op, sz);
    emit_lf_store(t, kind);
    slow_rejoin(t, slow, (int)kind);
    return true;
}

/* MOV between E and G, or an immediate into E */
static bool emit_mov(struct tctx *t, unsigned sz, bool to_e, bool imm)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, to_e);
    }
    struct xm em = mem ? xmem(XDI, 0) : greg(in->rm, sz);
    if (imm) {
        x_store_imm(b, sz, em, in->imm);
    } else if (to_e) {
        x_load(b, sz, XDX, greg(in->reg, sz));
        x_store(b, sz, em, XDX);
    } else {
        x_load(b, sz, XDX, em);
        x_store(b, sz, greg(in->reg, sz), XDX);
    }
    slow_rejoin(t, slow, -1);
    return true;
}

/* MOVZX/MOVSX Gv, Eb/Ew */
static bool emit_movx(struct tctx *t, unsigned ssz, bool sx)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, ssz, false);
    }
    struct xm em = mem ? xmem(XDI, 0) : greg(in->rm, ssz);
    if (sx) x_load_sx(b, ssz, XDX, em);
    else x_load(b, ssz, XDX, em);
    x_store(b, in->osize, greg(in->reg, in->osize), XDX);
    slow_rejoin(t, slow, -1);
    return true;
}

/* MOV moffs forms: AL/eAX <-> [disp] */
static bool emit_mov_moffs(struct tctx *t, unsigned sz, bool to_mem)
{
    if (!mem_native_ok(t)) return false;
    struct xb *b = &t->b;
    emit_ea(t);
    struct frag *slow = emit_probe(t, sz, to_mem);
    if (to_mem) {
        x_load(b, sz, XDX, greg(X86_EAX, sz));
        x_store(b, sz, xmem(XDI, 0), XDX);
    } else {
        x_load(b, sz, XDX, xmem(XDI, 0));
        x_store(b, sz, greg(X86_EAX, sz), XDX);
    }
    slow_rejoin(t, slow, -1);
    return true;
}

static void park_cf(struct cpu *c) { c->s.eflags = (c->s.eflags & ~FL_CF) | lf_cf(c); }

/* INC/DEC of a register or memory: CF is kept, so the current CF goes to
 * EFLAGS first (as incdec() does) and into the host CF for the host's own
 * INC/DEC, which then leaves the host flags equal to the guest's. */
static bool emit_incdec(struct tctx *t, unsigned sz, int reg, bool is_e, bool dec)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = is_e && in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    int lk = t->lfkind;
    bool cf_in_eflags = lk == LF_NONE || (lk >= LF_INC8 && lk <= LF_DEC32);
    bool rebuildable = (lk >= LF_ADD8 && lk <= LF_ADD32) || (lk >= LF_SUB8 && lk <= LF_SUB32) ||
                       (lk >= LF_LOGIC8 && lk <= LF_LOGIC32);
    struct frag *slow = NULL;
    if (!cf_in_eflags && !rebuildable) {
        /* CF of a kind unknown at translation time: the interpreter's lf_cf
         * computes it, into EFLAGS as incdec() parks it */
        emit_lf_flush(t);
        x_mov_rr(b, 8, XDI, XBX);
        x_call_abs(b, (const void *)park_cf);
        t->hostfl = false;
        cf_in_eflags = true;
    }
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, sz, true);
    }
    if (!cf_in_eflags) {
        /* CF of the last ADD/SUB/logic operation, into EFLAGS bit 0 */
        need_hostfl(t); /* rebuildable: always succeeds */
        x_setcc(b, XCC_B, XCX);
        x_movzx8_rr(b, XCX, XCX);
        x_load(b, 4, XAX, cpu_at(OFF_EFLAGS));
        x_alu_ri(b, 4, XALU_AND, XAX, ~(u32)FL_CF);
        x_alu_rr(b, 4, XALU_OR, XAX, XCX);
        x_store(b, 4, cpu_at(OFF_EFLAGS), XAX);
    }
    struct xm dm = mem ? xmem(XDI, 0) : greg(reg, sz);
    x_load(b, sz, XDX, dm);
    x_bt_mi(b, cpu_at(OFF_EFLAGS), 0); /* host CF = CF */
    x_mov_rr(b, 4, XAX, XDX);
    x_incdec_r(b, sz, dec, XAX);
    x_store(b, sz, dm, XAX);
    x_mov_ri32(b, XCX, 1);
    u32 kind = (dec ? LF_DEC8 : LF_INC8) + lf_szidx(sz);
    /* lf: res, op1 = a, op2 = 1 (mov does not touch the host flags) */
    emit_lf_set(t, kind, XDX, XCX, true);
    slow_rejoin(t, slow, (int)kind);
    return true;
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
    struct xm dm = mem ? xmem(XDI, 0) : greg(in->rm, sz);
    x_load(b, sz, XDX, dm);
    x_mov_rr(b, 4, XAX, XDX);
    x_shift_ri(b, sz, ext, XAX, (u8)count);
    x_setcc(b, XCC_B, XCX);
    x_movzx8_rr(b, XCX, XCX);
    if (ext == 7) {
        x_mov_ri32(b, X9, 0); /* SAR: OF 0 */
    } else {
        x_mov_rr(b, 4, X9, ext == 4 ? XAX : XDX); /* SHL: MSB(result) ^ CF; SHR: MSB(operand) */
        x_shift_ri(b, 4, 5, X9, (u8)(bits - 1));
        x_alu_ri(b, 4, XALU_AND, X9, 1);
        if (ext == 4) x_alu_rr(b, 4, XALU_XOR, X9, XCX);
        x_shift_ri(b, 4, 4, X9, 11);
        x_alu_rr(b, 4, XALU_OR, XCX, X9);
    }
    x_store(b, sz, dm, XAX);
    u32 kind = LF_RES8 + lf_szidx(sz);
    emit_lf_set(t, kind, XCX, -1, false);
    slow_rejoin(t, slow, (int)kind);
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
    x_load(b, sz, XDX, mem ? xmem(XDI, 0) : greg(in->rm, sz));
    if (imm) x_mov_ri32(b, XAX, in->imm & (sz == 2 ? 0xffffu : 0xffffffffu));
    else x_load(b, sz, XAX, greg(in->reg, sz));
    x_imul_rr(b, sz, XAX, XDX);
    x_setcc(b, XCC_B, XCX);
    x_movzx8_rr(b, XCX, XCX);
    x_neg_r(b, 4, XCX); /* 0 or all ones */
    x_alu_ri(b, 4, XALU_AND, XCX, FL_CF | FL_OF);
    if (sz == 2) x_movzx16_rr(b, XAX, XAX);
    x_store(b, sz, greg(in->reg, sz), XAX);
    u32 kind = LF_RES8 + lf_szidx(sz);
    emit_lf_set(t, kind, XCX, -1, false);
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
    x_load(b, 4, XCX, mem ? xmem(XDI, 0) : greg(in->rm, 4));
    x_load(b, 4, XAX, greg(X86_EAX, 4));
    if (ext == 4 || ext == 5) {
        x_grp3_r(b, 4, ext, XCX); /* edx:eax = eax * ecx */
        x_setcc(b, XCC_B, XCX);
        x_movzx8_rr(b, XCX, XCX);
        x_neg_r(b, 4, XCX);
        x_alu_ri(b, 4, XALU_AND, XCX, FL_CF | FL_OF);
        x_store(b, 4, greg(X86_EAX, 4), XAX);
        x_store(b, 4, greg(X86_EDX, 4), XDX);
        emit_lf_set(t, LF_RES32, XCX, -1, false);
        for (int i = 0; i < ns; i++) slow_rejoin(t, slow[i], LF_RES32);
        return true;
    }
    x_test_rr(b, 4, XCX, XCX);
    slow[ns++] = jump_to_handler(t, XCC_E);
    x_load(b, 4, XDX, greg(X86_EDX, 4));
    if (ext == 6) {
        x_alu_rr(b, 4, XALU_CMP, XDX, XCX); /* the quotient fits iff EDX < divisor */
        slow[ns++] = jump_to_handler(t, XCC_AE);
        x_grp3_r(b, 4, 6, XCX);
    } else {
        /* the 64-bit signed dividend by the sign-extended divisor: the
         * quotient must fit in 32 bits (-1 goes to the handler: INT64_MIN / -1) */
        x_shift_ri(b, 8, 4, XDX, 32);
        x_alu_rr(b, 8, XALU_OR, XAX, XDX);
        x_movsxd_rr(b, XCX, XCX);
        x_alu_ri(b, 8, XALU_CMP, XCX, 0xffffffffu);
        slow[ns++] = jump_to_handler(t, XCC_E);
        x_cqo(b);
        x_grp3_r(b, 8, 7, XCX);
        x_movsxd_rr(b, X8, XAX);
        x_alu_rr(b, 8, XALU_CMP, X8, XAX);
        slow[ns++] = jump_to_handler(t, XCC_NE);
    }
    x_store(b, 4, greg(X86_EAX, 4), XAX);
    x_store(b, 4, greg(X86_EDX, 4), XDX);
    t->hostfl = false;
    for (int i = 0; i < ns; i++) slow_rejoin(t, slow[i], -1);
    return true;
}

/* cl = condition cc of the guest flags (host flags or the evaluator). */
static void emit_cond_to_cl(struct tctx *t, int cc)
{
    struct xb *b = &t->b;
    if (need_hostfl(t)) {
        x_setcc(b, cc, XCX);
        return;
    }
    emit_lf_flush(t);
    x_mov_rr(b, 8, XDI, XBX);
    x_mov_ri32(b, XSI, (u32)cc);
    x_call_abs(b, (const void *)cond_helper);
    x_mov_rr(b, 4, XCX, XAX);
    t->hostfl = false;
}

static bool emit_setcc(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    bool mem = in->mod != 3;
    if (mem && !mem_native_ok(t)) return false;
    emit_cond_to_cl(t, in->cc);
    struct frag *slow = NULL;
    if (mem) {
        emit_ea(t);
        slow = emit_probe(t, 1, true);
    }
    x_store(b, 1, mem ? xmem(XDI, 0) : greg(in->rm, 1), XCX);
    slow_rejoin(t, slow, -1);
    return true;
}

/* CMOVcc Gv, Ev with a register source (a memory source is read whatever
 * the condition, and may fault: the handler does that) */
static bool emit_cmov(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    struct xb *b = &t->b;
    unsigned sz = in->osize;
    if (in->mod != 3 || !need_hostfl(t)) return false;
    x_load(b, sz, XDX, greg(in->reg, sz));
    struct xm src = greg(in->rm, sz);
    x_cmov_rm(b, sz, in->cc, XDX, src);
    x_store(b, sz, greg(in->reg, sz), XDX);
    return true;
}

/* CBW/CWDE and CWD/CDQ */
static bool emit_cbw(struct tctx *t)
{
    unsigned sz = t->in->osize;
    x_load_sx(&t->b, sz / 2, XDX, greg(X86_EAX, sz / 2));
    x_store(&t->b, sz, greg(X86_EAX, sz), XDX);
    return true;
}
static bool emit_cwd(struct tctx *t)
{
    unsigned sz = t->in->osize;
    x_load_sx(&t->b, sz, XDX, greg(X86_EAX, sz));
    x_shift_ri(&t->b, 4, 7, XDX, 31);
    x_store(&t->b, sz, greg(X86_EDX, sz), XDX);
    t->hostfl = false;
    return true;
}

/* XCHG between registers */
static bool emit_xchg_rr(struct tctx *t, unsigned sz, int r1, int r2)
{
    x_load(&t->b, sz, XDX, greg(r1, sz));
    x_load(&t->b, sz, XCX, greg(r2, sz));
    x_store(&t->b, sz, greg(r1, sz), XCX);
    x_store(&t->b, sz, greg(r2, sz), XDX);
    return true;
}

static bool emit_lea(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    if (in->asize != 4) return false;
    emit_ea(t);
    x_store(&t->b, in->osize, greg(in->reg, in->osize), XSI);
    return true;
}

static bool stack_native_ok(const struct tctx *t)
{
    return t->in->osize == 4 && (t->key & KEY_SS32) && seg_flat(t, S_SS);
}

/* push the 32-bit value in edx: esi = ESP - 4, probe, store, commit ESP */
static void emit_push_edx(struct tctx *t)
{
    struct xb *b = &t->b;
    x_load(b, 4, XSI, greg(X86_ESP, 4));
    x_lea(b, 4, XSI, xmem(XSI, -4));
    struct frag *slow = emit_probe(t, 4, true);
    x_store(b, 4, xmem(XDI, 0), XDX);
    x_store(b, 4, greg(X86_ESP, 4), XSI);
    slow_rejoin(t, slow, -1);
}

static bool emit_push_reg(struct tctx *t, int reg)
{
    if (!stack_native_ok(t)) return false;
    x_load(&t->b, 4, XDX, greg(reg, 4));
    emit_push_edx(t);
    return true;
}

static bool emit_pop_reg(struct tctx *t, int reg)
{
    if (!stack_native_ok(t)) return false;
    struct xb *b = &t->b;
    x_load(b, 4, XSI, greg(X86_ESP, 4));
    struct frag *slow = emit_probe(t, 4, false);
    x_load(b, 4, XDX, xmem(XDI, 0));
    x_lea(b, 4, XSI, xmem(XSI, 4));
    x_store(b, 4, greg(X86_ESP, 4), XSI);
    x_store(b, 4, greg(reg, 4), XDX); /* after ESP: POP ESP loads the popped value */
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
    if (need_hostfl(t)) {
        jump_to_static_exit(t, cc, t->k + 1, target);
        return true;
    }
    /* flags of unknown kind: ask the interpreter's evaluator */
    struct xb *b = &t->b;
    emit_lf_flush(t);
    x_mov_rr(b, 8, XDI, XBX);
    x_mov_ri32(b, XSI, (u32)cc);
    x_call_abs(b, (const void *)cond_helper);
    x_test_rr(b, 1, XAX, XAX);
    t->hostfl = false;
    jump_to_static_exit(t, XCC_NE, t->k + 1, target);
    return true;
}

static bool native_allowed(const struct tctx *t)
{
    unsigned op = t->in->op;
    return !t->d->no_native_all && !(t->d->no_native[op / 8] & (1u << (op % 8)));
}

static bool emit_native(struct tctx *t)
{
    const struct x86_insn *in = t->in;
    if ((in->pfx & X86_PFX_LOCK) || !native_allowed(t)) return false;
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
    case X86_OP_MOV_ZbIb: x_store_imm(&t->b, 1, greg(in->reg, 1), in->imm); return true;
    case X86_OP_MOV_ZvIv: x_store_imm(&t->b, v, greg(in->reg, v), in->imm); return true;
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
        emit_push_edx(t);
        jump_to_static_exit(t, -1, t->k + 1, next + in->imm);
        return true;
    case X86_OP_RET: {
        if (!stack_native_ok(t)) return false;
        x_load(b, 4, XSI, greg(X86_ESP, 4));
        struct frag *slow = emit_probe(t, 4, false);
        x_load(b, 4, XDX, xmem(XDI, 0));
        x_lea(b, 4, XSI, xmem(XSI, 4));
        x_store(b, 4, greg(X86_ESP, 4), XSI);
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

/* x_patch inside the buffer only: after an overflow the block is thrown
 * away, and a rel32 beyond the end must not be written. */
static void patch(const struct tctx *t, u8 *at, const u8 *target)
{
    if (at + 4 <= t->b.end) x_patch(at, target);
}

static void emit_frags(struct tctx *t)
{
    struct xb *b = &t->b;
    struct { int k, pend; u8 *at; } dyn[MAX_FRAGS];
    int ndyn = 0;
    u8 *bail_at = NULL;
    /* slow stubs add dynamic exits to the list as they go */
    for (int i = 0; i < t->nfrag && !t->too_many; i++) {
        struct frag f = t->frags[i];
        switch (f.kind) {
        case FR_DYN: {
            int j = 0;
            while (j < ndyn && (dyn[j].k != f.k || dyn[j].pend != f.pend)) j++;
            if (j < ndyn) {
                patch(t, f.from, dyn[j].at);
                break;
            }
            patch(t, f.from, b->p);
            dyn[ndyn].k = f.k;
            dyn[ndyn].pend = f.pend;
            dyn[ndyn++].at = b->p;
            emit_lf_flush_kind(t, f.pend);
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
            emit_lf_flush_kind(t, f.pend);
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
                 * (eax = the masked address, edi = the entry index * 3) */
                x_alu_ri(b, 4, XALU_OR, XAX, TLB_SLOW);
                x_alu_rm(b, 4, XALU_CMP, XAX, xmem_idx(XBX, XDI, 3, f.parr + (i32)offsetof(struct tlb_entry, tag)));
                u8 *h1 = x_jcc32(b, XCC_NE);
                x_alu_mi(b, 4, XALU_CMP, xmem_idx(XBX, XDI, 3, f.parr + (i32)offsetof(struct tlb_entry, watch_only)), 1);
                u8 *h2 = x_jcc32(b, XCC_NE);
                x_lea(b, 4, XAX, xmem(XSI, f.psize - 1));
                x_alu_rm(b, 4, XALU_CMP, XAX, cpu_at((i32)offsetof(struct cpu, watch_lo)));
                u8 *f1 = x_jcc32(b, XCC_B);
                x_alu_rm(b, 4, XALU_CMP, XSI, cpu_at((i32)offsetof(struct cpu, watch_hi)));
                u8 *h3 = x_jcc32(b, XCC_BE);
                patch(t, f1, b->p);
                x_load(b, 8, XDI, xmem_idx(XBX, XDI, 3, f.parr + (i32)offsetof(struct tlb_entry, addend)));
                x_alu_rr(b, 8, XALU_ADD, XDI, XSI);
                patch(t, x_jmp32(b), f.probe_done);
                patch(t, h1, b->p);
                patch(t, h2, b->p);
                patch(t, h3, b->p);
            }
            /* the whole instruction through its handler, then back */
            select_insn(t, f.k);
            t->pend = f.pend;
            emit_call_handler(t, true); /* flushes the flags pending at the branch */
            if (f.lfkind >= 0) {
                /* the body goes on with this instruction's flags in r13-r15 and the host */
                x_load(b, 4, X13, cpu_at(OFF_LF_RES));
                x_load(b, 4, X14, cpu_at(OFF_LF_OP1));
                x_load(b, 4, X15, cpu_at(OFF_LF_OP2));
                t->pend = f.lfkind;
                emit_flags_rebuild(t, f.lfkind);
            }
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
    memset(&t, 0, sizeof(t));
    t.d = d;
    t.c = c;
    t.tb = tb;
    t.key = key;
    i32 set = (i32)offsetof(struct cpu, tlb) + ((key & KEY_USER) ? (i32)sizeof(struct tlb_set) : 0);
    t.tlb_r = set + (i32)offsetof(struct tlb_set, r);
    t.tlb_w = set + (i32)offsetof(struct tlb_set, w);
    t.lfkind = -1;
    t.pend = -1;
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

    /* prologue: enter only with the whole block inside the budget and no
     * event (r12 = c->icount on every way in; memory may lag behind) */
    t.tb_eip = eip;
    x_lea(b, 8, XAX, xmem(X12, (i32)n));
    x_alu_rm(b, 8, XALU_CMP, XAX, cpu_at(OFF_ICOUNT_LIMIT));
    frag_new(&t, FR_BAIL, x_jcc32(b, XCC_A));
    /* EV_DEBUG alone (debugger breakpoints elsewhere) does not stop a chain:
     * chains stay in one linear page, and the dispatcher and dbt_lookup
     * only enter a page without breakpoints */
    x_test_mi(b, cpu_at(OFF_EVENTS), ~(u32)EV_DEBUG);
    frag_new(&t, FR_BAIL, x_jcc32(b, XCC_NE));

    bool exited = false;
    for (unsigned k = 0; k < n; k++) {
        select_insn(&t, (int)k);
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
            t.lfkind = -1;
            t.hostfl = false;
            t.pend = -1;
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
    tb->code = d->mem + pos;
    tb->code_size = (u32)(b->p - tb->code);
    tb->exits = ex;
    tb->insns = copies;
    tb->nexit = (u8)t.nexit;
    d->code_used = (size_t)(b->p - d->mem);
    tb_insert(d, tb);
    if (d->perfmap) {
        fprintf(d->perfmap, "%lx %x tb_%08x_n%u\n", (unsigned long)(uintptr_t)tb->code, tb->code_size, eip, n);
        if (d->perfmap_code) fwrite(tb->code, 1, tb->code_size, d->perfmap_code);
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
