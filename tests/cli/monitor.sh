#!/usr/bin/env bash
# -monitor stdio: commands typed on stdin run against the running machine.
. "$(dirname "$0")/common.inc"

asm spin <<'ASM'
%include "mb.inc"
start:
    jmp start
ASM
out=$(printf 'info registers\ninfo pic\nbogus-command\nquit\n' |
      "$VDEBUG" "${ACCEL[@]}" -kernel "$T/spin.bin" -serial none -monitor stdio 2>"$T/err"); st=$?
if [ "$st" = 0 ] && [[ "$out" == *"EAX=2badb002"* ]] && [[ "$out" == *"CPL=0"* ]] && [[ "$out" == *master* ]]; then
    pass monitor_console_commands
else fail monitor_console_commands "status $st: $(head -c 300 <<<"$out") $(cat "$T/err")"; fi

# a halted guest waits (and with -monitor stdio the default serial port is null) for the console instead of exiting
asm cli_hlt <<'ASM'
%include "mb.inc"
start:
    cli
    hlt
ASM
out=$(printf 'info registers\nquit\n' | "$VDEBUG" "${ACCEL[@]}" -kernel "$T/cli_hlt.bin" -monitor stdio 2>&1); st=$?
[ "$st" = 0 ] && [[ "$out" == *"EAX=2badb002"* ]] && pass monitor_holds_halted_guest \
    || fail monitor_holds_halted_guest "status $st: $out"

run -kernel "$T/spin.bin" -monitor stdio -s;              expect monitor_with_gdb 2 "-monitor stdio"
run -kernel "$T/spin.bin" -monitor stdio -serial stdio;   expect monitor_and_serial_stdio 2 "terminal"
run -kernel "$T/spin.bin" -monitor vc;                    expect monitor_bad_backend 2 "-monitor vc"
finish
