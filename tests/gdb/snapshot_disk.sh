#!/usr/bin/env bash
# Snapshots and reverse execution of a machine with IDE drives
# (tests/disk/ide.asm drives the controller by hand; SeaBIOS boots
# tests/disk/mbr.asm through int 13h):
#  - savevm in the middle of a PIO write (first sector moved, DRQ for the
#    second), then on to the end: the run is the run without gdb; -loadvm in
#    a new process continues identically (output, instruction count, status);
#  - reverse-continue across the guest's disk write puts the sectors back:
#    reading them again there gives what they held before;
#  - a drive that writes its image refuses savevm (the snapshot could not
#    hold its disk); an image changed since the save refuses loadvm;
#  - the SeaBIOS boot (firmware, shadow RAM through the PAM registers) saved
#    at the boot sector continues identically after -loadvm.
source "$(dirname "$0")/gdblib.bash"
T=$(mktemp -d)
trap 'vd_stop; rm -rf "$T"' EXIT
command -v gdb >/dev/null && command -v nasm >/dev/null || { echo "SKIP snapshot_disk: gdb or nasm not installed"; exit 0; }
mkiso=$(command -v genisoimage || command -v xorrisofs || true)
[ -n "$mkiso" ] || { echo "SKIP snapshot_disk: needs genisoimage or xorriso"; exit 0; }
nasm -f bin -I "$ROOT/tests/asm/lib/" -DMAPFILE="$T/ide.map" -o "$T/ide.bin" "$ROOT/tests/disk/ide.asm" || {
    echo "FAIL assemble ide.asm"
    exit 1
}
lab() { awk -v n="$1" '$3 == n { print "0x" tolower($1) }' "$T/ide.map"; }
mkdir "$T/iso"
printf 'hello from an ISO 9660 image\n' >"$T/iso/hello.txt"
head -c 300000 /dev/urandom >"$T/iso/filler.bin"
"$mkiso" -quiet -V VDTEST -o "$T/cd.iso" "$T/iso" || { echo "FAIL $mkiso"; exit 1; }
fresh() { rm -f "$T/hda.img"; truncate -s $((0x10400000 * 512)) "$T/hda.img"; }
export VDEBUG_SNAPSHOT_DIR=$T/snaps
count() { sed -n 's/^stats: \([0-9]*\) guest instructions.*/\1/p' "$1"; }
GUEST=$T/ide.bin
DRIVES=(-hda "$T/hda.img" -cdrom "$T/cd.iso" -snapshot -icount-limit 500000000) # (a run gone wrong ends)

# the reference: no gdb
fresh
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/ref.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 "${DRIVES[@]}" -d stats -D "$T/ref.log" </dev/null >/dev/null 2>&1
REF_STATUS=$?
grep -q '^PASS' "$T/ref.out" && ! grep -q '^FAIL' "$T/ref.out"
check "the reference run passes its own checks (status $REF_STATUS)" test $? = 0

# 1. savevm in the middle of a PIO write, then on to the end
vd_start "${DRIVES[@]}" -d stats -D "$T/run1.log"
gdb_run "$T/o1" "break *$(lab pio_out_sector)" 'ignore 1 1' 'continue' 'delete' 'monitor info ide' \
    'monitor savevm mid' 'continue'
vd_wait
expect_line "stopped mid-command: the drive waits for the second sector (DRQ)" "$T/o1" 'primary master: ATA disk.* status 0x58'
expect_line "savevm with IDE drives works" "$T/o1" "saved snapshot 'mid' at instruction [0-9]+"
[ "$VD_STATUS" = "$REF_STATUS" ] && cmp -s "$T/debugcon" "$T/ref.out" && [ "$(count "$T/run1.log")" = "$(count "$T/ref.log")" ]
check "the run with a savevm is the run without (output, count, status)" test $? = 0

# 2. -loadvm in a new process continues identically
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/load.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 "${DRIVES[@]}" -d stats -D "$T/load.log" -loadvm mid \
    </dev/null >/dev/null 2>"$T/load.err"
st=$?
n=$(stat -c %s "$T/load.out")
[ "$st" = "$REF_STATUS" ] && [ "$(count "$T/load.log")" = "$(count "$T/ref.log")" ] && [ "$n" -gt 0 ] &&
    [ "$(tail -c "$n" "$T/ref.out" | od -An -tx1)" = "$(od -An -tx1 <"$T/load.out")" ]
check "-loadvm mid-PIO: same output from there ($n bytes), count and status ($st)" test $? = 0
! grep -q '^FAIL' "$T/load.out"; check "... and the guest's own checks pass after loading" test $? = 0
[ "$(du -k "$T/hda.img" | cut -f1)" = 0 ]; check "... and the image file was never written (-snapshot)" test $? = 0

# 3. in the same session: loadvm, then the state is the saved one (rr check)
vd_start "${DRIVES[@]}"
gdb_run "$T/o3" "break *$(lab ..@pio_readback_end)" 'continue' 'monitor loadvm mid' 'monitor info ide' \
    'monitor rr check' 'delete' 'continue'
vd_wait
expect_line "loadvm in the session: the drive is back mid-command" "$T/o3" 'primary master: ATA disk.* status 0x58'
[ "$VD_STATUS" = "$REF_STATUS" ] && [ "$(tail -c "$n" "$T/ref.out" | od -An -tx1)" = "$(tail -c "$n" "$T/debugcon" | od -An -tx1)" ]
check "... and runs on to the same end (the output from the snapshot on again, as -loadvm's)" test $? = 0

# 4. reverse-continue across the disk write restores the sectors: go back
# to before the PIO write of sectors 1-2, jump to the code that reads them
# back, and look at what was read (zeros, as before the write)
vd_start "${DRIVES[@]}"
gdb_run "$T/o4" "break *$(lab ..@pio_readback_end)" 'continue' 'echo MARK-read1\n' 'p/x *(unsigned int *)0x106000' \
    'monitor rr info' 'monitor rr check' \
    'delete' "break *$(lab ..@pio_write_begin)" 'reverse-continue' 'delete' \
    "set \$pc = $(lab ..@pio_readback)" "break *$(lab ..@pio_readback_end)" 'continue' \
    'echo MARK-back0\n' 'p/x *(unsigned int *)0x106000' 'echo MARK-back1\n' 'p/x *(unsigned int *)0x106200' 'kill'
vd_wait
[ "$(val_after "$T/o4" MARK-read1)" = 0x18110a03 ]; check "forward: the sectors read back hold the data written" test $? = 0
expect_line "the history holds disk sectors' pre-images" "$T/o4" ' [1-9][0-9]* saved disk sectors'
expect_line "rr check re-executes the disk writes identically" "$T/o4" '^disk identical'
[ "$(val_after "$T/o4" MARK-back0)" = 0x0 ] && [ "$(val_after "$T/o4" MARK-back1)" = 0x0 ]
check "after reverse-continue across the write the sectors read as before it (zeros)" test $? = 0

# 5. and going forward again after the reverse gives the reference's end
vd_start "${DRIVES[@]}"
gdb_run "$T/o5" "break *$(lab ..@pio_readback_end)" 'continue' 'delete' "break *$(lab ..@pio_write_begin)" \
    'reverse-continue' 'delete' 'continue'
vd_wait
[ "$VD_STATUS" = "$REF_STATUS" ] && cmp -s "$T/debugcon" "$T/ref.out"
check "reverse across the write, then forward to the end: the reference's output and status" test $? = 0

# 6. refusals: a drive that writes its image; an image changed since the save
fresh
vd_start -hda "$T/hda.img" -cdrom "$T/cd.iso"
gdb_run "$T/o6" 'monitor savevm w' 'kill'
vd_wait
expect_line "savevm refuses a drive that writes its image, saying what to do" "$T/o6" 'savevm w: drive -hda .*writes its image file.*-snapshot'
printf 'X' | dd of="$T/hda.img" bs=1 seek=$((5 * 512)) conv=notrunc 2>/dev/null
"$VDEBUG" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/bad.con" -device isa-debug-exit,iobase=0xf4,iosize=4 \
    "${DRIVES[@]}" -loadvm mid </dev/null >"$T/bad.out" 2>"$T/bad.err"
st=$?
[ "$st" = 1 ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -q '^vdebug: .*not the one the snapshot was saved over' "$T/bad.err"
ok=$? # (before the name's command substitution changes $?)
check "-loadvm over a changed image: refused with one line ($(head -c 160 "$T/bad.err"))" test $ok = 0

# 7. SeaBIOS boots the boot sector from the disk; saved at 0x7c00 (shadow RAM
# mapped by the PAM registers, the BIOS's disk driver in use), it continues
# identically after -loadvm in a new process
BIOS=/usr/share/seabios/bios-256k.bin
if [ ! -r "$BIOS" ]; then
    echo "SKIP snapshot_disk seabios: $BIOS missing (Debian's seabios package)"
    exit 0
fi
nasm -f bin -o "$T/mbr.img" "$ROOT/tests/disk/mbr.asm" && truncate -s 1M "$T/mbr.img" || { echo "FAIL mbr.asm"; exit 1; }
BOOT=(-drive "file=$T/mbr.img,format=raw,if=ide,index=0,snapshot=on" -display none -serial none
      -device isa-debug-exit,iobase=0xf4,iosize=1 -icount-limit 2000000000)
"$VDEBUG" "${ACCEL[@]}" "${BOOT[@]}" -debugcon "file:$T/bref.out" -d stats -D "$T/bref.log" </dev/null >/dev/null 2>&1
BREF=$?
: >"$T/vd.err"
"$VDEBUG" "${ACCEL[@]}" "${BOOT[@]}" -debugcon "file:$T/b1.out" -d stats -D "$T/b1.log" -gdb tcp::0 -S \
    </dev/null >/dev/null 2>"$T/vd.err" &
VD_PID=$!
while PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err") && [ -z "$PORT" ]; do
    kill -0 "$VD_PID" 2>/dev/null || break
    sleep 0.02
done
gdb -batch -nx -ex 'set confirm off' -ex "set remotetimeout $GDB_REMOTE_TIMEOUT" -ex "target remote 127.0.0.1:$PORT" -ex 'break *0x7c00' -ex 'continue' \
    -ex 'delete' -ex 'monitor savevm boot' -ex 'continue' >"$T/o7" 2>&1 </dev/null
vd_wait
expect_line "savevm at the boot sector under SeaBIOS" "$T/o7" "saved snapshot 'boot' at instruction [0-9]+"
[ "$VD_STATUS" = "$BREF" ] && cmp -s "$T/b1.out" "$T/bref.out" && [ "$(count "$T/b1.log")" = "$(count "$T/bref.log")" ]
check "SeaBIOS: the run with a savevm is the run without (status $BREF)" test $? = 0
"$VDEBUG" "${ACCEL[@]}" "${BOOT[@]}" -debugcon "file:$T/b2.out" -d stats -D "$T/b2.log" -loadvm boot </dev/null >/dev/null 2>&1
st=$?
n=$(stat -c %s "$T/b2.out")
[ "$st" = "$BREF" ] && [ "$(count "$T/b2.log")" = "$(count "$T/bref.log")" ] && [ "$n" -gt 0 ] &&
    [ "$(tail -c "$n" "$T/bref.out" | od -An -tx1)" = "$(od -An -tx1 <"$T/b2.out")" ]
ok=$? # (before the name's command substitution changes $?)
check "SeaBIOS: -loadvm at the boot sector continues identically ($n bytes, count $(count "$T/b2.log"), status $st)" test $ok = 0
