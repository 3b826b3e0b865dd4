/*
 * GDB remote serial protocol stub. main() opens it for -s / -gdb and hands
 * it the machine loop. Contract between the command line and the debugger.
 */
#ifndef VD_DEBUG_GDBSTUB_H
#define VD_DEBUG_GDBSTUB_H
#include "base/types.h"

struct machine;
struct gdbstub;

/* Listen as spec says: "tcp::PORT" (127.0.0.1), "tcp:HOST:PORT", ":PORT" or
 * "PORT". Returns NULL after printing one clear error line to stderr. */
struct gdbstub *gdbstub_open(const char *spec, struct machine *m);
/* Run the machine under the debugger until the guest exits or GDB kills it.
 * start_stopped (-S): hold the CPU at its first instruction until GDB says
 * continue. Without a connected GDB the guest runs freely and a GDB can
 * attach at any time. Returns the process exit status. */
int gdbstub_run(struct gdbstub *g, bool start_stopped);
void gdbstub_close(struct gdbstub *g);

#endif
