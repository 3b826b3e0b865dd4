; I/O permission: IOPL against CPL, the TSS I/O bitmap (every byte of a
; wide access, accesses straddling a bitmap byte, a bitmap cut by the TSS
; limit), REP OUTSB, and the IOPL/IF rules of POPF and CLI at ring 3.
%include "pm.inc"
section .text
start:
    PM_INIT
    ; ---- CPL 3, IOPL 0: the bitmap decides ----
    ENTER_RING3
    FAULTS 13, 0, "ring 3: out 0x80 denied by the bitmap -> #GP(0)", out 0x80, al
    and byte [pm_iomap + 0x80 / 8], ~1                  ; allow 0x80
    NOFAULT "ring 3: out 0x80 allowed", out 0x80, al
    FAULTS 13, 0, "ring 3: 16-bit out 0x80 needs 0x81 too -> #GP(0)", out 0x80, ax
    mov edx, 0x7F
    FAULTS 13, 0, "ring 3: 16-bit out 0x7F (0x7F denied) -> #GP(0)", out dx, ax
    and byte [pm_iomap + 0x81 / 8], ~2                  ; allow 0x81
    NOFAULT "ring 3: 16-bit out 0x80 with both allowed", out 0x80, ax
    and byte [pm_iomap + 0x87 / 8], ~0x80               ; allow 0x87 (bit 7 of byte 0x10)
    and byte [pm_iomap + 0x88 / 8], ~0x01               ; allow 0x88 (bit 0 of byte 0x11)
    mov edx, 0x87
    NOFAULT "ring 3: 16-bit out straddling two bitmap bytes", out dx, ax
    mov edx, 0x86
    FAULTS 13, 0, "ring 3: 32-bit out 0x86 (0x86 denied) -> #GP(0)", out dx, eax
    mov edx, 0x80
    mov esi, start
    mov ecx, 4
    NOFAULT "ring 3: rep outsb to an allowed port", rep outsb
    CHECK_EQ ecx, 0, "rep outsb: ECX counted down"
    mov eax, start + 4
    CHECK_EQ esi, eax, "rep outsb: ESI advanced"
    mov ecx, 4
    mov edx, 0x82
    mov esi, start
    FAULTS 13, 0, "ring 3: rep outsb to a denied port -> #GP(0)", rep outsb
    CHECK_EQ ecx, 4, "denied rep outsb: ECX unchanged"
    ; POPF at CPL 3 > IOPL: IF and IOPL stay
    pushfd
    or dword [esp], 0x3200
    popfd
    pushfd
    pop eax
    and eax, 0x3200
    CHECK_EQ eax, 0, "ring 3: popf cannot set IF or IOPL"
    LEAVE_RING3

    ; ---- CPL 3, IOPL 3: no bitmap ----
    pushfd
    or dword [esp], 0x3000
    popfd
    ENTER_RING3
    NOFAULT "ring 3 IOPL 3: out to a port the bitmap denies", out 0x84, al
    NOFAULT "ring 3 IOPL 3: cli", cli
    LEAVE_RING3
    pushfd
    and dword [esp], ~0x3000
    popfd

    ; ---- a bitmap cut by the TSS limit ----
    and byte [pm_iomap + 0x100 / 8], ~1                 ; "allow" 0x100, beyond the new limit
    SET_DESC SEL_TSS, pm_tss, TSS_IOMAP_OFF + 0x1F, 0x89, 0x0
    mov ax, SEL_TSS
    ltr ax
    ENTER_RING3
    NOFAULT "ring 3: port inside the shortened bitmap", out 0x80, al
    mov edx, 0x100
    FAULTS 13, 0, "ring 3: port beyond the TSS limit -> #GP(0)", out dx, al
    LEAVE_RING3
    EXIT
section .rodata_strs
