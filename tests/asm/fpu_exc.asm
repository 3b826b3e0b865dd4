; x87 exceptions as an operating system sees them: unmasked exceptions set
; ES/B, suppress the result and are delivered as #MF (CR0.NE=1) by the NEXT
; waiting instruction, never by a no-wait one; the masked stack-fault
; responses (IE+SF, C1, the QNaN indefinite); a biased result for unmasked
; overflow on a register; FERR# -> IRQ 13 and port 0xF0 (IGNNE#) when
; CR0.NE=0; FIP/FCS/FOP/FDP/FDS of the last non-control instruction in the
; 32- and 16-bit protected-mode environment images; FNSAVE/FRSTOR.
; QEMU 7.2 TCG agrees where it models these at all; the rest is marked
; QEMU_DIFFERS (QEMU has no stack faults, FOP, biased results, no result
; suppression for unmasked exceptions, checks pending exceptions only in
; FWAIT, and aborts on FERR#). Those expectations follow the SDM and agree
; with the host x87 (tests/diff/fpu_hostcmp.c).
%include "pm.inc"

%macro CHECK_W 3                 ; 16-bit memory operand == value
    push eax
    movzx eax, word %1
    CHECK_EQ eax, %2, %3
    pop eax
%endmacro
%macro FSW_IS 2                  ; FNSTSW AX == value
    fnstsw ax
    and eax, 0xFFFF
    CHECK_EQ eax, %1, %2
%endmacro

section .text
start:
    PM_INIT
    mov eax, cr0
    and eax, ~0xE                ; EM TS MP clear
    or eax, 0x22                 ; NE, MP
    mov cr0, eax

    ; ---- unmasked zero divide ----
    fninit
    fldcw [cw_ze]
    fld1
    fldz
fdiv_site:
    fdiv st1, st0                ; 1/0, ZE unmasked
    FSW_IS 0xB084, "unmasked ZE: FSW = B, TOP 6, ES, ZE"
    NOFAULT "unmasked ZE pending: FNSTSW (no-wait) runs", fnstsw [tmp]
    FAULTS 16, NOERR, "unmasked ZE: FWAIT -> #MF", fwait
    NOFAULT "unmasked ZE pending: FNSTENV runs", fnstenv [env]
    CHECK_W [env + 16], 0x08, "FNSTENV: FCS"
    CHECK_W [env + 4], 0xB084, "FNSTENV: FSW with ES"
    QEMU_DIFFERS "fpu_exc: FIP/FOP and the unmasked-exception response: QEMU moves FIP on FNSTSW, keeps no FOP, stores the quotient and keeps ES after FNSTENV"
    CHECK_EQ [env + 12], fdiv_site, "FNSTENV: FIP = the faulting FDIV, not a later control instruction"
    CHECK_W [env + 18], 0x04F9, "FNSTENV: FOP DC F9"
    FSW_IS 0x3004, "FNSTENV masks all exceptions: ES no longer set"
    fnclex
    fstp st0
    fstp dword [tmp]
    CHECK_EQ [tmp], 0x3F800000, "unmasked ZE: the destination keeps 1.0"
    END_QEMU_DIFFERS
    QEMU_DIFFERS "fpu_exc: every waiting instruction delivers #MF: QEMU checks only in FWAIT"
    fninit
    fldcw [cw_ze]
    fld1
    fldz
    fdiv st1, st0
    FAULTS 16, NOERR, "unmasked ZE: next waiting FLD1 -> #MF", fld1
    END_QEMU_DIFFERS

    QEMU_DIFFERS "fpu_exc: stack faults and unmasked OE: QEMU has no stack-fault detection nor biased results"
    ; ---- masked stack overflow and underflow ----
    fninit
    mov ecx, 8
.push8:
    fld1
    loop .push8
    FSW_IS 0x0000, "eight pushes: no fault, TOP 0"
    fld1
    FSW_IS 0x3A41, "stack overflow (masked): IE, SF, C1=1, TOP 7"
    fstp tword [tmp]
    CHECK_EQ [tmp + 4], 0xC0000000, "stack overflow: QNaN indefinite (mantissa)"
    CHECK_W [tmp + 8], 0xFFFF, "stack overflow: QNaN indefinite (sign, exponent)"
    fninit
    fadd st0, st1
    FSW_IS 0x0041, "stack underflow (masked): IE, SF, C1=0"
    fstp tword [tmp]
    CHECK_W [tmp + 8], 0xFFFF, "stack underflow: ST0 gets the indefinite"

    ; ---- unmasked stack underflow: nothing changes, #MF ----
    fninit
    fldcw [cw_ie]
    fld1
    fadd st0, st2                ; ST2 empty
    FSW_IS 0xB8C1, "unmasked underflow: ES, SF, IE, TOP unchanged"
    FAULTS 16, NOERR, "unmasked underflow: FWAIT -> #MF", fwait
    fnclex
    fstp dword [tmp]
    CHECK_EQ [tmp], 0x3F800000, "unmasked underflow: ST0 unchanged"

    ; ---- unmasked overflow on a register: result divided by 2^24576 ----
    fninit
    fldcw [cw_oe]
    fld tword [big]
    fmul st0, st0                ; 2^16383 squared
    FSW_IS 0xB888, "unmasked OE: ES, OE, result stored"
    fnclex
    fstp tword [tmp]
    CHECK_W [tmp + 8], 0x5FFD, "unmasked OE: exponent bias-adjusted by 0x6000"
    END_QEMU_DIFFERS

    ; ---- FIP/FDP bookkeeping, 32- and 16-bit protected-mode images ----
    fninit
fld_site:
    fld dword [val32]
    fnstcw [tmp]                 ; control instructions leave the pointers
    fnstenv [env]
    CHECK_EQ [env + 12], fld_site, "FNSTENV 32: FIP = the last non-control instruction"
    CHECK_W [env + 16], 0x08, "FNSTENV 32: FCS"
    QEMU_DIFFERS "fpu_exc: FOP: QEMU keeps none"
    CHECK_W [env + 18], 0x0105, "FNSTENV 32: FOP D9 05"
    END_QEMU_DIFFERS
    CHECK_EQ [env + 20], val32, "FNSTENV 32: FDP = the operand's offset"
    CHECK_W [env + 24], 0x10, "FNSTENV 32: FDS"
    CHECK_W [env + 8], 0x3FFF, "FNSTENV 32: tag word (ST0 valid, others empty)"
    o16 fnstenv [env16]
    mov edx, fld_site
    and edx, 0xFFFF
    CHECK_W [env16 + 6], edx, "FNSTENV 16: FIP offset"
    CHECK_W [env16 + 8], 0x08, "FNSTENV 16: FCS"
    mov edx, val32
    and edx, 0xFFFF
    CHECK_W [env16 + 10], edx, "FNSTENV 16: FDP offset"
    CHECK_W [env16 + 12], 0x10, "FNSTENV 16: FDS"
fldz_site:
    fldz                         ; register form: FDP/FDS stay
    fnstenv [env]
    QEMU_DIFFERS "fpu_exc: FOP: QEMU keeps none"
    CHECK_W [env + 18], 0x01EE, "after FLDZ: FOP D9 EE"
    END_QEMU_DIFFERS
    CHECK_EQ [env + 20], val32, "after FLDZ: FDP unchanged"
    fnsave [save]
    fnstcw [tmp]
    CHECK_W [tmp], 0x037F, "FNSAVE reinitializes"
    CHECK_W [save + 28 + 8], 0x0000, "FNSAVE: ST0 = +0 in the image"
    CHECK_W [save + 38 + 8], 0x3FFF, "FNSAVE: ST1 = 1.5 (exponent)"
    CHECK_EQ [save + 38 + 4], 0xC0000000, "FNSAVE: ST1 = 1.5 (mantissa)"
    frstor [save]
    fnstenv [env]
    QEMU_DIFFERS "fpu_exc: FNSAVE/FRSTOR pointers: QEMU saves none"
    CHECK_EQ [env + 12], fldz_site, "FRSTOR: FIP back"
    END_QEMU_DIFFERS
    CHECK_W [env + 8], 0x1FFF, "FRSTOR: tag word (zero, valid, empty)"
    fninit

    ; ---- CR0.NE=0: FERR# -> IRQ 13, port 0xF0 -> IGNNE# ----
    QEMU_DIFFERS "fpu_exc: FERR#/IRQ 13: QEMU 7.2 aborts (tcg_handle_interrupt assertion)"
    SET_GATE 0x2D, irq13, SEL_CODE0, 0x8E
    PIC_REMAP 0xFB, 0xDF         ; master: only the cascade; slave: only IRQ 13
    mov eax, cr0
    and eax, ~0x20
    mov cr0, eax

    fninit
    fldcw [cw_ze]
    fld1
    fldz
    fdiv st1, st0
    CHECK_EQ [irq13_count], 0, "NE=0: the unmasked exception itself raises nothing"
    sti
ferr_site:
    fwait                        ; FERR# -> IRQ 13; the handler writes port 0xF0
    nop
    cli
    CHECK_EQ [irq13_count], 1, "NE=0: the next waiting instruction raises IRQ 13"
    CHECK_EQ [irq13_eip], ferr_site, "NE=0: IRQ 13 interrupts the frozen FWAIT"
    FSW_IS 0xB084, "NE=0: ES still set after the handler"
    sti
    fld1                         ; IGNNE# asserted: runs, no second IRQ
    nop
    cli
    CHECK_EQ [irq13_count], 1, "IGNNE#: later waiting instructions run with ES set"
    fnclex                       ; ES clear: FERR# and IGNNE# go away
    fninit
    fldcw [cw_ze]
    fld1
    fldz
    fdiv st1, st0
    mov dword [irq13_clex], 1    ; this time the handler clears the exception
    sti
    fwait
    nop
    cli
    CHECK_EQ [irq13_count], 2, "after FNCLEX: a new exception raises IRQ 13 again"
    FSW_IS 0x3000, "the handler's FNCLEX: nothing pending"
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    mov eax, cr0
    or eax, 0x20
    mov cr0, eax
    END_QEMU_DIFFERS
    fninit
    EXIT

irq13:
    push eax
    mov eax, [esp + 4]
    mov [irq13_eip], eax
    inc dword [irq13_count]
    cmp dword [irq13_clex], 0
    je .keep
    fnclex
.keep:
    xor al, al
    out 0xF0, al                 ; clear the IRQ 13 latch, assert IGNNE#
    mov al, 0x20
    out 0xA0, al
    out 0x20, al
    pop eax
    iretd

align 4
cw_ze: dw 0x037B
cw_ie: dw 0x037E
cw_oe: dw 0x0377
align 4
val32: dd 0x3FC00000             ; 1.5
big: dq 0x8000000000000000
    dw 0x7FFE
align 4
irq13_count: dd 0
irq13_eip: dd 0
irq13_clex: dd 0
tmp: times 16 db 0
env: times 28 db 0
env16: times 14 db 0
align 4
save: times 108 db 0
section .rodata_strs
