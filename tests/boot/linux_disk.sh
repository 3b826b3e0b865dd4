#!/usr/bin/env bash
# Debian's i386 kernel on vdebug's IDE: ata_piix and ext4 (as ext2) loaded
# from the same Debian kernel package (tools/fetch-disk-modules.sh), the root
# of an ext2 image from Debian's mkfs.ext2 on -hda mounted read-write, a file
# written and synced, an ISO from genisoimage read through the ATAPI CD-ROM
# (sr) on -cdrom, poweroff; afterwards debugfs finds the file in the image
# and e2fsck finds it clean. Under -snapshot the guest sees the same but the
# image is untouched.
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
# shellcheck source=tests/boot/linux.inc
. tests/boot/linux.inc
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
for tool in mkfs.ext2 debugfs e2fsck; do
    command -v "$tool" >/dev/null || PATH=$PATH:/sbin:/usr/sbin
    command -v "$tool" >/dev/null || { echo "SKIP linux_disk: needs $tool (apt-get install e2fsprogs)"; exit 0; }
done
mkiso=$(command -v genisoimage || command -v xorrisofs || true)
[ -n "$mkiso" ] || { echo "SKIP linux_disk: needs genisoimage or xorriso"; exit 0; }
linux_guest || exit 1
if ! M=$(tools/fetch-disk-modules.sh "$G" 2>"${TMPDIR:-/tmp}/vdebug-mods.err"); then
    echo "FAIL linux_disk_modules: $(tail -n 2 "${TMPDIR:-/tmp}/vdebug-mods.err" | tr '\n' ' ')"
    exit 1
fi

T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cat >"$T/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do insmod /modules/$m.ko || echo "T: insmod $m failed"; done
i=0
while [ ! -b /dev/sda ] || [ ! -b /dev/sr0 ]; do
    i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
echo "T: disks: $(ls /dev | grep -E '^(sd|sr)' | tr '\n' ' ')"
echo "T: sda size: $(cat /sys/block/sda/size)"
mkdir -p /mnt /cd
if mount -t ext2 /dev/sda /mnt; then
    echo "T: mounted: $(grep ' /mnt ' /proc/mounts | cut -d' ' -f1-3)"
    echo "T: image says: $(cat /mnt/from-host.txt)"
    echo "written by Linux on vdebug's IDE disk" >/mnt/hello.txt
    dd if=/dev/zero bs=1024 count=2048 2>/dev/null | tr '\0' 'v' >/mnt/big.bin
    echo "T: big md5: $(md5sum /mnt/big.bin | cut -d' ' -f1)"
    sync
    umount /mnt && echo "T: unmounted"
fi
if mount -t iso9660 -o ro /dev/sr0 /cd; then
    echo "T: cd: $(cat /cd/hello.txt)"
    echo "T: cd big md5: $(md5sum /cd/big.bin | cut -d' ' -f1)"
    umount /cd
fi
echo "T: done"
poweroff -f
INIT
specs=(dir:bin:755 dir:sbin:755 dir:usr:755 dir:usr/bin:755 dir:usr/sbin:755 dir:dev:755 dir:proc:755
       dir:sys:755 dir:tmp:1777 dir:etc:755 dir:modules:755 nod:dev/console:600:c:5:1
       "file:bin/busybox:755:$G/busybox" slink:bin/sh:busybox "file:init:755:$T/init"
       "file:modules/order:644:$M/order")
for m in $(cat "$M/order"); do specs+=("file:modules/$m.ko:644:$M/$m.ko"); done
python3 tools/mkinitramfs.py "$T/initrd.gz" "${specs[@]}" || { echo "FAIL linux_disk_initrd: mkinitramfs failed"; exit 1; }

mkdir "$T/iso"
echo "hello from the ISO" >"$T/iso/hello.txt"
head -c 3000000 /dev/zero | tr '\0' 'i' >"$T/iso/big.bin"
"$mkiso" -quiet -r -V VDTEST -o "$T/cd.iso" "$T/iso"
cdmd5=$(md5sum <"$T/iso/big.bin" | cut -d' ' -f1)
bigmd5=$(head -c 2097152 /dev/zero | tr '\0' 'v' | md5sum | cut -d' ' -f1)

mkdisk() {
    rm -f "$T/disk.img"
    truncate -s 32M "$T/disk.img"
    echo "put there by the host" >"$T/from-host.txt"
    mkfs.ext2 -q -F -d /dev/null "$T/disk.img" 2>/dev/null || mkfs.ext2 -q -F "$T/disk.img" >/dev/null
    debugfs -w -R "write $T/from-host.txt from-host.txt" "$T/disk.img" >/dev/null 2>&1
}

boot() { # name, extra vdebug options
    local name=$1; shift
    "$VDEBUG" "${ACCEL[@]}" -kernel "$G/vmlinuz" -initrd "$T/initrd.gz" -append "console=ttyS0" \
        -m 256 -nographic -no-reboot -icount-limit 40000000000 -hda "$T/disk.img" -cdrom "$T/cd.iso" "$@" \
        </dev/null >"$T/out" 2>"$T/err"
    local st=$?
    tr -d '\r' <"$T/out" >"$T/log.$name"
    local want=("T: disks: sda sr0 " "T: sda size: 65536" "T: mounted: /dev/sda /mnt ext2"
                "T: image says: put there by the host" "T: big md5: $bigmd5" "T: unmounted"
                "T: cd: hello from the ISO" "T: cd big md5: $cdmd5" "T: done")
    local l miss=""
    for l in "${want[@]}"; do grep -qxF -- "$l" "$T/log.$name" || miss="$miss'$l' "; done
    if [ "$st" = 0 ] && [ -z "$miss" ]; then pass "$name"
    else fail "$name" "status $st, missing $miss; got: $(grep '^T: ' "$T/log.$name" | tr '\n' '|') $(tail -n 2 "$T/err")"; fi
    local bad
    bad=$(linux_log_problems "$T/log.$name" | grep -E 'ata|scsi|sd |sr |EXT4|ext2|I/O error|blk_update' )
    if [ -z "$bad" ]; then pass "${name}_log_clean"
    else fail "${name}_log_clean" "$(printf '%s\n' "$bad" | head -n 6 | tr '\n' '|')"; fi
}

mkdisk
boot linux_disk
got=$(debugfs -R "cat /hello.txt" "$T/disk.img" 2>/dev/null)
if [ "$got" = "written by Linux on vdebug's IDE disk" ]; then pass linux_disk_file_in_image
else fail linux_disk_file_in_image "debugfs reads '$got'"; fi
got=$(debugfs -R "dump /big.bin $T/big.out" "$T/disk.img" >/dev/null 2>&1; md5sum <"$T/big.out" 2>/dev/null | cut -d' ' -f1)
if [ "$got" = "$bigmd5" ]; then pass linux_disk_big_file_in_image; else fail linux_disk_big_file_in_image "md5 $got"; fi
if e2fsck -fn "$T/disk.img" >"$T/fsck" 2>&1; then pass linux_disk_fsck_clean
else fail linux_disk_fsck_clean "$(tail -n 3 "$T/fsck" | tr '\n' '|')"; fi

mkdisk
before=$(md5sum <"$T/disk.img")
boot linux_disk_snapshot -snapshot
if [ "$(md5sum <"$T/disk.img")" = "$before" ]; then pass linux_disk_snapshot_untouched
else fail linux_disk_snapshot_untouched "the image changed under -snapshot"; fi
exit $failed
