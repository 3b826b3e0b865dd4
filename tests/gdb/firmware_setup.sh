#!/usr/bin/env bash
# GDB in Linux's 16-bit setup code, reached as under QEMU: SeaBIOS from the
# reset vector, QEMU's linuxboot_dma.bin (an option ROM fed through fw_cfg)
# copies the setup code to 0x10000 and jumps to 0x1020:0000 in real mode.
# A breakpoint at that linear address hits with CS=0x1020, IP=0, CR0.PE
# clear; the setup header is there ("HdrS" at 0x10202); `set architecture
# i8086` disassembles the setup's first jump and stepi takes it. ($pc is
# the linear address CS*16+IP, as in tests/gdb/realmode.sh.)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/gdb/gdblib.bash
. tests/boot/linux.inc
command -v gdb >/dev/null || { echo "SKIP gdb_fw_setup: gdb not installed"; exit 0; }
SEABIOS=/usr/share/seabios/bios-256k.bin
[ -r "$SEABIOS" ] && [ -r /usr/share/qemu/linuxboot_dma.bin ] ||
    { echo "SKIP gdb_fw_setup: Debian's seabios or qemu-system-data is not installed"; exit 0; }
linux_guest || exit 1
T=$(mktemp -d)
trap 'vd_stop; rm -rf "$T"' EXIT
: >"$T/syms.gdb"

"$VDEBUG" "${ACCEL[@]}" -bios "$SEABIOS" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0" \
    -m 256 -nographic -serial none -no-reboot -gdb tcp::0 -S </dev/null >"$T/vd.out" 2>"$T/vd.err" &
VD_PID=$!
while :; do
    PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err")
    [ -n "$PORT" ] && break
    kill -0 "$VD_PID" 2>/dev/null || { echo "FAIL gdb_fw_setup_start: $(head -c 300 "$T/vd.err")"; exit 1; }
    sleep 0.02
done

gdb_run "$T/g" \
    'echo RESET\n' 'p/x $pc' 'echo RESETCS\n' 'p/x $cs' \
    'break *0x10200' 'continue' \
    'echo PC\n' 'p/x $pc' 'echo CS\n' 'p/x $cs' 'echo PE\n' 'p/x $cr0 & 1' \
    'echo HDRS\n' 'p/x *(unsigned int *)0x10202' \
    'echo LOADER\n' 'p/x *(unsigned char *)0x10210' \
    'echo CMDLINE\n' 'p/x *(unsigned int *)0x10228' \
    'set architecture i8086' 'x/1i $pc' \
    'stepi' 'echo STEP\n' 'p/x $pc' 'echo STEPCS\n' 'p/x $cs' \
    'kill'
vd_stop

v() { val_after "$T/g" "$1"; }
# after reset CS is F000 with base FFFF0000: the first fetch is at 0xFFFFFFF0
[ "$(v RESET)" = 0xfffffff0 ] && [ "$(v RESETCS)" = 0xf000 ]; check "gdb_fw_setup: held at the reset vector" test $? = 0
[ "$(v PC)" = 0x10200 ]; check "gdb_fw_setup: breakpoint at the setup entry 0x10200" test $? = 0
[ "$(v CS)" = 0x1020 ]; check "gdb_fw_setup: entered at 1020:0000 by linuxboot_dma.bin" test $? = 0
[ "$(v PE)" = 0x0 ]; check "gdb_fw_setup: real mode (CR0.PE clear)" test $? = 0
[ "$(v HDRS)" = 0x53726448 ]; check "gdb_fw_setup: setup header HdrS at 0x10202" test $? = 0
[ "$(v LOADER)" = 0xb0 ] && [ "$(v CMDLINE)" = 0x20000 ]; check "gdb_fw_setup: QEMU's loader ID and command line at 0x20000" test $? = 0
expect_line "gdb_fw_setup: 16-bit disassembly of the setup's first jump" "$T/g" '^=> 0x10200:[[:space:]]+jmp '
s=$(v STEP)
[ -n "$s" ] && [ "$s" != 0x10200 ] && [ "$(v STEPCS)" = 0x1020 ] && [ $((s)) -gt $((0x10200)) ] && [ $((s)) -lt $((0x18000)) ]
check "gdb_fw_setup: stepi takes the jump inside the setup code ($s)" test $? = 0
