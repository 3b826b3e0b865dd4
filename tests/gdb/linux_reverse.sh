#!/usr/bin/env bash
# Reverse execution on Debian's Linux with the real gdb. After the boot
# reaches the busybox shell, find jiffies_64 by address (Debian ships no
# vmlinux: /proc/kallsyms gives get_jiffies_64, whose code loads the two
# words of jiffies_64), watch it, and reverse-continue: gdb stops at the
# kernel instruction that last wrote it, with the old and the new value.
# Going forward again repeats that very write, then the shell still works.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/gdb/gdblib.bash
. tests/boot/linux.inc
command -v gdb >/dev/null || { echo "SKIP gdb_linux_reverse: gdb not installed"; exit 0; }
linux_guest || exit 1
T=$(mktemp -d)
trap 'vd_stop; rm -rf "$T"' EXIT
: >"$T/syms.gdb"

mkfifo "$T/in"
exec 3<>"$T/in"
"$VDEBUG" "${ACCEL[@]}" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0 nokaslr" -m 256 \
    -nographic -no-reboot -icount-limit 40000000000 -gdb tcp::0 \
    <"$T/in" >"$T/console" 2>"$T/vd.err" &
VD_PID=$!
while :; do
    PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err")
    [ -n "$PORT" ] && break
    kill -0 "$VD_PID" 2>/dev/null || { echo "FAIL gdb_linux_reverse_start: $(head -c 300 "$T/vd.err")"; exit 1; }
    sleep 0.02
done
wait_console() { # REGEX: until the console has a matching line (or vdebug is gone)
    until grep -Eq "$1" "$T/console"; do kill -0 "$VD_PID" 2>/dev/null || return 1; sleep 0.1; done
}
wait_console '^vdebug: busybox shell' || { echo "FAIL gdb_linux_reverse_boot: $(tail -n 3 "$T/console")"; exit 1; }
printf 'grep -w get_jiffies_64 /proc/kallsyms\r' >&3
wait_console '^[0-9a-f]{8} [Tt] get_jiffies_64' || { echo "FAIL gdb_linux_reverse_kallsyms"; exit 1; }
fn=0x$(grep -Eo '^[0-9a-f]{8} [Tt] get_jiffies_64' "$T/console" | head -1 | cut -c1-8)

# session 1: read get_jiffies_64's code; detach lets the kernel run on
gdb_run "$T/g1" "x/40i $fn" 'detach'
# jiffies_64 is the absolute operand A whose A+4 is loaded too (the high word)
jiffies=
ops=$(sed 's/^[^:]*://' "$T/g1" | grep -Eo '0x[cdef][0-9a-f]{7}' | sort -u)
for a in $ops; do
    hi=$(printf '0x%08x' $((a + 4)))
    if printf '%s\n' $ops | grep -qx "$hi"; then jiffies=$a; break; fi
done
if [ -z "$jiffies" ]; then
    echo "FAIL gdb_linux_reverse_find_jiffies: no A/A+4 operand pair in get_jiffies_64"
    sed 's/^/    | /' "$T/g1" | head -n 40
    exit 1
fi
echo "PASS gdb_linux_reverse_find_jiffies ($jiffies)"

# session 2: stop the running kernel, watch jiffies_64, go back to its last writer
gdb_run "$T/g2" 'echo MARK-now\n' "p *(unsigned int *)$jiffies" \
    "watch *(unsigned int *)$jiffies" 'reverse-continue' \
    'echo MARK-pc\n' 'p/x $pc' 'echo MARK-back\n' "p *(unsigned int *)$jiffies" \
    'monitor rr info' \
    'continue' 'echo MARK-fwd\n' "p *(unsigned int *)$jiffies" 'echo MARK-pc2\n' 'p/x $pc' \
    'delete' 'detach'
old=$(sed -n 's/^Old value = \([0-9]*\)$/\1/p' "$T/g2" | head -1)
new=$(sed -n 's/^New value = \([0-9]*\)$/\1/p' "$T/g2" | head -1)
now=$(val_after "$T/g2" MARK-now)
back=$(val_after "$T/g2" MARK-back)
pc=$(val_after "$T/g2" MARK-pc)
if [ -n "$old" ] && [ "$old" = "$now" ] && [ -n "$new" ] && [ "$new" -lt "$old" ] && [ "$back" = "$new" ]; then
    echo "PASS gdb_linux_reverse_watch_old_new ($old -> $new)"
else
    echo "FAIL gdb_linux_reverse_watch_old_new: now '$now' old '$old' new '$new' back '$back'"
    sed 's/^/    | /' "$T/g2" | tail -n 30
fi
if [ -n "$pc" ] && [ $((pc)) -ge $((0xc0000000)) ]; then
    echo "PASS gdb_linux_reverse_stops_in_kernel_code ($pc)"
else
    echo "FAIL gdb_linux_reverse_stops_in_kernel_code: pc '$pc'"
fi
fwd=$(val_after "$T/g2" MARK-fwd)
pc2=$(val_after "$T/g2" MARK-pc2)
# forward from the writer: the same write again (the value as it was, after the same instruction)
if [ "$fwd" = "$old" ] && [ -n "$pc2" ] && [ $((pc2)) -gt $((pc)) ] && [ $((pc2)) -le $((pc + 15)) ]; then
    echo "PASS gdb_linux_reverse_forward_repeats_the_write"
else
    echo "FAIL gdb_linux_reverse_forward_repeats_the_write: value '$fwd' (was '$old'), pc '$pc2' after '$pc'"
fi

printf 'echo "after-$((6 * 7))"\r' >&3
wait_console '^after-42' && echo "PASS gdb_linux_reverse_shell_after" || echo "FAIL gdb_linux_reverse_shell_after"
printf 'poweroff\r' >&3
vd_wait
[ "$VD_STATUS" = 0 ] && echo "PASS gdb_linux_reverse_exit_status" || echo "FAIL gdb_linux_reverse_exit_status: $VD_STATUS $(tail -n 2 "$T/vd.err")"
