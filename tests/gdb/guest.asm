; The guest kernel the GDB tests debug (assembled by tests/gdb/lib.sh, which
; turns the NASM map file into GDB convenience variables: $start, $rm_routine...).
; Run alone it passes its own checks and exits; under GDB the tests stop at
; its labels. Stages, in order:
;   1. protected mode, paging off: a stack variable written and read
;   2. a real-mode routine (entered from protected mode and left again)
;   3. paging on (identity map of 0-4 MiB, and 0xC0000000 -> physical 0),
;      then a write to a page-table entry
;   4. a fast PIT timer: `sti; hlt`, then an interrupt-heavy loop
;   5. if spin_flag is non-zero (a debugger sets it), spin forever with
;      interrupts on; else exit
%ifdef MAPFILE
[map symbols MAPFILE]
%endif
%include "pm.inc"

PD_ADDR equ 0x200000
PT0_ADDR equ 0x201000          ; maps linear 0-4 MiB
PTE_WATCHED equ PT0_ADDR + 0x300 * 4   ; the PTE of linear 0x300000
RM_STACK equ 0x7000
RM_RESULT equ 0x6000

section .text
start:
    PM_INIT
    mov dword [ticks], 0

; ---- 1. a stack variable ----
bp_before_paging:
    push ebp
    mov ebp, esp
    sub esp, 16
    mov dword [ebp - 4], 0
stackvar_ready:                ; GDB: watch *(int *)($ebp - 4)
    mov dword [ebp - 4], 0x1234
after_stackvar_write:
    mov eax, [ebp - 4]
after_stackvar_read:
    leave
    CHECK_EQ eax, 0x1234, "stack variable"

; ---- 2. real mode and back ----
    cli
    mov [saved_esp], esp
    ; 16-bit code with base 0xFFFF0, so that real-mode CS=FFFF reaches this image
    SET_DESC SEL_SPARE, 0xFFFF0, 0xFFFF, 0x9A, 0x0
    SET_DESC SEL_SPARE + 8, 0, 0xFFFF, 0x92, 0x0
    jmp SEL_SPARE:(pm16 - 0xFFFF0)
bits 16
pm16:
    mov ax, SEL_SPARE + 8
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp 0xFFFF:(rm_entry - 0xFFFF0)
rm_entry:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, RM_STACK
rm_routine:                    ; GDB: break here, step through in real mode
    mov ax, 0x1234
    mov bx, 5
    add ax, bx
    mov [RM_RESULT], ax
rm_done:
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE0:pm_back
bits 32
pm_back:
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [saved_esp]
    movzx eax, word [RM_RESULT]
    CHECK_EQ eax, 0x1239, "real-mode routine"

; ---- 3. paging ----
    mov edi, PD_ADDR
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd
    mov edi, PT0_ADDR
    mov eax, 0x3                ; present, writable
.fill:
    mov [edi], eax
    add edi, 4
    add eax, 0x1000
    cmp edi, PT0_ADDR + 4096
    jb .fill
    mov dword [PD_ADDR], PT0_ADDR | 3
    mov dword [PD_ADDR + (0xC0000000 >> 22) * 4], PT0_ADDR | 3
    mov eax, PD_ADDR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
bp_after_paging:
    mov eax, [0xC0000000 + mb_header]   ; the same bytes through the high mapping
    CHECK_EQ eax, MB_MAGIC, "high mapping"
    mov dword [0x300000], 0x55   ; the TLB now holds linear 0x300000 as writable
pte_write:                     ; GDB: watch the PTE of linear 0x300000
    mov dword [PTE_WATCHED], 0x300000 | 0x1   ; read-only now
after_pte_write:               ; GDB: info tlb shows the entry for 0x300000 as stale
    invlpg [0x300000]

; ---- 4. timer interrupts ----
    SET_GATE 0x20, timer_handler, SEL_CODE0, 0x8E
    mov al, 0x11                ; PIC: ICW1..4, master vectors 0x20-0x27
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xFE                ; only IRQ0
    out 0x21, al
    mov al, 0x11
    out 0xA0, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01
    out 0xA1, al
    mov al, 0xFF
    out 0xA1, al
    mov al, 0x34                ; PIT channel 0, mode 2, divisor 2 (about 1.7 us:
    out 0x43, al                ; a tick every ~1700 instructions of virtual time)
    mov al, 2
    out 0x40, al
    xor al, al
    out 0x40, al
sti_hlt:
    sti
    hlt
after_hlt:
    cmp dword [ticks], 0
    jne .ticked
    FAIL "timer interrupt woke HLT"
.ticked:
    mov ecx, 200000
busy_loop:
    add dword [loop_sum], 3
    dec ecx
    jnz busy_loop
busy_loop_end:
    cli
    CHECK_EQ dword [loop_sum], 600000, "interrupt-heavy loop"
    cmp dword [ticks], 10
    ja .many
    FAIL "many timer interrupts"
.many:
    PASS "many timer interrupts"

; ---- 5. spin for the debugger, or exit ----
before_spin:
    cmp dword [spin_flag], 0
    je done
    sti
    puts "SPINNING", 10
spin:
    inc dword [spin_count]
    jmp spin
done:
    EXIT

timer_handler:
    inc dword [ticks]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

align 4
ticks: dd 0
loop_sum: dd 0
spin_flag: dd 0
spin_count: dd 0
saved_esp: dd 0

section .rodata_strs
