; The I/O APIC from a guest, with the 8259s masked as an OS in symmetric I/O
; mode leaves them: its version and size, the PIT's IRQ 0 arriving on pin 2
; (edge) as a vector of our choice, masking a pin, and the RTC's IRQ 8 as a
; level-triggered pin: remote IRR set while the vector is in service, the
; line lowered by reading CMOS register C, cleared by the local APIC's EOI
; broadcast. Passes under qemu-system-i386 too.
%include "pm.inc"
LAPIC equ 0xFEE00000
APIC_ID equ LAPIC + 0x20
APIC_EOI equ LAPIC + 0xB0
APIC_SVR equ LAPIC + 0xF0
APIC_TMR equ LAPIC + 0x180
IOAPIC equ 0xFEC00000
IOREGSEL equ IOAPIC
IOWIN equ IOAPIC + 0x10

; sleep with HLT until dword [%1] reaches %2 (STI's shadow covers HLT)
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

; I/O APIC register %1 <- %2 / EAX <- register %1
%macro IOW 2
    mov dword [IOREGSEL], %1
    mov dword [IOWIN], %2
%endmacro
%macro IOR 1
    mov dword [IOREGSEL], %1
    mov eax, [IOWIN]
%endmacro

section .text
start:
    PM_INIT
    SET_GATE 0x42, pit_isr, SEL_CODE0, 0x8E
    SET_GATE 0x48, rtc_isr, SEL_CODE0, 0x8E
    mov dword [APIC_SVR], 0x1ff
    mov eax, [APIC_ID]
    and eax, 0xff000000
    mov [dest], eax

    IOR 1
    shr eax, 16
    and eax, 0xff
    CHECK_EQ eax, 23, "I/O APIC: 24 redirection entries"
    IOR 0x10 + 2 * 2
    and eax, 0x10000
    CHECK_EQ eax, 0x10000, "pin 2 masked after reset"

    ; ---- PIT IRQ 0 on pin 2: edge, active high, fixed, physical destination
    mov eax, [dest]
    IOW 0x11 + 2 * 2, eax
    IOW 0x10 + 2 * 2, 0x42
    mov al, 0x34                 ; channel 0, rate generator, about 1 ms
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
    WAIT_FOR pit_ticks, 3
    IOW 0x10 + 2 * 2, 0x10042    ; masked
    CHECK_EQ [pit_ticks], 3, "PIT IRQ 0 arrives on pin 2 as vector 0x42"
    CHECK_EQ [pit_tmr], 0, "an edge pin's vector is not in the TMR"
    IOR 0x10 + 2 * 2
    CHECK_EQ eax, 0x10042, "redirection entry reads back"
    mov al, 0x30                 ; channel 0 one-shot with a long count: quiet
    out 0x43, al
    mov al, 0xff
    out 0x40, al
    out 0x40, al

    ; ---- RTC IRQ 8 on pin 8: level, active high
    mov eax, [dest]
    IOW 0x11 + 2 * 8, eax
    IOW 0x10 + 2 * 8, 0x8048
    mov al, 0x0a                 ; register A: 1024 Hz periodic rate
    out 0x70, al
    mov al, 0x26
    out 0x71, al
    mov al, 0x0c                 ; clear pending flags
    out 0x70, al
    in al, 0x71
    mov al, 0x0b                 ; register B: periodic interrupt enable, 24 h
    out 0x70, al
    mov al, 0x42
    out 0x71, al
    WAIT_FOR rtc_ticks, 3
    mov al, 0x0b
    out 0x70, al
    mov al, 0x02
    out 0x71, al
    IOW 0x10 + 2 * 8, 0x18048
    CHECK_EQ [rtc_ticks], 3, "RTC IRQ 8 arrives on level pin 8 as vector 0x48"
    CHECK_EQ [rtc_tmr], 1, "a level pin's vector is in the TMR"
    CHECK_EQ [rtc_rirr], 0x4000, "remote IRR set while the vector is in service"
    IOR 0x10 + 2 * 8
    and eax, 0x4000
    CHECK_EQ eax, 0, "the EOI broadcast cleared remote IRR"
    EXIT

pit_isr:
    push eax
    inc dword [pit_ticks]
    mov eax, [APIC_TMR + 0x20]   ; vectors 0x40-0x5F
    shr eax, 2
    and eax, 1
    mov [pit_tmr], eax
    mov dword [APIC_EOI], 0
    pop eax
    iretd

rtc_isr:
    push eax
    inc dword [rtc_ticks]
    mov eax, [APIC_TMR + 0x20]
    shr eax, 8
    and eax, 1
    mov [rtc_tmr], eax
    IOR 0x10 + 2 * 8
    and eax, 0x4000
    mov [rtc_rirr], eax
    mov al, 0x0c                 ; read register C: the RTC lowers IRQ 8
    out 0x70, al
    in al, 0x71
    mov dword [APIC_EOI], 0
    pop eax
    iretd

dest: dd 0
pit_ticks: dd 0
pit_tmr: dd 0
rtc_ticks: dd 0
rtc_tmr: dd 0
rtc_rirr: dd 0
section .rodata_strs
