/*
 * The KVM backend's private parts, shared by kvm.c (lifetime, memory slots,
 * the run loop, debug registers) and kvm_state.c (the canonical state to
 * and from KVM's register sets).
 */
#ifndef VD_ACCEL_KVM_INT_H
#define VD_ACCEL_KVM_INT_H
#include "accel/vcpu.h"
#include <linux/kvm.h>
#include <signal.h>
#include <time.h>

/* One debug-register slot used by the debugger (KVM_SET_GUEST_DEBUG). */
struct kvm_dr {
    bool used;
    bool exec;                 /* instruction breakpoint; else a data watchpoint */
    bool trap;                 /* kvm.c's own: the #GP handler entry on a KVM that cannot page */
    u32 lin, len;
    enum vcpu_wp_kind kind;
};

struct kvmv {
    struct vcpu v;
    int sys, vm, fd;           /* /dev/kvm, the VM, the vcpu */
    struct kvm_run *run;
    size_t run_size;
    u8 *rom_copy;              /* page-aligned copy of the ROM (KVM slots need page-aligned memory) */
    size_t rom_copy_size;
    int nslots;                /* memory slots in use (0..nslots-1) */
    timer_t timer;             /* ends a run when its virtual-time budget is spent */
    bool timer_ok;

    /* time: virtual ns = host ns spent in KVM_RUN (see kvm_run_budget) */
    double time_scale;         /* virtual ns per host ns spent in KVM_RUN (-accel kvm,time-scale=) */
    u64 vtime;                 /* this engine's share of virtual time ("icount" under KVM) */
    u64 tsc;                   /* the guest's TSC as of the last exit (it stands still while stopped) */
    bool tsc_dirty;            /* tsc must be written to KVM before the next entry */

    bool intr_line;            /* the PIC's INTR output */
    bool halted;               /* in HLT (kept here: KVM's own HLT state needs its in-kernel APIC) */
    bool nmi_queued;           /* vcpu_nmi since the last run */
    bool nmi_held;             /* an NMI (vcpu_nmi, or pending in a state set) not yet given to KVM: it
                                * goes in (KVM_NMI) at the next entry that is no single step (this
                                * host's KVM steps with the guest's TF, which the NMI's frame would keep) */
    volatile sig_atomic_t kicked;
    bool no_paging;            /* this KVM drops CR0.PG (a software KVM): paged states are the emulator's */
    bool refused_paging;       /* the last VCPU_EXIT_EMULATE: a MOV CR0 setting PG (see arm_gp_trap) */
    bool has_xsave;            /* KVM_GET/SET_XSAVE (the FPU image with MXCSR) */
    bool leave_real;           /* stop with VCPU_EXIT_EMULATE at an exit in real mode or v8086 */
    bool bp_resume;            /* resume from a breakpoint: RF set before the next entry */
    u64 apic_base_seen;

    struct kvm_dr dr[4];
    bool step_pending;
    int over_slot;             /* the breakpoint's slot to step over at the next resume, or -1 */
    bool over_active;          /* stepping over it now (its slot disarmed) */

    u64 perfevtsel[2], perfctr[2]; /* kept for the emulators (KVM's PMU is not the P6 model) */

    struct kvm_cpuid2 *cpuid;
};

static inline struct kvmv *kvm_of(struct vcpu *v) { return (struct kvmv *)v; }

/* kvm_state.c */
int kvm_state_get(struct kvmv *k, struct cpu_state *s);
int kvm_state_set(struct kvmv *k, const struct cpu_state *s);
int kvm_set_tsc(struct kvmv *k, u64 tsc);
int kvm_get_tsc(struct kvmv *k, u64 *tsc);

/* pagewalk.c: the guest's page tables read from physical memory (no A/D updates) */
bool guest_walk(struct physmem *pm, const struct cpu_state *s, u32 lin, struct vcpu_walk *w);

#endif
