/*
 * Raising and delivering exceptions and interrupts: the double-fault table,
 * real-mode IVT delivery, and protected-mode delivery through IDT interrupt,
 * trap and task gates with the inner-privilege stack switch (also out of
 * v86 mode). Delivery checks everything and writes the new frame before it
 * changes any register, so a fault while delivering leaves the interrupted
 * state intact for the #DF (or the serial delivery of the new fault).
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "base/log.h"

enum { XC_BENIGN, XC_CONTRIB, XC_PF, XC_DF };
static int exc_class(int v)
{
    if (v == EXC_DE || (v >= EXC_TS && v <= EXC_GP)) return XC_CONTRIB;
    if (v == EXC_PF) return XC_PF;
    if (v == EXC_DF) return XC_DF;
    return XC_BENIGN;
}

/* Fault-class exceptions: the return address is the faulting instruction and
 * the pushed EFLAGS has RF set (so an instruction breakpoint does not hit again). */
static bool exc_is_fault(int v)
{
    switch (v) {
    case EXC_DE: case EXC_BR: case EXC_UD: case EXC_NM: case EXC_TS: case EXC_NP:
    case EXC_SS: case EXC_GP: case EXC_PF: case EXC_MF: case EXC_AC: case EXC_XM:
        return true;
    }
    return false;
}

static VD_NORETURN void raise_common(struct cpu *c, int vec, bool has_err, u32 err)
{
    if (c->exc_nest > 0 && c->exc_pending_vec >= 0) {
        /* a fault while delivering exception `first` (SDM vol. 3 table 6-5) */
        int first = exc_class(c->exc_pending_vec), second = exc_class(vec);
        if (first == XC_DF) {
            if (second == XC_CONTRIB || second == XC_PF) vec = CPU_VEC_TRIPLE;
        } else if ((first == XC_CONTRIB && second == XC_CONTRIB) ||
                   (first == XC_PF && (second == XC_CONTRIB || second == XC_PF))) {
            vec = EXC_DF;
            has_err = true;
            err = 0;
        }
    }
    c->exc_pending_vec = vec;
    c->exc_has_err = has_err;
    c->exc_pending_err = err;
    VD_LOG(LOG_INT, "exception %d err 0x%x at %04x:%08x\n", vec, err, c->s.seg[S_CS].sel, c->s.eip);
    longjmp(*c->jb, 1);
}

void cpu_raise(struct cpu *c, int vec, u32 err) { raise_common(c, vec, true, err); }
void cpu_raise_ne(struct cpu *c, int vec) { raise_common(c, vec, false, 0); }

static void deliver_real(struct cpu *c, int vec, u32 ret)
{
    if ((u32)vec * 4 + 3 > c->s.idtr.limit) cpu_raise(c, EXC_GP, 0);
    u32 ip = cpu_sysrd(c, c->s.idtr.base + vec * 4, 2);
    u16 cs = (u16)cpu_sysrd(c, c->s.idtr.base + vec * 4 + 2, 2);
    struct stk k;
    stk_init_current(c, &k);
    stk_check_push(c, &k, 6);
    stk_probe_push(c, &k, 3, 2);
    stk_push(c, &k, 2, cpu_get_eflags(c));
    stk_push(c, &k, 2, c->s.seg[S_CS].sel);
    stk_push(c, &k, 2, ret);
    stk_commit_esp(c, &k);
    cpu_set_eflags(c, 0, FL_IF | FL_TF | FL_AC | FL_RF);
    seg_load_real(c, S_CS, cs);
    c->s.eip = ip;
    c->next_eip = ip;
}

/* Protected-mode delivery (also from v86 mode). ret is the return EIP. */
static void deliver_pm(struct cpu *c, int vec, enum intr_kind kind, bool has_err, u32 err, u32 ret,
                       bool fault)
{
    int ext = kind != INTK_SOFT;
    u32 idt_err = (u32)vec * 8 + 2 + (u32)ext;
    if ((u32)vec * 8 + 7 > c->s.idtr.limit) cpu_raise(c, EXC_GP, idt_err);
    struct desc g;
    g.addr = c->s.idtr.base + (u32)vec * 8;
    g.lo = cpu_sysrd(c, g.addr, 4);
    g.hi = cpu_sysrd(c, g.addr + 4, 4);
    u32 type = desc_type(&g);
    if (desc_s(&g) || !(type == DT_TASK || type == DT_INT16 || type == DT_TRAP16 || type == DT_INT32 || type == DT_TRAP32))
        cpu_raise(c, EXC_GP, idt_err);
    if (kind == INTK_SOFT && desc_dpl(&g) < c->s.cpl) cpu_raise(c, EXC_GP, idt_err);
    if (!desc_p(&g)) cpu_raise(c, EXC_NP, idt_err);

    u16 sel = gate_selector(&g);
    if (type == DT_TASK) {
        struct desc t;
        if ((sel & 4) || !desc_fetch(c, sel, &t)) cpu_raise(c, EXC_GP, sel_err(sel, ext));
        if (desc_s(&t) || (desc_type(&t) != DT_TSS16_AVAIL && desc_type(&t) != DT_TSS32_AVAIL))
            cpu_raise(c, EXC_GP, sel_err(sel, ext));
        if (!desc_p(&t)) cpu_raise(c, EXC_NP, sel_err(sel, ext));
        task_switch(c, sel, &t, TS_INT, ret, has_err, err, ext);
        return;
    }

    /* interrupt or trap gate: the target code segment */
    if (sel_null(sel)) cpu_raise(c, EXC_GP, (u32)ext);
    struct desc cd;
    if (!desc_fetch(c, sel, &cd)) cpu_raise(c, EXC_GP, sel_err(sel, ext));
    if (!desc_is_code(&cd) || desc_dpl(&cd) > c->s.cpl) cpu_raise(c, EXC_GP, sel_err(sel, ext));
    if (!desc_p(&cd)) cpu_raise(c, EXC_NP, sel_err(sel, ext));
    int dpl = desc_dpl(&cd);
    bool v86 = cpu_v86(c);
    bool inner = !desc_conforming(&cd) && dpl < c->s.cpl;
    if (v86 && (!inner || dpl != 0)) cpu_raise(c, EXC_GP, sel_err(sel, ext));
    int new_cpl = inner ? dpl : c->s.cpl;
    unsigned gsz = (type & 8) ? 4 : 2;
    u32 off = gate_offset(&g);

    struct stk k;
    struct desc ssd;
    u16 new_ss = 0;
    u32 new_esp = 0;
    if (inner) {
        tss_inner_stack(c, dpl, &new_ss, &new_esp, ext);
        if (sel_null(new_ss)) cpu_raise(c, EXC_TS, (u32)ext);
        if (!desc_fetch(c, new_ss, &ssd)) cpu_raise(c, EXC_TS, sel_err(new_ss, ext));
        if ((new_ss & 3) != dpl || desc_dpl(&ssd) != dpl || !desc_writable_data(&ssd))
            cpu_raise(c, EXC_TS, sel_err(new_ss, ext));
        if (!desc_p(&ssd)) cpu_raise(c, EXC_SS, sel_err(new_ss, ext));
        seg_from_desc(&k.ss, new_ss, &ssd);
        k.sp = (k.ss.attr & SEG_ATTR_DB) ? new_esp : (new_esp & 0xffff);
        k.fault_vec = EXC_SS;
        k.fault_err = sel_err(new_ss, ext);
        k.sys = true;
    } else {
        stk_init_current(c, &k);
        k.fault_err = (u32)ext;
    }
    unsigned n = (inner ? (v86 ? 9 : 5) : 3) + (has_err ? 1 : 0);
    stk_check_push(c, &k, n * gsz);
    if (off > desc_limit(&cd)) cpu_raise(c, EXC_GP, (u32)ext);

    /* all checks done; write the frame (a #PF comes before the first store) */
    stk_probe_push(c, &k, n, gsz);
    desc_set_accessed(c, &cd);
    if (inner) desc_set_accessed(c, &ssd);
    u32 fl = cpu_get_eflags(c);
    if (fault) fl |= FL_RF;
    if (inner) {
        if (v86) {
            stk_push(c, &k, gsz, c->s.seg[S_GS].sel);
            stk_push(c, &k, gsz, c->s.seg[S_FS].sel);
            stk_push(c, &k, gsz, c->s.seg[S_DS].sel);
            stk_push(c, &k, gsz, c->s.seg[S_ES].sel);
        }
        stk_push(c, &k, gsz, c->s.seg[S_SS].sel);
        stk_push(c, &k, gsz, c->s.gpr[R_ESP]);
    }
    stk_push(c, &k, gsz, fl);
    stk_push(c, &k, gsz, c->s.seg[S_CS].sel);
    stk_push(c, &k, gsz, ret);
    if (has_err) stk_push(c, &k, gsz, err);

    /* commit */
    if (inner) {
        c->s.gpr[R_ESP] = new_esp;
        cpu_set_cpl(c, new_cpl);
        seg_from_desc(&c->s.seg[S_SS], new_ss, &ssd);
    }
    stk_commit_esp(c, &k);
    cpu_set_eflags(c, 0, FL_TF | FL_NT | FL_RF | FL_VM | ((type & 1) ? 0 : FL_IF));
    if (v86) {
        seg_load_null(c, S_ES, 0);
        seg_load_null(c, S_DS, 0);
        seg_load_null(c, S_FS, 0);
        seg_load_null(c, S_GS, 0);
    }
    seg_from_desc(&c->s.seg[S_CS], (u16)((sel & 0xfffc) | new_cpl), &cd);
    if (v86) cpu_seg_recompute_all(c); /* leaving v86 changes every segment's rules */
    else {
        cpu_seg_recompute(c, S_CS);
        if (inner) cpu_seg_recompute(c, S_SS);
    }
    c->s.eip = off;
    c->next_eip = off;
}

void cpu_deliver(struct cpu *c, int vec, enum intr_kind kind, bool has_err, u32 err)
{
    bool exception = c->exc_nest > 0;
    if (exception) c->exc_pending_vec = vec;   /* "being delivered", for the #DF table */
    u32 ret = kind == INTK_HW ? c->s.eip : c->next_eip;
    bool fault = exception && exc_is_fault(vec);
    VD_LOG(LOG_INT, "deliver vector 0x%x (%s) err %s0x%x at %04x:%08x cpl %d\n", vec,
           kind == INTK_SOFT ? "int" : exception ? "exception" : "hw", has_err ? "" : "none ", err,
           c->s.seg[S_CS].sel, c->s.eip, c->s.cpl);
    if (!cpu_pm(c)) deliver_real(c, vec, ret);
    else deliver_pm(c, vec, kind, has_err, err, ret, fault);
    /* delivered: the interrupted instruction's single-step trap is void, HLT ends */
    c->trace_pending = false;
    c->s.halted = 0;
    c->s.intr_shadow = 0;
    c->events &= ~(EV_HALT | EV_SHADOW);
    if (exception) c->exc_pending_vec = -1;
}
