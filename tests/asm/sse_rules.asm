; MMX/SSE/SSE2 system rules as an operating system meets them: CPUID bits,
; CR4.OSFXSR/OSXMMEXCPT, #UD/#NM by CR0.EM/TS, #XM vs #UD for an unmasked
; SIMD exception, #GP(0) for misaligned 16-byte operands and for reserved
; MXCSR bits, the MMX/x87 aliasing (tags, TOS, exponent 0xFFFF), EMMS, and
; an FXSAVE/FXRSTOR round trip with the abridged tag byte.
; Same results under qemu-system-i386 -cpu qemu32,+mmx,+fxsr,+sse,+sse2 (the
; harness knows QEMU by its CPUID brand string), except where QEMU
; 7.2 TCG is known to differ from the hardware (skipped there): it keeps no
; MXCSR exception flags and so raises no #XM, does not check MXCSR reserved
; bits (LDMXCSR, FXRSTOR), does not set the exponent of an MMX register, and
; does not raise #MF for MMX instructions.
%include "pm.inc"

%macro SET_CR0 2                 ; bits to set, bits to clear
    mov eax, cr0
    or eax, %1
    and eax, ~(%2)
    mov cr0, eax
%endmacro
%macro SET_CR4 2
    mov eax, cr4
    or eax, %1
    and eax, ~(%2)
    mov cr4, eax
%endmacro

CR0_EM equ 4
CR0_TS equ 8
CR0_NE equ 0x20
OSFXSR equ 0x200
OSXMMEXCPT equ 0x400

section .text
start:
    PM_INIT
    SET_CR0 CR0_NE, CR0_EM | CR0_TS | 2
    fninit

    mov eax, 1
    cpuid
    mov eax, edx
    and eax, (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26)
    CHECK_EQ eax, (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26), "CPUID.1 EDX: MMX FXSR SSE SSE2"

    ; ---- CR4.OSFXSR = 0: SSE is #UD, MMX is not ----
    SET_CR4 0, OSFXSR | OSXMMEXCPT
    FAULTS 6, NOERR, "OSFXSR=0: ADDPS -> #UD", addps xmm0, xmm1
    FAULTS 6, NOERR, "OSFXSR=0: PXOR xmm -> #UD", pxor xmm0, xmm0
    FAULTS 6, NOERR, "OSFXSR=0: LDMXCSR -> #UD", ldmxcsr [mxcsr_val]
    NOFAULT "OSFXSR=0: MMX PXOR runs", pxor mm0, mm0
    emms
    SET_CR4 OSFXSR, 0
    mov eax, cr4
    and eax, OSFXSR | OSXMMEXCPT
    CHECK_EQ eax, OSFXSR, "CR4.OSFXSR is writable"
    NOFAULT "OSFXSR=1: ADDPS runs", addps xmm0, xmm1

    ; ---- CR0.EM and CR0.TS ----
    SET_CR0 CR0_EM, 0
    FAULTS 6, NOERR, "CR0.EM: ADDPS -> #UD", addps xmm0, xmm1
    FAULTS 6, NOERR, "CR0.EM: PXOR mm -> #UD", pxor mm0, mm0
    FAULTS 7, NOERR, "CR0.EM: FXSAVE -> #NM", fxsave [fxarea]
    SET_CR0 CR0_TS, CR0_EM
    FAULTS 7, NOERR, "CR0.TS: ADDPS -> #NM", addps xmm0, xmm1
    FAULTS 7, NOERR, "CR0.TS: MOVQ mm -> #NM", movq mm0, mm1
    FAULTS 7, NOERR, "CR0.TS: FXRSTOR -> #NM", fxrstor [fxarea]
    NOFAULT "CR0.TS: MOVNTI runs (no SIMD state)", movnti [scratch], eax
    clts

    ; ---- alignment ----
    mov esi, buf + 8                ; buf is 16-aligned
    FAULTS 13, 0, "MOVAPS misaligned -> #GP(0)", movaps xmm0, [esi]
    FAULTS 13, 0, "MOVDQA store misaligned -> #GP(0)", movdqa [esi], xmm0
    FAULTS 13, 0, "ADDPS m128 misaligned -> #GP(0)", addps xmm0, [esi]
    FAULTS 13, 0, "FXSAVE misaligned -> #GP(0)", fxsave [esi]
    NOFAULT "MOVUPS misaligned runs", movups xmm0, [esi]
    NOFAULT "ADDSS m32 misaligned runs", addss xmm0, [esi + 1]
    NOFAULT "MOVQ xmm, m64 misaligned runs", movq xmm0, [esi + 3]

    ; ---- MXCSR ----
    QEMU_DIFFERS "MXCSR reserved bits and exception flags: QEMU 7.2 TCG has neither"
    mov dword [mxcsr_val], 0x10000
    FAULTS 13, 0, "LDMXCSR reserved bit -> #GP(0)", ldmxcsr [mxcsr_val]
    stmxcsr [mxcsr_val]
    CHECK_EQ dword [mxcsr_val], 0x1F80, "MXCSR unchanged by the faulting LDMXCSR"

    ; ---- unmasked SIMD exception: #UD without OSXMMEXCPT, #XM with it ----
    mov dword [mxcsr_val], 0x1F80 & ~0x200   ; ZE unmasked
    ldmxcsr [mxcsr_val]
    movaps xmm0, [ones]
    xorps xmm1, xmm1
    FAULTS 6, NOERR, "1/0 unmasked, OSXMMEXCPT=0 -> #UD", divps xmm0, xmm1
    SET_CR4 OSXMMEXCPT, 0
    FAULTS 19, NOERR, "1/0 unmasked, OSXMMEXCPT=1 -> #XM", divps xmm0, xmm1
    stmxcsr [mxcsr_val]
    CHECK_EQ dword [mxcsr_val], (0x1F80 & ~0x200) | 4, "#XM: MXCSR.ZE set"
    movd eax, xmm0
    CHECK_EQ eax, 0x3F800000, "#XM: destination not written"
    mov dword [mxcsr_val], 0x1F80
    ldmxcsr [mxcsr_val]
    divps xmm0, xmm1
    movd eax, xmm0
    CHECK_EQ eax, 0x7F800000, "1/0 masked: infinity"
    stmxcsr [mxcsr_val]
    CHECK_EQ dword [mxcsr_val], 0x1F84, "1/0 masked: ZE set"
    SET_CR4 0, OSXMMEXCPT
    mov dword [mxcsr_val], 0x1F80
    ldmxcsr [mxcsr_val]
    END_QEMU_DIFFERS

    ; ---- MMX aliases the x87 registers ----
    fninit
%rep 8
    fldz                            ; every register +0.0
%endrep
    fninit                          ; all empty, contents kept
    fld1                            ; TOS 7, R7 = 1.0
    mov eax, 0x12345678
    movd mm2, eax                   ; MMX: TOS 0, no register empty
    fnstenv [env]                   ; tags from the contents: R2 special, R7 valid, others zero
    mov eax, [env + 8]
    and eax, 0xFFFF
    CHECK_EQ eax, 0x1565, "after MOVD mm: no tag empty (FSTENV shows the classes)"
    mov eax, [env + 4]
    and eax, 0x3800
    CHECK_EQ eax, 0, "after MOVD mm: TOS 0"
    fnsave [save]                   ; ST2 = R2 (TOS 0)
    mov eax, [save + 28 + 2 * 10]
    CHECK_EQ eax, 0x12345678, "MM2 is the mantissa of R2"
    QEMU_DIFFERS "MMX write sets the exponent to 0xFFFF: QEMU TCG leaves it"
    movzx eax, word [save + 28 + 2 * 10 + 8]
    CHECK_EQ eax, 0xFFFF, "an MMX write sets the exponent to 0xFFFF"
    END_QEMU_DIFFERS
    frstor [save]
    movd mm2, eax
    emms
    fnstenv [env]
    mov eax, [env + 8]
    and eax, 0xFFFF
    CHECK_EQ eax, 0xFFFF, "EMMS: tag word all empty"
    fninit

    ; a pending x87 exception: #MF before an MMX instruction (CR0.NE=1)
    QEMU_DIFFERS "MMX with a pending x87 exception -> #MF: QEMU TCG does not check"
    fldcw [cw_unmask_ze]
    fldz
    fld1
    fdivrp st1, st0                 ; 1/0 unmasked: ES set, pending
    FAULTS 16, NOERR, "MMX with a pending x87 exception -> #MF", pxor mm0, mm0
    fninit
    END_QEMU_DIFFERS

    ; ---- FXSAVE / FXRSTOR ----
    fninit
    fld1                            ; R7 valid: abridged tag byte 0x80
    movaps xmm5, [pattern]
    mov dword [mxcsr_val], 0x1FC0   ; with DAZ
    ldmxcsr [mxcsr_val]
    fxsave [fxarea]
    movzx eax, byte [fxarea + 4]
    CHECK_EQ eax, 0x80, "FXSAVE: abridged tag byte"
    movzx eax, word [fxarea]
    CHECK_EQ eax, 0x037F, "FXSAVE: FCW"
    CHECK_EQ dword [fxarea + 24], 0x1FC0, "FXSAVE: MXCSR"
    CHECK_EQ dword [fxarea + 28], 0xFFFF, "FXSAVE: MXCSR_MASK (DAZ supported)"
    CHECK_EQ dword [fxarea + 160 + 5 * 16 + 12], 0xDDCCBBAA, "FXSAVE: XMM5"
    movzx eax, word [fxarea + 32 + 8]
    CHECK_EQ eax, 0x3FFF, "FXSAVE: ST0 = 1.0"
    fninit
    xorps xmm5, xmm5
    mov dword [mxcsr_val], 0x1F80
    ldmxcsr [mxcsr_val]
    fxrstor [fxarea]
    pextrw eax, xmm5, 7
    CHECK_EQ eax, 0xDDCC, "FXRSTOR: XMM5"
    stmxcsr [mxcsr_val]
    CHECK_EQ dword [mxcsr_val], 0x1FC0, "FXRSTOR: MXCSR"
    fnstenv [env]
    mov eax, [env + 8]
    and eax, 0xFFFF
    CHECK_EQ eax, 0x3FFF, "FXRSTOR: full tag word rebuilt (R7 valid)"
    QEMU_DIFFERS "FXRSTOR reserved MXCSR bit -> #GP(0): QEMU 7.2 TCG does not check"
    mov dword [fxarea + 24], 0x20000
    FAULTS 13, 0, "FXRSTOR reserved MXCSR bit -> #GP(0)", fxrstor [fxarea]
    END_QEMU_DIFFERS
    fninit
    EXIT


align 16
buf: times 64 db 0
ones: dd 0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000
pattern: dd 0x11111111, 0x22222222, 0x33333333, 0xDDCCBBAA
align 16
fxarea: times 512 db 0
mxcsr_val: dd 0
scratch: dd 0
cw_unmask_ze: dw 0x037B
env: times 28 db 0
save: times 108 db 0
section .rodata_strs
