#!/usr/bin/env bash
# NMIs from outside: the monitor's 'nmi' (QEMU's command: a pulse on the
# local APIC's LINT1, an NMI by its reset LVT entry), given three times from
# the real GDB to the guest of tests/kvm/nmi.asm, which counts them in its
# NMI handler. The same session under the interpreter, the translator and,
# where KVM is usable, -accel kvm (the NMI goes in with KVM_NMI: -d stats
# counts it), with the same GDB and guest output.
source "$(dirname "$0")/gdblib.bash"
gdb_setup tests/kvm/nmi.asm

cmds=('break *$ready' 'continue' 'delete' 'break *$nmi_iret')
for i in 1 2 3; do cmds+=('monitor nmi' 'continue' "echo MARK-$i\\n" 'p/x $pc' 'p *(unsigned int *)$count'); done
cmds+=('delete' 'continue')

engines=(interp dbt)
why=$("$VDEBUG" -accel help | sed -n 's/^kvm *not usable here: //p')
if [ -n "$why" ]; then
    echo "SKIP nmi under kvm: KVM not usable: $why"
else
    engines+=(kvm)
fi
for e in "${engines[@]}"; do
    ACCEL=(-accel "$e")
    rm -f "$T/debugcon"
    vd_start -d stats -D "$T/stats-$e"
    gdb_run "$T/out-$e" "${cmds[@]}"
    vd_wait
    for i in 1 2 3; do
        [ "$(awk -v m="MARK-$i" 'found && /^\$[0-9]+ = / { n++; if (n == 2) { print $3; exit } } $0 == m { found = 1 }' "$T/out-$e")" = "$i" ]
        check "$e: NMI $i taken: the handler counted $i" test $? = 0
    done
    [ "$(val_after "$T/out-$e" MARK-3)" = "$(printf '0x%x' "$(sym nmi_iret)")" ]
    check "$e: ... stopped in the handler, at its IRET" test $? = 0
    check "$e: the guest saw three NMIs and ran to its end" grep -q '^PASS three NMIs counted' "$T/debugcon"
    [ "${VD_STATUS:-}" = 1 ]; check "$e: exit status 1 (the guest's)" test $? = 0
    grep -v '^stats' "$T/out-$e" >"$T/gdb-$e"
    cp "$T/debugcon" "$T/debugcon-$e"
done
for e in "${engines[@]:1}"; do
    cmp -s "$T/gdb-interp" "$T/gdb-$e" && cmp -s "$T/debugcon-interp" "$T/debugcon-$e"
    check "$e: the same GDB session and guest output as the interpreter" test $? = 0
done
if [ -f "$T/stats-kvm" ]; then
    grep -q ' 3 NMIs injected' "$T/stats-kvm"
    check "kvm: the three NMIs went in with KVM_NMI ($(grep -o '[0-9]* NMIs injected' "$T/stats-kvm"))" test $? = 0
fi
