#!/usr/bin/env bash
# SIGTERM at vdebug while the stub holds the guest stopped (waiting for GDB,
# and with GDB attached): vdebug ends at once (GDB is sent an X packet).
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start
kill -TERM "$VD_PID"
vd_wait
[ "$VD_STATUS" = 0 ]; check "SIGTERM while waiting for GDB ends vdebug (status $VD_STATUS)" test $? = 0

vd_start
gdb -batch -nx -ex "set remotetimeout $GDB_REMOTE_TIMEOUT" -ex "target remote 127.0.0.1:$PORT" -ex 'echo MARK-attached\n' -ex 'shell kill -TERM '"$VD_PID" \
    -ex 'p $pc' >"$T/out" 2>&1 </dev/null
vd_wait
[ "$VD_STATUS" = 0 ]; check "SIGTERM while GDB holds the guest ends vdebug (status $VD_STATUS)" test $? = 0
