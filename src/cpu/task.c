/*
 * Hardware task switches (SDM vol. 3 section 7.3) through JMP, CALL, INT /
 * exceptions (task gates) and IRET with NT, for 16- and 32-bit TSSs. Up to
 * the point where TR changes, a fault leaves everything as it was; faults
 * while loading the new task's segments are reported in the new task.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"
#include "base/log.h"
#include "cpu/debugreg.h"
#include "cpu/sys.h"

struct tss_image {
    u32 cr3, eip, eflags, gpr[8], ldt, trap;
    u16 seg[6];
};

static void tss_read(struct cpu *c, u32 base, bool is32, struct tss_image *t)
{
    if (is32) {
        t->cr3 = cpu_sysrd(c, base + 0x1c, 4);
        t->eip = cpu_sysrd(c, base + 0x20, 4);
        t->eflags = cpu_sysrd(c, base + 0x24, 4);
        for (int r = 0; r < 8; r++) t->gpr[r] = cpu_sysrd(c, base + 0x28 + 4 * r, 4);
        for (int s = 0; s < 6; s++) t->seg[s] = (u16)cpu_sysrd(c, base + 0x48 + 4 * s, 2);
        t->ldt = cpu_sysrd(c, base + 0x60, 2);
        t->trap = cpu_sysrd(c, base + 0x64, 2) & 1;
    } else {
        t->cr3 = c->s.cr3;
        t->eip = cpu_sysrd(c, base + 0x0e, 2);
        t->eflags = cpu_sysrd(c, base + 0x10, 2);
        for (int r = 0; r < 8; r++) t->gpr[r] = (c->s.gpr[r] & 0xffff0000u) | cpu_sysrd(c, base + 0x12 + 2 * r, 2);
        static const int order[4] = {S_ES, S_CS, S_SS, S_DS};
        for (int s = 0; s < 4; s++) t->seg[order[s]] = (u16)cpu_sysrd(c, base + 0x22 + 2 * s, 2);
        t->seg[S_FS] = t->seg[S_GS] = 0;
        t->ldt = cpu_sysrd(c, base + 0x2a, 2);
        t->trap = 0;
    }
}

static void tss_save(struct cpu *c, u32 base, bool is32, u32 eip, u32 eflags)
{
    if (is32) {
        cpu_syswr(c, base + 0x20, 4, eip);
        cpu_syswr(c, base + 0x24, 4, eflags);
        for (int r = 0; r < 8; r++) cpu_syswr(c, base + 0x28 + 4 * r, 4, c->s.gpr[r]);
        for (int s = 0; s < 6; s++) cpu_syswr(c, base + 0x48 + 4 * s, 2, c->s.seg[s].sel);
    } else {
        cpu_syswr(c, base + 0x0e, 2, eip);
        cpu_syswr(c, base + 0x10, 2, eflags);
        for (int r = 0; r < 8; r++) cpu_syswr(c, base + 0x12 + 2 * r, 2, c->s.gpr[r]);
        static const int order[4] = {S_ES, S_CS, S_SS, S_DS};
        for (int s = 0; s < 4; s++) cpu_syswr(c, base + 0x22 + 2 * s, 2, c->s.seg[order[s]].sel);
    }
}

/* Load the new task's LDTR and segment registers (faults here are in the new task). */
static void load_task_segments(struct cpu *c, const struct tss_image *t, int ext)
{
    u16 ldt = (u16)t->ldt;
    if (sel_null(ldt)) {
        c->s.ldtr = (struct seg){.sel = ldt, .attr = SEG_ATTR_UNUSABLE};
    } else {
        struct desc d;
        if ((ldt & 4) || !desc_fetch(c, ldt, &d)) cpu_raise(c, EXC_TS, sel_err(ldt, ext));
        if (desc_s(&d) || desc_type(&d) != DT_LDT) cpu_raise(c, EXC_TS, sel_err(ldt, ext));
        if (!desc_p(&d)) cpu_raise(c, EXC_TS, sel_err(ldt, ext));
        seg_from_desc(&c->s.ldtr, ldt, &d);
    }
    if (t->eflags & FL_VM) {
        for (int s = 0; s < 6; s++) seg_load_real(c, s, t->seg[s]);
        return;
    }
    u16 cs = t->seg[S_CS];
    int cpl = cs & 3;
    struct desc cd;
    if (sel_null(cs) || !desc_fetch(c, cs, &cd)) cpu_raise(c, EXC_TS, sel_err(cs, ext));
    if (!desc_is_code(&cd) || (desc_conforming(&cd) ? desc_dpl(&cd) > cpl : desc_dpl(&cd) != cpl))
        cpu_raise(c, EXC_TS, sel_err(cs, ext));
    if (!desc_p(&cd)) cpu_raise(c, EXC_NP, sel_err(cs, ext));
    struct desc d;
    seg_check_load(c, S_SS, t->seg[S_SS], cpl, &d, EXC_TS, ext);
    seg_commit(c, S_SS, t->seg[S_SS], &d);
    static const int data[4] = {S_ES, S_DS, S_FS, S_GS};
    for (int s = 0; s < 4; s++) {
        seg_check_load(c, data[s], t->seg[data[s]], cpl, &d, EXC_TS, ext);
        seg_commit(c, data[s], t->seg[data[s]], &d);
    }
    desc_set_accessed(c, &cd);
    seg_from_desc(&c->s.seg[S_CS], cs, &cd);
    cpu_seg_recompute(c, S_CS);
}

void task_switch(struct cpu *c, u16 sel, struct desc *nd, enum task_src src, u32 eip_save,
                 bool has_err, u32 err, int ext)
{
    bool new32 = desc_type(nd) & 8;
    u32 nbase = desc_base(nd), nlimit = desc_limit(nd);
    if (nlimit < (new32 ? 0x67u : 0x2bu)) cpu_raise(c, EXC_TS, sel_err(sel, ext));
    if (src == TS_IRET && !(desc_type(nd) & 2)) cpu_raise(c, EXC_TS, sel_err(sel, ext));
    bool old32 = SEG_ATTR_TYPE(c->s.tr.attr) & 8;
    u32 obase = c->s.tr.base;
    if (c->s.tr.limit < (old32 ? 0x5fu : 0x29u)) cpu_raise(c, EXC_TS, sel_err(c->s.tr.sel, ext));
    struct desc od;
    bool have_od = !sel_null(c->s.tr.sel) && !(c->s.tr.sel & 4) && desc_fetch(c, c->s.tr.sel, &od);

    /* read the whole new state first (this faults, if anything does, with no change made) */
    struct tss_image t;
    tss_read(c, nbase, new32, &t);
    VD_LOG(LOG_PCALL, "task switch %04x -> %04x (%s) eip %08x\n", c->s.tr.sel, sel,
           src == TS_JMP ? "jmp" : src == TS_CALL ? "call" : src == TS_IRET ? "iret" : "int", t.eip);

    u32 ofl = cpu_get_eflags(c);
    if (src == TS_IRET) ofl &= ~FL_NT;
    tss_save(c, obase, old32, eip_save, ofl);
    if ((src == TS_JMP || src == TS_IRET) && have_od) desc_set_busy(c, &od, false);
    if (src == TS_CALL || src == TS_INT) {
        cpu_syswr(c, nbase, 2, c->s.tr.sel);
        t.eflags |= FL_NT;
    }
    if (src != TS_IRET) desc_set_busy(c, nd, true);

    /* the switch: from here on faults belong to the new task */
    seg_from_desc(&c->s.tr, sel, nd);
    c->s.tr.attr |= 2; /* busy */
    c->s.cr0 |= CR0_TS;
    /* CR3 only with paging on (as QEMU; the SDM leaves PG=0 open); through
     * cpu_write_cr3 for the TLB flush and the PAE PDPTE reload */
    if (new32 && (c->s.cr0 & CR0_PG) && t.cr3 != c->s.cr3) cpu_write_cr3(c, t.cr3);
    for (int r = 0; r < 8; r++) c->s.gpr[r] = t.gpr[r];
    cpu_set_eflags(c, t.eflags, 0xffffffffu);
    c->s.eip = c->next_eip = t.eip;
    int cpl = (t.eflags & FL_VM) ? 3 : (t.seg[S_CS] & 3);
    cpu_set_cpl(c, cpl);
    /* selectors first, with unusable caches, then the descriptors */
    for (int s = 0; s < 6; s++) c->s.seg[s] = (struct seg){.sel = t.seg[s], .attr = SEG_ATTR_UNUSABLE};
    cpu_seg_recompute_all(c);
    load_task_segments(c, &t, ext);
    cpu_eflags_loaded(c);

    if (has_err) {
        struct stk k;
        stk_init_current(c, &k);
        stk_push(c, &k, new32 ? 4 : 2, err);
        stk_commit_esp(c, &k);
    }
    if (t.eip > c->s.seg[S_CS].limit) cpu_raise(c, EXC_GP, (u32)ext);
    if (t.trap) {
        /* T bit: debug trap before the first instruction of the new task */
        c->s.dr[6] |= DR6_BT;
        cpu_deliver(c, EXC_DB, INTK_HW, false, 0);
    }
}
