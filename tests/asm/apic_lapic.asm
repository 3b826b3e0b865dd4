; The local APIC from a guest: CPUID and IA32_APIC_BASE report it, software
; enable through the SVR, the timer in one-shot and periodic modes, a self-IPI
; held back by the TPR and taken when it is lowered, a higher-class IPI
; nesting inside a handler (ISR and PPR seen from both), EOI. The 8259s stay
; masked (PM_INIT). Passes under qemu-system-i386 too.
%include "pm.inc"
LAPIC equ 0xFEE00000
APIC_ID equ LAPIC + 0x20
APIC_VER equ LAPIC + 0x30
APIC_TPR equ LAPIC + 0x80
APIC_PPR equ LAPIC + 0xA0
APIC_EOI equ LAPIC + 0xB0
APIC_SVR equ LAPIC + 0xF0
APIC_ISR equ LAPIC + 0x100
APIC_IRR equ LAPIC + 0x200
APIC_ICR equ LAPIC + 0x300
APIC_LVTT equ LAPIC + 0x320
APIC_TICR equ LAPIC + 0x380
APIC_TCCR equ LAPIC + 0x390
APIC_TDCR equ LAPIC + 0x3E0

; end the translation block, so an emulator takes a just-raised interrupt here
%macro SYNC 0
    jmp short %%next
%%next:
%endmacro

; sleep with HLT until dword [%1] reaches %2 (no lost wake-up: STI's shadow covers HLT)
%macro WAIT_FOR 2
%%again:
    cli
    cmp dword [%1], %2
    jae %%done
    sti
    hlt
    jmp %%again
%%done:
%endmacro

; is vector %2 set in the 256-bit register at %1? -> EAX = 0 or 1
%macro VBIT 2
    mov eax, [%1 + 0x10 * ((%2) >> 5)]
    shr eax, (%2) & 31
    and eax, 1
%endmacro

section .text
start:
    PM_INIT
    SET_GATE 0x40, timer_isr, SEL_CODE0, 0x8E
    SET_GATE 0x45, isr45, SEL_CODE0, 0x8E
    SET_GATE 0x65, isr65, SEL_CODE0, 0x8E

    mov eax, 1
    cpuid
    shr edx, 9
    and edx, 1
    CHECK_EQ edx, 1, "CPUID.1:EDX.APIC"
    shr ebx, 24
    CHECK_EQ ebx, 0, "CPUID.1:EBX initial APIC ID 0"
    mov ecx, 0x1b
    rdmsr
    and eax, 0xfffff900
    CHECK_EQ eax, 0xfee00900, "IA32_APIC_BASE: 0xFEE00000, BSP, enabled"
    mov eax, [APIC_VER]
    and eax, 0xf0
    CHECK_EQ eax, 0x10, "version: an integrated APIC"
    mov eax, [APIC_ID]
    shr eax, 24
    CHECK_EQ eax, 0, "APIC ID 0"

    mov dword [APIC_SVR], 0x1ef
    mov eax, [APIC_SVR]
    and eax, 0x1ff
    CHECK_EQ eax, 0x1ef, "SVR: software enabled, spurious vector 0xEF"
    mov dword [APIC_TPR], 0

    ; ---- one-shot: 10 ms at the divide-by-1 rate
    mov dword [APIC_TDCR], 0xb
    mov dword [APIC_LVTT], 0x40
    mov dword [APIC_TICR], 10000000
    mov eax, [APIC_TCCR]
    mov ebx, [APIC_TCCR]
    cmp ebx, eax
    setb al
    movzx eax, al
    CHECK_EQ eax, 1, "one-shot: the current count goes down"
    WAIT_FOR ticks, 1
    CHECK_EQ [ticks], 1, "one-shot: one interrupt"
    CHECK_EQ [APIC_TCCR], 0, "one-shot: the count stops at 0"
    CHECK_EQ [timer_isr_bit], 1, "timer vector in service in its handler"

    ; ---- periodic: 1 ms periods at divide by 16
    mov dword [ticks], 0
    mov dword [APIC_TDCR], 0x3
    mov dword [APIC_LVTT], 0x20040
    mov dword [APIC_TICR], 62500
    WAIT_FOR ticks, 4
    mov eax, [APIC_TCCR]
    cmp eax, 62500
    setbe al
    movzx eax, al
    CHECK_EQ eax, 1, "periodic: reloaded after every period"
    mov dword [APIC_LVTT], 0x30040          ; masked
    mov dword [APIC_TICR], 0                ; stopped
    CHECK_EQ [ticks], 4, "periodic: four interrupts"
    mov eax, [APIC_LVTT]
    CHECK_EQ eax, 0x30040, "LVT timer reads back (masked, periodic)"

    ; ---- a self-IPI below the TPR waits in the IRR
    mov dword [APIC_TPR], 0x50
    sti
    mov dword [APIC_ICR], 0x40045           ; shorthand self, fixed, vector 0x45
    SYNC
    nop
    CHECK_EQ [count45], 0, "TPR 0x50 holds vector 0x45"
    VBIT APIC_IRR, 0x45
    CHECK_EQ eax, 1, "vector 0x45 pending in the IRR"
    mov dword [APIC_TPR], 0x40
    SYNC
    nop
    CHECK_EQ [count45], 0, "TPR 0x40: the same class is still held"
    mov dword [APIC_TPR], 0x30
    SYNC
    nop
    cli
    CHECK_EQ [count45], 1, "lowering the TPR to 0x30 delivers it"
    CHECK_EQ [ppr45], 0x40, "PPR in the handler: the class in service"
    CHECK_EQ [isr45_bit], 1, "0x45 in the ISR in its handler"
    CHECK_EQ [count65], 1, "0x65 nested inside the 0x45 handler"
    CHECK_EQ [ppr65], 0x60, "PPR in the nested handler: class 6"
    CHECK_EQ [nested_both], 1, "both vectors in the ISR while nested"
    CHECK_EQ [after65_isr45], 1, "EOI in the nested handler ends 0x65 only"
    VBIT APIC_ISR, 0x45
    CHECK_EQ eax, 0, "ISR empty after the last EOI"
    CHECK_EQ [APIC_PPR], 0x30, "PPR back to the TPR"
    mov dword [APIC_TPR], 0
    EXIT

timer_isr:
    push eax
    inc dword [ticks]
    VBIT APIC_ISR, 0x40
    mov [timer_isr_bit], eax
    mov dword [APIC_EOI], 0
    pop eax
    iretd

isr45:
    push eax
    inc dword [count45]
    mov eax, [APIC_PPR]
    mov [ppr45], eax
    VBIT APIC_ISR, 0x45
    mov [isr45_bit], eax
    sti
    mov dword [APIC_ICR], 0x40065           ; a higher class: nests now
    SYNC
    nop
    cli
    VBIT APIC_ISR, 0x45
    mov [after65_isr45], eax
    mov dword [APIC_EOI], 0
    pop eax
    iretd

isr65:
    push eax
    push ebx
    inc dword [count65]
    mov eax, [APIC_PPR]
    mov [ppr65], eax
    VBIT APIC_ISR, 0x65
    mov ebx, eax
    VBIT APIC_ISR, 0x45
    and eax, ebx
    mov [nested_both], eax
    mov dword [APIC_EOI], 0
    pop ebx
    pop eax
    iretd

ticks: dd 0
timer_isr_bit: dd 0
count45: dd 0
count65: dd 0
ppr45: dd 0
ppr65: dd 0
isr45_bit: dd 0
nested_both: dd 0
after65_isr45: dd 0
section .rodata_strs
