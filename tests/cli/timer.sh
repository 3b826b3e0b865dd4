#!/usr/bin/env bash
# Virtual time: HLT skips ahead to the next timer deadline (a second of guest
# time in few instructions), and runs are deterministic (identical logs).
. "$(dirname "$0")/common.inc"

asm ticks <<'ASM'
%include "mb.inc"
start:
    ; IDT: vector 0x20 (IRQ0 after remapping) -> tick
    mov eax, tick
    mov [idt + 0x20 * 8], ax
    mov word [idt + 0x20 * 8 + 2], 0x10
    mov word [idt + 0x20 * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + 0x20 * 8 + 6], ax
    lidt [idtr]
    ; PICs: ICW1-4, master at 0x20, slave at 0x28, only IRQ0 unmasked
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xa1, al
    mov al, 1
    out 0x21, al
    out 0xa1, al
    mov al, 0xfe
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    ; PIT channel 0, mode 2, 11932 ticks = 10 ms
    mov al, 0x34
    out 0x43, al
    mov ax, 11932
    out 0x40, al
    mov al, ah
    out 0x40, al
    sti
.idle:
    hlt
    cmp dword [ticks], 100
    jb .idle
    cli
    puts "PASS 100 timer ticks", 10
    EXIT
tick:
    inc dword [ticks]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iret
ticks: dd 0
idtr: dw 256 * 8 - 1
      dd idt
align 8
idt: times 256 dq 0
section .rodata_strs
ASM

# one virtual second of 10 ms ticks must take far fewer than 1e9 instructions
run -kernel "$T/ticks.bin" "${GUEST[@]}" -icount-limit 200000 -d int -D "$T/log1"
[ "$st" = 1 ] && [ "$out" = "PASS 100 timer ticks" ] && pass hlt_skips_to_timer_deadline \
    || fail hlt_skips_to_timer_deadline "status $st: $out $err"
run -kernel "$T/ticks.bin" "${GUEST[@]}" -icount-limit 200000 -d int -D "$T/log2"
if [ "$st" = 1 ] && [ -s "$T/log1" ] && cmp -s "$T/log1" "$T/log2"; then pass deterministic_interrupt_log
else fail deterministic_interrupt_log "status $st; logs differ or are empty"; fi
n=$(grep -c "0x20\|vector 32\|v=20" "$T/log1")
[ "$n" -ge 100 ] && pass interrupt_log_has_ticks || fail interrupt_log_has_ticks "$n tick lines: $(head -3 "$T/log1")"

# -icount sleep=on: a halted CPU waits in real time for its timer, so one
# virtual second of ticks lasts at least a real second (a lower bound only:
# how much longer depends on the host)
t0=$EPOCHREALTIME
run -kernel "$T/ticks.bin" "${GUEST[@]}" -icount-limit 200000 -icount shift=0,sleep=on
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
if [ "$st" = 1 ] && [ "$out" = "PASS 100 timer ticks" ] && [ "$ms" -ge 990 ]; then pass hlt_sleep_on_waits_real_time
else fail hlt_sleep_on_waits_real_time "status $st after $ms ms: $out $err"; fi
run -kernel "$T/ticks.bin" "${GUEST[@]}" -icount sleep=sometimes
[ "$st" = 2 ] && [[ "$err" == *"unknown option"* ]] && pass icount_bad_option || fail icount_bad_option "status $st: $err"

# HLT with no timer armed waits for host input: a byte on stdin raises the
# UART's receive interrupt (IRQ 4), which wakes the guest
asm rx_irq <<'ASM'
%include "mb.inc"
start:
    mov eax, rx
    mov [idt + 0x24 * 8], ax
    mov word [idt + 0x24 * 8 + 2], 0x10
    mov word [idt + 0x24 * 8 + 4], 0x8e00
    shr eax, 16
    mov [idt + 0x24 * 8 + 6], ax
    lidt [idtr]
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 4
    out 0x21, al
    mov al, 1
    out 0x21, al
    mov al, 0xef                 ; only IRQ 4
    out 0x21, al
    mov dx, 0x3fc                ; MCR: OUT2 gates the UART's IRQ onto the bus
    mov al, 0x08
    out dx, al
    mov dx, 0x3f9                ; IER: received data available
    mov al, 1
    out dx, al
    puts "ready", 10
    sti
.idle:
    hlt
    cmp byte [got], 0
    je .idle
    cli
    puts "PASS woke on serial input "
    mov al, [got]
    out 0xe9, al
    puts 10
    EXIT
rx:
    push eax
    push edx
    mov dx, 0x3f8
    in al, dx
    mov [got], al
    mov al, 0x20
    out 0x20, al
    pop edx
    pop eax
    iret
got: db 0
idtr: dw 256 * 8 - 1
      dd idt
align 8
idt: times 256 dq 0
section .rodata_strs
ASM
# stdin and the debug console are FIFOs: the byte is sent only after the
# guest said "ready" (it is then about to halt, or halted waiting)
mkfifo "$T/in" "$T/dcon"
exec 6<>"$T/in"
"$VDEBUG" "${ACCEL[@]}" -kernel "$T/rx_irq.bin" -serial stdio -debugcon "file:$T/dcon" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -icount-limit 1000000 <"$T/in" >"$T/rx.out" 2>&1 &
pid=$!
exec 7<"$T/dcon"
read -r line <&7
printf 'z' >&6
read -r line2 <&7
wait "$pid"; st=$?
exec 6>&- 7<&-
[ "$st" = 1 ] && [ "$line" = ready ] && [ "$line2" = "PASS woke on serial input z" ] && pass hlt_waits_for_serial_input \
    || fail hlt_waits_for_serial_input "status $st: '$line' '$line2' $(cat "$T/rx.out")"
finish
