; Interrupts at exact instruction counts. Virtual time is retired
; instructions (1 ns each; time skipped over HLT is added), and a timer's
; interrupt is taken at the instruction boundary where its deadline falls,
; so the point where it interrupts a loop of register arithmetic (no memory
; accesses) is a pure function of the instruction stream. The handler
; records the loop's registers, the interrupted EIP and the RDTSC distance
; from a reference point, prints them, and the test compares them with
; hard-coded values.
;
; Those values are what the reference engine, the interpreter, produced
; (`vdebug -accel interp`; the run is deterministic: same binary,
; same values, every run). Any other engine must produce the very same ones.
;
; Periodic cases: a periodic timer (local APIC timer at divide by 1: one
; count per ns; or PIT channel 0 in mode 2) is started, the CPU halts until
; its first interrupt (the machine skips exactly to the deadline), and the
; loop starts from there; the second interrupt comes exactly one period
; after the first. Each extra ns of period moves the interrupt one
; instruction further through the loop: periods 100 to 107 walk it through
; the 8 instructions of a lap (see loop_top).
;
; One-shot cases: a HLT woken by a one-shot of 50 (a known point), then a
; one-shot local APIC timer armed with a small count just before the loop.
; A timer armed while the CPU runs ends the running slice (vtimer_arm kicks
; the vcpu when the new deadline is before the slice's end), so the
; interrupt comes at the first instruction boundary `count` ns after the
; TICR write, whatever the slicing: with a count of 1 right after the write
; (at the JMP to the loop), with 5000 inside the loop, 4999 ns later.
; Also: a REP STOSB (element path) interrupted between batches, an
; interrupt held off by IF=0 and taken after STI's one-instruction shadow.
; Not for QEMU (its time is not instruction-derived).
%include "pm.inc"

LAPIC equ 0xFEE00000
APIC_EOI equ LAPIC + 0xB0
APIC_SVR equ LAPIC + 0xF0
APIC_TPR equ LAPIC + 0x80
APIC_LVTT equ LAPIC + 0x320
APIC_TICR equ LAPIC + 0x380
APIC_TDCR equ LAPIC + 0x3E0
LVT_MASKED equ 0x10000
LVT_PERIODIC equ 0x20000

; REPORT "label", ecx, eax, eip offset, tsc: print the record, compare it
%macro REPORT 5
    %push report
    %strcat %$n1 %1, ": two interrupts"
    %strcat %$n2 %1, ": ECX at the interrupt"
    %strcat %$n3 %1, ": EAX at the interrupt"
    %strcat %$n4 %1, ": interrupted EIP"
    %strcat %$n5 %1, ": RDTSC distance"
    puts %1, ": ecx="
    mov eax, [irq_ecx]
    call mb_print_hex
    puts " eax="
    mov eax, [irq_eax]
    call mb_print_hex
    puts " eip=+"
    mov eax, [irq_eip]
    sub eax, [rec_base]
    call mb_print_hex
    puts " tsc="
    mov eax, [irq_tsc]
    call mb_print_hex
    puts " (first: "
    mov eax, [irq_tsc0]
    call mb_print_hex
    puts ")", 10
    CHECK_EQ [irq_seen], 2, %$n1
    CHECK_EQ [irq_ecx], %2, %$n2
    CHECK_EQ [irq_eax], %3, %$n3
    mov eax, [irq_eip]
    sub eax, [rec_base]
    CHECK_EQ eax, %4, %$n4
    CHECK_EQ [irq_tsc], %5, %$n5
    %pop
%endmacro

section .text
start:
    PM_INIT
    SET_GATE 0x40, lapic_isr, SEL_CODE0, 0x8E
    SET_GATE 0x20, pit_isr, SEL_CODE0, 0x8E
    mov dword [APIC_SVR], 0x1ef
    mov dword [APIC_TPR], 0
    mov dword [APIC_TDCR], 0xb   ; divide by 1

; ---- periodic local APIC timer: the loop from the first interrupt to the second
%macro LAPIC_PERIODIC 5          ; period, then REPORT's expectations
    mov ebx, %1
    call lapic_periodic
    %defstr PERIOD_STR %1
    %strcat PERIOD_NAME "lapic periodic ", PERIOD_STR
    REPORT PERIOD_NAME, %2, %3, %4, %5
%endmacro
    mov dword [rec_base], loop_top
    LAPIC_PERIODIC 100, 0x0000000a, 0x0a72f048, 0x00000000, 0x000000d2
    LAPIC_PERIODIC 101, 0x0000000a, 0x0a72f052, 0x00000002, 0x000000d4
    LAPIC_PERIODIC 102, 0x0000000a, 0x0a72f052, 0x00000004, 0x000000d6
    LAPIC_PERIODIC 103, 0x0000000a, 0x53978290, 0x00000007, 0x000000d8
    LAPIC_PERIODIC 104, 0x0000000b, 0x53978290, 0x00000008, 0x000000da
    LAPIC_PERIODIC 105, 0x0000000b, 0x53978290, 0x0000000b, 0x000000dc
    LAPIC_PERIODIC 106, 0x0000000b, 0x53978290, 0x0000000d, 0x000000de
    LAPIC_PERIODIC 107, 0x0000000b, 0x53978290, 0x0000000e, 0x000000e0
    LAPIC_PERIODIC 1000, 0x0000007b, 0xfac6dae0, 0x00000008, 0x000007da
    LAPIC_PERIODIC 54321, 0x00001a84, 0x56db51e3, 0x0000000b, 0x0001a86c

; ---- periodic PIT: the same through the 8259 and LINT0 (virtual wire) -----------
    PIC_REMAP 0xFE, 0xFF         ; IRQ0 only
    mov ebx, 50                  ; 50 PIT clocks: 41904 ns
    call pit_periodic
    REPORT "pit periodic 50", 0x00001473, 0x9f37399a, 0x00000007, 0x0001476f
    mov ebx, 3
    call pit_periodic
    REPORT "pit periodic 3", 0x00000138, 0x0d0fab2d, 0x00000008, 0x000013b2
    mov al, 0xFF
    out 0x21, al

; ---- a REP STOSB on its element path (DF=1) interrupted between batches ---------
    mov dword [rec_base], rep_insn
    mov ebx, 300                 ; one retirement per batch of 1024 iterations
    call lapic_rep
    REPORT "lapic periodic 300, REP STOSB backwards", 0x000b9c00, 0x00000033, 0x00000000, 0x00000262

; ---- IF=0 past the deadline, then STI: taken after the next instruction ---------
    mov dword [rec_base], sti_insn
    mov ebx, 300
    call lapic_sti
    REPORT "lapic periodic 300, held by IF=0", 0x00000000, 0x00000001, 0x00000002, 0x0000091a

; ---- one-shot, armed while the CPU runs (see the header) ------------------------
    mov dword [rec_base], loop_top
    mov ebx, 1
    call lapic_oneshot
    REPORT "lapic one-shot 1", 0x00000000, 0x00000000, 0x00000099, 0x0000004f
    mov ebx, 5000
    call lapic_oneshot
    REPORT "lapic one-shot 5000", 0x00000271, 0x5398c630, 0x0000000d, 0x000013d6

    EXIT

; ---------------------------------------------------------------------------------
; Start the periodic timer with period EBX and halt until its first interrupt.
; The first interrupt (phase 0) records the TSC and returns after the HLT.
lapic_start_periodic:
    mov dword [irq_seen], 0
    mov dword [APIC_LVTT], 0x40 | LVT_PERIODIC
    rdtsc
    mov [tsc_start], eax
    mov [APIC_TICR], ebx
    sti
    hlt                          ; woken at the first deadline, exactly
    ret

lapic_periodic:
    call lapic_start_periodic
    ; W: from here (the IRET's return) to loop_top
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    jmp loop_top

; the loop: 8 instructions, registers only
loop_top:
    add eax, ecx
    xor edx, eax
    rol eax, 3
    inc ecx
    lea esi, [esi + ecx * 2]
    sub edx, esi
    nop
    jmp loop_top
loop_out:                        ; the second interrupt resumes here
    cli
    mov dword [APIC_LVTT], 0x40 | LVT_MASKED
    mov dword [APIC_TICR], 0
    mov al, 0x30                 ; PIT channel 0: mode 0, no count: no more edges
    out 0x43, al
    ret

lapic_rep:
    call lapic_start_periodic
    std
    mov edi, 0x3FFFFF
    mov ecx, 0x100000            ; 1 MiB backwards: batches of 1024
    mov eax, 0x33
rep_insn:
    rep stosb
    cld
    mov dword [irq_ecx], -1      ; not reached: the interrupt resumes at loop_out
    jmp loop_out

lapic_sti:
    call lapic_start_periodic
    cli
    mov ecx, 1000                ; 2001 instructions with IF=0: past the deadline
.w: dec ecx
    jnz .w
    xor eax, eax
sti_insn:
    sti
    inc eax                      ; the shadow: runs before the interrupt
    inc eax                      ; the interrupt comes before this one
    inc eax
    jmp $                        ; not reached

; a one-shot timer: first a one-shot of 50 to wake a HLT at a known point
; (phase 0), then the one-shot of EBX, armed while the loop is about to run
lapic_oneshot:
    mov dword [irq_seen], 0
    mov dword [APIC_LVTT], 0x40
    rdtsc
    mov [tsc_start], eax
    mov dword [APIC_TICR], 50
    sti
    hlt                          ; phase 0, exactly 50 ns after the write
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    mov [APIC_TICR], ebx         ; armed here: due EBX ns later
    jmp loop_top

; PIT channel 0, mode 2 (rate generator), count EBX. Writing the control
; word raises OUT, an IRQ0 edge of its own: the first HLT takes that one,
; the second sleeps to the first terminal count (phase 0), exactly.
pit_periodic:
    mov dword [irq_seen], -1
    mov al, 0x34                 ; channel 0, lobyte/hibyte, mode 2
    out 0x43, al
    rdtsc
    mov [tsc_start], eax
    mov al, bl
    out 0x40, al
    mov al, bh
    out 0x40, al                 ; counting starts
    sti
.wait:
    hlt
    cmp dword [irq_seen], 1
    jl .wait
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    jmp loop_top

; ---------------------------------------------------------------------------------
; phase 0 (irq_seen < 1): record the TSC of the wake-up, return.
; phase 1: record the interrupted state, resume at loop_out (timer stopped there).
%macro ISR_BODY 1                ; EOI routine
    push eax
    push edx
    cmp dword [irq_seen], 1
    jge %%second
    rdtsc
    sub eax, [tsc_start]
    mov [irq_tsc0], eax
    inc dword [irq_seen]
    call %1
    pop edx
    pop eax
    iretd
%%second:
    mov [irq_ecx], ecx
    mov eax, [esp + 4]
    mov [irq_eax], eax
    mov [irq_edx], edx
    rdtsc
    sub eax, [tsc_start]
    mov [irq_tsc], eax
    mov eax, [esp + 8]
    mov [irq_eip], eax
    mov dword [esp + 8], loop_out
    and dword [esp + 16], ~0x400 ; resume with DF=0
    inc dword [irq_seen]
    call %1
    pop edx
    pop eax
    iretd
%endmacro

lapic_isr:
    ISR_BODY lapic_eoi
pit_isr:
    ISR_BODY pit_eoi
lapic_eoi:
    mov dword [APIC_EOI], 0
    ret
pit_eoi:
    mov al, 0x20
    out 0x20, al
    ret

irq_seen: dd 0
irq_eax: dd 0
irq_ecx: dd 0
irq_edx: dd 0
irq_eip: dd 0
irq_tsc: dd 0
irq_tsc0: dd 0
tsc_start: dd 0
rec_base: dd 0

section .rodata_strs
