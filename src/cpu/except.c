/* Raising and delivering exceptions and interrupts. */
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"
#include "base/log.h"

static VD_NORETURN void raise_common(struct cpu *c, int vec, bool has_err, u32 err)
{
    if (c->exc_nest > 0) {
        /* fault while delivering: the simple rule until the full table is in */
        if (c->exc_nest >= 2) vec = CPU_VEC_TRIPLE;
        else { vec = EXC_DF; has_err = true; err = 0; }
    }
    c->exc_pending_vec = vec;
    c->exc_has_err = has_err;
    c->exc_pending_err = err;
    VD_LOG(LOG_INT, "exception %d err 0x%x at %04x:%08x\n", vec, err, c->s.seg[S_CS].sel, c->s.eip);
    longjmp(*c->jb, 1);
}

void cpu_raise(struct cpu *c, int vec, u32 err) { raise_common(c, vec, true, err); }
void cpu_raise_ne(struct cpu *c, int vec) { raise_common(c, vec, false, 0); }

void cpu_deliver(struct cpu *c, int vec, enum intr_kind kind, bool has_err, u32 err)
{
    (void)has_err;
    (void)err;
    u32 ret = kind == INTK_HW ? c->s.eip : c->next_eip;
    if (cpu_pm(c)) {
        VD_LOG(LOG_UNIMP, "protected-mode interrupt delivery not implemented\n");
        c->exc_nest = 2;
        cpu_raise_ne(c, EXC_DF);
    }
    /* real mode: IVT */
    if ((u32)vec * 4 + 3 > c->s.idtr.limit) cpu_raise(c, EXC_GP, 0);
    u32 ip = cpu_lrd16(c, c->s.idtr.base + vec * 4);
    u16 cs = cpu_lrd16(c, c->s.idtr.base + vec * 4 + 2);
    u32 fl = cpu_get_eflags(c);
    u32 sp = cpu_sp(c);
    cpu_stack_wr(c, sp - 2, 2, fl);
    cpu_stack_wr(c, sp - 4, 2, c->s.seg[S_CS].sel);
    cpu_stack_wr(c, sp - 6, 2, ret);
    cpu_set_sp(c, sp - 6);
    cpu_set_eflags(c, 0, FL_IF | FL_TF | FL_AC | FL_RF);
    cpu_load_seg(c, S_CS, cs);
    c->s.eip = ip;
    c->next_eip = ip;
}
