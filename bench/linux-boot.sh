#!/usr/bin/env bash
# Debian i386 Linux boot benchmark: the kernel and initramfs of
# tools/fetch-guest.sh boot to the test script and power off, under vdebug
# and under qemu-system-i386 -accel tcg in the same run. Prints seconds
# (best of BENCH_RUNS), the ratio vdebug/QEMU, and vdebug's guest instruction
# count (-d stats). Both must print the test's "vdebug-test: done" line.
#
# Environment: VDEBUG (default ./vdebug), QEMU (default qemu-system-i386),
# BENCH_RUNS (default 1).
set -u
cd "$(dirname "$0")/.." || exit 1
: "${VDEBUG:=$PWD/vdebug}"
QEMU=${QEMU:-qemu-system-i386}
RUNS=${BENCH_RUNS:-1}
G=$(tools/fetch-guest.sh | tail -n 1) || { echo "linux-boot: cannot fetch the guest" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
APPEND="console=ttyS0 vdebug.test=1"

now() { date +%s.%N; }
best() { # name, command...: best wall time of RUNS runs; fails unless the guest finished
    local name=$1 b="" t0 t1 d i
    shift
    for ((i = 0; i < RUNS; i++)); do
        t0=$(now)
        "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
        t1=$(now)
        if ! grep -q '^vdebug-test: done' "$tmp/$name.out"; then
            echo "linux-boot: $name did not finish the guest's test: $(tail -n 2 "$tmp/$name.out" "$tmp/$name.err" | tr '\n' ' ')" >&2
            return 1
        fi
        d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        if [ -z "$b" ] || awk -v d="$d" -v b="$b" 'BEGIN { exit !(d < b) }'; then b=$d; fi
    done
    printf '%.2f' "$b"
}

v=$(best vdebug "$VDEBUG" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "$APPEND" -m 256 \
    -nographic -no-reboot -d stats -D "$tmp/stats") || exit 1
q=$(best qemu "$QEMU" -accel tcg -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "$APPEND" -m 256 \
    -nographic -no-reboot) || exit 1
n=$(sed -n 's/.*stats: \([0-9]*\) guest instructions.*/\1/p' "$tmp/stats" | tail -n 1)
printf '%-12s %10s %10s %8s %16s\n' guest vdebug_s qemu_s ratio guest_instr
printf '%-12s %10s %10s %8.2f %16s\n' linux-boot "$v" "$q" "$(awk -v v="$v" -v q="$q" 'BEGIN { print v / q }')" "$n"
