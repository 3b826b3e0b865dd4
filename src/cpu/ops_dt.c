/*
 * Descriptor-table instructions of the protection model (SLDT, STR, LLDT,
 * LTR, VERR, VERW, LAR, LSL, ARPL) and SYSENTER/SYSEXIT. All but the last
 * two are #UD outside protected mode (real and v86 mode).
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "cpu/dispatch.h"

static void need_pm(struct cpu *c)
{
    if (!cpu_pm(c) || cpu_v86(c)) cpu_raise_ne(c, EXC_UD);
}

static void set_zf(struct cpu *c, bool z)
{
    cpu_flags_sync(c);
    if (z) c->s.eflags |= FL_ZF;
    else c->s.eflags &= ~FL_ZF;
}

static u16 get_ew(struct cpu *c, const struct x86_insn *i)
{
    return i->mod == 3 ? cpu_reg16(c, i->rm) : cpu_rd16(c, i->seg, cpu_ea(c, i));
}

/* store a selector to Ev: memory is always a word, a 32-bit register is zero-extended (P6) */
static void put_sel(struct cpu *c, const struct x86_insn *i, u16 v)
{
    if (i->mod != 3) cpu_wr16(c, i->seg, cpu_ea(c, i), v);
    else if (i->osize == 4) c->s.gpr[i->rm] = v;
    else cpu_set_reg16(c, i->rm, v);
}

static HANDLER(h_sldt) { need_pm(c); put_sel(c, i, c->s.ldtr.sel); }
static HANDLER(h_str) { need_pm(c); put_sel(c, i, c->s.tr.sel); }

static HANDLER(h_lldt)
{
    need_pm(c);
    if (c->s.cpl != 0) cpu_raise(c, EXC_GP, 0);
    u16 sel = get_ew(c, i);
    if (sel_null(sel)) {
        c->s.ldtr = (struct seg){.sel = sel, .attr = SEG_ATTR_UNUSABLE};
        return;
    }
    struct desc d;
    if ((sel & 4) || !desc_fetch(c, sel, &d)) cpu_raise(c, EXC_GP, sel_err(sel, 0));
    if (desc_s(&d) || desc_type(&d) != DT_LDT) cpu_raise(c, EXC_GP, sel_err(sel, 0));
    if (!desc_p(&d)) cpu_raise(c, EXC_NP, sel_err(sel, 0));
    seg_from_desc(&c->s.ldtr, sel, &d);
}

static HANDLER(h_ltr)
{
    need_pm(c);
    if (c->s.cpl != 0) cpu_raise(c, EXC_GP, 0);
    u16 sel = get_ew(c, i);
    if (sel_null(sel)) cpu_raise(c, EXC_GP, 0);
    struct desc d;
    if ((sel & 4) || !desc_fetch(c, sel, &d)) cpu_raise(c, EXC_GP, sel_err(sel, 0));
    if (desc_s(&d) || (desc_type(&d) != DT_TSS16_AVAIL && desc_type(&d) != DT_TSS32_AVAIL))
        cpu_raise(c, EXC_GP, sel_err(sel, 0));
    if (!desc_p(&d)) cpu_raise(c, EXC_NP, sel_err(sel, 0));
    desc_set_busy(c, &d, true);
    seg_from_desc(&c->s.tr, sel, &d);
}

/* Privilege rule shared by VERR/VERW/LAR/LSL: conforming code is always visible. */
static bool visible(struct cpu *c, u16 sel, const struct desc *d)
{
    if (desc_conforming(d)) return true;
    return desc_dpl(d) >= c->s.cpl && desc_dpl(d) >= (sel & 3);
}

static bool fetch_for_query(struct cpu *c, u16 sel, struct desc *d)
{
    return !sel_null(sel) && desc_fetch(c, sel, d);
}

static HANDLER(h_verr)
{
    need_pm(c);
    u16 sel = get_ew(c, i);
    struct desc d;
    bool ok = fetch_for_query(c, sel, &d) && desc_s(&d) && desc_readable(&d) && visible(c, sel, &d);
    set_zf(c, ok);
}

static HANDLER(h_verw)
{
    need_pm(c);
    u16 sel = get_ew(c, i);
    struct desc d;
    bool ok = fetch_for_query(c, sel, &d) && desc_writable_data(&d) && visible(c, sel, &d);
    set_zf(c, ok);
}

static HANDLER(h_lar)
{
    need_pm(c);
    u16 sel = get_ew(c, i);
    struct desc d;
    bool ok = fetch_for_query(c, sel, &d);
    if (ok && !desc_s(&d)) {
        static const u16 valid = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 9 | 1u << 11 | 1u << 12;
        ok = (valid >> desc_type(&d)) & 1;
    }
    ok = ok && visible(c, sel, &d);
    set_zf(c, ok);
    if (!ok) return;
    if (i->osize == 4) c->s.gpr[i->reg] = d.hi & 0x00ffff00u;
    else cpu_set_reg16(c, i->reg, (u16)(d.hi & 0xff00));
}

static HANDLER(h_lsl)
{
    need_pm(c);
    u16 sel = get_ew(c, i);
    struct desc d;
    bool ok = fetch_for_query(c, sel, &d);
    if (ok && !desc_s(&d)) {
        static const u16 valid = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9 | 1u << 11;
        ok = (valid >> desc_type(&d)) & 1;
    }
    ok = ok && visible(c, sel, &d);
    set_zf(c, ok);
    if (!ok) return;
    if (i->osize == 4) c->s.gpr[i->reg] = desc_limit(&d);
    else cpu_set_reg16(c, i->reg, (u16)desc_limit(&d));
}

static HANDLER(h_arpl)
{
    need_pm(c);
    u32 off = 0;
    u16 dst = i->mod == 3 ? cpu_reg16(c, i->rm) : (u16)cpu_rdw16(c, i->seg, off = cpu_ea(c, i));
    u16 src = cpu_reg16(c, i->reg);
    if ((dst & 3) < (src & 3)) {
        dst = (u16)((dst & ~3) | (src & 3));
        if (i->mod == 3) cpu_set_reg16(c, i->rm, dst);
        else cpu_wr16(c, i->seg, off, dst);
        set_zf(c, true);
    } else {
        set_zf(c, false);
    }
}

static HANDLER(h_sysenter)
{
    u16 cs = (u16)c->s.sysenter_cs;
    if (!cpu_pm(c) || sel_null(cs)) cpu_raise(c, EXC_GP, 0);
    cpu_set_eflags(c, 0, FL_VM | FL_IF | FL_RF);
    cpu_set_cpl(c, 0);
    seg_load_flat(c, S_CS, cs & 0xfffc, true, 0);
    seg_load_flat(c, S_SS, (cs & 0xfffc) + 8, false, 0);
    cpu_seg_recompute_all(c);   /* leaving v86 changes the rules of the others */
    c->s.gpr[R_ESP] = c->s.sysenter_esp;
    c->next_eip = c->s.sysenter_eip;
}

static HANDLER(h_sysexit)
{
    u16 cs = (u16)c->s.sysenter_cs;
    if (!cpu_pm(c) || cpu_v86(c) || c->s.cpl != 0 || sel_null(cs)) cpu_raise(c, EXC_GP, 0);
    cpu_set_cpl(c, 3);
    seg_load_flat(c, S_CS, (u16)((cs + 16) | 3), true, 3);
    seg_load_flat(c, S_SS, (u16)((cs + 24) | 3), false, 3);
    c->s.gpr[R_ESP] = c->s.gpr[R_ECX];
    c->next_eip = c->s.gpr[R_EDX];
}

void ops_dt_init(void)
{
    cpu_register1(X86_OP_SLDT_Ev, h_sldt);
    cpu_register1(X86_OP_STR_Ev, h_str);
    cpu_register1(X86_OP_LLDT_Ew, h_lldt);
    cpu_register1(X86_OP_LTR_Ew, h_ltr);
    cpu_register1(X86_OP_VERR_Ew, h_verr);
    cpu_register1(X86_OP_VERW_Ew, h_verw);
    cpu_register1(X86_OP_LAR_GvEw, h_lar);
    cpu_register1(X86_OP_LSL_GvEw, h_lsl);
    cpu_register1(X86_OP_ARPL_EwGw, h_arpl);
    cpu_register1(X86_OP_SYSENTER, h_sysenter);
    cpu_register1(X86_OP_SYSEXIT, h_sysexit);
}
