/* Placeholder: handlers of this group register here. */
#include "cpu/dispatch.h"

void cpu_ops_prot_init(void) {}
