; x87 environment images in real-address and virtual-8086 mode (SDM vol. 1,
; figures 8-10 and 8-12): the instruction and data pointers are linear
; addresses (segment * 16 + offset), bits 0-15 in one field and bits 16-31
; (16-19 with 16-bit operand size) at bit 12 of the next, beside the opcode
; (FOP, bits 0-10). FNSTENV/FNSAVE in both operand sizes, FRSTOR of a
; 16-bit real-mode image and FNSAVE in 32-bit form give the same pointers,
; FLDENV then FNSTENV reproduces a loaded image. The real-mode code runs
; from a copy at 0x18000 (CS 0x1800) so that FIP crosses 64 KiB; its data
; segment is 0x2000.
; QEMU TCG writes the protected-mode layout in every mode, so the layout
; checks are QEMU_DIFFERS; the instructions themselves run under QEMU too.
%include "pm.inc"
BLOB equ 0x8000                  ; entry from 16-bit protected mode, v86 code
BLOB_HI equ 0x18000              ; real-mode code
RES equ 0x7000
V86_ENV equ 0x17000              ; ES:0xF000 in v86 (ES = 0x0800)
%define OFS(l) ((l) - rm_blob)

%macro CHECK_W 3
    movzx eax, word %1
    CHECK_EQ eax, %2, %3
%endmacro

section .text
start:
    PM_INIT
    mov eax, cr0
    and eax, ~0xE
    or eax, 0x22
    mov cr0, eax
    mov esi, rm_blob
    mov edi, BLOB
    mov ecx, rm_end - rm_blob
    rep movsb
    mov esi, rm_blob
    mov edi, BLOB_HI
    mov ecx, rm_end - rm_blob
    rep movsb
    mov edi, RES
    mov ecx, 128
    xor eax, eax
    rep stosd
    ; images for FLDENV: 16-bit (FIP 0x5A5A5, FOP 0x123, FDP 0x3C3C3) ...
    mov word [RES + 288], 0x027F
    mov word [RES + 290], 0x0000
    mov word [RES + 292], 0xFFFF
    mov word [RES + 294], 0xA5A5
    mov word [RES + 296], 0x5123
    mov word [RES + 298], 0xC3C3
    mov word [RES + 300], 0x3000
    ; ... and 32-bit (FIP 0x0ABCDEF1, FOP 0x456, FDP 0x01234567)
    mov dword [RES + 320], 0xFFFF0263
    mov dword [RES + 324], 0xFFFF0000
    mov dword [RES + 328], 0xFFFFFFFF
    mov dword [RES + 332], 0xFFFFDEF1
    mov dword [RES + 336], 0x00ABC456
    mov dword [RES + 340], 0xFFFF4567
    mov dword [RES + 344], 0x00123000
    sidt [saved_idtr]
    mov [saved_esp], esp
    jmp SEL_CODE16:(BLOB + OFS(rm_entry16))
back32:
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, [saved_esp]
    lidt [saved_idtr]
    CHECK_EQ [RES + 400], 0x600D, "real mode: the FPU code ran"

    QEMU_DIFFERS "fpu_env_rm: real-mode environment layouts (QEMU writes the protected-mode one)"
    ; 32-bit real-mode FNSTENV
    CHECK_W [RES + 0], 0x037F, "real 32: FCW"
    CHECK_W [RES + 4], 0x3800, "real 32: FSW (TOP 7)"
    CHECK_W [RES + 8], 0x3FFF, "real 32: tag word"
    CHECK_W [RES + 12], (BLOB_HI + OFS(rm_fld)) & 0xFFFF, "real 32: FIP bits 0-15"
    CHECK_EQ [RES + 16], 0x1000 | 0x106, "real 32: FIP bits 16-31 at bit 12, FOP D9 06"
    CHECK_W [RES + 20], 0x0010, "real 32: FDP bits 0-15"
    CHECK_EQ [RES + 24], 0x2000, "real 32: FDP bits 16-31 at bit 12"
    ; 16-bit real-mode FNSTENV
    CHECK_W [RES + 32 + 6], (BLOB_HI + OFS(rm_fld)) & 0xFFFF, "real 16: FIP bits 0-15"
    CHECK_W [RES + 32 + 8], 0x1106, "real 16: FIP bits 16-19 at bit 12, FOP"
    CHECK_W [RES + 32 + 10], 0x0010, "real 16: FDP bits 0-15"
    CHECK_W [RES + 32 + 12], 0x2000, "real 16: FDP bits 16-19 at bit 12"
    ; FNSAVE 16 -> FRSTOR -> FNSAVE 32 keeps the pointers
    CHECK_W [RES + 48 + 14 + 8], 0x3FFF, "real FNSAVE 16: ST0 = 1.5"
    CHECK_W [RES + 160 + 12], (BLOB_HI + OFS(rm_fld)) & 0xFFFF, "real FRSTOR 16 / FNSAVE 32: FIP"
    CHECK_EQ [RES + 160 + 16], 0x1106, "real FRSTOR 16 / FNSAVE 32: FIP high, FOP"
    CHECK_EQ [RES + 160 + 24], 0x2000, "real FRSTOR 16 / FNSAVE 32: FDP high"
    CHECK_W [RES + 160 + 28 + 8], 0x3FFF, "real FNSAVE 32: ST0 = 1.5"
    ; FLDENV then FNSTENV
    mov esi, RES + 288
    mov edi, RES + 304
    mov ecx, 7
    repe cmpsw
    CHECK_EQ ecx, 0, "real 16: FLDENV / FNSTENV round trip"
    mov esi, RES + 320
    mov edi, RES + 352
    mov ecx, 7
    repe cmpsd
    CHECK_EQ ecx, 0, "real 32: FLDENV / FNSTENV round trip"
    END_QEMU_DIFFERS

    ; ---- virtual-8086 mode uses the real-mode layout ----
    ENTER_V86 BLOB >> 4, OFS(v86_code), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v86_hlt), "v86: FPU code ran to its HLT"
    QEMU_DIFFERS "fpu_env_rm: v86 environment layout (QEMU writes the protected-mode one)"
    CHECK_W [V86_ENV + 12], (BLOB + OFS(v86_fld)) & 0xFFFF, "v86 32: FIP = linear address"
    CHECK_EQ [V86_ENV + 16], 0x106, "v86 32: FIP high 0, FOP D9 06"
    CHECK_W [V86_ENV + 20], 0x0010, "v86 32: FDP bits 0-15"
    CHECK_EQ [V86_ENV + 24], 0x2000, "v86 32: FDP bits 16-31 at bit 12"
    END_QEMU_DIFFERS
    fninit
    EXIT

saved_idtr: dw 0
    dd 0
saved_esp: dd 0

bits 16
rm_blob:
rm_entry16:                      ; 16-bit protected mode, CS base 0
    mov ax, SEL_DATA16
    mov ss, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp (BLOB_HI >> 4):OFS(rm_real)
rm_real:
    xor ax, ax
    mov ss, ax
    mov sp, 0x6000
    mov es, ax
    mov ax, 0x2000
    mov ds, ax
    mov dword [0x10], 0x3FC00000 ; 1.5 at linear 0x20010
    fninit
rm_fld:
    fld dword [0x10]
    o32 fnstenv [es:RES]
    fnstenv [es:RES + 32]
    fnsave [es:RES + 48]
    frstor [es:RES + 48]
    o32 fnsave [es:RES + 160]
    o32 frstor [es:RES + 160]
    fldenv [es:RES + 288]
    fnstenv [es:RES + 304]
    o32 fldenv [es:RES + 320]
    o32 fnstenv [es:RES + 352]
    fninit
    mov word [es:RES + 400], 0x600D
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE0:back32

v86_code:                        ; CS = DS = ES = 0x0800
    mov ax, 0x2000
    mov ds, ax
    fninit
v86_fld:
    fld dword [0x10]
    o32 fnstenv [es:V86_ENV - BLOB]
    fninit
v86_hlt:
    hlt                          ; #GP(0) back to the harness
rm_end:
bits 32
section .rodata_strs
