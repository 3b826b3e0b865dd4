#!/usr/bin/env bash
# Detach and reattach, and Ctrl-C: GDB detaches (the guest runs on), a new
# GDB attaches to the running guest (it stops), continues, and is
# interrupted with SIGINT (GDB sends 0x03); then a third session kills it.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start

# 1. stop after paging, ask the guest to spin at the end, detach
gdb_run "$T/out1" \
    'break *$bp_after_paging' 'continue' \
    'echo MARK-pc\n' 'p/x $pc' \
    'set {int}$spin_flag = 1' \
    'detach'
[ "$(val_after "$T/out1" MARK-pc)" = "$(sym bp_after_paging)" ]; check "first session stops at its breakpoint" test $? = 0
expect_line "detach" "$T/out1" 'Detaching from program|Ending remote debugging|detached'

# the guest runs on by itself: wait for its line on the debug console
while ! grep -q SPINNING "$T/debugcon" 2>/dev/null; do
    kill -0 "$VD_PID" 2>/dev/null || break
    sleep 0.02
done
check "guest runs on after detach (breakpoint removed)" grep -q SPINNING "$T/debugcon"

# 2. attach to the running guest, continue, interrupt with SIGINT
gdb -batch -nx -ex 'set confirm off' -x "$T/syms.gdb" -ex "set remotetimeout $GDB_REMOTE_TIMEOUT" -ex "target remote 127.0.0.1:$PORT" \
    -ex 'echo MARK-attached\n' -ex 'p/x $pc' \
    -ex 'echo MARK-count1\n' -ex 'p *(int *)$spin_count' \
    -ex 'set debug remote 1' -ex 'continue' -ex 'set debug remote 0' \
    -ex 'echo MARK-interrupted\n' -ex 'p/x $pc' \
    -ex 'echo MARK-count2\n' -ex 'p *(int *)$spin_count' \
    -ex 'detach' >"$T/out2" 2>&1 </dev/null &
GDB_PID=$!
# interrupt once GDB has told the stub to continue (the packet is in its debug log)
while ! grep -Eq 'Sending packet: \$(vCont;c|c)[#;]' "$T/out2"; do
    kill -0 "$GDB_PID" 2>/dev/null || break
    sleep 0.02
done
kill -INT "$GDB_PID" 2>/dev/null
wait "$GDB_PID"
spin=$(sym spin)
pc=$(val_after "$T/out2" MARK-attached)
[ -n "$pc" ] && [ $((pc)) -ge $((spin)) ] && [ $((pc)) -le $((spin + 8)) ]; check "attaching stops the running guest in its loop ($pc)" test $? = 0
expect_line "Ctrl-C reported as SIGINT" "$T/out2" 'received signal SIGINT'
expect_line "stub answered the interrupt with T02" "$T/out2" 'Packet received: T02'
pc=$(val_after "$T/out2" MARK-interrupted)
[ -n "$pc" ] && [ $((pc)) -ge $((spin)) ] && [ $((pc)) -le $((spin + 8)) ]; check "interrupted in the spin loop ($pc)" test $? = 0
c1=$(val_after "$T/out2" MARK-count1)
c2=$(val_after "$T/out2" MARK-count2)
[ -n "$c1" ] && [ -n "$c2" ] && [ "$c2" -gt "$c1" ]; check "the guest ran between attach and interrupt ($c1 -> $c2)" test $? = 0

# 3. a third connection, then kill ends vdebug
gdb_run "$T/out3" 'echo MARK-pc3\n' 'p/x $pc' 'kill'
pc=$(val_after "$T/out3" MARK-pc3)
[ -n "$pc" ] && [ $((pc)) -ge $((spin)) ] && [ $((pc)) -le $((spin + 8)) ]; check "reattach after a second detach" test $? = 0
vd_wait
[ "$VD_STATUS" = 0 ]; check "kill ends vdebug (status $VD_STATUS)" test $? = 0
