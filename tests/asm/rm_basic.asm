; Real mode after leaving protected mode: IVT delivery for INT n and for an
; exception, IRET, far CALL/RETF, segment loads (base = sel << 4) that keep
; the cached limit ("unreal mode"), 32-bit PUSHFD/POPFD; then back to
; protected mode through a far JMP. The real-mode code runs from a copy at
; 0x8000 and leaves its results at RES.
%include "pm.inc"
BLOB equ 0x8000
RES equ 0x7000
%define OFS(l) ((l) - rm_blob)
section .text
start:
    PM_INIT
    mov esi, rm_blob
    mov edi, BLOB
    mov ecx, rm_end - rm_blob
    rep movsb
    mov edi, RES
    mov ecx, 16
    xor eax, eax
    rep stosd
    mov dword [0x100000 + 0x10000], 0x600DF00D         ; read from real mode through DS limit
    sidt [saved_idtr]
    mov [saved_esp], esp
    ; to 16-bit protected mode, then real mode
    jmp SEL_CODE16:(BLOB + OFS(rm_entry16) - 0)
back32:
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, [saved_esp]
    lidt [saved_idtr]
    CHECK_EQ [RES + 0], 0x1234, "real mode: INT n through the IVT"
    CHECK_EQ [RES + 4], 0, "real mode: INT clears IF in the handler"
    CHECK_EQ [RES + 8], 0x5678, "real mode: far call / retf"
    CHECK_EQ [RES + 12], 6, "real mode: ud2 through IVT vector 6"
    CHECK_EQ [RES + 16], 0x600DF00D, "real mode: DS keeps its 4 GiB limit (unreal mode)"
    CHECK_EQ [RES + 20], 0x00240000, "real mode: pushfd/popfd keep AC and ID"
    CHECK_EQ [RES + 24], 0x0800, "real mode: CS after far jmp"
    CHECK_EQ [RES + 28], 0xB8, "real mode: DS base is sel << 4 (first blob byte)"
    EXIT

saved_idtr: dw 0
    dd 0
saved_esp: dd 0
rm_idtr: dw 0x3FF
    dd 0

bits 16
rm_blob:
rm_entry16:                               ; 16-bit protected mode, CS base 0
    mov ax, SEL_DATA16
    mov ss, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp 0x0800:OFS(rm_real)
rm_real:
    xor ax, ax
    mov ss, ax
    mov sp, 0x6000
    mov es, ax                            ; ES = 0 for the results (limit stays 4 GiB)
    lidt [cs:OFS(rm_idtr_copy)]
    ; IVT entries 0x22 and 6
    mov word [es:0x22 * 4], OFS(rm_int22)
    mov word [es:0x22 * 4 + 2], 0x0800
    mov word [es:6 * 4], OFS(rm_ud)
    mov word [es:6 * 4 + 2], 0x0800
    sti
    int 0x22
    cli
    mov [es:RES + 0], ax
    call 0x0800:OFS(rm_far)
    mov [es:RES + 8], ax
    ud2
    ; (resumes here: the #UD handler skips the two bytes)
    mov [es:RES + 12], bx
    xor ax, ax
    mov ds, ax                            ; real-mode load: base 0, limit unchanged
    mov eax, [dword 0x110000]
    mov [es:RES + 16], eax
    pushfd
    pop eax
    mov ebx, eax
    or eax, 0x240000                      ; AC, ID
    push eax
    popfd
    pushfd
    pop eax
    push ebx
    popfd
    and eax, 0x240000
    mov [es:RES + 20], eax
    mov ax, cs
    mov [es:RES + 24], ax
    mov ax, 0x0800
    mov ds, ax
    mov al, [0]                           ; first byte of the blob at 0x8000 (mov ax: 0xB8)
    mov [es:RES + 28], al
    ; back to protected mode
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE0:back32
rm_int22:
    pushf
    pop bx
    and bx, 0x200
    mov [es:RES + 4], bx
    mov ax, 0x1234
    iret
rm_far:
    mov ax, 0x5678
    retf
rm_ud:
    push bp
    mov bp, sp
    add word [bp + 2], 2                  ; skip ud2
    pop bp
    mov bx, 6
    iret
rm_idtr_copy:
    dw 0x3FF
    dd 0
rm_end:
bits 32
section .rodata_strs
