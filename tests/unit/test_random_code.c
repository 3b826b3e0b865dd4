/*
 * Random-code robustness: the interpreter executes random bytes in real mode,
 * 16- and 32-bit protected mode (rings 0 and 3), with paging on random page
 * tables, and in v8086 mode, for millions of instructions. Descriptor tables,
 * the IDT, page tables and port/MMIO values are random too. The run must
 * never crash (run this under SANITIZE=1 too), every cpu_run call must
 * return within its budget (an endless exception loop is a budget, not a
 * hang), and the CPU's invariants must hold after every slice.
 * Every mode runs on the interpreter, on the translator (dbt_run), and on
 * the translator under its lockstep checker, which stops the test with a
 * report at the first block whose translation disagrees with the
 * interpreter. VD_RANDOM_N sets the instructions per mode (default
 * 5,000,000; a fifth of it under the checker).
 */
#include "test.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/prot.h"
#include "ram_bus.h"
#include "dbt/dbt.h"

#define RAM_SIZE (4u << 20)
static u8 *ram;
static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* devices answer with noise */
static u32 bus_mr(void *o, u64 pa, unsigned s) { return (u32)next(); }
static u32 bus_in(void *o, u16 p, unsigned s) { return (u32)next(); }
static int bus_ack(void *o) { return (int)(next() & 0xff); }

static struct cpu *noisy_cpu(void)
{
    struct cpu_bus bus = ram_bus_default(ram, RAM_SIZE);
    bus.mmio_read = bus_mr;
    bus.io_in = bus_in;
    bus.intr_ack = bus_ack;
    return cpu_new(&bus);
}

static void fill_random(void)
{
    for (u32 i = 0; i < RAM_SIZE; i += 8) st64(ram + i, next());
}

enum mode { M_REAL, M_PM16, M_PM32, M_PM32_RING3, M_PAGING, M_V86, M_COUNT };
static const char *mode_name[M_COUNT] = {"real", "pm16", "pm32", "pm32_ring3", "paging", "v86"};

/* A plausible but random protected-mode setup: tables at random places in RAM
 * hold random bytes, except a few flat descriptors so some code runs a while. */
static void setup(struct cpu *c, enum mode m, bool refill)
{
    cpu_reset(c);
    if (refill) fill_random();
    u32 code = 0x10000 + (u32)(next() % 0x100000);
    if (m == M_REAL) {
        c->s.seg[S_CS] = (struct seg){0x1000, 0x10000, 0xffff, 0x9b};
        c->s.eip = (u32)next() & 0xffff;
        c->s.idtr = (struct dtable){(u32)next() % RAM_SIZE, 0x3ff};
        cpu_seg_recompute_all(c);
        return;
    }
    u32 gdt = 0x1000;
    /* flat code (0x08), flat data (0x10), 16-bit code (0x18), ring-3 code/data (0x23/0x2b) */
    static const u32 hi[] = {0, 0x00cf9a00, 0x00cf9200, 0x008f9a00, 0x00cffa00, 0x00cff200};
    for (int i = 1; i < 6; i++) {
        st32(ram + gdt + i * 8, 0x0000ffff);
        st32(ram + gdt + i * 8 + 4, hi[i]);
    }
    c->s.cr0 = CR0_PE | CR0_ET;
    c->s.gdtr = (struct dtable){gdt, (u16)(next() & 0xfff)};
    c->s.idtr = (struct dtable){(u32)next() % RAM_SIZE, (u16)next()};
    c->s.tr = (struct seg){0x30, (u32)next() % RAM_SIZE, 0x67 + (u32)(next() & 0x1fff), 0x8b};
    bool ring3 = m == M_PM32_RING3 || (m == M_PAGING && (next() & 1));
    bool b16 = m == M_PM16;
    for (int s = 0; s < 6; s++) {
        bool cs = s == S_CS;
        u16 sel = cs ? (ring3 ? 0x23 : b16 ? 0x18 : 0x08) : (ring3 ? 0x2b : 0x10);
        u32 attr = (cs ? 0xb : 0x3) | SEG_ATTR_S | SEG_ATTR_P | (ring3 ? 3u << 5 : 0) |
                   (b16 && cs ? 0 : SEG_ATTR_DB) | SEG_ATTR_G;
        c->s.seg[s] = (struct seg){sel, 0, b16 && cs ? 0xfffff : 0xffffffffu, attr};
    }
    cpu_set_cpl(c, ring3 ? 3 : 0);
    if (m == M_PAGING) {
        /* an identity map of 4 MiB pages with random U/W/A/D/G bits and a few
         * holes, or (one time in four) entirely random page tables */
        c->s.cr3 = (u32)next() & 0x3ff000;
        c->s.cr4 = CR4_PSE | ((u32)next() & CR4_PGE);
        c->s.cr0 |= CR0_PG | (next() & 1 ? CR0_WP : 0);
        if (next() & 3)
            for (u32 i = 0; i < 1024; i++)
                st32(ram + c->s.cr3 + i * 4, (i << 22) | 0x80 | (next() % 16 ? 1u : 0u) | ((u32)next() & 0x166));
    }
    if (m == M_V86) {
        c->s.cr4 = (u32)next() & (CR4_VME | CR4_PVI);
        c->s.eflags |= FL_VM | (u32)(next() & FL_IOPL);
        for (int s = 0; s < 6; s++) c->s.seg[s] = (struct seg){0x1000, 0x10000, 0xffff, 0xf3 | (s == S_CS ? 8u : 0)};
        cpu_set_cpl(c, 3);
        code &= 0xffff;
    }
    cpu_seg_recompute_all(c);
    c->s.eip = code;
    c->s.gpr[R_ESP] = (u32)next();
}

enum engine { E_INTERP, E_DBT, E_VERIFY };
static const char *engine_name[] = {"", "_dbt", "_dbt_verify"};

static void run_mode(enum mode m, u64 total, enum engine eng)
{
    struct cpu *c = noisy_cpu();
    u64 retired = 0, slices = 0, triples = 0, halts = 0;
    char name[64];
    snprintf(name, sizeof(name), "random_code_%s%s", mode_name[m], engine_name[eng]);
    struct dbt *d = NULL;
    if (eng != E_INTERP) {
        if (!dbt_available()) {
            printf("SKIP %s: no translator on this host\n", name);
            cpu_free(c);
            return;
        }
        d = dbt_new(c, 0, eng == E_VERIFY);
        if (!d) {
            printf("FAIL %s: dbt_new\n", name);
            test_failures_total++;
            cpu_free(c);
            return;
        }
    }
    test_case_failed = 0;
    test_case_name = name;
    setup(c, m, true);
    u64 setups = 0;
    while (retired < total && setups < 20000) {
        u64 budget = 1 + next() % 20000;
        u64 before = c->icount;
        if (next() % 8 == 0) cpu_set_intr(c, next() & 1);
        if (next() % 64 == 0) cpu_raise_nmi(c);
        enum cpu_exit x = d ? dbt_run(d, budget) : cpu_run(c, budget);
        slices++;
        if (c->icount - before > budget) FAILF("slice ran %llu > budget %llu", (unsigned long long)(c->icount - before), (unsigned long long)budget);
        retired += c->icount - before;
        /* invariants any state must keep */
        if (c->s.cpl > 3) FAILF("CPL %u", c->s.cpl);
        if (c->tlbc != &c->tlb[c->s.cpl == 3]) FAILF("TLB set does not follow CPL %u", c->s.cpl);
        if ((cpu_get_eflags(c) & (FL_FIXED1 | 0x8 | 0x20 | 0x8000)) != FL_FIXED1) FAILF("EFLAGS reserved bits 0x%x", cpu_get_eflags(c));
        if (x == CPU_EXIT_TRIPLE_FAULT || x == CPU_EXIT_HLT || c->icount == before) {
            triples += x == CPU_EXIT_TRIPLE_FAULT;
            halts += x == CPU_EXIT_HLT;
            setup(c, m, ++setups % 64 == 0);
        }
        if (test_case_failed) break;
    }
    if (!test_case_failed && retired < total / 4)
        FAILF("only %llu instructions retired in %llu setups", (unsigned long long)retired, (unsigned long long)setups);
    if (!test_case_failed) printf("PASS %s (%llu instructions, %llu slices, %llu setups, %llu triple faults, %llu halts)\n", name,
                                  (unsigned long long)retired, (unsigned long long)slices, (unsigned long long)setups,
                                  (unsigned long long)triples, (unsigned long long)halts);
    else test_failures_total++;
    fflush(stdout);
    dbt_free(d);
    cpu_free(c);
}

/* A guest whose #UD handler is itself UD2 loops delivering exceptions
 * without retiring an instruction: cpu_run must still return (each delivery
 * counts against the budget), or the machine loop could never poll timers,
 * signals or the debugger. */
static void exception_loop_returns(void)
{
    struct cpu *c = noisy_cpu();
    test_case_failed = 0;
    test_case_name = "exception_loop_returns";
    memset(ram, 0, RAM_SIZE);
    c->s.seg[S_CS] = (struct seg){0x1000, 0x10000, 0xffff, 0x9b};
    c->s.seg[S_SS] = (struct seg){0x2000, 0x20000, 0xffff, 0x93};
    cpu_seg_recompute_all(c);
    c->s.eip = 0;
    c->s.gpr[R_ESP] = 0x1000;
    ram[0x10000] = 0x0f; /* ud2 */
    ram[0x10001] = 0x0b;
    st16(ram + 6 * 4, 0);       /* IVT[6] = 1000:0000, the same UD2 */
    st16(ram + 6 * 4 + 2, 0x1000);
    for (int i = 0; i < 3; i++) {
        enum cpu_exit x = cpu_run(c, 1000);
        CHECK_EQ(x, CPU_EXIT_BUDGET);
    }
    CHECK_EQ(c->icount, 0);
    CHECK_EQ(c->s.eip, 0);
    if (!test_case_failed) printf("PASS exception_loop_returns\n");
    else test_failures_total++;
    cpu_free(c);
}

int main(void)
{
    const char *n = getenv("VD_RANDOM_N");
    u64 total = n ? strtoull(n, NULL, 0) : 5000000;
    ram = malloc(RAM_SIZE);
    exception_loop_returns();
    for (int m = 0; m < M_COUNT; m++) {
        run_mode((enum mode)m, total, E_INTERP);
        run_mode((enum mode)m, total, E_DBT);
        run_mode((enum mode)m, total / 5, E_VERIFY);
    }
    free(ram);
    return test_summary();
}
