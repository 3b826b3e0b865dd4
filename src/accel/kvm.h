/*
 * The bare KVM backend (kvm.c). The machine uses it through the switching
 * policy (vcpu_demand_create); tests use it directly.
 */
#ifndef VD_ACCEL_KVM_H
#define VD_ACCEL_KVM_H
#include "accel/vcpu.h"

/* NULL with a one-line reason in why when /dev/kvm is missing or refuses. */
struct vcpu *vcpu_kvm_create(const struct vcpu_board *b, char *why, size_t whylen);
/* Can this host run a KVM guest at all? (A throw-away VM; why as above.) */
bool vcpu_kvm_usable(char *why, size_t whylen);
/* KVM stops with VCPU_EXIT_EMULATE at the first exit that finds the guest in
 * real mode or v8086 (KVM cannot report CR0 writes themselves). */
void vcpu_kvm_leave_on_real_mode(struct vcpu *v, bool on);

/* Virtual time under KVM: scale virtual ns for each host ns in KVM_RUN (default 1). */
void vcpu_kvm_set_time_scale(struct vcpu *v, double scale);
/* Can this KVM run state s? (false with a reason: e.g. paging on a KVM that cannot page) */
bool vcpu_kvm_can_run(struct vcpu *v, const struct cpu_state *s, const char **why);
/* The last VCPU_EXIT_EMULATE was the guest turning paging on (a KVM that cannot page). */
bool vcpu_kvm_refused_paging(struct vcpu *v);
/* Debug registers the debugger may use under this KVM (3 when one watches for paging). */
int vcpu_kvm_free_drs(struct vcpu *v);

#endif
