; The El Torito (no emulation) boot image of tests/boot/bootsector.sh: says
; where it was booted from (debug console, then a line through int 10h) and
; exits 0 when the BIOS says a CD (DL >= 0xE0).
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov si, msg
.p: lodsb
    test al, al
    jz .d
    out 0xe9, al
    jmp .p
.d: mov bp, dx                  ; keep DL across int 10h
    mov si, msg10
.t: lodsb                       ; the same line through int 10h AH=0Eh (sgabios: COM1)
    test al, al
    jz .e
    mov ah, 0x0e
    xor bx, bx
    int 0x10
    jmp .t
.e: mov dx, bp
    mov al, dl                  ; the drive SeaBIOS booted from (0xe0 and up: CD)
    cmp al, 0xe0
    mov al, 0
    jae .x
    mov al, 1
.x: out 0xf4, al
    hlt
msg: db "booted from the CD (El Torito, no emulation)", 10, 0
msg10: db "CD boot image through int 10h", 13, 10, 0
times 2048 - ($ - $$) db 0
