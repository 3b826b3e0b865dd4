/*
 * Protection-model paths that guest programs cannot observe from inside:
 * triple fault, HLT and its wake-up, the STI / MOV SS interrupt shadows, NMI
 * blocking until IRET, 16-bit interrupt gates, SYSENTER/SYSEXIT, real-mode
 * IVT delivery, and the precision of a far call whose new stack faults all
 * the way to shutdown. Each test builds a struct cpu over 1 MiB of RAM with
 * hand-assembled code (the bytes are commented with their instructions).
 */
#include "test.h"
#include "cpu/cpu.h"
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "cpu/debugreg.h"

#define RAM_SIZE 0x100000u
static u8 ram[RAM_SIZE];
static struct cpu *g_cpu;
static int g_vec = -1;

static u8 *bus_ptr(void *o, u64 pa, bool w) { return pa < RAM_SIZE ? ram + pa : NULL; }
static u32 bus_mr(void *o, u64 pa, unsigned s) { return 0xffffffffu; }
static void bus_mw(void *o, u64 pa, u32 v, unsigned s) {}
static u32 bus_in(void *o, u16 p, unsigned s) { return 0xffffffffu; }
static void bus_out(void *o, u16 p, u32 v, unsigned s) {}
static int bus_ack(void *o)
{
    cpu_set_intr(g_cpu, false);   /* edge: one interrupt per assertion */
    return g_vec;
}

static void put(u32 addr, const u8 *b, size_t n) { memcpy(ram + addr, b, n); }
static u32 rd32(u32 a) { return ld32(ram + a); }
static u16 rd16(u32 a) { return ld16(ram + a); }

static void set_desc(u32 table, u16 sel, u32 base, u32 limit, u32 access, u32 flags)
{
    u32 lo = (limit & 0xffff) | (base << 16);
    u32 hi = ((base >> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000u);
    st32(ram + table + (sel & ~7u), lo);
    st32(ram + table + (sel & ~7u) + 4, hi);
}
static void set_gate(u32 vec, u32 off, u16 sel, u32 attr)
{
    st32(ram + 0x2000 + vec * 8, (off & 0xffff) | ((u32)sel << 16));
    st32(ram + 0x2000 + vec * 8 + 4, (off & 0xffff0000u) | (attr << 8));
}

static struct seg flat(u16 sel, bool code, int dpl)
{
    return (struct seg){sel, 0, 0xffffffffu, (code ? 0xbu : 0x3u) | SEG_ATTR_S | (u32)dpl << 5 | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G};
}

/* GDT at 0x1000, IDT at 0x2000, TSS at 0x3000 (ESP0 0x9000), ring-0 stack 0x8000, code 0x10000. */
static struct cpu *pm_cpu(void)
{
    memset(ram, 0, sizeof(ram));
    struct cpu_bus bus = {.ptr = bus_ptr, .mmio_read = bus_mr, .mmio_write = bus_mw, .io_in = bus_in,
                          .io_out = bus_out, .intr_ack = bus_ack, .ram = ram, .ram_size = RAM_SIZE};
    struct cpu *c = cpu_new(&bus);
    g_cpu = c;
    g_vec = -1;
    set_desc(0x1000, 0x08, 0, 0xfffff, 0x9a, 0xc);
    set_desc(0x1000, 0x10, 0, 0xfffff, 0x92, 0xc);
    set_desc(0x1000, 0x18, 0, 0xfffff, 0xfa, 0xc);
    set_desc(0x1000, 0x20, 0, 0xfffff, 0xf2, 0xc);
    set_desc(0x1000, 0x28, 0x3000, 0x67, 0x8b, 0x0);
    st32(ram + 0x3004, 0x9000);
    st32(ram + 0x3008, 0x10);
    c->s.cr0 = CR0_PE | CR0_ET;
    c->s.gdtr = (struct dtable){0x1000, 0xff};
    c->s.idtr = (struct dtable){0x2000, 0x7ff};
    c->s.tr = (struct seg){0x28, 0x3000, 0x67, 0x8b};
    for (int s = 0; s < 6; s++) c->s.seg[s] = flat(s == S_CS ? 0x08 : 0x10, s == S_CS, 0);
    cpu_set_cpl(c, 0);
    cpu_seg_recompute_all(c);
    cpu_set_eflags(c, 0, FL_IF);
    c->s.eip = 0x10000;
    c->s.gpr[R_ESP] = 0x8000;
    return c;
}

TEST(triple_fault_when_nothing_can_be_delivered)
{
    struct cpu *c = pm_cpu();
    c->s.idtr.limit = 0;
    put(0x10000, (const u8[]){0x0f, 0x0b}, 2);           /* ud2 */
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_TRIPLE_FAULT);
    CHECK_EQ(c->s.eip, 0x10000);
    cpu_free(c);
}

TEST(hlt_stops_and_interrupt_wakes)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0xfb, 0xf4, 0x90, 0xf4}, 4); /* sti; hlt; nop; hlt */
    put(0x10100, (const u8[]){0xf4}, 1);                   /* handler: hlt */
    set_gate(0x20, 0x10100, 0x08, 0x8e);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x10002);
    CHECK(c->s.halted);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);                /* still nothing to do */
    CHECK_EQ(c->s.eip, 0x10002);
    g_vec = 0x20;
    cpu_set_intr(c, true);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x10101);
    CHECK_EQ(c->s.gpr[R_ESP], 0x8000 - 12);
    CHECK_EQ(rd32(0x8000 - 12), 0x10002);                   /* returns after the HLT */
    CHECK_EQ(rd32(0x8000 - 8), 0x08);
    CHECK(!(cpu_get_eflags(c) & FL_IF));
    cpu_free(c);
}

TEST(hlt_at_cpl3_is_gp)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0xf4}, 1);
    put(0x10100, (const u8[]){0xf4}, 1);
    set_gate(13, 0x10100, 0x08, 0x8e);
    c->s.seg[S_CS] = flat(0x1b, true, 3);
    c->s.seg[S_SS] = flat(0x23, false, 3);
    cpu_set_cpl(c, 3);
    cpu_seg_recompute_all(c);
    c->s.gpr[R_ESP] = 0x7000;
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x10101);                            /* in the #GP handler */
    CHECK_EQ(c->s.gpr[R_ESP], 0x9000 - 24);                 /* TSS stack, error code pushed */
    CHECK_EQ(rd32(0x9000 - 24), 0);
    CHECK_EQ(rd32(0x9000 - 20), 0x10000);
    CHECK_EQ(rd32(0x9000 - 8), 0x7000);
    CHECK_EQ(rd32(0x9000 - 4), 0x23);
    cpu_free(c);
}

TEST(sti_shadow_delays_interrupt_one_instruction)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0xfb, 0x90, 0x90, 0xf4}, 4); /* sti; nop; nop; hlt */
    put(0x10100, (const u8[]){0xf4}, 1);
    set_gate(0x20, 0x10100, 0x08, 0x8e);
    g_vec = 0x20;
    cpu_set_intr(c, true);                                  /* pending, IF=0 */
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x10101);
    CHECK_EQ(rd32(0x8000 - 12), 0x10002);                   /* taken after the first NOP */
    cpu_free(c);
}

TEST(mov_ss_shadow_delays_interrupt)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0x8e, 0xd0, 0x90, 0x90, 0xf4}, 5); /* mov ss, ax; nop; nop; hlt */
    put(0x10100, (const u8[]){0xf4}, 1);
    set_gate(0x20, 0x10100, 0x08, 0x8e);
    cpu_set_eflags(c, FL_IF, FL_IF);
    c->s.gpr[R_EAX] = 0x10;
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);
    g_vec = 0x20;
    cpu_set_intr(c, true);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(rd32(0x8000 - 12), 0x10003);
    cpu_free(c);
}

TEST(nmi_blocked_until_iret)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0x90, 0x90, 0x90, 0xf4}, 4);
    put(0x10200, (const u8[]){0xfe, 0x05, 0x00, 0x50, 0x00, 0x00, 0xcf}, 7); /* inc byte [0x5000]; iretd */
    set_gate(2, 0x10200, 0x08, 0x8e);
    cpu_raise_nmi(c);
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);               /* NMI delivered, INC executed */
    CHECK_EQ(ram[0x5000], 1);
    CHECK_EQ(c->s.eip, 0x10206);
    cpu_raise_nmi(c);                                       /* blocked: we are in the handler */
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);               /* IRET, then the second NMI at once */
    CHECK_EQ(ram[0x5000], 1);
    CHECK_EQ(c->s.eip, 0x10200);
    CHECK_EQ(rd32(0x8000 - 12), 0x10000);                   /* it interrupted the first NOP */
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(ram[0x5000], 2);
    cpu_free(c);
}

TEST(gate16_pushes_words)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0xcd, 0x40, 0xf4}, 3);        /* int 0x40; hlt */
    put(0x0300, (const u8[]){0xf4}, 1);
    set_gate(0x40, 0x0300, 0x08, 0x86);                     /* 16-bit interrupt gate */
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x301);
    CHECK_EQ(c->s.gpr[R_ESP], 0x8000 - 6);
    CHECK_EQ(rd16(0x8000 - 6), 0x0002);                     /* IP (low word of 0x10002) */
    CHECK_EQ(rd16(0x8000 - 4), 0x08);
    cpu_free(c);
}

TEST(sysenter_sysexit)
{
    struct cpu *c = pm_cpu();
    put(0x1001e, (const u8[]){0x0f, 0x34, 0x0f, 0x35}, 4);  /* sysenter; (target) sysexit */
    c->s.sysenter_cs = 0x08;
    c->s.sysenter_esp = 0x7000;
    c->s.sysenter_eip = 0x10020;
    c->s.seg[S_CS] = flat(0x1b, true, 3);
    c->s.seg[S_SS] = flat(0x23, false, 3);
    cpu_set_cpl(c, 3);
    cpu_seg_recompute_all(c);
    c->s.eip = 0x1001e;
    c->s.gpr[R_ECX] = 0x6000;
    c->s.gpr[R_EDX] = 0x10040;
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(c->s.cpl, 0);
    CHECK_EQ(c->s.seg[S_CS].sel, 0x08);
    CHECK_EQ(c->s.seg[S_SS].sel, 0x10);
    CHECK_EQ(c->s.gpr[R_ESP], 0x7000);
    CHECK_EQ(c->s.eip, 0x10020);
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(c->s.cpl, 3);
    CHECK_EQ(c->s.seg[S_CS].sel, 0x1b);
    CHECK_EQ(c->s.seg[S_SS].sel, 0x23);
    CHECK_EQ(c->s.gpr[R_ESP], 0x6000);
    CHECK_EQ(c->s.eip, 0x10040);
    cpu_free(c);
}

TEST(real_mode_int_and_iret)
{
    struct cpu *c = pm_cpu();
    cpu_reset(c);
    c->s.seg[S_CS] = (struct seg){0, 0, 0xffff, 0x9b};
    c->s.seg[S_SS] = (struct seg){0, 0, 0xffff, 0x93};
    cpu_seg_recompute_all(c);
    c->s.eip = 0x7c00;
    c->s.gpr[R_ESP] = 0x7000;
    st16(ram + 0x21 * 4, 0x7c10);
    st16(ram + 0x21 * 4 + 2, 0);
    put(0x7c00, (const u8[]){0xcd, 0x21, 0xf4}, 3);           /* int 0x21; hlt */
    put(0x7c10, (const u8[]){0xb8, 0x34, 0x12, 0xcf}, 4);     /* mov ax, 0x1234; iret */
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x7c03);
    CHECK_EQ(c->s.gpr[R_EAX] & 0xffff, 0x1234);
    CHECK_EQ(c->s.gpr[R_ESP], 0x7000);
    CHECK_EQ(rd16(0x7000 - 6), 0x7c02);                       /* the frame it used */
    cpu_free(c);
}

TEST(call_gate_stack_fault_is_precise_to_shutdown)
{
    struct cpu *c = pm_cpu();
    /* call gate 0x40 (DPL 3) to ring 0; SS0 = 0x30 with limit 0xF: the push of the frame faults */
    set_desc(0x1000, 0x30, 0x9000, 0xf, 0x92, 0x4);
    st32(ram + 0x1040, (0x10100 & 0xffff) | (0x08u << 16));
    st32(ram + 0x1044, (0x10100 & 0xffff0000u) | (0xecu << 8));
    st32(ram + 0x3004, 0x8);
    st32(ram + 0x3008, 0x30);
    put(0x10000, (const u8[]){0x9a, 0, 0, 0, 0, 0x43, 0x00}, 7); /* call 0x43:0 */
    c->s.seg[S_CS] = flat(0x1b, true, 3);
    c->s.seg[S_SS] = flat(0x23, false, 3);
    cpu_set_cpl(c, 3);
    cpu_seg_recompute_all(c);
    c->s.gpr[R_ESP] = 0x7000;
    /* #SS(0x30) cannot be delivered either (same stack), nor #DF: shutdown, state untouched */
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_TRIPLE_FAULT);
    CHECK_EQ(c->s.eip, 0x10000);
    CHECK_EQ(c->s.cpl, 3);
    CHECK_EQ(c->s.seg[S_CS].sel, 0x1b);
    CHECK_EQ(c->s.seg[S_SS].sel, 0x23);
    CHECK_EQ(c->s.gpr[R_ESP], 0x7000);
    cpu_free(c);
}

TEST(call_gate16_copies_word_params_and_retf16_returns)
{
    struct cpu *c = pm_cpu();
    /* 16-bit call gate 0x40 (DPL 3, 2 word params) to 0x08:0x0400 */
    st32(ram + 0x1040, 0x0400 | (0x08u << 16));
    st32(ram + 0x1044, (0xe4u << 8) | 2);
    put(0x4000, (const u8[]){0x66, 0x68, 0xaa, 0xaa,          /* push word 0xaaaa */
                             0x66, 0x68, 0xbb, 0xbb,          /* push word 0xbbbb */
                             0x9a, 0, 0, 0, 0, 0x43, 0x00},   /* call 0x43:0 */
        15);
    put(0x0400, (const u8[]){0x66, 0xca, 0x04, 0x00}, 4);     /* o16 retf 4 */
    c->s.seg[S_CS] = flat(0x1b, true, 3);
    c->s.seg[S_SS] = flat(0x23, false, 3);
    cpu_set_cpl(c, 3);
    cpu_seg_recompute_all(c);
    c->s.eip = 0x4000;
    c->s.gpr[R_ESP] = 0x7000;
    CHECK_EQ(cpu_run(c, 3), CPU_EXIT_BUDGET);
    CHECK_EQ(c->s.cpl, 0);
    CHECK_EQ(c->s.eip, 0x400);
    CHECK_EQ(c->s.gpr[R_ESP], 0x9000 - 12);
    CHECK_EQ(rd16(0x9000 - 12), 0x400f);                      /* IP */
    CHECK_EQ(rd16(0x9000 - 10), 0x1b);                        /* CS */
    CHECK_EQ(rd16(0x9000 - 8), 0xbbbb);
    CHECK_EQ(rd16(0x9000 - 6), 0xaaaa);
    CHECK_EQ(rd16(0x9000 - 4), 0x6ffc);                       /* SP */
    CHECK_EQ(rd16(0x9000 - 2), 0x23);                         /* SS */
    CHECK_EQ(cpu_run(c, 1), CPU_EXIT_BUDGET);
    CHECK_EQ(c->s.cpl, 3);
    CHECK_EQ(c->s.eip, 0x400f);
    CHECK_EQ(c->s.gpr[R_ESP], 0x7000);
    CHECK_EQ(c->s.seg[S_SS].sel, 0x23);
    cpu_free(c);
}

TEST(single_step_held_by_mov_ss)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0x8e, 0xd0, 0x90, 0x90, 0xf4}, 5); /* mov ss, ax; nop; nop; hlt */
    put(0x10100, (const u8[]){0xf4}, 1);
    set_gate(1, 0x10100, 0x08, 0x8e);
    c->s.gpr[R_EAX] = 0x10;
    cpu_set_eflags(c, FL_TF, FL_TF);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x10101);
    CHECK_EQ(rd32(0x8000 - 12), 0x10003);                   /* after the NOP that followed MOV SS */
    CHECK(c->s.dr[6] & (1u << 14));
    CHECK(rd32(0x8000 - 4) & FL_TF);                        /* TF in the pushed EFLAGS */
    CHECK(!(cpu_get_eflags(c) & FL_TF));
    cpu_free(c);
}

TEST(single_step_after_sti_not_held)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0xfb, 0x90, 0xf4}, 3);          /* sti; nop; hlt */
    put(0x10100, (const u8[]){0xf4}, 1);
    set_gate(1, 0x10100, 0x08, 0x8e);
    cpu_set_eflags(c, FL_TF, FL_TF);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(rd32(0x8000 - 12), 0x10001);                   /* right after STI */
    cpu_free(c);
}

TEST(data_breakpoint_on_mov_ss_waits_one_instruction)
{
    struct cpu *c = pm_cpu();
    put(0x10000, (const u8[]){0x8e, 0x15, 0x00, 0x50, 0x00, 0x00, 0x90, 0x90, 0xf4}, 9); /* mov ss,[0x5000]; nop; nop; hlt */
    put(0x10100, (const u8[]){0xf4}, 1);
    set_gate(1, 0x10100, 0x08, 0x8e);
    st16(ram + 0x5000, 0x10);
    c->s.dr[0] = 0x5000;
    c->s.dr[7] = 0x400 | 1 | (3u << 16) | (1u << 18);       /* L0, read/write, 2 bytes */
    cpu_dr_changed(c);
    CHECK_EQ(cpu_run(c, 100), CPU_EXIT_HLT);
    CHECK_EQ(c->s.eip, 0x10101);
    CHECK_EQ(rd32(0x8000 - 12), 0x10007);                   /* after the NOP that followed MOV SS */
    CHECK(c->s.dr[6] & 1);
    cpu_free(c);
}

int main(void)
{
    RUN(triple_fault_when_nothing_can_be_delivered);
    RUN(hlt_stops_and_interrupt_wakes);
    RUN(hlt_at_cpl3_is_gp);
    RUN(sti_shadow_delays_interrupt_one_instruction);
    RUN(mov_ss_shadow_delays_interrupt);
    RUN(nmi_blocked_until_iret);
    RUN(gate16_pushes_words);
    RUN(sysenter_sysexit);
    RUN(real_mode_int_and_iret);
    RUN(call_gate_stack_fault_is_precise_to_shutdown);
    RUN(call_gate16_copies_word_params_and_retf16_returns);
    RUN(single_step_held_by_mov_ss);
    RUN(single_step_after_sti_not_held);
    RUN(data_breakpoint_on_mov_ss_waits_one_instruction);
    return test_summary();
}
