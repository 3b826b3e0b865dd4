/*
 * Paging and TLB unit tests: a struct cpu on a fake bus (8 MiB of RAM, no
 * devices), driven through the MMU slow paths and the control-register
 * writers. Expected values follow the Intel SDM vol. 3 chapter 4; the
 * guest programs tests/asm/paging_*.asm check the same rules against QEMU.
 */
#include "test.h"
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/sys.h"
#include "cpu/debugreg.h"
#include <setjmp.h>

#define RAM (8u << 20)
static u8 *ram;

static u8 *bus_ptr(void *o, u64 pa, bool w) { return pa < RAM ? ram + pa : NULL; }
static u32 bus_rd(void *o, u64 pa, unsigned s) { return 0xffffffffu; }
static void bus_wr(void *o, u64 pa, u32 v, unsigned s) {}

static struct cpu *mk(void)
{
    if (!ram) ram = calloc(1, RAM);
    memset(ram, 0, RAM);
    struct cpu_bus b = {.ptr = bus_ptr, .mmio_read = bus_rd, .mmio_write = bus_wr, .ram = ram, .ram_size = RAM};
    struct cpu *c = cpu_new(&b);
    c->s.cr0 |= CR0_PE;
    return c;
}

/* Run an access; returns -1, or the vector it raised (error code in *err). */
static jmp_buf jb;
static int vec_of(struct cpu *c, u32 *err)
{
    if (err) *err = c->exc_pending_err;
    int v = c->exc_pending_vec;
    c->exc_pending_vec = -1;
    return v;
}
#define TRY(c, err, stmt) ({ volatile int r_ = -1; (c)->jb = &jb; if (setjmp(jb)) r_ = vec_of(c, err); else { stmt; } r_; })

static u32 rd(struct cpu *c, u32 lin, int acc, int *vec, u32 *err)
{
    volatile u32 v = 0;
    *vec = TRY(c, err, v = cpu_read_slow(c, lin, 4, acc));
    return v;
}
static int wr(struct cpu *c, u32 lin, u32 v, u32 *err) { return TRY(c, err, cpu_write_slow(c, lin, 4, v, ACC_WRITE)); }

/* 32-bit tables: page directory at 0x10000, page table at 0x11000 for 0-4 MiB. */
enum { PD = 0x10000, PT = 0x11000 };
static void map32(u32 lin, u32 pa, u32 pte_flags, u32 pde_flags)
{
    st32(ram + PD + (lin >> 22) * 4, PT | pde_flags);
    st32(ram + PT + ((lin >> 12) & 0x3ff) * 4, pa | pte_flags);
}
static void paging_on(struct cpu *c, u32 cr3)
{
    c->jb = &jb;
    if (setjmp(jb)) { FAILF("paging enable faulted"); return; }
    cpu_write_cr3(c, cr3);
    cpu_write_cr0(c, c->s.cr0 | CR0_PG);
}

TEST(pg32_4k_ad_bits)
{
    struct cpu *c = mk();
    map32(0x400000 - 0x1000, 0x200000, PG_P | PG_RW, PG_P | PG_RW);
    st32(ram + 0x200010, 0x12345678);
    paging_on(c, PD);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x3ff010, ACC_READ, &v, &err), 0x12345678);
    CHECK_EQ(v, -1);
    u32 pde = ld32(ram + PD), pte = ld32(ram + PT + 0x3ff * 4);
    CHECK_EQ(pde & (PG_A | PG_D), PG_A);
    CHECK_EQ(pte & (PG_A | PG_D), PG_A);
    /* first write through the cached read translation must walk and set D */
    CHECK_EQ(wr(c, 0x3ff014, 0xabcd, &err), -1);
    CHECK_EQ(ld32(ram + 0x200014), 0xabcd);
    CHECK_EQ(ld32(ram + PT + 0x3ff * 4) & PG_D, PG_D);
    CHECK_EQ(ld32(ram + PD) & PG_D, 0); /* D is never set in a PDE that maps a table */
    cpu_free(c);
}

TEST(pg32_pf_error_codes)
{
    struct cpu *c = mk();
    map32(0x1000, 0x300000, PG_P, PG_P | PG_RW | PG_US);               /* supervisor read-only */
    map32(0x2000, 0x301000, PG_P | PG_US, PG_P | PG_RW | PG_US);       /* user read-only */
    map32(0x3000, 0x302000, PG_P | PG_RW | PG_US, PG_P | PG_RW | PG_US); /* user read-write */
    paging_on(c, PD);
    int v;
    u32 err;
    rd(c, 0x5004, ACC_READ, &v, &err); /* not present */
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, 0); CHECK_EQ(c->s.cr2, 0x5004);
    CHECK_EQ(wr(c, 0x5008, 1, &err), EXC_PF); CHECK_EQ(err, PFE_W); CHECK_EQ(c->s.cr2, 0x5008);
    rd(c, 0x800000, ACC_READ, &v, &err); /* PDE not present */
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, 0); CHECK_EQ(c->s.cr2, 0x800000);
    /* supervisor write to read-only: allowed without WP, faults with it */
    CHECK_EQ(wr(c, 0x1000, 7, &err), -1);
    CHECK_EQ(ld32(ram + 0x300000), 7);
    c->jb = &jb;
    if (!setjmp(jb)) cpu_write_cr0(c, c->s.cr0 | CR0_WP);
    CHECK_EQ(wr(c, 0x1004, 7, &err), EXC_PF); CHECK_EQ(err, PFE_P | PFE_W);
    /* user mode */
    cpu_set_cpl(c, 3);
    rd(c, 0x1000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_U);
    CHECK_EQ(wr(c, 0x2000, 1, &err), EXC_PF); CHECK_EQ(err, PFE_P | PFE_W | PFE_U);
    rd(c, 0x5000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_U);
    CHECK_EQ(wr(c, 0x5000, 1, &err), EXC_PF); CHECK_EQ(err, PFE_W | PFE_U);
    CHECK_EQ(wr(c, 0x3000, 9, &err), -1);
    /* implicit supervisor access (descriptor tables) from CPL 3 */
    rd(c, 0x1000, ACC_READ | ACC_SYS, &v, &err);
    CHECK_EQ(v, -1);
    /* a page crossing write faulting on the second page leaves the first untouched */
    map32(0x4000, 0x303000, PG_P | PG_US, PG_P | PG_RW | PG_US);
    CHECK_EQ(TRY(c, &err, cpu_write_slow(c, 0x3ffe, 4, 0xffffffff, ACC_WRITE)), EXC_PF);
    CHECK_EQ(err, PFE_P | PFE_W | PFE_U); CHECK_EQ(c->s.cr2, 0x4000);
    CHECK_EQ(ld32(ram + 0x302ffc), 0);
    cpu_free(c);
}

TEST(pg32_4m_pages_and_reserved)
{
    struct cpu *c = mk();
    st32(ram + PD + 1 * 4, 0x400000 | PG_P | PG_RW | PG_PS);
    st32(ram + PD + 2 * 4, 0x400000 | PG_P | PG_RW | PG_PS | (1u << 21));
    st32(ram + 0x400000 + 0x1234, 0xfeed);
    c->s.cr4 = CR4_PSE;
    paging_on(c, PD);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x401234, ACC_READ, &v, &err), 0xfeed);
    CHECK_EQ(v, -1);
    CHECK_EQ(ld32(ram + PD + 4) & PG_A, PG_A);
    rd(c, 0x800000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_RSVD);
    struct cpu_walk w;
    CHECK(cpu_debug_walk(c, 0x401234, &w));
    CHECK_EQ(w.paddr, 0x401234); CHECK_EQ(w.page_size, 0x400000); CHECK_EQ(w.levels, 1);
    cpu_free(c);
}

TEST(tlb_stale_until_invlpg)
{
    struct cpu *c = mk();
    map32(0x7000, 0x310000, PG_P | PG_RW, PG_P | PG_RW);
    st32(ram + 0x310000, 111);
    st32(ram + 0x311000, 222);
    paging_on(c, PD);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x7000, ACC_READ, &v, &err), 111);
    map32(0x7000, 0x311000, PG_P | PG_RW, PG_P | PG_RW); /* no INVLPG */
    CHECK_EQ(rd(c, 0x7000, ACC_READ, &v, &err), 111);
    CHECK_EQ(cpu_lrd32(c, 0x7000), 111);
    /* even a not-present PTE is not seen while the entry is cached */
    st32(ram + PT + 7 * 4, 0);
    CHECK_EQ(rd(c, 0x7000, ACC_READ, &v, &err), 111);
    cpu_tlb_invlpg(c, 0x7abc);
    rd(c, 0x7000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF);
    map32(0x7000, 0x311000, PG_P | PG_RW, PG_P | PG_RW);
    c->jb = &jb;
    if (!setjmp(jb)) cpu_write_cr3(c, PD);
    CHECK_EQ(rd(c, 0x7000, ACC_READ, &v, &err), 222);
    cpu_free(c);
}

TEST(tlb_global_pages)
{
    struct cpu *c = mk();
    map32(0x8000, 0x320000, PG_P | PG_RW | PG_G, PG_P | PG_RW);
    map32(0x9000, 0x321000, PG_P | PG_RW, PG_P | PG_RW);
    st32(ram + 0x320000, 1);
    st32(ram + 0x321000, 2);
    st32(ram + 0x322000, 3);
    c->s.cr4 = CR4_PGE;
    paging_on(c, PD);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x8000, ACC_READ, &v, &err), 1);
    CHECK_EQ(rd(c, 0x9000, ACC_READ, &v, &err), 2);
    map32(0x8000, 0x322000, PG_P | PG_RW | PG_G, PG_P | PG_RW);
    map32(0x9000, 0x322000, PG_P | PG_RW, PG_P | PG_RW);
    c->jb = &jb;
    if (!setjmp(jb)) cpu_write_cr3(c, PD);
    CHECK_EQ(rd(c, 0x8000, ACC_READ, &v, &err), 1); /* global: survives CR3 */
    CHECK_EQ(rd(c, 0x9000, ACC_READ, &v, &err), 3);
    if (!setjmp(jb)) cpu_write_cr4(c, 0); /* PGE toggle flushes globals */
    CHECK_EQ(rd(c, 0x8000, ACC_READ, &v, &err), 3);
    cpu_free(c);
}

/* PAE: PDPT at 0x20000, page directory 0x21000, page table 0x22000 */
enum { PDPT = 0x20000, PD2 = 0x21000, PT2 = 0x22000 };
TEST(pae_walks_nx_reserved)
{
    struct cpu *c = mk();
    st64(ram + PDPT, PD2 | PG_P);
    st64(ram + PD2, PT2 | PG_P | PG_RW | PG_US);
    st64(ram + PD2 + 8, 0x200000 | PG_P | PG_RW | PG_PS);               /* 2 MiB at 0x200000 */
    st64(ram + PD2 + 16, 0x400000 | PG_P | PG_RW | PG_PS | (1u << 13)); /* reserved bit 13 */
    st64(ram + PT2 + 1 * 8, 0x330000 | PG_P | PG_RW | PG_NX);
    st64(ram + PT2 + 2 * 8, 0x331000 | PG_P | PG_RW | (1ull << 40));
    st64(ram + PT2 + 3 * 8, 0x332000 | PG_P | PG_RW | PG_US);
    st32(ram + 0x330000, 0x55);
    st32(ram + 0x2abcd0, 0x66);
    c->s.cr4 = CR4_PAE;
    paging_on(c, PDPT);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x2abcd0, ACC_READ, &v, &err), 0x66);
    CHECK_EQ(v, -1);
    /* NX with NXE clear: bit 63 is reserved */
    rd(c, 0x1000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_RSVD);
    c->jb = &jb;
    if (!setjmp(jb)) CHECK(cpu_msr_write(c, 0xc0000080, EFER_NXE));
    CHECK_EQ(rd(c, 0x1000, ACC_READ, &v, &err), 0x55);
    CHECK_EQ(v, -1);
    rd(c, 0x1000, ACC_FETCH, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_ID);
    rd(c, 0x5000, ACC_FETCH, &v, &err); /* not present fetch: I/D set with NXE */
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_ID);
    rd(c, 0x2000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_RSVD);
    rd(c, 0x400000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_RSVD);
    CHECK_EQ(wr(c, 0x3000, 5, &err), -1);
    CHECK_EQ(ld64(ram + PT2 + 3 * 8) & (PG_A | PG_D), PG_A | PG_D);
    struct cpu_walk w;
    CHECK(cpu_debug_walk(c, 0x3008, &w));
    CHECK_EQ(w.levels, 3); CHECK_EQ(w.paddr, 0x332008); CHECK_EQ(w.step[2].index, 3);
    CHECK(cpu_debug_walk(c, 0x2abcd0, &w));
    CHECK_EQ(w.levels, 2); CHECK_EQ(w.page_size, 0x200000);
    /* PDPTEs are cached: a change in memory is ignored until CR3 is written */
    st64(ram + PDPT, 0);
    cpu_tlb_flush(c, true);
    CHECK_EQ(rd(c, 0x3000, ACC_READ, &v, &err), 5);
    if (!setjmp(jb)) cpu_write_cr3(c, PDPT);
    rd(c, 0x3000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, 0);
    /* reserved PDPTE bits: #GP(0) at the CR3 load, CR3 unchanged */
    st64(ram + 0x23000, PD2 | PG_P | PG_RW);
    CHECK_EQ(TRY(c, &err, cpu_write_cr3(c, 0x23000)), EXC_GP);
    CHECK_EQ(c->s.cr3, PDPT);
    cpu_free(c);
}

TEST(alignment_check)
{
    struct cpu *c = mk();
    c->s.cr0 |= CR0_AM;
    c->s.eflags |= FL_AC;
    int v;
    u32 err;
    rd(c, 0x1001, ACC_READ, &v, &err);
    CHECK_EQ(v, -1); /* CPL 0 */
    cpu_set_cpl(c, 3);
    rd(c, 0x1001, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_AC); CHECK_EQ(err, 0);
    rd(c, 0x1004, ACC_READ, &v, &err);
    CHECK_EQ(v, -1);
    rd(c, 0x1001, ACC_READ | ACC_SYS, &v, &err);
    CHECK_EQ(v, -1);
    cpu_free(c);
}

TEST(dr_data_breakpoints)
{
    struct cpu *c = mk();
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x5000, ACC_READ, &v, &err), 0); /* fills the fast TLB */
    c->jb = &jb;
    if (!setjmp(jb)) {
        cpu_dr_mov_to(c, 0, 0x5004);
        cpu_dr_mov_to(c, 7, 0x000d0001); /* L0, write, 4 bytes */
    }
    CHECK_EQ(c->s.dr[7], 0x000d0401);
    CHECK(c->events & EV_DEBUG);
    CHECK(c->tlb[0].r[5].tag != 0x5000); /* the page left the fast TLB */
    rd(c, 0x5004, ACC_READ, &v, &err);
    CHECK_EQ(c->dr_pending, 0); /* write-only breakpoint */
    CHECK_EQ(wr(c, 0x5006, 1, &err), -1);
    CHECK_EQ(c->dr_pending, 1);
    c->dr_pending = 0;
    CHECK_EQ(wr(c, 0x5008, 1, &err), -1);
    CHECK_EQ(c->dr_pending, 0);
    /* DR4/DR5 alias DR6/DR7 unless CR4.DE */
    volatile u32 x = 0;
    CHECK_EQ(TRY(c, &err, x = cpu_dr_mov_from(c, 5)), -1);
    CHECK_EQ(x, 0x000d0401);
    c->s.cr4 |= CR4_DE;
    CHECK_EQ(TRY(c, &err, x = cpu_dr_mov_from(c, 4)), EXC_UD);
    /* general detect */
    CHECK_EQ(TRY(c, &err, cpu_dr_mov_to(c, 7, 0x2000)), -1);
    CHECK_EQ(TRY(c, &err, x = cpu_dr_mov_from(c, 0)), EXC_DB);
    CHECK_EQ(c->s.dr[6] & DR6_BD, DR6_BD);
    CHECK_EQ(c->s.dr[7] & DR7_GD, 0);
    cpu_set_cpl(c, 3);
    CHECK_EQ(TRY(c, &err, x = cpu_dr_mov_from(c, 0)), EXC_GP);
    cpu_free(c);
}

TEST(cpuid_and_msrs)
{
    struct cpu *c = mk();
    u32 r[4];
    cpu_cpuid(c, 0, 0, r);
    CHECK_EQ(r[0], 2);
    CHECK(!memcmp(&r[1], "Genu", 4) && !memcmp(&r[3], "ineI", 4) && !memcmp(&r[2], "ntel", 4));
    cpu_cpuid(c, 1, 0, r);
    CHECK_EQ(r[0], 0x663);
    CHECK_EQ(r[3], 0x789b97f); /* ... CLFSH, MMX, FXSR, SSE, SSE2 */
    CHECK_EQ(r[1], 8u << 8);   /* CLFLUSH line: 64 bytes */
    cpu_cpuid(c, 0x80000001, 0, r);
    CHECK_EQ(r[3], 1u << 20);
    cpu_cpuid(c, 0x80000002, 0, r);
    CHECK(!memcmp(r, "Intel(R) Pentium", 16));
    u64 m;
    CHECK(cpu_msr_read(c, 0xfe, &m)); CHECK_EQ(m, 0x508);
    CHECK(!cpu_msr_read(c, 0x12345, &m));
    CHECK(!cpu_msr_write(c, 0x277, 0x0007040600070402ull)); /* type 2 invalid */
    CHECK(cpu_msr_write(c, 0x277, 0x0007010600070406ull));
    CHECK(cpu_msr_read(c, 0x277, &m)); CHECK_EQ(m, 0x0007010600070406ull);
    CHECK(cpu_msr_write(c, 0x201, 0xffc00800ull));
    CHECK(!cpu_msr_write(c, 0x201, 0xffc00801ull));
    CHECK(cpu_msr_read(c, 0x201, &m)); CHECK_EQ(m, 0xffc00800ull);
    CHECK(!cpu_msr_write(c, 0xc0000080, 1)); /* SCE: no SYSCALL */
    CHECK(cpu_msr_write(c, 0x10, 1000));
    c->icount += 5;
    CHECK(cpu_msr_read(c, 0x10, &m)); CHECK_EQ(m, 1005);
    cpu_free(c);
}

TEST(cr_writes)
{
    struct cpu *c = mk();
    u32 err;
    CHECK_EQ(TRY(c, &err, cpu_write_cr0(c, CR0_PG)), EXC_GP);            /* PG without PE */
    CHECK_EQ(TRY(c, &err, cpu_write_cr0(c, CR0_PE | CR0_NW)), EXC_GP);   /* NW without CD */
    CHECK_EQ(TRY(c, &err, cpu_write_cr0(c, CR0_PE | 0x100)), -1);       /* reserved: ignored */
    CHECK_EQ(c->s.cr0, CR0_PE | CR0_ET);
    CHECK_EQ(TRY(c, &err, cpu_write_cr4(c, 1u << 11)), EXC_GP); /* UMIP: not on this CPU */
    CHECK_EQ(TRY(c, &err, cpu_write_cr4(c, CR4_MCE)), EXC_GP);
    CHECK_EQ(TRY(c, &err, cpu_write_cr4(c, CR4_PSE | CR4_PGE | CR4_DE)), -1);
    CHECK_EQ(TRY(c, &err, cpu_write_cr4(c, CR4_OSFXSR | CR4_OSXMMEXCPT)), -1);
    CHECK_EQ(c->s.cr4, CR4_OSFXSR | CR4_OSXMMEXCPT);
    cpu_free(c);
}

TEST(pae_pdpte_reload_points)
{
    struct cpu *c = mk();
    st64(ram + PDPT, PD2 | PG_P);
    st64(ram + PD2, 0 | PG_P | PG_RW | PG_PS);
    st32(ram + 0x1000, 77);
    c->s.cr4 = CR4_PAE;
    paging_on(c, PDPT);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0x1000, ACC_READ, &v, &err), 77);
    st64(ram + PDPT, 0);
    cpu_tlb_flush(c, true);
    CHECK_EQ(rd(c, 0x1000, ACC_READ, &v, &err), 77); /* cached PDPTE */
    c->jb = &jb;
    if (!setjmp(jb)) cpu_write_cr4(c, CR4_PAE | CR4_PGE); /* reloads */
    rd(c, 0x1000, ACC_READ, &v, &err);
    CHECK_EQ(v, EXC_PF);
    /* turning paging on with a bad PDPTE: #GP(0), CR0 unchanged */
    if (!setjmp(jb)) cpu_write_cr0(c, c->s.cr0 & ~CR0_PG);
    st64(ram + PDPT, PD2 | PG_P | (1ull << 40));
    CHECK_EQ(TRY(c, &err, cpu_write_cr0(c, c->s.cr0 | CR0_PG)), EXC_GP);
    CHECK_EQ(c->s.cr0 & CR0_PG, 0);
    cpu_free(c);
}

TEST(tlb_one_model_for_both_privilege_sets)
{
    struct cpu *c = mk();
    map32(0xa000, 0x340000, PG_P | PG_RW | PG_US, PG_P | PG_RW | PG_US);
    map32(0xb000, 0x341000, PG_P | PG_RW, PG_P | PG_RW | PG_US);
    st32(ram + 0x340000, 1);
    st32(ram + 0x342000, 2);
    paging_on(c, PD);
    int v;
    u32 err;
    CHECK_EQ(rd(c, 0xa000, ACC_READ, &v, &err), 1);  /* cached by the supervisor */
    map32(0xa000, 0x342000, PG_P | PG_RW | PG_US, PG_P | PG_RW | PG_US);
    cpu_set_cpl(c, 3);
    CHECK_EQ(rd(c, 0xa000, ACC_READ, &v, &err), 1);  /* user sees the same stale entry */
    CHECK_EQ(rd(c, 0xb000, ACC_READ, &v, &err), 0);
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_U);
    cpu_set_cpl(c, 0);
    CHECK_EQ(rd(c, 0xb000, ACC_READ, &v, &err), 0);
    CHECK_EQ(v, -1);
    cpu_set_cpl(c, 3);
    rd(c, 0xb000, ACC_READ, &v, &err);             /* a supervisor entry grants no user access */
    CHECK_EQ(v, EXC_PF); CHECK_EQ(err, PFE_P | PFE_U);
    cpu_free(c);
}

static bool wp_page(void *o, u32 page) { return page == 0x6000; }
static bool wp_hit(void *o, u32 lin, unsigned size, bool write) { return write && lin <= 0x6010 && lin + size > 0x6010; }

TEST(debugger_watch_hooks_and_io_breakpoints)
{
    struct cpu *c = mk();
    int v;
    u32 err;
    c->watch_page = wp_page;
    c->watch_hit = wp_hit;
    CHECK_EQ(rd(c, 0x6010, ACC_READ, &v, &err), 0);
    CHECK(c->tlb[0].r[6].tag != 0x6000);       /* watched: never in the fast TLB */
    CHECK_EQ(c->tlb[0].r[6].tag & ~0xfffu, 0x6000); /* ... but the translation is recorded */
    CHECK(!c->wp_pending);
    c->icount = 41;
    CHECK_EQ(wr(c, 0x600e, 0x11223344, &err), -1);
    CHECK(c->wp_pending);
    CHECK_EQ(c->wp_hit_addr, 0x600e);
    CHECK_EQ(c->wp_hit_kind, 1);
    c->icount = 42; /* the instruction retired */
    CHECK_EQ(cpu_dr_before_insn(c, false), CPU_EXIT_WATCHPOINT);
    CHECK(!c->wp_pending);
    CHECK_EQ(cpu_dr_before_insn(c, false), -1);
    /* I/O breakpoints need CR4.DE */
    c->jb = &jb;
    if (!setjmp(jb)) {
        cpu_dr_mov_to(c, 3, 0x80);
        cpu_dr_mov_to(c, 7, 0xe0000040); /* L3, I/O, 4 bytes: ports 0x80-0x83 */
    }
    cpu_dr_io_check(c, 0x80, 1);
    CHECK_EQ(c->dr_pending, 0);
    c->s.cr4 |= CR4_DE;
    cpu_dr_io_check(c, 0x84, 1);
    CHECK_EQ(c->dr_pending, 0);
    cpu_dr_io_check(c, 0x7f, 2);
    CHECK_EQ(c->dr_pending, 8);
    CHECK_EQ(c->dr_pending_at, 42);
    cpu_free(c);
}

int main(void)
{
    RUN(pg32_4k_ad_bits);
    RUN(pg32_pf_error_codes);
    RUN(pg32_4m_pages_and_reserved);
    RUN(tlb_stale_until_invlpg);
    RUN(tlb_global_pages);
    RUN(tlb_one_model_for_both_privilege_sets);
    RUN(pae_walks_nx_reserved);
    RUN(pae_pdpte_reload_points);
    RUN(alignment_check);
    RUN(dr_data_breakpoints);
    RUN(cpuid_and_msrs);
    RUN(cr_writes);
    RUN(debugger_watch_hooks_and_io_breakpoints);
    return test_summary();
}
