#!/usr/bin/env bash
# Physical watchpoints and breakpoints with the real GDB ('monitor phys on':
# GDB's addresses, for points as for memory, are physical), on the guest of
# tests/kvm/phys.asm: a physical watchpoint fires with the right old and new
# values, also for a write through another linear mapping of the same page
# (paging on), and a physical breakpoint stops there. Under the emulators
# (the default engine, or VD_ACCEL), and under -accel kvm where KVM is usable:
# there they are debugger demands, the guest runs on the emulator while they
# stand (-d engine and 'monitor info engine' name the reason) and goes back to
# KVM once they are deleted.
source "$(dirname "$0")/gdblib.bash"
gdb_setup tests/kvm/phys.asm

cmds=('break *$ready' 'continue' 'delete'
    'monitor phys on' 'watch *(unsigned int *)$var'
    'continue' 'echo MARK-w1\n' 'p/x $pc'
    'continue' 'echo MARK-w2\n' 'p/x $pc'
    'echo MARK-info-phys\n' 'monitor info engine'
    'delete' 'monitor phys off' 'break *$after_watch' 'continue'
    'echo MARK-info-back\n' 'monitor info engine' 'delete'
    'monitor phys on' 'break *$phys_bp' 'continue' 'echo MARK-bp\n' 'p/x $pc'
    'echo MARK-info-bp\n' 'monitor info engine' 'delete'
    'watch *(unsigned int *)$var'
    'continue' 'echo MARK-w3\n' 'p/x $pc'
    'continue' 'echo MARK-w4\n' 'p/x $pc'
    'delete' 'monitor phys off' 'continue')

# the pc after each watched write, as GDB prints it
pc_of() { printf '0x%x' "$(sym "$1")"; }
W1=$(printf '0x%x' $(($(sym ready) + 10)))   # after the first 10-byte mov
W2=$(printf '0x%x' $(($(sym ready) + 20)))

check_session() {
    local name=$1 out=$T/out-$1
    gdb_run "$out" "${cmds[@]}"
    vd_wait
    watch1() {
        awk -v m="$1" -v o="$2" -v n="$3" '
            /^Old value = / { old = $4 } /^New value = / { new = $4 }
            $0 == m { exit !(old == o && new == n) }' "$out"
    }
    watch1 MARK-w1 0 17; check "$name: physical watchpoint: first write, old 0, new 17" test $? = 0
    [ "$(val_after "$out" MARK-w1)" = "$W1" ]; check "$name: ... stopped after the writing instruction ($W1)" test $? = 0
    watch1 MARK-w2 17 34; check "$name: second write, old 17, new 34" test $? = 0
    [ "$(val_after "$out" MARK-w2)" = "$W2" ]; check "$name: ... at $W2" test $? = 0
    [ "$(val_after "$out" MARK-bp)" = "$(pc_of phys_bp)" ]
    check "$name: physical breakpoint: stopped at $(pc_of phys_bp)" test $? = 0
    watch1 MARK-w3 34 51; check "$name: paging on, a write through another linear page of var's frame: old 34, new 51" test $? = 0
    [ "$(val_after "$out" MARK-w3)" = "$(pc_of after_alias)" ]; check "$name: ... at $(pc_of after_alias)" test $? = 0
    watch1 MARK-w4 51 68; check "$name: the write through the identity mapping: old 51, new 68" test $? = 0
    [ "$(val_after "$out" MARK-w4)" = "$(pc_of after_ident)" ]; check "$name: ... at $(pc_of after_ident)" test $? = 0
    check "$name: the guest ran to its end" grep -q '^PASS last value written' "$T/debugcon"
    [ "${VD_STATUS:-}" = 1 ]; check "$name: exit status 1 (the guest's)" test $? = 0
}

vd_start
check_session "${VD_ACCEL:-default engine}"

why=$("$VDEBUG" -accel help | sed -n 's/^kvm *not usable here: //p')
if [ -n "$why" ]; then
    echo "SKIP phys_points under kvm: KVM not usable: $why"
    exit 0
fi
ACCEL=(-accel kvm)
# the emulator under KVM is the default software engine (the translator where the host has it)
EMU=$("$VDEBUG" -accel help | sed -n 's/^default: //p')
rm -f "$T/debugcon"
vd_start -d engine -D "$T/engine.log"
check_session kvm
out=$T/out-kvm
sed -n '/^MARK-info-phys$/,/^MARK-info-back$/p' "$out" | grep -q "^engine: $EMU "
check "kvm: while the physical watchpoint stands: engine $EMU (the emulator)" test $? = 0
sed -n '/^MARK-info-phys$/,/^MARK-info-back$/p' "$out" | grep -Eq '^ +physical breakpoints or watchpoints +1$'
check "kvm: ... moved there once, for the physical watchpoint" test $? = 0
sed -n '/^MARK-info-back$/,/^MARK-bp$/p' "$out" | grep -q '^engine: kvm'
check "kvm: watchpoint deleted: back in KVM at the next (linear) breakpoint" test $? = 0
sed -n '/^MARK-info-bp$/,$p' "$out" | grep -q "^engine: $EMU "
check "kvm: at the physical breakpoint: engine $EMU" test $? = 0
sed -n '/^MARK-info-bp$/,$p' "$out" | grep -Eq '^ +physical breakpoints or watchpoints +2$'
check "kvm: ... moved there for it (second switch for physical points)" test $? = 0
grep -q "^engine: kvm -> $EMU (physical breakpoints or watchpoints) at 0010:" "$T/engine.log"
check "kvm: -d engine: to the emulator for the physical points" test $? = 0
grep -q "^engine: $EMU -> kvm (demand ended)" "$T/engine.log"
check "kvm: -d engine: back to KVM when they are deleted" test $? = 0
