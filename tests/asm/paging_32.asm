; 32-bit paging: 4 KiB and 4 MiB pages, accessed/dirty bits, every #PF error
; code with CR2, CR0.WP, user/supervisor from ring 3, TLB entries that stay
; until INVLPG or a CR3 load. Same results under QEMU TCG.
%include "pm.inc"

PD   equ 0x300000                ; page directory
PT0  equ 0x301000                ; identity map of 0-4 MiB, user read/write
PT1  equ 0x302000                ; test pages at 0x400000-0x7FFFFF
FA   equ 0x310000                ; data frames
FB   equ 0x311000
P    equ 1
RW   equ 2
US   equ 4
PS   equ 0x80
G    equ 0x100

; SETPTE index, value: PTE of linear 0x400000 + index * 4 KiB
%macro SETPTE 2
    mov dword [PT1 + (%1) * 4], %2
%endmacro

; CHECK_BITS mem, mask, expected, "name"
%macro CHECK_BITS 4
    mov eax, %1
    and eax, %2
    CHECK_EQ eax, %3, %4
%endmacro

section .text
start:
    PM_INIT
    mov edi, PD
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT0
    mov eax, P | RW | US
    mov ecx, 1024
.ident:
    stosd
    add eax, 0x1000
    loop .ident
    mov dword [PD], PT0 | P | RW | US
    mov dword [PD + 4], PT1 | P | RW | US
    SETPTE 0, FA | P | RW          ; 0x400000 supervisor read/write
                                   ; 0x401000 not present
    SETPTE 3, FA | P               ; 0x403000 supervisor read-only
    SETPTE 4, FA | P | US          ; 0x404000 user read-only
    SETPTE 5, FA | P | RW | US     ; 0x405000 user read/write
    mov dword [FA], 0x11111111
    mov dword [FB], 0x22222222

    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    PASS "paging enabled"

    mov eax, [0x400000]
    CHECK_EQ eax, 0x11111111, "read through a 4K mapping"
    CHECK_BITS [PT1], 0x60, 0x20, "PTE: A set, D clear after a read"
    CHECK_BITS [PD + 4], 0x60, 0x20, "PDE: A set after a walk"
    mov dword [0x400004], 0x33
    CHECK_BITS [PT1], 0x60, 0x60, "PTE: D set by the first write after a cached read"
    CHECK_EQ dword [FA + 4], 0x33, "write reached the frame"
    CHECK_BITS [PD + 4], 0x40, 0, "PDE of a table: D never set"

    FAULTS 14, 0, "#PF read, not present: error 0", mov eax, [0x401000]
    CHECK_EQ dword [exc_cr2], 0x401000, "CR2 = faulting address (read)"
    FAULTS 14, 2, "#PF write, not present: error 2", mov dword [0x401008], 1
    CHECK_EQ dword [exc_cr2], 0x401008, "CR2 = faulting address (write)"
    FAULTS 14, 0, "#PF on the second page of a crossing read", mov eax, [0x400ffe]
    CHECK_EQ dword [exc_cr2], 0x401000, "CR2 = first byte of the missing page"
    FAULTS 14, 0, "#PF, PDE not present", mov eax, [0xC00000]
    CHECK_EQ dword [exc_cr2], 0xC00000, "CR2 for a missing page table"
    mov dword [PT1 + 6 * 4], 0xFFFFFFF0 ; flags without P: whole entry ignored
    FAULTS 14, 0, "#PF, P clear with other bits set", mov eax, [0x406000]

    NOFAULT "supervisor write to read-only page with WP=0", mov dword [0x403008], 0x44
    CHECK_EQ dword [FA + 8], 0x44, "... reached the frame"
    mov eax, cr0
    or eax, 0x10000
    mov cr0, eax
    FAULTS 14, 3, "#PF supervisor write to read-only page with WP=1: error 3", mov dword [0x40300c], 1
    CHECK_EQ dword [exc_cr2], 0x40300c, "CR2 (WP)"
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax

    ENTER_RING3
    FAULTS 14, 5, "ring 3: read supervisor page: error 5", mov eax, [0x400000]
    FAULTS 14, 7, "ring 3: write read-only user page: error 7", mov dword [0x404000], 1
    FAULTS 14, 4, "ring 3: read not-present page: error 4", mov eax, [0x401000]
    FAULTS 14, 6, "ring 3: write not-present page: error 6", mov dword [0x401000], 1
    NOFAULT "ring 3: read user read-only page", mov eax, [0x404000]
    NOFAULT "ring 3: write user read/write page", mov dword [0x405010], 0x55
    mov eax, [0x404010]
    CHECK_EQ eax, 0x55, "ring 3: two mappings of one frame agree"
    LEAVE_RING3
    PASS "back in ring 0"

    ; ---- TLB: a cached translation stays until invalidated ----
    mov dword [FA + 0x100], 0xAAAA
    mov dword [FB + 0x100], 0xBBBB
    SETPTE 7, FA | P | RW
    mov eax, [0x407100]
    CHECK_EQ eax, 0xAAAA, "tlb: first translation"
    SETPTE 7, FB | P | RW
    mov eax, [0x407100]
    CHECK_EQ eax, 0xAAAA, "tlb: PTE changed without INVLPG: old frame still used"
    SETPTE 7, 0
    mov eax, [0x407100]
    CHECK_EQ eax, 0xAAAA, "tlb: PTE cleared without INVLPG: still mapped"
    invlpg [0x407abc]
    FAULTS 14, 0, "tlb: INVLPG drops it: #PF", mov eax, [0x407100]
    SETPTE 7, FB | P | RW
    mov eax, [0x407100]
    CHECK_EQ eax, 0xBBBB, "tlb: new frame after INVLPG"
    SETPTE 8, FA | P | RW
    mov eax, [0x408100]
    SETPTE 8, FB | P | RW
    mov eax, cr3
    mov cr3, eax
    mov eax, [0x408100]
    CHECK_EQ eax, 0xBBBB, "tlb: CR3 load flushes non-global entries"
    SETPTE 9, FA | P | RW | G      ; PGE clear: G ignored
    mov eax, [0x409100]
    SETPTE 9, FB | P | RW | G
    mov eax, cr3
    mov cr3, eax
    mov eax, [0x409100]
    CHECK_EQ eax, 0xBBBB, "tlb: G ignored without CR4.PGE"
    mov eax, cr4
    or eax, 0x80                   ; PGE
    mov cr4, eax
    mov eax, [0x409100]
    SETPTE 9, FA | P | RW | G
    invlpg [0x409000]
    mov eax, [0x409100]
    CHECK_EQ eax, 0xAAAA, "tlb: INVLPG drops a global entry"
    SETPTE 9, FB | P | RW | G
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    mov eax, [0x409100]
    CHECK_EQ eax, 0xBBBB, "tlb: clearing CR4.PGE flushes global entries"

    ; ---- a cached translation keeps its write permission only if D was set ----
    mov eax, cr0
    or eax, 0x10000                ; WP
    mov cr0, eax
    SETPTE 11, FA | P | RW | 0x40  ; already dirty
    SETPTE 12, FA | P | RW         ; clean
    mov eax, [0x40B000]
    mov eax, [0x40C000]
    SETPTE 11, FA | P              ; both read-only now, no INVLPG
    SETPTE 12, FA | P
    NOFAULT "tlb: cached dirty entry still allows a write", mov dword [0x40B020], 1
    FAULTS 14, 3, "tlb: clean entry walks on the first write and sees R/O", mov dword [0x40C020], 1
    invlpg [0x40B000]
    FAULTS 14, 3, "tlb: after INVLPG the dirty page is read-only too", mov dword [0x40B020], 1
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax

    ; ---- 4 MiB pages ----
    mov eax, cr4
    or eax, 0x10                   ; PSE
    mov cr4, eax
    mov dword [PD + 2 * 4], 0x400000 | P | RW | PS    ; 0x800000 -> 0x400000
    SETPTE 10, 0x400000 | P | RW                      ; 0x40A000 -> 0x400000 too
    mov dword [0x800010], 0x4444
    mov eax, [0x40A010]
    CHECK_EQ eax, 0x4444, "4M page: write lands at the right frame"
    CHECK_BITS [PD + 2 * 4], 0x60, 0x60, "4M page: A and D set in the PDE"
    mov eax, [0x8ff000]
    mov dword [PD + 3 * 4], 0x400000 | P | RW | PS | 0x200000   ; bit 21 reserved
    ; Hardware (and KVM) report RSVD with P set (9); QEMU since 7.x reports 8.
    ; The unit test asserts 9; here only RSVD/W/U/I are compared.
    FAULTS 14, ANYERR, "4M page: reserved bit 21 -> #PF", mov eax, [0xC00000]
    CHECK_BITS [exc_errcode], 0x1E, 8, "4M page: reserved bit 21: RSVD set, W/U/I clear"
    mov dword [PD + 3 * 4], 0x400000 | P | PS | US
    ENTER_RING3
    FAULTS 14, 7, "ring 3: write to a read-only 4M user page: error 7", mov dword [0xC00000], 1
    LEAVE_RING3
    EXIT
section .rodata_strs
