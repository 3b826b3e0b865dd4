; The PIIX3 IDE controller driven by hand: PCI function, ATA PIO (28- and
; 48-bit LBA, MULTIPLE, 32-bit data port), bus-master DMA (two PRD entries,
; a short PRD table, DMA over code that already ran), errors, and an ATAPI
; CD-ROM (IDENTIFY PACKET, INQUIRY, READ CAPACITY, READ(10) by PIO and DMA,
; a file of the ISO found through its directory, REQUEST SENSE).
; Run by tests/cli/disk.sh with: -hda (sparse, > 2^28 sectors) -cdrom ISO.
; Firmware-independent: it also passes under QEMU (the script checks that).
%include "mb.inc"
%ifdef MAPFILE
[map symbols MAPFILE]
%endif

IDE     equ 0x1f0
CTL     equ 0x3f6
IDE2    equ 0x170
BM      equ 0xd000          ; where this guest puts BAR 4
HIGH_LBA equ 0x10000001     ; above the 28-bit limit (hob sector = 0x10)

section .text
start:
    mov esp, 0x90000
    ; ---- PCI function 00:01.1 ----
    mov eax, 0x80000900
    call pci_read
    CHECK_EQ eax, 0x70108086, "pci: 8086:7010 at 00:01.1"
    mov eax, 0x80000908
    call pci_read
    and eax, 0xffffff00
    CHECK_EQ eax, 0x01018000, "pci: class 01.01, prog-if 0x80"
    mov eax, 0x80000920
    mov ebx, 0xffffffff
    call pci_write
    call pci_read
    CHECK_EQ eax, 0xfffffff1, "pci: BAR 4 is 16 bytes of I/O"
    mov eax, 0x80000920
    mov ebx, BM | 1
    call pci_write
    mov eax, 0x80000904
    mov ebx, 0x0005             ; I/O and bus master on
    call pci_write
    mov eax, 0x80000940
    mov ebx, 0x80008000         ; IDETIM: decode both channels
    call pci_write
    mov dx, BM + 4
    mov eax, 0x12345678
    out dx, eax
    in eax, dx
    CHECK_EQ eax, 0x12345678, "bus master: PRD register at the new BAR"

    ; ---- IDENTIFY ----
    mov dx, IDE + 6
    mov al, 0xe0
    out dx, al
    mov al, 0xec
    call ata_cmd
    CHECK_EQ eax, 0x58, "identify: DRQ"
    mov edi, rbuf
    call pio_in_sector
    movzx eax, word [rbuf + 0]
    CHECK_EQ eax, 0x0040, "identify: fixed disk"
    mov eax, [rbuf + 120]
    CHECK_EQ eax, 0x0fffffff, "identify: 28-bit capacity capped"
    mov eax, [rbuf + 200]
    CHECK_EQ eax, 0x10400000, "identify: 48-bit capacity"
    movzx eax, word [rbuf + 83 * 2]
    and eax, 0xc400
    CHECK_EQ eax, 0x4400, "identify: LBA48 supported"
    mov dx, IDE + 7
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x50, "identify: ready after the data"

    ; ---- PIO write and read back, LBA28 ----
..@pio_write_begin:                 ; (..@ labels leave the local-label scope alone; tests/gdb/snapshot_disk.sh)
    call fill_wbuf
    mov eax, 1
    mov ecx, 2
    mov bl, 0x30                ; WRITE SECTORS
    call ata_rw28
    CHECK_EQ eax, 0x58, "pio write: DRQ without waiting"
    mov esi, wbuf
    call pio_out_sector
    call wait_ready
    CHECK_EQ eax, 0x58, "pio write: DRQ for the second sector"
    call pio_out_sector
    call wait_ready
    CHECK_EQ eax, 0x50, "pio write: done"
..@pio_readback:
    mov eax, 1
    mov ecx, 2
    mov bl, 0x20                ; READ SECTORS
    call ata_rw28
    mov edi, rbuf
    call pio_in_sector
    call wait_ready
    call pio_in_sector_32       ; the second through the 32-bit data port
    call wait_ready
    CHECK_EQ eax, 0x50, "pio read: done"
..@pio_readback_end:
    mov ecx, 1024
    call compare
    CHECK_EQ eax, 0, "pio read: the data written"

    ; ---- READ MULTIPLE ----
    mov dx, IDE + 2
    mov al, 2
    out dx, al
    mov al, 0xc6                ; SET MULTIPLE MODE 2
    call ata_cmd
    CHECK_EQ eax, 0x50, "set multiple 2"
    mov eax, 1
    mov ecx, 2
    mov bl, 0xc4                ; READ MULTIPLE: both sectors in one DRQ block
    call ata_rw28
    mov edi, rbuf
    mov ecx, 512
    mov dx, IDE
    rep insw
    call wait_ready
    CHECK_EQ eax, 0x50, "read multiple: one block of two sectors"
    mov ecx, 1024
    call compare
    CHECK_EQ eax, 0, "read multiple: the data"

    ; ---- LBA48 above 2^28 ----
    mov eax, HIGH_LBA
    mov bl, 0x34                ; WRITE SECTORS EXT
    call ata_rw48
    mov esi, wbuf + 512
    call pio_out_sector
    call wait_ready
    CHECK_EQ eax, 0x50, "lba48: write"
    mov eax, HIGH_LBA
    mov bl, 0x24                ; READ SECTORS EXT
    call ata_rw48
    mov edi, rbuf
    call pio_in_sector
    mov esi, wbuf + 512
    mov edi, rbuf
    mov ecx, 128
    repe cmpsd
    CHECK_EQ ecx, 0, "lba48: read back"
    ; past the end: an error, not a crash
    mov eax, 0x10400000
    mov bl, 0x24
    call ata_rw48
    and eax, 0xc9
    CHECK_EQ eax, 0x41, "lba48: read past the end fails (ERR)"
    mov dx, IDE + 1
    in al, dx
    and eax, 0x04
    CHECK_EQ eax, 0x04, "lba48: ABRT"

    ; ---- DMA: write 8 sectors from two PRD entries, read back ----
    mov dword [prd + 0], wbuf
    mov dword [prd + 4], 1024
    mov dword [prd + 8], wbuf + 1024
    mov dword [prd + 12], 0x80000000 | 3072
    mov eax, 100
    mov ecx, 8
    mov bl, 0xca                ; WRITE DMA
    mov bh, 0                   ; bus master reads memory
    call ata_dma28
    CHECK_EQ eax, 0x50, "dma write: done"
    CHECK_EQ ebx, 0x04, "dma write: bus master interrupt, not active"
    mov dword [prd + 0], rbuf
    mov dword [prd + 4], 0x80000000 | 4096
    mov edi, rbuf
    mov ecx, 1024
    xor eax, eax
    rep stosd
    mov eax, 100
    mov ecx, 8
    mov bl, 0xc8                ; READ DMA
    mov bh, 8                   ; to memory
    call ata_dma28
    CHECK_EQ eax, 0x50, "dma read: done"
    mov ecx, 4096
    call compare
    CHECK_EQ eax, 0, "dma read: the data written"
    ; a PRD table shorter than the transfer
    mov dword [prd + 4], 0x80000000 | 512
    mov eax, 100
    mov ecx, 2
    mov bl, 0xc8
    mov bh, 8
    call ata_dma28
    and ebx, 0x07
    CHECK_EQ ebx, 0x00, "dma: short PRD table: bus master stops without interrupt (the PIIX's sign)"

    ; ---- DMA over code that already ran (the translator must drop it) ----
    call smc_fn
    CHECK_EQ eax, 1, "smc: the old code"
    mov edi, wbuf
    mov ecx, 512
    mov al, 0xcc
    rep stosb
    mov dword [wbuf], 0x000002b8      ; mov eax, 2
    mov word [wbuf + 4], 0xc300       ; (imm high byte), ret
    mov eax, 20
    mov ecx, 1
    mov bl, 0x30
    call ata_rw28
    mov esi, wbuf
    call pio_out_sector
    call wait_ready
    mov dword [prd + 0], smc_fn
    mov dword [prd + 4], 0x80000000 | 512
    mov eax, 20
    mov ecx, 1
    mov bl, 0xc8
    mov bh, 8
    call ata_dma28
    call smc_fn
    CHECK_EQ eax, 2, "smc: DMA replaced code that had run"

    ; ---- FLUSH CACHE ----
    mov al, 0xe7
    call ata_cmd
    CHECK_EQ eax, 0x50, "flush cache"

    ; ---- ATAPI on the secondary master ----
    mov dx, 0x376
    mov al, 0x04                ; SRST: the drives show their signatures
    out dx, al
    mov al, 0
    out dx, al
    call wait2
    mov dx, IDE2 + 6
    mov al, 0xa0
    out dx, al
    mov dx, IDE2 + 4
    in al, dx
    mov ah, al
    inc dx
    in al, dx
    movzx eax, ax
    CHECK_EQ eax, 0x14eb, "atapi: signature"
    mov dx, IDE2 + 7
    mov al, 0xa1                ; IDENTIFY PACKET DEVICE
    out dx, al
    call wait2
    mov edi, rbuf
    mov ecx, 256
    mov dx, IDE2
    rep insw
    movzx eax, word [rbuf]
    and eax, 0xdf03
    CHECK_EQ eax, 0x8500, "atapi: identify packet: CD-ROM, 12-byte packets"

    mov esi, cdb_inquiry
    call atapi_pio
    CHECK_EQ eax, 0x50, "atapi: inquiry"
    CHECK_EQ ecx, 36, "atapi: inquiry: 36 bytes"
    movzx eax, byte [rbuf]
    CHECK_EQ eax, 5, "atapi: inquiry: CD/DVD device"

    mov esi, cdb_capacity
    call atapi_pio
    mov eax, [rbuf + 4]
    CHECK_EQ eax, 0x00080000, "atapi: read capacity: 2048-byte blocks"
    mov eax, [rbuf]
    bswap eax
    mov [last_lba], eax

    mov dword [cdb_read + 2], 0x10000000  ; LBA 16 (big-endian)
    mov byte [cdb_read + 8], 1
    mov esi, cdb_read
    call atapi_pio
    CHECK_EQ eax, 0x50, "atapi: read(10) of the volume descriptor"
    CHECK_EQ ecx, 2048, "atapi: 2048 bytes"
    mov eax, [rbuf + 1]
    CHECK_EQ eax, 'CD00', "atapi: CD001"
    ; the root directory: extent at PVD+156+2, size at +10
    mov eax, [rbuf + 158]
    mov [root_lba], eax
    bswap eax
    mov [cdb_read + 2], eax
    mov esi, cdb_read
    call atapi_pio
    ; walk the records for HELLO.TXT;1
    mov esi, rbuf
.walk:
    movzx ecx, byte [esi]
    test ecx, ecx
    jz .notfound
    cmp byte [esi + 32], 11
    jne .next
    cmp dword [esi + 33], 'HELL'
    jne .next
    mov eax, [esi + 2]
    bswap eax
    mov [cdb_read + 2], eax
    jmp .found
.next:
    add esi, ecx
    cmp esi, rbuf + 2048
    jb .walk
.notfound:
    FAIL "atapi: HELLO.TXT in the root directory"
    jmp .after
.found:
    PASS "atapi: HELLO.TXT in the root directory"
    mov esi, cdb_read
    call atapi_pio
    mov esi, hello
    mov edi, rbuf
    mov ecx, hello_len
    repe cmpsb
    CHECK_EQ ecx, 0, "atapi: HELLO.TXT's contents"
.after:
    ; two blocks with a byte count limit of one: two DRQ pieces
    mov eax, [last_lba]
    dec eax
    bswap eax
    mov [cdb_read + 2], eax
    mov byte [cdb_read + 8], 2
    mov esi, cdb_read
    call atapi_pio
    CHECK_EQ eax, 0x50, "atapi: read of the last two blocks"
    CHECK_EQ ecx, 4096, "atapi: 4096 bytes"
    CHECK_EQ edx, 2, "atapi: in two pieces of the byte count limit"
    ; past the end: CHECK CONDITION, then REQUEST SENSE says why
    mov eax, [last_lba]
    bswap eax
    mov [cdb_read + 2], eax
    mov esi, cdb_read
    call atapi_pio
    CHECK_EQ eax, 0x41, "atapi: read past the end: check condition"
    mov esi, cdb_sense
    call atapi_pio
    movzx eax, byte [rbuf + 2]
    CHECK_EQ eax, 5, "atapi: sense key illegal request"
    movzx eax, byte [rbuf + 12]
    CHECK_EQ eax, 0x21, "atapi: logical block address out of range"
    ; READ(10) by DMA
    mov dword [cdb_read + 2], 0x10000000
    mov byte [cdb_read + 8], 1
    mov dword [prd + 0], wbuf
    mov dword [prd + 4], 0x80000000 | 2048
    mov dx, BM + 8 + 4
    mov eax, prd
    out dx, eax
    mov dx, BM + 8 + 2
    mov al, 6
    out dx, al
    mov dx, BM + 8
    mov al, 8
    out dx, al
    mov dx, IDE2 + 1
    mov al, 1                   ; DMA
    out dx, al
    mov dx, IDE2 + 7
    mov al, 0xa0
    out dx, al
    call wait2
    mov esi, cdb_read
    mov ecx, 6
    mov dx, IDE2
    rep outsw
    mov dx, BM + 8
    mov al, 9
    out dx, al
    mov dx, BM + 8 + 2
.dma2:
    in al, dx
    and al, 5
    cmp al, 1
    je .dma2
    call wait2
    movzx ebx, al
    mov dx, BM + 8
    mov al, 0
    out dx, al
    mov dx, IDE2 + 1
    mov al, 0
    out dx, al
    CHECK_EQ ebx, 0x50, "atapi: dma read: done"
    mov eax, [wbuf + 1]
    CHECK_EQ eax, 'CD00', "atapi: dma read: CD001"
    EXIT

; ---- helpers ----
pci_read:                       ; eax = address -> eax = dword
    push edx
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    pop edx
    ret
pci_write:                      ; eax = address, ebx = value
    push edx
    push eax
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    mov eax, ebx
    out dx, eax
    pop eax
    pop edx
    ret

wait_ready:                     ; -> eax = status once BSY is clear
    mov dx, IDE + 7
.w: in al, dx
    test al, 0x80
    jnz .w
    movzx eax, al
    ret
wait2:
    mov dx, IDE2 + 7
.w: in al, dx
    test al, 0x80
    jnz .w
    movzx eax, al
    ret

ata_cmd:                        ; al = command -> eax = status
    mov dx, IDE + 7
    out dx, al
    jmp wait_ready

ata_rw28:                       ; eax = lba, ecx = count, bl = command
    push eax
    mov dx, IDE + 2
    mov al, cl
    out dx, al
    pop eax
    mov dx, IDE + 3
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    shr eax, 8
    and al, 0x0f
    or al, 0xe0
    inc dx
    out dx, al
    mov al, bl
    jmp ata_cmd

ata_rw48:                       ; eax = lba (32 bits), one sector, bl = command
    mov ecx, eax
    mov dx, IDE + 2
    mov al, 0                   ; count high
    out dx, al
    mov al, 1
    out dx, al
    mov eax, ecx
    shr eax, 24
    mov dx, IDE + 3
    out dx, al                  ; lba 31:24
    mov al, 0
    inc dx
    out dx, al                  ; lba 39:32
    inc dx
    out dx, al                  ; lba 47:40
    mov eax, ecx
    mov dx, IDE + 3
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    mov dx, IDE + 6
    mov al, 0x40
    out dx, al
    mov al, bl
    jmp ata_cmd

; eax = lba, ecx = count, bl = command, bh = bus master direction (8: to memory)
; -> eax = ATA status, ebx = bus master status (before it is cleared)
ata_dma28:
    push eax
    mov dx, BM
    mov al, 0
    out dx, al
    mov dx, BM + 2
    mov al, 6                   ; clear interrupt and error
    out dx, al
    mov dx, BM + 4
    mov eax, prd
    out dx, eax
    mov dx, BM
    mov al, bh
    out dx, al
    pop eax
    call ata_rw28               ; BSY: waits for the bus master
    mov dx, BM
    mov al, bh
    or al, 1
    out dx, al                  ; start
    mov dx, BM + 2
.busy:                          ; until not active, or the interrupt (QEMU's DMA runs asynchronously)
    in al, dx
    and al, 5
    cmp al, 1
    je .busy
    in al, dx
    movzx ebx, al
    call wait_ready
    push eax
    mov dx, BM
    mov al, 0
    out dx, al                  ; stop
    mov dx, BM + 2
    mov al, 6
    out dx, al
    pop eax
    ret

pio_in_sector:                  ; to edi (advanced)
    mov ecx, 256
    mov dx, IDE
    rep insw
    ret
pio_in_sector_32:
    mov ecx, 128
    mov dx, IDE
    rep insd
    ret
pio_out_sector:                 ; from esi (advanced)
    mov ecx, 256
    mov dx, IDE
    rep outsw
    ret

fill_wbuf:                      ; 4096 bytes: byte i = i * 7 + 3 + (i >> 9)
    xor ecx, ecx
.f: mov eax, ecx
    imul eax, 7
    add eax, 3
    mov edx, ecx
    shr edx, 9
    add eax, edx
    mov [wbuf + ecx], al
    inc ecx
    cmp ecx, 4096
    jb .f
    ret

compare:                        ; ecx bytes of wbuf and rbuf -> eax = 0 if equal
    mov esi, wbuf
    mov edi, rbuf
    repe cmpsb
    mov eax, ecx
    ret

; ATAPI command by PIO, byte count limit 2048: CDB at esi, data to rbuf.
; -> eax = final status, ecx = bytes received, edx = DRQ pieces
atapi_pio:
    push ebx
    push edi
    mov dx, IDE2 + 1
    mov al, 0
    out dx, al
    mov dx, IDE2 + 4
    out dx, al
    inc dx
    mov al, 0x08
    out dx, al
    mov dx, IDE2 + 7
    mov al, 0xa0
    out dx, al
    call wait2
    mov ecx, 6
    mov dx, IDE2
    rep outsw
    mov edi, rbuf
    xor ebx, ebx                ; bytes
    push dword 0                ; pieces
.piece:
    call wait2
    test al, 0x08
    jz .end
    inc dword [esp]
    mov dx, IDE2 + 4
    in al, dx
    mov cl, al
    inc dx
    in al, dx
    mov ch, al
    movzx ecx, cx
    add ebx, ecx
    shr ecx, 1
    mov dx, IDE2
    rep insw
    jmp .piece
.end:
    mov ecx, ebx
    pop edx
    pop edi
    pop ebx
    ret

align 4096
smc_fn:
    mov eax, 1
    ret
    times 512 - ($ - smc_fn) db 0x90
align 4096

section .data
cdb_inquiry: db 0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0
cdb_capacity: db 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
cdb_read: db 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0
cdb_sense: db 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0
hello: db "hello from an ISO 9660 image", 10
hello_len equ $ - hello
last_lba: dd 0
root_lba: dd 0
align 16
prd: times 4 dd 0
align 4096
wbuf: times 4096 db 0
rbuf: times 4096 db 0
