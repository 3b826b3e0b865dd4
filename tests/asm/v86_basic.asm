; Virtual-8086 mode: entry through IRET, segment registers, IOPL-sensitive
; instructions (CLI/STI/PUSHF/POPF/INT n/HLT), the I/O bitmap, exits to the
; ring-0 handler (segments pushed and zeroed), and VME virtual interrupts.
%include "pm.inc"
BLOB equ 0x8000
VSEG equ BLOB >> 4
%define OFS(l) ((l) - v86_blob)
section .text
start:
    PM_INIT
    mov esi, v86_blob
    mov edi, BLOB
    mov ecx, v86_end - v86_blob
    rep movsb
    SET_GATE 0x60, pm_stub_96, SEL_CODE0, 0xEE          ; DPL 3 gate for INT from v86
    and byte [pm_iomap + 0x80 / 8], ~1                   ; allow port 0x80

    ; ---- IOPL 0 ----
    ENTER_V86 VSEG, OFS(v_seg), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_seg.h), "v86: hlt -> #GP(0)"
    mov eax, [exc_cs]
    CHECK_EQ eax, VSEG, "v86: fault frame CS"
    mov eax, [exc_eax]
    and eax, 0xFFFF
    CHECK_EQ eax, 0x00EB, "v86: DS base is DS << 4"
    mov eax, [exc_v86_ds]
    CHECK_EQ eax, VSEG, "v86: DS pushed in the frame"
    mov eax, [exc_hds]
    CHECK_EQ eax, 0, "v86: DS zero in the handler"
    mov eax, [exc_eflags]
    and eax, 0x20000
    CHECK_EQ eax, 0x20000, "v86: VM in the pushed EFLAGS"
    ENTER_V86 VSEG, OFS(v_cli), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_cli), "v86 IOPL 0: cli -> #GP(0)"
    ENTER_V86 VSEG, OFS(v_pushf), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_pushf), "v86 IOPL 0: pushf -> #GP(0)"
    ENTER_V86 VSEG, OFS(v_int60), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_int60), "v86 IOPL 0: int n -> #GP(0)"
    ENTER_V86 VSEG, OFS(v_int3), 0, 0xFFF0
    PM_CHECK_RECORD 3, NOERR, OFS(v_int3) + 1, "v86 IOPL 0: int3 goes to the IDT"
    ENTER_V86 VSEG, OFS(v_io), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_io.in81), "v86 IOPL 0: out 0x80 allowed by the bitmap, in 0x81 denied"
    ENTER_V86 VSEG, OFS(v_lar), 0, 0xFFF0
    PM_CHECK_RECORD 6, NOERR, OFS(v_lar), "v86: lar -> #UD"

    ; ---- IOPL 3 ----
    ENTER_V86 VSEG, OFS(v_cli), 0x3000, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_cli.h), "v86 IOPL 3: cli, sti, pushf, popf run"
    mov eax, [exc_eax]
    and eax, 0x3200
    CHECK_EQ eax, 0x3200, "v86 IOPL 3: pushf image has IF and IOPL"
    ENTER_V86 VSEG, OFS(v_int60), 0x3000, 0xFFF0
    PM_CHECK_RECORD 0x60, NOERR, OFS(v_int60) + 2, "v86 IOPL 3: int n through the IDT"
    mov eax, [exc_esp]
    CHECK_EQ eax, 0xFFF0, "v86 IOPL 3: frame ESP"
    ENTER_V86 VSEG, OFS(v_iret), 0x3000, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_iret.h), "v86 IOPL 3: iret within v86"

    ; ---- VME ----
    QEMU_DIFFERS "v86 VME: QEMU TCG does not implement VME"
    mov edi, pm_tss + TSS_IOMAP_OFF - 32
    mov ecx, 32
    mov al, 0xFF
    rep stosb
    and byte [pm_tss + TSS_IOMAP_OFF - 32 + 0x61 / 8], ~(1 << (0x61 % 8))
    mov word [0x61 * 4], OFS(v_ivt61)
    mov word [0x61 * 4 + 2], VSEG
    mov eax, cr4
    or eax, 1
    mov cr4, eax
    ENTER_V86 VSEG, OFS(v_vif), 0x200, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_vif.h), "VME: cli/sti/pushf run at IOPL 0"
    mov eax, [exc_eax]
    and eax, 0x3200
    CHECK_EQ eax, 0x3000, "VME: pushf after cli shows IF=VIF=0, IOPL 3"
    mov eax, [exc_ebx]
    and eax, 0x200
    CHECK_EQ eax, 0x200, "VME: pushf after sti shows IF=VIF=1"
    mov eax, [exc_eflags]
    and eax, 0x80200
    CHECK_EQ eax, 0x80200, "VME: real IF untouched, VIF set"
    ENTER_V86 VSEG, OFS(v_int61), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_ivt61), "VME: int 0x61 redirected to the v86 IVT"
    mov eax, [exc_esp]
    CHECK_EQ eax, 0xFFF0 - 6, "VME: redirected int pushed FLAGS, CS, IP"
    ENTER_V86 VSEG, OFS(v_int62), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_int62), "VME: int 0x62 not redirected, IOPL 0 -> #GP(0)"
    ENTER_V86 VSEG, OFS(v_popftf), 0, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_popftf.p), "VME: popf setting TF -> #GP(0)"
    ENTER_V86 VSEG, OFS(v_cli), 0x100000, 0xFFF0
    PM_CHECK_RECORD 13, 0, OFS(v_cli.s), "VME: sti with VIP set -> #GP(0)"
    ; PVI: CLI/STI at CPL 3 with IOPL 0 work on VIF
    mov eax, cr4
    or eax, 2
    mov cr4, eax
    pushfd                                              ; VIP and VIF (kept from the last v86
    and dword [esp], ~0x180000                          ; run) can only be cleared by IRET
    push dword SEL_CODE0
    push dword .novip
    iretd
.novip:
    ENTER_RING3
    NOFAULT "PVI: ring 3 cli", cli
    pushfd
    pop ebx
    NOFAULT "PVI: ring 3 sti", sti
    pushfd
    pop ecx
    and ebx, 0x80000
    and ecx, 0x80000
    CHECK_EQ ebx, 0, "PVI: cli clears VIF"
    CHECK_EQ ecx, 0x80000, "PVI: sti sets VIF"
    LEAVE_RING3
    mov eax, cr4
    and eax, ~3
    mov cr4, eax
    END_QEMU_DIFFERS
    EXIT

bits 16
v86_blob:
    db 0xEB, 0x00                                       ; word 0x00EB at offset 0
v_seg:
    mov ax, [0]
.h: hlt
v_cli:
    cli
.s: sti
    pushf
    pop ax
    popf
.h: hlt
v_pushf:
    pushf
    hlt
v_int60:
    int 0x60
    hlt
v_int3:
    int3
    hlt
v_io:
    out 0x80, al
.in81:
    in al, 0x81
    hlt
v_lar:
    lar ax, bx
    hlt
v_iret:
    pushf
    push cs
    push word .h - v86_blob
    iret
    nop
.h: hlt
v_vif:
    cli
    pushf
    pop ax
    sti
    pushf
    pop bx
.h: hlt
v_int61:
    int 0x61
    hlt
v_ivt61:
    hlt
v_int62:
    int 0x62
    hlt
v_popftf:
    push word 0x100
.p: popf
    hlt
v86_end:
bits 32
section .rodata_strs
