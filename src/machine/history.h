/*
 * The board's execution history for reverse debugging (history.c):
 * periodic in-memory snapshots of the whole machine with the RAM pages
 * written between them, and "go to instruction count t" by restoring the
 * nearest earlier snapshot and re-executing forward. Private to
 * src/machine; the debugger uses machine_reverse_* in machine.h.
 */
#ifndef VD_MACHINE_HISTORY_H
#define VD_MACHINE_HISTORY_H
#include "machine/machine.h"

#define HISTORY_DEFAULT_INTERVAL 10000000ull      /* instructions between snapshots */
#define HISTORY_DEFAULT_MEM (512ull << 20)        /* bytes of snapshots kept at most */

/* Start keeping history (takes the first snapshot now). False: no memory. */
bool history_start(struct machine *m, u64 interval, u64 mem_limit);
void history_free(struct machine *m);
/* The debugger changed registers or memory: the history starts anew here. */
void history_reset(struct machine *m);
/* Between slices: take a snapshot when one is due. */
void history_tick(struct machine *m);
/* Cut a slice so that it ends where the next snapshot is due. */
u64 history_budget(struct machine *m, u64 budget);
/* A debugger step (irq: whether interrupts could be taken) began at icount_before. */
void history_note_step(struct machine *m, bool irq, u64 icount_before);

bool history_can_go(struct machine *m, u64 target);
u64 history_first(struct machine *m);
u64 history_restore_before(struct machine *m, u64 target);
enum machine_stop history_run_to(struct machine *m, u64 target, bool stop_at_debug);
enum machine_stop history_goto(struct machine *m, u64 target);
int history_snapshots(struct machine *m, u64 *out, int max);
void history_set_replaying(struct machine *m, bool on);
/* While on, history_run_to asks the machine's break poll between pieces
 * of re-execution and, when it says stop, returns early; history_broken
 * then says so (until the next history_set_breakable(m, true)). */
void history_set_breakable(struct machine *m, bool on);
bool history_broken(struct machine *m);
int history_info(struct machine *m, char *buf, size_t size);
int history_check(struct machine *m, char *buf, size_t size);

#endif
