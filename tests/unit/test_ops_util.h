/*
 * A tiny flat protected-mode machine for the integer-instruction unit tests:
 * 4 MiB of RAM, CS/DS/ES/SS/FS/GS flat 32-bit at CPL 0, a GDT at 0x800 and an
 * IDT at 0 whose 32 gates lead to 0x3000 + 16 * vector (so the vector of a
 * delivered exception can be read off EIP). Code runs at 0x2000, the stack
 * starts at 0x80000. tv_reset clears 0-0x3fff, the page around the stack top
 * and 0x100000-0x10ffff (the tests' data area).
 */
#ifndef VD_TEST_OPS_UTIL_H
#define VD_TEST_OPS_UTIL_H
#include "test.h"
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"

#define TV_RAM (4u << 20)
#define TV_CODE 0x2000u
#define TV_STACK 0x80000u

static u8 *tv_ram;
static struct cpu *tv;

static u8 *tv_ptr(void *o, u64 pa, bool w) { (void)o; (void)w; return pa < TV_RAM ? tv_ram + pa : NULL; }
static u32 tv_rd(void *o, u64 pa, unsigned s) { (void)o; (void)pa; (void)s; return 0xffffffffu; }
static void tv_wr(void *o, u64 pa, u32 v, unsigned s) { (void)o; (void)pa; (void)v; (void)s; }
static u32 tv_in(void *o, u16 p, unsigned s) { (void)o; (void)p; (void)s; return 0xffffffffu; }
static void tv_out(void *o, u16 p, u32 v, unsigned s) { (void)o; (void)p; (void)v; (void)s; }
static int tv_ack(void *o) { (void)o; return -1; }

/* The CPU part of tv_reset: flat 32-bit protected mode at CPL 0 with the
 * tables at 0x800 / 0, TLB empty, registers zero, flags clear. Memory is
 * left as it is (callers that rewrite what they use can skip the clearing). */
static inline void tv_enter(void)
{
    struct cpu *c = tv;
    c->s.cr0 |= CR0_PE;
    c->s.gdtr = (struct dtable){0x800, 0x17};
    c->s.idtr = (struct dtable){0, 32 * 8 - 1};
    for (int s = 0; s < 6; s++) {
        bool code = s == S_CS;
        c->s.seg[s] = (struct seg){.sel = code ? 0x08 : 0x10, .base = 0, .limit = 0xffffffffu,
                                   .attr = code ? 0xc09bu : 0xc093u};
    }
    cpu_set_cpl(c, 0);
    for (int s = 0; s < 6; s++) cpu_seg_recompute(c, s);
    cpu_tlb_flush(c, true);
    memset(c->s.gpr, 0, sizeof(c->s.gpr));
    c->s.gpr[R_ESP] = TV_STACK;
    c->s.eflags = FL_FIXED1;
    c->lf.kind = LF_NONE;
    c->step_mode = true;
}

/* Fresh flat 32-bit machine; registers zero, flags clear. */
static inline void tv_reset(void)
{
    if (!tv) {
        tv_ram = calloc(1, TV_RAM);
        struct cpu_bus b = {.ptr = tv_ptr, .mmio_read = tv_rd, .mmio_write = tv_wr, .io_in = tv_in,
                            .io_out = tv_out, .intr_ack = tv_ack, .ram = tv_ram, .ram_size = TV_RAM};
        tv = cpu_new(&b);
    }
    /* cheap per-case reset: only the areas tests use are cleared */
    memset(tv_ram, 0, 0x4000);
    memset(tv_ram + TV_STACK - 0x1000, 0, 0x2000);
    memset(tv_ram + 0x100000, 0, 0x10000);
    st64(tv_ram + 0x808, 0x00cf9b000000ffffull);
    st64(tv_ram + 0x810, 0x00cf93000000ffffull);
    for (u32 v = 0; v < 32; v++) {
        u32 h = 0x3000 + 16 * v;
        st32(tv_ram + 8 * v, (0x08u << 16) | (h & 0xffff));
        st32(tv_ram + 8 * v + 4, (h & 0xffff0000u) | 0x8e00);
        tv_ram[h] = 0xf4;
    }
    tv_enter();
}

/* Run the code at TV_CODE until EIP reaches its end (or leaves it, after
 * max instructions). Returns 0, or 1 + the vector of a delivered exception. */
static inline int tv_run(const u8 *code, unsigned len, int max)
{
    struct cpu *c = tv;
    memcpy(tv_ram + TV_CODE, code, len);
    cpu_invalidate_host(c, tv_ram + TV_CODE, len);
    c->s.eip = TV_CODE;
    for (int k = 0; k < max && c->s.eip != TV_CODE + len; k++) {
        enum cpu_exit e = cpu_run(c, 1);
        if (c->s.eip >= 0x3000 && c->s.eip < 0x3200) return 1 + (int)((c->s.eip - 0x3000) / 16);
        if (e != CPU_EXIT_BUDGET) return 100 + (int)e;
    }
    return 0;
}
#define TV_RUN(max, ...) ({ static const u8 code_[] = {__VA_ARGS__}; tv_run(code_, sizeof(code_), max); })

static inline u32 tv_flags(void) { return cpu_get_eflags(tv); }
static inline u32 *tv_r(void) { return tv->s.gpr; }
/* The EIP an exception handler sees on its stack (after delivery at CPL 0). */
static inline u32 tv_fault_eip(bool has_err) { return ld32(tv_ram + tv->s.gpr[R_ESP] + (has_err ? 4 : 0)); }

#endif
