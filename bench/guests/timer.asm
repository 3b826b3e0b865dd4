; Benchmark 4: interrupt-heavy timer load. The 8259 PIC is remapped to
; vectors 0x20/0x28 with only IRQ0 unmasked, the PIT channel 0 runs in mode 2
; (rate generator) with divisor DIV (1193182 / DIV Hz), and the guest sleeps in
; `hlt` until N IRQ0 interrupts have been handled. Each handler reads the PIC's
; in-service register (must be exactly IRQ0), counts, and sends EOI.
;
; Note for reading the numbers: QEMU's PIT runs on host time, so QEMU cannot
; take less than N * DIV / 1193182 seconds (the floor printed by bench/run.sh);
; vdebug's clock is virtual (derived from executed instructions, HLT skips to
; the next event), so its time is the pure cost of the interrupts and HLT.
; The runner therefore also times QEMU with a virtual, instruction-driven
; clock that skips idle time, like vdebug's (the "timer@icount" row):
; bench-qemu-variant: icount -icount shift=0,sleep=off
; Its ratio measures different clocks more than speed, so it is left out of
; the runner's geometric mean:
; bench-not-in-mean: QEMU's time is bound by its host-time PIT
; bench-expect: BENCH timer checksum 3e440272
%include "mb.inc"
%include "bench/lib/bench.inc"

%ifndef N
%define N 20000
%endif
%ifndef DIV
%define DIV 60
%endif

PIC1_CMD  equ 0x20
PIC1_DATA equ 0x21
PIC2_CMD  equ 0xA0
PIC2_DATA equ 0xA1

section .text
start:
    BENCH_INIT
    SET_GATE 0x20, irq0, 0x8E
    ; remap the PICs: master 0x20-0x27, slave 0x28-0x2F
    mov al, 0x11                     ; ICW1: edge, cascade, ICW4 needed
    out PIC1_CMD, al
    out PIC2_CMD, al
    mov al, 0x20                     ; ICW2: vector bases
    out PIC1_DATA, al
    mov al, 0x28
    out PIC2_DATA, al
    mov al, 4                        ; ICW3: slave on IRQ2
    out PIC1_DATA, al
    mov al, 2
    out PIC2_DATA, al
    mov al, 1                        ; ICW4: 8086 mode, normal EOI
    out PIC1_DATA, al
    out PIC2_DATA, al
    mov al, 0xFE                     ; only IRQ0
    out PIC1_DATA, al
    mov al, 0xFF
    out PIC2_DATA, al
    mov al, 0x0B                     ; OCW3: reads of port 0x20 return ISR
    out PIC1_CMD, al
    ; PIT channel 0, lobyte/hibyte, mode 2, binary
    mov al, 0x34
    out 0x43, al
    mov al, DIV & 0xFF
    out 0x40, al
    mov al, DIV >> 8
    out 0x40, al

    sti
.wait:
    hlt
    cmp dword [ticks], N
    jb .wait
    cli
    mov al, 0xFF                     ; mask everything again
    out PIC1_DATA, al

    puts "timer:"
    KV "ticks", [ticks]
    KV "sum", [tick_sum]
    KV "isr_or", [isr_or]
    KV "isr_and", [isr_and]
    puts 10
    mov ebp, [ticks]
    rol ebp, 7
    xor ebp, [tick_sum]
    rol ebp, 7
    xor ebp, [isr_or]
    rol ebp, 7
    xor ebp, [isr_and]
    BENCH_RESULT "timer", ebp
    EXIT

irq0:
    push eax
    in al, PIC1_CMD                  ; ISR (OCW3 above): expect 0x01
    movzx eax, al
    or [isr_or], eax
    and [isr_and], eax
    mov eax, [ticks]
    cmp eax, N                       ; stop counting at N (a tick may arrive
    jae .eoi                         ; between the last HLT and CLI)
    inc eax
    mov [ticks], eax
    add [tick_sum], eax
.eoi:
    mov al, 0x20                     ; non-specific EOI
    out PIC1_CMD, al
    pop eax
    iretd

section .data align=4096            ; mutable data: its own page, not the code's
ticks:    dd 0
tick_sum: dd 0
isr_or:   dd 0
isr_and:  dd 0xFFFFFFFF

section .rodata_strs
