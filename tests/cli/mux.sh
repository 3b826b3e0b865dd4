#!/usr/bin/env bash
# mon:stdio, QEMU's multiplexed terminal: on a pty, C-a h prints the escapes,
# C-a C-a sends C-a to the guest, C-a c switches typed lines to the monitor
# and back, C-a x ends vdebug with status 0. It is the default serial port
# on a terminal (as QEMU's -nographic); -serial stdio passes every byte.
. "$(dirname "$0")/common.inc"
command -v python3 >/dev/null || { echo "SKIP mux: python3 not installed"; finish; }

asm echo <<'ASM'
%include "mb.inc"
; serial echo: every byte typed comes back, 0x01 as "^A"; 'q' exits
start:
    mov dx, 0x3f8
    mov al, 'R'
    out dx, al
    mov al, 10
    out dx, al
.poll:
    mov dx, 0x3fd
    in al, dx
    test al, 1
    jz .poll
    mov dx, 0x3f8
    in al, dx
    cmp al, 'q'
    je .quit
    cmp al, 1
    jne .plain
    mov al, '^'
    out dx, al
    mov al, 'A'
.plain:
    out dx, al
    jmp .poll
.quit:
    EXIT
ASM

# onpty.py NAME SCRIPT VDEBUG-ARGS...: runs vdebug on a pty; SCRIPT is a list of
# "send:BYTES", "want:TEXT" (Python escapes) and "exit:STATUS" (default 0)
# steps; prints PASS/FAIL NAME: step, then the exit status's
cat >"$T/onpty.py" <<'PY'
import os, pty, select, sys, time
name, script, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
buf = b''
def wait_for(pat):
    global buf
    end = time.time() + 60  # a guard against a hang, not a speed check
    while pat not in buf and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try: buf += os.read(fd, 4096)
            except OSError: break
    return pat in buf
ok, want_code = True, 0
for step in script.split('|'):
    kind, arg = step.split(':', 1)
    if kind == 'exit':
        want_code = int(arg)
        continue
    data = arg.encode().decode('unicode_escape').encode('latin-1')
    if kind == 'send':
        os.write(fd, data)
        continue
    seen = wait_for(data)
    print(('PASS ' if seen else 'FAIL ') + name + ': ' + arg + ('' if seen else ' not seen; output ends ' + repr(buf[-300:])))
    ok &= seen
    if not seen: break
    buf = buf[buf.index(data) + len(data):]
if not ok: os.kill(pid, 9)
_, st = os.waitpid(pid, 0)
code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1
if ok: print(('PASS ' if code == want_code else 'FAIL ') + name + ': exit status %d' % code)
PY
acc=("${ACCEL[@]}")
flags=(-kernel "$T/echo.bin" -debugcon none -device isa-debug-exit,iobase=0xf4,iosize=4)
steps='want:R\r\n|send:ab|want:ab|send:\x01\x01|want:^A|send:\x01h|want:C-a x    exit vdebug|send:\x01c|want:(vdebug) |send:info pic\r|want:(vdebug) |send:\x01c|send:z|want:z|send:\x01x|want:terminated by C-a x'
python3 "$T/onpty.py" mon_stdio "$steps" "$VDEBUG" "${acc[@]}" "${flags[@]}" -serial mon:stdio
python3 "$T/onpty.py" default_on_terminal "$steps" "$VDEBUG" "${acc[@]}" "${flags[@]}"
# the monitor's answer really comes from the monitor
python3 "$T/onpty.py" monitor_answers 'want:R\r\n|send:\x01c|send:info pic\r|want:master|send:\x01x|want:terminated' \
    "$VDEBUG" "${acc[@]}" "${flags[@]}" -serial mon:stdio
# -serial stdio: C-a is the guest's, and so is what follows it
python3 "$T/onpty.py" plain_stdio 'want:R\r\n|send:\x01x|want:^Ax|send:q|exit:1' "$VDEBUG" "${acc[@]}" "${flags[@]}" -serial stdio
# under -s/-gdb the monitor is GDB's: C-a c says so
python3 "$T/onpty.py" gdb_no_console 'want:R\r\n|send:\x01c|want:GDB|send:\x01x|want:terminated' \
    "$VDEBUG" "${acc[@]}" "${flags[@]}" -serial mon:stdio -gdb tcp::0
finish
