#!/usr/bin/env bash
# Six watchpoints with the real GDB on a guest under -accel kvm: more than the
# debug registers hold, so the guest moves to the emulator while they stand
# (-d engine says so); all six trigger with the right old and new values;
# once they are deleted the guest goes back to KVM (a breakpoint later on is
# hit there: 'monitor info engine' says kvm); a stepi (interrupts held off)
# runs on the emulator. SKIP where KVM is not usable.
source "$(dirname "$0")/gdblib.bash"
gdb_setup tests/kvm/watch6.asm
why=$("$VDEBUG" -accel help | sed -n 's/^kvm *not usable here: //p')
if [ -n "$why" ]; then
    echo "SKIP kvm_watch: KVM not usable: $why"
    exit 0
fi
ACCEL=(-accel kvm)
# the emulator under KVM is the default software engine (the translator where the host has it)
EMU=$("$VDEBUG" -accel help | sed -n 's/^default: //p')

vd_start -d engine -D "$T/engine.log"

cmds=('break *$ready' 'continue' 'delete')
for i in 0 1 2 3 4 5; do cmds+=("watch *(unsigned int *)\$var$i"); done
for i in 0 1 2 3 4 5; do cmds+=('continue' "echo MARK-pc-$i\\n" 'p/x $pc'); done
cmds+=('echo MARK-info-6\n' 'monitor info engine' 'delete' 'break *$after_watch' 'continue' 'echo MARK-info-0\n'
    'monitor info engine' 'delete' 'stepi' 'echo MARK-info-step\n' 'monitor info engine' 'continue')
gdb_run "$T/out" "${cmds[@]}"
vd_wait

n=$(grep -c '^Hardware watchpoint [0-9]*: \*(unsigned int \*)\$var' "$T/out")
[ "$n" = 12 ]; check "six watchpoints set as hardware watchpoints (and reported at each hit): $n lines" test $? = 0
for i in 0 1 2 3 4 5; do
    expect_line "watchpoint $i set" "$T/out" "^Hardware watchpoint $((i + 2)): \\*\\(unsigned int \\*\\)\\\$var$i"
    # the stop report of watchpoint i: Old value = 0, New value = 0x100 + i
    awk -v m="MARK-pc-$i" -v want="$((256 + i))" '
        /^Old value = / { old = $4 } /^New value = / { new = $4 }
        $0 == m { exit !(old == "0" && new == want) }' "$T/out"
    check "watchpoint $i triggers with old 0, new $((256 + i))" test $? = 0
done
sed -n '/^MARK-info-6$/,/^MARK-info-0$/p' "$T/out" | grep -q "^engine: $EMU "
check "while six watchpoints stand: engine $EMU (the emulator)" test $? = 0
# (GDB takes its points out at every stop: the switch counts tell why the guest moved)
sed -n '/^MARK-info-6$/,/^MARK-info-0$/p' "$T/out" | grep -Eq '^ +debugger points KVM cannot hold +1$'
check "... moved there once, for the debugger's points" test $? = 0
sed -n '/^MARK-info-0$/,/^MARK-info-step$/p' "$T/out" | grep -q '^engine: kvm'
check "watchpoints deleted: back in KVM at the next breakpoint" test $? = 0
sed -n '/^MARK-info-step$/,$p' "$T/out" | grep -q "^engine: $EMU "
check "stepi (interrupts held off): the step runs on the emulator ($EMU)" test $? = 0
sed -n '/^MARK-info-step$/,$p' "$T/out" | grep -Eq '^ +single step with interrupts held off +1$'
check "... counted once" test $? = 0
grep -q "^engine: kvm -> $EMU (debugger points KVM cannot hold)" "$T/engine.log"
check "-d engine: to the emulator for the watchpoints" test $? = 0
grep -q "^engine: $EMU -> kvm (demand ended)" "$T/engine.log"
check "-d engine: back to KVM when they are deleted" test $? = 0
grep -q '^PASS last value written' "$T/debugcon"
check "the guest ran to its end" test $? = 0
[ "${VD_STATUS:-}" = 1 ]; check "exit status 1 (the guest's)" test $? = 0
