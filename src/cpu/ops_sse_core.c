/*
 * What every MMX/SSE/SSE2 handler shares (simd.h): the #UD/#NM/#MF checks,
 * SIMD floating-point exception delivery, and 64/128-bit memory operands
 * with the 16-byte alignment rule.
 */
#include "cpu/simd.h"

bool simd_mmx_check(struct cpu *c)
{
    if (c->s.cr0 & CR0_EM) cpu_raise_ne(c, EXC_UD);
    if (c->s.cr0 & CR0_TS) cpu_raise_ne(c, EXC_NM);
    /* a pending unmasked x87 exception, as for a waiting x87 instruction */
    return fpu_wait_ready(c);
}

void simd_sse_check(struct cpu *c)
{
    if ((c->s.cr0 & CR0_EM) || !(c->s.cr4 & CR4_OSFXSR)) cpu_raise_ne(c, EXC_UD);
    if (c->s.cr0 & CR0_TS) cpu_raise_ne(c, EXC_NM);
}

void simd_raise_xm(struct cpu *c)
{
    cpu_raise_ne(c, (c->s.cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD);
}

static u32 simd_lin(struct cpu *c, const struct x86_insn *i, unsigned n, bool align16, int kind)
{
    u32 lin = cpu_seg_lin(c, i->seg, cpu_ea(c, i), n, kind);
    if (align16 && (lin & 15)) cpu_raise(c, EXC_GP, 0);
    return lin;
}

void simd_read(struct cpu *c, const struct x86_insn *i, union v128 *v, unsigned n, bool align16)
{
    u32 lin = simd_lin(c, i, n, align16, SEGCHK_R);
    if (n == 2) {
        v->w[0] = cpu_lrd16(c, lin);
    } else if (!(lin & 3)) {
        for (unsigned k = 0; k < n / 4; k++) v->d[k] = cpu_lrd32(c, lin + 4 * k);
    } else {
        for (unsigned k = 0; k < n; k++) v->b[k] = cpu_lrd8(c, lin + k);
    }
}

u32 simd_write_check(struct cpu *c, const struct x86_insn *i, unsigned n, bool align16)
{
    u32 lin = simd_lin(c, i, n, align16, SEGCHK_W);
    cpu_probe_write(c, lin, n);
    return lin;
}

void simd_write(struct cpu *c, u32 lin, const void *p, unsigned n)
{
    const u8 *b = p;
    if (!(lin & 3) && !(n & 3)) {
        for (unsigned k = 0; k < n; k += 4) cpu_lwr32(c, lin + k, ld32(b + k));
    } else {
        for (unsigned k = 0; k < n; k++) cpu_lwr8(c, lin + k, b[k]);
    }
}
