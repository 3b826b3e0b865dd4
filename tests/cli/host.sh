#!/usr/bin/env bash
# Host side: signals stop vdebug cleanly; the serial port over a TCP socket.
# Synchronisation is by FIFOs and blocking reads, never by sleeping.
. "$(dirname "$0")/common.inc"

asm ready <<'ASM'
%include "mb.inc"
start:
    puts "ready", 10
.spin:
    jmp .spin
ASM

# signal SIG: start a spinning guest, wait for its "ready", send SIG
for sig in TERM INT; do
    rm -f "$T/fifo"; mkfifo "$T/fifo"
    "$VDEBUG" "${ACCEL[@]}" -kernel "$T/ready.bin" -serial none -debugcon "file:$T/fifo" 2>"$T/err" </dev/null &
    pid=$!
    exec 3<"$T/fifo"
    read -r line <&3
    kill -"$sig" "$pid"
    wait "$pid"; st=$?
    exec 3<&-
    err=$(cat "$T/err")
    if [ "$line" = ready ] && [ "$st" = 0 ] && [[ "$err" == *"terminating on signal"* ]]; then
        pass "sig${sig}_stops_cleanly"
    else fail "sig${sig}_stops_cleanly" "line '$line' status $st: $err"; fi
done

# -no-shutdown: a shutdown pauses the guest; vdebug stays until a signal
asm triple <<'ASM'
%include "mb.inc"
start:
    lidt [idt0]
    int3
idt0: dw 0
      dd 0
ASM
rm -f "$T/errfifo"; mkfifo "$T/errfifo"
"$VDEBUG" "${ACCEL[@]}" -kernel "$T/triple.bin" -serial none -no-reboot -no-shutdown 2>"$T/errfifo" </dev/null &
pid=$!
exec 5<"$T/errfifo"
read -r line <&5
kill -TERM "$pid"
read -r line2 <&5   # only a paused (not exited) vdebug reports the signal
wait "$pid"; st=$?
exec 5<&-
if [[ "$line" == *"guest stopped (-no-shutdown)"* ]] && [[ "$line2" == *"terminating on signal 15"* ]] && [ "$st" = 0 ]; then
    pass no_shutdown_pauses
else fail no_shutdown_pauses "lines '$line' '$line2' status $st"; fi

# serial over TCP: the guest waits for a byte and answers on the same port
asm tcp_echo <<'ASM'
%include "mb.inc"
start:
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 1
    jz .wait
    mov dx, 0x3f8
    in al, dx
    mov bl, al
    mov esi, reply
.s: lodsb
    test al, al
    jz .d
    out dx, al
    jmp .s
.d: mov al, bl
    out dx, al
    mov al, 10
    out dx, al
    EXIT
reply: db "got ", 0
section .rodata_strs
ASM
ok=
for try in 1 2 3 4 5; do
    port=$((20000 + (RANDOM % 30000)))
    rm -f "$T/errfifo"; mkfifo "$T/errfifo"
    "$VDEBUG" "${ACCEL[@]}" -kernel "$T/tcp_echo.bin" -serial "tcp:127.0.0.1:$port,server" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 2>"$T/errfifo" </dev/null &
    pid=$!
    exec 5<"$T/errfifo"
    read -r line <&5   # "waiting for a connection" once it listens, or a bind error
    if [[ "$line" != *"waiting for a connection on tcp:127.0.0.1:$port"* ]]; then
        wait "$pid"; exec 5<&-; continue
    fi
    exec 4<>"/dev/tcp/127.0.0.1/$port"
    printf 'y' >&4
    read -r reply <&4
    exec 4<&-
    wait "$pid"; st=$?
    exec 5<&-
    if [ "$reply" = "got y" ] && [ "$st" = 1 ]; then ok=1; else fail serial_tcp_server "reply '$reply' status $st"; ok=0; fi
    break
done
[ "$ok" = 1 ] && pass serial_tcp_server
[ -z "$ok" ] && fail serial_tcp_server "no free port found"
finish
