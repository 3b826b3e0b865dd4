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

#endif
