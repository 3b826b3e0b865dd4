/*
 * What enters the machine from outside, recorded with the instruction
 * count (and virtual time) at which the guest saw it, and replayed at the
 * same points (machine/replay.c). Private to src/machine; main() uses the
 * rr_file_* calls for -icount rr=record|replay,rrfile=F.
 */
#ifndef VD_MACHINE_REPLAY_H
#define VD_MACHINE_REPLAY_H
#include "base/types.h"

struct machine;
struct rr_log;

/* Where in the machine loop an input entered. */
enum rr_site {
    RR_SITE_SLICE = 1,   /* between slices (machine_run) */
    RR_SITE_PACE = 2,    /* after a paced HLT wait (-icount sleep=on) */
    RR_SITE_WAIT = 3,    /* after a HLT that waited for input */
};

/* The machine's input, through the log: records live host input, or hands
 * out recorded input while the machine re-executes (history, rr=replay). */
void rr_input(struct machine *m, enum rr_site site);
/* A paced HLT: how long to skip. live_wait does the real-time wait (and
 * returns the ns slept); in replay the recorded value is used instead. */
u64 rr_paced_skip(struct machine *m, u64 max_ns, u64 (*live_wait)(struct machine *, u64));
/* Is recorded input still ahead (the machine replays)? Then a HLT must not
 * wait for host input. */
bool rr_replaying(const struct machine *m);
/* Halted with nothing armed while replaying: true when the next recorded
 * input is due right here (the loop hands it out); else the replay diverged. */
bool rr_halt_check(struct machine *m);
/* Cut a slice so that it ends at the next recorded input. */
u64 rr_budget(struct machine *m, u64 budget);
/* The log position (for history snapshots), and going back to one. */
u64 rr_position(const struct machine *m);
void rr_seek(struct machine *m, u64 pos);
/* Events before pos will never be handed out again (the history's oldest
 * snapshot moved on): drop them from memory. */
void rr_trim(struct machine *m, u64 pos);
/* The debugger changed the guest: recorded input ahead no longer applies. */
void rr_truncate(struct machine *m);
/* Start the in-memory log (false: out of memory). */
bool rr_start(struct machine *m);
void rr_free(struct machine *m);
int rr_info(struct machine *m, char *buf, size_t size);

/* Files. rr_file_read (before the machine exists): read and check a log;
 * its RTC start replaces the host clock's. NULL with one line in err. */
struct rr_log *rr_file_read(const char *path, long long *rtc_start, char *err, size_t errlen);
/* Replay a log read by rr_file_read on m (checks the configuration). */
int rr_file_replay(struct machine *m, struct rr_log *log, char *err, size_t errlen);
/* Record to path from now on. */
int rr_file_record(struct machine *m, const char *path, long long rtc_start, char *err, size_t errlen);
/* Finish the record file (its end marker and checksum). */
void rr_file_close(struct machine *m);

#endif
