; QEMU's fw_cfg from a guest (what SeaBIOS and QEMU's option ROMs do): the
; signature and ID through the ports, the DMA signature, the file directory
; (sorted, big-endian), the board's etc/e820 read through the data port
; and by DMA, and DMA descriptors that point anywhere: outside RAM, into the VGA
; hole, a buffer that runs off the end of RAM, an unknown item, a write. Each
; gives the error bit in the control word (or, for a descriptor outside RAM,
; leaves RAM alone); the device keeps working. Under qemu-system-i386 every
; case passes but the VGA hole: QEMU's DMA there writes to whatever the PCI
; space holds and reports success; vdebug's fw_cfg DMA reaches RAM only.
%include "mb.inc"
SEL equ 0x510
DATA equ 0x511
DMA_HI equ 0x514
DMA_LO equ 0x518
DESC equ 0x300000               ; descriptor (16 bytes, big-endian)
BUF equ 0x301000
RAM_END equ 0x8000000           ; the default -m 128

section .text
start:
    mov ax, 0                   ; signature
    mov dx, SEL
    out dx, ax
    call rd32
    CHECK_EQ eax, 'QEMU', "signature QEMU"
    mov ax, 1
    mov dx, SEL
    out dx, ax
    call rd32
    CHECK_EQ eax, 3, "ID: port and DMA interfaces"
    mov dx, DMA_HI
    in eax, dx
    CHECK_EQ eax, 'QEMU', "DMA register signature (high)"
    mov dx, DMA_LO
    in eax, dx
    CHECK_EQ eax, ' CFG', "DMA register signature (low)"
    mov ax, 3                   ; RAM size, little-endian u64
    mov dx, SEL
    out dx, ax
    call rd32
    CHECK_EQ eax, RAM_END, "RAM size"

    ; the directory: find etc/e820
    mov ax, 0x19
    mov dx, SEL
    out dx, ax
    call rd32
    bswap eax
    mov ecx, eax                ; count
    cmp ecx, 4
    jae .many
    FAIL "directory lists the firmware's files"
.many:
    xor ebp, ebp                ; key found
    mov edi, 0                  ; previous name's first bytes (sort check)
.next:
    call rd32
    bswap eax
    mov esi, eax                ; size
    call rd32                   ; key (be16), reserved
    xchg al, ah
    movzx ebx, ax
    push ecx
    mov ecx, 56
    mov edi, name
.nm: mov dx, DATA
    in al, dx
    stosb
    loop .nm
    pop ecx
    push esi
    mov esi, name
    mov edi, want
    push ecx
    mov ecx, 9
    repe cmpsb
    pop ecx
    pop esi
    jne .not
    mov ebp, ebx
    mov [size], esi
.not:
    loop .next
    cmp ebp, 0x20
    jae .found
    FAIL "etc/e820 in the directory"
    jmp .done
.found:
    CHECK_EQ dword [size], 20, "etc/e820: one entry of 20 bytes"
    ; read it through the data port: base 0, length RAM_END, type 1 (RAM)
    mov eax, ebp
    mov dx, SEL
    out dx, ax
    call rd32
    CHECK_EQ eax, 0, "data port read: base"
    call rd32
    call rd32
    CHECK_EQ eax, RAM_END, "data port read: length"
    ; by DMA: select + read 20 bytes to BUF
    mov eax, ebp
    shl eax, 16
    or eax, 0x0a                ; select | read
    mov ebx, 20
    mov ecx, BUF
    call dma
    CHECK_EQ eax, 0, "DMA select+read: control 0 (done)"
    CHECK_EQ dword [BUF + 8], RAM_END, "DMA data: length"
    CHECK_EQ dword [BUF + 16], 1, "DMA data: type RAM"
    ; buffer outside RAM
    mov eax, ebp
    shl eax, 16
    or eax, 0x0a
    mov ebx, 12
    mov ecx, 0xfffff000
    call dma
    CHECK_EQ eax, 1, "DMA to 0xFFFFF000: error"
    ; buffer running off the end of RAM
    mov dword [RAM_END - 4], 0xdeadbeef
    mov eax, ebp
    shl eax, 16
    or eax, 0x0a
    mov ebx, 12
    mov ecx, RAM_END - 4
    call dma
    CHECK_EQ eax, 1, "DMA across the end of RAM: error"
    CHECK_EQ dword [RAM_END - 4], 0, "... the part in RAM was written"
    ; into the VGA hole
    mov eax, ebp
    shl eax, 16
    or eax, 0x0a
    mov ebx, 12
    mov ecx, 0xa0000
    call dma
    CHECK_EQ eax, 1, "DMA into the VGA hole: error"
    ; an unknown item reads as zeros
    mov dword [BUF], 0x55555555
    mov eax, 0x7777 << 16 | 0x0a
    mov ebx, 4
    mov ecx, BUF
    call dma
    CHECK_EQ eax, 0, "DMA read of an absent item: done"
    CHECK_EQ dword [BUF], 0, "... zeros"
    ; a write: no item is writable
    mov eax, ebp
    shl eax, 16
    or eax, 0x18                ; select | write
    mov ebx, 4
    mov ecx, BUF
    call dma
    CHECK_EQ eax, 1, "DMA write: error"
    ; the descriptor itself outside RAM: nothing happens to RAM
    mov dword [DESC], 0x11223344
    mov dx, DMA_HI
    xor eax, eax
    out dx, eax
    mov eax, 0x0000f0ff         ; 0xfff00000 big-endian
    mov dx, DMA_LO
    out dx, eax
    CHECK_EQ dword [DESC], 0x11223344, "descriptor outside RAM: RAM untouched"
    ; a 64-bit descriptor address above 4 GiB
    mov dx, DMA_HI
    mov eax, 0x01000000         ; high half 1 (big-endian)
    out dx, eax
    mov eax, 0x00003000
    mov dx, DMA_LO
    out dx, eax
    CHECK_EQ dword [DESC], 0x11223344, "descriptor above 4 GiB: RAM untouched"
    ; and it still works
    mov eax, ebp
    shl eax, 16
    or eax, 0x0a
    mov ebx, 4
    mov ecx, BUF
    call dma
    CHECK_EQ eax, 0, "DMA works after the bad ones"
.done:
    EXIT

; 4 bytes from the data port, first byte lowest
rd32:
    push ecx
    push edx
    mov dx, DATA
    mov ecx, 4
.b: in al, dx
    ror eax, 8
    loop .b
    pop edx
    pop ecx
    ret

; eax = control, ebx = length, ecx = address: run the descriptor at DESC,
; return the control word (host order) in eax
dma:
    bswap eax
    mov [DESC], eax
    bswap ebx
    mov [DESC + 4], ebx
    mov dword [DESC + 8], 0
    bswap ecx
    mov [DESC + 12], ecx
    xor eax, eax
    mov dx, DMA_HI
    out dx, eax
    mov eax, DESC
    bswap eax
    mov dx, DMA_LO
    out dx, eax
    mov eax, [DESC]
    bswap eax
    ret

section .data
want: db "etc/e820", 0
name: times 56 db 0
size: dd 0
