; Keys for tests/cli/replay.sh: prints every byte the keyboard controller
; hands over (port 0x60 while status bit 0 is set, auxiliary bytes
; included) as two hex digits on the debug console, busy-polling (no
; interrupts: the instruction counts at which bytes arrive depend on when
; they were typed), and exits after the release of Enter (0x9C with the
; controller's translation to set 1, 0x5A after 0xF0 without).
%include "mb.inc"
start:
    mov esp, 0x90000
    xor ebx, ebx                ; previous byte
.poll:
    in al, 0x64
    test al, 1
    jz .poll
    in al, 0x60
    movzx eax, al
    push eax
    shr al, 4
    call hexdigit
    mov al, [esp]
    and al, 15
    call hexdigit
    mov al, ' '
    out DEBUGCON, al
    pop eax
    cmp al, 0x9c
    je .done
    cmp al, 0x5a
    jne .next
    cmp bl, 0xf0
    je .done
.next:
    mov bl, al
    jmp .poll
.done:
    mov al, 10
    out DEBUGCON, al
    EXIT
hexdigit:
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out DEBUGCON, al
    ret
