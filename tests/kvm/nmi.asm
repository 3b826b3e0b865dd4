; The guest of tests/gdb/nmi.sh: an NMI handler (IDT vector 2) that counts,
; then a wait until three NMIs have arrived (the debugger injects them with
; 'monitor nmi'). Protected mode without paging: KVM runs it on any host.
%ifdef MAPFILE
[map symbols MAPFILE]
%endif
%include "mb.inc"

section .text
start:
    nop
    mov eax, nmi_handler
    mov [idt + 2 * 8], ax
    shr eax, 16
    mov [idt + 2 * 8 + 6], ax
    mov ax, cs
    mov [idt + 2 * 8 + 2], ax
    mov word [idt + 2 * 8 + 4], 0x8e00 ; present, DPL 0, 32-bit interrupt gate
    lidt [idtr]
ready:
    nop
.wait:
    pause
    cmp dword [count], 3
    jb .wait
    mov eax, [count]
    CHECK_EQ eax, 3, "three NMIs counted"
    EXIT

nmi_handler:
    inc dword [count]
nmi_iret:
    iret

align 8
idt: times 3 dq 0
idtr:
    dw 3 * 8 - 1
    dd idt
align 4
count: dd 0
section .rodata_strs
