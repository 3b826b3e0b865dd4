; The TSC counts retired instructions (1 per instruction = 1 virtual ns,
; src/accel/emu.c; time skipped over HLT is added too, and nothing here
; halts), so RDTSC exposes the instruction count to the guest: the
; difference of two RDTSCs is the number of instructions retired from the
; first (included) to the second (excluded). Every engine must give the same
; counts. Each case is TSC_BEGIN, a body, TSC_END n, "name", where n counts
; the body's instructions; the span adds 3 (the first RDTSC and two MOVs).
;
; Most expectations follow from the instruction stream alone. Two are the
; reference interpreter's accounting, which the translator must reproduce to
; keep instruction counts and virtual time identical (noted at the case):
; an exception's delivery retires nothing (the faulting instruction is not
; counted; INT n is), and a REP string instruction retires once per batch of
; up to 1024 iterations on its element-by-element path and once per 16 page
; runs on its forward fast path (src/cpu/ops_string.c).
; Not for QEMU: its TSC is not instruction-derived.
%include "pm.inc"

%macro TSC_BEGIN 0
    rdtsc
    mov [tsc0], eax
    mov [tsc0 + 4], edx
%endmacro
%macro TSC_END 2                 ; body instructions, "name"
    rdtsc
    sub eax, [tsc0]
    sbb edx, [tsc0 + 4]
    CHECK_EQ edx, 0, %2
    CHECK_EQ eax, 3 + (%1), %2
%endmacro

section .text
start:
    PM_INIT
    SET_GATE 6, ud_skip, SEL_CODE0, 0x8E
    SET_GATE 0x41, int_ret, SEL_CODE0, 0x8E

    TSC_BEGIN
    TSC_END 0, "back-to-back RDTSC: 3 instructions apart"

    TSC_BEGIN
    times 10 nop
    TSC_END 10, "straight line: 10 NOPs"

    TSC_BEGIN
%rep 40
    add eax, ecx
    rol ebx, 3
%endrep
    TSC_END 80, "straight line: 80 ALU instructions (longer than a block)"

    TSC_BEGIN
    mov ecx, 100
.l1:
    dec ecx
    jnz .l1
    TSC_END 1 + 2 * 100, "loop: DEC/JNZ x100"

    TSC_BEGIN
    mov ecx, 50
.l2:
    nop
    loop .l2
    TSC_END 1 + 2 * 50, "loop: NOP/LOOP x50"

    TSC_BEGIN
    mov ecx, 20
.l3:
    call tsc_leaf
    dec ecx
    jnz .l3
    TSC_END 1 + 20 * (1 + 2 + 2), "calls: CALL, 2-instruction leaf, DEC/JNZ x20"

    TSC_BEGIN
    jmp SEL_CODE0:.far
.far:
    push dword SEL_CODE0
    push dword .far2
    retf
.far2:
    TSC_END 4, "far JMP, PUSH, PUSH, far RET"

    ; an instruction that crosses a page end (fetched byte by byte)
    mov esi, cross_tpl
    mov edi, 0x210FFD
    mov ecx, cross_len
    rep movsb
    TSC_BEGIN
    call 0x210FFD
    TSC_END 3, "CALL, a page-crossing MOV, RET"

    ; self-modifying: the store to the next instruction retires once, and
    ; the patched instruction once
    TSC_BEGIN
    mov dword [.smc + 1], 7
.smc:
    mov eax, 0
    mov ebx, eax
    TSC_END 3, "a store into the next instruction, then it"
    CHECK_EQ ebx, 7, "the patched instruction ran"

    ; the interpreter's accounting: INT n retires, the handler's IRET too
    TSC_BEGIN
    int 0x41
    TSC_END 2, "INT 0x41 and the handler's IRETD"

    ; the interpreter's accounting: #UD's delivery retires nothing and UD2
    ; does not retire; the handler runs 2 instructions (ADD [ESP], IRETD)
    TSC_BEGIN
    ud2
    TSC_END 2, "UD2 (faults, not counted), delivery (not counted), 2-instruction handler"

    ; REP with a count of zero still retires once
    TSC_BEGIN
    xor ecx, ecx
    rep movsb
    TSC_END 2, "REP MOVSB with ECX = 0"

    ; the interpreter's accounting: the element path (here DF=1) retires
    ; once per batch of 1024 iterations: 3000 iterations = 3 retirements
    TSC_BEGIN
    std
    mov esi, 0x220000 + 2999
    mov edi, 0x230000 + 2999
    mov ecx, 3000
    rep movsb
    cld
    TSC_END 6 + 2, "REP MOVSB x3000 backwards: 3 batches of up to 1024"
    CHECK_EQ ecx, 0, "REP MOVSB backwards completed"

    TSC_BEGIN
    std
    mov edi, 0x230000 + 4 * 1023
    mov ecx, 1024
    mov eax, 0x5A5A5A5A
    rep stosd
    cld
    TSC_END 6, "REP STOSD x1024 backwards: exactly one batch"

    ; the forward path through host pages retires like the element path,
    ; once per 1024 iterations (so that the count never depends on which
    ; path the TLB allowed): 18 pages of dwords = 18 retirements
    TSC_BEGIN
    mov edi, 0x240000
    mov ecx, 18 * 1024
    mov eax, 0x01020304
    rep stosd
    TSC_END 3 + 18, "REP STOSD over 18 pages forward: 1024 iterations per retirement"
    CHECK_EQ dword [0x240000 + 18 * 4096 - 4], 0x01020304, "REP STOSD forward completed"

    ; REPE CMPSB that stops at the first difference, after 10 iterations
    xor eax, eax
    mov edi, 0x220000
    mov ecx, 100
    rep stosb
    mov edi, 0x230000
    mov ecx, 100
    rep stosb
    mov byte [0x220000 + 9], 1
    mov byte [0x230000 + 9], 2
    TSC_BEGIN
    mov esi, 0x220000
    mov edi, 0x230000
    mov ecx, 100
    repe cmpsb
    TSC_END 4, "REPE CMPSB stopping after 10 iterations"
    CHECK_EQ ecx, 90, "REPE CMPSB stopped at the difference"

    ; ring 3 (CR4.TSD = 0): the same counting
    ENTER_RING3
    TSC_BEGIN
    mov ecx, 5
.l4:
    loop .l4
    TSC_END 1 + 5, "ring 3: MOV, LOOP x5"
    LEAVE_RING3

    EXIT

tsc_leaf:
    nop
    ret

; #UD handler: skip the 2-byte UD2
ud_skip:
    add dword [esp], 2
    iretd

int_ret:
    iretd

cross_tpl:
    mov eax, 0x12345678          ; B8 at 0x210FFD: 3 bytes on one page, 2 on the next
    ret
cross_len equ $ - cross_tpl

tsc0: dd 0, 0

section .rodata_strs
