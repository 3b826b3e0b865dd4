#!/usr/bin/env bash
# The firmware path with the IDE disk: Debian's SeaBIOS (the default firmware
# when neither -kernel nor -bios is given) boots a raw disk image's boot
# sector (tests/disk/mbr.asm: loads 8 more sectors through int 13h) and an
# El Torito ISO made by genisoimage (tests/disk/eltorito.asm), with the same
# output and exit status as QEMU. With -device sga (Debian's sgabios: int 10h
# text goes to COM1) the boot code also writes a line on COM1 by programming
# the 16550 itself and a line through int 10h AH=0Eh; the serial file (the
# SeaBIOS banner and boot message through sgabios, sgabios's own banner and
# terminal probe, the boot code's lines) must be byte-identical to QEMU's.
# Nothing is stripped: what QEMU would add comes from devices this machine
# does not have, left out by options given to QEMU only (QOPT):
#  -nodefaults: no e1000 (its iPXE option ROM prints a banner through int
#    10h), no std VGA (its VGA BIOS would take int 10h under sgabios, which
#    then sends a cursor-positioning escape before each character; vdebug has
#    the VGA text memory but no VGA BIOS, so int 10h text reaches COM1 only,
#    not the text screen), no floppy drive (SeaBIOS would try "Booting from
#    Floppy..." before the CD) and no parallel port;
#  -global apic-common.vapic=off: no kvmvapic.bin option ROM (SeaBIOS treats
#    it as a legacy BCV at the hard-disk priority, so with -cdrom alone it
#    would try "Booting from Hard Disk..." first).
# SKIPs while this build has no default firmware (vdebug says "nothing to
# run").
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
ACCEL=(${VD_ACCEL:+-accel "$VD_ACCEL"})
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkiso=$(command -v genisoimage || command -v xorrisofs || true)
[ -n "$mkiso" ] || { echo "SKIP bootsector: needs genisoimage or xorriso"; exit 0; }
[ -f /usr/share/seabios/bios-256k.bin ] || { echo "SKIP bootsector: needs Debian's seabios"; exit 0; }
nasm -f bin -o "$T/mbr.img" tests/disk/mbr.asm && truncate -s 1M "$T/mbr.img" &&
    nasm -f bin -o "$T/eltorito.bin" tests/disk/eltorito.asm || { echo "FAIL bootsector_build: nasm"; exit 1; }
mkdir "$T/iso" && cp "$T/eltorito.bin" "$T/iso/"
"$mkiso" -quiet -no-emul-boot -boot-load-size 4 -b eltorito.bin -o "$T/boot.iso" "$T/iso" ||
    { echo "FAIL bootsector_build: $mkiso"; exit 1; }
QOPT=(-nodefaults -global apic-common.vapic=off)
DEV=(-display none -device sga -serial "file:$T/serial" -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=1)
failed=0
for t in "disk:-drive file=$T/mbr.img,format=raw,if=ide,index=0" "cd:-cdrom $T/boot.iso"; do
    name=${t%%:*}; read -ra drive <<<"${t#*:}"
    rm -f "$T/serial"
    "$VDEBUG" "${ACCEL[@]}" "${drive[@]}" "${DEV[@]}" -icount-limit 2000000000 </dev/null >"$T/out" 2>"$T/err"
    st=$?
    mv "$T/serial" "$T/ser" 2>/dev/null || : >"$T/ser"
    if grep -q "nothing to run" "$T/err"; then
        echo "SKIP bootsector_$name: this build has no default firmware yet"
        continue
    fi
    if command -v qemu-system-i386 >/dev/null; then
        qemu-system-i386 "${QOPT[@]}" "${drive[@]}" "${DEV[@]}" </dev/null >"$T/qout" 2>/dev/null
        qst=$?
        mv "$T/serial" "$T/qser" 2>/dev/null || : >"$T/qser"
    else
        cp "$T/ser" "$T/qser"       # without QEMU only the lines checked below

        qst=1; case $name in disk) printf 'boot sector running\nstage 2 loaded by int 13h\nall 8 sectors read\n' ;;
                          cd) printf 'booted from the CD (El Torito, no emulation)\n' ;; esac >"$T/qout"
    fi
    if [ "$st" = 1 ] && [ "$st" = "$qst" ] && cmp -s "$T/out" "$T/qout" && [ -s "$T/out" ]; then
        echo "PASS bootsector_$name ($(tail -n 1 "$T/out"))"
    else
        echo "FAIL bootsector_$name: status $st (QEMU $qst), output '$(tr '\n' '|' <"$T/out")' vs QEMU '$(tr '\n' '|' <"$T/qout")' $(tail -n 2 "$T/err")"
        failed=1
    fi
    # the serial port: the boot code's own lines are there, and all of it is QEMU's
    case $name in
    disk) want=("stage 2 on COM1 (16550 at 0x3f8)" "stage 2 through int 10h" "Booting from Hard Disk...") ;;
    cd) want=("CD boot image through int 10h" "Booting from DVD/CD...") ;;
    esac
    missing=
    for w in "${want[@]}" "SeaBIOS (version" "SGABIOS"; do
        grep -qF "$w" "$T/ser" || missing="$missing '$w'"
    done
    if [ -z "$missing" ] && cmp -s "$T/ser" "$T/qser"; then
        echo "PASS bootsector_${name}_serial ($(wc -c <"$T/ser") bytes, as QEMU's)"
    else
        echo "FAIL bootsector_${name}_serial: missing:${missing:- none}; vdebug vs QEMU:"
        diff <(cat -v "$T/ser") <(cat -v "$T/qser") | head -n 20
        failed=1
    fi
done
exit $failed
