#!/usr/bin/env bash
# Engine selection (-accel, -machine accel=, -enable-kvm): good and bad specs,
# exit statuses, QEMU's first-available-wins list, and the per-engine lines
# of -d stats for each engine.
. "$(dirname "$0")/common.inc"
ACCEL=() # this script chooses the engine itself; VD_ACCEL does not apply

# -- malformed or unsupported specs: one "vdebug: " line, status 2
run -accel;                             expect accel_missing_argument 2 "-accel"
run -accel '';                          expect accel_empty 2 "-accel"
run -accel hvf;                         expect accel_unknown 2 "'hvf'"
run -accel DBT;                         expect accel_names_are_lowercase 2 "'DBT'"
run -accel dbt,;                        expect accel_trailing_comma 2 "malformed"
run -accel dbt,,verify=on;              expect accel_empty_option 2 "malformed"
run -accel dbt,tb-size;                 expect tb_size_without_value 2 "tb-size"
run -accel dbt,tb-size=;                expect tb_size_empty 2 "tb-size"
run -accel dbt,tb-size=0;               expect tb_size_zero 2 "tb-size"
run -accel dbt,tb-size=-1;              expect tb_size_negative 2 "tb-size"
run -accel dbt,tb-size=16M;             expect tb_size_suffix 2 "tb-size"
run -accel dbt,tb-size=0x10;            expect tb_size_hex 2 "tb-size"
run -accel dbt,tb-size=4096;            expect tb_size_too_large 2 "tb-size"
run -accel dbt,tb-size=99999999999999999999; expect tb_size_overflow 2 "tb-size"
run -accel dbt,verify=maybe;            expect verify_not_on_off 2 "verify"
run -accel dbt,verify;                  expect verify_without_value 2 "verify"
run -accel dbt,bogus=1;                 expect dbt_unknown_option 2 "'bogus'"
run -accel tcg,thread=multi;            expect tcg_thread_multi 2 "thread=single"
run -accel interp,tb-size=16;           expect interp_tb_size 2 "tb-size is an option of the translator"
run -accel interp,verify=on;            expect interp_verify_on 2 "verify is an option of the translator"
run -accel interp,verify=off;           expect interp_verify_off 2 "verify is an option of the translator"
run -accel interp,bogus=1;              expect interp_unknown_option 2 "'bogus'"
run -accel kvm,kernel-irqchip=on;       expect kvm_unknown_option 2 "'kernel-irqchip'"
run -accel kvm,emulate-blocks=x;        expect kvm_emulate_blocks_bad 2 "emulate-blocks"
run -accel kvm,time-scale=0;            expect kvm_time_scale_zero 2 "time-scale"
# KVM where there is none (VD_KVM_DEVICE names a missing node): one line, status 1
export VD_KVM_DEVICE=$T/no-kvm
run -accel kvm;                         expect kvm_not_usable 1 "-accel kvm: KVM is not usable: $T/no-kvm"
run -enable-kvm;                        expect enable_kvm_not_usable 1 "-enable-kvm: KVM is not usable"
run -machine accel=kvm;                 expect machine_accel_kvm_not_usable 1 "KVM is not usable"
run -machine pc,accel=xen;              expect machine_accel_unknown 2 "'xen'"
run -machine pc,accel=;                 expect machine_accel_empty 2 "accel="
run -machine pc,accel=tcg -accel interp; expect machine_accel_and_accel 2 "incompatible"
run -machine pc,bogus=1;                expect machine_unknown_option 2 "'bogus=1'"
run -machine q35,accel=tcg;             expect machine_q35_with_accel 2 "-machine q35"

# -- -accel help: the engines of this build and the default
run -accel help
default=$(sed -n 's/^default: //p' "$T/out")
if [ "$st" = 0 ] && grep -q '^interp ' "$T/out" && [ -n "$default" ]; then
    pass accel_help; else fail accel_help "status $st: $out"; fi
has_dbt=0
grep -q '^dbt ' "$T/out" && has_dbt=1
run -h
[ "$st" = 0 ] && [[ "$out" == *"-accel dbt"* ]] && [[ "$out" == *"-accel interp"* ]] \
    && pass help_mentions_accel || fail help_mentions_accel "status $st"

# -- good specs run the guest: its output, its status, and -d stats naming the engine
# engine_run NAME ENGINE [ARGS...]: runs smoke.bin with -d stats and ARGS;
# expects the guest's PASS lines and status 1, the main stats line, and
# "stats: engine ENGINE:" lines whose instruction count matches the main line.
icounts=()
engine_run() {
    local name=$1 eng=$2 n en
    shift 2
    run -kernel "$BUILD/tests/asm/smoke.bin" "${GUEST[@]}" -d stats "$@"
    n=$(sed -n 's/^stats: \([0-9][0-9]*\) guest instructions, virtual time .*/\1/p' "$T/err")
    en=$(sed -n "s/^stats: engine $eng: \\([0-9][0-9]*\\) guest instructions.*/\\1/p" "$T/err" | head -n 1)
    if [ "$st" != 1 ] || [[ "$out" != *"PASS loop sum 1..10"* ]] || grep -q FAIL "$T/out"; then
        fail "$name" "guest: status $st: $out $err"
    elif [ -z "$n" ]; then
        fail "$name" "no 'stats: N guest instructions' line: $err"
    elif [ -z "$en" ]; then
        fail "$name" "no 'stats: engine $eng:' line: $err"
    elif grep '^stats: engine ' "$T/err" | grep -qv "^stats: engine $eng: "; then
        fail "$name" "lines of another engine: $err"
    elif [ "$en" != "$n" ]; then
        fail "$name" "engine line counts $en instructions, main line $n"
    else
        pass "$name"
        icounts+=("$n")
    fi
}

engine_run stats_default "$default"
engine_run stats_interp interp -accel interp
engine_run machine_accel_interp interp -machine pc,accel=interp
engine_run first_accel_wins interp -accel interp -accel tcg
engine_run kvm_falls_back_to_next interp -accel kvm -accel interp
if [[ "$err" == *"vdebug: -accel kvm: $T/no-kvm: No such file or directory; falling back to interp"* ]]; then
    pass kvm_fallback_note; else fail kvm_fallback_note "stderr: $err"; fi
engine_run machine_accel_list_falls_back interp -machine accel=kvm:interp
engine_run accel_list_falls_back interp -accel kvm:interp
unset VD_KVM_DEVICE
if [ "$has_dbt" = 1 ]; then
    engine_run stats_dbt dbt -accel dbt
    ! grep -q 'lockstep' "$T/err" && pass dbt_no_checker_by_default || fail dbt_no_checker_by_default "$err"
    engine_run stats_tcg_alias dbt -accel tcg
    engine_run stats_dbt_options dbt -accel dbt,tb-size=16,verify=off,thread=single
    engine_run stats_dbt_verify dbt -accel tcg,verify=on,tb-size=1
    grep -q '^stats: engine dbt: lockstep checker' "$T/err" && pass dbt_verify_reported \
        || fail dbt_verify_reported "no lockstep checker line: $err"
    engine_run machine_accel_tcg dbt -M accel=tcg
else
    echo "SKIP dbt: the translator is not built for this host"
    run -accel dbt;                     expect dbt_not_on_this_host 2 "not built for this host"
fi

# -- every engine retires the same number of instructions
if [ "${#icounts[@]}" -gt 0 ] && [ "$(printf '%s\n' "${icounts[@]}" | sort -u | wc -l)" = 1 ]; then
    pass engines_same_icount; else fail engines_same_icount "counts: ${icounts[*]}"; fi
finish
