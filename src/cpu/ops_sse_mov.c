/*
 * SSE/SSE2 data movement and bitwise forms that do no floating-point
 * arithmetic (no MXCSR flags): scalar moves, the 64-bit half moves,
 * UNPCKL/H and SHUFP, MOVMSKP, the logical ANDP/ANDNP/ORP/XORP, MOVNTI.
 */
#include "cpu/simd.h"

/* MOVSS/MOVSD xmm, xmm/m: a register source moves the low element only,
 * a memory source zero-fills the rest */
static HANDLER(h_movs_load)
{
    unsigned n = i->op == X86_OP_MOVSS_VssWss ? 4 : 8;
    union v128 d, s;
    simd_sse_check(c);
    xmm_src(c, i, &s, n, false);
    if (i->mod == 3) {
        xmm_get(c, i->reg, &d);
        memcpy(d.b, s.b, n);
    } else {
        d = s;
    }
    xmm_put(c, i->reg, &d);
}
/* MOVSS/MOVSD xmm/m, xmm */
static HANDLER(h_movs_store)
{
    unsigned n = i->op == X86_OP_MOVSS_WssVss ? 4 : 8;
    union v128 s, d;
    simd_sse_check(c);
    xmm_get(c, i->reg, &s);
    if (i->mod == 3) {
        xmm_get(c, i->rm, &d);
        memcpy(d.b, s.b, n);
        xmm_put(c, i->rm, &d);
    } else {
        u32 lin = simd_write_check(c, i, n, false);
        simd_write(c, lin, s.b, n);
    }
}

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD xmm, m64 and MOVHLPS/MOVLHPS xmm, xmm:
 * half hi of the destination gets 64 bits of the source (its high half for MOVHLPS) */
static HANDLER(h_movhalf_load)
{
    bool hi = i->op == X86_OP_MOVHPS_VqMq || i->op == X86_OP_MOVHPD_VqMq || i->op == X86_OP_MOVLHPS_VqUq;
    union v128 d, s;
    simd_sse_check(c);
    xmm_src(c, i, &s, 8, false);
    xmm_get(c, i->reg, &d);
    d.q[hi] = i->op == X86_OP_MOVHLPS_VqUq ? s.q[1] : s.q[0];
    xmm_put(c, i->reg, &d);
}
static HANDLER(h_movhalf_store)
{
    bool hi = i->op == X86_OP_MOVHPS_MqVq || i->op == X86_OP_MOVHPD_MqVq;
    union v128 s;
    simd_sse_check(c);
    xmm_get(c, i->reg, &s);
    u32 lin = simd_write_check(c, i, 8, false);
    simd_write(c, lin, &s.q[hi], 8);
}

/* ---- two-source shapes: xmm op= xmm/m128 (aligned) ---- */
typedef void xop_fn(union v128 *d, const union v128 *s, u8 imm);
static void unpcklps(union v128 *d, const union v128 *s, u8 imm)
{
    union v128 r = {.d = {d->d[0], s->d[0], d->d[1], s->d[1]}};
    *d = r;
    (void)imm;
}
static void unpckhps(union v128 *d, const union v128 *s, u8 imm)
{
    union v128 r = {.d = {d->d[2], s->d[2], d->d[3], s->d[3]}};
    *d = r;
    (void)imm;
}
static void unpcklpd(union v128 *d, const union v128 *s, u8 imm) { d->q[1] = s->q[0]; (void)imm; }
static void unpckhpd(union v128 *d, const union v128 *s, u8 imm)
{
    d->q[0] = d->q[1];
    d->q[1] = s->q[1];
    (void)imm;
}
static void shufps(union v128 *d, const union v128 *s, u8 imm)
{
    union v128 r = {.d = {d->d[imm & 3], d->d[(imm >> 2) & 3], s->d[(imm >> 4) & 3], s->d[(imm >> 6) & 3]}};
    *d = r;
}
static void shufpd(union v128 *d, const union v128 *s, u8 imm)
{
    union v128 r = {.q = {d->q[imm & 1], s->q[(imm >> 1) & 1]}};
    *d = r;
}
static void andp(union v128 *d, const union v128 *s, u8 imm) { d->q[0] &= s->q[0]; d->q[1] &= s->q[1]; (void)imm; }
static void andnp(union v128 *d, const union v128 *s, u8 imm)
{
    d->q[0] = ~d->q[0] & s->q[0];
    d->q[1] = ~d->q[1] & s->q[1];
    (void)imm;
}
static void orp(union v128 *d, const union v128 *s, u8 imm) { d->q[0] |= s->q[0]; d->q[1] |= s->q[1]; (void)imm; }
static void xorp(union v128 *d, const union v128 *s, u8 imm) { d->q[0] ^= s->q[0]; d->q[1] ^= s->q[1]; (void)imm; }

static xop_fn *const xop[X86_OP_COUNT] = {
    [X86_OP_UNPCKLPS_VpsWps] = unpcklps, [X86_OP_UNPCKHPS_VpsWps] = unpckhps,
    [X86_OP_UNPCKLPD_VpdWpd] = unpcklpd, [X86_OP_UNPCKHPD_VpdWpd] = unpckhpd,
    [X86_OP_SHUFPS_VpsWpsIb] = shufps, [X86_OP_SHUFPD_VpdWpdIb] = shufpd,
    [X86_OP_ANDPS_VpsWps] = andp, [X86_OP_ANDPD_VpdWpd] = andp,
    [X86_OP_ANDNPS_VpsWps] = andnp, [X86_OP_ANDNPD_VpdWpd] = andnp,
    [X86_OP_ORPS_VpsWps] = orp, [X86_OP_ORPD_VpdWpd] = orp,
    [X86_OP_XORPS_VpsWps] = xorp, [X86_OP_XORPD_VpdWpd] = xorp,
};
static HANDLER(h_xop)
{
    union v128 d, s;
    simd_sse_check(c);
    xmm_src(c, i, &s, 16, true);
    xmm_get(c, i->reg, &d);
    xop[i->op](&d, &s, (u8)i->imm);
    xmm_put(c, i->reg, &d);
}

/* MOVMSKPS/MOVMSKPD r32, xmm: the sign bits */
static HANDLER(h_movmskps)
{
    union v128 s;
    simd_sse_check(c);
    xmm_get(c, i->rm, &s);
    u32 m = 0;
    for (unsigned k = 0; k < 4; k++) m |= (s.d[k] >> 31) << k;
    c->s.gpr[i->reg] = m;
}
static HANDLER(h_movmskpd)
{
    union v128 s;
    simd_sse_check(c);
    xmm_get(c, i->rm, &s);
    c->s.gpr[i->reg] = (u32)(s.q[0] >> 63) | (u32)(s.q[1] >> 63) << 1;
}

/* MOVNTI m32, r32: an SSE2 instruction that touches no SIMD state, so it has
 * none of the SIMD checks (SDM MOVNTI: only memory faults) */
static HANDLER(h_movnti)
{
    u32 lin = simd_write_check(c, i, 4, false);
    cpu_lwr32(c, lin, c->s.gpr[i->reg]);
}

void ops_sse_mov_init(void)
{
    cpu_register1(X86_OP_MOVSS_VssWss, h_movs_load);
    cpu_register1(X86_OP_MOVSD_VsdWsd, h_movs_load);
    cpu_register1(X86_OP_MOVSS_WssVss, h_movs_store);
    cpu_register1(X86_OP_MOVSD_WsdVsd, h_movs_store);
    cpu_register1(X86_OP_MOVLPS_VqMq, h_movhalf_load);
    cpu_register1(X86_OP_MOVLPD_VqMq, h_movhalf_load);
    cpu_register1(X86_OP_MOVHPS_VqMq, h_movhalf_load);
    cpu_register1(X86_OP_MOVHPD_VqMq, h_movhalf_load);
    cpu_register1(X86_OP_MOVHLPS_VqUq, h_movhalf_load);
    cpu_register1(X86_OP_MOVLHPS_VqUq, h_movhalf_load);
    cpu_register1(X86_OP_MOVLPS_MqVq, h_movhalf_store);
    cpu_register1(X86_OP_MOVLPD_MqVq, h_movhalf_store);
    cpu_register1(X86_OP_MOVHPS_MqVq, h_movhalf_store);
    cpu_register1(X86_OP_MOVHPD_MqVq, h_movhalf_store);
    for (unsigned op = 0; op < X86_OP_COUNT; op++)
        if (xop[op]) cpu_register1((enum x86_op)op, h_xop);
    cpu_register1(X86_OP_MOVMSKPS_GdUps, h_movmskps);
    cpu_register1(X86_OP_MOVMSKPD_GdUpd, h_movmskpd);
    cpu_register1(X86_OP_MOVNTI_MdGd, h_movnti);
}
