; Benchmark 3: privilege transitions. GDT with ring-0/ring-3 segments, a TSS
; with SS0:ESP0, an IDT with DPL-3 interrupt gates at 0x80 and 0x81. The guest
; drops to ring 3 with IRET and makes N `int 0x80` system calls; the handler is
; a typical kernel entry (save segments and registers, load kernel data
; segments, do a little work, restore, IRET back to ring 3). `int 0x81` ends
; the run in ring 0. Paging is off, so this measures the transitions alone.
; With SC_PAGED defined (bench/guests/syscall-paged.asm) paging is on: 4 KiB
; user pages, except the kernel's data and stack pages, which are supervisor
; only; at the end ring 3 tries to write the kernel's data once and the #PF
; (error code, CR2) goes into the checksum.
; bench-expect: BENCH syscall checksum 679b781c
%include "mb.inc"
%include "bench/lib/bench.inc"

%ifndef N
%define N 3000000
%endif
%ifndef SC_NAME
%define SC_NAME "syscall"
%endif
PD      equ 0x400000
PT      equ 0x401000                ; 2 tables: identity 0 .. 8 MiB
KSTACK0 equ 0x70000                 ; TSS.ESP0
USTACK  equ 0x60000

section .text
start:
    BENCH_INIT
    ; TSS descriptor in GDT slot 0x28: base = tss, limit = 103, type 0x89
    mov eax, tss
    mov edx, eax
    shl eax, 16
    or eax, tss_end - tss - 1
    mov [bench_gdt + SEL_TSS], eax
    mov eax, edx
    and eax, 0xFF000000
    shr edx, 16
    and edx, 0xFF
    or eax, edx
    or eax, 0x00008900               ; present, DPL 0, available 32-bit TSS
    mov [bench_gdt + SEL_TSS + 4], eax
    mov dword [tss + 4], KSTACK0     ; ESP0
    mov dword [tss + 8], SEL_KDATA   ; SS0
    mov word [tss + 102], tss_end - tss ; no I/O bitmap
    mov ax, SEL_TSS
    ltr ax
    SET_GATE 0x80, sys_call, 0xEE
    SET_GATE 0x81, sys_exit, 0xEE
%ifdef SC_PAGED
    SET_GATE 14, page_fault, 0x8E
    xor ecx, ecx
.pte:
    mov eax, ecx
    shl eax, 12
    or eax, 7                        ; present, writable, user
    mov [PT + ecx * 4], eax
    inc ecx
    cmp ecx, 2048
    jb .pte
    mov eax, kdata                   ; kernel data page: supervisor only
    shr eax, 12
    and dword [PT + eax * 4], ~4
    and dword [PT + ((KSTACK0 - 4096) >> 12) * 4], ~4   ; kernel stack page
    mov edi, PD
    mov ecx, 1024
    xor eax, eax
    rep stosd
    mov dword [PD], PT + 7
    mov dword [PD + 4], PT + 0x1000 + 7
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000               ; PG | WP
    mov cr0, eax
%endif

    ; to ring 3
    push dword SEL_UDATA
    push dword USTACK
    push dword 0x002                 ; EFLAGS: IF=0, IOPL=0
    push dword SEL_UCODE
    push dword user_main
    iretd

; ---------------------------------------------------------------- ring 3
user_main:
    mov ax, SEL_UDATA
    mov ds, ax
    mov es, ax
    xor esi, esi
    mov ecx, N
.loop:
    mov eax, ecx
    mov ebx, esi
    int 0x80                         ; eax = f(eax, ebx)
    add esi, eax
    rol esi, 3
    dec ecx
    jnz .loop
%ifdef SC_PAGED
    mov [sys_count], eax             ; supervisor page: #PF, skipped by the handler
user_after_probe:
%endif
    mov eax, esi
    int 0x81                         ; does not return

; ---------------------------------------------------------------- ring 0
; stack after pushes: edi esi ebp esp ebx edx ecx eax (pushad, +0..+28),
; es +32, ds +36, eip +40, cs +44, eflags +48, esp +52, ss +56
sys_call:
    push ds
    push es
    pushad
    mov dx, SEL_KDATA
    mov ds, dx
    mov es, dx
    inc dword [sys_count]
    mov eax, [esp + 44]              ; caller's CS: RPL must be 3
    and eax, 3
    add [ring3_seen], eax
    mov eax, [esp + 56]              ; caller's SS
    xor eax, SEL_UDATA
    or [bad_frame], eax
    mov eax, [esp + 28]              ; caller's EAX
    xor eax, [esp + 16]              ; caller's EBX
    imul eax, eax, 0x01000193
    add [sys_acc], eax
    mov [esp + 28], eax              ; return value in EAX
    popad
    pop es
    pop ds
    iretd

%ifdef SC_PAGED
page_fault:                          ; only the probe above is expected here
    push eax
    mov eax, [esp + 4]               ; error code
    mov [pf_err], eax
    mov eax, cr2
    mov [pf_cr2], eax
    pop eax
    add esp, 4
    mov dword [esp], user_after_probe
    iretd
%endif

sys_exit:
    mov dx, SEL_KDATA
    mov ds, dx
    mov es, dx
    mov ebp, eax                     ; user's result
    puts SC_NAME, ":"
    KV "user", ebp
    KV "calls", [sys_count]
    KV "ring3", [ring3_seen]
    KV "acc", [sys_acc]
    KV "badframe", [bad_frame]
    mov eax, [esp + 4]               ; CS of the int 0x81 frame
    KV "exitcs", eax
%ifdef SC_PAGED
    KV "pf_err", [pf_err]
    KV "pf_cr2", [pf_cr2]
    rol ebp, 9
    xor ebp, [pf_err]
    add ebp, [pf_cr2]
%endif
    puts 10
    add ebp, [sys_count]
    xor ebp, [ring3_seen]
    add ebp, [sys_acc]
    xor ebp, [bad_frame]
    BENCH_RESULT SC_NAME, ebp
    EXIT

section .data align=4096            ; mutable data: its own page, not the code's
kdata:
sys_count:  dd 0
ring3_seen: dd 0
sys_acc:    dd 0
bad_frame:  dd 0
pf_err:     dd 0
pf_cr2:     dd 0
align 16
tss:        times 104 db 0
tss_end:

section .rodata_strs
