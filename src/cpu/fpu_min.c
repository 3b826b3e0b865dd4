/*
 * The x87 at detection level: enough for the classic probe (FNINIT;
 * FNSTSW gives 0 and FNSTCW 0x037F) and for saving and restoring the FPU
 * state across task switches (FNSTENV/FLDENV, FNSAVE/FRSTOR), plus FLDCW,
 * FNCLEX, FNOP and the 8087/287 leftovers FENI/FDISI/FSETPM (no-ops on a
 * 387 and later). Any other x87 instruction is logged under -d unimp and
 * raises #UD until the full FPU exists.
 *
 * #NM: every escape when CR0.EM or CR0.TS; WAIT/FWAIT when CR0.MP and TS.
 * Environment images use the protected-mode layouts (28 bytes with 32-bit
 * operand size, 14 with 16-bit) in every mode; FIP/FDP/FOP stay as loaded,
 * since no arithmetic instruction updates them yet.
 */
#include "cpu/sys.h"
#include "cpu/cpu_mem.h"
#include "base/log.h"

static void fninit(struct fpu_state *f)
{
    f->fcw = 0x037f;
    f->fsw = 0;
    f->ftw = 0xffff;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

static unsigned env_size(const struct x86_insn *i) { return i->osize == 4 ? 28 : 14; }

/* Serialize the environment (and with regs, the eight registers in stack order). */
static unsigned env_store(const struct fpu_state *f, const struct x86_insn *i, u8 *b, bool regs)
{
    unsigned n = env_size(i);
    memset(b, 0, n);
    if (i->osize == 4) {
        st16(b + 0, f->fcw);
        st16(b + 4, f->fsw);
        st16(b + 8, f->ftw);
        st32(b + 12, f->fip);
        st32(b + 16, f->fcs | (u32)(f->fop & 0x7ff) << 16);
        st32(b + 20, f->fdp);
        st16(b + 24, f->fds);
    } else {
        st16(b + 0, f->fcw);
        st16(b + 2, f->fsw);
        st16(b + 4, f->ftw);
        st16(b + 6, (u16)f->fip);
        st16(b + 8, f->fcs);
        st16(b + 10, (u16)f->fdp);
        st16(b + 12, f->fds);
    }
    if (regs) {
        unsigned top = (f->fsw >> 11) & 7;
        for (unsigned r = 0; r < 8; r++) memcpy(b + n + 10 * r, f->st[(top + r) & 7], 10);
        n += 80;
    }
    return n;
}

static void env_load(struct fpu_state *f, const struct x86_insn *i, const u8 *b, bool regs)
{
    unsigned n = env_size(i);
    if (i->osize == 4) {
        f->fcw = ld16(b + 0);
        f->fsw = ld16(b + 4);
        f->ftw = ld16(b + 8);
        f->fip = ld32(b + 12);
        f->fcs = ld16(b + 16);
        f->fop = (ld32(b + 16) >> 16) & 0x7ff;
        f->fdp = ld32(b + 20);
        f->fds = ld16(b + 24);
    } else {
        f->fcw = ld16(b + 0);
        f->fsw = ld16(b + 2);
        f->ftw = ld16(b + 4);
        f->fip = ld16(b + 6);
        f->fcs = ld16(b + 8);
        f->fdp = ld16(b + 10);
        f->fds = ld16(b + 12);
    }
    if (regs) {
        unsigned top = (f->fsw >> 11) & 7;
        for (unsigned r = 0; r < 8; r++) memcpy(f->st[(top + r) & 7], b + n + 10 * r, 10);
    }
}

/* Write n bytes at the memory operand, all-or-nothing. */
static void mem_out(struct cpu *c, const struct x86_insn *i, const u8 *b, unsigned n)
{
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), n, SEGCHK_W);
    cpu_probe_write(c, lin, n);
    for (unsigned k = 0; k < n; k++) cpu_lwr8(c, lin + k, b[k]);
}

static void mem_in(struct cpu *c, const struct x86_insn *i, u8 *b, unsigned n)
{
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), n, SEGCHK_R);
    for (unsigned k = 0; k < n; k++) b[k] = cpu_lrd8(c, lin + k);
}

static VD_NORETURN void x87_unimp(struct cpu *c, const struct x86_insn *i)
{
    VD_LOG(LOG_UNIMP, "x87 instruction %02x %02x not implemented at %04x:%08x\n", i->opcode, i->modrm,
           c->s.seg[S_CS].sel, c->s.eip);
    cpu_raise_ne(c, EXC_UD);
}

HANDLER(h_esc)
{
    struct fpu_state *f = &c->s.fpu;
    u8 buf[108];
    if (c->s.cr0 & (CR0_EM | CR0_TS)) cpu_raise_ne(c, EXC_NM);
    if (i->mod == 3) {
        switch (i->opcode << 8 | i->modrm) {
        case 0xd9d0: /* FNOP */
        case 0xdbe0: case 0xdbe1: case 0xdbe4: /* FENI, FDISI, FSETPM */
            return;
        case 0xdbe2: f->fsw &= 0x7f00; return; /* FNCLEX: exception flags, ES, B */
        case 0xdbe3: fninit(f); return;
        case 0xdfe0: cpu_set_reg16(c, R_EAX, f->fsw); return;
        }
        x87_unimp(c, i);
    }
    switch (i->opcode << 8 | i->reg) {
    case 0xd904: /* FLDENV */
        mem_in(c, i, buf, env_size(i));
        env_load(f, i, buf, false);
        return;
    case 0xd905: f->fcw = cpu_rd16(c, i->seg, cpu_ea(c, i)); return; /* FLDCW */
    case 0xd906: /* FNSTENV: then masks all exceptions */
        mem_out(c, i, buf, env_store(f, i, buf, false));
        f->fcw |= 0x3f;
        return;
    case 0xd907: cpu_wr16(c, i->seg, cpu_ea(c, i), f->fcw); return; /* FNSTCW */
    case 0xdd04: /* FRSTOR */
        mem_in(c, i, buf, env_size(i) + 80);
        env_load(f, i, buf, true);
        return;
    case 0xdd06: /* FNSAVE: then reinitializes */
        mem_out(c, i, buf, env_store(f, i, buf, true));
        fninit(f);
        return;
    case 0xdd07: cpu_wr16(c, i->seg, cpu_ea(c, i), f->fsw); return; /* FNSTSW m16 */
    }
    x87_unimp(c, i);
}

HANDLER(h_fwait)
{
    if ((c->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) cpu_raise_ne(c, EXC_NM);
    /* a pending unmasked exception (ES, only ever loaded by FLDENV/FRSTOR) */
    if ((c->s.fpu.fsw & 0x80) && (c->s.cr0 & CR0_NE)) cpu_raise_ne(c, EXC_MF);
}
