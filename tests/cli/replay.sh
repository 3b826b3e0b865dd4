#!/usr/bin/env bash
# Record and replay (-icount rr=record|replay,rrfile=F) on tests/gdb/rr_guest.asm
# with typed serial input: a feeder types "hello ", waits for the guest's echo,
# then types "world\n" (the guest waits halted, paced in real time by
# sleep=on, so when the second part arrives depends on the host). The replay,
# with no input at all, gives the same serial and debug-console output, the
# same instruction count and exit status. A changed or cut log is refused
# whole; a log whose events no longer match stops with the first divergence;
# bad option combinations are errors.
. "$(dirname "$0")/common.inc"
if ! command -v ld >/dev/null || ! command -v python3 >/dev/null; then
    echo "SKIP replay: ld or python3 not installed"
    exit 0
fi
nasm -f elf32 -o "$T/rr.o" tests/gdb/rr_guest.asm && ld -m elf_i386 -Ttext-segment=0x100000 -e start -o "$T/rr.elf" "$T/rr.o" ||
    { fail build "rr_guest"; finish; }
G=(-kernel "$T/rr.elf" -nographic -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -d stats)
count() { sed -n 's/^stats: \([0-9]*\) guest instructions.*/\1/p' "$1"; }

# record, typing in two parts
python3 - "$VDEBUG" "$T" "${ACCEL[@]}" "${G[@]}" -debugcon "file:$T/rec.con" -D "$T/rec.log" \
    -icount "rr=record,rrfile=$T/log.rr,sleep=on" <<'PY'
import subprocess, sys
vd, t, args = sys.argv[1], sys.argv[2], sys.argv[3:]
p = subprocess.Popen([vd] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"hello "); p.stdin.flush()
seen = b""
while not seen.endswith(b"hello "):   # the guest's echo: it is waiting for the rest now
    b = p.stdout.read(1)
    if not b: break
    seen += b
p.stdin.write(b"world\n"); p.stdin.flush()
seen += p.stdout.read()
open(t + "/rec.ser", "wb").write(seen)
sys.exit(p.wait())
PY
rec_st=$?
[ "$(cat "$T/rec.ser")" = "hello world" ] && [ "$rec_st" = 1 ] && pass record_run || fail record_run "status $rec_st, serial '$(cat "$T/rec.ser")'"
grep -q '^00000466$' "$T/rec.con" && pass record_guest_saw_the_line || fail record_guest_saw_the_line "$(cat "$T/rec.con")"

# replay: no input, same everything
"$VDEBUG" "${ACCEL[@]}" "${G[@]}" -debugcon "file:$T/rep.con" -D "$T/rep.log" -icount "rr=replay,rrfile=$T/log.rr" \
    </dev/null >"$T/rep.ser" 2>"$T/rep.err"
rep_st=$?
[ "$rep_st" = "$rec_st" ] && pass replay_status || fail replay_status "$rep_st (record: $rec_st) $(cat "$T/rep.err")"
cmp -s "$T/rec.ser" "$T/rep.ser" && pass replay_serial_output || fail replay_serial_output "'$(cat "$T/rep.ser")'"
cmp -s "$T/rec.con" "$T/rep.con" && pass replay_console_output_and_ticks || fail replay_console_output_and_ticks "$(cat "$T/rep.con")"
c1=$(count "$T/rec.log") c2=$(count "$T/rep.log")
[ -n "$c1" ] && [ "$c1" = "$c2" ] && pass "replay_instruction_count_$c1" || fail replay_instruction_count "$c1 vs $c2"
# the replay ran on recorded time: again, on the other engine too
for eng in interp dbt; do
    "$VDEBUG" -accel $eng "${G[@]}" -debugcon "file:$T/rep2.con" -D "$T/rep2.log" -icount "rr=replay,rrfile=$T/log.rr" \
        </dev/null >"$T/rep2.ser" 2>&1
    cmp -s "$T/rec.con" "$T/rep2.con" && [ "$(count "$T/rep2.log")" = "$c1" ] && pass "replay_on_$eng" ||
        fail "replay_on_$eng" "$(cat "$T/rep2.con")"
done

# a changed or cut log: one line, status 1, nothing run
size=$(stat -c %s "$T/log.rr")
head -c $((size - 5)) "$T/log.rr" >"$T/cut.rr"
cp "$T/log.rr" "$T/flip.rr"
printf '\x07' | dd of="$T/flip.rr" bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null
printf 'nonsense' >"$T/junk.rr"
run "${G[@]}" -icount "rr=replay,rrfile=$T/cut.rr"; expect replay_truncated_log 1 "truncated or was changed"
run "${G[@]}" -icount "rr=replay,rrfile=$T/flip.rr"; expect replay_tampered_log 1 "truncated or was changed"
run "${G[@]}" -icount "rr=replay,rrfile=$T/junk.rr"; expect replay_not_a_log 1 "not a vdebug replay log"
run "${G[@]}" -icount "rr=replay,rrfile=$T/missing.rr"; expect replay_missing_log 1 "cannot open"
run "${G[@]}" -m 64 -icount "rr=replay,rrfile=$T/log.rr"; expect replay_other_configuration 1 "different machine configuration"
run "${G[@]}" -icount rr=replay; expect replay_needs_rrfile 2 "needs rrfile"
run "${G[@]}" -icount rr=sideways,rrfile=x; expect rr_unknown_mode 2 "unknown option"

# a log whose events no longer match the guest (the last serial input said to
# come at another EIP, the checksum made right again): the first divergence is named
python3 - "$T/log.rr" "$T/moved.rr" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off, last = 48, None                      # header: magic, version, config, rtc, flags
while True:                               # events: icount, now, eip, kind, site, port, len, data
    kind, ln = b[off + 20], b[off + 23]
    if kind == 0: break
    if kind == 1: last = off
    off += 24 + ln
eip, = struct.unpack_from("<I", b, last + 16)
struct.pack_into("<I", b, last + 16, eip + 1)
end = len(b) - 8                          # re-sign: FNV-1a of everything before the end event's data
h = 0xcbf29ce484222325
for x in b[:end]:
    h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
struct.pack_into("<Q", b, end, h)
open(sys.argv[2], "wb").write(bytes(b))
PY
run "${G[@]}" -debugcon "file:$T/moved.con" -icount "rr=replay,rrfile=$T/moved.rr"
if [ "$st" = 1 ] && [[ "$err" =~ "replay diverged at event "[0-9]+" (serial input, recorded at instruction" ]]; then
    pass replay_divergence_named
else
    fail replay_divergence_named "status $st: $err"
fi
# keys typed at -display curses are input too: recorded on a pty (python's
# pty, no real terminal), replayed without any terminal (-display none)
nasm -f bin -I tests/asm/lib/ -o "$T/kbd.bin" tests/cli/kbd_echo.asm || fail kbd_asm "nasm failed"
K=(-kernel "$T/kbd.bin" -serial none -device isa-debug-exit,iobase=0xf4,iosize=4 -d stats)
python3 - "$VDEBUG" "$T" "${ACCEL[@]}" "${K[@]}" -display curses -debugcon "file:$T/krec.con" -D "$T/krec.log" \
    -icount "rr=record,rrfile=$T/keys.rr" <<'PY'
import os, pty, sys
vd, t, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(vd, [vd] + args)
# the keys once the screen is up (the display switched to the alternate screen)
seen = b""
while b"\x1b[?1049h" not in seen:
    seen += os.read(fd, 4096)
os.write(fd, b"ab\r")
try:
    while os.read(fd, 4096):
        pass
except OSError:
    pass
_, st = os.waitpid(pid, 0)
open(t + "/krec.st", "w").write(str(os.waitstatus_to_exitcode(st)))
PY
rec_st=$(cat "$T/krec.st")
if [ "$rec_st" = 1 ] && [ "$(cat "$T/krec.con")" = "1e 9e 30 b0 1c 9c " ]; then pass "keys_recorded_on_a_pty ($(cat "$T/krec.con"))"
else fail keys_recorded_on_a_pty "status $rec_st, guest saw '$(cat "$T/krec.con")'"; fi
run "${K[@]}" -display none -debugcon "file:$T/krep.con" -D "$T/krep.log" -icount "rr=replay,rrfile=$T/keys.rr"
k1=$(count "$T/krec.log") k2=$(count "$T/krep.log")
if [ "$st" = 1 ] && cmp -s "$T/krec.con" "$T/krep.con" && [ -n "$k1" ] && [ "$k1" = "$k2" ]; then
    pass "keys_replayed_without_a_terminal (count $k2)"
else
    fail keys_replayed_without_a_terminal "status $st, '$(cat "$T/krep.con")', count $k2 vs $k1: $err"
fi
finish
