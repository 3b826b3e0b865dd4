; The guest of the reverse-execution tests (tests/gdb/reverse.sh): an ELF32
; multiboot kernel (nasm -f elf32 -g, ld -Ttext-segment=0x100000), so that GDB
; reads its symbols and line table and knows where functions begin
; (reverse-finish needs that). Labels inside functions are not global: the
; test gives GDB a copy linked with -x, so they do not split functions.
; A PIT timer interrupts it all the time; the main loop calls bump(i), which
; adds 3*i to `counter`; every 64 calls a '.' goes to the debug console, and
; when the serial port is there the bytes it receives are added to `rxsum`
; and echoed, and after the loop it waits (HLT between timer ticks) for a
; newline. At the end it prints the counter, the timer ticks and rxsum, and
; exits through port 0xF4.
bits 32
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00000003
section .text
global start, bump, main_loop, call_site, after_call, poll_serial, timer_handler, print_hex, done
global counter, ticks, rxsum, last_i
mb_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

start:
    mov esp, stack_top
    lgdt [gdtr]
    jmp 0x08:.cs
.cs:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; IDT: vector 0x20 (IRQ0) -> timer_handler, the rest absent
    mov eax, timer_handler
    mov word [idt + 0x20 * 8], ax
    mov word [idt + 0x20 * 8 + 2], 0x08
    mov word [idt + 0x20 * 8 + 4], 0x8E00
    shr eax, 16
    mov word [idt + 0x20 * 8 + 6], ax
    lidt [idtr]
    ; 8259: vectors 0x20-0x27, only IRQ0 unmasked (and IRQ4 when there is a serial port)
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xFE
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    ; PIT channel 0, mode 2, divisor 4 (a tick every ~3350 instructions)
    mov al, 0x34
    out 0x43, al
    mov al, 4
    out 0x40, al
    xor al, al
    out 0x40, al
    sti
    xor ecx, ecx
main_loop:
    push ecx
call_site:
    call bump
after_call:
    add esp, 4
    call poll_serial
    inc ecx
    cmp ecx, 2000
loop_back:
    jb main_loop
    ; with a serial port: wait (halted between timer ticks) for a line of input
    mov dx, 0x3FD
    in al, dx
    cmp al, 0xFF
    je done
wait_line:
    call poll_serial
    cmp byte [last_rx], 10
    je done
    hlt
    jmp wait_line
done:
    cli
    mov eax, [counter]
    call print_hex
    mov al, 10
    out 0xE9, al
    mov eax, [ticks]
    call print_hex
    mov al, 10
    out 0xE9, al
    mov eax, [rxsum]
    call print_hex
    mov al, 10
    out 0xE9, al
    mov al, 0
    out 0xF4, al
.hang:
    hlt
    jmp .hang

bump:
    push ebp
    mov ebp, esp
    mov eax, [ebp + 8]
    mov [last_i], eax
    imul eax, eax, 3
bump_write:
    add [counter], eax
    test dword [ebp + 8], 63
    jnz .quiet
    mov al, '.'
    out 0xE9, al
.quiet:
    pop ebp
    ret

; Serial input (COM1), polled: each byte is added to rxsum and echoed.
poll_serial:
    push eax
    push edx
    mov dx, 0x3FD
    in al, dx
    cmp al, 0xFF                ; no UART
    je .out
    test al, 1
    jz .out
    mov dx, 0x3F8
    in al, dx
    mov [last_rx], al
    movzx edx, al
    add [rxsum], edx
    mov dx, 0x3F8
    out dx, al
.out:
    pop edx
    pop eax
    ret

timer_handler:
    inc dword [ticks]
    push eax
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

print_hex:
    mov ecx, 8
    mov ebx, eax
.digit:
    rol ebx, 4
    mov al, bl
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o:
    out 0xE9, al
    loop .digit
    ret

section .data
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF       ; 0x08 flat code
    dq 0x00CF92000000FFFF       ; 0x10 flat data
gdtr:
    dw 3 * 8 - 1
    dd gdt
idtr:
    dw 256 * 8 - 1
    dd idt
align 4
counter: dd 0
ticks: dd 0
rxsum: dd 0
last_i: dd 0
last_rx: dd 0

section .bss
align 8
idt: resb 256 * 8
stack: resb 8192
stack_top:
