/*
 * Far control transfers: JMP/CALL far (code segments, call gates with
 * parameter copy and the inner-stack switch, task gates and TSSs), RETF to
 * the same or an outer level. Everything is checked and pushed through a
 * private stack pointer (struct stk) before any register changes.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "base/log.h"

void far_set_cs(struct cpu *c, u16 sel, struct desc *d, u32 eip, int cpl)
{
    desc_set_accessed(c, d);
    cpu_set_cpl(c, cpl);
    seg_from_desc(&c->s.seg[S_CS], (u16)((sel & 0xfffc) | cpl), d);
    cpu_seg_recompute(c, S_CS);
    c->next_eip = eip;
}

/* Checks on a code segment named directly by JMP/CALL far. */
static void check_direct_code(struct cpu *c, u16 sel, struct desc *d)
{
    int cpl = c->s.cpl;
    if (desc_conforming(d)) {
        if (desc_dpl(d) > cpl) cpu_raise(c, EXC_GP, sel_err(sel, 0));
    } else if ((sel & 3) > cpl || desc_dpl(d) != cpl) {
        cpu_raise(c, EXC_GP, sel_err(sel, 0));
    }
    if (!desc_p(d)) cpu_raise(c, EXC_NP, sel_err(sel, 0));
}

/* Fetch a descriptor for a far JMP/CALL operand: #GP(0) for null, #GP(sel) beyond limit. */
static void fetch_target(struct cpu *c, u16 sel, struct desc *d)
{
    if (sel_null(sel)) cpu_raise(c, EXC_GP, 0);
    if (!desc_fetch(c, sel, d)) cpu_raise(c, EXC_GP, sel_err(sel, 0));
}

/* A gate or TSS named by JMP/CALL: DPL >= max(CPL, RPL), present. */
static void check_gate_priv(struct cpu *c, u16 sel, const struct desc *d)
{
    if (desc_dpl(d) < c->s.cpl || desc_dpl(d) < (sel & 3)) cpu_raise(c, EXC_GP, sel_err(sel, 0));
    if (!desc_p(d)) cpu_raise(c, EXC_NP, sel_err(sel, 0));
}

/* Task gate or TSS as the target of JMP/CALL. */
static bool try_task(struct cpu *c, u16 sel, struct desc *d, enum task_src src)
{
    u32 type = desc_type(d);
    if (type == DT_TSS16_AVAIL || type == DT_TSS32_AVAIL) {
        check_gate_priv(c, sel, d);
        task_switch(c, sel, d, src, c->next_eip, false, 0, 0);
        return true;
    }
    if (type == DT_TASK) {
        check_gate_priv(c, sel, d);
        u16 tsel = gate_selector(d);
        struct desc t;
        if ((tsel & 4) || !desc_fetch(c, tsel, &t)) cpu_raise(c, EXC_GP, sel_err(tsel, 0));
        if (desc_s(&t) || (desc_type(&t) != DT_TSS16_AVAIL && desc_type(&t) != DT_TSS32_AVAIL))
            cpu_raise(c, EXC_GP, sel_err(tsel, 0));
        if (!desc_p(&t)) cpu_raise(c, EXC_NP, sel_err(tsel, 0));
        task_switch(c, tsel, &t, src, c->next_eip, false, 0, 0);
        return true;
    }
    return false;
}

/* Target code segment of a call gate. */
static void gate_target(struct cpu *c, const struct desc *g, u16 *cs, struct desc *cd)
{
    *cs = gate_selector(g);
    if (sel_null(*cs)) cpu_raise(c, EXC_GP, 0);
    if (!desc_fetch(c, *cs, cd)) cpu_raise(c, EXC_GP, sel_err(*cs, 0));
    if (!desc_is_code(cd) || desc_dpl(cd) > c->s.cpl) cpu_raise(c, EXC_GP, sel_err(*cs, 0));
}

void far_jmp(struct cpu *c, u16 sel, u32 off, unsigned osize)
{
    if (!cpu_pm(c) || cpu_v86(c)) {
        if (off > c->s.seg[S_CS].limit && !cpu_v86(c)) cpu_raise(c, EXC_GP, 0);
        if (cpu_v86(c) && off > 0xffff) cpu_raise(c, EXC_GP, 0);
        seg_load_real(c, S_CS, sel);
        c->next_eip = off;
        return;
    }
    struct desc d;
    fetch_target(c, sel, &d);
    if (desc_s(&d)) {
        if (!desc_is_code(&d)) cpu_raise(c, EXC_GP, sel_err(sel, 0));
        check_direct_code(c, sel, &d);
        if (off > desc_limit(&d)) cpu_raise(c, EXC_GP, 0);
        far_set_cs(c, sel, &d, off, c->s.cpl);
        return;
    }
    u32 type = desc_type(&d);
    if (type == DT_CALL16 || type == DT_CALL32) {
        check_gate_priv(c, sel, &d);
        u16 cs;
        struct desc cd;
        gate_target(c, &d, &cs, &cd);
        if (!desc_conforming(&cd) && desc_dpl(&cd) != c->s.cpl) cpu_raise(c, EXC_GP, sel_err(cs, 0));
        if (!desc_p(&cd)) cpu_raise(c, EXC_NP, sel_err(cs, 0));
        u32 eip = gate_offset(&d);
        if (eip > desc_limit(&cd)) cpu_raise(c, EXC_GP, 0);
        far_set_cs(c, cs, &cd, eip, c->s.cpl);
        return;
    }
    if (try_task(c, sel, &d, TS_JMP)) return;
    cpu_raise(c, EXC_GP, sel_err(sel, 0));
}

/* CALL through a call gate (checked for privilege). */
static void call_gate(struct cpu *c, u16 gsel, struct desc *g)
{
    u16 cs;
    struct desc cd;
    gate_target(c, g, &cs, &cd);
    if (!desc_p(&cd)) cpu_raise(c, EXC_NP, sel_err(cs, 0));
    unsigned gsz = desc_type(g) & 8 ? 4 : 2;
    u32 eip = gate_offset(g);
    int dpl = desc_dpl(&cd);
    if (desc_conforming(&cd) || dpl == c->s.cpl) {
        struct stk k;
        stk_init_current(c, &k);
        stk_check_push(c, &k, 2 * gsz);
        if (eip > desc_limit(&cd)) cpu_raise(c, EXC_GP, 0);
        stk_probe_push(c, &k, 2, gsz);
        stk_push(c, &k, gsz, c->s.seg[S_CS].sel);
        stk_push(c, &k, gsz, c->next_eip);
        far_set_cs(c, cs, &cd, eip, c->s.cpl);
        stk_commit_esp(c, &k);
        return;
    }
    /* more privileged: switch to the inner stack from the TSS and copy parameters */
    u16 nss;
    u32 nesp;
    struct desc ssd;
    tss_inner_stack(c, dpl, &nss, &nesp, 0);
    if (sel_null(nss)) cpu_raise(c, EXC_TS, 0);
    if (!desc_fetch(c, nss, &ssd)) cpu_raise(c, EXC_TS, sel_err(nss, 0));
    if ((nss & 3) != dpl || desc_dpl(&ssd) != dpl || !desc_writable_data(&ssd))
        cpu_raise(c, EXC_TS, sel_err(nss, 0));
    if (!desc_p(&ssd)) cpu_raise(c, EXC_SS, sel_err(nss, 0));
    unsigned params = g->hi & 0x1f;
    struct stk k;
    seg_from_desc(&k.ss, nss, &ssd);
    k.sp = (k.ss.attr & SEG_ATTR_DB) ? nesp : (nesp & 0xffff);
    k.fault_vec = EXC_SS;
    k.fault_err = sel_err(nss, 0);
    k.sys = true;
    stk_check_push(c, &k, (4 + params) * gsz);
    if (eip > desc_limit(&cd)) cpu_raise(c, EXC_GP, 0);
    /* parameters from the caller's stack (read with the caller's checks) */
    u32 pv[31];
    struct stk old;
    stk_init_current(c, &old);
    for (unsigned j = 0; j < params; j++) pv[j] = stk_pop(c, &old, gsz);
    desc_set_accessed(c, &ssd);
    desc_set_accessed(c, &cd);
    stk_probe_push(c, &k, 4 + params, gsz);
    stk_push(c, &k, gsz, c->s.seg[S_SS].sel);
    stk_push(c, &k, gsz, c->s.gpr[R_ESP]);
    for (unsigned j = params; j-- > 0;) stk_push(c, &k, gsz, pv[j]);
    stk_push(c, &k, gsz, c->s.seg[S_CS].sel);
    stk_push(c, &k, gsz, c->next_eip);
    /* commit */
    VD_LOG(LOG_PCALL, "call gate %04x -> %04x:%08x cpl %d -> %d, %u params\n", gsel, cs, eip, c->s.cpl, dpl, params);
    c->s.gpr[R_ESP] = nesp;
    seg_from_desc(&c->s.seg[S_SS], nss, &ssd);
    cpu_seg_recompute(c, S_SS);
    stk_commit_esp(c, &k);
    far_set_cs(c, cs, &cd, eip, dpl);
}

void far_call(struct cpu *c, u16 sel, u32 off, unsigned osize)
{
    if (!cpu_pm(c) || cpu_v86(c)) {
        struct stk k;
        stk_init_current(c, &k);
        stk_check_push(c, &k, 2 * osize);
        if (off > (cpu_v86(c) ? 0xffffu : c->s.seg[S_CS].limit)) cpu_raise(c, EXC_GP, 0);
        stk_probe_push(c, &k, 2, osize);
        stk_push(c, &k, osize, c->s.seg[S_CS].sel);
        stk_push(c, &k, osize, c->next_eip);
        stk_commit_esp(c, &k);
        seg_load_real(c, S_CS, sel);
        c->next_eip = off;
        return;
    }
    struct desc d;
    fetch_target(c, sel, &d);
    if (desc_s(&d)) {
        if (!desc_is_code(&d)) cpu_raise(c, EXC_GP, sel_err(sel, 0));
        check_direct_code(c, sel, &d);
        struct stk k;
        stk_init_current(c, &k);
        stk_check_push(c, &k, 2 * osize);
        if (off > desc_limit(&d)) cpu_raise(c, EXC_GP, 0);
        stk_probe_push(c, &k, 2, osize);
        stk_push(c, &k, osize, c->s.seg[S_CS].sel);
        stk_push(c, &k, osize, c->next_eip);
        far_set_cs(c, sel, &d, off, c->s.cpl);
        stk_commit_esp(c, &k);
        return;
    }
    u32 type = desc_type(&d);
    if (type == DT_CALL16 || type == DT_CALL32) {
        check_gate_priv(c, sel, &d);
        call_gate(c, sel, &d);
        return;
    }
    if (try_task(c, sel, &d, TS_CALL)) return;
    cpu_raise(c, EXC_GP, sel_err(sel, 0));
}

/* Check the CS of a far return (RETF or IRET) with RPL rpl. */
void far_check_ret_cs(struct cpu *c, u16 cs, struct desc *cd)
{
    if (sel_null(cs)) cpu_raise(c, EXC_GP, 0);
    if ((cs & 3) < c->s.cpl) cpu_raise(c, EXC_GP, sel_err(cs, 0));
    if (!desc_fetch(c, cs, cd)) cpu_raise(c, EXC_GP, sel_err(cs, 0));
    if (!desc_is_code(cd)) cpu_raise(c, EXC_GP, sel_err(cs, 0));
    if (desc_conforming(cd) ? desc_dpl(cd) > (cs & 3) : desc_dpl(cd) != (cs & 3))
        cpu_raise(c, EXC_GP, sel_err(cs, 0));
    if (!desc_p(cd)) cpu_raise(c, EXC_NP, sel_err(cs, 0));
}

/* Check the SS of a return to an outer level with RPL rpl. */
void far_check_ret_ss(struct cpu *c, u16 ss, int rpl, struct desc *sd)
{
    if (sel_null(ss)) cpu_raise(c, EXC_GP, 0);
    if (!desc_fetch(c, ss, sd)) cpu_raise(c, EXC_GP, sel_err(ss, 0));
    if ((ss & 3) != rpl || !desc_writable_data(sd) || desc_dpl(sd) != rpl)
        cpu_raise(c, EXC_GP, sel_err(ss, 0));
    if (!desc_p(sd)) cpu_raise(c, EXC_SS, sel_err(ss, 0));
}

void far_ret(struct cpu *c, unsigned osize, u16 imm)
{
    struct stk k;
    stk_init_current(c, &k);
    u32 mask = (k.ss.attr & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
    u32 eip = stk_pop(c, &k, osize);
    u16 cs = (u16)stk_pop(c, &k, osize);
    if (!cpu_pm(c) || cpu_v86(c)) {
        if (eip > (cpu_v86(c) ? 0xffffu : c->s.seg[S_CS].limit)) cpu_raise(c, EXC_GP, 0);
        k.sp = (k.sp + imm) & mask;
        stk_commit_esp(c, &k);
        seg_load_real(c, S_CS, cs);
        c->next_eip = eip;
        return;
    }
    struct desc cd;
    far_check_ret_cs(c, cs, &cd);
    int rpl = cs & 3;
    if (rpl == c->s.cpl) {
        if (eip > desc_limit(&cd)) cpu_raise(c, EXC_GP, 0);
        k.sp = (k.sp + imm) & mask;
        far_set_cs(c, cs, &cd, eip, rpl);
        stk_commit_esp(c, &k);
        return;
    }
    k.sp = (k.sp + imm) & mask;
    u32 esp = stk_pop(c, &k, osize);
    u16 ss = (u16)stk_pop(c, &k, osize);
    struct desc sd;
    far_check_ret_ss(c, ss, rpl, &sd);
    if (eip > desc_limit(&cd)) cpu_raise(c, EXC_GP, 0);
    desc_set_accessed(c, &sd);
    far_set_cs(c, cs, &cd, eip, rpl);
    seg_from_desc(&c->s.seg[S_SS], ss, &sd);
    cpu_seg_recompute(c, S_SS);
    if (sd.hi & (1u << 22)) c->s.gpr[R_ESP] = esp + imm;
    else c->s.gpr[R_ESP] = (c->s.gpr[R_ESP] & 0xffff0000u) | ((esp + imm) & 0xffff);
    seg_invalidate_outer(c);
}
