; Integer instructions that the native comparison (tests/diff/hostcmp.c)
; cannot run because they do not exist in 64-bit mode: PUSHA/POPA, 32-bit
; PUSH/POP/ENTER/LEAVE/CALL/RET imm, BOUND, and 16-bit addressing (67h) of
; string instructions, LOOP, JCXZ and XLAT. Each part folds its results
; (registers, memory, flags) into a checksum in EBP; the expected values
; were produced by running this same image under QEMU 7.2 (TCG), an
; implementation nobody here wrote.
%include "mb.inc"

%macro HASH 1                    ; ebp = rol(ebp, 5) ^ value
    rol ebp, 5
    xor ebp, %1
%endmacro
%macro HASHMEM 2                 ; hash %2 dwords at %1 (clobbers esi, ecx, eax)
    mov esi, %1
    mov ecx, %2
%%l:
    lodsd
    HASH eax
    dec ecx
    jnz %%l
%endmacro

LOW  equ 0x8000                  ; 16-bit addressable scratch (below 64 KiB)
STK  equ 0x90000

start:
    mov esp, STK

    ; ---- PUSHA/POPA (32 and 16), PUSH ESP, POP [ESP+disp] ----
    xor ebp, ebp
    mov eax, 0x11111111
    mov ecx, 0x22222222
    mov edx, 0x33333333
    mov ebx, 0x44444444
    mov esi, 0x66666666
    mov edi, 0x77777777
    pushad
    HASHMEM esp, 8
    popad
    HASH eax
    HASH ecx
    HASH edi
    mov eax, 0xaaaa1234
    o16 pushaw
    HASHMEM esp, 4
    mov ax, 0
    o16 popaw
    HASH eax
    HASH esp
    push dword 0x0badf00d
    push esp
    pop eax
    sub eax, esp                 ; ESP pushed before its own decrement
    HASH eax
    push dword 0x12345678
    pop dword [esp + 4]          ; address computed with the incremented ESP
    pop eax
    HASH eax
    HASH esp
    CHECK_EQ ebp, 0x3884b80a, "int_mix pusha/popa/push esp/pop mem"

    ; ---- ENTER with nesting levels 0..5, LEAVE ----
    xor ebp, ebp
    mov edi, 0
.enter_loop:
    mov dword [STK - 0x1000 - 4], 0xf1f1f1f1
    mov dword [STK - 0x1000 - 8], 0xf2f2f2f2
    mov dword [STK - 0x1000 - 12], 0xf3f3f3f3
    mov dword [STK - 0x1000 - 16], 0xf4f4f4f4
    mov dword [STK - 0x1000 - 20], 0xf5f5f5f5
    push ebp
    mov ebp, STK - 0x1000
    mov ebx, esp
    cmp edi, 0
    jne .l1
    enter 0x10, 0
    jmp .entered
.l1: cmp edi, 1
    jne .l2
    enter 0x10, 1
    jmp .entered
.l2: cmp edi, 2
    jne .l3
    enter 0x8, 2
    jmp .entered
.l3: cmp edi, 3
    jne .l4
    enter 0x4, 3
    jmp .entered
.l4: cmp edi, 4
    jne .l5
    enter 0, 4
    jmp .entered
.l5: enter 0x20, 5
.entered:
    mov eax, ebp
    sub eax, ebx
    mov ecx, esp
    sub ecx, ebx
    mov edx, [ebx - 8]
    mov esi, [ebx - 12]
    leave
    sub ebx, esp                 ; LEAVE restored ESP to the frame
    pop ebp
    HASH eax
    HASH ecx
    HASH edx
    HASH esi
    HASH ebx
    inc edi
    cmp edi, 6
    jb .enter_loop
    ; 16-bit operand size on a 32-bit stack
    mov dword [0x8abc8], 0xdeadbeef   ; the outer frame pointer ENTER reads
    push ebp
    mov ebp, 0x0008abcd
    o16 enter 8, 2
    mov eax, ebp
    mov ecx, esp
    o16 leave
    mov edx, ebp
    pop ebp
    HASH eax
    HASH ecx
    HASH edx
    CHECK_EQ ebp, 0x3cab44bd, "int_mix enter/leave"

    ; ---- CALL/RET imm, CALL r/m, BOUND in range ----
    xor ebp, ebp
    push dword 1
    push dword 2
    call .callee
    HASH eax
    HASH esp
    mov eax, .callee2
    call eax
    HASH eax
    mov dword [LOW], -3
    mov dword [LOW + 4], 7
    mov eax, 7
    bound eax, [LOW]
    mov eax, -3
    bound eax, [LOW]
    HASH eax
    CHECK_EQ ebp, 0x24108062, "int_mix call/ret/bound"
    jmp .strings
.callee:
    mov eax, [esp + 4]
    shl eax, 4
    add eax, [esp + 8]
    ret 8
.callee2:
    mov eax, esp
    sub eax, STK
    ret

    ; ---- 16-bit addressing: string ops, LOOP, JCXZ, XLAT ----
.strings:
    xor ebp, ebp
    mov edi, LOW
    mov ecx, 64
    mov eax, 0x9e3779b9
.fill:
    stosd
    rol eax, 7
    add eax, ecx
    loop .fill
    mov esi, 0xabcd0000 + LOW
    mov edi, 0x12340000 + LOW + 0x100
    mov ecx, 0xffff0010
    a16 rep movsd                ; SI/DI/CX only
    HASH esi
    HASH edi
    HASH ecx
    HASHMEM LOW + 0x100, 16
    mov esi, 0x00010000 + LOW
    mov edi, 0x00020000 + LOW + 0x100
    mov byte [LOW + 0x100 + 37], 0
    mov ecx, 0x00030040
    a16 repe cmpsb
    pushfd
    pop eax
    and eax, 0x8d5
    HASH eax
    HASH esi
    HASH edi
    HASH ecx
    mov dword [0xfffc], 0x01020304
    std
    mov edi, 0x5555ffff          ; DI = 0xffff going down
    mov ecx, 3
    mov al, 0x5a
    a16 rep stosb
    cld
    HASH edi
    HASH ecx
    mov eax, [0xfffc]
    HASH eax
    mov ecx, 0x77770005
    xor eax, eax
.lp:
    add eax, ecx
    a16 loop .lp                 ; CX counts
    HASH eax
    HASH ecx
    mov ecx, 0x00010000
    a16 jcxz .cxz
    HASH 1
.cxz:
    mov ebx, 0xffff0000 + LOW    ; BX = LOW
    mov eax, 0x13
    a16 xlatb
    HASH eax
    CHECK_EQ ebp, 0x003ed2ed, "int_mix 16-bit addressing"

    EXIT
