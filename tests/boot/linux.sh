#!/usr/bin/env bash
# Boots Debian's stock i386 kernel (tools/fetch-guest.sh) with the test
# initramfs: /init runs tools/guest-test.sh (uname, /proc/cpuinfo, busybox
# applets, awk arithmetic on the x87) and powers off. Checks every expected
# line, exit status 0 from the guest's poweroff, and that the kernel's log has
# no warning that real hardware would not cause.
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
# shellcheck source=tests/boot/linux.inc
. tests/boot/linux.inc
linux_guest || exit 1

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# -icount-limit only guards against a hung guest (the boot needs ~2 billion)
"$VDEBUG" "${ACCEL[@]}" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0 vdebug.test=1" \
    -m 256 -nographic -no-reboot -icount-limit 40000000000 </dev/null >"$T/out" 2>"$T/err"
st=$?
tr -d '\r' <"$T/out" >"$T/log"

linux_check_log "$T/log" "$st" "$T/err" linux
exit $failed
