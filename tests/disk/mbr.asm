; A boot sector (tests/boot/bootsector.sh) that loads 8 more sectors with
; int 13h AH=42h through the BIOS's disk driver, checks the last one and
; reports on the debug console; exits through isa-debug-exit (status 1).
bits 16
org 0x7c00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov si, msg_hello
    call print
    mov ah, 0x41                ; extensions present?
    mov bx, 0x55aa
    mov dl, [drive]
    int 0x13
    jc fail
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    jc fail
    jmp 0:0x8000
fail:
    mov si, msg_fail
    call print
    mov al, 2
    out 0xf4, al
    hlt
print:
    lodsb
    test al, al
    jz .d
    out 0xe9, al
    jmp print
.d: ret
drive: db 0
msg_hello: db "boot sector running", 10, 0
msg_fail: db "int 13h failed", 10, 0
align 4
dap: db 16, 0
     dw 8                       ; sectors
     dw 0x8000, 0               ; buffer
     dq 1                       ; LBA
times 446 - ($ - $$) db 0
; one partition entry so firmware treats it as an MBR
db 0x80, 0, 1, 0, 0x0c, 0, 0, 0
dd 1, 2047
times 510 - ($ - $$) db 0
dw 0xaa55
; ---- sectors 1..8, loaded at 0x8000 ----
stage2:
    mov si, 0x8000 + (msg2 - stage2)
.p: lodsb
    test al, al
    jz .d
    out 0xe9, al
    jmp .p
.d: mov si, 0x8000 + (tail - stage2)
    cmp dword [si], 0x4c494154  ; "TAIL" in the 8th sector
    jne .bad
    mov si, 0x8000 + (msg_ok - stage2)
.q: lodsb
    test al, al
    jz .x
    out 0xe9, al
    jmp .q
.x: mov al, 0
    out 0xf4, al
    hlt
.bad:
    mov al, 1
    out 0xf4, al
    hlt
msg2: db "stage 2 loaded by int 13h", 10, 0
msg_ok: db "all 8 sectors read", 10, 0
times 8 * 512 - 4 - ($ - stage2) db 0x90
tail: db "TAIL"
