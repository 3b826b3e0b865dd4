#!/usr/bin/env bash
# The VGA text screen: a guest writes 0xB8000 (plain RAM: reads back), moves
# the cursor through the CRTC and reads the registers back; `screendump`
# writes what it shows as text under both engines; -display curses draws it
# on a terminal (a pty from script(1)); bad -display values are refused.
. "$(dirname "$0")/common.inc"

asm vga <<'ASM'
%include "mb.inc"
start:
    mov edi, 0xb8000                ; clear to blanks, grey on black
    mov ecx, 80 * 25
    mov ax, 0x0720
    rep stosw
    mov esi, line1                  ; row 0
    mov edi, 0xb8000
    mov ah, 0x1f
    call put
    mov esi, line2                  ; row 24, column 10
    mov edi, 0xb8000 + (24 * 80 + 10) * 2
    mov ah, 0x4e
    call put
    mov byte [0xb8000 + 12 * 160 + 40 * 2], 0xc9   ; box corners (code page 437)
    mov byte [0xb8000 + 12 * 160 + 41 * 2], 0xcd
    mov byte [0xb8000 + 12 * 160 + 42 * 2], 0xbb
    mov eax, [0xb8000]
    CHECK_EQ eax, 0x1f651f48, "text memory reads back"
    mov dx, 0x3d4                   ; cursor to row 24, column 30
    mov ax, ((24 * 80 + 30) & 0xff00) | 0x0e
    out dx, ax
    mov ax, (((24 * 80 + 30) & 0xff) << 8) | 0x0f
    out dx, ax
    mov al, 0x0f
    out dx, al
    inc dx
    in al, dx
    movzx eax, al
    CHECK_EQ eax, (24 * 80 + 30) & 0xff, "crtc cursor low reads back"
    mov dx, 0x3cc
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x67, "misc output: colour, as mode 3"
    mov dx, 0x3da
    in al, dx
    mov bl, al
    in al, dx
    xor al, bl
    movzx eax, al
    CHECK_EQ eax, 0x09, "input status 1: retrace toggles"
    test byte [exit_flag], 1        ; exit (the curses run) or wait for the monitor
    jz .wait
    EXIT
.wait:
    cli
    hlt
put:
    lodsb
    test al, al
    jz .done
    stosw
    jmp put
.done:
    ret
line1: db "Hello from the text screen", 0
line2: db "row 24 in red", 0
exit_flag: db 0
ASM
sed 's/^exit_flag: db 0$/exit_flag: db 1/' "$T/vga.asm" >"$T/vga_exit.asm"
nasm -f bin -I tests/asm/lib/ -o "$T/vga_exit.bin" "$T/vga_exit.asm"

expected=$(printf 'Hello from the text screen\n%.0s' 1; for i in $(seq 1 11); do echo; done
           printf '%40s\xe2\x95\x94\xe2\x95\x90\xe2\x95\x97\n' ""; for i in $(seq 1 11); do echo; done
           printf '%10srow 24 in red\n' "")
for eng in main interp; do
    acc=("${ACCEL[@]}"); [ "$eng" = interp ] && acc=(-accel interp)
    rm -f "$T/screen.txt"
    out=$(printf 'screendump %s\ninfo vga\nquit\n' "$T/screen.txt" |
          "$VDEBUG" "${acc[@]}" -kernel "$T/vga.bin" -debugcon "file:$T/con" -monitor stdio 2>"$T/err"); st=$?
    got=$(cat "$T/screen.txt" 2>/dev/null)
    if [ "$st" = 0 ] && [ "$got" = "$expected" ]; then pass "screendump[$eng]"
    else fail "screendump[$eng]" "status $st; screen: $(head -c 400 "$T/screen.txt" 2>/dev/null | od -c | head -n 5) $(cat "$T/err")"; fi
    [ "$(grep -c '^PASS' "$T/con")" = 4 ] && ! grep -q FAIL "$T/con" && pass "vga_registers[$eng]" ||
        fail "vga_registers[$eng]" "$(cat "$T/con")"
    [[ "$out" == *"VGA text 80x25 (colour), start address 0x0000, cursor at column 30 row 24"* ]] && pass "info_vga[$eng]" ||
        fail "info_vga[$eng]" "$out"
done
out=$(printf 'screendump /nonexistent/dir/x\nquit\n' | "$VDEBUG" "${ACCEL[@]}" -kernel "$T/vga.bin" -monitor stdio 2>&1)
[[ "$out" == *"screendump: cannot create '/nonexistent/dir/x'"* ]] && pass screendump_bad_path || fail screendump_bad_path "$out"

# -display curses on a pseudo-terminal: the text arrives, the terminal is given back
if script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "$VDEBUG ${ACCEL[*]} -kernel $T/vga_exit.bin -display curses -device isa-debug-exit,iobase=0xf4,iosize=4" \
        "$T/typescript" </dev/null >/dev/null 2>&1
    st=$?
    if [ "$st" = 1 ] && grep -q 'Hello from the text screen' "$T/typescript" && grep -q 'row 24 in red' "$T/typescript" &&
       grep -q $'\e\[?1049l' "$T/typescript"; then pass display_curses
    else fail display_curses "status $st: $(tail -c 300 "$T/typescript" | od -c | tail -n 4)"; fi
else
    echo "SKIP display_curses: script(1) cannot make a pty here"
fi
run -kernel "$T/vga.bin" -display curses;                 expect display_needs_terminal 1 "needs a terminal"
run -kernel "$T/vga.bin" -display gtk;                    expect display_bad 2 "-display gtk"
run -kernel "$T/vga.bin" -display curses -serial stdio;   expect display_and_serial_stdio 2 "terminal"
finish
