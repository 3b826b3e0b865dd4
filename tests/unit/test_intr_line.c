/*
 * The INTR input against IF: an interrupt held off by IF=0 is delivered at
 * the right boundary once IF is set (after the instruction following STI,
 * which has the interrupt shadow; right after POPF), and
 * runs of code with IF=0 and INTR high execute normally (in blocks) without
 * taking it.
 */
#include "test.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/prot.h"

#include "ram_bus.h"

#define RAM_SIZE 0x100000u
static u8 ram[RAM_SIZE];
static int acks;
static int ack(void *o) { acks++; return 0x08; }

/* Real mode, CS=DS=SS=0; vector 8 -> 0000:2000 "inc byte [0x500]; iret". */
static struct cpu *rm_cpu(const u8 *code, size_t n)
{
    memset(ram, 0, sizeof(ram));
    acks = 0;
    struct cpu_bus bus = ram_bus_default(ram, RAM_SIZE);
    bus.intr_ack = ack;
    struct cpu *c = cpu_new(&bus);
    for (int s = 0; s < 6; s++) c->s.seg[s] = (struct seg){0, 0, 0xffff, s == S_CS ? 0x9bu : 0x93u};
    cpu_seg_recompute_all(c);
    memcpy(ram + 0x1000, code, n);
    static const u8 handler[] = {0xfe, 0x06, 0x00, 0x05, 0xcf}; /* inc byte [0x500]; iret */
    memcpy(ram + 0x2000, handler, sizeof(handler));
    st16(ram + 8 * 4, 0x2000);
    c->s.eip = 0x1000;
    c->s.gpr[R_ESP] = 0x8000;
    return c;
}

/* 40 NOPs with IF=0 and INTR high, then STI; NOP; NOP: the interrupt comes
 * after the first NOP behind STI, and not before. */
TEST(sti_delivers_after_the_shadow)
{
    u8 code[64];
    memset(code, 0x90, 40);
    code[40] = 0xfb;               /* sti */
    code[41] = 0x90;
    code[42] = 0x90;
    code[43] = 0xf4;               /* hlt */
    struct cpu *c = rm_cpu(code, 44);
    cpu_set_intr(c, true);
    CHECK_EQ(cpu_run(c, 40), CPU_EXIT_BUDGET);   /* 40 NOPs: nothing taken */
    CHECK_EQ(acks, 0);
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);    /* STI: its shadow holds the interrupt off */
    CHECK_EQ(acks, 0);
    CHECK_EQ(c->s.eip, 0x1029);
    cpu_run(c, 1);                               /* the shadowed NOP, then the interrupt */
    CHECK_EQ(acks, 1);
    CHECK_EQ(c->s.eip, 0x2000);
    CHECK_EQ(ld16(ram + 0x8000 - 6), 0x102a);    /* it interrupted after the NOP behind STI */
    cpu_free(c);
}

/* POPF that sets IF: no shadow, the interrupt comes right after it. */
TEST(popf_delivers_at_once)
{
    static const u8 code[] = {0x68, 0x02, 0x02,  /* push 0x202 */
                              0x9d,              /* popf */
                              0x90, 0x90, 0xf4};
    struct cpu *c = rm_cpu(code, sizeof(code));
    cpu_set_intr(c, true);
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);    /* PUSH */
    CHECK_EQ(acks, 0);
    cpu_run(c, 1);                               /* POPF, then at once the interrupt */
    CHECK_EQ(acks, 1);
    CHECK_EQ(c->s.eip, 0x2000);
    CHECK_EQ(ld16(ram + 0x8000 - 6), 0x1004);
    cpu_free(c);
}

/* INTR going low before IF is set: nothing is delivered. */
TEST(line_dropped_while_masked)
{
    static const u8 code[] = {0x90, 0xfb, 0x90, 0x90, 0x90, 0xf4};
    struct cpu *c = rm_cpu(code, sizeof(code));
    cpu_set_intr(c, true);
    cpu_run(c, 1);
    cpu_set_intr(c, false);
    cpu_run(c, 4);
    CHECK_EQ(acks, 0);
    CHECK_EQ(c->s.eip, 0x1005);
    cpu_free(c);
}

int main(void)
{
    RUN(sti_delivers_after_the_shadow);
    RUN(popf_delivers_at_once);
    RUN(line_dropped_while_masked);
    return test_summary();
}
