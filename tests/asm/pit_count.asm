; PIT interrupts counted by a guest: channel 0 at about 1 kHz through the
; PIC, a HLT loop that sleeps until each tick, 50 ticks counted by the
; handler. Under -accel kvm (tests/cli/kvm.sh) the ticks are injected with
; KVM_INTERRUPT; the output is the same on every engine.
%include "pm.inc"
TICKS equ 50
section .text
start:
    PM_INIT
    SET_GATE 0x20, irq0, SEL_CODE0, 0x8E
    PIC_REMAP 0xFE, 0xFF
    mov al, 0x34                     ; channel 0, rate generator
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
.wait:
    sti                              ; the STI shadow covers the HLT: no tick slips in between
    hlt
    cli                              ; count with interrupts off: ticks stops at exactly TICKS
    cmp dword [ticks], TICKS
    jb .wait
    CHECK_EQ [ticks], TICKS, "50 PIT interrupts counted by the handler"
    CHECK_EQ [bad_vector], 0, "no other interrupt"
    mov al, 0xFF
    out 0x21, al
    EXIT

irq0:
    inc dword [ticks]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

ticks: dd 0
bad_vector: dd 0
section .rodata_strs
