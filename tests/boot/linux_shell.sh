#!/usr/bin/env bash
# Drives the Debian guest's interactive busybox shell over the serial console
# (stdin/stdout of vdebug -nographic): waits for the shell, types commands,
# checks each reply, then `poweroff` must end vdebug with status 0.
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
# shellcheck source=tests/boot/linux.inc
. tests/boot/linux.inc
linux_guest || exit 1

T=$(mktemp -d)
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# -icount-limit guards against a hung guest only
coproc VD { exec "$VDEBUG" "${ACCEL[@]}" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0" -m 256 \
    -nographic -no-reboot -icount-limit 60000000000 2>"$T/err"; }
vd_pid=$VD_PID
trap 'kill "$vd_pid" 2>/dev/null; wait "$vd_pid" 2>/dev/null; rm -rf "$T"' EXIT
exec {to}>&"${VD[1]}" {from}<&"${VD[0]}"

# wait_for RE: reads console lines (kept in $T/log) until one matches RE;
# false at EOF (vdebug exited).
wait_for() {
    local line
    while IFS= read -r line <&"$from"; do
        line=${line%$'\r'}
        printf '%s\n' "$line" >>"$T/log"
        [[ "$line" =~ $1 ]] && return 0
    done
    return 1
}
type_line() { printf '%s\r' "$1" >&"$to"; }

if wait_for "^vdebug: busybox shell on the console"; then pass linux_shell_started
else fail linux_shell_started "no shell banner; console ends with: $(tail -n 3 "$T/log" 2>/dev/null | tr '\n' '|') $(cat "$T/err")"; exit 1; fi

# the echoed command line contains '$((6 * 7))', only the reply contains 42
type_line 'echo "reply-$((6 * 7))"'
if wait_for '^reply-42$'; then pass linux_shell_arith; else fail linux_shell_arith "no reply-42"; fi
type_line 'cat /proc/version'
if wait_for '^Linux version [0-9]'; then pass linux_shell_proc_version; else fail linux_shell_proc_version "no version line"; fi
type_line 'cd /tmp && echo vdebug >f && cat f f | wc -l | sed "s/^/lines=/"'
if wait_for '^lines=2$'; then pass linux_shell_files; else fail linux_shell_files "no lines=2"; fi
type_line 'awk "BEGIN { printf \"half=%.3f\\n\", 1 / 2 }"'
if wait_for '^half=0\.500$'; then pass linux_shell_awk; else fail linux_shell_awk "no half=0.500"; fi
type_line 'poweroff'
wait_for '^\[ *[0-9.]+\] reboot: Power down' >/dev/null
wait_for '^never$' >/dev/null  # drain to EOF
exec {to}>&- {from}<&-
wait "$vd_pid"
st=$?
if [ "$st" = 0 ]; then pass linux_shell_poweroff; else fail linux_shell_poweroff "exit status $st: $(tail -n 2 "$T/err")"; fi
exit $failed
