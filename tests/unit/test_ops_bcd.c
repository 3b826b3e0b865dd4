/*
 * Decimal-adjust instructions, checked against decimal arithmetic rather
 * than against the SDM pseudo-code the handlers follow: for every valid
 * packed/unpacked BCD operand pair, ADD/ADC/SUB followed by the adjust must
 * give the decimal result and carry. AAM/AAD against division/multiply.
 * (Native comparison is impossible here: these opcodes do not exist in
 * 64-bit mode; see tests/diff/hostcmp.c.)
 */
#include "test_ops_util.h"

static u32 bcd(u32 v) { return ((v / 10) << 4) | (v % 10); }

TEST(daa_after_add_and_adc)
{
    for (u32 cin = 0; cin < 2; cin++)
        for (u32 a = 0; a < 100; a++)
            for (u32 b = 0; b < 100; b++) {
                tv_reset();
                tv_r()[R_EAX] = 0xabcd0000u | bcd(a);
                tv_r()[R_EBX] = bcd(b);
                tv->s.eflags |= cin ? FL_CF : 0;
                CHECK_EQ(TV_RUN(2, 0x10, 0xd8, 0x27), 0); /* adc al, bl; daa */
                u32 s = a + b + cin;
                CHECK_EQ(tv_r()[R_EAX], 0xabcd0000u | bcd(s % 100));
                CHECK_EQ(!!(tv_flags() & FL_CF), s >= 100);
                CHECK_EQ(!!(tv_flags() & FL_ZF), s % 100 == 0);
                if (test_case_failed) return;
            }
}

TEST(das_after_sub_and_sbb)
{
    for (u32 cin = 0; cin < 2; cin++)
        for (u32 a = 0; a < 100; a++)
            for (u32 b = 0; b < 100; b++) {
                tv_reset();
                tv_r()[R_EAX] = bcd(a);
                tv_r()[R_EBX] = bcd(b);
                tv->s.eflags |= cin ? FL_CF : 0;
                CHECK_EQ(TV_RUN(2, 0x18, 0xd8, 0x2f), 0); /* sbb al, bl; das */
                int d = (int)a - (int)b - (int)cin;
                CHECK_EQ(tv_r()[R_EAX], bcd((u32)(d + 100) % 100));
                CHECK_EQ(!!(tv_flags() & FL_CF), d < 0);
                if (test_case_failed) return;
            }
}

TEST(aaa_aas_unpacked)
{
    for (u32 a = 0; a < 10; a++)
        for (u32 b = 0; b < 10; b++)
            for (u32 h = 0; h < 256; h += 51) {
                tv_reset();
                tv_r()[R_EAX] = (h << 8) | a;
                tv_r()[R_EBX] = b;
                CHECK_EQ(TV_RUN(2, 0x00, 0xd8, 0x37), 0); /* add al, bl; aaa */
                CHECK_EQ(tv_r()[R_EAX], ((((h + (a + b >= 10)) & 0xff) << 8) | ((a + b) % 10)));
                CHECK_EQ(!!(tv_flags() & FL_CF), a + b >= 10);
                CHECK_EQ(!!(tv_flags() & FL_AF), a + b >= 10);
                tv_reset();
                tv_r()[R_EAX] = (h << 8) | a;
                tv_r()[R_EBX] = b;
                CHECK_EQ(TV_RUN(2, 0x28, 0xd8, 0x3f), 0); /* sub al, bl; aas */
                CHECK_EQ(tv_r()[R_EAX], ((((h - (a < b)) & 0xff) << 8) | ((a + 10 - b) % 10)));
                CHECK_EQ(!!(tv_flags() & FL_CF), a < b);
                if (test_case_failed) return;
            }
}

TEST(aam_aad_arithmetic)
{
    static const u32 bases[] = {1, 2, 7, 10, 16, 100, 255};
    for (size_t k = 0; k < ARRAY_SIZE(bases); k++)
        for (u32 v = 0; v < 256; v++) {
            u32 base = bases[k];
            u8 aam[] = {0xd4, (u8)base}, aad[] = {0xd5, (u8)base};
            tv_reset();
            tv_r()[R_EAX] = 0x12345600u | v;
            CHECK_EQ(tv_run(aam, 2, 1), 0);
            CHECK_EQ(tv_r()[R_EAX], 0x12340000u | ((v / base) << 8) | (v % base));
            CHECK_EQ(!!(tv_flags() & FL_ZF), v % base == 0);
            CHECK_EQ(!!(tv_flags() & FL_SF), (v % base) >= 0x80);
            tv_reset();
            tv_r()[R_EAX] = 0x12340000u | (v << 8) | 0x37;
            CHECK_EQ(tv_run(aad, 2, 1), 0);
            CHECK_EQ(tv_r()[R_EAX], 0x12340000u | ((0x37 + v * base) & 0xff));
            if (test_case_failed) return;
        }
}

TEST(aam_zero_is_de_and_precise)
{
    tv_reset();
    tv_r()[R_EAX] = 0x1234;
    CHECK_EQ(TV_RUN(1, 0xd4, 0x00), 1 + EXC_DE);
    CHECK_EQ(tv_r()[R_EAX], 0x1234);
    CHECK_EQ(tv_fault_eip(false), TV_CODE);
}

TEST(salc)
{
    tv_reset();
    tv_r()[R_EAX] = 0x11223344;
    tv->s.eflags |= FL_CF;
    CHECK_EQ(TV_RUN(1, 0xd6), 0);
    CHECK_EQ(tv_r()[R_EAX], 0x112233ff);
    CHECK_EQ(TV_RUN(2, 0xf8, 0xd6), 0); /* clc; salc */
    CHECK_EQ(tv_r()[R_EAX], 0x11223300);
}

int main(void)
{
    RUN(daa_after_add_and_adc);
    RUN(das_after_sub_and_sbb);
    RUN(aaa_aas_unpacked);
    RUN(aam_aad_arithmetic);
    RUN(aam_zero_is_de_and_precise);
    RUN(salc);
    return test_summary();
}
