#!/usr/bin/env bash
# Real mode under GDB: a breakpoint at a real-mode routine hits at the
# linear address CS*16+IP, $pc is that linear address, `set architecture
# i8086` disassembles it as 16-bit code, and stepi executes one
# instruction at a time through it and back into protected mode.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start

gdb_run "$T/out" \
    'break *$rm_routine' 'continue' \
    'echo MARK-pc\n' 'p/x $pc' \
    'echo MARK-cs\n' 'p/x $cs' \
    'echo MARK-cr0\n' 'p/x $cr0 & 1' \
    'set architecture i8086' \
    'x/3i $pc' \
    'stepi' 'echo MARK-ax1\n' 'p/x $eax & 0xffff' \
    'stepi' 'echo MARK-bx\n' 'p/x $ebx & 0xffff' \
    'stepi' 'echo MARK-ax2\n' 'p/x $eax & 0xffff' \
    'echo MARK-pc3\n' 'p/x $pc' \
    'stepi' \
    'echo MARK-mem\n' 'p/x *(unsigned short *)0x6000' \
    'set architecture i386' \
    'break *$pm_back' 'continue' \
    'echo MARK-pm\n' 'p/x $pc' \
    'echo MARK-cs-pm\n' 'p/x $cs' \
    'x/1i $pc' \
    'echo MARK-setpc\n' \
    'kill'

rm=$(sym rm_routine)
[ "$(val_after "$T/out" MARK-pc)" = "$rm" ]; check "real-mode breakpoint at linear CS:IP ($rm)" test $? = 0
[ "$(val_after "$T/out" MARK-cs)" = "0xffff" ]; check "CS is the real-mode segment" test $? = 0
[ "$(val_after "$T/out" MARK-cr0)" = "0x0" ]; check "CR0.PE clear at the breakpoint" test $? = 0
expect_line "16-bit disassembly: mov ax, 0x1234" "$T/out" "^=> ${rm}:[[:space:]]+mov +\\\$0x1234,%ax"
expect_line "16-bit disassembly: mov bx, 5" "$T/out" ":[[:space:]]+mov +\\\$0x5,%bx"
expect_line "16-bit disassembly: add ax, bx" "$T/out" ":[[:space:]]+add +%bx,%ax"
[ "$(val_after "$T/out" MARK-ax1)" = "0x1234" ]; check "stepi 1: mov ax" test $? = 0
[ "$(val_after "$T/out" MARK-bx)" = "0x5" ]; check "stepi 2: mov bx" test $? = 0
[ "$(val_after "$T/out" MARK-ax2)" = "0x1239" ]; check "stepi 3: add" test $? = 0
[ "$(val_after "$T/out" MARK-pc3)" = "$(printf '0x%x' $((rm + 8)))" ]; check "each stepi is one 16-bit instruction" test $? = 0
[ "$(val_after "$T/out" MARK-mem)" = "0x1239" ]; check "stepi 4: store" test $? = 0
[ "$(val_after "$T/out" MARK-pm)" = "$(sym pm_back)" ]; check "back in protected mode at pm_back" test $? = 0
[ "$(val_after "$T/out" MARK-cs-pm)" = "0x8" ]; check "CS is the flat code selector again" test $? = 0
expect_line "32-bit disassembly again" "$T/out" "^=> $(sym pm_back):[[:space:]]+mov +\\\$0x10,%ax"
