; An option ROM the firmware runs (given as fw_cfg file genroms/test.bin):
; reports on SeaBIOS's log port 0x402 where it runs and whether its shadow
; RAM is writable, prints a line through int 10h (sgabios or SeaBIOS's
; serial console put it on COM1), waits for the UART to drain and exits
; through isa-debug-exit (0x501): status 0x21. The checksum byte (last) is
; set by the test script.
bits 16
org 0
    db 0x55, 0xaa, 1              ; signature, 512 bytes
    jmp init
    times 0x18 - ($ - $$) db 0
    dw 0, 0                       ; no PCI data structure, no PnP header
init:
    push cs
    pop ds
    mov si, hello
    call dcon
    mov ax, cs                    ; C000:0003 or so: in the shadow area
    call hex16
    mov si, nl
    call dcon
    ; the shadow RAM holding this ROM is writable during the scan (PAM 0x33)
    mov byte [scratch], 0x5a
    cmp byte [scratch], 0x5a
    mov si, shadow_ok
    je .s
    mov si, shadow_bad
.s: call dcon
    mov si, tty
.t: lodsb
    test al, al
    jz .drain
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    jmp .t
.drain:
    mov dx, 0x3fd                 ; COM1 LSR: wait for TEMT
.w: in al, dx
    test al, 0x40
    jz .w
    mov dx, 0x501
    mov al, 0x10
    out dx, al                    ; isa-debug-exit: status (0x10 << 1) | 1
    cli
    hlt
dcon: lodsb
    test al, al
    jz .d
    mov dx, 0x402
    out dx, al
    jmp dcon
.d: ret
hex16: mov cx, 4
.h: rol ax, 4
    push ax
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '0' - 10
.o: mov dx, 0x402
    out dx, al
    pop ax
    loop .h
    ret
hello: db "optionrom: cs=", 0
nl: db 10, 0
shadow_ok: db "optionrom: shadow RAM writable", 10, 0
shadow_bad: db "optionrom: shadow RAM NOT writable", 10, 0
tty: db "int10: hello from an option ROM", 13, 10, 0
scratch: db 0
    times 512 - ($ - $$) db 0
