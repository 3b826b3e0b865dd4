#!/usr/bin/env bash
# A terminal on stdin is put in raw mode for -serial stdio and restored on
# every exit path (guest exit, SIGTERM). Runs vdebug inside a pty (script(1)).
. "$(dirname "$0")/common.inc"
if ! command -v script >/dev/null; then echo "SKIP terminal: script(1) not installed"; finish; fi

asm ready <<'ASM'
%include "mb.inc"
start:
    puts "ready", 10
.spin:
    jmp .spin
ASM
# the -accel of $VD_ACCEL, quoted for the inner script
acc=""
for a in "${ACCEL[@]}"; do acc+="$(printf '%q' "$a") "; done
cat >"$T/inner.sh" <<INNER
cd "$T"
stty -g >before
# guest exit path: -icount-limit ends the run
"$VDEBUG" $acc-kernel ready.bin -serial stdio -debugcon none -icount-limit 1000 >/dev/null 2>&1
stty -g >after_exit
# signal path: wait for "ready" on the debug console, look at the terminal, SIGTERM
mkfifo fifo
exec 7<&0
"$VDEBUG" $acc-kernel ready.bin -serial stdio -debugcon file:fifo <&7 >/dev/null 2>&1 &
pid=\$!
exec 3<fifo
read -r line <&3
stty -g >during
kill -TERM \$pid
wait \$pid
echo \$? >status
stty -g >after_signal
INNER
script -qec "bash $T/inner.sh" /dev/null </dev/null >/dev/null 2>&1
b=$(cat "$T/before" 2>/dev/null)
[ -n "$b" ] && [ "$b" = "$(cat "$T/after_exit" 2>/dev/null)" ] && pass terminal_restored_after_exit \
    || fail terminal_restored_after_exit "before '$b' after '$(cat "$T/after_exit" 2>&1)'"
[ -n "$b" ] && [ "$b" != "$(cat "$T/during" 2>/dev/null)" ] && pass terminal_raw_while_running \
    || fail terminal_raw_while_running "terminal settings unchanged while running"
[ -n "$b" ] && [ "$b" = "$(cat "$T/after_signal" 2>/dev/null)" ] && [ "$(cat "$T/status")" = 0 ] \
    && pass terminal_restored_after_sigterm || fail terminal_restored_after_sigterm "status $(cat "$T/status" 2>&1)"
finish
