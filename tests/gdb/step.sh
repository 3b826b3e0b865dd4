#!/usr/bin/env bash
# Single-step semantics: stepi over `sti; hlt` executes exactly those two
# instructions and does not enter the timer handler; 2100 stepi through an
# interrupt-heavy loop never leave the loop (the timer interrupt stays
# pending, and virtual time does not run while stopped); `monitor step irq
# on` lets a step take the pending interrupt; continuing runs the handler.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start

gdb_run "$T/out" \
    'break *$sti_hlt' 'continue' 'delete' \
    'echo MARK-ticks0\n' 'p *(int *)$ticks' \
    'stepi' 'echo MARK-pc1\n' 'p/x $pc' \
    'stepi' 'echo MARK-pc2\n' 'p/x $pc' \
    'echo MARK-ticks1\n' 'p *(int *)$ticks' \
    'monitor info registers' \
    'break *$busy_loop' 'continue' 'delete' \
    'echo MARK-loop-ticks0\n' 'p *(int *)$ticks' \
    'set $left = 0' 'set $i = 0' \
    'while $i < 2100
       stepi
       if $pc < $busy_loop || $pc >= $busy_loop_end
         set $left = $left + 1
       end
       set $i = $i + 1
     end' \
    'echo MARK-left\n' 'p $left' \
    'echo MARK-loop-ticks1\n' 'p *(int *)$ticks' \
    'echo MARK-ecx\n' 'p $ecx' \
    'monitor step irq on' \
    'set $entered = 0' 'set $i = 0' \
    'while $i < 200 && !$entered
       stepi
       if $pc >= $timer_handler && $pc < $timer_handler + 16
         set $entered = 1
       end
       set $i = $i + 1
     end' \
    'echo MARK-entered\n' 'p $entered' \
    'monitor step irq off' \
    'break *$busy_loop_end' 'continue' \
    'echo MARK-loop-ticks2\n' 'p *(int *)$ticks' \
    'kill' 2>&1

sti=$(sym sti_hlt)
[ "$(val_after "$T/out" MARK-pc1)" = "$(printf '0x%x' $((sti + 1)))" ]; check "stepi over sti" test $? = 0
[ "$(val_after "$T/out" MARK-pc2)" = "$(sym after_hlt)" ]; check "stepi over hlt stops after it" test $? = 0
[ "$(val_after "$T/out" MARK-ticks1)" = "$(val_after "$T/out" MARK-ticks0)" ]; check "no handler ran during sti; hlt steps" test $? = 0
expect_line "the CPU is halted after the hlt step" "$T/out" 'halted'
[ "$(val_after "$T/out" MARK-left)" = "0" ]; check "2100 stepi stay in the interrupt-heavy loop" test $? = 0
t0=$(val_after "$T/out" MARK-loop-ticks0)
[ "$(val_after "$T/out" MARK-loop-ticks1)" = "$t0" ]; check "no timer interrupt taken while stepping" test $? = 0
ecx=$(val_after "$T/out" MARK-ecx)
[ -n "$ecx" ] && [ "$ecx" -eq $((200000 - 700)) ]; check "each stepi executed exactly one instruction (ecx $ecx)" test $? = 0
[ "$(val_after "$T/out" MARK-entered)" = "1" ]; check "monitor step irq on: a step enters the handler" test $? = 0
t2=$(val_after "$T/out" MARK-loop-ticks2)
[ -n "$t2" ] && [ -n "$t0" ] && [ "$t2" -gt $((t0 + 1)) ]; check "continue takes timer interrupts again ($t0 -> $t2)" test $? = 0
