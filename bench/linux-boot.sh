#!/usr/bin/env bash
# Debian i386 Linux boot benchmark: the kernel and initramfs of
# tools/fetch-guest.sh boot to the busybox shell on the serial console (the
# README's `tools/run-linux.sh`, without the GDB stub), under each vdebug
# engine and under qemu-system-i386 -accel tcg in the same run. The console
# is the emulator's stdin/stdout, read line by line as it comes:
#
#   shell_s   process start to the init's line "vdebug: busybox shell on the
#             console", printed just before the shell starts: the boot time
#             to the shell, best of BENCH_RUNS
#   ratio     shell_s / QEMU's shell_s
#   total_s   start to exit, after typing a command (whose reply is checked)
#             and `poweroff` at the shell
#   guest_instr, translated   vdebug's -d stats at exit: guest instructions
#             (include the short idle wait for the typed lines) and the share
#             the translator ran
#
# Environment: VDEBUG (default ./vdebug), QEMU (default qemu-system-i386),
# BENCH_ENGINES / BENCH_ACCEL (vdebug engines, default "dbt interp", each as
# -accel ENGINE; bench/lib/engines.bash), BENCH_RUNS (default 1),
# BENCH_TIMEOUT (seconds before one boot is stopped and reported as a
# timeout; default 600, 0 = none), BENCH_NO_QEMU (set: vdebug only).
set -u
cd "$(dirname "$0")/.." || exit 1
: "${VDEBUG:=$PWD/vdebug}"
# shellcheck source=bench/lib/engines.bash
. bench/lib/engines.bash
QEMU=${QEMU:-qemu-system-i386}
RUNS=${BENCH_RUNS:-1}
TIMEOUT=${BENCH_TIMEOUT:-600}
G=$(tools/fetch-guest.sh | tail -n 1) || { echo "linux-boot: cannot fetch the guest" >&2; exit 1; }
tmp=$(mktemp -d)
vm_pid=""
trap '[ -z "$vm_pid" ] || kill "$vm_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
APPEND="console=ttyS0"
SHELL_RE='^vdebug: busybox shell on the console'

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# boot_once NAME cmd...: one boot to the shell, a command, poweroff.
# Sets r_shell, r_total (seconds) and r_status ("ok" or what went wrong);
# the console is in $tmp/NAME.out.
boot_once() {
    local name=$1 t0 line st to_fd from_fd state=boot
    shift
    local run=("$@")
    [ "$TIMEOUT" = 0 ] || run=(timeout -k 5 "$TIMEOUT" "$@")
    r_shell="" r_total="" r_status=ok
    : >"$tmp/$name.out"
    t0=$(now)
    coproc VM { exec "${run[@]}" 2>"$tmp/$name.err"; }
    vm_pid=$VM_PID
    exec {to_fd}>&"${VM[1]}" {from_fd}<&"${VM[0]}"
    while IFS= read -r line <&"$from_fd"; do
        line=${line%$'\r'}
        printf '%s\n' "$line" >>"$tmp/$name.out"
        case $state in
        boot)
            if [[ "$line" =~ $SHELL_RE ]]; then
                r_shell=$(sub "$t0" "$(now)")
                # the echoed command line holds '$((6 * 7))'; only the reply holds 42
                printf '%s\r' 'echo "reply-$((6 * 7))"' >&"$to_fd"
                state=reply
            fi ;;
        reply)
            if [[ "$line" =~ ^reply-42$ ]]; then
                printf 'poweroff\r' >&"$to_fd"
                state=off
            fi ;;
        esac
    done
    exec {to_fd}>&- {from_fd}<&-
    wait "$vm_pid"
    st=$?
    vm_pid=""
    r_total=$(sub "$t0" "$(now)")
    if [ "$st" = 124 ] || [ "$st" = 137 ]; then r_status="timeout after ${TIMEOUT}s"
    elif [ "$state" = boot ]; then r_status="no shell"
    elif [ "$state" = reply ]; then r_status="no reply to a typed command"
    elif [ "$st" != 0 ]; then r_status="exit status $st after poweroff"
    fi
    if [ "$r_status" != ok ]; then
        r_status+=": $(grep -a -v '^\s*$' "$tmp/$name.out" "$tmp/$name.err" | tail -n 2 | cut -d: -f2- | tr '\n' ' ' | cut -c 1-160)"
        [[ "$r_status" == timeout* ]] || r_shell=""
    fi
}

# best NAME cmd...: best of RUNS; sets b_shell, b_total, b_status
best() {
    local name=$1 i
    shift
    b_shell="" b_total="" b_status=ok
    for ((i = 0; i < RUNS; i++)); do
        boot_once "$name" "$@"
        if [ "$r_status" != ok ]; then b_shell="" b_total="" b_status=$r_status; return; fi
        if [ -z "$b_shell" ] || awk -v d="$r_shell" -v b="$b_shell" 'BEGIN { exit !(d < b) }'; then b_shell=$r_shell; fi
        if [ -z "$b_total" ] || awk -v d="$r_total" -v b="$b_total" 'BEGIN { exit !(d < b) }'; then b_total=$r_total; fi
    done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) printf "-"; else printf "%.2f", a / b }'; }

echo "linux-boot: Debian's $(cat "$G/kernel-version" 2>/dev/null) kernel, busybox initramfs, -m 256, -append \"$APPEND\"; best of $RUNS"
echo "linux-boot: shell_s = start to the shell (init's banner), total_s = to exit after a typed command and poweroff; ratio = shell_s / QEMU's"
engines_note
fmt='%-10s %9s %7s %9s %14s %10s  %s\n'
printf "$fmt" emulator shell_s ratio total_s guest_instr translated status

q_shell=""
if [ -z "${BENCH_NO_QEMU:-}" ] && command -v "$QEMU" >/dev/null 2>&1; then
    best qemu "$QEMU" -accel tcg -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "$APPEND" -m 256 \
        -nographic -no-reboot
    q_shell=$b_shell
    printf "$fmt" qemu "${b_shell:--}" "$([ -n "$b_shell" ] && echo 1.00 || echo -)" "${b_total:--}" - - "$b_status"
elif [ -z "${BENCH_NO_QEMU:-}" ]; then
    echo "linux-boot: SKIP QEMU: $QEMU is not available"
fi

for e in "${ENGINES[@]}"; do
    engine_args "$e"
    rm -f "$tmp/stats"
    best "$e" "$VDEBUG" "${ENGINE_ARGS[@]}" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "$APPEND" -m 256 \
        -nographic -no-reboot -d stats -D "$tmp/stats"
    n=$(sed -n 's/^stats: \([0-9]*\) guest instructions.*/\1/p' "$tmp/stats" 2>/dev/null | tail -n 1)
    tr=$(sed -n 's/^stats: engine [^:]*: [0-9]* guest instructions, [0-9]* (\([0-9.]*%\)) in translated code.*/\1/p' \
        "$tmp/stats" 2>/dev/null | tail -n 1)
    printf "$fmt" "$e" "${b_shell:--}" "$(ratio "$b_shell" "$q_shell")" "${b_total:--}" "${n:--}" "${tr:--}" "$b_status"
done
exit 0
