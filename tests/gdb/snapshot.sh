#!/usr/bin/env bash
# savevm / loadvm / delvm / info snapshots (GDB's monitor) and -loadvm:
# a snapshot saved mid-run continues identically in a new process (same
# output, same instruction count, same exit) and in the same session (same
# state after loading, same results); files that are truncated, corrupted,
# from another configuration or another version are refused with one line
# and a non-zero status, and a refused loadvm changes nothing.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
command -v ld >/dev/null || { echo "SKIP snapshot: ld (binutils) not installed"; exit 0; }
nasm -f elf32 -g -F dwarf -o "$T/rr.o" "$ROOT/tests/gdb/rr_guest.asm" &&
    ld -m elf_i386 -Ttext-segment=0x100000 -e start -x -o "$T/rr.elf" "$T/rr.o" || {
    echo "FAIL build rr_guest"
    exit 1
}
GUEST=$T/rr.elf
export VDEBUG_SNAPSHOT_DIR=$T/snaps
count() { sed -n 's/^stats: \([0-9]*\) guest instructions.*/\1/p' "$1"; }

# the reference run, without gdb
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/ref.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -d stats -D "$T/ref.log" </dev/null >/dev/null 2>&1
REF_STATUS=$?

# 1. savevm mid-run, then continue to the end
vd_start -d stats -D "$T/run1.log"
gdb_run "$T/o1" "file $T/rr.elf" 'break *after_call if $ecx == 500' 'continue' 'delete' \
    'monitor savevm mid' 'monitor info snapshots' 'continue'
vd_wait
expect_line "savevm reports the snapshot" "$T/o1" "saved snapshot 'mid' at instruction [0-9]+"
expect_line "info snapshots lists it" "$T/o1" '^mid +[0-9]+ +[0-9]+ '
[ "$VD_STATUS" = "$REF_STATUS" ] && cmp -s "$T/debugcon" "$T/ref.out" && [ "$(count "$T/run1.log")" = "$(count "$T/ref.log")" ]
check "the run with a savevm is the run without (output, count, status)" test $? = 0

# 2. -loadvm in a new process continues identically
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/load.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -d stats -D "$T/load.log" -loadvm mid </dev/null >/dev/null 2>"$T/load.err"
st=$?
[ "$st" = "$REF_STATUS" ]; check "-loadvm: same exit status ($st)" test $? = 0
[ "$(count "$T/load.log")" = "$(count "$T/ref.log")" ]
ok=$? # (before the name's own command substitution changes $?)
check "-loadvm: same instruction count at exit ($(count "$T/load.log"))" test $ok = 0
n=$(stat -c %s "$T/load.out")
[ "$n" -gt 0 ] && [ "$(tail -c "$n" "$T/ref.out" | od -An -tx1)" = "$(od -An -tx1 <"$T/load.out")" ]
check "-loadvm: the output from the snapshot on is the reference's ($n bytes)" test $? = 0

# 3. loadvm in the same session: the saved state again, and the same results
vd_start
gdb_run "$T/o3" "file $T/rr.elf" 'break *done' 'continue' 'echo MARK-c1\n' 'p *(int*)&counter' \
    'monitor loadvm mid' 'maintenance flush register-cache' 'echo MARK-ecx\n' 'p $ecx' 'echo MARK-li\n' 'p *(int*)&last_i' \
    'monitor rr check' 'continue' 'echo MARK-c2\n' 'p *(int*)&counter' \
    'monitor delvm mid' 'monitor info snapshots' 'kill'
vd_wait
[ "$(val_after "$T/o3" MARK-ecx)" = 500 ] && [ "$(val_after "$T/o3" MARK-li)" = 500 ]
check "loadvm in the session: registers and memory as saved" test $? = 0
c1=$(val_after "$T/o3" MARK-c1)
[ -n "$c1" ] && [ "$c1" = "$(val_after "$T/o3" MARK-c2)" ]; check "... and the run to the end gives the same result ($c1)" test $? = 0
expect_line "... the history restarts at the loaded state (rr check)" "$T/o3" '^state identical$'
expect_line "delvm deletes it" "$T/o3" '^no snapshots$'

# 4. bad files: one line, status 1, nothing else; a refused monitor loadvm changes nothing
vd_start
gdb_run "$T/o4" "file $T/rr.elf" 'break *after_call if $ecx == 300' 'continue' 'delete' 'monitor savevm good' 'kill'
vd_wait
f=$T/snaps/good.vdsnap
size=$(stat -c %s "$f")
head -c $((size / 2)) "$f" >"$T/snaps/trunc.vdsnap"
cp "$f" "$T/snaps/flip.vdsnap"
printf '\x5a' | dd of="$T/snaps/flip.vdsnap" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
cp "$f" "$T/snaps/ver.vdsnap"
printf '9.9' | dd of="$T/snaps/ver.vdsnap" bs=1 seek=8 conv=notrunc 2>/dev/null
printf 'not a snapshot\n' >"$T/snaps/junk.vdsnap"
bad() { # NAME REGEX [ARGS...]
    local name=$1 re=$2
    shift 2
    "$VDEBUG" -kernel "$GUEST" -nographic -serial none -debugcon none -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -loadvm "$name" "$@" </dev/null >"$T/bad.out" 2>"$T/bad.err"
    local st=$?
    [ "$st" = 1 ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -Eq "^vdebug: .*$re" "$T/bad.err" && [ ! -s "$T/bad.out" ]
    local ok=$?
    check "-loadvm $name: refused with one line, status 1 ($(head -c 150 "$T/bad.err"))" test $ok = 0
}
bad trunc 'truncated or corrupted'
bad flip 'truncated or corrupted'
bad ver 'written by vdebug version 9.9'
bad junk 'not a vdebug snapshot'
bad missing 'no snapshot'
bad good 'different machine configuration' -m 64
bad 'a/b' 'loadvm a/b: bad snapshot name'
vd_start
gdb_run "$T/o5" "file $T/rr.elf" 'break *done' 'continue' 'echo MARK-c1\n' 'p *(int*)&counter' 'echo MARK-pc1\n' 'p/x $pc' \
    'monitor loadvm trunc' 'monitor loadvm ver' 'echo MARK-c2\n' 'p *(int*)&counter' 'echo MARK-pc2\n' 'p/x $pc' 'kill'
vd_wait
[ "$(val_after "$T/o5" MARK-c1)" = "$(val_after "$T/o5" MARK-c2)" ] && [ "$(val_after "$T/o5" MARK-pc1)" = "$(val_after "$T/o5" MARK-pc2)" ]
check "a refused monitor loadvm leaves the machine as it was" test $? = 0
expect_line "... and says why" "$T/o5" "loadvm trunc: .* is truncated or corrupted"
