; PAE paging: 4 KiB and 2 MiB pages, A/D bits in 64-bit entries, reserved
; bits, NX with EFER.NXE (execute-disable faults with the I/D error bit).
; Same results under QEMU TCG with NX advertised (-cpu qemu32,+nx).
; qemu-args: -cpu qemu32,+mtrr,+nx (for the oracle run; vdebug advertises both)
%include "pm.inc"

PDPT equ 0x180000
PD   equ 0x181000
PT   equ 0x182000                ; linear 0x200000-0x3FFFFF
FA   equ 0x190000
FC   equ 0x192000                ; holds code: mov eax, 0x600D; ret
P    equ 1
RW   equ 2
US   equ 4
PS   equ 0x80

; SETPTE index, low dword, high dword
%macro SETPTE 3
    mov dword [PT + (%1) * 8], %2
    mov dword [PT + (%1) * 8 + 4], %3
%endmacro

%macro CHECK_BITS 4
    mov eax, %1
    and eax, %2
    CHECK_EQ eax, %3, %4
%endmacro

section .text
start:
    PM_INIT
    mov edi, PDPT
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd
    mov dword [PDPT], PD | P
    mov dword [PD], 0 | P | RW | US | PS           ; 0-2 MiB identity
    mov dword [PD + 8], PT | P | RW | US
    mov dword [PD + 16], 0x600000 | P | RW | PS    ; 0x400000 -> 0x600000
    SETPTE 0, FA | P | RW, 0
    SETPTE 2, FA | P | RW, 0x00100000              ; bit 52: reserved
    SETPTE 3, FA | P | RW, 0x80000000              ; NX
    SETPTE 4, FC | P | RW | US, 0x80000000         ; NX code page, user
    SETPTE 5, FC | P | RW | US, 0                  ; same frame, executable
    SETPTE 6, 0x600000 | P | RW, 0                 ; a 4K view of the 2M page
    mov dword [FA], 0x12121212
    mov dword [FC], 0x600DB8                       ; mov eax, 0x600D
    mov dword [FC + 4], 0xC300                     ; ... ret

    mov eax, cr4
    or eax, 0x20                                   ; PAE
    mov cr4, eax
    mov eax, PDPT
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    PASS "PAE paging enabled"

    mov eax, [0x200000]
    CHECK_EQ eax, 0x12121212, "PAE 4K read"
    CHECK_BITS [PT], 0x60, 0x20, "PAE PTE: A set, D clear"
    CHECK_BITS [PD + 8], 0x20, 0x20, "PAE PDE: A set"
    mov dword [0x200008], 1
    CHECK_BITS [PT], 0x60, 0x60, "PAE PTE: D set by a write"
    mov dword [0x400010], 0x2222
    mov eax, [0x206010]
    CHECK_EQ eax, 0x2222, "2M page maps the right frame"
    CHECK_BITS [PD + 16], 0x60, 0x60, "2M PDE: A and D set"
    mov eax, [0x5ff000]
    PASS "2M page: last 4K reachable"

    FAULTS 14, 0, "PAE #PF not present", mov eax, [0x201004]
    CHECK_EQ dword [exc_cr2], 0x201004, "PAE CR2"
    ; RSVD faults: hardware sets P too (error 9); QEMU 7+ reports 8
    FAULTS 14, ANYERR, "PAE reserved bit 52 -> #PF", mov eax, [0x202000]
    CHECK_BITS [exc_errcode], 0x1E, 8, "PAE reserved bit 52: RSVD"
    FAULTS 14, ANYERR, "NX bit with EFER.NXE clear -> #PF", mov eax, [0x203000]
    CHECK_BITS [exc_errcode], 0x1E, 8, "NX bit with NXE clear: RSVD"

    mov eax, 0x80000001
    cpuid
    CHECK_BITS edx, 1 << 20, 1 << 20, "CPUID 0x80000001: NX advertised"
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x800
    wrmsr
    rdmsr
    CHECK_BITS eax, 0x800, 0x800, "EFER.NXE set"
    NOFAULT "NX page readable", mov eax, [0x203000]
    CHECK_EQ eax, 0x12121212, "NX page data"
    mov eax, 0x205000
    call eax
    CHECK_EQ eax, 0x600D, "call into an executable page"
    ARM_FAULT .nxrec
    mov eax, 0x204000
    jmp eax
.nxrec:
    PM_CHECK_RECORD 14, 0x11, 0x204000, "fetch from NX page: error 0x11 (P|I/D), EIP at target"
    CHECK_EQ dword [exc_cr2], 0x204000, "NX fetch CR2"
    ARM_FAULT .nprec
    mov eax, 0x201000
    jmp eax
.nprec:
    PM_CHECK_RECORD 14, 0x10, 0x201000, "fetch from not-present page with NXE: error 0x10"
    ENTER_RING3
    ARM_FAULT .nxrec3
    mov eax, 0x204000
    jmp eax
.nxrec3:
    PM_CHECK_RECORD 14, 0x15, 0x204000, "ring 3 fetch from NX page: error 0x15"
    FAULTS 14, 5, "ring 3 read of a supervisor PAE page: error 5", mov eax, [0x200000]
    LEAVE_RING3
    EXIT
section .rodata_strs
