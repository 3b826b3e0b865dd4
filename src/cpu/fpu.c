/*
 * The x87 FPU of a P6: every D8-DF escape and WAIT/FWAIT.
 *
 * Order of checks for an escape (SDM vol. 3, 2.5 and vol. 1, 8.7):
 *  1. CR0.EM or CR0.TS: #NM (WAIT only with MP and TS).
 *  2. Undefined encodings (and SSE3's FISTTP): #UD.
 *  3. Waiting instructions (all but the FN* control forms) first deliver a
 *     pending unmasked exception (FSW.ES): #MF when CR0.NE=1; otherwise the
 *     PC/AT way: the CPU asserts FERR#, which the board turns into IRQ 13,
 *     and freezes on the instruction (re-executes it) until the handler
 *     either clears ES (FNCLEX, FNINIT, ...) or writes port 0xF0, which
 *     asserts IGNNE#: the instruction then runs as if nothing were pending.
 *     FERR# is asserted at that next waiting instruction, as on P6.
 *  4. Memory operand: segment and page checks (a fault changes nothing).
 *  5. The operation. Numeric instructions run on the host's x87 (fpu_host.c)
 *     with the guest's control word, so precision and rounding control, the
 *     masked responses and the unmasked ones (no store/pop on IE/DE/ZE,
 *     biased results for OE/UE on registers, the stack-fault rules with C1)
 *     are the hardware's own. An unmasked exception sets ES and B and is
 *     signalled at the next waiting instruction.
 *
 * FIP/FCS/FOP describe the last non-control instruction (FDP/FDS too if it
 * had a memory operand; register forms leave them), as on P6. The control
 * instructions are FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV, FLDENV,
 * FNSAVE, FRSTOR and WAIT; FENI/FDISI/FSETPM are no-wait no-ops on a P6.
 */
#include "cpu/fpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/dispatch.h"
#include "cpu/flags.h"
#include "cpu/sys.h"
#include "base/log.h"

/* How an escape executes. */
enum {
    FK_UD,        /* undefined on a P6: #UD */
    FK_HOST,      /* numeric (non-control) instruction: runs on the host x87 */
    FK_NOP_NW,    /* FENI, FDISI, FSETPM: no-wait no-ops */
    FK_FNINIT, FK_FNCLEX, FK_FNSTSW_AX,
    FK_FLDENV, FK_FLDCW, FK_FNSTENV, FK_FNSTCW, FK_FRSTOR, FK_FNSAVE, FK_FNSTSW_M,
};
enum { MEM_RD = 1, MEM_WR = 2 };
struct fpu_form { u8 kind, size, dir; };

#define RD(n) {FK_HOST, n, MEM_RD}
#define WR(n) {FK_HOST, n, MEM_WR}
#define CTL(k) {k, 0, 0}
#define UD {FK_UD, 0, 0}
/* Memory forms by opcode D8-DF and ModRM.reg. */
static const struct fpu_form mem_forms[8][8] = {
    /* D8: FADD..FDIVR m32real */
    {RD(4), RD(4), RD(4), RD(4), RD(4), RD(4), RD(4), RD(4)},
    /* D9: FLD m32, -, FST m32, FSTP m32, FLDENV, FLDCW, FNSTENV, FNSTCW */
    {RD(4), UD, WR(4), WR(4), CTL(FK_FLDENV), CTL(FK_FLDCW), CTL(FK_FNSTENV), CTL(FK_FNSTCW)},
    /* DA: FIADD..FIDIVR m32int */
    {RD(4), RD(4), RD(4), RD(4), RD(4), RD(4), RD(4), RD(4)},
    /* DB: FILD m32, FISTTP (SSE3), FIST m32, FISTP m32, -, FLD m80, -, FSTP m80 */
    {RD(4), UD, WR(4), WR(4), UD, RD(10), UD, WR(10)},
    /* DC: FADD..FDIVR m64real */
    {RD(8), RD(8), RD(8), RD(8), RD(8), RD(8), RD(8), RD(8)},
    /* DD: FLD m64, FISTTP (SSE3), FST m64, FSTP m64, FRSTOR, -, FNSAVE, FNSTSW m16 */
    {RD(8), UD, WR(8), WR(8), CTL(FK_FRSTOR), UD, CTL(FK_FNSAVE), CTL(FK_FNSTSW_M)},
    /* DE: FIADD..FIDIVR m16int */
    {RD(2), RD(2), RD(2), RD(2), RD(2), RD(2), RD(2), RD(2)},
    /* DF: FILD m16, FISTTP (SSE3), FIST m16, FISTP m16, FBLD, FILD m64, FBSTP, FISTP m64 */
    {RD(2), UD, WR(2), WR(2), RD(10), RD(8), WR(10), WR(8)},
};
#undef RD
#undef WR
#undef CTL
#undef UD

/* Register forms (ModRM C0-FF), including the P6's undocumented aliases
 * FSTP1 (D9 D8+i), FCOM2/FCOMP3 (DC D0-DF), FXCH4 (DD C8+i), FCOMP5
 * (DE D0+i), FFREEP (DF C0+i), FXCH7 (DF C8+i), FSTP8/FSTP9 (DF D0-DF). */
static unsigned reg_kind(unsigned op7, u8 m)
{
    switch (op7) {
    case 0: case 4: return FK_HOST;
    case 1:
        if (m <= 0xd0 || (m >= 0xd8 && m <= 0xdf)) return FK_HOST;         /* FLD, FXCH, FNOP, FSTP1 */
        if (m == 0xe0 || m == 0xe1 || m == 0xe4 || m == 0xe5) return FK_HOST; /* FCHS FABS FTST FXAM */
        if (m >= 0xe8 && m <= 0xee) return FK_HOST;                          /* constants */
        return m >= 0xf0 ? FK_HOST : FK_UD;                                  /* F2XM1..FCOS */
    case 2: return m < 0xe0 || m == 0xe9 ? FK_HOST : FK_UD;                  /* FCMOVcc, FUCOMPP */
    case 3:
        if (m < 0xe0 || (m >= 0xe8 && m <= 0xf7)) return FK_HOST;            /* FCMOVNcc, FUCOMI, FCOMI */
        if (m == 0xe2) return FK_FNCLEX;
        if (m == 0xe3) return FK_FNINIT;
        return m <= 0xe4 ? FK_NOP_NW : FK_UD;
    case 5: return m < 0xf0 ? FK_HOST : FK_UD;                               /* FFREE FXCH4 FST FSTP FUCOM(P) */
    case 6: return m < 0xd8 || m >= 0xe0 || m == 0xd9 ? FK_HOST : FK_UD;
    default:
        if (m < 0xe0 || (m >= 0xe8 && m <= 0xf7)) return FK_HOST;            /* FUCOMIP, FCOMIP */
        return m == 0xe0 ? FK_FNSTSW_AX : FK_UD;
    }
}

/* FCW bits 6 (reads as 1) and 13-15 (read as 0) are reserved. */
static u16 fcw_norm(u16 v) { return (u16)((v & ~0xe0c0u) | 0x40u); }

/* ES changed (or may have): a clear ES ends FERR# (and with it IGNNE#). */
void fpu_ferr_update(struct cpu *c)
{
    if (!(c->s.fpu.fsw & FSW_ES) && c->fpu_ferr) c->fpu_ferr(c->fpu_opaque, false);
}

/* Step 3 above. Returns false when the instruction must not run now (frozen). */
bool fpu_wait_ready(struct cpu *c)
{
    if (likely(!(c->s.fpu.fsw & FSW_ES))) return true;
    if (c->s.cr0 & CR0_NE) cpu_raise_ne(c, EXC_MF);
    /* Without a board that routes FERR# (unit tests), act as if IGNNE# were asserted. */
    if (!c->fpu_ferr || (c->fpu_ignne && c->fpu_ignne(c->fpu_opaque))) return true;
    c->fpu_ferr(c->fpu_opaque, true);
    c->next_eip = c->s.eip;
    return false;
}

static bool real_layout(const struct cpu *c) { return !cpu_pm(c) || cpu_v86(c); }

/* Read/write a whole image: faults come before any byte is written. */
static void mem_in(struct cpu *c, const struct x86_insn *i, u8 *b, unsigned n)
{
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), n, SEGCHK_R);
    for (unsigned k = 0; k < n; k++) b[k] = cpu_lrd8(c, lin + k);
}
static u32 mem_out_check(struct cpu *c, const struct x86_insn *i, unsigned n)
{
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), n, SEGCHK_W);
    cpu_probe_write(c, lin, n);
    return lin;
}
static void mem_out(struct cpu *c, u32 lin, const u8 *b, unsigned n)
{
    for (unsigned k = 0; k < n; k++) cpu_lwr8(c, lin + k, b[k]);
}

/* ---- numeric instructions on the host ---- */

static void img_from_state(struct fpu_host_img *img, const struct fpu_state *f, u32 eflags)
{
    struct fpu_state t = *f;
    t.fsw &= FSW_KEEP;           /* no exception pending or flagged: see fpu_host.c */
    t.fip = t.fdp = 0;
    t.fcs = t.fds = 0;
    t.fop = 0;
    fpu_env_store(&t, 4, false, img->save, true);
    img->pad = 0;
    img->rflags = 0x202 | (eflags & FL_ARITH);
}

static void state_from_img(struct fpu_state *f, const struct fpu_host_img *img)
{
    u16 sticky = f->fsw & FSW_STICKY;
    f->fsw = ld16(img->save + 4) | sticky;
    f->ftw = ld16(img->save + 8);
    unsigned top = fpu_top(f);
    for (unsigned r = 0; r < 8; r++) memcpy(f->st[(top + r) & 7], img->save + 28 + 10 * r, 10);
    fpu_update_es(f);
}

static void host_run(struct cpu *c, const struct x86_insn *i, struct fpu_host_img *img, u8 *mem)
{
    if (!fpu_host_exec(img, 0xd8 | (i->opcode & 7), i->modrm, mem)) {
        VD_LOG(LOG_UNIMP, "x87 arithmetic needs an x86-64 host\n");
        cpu_raise_ne(c, EXC_UD);
    }
}

/* Store detection for memory destinations: the hardware decides whether an
 * unmasked exception suppresses the store, so run with one fill pattern and,
 * only if the result looks like that pattern, again with another. */
static bool host_run_store(struct cpu *c, const struct x86_insn *i, struct fpu_host_img *img, u8 *mem,
                           unsigned n)
{
    static const u8 pat[2] = {0x5a, 0xa5};
    struct fpu_host_img in = *img;
    for (int k = 0; k < 2; k++) {
        u8 ref[10];
        memset(ref, pat[k], n);
        memcpy(mem, ref, n);
        *img = in;
        host_run(c, i, img, mem);
        if (memcmp(mem, ref, n)) return true;
    }
    return false;
}

static void host_insn(struct cpu *c, const struct x86_insn *i, const struct fpu_form *ff)
{
    struct fpu_state *f = &c->s.fpu;
    struct fpu_host_img img;
    u8 mem[10] = {0};
    u32 off = 0, lin = 0;
    bool mem_op = i->mod != 3, store = false;

    if (mem_op) {
        off = cpu_ea(c, i);
        if (ff->dir == MEM_RD) mem_in(c, i, mem, ff->size);
        else lin = mem_out_check(c, i, ff->size);
    }
    /* EFLAGS in: FCMOVcc (DA/DB C0-DF) reads them; FCOMI/FUCOMI(P) may leave them */
    bool fcmov = (i->opcode & 6) == 2 && i->modrm >= 0xc0 && i->modrm < 0xe0;
    bool comi = (i->opcode & 3) == 3 && i->modrm >= 0xe8 && i->modrm <= 0xf7;   /* DB/DF E8-F7 */
    img_from_state(&img, f, fcmov || comi ? cpu_get_eflags(c) : 0);
    if (mem_op && ff->dir == MEM_WR) store = host_run_store(c, i, &img, mem, ff->size);
    else host_run(c, i, &img, mem);

    state_from_img(f, &img);
    if (comi) cpu_set_eflags(c, (u32)img.rflags, FL_ARITH);
    if (store) mem_out(c, lin, mem, ff->size);

    f->fip = c->s.eip;
    f->fcs = c->s.seg[S_CS].sel;
    f->fop = (u16)((i->opcode & 7) << 8 | i->modrm);
    if (mem_op) {
        f->fdp = off;
        f->fds = c->s.seg[i->seg].sel;
    }
}

/* ---- control instructions ---- */

static void env_insn(struct cpu *c, const struct x86_insn *i, unsigned kind)
{
    struct fpu_state *f = &c->s.fpu;
    bool regs = kind == FK_FRSTOR || kind == FK_FNSAVE;
    unsigned n = fpu_env_size(i->osize) + (regs ? 80 : 0);
    u8 buf[108];
    if (kind == FK_FLDENV || kind == FK_FRSTOR) {
        mem_in(c, i, buf, n);
        fpu_env_load(f, i->osize, real_layout(c), buf, regs);
        f->fcw = fcw_norm(f->fcw);
        fpu_update_es(f);
        fpu_ferr_update(c);
        return;
    }
    u32 lin = mem_out_check(c, i, n);
    fpu_env_store(f, i->osize, real_layout(c), buf, regs);
    mem_out(c, lin, buf, n);
    if (kind == FK_FNSTENV) {
        f->fcw |= FSW_EXC;       /* FNSTENV then masks every exception (no longer pending) */
        fpu_update_es(f);
        fpu_ferr_update(c);
    } else {
        fpu_init_state(f);       /* FNSAVE then initializes the FPU */
        fpu_ferr_update(c);
    }
}

static VD_NORETURN void x87_ud(struct cpu *c, const struct x86_insn *i)
{
    VD_LOG(LOG_UNIMP, "undefined x87 instruction %02x %02x at %04x:%08x\n", i->opcode, i->modrm,
           c->s.seg[S_CS].sel, c->s.eip);
    cpu_raise_ne(c, EXC_UD);
}

HANDLER(h_esc)
{
    struct fpu_state *f = &c->s.fpu;
    if (c->s.cr0 & (CR0_EM | CR0_TS)) cpu_raise_ne(c, EXC_NM);
    struct fpu_form ff = i->mod == 3 ? (struct fpu_form){(u8)reg_kind(i->opcode & 7, i->modrm), 0, 0}
                                     : mem_forms[i->opcode & 7][i->reg];
    switch (ff.kind) {
    case FK_UD: x87_ud(c, i);
    case FK_HOST:
        if (fpu_wait_ready(c)) host_insn(c, i, &ff);
        return;
    case FK_NOP_NW: return;
    case FK_FNINIT:
        fpu_init_state(f);
        fpu_ferr_update(c);
        return;
    case FK_FNCLEX:
        f->fsw &= FSW_KEEP;
        fpu_ferr_update(c);
        return;
    case FK_FNSTSW_AX: cpu_set_reg16(c, R_EAX, f->fsw); return;
    case FK_FNSTSW_M: cpu_wr16(c, i->seg, cpu_ea(c, i), f->fsw); return;
    case FK_FNSTCW: cpu_wr16(c, i->seg, cpu_ea(c, i), f->fcw); return;
    case FK_FLDCW:
        if (fpu_wait_ready(c)) {
            f->fcw = fcw_norm(cpu_rd16(c, i->seg, cpu_ea(c, i)));
            fpu_update_es(f);
            fpu_ferr_update(c);
        }
        return;
    case FK_FLDENV: case FK_FRSTOR:
        if (fpu_wait_ready(c)) env_insn(c, i, ff.kind);
        return;
    case FK_FNSTENV: case FK_FNSAVE:
        env_insn(c, i, ff.kind);
        return;
    }
}

HANDLER(h_fwait)
{
    (void)i;
    if ((c->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) cpu_raise_ne(c, EXC_NM);
    fpu_wait_ready(c);
}

void cpu_ops_fpu_init(void)
{
    cpu_register1(X86_OP_FWAIT, h_fwait);
    cpu_register1(X86_OP_ESC, h_esc);
}
