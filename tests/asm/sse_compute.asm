; MMX/SSE/SSE2 results in a guest, checked against checksums taken from
; qemu-system-i386 -cpu qemu32,+mmx,+fxsr,+sse,+sse2 (QEMU TCG computes
; these masked, round-to-nearest results like the hardware; the flags and
; exceptions it lacks are covered by sse_rules.asm and tests/diff/sse_hostcmp).
; Each group folds its results into one register: acc = rotate(acc) + result.
%include "pm.inc"

; fold xmm0 into xmm7
%macro FOLDX 0
    pshufd xmm7, xmm7, 0x39
    paddd xmm7, xmm0
%endmacro
; xmm0 = A op B, folded (op with a memory operand)
%macro XOP 1+
    movdqa xmm0, [va]
    %1
    FOLDX
%endmacro
; fold mm0 into mm7
%macro FOLDM 0
    pshufw mm7, mm7, 0x39
    paddw mm7, mm0
%endmacro
%macro MOP 1+
    movq mm0, [va]
    %1
    FOLDM
%endmacro
; eax = the four dwords of xmm7 mixed
%macro SUMX 0
    movd eax, xmm7
    pshufd xmm6, xmm7, 0x39
    movd ecx, xmm6
    rol eax, 5
    xor eax, ecx
    pshufd xmm6, xmm7, 0x4e
    movd ecx, xmm6
    rol eax, 5
    xor eax, ecx
    pshufd xmm6, xmm7, 0x93
    movd ecx, xmm6
    rol eax, 5
    xor eax, ecx
%endmacro

section .text
start:
    PM_INIT
    mov eax, cr4
    or eax, 0x600                   ; OSFXSR, OSXMMEXCPT
    mov cr4, eax
    fninit

    ; ---- MMX integer ----
    pxor mm7, mm7
    MOP paddb mm0, [vb]
    MOP paddsw mm0, [vb]
    MOP paddusb mm0, [vb]
    MOP psubsb mm0, [vb]
    MOP psubusw mm0, [vb]
    MOP pmullw mm0, [vb]
    MOP pmulhw mm0, [vb]
    MOP pmaddwd mm0, [vb]
    MOP pcmpgtw mm0, [vb]
    MOP pcmpeqb mm0, [vb]
    MOP packsswb mm0, [vb]
    MOP packuswb mm0, [vb]
    MOP packssdw mm0, [vb]
    MOP punpcklbw mm0, [vb]
    MOP punpckhwd mm0, [vb]
    MOP psllw mm0, 3
    MOP psraw mm0, 9
    MOP psrlq mm0, 13
    MOP pandn mm0, [vb]
    MOP pavgb mm0, [vb]
    MOP pminsw mm0, [vb]
    MOP pmaxub mm0, [vb]
    MOP psadbw mm0, [vb]
    MOP pmulhuw mm0, [vb]
    MOP pshufw mm0, [vb], 0x1b
    MOP paddq mm0, [vb]
    MOP pmuludq mm0, [vb]
    movq [tmp], mm7
    mov eax, [tmp]
    xor eax, [tmp + 4]
    emms
    CHECK_EQ eax, 0xb3620095, "MMX integer checksum (QEMU)"

    ; ---- SSE2 integer ----
    pxor xmm7, xmm7
    XOP paddw xmm0, [vb]
    XOP psubq xmm0, [vb]
    XOP paddsb xmm0, [vb]
    XOP psubusb xmm0, [vb]
    XOP pmulhuw xmm0, [vb]
    XOP pmaddwd xmm0, [vb]
    XOP pmuludq xmm0, [vb]
    XOP pcmpgtd xmm0, [vb]
    XOP packssdw xmm0, [vb]
    XOP packuswb xmm0, [vb]
    XOP punpckhbw xmm0, [vb]
    XOP punpcklqdq xmm0, [vb]
    XOP punpckhqdq xmm0, [vb]
    XOP pslld xmm0, 7
    XOP psrad xmm0, 31
    XOP psrldq xmm0, 5
    XOP pslldq xmm0, 11
    XOP psllq xmm0, [shift_count]
    XOP pshufd xmm0, [vb], 0x8d
    XOP pshufhw xmm0, [vb], 0x4e
    XOP pshuflw xmm0, [vb], 0xb1
    XOP psadbw xmm0, [vb]
    XOP pavgw xmm0, [vb]
    XOP pinsrw xmm0, [vb + 6], 5
    movdqa xmm0, [va]
    pmovmskb eax, xmm0
    movd xmm0, eax
    FOLDX
    SUMX
    CHECK_EQ eax, 0x27370a9b, "SSE2 integer checksum (QEMU)"

    ; ---- SSE single precision ----
    pxor xmm7, xmm7
    XOP addps xmm0, [fb]
    XOP subps xmm0, [fb]
    XOP mulps xmm0, [fb]
    XOP divps xmm0, [fb]
    XOP sqrtps xmm0, [fa]
    XOP minps xmm0, [fb]
    XOP maxps xmm0, [fb]
    XOP cmpltps xmm0, [fb]
    XOP cmpunordps xmm0, [fb]
    XOP addss xmm0, [fb]
    XOP divss xmm0, [fb + 4]
    XOP shufps xmm0, [fb], 0x72
    XOP unpcklps xmm0, [fb]
    XOP unpckhps xmm0, [fb]
    XOP andnps xmm0, [fb]
    XOP cvtps2dq xmm0, [fa]
    XOP cvttps2dq xmm0, [fa]
    XOP cvtdq2ps xmm0, [va]
    XOP cvtps2pd xmm0, [fa]
    movaps xmm0, [fa]
    movhlps xmm0, xmm0
    FOLDX
    movaps xmm0, [fa]
    cvtss2si eax, xmm0
    cvttss2si ecx, [fa + 4]
    movd xmm0, eax
    pinsrw xmm0, ecx, 3
    FOLDX
    movaps xmm0, [fa]
    comiss xmm0, [fb]
    pushfd
    pop eax
    and eax, 0x8d5
    movd xmm0, eax
    FOLDX
    SUMX
    CHECK_EQ eax, 0xe62684e4, "SSE single-precision checksum (QEMU)"

    ; ---- SSE2 double precision ----
    pxor xmm7, xmm7
    XOP addpd xmm0, [db]
    XOP mulpd xmm0, [db]
    XOP divpd xmm0, [db]
    XOP sqrtpd xmm0, [da]
    XOP minpd xmm0, [db]
    XOP maxsd xmm0, [db]
    XOP cmpnlepd xmm0, [db]
    XOP cvtpd2ps xmm0, [da]
    XOP cvtpd2dq xmm0, [da]
    XOP cvttpd2dq xmm0, [da]
    XOP cvtdq2pd xmm0, [va]
    XOP cvtsd2ss xmm0, [db]
    XOP cvtss2sd xmm0, [fb]
    XOP shufpd xmm0, [db], 1
    XOP unpckhpd xmm0, [db]
    XOP xorpd xmm0, [db]
    movapd xmm0, [da]
    cvtsd2si eax, xmm0
    movd xmm0, eax
    FOLDX
    movapd xmm0, [da]
    ucomisd xmm0, [db]
    pushfd
    pop eax
    and eax, 0x8d5
    movd xmm0, eax
    FOLDX
    mov eax, -7
    cvtsi2sd xmm0, eax
    FOLDX
    SUMX
    CHECK_EQ eax, 0x86075146, "SSE2 double-precision checksum (QEMU)"
    EXIT

align 16
va: dd 0x80017fff, 0x00ff7f80, 0xfffe0102, 0x12345678
vb: dd 0x7fff8000, 0x01ff00ff, 0x80808080, 0xdeadbeef
fa: dd 2.5, -1.75, 1.0e10, 3.0e-3
fb: dd 0.5, 3.0, -2.0e-5, 7.25
da: dq 1.0e100, -2.5
db: dq 3.0e-3, 0.125
shift_count: dq 21
tmp: dq 0
section .rodata_strs
