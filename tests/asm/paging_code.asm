; Instruction fetch follows the TLB: code that remaps its own page keeps
; running from the old frame until INVLPG or a CR3 load (both serializing),
; then the very next instruction comes from the new frame. Same results under
; QEMU TCG.
%include "pm.inc"

PD   equ 0x300000
PT0  equ 0x301000                ; identity map of 0-4 MiB
PT1  equ 0x302000                ; 0x400000-0x7FFFFF
FA   equ 0x310000                ; two code frames for linear 0x400000
FB   equ 0x311000
CODE equ 0x400000

; COPY src, dst, len
%macro COPY 3
    mov esi, %1
    mov edi, %2
    mov ecx, %3
    rep movsb
%endmacro

section .text
start:
    PM_INIT
    mov edi, PD
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT0
    mov eax, 3
    mov ecx, 1024
.ident:
    stosd
    add eax, 0x1000
    loop .ident
    mov dword [PD], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [PT1], FA | 3
    COPY inv_old, FA, inv_len
    COPY inv_new, FB, inv_len
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    xor eax, eax
    call CODE
    CHECK_EQ eax, 3, "fetch uses the new frame right after INVLPG of its own page"
    mov eax, [PT1]
    and eax, ~0x60                ; the walk after INVLPG set A (and maybe D)
    CHECK_EQ eax, FB | 3, "the routine remapped its page"

    mov dword [PT1], FA | 3
    invlpg [CODE]
    COPY cr3_old, FA, cr3_len
    COPY cr3_new, FB, cr3_len
    xor eax, eax
    call CODE
    CHECK_EQ eax, 5, "fetch uses the new frame right after a CR3 load"

    ; and back: the old frame again after INVLPG, from outside the page
    mov dword [PT1], FA | 3
    invlpg [CODE]
    xor eax, eax
    call CODE + (cr3_tail - cr3_old)
    CHECK_EQ eax, 4, "old frame again after INVLPG from outside"
    EXIT

; Routines copied to FA (old) and FB (new): identical up to the serializing
; instruction, different after it.
inv_old:
    mov dword [PT1], FB | 3
    invlpg [CODE]
    mov eax, 2
    ret
inv_len equ $ - inv_old
inv_new:
    mov dword [PT1], FB | 3
    invlpg [CODE]
    mov eax, 3
    ret

cr3_old:
    mov dword [PT1], FB | 3
    mov ecx, cr3
    mov cr3, ecx
cr3_tail:
    mov eax, 4
    ret
cr3_len equ $ - cr3_old
cr3_new:
    mov dword [PT1], FB | 3
    mov ecx, cr3
    mov cr3, ecx
    mov eax, 5
    ret
section .rodata_strs
