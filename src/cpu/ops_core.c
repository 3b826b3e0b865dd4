/* Placeholder group: the integer instruction handlers register here. */
#include "cpu/dispatch.h"

void cpu_ops_core_init(void) {}
