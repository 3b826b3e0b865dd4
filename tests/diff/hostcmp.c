/*
 * hostcmp: the integer instruction handlers against the host CPU.
 *
 * Each case runs one instruction natively and in the interpreter from the
 * same registers, flags and memory, and compares registers, the 8 KiB
 * data window, and the flags the manual defines for that instruction.
 *
 * Why 64-bit: this host's kernel runs no IA-32 code (32-bit executables
 * fail with ENOEXEC, and far transfers to the compatibility-mode code
 * selector or to an LDT code segment raise #GP), so the native side runs
 * in 64-bit mode. For the forms compared here, 64-bit mode with 8/16/32-bit
 * operand sizes computes exactly what 32-bit mode does: registers are
 * loaded with 32-bit moves (upper halves zero), every address lies below
 * 4 GiB and nothing wraps, and memory/string forms get a 67 prefix on the
 * host so they use 32-bit addressing. Forms that do not exist in 64-bit
 * mode (BCD, PUSHA/POPA, BOUND, 32-bit PUSH/POP/ENTER/LEAVE) are covered by
 * tests/unit/test_ops_*.c instead. INC/DEC r (40+r/48+r, REX in 64-bit
 * mode) are compared against the host's FF /0 and FF /1, which the manual
 * defines as the same operation.
 *
 * Layout (same addresses natively and in the guest): data window
 * 0x100000-0x101fff; the interpreter's code at 0x2000, IDT at 0, GDT at
 * 0x800, exception handlers at 0x3000 + 16 * vector. The host stub lives at
 * 0x300000, its in/out records at 0x200000.
 *
 * Flags compared: the six arithmetic flags and DF, minus those the SDM
 * calls undefined for the instruction (and, for shifts/rotates/SHxD, for
 * that count); see undef_of() and the table. What vdebug produces for
 * them (documented at each handler file): logic ops AF=0; shifts AF=0 and
 * OF by the count-1 formula; MUL/IMUL SF/ZF/PF from the low result, AF=0;
 * DIV/IDIV all flags unchanged; BT* and BSF/BSR change only CF resp. ZF;
 * BCD: DAA/DAS OF=0, AAA/AAS SZP from AL and OF=0, AAM/AAD CF=AF=OF=0.
 * 16-bit SHLD/SHRD with count > 16 (result undefined) is not compared:
 * vdebug follows the P6 (dest:src:dest), AMD hosts use dest:src:src.
 *
 * VD_HOSTCMP_N sets the cases per variant (default 1500); VD_HOSTCMP_SEED
 * the random seed.
 */
#define _GNU_SOURCE
#include "test_ops_util.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#define WIN 0x100000u
#define WSIZE 0x2000u
#define HOSTIO 0x200000u
#define HOSTCODE 0x300000u
#define ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

struct regs { u32 r[8]; u32 efl; };
struct hostio { u64 save_rsp; struct regs in, out; u32 pad; }; /* POP m64 writes out.efl + pad */
static struct hostio *hio = (struct hostio *)(uintptr_t)HOSTIO;
static u8 *hcode = (u8 *)(uintptr_t)HOSTCODE;
static u8 *hwin = (u8 *)(uintptr_t)WIN;
static u8 init_win[WSIZE];
static u32 sz_mask(unsigned sz) { return sz == 1 ? 0xffu : sz == 2 ? 0xffffu : 0xffffffffu; }
static u32 sz_sign(unsigned sz) { return 1u << (sz * 8 - 1); }

/* ---------------- random inputs ---------------- */
static u64 rng = 0x9e3779b97f4a7c15ull;
static u32 rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (u32)(rng >> 16);
}
static const u32 edges[] = {0, 1, 2, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xffff,
                            0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 9, 10, 0x99};
/* edge-biased value; the upper bits are random so that narrow writes show */
static u32 val(void)
{
    u32 k = rnd() % 8;
    if (k < 3) return edges[rnd() % ARRAY_SIZE(edges)];
    if (k == 3) return (rnd() & 0xffff0000u) | (edges[rnd() % ARRAY_SIZE(edges)] & 0xffff);
    if (k == 4) return (rnd() & 0xffffff00u) | (edges[rnd() % ARRAY_SIZE(edges)] & 0xff);
    if (k == 5) return rnd() & (0xffffffffu >> (rnd() % 32));
    return rnd();
}
static const u8 counts[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 255};
static u8 count8(void) { return rnd() % 3 ? counts[rnd() % ARRAY_SIZE(counts)] : (u8)rnd(); }

/* ---------------- native side ---------------- */
static sigjmp_buf host_jb;
static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    siglongjmp(host_jb, sig);
}

static u8 *emit_modrm_abs(u8 *p, u8 op, int reg, u32 addr)
{
    *p++ = op;
    *p++ = (u8)(0x04 | (reg << 3)); /* [disp32] via SIB, no base */
    *p++ = 0x25;
    st32(p, addr);
    return p + 4;
}
/* Build the stub around the instruction bytes: load registers and flags
 * from hio->in, run, store to hio->out, restore the host context. */
static void host_build(const u8 *insn, int len)
{
    u8 *p = hcode;
    *p++ = 0x53;                                   /* push rbx */
    *p++ = 0x55;                                   /* push rbp */
    *p++ = 0x48;
    p = emit_modrm_abs(p, 0x89, 4, HOSTIO + offsetof(struct hostio, save_rsp)); /* mov [save], rsp */
    *p++ = 0xbc; st32(p, HOSTIO + 0x1000); p += 4; /* mov esp, scratch */
    p = emit_modrm_abs(p, 0xff, 6, HOSTIO + offsetof(struct hostio, in.efl)); /* push [in.efl] */
    *p++ = 0x9d;                                   /* popfq */
    for (int r = 0; r < 8; r++)
        if (r != 4) p = emit_modrm_abs(p, 0x8b, r, HOSTIO + offsetof(struct hostio, in.r) + 4 * r);
    p = emit_modrm_abs(p, 0x8b, 4, HOSTIO + offsetof(struct hostio, in.r) + 16);
    memcpy(p, insn, (size_t)len);
    p += len;
    for (int r = 0; r < 8; r++) p = emit_modrm_abs(p, 0x89, r, HOSTIO + offsetof(struct hostio, out.r) + 4 * r);
    *p++ = 0xbc; st32(p, HOSTIO + 0x1000); p += 4; /* mov esp, scratch */
    *p++ = 0x9c;                                   /* pushfq */
    p = emit_modrm_abs(p, 0x8f, 0, HOSTIO + offsetof(struct hostio, out.efl)); /* pop [out.efl] */
    *p++ = 0x48;
    p = emit_modrm_abs(p, 0x8b, 4, HOSTIO + offsetof(struct hostio, save_rsp)); /* mov rsp, [save] */
    *p++ = 0x5d;                                   /* pop rbp */
    *p++ = 0x5b;                                   /* pop rbx */
    *p++ = 0xfc;                                   /* cld */
    *p++ = 0xc3;                                   /* ret */
}
/* 0, or the signal the instruction raised */
static int host_run(const struct regs *in, struct regs *out)
{
    hio->in = *in;
    memcpy(hwin, init_win, WSIZE);
    int sig = sigsetjmp(host_jb, 1);
    if (sig) return sig;
    ((void (*)(void))(uintptr_t)hcode)();
    *out = hio->out;
    out->efl &= ARITH | FL_DF;
    return 0;
}

/* ---------------- interpreter side ---------------- */
/* The interpreter runs on the flat protected-mode test machine of
 * tests/unit/test_ops_util.h (tv, tv_ram): the same layout, code at TV_CODE. */
static u32 guest_eip;

/* 0; or 1 + vector of the exception raised; or -1 for a fault whose vector
 * could not be seen (delivery failed: triple fault). ninsn instructions. */
static int guest_run(const u8 *insn, int len, int ninsn, const struct regs *in, struct regs *out)
{
    struct cpu *c = tv;
    tv_enter();
    memcpy(tv_ram + TV_CODE, insn, (size_t)len);
    cpu_invalidate_host(c, tv_ram + TV_CODE, (size_t)len);
    memcpy(tv_ram + WIN, init_win, WSIZE);
    memcpy(c->s.gpr, in->r, sizeof(in->r));
    c->lf.kind = LF_NONE;
    c->s.eflags = FL_FIXED1 | (in->efl & (ARITH | FL_DF));
    c->s.eip = TV_CODE;
    u32 end = TV_CODE + (u32)len;
    int fault = 0;
    for (int k = 0; k < ninsn + 4096 && c->s.eip != end; k++) {
        enum cpu_exit e = cpu_run(c, 1);
        if (e == CPU_EXIT_TRIPLE_FAULT) { fault = -1; break; }
        if (c->s.eip >= 0x3000 && c->s.eip < 0x3200) { fault = 1 + (int)((c->s.eip - 0x3000) / 16); break; }
        if (e != CPU_EXIT_BUDGET) { fault = -1; break; }
        /* branches leave the range: stop after ninsn instructions */
        if (c->s.eip < TV_CODE || c->s.eip > end) break;
    }
    memcpy(out->r, c->s.gpr, sizeof(out->r));
    out->efl = cpu_get_eflags(c) & (ARITH | FL_DF);
    guest_eip = c->s.eip;
    return fault;
}

/* ---------------- test forms ---------------- */
enum { NO_MODRM = -2, G_REG = -1 };
enum { IMM_NONE, IMM_B, IMM_W, IMM_Z, IMM_D };
enum { SZ8 = 1, SZ16 = 2, SZ32 = 4 };
enum { M_REG = 1, M_MEM = 2 };
enum {
    K_GEN, K_SHL, K_SHR, K_SAR, K_ROT, K_RC, K_SHXD, K_DIV, K_BTMEM, K_CMPXCHG, K_CX8,
    K_STR, K_STACK, K_XLAT, K_CC, K_INCZ, K_ZREG, K_JCC, K_MOFFS,
};
enum { CNT_NONE, CNT_1, CNT_CL, CNT_IB };

struct tform {
    const char *name;
    u8 op[3], oplen;
    i8 ext;          /* ModRM.reg digit, G_REG (random) or NO_MODRM */
    u8 imm;          /* IMM_* */
    u8 sizes;        /* SZ* bits */
    u8 modes;        /* M_* bits */
    u32 undef;       /* flags always undefined */
    u8 kind;         /* K_* */
    u8 cnt;          /* CNT_* for shifts */
    u8 pfx;          /* a prefix for both sides (REP etc), 0 if none */
};

struct tcase {
    const struct tform *f;
    unsigned sz;
    bool mem;
    unsigned count;  /* shift count source value */
};

/* flags undefined for this case */
static u32 undef_of(const struct tcase *t)
{
    const struct tform *f = t->f;
    unsigned bits = t->sz * 8, n = t->count & 31;
    u32 u = f->undef;
    switch (f->kind) {
    case K_SHL:
    case K_SHR:
        if (n) u |= FL_AF | (n != 1 ? FL_OF : 0) | (n >= bits ? FL_CF : 0);
        break;
    case K_SAR:
        if (n) u |= FL_AF | (n != 1 ? FL_OF : 0);
        break;
    case K_ROT:
    case K_RC:
        if (n != 1) u |= FL_OF;
        break;
    case K_SHXD:
        if (n) u |= FL_AF | (n != 1 ? FL_OF : 0);
        if (n > bits) u |= ARITH;
        break;
    }
    return u;
}

#define REGPICK_OK(r, sz, mem) (!((sz) > 1 && (r) == R_ESP) && !((mem) && ((r) == R_EBX || ((sz) == 1 && (r) == 7))))

static int fails, cases_total;
static char fail_msg[512];

static void dump(const char *what, const struct regs *r)
{
    int n = (int)strlen(fail_msg);
    snprintf(fail_msg + n, sizeof(fail_msg) - (size_t)n, " %s:", what);
    for (int k = 0; k < 8; k++) {
        n = (int)strlen(fail_msg);
        snprintf(fail_msg + n, sizeof(fail_msg) - (size_t)n, " %08x", r->r[k]);
    }
    n = (int)strlen(fail_msg);
    snprintf(fail_msg + n, sizeof(fail_msg) - (size_t)n, " fl %03x", r->efl);
}

/* Build one random case of form f at size sz, run both sides, compare. */
static void one_case(const struct tform *f, unsigned sz, bool mem)
{
    struct tcase t = {f, sz, mem, 0};
    struct regs in;
    u8 g[24], h[24];
    int gl = 0, hl = 0, pre = 0;
    for (int r = 0; r < 8; r++) in.r[r] = val();
    in.efl = (rnd() & ARITH) | (rnd() % 4 == 0 ? FL_DF : 0);
    in.r[R_ESP] = WIN + 0x1800 + (rnd() & 0x3f);
    for (u32 k = 0; k < WSIZE; k += 8) {
        rnd();
        st64(init_win + k, rng);
    }

    /* optional flag-setting instruction first, to exercise lazy flags */
    static const u8 pres[][3] = {{0x39, 0xc8}, {0x38, 0xc8}, {0x66, 0x39, 0xc8}, {0x85, 0xc8}, {0x01, 0xc8},
                                 {0x28, 0xc8}, {0x21, 0xc8}, {0x84, 0xc8}, {0x11, 0xc8}, {0x19, 0xc8}};
    static const u8 prelen[] = {2, 2, 3, 2, 2, 2, 2, 2, 2, 2};
    if ((f->kind == K_CC || f->kind == K_GEN || f->kind == K_RC || f->kind == K_JCC) && rnd() % 2) {
        int k = (int)(rnd() % ARRAY_SIZE(pres));
        memcpy(g, pres[k], prelen[k]);
        memcpy(h, pres[k], prelen[k]);
        gl = hl = prelen[k];
        pre = 1;
    }
    if (f->pfx) g[gl++] = h[hl++] = f->pfx;
    if (sz == 2) g[gl++] = h[hl++] = 0x66;
    if (mem || f->kind == K_STR || f->kind == K_XLAT || f->kind == K_MOFFS || (f->kind == K_JCC && f->op[0] >= 0xe0)) h[hl++] = 0x67;
    u8 op[3];
    memcpy(op, f->op, 3);
    if (f->kind == K_CC || (f->kind == K_JCC && f->op[0] < 0xe0)) op[f->oplen - 1] = (u8)(op[f->oplen - 1] + (rnd() & 15));
    if (f->kind == K_ZREG) op[f->oplen - 1] = (u8)(op[f->oplen - 1] + (rnd() % 2 ? rnd() % 4 : 5 + rnd() % 3));
    int regf = 0, rm = 0;
    if (f->kind == K_INCZ) {
        /* guest 40+r / 48+r, host FF /0 or /1 */
        do rm = (int)(rnd() & 7); while (rm == R_ESP);
        g[gl++] = (u8)(op[0] + rm);
        h[hl++] = 0xff;
        h[hl++] = (u8)(0xc0 | ((op[0] == 0x48) << 3) | rm);
    } else {
        memcpy(g + gl, op, f->oplen);
        memcpy(h + hl, op, f->oplen);
        gl += f->oplen;
        hl += f->oplen;
    }
    if (f->ext != NO_MODRM && f->kind != K_INCZ) {
        regf = f->ext;
        if (f->ext == G_REG) do regf = (int)(rnd() & 7); while (!REGPICK_OK(regf, sz, mem));
        u8 modrm;
        if (mem) {
            u8 disp = (u8)(rnd() & 0x7f);
            modrm = (u8)(0x40 | (regf << 3) | R_EBX);
            in.r[R_EBX] = WIN + 0x800 + (rnd() & 0xfff);
            g[gl++] = h[hl++] = modrm;
            g[gl++] = h[hl++] = disp;
        } else {
            do rm = (int)(rnd() & 7); while (!REGPICK_OK(rm, sz, false));
            modrm = (u8)(0xc0 | (regf << 3) | rm);
            g[gl++] = h[hl++] = modrm;
        }
    }
    /* immediates */
    unsigned isz = f->imm == IMM_B ? 1 : f->imm == IMM_W ? 2 : f->imm == IMM_Z ? (sz == 2 ? 2 : 4) : f->imm == IMM_D ? 4 : 0;
    u32 imm = val();
    if (f->cnt == CNT_IB) imm = t.count = count8();
    if (f->kind == K_MOFFS) imm = WIN + 0x800 + (rnd() & 0xfff);
    if (f->kind == K_JCC) { /* jump over the host's marker instruction */
        imm = 3;
        in.r[R_ECX] = rnd() % 2 ? rnd() % 3 : (rnd() % 2 ? 0x10000 : val());
    }
    for (unsigned k = 0; k < isz; k++) g[gl++] = h[hl++] = (u8)(imm >> (8 * k));
    if (f->cnt == CNT_CL) {
        in.r[R_ECX] = (in.r[R_ECX] & ~0xffu) | count8();
        t.count = in.r[R_ECX] & 0xff;
    }
    if (f->cnt == CNT_1) t.count = 1;

    /* input shaping per kind */
    u32 ea = in.r[R_EBX] + (mem ? g[gl - 1 - isz] : 0);
    if (mem) { /* edge-biased memory operand */
        st32(init_win + (ea - WIN), val());
        st32(init_win + (ea - WIN) + 4, val());
    }
    switch (f->kind) {
    case K_DIV: {
        u32 d = val();
        if (!d && rnd() % 4) d = rnd() | 1;
        if (mem) memcpy(init_win + (ea - WIN), &d, sz);
        else if (sz == 1) {
            u32 *rr = &in.r[rm & 3];
            *rr = (rm & 4) ? (*rr & ~0xff00u) | ((d & 0xff) << 8) : (*rr & ~0xffu) | (d & 0xff);
        } else in.r[rm] = d;
        if (rnd() % 4) { /* mostly dividends that fit */
            u32 dd = sz == 1 ? (mem ? init_win[ea - WIN] : ((in.r[rm & 3] >> ((rm & 4) ? 8 : 0)) & 0xff))
                             : (mem ? ld32(init_win + (ea - WIN)) : in.r[rm]) & (sz == 2 ? 0xffff : 0xffffffffu);
            if (dd && (mem || !(rm == R_EAX || rm == R_EDX || (sz == 1 && (rm & 3) == 0)))) {
                u32 hi = rnd() % dd;
                if (f->op[0] && (f->ext == 7) && rnd() % 2) hi = (in.r[R_EAX] & sz_sign(sz)) ? 0xffffffffu : 0;
                if (sz == 1) in.r[R_EAX] = (in.r[R_EAX] & ~0xff00u) | ((hi & 0xff) << 8);
                else if (sz == 2) in.r[R_EDX] = (in.r[R_EDX] & ~0xffffu) | (hi & 0xffff);
                else in.r[R_EDX] = hi;
            }
        }
        break;
    }
    case K_BTMEM:
        if (mem) in.r[regf] = (in.r[regf] & (sz == 2 ? 0xffff0000u : 0)) | (((rnd() % 2048) - 1024) & (sz == 2 ? 0xffff : 0xffffffffu));
        break;
    case K_CMPXCHG:
        if (rnd() % 2) {
            u32 d = mem ? ld32(init_win + (ea - WIN)) : in.r[rm & (sz == 1 ? 3 : 7)] >> (sz == 1 && (rm & 4) ? 8 : 0);
            u32 m = sz_mask(sz);
            in.r[R_EAX] = (in.r[R_EAX] & ~m) | (d & m);
        }
        break;
    case K_CX8:
        if (rnd() % 2) {
            in.r[R_EAX] = ld32(init_win + (ea - WIN));
            in.r[R_EDX] = ld32(init_win + (ea - WIN) + 4);
        }
        break;
    case K_STR: {
        bool big = rnd() % 5 == 0;
        in.r[R_ESI] = WIN + 0xc00 + (rnd() & 0xff);
        in.r[R_EDI] = WIN + 0x1000 + (rnd() & 0xff);
        in.r[R_ECX] = big ? rnd() % (0x600 / sz) : rnd() % 40;
        if (!f->pfx && rnd() % 2) in.r[R_ECX] = val();
        /* equal runs so that REPE/REPNE stop at interesting places */
        u32 n = rnd() % 64;
        if (in.efl & FL_DF) memcpy(init_win + (in.r[R_EDI] - WIN) - n + 4, init_win + (in.r[R_ESI] - WIN) - n + 4, n);
        else memcpy(init_win + (in.r[R_EDI] - WIN), init_win + (in.r[R_ESI] - WIN), n);
        if (rnd() % 2) in.r[R_EAX] = ld32(init_win + (in.r[R_EDI] - WIN));
        if (rnd() % 2) memset(init_win + (in.r[R_EDI] - WIN) + (rnd() % 32), (int)in.r[R_EAX] & 0xff, 8);
        break;
    }
    case K_STACK:
        in.r[R_EBP] = WIN + 0x1400 + (rnd() & 0xff);
        if (f->op[0] == 0xc8) { /* ENTER: the frame stays in the window; nesting level */
            u32 alloc = rnd() % 0x600;
            g[gl - 2] = h[hl - 2] = (u8)alloc;
            g[gl - 1] = h[hl - 1] = (u8)(alloc >> 8);
            g[gl++] = h[hl++] = (u8)(rnd() % 4 ? rnd() % 8 : rnd());
        }
        break;
    case K_XLAT:
        in.r[R_EBX] = WIN + 0x800 + (rnd() & 0x3ff);
        break;
    }

    /* run */
    struct regs ho, go;
    if (f->kind == K_JCC) {
        h[hl++] = 0x8d; /* lea ebp, [rbp+1]: runs natively only when not taken */
        h[hl++] = 0x6d;
        h[hl++] = 0x01;
    }
    host_build(h, hl);
    int hs = host_run(&in, &ho);
    u8 hmem[WSIZE];
    memcpy(hmem, hwin, WSIZE);
    int gf = guest_run(g, gl, 1 + pre, &in, &go);
    cases_total++;

    if (f->kind == K_JCC && !hs && !gf) {
        bool ht = ho.r[R_EBP] == in.r[R_EBP], gt = guest_eip == TV_CODE + (u32)gl + 3;
        if (ht != gt || (!gt && guest_eip != TV_CODE + (u32)gl)) {
            snprintf(fail_msg, sizeof(fail_msg), "branch: host %s, vdebug at %x", ht ? "taken" : "not taken", guest_eip);
            printf("  %s: %s\n", f->name, fail_msg);
            fails++;
            return;
        }
        ho.r[R_EBP] = in.r[R_EBP];
    }
    u32 und = undef_of(&t);
    bool bad = false;
    fail_msg[0] = 0;
    if (hs || gf) {
        bool vec_ok = gf == -1 || (hs == SIGFPE && gf == 1 + EXC_DE) || (hs == SIGSEGV && gf > 0 && gf != 1 + EXC_DE);
        if (!hs || !gf || !vec_ok) {
            bad = true;
            snprintf(fail_msg, sizeof(fail_msg), "host signal %d, interpreter fault %d", hs, gf);
        } else {
            for (int r = 0; r < 8; r++)
                if (r != R_ESP && go.r[r] != in.r[r]) {
                    bad = true;
                    snprintf(fail_msg, sizeof(fail_msg), "fault not precise: r%d changed", r);
                }
        }
    } else if (und == ARITH && f->kind == K_SHXD) {
        /* result undefined too (16-bit SHLD/SHRD with count > 16): nothing to compare */
    } else {
        if (memcmp(ho.r, go.r, sizeof(ho.r))) { bad = true; snprintf(fail_msg, sizeof(fail_msg), "registers differ"); }
        if ((ho.efl ^ go.efl) & ~und & (ARITH | FL_DF)) {
            bad = true;
            snprintf(fail_msg + strlen(fail_msg), sizeof(fail_msg) - strlen(fail_msg), " flags differ (host %03x vs %03x, undefined %03x)", ho.efl, go.efl, und);
        }
        if (memcmp(hmem, tv_ram + WIN, WSIZE)) {
            u32 k = 0;
            while (hmem[k] == tv_ram[WIN + k]) k++;
            bad = true;
            snprintf(fail_msg + strlen(fail_msg), sizeof(fail_msg) - strlen(fail_msg), " memory differs at %x (host %02x vs %02x)", WIN + k, hmem[k], tv_ram[WIN + k]);
        }
    }
    if (bad) {
        if (fails++ < 3) {
            printf("  %s size %u %s: %s\n    bytes:", f->name, sz, mem ? "mem" : "reg", fail_msg);
            for (int k = 0; k < gl; k++) printf(" %02x", g[k]);
            fail_msg[0] = 0;
            dump("in", &in);
            if (!hs) dump("host", &ho);
            if (gf >= 0) dump("vdebug", &go);
            printf("\n   %s\n", fail_msg);
        }
    }
}

#define F(n, o0, o1, o2, ol, ext, imm, sizes, modes, undef, kind, cnt, pfx) \
    {n, {o0, o1, o2}, ol, ext, imm, sizes, modes, undef, kind, cnt, pfx}
#define ALU(N, b) \
    F(N "_EbGb", b + 0, 0, 0, 1, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0), \
    F(N "_EvGv", b + 1, 0, 0, 1, G_REG, IMM_NONE, SZ16 | SZ32, 3, 0, K_GEN, 0, 0), \
    F(N "_GbEb", b + 2, 0, 0, 1, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0), \
    F(N "_GvEv", b + 3, 0, 0, 1, G_REG, IMM_NONE, SZ16 | SZ32, 3, 0, K_GEN, 0, 0), \
    F(N "_ALIb", b + 4, 0, 0, 1, NO_MODRM, IMM_B, SZ8, 1, 0, K_GEN, 0, 0), \
    F(N "_eAXIz", b + 5, 0, 0, 1, NO_MODRM, IMM_Z, SZ16 | SZ32, 1, 0, K_GEN, 0, 0), \
    F(N "_EbIb", 0x80, 0, 0, 1, (b) >> 3, IMM_B, SZ8, 3, 0, K_GEN, 0, 0), \
    F(N "_EvIz", 0x81, 0, 0, 1, (b) >> 3, IMM_Z, SZ16 | SZ32, 3, 0, K_GEN, 0, 0), \
    F(N "_EvIbs", 0x83, 0, 0, 1, (b) >> 3, IMM_B, SZ16 | SZ32, 3, 0, K_GEN, 0, 0)
#define SHIFT(N, d, K) \
    F(N "_EbIb", 0xc0, 0, 0, 1, d, IMM_B, SZ8, 3, 0, K, CNT_IB, 0), \
    F(N "_EvIb", 0xc1, 0, 0, 1, d, IMM_B, SZ16 | SZ32, 3, 0, K, CNT_IB, 0), \
    F(N "_Eb1", 0xd0, 0, 0, 1, d, IMM_NONE, SZ8, 3, 0, K, CNT_1, 0), \
    F(N "_Ev1", 0xd1, 0, 0, 1, d, IMM_NONE, SZ16 | SZ32, 3, 0, K, CNT_1, 0), \
    F(N "_EbCL", 0xd2, 0, 0, 1, d, IMM_NONE, SZ8, 3, 0, K, CNT_CL, 0), \
    F(N "_EvCL", 0xd3, 0, 0, 1, d, IMM_NONE, SZ16 | SZ32, 3, 0, K, CNT_CL, 0)
#define LOGIC_UNDEF FL_AF
#define MUL_UNDEF (FL_SF | FL_ZF | FL_AF | FL_PF)
#define BT_UNDEF (FL_OF | FL_SF | FL_AF | FL_PF)
#define STR(N, o, pfx) F(N "B", o, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_STR, 0, pfx), \
    F(N "V", o + 1, 0, 0, 1, NO_MODRM, IMM_NONE, SZ16 | SZ32, 1, 0, K_STR, 0, pfx)
#define STRS(N, o) STR(N, o, 0), STR("REP_" N, o, 0xf3), STR("REPNE_" N, o, 0xf2)
#define V16 SZ16 | SZ32

static const struct tform forms[] = {
    ALU("ADD", 0x00), ALU("ADC", 0x10), ALU("SUB", 0x28), ALU("SBB", 0x18), ALU("CMP", 0x38),
    F("INC_Eb", 0xfe, 0, 0, 1, 0, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("INC_Ev", 0xff, 0, 0, 1, 0, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("DEC_Eb", 0xfe, 0, 0, 1, 1, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("DEC_Ev", 0xff, 0, 0, 1, 1, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("INC_Zv", 0x40, 0, 0, 1, NO_MODRM, IMM_NONE, V16, 1, 0, K_INCZ, 0, 0),
    F("DEC_Zv", 0x48, 0, 0, 1, NO_MODRM, IMM_NONE, V16, 1, 0, K_INCZ, 0, 0),
    F("NOT_Eb", 0xf6, 0, 0, 1, 2, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("NOT_Ev", 0xf7, 0, 0, 1, 2, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("NEG_Eb", 0xf6, 0, 0, 1, 3, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("NEG_Ev", 0xf7, 0, 0, 1, 3, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
};
static const struct tform forms_logic[] = {
    ALU("OR", 0x08), ALU("AND", 0x20), ALU("XOR", 0x30),
    F("TEST_EbGb", 0x84, 0, 0, 1, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("TEST_EvGv", 0x85, 0, 0, 1, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("TEST_ALIb", 0xa8, 0, 0, 1, NO_MODRM, IMM_B, SZ8, 1, 0, K_GEN, 0, 0),
    F("TEST_eAXIz", 0xa9, 0, 0, 1, NO_MODRM, IMM_Z, V16, 1, 0, K_GEN, 0, 0),
    F("TEST_EbIb", 0xf6, 0, 0, 1, 0, IMM_B, SZ8, 3, 0, K_GEN, 0, 0),
    F("TEST_EvIz", 0xf7, 0, 0, 1, 0, IMM_Z, V16, 3, 0, K_GEN, 0, 0),
};
static const struct tform forms2[] = {
    SHIFT("ROL", 0, K_ROT), SHIFT("ROR", 1, K_ROT), SHIFT("RCL", 2, K_RC), SHIFT("RCR", 3, K_RC),
    SHIFT("SHL", 4, K_SHL), SHIFT("SHR", 5, K_SHR), SHIFT("SAL", 6, K_SHL), SHIFT("SAR", 7, K_SAR),
    F("SHLD_EvGvIb", 0x0f, 0xa4, 0, 2, G_REG, IMM_B, V16, 3, 0, K_SHXD, CNT_IB, 0),
    F("SHLD_EvGvCL", 0x0f, 0xa5, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_SHXD, CNT_CL, 0),
    F("SHRD_EvGvIb", 0x0f, 0xac, 0, 2, G_REG, IMM_B, V16, 3, 0, K_SHXD, CNT_IB, 0),
    F("SHRD_EvGvCL", 0x0f, 0xad, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_SHXD, CNT_CL, 0),
    F("MUL_Eb", 0xf6, 0, 0, 1, 4, IMM_NONE, SZ8, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("MUL_Ev", 0xf7, 0, 0, 1, 4, IMM_NONE, V16, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("IMUL_Eb", 0xf6, 0, 0, 1, 5, IMM_NONE, SZ8, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("IMUL_Ev", 0xf7, 0, 0, 1, 5, IMM_NONE, V16, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("IMUL_GvEv", 0x0f, 0xaf, 0, 2, G_REG, IMM_NONE, V16, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("IMUL_GvEvIz", 0x69, 0, 0, 1, G_REG, IMM_Z, V16, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("IMUL_GvEvIbs", 0x6b, 0, 0, 1, G_REG, IMM_B, V16, 3, MUL_UNDEF, K_GEN, 0, 0),
    F("DIV_Eb", 0xf6, 0, 0, 1, 6, IMM_NONE, SZ8, 3, ARITH, K_DIV, 0, 0),
    F("DIV_Ev", 0xf7, 0, 0, 1, 6, IMM_NONE, V16, 3, ARITH, K_DIV, 0, 0),
    F("IDIV_Eb", 0xf6, 0, 0, 1, 7, IMM_NONE, SZ8, 3, ARITH, K_DIV, 0, 0),
    F("IDIV_Ev", 0xf7, 0, 0, 1, 7, IMM_NONE, V16, 3, ARITH, K_DIV, 0, 0),
    F("BT_EvGv", 0x0f, 0xa3, 0, 2, G_REG, IMM_NONE, V16, 3, BT_UNDEF, K_BTMEM, 0, 0),
    F("BTS_EvGv", 0x0f, 0xab, 0, 2, G_REG, IMM_NONE, V16, 3, BT_UNDEF, K_BTMEM, 0, 0),
    F("BTR_EvGv", 0x0f, 0xb3, 0, 2, G_REG, IMM_NONE, V16, 3, BT_UNDEF, K_BTMEM, 0, 0),
    F("BTC_EvGv", 0x0f, 0xbb, 0, 2, G_REG, IMM_NONE, V16, 3, BT_UNDEF, K_BTMEM, 0, 0),
    F("BT_EvIb", 0x0f, 0xba, 0, 2, 4, IMM_B, V16, 3, BT_UNDEF, K_GEN, 0, 0),
    F("BTS_EvIb", 0x0f, 0xba, 0, 2, 5, IMM_B, V16, 3, BT_UNDEF, K_GEN, 0, 0),
    F("BTR_EvIb", 0x0f, 0xba, 0, 2, 6, IMM_B, V16, 3, BT_UNDEF, K_GEN, 0, 0),
    F("BTC_EvIb", 0x0f, 0xba, 0, 2, 7, IMM_B, V16, 3, BT_UNDEF, K_GEN, 0, 0),
    F("BSF_GvEv", 0x0f, 0xbc, 0, 2, G_REG, IMM_NONE, V16, 3, ARITH & ~FL_ZF, K_GEN, 0, 0),
    F("BSR_GvEv", 0x0f, 0xbd, 0, 2, G_REG, IMM_NONE, V16, 3, ARITH & ~FL_ZF, K_GEN, 0, 0),
    F("CMPXCHG_EbGb", 0x0f, 0xb0, 0, 2, G_REG, IMM_NONE, SZ8, 3, 0, K_CMPXCHG, 0, 0),
    F("CMPXCHG_EvGv", 0x0f, 0xb1, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_CMPXCHG, 0, 0),
    F("XADD_EbGb", 0x0f, 0xc0, 0, 2, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("XADD_EvGv", 0x0f, 0xc1, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("CMPXCHG8B_Mq", 0x0f, 0xc7, 0, 2, 1, IMM_NONE, SZ32, M_MEM, 0, K_CX8, 0, 0),
    F("XCHG_EbGb", 0x86, 0, 0, 1, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("XCHG_EvGv", 0x87, 0, 0, 1, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("MOV_ALOb", 0xa0, 0, 0, 1, NO_MODRM, IMM_D, SZ8, 1, 0, K_MOFFS, 0, 0),
    F("MOV_eAXOv", 0xa1, 0, 0, 1, NO_MODRM, IMM_D, V16, 1, 0, K_MOFFS, 0, 0),
    F("MOV_ObAL", 0xa2, 0, 0, 1, NO_MODRM, IMM_D, SZ8, 1, 0, K_MOFFS, 0, 0),
    F("MOV_OveAX", 0xa3, 0, 0, 1, NO_MODRM, IMM_D, V16, 1, 0, K_MOFFS, 0, 0),
    F("MOV_ZbIb", 0xb0, 0, 0, 1, NO_MODRM, IMM_B, SZ8, 1, 0, K_ZREG, 0, 0),
    F("MOV_ZvIv", 0xb8, 0, 0, 1, NO_MODRM, IMM_Z, V16, 1, 0, K_ZREG, 0, 0),
    F("XCHG_ZveAX", 0x90, 0, 0, 1, NO_MODRM, IMM_NONE, V16, 1, 0, K_ZREG, 0, 0),
    F("PUSH_Zv", 0x50, 0, 0, 1, NO_MODRM, IMM_NONE, SZ16, 1, 0, K_ZREG, 0, 0),
    F("POP_Zv", 0x58, 0, 0, 1, NO_MODRM, IMM_NONE, SZ16, 1, 0, K_ZREG, 0, 0),
    F("NOP_Ev", 0x0f, 0x1f, 0, 2, 0, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("LOCK_ADD_EvGv", 0x01, 0, 0, 1, G_REG, IMM_NONE, V16, M_MEM, 0, K_GEN, 0, 0xf0),
    F("LOCK_SBB_EbIb", 0x80, 0, 0, 1, 3, IMM_B, SZ8, M_MEM, 0, K_GEN, 0, 0xf0),
    F("LOCK_XADD_EvGv", 0x0f, 0xc1, 0, 2, G_REG, IMM_NONE, V16, M_MEM, 0, K_GEN, 0, 0xf0),
    F("LOCK_CMPXCHG_EvGv", 0x0f, 0xb1, 0, 2, G_REG, IMM_NONE, V16, M_MEM, 0, K_CMPXCHG, 0, 0xf0),
    F("LOCK_BTS_EvGv", 0x0f, 0xab, 0, 2, G_REG, IMM_NONE, V16, M_MEM, BT_UNDEF, K_BTMEM, 0, 0xf0),
    F("LOCK_NEG_Ev", 0xf7, 0, 0, 1, 3, IMM_NONE, V16, M_MEM, 0, K_GEN, 0, 0xf0),
    F("LOCK_CMPXCHG8B_Mq", 0x0f, 0xc7, 0, 2, 1, IMM_NONE, SZ32, M_MEM, 0, K_CX8, 0, 0xf0),
    F("BSWAP_Zd", 0x0f, 0xc8, 0, 2, NO_MODRM, IMM_NONE, V16, 1, 0, K_ZREG, 0, 0),
    F("JCC_Jb", 0x70, 0, 0, 1, NO_MODRM, IMM_B, SZ32, 1, 0, K_JCC, 0, 0),
    F("JCC_Jz", 0x0f, 0x80, 0, 2, NO_MODRM, IMM_Z, SZ32, 1, 0, K_JCC, 0, 0),
    F("LOOP_Jb", 0xe2, 0, 0, 1, NO_MODRM, IMM_B, SZ32, 1, 0, K_JCC, 0, 0),
    F("LOOPE_Jb", 0xe1, 0, 0, 1, NO_MODRM, IMM_B, SZ32, 1, 0, K_JCC, 0, 0),
    F("LOOPNE_Jb", 0xe0, 0, 0, 1, NO_MODRM, IMM_B, SZ32, 1, 0, K_JCC, 0, 0),
    F("JCXZ_Jb", 0xe3, 0, 0, 1, NO_MODRM, IMM_B, SZ32, 1, 0, K_JCC, 0, 0),
    F("CMOVCC_GvEv", 0x0f, 0x40, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_CC, 0, 0),
    F("SETCC_Eb", 0x0f, 0x90, 0, 2, 0, IMM_NONE, SZ8, 3, 0, K_CC, 0, 0),
    F("MOVZX_GvEb", 0x0f, 0xb6, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("MOVZX_GvEw", 0x0f, 0xb7, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("MOVSX_GvEb", 0x0f, 0xbe, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("MOVSX_GvEw", 0x0f, 0xbf, 0, 2, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("CBW", 0x98, 0, 0, 1, NO_MODRM, IMM_NONE, V16, 1, 0, K_GEN, 0, 0),
    F("CWD", 0x99, 0, 0, 1, NO_MODRM, IMM_NONE, V16, 1, 0, K_GEN, 0, 0),
    F("LAHF", 0x9f, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("SAHF", 0x9e, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("CLC", 0xf8, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("STC", 0xf9, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("CLD", 0xfc, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("STD", 0xfd, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("CMC", 0xf5, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_GEN, 0, 0),
    F("XLAT", 0xd7, 0, 0, 1, NO_MODRM, IMM_NONE, SZ8, 1, 0, K_XLAT, 0, 0),
    F("MOV_EbGb", 0x88, 0, 0, 1, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("MOV_EvGv", 0x89, 0, 0, 1, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("MOV_GbEb", 0x8a, 0, 0, 1, G_REG, IMM_NONE, SZ8, 3, 0, K_GEN, 0, 0),
    F("MOV_GvEv", 0x8b, 0, 0, 1, G_REG, IMM_NONE, V16, 3, 0, K_GEN, 0, 0),
    F("MOV_EbIb", 0xc6, 0, 0, 1, 0, IMM_B, SZ8, 3, 0, K_GEN, 0, 0),
    F("MOV_EvIz", 0xc7, 0, 0, 1, 0, IMM_Z, V16, 3, 0, K_GEN, 0, 0),
    F("LEA_GvM", 0x8d, 0, 0, 1, G_REG, IMM_NONE, V16, M_MEM, 0, K_GEN, 0, 0),
    F("PUSH_Ev", 0xff, 0, 0, 1, 6, IMM_NONE, SZ16, 3, 0, K_GEN, 0, 0),
    F("POP_Ev", 0x8f, 0, 0, 1, 0, IMM_NONE, SZ16, 3, 0, K_GEN, 0, 0),
    F("PUSH_Iz", 0x68, 0, 0, 1, NO_MODRM, IMM_Z, SZ16, 1, 0, K_GEN, 0, 0),
    F("PUSH_Ibs", 0x6a, 0, 0, 1, NO_MODRM, IMM_B, SZ16, 1, 0, K_GEN, 0, 0),
    F("ENTER_IwIb", 0xc8, 0, 0, 1, NO_MODRM, IMM_W, SZ16, 1, 0, K_STACK, 0, 0),
    F("LEAVE", 0xc9, 0, 0, 1, NO_MODRM, IMM_NONE, SZ16, 1, 0, K_STACK, 0, 0),
    STRS("MOVS", 0xa4), STRS("CMPS", 0xa6), STRS("STOS", 0xaa), STRS("LODS", 0xac), STRS("SCAS", 0xae),
};

/* forms that need a fix-up of the encoding after the generic builder */
static void run_form(const struct tform *f, int n)
{
    int before = fails;
    int runs = 0;
    for (unsigned sz = 1; sz <= 4; sz *= 2) {
        if (!(f->sizes & sz)) continue;
        for (int m = 0; m < 2; m++) {
            if (!(f->modes & (1 << m))) continue;
            for (int k = 0; k < n; k++) one_case(f, sz, m == 1);
            runs += n;
        }
    }
    if (fails == before) printf("PASS hostcmp %s (%d cases)\n", f->name, runs);
    else printf("FAIL hostcmp %s: %d of %d cases differ\n", f->name, fails - before, runs);
    if (fails != before) test_failures_total++;
    (void)test_case_failed;
    (void)test_case_name;
    fflush(stdout);
}

static bool host_setup(void)
{
    void *a = mmap((void *)(uintptr_t)WIN, WSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *b = mmap((void *)(uintptr_t)HOSTIO, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *c = mmap((void *)(uintptr_t)HOSTCODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (a != (void *)(uintptr_t)WIN || b != (void *)(uintptr_t)HOSTIO || c != (void *)(uintptr_t)HOSTCODE) return false;
    static u8 altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    return true;
}

int main(void)
{
#if !defined(__x86_64__)
    printf("SKIP hostcmp: needs an x86-64 host\n");
    return 0;
#endif
    if (!host_setup()) {
        printf("SKIP hostcmp: cannot map the fixed test addresses\n");
        return 0;
    }
    const char *e = getenv("VD_HOSTCMP_N");
    int n = e ? atoi(e) : 1500;
    e = getenv("VD_HOSTCMP_SEED");
    if (e) rng = strtoull(e, NULL, 0) | 1;
    tv_reset();
    for (size_t k = 0; k < ARRAY_SIZE(forms); k++) run_form(&forms[k], n);
    for (size_t k = 0; k < ARRAY_SIZE(forms_logic); k++) {
        struct tform f = forms_logic[k];
        f.undef |= LOGIC_UNDEF;
        run_form(&f, n);
    }
    for (size_t k = 0; k < ARRAY_SIZE(forms2); k++) run_form(&forms2[k], n);
    printf("hostcmp: %d cases, %d differ\n", cases_total, fails);
    return test_summary();
}
