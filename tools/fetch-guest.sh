#!/bin/sh
# Fetch Debian's i386 Linux guest and build its initramfs, cached under
# .guest-cache/linux (ignored by git):
#   vmlinuz      the kernel of linux-image-686:i386 (Debian's stock 6.1 kernel)
#   initrd.gz    busybox-static:i386 and an /init (tools/guest-init.sh) that
#                runs /test.sh when the command line says vdebug.test=1 and
#                otherwise gives a shell on the console; `poweroff` ends the VM
#   config       the kernel's configuration (for reference)
# Everything comes from Debian's archive with apt-get download; the i386
# architecture is added to dpkg if missing (needs root, as in CI).
# Usage: tools/fetch-guest.sh [DIR]      prints DIR when done
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/.guest-cache/linux}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ ! -s "$dir/vmlinuz" ] || [ ! -x "$dir/busybox" ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    # apt-get update may fail one index of a mirror in mid-sync; what counts
    # is whether the packages resolve below
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        $sudo dpkg --add-architecture i386
        $sudo apt-get update -qq || true
    fi
    # the metapackage names the current versioned kernel package
    kpkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
           sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-686\)\(:i386\)\{0,1\}$/\1/p' | head -n 1)
    if [ -z "$kpkg" ]; then
        $sudo apt-get update -qq || true
        kpkg=$(apt-cache depends linux-image-686:i386 |
               sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-686\)\(:i386\)\{0,1\}$/\1/p' | head -n 1)
    fi
    [ -n "$kpkg" ] || { echo "fetch-guest: cannot resolve linux-image-686:i386 in apt's lists" >&2; exit 1; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # apt's _apt user must be able to write the download directory
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -q "$kpkg:i386" busybox-static:i386 >/dev/null)
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
    cp "$tmp"/root/boot/vmlinuz-* "$dir/vmlinuz"
    cp "$tmp"/root/boot/config-* "$dir/config"
    cp "$tmp/root/bin/busybox" "$dir/busybox"
    basename "$(ls "$tmp"/root/boot/vmlinuz-*)" | sed 's/^vmlinuz-//' > "$dir/kernel-version"
fi

# The initramfs is cheap to rebuild: always in step with tools/guest-*.sh.
# (written aside and renamed: a test reading the old one never sees half a file)
python3 "$top/tools/mkinitramfs.py" "$dir/initrd.gz.$$" \
    dir:bin:755 dir:sbin:755 dir:usr:755 dir:usr/bin:755 dir:usr/sbin:755 \
    dir:dev:755 dir:proc:755 dir:sys:755 dir:tmp:1777 dir:root:700 dir:etc:755 \
    nod:dev/console:600:c:5:1 nod:dev/null:666:c:1:3 nod:dev/ttyS0:660:c:4:64 \
    "file:bin/busybox:755:$dir/busybox" slink:bin/sh:busybox \
    "file:init:755:$top/tools/guest-init.sh" "file:test.sh:755:$top/tools/guest-test.sh"
mv -f "$dir/initrd.gz.$$" "$dir/initrd.gz"
echo "$dir"
