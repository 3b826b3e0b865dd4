; External interrupts through the PIC: IF=0 holds a pending IRQ, STI's
; shadow lets exactly one more instruction run, HLT sleeps until the next
; timer tick and resumes after itself.
%include "pm.inc"
section .text
start:
    PM_INIT
    SET_GATE 0x20, irq0, SEL_CODE0, 0x8E
    ; PIC: master at 0x20, slave at 0x28, only IRQ0 unmasked
    PIC_REMAP 0xFE, 0xFF
    ; PIT channel 0: rate generator, about 1 ms
    mov al, 0x34
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al

    ; wait with IF=0 until IRQ0 is pending in the IRR
    mov al, 0x0A
    out 0x20, al
.poll:
    in al, 0x20
    test al, 1
    jz .poll
    CHECK_EQ [ticks], 0, "IF=0: a pending IRQ is not taken"
    sti
    nop
.after_first:
    nop
    cli
    CHECK_EQ [ticks], 1, "STI: the pending IRQ is taken"
    CHECK_EQ [irq_eip], .after_first, "STI shadow: one instruction runs first"

    sti
    hlt
.after_hlt:
    cli
    CHECK_EQ [ticks], 2, "HLT: woken by the next tick"
    CHECK_EQ [irq_eip], .after_hlt, "HLT: the handler returns after the HLT"
    mov al, 0xFF
    out 0x21, al
    EXIT

irq0:
    push eax
    mov eax, [esp + 4]
    mov [irq_eip], eax
    inc dword [ticks]
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

ticks: dd 0
irq_eip: dd 0
section .rodata_strs
