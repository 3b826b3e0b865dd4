/*
 * Stack instructions in the forms the native comparison cannot run (they do
 * not exist in 64-bit mode): PUSHA/POPA, 32-bit PUSH/POP/ENTER/LEAVE/RET,
 * and 16-bit stacks (SS.B = 0). Expected values follow the SDM's prose
 * (operation order, which ESP value is pushed or used for addressing).
 */
#include "test_ops_util.h"

static u32 mem32(u32 a) { return ld32(tv_ram + a); }

TEST(pusha_popa_32)
{
    tv_reset();
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) tv_r()[r] = 0x11111111u * (u32)(r + 1);
    CHECK_EQ(TV_RUN(1, 0x60), 0);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 32);
    for (int r = 0; r < 8; r++)
        CHECK_EQ(mem32(TV_STACK - 4 * (u32)(r + 1)), r == R_ESP ? TV_STACK : 0x11111111u * (u32)(r + 1));
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) tv_r()[r] = 0;
    st32(tv_ram + TV_STACK - 20, 0xdeadbeef); /* saved ESP slot: ignored by POPA */
    CHECK_EQ(TV_RUN(1, 0x61), 0);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) CHECK_EQ(tv_r()[r], 0x11111111u * (u32)(r + 1));
}

TEST(pusha_popa_16)
{
    tv_reset();
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) tv_r()[r] = 0xabcd0000u | (u32)(r + 1) * 0x101;
    CHECK_EQ(TV_RUN(1, 0x66, 0x60), 0);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 16);
    CHECK_EQ(ld16(tv_ram + TV_STACK - 2), 0x0101);          /* AX first */
    CHECK_EQ(ld16(tv_ram + TV_STACK - 10), TV_STACK & 0xffff); /* original SP */
    CHECK_EQ(ld16(tv_ram + TV_STACK - 16), 0x0808);         /* DI last */
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) tv_r()[r] = 0x55550000u;
    CHECK_EQ(TV_RUN(1, 0x66, 0x61), 0);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP) CHECK_EQ(tv_r()[r], 0x55550000u | (u32)(r + 1) * 0x101);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK);
}

TEST(push_esp_pushes_old_value_pop_esp_loads)
{
    tv_reset();
    CHECK_EQ(TV_RUN(1, 0x54), 0);
    CHECK_EQ(mem32(TV_STACK - 4), TV_STACK);
    st32(tv_ram + TV_STACK - 4, 0x12345678);
    CHECK_EQ(TV_RUN(1, 0x5c), 0);
    CHECK_EQ(tv_r()[R_ESP], 0x12345678);
}

TEST(pop_mem_esp_based_uses_incremented_esp)
{
    tv_reset();
    tv_r()[R_ESP] = TV_STACK - 8;
    st32(tv_ram + TV_STACK - 8, 0xcafef00d);
    CHECK_EQ(TV_RUN(1, 0x8f, 0x44, 0x24, 0x04), 0); /* pop dword [esp+4] */
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 4);
    CHECK_EQ(mem32(TV_STACK), 0xcafef00d); /* (ESP after pop) + 4 */
}

TEST(push_immediates_and_pop_reg)
{
    tv_reset();
    CHECK_EQ(TV_RUN(2, 0x68, 0x78, 0x56, 0x34, 0x12, 0x6a, 0xfe), 0);
    CHECK_EQ(mem32(TV_STACK - 4), 0x12345678);
    CHECK_EQ(mem32(TV_STACK - 8), 0xfffffffe);
    CHECK_EQ(TV_RUN(2, 0x5b, 0x66, 0x59), 0); /* pop ebx; pop cx */
    CHECK_EQ(tv_r()[R_EBX], 0xfffffffe);
    CHECK_EQ(tv_r()[R_ECX], 0x5678);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 2);
}

TEST(enter_nested_and_leave_32)
{
    tv_reset();
    tv_r()[R_EBP] = 0x7f000;
    st32(tv_ram + 0x7effc, 0x1111);
    st32(tv_ram + 0x7eff8, 0x2222);
    CHECK_EQ(TV_RUN(1, 0xc8, 0x08, 0x00, 0x03), 0); /* enter 8, 3 */
    CHECK_EQ(mem32(TV_STACK - 4), 0x7f000);
    CHECK_EQ(mem32(TV_STACK - 8), 0x1111);
    CHECK_EQ(mem32(TV_STACK - 12), 0x2222);
    CHECK_EQ(mem32(TV_STACK - 16), TV_STACK - 4);
    CHECK_EQ(tv_r()[R_EBP], TV_STACK - 4);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 16 - 8);
    CHECK_EQ(TV_RUN(1, 0xc9), 0); /* leave */
    CHECK_EQ(tv_r()[R_EBP], 0x7f000);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK);
}

TEST(enter_level0_and_1)
{
    tv_reset();
    tv_r()[R_EBP] = 0x5555;
    CHECK_EQ(TV_RUN(1, 0xc8, 0x10, 0x00, 0x00), 0);
    CHECK_EQ(tv_r()[R_EBP], TV_STACK - 4);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 4 - 0x10);
    tv_reset();
    tv_r()[R_EBP] = 0x5555;
    CHECK_EQ(TV_RUN(1, 0xc8, 0x00, 0x00, 0x01), 0); /* level 1: pushes the frame pointer too */
    CHECK_EQ(mem32(TV_STACK - 8), TV_STACK - 4);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 8);
}

TEST(ret_imm_32)
{
    tv_reset();
    tv_r()[R_ESP] = TV_STACK - 12;
    st32(tv_ram + TV_STACK - 12, TV_CODE + 3);
    CHECK_EQ(TV_RUN(1, 0xc2, 0x08, 0x00), 0);
    CHECK_EQ(tv->s.eip, TV_CODE + 3);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK);
}

static void stack16(void)
{
    tv->s.seg[S_SS].attr = 0x0093;
    tv->s.seg[S_SS].limit = 0xffff;
    cpu_seg_recompute(tv, S_SS);
}

TEST(stack16_push_wraps_sp_only)
{
    tv_reset();
    stack16();
    tv_r()[R_ESP] = 0x12340000;
    tv_r()[R_EAX] = 0xa1b2c3d4;
    CHECK_EQ(TV_RUN(1, 0x50), 0);
    CHECK_EQ(tv_r()[R_ESP], 0x1234fffc);
    CHECK_EQ(mem32(0xfffc), 0xa1b2c3d4);
    CHECK_EQ(TV_RUN(1, 0x5b), 0);
    CHECK_EQ(tv_r()[R_ESP], 0x12340000);
    CHECK_EQ(tv_r()[R_EBX], 0xa1b2c3d4);
}

TEST(stack_fault_is_precise)
{
    tv_reset();
    /* expand-down stack: offsets above TV_STACK-20 are valid, enough for the
     * exception frame (16 bytes) but not for PUSHA's 32 */
    tv->s.seg[S_SS].attr = 0xc097;
    tv->s.seg[S_SS].limit = TV_STACK - 20;
    cpu_seg_recompute(tv, S_SS);
    CHECK_EQ(TV_RUN(1, 0x60), 1 + EXC_SS);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 16); /* ESP was untouched when the fault hit */
    CHECK_EQ(tv_fault_eip(true), TV_CODE);
    CHECK_EQ(mem32(TV_STACK - 16), 0); /* error code */
}

int main(void)
{
    RUN(pusha_popa_32);
    RUN(pusha_popa_16);
    RUN(push_esp_pushes_old_value_pop_esp_loads);
    RUN(pop_mem_esp_based_uses_incremented_esp);
    RUN(push_immediates_and_pop_reg);
    RUN(enter_nested_and_leave_32);
    RUN(enter_level0_and_1);
    RUN(ret_imm_32);
    RUN(stack16_push_wraps_sp_only);
    RUN(stack_fault_is_precise);
    return test_summary();
}
