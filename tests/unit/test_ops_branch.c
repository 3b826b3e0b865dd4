/*
 * Near branches in the cases the native comparison does not reach: CALL and
 * RET through the stack, 16-bit operand size truncation, CS-limit #GP before
 * anything changes, address-size CX forms of LOOP/JCXZ, and REP string
 * instructions with faults, batching and 16-bit addressing.
 */
#include "test_ops_util.h"

TEST(call_ret_rel32)
{
    tv_reset();
    /* 2000: call 2010; 2005: jmp 2011; 2010: ret */
    u8 code[0x11] = {0xe8, 0x0b, 0, 0, 0, 0xeb, 0x0a};
    memset(code + 7, 0x90, 9);
    code[0x10] = 0xc3;
    CHECK_EQ(tv_run(code, sizeof(code), 4), 0);
    CHECK_EQ(tv->s.eip, TV_CODE + 0x11);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK);
    CHECK_EQ(ld32(tv_ram + TV_STACK - 4), TV_CODE + 5);
}

TEST(call_ev_and_jmp_ev)
{
    tv_reset();
    u8 code[0x11] = {0xff, 0xd0, 0xeb, 0x0d}; /* call eax; jmp 2011 */
    memset(code + 4, 0x90, 12);
    code[0x10] = 0xc3;
    tv_r()[R_EAX] = TV_CODE + 0x10;
    CHECK_EQ(tv_run(code, sizeof(code), 4), 0);
    CHECK_EQ(tv->s.eip, TV_CODE + 0x11);
    CHECK_EQ(ld32(tv_ram + TV_STACK - 4), TV_CODE + 2);
    tv_r()[R_EAX] = 0x12345678;
    CHECK_EQ(TV_RUN(1, 0x66, 0xff, 0xe0), 0); /* jmp ax: 16-bit target */
    CHECK_EQ(tv->s.eip, 0x5678);
}

TEST(jmp_rel16_truncates)
{
    tv_reset();
    CHECK_EQ(TV_RUN(1, 0x66, 0xe9, 0x00, 0xe0), 0); /* 2004 - 0x2000 */
    CHECK_EQ(tv->s.eip, 0x0004);
}

TEST(branch_beyond_cs_limit_is_gp_before_push)
{
    tv_reset();
    tv->s.seg[S_CS].limit = 0x2fff;
    cpu_seg_recompute(tv, S_CS);
    CHECK_EQ(TV_RUN(1, 0xe8, 0x00, 0x30, 0x00, 0x00), 1 + EXC_GP); /* call 0x5005 */
    CHECK_EQ(tv_fault_eip(true), TV_CODE);
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 16); /* only the exception frame */
    CHECK_EQ(ld32(tv_ram + TV_STACK - 16), 0); /* error code 0 */
    tv_reset();
    tv->s.seg[S_CS].limit = 0x2fff;
    cpu_seg_recompute(tv, S_CS);
    st32(tv_ram + TV_STACK - 4, 0x4000);
    tv_r()[R_ESP] = TV_STACK - 4;
    CHECK_EQ(TV_RUN(1, 0xc3), 1 + EXC_GP); /* ret to 0x4000 */
    CHECK_EQ(tv_r()[R_ESP], TV_STACK - 4 - 16);
}

TEST(loop_and_jcxz_address_size)
{
    tv_reset();
    tv_r()[R_ECX] = 0x12340003;
    CHECK_EQ(TV_RUN(10, 0x67, 0xe2, 0xfd), 0); /* loop (cx) to itself */
    CHECK_EQ(tv_r()[R_ECX], 0x12340000);
    tv_reset();
    tv_r()[R_ECX] = 0x00010000;
    CHECK_EQ(TV_RUN(1, 0x67, 0xe3, 0x10), 0); /* jcxz: CX is 0 */
    CHECK_EQ(tv->s.eip, TV_CODE + 3 + 0x10);
    tv_reset();
    tv_r()[R_ECX] = 0x00010000;
    CHECK_EQ(TV_RUN(1, 0xe3, 0x10), 0); /* jecxz: ECX is not 0 */
    CHECK_EQ(tv->s.eip, TV_CODE + 2);
}

TEST(rep_stos_fault_midway_commits_done_iterations)
{
    tv_reset();
    tv->s.seg[S_ES].limit = 0x1000ff;
    cpu_seg_recompute(tv, S_ES);
    tv_r()[R_EAX] = 0x5a;
    tv_r()[R_EDI] = 0x100000;
    tv_r()[R_ECX] = 0x200;
    CHECK_EQ(TV_RUN(10, 0xf3, 0xaa), 1 + EXC_GP);
    CHECK_EQ(tv_r()[R_ECX], 0x100);
    CHECK_EQ(tv_r()[R_EDI], 0x100100);
    CHECK_EQ(tv_ram[0x1000ff], 0x5a);
    CHECK_EQ(tv_ram[0x100100], 0);
    CHECK_EQ(tv_fault_eip(true), TV_CODE);
}

TEST(rep_movsd_long_runs_in_batches)
{
    /* forward: the page-run fast path, 16 pages per execution */
    tv_reset();
    for (u32 k = 0; k < 30000; k++) st32(tv_ram + 0x100000 + 4 * k, k * 2654435761u);
    tv_r()[R_ESI] = 0x100000;
    tv_r()[R_EDI] = 0x140000;
    tv_r()[R_ECX] = 30000;
    u64 before = tv->icount;
    CHECK_EQ(TV_RUN(100, 0xf3, 0xa5), 0);
    CHECK_EQ(tv_r()[R_ECX], 0);
    CHECK(tv->icount - before > 1); /* re-executed: interrupts could come in between */
    CHECK(!memcmp(tv_ram + 0x100000, tv_ram + 0x140000, 120000));
    CHECK_EQ(tv_r()[R_ESI], 0x100000 + 120000);
    /* backward: the element loop, 1024 iterations per execution */
    tv_reset();
    for (u32 k = 0; k < 5000; k++) st32(tv_ram + 0x100000 + 4 * k, ~k);
    tv->s.eflags |= FL_DF;
    tv_r()[R_ESI] = 0x100000 + 4 * 4999;
    tv_r()[R_EDI] = 0x108000 + 4 * 4999;
    tv_r()[R_ECX] = 5000;
    before = tv->icount;
    CHECK_EQ(TV_RUN(100, 0xf3, 0xa5), 0);
    CHECK_EQ(tv_r()[R_ECX], 0);
    CHECK_EQ(tv->icount - before, 5);
    CHECK(!memcmp(tv_ram + 0x100000, tv_ram + 0x108000, 20000));
    CHECK_EQ(tv_r()[R_EDI], 0x108000 - 4);
}

/* Overlapping forward move: byte iterations replicate the pattern (what
 * memmove would not do). The TLB is warm, so the fast path runs it. */
TEST(rep_movsb_overlap_replicates)
{
    tv_reset();
    memcpy(tv_ram + 0x100000, "xyz", 3);
    tv_r()[R_ESI] = 0x100000;
    tv_r()[R_EDI] = 0x100003;
    tv_r()[R_ECX] = 1;
    CHECK_EQ(TV_RUN(5, 0xf3, 0xa4), 0); /* warm the TLB */
    tv_r()[R_ECX] = 20;
    CHECK_EQ(TV_RUN(5, 0xf3, 0xa4), 0);
    CHECK(!memcmp(tv_ram + 0x100000, "xyzxyzxyzxyzxyzxyzxyzxyz", 24));
}

TEST(string_a16_wraps_si_di)
{
    tv_reset();
    tv_ram[0xffff] = 0x77;
    tv_r()[R_ESI] = 0x1234ffff;
    CHECK_EQ(TV_RUN(1, 0x67, 0xac), 0); /* lodsb with SI */
    CHECK_EQ(tv_r()[R_EAX] & 0xff, 0x77);
    CHECK_EQ(tv_r()[R_ESI], 0x12340000);
    tv_reset();
    tv->s.eflags |= FL_DF;
    tv_r()[R_EDI] = 0xabcd0000;
    tv_r()[R_ECX] = 0xffff0002;
    tv_r()[R_EAX] = 0x99;
    CHECK_EQ(TV_RUN(5, 0x67, 0xf3, 0xaa), 0); /* rep stosb with CX, DI going down */
    CHECK_EQ(tv_r()[R_EDI], 0xabcdfffe);
    CHECK_EQ(tv_r()[R_ECX], 0xffff0000);
    CHECK_EQ(tv_ram[0], 0x99);
    CHECK_EQ(tv_ram[0xffff], 0x99);
}

TEST(repe_cmps_stops_at_difference)
{
    tv_reset();
    memcpy(tv_ram + 0x100000, "abcdefgh", 8);
    memcpy(tv_ram + 0x100100, "abcdXfgh", 8);
    tv_r()[R_ESI] = 0x100000;
    tv_r()[R_EDI] = 0x100100;
    tv_r()[R_ECX] = 8;
    CHECK_EQ(TV_RUN(5, 0xf3, 0xa6), 0);
    CHECK_EQ(tv_r()[R_ECX], 3);
    CHECK_EQ(tv_r()[R_ESI], 0x100005);
    CHECK(!(tv_flags() & FL_ZF));
    CHECK(!(tv_flags() & FL_CF)); /* [esi] - [edi] = 'e' - 'X' > 0 */
}

int main(void)
{
    RUN(call_ret_rel32);
    RUN(call_ev_and_jmp_ev);
    RUN(jmp_rel16_truncates);
    RUN(branch_beyond_cs_limit_is_gp_before_push);
    RUN(loop_and_jcxz_address_size);
    RUN(rep_stos_fault_midway_commits_done_iterations);
    RUN(rep_movsd_long_runs_in_batches);
    RUN(rep_movsb_overlap_replicates);
    RUN(string_a16_wraps_si_di);
    RUN(repe_cmps_stops_at_difference);
    return test_summary();
}
