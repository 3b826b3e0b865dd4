; 16-bit protected-mode code: interrupts through a 32-bit gate from a 16-bit
; code segment, a 16-bit interrupt gate and IRET with 16-bit operand size,
; far CALL/RETF with 16-bit operands, PUSH/POP of segment registers with
; 16-bit SP, and a far JMP back to 32-bit code. Runs from a copy at 0x8000
; (SEL_CODE16 has base 0), results at RES.
%include "pm.inc"
BLOB equ 0x8000
RES equ 0x7000
%define AT(l) (BLOB + (l) - c16_blob)
section .text
start:
    PM_INIT
    mov esi, c16_blob
    mov edi, BLOB
    mov ecx, c16_end - c16_blob
    rep movsb
    mov edi, RES
    mov ecx, 16
    xor eax, eax
    rep stosd
    SET_GATE 0x40, probe32, SEL_CODE0, 0x8E            ; 32-bit gate
    SET_GATE 0x41, AT(c16_handler), SEL_CODE16, 0x86   ; 16-bit gate to 16-bit code
    mov [saved_esp], esp
    jmp SEL_CODE16:AT(c16_entry)
back32:
    mov ax, SEL_DATA0                      ; DS first: SEL_DATA16 ends at 0xFFFF
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [saved_esp]
    CHECK_EQ [RES + 0], AT(c16_after40), "int from 16-bit code, 32-bit gate: EIP in the frame"
    CHECK_EQ [RES + 4], SEL_CODE16, "int from 16-bit code, 32-bit gate: CS in the frame"
    CHECK_EQ [RES + 8], 0x4141, "16-bit gate to 16-bit code, iret (o16) back"
    CHECK_EQ [RES + 12], 6, "16-bit gate: 6-byte frame"
    CHECK_EQ [RES + 16], 0x7777, "16-bit far call / retf"
    CHECK_EQ [RES + 20], SEL_DATA0, "push/pop ds with 16-bit operands"
    EXIT

probe32:                                   ; 32-bit handler: frame EIP and CS to RES
    push eax
    mov eax, [esp + 4]
    mov [ss:RES + 0], eax
    mov eax, [esp + 8]
    mov [ss:RES + 4], eax
    pop eax
    iretd

saved_esp: dd 0

bits 16
c16_blob:
c16_entry:
    mov ax, SEL_DATA16
    mov ss, ax
    mov esp, 0x6000                        ; all of ESP: the 32-bit handler addresses with ESP
    mov ds, ax
    int 0x40
c16_after40:
    mov bx, sp
    int 0x41
    sub bx, [RES + 12]                     ; handler stored its SP
    mov [RES + 12], bx
    call SEL_CODE16:AT(c16_far)
    mov [RES + 16], ax
    mov ax, SEL_DATA0
    mov es, ax
    push es
    pop fs
    mov ax, fs
    mov [RES + 20], ax
    jmp dword SEL_CODE0:back32
c16_handler:
    mov word [RES + 8], 0x4141
    mov [RES + 12], sp
    iret                                   ; 16-bit operand size
c16_far:
    mov ax, 0x7777
    retf
c16_end:
bits 32
section .rodata_strs
