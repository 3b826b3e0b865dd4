#!/usr/bin/env bash
# The real gdb on Debian's i386 kernel. -S stops before the first
# instruction, which the loader's entry state puts at the 32-bit boot protocol
# entry at 1 MiB: check the registers there and read the boot_params the
# loader wrote; then stop at the decompressed kernel's startup_32 (16 MiB
# physical with nokaslr: CONFIG_PHYSICAL_START; the breakpoint is set before
# the decompressor writes the code there, which works because breakpoints do
# not patch guest memory), step, and continue to the shell, where a command
# is typed on the serial console and `poweroff` ends the machine.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/gdb/gdblib.bash
. tests/boot/linux.inc
command -v gdb >/dev/null || { echo "SKIP gdb_linux: gdb not installed"; exit 0; }
linux_guest || exit 1
T=$(mktemp -d)
trap 'vd_stop; rm -rf "$T"' EXIT
: >"$T/syms.gdb"

# The serial console is vdebug's stdin/stdout: a FIFO we type into, and a file.
mkfifo "$T/in"
exec 3<>"$T/in"
"$VDEBUG" "${ACCEL[@]}" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0 nokaslr" -m 256 \
    -nographic -no-reboot -icount-limit 40000000000 -gdb tcp::0 -S \
    <"$T/in" >"$T/console" 2>"$T/vd.err" &
VD_PID=$!
while :; do
    PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err")
    [ -n "$PORT" ] && break
    kill -0 "$VD_PID" 2>/dev/null || { echo "FAIL gdb_linux_start: $(head -c 300 "$T/vd.err")"; exit 1; }
    sleep 0.02
done

# The typist: once the shell is up (GDB has continued), type a command and
# then poweroff, which ends the machine and with it GDB's continue.
(
    until grep -q '^vdebug: busybox shell' "$T/console"; do kill -0 "$VD_PID" 2>/dev/null || exit 0; sleep 0.1; done
    printf 'echo "reply-$((6 * 7))"\r' >&3
    until grep -q '^reply-42' "$T/console"; do kill -0 "$VD_PID" 2>/dev/null || exit 0; sleep 0.1; done
    printf 'poweroff\r' >&3
) &
typist=$!

gdb_run "$T/g1" \
    'echo ENTRY\n' 'p/x $pc' 'echo ESI\n' 'p/x $esi' 'echo CR0\n' 'p/x $cr0' \
    'echo HDRS\n' 'p/x *(unsigned int *)0x8202' \
    'echo LOADER\n' 'p/x *(unsigned char *)0x8210' \
    'echo CMDPTR\n' 'p/x *(unsigned int *)0x8228' \
    'echo E820N\n' 'p/x *(unsigned char *)0x81e8' \
    'x/s 0x9000' \
    'delete' 'break *0x1000000' 'continue' \
    'echo STARTUP32\n' 'p/x $pc' \
    'stepi' 'stepi' 'stepi' \
    'echo STEPPED\n' 'p/x $pc' \
    'delete' 'continue'
vd_wait
kill "$typist" 2>/dev/null
wait "$typist" 2>/dev/null

want() { # name mark expected
    local v
    v=$(val_after "$T/g1" "$2")
    if [ "$v" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$v', expected '$3'"; sed 's/^/    | /' "$T/g1" | tail -n 20; fi
}
want gdb_linux_entry_1mib ENTRY 0x100000
want gdb_linux_esi_boot_params ESI 0x8000
want gdb_linux_entry_protected_no_paging CR0 0x11
want gdb_linux_boot_params_hdrs HDRS 0x53726448
want gdb_linux_boot_params_loader LOADER 0xff
want gdb_linux_boot_params_cmdline_ptr CMDPTR 0x9000
want gdb_linux_boot_params_e820 E820N 0x4
expect_line gdb_linux_cmdline "$T/g1" '0x9000:[[:space:]]+"console=ttyS0 nokaslr"'
want gdb_linux_startup_32 STARTUP32 0x1000000
s=$(val_after "$T/g1" STEPPED)
if [ -n "$s" ] && [ "$s" != 0x1000000 ] && [ $((s)) -gt $((0x1000000)) ] && [ $((s)) -lt $((0x1000100)) ]; then
    echo "PASS gdb_linux_stepi"
else
    echo "FAIL gdb_linux_stepi: pc after 3 stepi is '$s'"
fi
if grep -q '^vdebug: busybox shell' "$T/console" && grep -q '^reply-42' "$T/console"; then
    echo "PASS gdb_linux_continue_to_the_shell"
else
    echo "FAIL gdb_linux_continue_to_the_shell: console ends with: $(tail -n 3 "$T/console" | tr '\r\n' '||')"
fi
if [ "$VD_STATUS" = 0 ]; then echo "PASS gdb_linux_exit_status"
else echo "FAIL gdb_linux_exit_status: $VD_STATUS ($(tail -n 2 "$T/vd.err" | tr '\n' ' '))"; fi
