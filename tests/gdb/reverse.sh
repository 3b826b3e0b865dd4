#!/usr/bin/env bash
# Reverse execution with the real gdb (bs/bc packets), on tests/gdb/rr_guest.asm
# (an ELF with symbols and line info; a PIT interrupts it all the time):
# reverse-stepi retraces a forward log exactly (registers and memory), across
# snapshots; watch + reverse-continue finds the last writer with old/new
# values; breakpoints hit in reverse; reverse-finish returns to the caller;
# reverse-step/next; the start of history stops with gdb's message; going
# forward again gives the same output and exit as a run without gdb; the
# history's memory bound drops the oldest snapshots.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
command -v ld >/dev/null || { echo "SKIP reverse: ld (binutils) not installed"; exit 0; }
nasm -f elf32 -g -F dwarf -o "$T/rr.o" "$ROOT/tests/gdb/rr_guest.asm" &&
    ld -m elf_i386 -Ttext-segment=0x100000 -e start -o "$T/rr.elf" "$T/rr.o" &&
    ld -m elf_i386 -Ttext-segment=0x100000 -e start -x -o "$T/rr_gdb.elf" "$T/rr.o" || {
    echo "FAIL build rr_guest"
    exit 1
}
GUEST=$T/rr.elf
addr() { printf '0x%x' "0x$(nm "$T/rr.elf" | awk -v n="$1" '$3 == n { print $1 }')"; }
BUMP_WRITE=$(addr bump_write)
CALL_SITE=$(addr call_site)

# the reference: the same guest without gdb
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/ref.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 </dev/null >/dev/null 2>&1
REF_STATUS=$?

rgdb() { # OUT CMDS...
    local out=$1
    shift
    local args=()
    for c in "$@"; do
        if [[ "$c" == *$'\n'* ]]; then
            # each script its own name (picking the newest by mtime could take an older one with the same time)
            NM=$((${NM:-0} + 1))
            printf '%s\n' "$c" >"$T/m$NM.gdb"
            args+=(-x "$T/m$NM.gdb")
        else
            args+=(-ex "$c")
        fi
    done
    gdb -batch -nx -ex "set confirm off" -ex "set pagination off" -ex "file $T/rr_gdb.elf" \
        -ex "set remotetimeout $GDB_REMOTE_TIMEOUT" -ex "target remote 127.0.0.1:$PORT" "${args[@]}" >"$out" 2>&1 </dev/null
}

# 1. reverse-stepi retraces a forward stepi log (snapshots every 997 instructions)
vd_start -icount rrsnapshot-interval=997
LOG='printf "S %d pc=%x eax=%x ecx=%x edx=%x esp=%x ebp=%x fl=%x top=%x counter=%d\n", $i, $pc, $eax, $ecx, $edx, $esp, $ebp, $eflags, *(int*)$esp, *(int*)&counter'
rgdb "$T/o1" 'break *after_call' 'ignore 1 299' 'continue' 'delete' 'set $i = 0' \
    "while \$i < 60
$LOG
stepi
set \$i = \$i + 1
end" \
    "$LOG" \
    "while \$i > 0
reverse-stepi
set \$i = \$i - 1
$LOG
end" 'monitor rr info' 'kill'
vd_wait
grep '^S ' "$T/o1" | head -60 >"$T/fwd"
grep '^S ' "$T/o1" | tail -n +61 | tac >"$T/rev"
[ "$(wc -l <"$T/fwd")" = 60 ] && [ "$(wc -l <"$T/rev")" = 61 ]; check "forward and reverse logs complete" test $? = 0
head -60 "$T/rev" | diff "$T/fwd" - >"$T/d1"; check "60 reverse-stepi retrace the forward log (registers, stack, memory)" test $? = 0
expect_line "the history holds several snapshots" "$T/o1" '^snapshots: ([2-9]|[1-9][0-9]+) kept'

# 2-6 on one session
vd_start
rgdb "$T/o2" 'break *after_call if $ecx == 700' 'continue' 'delete' \
    'echo MARK-counter\n' 'p *(int*)&counter' \
    'watch *(int*)&counter' 'reverse-continue' \
    'echo MARK-wpc\n' 'p/x $pc' 'echo MARK-wi\n' 'p *(int*)&last_i' 'delete' \
    'break *bump+'"$((BUMP_WRITE - $(addr bump)))" 'reverse-continue' \
    'echo MARK-bpc\n' 'p/x $pc' 'echo MARK-bi\n' 'p *(int*)&last_i' \
    'reverse-finish' 'echo MARK-fpc\n' 'p/x $pc' 'echo MARK-fecx\n' 'p $ecx' \
    'delete' 'reverse-next' 'reverse-next' 'echo MARK-npc\n' 'p/x $pc' \
    'monitor rr check' \
    'reverse-continue' 'echo MARK-spc\n' 'p/x $pc' 'echo MARK-sic\n' 'p *(int*)&counter' \
    'continue'
vd_wait
c=$(val_after "$T/o2" MARK-counter)
expect_line "watch + reverse-continue: gdb names old and new values" "$T/o2" "^Old value = $c\$"
expect_line "... the new value is the one before the last write" "$T/o2" "^New value = $((c - 3 * 700))\$"
[ "$(val_after "$T/o2" MARK-wpc)" = "$BUMP_WRITE" ]; check "... stopped at the writing instruction" test $? = 0
[ "$(val_after "$T/o2" MARK-wi)" = 700 ]; check "... of the last call (bump(700))" test $? = 0
[ "$(val_after "$T/o2" MARK-bpc)" = "$BUMP_WRITE" ] && [ "$(val_after "$T/o2" MARK-bi)" = 699 ]
check "breakpoint hit in reverse: the call before (bump(699))" test $? = 0
expect_line "reverse-finish: gdb shows the caller's line" "$T/o2" '^[0-9]+[[:space:]]+call bump'
[ "$(val_after "$T/o2" MARK-fpc)" = "$CALL_SITE" ] && [ "$(val_after "$T/o2" MARK-fecx)" = 699 ]
check "reverse-finish stops at the call in the caller" test $? = 0
npc=$(val_after "$T/o2" MARK-npc)
[ -n "$npc" ] && [ $((npc)) = $(($(addr loop_back))) ]
check "two reverse-next: back over 'push ecx' to the previous iteration's 'jb main_loop' ($npc)" test $? = 0
expect_line "rr check: re-executing the history gives the same state" "$T/o2" '^state identical$'
expect_line "rr check: ... and the same RAM" "$T/o2" '^RAM identical$'
expect_line "reverse-continue without points stops at the start of history" "$T/o2" 'No more reverse-execution history'
[ "$(val_after "$T/o2" MARK-sic)" = 0 ]; check "... where nothing had run yet" test $? = 0
[ "$VD_STATUS" = "$REF_STATUS" ]; check "continuing to the end: same exit status ($VD_STATUS)" test $? = 0
cmp -s "$T/debugcon" "$T/ref.out"; check "... and the same output, nothing printed twice" test $? = 0

# 7. the memory bound drops the oldest snapshots
vd_start -icount rrsnapshot-interval=100,rrmem=1M
rgdb "$T/o3" 'break *done' 'continue' 'monitor rr info' 'delete' 'reverse-continue' 'echo MARK-ic\n' 'p *(int*)&counter' 'kill'
vd_wait
d=$(sed -n 's/.* taken, \([0-9]*\) dropped.*/\1/p' "$T/o3")
[ -n "$d" ] && [ "$d" -gt 0 ]; check "the memory bound dropped old snapshots ($d)" test $? = 0
used=$(sed -n 's/^memory: \([0-9.]*\) MiB of 1.0 MiB.*/\1/p' "$T/o3")
[ -n "$used" ] && awk -v u="$used" 'BEGIN { exit !(u <= 1.0) }'; check "... and the history stays within it ($used MiB)" test $? = 0
c=$(val_after "$T/o3" MARK-ic)
[ -n "$c" ] && [ "$c" -gt 0 ]; check "the start of history moved on (counter $c there)" test $? = 0

# 8. serial input in the history: going back and forth re-executes the
# recorded input at the same points (stdin is read once, when it arrives)
printf 'abc\n' >"$T/in.txt"
: >"$T/vd.err"
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial stdio -debugcon "file:$T/debugcon" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -gdb tcp::0 -S <"$T/in.txt" >"$T/ser.out" 2>"$T/vd.err" &
VD_PID=$!
while ! PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err") || [ -z "$PORT" ]; do
    kill -0 "$VD_PID" 2>/dev/null || break
    sleep 0.02
done
rgdb "$T/o4" 'break *done' 'continue' 'echo MARK-rx1\n' 'p *(int*)&rxsum' 'monitor rr check' 'monitor rr info' \
    'reverse-continue' 'continue' 'echo MARK-rx2\n' 'p *(int*)&rxsum' 'continue'
vd_wait
[ "$(val_after "$T/o4" MARK-rx1)" = $((97 + 98 + 99 + 10)) ] && [ "$(val_after "$T/o4" MARK-rx2)" = $((97 + 98 + 99 + 10)) ]
check "serial input seen again after going back to the start and on" test $? = 0
expect_line "the input is in the log" "$T/o4" '^input log: [1-9][0-9]* events'
expect_line "rr check with input: same state" "$T/o4" '^state identical$'
[ "$(cat "$T/ser.out")" = "abc" ]
ok=$? # (before the name's own command substitution changes $?)
check "the echo is shown once ($(cat "$T/ser.out"))" test $ok = 0

# 9. the input log keeps only what the history can still re-execute
: >"$T/vd.err"
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial stdio -debugcon "file:$T/debugcon" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -gdb tcp::0 -S -icount rrsnapshot-interval=100,rrmem=1M \
    <"$T/in.txt" >"$T/ser.out" 2>"$T/vd.err" &
VD_PID=$!
while ! PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err") || [ -z "$PORT" ]; do
    kill -0 "$VD_PID" 2>/dev/null || break
    sleep 0.02
done
rgdb "$T/o5" 'break *done' 'continue' 'monitor rr info' 'kill'
vd_wait
expect_line "input older than the oldest snapshot is dropped from memory" "$T/o5" '^input log: [0-9]+ events kept, [1-9][0-9]* older dropped'
