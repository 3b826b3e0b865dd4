/*
 * SSE/SSE2 floating point: arithmetic, square root, reciprocal estimates,
 * MIN/MAX, compares, COMIS/UCOMIS and every conversion.
 *
 * Each operation runs as the same instruction on the host's SSE unit
 * (x86-64 hosts have SSE2) with the guest's MXCSR rounding, FZ and DAZ
 * loaded and every exception masked; the host's flags are read back and the
 * host MXCSR is restored in the same asm block. This gives the hardware's
 * own results, NaN propagation, denormal handling and flags, bit for bit.
 * The guest's exception masks are then applied (SDM Vol. 1 11.5.1-11.5.2):
 *   - an unmasked pre-computation exception (IE, DE, ZE) sets the
 *     pre-computation flags found, writes nothing and raises;
 *   - else an unmasked post-computation exception (OE, UE, PE) sets those
 *     flags (and the masked pre-computation ones) and raises. With UM clear,
 *     UE means "tiny" even if exact: a second host run with FZ=1 finds
 *     tininess (FZ reports UE for every tiny result);
 *   - otherwise the result and the flags are committed.
 * The raise is #XM with CR4.OSXMMEXCPT=1, else #UD.
 * RCPPS/RSQRTPS give the host CPU's approximations (the SDM bounds only
 * their relative error; Intel CPUs agree with each other).
 */
#if !defined(__x86_64__) && !defined(__i386__)
#error "ops_sse.c runs SSE arithmetic on the host's SSE unit: x86 hosts only"
#endif
#include "cpu/simd.h"
#include "cpu/ops.h"
#include <float.h>
#include <math.h>

/* Host operations. */
enum hop {
#define FP4(M) H_##M##PS, H_##M##PD, H_##M##SS, H_##M##SD,
    FP4(ADD) FP4(SUB) FP4(MUL) FP4(DIV) FP4(MIN) FP4(MAX) FP4(SQRT)
#undef FP4
    H_RCPPS, H_RCPSS, H_RSQRTPS, H_RSQRTSS,
    H_CMPPS, H_CMPPD = H_CMPPS + 8, H_CMPSS = H_CMPPD + 8, H_CMPSD = H_CMPSS + 8, /* + predicate */
    H_CVTPS2PD = H_CMPSD + 8, H_CVTPD2PS, H_CVTSS2SD, H_CVTSD2SS, H_CVTDQ2PS, H_CVTPS2DQ, H_CVTTPS2DQ,
    H_CVTTPD2DQ, H_CVTDQ2PD, H_CVTPD2DQ,
    H_CVTSI2SS, H_CVTSI2SD,                             /* source: s->d[0] */
    H_CVTSS2SI, H_CVTTSS2SI, H_CVTSD2SI, H_CVTTSD2SI,   /* result: d->d[0] */
    H_COMISS, H_UCOMISS, H_COMISD, H_UCOMISD,           /* result: d->d[0] = ZF | PF<<1 | CF<<2 */
    H_COUNT
};

typedef double v2df __attribute__((vector_size(16)));

/* xmm d = insn(s, d) */
#define HX(insn) \
    __asm__ volatile("stmxcsr %[sv]\n\tldmxcsr %[g]\n\t" insn " %[s], %[d]\n\tstmxcsr %[o]\n\tldmxcsr %[sv]" \
                     : [d] "+x"(xd), [sv] "=m"(save), [o] "=m"(out) : [s] "x"(xs), [g] "m"(mx))
/* r32 = insn(s) */
#define HR(insn) \
    __asm__ volatile("stmxcsr %[sv]\n\tldmxcsr %[g]\n\t" insn " %[s], %[r]\n\tstmxcsr %[o]\n\tldmxcsr %[sv]" \
                     : [r] "=r"(r32), [sv] "=m"(save), [o] "=m"(out) : [s] "x"(xs), [g] "m"(mx))
/* xmm d = insn(r32) */
#define HI(insn) \
    __asm__ volatile("stmxcsr %[sv]\n\tldmxcsr %[g]\n\t" insn " %[r], %[d]\n\tstmxcsr %[o]\n\tldmxcsr %[sv]" \
                     : [d] "+x"(xd), [sv] "=m"(save), [o] "=m"(out) : [r] "r"(r32), [g] "m"(mx))
/* EFLAGS = insn(s, d) */
#define HC(insn) \
    __asm__ volatile("stmxcsr %[sv]\n\tldmxcsr %[g]\n\t" insn " %[s], %[d]\n\tsetz %[z]\n\tsetp %[p]\n\t" \
                     "setc %[cf]\n\tstmxcsr %[o]\n\tldmxcsr %[sv]" \
                     : [z] "=q"(z), [p] "=q"(pf), [cf] "=q"(cf), [sv] "=m"(save), [o] "=m"(out) \
                     : [s] "x"(xs), [d] "x"(xd), [g] "m"(mx) : "cc")
#define CMP8(h, insn) \
    case h + 0: HX(insn " $0,"); break; \
    case h + 1: HX(insn " $1,"); break; \
    case h + 2: HX(insn " $2,"); break; \
    case h + 3: HX(insn " $3,"); break; \
    case h + 4: HX(insn " $4,"); break; \
    case h + 5: HX(insn " $5,"); break; \
    case h + 6: HX(insn " $6,"); break; \
    case h + 7: HX(insn " $7,"); break;
#define FP4(M, m) \
    case H_##M##PS: HX(m "ps"); break; \
    case H_##M##PD: HX(m "pd"); break; \
    case H_##M##SS: HX(m "ss"); break; \
    case H_##M##SD: HX(m "sd"); break;

/* Run one operation on the host with MXCSR mx; returns the host's MXCSR after it. */
static u32 host_run(unsigned h, u32 mx, union v128 *d, const union v128 *s)
{
    v2df xd, xs;
    u32 save, out = 0, r32 = s->d[0];
    u8 z = 0, pf = 0, cf = 0;
    memcpy(&xd, d->b, 16);
    memcpy(&xs, s->b, 16);
    switch (h) {
    FP4(ADD, "add") FP4(SUB, "sub") FP4(MUL, "mul") FP4(DIV, "div")
    FP4(MIN, "min") FP4(MAX, "max") FP4(SQRT, "sqrt")
    case H_RCPPS: HX("rcpps"); break;
    case H_RCPSS: HX("rcpss"); break;
    case H_RSQRTPS: HX("rsqrtps"); break;
    case H_RSQRTSS: HX("rsqrtss"); break;
    CMP8(H_CMPPS, "cmpps") CMP8(H_CMPPD, "cmppd") CMP8(H_CMPSS, "cmpss") CMP8(H_CMPSD, "cmpsd")
    case H_CVTPS2PD: HX("cvtps2pd"); break;
    case H_CVTPD2PS: HX("cvtpd2ps"); break;
    case H_CVTSS2SD: HX("cvtss2sd"); break;
    case H_CVTSD2SS: HX("cvtsd2ss"); break;
    case H_CVTDQ2PS: HX("cvtdq2ps"); break;
    case H_CVTPS2DQ: HX("cvtps2dq"); break;
    case H_CVTTPS2DQ: HX("cvttps2dq"); break;
    case H_CVTTPD2DQ: HX("cvttpd2dq"); break;
    case H_CVTDQ2PD: HX("cvtdq2pd"); break;
    case H_CVTPD2DQ: HX("cvtpd2dq"); break;
    case H_CVTSI2SS: HI("cvtsi2ssl"); break;
    case H_CVTSI2SD: HI("cvtsi2sdl"); break;
    case H_CVTSS2SI: HR("cvtss2si"); break;
    case H_CVTTSS2SI: HR("cvttss2si"); break;
    case H_CVTSD2SI: HR("cvtsd2si"); break;
    case H_CVTTSD2SI: HR("cvttsd2si"); break;
    case H_COMISS: HC("comiss"); break;
    case H_UCOMISS: HC("ucomiss"); break;
    case H_COMISD: HC("comisd"); break;
    case H_UCOMISD: HC("ucomisd"); break;
    }
    (void)save;
    memcpy(d->b, &xd, 16);
    if (h >= H_CVTSS2SI && h <= H_CVTTSD2SI) d->d[0] = r32;
    if (h >= H_COMISS) d->d[0] = (u32)z | (u32)pf << 1 | (u32)cf << 2;
    return out;
}

/*
 * PE with an unmasked overflow or underflow: the SDM defines it on the result
 * rounded with an unbounded exponent, which the masked run (that delivers
 * infinity/max or a denormal) does not show. Each lane is redone as a scalar
 * operation on operands scaled by powers of two (exact) so that its result is
 * a normal number with the same significand: the host's PE for that run is
 * the lane's PE. Other lanes (also those whose overflow or underflow is
 * masked: the masked response sets PE) keep the masked run's PE.
 * Returns the PE flag, or the masked run's for operations not listed.
 */
static bool lane_scaled_pe(unsigned h, u32 hm, double a, double b, bool dbl)
{
    int ea, eb;
    double ma = frexp(a, &ea), mb = frexp(b, &eb);
    union v128 x = {.q = {0, 0}}, y = {.q = {0, 0}};
    switch (h) {
    case H_ADDSS: case H_ADDSD: case H_SUBSS: case H_SUBSD: {
        int m = a == 0 ? eb : b == 0 ? ea : ea > eb ? ea : eb; /* exponent of the larger non-zero operand */
        double sa = ldexp(a, -m), sb = ldexp(b, -m), lim = dbl ? DBL_MIN : FLT_MIN;
        /* an operand that no longer fits is far below an ulp of the other: inexact */
        if ((a != 0 && fabs(sa) < lim) || (b != 0 && fabs(sb) < lim)) return true;
        a = sa;
        b = sb;
        break;
    }
    case H_MULSS: case H_MULSD: case H_DIVSS: case H_DIVSD:
        a = ma;
        b = mb;
        break;
    default: /* conversions: h is the double -> float one */
        a = ma;
        break;
    }
    if (dbl) {
        memcpy(x.b, &a, 8);
        memcpy(y.b, &b, 8);
    } else {
        float fa = (float)a, fb = (float)b; /* exact: the scaled values are float-sized */
        memcpy(x.b, &fa, 4);
        memcpy(y.b, &fb, 4);
    }
    if (h == H_CVTSD2SS) memcpy(y.b, &a, 8);
    /* an unbounded result is never flushed; DAZ was applied to a and b already */
    return host_run(h, hm & ~(MXCSR_FZ | MXCSR_DAZ), &x, &y) & MXCSR_PE;
}

static u32 unbounded_pe(unsigned h, u32 hm, u32 unm, const union v128 *d, const union v128 *s, u32 f)
{
    unsigned sh, lanes;
    bool dbl;
    switch (h) {
#define SC(M)     case H_##M##PS: sh = H_##M##SS; lanes = 4; dbl = false; break;     case H_##M##SS: sh = h; lanes = 1; dbl = false; break;     case H_##M##PD: sh = H_##M##SD; lanes = 2; dbl = true; break;     case H_##M##SD: sh = h; lanes = 1; dbl = true; break;
    SC(ADD) SC(SUB) SC(MUL) SC(DIV)
#undef SC
    case H_CVTPD2PS: sh = H_CVTSD2SS; lanes = 2; dbl = true; break;
    case H_CVTSD2SS: sh = h; lanes = 1; dbl = true; break;
    default: return f & MXCSR_PE;
    }
    u32 pe = 0;
    for (unsigned k = 0; k < lanes; k++) {
        union v128 x = {.q = {0, 0}}, y = {.q = {0, 0}};
        double a, b = 0;
        if (dbl) {
            memcpy(x.b, d->b + 8 * k, 8);
            memcpy(y.b, s->b + 8 * k, 8);
            memcpy(&a, x.b, 8);
            memcpy(&b, y.b, 8);
        } else {
            float fa, fb;
            memcpy(x.b, d->b + 4 * k, 4);
            memcpy(y.b, s->b + 4 * k, 4);
            memcpy(&fa, x.b, 4);
            memcpy(&fb, y.b, 4);
            a = fa;
            b = fb;
        }
        if (sh == H_CVTSD2SS) a = b; /* the conversion's source is s */
        union v128 t = x;
        u32 lf = host_run(sh, hm, &t, &y);
        t = x;
        bool tiny = host_run(sh, hm | MXCSR_FZ, &t, &y) & MXCSR_UE;
        /* denormal operands under DAZ count as zero */
        if ((hm & MXCSR_DAZ) && fpclassify(a) == FP_SUBNORMAL) a = copysign(0, a);
        if ((hm & MXCSR_DAZ) && fpclassify(b) == FP_SUBNORMAL) b = copysign(0, b);
        /* a masked overflow/underflow response sets PE itself (lf) */
        if (((lf & MXCSR_OE) && (unm & MXCSR_OE)) || (tiny && (unm & MXCSR_UE))) pe |= lane_scaled_pe(sh, hm, a, b, dbl && sh != H_CVTSD2SS) ? MXCSR_PE : 0;
        else pe |= lf & MXCSR_PE;
    }
    return pe;
}

/* Execute h on d (the destination's value) and s under the guest's MXCSR
 * with its masks; on success d holds the result and MXCSR the new flags. */
static void sse_exec(struct cpu *c, unsigned h, union v128 *d, const union v128 *s)
{
    u32 g = c->s.fpu.mxcsr;
    u32 hm = (g & (MXCSR_DAZ | MXCSR_RC | MXCSR_FZ)) | MXCSR_MASKS;
    union v128 r = *d;
    u32 f = host_run(h, hm, &r, s) & MXCSR_FLAGS;
    u32 unm = ~(g >> 7) & MXCSR_FLAGS;
    if (unlikely(unm & (f | MXCSR_UE))) {
        const u32 pre_bits = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
        u32 pre = f & pre_bits;
        if (pre & unm) {
            c->s.fpu.mxcsr |= pre;
            simd_raise_xm(c);
        }
        u32 post = f & (MXCSR_OE | MXCSR_PE | MXCSR_UE);
        if (unm & MXCSR_UE) {
            union v128 t = *d;
            if (host_run(h, hm | MXCSR_FZ, &t, s) & MXCSR_UE) post |= MXCSR_UE;
        }
        if ((post & unm & (MXCSR_OE | MXCSR_UE)))
            post = (post & ~MXCSR_PE) | unbounded_pe(h, hm, unm, d, s, f);
        if (post & unm) {
            c->s.fpu.mxcsr |= pre | post;
            simd_raise_xm(c);
        }
    }
    c->s.fpu.mxcsr |= f;
    *d = r;
}

/* ---- form -> host operation, operand size and alignment ---- */
struct fpform {
    u8 hop;      /* enum hop (CMP: base, + predicate) */
    u8 size;     /* memory operand size */
    u8 kind;     /* K_* below */
};
enum {
    K_XX,        /* xmm = op(xmm, xmm/m) */
    K_CMP,       /* the same with a predicate imm8 */
    K_COMI,      /* EFLAGS = op(xmm, xmm/m) */
    K_SI2S,      /* xmm = op(r/m32) */
    K_S2SI,      /* r32 = op(xmm/m) */
    K_PI2P,      /* xmm = op(mm/m64) (CVTPI2PS/PD) */
    K_P2PI,      /* mm = op(xmm/m) (CVT[T]PS2PI/PD2PI) */
};
#define P4(M) \
    [X86_OP_##M##PS_VpsWps] = {H_##M##PS, 16, K_XX}, [X86_OP_##M##PD_VpdWpd] = {H_##M##PD, 16, K_XX}, \
    [X86_OP_##M##SS_VssWss] = {H_##M##SS, 4, K_XX}, [X86_OP_##M##SD_VsdWsd] = {H_##M##SD, 8, K_XX},
static const struct fpform fp[X86_OP_COUNT] = {
    P4(ADD) P4(SUB) P4(MUL) P4(DIV) P4(MIN) P4(MAX) P4(SQRT)
    [X86_OP_RCPPS_VpsWps] = {H_RCPPS, 16, K_XX}, [X86_OP_RCPSS_VssWss] = {H_RCPSS, 4, K_XX},
    [X86_OP_RSQRTPS_VpsWps] = {H_RSQRTPS, 16, K_XX}, [X86_OP_RSQRTSS_VssWss] = {H_RSQRTSS, 4, K_XX},
    [X86_OP_CMPPS_VpsWpsIb] = {H_CMPPS, 16, K_CMP}, [X86_OP_CMPPD_VpdWpdIb] = {H_CMPPD, 16, K_CMP},
    [X86_OP_CMPSS_VssWssIb] = {H_CMPSS, 4, K_CMP}, [X86_OP_CMPSD_VsdWsdIb] = {H_CMPSD, 8, K_CMP},
    [X86_OP_CVTPS2PD_VpdWq] = {H_CVTPS2PD, 8, K_XX}, [X86_OP_CVTPD2PS_VpsWpd] = {H_CVTPD2PS, 16, K_XX},
    [X86_OP_CVTSS2SD_VsdWss] = {H_CVTSS2SD, 4, K_XX}, [X86_OP_CVTSD2SS_VssWsd] = {H_CVTSD2SS, 8, K_XX},
    [X86_OP_CVTDQ2PS_VpsWdq] = {H_CVTDQ2PS, 16, K_XX}, [X86_OP_CVTPS2DQ_VdqWps] = {H_CVTPS2DQ, 16, K_XX},
    [X86_OP_CVTTPS2DQ_VdqWps] = {H_CVTTPS2DQ, 16, K_XX}, [X86_OP_CVTTPD2DQ_VdqWpd] = {H_CVTTPD2DQ, 16, K_XX},
    [X86_OP_CVTDQ2PD_VpdWq] = {H_CVTDQ2PD, 8, K_XX}, [X86_OP_CVTPD2DQ_VdqWpd] = {H_CVTPD2DQ, 16, K_XX},
    [X86_OP_CVTSI2SS_VssEd] = {H_CVTSI2SS, 4, K_SI2S}, [X86_OP_CVTSI2SD_VsdEd] = {H_CVTSI2SD, 4, K_SI2S},
    [X86_OP_CVTSS2SI_GdWss] = {H_CVTSS2SI, 4, K_S2SI}, [X86_OP_CVTTSS2SI_GdWss] = {H_CVTTSS2SI, 4, K_S2SI},
    [X86_OP_CVTSD2SI_GdWsd] = {H_CVTSD2SI, 8, K_S2SI}, [X86_OP_CVTTSD2SI_GdWsd] = {H_CVTTSD2SI, 8, K_S2SI},
    [X86_OP_COMISS_VssWss] = {H_COMISS, 4, K_COMI}, [X86_OP_UCOMISS_VssWss] = {H_UCOMISS, 4, K_COMI},
    [X86_OP_COMISD_VsdWsd] = {H_COMISD, 8, K_COMI}, [X86_OP_UCOMISD_VsdWsd] = {H_UCOMISD, 8, K_COMI},
    /* MMX-integer sources and destinations go through the packed dword forms:
     * the upper lanes are zero, which converts exactly and raises nothing */
    [X86_OP_CVTPI2PS_VpsQq] = {H_CVTDQ2PS, 8, K_PI2P}, [X86_OP_CVTPI2PD_VpdQq] = {H_CVTDQ2PD, 8, K_PI2P},
    [X86_OP_CVTPS2PI_PqWq] = {H_CVTPS2DQ, 8, K_P2PI}, [X86_OP_CVTTPS2PI_PqWq] = {H_CVTTPS2DQ, 8, K_P2PI},
    [X86_OP_CVTPD2PI_PqWpd] = {H_CVTPD2DQ, 16, K_P2PI}, [X86_OP_CVTTPD2PI_PqWpd] = {H_CVTTPD2DQ, 16, K_P2PI},
};
#undef P4

/* The W source: 16-byte memory operands must be aligned. */
static inline void w_src(struct cpu *c, const struct x86_insn *i, union v128 *s, unsigned size)
{
    xmm_src(c, i, s, size, size == 16);
}

static HANDLER(h_fp)
{
    const struct fpform *f = &fp[i->op];
    union v128 d, s;
    simd_sse_check(c);
    w_src(c, i, &s, f->size);
    xmm_get(c, i->reg, &d);
    sse_exec(c, f->hop + (f->kind == K_CMP ? (i->imm & 7) : 0), &d, &s);
    xmm_put(c, i->reg, &d);
}

static HANDLER(h_comi)
{
    const struct fpform *f = &fp[i->op];
    union v128 d, s;
    simd_sse_check(c);
    w_src(c, i, &s, f->size);
    xmm_get(c, i->reg, &d);
    sse_exec(c, f->hop, &d, &s);
    u32 zpc = d.d[0];
    flags_put(c, (zpc & 1 ? FL_ZF : 0) | (zpc & 2 ? FL_PF : 0) | (zpc & 4 ? FL_CF : 0), FL_ARITH);
}

static HANDLER(h_si2s)
{
    const struct fpform *f = &fp[i->op];
    union v128 d, s = {.q = {0, 0}};
    simd_sse_check(c);
    if (i->mod == 3) s.d[0] = c->s.gpr[i->rm];
    else simd_read(c, i, &s, 4, false);
    xmm_get(c, i->reg, &d);
    sse_exec(c, f->hop, &d, &s);
    xmm_put(c, i->reg, &d);
}

static HANDLER(h_s2si)
{
    const struct fpform *f = &fp[i->op];
    union v128 d = {.q = {0, 0}}, s;
    simd_sse_check(c);
    w_src(c, i, &s, f->size);
    sse_exec(c, f->hop, &d, &s);
    c->s.gpr[i->reg] = d.d[0];
}

/* CVTPI2PS/CVTPI2PD xmm, mm/m64: an mm source is an MMX access (#MF, MMX mode) */
static HANDLER(h_pi2p)
{
    const struct fpform *f = &fp[i->op];
    union v128 d, s, r = {.q = {0, 0}};
    simd_sse_check(c);
    if (i->mod == 3) MMX_CHECK(c);
    mm_src(c, i, &s, 8);
    s.q[1] = 0;
    if (i->mod == 3) simd_mmx_enter(c); /* before a SIMD exception, as on hardware */
    sse_exec(c, f->hop, &r, &s);
    xmm_get(c, i->reg, &d);
    if (i->op == X86_OP_CVTPI2PS_VpsQq) d.q[0] = r.q[0]; /* the upper two floats stay */
    else d = r;
    xmm_put(c, i->reg, &d);
}

/* CVT[T]PS2PI mm, xmm/m64 and CVT[T]PD2PI mm, xmm/m128 */
static HANDLER(h_p2pi)
{
    const struct fpform *f = &fp[i->op];
    union v128 d = {.q = {0, 0}}, s;
    simd_sse_check(c);
    MMX_CHECK(c);
    w_src(c, i, &s, f->size);
    if (f->size == 8) s.q[1] = 0;
    simd_mmx_enter(c); /* before a SIMD exception, as on hardware */
    sse_exec(c, f->hop, &d, &s);
    mm_put(c, i->reg, &d);
}

void cpu_ops_sse_init(void)
{
    static const cpu_handler by_kind[] = {
        [K_XX] = h_fp, [K_CMP] = h_fp, [K_COMI] = h_comi, [K_SI2S] = h_si2s,
        [K_S2SI] = h_s2si, [K_PI2P] = h_pi2p, [K_P2PI] = h_p2pi,
    };
    for (unsigned op = 0; op < X86_OP_COUNT; op++)
        if (fp[op].size) cpu_register1((enum x86_op)op, by_kind[fp[op].kind]);
}
