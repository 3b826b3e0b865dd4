#!/usr/bin/env bash
# What the reverse-debugging history and the input log cost: Debian's Linux
# (tools/fetch-guest.sh) boots with vdebug.test=1 (its test script, then
# poweroff) under a GDB stub nobody connects to, once with the history off
# (-icount rrsnapshot-interval=0) and once with the defaults (a snapshot
# every 10 million instructions, 512 MiB bound). Prints host seconds, the
# ratio, the peak RSS and the guest instruction count of both (which must be
# equal: keeping the history changes nothing the guest sees).
# Then the history at work: the latency of reverse-stepi at the shell, and
# the history's memory against its bound (from `monitor rr info`).
# Environment: VDEBUG (default ./vdebug), BENCH_RUNS (best of, default 1),
# RR_ARGS (options for the going-back run only, e.g. "-icount rrmem=64M" to
# watch a smaller bound hold), RR_ONLY_BACK=1 (skip the on/off timing).
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
if [ -z "${RR_ONLY_BACK:-}" ]; then
    one "history off" -icount rrsnapshot-interval=0
    one "history on (default)"
    awk -v a="$(cat "$T/history off")" -v b="$(cat "$T/history on (default)")" 'BEGIN { printf "ratio on/off: %.3f\n", b / a }'
fi

# Going back: Linux boots to its shell under the stub (history on, the
# defaults); once the shell is there a small RSP client connects (that stops
# the guest), reads `monitor rr info` (history span, snapshots, memory and
# its bound) and times 20 reverse-stepi (bs packets) one after the other:
# each restores the nearest snapshot and re-executes up to the interval.
mkfifo "$T/in"
exec 3<>"$T/in"
"$VDEBUG" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=ttyS0" -m 256 -nographic -no-reboot \
    -gdb tcp::0 ${RR_ARGS:-} <"$T/in" >"$T/console" 2>"$T/vd.err" &
VD=$!
start=$(date +%s.%N)
port=""
while [ -z "$port" ]; do
    port=$(sed -n 's/.*gdb server listening on tcp:[^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/vd.err")
    kill -0 "$VD" 2>/dev/null || { echo "vdebug did not start: $(head -c 300 "$T/vd.err")"; exit 1; }
    sleep 0.05
done
until grep -q '^vdebug: busybox shell' "$T/console"; do
    kill -0 "$VD" 2>/dev/null || { echo "vdebug ended before the shell"; exit 1; }
    sleep 0.1
done
echo "Linux at its shell after $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s of host time"
python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
buf = b""
def send(p):
    s.sendall(b"$" + p + b"#%02x" % (sum(p) & 0xff))
def recv():
    global buf
    while True:
        i = buf.find(b"$")
        j = buf.find(b"#", i + 1) if i >= 0 else -1
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            p, buf = buf[i + 1:j], buf[j + 3:]
            s.sendall(b"+")
            return p
        d = s.recv(65536)
        if not d: sys.exit("the stub closed the connection")
        buf += d
def monitor(cmd):
    send(b"qRcmd," + cmd.encode().hex().encode())
    out = b""
    while True:
        p = recv()
        if p == b"OK": return out.decode()
        if p.startswith(b"O"): out += bytes.fromhex(p[1:].decode())
send(b"?")
recv()
info = monitor("rr info")
for line in info.splitlines():
    if line.startswith(("history:", "snapshots:", "memory:", "input log:")): print("  " + line)
times = []
for _ in range(20):
    t0 = time.perf_counter()
    send(b"bs")
    r = recv()
    times.append(time.perf_counter() - t0)
    if not r.startswith(b"T05"): sys.exit("reverse-stepi answered %r" % r)
times.sort()
print("reverse-stepi at the shell: %d steps, median %.0f ms, slowest %.0f ms, fastest %.0f ms"
      % (len(times), 1000 * times[len(times) // 2], 1000 * times[-1], 1000 * times[0]))
for line in monitor("rr info").splitlines():
    if line.startswith("memory:"): print("  after them: " + line)
send(b"k")
PY
kill "$VD" 2>/dev/null
wait "$VD" 2>/dev/null
