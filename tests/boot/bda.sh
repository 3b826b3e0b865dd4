#!/usr/bin/env bash
# The BIOS data area a kernel finds, against QEMU's (tests/boot/bda.asm
# prints 0x400-0x4FF):
#  - bda_direct_same_as_qemu: vdebug's direct -kernel boot (no firmware code
#    runs; src/machine/bios_data.c plays it) leaves what SeaBIOS and QEMU's
#    VGA BIOS leave on a pc machine with a VGA and COM1 (QEMU: -nodefaults
#    -vga std -serial null, so no floppy drive and no parallel port, as
#    vdebug's board). Not compared: the cursor positions 0x450-0x45F (the
#    VGA BIOS printed SeaBIOS's banner), the tick count and midnight flag
#    0x46C-0x470 (QEMU's RTC runs on the host's clock) and 0x4A8-0x4FF (the
#    VGA BIOS's save-pointer table in its ROM and its private state; vdebug
#    has no VGA ROM);
#  - bda_firmware_same_as_qemu: vdebug with SeaBIOS (-bios, the kernel
#    through multiboot_dma.bin) against QEMU with the same command line
#    (-nodefaults -display none: no VGA BIOS on either side, so SeaBIOS
#    leaves the video fields empty), all but the tick count.
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
ACCEL=(${VD_ACCEL:+-accel "$VD_ACCEL"})
command -v nasm >/dev/null || { echo "SKIP bda: nasm not installed"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
nasm -f bin -I tests/asm/lib/ -o "$T/bda.bin" tests/boot/bda.asm || { echo "FAIL bda_assemble: nasm"; exit 1; }
SEABIOS=/usr/share/seabios/bios-256k.bin
QEMU=$(command -v qemu-system-i386 || true)
GUEST=(-kernel "$T/bda.bin" -m 128 -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot)

# bytes FILE SKIP...: the dump as "offset value" lines, without the offsets
# in the ranges SKIP (FIRST-LAST, hex)
bytes() {
    local f=$1
    shift
    awk -v skip="$*" '
    function hex(s,  v, i) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
    BEGIN { n = split(skip, r, " "); for (i = 1; i <= n; i++) { split(r[i], b, "-"); lo[i] = hex(b[1]); hi[i] = hex(b[2]) } }
    /^0[45][0-9a-f][0-9a-f]:/ {
        a = hex(substr($1, 1, 4))
        for (j = 2; j <= NF; j++) {
            o = a + j - 2; keep = 1
            for (i = 1; i <= n; i++) if (o >= lo[i] && o <= hi[i]) keep = 0
            if (keep) printf "%04x %s\n", o, $j
        }
    }' "$f"
}

# compare NAME VDEBUG_OUT VDEBUG_STATUS QEMU_OUT QEMU_STATUS SKIP...
compare() {
    local name=$1 vo=$2 vst=$3 qo=$4 qst=$5
    shift 5
    if [ "$qst" = 124 ]; then echo "SKIP $name: QEMU did not finish within its 300 s guard"; return; fi
    if [ "$vst" != 1 ] || [ "$qst" != 1 ] || [ "$(bytes "$vo" | wc -l)" != 256 ]; then
        fail "$name" "exit status vdebug $vst, QEMU $qst; $(head -c 200 "$vo")"
    elif diff <(bytes "$qo" "$@") <(bytes "$vo" "$@") >"$T/diff"; then
        pass "$name"
    else
        fail "$name" "(offset, QEMU < > vdebug) $(grep '^[<>]' "$T/diff" | head -n 8 | tr '\n' ' ')"
    fi
}

if [ -z "$QEMU" ]; then
    echo "SKIP bda_direct_same_as_qemu: qemu-system-i386 not installed"
    echo "SKIP bda_firmware_same_as_qemu: qemu-system-i386 not installed"
    exit 0
fi
"$VDEBUG" "${ACCEL[@]}" -nodefaults -serial null -display none "${GUEST[@]}" </dev/null >"$T/vd" 2>&1
vst=$?
timeout 300 "$QEMU" -nodefaults -vga std -serial null -display none "${GUEST[@]}" </dev/null >"$T/q" 2>&1
compare bda_direct_same_as_qemu "$T/vd" "$vst" "$T/q" $? 450-45f 46c-470 4a8-4ff

if [ -r "$SEABIOS" ] && [ -r /usr/share/qemu/multiboot_dma.bin ]; then
    "$VDEBUG" "${ACCEL[@]}" -bios "$SEABIOS" -nodefaults -display none "${GUEST[@]}" </dev/null >"$T/vf" 2>&1
    vst=$?
    timeout 300 "$QEMU" -nodefaults -display none "${GUEST[@]}" </dev/null >"$T/qf" 2>&1
    compare bda_firmware_same_as_qemu "$T/vf" "$vst" "$T/qf" $? 46c-470
else
    echo "SKIP bda_firmware_same_as_qemu: needs Debian's seabios and qemu-system-data"
fi
exit $failed
