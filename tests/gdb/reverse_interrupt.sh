#!/usr/bin/env bash
# Ctrl-C in gdb stops a long reverse-continue (tests/gdb/spin_guest.asm runs
# a billion instructions; reverse-continue to a breakpoint at its first
# instruction re-executes all of that): gdb, on a terminal (a pty), types
# reverse-continue and, once it has sent the bc packet (`set debug remote`),
# gets a Ctrl-C. The stop is reported as SIGINT, at an instruction inside
# the history before where the reverse started, and from there the guest
# steps back, and runs forward to the same end as a run without gdb.
source "$(dirname "$0")/gdblib.bash"
T=$(mktemp -d)
trap 'vd_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
command -v gdb >/dev/null && command -v nasm >/dev/null && command -v python3 >/dev/null ||
    { echo "SKIP reverse_interrupt: gdb, nasm or python3 not installed"; exit 0; }
nasm -f bin -I "$ROOT/tests/asm/lib/" -DMAPFILE="$T/spin.map" -o "$T/spin.bin" "$ROOT/tests/gdb/spin_guest.asm" ||
    { echo "FAIL assemble spin_guest.asm"; exit 1; }
lab() { awk -v n="$1" '$3 == n { print "0x" tolower($1) }' "$T/spin.map"; }
GUEST=$T/spin.bin
"$VDEBUG" "${ACCEL[@]}" -kernel "$GUEST" -nographic -serial none -debugcon "file:$T/ref.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 </dev/null >/dev/null 2>&1
REF_STATUS=$?

vd_start
# gdb on a pty: the commands typed one after the other, each after the
# prompt; the Ctrl-C after gdb has sent bc
python3 - "$PORT" "$(lab spin_end)" "$(lab start)" "$T/gdb.out" <<'PY'
import os, pty, sys
port, spin_end, start, out = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "dumb"   # no colours, no bracketed paste in what is read back
    os.execvp("gdb", ["gdb", "-nx", "-q", "-ex", "set confirm off", "-ex", "set pagination off", "-ex", "set style enabled off",
                      "-ex", "set height 0", "-ex", "set width 0", "-ex", "set remotetimeout " + os.environ["GDB_REMOTE_TIMEOUT"],
                      "-ex", "target remote 127.0.0.1:" + port])
log = open(out, "wb")
buf = b""
def until(needle):
    global buf
    while needle not in buf:
        try:
            d = os.read(fd, 4096)
        except OSError:
            d = b""
        if not d:
            log.write(buf); log.close(); sys.exit(1)
        buf += d
    i = buf.index(needle) + len(needle)
    log.write(buf[:i]); buf = buf[i:]
def cmd(c):
    until(b"(gdb) ")
    os.write(fd, c.encode() + b"\n")
for c in ["break *" + spin_end, "continue", "delete", "echo MARK-before\\n", "monitor rr info",
          "break *" + start, "set debug remote 1"]:
    cmd(c)
cmd("reverse-continue")
until(b"$bc#")                 # gdb sent the packet and waits for the stop
os.write(fd, b"\x03")
for c in ["set debug remote 0", "delete", "echo MARK-after\\n", "monitor rr info", "p/x $pc",
          "reverse-stepi", "echo MARK-stepped\\n", "monitor rr info", "continue"]:
    cmd(c)
until(b"(gdb) ")
os.write(fd, b"quit\n")
try:
    while True:
        d = os.read(fd, 4096)
        if not d: break
        log.write(d)
except OSError:
    pass
log.close()
os.waitpid(pid, 0)
PY
vd_wait
tr -d '\r' <"$T/gdb.out" >"$T/o"
expect_line "Ctrl-C during reverse-continue: gdb reports SIGINT" "$T/o" 'received signal SIGINT'
! grep -q 'No more reverse-execution history' "$T/o"
check "... before the reverse reached the start of the history" test $? = 0
at() { awk -v m="$1" 'found && /^history: instructions/ { print $5; exit } $0 == m { found = 1 }' "$T/o"; }
b=$(at MARK-before) a=$(at MARK-after) s=$(at MARK-stepped)
[ -n "$b" ] && [ -n "$a" ] && [ "$a" -lt "$b" ] && [ "$a" -gt 0 ]
ok=$? # (before the name's command substitution changes $?)
check "it stopped inside the history, before where it started ($a of $b instructions)" test $ok = 0
[ -n "$s" ] && [ "$s" = $((a - 1)) ]
ok=$?
check "reverse-stepi from there goes one instruction back ($s)" test $ok = 0
[ "$VD_STATUS" = "$REF_STATUS" ] && cmp -s "$T/debugcon" "$T/ref.out"
check "continuing from there: the run's end without gdb (status $VD_STATUS, output)" test $? = 0
