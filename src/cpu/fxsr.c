/*
 * FXSAVE/FXRSTOR (the 512-byte x87+SSE state image), LDMXCSR/STMXCSR, the
 * fences and CLFLUSH.
 *
 * Image (32-bit format, SDM Vol. 2 FXSAVE, Table 3-53), offsets in bytes:
 *   0 FCW, 2 FSW, 4 abridged FTW (bit i: physical register Ri not empty),
 *   6 FOP (11 bits), 8 FIP, 12 FCS, 16 FDP, 20 FDS, 24 MXCSR, 28 MXCSR_MASK,
 *   32 + 16*i ST(i) in stack order (10 bytes, 6 zero bytes), 160 + 16*i XMMi.
 * Reserved header bytes are written as zero; bytes 288-511 are not touched.
 * FXRSTOR rebuilds the full tag word from the abridged one and the register
 * contents (SDM FXSAVE, "Recreating FSAVE format"): empty, or special
 * (exponent all ones; denormal; unnormal, i.e. J bit clear with a non-zero
 * exponent), zero, valid.
 *
 * With CR4.OSFXSR=0 the XMM registers and MXCSR are neither saved nor
 * restored (the SDM makes this implementation dependent; P6-era CPUs and
 * QEMU skip them), so neither is MXCSR checked by FXRSTOR then.
 * Checks: CR0.EM or CR0.TS #NM (no #UD for OSFXSR=0), then the memory
 * operand: 16-byte alignment #GP(0), segment and page faults on the whole
 * 512 bytes before anything is written or loaded. Neither instruction waits
 * for a pending x87 exception.
 *
 * MXCSR_MASK is 0xFFFF: DAZ is supported; a 1 in bits 16-31 loaded by
 * LDMXCSR or FXRSTOR is #GP(0).
 */
#include "cpu/simd.h"
#include "cpu/fpu.h"

enum { FX_SIZE = 512, FX_USED = 288 };

static u32 fx_lin(struct cpu *c, const struct x86_insn *i, int kind)
{
    if ((c->s.cr0 & (CR0_EM | CR0_TS))) cpu_raise_ne(c, EXC_NM);
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), FX_SIZE, kind);
    if (lin & 15) cpu_raise(c, EXC_GP, 0);
    return lin;
}

/* Serialize the state into the image b (only bytes 0-287 are defined). */
void fxsr_save_image(const struct cpu *c, u8 *b)
{
    const struct fpu_state *f = &c->s.fpu;
    memset(b, 0, FX_USED);
    st16(b + 0, f->fcw);
    st16(b + 2, f->fsw);
    u8 ab = 0;
    for (unsigned r = 0; r < 8; r++)
        if (((f->ftw >> (2 * r)) & 3) != 3) ab |= (u8)(1u << r);
    b[4] = ab;
    st16(b + 6, f->fop & 0x7ff);
    st32(b + 8, f->fip);
    st16(b + 12, f->fcs);
    st32(b + 16, f->fdp);
    st16(b + 20, f->fds);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned k = 0; k < 8; k++) memcpy(b + 32 + 16 * k, f->st[(top + k) & 7], 10);
    if (c->s.cr4 & CR4_OSFXSR) {
        st32(b + 24, f->mxcsr);
        st32(b + 28, MXCSR_MASK_SUPPORTED);
        for (unsigned k = 0; k < 8; k++) memcpy(b + 160 + 16 * k, f->xmm[k], 16);
    }
}

/* Load the state from an image; false (nothing loaded) if MXCSR has reserved bits. */
bool fxsr_load_image(struct cpu *c, const u8 *b)
{
    struct fpu_state *f = &c->s.fpu;
    bool sse = c->s.cr4 & CR4_OSFXSR;
    if (sse && (ld32(b + 24) & ~MXCSR_MASK_SUPPORTED)) return false;
    f->fcw = ld16(b + 0);
    f->fsw = ld16(b + 2);
    f->fop = ld16(b + 6) & 0x7ff;
    f->fip = ld32(b + 8);
    f->fcs = ld16(b + 12);
    f->fdp = ld32(b + 16);
    f->fds = ld16(b + 20);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned k = 0; k < 8; k++) memcpy(f->st[(top + k) & 7], b + 32 + 16 * k, 10);
    u16 ftw = 0;
    for (unsigned r = 0; r < 8; r++) ftw |= (u16)(((b[4] >> r) & 1 ? TAG_VALID : TAG_EMPTY) << (2 * r));
    f->ftw = ftw;
    fpu_retag(f); /* the classes of the non-empty registers */
    fpu_ferr_update(c);
    if (sse) {
        f->mxcsr = ld32(b + 24);
        for (unsigned k = 0; k < 8; k++) memcpy(f->xmm[k], b + 160 + 16 * k, 16);
    }
    return true;
}

static HANDLER(h_fxsave)
{
    u8 b[FX_USED];
    u32 lin = fx_lin(c, i, SEGCHK_W);
    cpu_probe_write(c, lin, FX_SIZE);
    fxsr_save_image(c, b);
    /* without OSFXSR the MXCSR and XMM fields are left as they were in memory */
    bool sse = c->s.cr4 & CR4_OSFXSR;
    simd_write(c, lin, b, sse ? FX_USED : 24);
    simd_write(c, lin + 32, b + 32, 128);
}

static HANDLER(h_fxrstor)
{
    u8 b[FX_USED];
    u32 lin = fx_lin(c, i, SEGCHK_R);
    for (unsigned k = 0; k < FX_SIZE; k += 4096 - ((lin + k) & 4095)) (void)cpu_lrd8(c, lin + k); /* page faults first */
    for (unsigned k = 0; k < FX_USED; k += 4) st32(b + k, cpu_lrd32(c, lin + k));
    if (!fxsr_load_image(c, b)) cpu_raise(c, EXC_GP, 0);
}

static HANDLER(h_ldmxcsr)
{
    union v128 v;
    simd_sse_check(c);
    simd_read(c, i, &v, 4, false);
    if (v.d[0] & ~MXCSR_MASK_SUPPORTED) cpu_raise(c, EXC_GP, 0);
    c->s.fpu.mxcsr = v.d[0];
}

static HANDLER(h_stmxcsr)
{
    simd_sse_check(c);
    u32 lin = simd_write_check(c, i, 4, false);
    cpu_lwr32(c, lin, c->s.fpu.mxcsr);
}

/* Fences order memory; the interpreter's accesses are already in program order. */
static HANDLER(h_fence) { (void)c; (void)i; }

/* CLFLUSH m8: faults as a byte read would (segment, page); there is no cache
 * to flush. (The read reaches a device on an MMIO page.) */
static HANDLER(h_clflush)
{
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), 1, SEGCHK_R);
    (void)cpu_lrd8(c, lin);
}

void ops_fxsr_init(void)
{
    cpu_register1(X86_OP_FXSAVE_M, h_fxsave);
    cpu_register1(X86_OP_FXRSTOR_M, h_fxrstor);
    cpu_register1(X86_OP_LDMXCSR_Md, h_ldmxcsr);
    cpu_register1(X86_OP_STMXCSR_Md, h_stmxcsr);
    cpu_register1(X86_OP_LFENCE, h_fence);
    cpu_register1(X86_OP_MFENCE, h_fence);
    cpu_register1(X86_OP_SFENCE, h_fence);
    cpu_register1(X86_OP_CLFLUSH_Mb, h_clflush);
}
