/*
 * The canonical CPU state (cpu/state.h) to and from KVM's register sets:
 * KVM_{GET,SET}_{REGS,SREGS,DEBUGREGS,FPU,MSRS,VCPU_EVENTS}.
 *
 * Conversions that are not one to one:
 *  - segments: state.h's attr is the VMX access-rights layout, which
 *    struct kvm_segment spells out field by field;
 *  - the x87 registers: state.h keeps the physical registers R0-R7 and the
 *    full tag word; KVM keeps the FXSAVE image (ST(i) order, abridged tags).
 *    A full tag is derived from the register's contents as FXRSTOR does, so
 *    a tag word that disagrees with its registers (possible after FLDENV)
 *    comes back as hardware would report it. FCS/FDS travel in the upper
 *    halves of last_ip/last_dp, where the 32-bit FXSAVE layout keeps them;
 *  - CPL is SS.DPL in protected mode (VMX's rule), 0 in real mode, 3 in v8086;
 *  - HLT is kept by the backend (k->halted): KVM's own halted state needs
 *    its in-kernel APIC, which vdebug does not use;
 *  - the TSC stands still while the vcpu is stopped: k->tsc is the value at
 *    the last exit and is written back before the next entry;
 *  - the P6 performance counters stay the emulators' (kept in k).
 */
#include "accel/kvm_int.h"
#include "cpu/fpu.h"
#include <errno.h>
#include <sys/ioctl.h>

static void seg_to_kvm(const struct seg *s, struct kvm_segment *k)
{
    memset(k, 0, sizeof(*k));
    k->base = s->base;
    k->limit = s->limit;
    k->selector = s->sel;
    k->type = SEG_ATTR_TYPE(s->attr);
    k->s = !!(s->attr & SEG_ATTR_S);
    k->dpl = (u8)SEG_ATTR_DPL(s->attr);
    k->present = !!(s->attr & SEG_ATTR_P);
    k->avl = !!(s->attr & SEG_ATTR_AVL);
    k->l = !!(s->attr & (1u << 13));
    k->db = !!(s->attr & SEG_ATTR_DB);
    k->g = !!(s->attr & SEG_ATTR_G);
    k->unusable = !!(s->attr & SEG_ATTR_UNUSABLE);
}

static void seg_from_kvm(const struct kvm_segment *k, struct seg *s)
{
    s->base = (u32)k->base;
    s->limit = k->limit;
    s->sel = k->selector;
    s->attr = (u32)(k->type & 15) | (k->s ? SEG_ATTR_S : 0) | ((u32)(k->dpl & 3) << 5) | (k->present ? SEG_ATTR_P : 0) |
              (k->avl ? SEG_ATTR_AVL : 0) | (k->l ? 1u << 13 : 0) | (k->db ? SEG_ATTR_DB : 0) |
              (k->g ? SEG_ATTR_G : 0) | (k->unusable ? SEG_ATTR_UNUSABLE : 0);
}

/* MSRs that travel with the state; mtrr[] in state.h's order */
static const u32 mtrr_msr[28] = {
    0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d,
    0x20e, 0x20f, 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f, 0x2ff,
};
enum { MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176, MSR_PAT = 0x277, MSR_TSC = 0x10 };
#define NMSR (4 + 28)

struct msrbuf {
    struct kvm_msrs h;
    struct kvm_msr_entry e[NMSR];
};

static void msr_list(struct msrbuf *b)
{
    memset(b, 0, sizeof(*b));
    static const u32 fixed[4] = {MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_PAT};
    for (int i = 0; i < 4; i++) b->e[i].index = fixed[i];
    for (int i = 0; i < 28; i++) b->e[4 + i].index = mtrr_msr[i];
    b->h.nmsrs = NMSR;
}

int kvm_set_tsc(struct kvmv *k, u64 tsc)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e[1]; } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = 1;
    b.e[0].index = MSR_TSC;
    b.e[0].data = tsc;
    return ioctl(k->fd, KVM_SET_MSRS, &b) == 1 ? 0 : -1;
}

int kvm_get_tsc(struct kvmv *k, u64 *tsc)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e[1]; } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = 1;
    b.e[0].index = MSR_TSC;
    if (ioctl(k->fd, KVM_GET_MSRS, &b) != 1) return -1;
    *tsc = b.e[0].data;
    return 0;
}

/*
 * x87/SSE through KVM_{GET,SET}_XSAVE where KVM has it: its legacy region is
 * the FXSAVE image, MXCSR included (KVM_GET_FPU does not carry MXCSR on
 * every KVM). The XSAVE header marks x87 and SSE state present, so that
 * KVM loads them rather than their init state.
 */
static int fpu_get(struct kvmv *k, struct kvm_fpu *f)
{
    if (!k->has_xsave) return ioctl(k->fd, KVM_GET_FPU, f);
    struct kvm_xsave x;
    if (ioctl(k->fd, KVM_GET_XSAVE, &x) < 0) return -1;
    const u8 *b = (const u8 *)x.region;
    memset(f, 0, sizeof(*f));
    memcpy(&f->fcw, b + 0, 2);
    memcpy(&f->fsw, b + 2, 2);
    f->ftwx = b[4];
    memcpy(&f->last_opcode, b + 6, 2);
    memcpy(&f->last_ip, b + 8, 8);
    memcpy(&f->last_dp, b + 16, 8);
    memcpy(&f->mxcsr, b + 24, 4);
    for (int i = 0; i < 8; i++) memcpy(f->fpr[i], b + 32 + 16 * i, 16);
    for (int i = 0; i < 16; i++) memcpy(f->xmm[i], b + 160 + 16 * i, 16);
    return 0;
}

static int fpu_set(struct kvmv *k, const struct kvm_fpu *f)
{
    if (!k->has_xsave) return ioctl(k->fd, KVM_SET_FPU, f);
    struct kvm_xsave x;
    if (ioctl(k->fd, KVM_GET_XSAVE, &x) < 0) return -1;
    u8 *b = (u8 *)x.region;
    memcpy(b + 0, &f->fcw, 2);
    memcpy(b + 2, &f->fsw, 2);
    b[4] = f->ftwx;
    b[5] = 0;
    memcpy(b + 6, &f->last_opcode, 2);
    memcpy(b + 8, &f->last_ip, 8);
    memcpy(b + 16, &f->last_dp, 8);
    memcpy(b + 24, &f->mxcsr, 4);
    for (int i = 0; i < 8; i++) memcpy(b + 32 + 16 * i, f->fpr[i], 16);
    for (int i = 0; i < 16; i++) memcpy(b + 160 + 16 * i, f->xmm[i], 16);
    u64 bv;
    memcpy(&bv, b + 512, 8);
    bv |= 3; /* XSTATE_BV: x87 and SSE */
    memcpy(b + 512, &bv, 8);
    return ioctl(k->fd, KVM_SET_XSAVE, &x);
}

int kvm_state_get(struct kvmv *k, struct cpu_state *s)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    struct kvm_debugregs dr;
    struct kvm_fpu f;
    struct kvm_vcpu_events ev;
    struct msrbuf mb;
    msr_list(&mb);
    if (fpu_get(k, &f) < 0) return -1;
    if (ioctl(k->fd, KVM_GET_REGS, &r) < 0 || ioctl(k->fd, KVM_GET_SREGS, &sr) < 0 ||
        ioctl(k->fd, KVM_GET_DEBUGREGS, &dr) < 0 ||
        ioctl(k->fd, KVM_GET_VCPU_EVENTS, &ev) < 0 || ioctl(k->fd, KVM_GET_MSRS, &mb) != NMSR)
        return -1;
    memset(s, 0, sizeof(*s));
    s->gpr[R_EAX] = (u32)r.rax;
    s->gpr[R_ECX] = (u32)r.rcx;
    s->gpr[R_EDX] = (u32)r.rdx;
    s->gpr[R_EBX] = (u32)r.rbx;
    s->gpr[R_ESP] = (u32)r.rsp;
    s->gpr[R_EBP] = (u32)r.rbp;
    s->gpr[R_ESI] = (u32)r.rsi;
    s->gpr[R_EDI] = (u32)r.rdi;
    s->eip = (u32)r.rip;
    s->eflags = (u32)r.rflags;
    const struct kvm_segment *ks[6] = {&sr.es, &sr.cs, &sr.ss, &sr.ds, &sr.fs, &sr.gs};
    for (int i = 0; i < 6; i++) seg_from_kvm(ks[i], &s->seg[i]);
    seg_from_kvm(&sr.ldt, &s->ldtr);
    seg_from_kvm(&sr.tr, &s->tr);
    s->gdtr = (struct dtable){(u32)sr.gdt.base, sr.gdt.limit};
    s->idtr = (struct dtable){(u32)sr.idt.base, sr.idt.limit};
    s->cr0 = (u32)sr.cr0;
    s->cr2 = (u32)sr.cr2;
    s->cr3 = (u32)sr.cr3;
    s->cr4 = (u32)sr.cr4;
    s->efer = sr.efer;
    s->apic_base = sr.apic_base;
    for (int i = 0; i < 4; i++) s->dr[i] = (u32)dr.db[i];
    s->dr[6] = (u32)dr.dr6;
    s->dr[7] = (u32)dr.dr7;
    s->sysenter_cs = (u32)mb.e[0].data;
    s->sysenter_esp = (u32)mb.e[1].data;
    s->sysenter_eip = (u32)mb.e[2].data;
    s->pat = mb.e[3].data;
    for (int i = 0; i < 28; i++) s->mtrr[i] = mb.e[4 + i].data;
    s->tsc = k->tsc;
    for (int i = 0; i < 2; i++) {
        s->perfevtsel[i] = k->perfevtsel[i];
        s->perfctr[i] = k->perfctr[i];
    }

    /* x87/SSE: FXSAVE image -> physical registers and full tags */
    struct fpu_state *fp = &s->fpu;
    fp->fcw = f.fcw;
    fp->fsw = f.fsw;
    fp->fop = f.last_opcode;
    fp->fip = (u32)f.last_ip;
    fp->fcs = (u16)(f.last_ip >> 32);
    fp->fdp = (u32)f.last_dp;
    fp->fds = (u16)(f.last_dp >> 32);
    unsigned top = (f.fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) memcpy(fp->st[(top + i) & 7], f.fpr[i], 10);
    fp->ftw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned t = (f.ftwx >> p) & 1 ? fpu_tag_of(fp->st[p]) : 3;
        fp->ftw |= (u16)(t << (2 * p));
    }
    for (int i = 0; i < 8; i++) memcpy(fp->xmm[i], f.xmm[i], 16);
    fp->mxcsr = f.mxcsr;

    s->cpl = (s->eflags & FL_VM) ? 3 : (s->cr0 & CR0_PE) ? (u8)SEG_ATTR_DPL(s->seg[S_SS].attr) : 0;
    s->halted = k->halted;
    s->intr_shadow = (ev.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS) ? 2 : (ev.interrupt.shadow & KVM_X86_SHADOW_INT_STI) ? 1 : 0;
    s->nmi_blocked = ev.nmi.masked;
    s->nmi_pending = ev.nmi.pending || ev.nmi.injected;
    return 0;
}

int kvm_state_set(struct kvmv *k, const struct cpu_state *s)
{
    struct kvm_regs r;
    memset(&r, 0, sizeof(r));
    r.rax = s->gpr[R_EAX];
    r.rcx = s->gpr[R_ECX];
    r.rdx = s->gpr[R_EDX];
    r.rbx = s->gpr[R_EBX];
    r.rsp = s->gpr[R_ESP];
    r.rbp = s->gpr[R_EBP];
    r.rsi = s->gpr[R_ESI];
    r.rdi = s->gpr[R_EDI];
    r.rip = s->eip;
    r.rflags = s->eflags | FL_FIXED1;

    struct kvm_sregs sr;
    if (ioctl(k->fd, KVM_GET_SREGS, &sr) < 0) return -1; /* keeps cr8 and the interrupt bitmap */
    struct kvm_segment *ks[6] = {&sr.es, &sr.cs, &sr.ss, &sr.ds, &sr.fs, &sr.gs};
    for (int i = 0; i < 6; i++) seg_to_kvm(&s->seg[i], ks[i]);
    seg_to_kvm(&s->ldtr, &sr.ldt);
    seg_to_kvm(&s->tr, &sr.tr);
    sr.gdt = (struct kvm_dtable){.base = s->gdtr.base, .limit = s->gdtr.limit};
    sr.idt = (struct kvm_dtable){.base = s->idtr.base, .limit = s->idtr.limit};
    sr.cr0 = s->cr0;
    sr.cr2 = s->cr2;
    sr.cr3 = s->cr3;
    sr.cr4 = s->cr4;
    sr.efer = s->efer;
    sr.apic_base = s->apic_base;
    memset(sr.interrupt_bitmap, 0, sizeof(sr.interrupt_bitmap));

    struct kvm_debugregs dr;
    memset(&dr, 0, sizeof(dr));
    for (int i = 0; i < 4; i++) dr.db[i] = s->dr[i];
    dr.dr6 = s->dr[6];
    dr.dr7 = s->dr[7];

    struct kvm_fpu f;
    memset(&f, 0, sizeof(f));
    const struct fpu_state *fp = &s->fpu;
    f.fcw = fp->fcw;
    f.fsw = fp->fsw;
    f.last_opcode = fp->fop;
    f.last_ip = fp->fip | (u64)fp->fcs << 32;
    f.last_dp = fp->fdp | (u64)fp->fds << 32;
    unsigned top = (fp->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) memcpy(f.fpr[i], fp->st[(top + i) & 7], 10);
    for (unsigned p = 0; p < 8; p++)
        if (((fp->ftw >> (2 * p)) & 3) != 3) f.ftwx |= (u8)(1u << p);
    for (int i = 0; i < 8; i++) memcpy(f.xmm[i], fp->xmm[i], 16);
    f.mxcsr = fp->mxcsr;

    struct msrbuf mb;
    msr_list(&mb);
    mb.e[0].data = s->sysenter_cs;
    mb.e[1].data = s->sysenter_esp;
    mb.e[2].data = s->sysenter_eip;
    mb.e[3].data = s->pat;
    for (int i = 0; i < 28; i++) mb.e[4 + i].data = s->mtrr[i];

    struct kvm_vcpu_events ev;
    if (ioctl(k->fd, KVM_GET_VCPU_EVENTS, &ev) < 0) return -1;
    memset(&ev.exception, 0, sizeof(ev.exception));
    memset(&ev.interrupt, 0, sizeof(ev.interrupt));
    ev.interrupt.shadow = s->intr_shadow == 2 ? KVM_X86_SHADOW_INT_MOV_SS : s->intr_shadow ? KVM_X86_SHADOW_INT_STI : 0;
    ev.nmi.injected = 0;
    ev.nmi.pending = s->nmi_pending;
    ev.nmi.masked = s->nmi_blocked;
    ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;

    /* sregs first: the mode decides how KVM takes the rest */
    if (ioctl(k->fd, KVM_SET_SREGS, &sr) < 0) return -1;
    if (ioctl(k->fd, KVM_SET_REGS, &r) < 0) return -1;
    if (ioctl(k->fd, KVM_SET_DEBUGREGS, &dr) < 0) return -1;
    if (fpu_set(k, &f) < 0) return -1;
    if (ioctl(k->fd, KVM_SET_MSRS, &mb) != NMSR) {
        errno = EINVAL;
        return -1;
    }
    if (ioctl(k->fd, KVM_SET_VCPU_EVENTS, &ev) < 0) return -1;
    k->tsc = s->tsc;
    k->tsc_dirty = true;
    for (int i = 0; i < 2; i++) {
        k->perfevtsel[i] = s->perfevtsel[i];
        k->perfctr[i] = s->perfctr[i];
    }
    k->halted = s->halted;
    k->apic_base_seen = s->apic_base;
    return 0;
}
