/*
 * sse_hostcmp: every MMX, SSE and SSE2 form against the host CPU.
 *
 * The forms come from the decoder table itself: every 0F opcode behind every
 * mandatory prefix (none/66/F3/F2) and every ModRM.reg is decoded, and each
 * form with an MMX/XMM operand (and EMMS, MOVNTI, LDMXCSR, STMXCSR, the
 * fences, CLFLUSH) is run with a register and with a memory operand ([esi],
 * 16-byte aligned). FXSAVE/FXRSTOR are covered by tests/unit/test_sse_fxsr.c.
 *
 * Each case loads the same random state into the interpreter and into the
 * host (FXRSTOR of one image: mm0-7 with a random TOS and tag word, xmm0-7,
 * MXCSR; the GPRs; a 4 KiB memory window) and runs the instruction once on
 * each. Operands: float/double lanes drawn from zeros, denormals, the
 * smallest and largest normals, infinities, quiet and signalling NaNs,
 * integers' edges and random bits; MXCSR with every rounding mode, FZ and
 * DAZ on and off, all exceptions masked or a random set unmasked, random
 * sticky flags. The host runs 64-bit code: with register operands and [rsi]
 * for [esi] the encodings mean the same there (no REX prefix is needed for
 * eax-ebp, mm0-7, xmm0-7).
 *
 * Compared: xmm0-7, mm0-7 (all 80 bits of the registers, in stack order),
 * TOS and the abridged tag word, MXCSR, eax/ecx/edx/ebx/ebp, EFLAGS for
 * COMIS/UCOMIS, the memory window, and the outcome: an unmasked exception
 * is SIGFPE on the host (state taken from the signal frame: nothing written,
 * flags set) and #XM in the guest (CR4.OSXMMEXCPT=1); LDMXCSR with reserved
 * bits is SIGSEGV (#GP) on the host and #GP in the guest.
 *
 * Then FXRSTOR's rebuilding of the full tag word: random images through
 * FXRSTOR and FNSTENV on the host vs fxsr_load_image (run_fxrstor_tags).
 *
 * VD_SSECMP_N: cases per form and operand kind (default 600; 20 times as
 * many FXRSTOR images); VD_SSECMP_SEED.
 */
#define _GNU_SOURCE
#include "test_ops_util.h"
#include "cpu/simd.h"
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <sys/mman.h>

#define GWIN 0x100000u   /* guest address of the memory window */
#define WSIZE 0x1000u

/* ---------------- random values ---------------- */
static u64 rng = 0x2545f4914f6cdd1dull;
static u64 rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static const u32 f32s[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x00000001, 0x007fffff, 0x80400000, 0x00800000,
    0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345,
    0x7f800001, 0xffa00000, 0x7f000000, 0x00ffffff, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001,
    0x3f000000, 0x40200000, 0xbfb00000, 0x33800000, 0x0d800000, 0x72800000,
};
static const u64 f64s[] = {
    0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff8000000000000ull, 1, 0x000fffffffffffffull,
    0x8008000000000000ull, 0x0010000000000000ull, 0x7fefffffffffffffull, 0xffefffffffffffffull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
    0x7ff0000000000001ull, 0x7ff4000000000000ull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
    0x41dfffffffc00000ull, 0xc1e0000000200000ull, 0x3fe0000000000000ull, 0x4004000000000000ull,
    0x47efffffe0000000ull, 0x3810000000000000ull, 0x36a0000000000000ull, 0x47f0000000000000ull,
    0x380fffffffffffffull, 0x3e80000000000000ull,
};
static const u32 ints[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 16, 15, 31, 32, 63, 64};
static u32 f32(void)
{
    u64 k = rnd() % 8;
    if (k < 5) return f32s[rnd() % ARRAY_SIZE(f32s)];
    if (k == 5) return (u32)rnd() & 0x807fffffu; /* denormal */
    return (u32)rnd();
}
static u64 f64(void)
{
    u64 k = rnd() % 8;
    if (k < 5) return f64s[rnd() % ARRAY_SIZE(f64s)];
    if (k == 5) return rnd() & 0x800fffffffffffffull;
    if (k == 6) return (rnd() & 0x800fffffffffffffull) | ((u64)(0x3c0 + rnd() % 0x80) << 52); /* near 1 */
    return rnd();
}
static void val128(u8 *p)
{
    switch (rnd() % 5) {
    case 0: for (int k = 0; k < 4; k++) st32(p + 4 * k, f32()); break;
    case 1: for (int k = 0; k < 2; k++) st64(p + 8 * k, f64()); break;
    case 2: for (int k = 0; k < 4; k++) st32(p + 4 * k, rnd() % 2 ? ints[rnd() % ARRAY_SIZE(ints)] : (u32)rnd()); break;
    case 3: for (int k = 0; k < 8; k++) p[2 * k] = (u8)rnd(), p[2 * k + 1] = rnd() % 2 ? 0 : 0xff; break;
    default: for (int k = 0; k < 2; k++) st64(p + 8 * k, rnd()); break;
    }
}
static u32 mxcsr_rand(void)
{
    u32 m = (u32)(rnd() % 4) << 13;
    if (rnd() % 2) m |= MXCSR_FZ;
    if (rnd() % 2) m |= MXCSR_DAZ;
    m |= rnd() % 5 < 3 ? MXCSR_MASKS : (u32)(rnd() & 0x3f) << 7;
    if (rnd() % 4 == 0) m |= (u32)rnd() & 0x3f;
    return m;
}

/* ---------------- the forms ---------------- */
struct form {
    u16 op;
    u8 bytes[8], len;   /* prefix, 0F, opcode, ModRM, imm8 */
    bool mem, group, imm;
};
static struct form forms[1024];
static int nforms;

static bool wanted(unsigned op)
{
    const struct x86_form *f = &x86_forms[op];
    if (op == X86_OP_FXSAVE_M || op == X86_OP_FXRSTOR_M || op == X86_OP_UD) return false;
    for (int k = 0; k < 3; k++)
        if (x86_simd_opnd(f->opnd[k], NULL) != XK_NONE && f->opnd[k] != O_Ed && f->opnd[k] != O_Gd) return true;
    return op == X86_OP_EMMS || op == X86_OP_MOVNTI_MdGd || op == X86_OP_LDMXCSR_Md || op == X86_OP_STMXCSR_Md ||
           op == X86_OP_LFENCE || op == X86_OP_MFENCE || op == X86_OP_SFENCE || op == X86_OP_CLFLUSH_Mb;
}

static void find_forms(void)
{
    static const int pfx[4] = {-1, 0x66, 0xF3, 0xF2};
    static bool seen[X86_OP_COUNT][2];
    for (int p = 0; p < 4; p++)
        for (int opc = 0; opc < 256; opc++)
            for (int reg = 0; reg < 8; reg++)
                for (int mem = 0; mem < 2; mem++) {
                    u8 b[16] = {0};
                    int n = 0;
                    if (pfx[p] >= 0) b[n++] = (u8)pfx[p];
                    b[n++] = 0x0F;
                    b[n++] = (u8)opc;
                    b[n] = (u8)(mem ? (reg << 3) | 6 : 0xC0 | (reg << 3) | 1);
                    struct x86_insn in;
                    int len = x86_decode(b, 16, X86_MODE_32, &in);
                    if (len <= 0 || !wanted(in.op) || seen[in.op][mem] || (in.mod != 3) != mem) continue;
                    seen[in.op][mem] = true;
                    struct form *f = &forms[nforms++];
                    f->op = in.op;
                    memcpy(f->bytes, b, 8);
                    f->len = (u8)len;
                    f->mem = mem;
                    f->group = opc >= 0x71 && opc <= 0x73;
                    f->imm = len == n + 2;
                }
}

/* ---------------- the host side ---------------- */
struct hstate {
    u8 fx[512];          /* FXSAVE image */
    u32 gpr[8];          /* eax..edi (esp, esi, edi unused) */
    u32 efl;
    u32 host_mxcsr;
};
static u8 *hcode, *hwin;
static u8 sig_fx[512];
static sigjmp_buf host_jb;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)si;
    if (uc->uc_mcontext.fpregs) memcpy(sig_fx, uc->uc_mcontext.fpregs, 512);
    siglongjmp(host_jb, sig);
}

/* mov r32, [r12 + d] / mov [r12 + d], r32 */
static u8 *r12_mov(u8 *p, u8 op, int reg, u32 d)
{
    *p++ = 0x41;
    *p++ = op;
    *p++ = (u8)(0x84 | (reg << 3));
    *p++ = 0x24;
    st32(p, d);
    return p + 4;
}
static void host_build(const u8 *insn, int len)
{
    u8 *p = hcode;
    static const u8 pro[] = {0x53, 0x55, 0x41, 0x54, 0x49, 0x89, 0xfc, /* push rbx, rbp, r12; mov r12, rdi */
                             0x41, 0x0f, 0xae, 0x0c, 0x24};             /* fxrstor [r12] */
    memcpy(p, pro, sizeof(pro));
    p += sizeof(pro);
    for (int r = 0; r < 6; r++)
        if (r != 4) p = r12_mov(p, 0x8b, r, offsetof(struct hstate, gpr) + 4 * r);
    *p++ = 0x48; *p++ = 0xbe; st64(p, (u64)(uintptr_t)hwin); p += 8;          /* mov rsi, window */
    *p++ = 0x48; *p++ = 0xbf; st64(p, (u64)(uintptr_t)hwin + 0x800); p += 8;  /* mov rdi, window + 0x800 */
    memcpy(p, insn, (size_t)len);
    p += len;
    for (int r = 0; r < 6; r++)
        if (r != 4) p = r12_mov(p, 0x89, r, offsetof(struct hstate, gpr) + 4 * r);
    *p++ = 0x9c; *p++ = 0x58;                                               /* pushfq; pop rax */
    p = r12_mov(p, 0x89, 0, offsetof(struct hstate, efl));
    static const u8 epi[] = {0x41, 0x0f, 0xae, 0x04, 0x24, /* fxsave [r12] */
                             0xdb, 0xe3,                   /* fninit */
                             0x41, 0x0f, 0xae, 0x94, 0x24, /* ldmxcsr [r12 + host_mxcsr] */
                             0, 0, 0, 0,
                             0x41, 0x5c, 0x5d, 0x5b, 0xc3}; /* pop r12, rbp, rbx; ret */
    memcpy(p, epi, sizeof(epi));
    st32(p + 12, offsetof(struct hstate, host_mxcsr));
}

static int host_exec(struct hstate *h)
{
    int sig = sigsetjmp(host_jb, 1);
    if (sig) {
        __asm__ volatile("fninit; emms");
        memcpy(h->fx, sig_fx, 512);
        return sig;
    }
    ((void (*)(struct hstate *))(void *)hcode)(h);
    return 0;
}

/* ---------------- one case ---------------- */
static unsigned long ncases, nfail, nxm;

static bool is_comi(unsigned op)
{
    return op == X86_OP_COMISS_VssWss || op == X86_OP_UCOMISS_VssWss || op == X86_OP_COMISD_VsdWsd ||
           op == X86_OP_UCOMISD_VsdWsd;
}

static void fail(const struct form *f, const u8 *insn, int len, const char *what, u32 mx)
{
    static unsigned shown[X86_OP_COUNT];
    nfail++;
    if (shown[f->op]++ >= 3) return;
    printf("  %s mxcsr=%04x %s:", x86_forms[f->op].name, mx, what);
    for (int k = 0; k < len; k++) printf(" %02x", insn[k]);
    printf("\n");
}

static void run_case(const struct form *f)
{
    u8 insn[16];
    int len = f->len;
    memcpy(insn, f->bytes, 8);
    int mpos = len - 1 - f->imm; /* the ModRM byte */
    if (f->imm) insn[len - 1] = (u8)rnd();
    if (f->op == X86_OP_CMPPS_VpsWpsIb || f->op == X86_OP_CMPPD_VpdWpdIb || f->op == X86_OP_CMPSS_VssWssIb ||
        f->op == X86_OP_CMPSD_VsdWsdIb)
        if (rnd() % 4) insn[len - 1] &= 7;
    if (f->group && rnd() % 2) insn[len - 1] &= 0x1f;
    /* random registers; fields that name a GPR stay within eax-ebp minus esp */
    static const u8 gprs[5] = {0, 1, 2, 3, 5};
    const struct x86_form *xf = &x86_forms[f->op];
    bool greg = false, grm = false;
    for (int k = 0; k < 3; k++) {
        enum x86_simd_kind sk = x86_simd_opnd(xf->opnd[k], NULL);
        greg |= sk == XK_GPR;
        grm |= sk == XK_GPR_RM;
    }
    u8 m = insn[mpos];
    unsigned reg = (m >> 3) & 7, rm = m & 7;
    if (!f->group && f->op != X86_OP_LDMXCSR_Md && f->op != X86_OP_STMXCSR_Md && f->op != X86_OP_CLFLUSH_Mb &&
        f->op != X86_OP_LFENCE && f->op != X86_OP_MFENCE && f->op != X86_OP_SFENCE && f->op != X86_OP_EMMS)
        reg = greg ? gprs[rnd() % 5] : rnd() % 8;
    if (!f->mem) rm = grm ? gprs[rnd() % 5] : rnd() % 8;
    if (f->op != X86_OP_EMMS) insn[mpos] = (u8)((m & 0xc0) | (reg << 3) | rm);

    /* the state */
    static struct hstate h;
    u8 win[WSIZE];
    memset(&h, 0, sizeof(h));
    u32 mx = mxcsr_rand();
    unsigned top = rnd() % 8;
    u16 ftw = 0;
    u8 st[8][10], xmm[8][16];
    for (int r = 0; r < 8; r++) {
        u8 tmp[16];
        val128(tmp);
        memcpy(st[r], tmp, 8);
        st16(st[r] + 8, rnd() % 2 ? 0xffff : (u16)rnd());
        val128(xmm[r]);
        unsigned t = rnd() % 4 ? 0 : 3; /* valid or empty: FXRSTOR rebuilds the rest */
        ftw |= (u16)(t << (2 * r));
    }
    for (unsigned k = 0; k < WSIZE; k += 16) val128(win + k);
    if (f->op == X86_OP_LDMXCSR_Md && rnd() % 4) st32(win, mxcsr_rand());
    u32 gpr[8];
    for (int r = 0; r < 8; r++) gpr[r] = rnd() % 2 ? ints[rnd() % ARRAY_SIZE(ints)] : (u32)rnd();

    /* host */
    st16(h.fx + 0, 0x037f);
    st16(h.fx + 2, (u16)(top << 11));
    u8 ab = 0;
    for (int r = 0; r < 8; r++)
        if (((ftw >> (2 * r)) & 3) != 3) ab |= (u8)(1 << r);
    h.fx[4] = ab;
    st32(h.fx + 24, mx);
    st32(h.fx + 28, 0xffff);
    for (unsigned k = 0; k < 8; k++) memcpy(h.fx + 32 + 16 * k, st[(top + k) & 7], 10);
    for (int r = 0; r < 8; r++) memcpy(h.fx + 160 + 16 * r, xmm[r], 16);
    memcpy(h.gpr, gpr, sizeof(gpr));
    h.host_mxcsr = 0x1f80;
    memcpy(hwin, win, WSIZE);
    host_build(insn, len);
    int sig = host_exec(&h);

    /* guest */
    tv_reset();
    struct cpu *c = tv;
    c->s.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    c->s.cr0 &= ~(CR0_EM | CR0_TS);
    c->s.fpu.fcw = 0x037f;
    c->s.fpu.fsw = (u16)(top << 11);
    c->s.fpu.ftw = 0;
    for (int r = 0; r < 8; r++) c->s.fpu.ftw |= (u16)(((ab >> r) & 1 ? 0u : 3u) << (2 * r));
    memcpy(c->s.fpu.st, st, sizeof(st));
    memcpy(c->s.fpu.xmm, xmm, sizeof(xmm));
    c->s.fpu.mxcsr = mx;
    memcpy(c->s.gpr, gpr, sizeof(gpr));
    c->s.gpr[R_ESP] = TV_STACK;
    c->s.gpr[R_ESI] = GWIN;
    c->s.gpr[R_EDI] = GWIN + 0x800;
    memcpy(tv_ram + GWIN, win, WSIZE);
    int vec = tv_run(insn, (unsigned)len, 1);
    ncases++;

    int want = sig == SIGFPE ? 1 + EXC_XM : sig == SIGSEGV ? 1 + EXC_GP : sig ? -1 : 0;
    if (vec != want) {
        char w[64];
        snprintf(w, sizeof(w), "outcome: guest %d, host signal %d", vec - 1, sig);
        fail(f, insn, len, w, mx);
        return;
    }
    nxm += sig == SIGFPE;
    if (sig == SIGSEGV) return; /* the frame holds the host's pre-fault state; nothing changed in the guest */
    /* compare */
    const struct fpu_state *g = &c->s.fpu;
    unsigned gtop = (g->fsw >> 11) & 7;
    u8 gab = 0;
    for (int r = 0; r < 8; r++)
        if (((g->ftw >> (2 * r)) & 3) != 3) gab |= (u8)(1 << r);
    if (ld32(h.fx + 24) != g->mxcsr) {
        char w[128];
        snprintf(w, sizeof(w), "MXCSR host %04x guest %04x (xmm%u %016llx xmm%u %016llx)", ld32(h.fx + 24), g->mxcsr,
                 reg, (unsigned long long)ld64(xmm[reg]), rm, (unsigned long long)ld64(xmm[rm]));
        fail(f, insn, len, w, mx);
        return;
    }
    if (((ld16(h.fx + 2) >> 11) & 7) != gtop || h.fx[4] != gab) {
        char w[80];
        snprintf(w, sizeof(w), "TOS/tags host %u/%02x guest %u/%02x (before %u/%02x)", (ld16(h.fx + 2) >> 11) & 7,
                 h.fx[4], gtop, gab, top, ab);
        fail(f, insn, len, w, mx);
        return;
    }
    for (unsigned k = 0; k < 8; k++)
        if (memcmp(h.fx + 32 + 16 * k, g->st[(gtop + k) & 7], 10)) {
            char w[64];
            snprintf(w, sizeof(w), "ST%u/mm: host %016llx guest %016llx", k,
                     (unsigned long long)ld64(h.fx + 32 + 16 * k), (unsigned long long)ld64(g->st[(gtop + k) & 7]));
            fail(f, insn, len, w, mx);
            return;
        }
    for (int r = 0; r < 8; r++)
        if (memcmp(h.fx + 160 + 16 * r, g->xmm[r], 16)) {
            char w[96];
            snprintf(w, sizeof(w), "xmm%d: host %016llx%016llx guest %016llx%016llx", r,
                     (unsigned long long)ld64(h.fx + 168 + 16 * r), (unsigned long long)ld64(h.fx + 160 + 16 * r),
                     (unsigned long long)ld64(g->xmm[r] + 8), (unsigned long long)ld64(g->xmm[r]));
            fail(f, insn, len, w, mx);
            return;
        }
    if (memcmp(hwin, tv_ram + GWIN, WSIZE)) {
        fail(f, insn, len, "memory", mx);
        return;
    }
    if (sig) return; /* registers: from the signal frame only the SIMD state */
    for (int r = 0; r < 6; r++)
        if (r != 4 && h.gpr[r] != c->s.gpr[r]) {
            char w[64];
            snprintf(w, sizeof(w), "gpr %d host %08x guest %08x", r, h.gpr[r], c->s.gpr[r]);
            fail(f, insn, len, w, mx);
            return;
        }
    if (is_comi(f->op) && ((h.efl ^ cpu_get_eflags(c)) & FL_ARITH)) {
        char w[64];
        snprintf(w, sizeof(w), "eflags host %03x guest %03x", h.efl & FL_ARITH, cpu_get_eflags(c) & FL_ARITH);
        fail(f, insn, len, w, mx);
    }
}

/*
 * FXRSTOR's tag rebuilding against the host: random images (TOS, abridged
 * tags, registers of every class: zero, denormal, pseudo-denormal, unnormal,
 * normal, infinity, NaN, pseudo-infinity/NaN) go through FXRSTOR and then
 * FNSTENV, which writes the full tag word the hardware derives; the guest's
 * fxsr_load_image must arrive at the same tag word, TOS and registers.
 */
static unsigned long fx_cases, fx_fail;
static void run_fxrstor_tags(unsigned long n)
{
    static u8 img[512] __attribute__((aligned(16))), save[512] __attribute__((aligned(16)));
    static const u16 exps[] = {0, 0x8000, 0x7fff, 0xffff, 0x3fff, 0xc000, 1, 0x7ffe};
    u8 env[28];
    tv_reset();
    tv->s.cr4 |= CR4_OSFXSR;
    for (unsigned long k = 0; k < n; k++) {
        memset(img, 0, sizeof(img));
        st16(img + 0, 0x037f);
        st16(img + 2, (u16)((rnd() % 8) << 11));
        img[4] = (u8)rnd();
        st32(img + 24, 0x1f80);
        for (int r = 0; r < 8; r++) {
            u64 m = rnd();
            switch (rnd() % 4) {
            case 0: m = 0; break;
            case 1: m &= 0x7fffffffffffffffull; break;  /* J clear */
            case 2: m |= 0x8000000000000000ull; break;  /* J set */
            default: m = rnd() % 2 ? 0x8000000000000000ull : 0xc000000000000000ull; break;
            }
            st64(img + 32 + 16 * r, m);
            st16(img + 40 + 16 * r, rnd() % 4 ? exps[rnd() % ARRAY_SIZE(exps)] : (u16)rnd());
        }
        __asm__ volatile("fxsave %[sv]\n\tfxrstor %[im]\n\tfnstenv %[env]\n\tfxrstor %[sv]"
                         : [env] "=m"(env), [sv] "+m"(save) : [im] "m"(img) : "memory");
        bool loaded = fxsr_load_image(tv, img);
        fx_cases++;
        u16 host_tw = ld16(env + 8);
        if (!loaded || host_tw != tv->s.fpu.ftw || tv->s.fpu.fsw != ld16(img + 2) ||
            memcmp(tv->s.fpu.st[(ld16(img + 2) >> 11) & 7], img + 32, 10)) {
            if (fx_fail++ < 5)
                printf("  FXRSTOR tags: abridged %02x TOS %u: host %04x guest %04x\n", img[4],
                       (ld16(img + 2) >> 11) & 7, host_tw, tv->s.fpu.ftw);
        }
    }
}

int main(void)
{
    (void)test_case_name; /* test.h's per-case state: this program reports by itself */
    (void)test_case_failed;
    const char *e = getenv("VD_SSECMP_N");
    unsigned long n = e && *e ? strtoul(e, NULL, 0) : 600;
    e = getenv("VD_SSECMP_SEED");
    if (e && *e) rng = strtoull(e, NULL, 0) | 1;
    hcode = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    hwin = mmap(NULL, WSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (hcode == MAP_FAILED || hwin == MAP_FAILED) {
        printf("SKIP sse_hostcmp: cannot map host code\n");
        return 0;
    }
    struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_NODEFER};
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    find_forms();
    unsigned long forms_failed = 0;
    for (int k = 0; k < nforms; k++) {
        unsigned long before = nfail;
        for (unsigned long j = 0; j < n; j++) run_case(&forms[k]);
        forms_failed += nfail != before;
    }
    bool op_seen[X86_OP_COUNT] = {false};
    int nops = 0;
    for (int k = 0; k < nforms; k++) {
        nops += !op_seen[forms[k].op];
        op_seen[forms[k].op] = true;
    }
    printf("sse_hostcmp: %d forms, %d form variants (register/memory operand), %lu cases, "
           "%lu with an unmasked SIMD exception, %lu failed\n", nops, nforms, ncases, nxm, nfail);
    printf("%s sse_hostcmp (%lu form variants disagree)\n", nfail ? "FAIL" : "PASS", forms_failed);
    run_fxrstor_tags(20 * n);
    printf("sse_fxrstor_tags: %lu images, %lu tag words differ from the host's\n", fx_cases, fx_fail);
    printf("%s sse_fxrstor_tags\n", fx_fail ? "FAIL" : "PASS");
    return nfail || fx_fail ? 1 : 0;
}
