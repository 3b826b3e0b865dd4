; The guest of tests/gdb/phys_points.sh: physical watchpoints and breakpoints.
; First without paging (KVM runs it on any host): two writes to var, some
; protected-mode work, a marker for a physical breakpoint. Then with paging:
; var's page is also mapped at ALIAS, and the guest writes var through the
; alias (only a physical watchpoint sees that one) and through its identity
; mapping. Paging off again, a check, exit.
%ifdef MAPFILE
[map symbols MAPFILE]
%endif
%include "mb.inc"

PD    equ 0x300000               ; page directory
PT0   equ 0x301000               ; identity map of 0-4 MiB
PT2   equ 0x302000               ; 8-12 MiB: ALIAS -> var's page
ALIAS equ 0x800000

section .text
start:
    nop
ready:
    mov dword [var], 0x11
    mov dword [var], 0x22
    ; some work in protected mode: the guest is back in KVM afterwards
    mov ecx, 3000
.spin:
    dec ecx
    jnz .spin
after_watch:
    nop
    mov ecx, 3000
.spin2:
    dec ecx
    jnz .spin2
phys_bp:
    nop
    ; paging: 0-4 MiB identity, ALIAS = var's page
    mov edi, PD
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT0
    mov eax, 3
    mov ecx, 1024
.ident:
    stosd
    add eax, 0x1000
    loop .ident
    mov dword [PD], PT0 | 3
    mov dword [PD + 8], PT2 | 3
    mov dword [PT2], (var - $$ + 0x100000) & 0xfffff000 | 3
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
paged:
    mov dword [ALIAS + (var - $$ + 0x100000) % 4096], 0x33
after_alias:
    mov dword [var], 0x44
after_ident:
    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax
    mov eax, [var]
    CHECK_EQ eax, 0x44, "last value written"
    EXIT

align 4
var: dd 0
section .rodata_strs
