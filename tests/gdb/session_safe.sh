#!/usr/bin/env bash
# The stub keeps a stopped guest stopped: a bare TCP connect/close (a port
# probe) neither releases the -S hold nor resumes a stopped guest, and a GDB
# that dies without detaching leaves the guest stopped where it was; a probe
# at a running guest does not stop it. Detach lets the guest run on
# (attach.sh tests that).
source "$(dirname "$0")/gdblib.bash"
gdb_setup
command -v python3 >/dev/null || { echo "SKIP session_safe: python3 not installed"; exit 0; }

# Connect, send nothing, close our side, and wait until the stub closes its
# side: then the stub has handled the dropped connection.
probe() {
    python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
s.close()
PY
}

# 1. -S hold: two probes, then GDB finds the CPU still at its first instruction
vd_start
probe
probe
gdb_run "$T/out1" 'echo MARK-pc\n' 'p/x $pc' 'echo MARK-count\n' 'monitor info registers' 'kill'
[ "$(val_after "$T/out1" MARK-pc)" = "$(sym start)" ]; check "a probe does not release the -S hold" test $? = 0
[ ! -s "$T/debugcon" ]; check "the guest printed nothing after the probes" test $? = 0
vd_wait

# 2. a GDB killed while the guest is stopped at a breakpoint: still there
vd_start
(gdb -batch -nx -x "$T/syms.gdb" -ex "set remotetimeout $GDB_REMOTE_TIMEOUT" -ex "target remote 127.0.0.1:$PORT" -ex 'break *$bp_after_paging' -ex 'continue' \
    -ex 'echo MARK-pc\n' -ex 'p/x $pc' -ex 'shell kill -9 $PPID' >"$T/out2" 2>&1 </dev/null; true) 2>/dev/null
[ "$(val_after "$T/out2" MARK-pc)" = "$(sym bp_after_paging)" ]; check "first GDB stopped at its breakpoint" test $? = 0
probe
gdb_run "$T/out3" 'echo MARK-pc\n' 'p/x $pc' 'kill'
[ "$(val_after "$T/out3" MARK-pc)" = "$(sym bp_after_paging)" ]; check "a dead GDB leaves the guest stopped where it was" test $? = 0
vd_wait

# 3. a running guest (spinning for the debugger): a probe does not stop it
vd_start
gdb_run "$T/out4" 'set {int}$spin_flag = 1' 'detach'
while ! grep -q SPINNING "$T/debugcon" 2>/dev/null; do
    kill -0 "$VD_PID" 2>/dev/null || break
    sleep 0.02
done
probe
gdb_run "$T/out5" 'echo MARK-c1\n' 'p *(int *)$spin_count' 'detach'
gdb_run "$T/out6" 'echo MARK-c2\n' 'p *(int *)$spin_count' 'kill'
c1=$(val_after "$T/out5" MARK-c1)
c2=$(val_after "$T/out6" MARK-c2)
[ -n "$c1" ] && [ -n "$c2" ] && [ "$c2" -gt "$c1" ]; check "the guest runs on after a probe and a detach ($c1 -> $c2)" test $? = 0
vd_wait
