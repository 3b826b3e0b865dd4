#!/usr/bin/env bash
# Protocol fuzz: random and mutated packets against a running stub (see
# fuzz.py). The stub must answer or drop every item, the guest must keep
# running, and vdebug must still be alive at the end. FUZZ_SEED picks the
# sequence (default fixed, so failures reproduce).
source "$(dirname "$0")/gdblib.bash"
gdb_setup
if ! command -v python3 >/dev/null; then
    echo "SKIP fuzz: python3 not installed"
    exit 0
fi
vd_start
python3 -u "$ROOT/tests/gdb/fuzz.py" "$PORT" "$(sym spin_flag)" "$(sym spin_count)" "${FUZZ_SEED:-1234}"
kill -0 "$VD_PID" 2>/dev/null; check "vdebug still running after the fuzz" test $? = 0
# and a real GDB can still attach and see the guest in its loop
gdb_run "$T/out" 'echo MARK-pc\n' 'p/x $pc' 'kill'
spin=$(sym spin)
pc=$(val_after "$T/out" MARK-pc)
[ -n "$pc" ] && [ $((pc)) -ge $((spin)) ] && [ $((pc)) -le $((spin + 8)) ]; check "GDB attaches after the fuzz ($pc)" test $? = 0
