/*
 * The software TLB behind the run loop's blocks: 4096 entries per array,
 * and flushes that visit only the entries filled since the last flush (used
 * bitmaps) and INVLPG that looks at one slot unless large pages were cached.
 * These cases check that the bookkeeping loses nothing: every cached
 * translation goes on a flush, INVLPG anywhere in a large page drops the
 * 4 KiB pieces cached from it, global entries survive a CR3 load and only
 * it. Expected behaviour: SDM vol. 3 4.10.4 (TLB invalidation).
 */
#include "test_ops_util.h"
#include "cpu/sys.h"
#include <setjmp.h>

enum { PD = 0x300000, PT = 0x301000 };

static jmp_buf jb;
/* Read through the inline path; returns -1, or the vector raised. */
static int rd(u32 lin, u32 *v)
{
    tv->jb = &jb;
    if (setjmp(jb)) {
        int vec = tv->exc_pending_vec;
        tv->exc_pending_vec = -1;
        return vec;
    }
    *v = cpu_lrd32(tv, lin);
    return -1;
}

static void paging(u32 cr4)
{
    tv->s.cr4 = cr4;
    tv->s.cr3 = PD;
    tv->s.cr0 |= CR0_PG;
    cpu_tlb_flush(tv, true);
}

static void done(void)
{
    tv->s.cr0 &= ~CR0_PG;
    tv->s.cr4 = 0;
    cpu_tlb_flush(tv, true);
}

TEST(cr3_load_drops_every_cached_page)
{
    tv_reset();
    memset(tv_ram + PD, 0, 0x2000);
    st32(tv_ram + PD, PT | PG_P | PG_RW);
    for (u32 p = 0; p < 1024; p++) st32(tv_ram + PT + 4 * p, (p << 12) | PG_P | PG_RW);
    paging(0);
    /* cache 256 pages (four words of the used bitmap), each holding its number */
    for (u32 p = 0x200; p < 0x300; p++) st32(tv_ram + (p << 12), p);
    u32 v = 0;
    for (u32 p = 0x200; p < 0x300; p++) {
        CHECK_EQ(rd(p << 12, &v), -1);
        if (v != p) FAILF("page %x read %x", p, v);
    }
    /* remap them all to page 0x100 without INVLPG: still the old frames */
    st32(tv_ram + 0x100000, 0xfeed);
    for (u32 p = 0x200; p < 0x300; p++) st32(tv_ram + PT + 4 * p, 0x100000 | PG_P | PG_RW);
    CHECK_EQ(rd(0x2ab000, &v), -1);
    CHECK_EQ(v, 0x2ab);
    /* a CR3 load drops every one of them */
    cpu_write_cr3(tv, PD);
    for (u32 p = 0x200; p < 0x300; p++) {
        CHECK_EQ(rd(p << 12, &v), -1);
        if (v != 0xfeed) FAILF("page %x still read %x after the CR3 load", p, v);
    }
    done();
}

TEST(global_pages_survive_cr3_load_only)
{
    tv_reset();
    memset(tv_ram + PD, 0, 0x2000);
    st32(tv_ram + PD, PT | PG_P | PG_RW);
    for (u32 p = 0; p < 1024; p++) st32(tv_ram + PT + 4 * p, (p << 12) | PG_P | PG_RW | (p == 0x250 ? PG_G : 0));
    paging(CR4_PGE);
    st32(tv_ram + 0x250000, 0x1111);
    st32(tv_ram + 0x251000, 0x2222);
    u32 v;
    CHECK_EQ(rd(0x250000, &v), -1);
    CHECK_EQ(rd(0x251000, &v), -1);
    st32(tv_ram + PT + 4 * 0x250, 0); /* both not present now */
    st32(tv_ram + PT + 4 * 0x251, 0);
    cpu_write_cr3(tv, PD);
    CHECK_EQ(rd(0x250000, &v), -1); /* global: still cached */
    CHECK_EQ(v, 0x1111);
    CHECK_EQ(rd(0x251000, &v), EXC_PF);
    cpu_tlb_invlpg(tv, 0x250000);
    CHECK_EQ(rd(0x250000, &v), EXC_PF);
    done();
}

TEST(invlpg_anywhere_in_large_page_drops_its_pieces)
{
    tv_reset();
    memset(tv_ram + PD, 0, 0x2000);
    st32(tv_ram + PD, PT | PG_P | PG_RW);
    for (u32 p = 0; p < 1024; p++) st32(tv_ram + PT + 4 * p, (p << 12) | PG_P | PG_RW);
    st32(tv_ram + PD + 4, 0x000000 | PG_P | PG_RW | PG_PS); /* 0x400000-0x7fffff -> 0 */
    paging(CR4_PSE);
    st32(tv_ram + 0x1000, 0x4321);
    u32 v;
    CHECK_EQ(rd(0x401000, &v), -1);
    CHECK_EQ(v, 0x4321);
    st32(tv_ram + PD + 4, 0);
    CHECK_EQ(rd(0x401000, &v), -1); /* cached */
    cpu_tlb_invlpg(tv, 0x7ff000);    /* another address in the same 4 MiB page */
    CHECK_EQ(rd(0x401000, &v), EXC_PF);
    done();
}

TEST(invlpg_of_4k_page_keeps_others)
{
    tv_reset();
    memset(tv_ram + PD, 0, 0x2000);
    st32(tv_ram + PD, PT | PG_P | PG_RW);
    for (u32 p = 0; p < 1024; p++) st32(tv_ram + PT + 4 * p, (p << 12) | PG_P | PG_RW);
    paging(0);
    u32 v;
    CHECK_EQ(rd(0x260000, &v), -1);
    CHECK_EQ(rd(0x261000, &v), -1);
    st32(tv_ram + PT + 4 * 0x260, 0);
    st32(tv_ram + PT + 4 * 0x261, 0);
    cpu_tlb_invlpg(tv, 0x260abc);
    CHECK_EQ(rd(0x260000, &v), EXC_PF);
    CHECK_EQ(rd(0x261000, &v), -1); /* not invalidated: the stale entry stays, as on hardware */
    done();
}

int main(void)
{
    (void)tv_run; /* test_ops_util.h's runner: not needed here */
    RUN(cr3_load_drops_every_cached_page);
    RUN(global_pages_survive_cr3_load_only);
    RUN(invlpg_anywhere_in_large_page_drops_its_pieces);
    RUN(invlpg_of_4k_page_keeps_others);
    return test_summary();
}
