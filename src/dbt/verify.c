/* the lockstep checker (in progress) */
#include "dbt/dbt_int.h"
enum cpu_exit dbt_verify_block(struct dbt *d, struct tb *tb, bool *handled)
{
    *handled = false;
    return CPU_EXIT_BUDGET;
}
