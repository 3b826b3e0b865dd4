; The El Torito (no emulation) boot image of tests/boot/bootsector.sh: says
; where it was booted from and exits 0 when the BIOS says a CD (DL >= 0xE0).
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
.d: mov al, dl                  ; the drive SeaBIOS booted from (0xe0 and up: CD)
    cmp al, 0xe0
    mov al, 0
    jae .x
    mov al, 1
.x: out 0xf4, al
    hlt
msg: db "booted from the CD (El Torito, no emulation)", 10, 0
times 2048 - ($ - $$) db 0
