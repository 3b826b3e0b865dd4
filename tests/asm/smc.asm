; Self-modifying and cross-modified code: every write to bytes that have
; already been fetched and decoded (or translated) must be seen by the next
; execution of those bytes, whatever engine runs them:
;   - a store into the immediate of the very next instruction, and of one three
;     instructions ahead, in the same straight-line run;
;   - a store that changes an opcode and with it the instruction boundaries;
;   - a loop body patched between iterations, from another block and from a
;     later instruction of the same block;
;   - a REP MOVSB / REP STOSB that overwrites code ahead of itself, in the same
;     block, and a long REP MOVSB (more than one batch, across a page) that
;     overwrites what follows it;
;   - code written then entered with a far jump (same CS, and a CS whose base
;     makes the same bytes appear at another offset);
;   - an instruction that straddles a page boundary, patched on either page,
;     without paging and with the two pages in non-adjacent frames (then the
;     second page remapped);
;   - paging on: code written through a second linear alias of its page (in
;     another block, and in the same block as the patched instruction);
;   - code patched, then a CR3 switch to a page directory that maps the same
;     frame at another linear address, executed there; patched there; back.
; Every expected value is what one-instruction-at-a-time execution gives (the
; SDM's rule for a store to the instruction stream within the same linear
; and physical page, after a serializing or a far jump otherwise).
%include "pm.inc"

PD_A   equ 0x300000              ; 0-4 MiB identity, 0x400000-: PT_A1
PD_B   equ 0x301000              ; 0-4 MiB identity, 0x800000-: PT_B2
PT0    equ 0x302000
PT_A1  equ 0x303000
PT_B2  equ 0x304000
FCODE  equ 0x320000              ; the code frame mapped at 0x400000, 0x401000 (A), 0x800000 (B)
FS1    equ 0x331000              ; straddle test: linear 0x402000 -> FS1, 0x403000 -> FS2
FS2    equ 0x330000
FS3    equ 0x332000              ; ... then 0x403000 -> FS3
LIN_A  equ 0x400000
LIN_A2 equ 0x401000              ; second alias of FCODE under PD_A
LIN_B  equ 0x800000              ; FCODE under PD_B
LIN_S  equ 0x402000

BUF    equ 0x210000              ; code buffers (no paging part)
BIG    equ 0x214A00              ; long REP MOVSB buffer (its copy crosses 0x215000)
SEL_CODEB equ 0x48               ; code segment with base BUF + 0x2000

; SMC_BEGIN "name" / store instructions / SMC_END: a routine whose
; instructions store ECX into the immediate of the instruction that follows
; them (EDI = its address), called twice (decoded fresh, then cached) with
; two values.
%macro SMC_BEGIN 1
    %push smc
    %define %$name %1
    jmp %$run
%$fn:
    mov edi, %$i + 1
%endmacro
%macro SMC_END 0
%$i: mov eax, 0
    ret
%$run:
    mov ecx, 0x12345678
    call %$fn
    CHECK_EQ eax, 0x12345678, %$name
    mov ecx, 0x9ABCDEF0
    call %$fn
    %strcat %$again %$name, " (cached)"
    CHECK_EQ eax, 0x9ABCDEF0, %$again
    %pop
%endmacro

section .text
start:
    PM_INIT

; ---- same block: the store's target is the very next instruction ----------
    mov ecx, 0x11111111
    call smc_next
    CHECK_EQ eax, 0x11111111, "store to the next instruction's immediate (decoded fresh)"
    mov ecx, 0x22222222
    call smc_next
    CHECK_EQ eax, 0x22222222, "store to the next instruction's immediate (cached block)"
    mov ecx, 0x33333333
    call smc_ahead
    CHECK_EQ eax, 0x33333333, "store to an immediate three instructions ahead"
    CHECK_EQ edx, 2, "the instructions in between ran once"
    mov ecx, 0x44444444
    call smc_ahead
    CHECK_EQ eax, 0x44444444, "store three instructions ahead (cached block)"

; ---- an opcode patched: the instruction boundaries change -------------------
    mov cl, 0xB8                 ; mov eax, 0x40404040
    call smc_opcode
    CHECK_EQ eax, 0x40404040, "opcode B8: mov eax, imm32"
    mov cl, 0x90                 ; nop; inc eax x4
    call smc_opcode
    CHECK_EQ eax, 4, "opcode patched to NOP: the immediate bytes run as INC EAX x4"
    mov cl, 0xB8
    call smc_opcode
    CHECK_EQ eax, 0x40404040, "opcode patched back to B8"

; ---- every kind of store into the next instruction ----------------------------
    fninit
    mov eax, cr4
    or eax, 0x200                ; OSFXSR: SSE instructions allowed
    mov cr4, eax
    SMC_BEGIN "store form: mov [edi], ecx"
    mov [edi], ecx
    SMC_END
    SMC_BEGIN "store form: two 16-bit stores"
    mov [edi], cx
    ror ecx, 16
    mov [edi + 2], cx
    ror ecx, 16
    SMC_END
    SMC_BEGIN "store form: four byte stores"
    mov [edi], cl
    mov [edi + 1], ch
    ror ecx, 16
    mov [edi + 2], cl
    mov [edi + 3], ch
    ror ecx, 16
    SMC_END
    SMC_BEGIN "store form: stosd"
    xchg eax, ecx
    stosd
    xchg eax, ecx
    SMC_END
    SMC_BEGIN "store form: movsd"
    mov [smc_tmp], ecx
    mov esi, smc_tmp
    movsd
    SMC_END
    SMC_BEGIN "store form: add (read-modify-write)"
    mov dword [edi], 0
    add [edi], ecx
    SMC_END
    SMC_BEGIN "store form: xchg"
    push ecx
    xchg [edi], ecx
    pop ecx
    SMC_END
    SMC_BEGIN "store form: cmpxchg"
    mov eax, [edi]
    lock cmpxchg [edi], ecx
    SMC_END
    SMC_BEGIN "store form: pop [mem]"
    push ecx
    pop dword [edi]
    SMC_END
    SMC_BEGIN "store form: push onto the code"
    mov [smc_tmp], esp
    lea esp, [edi + 4]
    push ecx
    mov esp, [smc_tmp]
    SMC_END
    SMC_BEGIN "store form: x87 fistp"
    mov [smc_tmp], ecx
    fild dword [smc_tmp]
    fistp dword [edi]
    SMC_END
    SMC_BEGIN "store form: MMX movd"
    movd mm0, ecx
    movd [edi], mm0
    emms
    SMC_END
    SMC_BEGIN "store form: SSE movss"
    movd xmm0, ecx
    movss [edi], xmm0
    SMC_END
    SMC_BEGIN "store form: bts of each set bit"
    mov dword [edi], 0
    push ecx
    push ebx
    xor ebx, ebx
%$bits:
    shr ecx, 1
    jnc %$zero
    bts [edi], ebx
%$zero:
    inc ebx
    cmp ebx, 32
    jb %$bits
    pop ebx
    pop ecx
    SMC_END

; ---- a loop body patched between iterations, from another block --------------
    xor eax, eax
    mov ecx, 1
.top:
.body:
    add eax, strict dword 0x1000 ; 05 imm32
    jmp .patch
.patch:
    inc ecx
    mov [.body + 1], ecx         ; the next iteration adds ECX
    cmp ecx, 5
    jbe .top
    CHECK_EQ eax, 0x1000 + 2 + 3 + 4 + 5, "loop body patched from another block between iterations"

; ---- ... and from a later instruction of the same block ----------------------
    xor eax, eax
    mov ecx, 4
.top2:
.b2:
    add eax, strict dword 1
    mov [.b2 + 1], ecx           ; already executed in this block: seen on the next lap
    loop .top2
    CHECK_EQ eax, 1 + 4 + 3 + 2, "earlier instruction of the same block patched, seen after LOOP"

; ---- REP MOVSB / REP STOSB over code ahead of them ---------------------------
    call smc_rep_movs
    CHECK_EQ eax, 0x33333333, "REP MOVSB overwrites the next instruction"
    call smc_rep_movs
    CHECK_EQ eax, 0x33333333, "REP MOVSB overwrites the next instruction (restored, cached)"
    call smc_rep_stos
    CHECK_EQ eax, -8, "REP STOSB turns INC EAX x8 ahead into DEC EAX x8"
    call smc_rep_stos
    CHECK_EQ eax, -8, "REP STOSB over code ahead (restored, cached)"

    ; a long copy (3 KiB: more than one batch of iterations, into the next
    ; page) over the code that follows the REP MOVSB
    mov esi, big_old
    mov edi, BIG
    mov ecx, big_old_len
    rep movsb
    xor eax, eax
    call BIG + 2                 ; the old routine (after the REP): returns 1
    CHECK_EQ eax, 1, "long-copy routine before the copy"
    mov edi, BIG + 0x800         ; the new code: NOPs, then mov eax, 0x5555; ret
    mov ecx, 0x1400 - 0x800 - 6
    mov al, 0x90
    rep stosb
    mov byte [BIG + 0x1400 - 6], 0xB8
    mov dword [BIG + 0x1400 - 5], 0x5555
    mov byte [BIG + 0x1400 - 1], 0xC3
    mov esi, BIG + 0x800         ; source: the new code, 0x1400 bytes starting at +0x800
    mov edi, BIG + 2             ; destination: right after the REP MOVSB
    mov ecx, 0x1400 - 0x800      ; (they overlap; forward, each source byte is read before
                                 ;  it is overwritten)
    call BIG                     ; rep movsb; then runs what it wrote
    CHECK_EQ eax, 0x5555, "REP MOVSB of 3 KiB over the code after it, across a page"
    CHECK_EQ ecx, 0, "long REP MOVSB completed"

; ---- written, then entered through a far jump ----------------------------------
    mov esi, far_tpl
    mov edi, BUF + 0x2000
    mov ecx, far_tpl_len
    rep movsb
    SET_DESC SEL_CODEB, BUF + 0x2000, 0xFFFF, 0x9A, 0x4   ; 32-bit code, base BUF+0x2000
    mov dword [far_ptr], .far1
    mov word [far_ptr + 4], SEL_CODE0
    jmp SEL_CODE0:BUF + 0x2000
.far1:
    CHECK_EQ eax, 0x11111111, "far jump to written code"
    mov dword [BUF + 0x2001], 0x22222222
    mov dword [far_ptr], .far2
    jmp SEL_CODE0:BUF + 0x2000
.far2:
    CHECK_EQ eax, 0x22222222, "far jump to code patched after it ran"
    mov dword [BUF + 0x2001], 0x33333333
    mov dword [far_ptr], .far3
    jmp SEL_CODEB:0
.far3:
    CHECK_EQ eax, 0x33333333, "far jump to the patched bytes through a CS with another base"
    mov dword [BUF + 0x2001], 0x44444444
    mov dword [far_ptr], .far4
    jmp SEL_CODE0:BUF + 0x2000
.far4:
    CHECK_EQ eax, 0x44444444, "patched again, entered through the flat CS"

; ---- an instruction straddling a page boundary, no paging ----------------------
    ; mov eax, imm32 at BUF+0xFFD: B8 and two immediate bytes on one page, two on the next
    mov esi, straddle_tpl
    mov edi, BUF + 0xFFD
    mov ecx, straddle_tpl_len
    rep movsb
    call BUF + 0xFFD
    CHECK_EQ eax, 0x44332211, "straddling instruction"
    mov byte [BUF + 0x1000], 0xAA        ; third immediate byte: second page
    call BUF + 0xFFD
    CHECK_EQ eax, 0x44AA2211, "straddling instruction patched on its second page"
    mov byte [BUF + 0xFFE], 0xBB         ; first immediate byte: first page
    call BUF + 0xFFD
    CHECK_EQ eax, 0x44AA22BB, "straddling instruction patched on its first page"

; ---- paging: page tables ------------------------------------------------------
    mov edi, PD_A
    mov ecx, 5 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT0
    mov eax, 3
    mov ecx, 1024
.ident:
    stosd
    add eax, 0x1000
    loop .ident
    mov dword [PD_A], PT0 | 3
    mov dword [PD_A + 4], PT_A1 | 3
    mov dword [PD_B], PT0 | 3
    mov dword [PD_B + 8], PT_B2 | 3
    mov dword [PT_A1 + 0], FCODE | 3     ; 0x400000
    mov dword [PT_A1 + 4], FCODE | 3     ; 0x401000: alias
    mov dword [PT_A1 + 8], FS1 | 3       ; 0x402000
    mov dword [PT_A1 + 12], FS2 | 3      ; 0x403000
    mov dword [PT_B2 + 0], FCODE | 3     ; 0x800000 under PD_B
    ; code into the frames (through the identity map, paging still off)
    mov esi, alias_tpl
    mov edi, FCODE
    mov ecx, alias_tpl_len
    rep movsb
    mov esi, alias2_tpl
    mov edi, FCODE + ALIAS2_OFF
    mov ecx, alias2_tpl_len
    rep movsb
    mov esi, cr3_tpl
    mov edi, FCODE + CR3_OFF
    mov ecx, cr3_tpl_len
    rep movsb
    mov esi, straddle_tpl        ; mov eax, imm32 at 0x402FFD: 3 bytes in FS1, 3 in FS2
    mov edi, FS1 + 0xFFD
    mov ecx, 3
    rep movsb
    mov edi, FS2
    mov ecx, straddle_tpl_len - 3
    rep movsb
    mov esi, straddle_tpl + 3    ; FS3: the same tail, other values
    mov edi, FS3
    mov ecx, straddle_tpl_len - 3
    rep movsb
    mov word [FS3], 0x6655
    mov eax, PD_A
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

; ---- a second linear alias ------------------------------------------------------
    call LIN_A
    CHECK_EQ eax, 0x11111111, "paging: routine through its first alias"
    mov dword [LIN_A2 + 1], 0x22222222
    call LIN_A
    CHECK_EQ eax, 0x22222222, "written through the second alias, run through the first"
    mov dword [FCODE + 1], 0x33333333    ; a third: the identity map of the frame
    call LIN_A
    CHECK_EQ eax, 0x33333333, "written through the identity map, run through the first alias"
    mov ecx, 0x55555555
    call LIN_A + ALIAS2_OFF
    CHECK_EQ eax, 0x55555555, "same block: next instruction written through the other alias"
    mov ecx, 0x66666666
    call LIN_A + ALIAS2_OFF
    CHECK_EQ eax, 0x66666666, "same block, other alias (cached block)"

; ---- straddling a page boundary, non-adjacent frames ----------------------------
    call LIN_S + 0xFFD
    CHECK_EQ eax, 0x44332211, "paging: straddling instruction, frames out of order"
    mov byte [FS2], 0xCC                 ; second page, through its frame's identity address
    call LIN_S + 0xFFD
    CHECK_EQ eax, 0x44CC2211, "straddling instruction patched in its second frame"
    mov byte [LIN_S + 0xFFF], 0xDD       ; first page, through the linear address
    call LIN_S + 0xFFD
    CHECK_EQ eax, 0x44CCDD11, "straddling instruction patched through its own linear address"
    mov dword [PT_A1 + 12], FS3 | 3      ; second page now FS3
    invlpg [LIN_S + 0x1000]
    call LIN_S + 0xFFD
    CHECK_EQ eax, 0x6655DD11, "straddling instruction after its second page is remapped"

; ---- CR3 switch: the same frame at another linear address -----------------------
    call LIN_A + CR3_OFF
    CHECK_EQ eax, 0x0A0A0A0A, "PD A: routine at 0x400000 + off"
    mov dword [FCODE + CR3_OFF + 1], 0x0B0B0B0B  ; patched through the identity map
    mov eax, PD_B
    mov cr3, eax
    call LIN_B + CR3_OFF
    CHECK_EQ eax, 0x0B0B0B0B, "PD B: same frame at 0x800000 + off sees the patch"
    mov dword [LIN_B + CR3_OFF + 1], 0x0C0C0C0C  ; patched under B, through B's address
    call LIN_B + CR3_OFF
    CHECK_EQ eax, 0x0C0C0C0C, "PD B: patched through B's mapping"
    mov eax, PD_A
    mov cr3, eax
    call LIN_A + CR3_OFF
    CHECK_EQ eax, 0x0C0C0C0C, "back to PD A: sees the patch made under B"
    mov eax, PD_B
    mov cr3, eax
    mov dword [FCODE + CR3_OFF + 1], 0x0D0D0D0D  ; patch while under B ...
    mov eax, PD_A                                ; ... run under A
    mov cr3, eax
    call LIN_A + CR3_OFF
    CHECK_EQ eax, 0x0D0D0D0D, "patched under B, run under A"

    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    EXIT

; ECX = value; returns it through the patched immediate of the next instruction
smc_next:
    mov [.i + 1], ecx
.i: mov eax, 0
    ret

smc_ahead:
    xor edx, edx
    mov [.i + 1], ecx
    inc edx
    inc edx
.i: mov eax, 0
    ret

; CL = opcode byte for .i
smc_opcode:
    xor eax, eax
    mov [.i], cl
.i: mov eax, 0x40404040          ; B8 40 40 40 40 (0x40 = inc eax)
    ret

smc_rep_movs:
    mov esi, rep_old             ; restore (another block), then overwrite from the same block
    mov edi, .t
    mov ecx, 5
    rep movsb
    mov esi, rep_new
    mov edi, .t
    mov ecx, 5
    cld
    rep movsb
.t: mov eax, 0x11111111
    ret
rep_old: mov eax, 0x11111111
rep_new: mov eax, 0x33333333

smc_rep_stos:
    mov edi, .t
    mov ecx, 8
    mov al, 0x40
    rep stosb                    ; restore INC EAX x8
    mov edi, .t
    mov ecx, 8
    mov al, 0x48
    rep stosb                    ; DEC EAX x8
    xor eax, eax
.t: times 8 inc eax
    ret

; the long-copy routine: at BIG, rep movsb; then the old code (returns 1)
big_old:
    rep movsb
    mov eax, 1
    ret
big_old_len equ $ - big_old

; entered by a far jump; returns through far_ptr
far_tpl:
    mov eax, 0x11111111
    jmp far [far_ptr]
far_tpl_len equ $ - far_tpl
smc_tmp: dd 0
far_ptr: dd 0
         dw 0

straddle_tpl:
    mov eax, 0x44332211
    ret
straddle_tpl_len equ $ - straddle_tpl

ALIAS2_OFF equ 0x100
CR3_OFF equ 0x200
alias_tpl:
    mov eax, 0x11111111
    ret
alias_tpl_len equ $ - alias_tpl

; at FCODE + ALIAS2_OFF, run through LIN_A: stores through LIN_A2
alias2_tpl:
    mov [LIN_A2 + ALIAS2_OFF + (.i - alias2_tpl) + 1], ecx
.i: mov eax, 0
    ret
alias2_tpl_len equ $ - alias2_tpl

cr3_tpl:
    mov eax, 0x0A0A0A0A
    ret
cr3_tpl_len equ $ - cr3_tpl

section .rodata_strs
