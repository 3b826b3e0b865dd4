#!/usr/bin/env bash
# Watchpoint-session benchmark: what a GDB write watchpoint on a variable
# costs when the variable shares its 4 KiB page with the guest's hot data.
# The guest is bench/guests/watch-loop.asm (every load and store of its hot
# loop hits the page of the variable; the variable itself is written once per
# round, ROUNDS times). For each vdebug engine (BENCH_ENGINES) and for QEMU
# TCG, in the same run:
#
#   alone_s  the guest alone (process start to exit), best of BENCH_RUNS
#   gdb_s    the same guest started with -S and a GDB stub, the real gdb in
#            batch mode attached: `target remote`, `watch *(int *)ADDR`
#            (a breakpoint command continues at each hit), `continue` until
#            the guest exits through isa-debug-exit and gdb sees the target
#            go. Measured from the emulator's start until both have exited.
#   ratio    gdb_s / alone_s. Issue 9's goal for vdebug: 1.5 or less.
#   vs_qemu  gdb_s / QEMU's gdb_s
#
# Each run must print the checksum QEMU printed alone (without QEMU: the
# guest's bench-expect line), and gdb must report a hardware watchpoint that
# fired exactly ROUNDS times. Like bench/run.sh this prints a table and never
# fails on speed.
#
# Environment:
#   VDEBUG, QEMU, GDB   binaries (default ./vdebug, qemu-system-i386, gdb)
#   BENCH_ENGINES, BENCH_ACCEL   vdebug engines (bench/lib/engines.bash;
#                       default "dbt interp", each passed as -accel ENGINE)
#   BENCH_RUNS          timed runs of each kind, best counts (default 3)
#   BENCH_TIMEOUT       seconds before one run is stopped and reported as a
#                       timeout (default 300; 0 = none). A timed-out QEMU
#                       session is reported as a lower bound (">T").
#   BENCH_WATCH_ITERS   loop iterations of the guest (default: the source's,
#                       64 M = some 770 M guest instructions)
#   BENCH_WATCH_QEMU_DIV  N > 1: time QEMU's GDB session on 1/N of the work
#                       and on none of it (ITERS=0: QEMU, firmware, gdb and the
#                       ROUNDS stops), and extrapolate linearly to the full
#                       work (shown as "~"); for a QEMU whose watchpoints are
#                       too slow to run the whole guest. Default 1: QEMU runs
#                       the full session, bounded by BENCH_TIMEOUT.
#   BENCH_NO_QEMU       set to leave QEMU out
set -u
cd "$(dirname "$0")/.." || exit 1
: "${VDEBUG:=$PWD/vdebug}"
# shellcheck source=bench/lib/engines.bash
. bench/lib/engines.bash
QEMU=${QEMU:-qemu-system-i386}
GDB=${GDB:-gdb}
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-300}
DIV=${BENCH_WATCH_QEMU_DIV:-1}
SRC=bench/guests/watch-loop.asm
NAME=watch-loop
EXIT_OK=1

for t in "$GDB" nasm; do
    command -v "$t" >/dev/null 2>&1 || { echo "watch-session: SKIP: $t not installed"; exit 0; }
done
have_qemu=1
if [ -n "${BENCH_NO_QEMU:-}" ] || ! command -v "$QEMU" >/dev/null 2>&1; then
    have_qemu=0
    [ -n "${BENCH_NO_QEMU:-}" ] || echo "watch-session: SKIP QEMU: $QEMU is not available"
fi
have_vd=1
[ -x "$VDEBUG" ] || { echo "watch-session: vdebug binary $VDEBUG not found: vdebug rows empty"; have_vd=0; }

ADDR=$(sed -n 's/^; *bench-watch: *\([0-9a-fA-Fx]*\).*/\1/p' "$SRC" | head -n 1)
ROUNDS=$(sed -n 's/^%define ROUNDS *\([0-9]*\).*/\1/p' "$SRC" | head -n 1)
src_iters=$(sed -n 's/^%define ITERS *\([0-9]*\).*/\1/p' "$SRC" | head -n 1)
ITERS=${BENCH_WATCH_ITERS:-$src_iters}
expect=""
[ "$ITERS" != "$src_iters" ] || expect=$(sed -n 's/^; *bench-expect: *//p' "$SRC" | head -n 1)

tmp=$(mktemp -d)
bg_pid=""
trap '[ -z "$bg_pid" ] || kill "$bg_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

build() { # iterations -> image path
    local img=$tmp/$NAME-$1.bin
    [ -f "$img" ] || nasm -f bin -I tests/asm/lib/ -DITERS="$1" -o "$img" "$SRC" || exit 1
    printf '%s' "$img"
}
IMG=$(build "$ITERS")

to() { # cmd...: run under `timeout` unless BENCH_TIMEOUT=0
    if [ "$TIMEOUT" != 0 ]; then timeout -k 5 "$TIMEOUT" "$@"; else "$@"; fi
}
now_us() { echo $(( $(date +%s%N) / 1000 )); }

# emulator command lines: emu_cmd KIND IMAGE CONSOLE_FILE -> array CMD
# KIND: qemu, or vdebug engine name
# shellcheck disable=SC2054  # commas inside QEMU option values
emu_cmd() {
    if [ "$1" = qemu ]; then
        CMD=("$QEMU" -accel tcg -kernel "$2" -display none -serial none -debugcon "file:$3"
            -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot)
    else
        engine_args "$1"
        CMD=("$VDEBUG" "${ENGINE_ARGS[@]}" -kernel "$2" -nographic -serial none -debugcon "file:$3"
            -device isa-debug-exit,iobase=0xf4,iosize=4)
    fi
}

# One run of the guest alone: sets r_us, r_status ("ok" or why not), r_sum
alone_once() { # KIND IMAGE
    local st t0
    emu_cmd "$1" "$2" "$tmp/con"
    : >"$tmp/con"
    t0=$(now_us)
    to "${CMD[@]}" </dev/null >"$tmp/out" 2>"$tmp/err"
    st=$?
    r_us=$(( $(now_us) - t0 ))
    r_sum=$(grep -a -m 1 '^BENCH .* checksum ' "$tmp/con")
    r_status=ok
    if [ "$st" = 124 ] || [ "$st" = 137 ]; then r_status="timeout after ${TIMEOUT}s"
    elif [ "$st" != "$EXIT_OK" ]; then r_status="exit status $st: $(tail -n 1 "$tmp/err" | cut -c 1-100)"
    elif [ -z "$r_sum" ]; then r_status="no checksum line"
    fi
}

# One GDB session: the emulator held at its first instruction, gdb attached,
# a write watchpoint on ADDR continued through until the guest exits.
# Sets r_us, r_status, r_sum, r_hits.
session_once() { # KIND IMAGE
    local kind=$1 st gst t0 target="" port sock=$tmp/q.sock
    emu_cmd "$kind" "$2" "$tmp/con"
    if [ "$kind" = qemu ]; then
        rm -f "$sock"
        CMD+=(-gdb "unix:$sock,server=on,wait=off" -S)
    else
        CMD+=(-gdb tcp::0 -S)       # -s -S, on a port the kernel picks
    fi
    : >"$tmp/con"
    : >"$tmp/err"
    t0=$(now_us)
    to "${CMD[@]}" </dev/null >"$tmp/out" 2>"$tmp/err" &
    bg_pid=$!
    while kill -0 "$bg_pid" 2>/dev/null; do
        if [ "$kind" = qemu ]; then
            [ -S "$sock" ] && target=$sock
        else
            port=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$tmp/err")
            [ -n "$port" ] && target=127.0.0.1:$port
        fi
        [ -z "$target" ] || break
        sleep 0.01
    done
    r_hits=0 r_sum=""
    if [ -z "$target" ]; then
        wait "$bg_pid"; bg_pid=""
        r_us=""; r_status="the stub did not start: $(tail -n 1 "$tmp/err" | cut -c 1-100)"
        return
    fi
    to "$GDB" -batch -nx -ex "set confirm off" -ex "set pagination off" \
        -ex "target remote $target" -x "$tmp/watch.gdb" </dev/null >"$tmp/gdb.out" 2>&1
    gst=$?
    wait "$bg_pid"
    st=$?
    bg_pid=""
    r_us=$(( $(now_us) - t0 ))
    r_sum=$(grep -a -m 1 '^BENCH .* checksum ' "$tmp/con")
    r_hits=$(grep -c '^New value = ' "$tmp/gdb.out")
    r_status=ok
    if [ "$st" = 124 ] || [ "$st" = 137 ] || [ "$gst" = 124 ] || [ "$gst" = 137 ]; then
        r_status="timeout after ${TIMEOUT}s"
    elif [ "$st" != "$EXIT_OK" ]; then r_status="exit status $st: $(tail -n 1 "$tmp/err" | cut -c 1-100)"
    elif [ -z "$r_sum" ]; then r_status="no checksum line"
    elif ! grep -q "^Hardware watchpoint [0-9]*: \*(int \*)$ADDR" "$tmp/gdb.out"; then
        r_status="gdb set no hardware watchpoint: $(grep -m 1 -i 'watchpoint' "$tmp/gdb.out" | cut -c 1-80)"
    elif [ "$r_hits" != "$ROUNDS" ]; then
        r_status="the watchpoint fired $r_hits times, not $ROUNDS"
    fi
}
cat >"$tmp/watch.gdb" <<EOF
watch *(int *)$ADDR
commands
continue
end
continue
EOF

# best of RUNS: sets b_us (empty if a run failed), b_status, b_sum, b_hits
best() { # alone|session KIND IMAGE
    local r
    b_us="" b_status=ok b_sum="" b_hits=""
    for ((r = 0; r < RUNS; r++)); do
        case $1 in alone) alone_once "$2" "$3" ;; *) session_once "$2" "$3" ;; esac
        if [ "$r_status" != ok ]; then
            b_us="" b_status=$r_status b_hits=${r_hits:-}
            [ "$1" = session ] && cp "$tmp/gdb.out" "$tmp/gdb.fail"
            case $r_status in timeout*) b_us=timeout ;; esac
            return
        fi
        b_sum=$r_sum b_hits=${r_hits:-}
        if [ -z "$b_us" ] || [ "$r_us" -lt "$b_us" ]; then b_us=$r_us; fi
    done
}

secs() { case $1 in "") printf -- - ;; timeout) printf '>%s' "$TIMEOUT" ;; *) awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }' ;; esac; }
ratio() { # a b
    awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b <= 0) { printf "-"; exit } printf "%.2f", a / b }'
}

insns=$(awk -v n="$ITERS" -v r="$ROUNDS" 'BEGIN { printf "%.0f", int(n / r) * r * 12 / 1e6 }')
echo "watch-session: guest $NAME: $ITERS loop iterations (~$insns M instructions) on one 4 KiB page; gdb: watch *(int *)$ADDR, written $ROUNDS times"
echo "watch-session: $($GDB --version | head -n 1); best of $RUNS runs; ratio = gdb_s / alone_s (issue 9's goal for vdebug: <= 1.5); vs_qemu = gdb_s / QEMU's gdb_s"
[ "$have_vd" = 0 ] || engines_note
[ "$have_qemu" = 1 ] || [ -n "$expect" ] ||
    echo "watch-session: note: no reference checksum (no QEMU, and BENCH_WATCH_ITERS differs from the source's)"
fmt='%-14s %9s %10s %8s %8s %5s  %s\n'
printf "$fmt" emulator alone_s gdb_s ratio vs_qemu hits status

# QEMU first: it is the checksum oracle
q_gdb="" vq_pre="" ref=$expect ref_from=bench-expect
if [ "$have_qemu" = 1 ]; then
    best alone qemu "$IMG"
    qa_us=$b_us qa_status=$b_status
    if [ "$qa_status" = ok ]; then ref=$b_sum ref_from=qemu; fi
    note=""
    if [ "$qa_status" != ok ]; then
        qs_us="" hits=- note="QEMU FAILED alone ($qa_status) - guest bug?"
    elif [ "$DIV" -le 1 ]; then
        best session qemu "$IMG"
        qs_us=$b_us hits=${b_hits:--}
        if [[ "$b_status" == timeout* ]]; then
            note="gdb session stopped after ${TIMEOUT}s: its ratio is a lower bound, vs_qemu an upper one"
            q_gdb=${TIMEOUT}000000 vq_pre="<"
        elif [ "$b_status" != ok ]; then note="QEMU session FAILED ($b_status)"; qs_us=""
        elif [ "$b_sum" != "$ref" ]; then note="QEMU session checksum differs: '${b_sum#BENCH }'"; qs_us=""
        else note="ok (${ref#BENCH })"; q_gdb=$qs_us
        fi
    else
        # sessions at 0 and 1/DIV of the work, extrapolated to the full work
        small=$((ITERS / DIV))
        img0=$(build 0) imgs=$(build "$small")
        alone_once qemu "$imgs"; ref_small=$r_sum
        best session qemu "$img0"; s0=$b_us st0=$b_status
        best session qemu "$imgs"; s1=$b_us st1=$b_status hits=${b_hits:--}
        if [ "$st0" != ok ] || [ "$st1" != ok ]; then
            qs_us="" note="QEMU session FAILED (work 0: $st0; work 1/$DIV: $st1)"
        elif [ "$b_sum" != "$ref_small" ]; then
            qs_us="" note="QEMU session checksum differs at 1/$DIV of the work: '${b_sum#BENCH }' vs '${ref_small#BENCH }'"
        else
            scale=$(awk -v n="$ITERS" -v s="$small" -v r="$ROUNDS" 'BEGIN { printf "%.6f", int(n / r) / int(s / r) }')
            qs_us=$(awk -v a="$s0" -v b="$s1" -v k="$scale" 'BEGIN { printf "%.0f", a + (b - a) * k }')
            q_gdb=$qs_us vq_pre="~"
            note="ok (${ref#BENCH }); gdb_s EXTRAPOLATED from sessions with no work ($(secs "$s0") s) and 1/$DIV of it ($(secs "$s1") s)"
        fi
    fi
    gs=$(secs "$qs_us")
    [ "$DIV" -le 1 ] || [ -z "$qs_us" ] || gs="~$gs"
    r=$(ratio "$qs_us" "$qa_us")
    [ "$qs_us" != timeout ] || r=">$(ratio "$TIMEOUT"000000 "$qa_us")"
    [ "$DIV" -le 1 ] || [ "$r" = - ] || r="~$r"
    printf "$fmt" qemu "$(secs "$qa_us")" "$gs" "$r" 1.00 "$hits" "$note"
fi

if [ "$have_vd" = 1 ]; then
    for e in "${ENGINES[@]}"; do
        best alone "$e" "$IMG"
        va_us=$b_us va_status=$b_status va_sum=$b_sum
        vs_us="" hits=-
        if [ "$va_status" != ok ]; then
            note="VDEBUG FAILED alone ($va_status)"; va_us=""
        elif [ -n "$ref" ] && [ "$va_sum" != "$ref" ]; then
            note="CHECKSUM MISMATCH alone: '${va_sum#BENCH }' vs $ref_from '${ref#BENCH }'"; va_us=""
        else
            best session "$e" "$IMG"
            vs_us=$b_us hits=${b_hits:--}
            if [ "$b_status" != ok ]; then
                note="VDEBUG SESSION FAILED ($b_status; the watchpoint fired ${b_hits:-0} of $ROUNDS times)"
                # gdb's last words, unless it was only stopped by the timeout
                if [[ "$b_status" != timeout* ]] && [ -f "$tmp/gdb.fail" ]; then
                    note+=": gdb: $(grep -a -v '^\s*$' "$tmp/gdb.fail" | tail -n 1 | cut -c 1-80)"
                fi
                [ "$vs_us" = timeout ] || vs_us=""
            elif [ -n "$ref" ] && [ "$b_sum" != "$ref" ]; then
                note="CHECKSUM MISMATCH under gdb: '${b_sum#BENCH }' vs $ref_from '${ref#BENCH }'"; vs_us=""
            else
                note="ok (${va_sum#BENCH })"
            fi
        fi
        vq=$(ratio "$vs_us" "$q_gdb")
        [ "$vq" = - ] || vq="$vq_pre$vq"
        printf "$fmt" "$e" "$(secs "$va_us")" "$(secs "$vs_us")" "$(ratio "$vs_us" "$va_us")" "$vq" "$hits" "$note"
    done
fi
exit 0
