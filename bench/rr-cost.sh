#!/usr/bin/env bash
# What the reverse-debugging history and the input log cost: Debian's Linux
# (tools/fetch-guest.sh) boots with vdebug.test=1 (its test script, then
# poweroff) under a GDB stub nobody connects to, once with the history off
# (-icount rrsnapshot-interval=0) and once with the defaults (a snapshot
# every 10 million instructions, 512 MiB bound). Prints host seconds, the
# ratio, the peak RSS and the guest instruction count of both (which must be
# equal: keeping the history changes nothing the guest sees).
# Environment: VDEBUG (default ./vdebug), BENCH_RUNS (best of, default 1).
set -u
cd "$(dirname "$0")/.." || exit 1
: "${VDEBUG:=$PWD/vdebug}"
RUNS=${BENCH_RUNS:-1}
G=$(tools/fetch-guest.sh | tail -n 1) || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
one() { # LABEL ARGS...: best host seconds, RSS, count
    local label=$1 best="" rss="" n=""
    shift
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %M' -o "$T/time" "$VDEBUG" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" \
            -append "console=ttyS0 vdebug.test=1" -m 256 -nographic -no-reboot -serial "file:$T/console" \
            -gdb tcp::0 -d stats -D "$T/log" "$@" </dev/null 2>/dev/null
        read -r s r <"$T/time"
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s rss=$r; fi
        n=$(sed -n 's/^stats: \([0-9]*\) guest instructions.*/\1/p' "$T/log")
    done
    printf '%-22s %8s s %8s MiB %14s instructions\n' "$label" "$best" $((rss / 1024)) "$n"
    echo "$best" >"$T/$label"
}
one "history off" -icount rrsnapshot-interval=0
one "history on (default)"
awk -v a="$(cat "$T/history off")" -v b="$(cat "$T/history on (default)")" 'BEGIN { printf "ratio on/off: %.3f\n", b / a }'
