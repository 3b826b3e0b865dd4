; A boot sector (tests/boot/bootsector.sh) that loads 8 more sectors with
; int 13h AH=42h through the BIOS's disk driver, checks the last one and
; reports on the debug console; stage 2 also writes a line on COM1 by
; programming the 16550 at 0x3f8 itself and a line through int 10h AH=0Eh
; (which sgabios, -device sga, copies to COM1); exits through
; isa-debug-exit (status 1).
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
.x: call 0:0x8000 + (com1_line - stage2)
    mov si, 0x8000 + (msg_bios - stage2)
.t: lodsb                       ; int 10h teletype, page 0
    test al, al
    jz .e
    mov ah, 0x0e
    xor bx, bx
    int 0x10
    jmp .t
.e: mov al, 0
    out 0xf4, al
    hlt
.bad:
    mov al, 1
    out 0xf4, al
    hlt
; The 16550 programmed directly: 115200 8N1 (divisor 1), FIFOs on, then
; each byte written once the transmit holding register is empty (LSR bit 5).
com1_line:
    mov dx, 0x3fb
    mov al, 0x80                ; LCR: DLAB
    out dx, al
    mov dx, 0x3f8
    mov al, 1                   ; divisor latch low
    out dx, al
    inc dx
    xor al, al                  ; divisor latch high
    out dx, al
    mov dx, 0x3fb
    mov al, 3                   ; LCR: 8 data bits, no parity, 1 stop
    out dx, al
    mov dx, 0x3fa
    mov al, 7                   ; FCR: enable and clear the FIFOs
    out dx, al
    mov dx, 0x3fc
    mov al, 3                   ; MCR: DTR, RTS
    out dx, al
    mov si, 0x8000 + (msg_com1 - stage2)
.c: lodsb
    test al, al
    jz .r
    mov ah, al
    mov dx, 0x3fd
.w: in al, dx                   ; LSR
    test al, 0x20
    jz .w
    mov al, ah
    mov dx, 0x3f8
    out dx, al
    jmp .c
.r: retf
msg_com1: db "stage 2 on COM1 (16550 at 0x3f8)", 13, 10, 0
msg_bios: db "stage 2 through int 10h", 13, 10, 0
msg2: db "stage 2 loaded by int 13h", 10, 0
msg_ok: db "all 8 sectors read", 10, 0
times 8 * 512 - 4 - ($ - stage2) db 0x90
tail: db "TAIL"
