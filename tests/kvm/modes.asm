; A ROM guest (-bios, 64 KiB) that starts at the reset vector in real mode,
; enters protected mode, goes back to real mode and enters protected mode
; again, computing in each phase and reporting on the debug console (0xE9);
; it exits through the exit device at 0xF4. The same output is expected
; under every engine; under -accel kvm the switching policy shows in
; -d engine: real mode on the emulator, protected mode back in KVM after N
; blocks, real mode again on the emulator.
bits 16
ROMBASE equ 0xF0000
ITER    equ 3000                     ; loop iterations per phase: each a block or two
org 0

; print the NUL-terminated string at CS:si (16-bit) / at esi (32-bit)
rm_puts:
    mov dx, 0xe9
.l: cs lodsb
    test al, al
    jz .d
    out dx, al
    jmp .l
.d: ret

; 16-bit: ebx = sum of i*i (mod 2^32) for i = 1..ITER, printed as hex
rm_work:
    xor ebx, ebx
    mov ecx, ITER
.l: mov eax, ecx
    imul eax, ecx
    add ebx, eax
    dec ecx
    jnz .l
    ret

; print ebx as 8 hex digits then a newline (either mode: only registers and OUT)
%macro PUTHEX 0
    mov ecx, 8
%%l: rol ebx, 4
    mov al, bl
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe %%p
    add al, 7
%%p: out dx, al
    dec ecx
    jnz %%l
    mov al, 10
    out dx, al
%endmacro

rm_phase:                            ; si: label; computes, prints "label" + hex
    call rm_puts
    call rm_work
    mov dx, 0xe9
    PUTHEX
    ret

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov si, msg_rm1
    call rm_phase
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(ROMBASE + pm1)

bits 32
pm_phase:                            ; esi: label (linear); ebx gets sum of i*(i+7)
    mov dx, 0xe9
.l: lodsb
    test al, al
    jz .d
    out dx, al
    jmp .l
.d: xor ebx, ebx
    mov ecx, ITER
.w: lea eax, [ecx + 7]
    imul eax, ecx
    add ebx, eax
    dec ecx
    jnz .w
    PUTHEX
    ret

pm1:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    mov esi, ROMBASE + msg_pm1
    call pm_phase
    ; back to real mode: through a 16-bit code segment based at the ROM
    jmp 0x18:rm2_16

bits 16
rm2_16:
    mov ax, 0x20
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and al, 0xfe
    mov cr0, eax
    jmp 0xf000:rm2
rm2:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    mov si, msg_rm2
    call rm_phase
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(ROMBASE + pm2)

bits 32
pm2:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    mov esi, ROMBASE + msg_pm2
    call pm_phase
    mov dx, 0xf4
    xor eax, eax
    out dx, eax                      ; exit status 1
    hlt

msg_rm1: db "real mode 1: ", 0
msg_pm1: db "protected mode 1: ", 0
msg_rm2: db "real mode 2: ", 0
msg_pm2: db "protected mode 2: ", 0

align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff            ; 0x08: 32-bit code, flat
    dq 0x00cf93000000ffff            ; 0x10: 32-bit data, flat
    dq 0x00009b0f0000ffff            ; 0x18: 16-bit code, base 0xF0000, 64 KiB
    dq 0x000093000000ffff            ; 0x20: 16-bit data, base 0, 64 KiB
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd ROMBASE + gdt

times 0xfff0 - ($ - $$) db 0
bits 16
    jmp 0xf000:start                 ; the reset vector
times 0x10000 - ($ - $$) db 0
