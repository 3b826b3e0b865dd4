; The translator's native forms, each with a result fixed by the
; architecture: ADC/SBB carries, NEG/NOT, shifts and rotates by CL (a count
; of 0 keeps every flag) and by constants, LOCK on memory, a data segment
; with a base (as Linux's per-CPU FS), CMOV from memory, a JZ on flags a
; handler left, high byte registers next to their cached register, INC
; keeping CF. tests/run.sh runs it under the translator and the
; interpreter and compares, and make test runs it under the lockstep
; checker too.
%include "pm.inc"

DATA equ 0x200000

section .text
start:
    PM_INIT

    ; ---- ADC/SBB: a 64-bit add and subtract
    mov eax, 0xffffffff
    mov edx, 0xffffffff
    add eax, 1
    adc edx, 0
    setc bl
    CHECK_EQ edx, 0, "adc: carry through the high half"
    movzx ebx, bl
    CHECK_EQ ebx, 1, "adc: carry out"
    xor eax, eax
    mov edx, 5
    sub eax, 1
    sbb edx, 2
    CHECK_EQ edx, 2, "sbb: borrow in"
    mov dword [DATA], 10
    stc
    adc dword [DATA], 5
    CHECK_EQ dword [DATA], 16, "adc to memory with CF set"
    stc
    sbb dword [DATA], 6
    CHECK_EQ dword [DATA], 9, "sbb to memory with CF set"

    ; ---- NEG/NOT
    mov eax, 5
    neg eax
    setc cl
    CHECK_EQ eax, 0xfffffffb, "neg"
    movzx ecx, cl
    CHECK_EQ ecx, 1, "neg: CF of a nonzero operand"
    xor eax, eax
    neg eax
    setc cl
    movzx ecx, cl
    CHECK_EQ ecx, 0, "neg 0: CF clear"
    mov ecx, 0x0f0f0f0f
    cmp eax, eax
    not ecx
    setz dl
    movzx edx, dl
    CHECK_EQ ecx, 0xf0f0f0f0, "not"
    CHECK_EQ edx, 1, "not keeps ZF"

    ; ---- shifts and rotates by CL and by constants
    mov eax, 0x100
    xor ecx, ecx
    stc
    shl eax, cl
    setc dl
    movzx edx, dl
    CHECK_EQ edx, 1, "shl by cl = 0 keeps CF"
    mov cl, 4
    shr eax, cl
    CHECK_EQ eax, 0x10, "shr by cl"
    mov eax, 0x80000000
    mov cl, 31
    sar eax, cl
    CHECK_EQ eax, 0xffffffff, "sar by cl = 31"
    mov eax, 0x80000001
    rol eax, 1
    setc dl
    movzx edx, dl
    CHECK_EQ eax, 3, "rol 1"
    CHECK_EQ edx, 1, "rol 1: CF"
    mov eax, 0x12345678
    mov cl, 4
    ror eax, cl
    setc dl
    movzx edx, dl
    CHECK_EQ eax, 0x81234567, "ror by cl"
    CHECK_EQ edx, 1, "ror by cl: CF is the new MSB"
    xor edx, edx                ; ZF set
    rol eax, 3
    setz dl
    movzx edx, dl
    CHECK_EQ edx, 1, "rol keeps ZF"
    mov dword [DATA], 0x40000000
    rol dword [DATA], 2
    CHECK_EQ dword [DATA], 1, "rol memory"

    ; ---- LOCK on memory
    mov dword [DATA], 41
    lock inc dword [DATA]
    lock add dword [DATA], 8
    lock sub dword [DATA + 0], 0
    CHECK_EQ dword [DATA], 50, "lock inc, lock add"

    ; ---- a data segment with a base
    SET_DESC SEL_SPARE, DATA, 0xfffff, 0x92, 0xC
    mov ax, SEL_SPARE
    mov fs, ax
    mov dword [fs:0x10], 7
    inc dword [fs:0x10]
    mov ebx, 0x10
    add dword [fs:ebx], 2
    mov ecx, [fs:ebx]
    CHECK_EQ dword [DATA + 0x10], 10, "fs with a base: stores"
    CHECK_EQ ecx, 10, "fs with a base: load"
    lea esi, [fs:ebx + 4]
    CHECK_EQ esi, 0x14, "lea ignores the segment base"
    mov ax, SEL_DATA0
    mov fs, ax

    ; ---- CMOV from memory
    mov dword [DATA + 0x20], 0x1234
    mov ecx, 1
    mov eax, 3
    cmp eax, 3
    cmove ecx, [DATA + 0x20]
    cmovne ecx, [DATA]
    CHECK_EQ ecx, 0x1234, "cmov from memory"

    ; ---- JZ on flags a handler left (BSF of 0 sets ZF)
    xor eax, eax
    mov ecx, 9
    bsf ecx, eax
    jz .zf_ok
    FAIL "jz after bsf"
.zf_ok:
    mov eax, 8
    bsf ecx, eax
    jnz .nzf_ok
    FAIL "jnz after bsf"
.nzf_ok:
    CHECK_EQ ecx, 3, "bsf"

    ; ---- high byte registers next to their cached register
    mov eax, 0x1234
    add ah, al
    CHECK_EQ eax, 0x4634, "add ah, al"
    mov ebx, 0xaabbccdd
    mov bl, bh
    xchg ch, bl
    mov al, ch
    CHECK_EQ ebx, 0xaabbcc00, "mov bl, bh; xchg ch, bl (ch was 0)"
    CHECK_EQ eax, 0x46cc, "mov al, ch"

    ; ---- INC/DEC keep CF
    xor eax, eax
    sub eax, 1                  ; CF = 1
    inc ebx
    setc cl
    movzx ecx, cl
    CHECK_EQ ecx, 1, "inc keeps CF of a sub"
    xor eax, eax                ; CF = 0
    dec ebx
    setc cl
    movzx ecx, cl
    CHECK_EQ ecx, 0, "dec keeps CF of a logic op"

    EXIT
