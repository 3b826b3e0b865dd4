; A multiboot kernel that prints the BIOS data area (0x400-0x4FF) on port
; 0xE9, 16 bytes a line ("0400: f8 03 ..."), and exits through
; isa-debug-exit (0xF4). tests/boot/bda.sh compares what vdebug's -kernel
; loader leaves there with what SeaBIOS and the VGA BIOS leave under QEMU.
%include "mb.inc"
section .text
start:
    mov esi, 0x400
.line:
    mov eax, esi
    shl eax, 16                  ; the low four hex digits of the address
    mov ecx, 4
    call hex_digits
    puts ":"
.byte:
    puts " "
    movzx eax, byte [esi]
    shl eax, 24
    mov ecx, 2
    call hex_digits
    inc esi
    test esi, 15
    jnz .byte
    puts 10
    cmp esi, 0x500
    jb .line
    EXIT

; print the top ECX hex digits of EAX
hex_digits:
    pushad
    mov ebx, eax
    mov dx, DEBUGCON
.d: rol ebx, 4
    mov al, bl
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o: out dx, al
    loop .d
    popad
    ret
