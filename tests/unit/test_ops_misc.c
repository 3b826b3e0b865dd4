/*
 * Faults and documented choices of the integer handlers: #DE (precise),
 * #BR, #UD, CMOVcc's unconditional source read, hint NOPs that never touch
 * memory, BSWAP with 16-bit operand size, and the lazy-flags fast paths
 * agreeing with materialized EFLAGS.
 */
#include "test_ops_util.h"

TEST(div_by_zero_is_precise_de)
{
    tv_reset();
    tv_r()[R_EAX] = 0x1111;
    tv_r()[R_EDX] = 0x2222;
    CHECK_EQ(TV_RUN(1, 0xf7, 0xf3), 1 + EXC_DE); /* div ebx (0) */
    CHECK_EQ(tv_r()[R_EAX], 0x1111);
    CHECK_EQ(tv_r()[R_EDX], 0x2222);
    CHECK_EQ(tv_fault_eip(false), TV_CODE);
}

TEST(idiv_overflow_is_de)
{
    tv_reset();
    tv_r()[R_EAX] = 0x80000000u;
    tv_r()[R_EDX] = 0xffffffffu;
    tv_r()[R_EBX] = 0xffffffffu;
    CHECK_EQ(TV_RUN(1, 0xf7, 0xfb), 1 + EXC_DE); /* idiv ebx: INT_MIN / -1 */
    tv_reset();
    tv_r()[R_EAX] = 0x8000;
    tv_r()[R_EBX] = 0xff;
    CHECK_EQ(TV_RUN(1, 0xf6, 0xfb), 1 + EXC_DE); /* idiv bl: -32768 / -1 */
    tv_reset();
    tv_r()[R_EAX] = 0xff80;
    tv_r()[R_EBX] = 0x01;
    CHECK_EQ(TV_RUN(1, 0xf6, 0xfb), 0); /* -128 / 1 fits */
    CHECK_EQ(tv_r()[R_EAX], 0x0080);
}

TEST(bound_br)
{
    tv_reset();
    st32(tv_ram + 0x100000, (u32)-5);
    st32(tv_ram + 0x100004, 10);
    tv_r()[R_EBX] = 0x100000;
    tv_r()[R_EAX] = 10;
    CHECK_EQ(TV_RUN(1, 0x62, 0x03), 0);
    tv_r()[R_EAX] = (u32)-5;
    CHECK_EQ(TV_RUN(1, 0x62, 0x03), 0);
    tv_r()[R_EAX] = 11;
    CHECK_EQ(TV_RUN(1, 0x62, 0x03), 1 + EXC_BR);
    tv_reset();
    st16(tv_ram + 0x100000, 0x8000); /* 16-bit: [-32768, 0] */
    st16(tv_ram + 0x100002, 0);
    tv_r()[R_EBX] = 0x100000;
    tv_r()[R_EAX] = 0x7fff0001; /* AX = 1 */
    CHECK_EQ(TV_RUN(1, 0x66, 0x62, 0x03), 1 + EXC_BR);
    tv_reset();
    st16(tv_ram + 0x100000, 0x8000);
    tv_r()[R_EBX] = 0x100000;
    tv_r()[R_EAX] = 0xffff;
    CHECK_EQ(TV_RUN(1, 0x66, 0x62, 0x03), 0);
}

TEST(ud_forms)
{
    tv_reset();
    CHECK_EQ(TV_RUN(1, 0x0f, 0x0b), 1 + EXC_UD);
    tv_reset();
    CHECK_EQ(TV_RUN(1, 0x0f, 0xb9, 0xc0), 1 + EXC_UD);
    tv_reset();
    CHECK_EQ(TV_RUN(1, 0x0f, 0xff, 0xc0), 1 + EXC_UD);
}

TEST(cmov_reads_source_even_when_false)
{
    tv_reset();
    tv->s.seg[S_DS].limit = 0xfffff;
    cpu_seg_recompute(tv, S_DS);
    tv_r()[R_EBX] = 0x200000;
    tv_r()[R_EAX] = 0x1234;
    CHECK_EQ(TV_RUN(1, 0x0f, 0x44, 0x03), 1 + EXC_GP); /* cmove eax, [ebx]; ZF = 0 */
    CHECK_EQ(tv_r()[R_EAX], 0x1234);
    tv_reset();
    tv_r()[R_EAX] = 0xaaaaaaaa;
    tv_r()[R_ECX] = 0x55555555;
    CHECK_EQ(TV_RUN(1, 0x0f, 0x44, 0xc1), 0); /* cmove eax, ecx; false: EAX kept */
    CHECK_EQ(tv_r()[R_EAX], 0xaaaaaaaa);
}

TEST(hint_nop_does_not_access_memory)
{
    tv_reset();
    tv->s.seg[S_DS].limit = 0xfffff;
    cpu_seg_recompute(tv, S_DS);
    tv_r()[R_EBX] = 0x200000;
    CHECK_EQ(TV_RUN(1, 0x0f, 0x1f, 0x03), 0);
}

TEST(bswap16_clears_low_word)
{
    tv_reset();
    tv_r()[R_EDX] = 0x11223344;
    CHECK_EQ(TV_RUN(1, 0x66, 0x0f, 0xca), 0);
    CHECK_EQ(tv_r()[R_EDX], 0x11220000);
    CHECK_EQ(TV_RUN(1, 0x0f, 0xca), 0);
    CHECK_EQ(tv_r()[R_EDX], 0x00002211);
}

TEST(bsf_zero_source_keeps_destination)
{
    tv_reset();
    tv_r()[R_EAX] = 0xdeadbeef;
    CHECK_EQ(TV_RUN(1, 0x0f, 0xbc, 0xc1), 0); /* bsf eax, ecx (0) */
    CHECK_EQ(tv_r()[R_EAX], 0xdeadbeef);
    CHECK(tv_flags() & FL_ZF);
}

/* After each flag producer, every condition from the fast path must equal
 * the condition computed from materialized EFLAGS. */
TEST(cond_fast_matches_eflags)
{
    static const u8 prods[][3] = {{0x39, 0xd8}, {0x38, 0xd8}, {0x66, 0x39, 0xd8}, {0x85, 0xd8}, {0x84, 0xd8},
                                  {0x01, 0xd8}, {0x29, 0xd8}, {0x21, 0xd8}, {0x40}, {0x48}, {0xd3, 0xe0}};
    static const u8 plen[] = {2, 2, 3, 2, 2, 2, 2, 2, 1, 1, 2};
    static const u32 vals[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678};
    for (size_t p = 0; p < ARRAY_SIZE(prods); p++)
        for (size_t a = 0; a < ARRAY_SIZE(vals); a++)
            for (size_t b = 0; b < ARRAY_SIZE(vals); b++) {
                tv_reset();
                tv_r()[R_EAX] = vals[a];
                tv_r()[R_EBX] = vals[b];
                tv_r()[R_ECX] = vals[b] & 7;
                CHECK_EQ(tv_run(prods[p], plen[p], 1), 0);
                struct lazyflags saved = tv->lf;
                for (int cc = 0; cc < 16; cc++) {
                    tv->lf = saved;
                    bool fast = cpu_cond_fast(tv, cc);
                    tv->lf = saved;
                    u32 f = cpu_get_eflags(tv);
                    bool of = f & FL_OF, cf = f & FL_CF, zf = f & FL_ZF, sf = f & FL_SF, pf = f & FL_PF;
                    bool want[8] = {of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of};
                    CHECK_EQ(fast, want[cc >> 1] ^ (cc & 1));
                }
                if (test_case_failed) return;
            }
}

/* A segment override applies to the string source only; ES:EDI stays. */
TEST(string_override_source_only)
{
    tv_reset();
    tv->s.seg[S_FS].base = 0x100000;
    tv->s.seg[S_ES].base = 0x108000;
    cpu_seg_recompute(tv, S_FS);
    cpu_seg_recompute(tv, S_ES);
    tv_ram[0x100010] = 0x42;
    tv_ram[0x10] = 0x99;
    tv_r()[R_ESI] = 0x10;
    tv_r()[R_EDI] = 0x20;
    CHECK_EQ(TV_RUN(1, 0x64, 0xa4), 0); /* fs movsb */
    CHECK_EQ(tv_ram[0x108020], 0x42);
    tv_r()[R_EDI] = 0x20;
    tv_r()[R_EAX] = 0x42;
    CHECK_EQ(TV_RUN(1, 0x64, 0xae), 0); /* fs scasb: ES:EDI regardless */
    CHECK(tv_flags() & FL_ZF);
}

int main(void)
{
    RUN(div_by_zero_is_precise_de);
    RUN(idiv_overflow_is_de);
    RUN(bound_br);
    RUN(ud_forms);
    RUN(cmov_reads_source_even_when_false);
    RUN(hint_nop_does_not_access_memory);
    RUN(bswap16_clears_low_word);
    RUN(bsf_zero_source_keeps_destination);
    RUN(cond_fast_matches_eflags);
    RUN(string_override_source_only);
    return test_summary();
}
