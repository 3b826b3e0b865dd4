/*
 * fpu_hostcmp: every x87 instruction form of the interpreter against the
 * host's x87.
 *
 * Each case makes a random FPU state (control word with every precision
 * and rounding control and random exception masks, TOP, condition codes,
 * masked sticky flags, empty and full registers holding zeros, normals,
 * denormals, pseudo-denormals, unnormals, infinities, pseudo-infinities,
 * quiet/signalling/pseudo NaNs, the indefinite, huge and tiny values,
 * integers near the integer-store limits) and a random memory operand of
 * the form's type (real, integer, BCD including invalid digits). The host
 * loads the state with FRSTOR, runs the same instruction (memory operand
 * rewritten to [rsi]; 64-bit mode computes x87 exactly as 32-bit mode) and
 * saves with FNSAVE; the interpreter runs the instruction in a flat 32-bit
 * guest with a [ebx+disp32] operand. Compared: FCW, the whole FSW (flags,
 * SF, ES, B, C0-C3, TOP), the full tag word, the eight registers, EFLAGS
 * for FCOMI/FUCOMI/FCMOV, and the bytes around the memory operand. Then a
 * guest FWAIT must raise #MF exactly when the host left ES set, and FIP,
 * FCS, FOP, FDP and FDS must name the instruction and its operand.
 *
 * The native side starts from the state as it is (sticky flags set); the
 * interpreter clears them around its host call and merges them back, so
 * that bookkeeping is tested too. Unmasked exceptions pending before an
 * instruction are tested by the guest programs (tests/asm/fpu_*.asm), since
 * the host would deliver them as SIGFPE.
 *
 * Control forms (FNSTENV/FLDENV/FNSAVE/FRSTOR with 32- and 16-bit operand
 * size, FLDCW, FNSTCW, FNSTSW, FNCLEX, FNINIT) are compared the same way,
 * except the instruction/data pointer fields of images (host addresses).
 * Undefined forms (including SSE3's FISTTP) must raise #UD.
 *
 * VD_FPUCMP_N: cases per memory form (default 3000; register forms get a
 * tenth per ModRM); VD_FPUCMP_SEED: random seed.
 */
#define _GNU_SOURCE
#include "test_ops_util.h"
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#define DATA 0x100000u   /* guest data window */
#define WINSZ 160u
#define OPOFF 16u        /* operand offset in the window */

/* ---------------- random inputs ---------------- */
static u64 rng = 0x2545f4914f6cdd1dull;
static u64 rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static u32 rnd(void) { return (u32)(rnd64() >> 11); }

static void put80(u8 *r, u64 man, u16 se) { st64(r, man); st16(r + 8, se); }
static void put_ld(u8 *r, long double x) { memcpy(r, &x, 10); }

/* An 80-bit value from the classes that matter to the x87. */
static void gen_f80(u8 *r)
{
    u16 s = (u16)((rnd() & 1) << 15);
    u64 m = rnd64();
    switch (rnd() % 20) {
    case 0: put80(r, 0, s); break;                                             /* zero */
    case 1: put80(r, 1ull << 63, s | 0x7fff); break;                           /* infinity */
    case 2: put80(r, (3ull << 62) | (m >> 2), s | 0x7fff); break;              /* QNaN */
    case 3: put80(r, (1ull << 63) | ((m >> 2) | 1), s | 0x7fff); break;        /* SNaN */
    case 4: put80(r, 3ull << 62, 0xffff); break;                               /* indefinite */
    case 5: put80(r, (m >> 1) | 1, s); break;                                  /* denormal */
    case 6: put80(r, (1ull << 63) | (m >> 1), s); break;                       /* pseudo-denormal */
    case 7: put80(r, m >> 1, s | (u16)(1 + rnd() % 0x7ffe)); break;            /* unnormal */
    case 8: put80(r, m >> 1, s | 0x7fff); break;                               /* pseudo-inf/NaN */
    case 9: put_ld(r, (long double)(int)(rnd() % 2001 - 1000)); break;        /* small integer */
    case 10: put80(r, m | (1ull << 63), s | (u16)(0x7ff0 + rnd() % 15)); break; /* huge */
    case 11: put80(r, m | (1ull << 63), s | (u16)(1 + rnd() % 64)); break;     /* tiny */
    case 12: put_ld(r, (long double)(float)((double)(i32)rnd() / (1 << (rnd() % 31)))); break;
    case 13: put_ld(r, (long double)((double)(i64)rnd64() / (1ull << (rnd() % 63)))); break;
    case 14: { /* integers near the 16/32/64-bit store limits, with fractions */
        static const int e[] = {15, 31, 63};
        int k = e[rnd() % 3];
        put80(r, (1ull << 63) | ((rnd() & 1 ? m >> 40 : ~0ull << (rnd() % 64)) ^ (rnd() & 1 ? 0 : m >> 50)),
              s | (u16)(0x3fff + k + (int)(rnd() % 3) - 1));
        break;
    }
    case 15: put80(r, m | (1ull << 63), s | (u16)(0x3fff + rnd() % 8 - 4)); break; /* near 1 */
    case 16: put80(r, m | (1ull << 63), s | (u16)(0x3fff + rnd() % 140 - 70)); break;
    case 17: put80(r, m | (1ull << 63), s | (u16)(0x3c01 + rnd() % 0x7fd)); break; /* double range */
    case 18: put80(r, m | (1ull << 63), s | (u16)(0x3f81 + rnd() % 0xfd)); break; /* float range */
    default: put80(r, m | (1ull << 63), s | (u16)(1 + rnd() % 0x7ffe)); break;
    }
}

static void gen_f32(u8 *b)
{
    u32 s = (rnd() & 1) << 31, m = rnd() & 0x7fffff, v;
    switch (rnd() % 10) {
    case 0: v = s; break;
    case 1: v = s | 0x7f800000u; break;
    case 2: v = s | 0x7fc00000u | m; break;
    case 3: v = s | 0x7f800000u | (m & 0x3fffff) | 1; break;   /* SNaN */
    case 4: v = s | m | 1; break;                               /* denormal */
    case 5: { float x = (float)(int)(rnd() % 2001 - 1000); memcpy(&v, &x, 4); break; }
    default: v = s | ((1 + rnd() % 254) << 23) | m; break;
    }
    st32(b, v);
}

static void gen_f64(u8 *b)
{
    u64 s = (u64)(rnd() & 1) << 63, m = rnd64() & 0xfffffffffffffull, v;
    switch (rnd() % 10) {
    case 0: v = s; break;
    case 1: v = s | 0x7ff0000000000000ull; break;
    case 2: v = s | 0x7ff8000000000000ull | m; break;
    case 3: v = s | 0x7ff0000000000000ull | (m & 0x7ffffffffffffull) | 1; break;
    case 4: v = s | m | 1; break;
    case 5: { double x = (double)(int)(rnd() % 2001 - 1000); memcpy(&v, &x, 8); break; }
    default: v = s | ((u64)(1 + rnd() % 2046) << 52) | m; break;
    }
    st64(b, v);
}

static u64 gen_int(unsigned bytes)
{
    static const u64 edges[] = {0, 1, 2, 3, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
                                0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x1000001, 0x20000000000001ull};
    if (rnd() % 3 == 0) return edges[rnd() % ARRAY_SIZE(edges)];
    u64 v = rnd64();
    return rnd() & 1 ? v : (u64)((i64)v >> (rnd() % (bytes * 8)));
}

static void gen_bcd(u8 *b)
{
    for (int k = 0; k < 9; k++) {
        unsigned lo = rnd() % 10, hi = rnd() % 10;
        if (rnd() % 40 == 0) lo = 10 + rnd() % 6;      /* invalid digit */
        b[k] = (u8)(hi << 4 | lo);
    }
    if (rnd() % 4 == 0) memset(b + rnd() % 9, 0, 9 - rnd() % 9 > 0 ? 1 : 0);
    b[9] = rnd() % 8 ? (u8)((rnd() & 1) << 7) : (u8)rnd();
}

enum ty { T_NONE, T_F32, T_F64, T_F80, T_I16, T_I32, T_I64, T_BCD, T_ENV };
static void gen_mem(u8 *win, enum ty t)
{
    for (unsigned k = 0; k < WINSZ; k++) win[k] = (u8)rnd();
    u8 *b = win + OPOFF;
    switch (t) {
    case T_F32: gen_f32(b); break;
    case T_F64: gen_f64(b); break;
    case T_F80: gen_f80(b); break;
    case T_I16: st16(b, (u16)gen_int(2)); break;
    case T_I32: st32(b, (u32)gen_int(4)); break;
    case T_I64: st64(b, gen_int(8)); break;
    case T_BCD: gen_bcd(b); break;
    default: break;
    }
}

/* The architectural state of a case, in stack order (as FSAVE has it). */
struct xstate {
    u16 fcw, fsw, ftw;
    u8 st[8][10];         /* ST(0)..ST(7) */
    u32 eflags;
};

static unsigned tag_of(const u8 *r)
{
    u16 e = ld16(r + 8) & 0x7fff;
    u64 m = ld64(r);
    if (e == 0x7fff) return 2;
    if (e == 0) return m ? 2 : 1;
    return m >> 63 ? 0 : 2;
}

/* pending: allow unmasked sticky flags (only for no-wait first instructions). */
static void gen_state(struct xstate *x, bool pending)
{
    u16 mask = rnd() % 2 ? 0x3f : (u16)(rnd() & 0x3f);
    x->fcw = (u16)(0x40 | (rnd() & 0x1f00) | mask);
    u16 flags = (u16)(rnd() % 3 == 0 ? rnd() & (pending ? 0x7f : (mask | 0x40)) : 0);
    x->fsw = (u16)((rnd() & 0x4700) | ((rnd() % 8) << 11) | flags);
    if (x->fsw & ~x->fcw & 0x3f) x->fsw |= 0x8080;
    unsigned top = (x->fsw >> 11) & 7;
    x->ftw = 0;
    for (unsigned k = 0; k < 8; k++) {
        gen_f80(x->st[k]);
        unsigned phys = (top + k) & 7;
        unsigned tag = rnd() % 4 == 0 ? 3 : tag_of(x->st[k]);
        x->ftw |= (u16)(tag << (2 * phys));
    }
    x->eflags = rnd() & (FL_CF | FL_PF | FL_ZF | FL_SF | FL_OF | FL_AF);
}

/* ---------------- native side ---------------- */
struct nimg { u8 save[108]; u32 pad; u64 rflags; };
static u8 *ncode;
static sigjmp_buf host_jb;
static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    siglongjmp(host_jb, sig);
}

static void to_img(struct nimg *n, const struct xstate *x)
{
    memset(n, 0, sizeof(*n));
    st16(n->save, x->fcw);
    st16(n->save + 4, x->fsw);
    st16(n->save + 8, x->ftw);
    for (int k = 0; k < 8; k++) memcpy(n->save + 28 + 10 * k, x->st[k], 10);
    n->rflags = 0x202 | x->eflags;
}
static void from_img(struct xstate *x, const struct nimg *n)
{
    x->fcw = ld16(n->save);
    x->fsw = ld16(n->save + 4);
    x->ftw = ld16(n->save + 8);
    for (int k = 0; k < 8; k++) memcpy(x->st[k], n->save + 28 + 10 * k, 10);
    x->eflags = (u32)n->rflags & FL_ARITH;
}

/* Run insn (memory operand as [rsi]) between FRSTOR and FNSAVE. 0 or the signal. */
static int native_run(struct nimg *img, const u8 *insn, unsigned len, u8 *mem)
{
    static const u8 pre[] = {0xff, 0x77, 0x70, 0x9d, 0xdd, 0x27};       /* push [rdi+112]; popf; frstor [rdi] */
    static const u8 post[] = {0xdd, 0x37, 0x9c, 0x8f, 0x47, 0x70, 0xc3}; /* fnsave [rdi]; pushf; pop [rdi+112]; ret */
    u8 *p = ncode;
    memcpy(p, pre, sizeof(pre)); p += sizeof(pre);
    memcpy(p, insn, len); p += len;
    memcpy(p, post, sizeof(post));
    u16 cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    int sig = sigsetjmp(host_jb, 1);
    if (!sig) ((void (*)(struct nimg *, u8 *))(uintptr_t)ncode)(img, mem);
    __asm__ volatile("fninit; fldcw %0" : : "m"(cw));
    return sig;
}

/* ---------------- interpreter side ---------------- */
static void guest_load(const struct xstate *x, const u8 *win)
{
    struct fpu_state *f = &tv->s.fpu;
    unsigned top = (x->fsw >> 11) & 7;
    f->fcw = x->fcw;
    f->fsw = x->fsw;
    f->ftw = x->ftw;
    for (int k = 0; k < 8; k++) memcpy(f->st[(top + k) & 7], x->st[k], 10);
    f->fip = f->fdp = 0x5555;
    f->fcs = f->fds = 0x77;
    f->fop = 0x3ff;
    cpu_set_eflags(tv, x->eflags | FL_FIXED1, FL_ARITH);
    memcpy(tv_ram + DATA, win, WINSZ);
    tv->s.gpr[R_ESP] = TV_STACK;     /* each delivered exception used some */
}
static void guest_get(struct xstate *x)
{
    const struct fpu_state *f = &tv->s.fpu;
    unsigned top = (f->fsw >> 11) & 7;
    x->fcw = f->fcw;
    x->fsw = f->fsw;
    x->ftw = f->ftw;
    for (int k = 0; k < 8; k++) memcpy(x->st[k], f->st[(top + k) & 7], 10);
    x->eflags = tv_flags() & FL_ARITH;
}

/* ---------------- one case ---------------- */
struct form {
    u8 op, modrm;         /* modrm: register form, or reg<<3 for memory */
    bool mem, o16;
    enum ty ty;
    bool no_wait;         /* first instruction is a no-wait control form */
};

static long n_cases, n_forms;

static void fmt80(char *s, const u8 *r) { sprintf(s, "%04x:%016llx", ld16(r + 8), (unsigned long long)ld64(r)); }

static void report(const struct form *fm, const struct xstate *in, const u8 *win, const char *what,
                   const struct xstate *g, const struct xstate *h)
{
    char a[32], b[32];
    FAILF("%02x %02x%s: %s differs (guest fsw %04x ftw %04x, host fsw %04x ftw %04x)", fm->op, fm->modrm,
          fm->mem ? " mem" : "", what, g->fsw, g->ftw, h->fsw, h->ftw);
    printf("    in: fcw %04x fsw %04x ftw %04x efl %03x mem", in->fcw, in->fsw, in->ftw, in->eflags);
    for (unsigned k = 0; k < 10; k++) printf(" %02x", win[OPOFF + k]);
    printf("\n");
    for (int k = 0; k < 8; k++) {
        fmt80(a, g->st[k]);
        fmt80(b, h->st[k]);
        char c[32];
        fmt80(c, in->st[k]);
        printf("    st%d in %s  guest %s  host %s\n", k, c, a, b);
    }
}

/* Run one case; false after a reported mismatch. */
static bool run_case(const struct form *fm)
{
    struct xstate in, g, h;
    u8 win[WINSZ], hwin[WINSZ];
    gen_state(&in, fm->no_wait);
    gen_mem(win, fm->ty);
    if (fm->ty == T_ENV) { /* a plausible image to load */
        struct xstate t;
        gen_state(&t, true);
        st32(win + OPOFF, 0xffff0000u | t.fcw);
        if (fm->o16) {
            st16(win + OPOFF + 0, t.fcw);
            st16(win + OPOFF + 2, t.fsw);
            st16(win + OPOFF + 4, (u16)rnd());
        } else {
            st32(win + OPOFF + 4, t.fsw);
            st32(win + OPOFF + 8, rnd());
        }
        if (fm->op == 0xd9 && ((fm->modrm >> 3) & 7) == 5) st16(win + OPOFF, (u16)(t.fcw | (rnd() & 0xe0ff)));
        for (int k = 0; k < 8; k++) gen_f80(win + OPOFF + (fm->o16 ? 14 : 28) + 10 * k);
    }
    memcpy(hwin, win, WINSZ);

    /* native */
    u8 insn[3];
    unsigned len = 0;
    if (fm->o16) insn[len++] = 0x66;
    insn[len++] = fm->op;
    insn[len++] = fm->mem ? (u8)((fm->modrm & 0x38) | 6) : fm->modrm;
    struct nimg img;
    to_img(&img, &in);
    int sig = native_run(&img, insn, len, hwin + OPOFF);
    if (sig) {
        FAILF("%02x %02x: the host raised signal %d", fm->op, fm->modrm, sig);
        return false;
    }
    from_img(&h, &img);

    /* interpreter: [66] op modrm(mod=10, rm=EBX) disp32 */
    u8 code[8];
    unsigned cl = 0;
    u32 disp = rnd() % 0x1000;
    if (fm->o16) code[cl++] = 0x66;
    code[cl++] = fm->op;
    code[cl++] = fm->mem ? (u8)(0x80 | (fm->modrm & 0x38) | 3) : fm->modrm;
    if (fm->mem) { st32(code + cl, disp); cl += 4; }
    guest_load(&in, win);
    tv->s.gpr[R_EBX] = DATA + OPOFF - disp;
    int v = tv_run(code, cl, 1);
    if (v) {
        FAILF("%02x %02x: guest raised vector %d", fm->op, fm->modrm, v - 1);
        return false;
    }
    guest_get(&g);
    n_cases++;

    const char *bad = NULL;
    bool comi = (fm->op == 0xdb || fm->op == 0xdf) && !fm->mem && fm->modrm >= 0xe8 && fm->modrm <= 0xf7;
    bool image = fm->ty == T_ENV && ((fm->modrm >> 3) & 7) == 6; /* FNSTENV, FNSAVE */
    if (g.fcw != h.fcw) bad = "FCW";
    else if (g.fsw != h.fsw) bad = "FSW";
    else if (g.ftw != h.ftw) bad = "tag word";
    else if (memcmp(g.st, h.st, sizeof(g.st))) bad = "registers";
    else if (comi && g.eflags != h.eflags) bad = "EFLAGS";
    else if (image) {
        /* FNSTENV/FNSAVE: all but the pointer fields (host addresses) */
        const u8 *gi = tv_ram + DATA + OPOFF, *hi = hwin + OPOFF;
        unsigned ptr_lo = fm->o16 ? 6 : 12, ptr_hi = fm->o16 ? 14 : 28;
        unsigned n = ptr_hi + (fm->op == 0xdd ? 80 : 0);
        if (memcmp(gi, hi, ptr_lo) || memcmp(gi + ptr_hi, hi + ptr_hi, n - ptr_hi) ||
            memcmp(tv_ram + DATA, hwin, OPOFF) || memcmp(gi + n, hi + n, WINSZ - OPOFF - n))
            bad = "stored image";
    } else if (memcmp(tv_ram + DATA, hwin, WINSZ)) bad = "memory";
    if (bad) {
        report(fm, &in, win, bad, &g, &h);
        if (!strcmp(bad, "memory") || !strcmp(bad, "stored image")) {
            printf("    mem guest");
            for (unsigned k = 0; k < 16; k++) printf(" %02x", tv_ram[DATA + OPOFF + k]);
            printf("\n    mem host ");
            for (unsigned k = 0; k < 16; k++) printf(" %02x", hwin[OPOFF + k]);
            printf("\n");
        }
        return false;
    }

    /* bookkeeping of the last non-control instruction */
    if (fm->ty != T_ENV && !fm->no_wait) {
        struct fpu_state *f = &tv->s.fpu;
        u16 fop = (u16)((fm->op & 7) << 8 | (fm->mem ? (0x80 | (fm->modrm & 0x38) | 3) : fm->modrm));
        if (f->fip != TV_CODE || f->fcs != 0x08 || f->fop != fop ||
            f->fdp != (fm->mem ? DATA + OPOFF : 0x5555u) || f->fds != (fm->mem ? 0x10 : 0x77)) {
            FAILF("%02x %02x: FIP %04x:%08x FOP %03x FDP %04x:%08x", fm->op, fm->modrm, f->fcs, f->fip, f->fop,
                  f->fds, f->fdp);
            return false;
        }
    }
    /* a pending unmasked exception is delivered by the next waiting instruction */
    tv->s.cr0 |= CR0_NE;
    v = TV_RUN(1, 0x9b);
    if ((v == 1 + EXC_MF) != !!(h.fsw & 0x80) || (v && v != 1 + EXC_MF)) {
        FAILF("%02x %02x: FWAIT gave vector %d with host FSW %04x", fm->op, fm->modrm, v - 1, h.fsw);
        return false;
    }
    return true;
}

static int n_per_mem = 3000;

static void run_form(struct form fm, int n)
{
    n_forms++;
    for (int k = 0; k < n; k++)
        if (!run_case(&fm)) return;
}

/* ---------------- forms ---------------- */
static const u8 mem_ty[8][8] = {
    {T_F32, T_F32, T_F32, T_F32, T_F32, T_F32, T_F32, T_F32},
    {T_F32, 0, T_F32, T_F32, T_ENV, T_ENV, T_ENV, T_ENV},
    {T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32},
    {T_I32, 0, T_I32, T_I32, 0, T_F80, 0, T_F80},
    {T_F64, T_F64, T_F64, T_F64, T_F64, T_F64, T_F64, T_F64},
    {T_F64, 0, T_F64, T_F64, T_ENV, 0, T_ENV, T_ENV},
    {T_I16, T_I16, T_I16, T_I16, T_I16, T_I16, T_I16, T_I16},
    {T_I16, 0, T_I16, T_I16, T_BCD, T_I64, T_BCD, T_I64},
};

TEST(fpu_mem_forms)
{
    long before = n_cases;
    for (int op = 0; op < 8; op++)
        for (int reg = 0; reg < 8; reg++) {
            enum ty t = mem_ty[op][reg];
            if (t == T_NONE || t == T_ENV) continue;
            run_form((struct form){(u8)(0xd8 + op), (u8)(reg << 3), true, false, t, false}, n_per_mem);
        }
    printf("    %ld memory-form cases\n", n_cases - before);
}

/* Register forms a P6 defines (with its undocumented aliases). */
static bool reg_defined(int op, u8 m, bool *no_wait)
{
    *no_wait = false;
    switch (op) {
    case 0: case 4: return true;
    case 1: return m <= 0xd0 || (m >= 0xd8 && m <= 0xe1) || m == 0xe4 || m == 0xe5 || (m >= 0xe8 && m <= 0xee) ||
                   m >= 0xf0;
    case 2: return m < 0xe0 || m == 0xe9;
    case 3:
        if (m >= 0xe0 && m <= 0xe4) { *no_wait = true; return true; }
        return m < 0xe0 || (m >= 0xe8 && m <= 0xf7);
    case 5: return m < 0xf0;
    case 6: return m < 0xd8 || m == 0xd9 || m >= 0xe0;
    default:
        if (m == 0xe0) { *no_wait = true; return true; }
        return m < 0xe0 || (m >= 0xe8 && m <= 0xf7);
    }
}

TEST(fpu_reg_forms)
{
    long before = n_cases;
    int n = n_per_mem / 10 > 1 ? n_per_mem / 10 : 1;
    for (int op = 0; op < 8; op++)
        for (int m = 0xc0; m <= 0xff; m++) {
            bool nw;
            if (!reg_defined(op, (u8)m, &nw)) continue;
            if (op == 7 && m == 0xe0) continue; /* FNSTSW AX: see fpu_control_forms */
            run_form((struct form){(u8)(0xd8 + op), (u8)m, false, false, T_NONE, nw}, n);
        }
    printf("    %ld register-form cases\n", n_cases - before);
}

TEST(fpu_control_forms)
{
    long before = n_cases;
    static const struct { u8 op, reg; bool no_wait; } ctl[] = {
        {0xd9, 4, false}, {0xd9, 5, false}, {0xd9, 6, true}, {0xd9, 7, true},
        {0xdd, 4, false}, {0xdd, 6, true}, {0xdd, 7, true},
    };
    for (unsigned k = 0; k < ARRAY_SIZE(ctl); k++)
        for (int o16 = 0; o16 < 2; o16++)
            run_form((struct form){ctl[k].op, (u8)(ctl[k].reg << 3), true, o16, T_ENV, ctl[k].no_wait}, n_per_mem / 2);
    run_form((struct form){0xdf, 0xe0, false, false, T_NONE, true}, n_per_mem / 2);
    printf("    %ld control-form cases\n", n_cases - before);
}

TEST(fpu_undefined_forms)
{
    int n = 0;
    for (int op = 0; op < 8; op++) {
        for (int m = 0xc0; m <= 0xff; m++) {
            bool nw;
            if (reg_defined(op, (u8)m, &nw)) continue;
            tv->s.fpu.fsw = 0;
            tv->s.gpr[R_ESP] = TV_STACK;
            u8 code[2] = {(u8)(0xd8 + op), (u8)m};
            int v = tv_run(code, 2, 1);
            if (v != 1 + EXC_UD) FAILF("%02x %02x: vector %d, expected #UD", 0xd8 + op, m, v - 1);
            n++;
        }
        for (int reg = 0; reg < 8; reg++) {
            if (mem_ty[op][reg] != T_NONE) continue;
            u8 code[2] = {(u8)(0xd8 + op), (u8)(reg << 3 | 3)}; /* [ebx] */
            tv->s.gpr[R_EBX] = DATA;
            tv->s.gpr[R_ESP] = TV_STACK;
            int v = tv_run(code, 2, 1);
            if (v != 1 + EXC_UD) FAILF("%02x /%d: vector %d, expected #UD", 0xd8 + op, reg, v - 1);
            n++;
        }
    }
    printf("    %d undefined forms\n", n);
}

int main(void)
{
    const char *e = getenv("VD_FPUCMP_N");
    if (e) n_per_mem = atoi(e) > 0 ? atoi(e) : 1;
    if ((e = getenv("VD_FPUCMP_SEED"))) rng = strtoull(e, NULL, 0) | 1;
#if !defined(__x86_64__)
    SKIP_CASE(fpu_hostcmp, "needs an x86-64 host");
    return 0;
#endif
    ncode = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ncode == MAP_FAILED) {
        SKIP_CASE(fpu_hostcmp, "no executable mapping");
        return 0;
    }
    struct sigaction sa = {0};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    tv_reset();
    tv->s.cr0 |= CR0_NE | CR0_MP;
    RUN(fpu_mem_forms);
    RUN(fpu_reg_forms);
    RUN(fpu_control_forms);
    RUN(fpu_undefined_forms);
    printf("    %ld cases over %ld forms compared with the host x87\n", n_cases, n_forms);
    return test_summary();
}
