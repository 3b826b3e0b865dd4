/*
 * Host character backends for the serial port and the debug console, opened
 * from a QEMU-style spec:
 *
 *   stdio                       output to stdout; input from stdin (a terminal
 *                               is put in raw-ish mode and restored on exit)
 *   mon:stdio                   the same, with QEMU's escapes in the input:
 *                               C-a x exits, C-a h helps, C-a C-a is C-a, C-a c
 *                               switches typed lines to the monitor hook
 *   file:PATH                   output to PATH (truncated); no input
 *   none | null                 output discarded; no input
 *   tcp:HOST:PORT,server[,nowait]
 *                               listen on HOST:PORT (HOST empty = 127.0.0.1);
 *                               one client at a time; without nowait, wait
 *                               for the first client before the guest starts
 *
 * Devices see only the output side (struct chardev in dev/chardev.h); the
 * machine loop reads input with hostchar_read, which never blocks.
 */
#ifndef VD_MACHINE_CHARDEV_H
#define VD_MACHINE_CHARDEV_H
#include "base/types.h"
#include "dev/chardev.h"

struct hostchar;

/* what names the user of the backend in messages ("serial", "debugcon").
 * Returns NULL and writes one line (no "vdebug:" prefix) to err on failure.
 * A syntactically valid spec is checked before anything is opened. */
struct hostchar *hostchar_open(const char *spec, const char *what, bool want_input,
                               char *err, size_t errlen);
/* Only parse: 0 if spec is valid for this use, else -1 with err filled. */
int hostchar_check(const char *spec, const char *what, char *err, size_t errlen);
void hostchar_close(struct hostchar *h);
/* The output side for a device. */
struct chardev hostchar_dev(struct hostchar *h);
/* Block until a client connects if the spec asked to wait (tcp without nowait). */
void hostchar_wait_client(struct hostchar *h);
/* Non-blocking: up to max input bytes, 0 when none is available. Also accepts
 * a pending TCP client. */
size_t hostchar_read(struct hostchar *h, u8 *buf, size_t max);
/* Descriptors to poll for input/connection while idle; returns the count. */
int hostchar_fds(struct hostchar *h, int *fds, int max);
/* True when input comes from a terminal (a person typing). */
bool hostchar_is_terminal(const struct hostchar *h);
/* True when this backend can ever deliver input. */
bool hostchar_has_input(const struct hostchar *h);
/* Where mon:stdio sends the lines typed after C-a c (NULL: no monitor). The
 * hook runs inside hostchar_read, so it should only queue the line. */
void hostchar_mux_set_monitor(void (*fn)(void *opaque, const char *line), void *opaque);
/* Restore the terminal if a backend changed it. Async-signal-safe. */
void hostchar_restore_terminal(void);

#endif
