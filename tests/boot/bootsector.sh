#!/usr/bin/env bash
# The firmware path with the IDE disk: Debian's SeaBIOS (the default firmware
# when neither -kernel nor -bios is given) boots a raw disk image's boot
# sector (tests/disk/mbr.asm: loads 8 more sectors through int 13h) and an
# El Torito ISO made by genisoimage (tests/disk/eltorito.asm), with the same
# output and exit status as QEMU. SKIPs while this build has no default
# firmware (vdebug says "nothing to run").
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
DEV=(-display none -serial none -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=1)
failed=0
for t in "disk:-drive file=$T/mbr.img,format=raw,if=ide,index=0" "cd:-cdrom $T/boot.iso"; do
    name=${t%%:*}; read -ra drive <<<"${t#*:}"
    "$VDEBUG" "${ACCEL[@]}" "${drive[@]}" "${DEV[@]}" -icount-limit 2000000000 </dev/null >"$T/out" 2>"$T/err"
    st=$?
    if grep -q "nothing to run" "$T/err"; then
        echo "SKIP bootsector_$name: this build has no default firmware yet"
        continue
    fi
    if command -v qemu-system-i386 >/dev/null; then
        qemu-system-i386 "${drive[@]}" "${DEV[@]}" </dev/null >"$T/qout" 2>/dev/null
        qst=$?
    else
        qst=1; case $name in disk) printf 'boot sector running\nstage 2 loaded by int 13h\nall 8 sectors read\n' ;;
                          cd) printf 'booted from the CD (El Torito, no emulation)\n' ;; esac >"$T/qout"
    fi
    if [ "$st" = 1 ] && [ "$st" = "$qst" ] && cmp -s "$T/out" "$T/qout" && [ -s "$T/out" ]; then
        echo "PASS bootsector_$name ($(tail -n 1 "$T/out"))"
    else
        echo "FAIL bootsector_$name: status $st (QEMU $qst), output '$(tr '\n' '|' <"$T/out")' vs QEMU '$(tr '\n' '|' <"$T/qout")' $(tail -n 2 "$T/err")"
        failed=1
    fi
done
exit $failed
