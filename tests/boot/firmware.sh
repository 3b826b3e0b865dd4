#!/usr/bin/env bash
# The firmware path, as under QEMU: Debian's SeaBIOS from the reset vector,
# with fw_cfg, shadow RAM (PAM) and option ROMs.
#  - an option ROM of ours (tests/boot/optionrom.asm, given as fw_cfg file
#    genroms/test.bin) runs from shadow RAM, prints through int 10h with
#    Debian's sgabios (-device sga) and exits: same SeaBIOS log lines, serial
#    output and status as qemu-system-i386 with the same command line, and the
#    same output and instruction count under both engines;
#  - the default firmware (neither -kernel nor -bios) boots to "No bootable
#    device" and its reboot;
#  - a multiboot kernel of ours (tests/boot/mbinfo.asm) with two modules
#    boots through SeaBIOS and QEMU's multiboot_dma.bin and prints the
#    multiboot information it got: the same as under QEMU but the boot
#    loader's name;
#  - Debian's kernel with the test initramfs boots through SeaBIOS, fw_cfg
#    and QEMU's linuxboot_dma.bin: the same checked lines as the direct boot,
#    and QEMU's memory map (SeaBIOS keeps the top 128 KiB for the ACPI tables).
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
. tests/boot/linux.inc
SEABIOS=/usr/share/seabios/bios-256k.bin
for f in "$SEABIOS" /usr/share/qemu/sgabios.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/multiboot_dma.bin; do
    [ -r "$f" ] || { echo "SKIP firmware: $f missing (Debian packages seabios, qemu-system-data)"; exit 0; }
done
command -v nasm >/dev/null || { echo "SKIP firmware: nasm not installed"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

nasm -f bin -o "$T/rom.bin" tests/boot/optionrom.asm || { echo "FAIL firmware_rom_assemble"; exit 1; }
python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[-1] = -sum(b[:-1]) & 0xff
open(sys.argv[1], 'wb').write(b)" "$T/rom.bin"

# rom_run ENGINE_BINARY NAME [ARGS...]: the option-ROM machine; $T/NAME.{log,out,status}
rom_run() {
    local bin=$1 name=$2
    shift 2
    "$bin" "$@" -nographic -nodefaults -machine pc -m 128 -icount shift=0,sleep=off \
        -chardev "file,id=fwlog,path=$T/$name.log" -device isa-debugcon,iobase=0x402,chardev=fwlog \
        -serial stdio -device sga -device isa-debug-exit -fw_cfg "name=genroms/test.bin,file=$T/rom.bin" \
        -no-reboot </dev/null 2>"$T/$name.err" | tr -d '\r' >"$T/$name.out"
    echo "${PIPESTATUS[0]}" >"$T/$name.status"
}
has_line() { grep -qxF -- "$2" "$1"; }
all_lines() { # FILE LINES...
    local f=$1 l
    shift
    for l in "$@"; do has_line "$f" "$l" || { echo "missing '$l'"; return 1; }; done
}

rom_run "$VDEBUG" vd "${ACCEL[@]}" -d stats -D "$T/vd.stats"
why=$(all_lines "$T/vd.log" "Running on QEMU (i440fx)" "Found QEMU fw_cfg" "QEMU fw_cfg DMA interface supported" \
      "qemu/e820: addr 0x0000000000000000 len 0x0000000008000000 [RAM]" \
      "Relocating init from 0x000d48c0 to 0x06feb320 (size 85056)" "Searching bootorder for: /rom@genroms/test.bin" \
      "optionrom: cs=c100" "optionrom: shadow RAM writable")
if [ "$(cat "$T/vd.status")" = 33 ] && [ -z "$why" ] && head -n 1 "$T/vd.log" | grep -q '^SeaBIOS (version'; then
    pass firmware_seabios_fw_cfg_optionrom
else
    fail firmware_seabios_fw_cfg_optionrom "status $(cat "$T/vd.status"), $why: $(head -c 300 "$T/vd.err") $(tail -n 3 "$T/vd.log" | tr '\n' '|')"
fi
if grep -q '^SGABIOS ' "$T/vd.out" && has_line "$T/vd.out" "int10: hello from an option ROM"; then
    pass firmware_sgabios_int10_serial
else
    fail firmware_sgabios_int10_serial "serial output: $(head -c 300 "$T/vd.out" | tr '\n' '|')"
fi

# the reference engine: the same output and instruction count
rom_run "$VDEBUG" vi -accel interp -d stats -D "$T/vi.stats"
s1=$(grep -o '^stats: [0-9]* guest instructions' "$T/vd.stats"); s2=$(grep -o '^stats: [0-9]* guest instructions' "$T/vi.stats")
if [ -n "$s1" ] && [ "$s1" = "$s2" ] && cmp -s "$T/vd.log" "$T/vi.log" && cmp -s "$T/vd.out" "$T/vi.out"; then
    pass firmware_engines_agree
else
    fail firmware_engines_agree "default '$s1', interp '$s2'; $(diff "$T/vd.log" "$T/vi.log" | head -n 4 | tr '\n' '|')"
fi

# QEMU, the same command line: the lines both boards print alike
if command -v qemu-system-i386 >/dev/null; then
    rom_run qemu-system-i386 q
    same=1
    for f in "head -n 12" "grep ^optionrom:" "grep ^Relocating"; do
        [ "$($f "$T/vd.log")" = "$($f "$T/q.log")" ] || { same=0; echo "    | $f differs"; }
    done
    [ "$(grep -E '^(int10|SGABIOS)' "$T/vd.out")" = "$(grep -E '^(int10|SGABIOS)' "$T/q.out")" ] || same=0
    if [ "$same" = 1 ] && [ "$(cat "$T/q.status")" = "$(cat "$T/vd.status")" ]; then pass firmware_same_as_qemu
    else fail firmware_same_as_qemu "status q=$(cat "$T/q.status") vd=$(cat "$T/vd.status"); $(diff <(head -n 12 "$T/q.log") <(head -n 12 "$T/vd.log") | head -n 6 | tr '\n' '|')"; fi
else
    echo "SKIP firmware_same_as_qemu: qemu-system-i386 not installed"
fi

# the default firmware: nothing to boot, SeaBIOS retries after 60 s (virtual) by rebooting
"$VDEBUG" "${ACCEL[@]}" -nographic -serial none -chardev "file,id=l,path=$T/def.log" \
    -device isa-debugcon,iobase=0x402,chardev=l -no-reboot </dev/null >"$T/def.out" 2>"$T/def.err"
st=$?
if [ "$st" = 0 ] && grep -q '^No bootable device' "$T/def.log" && grep -q 'reset request (-no-reboot)' "$T/def.err" \
    && head -n 1 "$T/def.log" | grep -q '^SeaBIOS (version'; then
    pass firmware_default_seabios
else
    fail firmware_default_seabios "status $st: $(head -c 300 "$T/def.err") $(tail -n 2 "$T/def.log" | tr '\n' '|')"
fi

# a multiboot kernel through the firmware
nasm -f bin -I tests/asm/lib/ -o "$T/mbinfo.bin" tests/boot/mbinfo.asm || { echo "FAIL firmware_mbinfo_assemble"; exit 1; }
printf 'module-one-data' >"$T/m1"
printf 'M2' >"$T/m2"
mb_run() { # BINARY NAME [ARGS...]
    local bin=$1 name=$2
    shift 2
    (cd "$T" && "$bin" "$@" -kernel mbinfo.bin -initrd "m1 arg1 arg2,m2" -append "hello world" -m 32 -nographic \
        -nodefaults -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -icount shift=0,sleep=off \
        </dev/null >"$T/$name.mb" 2>"$T/$name.mberr")
    echo $? >"$T/$name.mbst"
}
mb_run "$VDEBUG" vd "${ACCEL[@]}" -bios "$SEABIOS"
why=$(all_lines "$T/vd.mb" "eax=2badb002" "flags=0000024f" "cmdline=mbinfo.bin hello world" \
      "module start=00102000 size=0000000f first=75646f6d string=m1 arg1 arg2" \
      "module start=00103000 size=00000002 first=0000324d string=m2" \
      "mmap base=00100000 len=01ee0000 type=00000001")
if [ "$(cat "$T/vd.mbst")" = 1 ] && [ -z "$why" ]; then pass firmware_multiboot_through_seabios
else fail firmware_multiboot_through_seabios "status $(cat "$T/vd.mbst"): $why $(head -c 300 "$T/vd.mberr")"; fi
if command -v qemu-system-i386 >/dev/null; then
    mb_run qemu-system-i386 q
    if [ "$(cat "$T/q.mbst")" = 1 ] && diff <(grep -v '^loader=' "$T/q.mb") <(grep -v '^loader=' "$T/vd.mb") >"$T/mb.diff"; then
        pass firmware_multiboot_info_same_as_qemu
    else
        fail firmware_multiboot_info_same_as_qemu "status $(cat "$T/q.mbst"): $(head -n 6 "$T/mb.diff" | tr '\n' '|')"
    fi
else
    echo "SKIP firmware_multiboot_info_same_as_qemu: qemu-system-i386 not installed"
fi

# Linux through the firmware
linux_guest || exit 1
"$VDEBUG" "${ACCEL[@]}" -bios "$SEABIOS" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" \
    -append "console=ttyS0 vdebug.test=1" -m 256 -nographic -no-reboot -icount-limit 40000000000 \
    -chardev "file,id=l,path=$T/lx.fwlog" -device isa-debugcon,iobase=0x402,chardev=l \
    </dev/null >"$T/lx.out" 2>"$T/lx.err"
st=$?
tr -d '\r' <"$T/lx.out" >"$T/lx.log"
linux_check_log "$T/lx.log" "$st" "$T/lx.err" fw_linux
why=$(all_lines "$T/lx.fwlog" "Searching bootorder for: /rom@genroms/linuxboot_dma.bin" "Booting from ROM...")
if [ -z "$why" ]; then pass fw_linux_through_linuxboot_rom; else fail fw_linux_through_linuxboot_rom "$why"; fi
# the kernel's setup code ran (it found the e820 map through int 15h): QEMU's map, the top 128 KiB reserved
if grep -qE '^\[ *[0-9.]+\] BIOS-e820: \[mem 0x0000000000100000-0x000000000ffdffff\] usable' "$T/lx.log"; then
    pass fw_linux_e820_from_seabios
else
    fail fw_linux_e820_from_seabios "$(grep BIOS-e820 "$T/lx.log" | tr '\n' '|')"
fi
exit $failed
