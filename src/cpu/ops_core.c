/* The integer instruction group: registers the handlers of every ops_*.c file
 * that ops.h lists (ALU, shifts, multiply/divide, BCD, bit ops, strings,
 * stack, branches, moves and miscellany). */
#include "cpu/ops.h"

void cpu_ops_core_init(void)
{
    ops_alu_init();
    ops_shift_init();
    ops_muldiv_init();
    ops_bcd_init();
    ops_bit_init();
    ops_string_init();
    ops_stack_init();
    ops_branch_init();
    ops_mov_init();
    ops_misc_init();
}
