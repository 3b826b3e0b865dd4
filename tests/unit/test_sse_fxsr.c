/*
 * MMX/SSE state rules that the host comparison (tests/diff/sse_hostcmp.c)
 * cannot reach: the FXSAVE image and FXRSTOR's tag rebuilding (SDM Vol. 2
 * FXSAVE, Tables 3-53 and 3-56), MXCSR reserved bits, and the #UD/#NM/#MF/
 * #XM/#GP(alignment) checks by CR0/CR4.
 */
#include "test_ops_util.h"
#include "cpu/simd.h"

#define BUF 0x100000u

static void sse_on(void)
{
    tv_reset();
    tv->s.cr0 &= ~(CR0_EM | CR0_TS);
    tv->s.cr0 |= CR0_NE;
    tv->s.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
    memset(&tv->s.fpu, 0, sizeof(tv->s.fpu));
    tv->s.fpu.fcw = 0x037f;
    tv->s.fpu.ftw = 0xffff;
    tv->s.fpu.mxcsr = 0x1f80;
}

static void set_reg(u8 *r, u64 mant, u16 exp)
{
    st64(r, mant);
    st16(r + 8, exp);
}

TEST(fxsave_image)
{
    sse_on();
    struct fpu_state *f = &tv->s.fpu;
    f->fcw = 0x027f;
    f->fsw = (u16)(3u << 11) | 0x0100;
    f->ftw = 0x3c1b; /* R0 empty, R1 special, R2 zero, R3-R4 valid, R5-R6 empty, R7 valid */
    f->fop = 0x7ff;
    f->fip = 0x12345678;
    f->fcs = 0x0008;
    f->fdp = 0x9abcdef0;
    f->fds = 0x0010;
    for (int r = 0; r < 8; r++) set_reg(f->st[r], 0x8000000000000000ull | (u64)r, (u16)(0x3fff + r));
    for (int r = 0; r < 8; r++) memset(f->xmm[r], 0x11 * (r + 1), 16);
    f->mxcsr = 0x9fc0;
    memset(tv_ram + BUF, 0xee, 512);
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x05, 0x00, 0x00, 0x10, 0x00), 0); /* fxsave [0x100000] */
    const u8 *b = tv_ram + BUF;
    CHECK_EQ(ld16(b + 0), 0x027f);
    CHECK_EQ(ld16(b + 2), (3u << 11) | 0x0100);
    CHECK_EQ(b[4], 0x9e); /* abridged: 1 for R1-R4 and R7 */
    CHECK_EQ(b[5], 0);
    CHECK_EQ(ld16(b + 6), 0x7ff);
    CHECK_EQ(ld32(b + 8), 0x12345678);
    CHECK_EQ(ld16(b + 12), 8);
    CHECK_EQ(ld32(b + 16), 0x9abcdef0);
    CHECK_EQ(ld16(b + 20), 0x10);
    CHECK_EQ(ld32(b + 24), 0x9fc0);
    CHECK_EQ(ld32(b + 28), 0xffff); /* MXCSR_MASK: DAZ supported */
    for (int k = 0; k < 8; k++) { /* ST(k) = R[(3 + k) & 7] */
        CHECK_EQ(ld64(b + 32 + 16 * k), 0x8000000000000000ull | (u64)((3 + k) & 7));
        CHECK_EQ(ld16(b + 40 + 16 * k), 0x3fff + ((3 + k) & 7));
        CHECK_EQ(ld32(b + 42 + 16 * k), 0);
    }
    for (int r = 0; r < 8; r++) CHECK_EQ(b[160 + 16 * r + 7], 0x11 * (r + 1));
    CHECK_EQ(b[288], 0xee); /* 288-511 untouched */
    CHECK_EQ(b[511], 0xee);
}

TEST(fxrstor_rebuilds_tags)
{
    sse_on();
    u8 *b = tv_ram + BUF;
    memset(b, 0, 512);
    st16(b + 0, 0x037f);
    st16(b + 2, 5u << 11); /* TOS = 5: ST(k) is R[(5 + k) & 7] */
    st32(b + 24, 0x1f80);
    /* contents by physical register, and the class FXRSTOR must find */
    static const struct { u64 m; u16 e; bool used; unsigned tag; } r[8] = {
        {0x8000000000000000ull, 0x3fff, true, 0},  /* R0 normal: valid */
        {0, 0, true, 1},                           /* R1 +0: zero */
        {0, 0x8000, true, 1},                      /* R2 -0: zero */
        {1, 0, true, 2},                           /* R3 denormal: special */
        {0x8000000000000000ull, 0x7fff, true, 2},  /* R4 infinity: special */
        {0xc000000000000000ull, 0xffff, true, 2},  /* R5 NaN: special */
        {0x4000000000000000ull, 0x4000, true, 2},  /* R6 unnormal: special */
        {0x8000000000000000ull, 0x3fff, false, 3}, /* R7 marked empty: empty whatever it holds */
    };
    u8 ab = 0;
    for (int p = 0; p < 8; p++) {
        unsigned slot = (unsigned)(p - 5) & 7;
        st64(b + 32 + 16 * slot, r[p].m);
        st16(b + 40 + 16 * slot, r[p].e);
        if (r[p].used) ab |= (u8)(1 << p);
    }
    b[4] = ab;
    for (int k = 0; k < 16; k++) b[160 + k] = (u8)k; /* xmm0 */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x0d, 0x00, 0x00, 0x10, 0x00), 0); /* fxrstor [0x100000] */
    const struct fpu_state *f = &tv->s.fpu;
    for (int p = 0; p < 8; p++) {
        CHECK_EQ((f->ftw >> (2 * p)) & 3, r[p].tag);
        CHECK_EQ(ld64(f->st[p]), r[p].m);
    }
    CHECK_EQ((f->fsw >> 11) & 7, 5);
    CHECK_EQ(f->xmm[0][15], 15);
    /* FXSAVE gives the same abridged tags back */
    memset(b, 0, 512);
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x05, 0x00, 0x00, 0x10, 0x00), 0);
    CHECK_EQ(b[4], ab);
}

TEST(fxrstor_faults)
{
    sse_on();
    u8 *b = tv_ram + BUF;
    memset(b, 0, 512);
    st16(b + 0, 0x0000);
    st32(b + 24, 0x10000); /* reserved MXCSR bit: #GP(0), nothing loaded */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x0d, 0x00, 0x00, 0x10, 0x00), 1 + EXC_GP);
    CHECK_EQ(tv->s.fpu.fcw, 0x037f);
    sse_on();
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x05, 0x08, 0x00, 0x10, 0x00), 1 + EXC_GP); /* fxsave misaligned */
    sse_on();
    tv->s.cr0 |= CR0_TS;
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x05, 0x00, 0x00, 0x10, 0x00), 1 + EXC_NM);
    sse_on();
    tv->s.cr0 |= CR0_EM; /* FXSAVE: EM is #NM too, not #UD */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x05, 0x00, 0x00, 0x10, 0x00), 1 + EXC_NM);
}

TEST(fxsave_without_osfxsr)
{
    sse_on();
    tv->s.cr4 = 0;
    memset(tv->s.fpu.xmm, 0x55, sizeof(tv->s.fpu.xmm));
    u8 *b = tv_ram + BUF;
    memset(b, 0xee, 512);
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x05, 0x00, 0x00, 0x10, 0x00), 0);
    CHECK_EQ(ld16(b), 0x037f);
    CHECK_EQ(ld32(b + 24), 0xeeeeeeeeu); /* MXCSR and XMM not saved */
    CHECK_EQ(b[160], 0xee);
    memset(b + 160, 0, 128);
    st32(b + 24, 0xffffffffu); /* not loaded, so not checked either */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x0d, 0x00, 0x00, 0x10, 0x00), 0);
    CHECK_EQ(tv->s.fpu.mxcsr, 0x1f80);
    CHECK_EQ(tv->s.fpu.xmm[0][0], 0x55);
}

TEST(mxcsr_load_store)
{
    sse_on();
    st32(tv_ram + BUF, 0xffc0);
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x15, 0x00, 0x00, 0x10, 0x00), 0); /* ldmxcsr [0x100000] */
    CHECK_EQ(tv->s.fpu.mxcsr, 0xffc0);                                 /* DAZ accepted */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x1d, 0x04, 0x00, 0x10, 0x00), 0); /* stmxcsr [0x100004] */
    CHECK_EQ(ld32(tv_ram + BUF + 4), 0xffc0);
    st32(tv_ram + BUF, 0x10000);
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x15, 0x00, 0x00, 0x10, 0x00), 1 + EXC_GP);
    CHECK_EQ(tv->s.fpu.mxcsr, 0xffc0);
    sse_on();
    tv->s.cr4 = 0; /* LDMXCSR is an SSE instruction: #UD without OSFXSR */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xae, 0x15, 0x00, 0x00, 0x10, 0x00), 1 + EXC_UD);
}

TEST(mmx_state)
{
    sse_on();
    tv->s.fpu.fsw = 6u << 11;
    tv_r()[R_EAX] = 0x12345678;
    CHECK_EQ(TV_RUN(1, 0x0f, 0x6e, 0xd8), 0); /* movd mm3, eax */
    const struct fpu_state *f = &tv->s.fpu;
    CHECK_EQ(ld64(f->st[3]), 0x12345678);     /* physical R3 */
    CHECK_EQ(ld16(f->st[3] + 8), 0xffff);
    CHECK_EQ((f->fsw >> 11) & 7, 0);
    CHECK_EQ(f->ftw, 0x5595); /* none empty: R3 special (exponent 0xFFFF), the zeroed others zero */
    CHECK_EQ(TV_RUN(1, 0x0f, 0x77), 0);      /* emms */
    CHECK_EQ(f->ftw, 0xffff);
    sse_on();
    tv->s.cr4 = 0; /* MMX does not need OSFXSR */
    CHECK_EQ(TV_RUN(1, 0x0f, 0xef, 0xc0), 0); /* pxor mm0, mm0 */
    tv->s.cr0 |= CR0_EM;
    CHECK_EQ(TV_RUN(1, 0x0f, 0xef, 0xc0), 1 + EXC_UD);
    tv->s.cr0 = (tv->s.cr0 & ~CR0_EM) | CR0_TS;
    CHECK_EQ(TV_RUN(1, 0x0f, 0xef, 0xc0), 1 + EXC_NM);
    sse_on();
    tv->s.fpu.fsw = 0x0081; /* IE and ES: a pending x87 exception */
    tv->s.fpu.ftw = 0xfffc;
    CHECK_EQ(TV_RUN(1, 0x0f, 0xef, 0xc0), 1 + EXC_MF);
    CHECK_EQ(tv->s.fpu.ftw, 0xfffc); /* nothing changed */
}

TEST(sse_checks)
{
    static const u8 divps[] = {0x0f, 0x5e, 0xc1}; /* divps xmm0, xmm1 */
    sse_on();
    tv->s.cr4 = 0;
    CHECK_EQ(tv_run(divps, 3, 1), 1 + EXC_UD);
    sse_on();
    tv->s.cr0 |= CR0_EM;
    CHECK_EQ(tv_run(divps, 3, 1), 1 + EXC_UD);
    sse_on();
    tv->s.cr0 |= CR0_TS;
    CHECK_EQ(tv_run(divps, 3, 1), 1 + EXC_NM);
    /* 1/0 with ZE unmasked: #XM (or #UD without OSXMMEXCPT), no write, ZE set */
    for (int xm = 0; xm < 2; xm++) {
        sse_on();
        if (!xm) tv->s.cr4 = CR4_OSFXSR;
        tv->s.fpu.mxcsr = 0x1f80 & ~(1u << 9);
        for (int k = 0; k < 4; k++) st32(tv->s.fpu.xmm[0] + 4 * k, 0x3f800000);
        memset(tv->s.fpu.xmm[1], 0, 16);
        CHECK_EQ(tv_run(divps, 3, 1), 1 + (xm ? EXC_XM : EXC_UD));
        CHECK_EQ(ld32(tv->s.fpu.xmm[0]), 0x3f800000);
        CHECK_EQ(tv->s.fpu.mxcsr, (0x1f80 & ~(1u << 9)) | MXCSR_ZE);
    }
    /* masked: infinity, ZE set */
    sse_on();
    for (int k = 0; k < 4; k++) st32(tv->s.fpu.xmm[0] + 4 * k, 0x3f800000);
    memset(tv->s.fpu.xmm[1], 0, 16);
    CHECK_EQ(tv_run(divps, 3, 1), 0);
    CHECK_EQ(ld32(tv->s.fpu.xmm[0]), 0x7f800000);
    CHECK_EQ(tv->s.fpu.mxcsr, 0x1f80 | MXCSR_ZE);
    /* alignment: movaps/movdqa/addps m128 need 16 bytes, movups/movdqu and scalar forms do not */
    sse_on();
    CHECK_EQ(TV_RUN(1, 0x0f, 0x28, 0x05, 0x08, 0x00, 0x10, 0x00), 1 + EXC_GP); /* movaps xmm0, [0x100008] */
    CHECK_EQ(TV_RUN(1, 0x66, 0x0f, 0x6f, 0x05, 0x04, 0x00, 0x10, 0x00), 1 + EXC_GP);
    CHECK_EQ(TV_RUN(1, 0x0f, 0x58, 0x05, 0x08, 0x00, 0x10, 0x00), 1 + EXC_GP);
    CHECK_EQ(TV_RUN(1, 0x0f, 0x29, 0x05, 0x01, 0x00, 0x10, 0x00), 1 + EXC_GP); /* movaps store */
    CHECK_EQ(TV_RUN(1, 0x0f, 0x10, 0x05, 0x08, 0x00, 0x10, 0x00), 0);
    CHECK_EQ(TV_RUN(1, 0xf3, 0x0f, 0x6f, 0x05, 0x03, 0x00, 0x10, 0x00), 0);
    CHECK_EQ(TV_RUN(1, 0xf3, 0x0f, 0x58, 0x05, 0x01, 0x00, 0x10, 0x00), 0);
    CHECK_EQ(TV_RUN(1, 0x0f, 0x28, 0x05, 0x10, 0x00, 0x10, 0x00), 0);
}

TEST(cpuid_and_cr4)
{
    sse_on();
    tv_r()[R_EAX] = 1;
    CHECK_EQ(TV_RUN(1, 0x0f, 0xa2), 0);
    u32 edx = tv_r()[R_EDX];
    CHECK((edx >> 23) & 1); /* MMX */
    CHECK((edx >> 24) & 1); /* FXSR */
    CHECK((edx >> 25) & 1); /* SSE */
    CHECK((edx >> 26) & 1); /* SSE2 */
    CHECK((edx >> 19) & 1); /* CLFSH */
    CHECK_EQ((tv_r()[R_EBX] >> 8) & 0xff, 8);
    tv_r()[R_EAX] = CR4_OSFXSR | CR4_OSXMMEXCPT;
    CHECK_EQ(TV_RUN(1, 0x0f, 0x22, 0xe0), 0); /* mov cr4, eax */
    CHECK_EQ(tv->s.cr4, CR4_OSFXSR | CR4_OSXMMEXCPT);
}

/* Every MMX/SSE/SSE2 form of the decoder table has a handler, for each
 * operand size and register/memory variant. */
TEST(every_form_has_a_handler)
{
    int n = 0;
    for (unsigned op = 0; op < X86_OP_UD; op++) {
        const struct x86_form *f = &x86_forms[op];
        bool simd = op == X86_OP_EMMS || op == X86_OP_LFENCE || op == X86_OP_MFENCE || op == X86_OP_SFENCE ||
                    op == X86_OP_FXSAVE_M || op == X86_OP_FXRSTOR_M;
        for (int k = 0; k < 3; k++) simd |= x86_simd_opnd(f->opnd[k], NULL) != XK_NONE;
        if (!simd) continue;
        n++;
        for (int v = 0; v < 4; v++) {
            struct x86_insn in = {.op = (u16)op, .osize = v & 1 ? 4 : 2, .mod = v & 2 ? 0 : 3};
            if (cpu_select_handler(&in) == h_unimplemented) FAILF("%s has no handler", f->name);
        }
    }
    CHECK_EQ(n, 270);
}

int main(void)
{
    RUN(fxsave_image);
    RUN(fxrstor_rebuilds_tags);
    RUN(fxrstor_faults);
    RUN(fxsave_without_osfxsr);
    RUN(mxcsr_load_store);
    RUN(mmx_state);
    RUN(sse_checks);
    RUN(cpuid_and_cr4);
    RUN(every_form_has_a_handler);
    return test_summary();
}
