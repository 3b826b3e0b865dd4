/*
 * The run loop executes decoded blocks (src/cpu/block.h). These cases check
 * that blocks change nothing the guest can see: code written by the block
 * itself runs as written, a fault in the middle of a block or on the fetch
 * of its next page is precise, a TLB change inside a block is seen by the
 * next instruction, budgets end inside blocks, and breakpoints, debug
 * registers and single-step behave per instruction in code that is already
 * cached. Expected values are what the SDM specifies for one instruction at
 * a time (and what the interpreter did before blocks).
 */
#include "test_ops_util.h"
#include "cpu/sys.h"
#include "cpu/debugreg.h"

enum { PD = 0x110000, PT = 0x111000, COUNTER = 0x100000 };

/* Identity-map the first 4 MiB (4 KiB pages) and turn paging on; `hole`
 * (a page address, or 0) is left not present. */
static void paging_identity(u32 hole)
{
    memset(tv_ram + PD, 0, 0x2000);
    st32(tv_ram + PD, PT | PG_P | PG_RW);
    for (u32 p = 0; p < 1024; p++)
        if (p << 12 != hole || !hole) st32(tv_ram + PT + 4 * p, (p << 12) | PG_P | PG_RW);
    tv->s.cr3 = PD;
    tv->s.cr0 |= CR0_PG;
    cpu_tlb_flush(tv, true);
}

static void paging_off(void)
{
    tv->s.cr0 &= ~CR0_PG;
    cpu_tlb_flush(tv, true);
}

static void put_code(u32 at, const u8 *code, size_t n)
{
    memcpy(tv_ram + at, code, n);
    cpu_invalidate_host(tv, tv_ram + at, n);
}

/* Run from `eip` until HLT (or `max` instructions). */
static enum cpu_exit run_at(u32 eip, u64 max)
{
    tv->step_mode = false;
    tv->events &= ~EV_HALT;
    tv->s.eip = eip;
    return cpu_run(tv, max);
}

/* inc byte [imm]; add al, imm8 (the byte inc just wrote); loop; hlt */
static const u8 smc_loop[] = {
    0xb9, 0x03, 0x00, 0x00, 0x00,             /* mov ecx, 3 */
    0xfe, 0x05, 0x0c, 0x20, 0x00, 0x00,       /* top: inc byte [0x200c] */
    0x04, 0x00,                               /* add al, 0 <- imm at 0x200c */
    0xe2, 0xf6,                               /* loop top */
    0xf4,                                     /* hlt */
};

TEST(smc_next_instruction_in_same_block)
{
    tv_reset();
    put_code(TV_CODE, smc_loop, sizeof(smc_loop));
    CHECK_EQ(run_at(TV_CODE, 1000), CPU_EXIT_HLT);
    CHECK_EQ(tv_r()[R_EAX], 1 + 2 + 3);
    CHECK_EQ(tv_r()[R_ECX], 0);
    /* again, with the blocks cached and the immediate now 3 */
    tv_r()[R_EAX] = 0;
    CHECK_EQ(run_at(TV_CODE, 1000), CPU_EXIT_HLT);
    CHECK_EQ(tv_r()[R_EAX], 4 + 5 + 6);
}

TEST(smc_through_second_linear_alias)
{
    /* the block is keyed by host address: a write through another linear
     * mapping of the same physical page must still drop it */
    tv_reset();
    paging_identity(0);
    st32(tv_ram + PT + 4 * 0x200, 0x2000 | PG_P | PG_RW); /* 0x200000 -> 0x2000 too */
    static const u8 code[] = {
        0xb8, 0x00, 0x00, 0x00, 0x00,                   /* mov eax, 0 */
        0xc6, 0x05, 0x15, 0x00, 0x20, 0x00, 0x07,       /* mov byte [0x200015], 7: the add's immediate */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, /* nop x8 */
        0x04, 0x01,                                     /* 0x2014: add al, 1 */
        0xf4,
    };
    put_code(TV_CODE, code, sizeof(code));
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_HLT);
    CHECK_EQ(tv_r()[R_EAX], 7);
    paging_off();
}

TEST(fault_in_the_middle_of_a_block)
{
    tv_reset();
    static const u8 code[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00,         /* mov eax, 1 */
        0xbb, 0x02, 0x00, 0x00, 0x00,         /* mov ebx, 2 */
        0x31, 0xc9,                           /* xor ecx, ecx */
        0xf7, 0xf1,                           /* div ecx: #DE */
        0xbe, 0x05, 0x00, 0x00, 0x00,         /* mov esi, 5 (never) */
        0xf4,
    };
    put_code(TV_CODE, code, sizeof(code));
    for (int pass = 0; pass < 2; pass++) { /* decoded, then cached */
        memset(tv_r(), 0, 4 * 4);
        tv_r()[R_ESP] = TV_STACK;
        u64 before = tv->icount;
        CHECK_EQ(run_at(TV_CODE, 1000), CPU_EXIT_HLT);
        CHECK_EQ(tv->s.eip, 0x3000 + 16 * EXC_DE + 1); /* halted in the #DE handler */
        CHECK_EQ(tv_fault_eip(false), TV_CODE + 12);
        CHECK_EQ(tv_r()[R_EAX], 1);
        CHECK_EQ(tv_r()[R_EBX], 2);
        CHECK_EQ(tv_r()[R_ESI], 0);
        CHECK_EQ(tv->icount - before, 3 + 1); /* three retired, then the handler's HLT */
    }
}

TEST(budget_ends_inside_a_block)
{
    tv_reset();
    static const u8 code[] = {0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0xf4}; /* inc eax x6; hlt */
    put_code(TV_CODE, code, sizeof(code));
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_HLT); /* cache it */
    tv_r()[R_EAX] = 0;
    u64 before = tv->icount;
    CHECK_EQ(run_at(TV_CODE, 4), CPU_EXIT_BUDGET);
    CHECK_EQ(tv->s.eip, TV_CODE + 4);
    CHECK_EQ(tv_r()[R_EAX], 4);
    CHECK_EQ(tv->icount - before, 4);
    tv->step_mode = false;
    CHECK_EQ(cpu_run(tv, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(tv->s.eip, TV_CODE + 5);
}

/* Code ending at 0x5000, whose next page is not present. */
static void crossing_case(const u8 *code, size_t n, u32 fault_eip, u32 eax, u32 ebx)
{
    tv_reset();
    paging_identity(0x5000);
    u32 at = 0x5000 - (u32)n;
    put_code(at, code, n);
    CHECK_EQ(run_at(at, 100), CPU_EXIT_HLT);
    CHECK_EQ(tv->s.eip, 0x3000 + 16 * EXC_PF + 1);
    CHECK_EQ(tv->s.cr2, 0x5000);
    CHECK_EQ(ld32(tv_ram + tv_r()[R_ESP]), 0); /* error code: supervisor read of a not-present page */
    CHECK_EQ(tv_fault_eip(true), fault_eip);
    CHECK_EQ(tv_r()[R_EAX], eax);
    CHECK_EQ(tv_r()[R_EBX], ebx);
    paging_off();
}

TEST(block_ends_at_page_with_unmapped_next_page)
{
    static const u8 code[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00,         /* mov eax, 1 */
        0xbb, 0x02, 0x00, 0x00, 0x00,         /* mov ebx, 2; the next instruction is at 0x5000 */
    };
    crossing_case(code, sizeof(code), 0x5000, 1, 2);
}

TEST(instruction_straddling_into_unmapped_page)
{
    static const u8 code[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00,         /* mov eax, 1 */
        0xbb, 0x02, 0x00,                     /* mov ebx, 0x..0002: bytes 4-5 on the next page */
    };
    crossing_case(code, sizeof(code), 0x5000 - 3, 1, 0);
}

TEST(invlpg_of_own_code_page_inside_block)
{
    /* linear 0x6000 runs from physical 0x6000; the code remaps it to
     * physical 0x7000 (same code but for one immediate) and INVLPGs it:
     * the very next instruction comes from 0x7000 */
    tv_reset();
    paging_identity(0);
    static const u8 code[] = {
        0xc7, 0x05, 0x18, 0x10, 0x11, 0x00, 0x03, 0x70, 0x00, 0x00, /* mov dword [PT+6*4], 0x7003 */
        0x0f, 0x01, 0x3d, 0x00, 0x60, 0x00, 0x00, /* invlpg [0x6000] */
        0xb8, 0x01, 0x00, 0x00, 0x00,         /* mov eax, 1 (0x7000 copy: mov eax, 2) */
        0xf4,
    };
    put_code(0x6000, code, sizeof(code));
    put_code(0x7000, code, sizeof(code));
    tv_ram[0x7000 + 18] = 2;
    CHECK_EQ(run_at(0x6000, 100), CPU_EXIT_HLT);
    CHECK_EQ(tv_r()[R_EAX], 2);
    paging_off();
}

static u32 bp_addr;
static bool bp_hit(void *o, u32 lin) { return lin == bp_addr; }

TEST(debugger_breakpoint_inside_cached_block)
{
    tv_reset();
    static const u8 code[] = {0x40, 0x40, 0x40, 0x40, 0xf4}; /* inc eax x4; hlt */
    put_code(TV_CODE, code, sizeof(code));
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_HLT); /* cached */
    tv_r()[R_EAX] = 0;
    bp_addr = TV_CODE + 2;
    tv->bp_hit = bp_hit;
    tv->events |= EV_DEBUG;
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_BREAKPOINT);
    CHECK_EQ(tv->s.eip, TV_CODE + 2);
    CHECK_EQ(tv_r()[R_EAX], 2);
    tv->bp_hit = NULL;
    tv->events &= ~EV_DEBUG;
}

TEST(dr0_breakpoint_inside_cached_block)
{
    tv_reset();
    static const u8 code[] = {0x40, 0x40, 0x40, 0x40, 0xf4}; /* inc eax x4; hlt */
    put_code(TV_CODE, code, sizeof(code));
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_HLT);
    tv_r()[R_EAX] = 0;
    tv->s.dr[0] = TV_CODE + 3;
    tv->s.dr[7] = 0x1; /* L0, execute, 1 byte */
    cpu_dr_changed(tv);
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_HLT);
    CHECK_EQ(tv->s.eip, 0x3000 + 16 * EXC_DB + 1);
    CHECK_EQ(tv_fault_eip(false), TV_CODE + 3); /* a fault: the instruction did not run */
    CHECK_EQ(tv_r()[R_EAX], 3);
    CHECK_EQ(tv->s.dr[6] & 0xf, 1);
    tv->s.dr[7] = 0;
    cpu_dr_changed(tv);
}

TEST(single_step_through_cached_block)
{
    tv_reset();
    /* #DB handler: inc dword [COUNTER]; iret */
    static const u8 h[] = {0xff, 0x05, 0x00, 0x00, 0x10, 0x00, 0xcf};
    put_code(0x3000 + 16 * EXC_DB, h, sizeof(h));
    static const u8 code[] = {0x40, 0x40, 0x40, 0x40, 0xf4}; /* inc eax x4; hlt */
    put_code(TV_CODE, code, sizeof(code));
    CHECK_EQ(run_at(TV_CODE, 100), CPU_EXIT_HLT); /* cached */
    tv_r()[R_EAX] = 0;
    cpu_set_eflags(tv, FL_TF, FL_TF);
    u64 before = tv->icount;
    /* each INC, then the two handler instructions */
    CHECK_EQ(run_at(TV_CODE, 4 * 3), CPU_EXIT_BUDGET);
    CHECK_EQ(ld32(tv_ram + COUNTER), 4);
    CHECK_EQ(tv_r()[R_EAX], 4);
    CHECK_EQ(tv->s.eip, TV_CODE + 4);
    CHECK_EQ(tv->icount - before, 12);
    cpu_set_eflags(tv, 0, FL_TF);
}

TEST(long_straight_line_block)
{
    /* more instructions than one block holds, run one at a time by tv_run */
    tv_reset();
    u8 code[100];
    memset(code, 0x40, sizeof(code)); /* inc eax */
    CHECK_EQ(tv_run(code, sizeof(code), 200), 0);
    CHECK_EQ(tv_r()[R_EAX], sizeof(code));
    tv_r()[R_EAX] = 0;
    code[99] = 0xf4;
    put_code(TV_CODE, code, sizeof(code));
    CHECK_EQ(run_at(TV_CODE, 1000), CPU_EXIT_HLT);
    CHECK_EQ(tv_r()[R_EAX], 99);
}

int main(void)
{
    RUN(long_straight_line_block);
    RUN(smc_next_instruction_in_same_block);
    RUN(smc_through_second_linear_alias);
    RUN(fault_in_the_middle_of_a_block);
    RUN(budget_ends_inside_a_block);
    RUN(block_ends_at_page_with_unmapped_next_page);
    RUN(instruction_straddling_into_unmapped_page);
    RUN(invlpg_of_own_code_page_inside_block);
    RUN(debugger_breakpoint_inside_cached_block);
    RUN(dr0_breakpoint_inside_cached_block);
    RUN(single_step_through_cached_block);
    return test_summary();
}
