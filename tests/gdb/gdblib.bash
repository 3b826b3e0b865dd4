# Shared helpers for the GDB tests, sourced by tests/gdb/*.sh.
#
#   gdb_setup [GUEST.asm]     temp dir, guest image (default tests/gdb/guest.asm) and
#                             its symbol script; KEEP=1 keeps the temp dir
#   vd_start [ARGS...]        start vdebug on the guest with -S and a GDB port
#                             chosen by the kernel (tcp::0); waits for the
#                             "listening" line and sets $PORT and $VD_PID
#   gdb_run OUT CMDS...       run `gdb -batch` with the symbol script, connect,
#                             run the -ex commands; output in file OUT
#   check NAME CMD...         PASS/FAIL line from a command's status
#   expect_line NAME FILE RE  PASS if a line of FILE matches the regex
#   vd_stop                   kill vdebug if still running, reap it
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${VDEBUG:=$ROOT/vdebug}"
# VD_ACCEL (optional): every vdebug run gets -accel "$VD_ACCEL" (e.g. interp, dbt,verify=on)
ACCEL=(${VD_ACCEL:+-accel "$VD_ACCEL"})
T=""
VD_PID=""
PORT=""
# gdb gives up on a reply after `remotetimeout` seconds (2 by default) and
# three tries, then reads the late reply as the answer to its next request:
# on a loaded machine that stalls vdebug a few seconds, a later command then
# printed nothing (a `monitor rr info` answering empty). gdb waits as long
# as the stub takes instead; tests have no wall-clock limits.
export GDB_REMOTE_TIMEOUT=1000000

gdb_setup() { # [GUEST.asm]: default tests/gdb/guest.asm
    local src=${1:-tests/gdb/guest.asm}
    T=$(mktemp -d)
    trap 'vd_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
    if ! command -v gdb >/dev/null || ! command -v nasm >/dev/null; then
        echo "SKIP $(basename "$0" .sh): gdb or nasm not installed"
        exit 0
    fi
    nasm -f bin -I "$ROOT/tests/asm/lib/" -DMAPFILE="$T/guest.map" -o "$T/guest.bin" "$ROOT/$src" || {
        echo "FAIL assemble $src"
        exit 1
    }
    # every label becomes a GDB convenience variable: $rm_routine, $busy_loop_end, ...
    awk '/^ +[0-9A-F]+ +[0-9A-F]+ +[A-Za-z_][A-Za-z0-9_.]*$/ { n=$3; gsub(/\./, "_", n); print "set $" n " = 0x" $1 }' \
        "$T/guest.map" >"$T/syms.gdb"
    GUEST=$T/guest.bin
}

# Address of a guest label (for the shell side).
sym() { awk -v n="$1" '$3 == n { print "0x" tolower($1) }' "$T/guest.map"; }

vd_start() {
    : >"$T/vd.err"
    "$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/debugcon" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -gdb tcp::0 -S "$@" </dev/null >"$T/vd.out" 2>"$T/vd.err" &
    VD_PID=$!
    # wait for the line naming the port (no fixed sleep: stop as soon as it is there)
    while :; do
        PORT=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err")
        [ -n "$PORT" ] && return 0
        if ! kill -0 "$VD_PID" 2>/dev/null; then
            echo "FAIL vdebug did not start: $(head -c 300 "$T/vd.err")"
            exit 1
        fi
        sleep 0.02
    done
}

vd_stop() {
    if [ -n "$VD_PID" ]; then
        kill "$VD_PID" 2>/dev/null
        wait "$VD_PID" 2>/dev/null
        VD_PID=""
    fi
}

# Wait for vdebug to exit by itself; sets VD_STATUS.
vd_wait() {
    wait "$VD_PID"
    VD_STATUS=$?
    VD_PID=""
}

gdb_run() {
    local out=$1
    shift
    local args=() n=0
    # one -ex per command (an error does not stop the rest); multi-line
    # commands (while/if) go through a small script file
    for c in "$@"; do
        if [[ "$c" == *$'\n'* ]]; then
            n=$((n + 1))
            printf '%s\n' "$c" >"$T/multi$n.gdb"
            args+=(-x "$T/multi$n.gdb")
        else
            args+=(-ex "$c")
        fi
    done
    gdb -batch -nx -ex "set confirm off" -ex "set pagination off" -x "$T/syms.gdb" \
        -ex "set remotetimeout $GDB_REMOTE_TIMEOUT" -ex "target remote 127.0.0.1:$PORT" "${args[@]}" >"$out" 2>&1 </dev/null
}

check() {
    local name=$1
    shift
    if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fi
}

# expect_line NAME FILE REGEX: a line of FILE matches (grep -E)
expect_line() {
    if grep -Eq -- "$3" "$2"; then
        echo "PASS $1"
    else
        echo "FAIL $1: no line matching /$3/ in gdb output:"
        sed 's/^/    | /' "$2" | tail -n 25
    fi
}

# The value of a `p/x EXPR` printed as "$N = VALUE" after a marker line:
# gdb_run prints markers with `echo MARK\n`.
val_after() { # FILE MARK
    awk -v m="$2" 'found && /^\$[0-9]+ = / { sub(/^\$[0-9]+ = /, ""); print; exit } $0 == m { found = 1 }' "$1"
}
