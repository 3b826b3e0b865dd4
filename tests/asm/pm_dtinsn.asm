; LAR, LSL, VERR, VERW, ARPL, and the privilege rules of LLDT/LTR.
%include "pm.inc"

; ZF_IS 1/0, "name": check ZF
%macro ZF_IS 2
    pushfd
    pop edx
    shr edx, 6
    and edx, 1
    CHECK_EQ edx, %1, %2
%endmacro

section .text
start:
    PM_INIT
    SET_DESC 0x40, 0x200000, 0xFFF, 0x92, 0x4          ; data, limit 0xFFF
    SET_DESC 0x48, 0, 0x1, 0x92, 0xC                   ; data, page granular limit 0x1FFF
    SET_DESC 0x50, 0, 0xFFFFF, 0x98, 0xC               ; code execute-only
    SET_DESC 0x58, 0, 0xFFFFF, 0x90, 0xC               ; data read-only
    SET_DESC 0x60, 0, 0xFFFFF, 0x9E, 0xC               ; conforming readable code, DPL 0
    SET_DESC 0x68, 0, 0xFFFF, 0x8E, 0x0                ; an interrupt gate type in the GDT
    mov ecx, SEL_DATA0
    lar eax, ecx
    ZF_IS 1, "lar flat data: ZF"
    and eax, 0x00F0FF00                                ; bits 19:16 (limit) are model specific
    CHECK_EQ eax, 0x00C09300, "lar flat data (accessed)"
    QEMU_DIFFERS "far jmp sets the accessed bit of CS: QEMU does not"
    mov ecx, SEL_CODE0
    lar eax, ecx
    and eax, 0x00F0FF00
    CHECK_EQ eax, 0x00C09B00, "far jmp sets the accessed bit of CS"
    END_QEMU_DIFFERS
    xor ecx, ecx
    mov eax, 0x5555
    lar eax, ecx
    ZF_IS 0, "lar null: ZF=0"
    CHECK_EQ eax, 0x5555, "lar null: destination unchanged"
    mov ecx, 0x68
    lar eax, ecx
    ZF_IS 0, "lar interrupt-gate type: ZF=0"
    mov ecx, SEL_TSS
    lar eax, ecx
    ZF_IS 1, "lar TSS: ZF=1"
    mov ecx, 0x40
    lsl eax, ecx
    CHECK_EQ eax, 0xFFF, "lsl byte granular"
    mov ecx, 0x48
    lsl eax, ecx
    CHECK_EQ eax, 0x1FFF, "lsl page granular"
    mov ecx, SEL_DATA0
    lsl eax, ecx
    CHECK_EQ eax, 0xFFFFFFFF, "lsl flat"
    mov ecx, 0x68
    lsl eax, ecx
    ZF_IS 0, "lsl gate: ZF=0"
    mov ecx, SEL_CODE0
    verr cx
    ZF_IS 1, "verr readable code"
    mov ecx, 0x50
    verr cx
    ZF_IS 0, "verr execute-only code"
    mov ecx, SEL_DATA0
    verw cx
    ZF_IS 1, "verw data"
    mov ecx, 0x58
    verw cx
    ZF_IS 0, "verw read-only data"
    mov ecx, SEL_CODE0
    verw cx
    ZF_IS 0, "verw code"
    mov eax, 0x10
    mov ebx, 0x13
    arpl ax, bx
    ZF_IS 1, "arpl raises RPL: ZF"
    CHECK_EQ eax, 0x13, "arpl raises RPL"
    arpl ax, bx
    ZF_IS 0, "arpl with RPL already high: ZF=0"
    mov eax, SEL_TSS
    FAULTS 13, SEL_TSS, "ltr with a busy TSS -> #GP(sel)", ltr ax

    ENTER_RING3
    mov ecx, SEL_DATA0
    verw cx
    ZF_IS 0, "ring 3: verw DPL 0 data"
    mov ecx, SEL_DATA3
    verw cx
    ZF_IS 1, "ring 3: verw DPL 3 data"
    mov ecx, 0x60
    lar eax, ecx
    ZF_IS 1, "ring 3: lar conforming DPL 0 code"
    mov ecx, SEL_DATA0
    lar eax, ecx
    ZF_IS 0, "ring 3: lar DPL 0 data"
    mov ecx, SEL_DATA0 | 3
    lsl eax, ecx
    ZF_IS 0, "ring 3: lsl DPL 0 data"
    xor eax, eax
    FAULTS 13, 0, "ring 3: lldt -> #GP(0)", lldt ax
    FAULTS 13, 0, "ring 3: ltr -> #GP(0)", ltr ax
    sldt eax
    CHECK_EQ eax, 0, "ring 3: sldt allowed"
    LEAVE_RING3
    EXIT
section .rodata_strs
