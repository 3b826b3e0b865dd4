/*
 * REP string instructions under single-step: hardware delivers the #DB trap
 * after every iteration (the instruction is re-executed with ECX and the
 * index registers advanced), not after a whole batch.
 */
#include "test.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/prot.h"

#include "ram_bus.h"

#define RAM_SIZE 0x100000u
static u8 ram[RAM_SIZE];
static u32 bus_in(void *o, u16 p, unsigned s) { return 0x5au; }

/* Real mode, CS=DS=ES=SS=0; IVT[1] -> 0000:2000 "inc byte [0x500]; iret". */
static struct cpu *rm_cpu(const u8 *code, size_t n)
{
    memset(ram, 0, sizeof(ram));
    struct cpu_bus bus = ram_bus_default(ram, RAM_SIZE);
    bus.io_in = bus_in;
    struct cpu *c = cpu_new(&bus);
    for (int s = 0; s < 6; s++) c->s.seg[s] = (struct seg){0, 0, 0xffff, s == S_CS ? 0x9bu : 0x93u};
    cpu_seg_recompute_all(c);
    memcpy(ram + 0x1000, code, n);
    static const u8 handler[] = {0xfe, 0x06, 0x00, 0x05, 0xcf}; /* inc byte [0x500]; iret */
    memcpy(ram + 0x2000, handler, sizeof(handler));
    st16(ram + 4, 0x2000);
    st16(ram + 6, 0);
    c->s.eip = 0x1000;
    c->s.gpr[R_ESP] = 0x8000;
    c->s.gpr[R_ECX] = 5;
    c->s.gpr[R_ESI] = 0x3000;
    c->s.gpr[R_EDI] = 0x4000;
    c->s.gpr[R_EDX] = 0x60;
    for (int k = 0; k < 5; k++) ram[0x3000 + k] = (u8)(0xa0 + k);
    cpu_set_eflags(c, FL_TF, FL_TF);
    return c;
}

/* Each iteration: the string instruction, then the trap handler's two instructions. */
static void check_traps(const u8 *code, size_t n, const char *what)
{
    struct cpu *c = rm_cpu(code, n);
    enum cpu_exit x = cpu_run(c, 5 * 3);
    CHECK_EQ(x, CPU_EXIT_BUDGET);
    if (ram[0x500] != 5) FAILF("%s: %u traps, expected 5", what, ram[0x500]);
    CHECK_EQ(c->s.eip, 0x1000 + n);
    CHECK_EQ(c->s.gpr[R_ECX], 0);
    cpu_free(c);
}

TEST(rep_movsb_traps_every_iteration)
{
    static const u8 code[] = {0xf3, 0xa4}; /* rep movsb */
    check_traps(code, sizeof(code), "rep movsb");
    CHECK_EQ(ram[0x4004], 0xa4);
}

TEST(rep_stosd_traps_every_iteration)
{
    static const u8 code[] = {0xf3, 0x66, 0xab}; /* rep stosd */
    check_traps(code, sizeof(code), "rep stosd");
}

TEST(rep_insb_traps_every_iteration)
{
    static const u8 code[] = {0xf3, 0x6c}; /* rep insb */
    check_traps(code, sizeof(code), "rep insb");
    CHECK_EQ(ram[0x4000], 0x5a);
    CHECK_EQ(ram[0x4004], 0x5a);
}

TEST(rep_without_tf_is_one_step)
{
    static const u8 code[] = {0xf3, 0xa4, 0xf4}; /* rep movsb; hlt */
    struct cpu *c = rm_cpu(code, sizeof(code));
    cpu_set_eflags(c, 0, FL_TF);
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(c->s.gpr[R_ECX], 0);
    CHECK_EQ(c->s.eip, 0x1002);
    CHECK_EQ(ram[0x500], 0);
    cpu_free(c);
}

int main(void)
{
    RUN(rep_movsb_traps_every_iteration);
    RUN(rep_stosd_traps_every_iteration);
    RUN(rep_insb_traps_every_iteration);
    RUN(rep_without_tf_is_one_step);
    return test_summary();
}
