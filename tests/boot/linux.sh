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

failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

if [ "$st" = 0 ]; then pass linux_poweroff_status; else fail linux_poweroff_status "exit status $st: $(tail -n 3 "$T/err")"; fi
kver=$(cat "$G/kernel-version")
expect_lines() { # name, then the exact lines
    local name=$1 l; shift
    for l in "$@"; do
        if ! grep -qxF -- "$l" "$T/log"; then
            fail "$name" "missing line '$l' (got: $(grep -F -- "${l%%:*}:" "$T/log" | head -n 2 | tr '\n' '|'))"
            return
        fi
    done
    pass "$name"
}
expect_lines linux_uname "T: uname: Linux $kver i686" "T: hostname: vdebug"
expect_lines linux_cpuinfo "T: cpu vendor: GenuineIntel" "T: cpu family: 6" "T: cpu fpu: yes" \
    "T: flag fpu: yes" "T: flag tsc: yes" "T: flag cx8: yes" "T: flag apic: yes" "T: flag cmov: yes" \
    "T: flag mmx: yes" "T: flag fxsr: yes" "T: flag sse: yes" "T: flag sse2: yes"
expect_lines linux_busybox "T: shell arithmetic: 168" "T: seq sort: 20 19 18 " "T: sed: vdebug boots linux" \
    "T: md5sum: f159ea765aea22aa042caed50d53b245" "T: wc: 5" "T: mounts: 2"
# awk's floating point runs on the x87 (busybox-static has no libm); the
# expected values are IEEE double results, as on any x87 or SSE2 machine.
expect_lines linux_awk_fpu "T: awk divide: 3.142857142857 3.333333e-301" \
    "T: awk newton sqrt2: 1.414213562373095" "T: awk factorial: 2432902008176640000" \
    "T: awk harmonic: 7.485470860550" "T: awk int: -7 142857142 differ"
expect_lines linux_test_done "vdebug-test: done"
if grep -qE '^\[ *[0-9.]+\] reboot: Power down' "$T/log"; then pass linux_log_power_down
else fail linux_log_power_down "no 'reboot: Power down' in the kernel log"; fi

bad=$(linux_log_problems "$T/log")
if [ -z "$bad" ]; then pass linux_log_clean
else fail linux_log_clean "$(printf '%s\n' "$bad" | head -n 8 | tr '\n' '|')"; fi
exit $failed
