/*
 * Integer SIMD: the MMX instructions on mm registers and their SSE2 twins
 * on xmm registers (66 prefix), in plain C. Each operation is written once
 * as a lane function over an n-byte value (8 for MMX, 16 for XMM); two
 * generic handlers per shape (mm and xmm) fetch the operands, apply it and
 * write back, so the exception rules (simd.h) live in one place each.
 * Also here: EMMS, MOVD/MOVQ/MOVDQA/MOVDQU and the 128-bit FP moves that
 * are the same operation (MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVNTPS/MOVNTPD), the
 * integer shuffles, PINSRW/PEXTRW, PMOVMSKB, MOVQ2DQ/MOVDQ2Q, and the
 * non-temporal and masked stores (non-temporal hints change nothing here).
 */
#include "cpu/simd.h"

typedef void lane_fn(union v128 *d, const union v128 *s, unsigned n);

/* ---- saturation ---- */
static inline i8 sat8(int v) { return (i8)(v > 127 ? 127 : v < -128 ? -128 : v); }
static inline u8 satu8(int v) { return (u8)(v > 255 ? 255 : v < 0 ? 0 : v); }
static inline i16 sat16(i32 v) { return (i16)(v > 32767 ? 32767 : v < -32768 ? -32768 : v); }
static inline u16 satu16(i32 v) { return (u16)(v > 65535 ? 65535 : v < 0 ? 0 : v); }

/* ---- element-wise arithmetic ---- */
#define LANES(name, T, field, expr) \
    static void name(union v128 *d, const union v128 *s, unsigned n) \
    { \
        for (unsigned k = 0; k < n / sizeof(T); k++) { \
            T a = d->field[k], b = s->field[k]; \
            (void)a; (void)b; \
            d->field[k] = (T)(expr); \
        } \
    }
LANES(paddb, u8, b, a + b)
LANES(paddw, u16, w, a + b)
LANES(paddd, u32, d, a + b)
LANES(paddq, u64, q, a + b)
LANES(psubb, u8, b, a - b)
LANES(psubw, u16, w, a - b)
LANES(psubd, u32, d, a - b)
LANES(psubq, u64, q, a - b)
LANES(paddsb, i8, sb, sat8(a + b))
LANES(paddsw, i16, sw, sat16(a + b))
LANES(psubsb, i8, sb, sat8(a - b))
LANES(psubsw, i16, sw, sat16(a - b))
LANES(paddusb, u8, b, satu8(a + b))
LANES(paddusw, u16, w, satu16(a + b))
LANES(psubusb, u8, b, satu8(a - b))
LANES(psubusw, u16, w, satu16(a - b))
LANES(pcmpeqb, u8, b, a == b ? 0xff : 0)
LANES(pcmpeqw, u16, w, a == b ? 0xffff : 0)
LANES(pcmpeqd, u32, d, a == b ? 0xffffffffu : 0)
LANES(pcmpgtb, i8, sb, a > b ? -1 : 0)
LANES(pcmpgtw, i16, sw, a > b ? -1 : 0)
LANES(pcmpgtd, i32, sd, a > b ? -1 : 0)
LANES(pand, u64, q, a & b)
LANES(pandn, u64, q, ~a & b)
LANES(por, u64, q, a | b)
LANES(pxor, u64, q, a ^ b)
LANES(pmullw, u16, w, (u32)a * b)
LANES(pmulhw, i16, sw, ((i32)a * b) >> 16)
LANES(pmulhuw, u16, w, ((u32)a * b) >> 16)
LANES(pavgb, u8, b, (a + b + 1) >> 1)
LANES(pavgw, u16, w, ((u32)a + b + 1) >> 1)
LANES(pminub, u8, b, a < b ? a : b)
LANES(pmaxub, u8, b, a > b ? a : b)
LANES(pminsw, i16, sw, a < b ? a : b)
LANES(pmaxsw, i16, sw, a > b ? a : b)

static void pmuludq(union v128 *d, const union v128 *s, unsigned n)
{
    for (unsigned k = 0; k < n / 8; k++) d->q[k] = (u64)d->d[2 * k] * s->d[2 * k];
}
static void pmaddwd(union v128 *d, const union v128 *s, unsigned n)
{
    for (unsigned k = 0; k < n / 4; k++)
        d->d[k] = (u32)((i32)d->sw[2 * k] * s->sw[2 * k]) + (u32)((i32)d->sw[2 * k + 1] * s->sw[2 * k + 1]); /* wraps: 0x8000^2 * 2 */
}
static void psadbw(union v128 *d, const union v128 *s, unsigned n)
{
    for (unsigned k = 0; k < n / 8; k++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 8; j++) {
            int x = d->b[8 * k + j] - s->b[8 * k + j];
            sum += (unsigned)(x < 0 ? -x : x);
        }
        d->q[k] = sum;
    }
}

/* ---- pack and unpack ---- */
static void packsswb(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    for (unsigned k = 0; k < n / 2; k++) {
        r.sb[k] = sat8(d->sw[k]);
        r.sb[n / 2 + k] = sat8(s->sw[k]);
    }
    memcpy(d, &r, n);
}
static void packuswb(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    for (unsigned k = 0; k < n / 2; k++) {
        r.b[k] = satu8(d->sw[k]);
        r.b[n / 2 + k] = satu8(s->sw[k]);
    }
    memcpy(d, &r, n);
}
static void packssdw(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    for (unsigned k = 0; k < n / 4; k++) {
        r.sw[k] = sat16(d->sd[k]);
        r.sw[n / 4 + k] = sat16(s->sd[k]);
    }
    memcpy(d, &r, n);
}
/* Interleave e-byte elements of the low (high) halves of d and s. */
static inline void unpack(union v128 *d, const union v128 *s, unsigned n, unsigned e, bool high)
{
    union v128 r;
    unsigned off = high ? n / 2 : 0;
    for (unsigned k = 0; k < n / (2 * e); k++) {
        memcpy(r.b + 2 * k * e, d->b + off + k * e, e);
        memcpy(r.b + (2 * k + 1) * e, s->b + off + k * e, e);
    }
    memcpy(d, &r, n);
}
#define UNPACK(name, e, high) \
    static void name(union v128 *d, const union v128 *s, unsigned n) { unpack(d, s, n, e, high); }
UNPACK(punpcklbw, 1, false)
UNPACK(punpcklwd, 2, false)
UNPACK(punpckldq, 4, false)
UNPACK(punpcklqdq, 8, false)
UNPACK(punpckhbw, 1, true)
UNPACK(punpckhwd, 2, true)
UNPACK(punpckhdq, 4, true)
UNPACK(punpckhqdq, 8, true)

/* ---- shifts: the count is the low 64 bits of s (a register, memory or imm8) ---- */
#define SHIFT(name, T, field, bits, expr, big) \
    static void name(union v128 *d, const union v128 *s, unsigned n) \
    { \
        u64 cnt = s->q[0]; \
        for (unsigned k = 0; k < n / sizeof(T); k++) { \
            T a = d->field[k]; \
            d->field[k] = cnt > bits - 1 ? (T)(big) : (T)(expr); \
        } \
    }
SHIFT(psrlw, u16, w, 16, a >> cnt, 0)
SHIFT(psrld, u32, d, 32, a >> cnt, 0)
SHIFT(psrlq, u64, q, 64, a >> cnt, 0)
SHIFT(psllw, u16, w, 16, a << cnt, 0)
SHIFT(pslld, u32, d, 32, a << cnt, 0)
SHIFT(psllq, u64, q, 64, a << cnt, 0)
SHIFT(psraw, i16, sw, 16, a >> cnt, a >> 15)
SHIFT(psrad, i32, sd, 32, a >> cnt, a >> 31)
/* whole-register byte shifts (SSE2 only) */
static void psrldq(union v128 *d, const union v128 *s, unsigned n)
{
    unsigned cnt = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
    union v128 r = {0};
    memcpy(r.b, d->b + cnt, 16 - cnt);
    *d = r;
    (void)n;
}
static void pslldq(union v128 *d, const union v128 *s, unsigned n)
{
    unsigned cnt = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
    union v128 r = {0};
    memcpy(r.b + cnt, d->b, 16 - cnt);
    *d = r;
    (void)n;
}

/* ---- the table: form -> lane function ---- */
#define PAIRS(X) \
    X(PADDB, paddb) X(PADDW, paddw) X(PADDD, paddd) X(PADDQ, paddq) \
    X(PSUBB, psubb) X(PSUBW, psubw) X(PSUBD, psubd) X(PSUBQ, psubq) \
    X(PADDSB, paddsb) X(PADDSW, paddsw) X(PSUBSB, psubsb) X(PSUBSW, psubsw) \
    X(PADDUSB, paddusb) X(PADDUSW, paddusw) X(PSUBUSB, psubusb) X(PSUBUSW, psubusw) \
    X(PCMPEQB, pcmpeqb) X(PCMPEQW, pcmpeqw) X(PCMPEQD, pcmpeqd) \
    X(PCMPGTB, pcmpgtb) X(PCMPGTW, pcmpgtw) X(PCMPGTD, pcmpgtd) \
    X(PAND, pand) X(PANDN, pandn) X(POR, por) X(PXOR, pxor) \
    X(PMULLW, pmullw) X(PMULHW, pmulhw) X(PMULHUW, pmulhuw) X(PMULUDQ, pmuludq) X(PMADDWD, pmaddwd) \
    X(PAVGB, pavgb) X(PAVGW, pavgw) X(PMINUB, pminub) X(PMAXUB, pmaxub) X(PMINSW, pminsw) \
    X(PMAXSW, pmaxsw) X(PSADBW, psadbw) \
    X(PACKSSWB, packsswb) X(PACKUSWB, packuswb) X(PACKSSDW, packssdw) \
    X(PUNPCKHBW, punpckhbw) X(PUNPCKHWD, punpckhwd) X(PUNPCKHDQ, punpckhdq) \
    X(PSRLW, psrlw) X(PSRLD, psrld) X(PSRLQ, psrlq) X(PSLLW, psllw) X(PSLLD, pslld) X(PSLLQ, psllq) \
    X(PSRAW, psraw) X(PSRAD, psrad)
/* MMX forms whose memory operand is 32 bits (PUNPCKL*: mm, mm/m32) */
#define PAIRS_D(X) X(PUNPCKLBW, punpcklbw) X(PUNPCKLWD, punpcklwd) X(PUNPCKLDQ, punpckldq)
#define SHIFTS_IMM(X) \
    X(PSRLW, psrlw) X(PSRLD, psrld) X(PSRLQ, psrlq) X(PSLLW, psllw) X(PSLLD, pslld) X(PSLLQ, psllq) \
    X(PSRAW, psraw) X(PSRAD, psrad)

static lane_fn *const lane[X86_OP_COUNT] = {
#define X(M, f) [X86_OP_##M##_PqQq] = f, [X86_OP_##M##_VdqWdq] = f,
    PAIRS(X)
#undef X
#define X(M, f) [X86_OP_##M##_PqQd] = f, [X86_OP_##M##_VdqWdq] = f,
    PAIRS_D(X)
#undef X
#define X(M, f) [X86_OP_##M##_NqIb] = f, [X86_OP_##M##_UdqIb] = f,
    SHIFTS_IMM(X)
#undef X
    [X86_OP_PUNPCKLQDQ_VdqWdq] = punpcklqdq, [X86_OP_PUNPCKHQDQ_VdqWdq] = punpckhqdq,
    [X86_OP_PSRLDQ_UdqIb] = psrldq, [X86_OP_PSLLDQ_UdqIb] = pslldq,
};

/* mm op= mm/m64 (or m32) */
static inline void mm_binop(struct cpu *c, const struct x86_insn *i, unsigned msize)
{
    union v128 d, s;
    MMX_CHECK(c);
    mm_src(c, i, &s, msize);
    mm_get(c, i->reg, &d);
    lane[i->op](&d, &s, 8);
    simd_mmx_enter(c);
    mm_put(c, i->reg, &d);
}
static HANDLER(h_mm_q) { mm_binop(c, i, 8); }
static HANDLER(h_mm_d) { mm_binop(c, i, 4); }

/* xmm op= xmm/m128 (aligned) */
static HANDLER(h_xmm_op)
{
    union v128 d, s;
    simd_sse_check(c);
    xmm_src(c, i, &s, 16, true);
    xmm_get(c, i->reg, &d);
    lane[i->op](&d, &s, 16);
    xmm_put(c, i->reg, &d);
}

/* shift mm/xmm (rm) by imm8 */
static HANDLER(h_mm_imm)
{
    union v128 d, s = {.q = {i->imm & 0xff, 0}};
    MMX_CHECK(c);
    mm_get(c, i->rm, &d);
    lane[i->op](&d, &s, 8);
    simd_mmx_enter(c);
    mm_put(c, i->rm, &d);
}
static HANDLER(h_xmm_imm)
{
    union v128 d, s = {.q = {i->imm & 0xff, 0}};
    simd_sse_check(c);
    xmm_get(c, i->rm, &d);
    lane[i->op](&d, &s, 16);
    xmm_put(c, i->rm, &d);
}

/* ---- EMMS ---- */
/* EMMS: every tag empty, and TOS = 0 as after any MMX instruction (what the
 * host CPU does; tests/diff/sse_hostcmp compares it) */
static HANDLER(h_emms)
{
    (void)i;
    MMX_CHECK(c);
    simd_mmx_enter(c);
    c->s.fpu.ftw = 0xffff;
}

/* ---- MOVD / MOVQ on mm ---- */
static HANDLER(h_movd_PdEd)
{
    union v128 v = {.q = {0, 0}};
    MMX_CHECK(c);
    if (i->mod == 3) v.d[0] = c->s.gpr[i->rm];
    else simd_read(c, i, &v, 4, false);
    simd_mmx_enter(c);
    mm_put(c, i->reg, &v);
}
static HANDLER(h_movd_EdPd)
{
    union v128 v;
    MMX_CHECK(c);
    mm_get(c, i->reg, &v);
    if (i->mod == 3) {
        c->s.gpr[i->rm] = v.d[0];
    } else {
        u32 lin = simd_write_check(c, i, 4, false);
        cpu_lwr32(c, lin, v.d[0]);
    }
    simd_mmx_enter(c);
}
static HANDLER(h_movq_PqQq)
{
    union v128 v;
    MMX_CHECK(c);
    mm_src(c, i, &v, 8);
    simd_mmx_enter(c);
    mm_put(c, i->reg, &v);
}
/* MOVQ mm/m64, mm and MOVNTQ m64, mm */
static HANDLER(h_movq_QqPq)
{
    union v128 v;
    MMX_CHECK(c);
    mm_get(c, i->reg, &v);
    if (i->mod == 3) {
        mm_put(c, i->rm, &v);
    } else {
        u32 lin = simd_write_check(c, i, 8, false);
        simd_write(c, lin, v.b, 8);
    }
    simd_mmx_enter(c);
}

/* ---- MOVD / MOVQ / MOVDQA / MOVDQU on xmm ---- */
static HANDLER(h_movd_VdEd)
{
    union v128 v = {.q = {0, 0}};
    simd_sse_check(c);
    if (i->mod == 3) v.d[0] = c->s.gpr[i->rm];
    else simd_read(c, i, &v, 4, false);
    xmm_put(c, i->reg, &v);
}
static HANDLER(h_movd_EdVd)
{
    simd_sse_check(c);
    u32 v = ld32(c->s.fpu.xmm[i->reg]);
    if (i->mod == 3) {
        c->s.gpr[i->rm] = v;
    } else {
        u32 lin = simd_write_check(c, i, 4, false);
        cpu_lwr32(c, lin, v);
    }
}
/* MOVQ xmm, xmm/m64 (F3 0F 7E): zero-extends */
static HANDLER(h_movq_VqWq)
{
    union v128 v;
    simd_sse_check(c);
    xmm_src(c, i, &v, 8, false);
    v.q[1] = 0;
    xmm_put(c, i->reg, &v);
}
/* MOVQ xmm/m64, xmm (66 0F D6): a register destination is zero-extended */
static HANDLER(h_movq_WqVq)
{
    union v128 v;
    simd_sse_check(c);
    xmm_get(c, i->reg, &v);
    v.q[1] = 0;
    if (i->mod == 3) {
        xmm_put(c, i->rm, &v);
    } else {
        u32 lin = simd_write_check(c, i, 8, false);
        simd_write(c, lin, v.b, 8);
    }
}
/* 128-bit loads and stores; align16: MOVDQA (and the aligned FP moves, ops_sse_mov.c) */
static inline void xmm_load(struct cpu *c, const struct x86_insn *i, bool align16)
{
    union v128 v;
    simd_sse_check(c);
    xmm_src(c, i, &v, 16, align16);
    xmm_put(c, i->reg, &v);
}
static inline void xmm_store(struct cpu *c, const struct x86_insn *i, bool align16)
{
    union v128 v;
    simd_sse_check(c);
    xmm_get(c, i->reg, &v);
    if (i->mod == 3) {
        xmm_put(c, i->rm, &v);
    } else {
        u32 lin = simd_write_check(c, i, 16, align16);
        simd_write(c, lin, v.b, 16);
    }
}
static HANDLER(h_load_a) { xmm_load(c, i, true); }
static HANDLER(h_load_u) { xmm_load(c, i, false); }
static HANDLER(h_store_a) { xmm_store(c, i, true); }
static HANDLER(h_store_u) { xmm_store(c, i, false); }

/* ---- shuffles ---- */
static HANDLER(h_pshufw)
{
    union v128 s, d;
    MMX_CHECK(c);
    mm_src(c, i, &s, 8);
    for (unsigned k = 0; k < 4; k++) d.w[k] = s.w[(i->imm >> (2 * k)) & 3];
    simd_mmx_enter(c);
    mm_put(c, i->reg, &d);
}
/* PSHUFD (words 0-7 as dword pairs), PSHUFHW (high 4 words), PSHUFLW (low 4) */
static HANDLER(h_pshufx)
{
    union v128 s, d;
    simd_sse_check(c);
    xmm_src(c, i, &s, 16, true);
    d = s;
    if (i->op == X86_OP_PSHUFD_VdqWdqIb) {
        for (unsigned k = 0; k < 4; k++) d.d[k] = s.d[(i->imm >> (2 * k)) & 3];
    } else {
        unsigned base = i->op == X86_OP_PSHUFHW_VdqWdqIb ? 4 : 0;
        for (unsigned k = 0; k < 4; k++) d.w[base + k] = s.w[base + ((i->imm >> (2 * k)) & 3)];
    }
    xmm_put(c, i->reg, &d);
}

/* ---- PINSRW / PEXTRW / PMOVMSKB ---- */
static u16 edw_src(struct cpu *c, const struct x86_insn *i)
{
    if (i->mod == 3) return (u16)c->s.gpr[i->rm];
    union v128 v;
    simd_read(c, i, &v, 2, false);
    return v.w[0];
}
static HANDLER(h_pinsrw_mm)
{
    union v128 d;
    MMX_CHECK(c);
    u16 w = edw_src(c, i);
    mm_get(c, i->reg, &d);
    d.w[i->imm & 3] = w;
    simd_mmx_enter(c);
    mm_put(c, i->reg, &d);
}
static HANDLER(h_pinsrw_xmm)
{
    union v128 d;
    simd_sse_check(c);
    u16 w = edw_src(c, i);
    xmm_get(c, i->reg, &d);
    d.w[i->imm & 7] = w;
    xmm_put(c, i->reg, &d);
}
static HANDLER(h_pextrw_mm)
{
    union v128 s;
    MMX_CHECK(c);
    mm_get(c, i->rm, &s);
    simd_mmx_enter(c);
    c->s.gpr[i->reg] = s.w[i->imm & 3];
}
static HANDLER(h_pextrw_xmm)
{
    union v128 s;
    simd_sse_check(c);
    xmm_get(c, i->rm, &s);
    c->s.gpr[i->reg] = s.w[i->imm & 7];
}
static u32 msb_bytes(const union v128 *s, unsigned n)
{
    u32 m = 0;
    for (unsigned k = 0; k < n; k++) m |= (u32)(s->b[k] >> 7) << k;
    return m;
}
static HANDLER(h_pmovmskb_mm)
{
    union v128 s;
    MMX_CHECK(c);
    mm_get(c, i->rm, &s);
    simd_mmx_enter(c);
    c->s.gpr[i->reg] = msb_bytes(&s, 8);
}
static HANDLER(h_pmovmskb_xmm)
{
    union v128 s;
    simd_sse_check(c);
    xmm_get(c, i->rm, &s);
    c->s.gpr[i->reg] = msb_bytes(&s, 16);
}

/* ---- MOVQ2DQ / MOVDQ2Q: SSE checks, then the MMX ones (#MF) ---- */
static HANDLER(h_movq2dq)
{
    union v128 v;
    simd_sse_check(c);
    MMX_CHECK(c);
    mm_get(c, i->rm, &v);
    v.q[1] = 0;
    simd_mmx_enter(c);
    xmm_put(c, i->reg, &v);
}
static HANDLER(h_movdq2q)
{
    union v128 v;
    simd_sse_check(c);
    MMX_CHECK(c);
    xmm_get(c, i->rm, &v);
    simd_mmx_enter(c);
    mm_put(c, i->reg, &v);
}

/* ---- MASKMOVQ / MASKMOVDQU: bytes of reg whose mask (rm) MSB is set go to
 * DS:[eDI] (segment override allowed); unselected bytes are not accessed ---- */
static void maskmov(struct cpu *c, const struct x86_insn *i, const union v128 *v, const union v128 *m, unsigned n)
{
    u32 off = i->asize == 2 ? c->s.gpr[R_EDI] & 0xffff : c->s.gpr[R_EDI];
    u32 lin[16];
    for (unsigned k = 0; k < n; k++) /* check every selected byte first: no partial store on a fault */
        if (m->b[k] & 0x80) {
            lin[k] = cpu_seg_lin(c, i->seg, (off + k) & (i->asize == 2 ? 0xffff : 0xffffffffu), 1, SEGCHK_W);
            cpu_probe_write(c, lin[k], 1);
        }
    for (unsigned k = 0; k < n; k++)
        if (m->b[k] & 0x80) cpu_lwr8(c, lin[k], v->b[k]);
}
static HANDLER(h_maskmovq)
{
    union v128 v, m;
    MMX_CHECK(c);
    mm_get(c, i->reg, &v);
    mm_get(c, i->rm, &m);
    maskmov(c, i, &v, &m, 8);
    simd_mmx_enter(c);
}
static HANDLER(h_maskmovdqu)
{
    union v128 v, m;
    simd_sse_check(c);
    xmm_get(c, i->reg, &v);
    xmm_get(c, i->rm, &m);
    maskmov(c, i, &v, &m, 16);
}

#define REG_ONE(op, h) cpu_register1(X86_OP_##op, h)

void cpu_ops_mmx_init(void)
{
#define X(M, f) REG_ONE(M##_PqQq, h_mm_q); REG_ONE(M##_VdqWdq, h_xmm_op);
    PAIRS(X)
#undef X
#define X(M, f) REG_ONE(M##_PqQd, h_mm_d); REG_ONE(M##_VdqWdq, h_xmm_op);
    PAIRS_D(X)
#undef X
#define X(M, f) REG_ONE(M##_NqIb, h_mm_imm); REG_ONE(M##_UdqIb, h_xmm_imm);
    SHIFTS_IMM(X)
#undef X
    REG_ONE(PUNPCKLQDQ_VdqWdq, h_xmm_op);
    REG_ONE(PUNPCKHQDQ_VdqWdq, h_xmm_op);
    REG_ONE(PSRLDQ_UdqIb, h_xmm_imm);
    REG_ONE(PSLLDQ_UdqIb, h_xmm_imm);
    REG_ONE(EMMS, h_emms);
    REG_ONE(MOVD_PdEd, h_movd_PdEd);
    REG_ONE(MOVD_EdPd, h_movd_EdPd);
    REG_ONE(MOVQ_PqQq, h_movq_PqQq);
    REG_ONE(MOVQ_QqPq, h_movq_QqPq);
    REG_ONE(MOVNTQ_MqPq, h_movq_QqPq);
    REG_ONE(MOVD_VdEd, h_movd_VdEd);
    REG_ONE(MOVD_EdVd, h_movd_EdVd);
    REG_ONE(MOVQ_VqWq, h_movq_VqWq);
    REG_ONE(MOVQ_WqVq, h_movq_WqVq);
    REG_ONE(MOVDQA_VdqWdq, h_load_a);
    REG_ONE(MOVDQU_VdqWdq, h_load_u);
    REG_ONE(MOVDQA_WdqVdq, h_store_a);
    REG_ONE(MOVDQU_WdqVdq, h_store_u);
    REG_ONE(MOVNTDQ_MdqVdq, h_store_a);
    REG_ONE(MOVAPS_VpsWps, h_load_a);
    REG_ONE(MOVAPD_VpdWpd, h_load_a);
    REG_ONE(MOVUPS_VpsWps, h_load_u);
    REG_ONE(MOVUPD_VpdWpd, h_load_u);
    REG_ONE(MOVAPS_WpsVps, h_store_a);
    REG_ONE(MOVAPD_WpdVpd, h_store_a);
    REG_ONE(MOVUPS_WpsVps, h_store_u);
    REG_ONE(MOVUPD_WpdVpd, h_store_u);
    REG_ONE(MOVNTPS_MpsVps, h_store_a);
    REG_ONE(MOVNTPD_MpdVpd, h_store_a);
    REG_ONE(PSHUFW_PqQqIb, h_pshufw);
    REG_ONE(PSHUFD_VdqWdqIb, h_pshufx);
    REG_ONE(PSHUFHW_VdqWdqIb, h_pshufx);
    REG_ONE(PSHUFLW_VdqWdqIb, h_pshufx);
    REG_ONE(PINSRW_PqEdwIb, h_pinsrw_mm);
    REG_ONE(PINSRW_VdqEdwIb, h_pinsrw_xmm);
    REG_ONE(PEXTRW_GdNqIb, h_pextrw_mm);
    REG_ONE(PEXTRW_GdUdqIb, h_pextrw_xmm);
    REG_ONE(PMOVMSKB_GdNq, h_pmovmskb_mm);
    REG_ONE(PMOVMSKB_GdUdq, h_pmovmskb_xmm);
    REG_ONE(MOVQ2DQ_VdqNq, h_movq2dq);
    REG_ONE(MOVDQ2Q_PqUq, h_movdq2q);
    REG_ONE(MASKMOVQ_PqNq, h_maskmovq);
    REG_ONE(MASKMOVDQU_VdqUdq, h_maskmovdqu);
    ops_sse_mov_init();
    ops_fxsr_init();
}
