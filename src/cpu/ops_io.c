/*
 * Port I/O: IN/OUT in all forms and INS/OUTS with REP. Permission (IOPL,
 * TSS I/O bitmap) is checked before the access; INS checks that the
 * destination is writable before it reads the port, so a fault does not
 * lose a device read.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "cpu/dispatch.h"
#include "cpu/debugreg.h"

/* longest REP run per handler call: the instruction restarts, so interrupts are not held off */
#define REP_CHUNK 4096

static u32 io_in(struct cpu *c, u16 port, unsigned size)
{
    cpu_io_check(c, port, size);
    u32 v = cpu_in(c, port, size);
    cpu_dr_io_check(c, port, size);
    return v;
}
static void io_out(struct cpu *c, u16 port, unsigned size, u32 v)
{
    cpu_io_check(c, port, size);
    cpu_out(c, port, size, v);
    cpu_dr_io_check(c, port, size);
}

static void put_acc(struct cpu *c, unsigned size, u32 v)
{
    if (size == 1) cpu_set_reg8(c, R_EAX, (u8)v);
    else if (size == 2) cpu_set_reg16(c, R_EAX, (u16)v);
    else c->s.gpr[R_EAX] = v;
}
static u32 get_acc(struct cpu *c, unsigned size)
{
    return size == 1 ? cpu_reg8(c, R_EAX) : size == 2 ? cpu_reg16(c, R_EAX) : c->s.gpr[R_EAX];
}

static HANDLER(h_in_ALIb) { put_acc(c, 1, io_in(c, (u16)(i->imm & 0xff), 1)); }
static HANDLER(h_in_eAXIb) { put_acc(c, i->osize, io_in(c, (u16)(i->imm & 0xff), i->osize)); }
static HANDLER(h_out_IbAL) { io_out(c, (u16)(i->imm & 0xff), 1, get_acc(c, 1)); }
static HANDLER(h_out_IbeAX) { io_out(c, (u16)(i->imm & 0xff), i->osize, get_acc(c, i->osize)); }
static HANDLER(h_in_ALDX) { put_acc(c, 1, io_in(c, cpu_reg16(c, R_EDX), 1)); }
static HANDLER(h_in_eAXDX) { put_acc(c, i->osize, io_in(c, cpu_reg16(c, R_EDX), i->osize)); }
static HANDLER(h_out_DXAL) { io_out(c, cpu_reg16(c, R_EDX), 1, get_acc(c, 1)); }
static HANDLER(h_out_DXeAX) { io_out(c, cpu_reg16(c, R_EDX), i->osize, get_acc(c, i->osize)); }

static inline u32 areg(struct cpu *c, unsigned asz, int r) { return asz == 2 ? cpu_reg16(c, r) : c->s.gpr[r]; }
static inline void set_areg(struct cpu *c, unsigned asz, int r, u32 v)
{
    if (asz == 2) cpu_set_reg16(c, r, (u16)v);
    else c->s.gpr[r] = v;
}

static void string_io(struct cpu *c, const struct x86_insn *i, unsigned size, bool in)
{
    bool rep = i->pfx & (X86_PFX_REP | X86_PFX_REPNE);
    unsigned asz = i->asize;
    u32 n = rep ? areg(c, asz, R_ECX) : 1;
    if (n == 0) return;
    u16 port = cpu_reg16(c, R_EDX);
    int ir = in ? R_EDI : R_ESI;
    int seg = in ? S_ES : i->seg;
    u32 step = (cpu_get_eflags(c) & FL_DF) ? (u32)-size : size;
    cpu_io_check(c, port, size);
    /* single-step and DR7 breakpoint traps come after every iteration (only
     * architectural state decides: instruction counts never depend on a debugger) */
    u32 chunk = unlikely(c->events & (EV_TF | EV_DEBUG)) && ((cpu_get_eflags(c) & FL_TF) || cpu_dr_armed(c)) ? 1 : REP_CHUNK;
    for (u32 k = 0; k < chunk && n; k++) {
        u32 off = areg(c, asz, ir);
        if (in) {
            if (size == 1) cpu_rdw8(c, seg, off);
            else if (size == 2) cpu_rdw16(c, seg, off);
            else cpu_rdw32(c, seg, off);
            u32 v = cpu_in(c, port, size);
            if (size == 1) cpu_wr8(c, seg, off, (u8)v);
            else if (size == 2) cpu_wr16(c, seg, off, (u16)v);
            else cpu_wr32(c, seg, off, v);
        } else {
            u32 v = size == 1 ? cpu_rd8(c, seg, off) : size == 2 ? cpu_rd16(c, seg, off) : cpu_rd32(c, seg, off);
            cpu_out(c, port, size, v);
        }
        set_areg(c, asz, ir, off + step);
        n--;
        if (rep) set_areg(c, asz, R_ECX, n);
        cpu_dr_io_check(c, port, size);
    }
    if (rep && n) c->next_eip = c->s.eip;   /* more to do: run again */
}

static HANDLER(h_insb) { string_io(c, i, 1, true); }
static HANDLER(h_insv) { string_io(c, i, i->osize, true); }
static HANDLER(h_outsb) { string_io(c, i, 1, false); }
static HANDLER(h_outsv) { string_io(c, i, i->osize, false); }

void ops_io_init(void)
{
    cpu_register1(X86_OP_IN_ALIb, h_in_ALIb);
    cpu_register1(X86_OP_IN_eAXIb, h_in_eAXIb);
    cpu_register1(X86_OP_OUT_IbAL, h_out_IbAL);
    cpu_register1(X86_OP_OUT_IbeAX, h_out_IbeAX);
    cpu_register1(X86_OP_IN_ALDX, h_in_ALDX);
    cpu_register1(X86_OP_IN_eAXDX, h_in_eAXDX);
    cpu_register1(X86_OP_OUT_DXAL, h_out_DXAL);
    cpu_register1(X86_OP_OUT_DXeAX, h_out_DXeAX);
    cpu_register1(X86_OP_INSB, h_insb);
    cpu_register1(X86_OP_INSV, h_insv);
    cpu_register1(X86_OP_OUTSB, h_outsb);
    cpu_register1(X86_OP_OUTSV, h_outsv);
}
