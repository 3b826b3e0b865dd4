/*
 * Internals shared by the GDB stub's pieces: the session (one connected
 * GDB), the command table (gdb_cmds.c), the register file and target
 * description (gdb_target.c). The socket and run loop live in gdb_stub.c.
 */
#ifndef VD_DEBUG_GDB_INT_H
#define VD_DEBUG_GDB_INT_H
#include "base/types.h"
#include "accel/vcpu.h"
#include "debug/gdb_packet.h"
#include "debug/monitor.h"

struct machine;

/* What the last command asked the run loop to do. */
enum gdb_resume { GDB_RESUME_NONE, GDB_RESUME_CONT, GDB_RESUME_STEP, GDB_RESUME_DETACH, GDB_RESUME_KILL,
                  GDB_RESUME_RSTEP, GDB_RESUME_RCONT /* bs, bc: backwards */ };

struct gdb_point {          /* an inserted Z packet, removed again at disconnect */
    int type;               /* 0-4 as in Z0-Z4 */
    u32 addr, len;
    bool phys;              /* inserted under 'monitor phys on': addr is physical */
};

struct gdb_sess {
    struct machine *m;
    struct vcpu *v;
    /* transport: sends raw bytes (already framed) */
    void (*send)(void *opaque, const char *data, size_t len);
    void *send_opaque;
    bool noack;
    struct gdb_rx rx;
    u64 packets;            /* complete packets and interrupt bytes received */
    struct monitor mon;     /* phys / step-irq flags live here */
    enum gdb_resume resume;
    u32 resume_addr;
    bool resume_has_addr;
    char last_stop[96];     /* answer to '?' */
    struct gdb_point *pts;
    int npts, cap;
    /* the reply being built, and the last framed packet for '-' retransmits */
    char reply[GDB_PACKET_MAX + 1];
    size_t rlen;
    bool replied;
    char tx[GDB_PACKET_MAX + 8];
    size_t txlen;
};

void gdb_sess_init(struct gdb_sess *s, struct machine *m, struct vcpu *v);
void gdb_sess_free(struct gdb_sess *s);
/* Feed received bytes: frames, acks, and runs complete packets. Stops right
 * after a packet that asks to resume (s->resume set) and returns the bytes
 * consumed; the caller acts on it and feeds the rest later. Sets *intr when
 * a 0x03 interrupt byte was seen. */
size_t gdb_sess_input(struct gdb_sess *s, const u8 *data, size_t len, bool *intr);
/* Frame and send one packet (remembered for retransmission). */
void gdb_send_packet(struct gdb_sess *s, const char *payload, size_t len);
void gdb_send_str(struct gdb_sess *s, const char *payload);
/* Run one complete packet (payload without framing, NUL-terminated). */
void gdb_handle_packet(struct gdb_sess *s, char *pkt, size_t len);
/* Remove every breakpoint/watchpoint this session inserted. */
void gdb_remove_all_points(struct gdb_sess *s);
/* Format the stop reply for the vcpu's last stop into s->last_stop and send it.
 * sig: 5 (SIGTRAP) for debug events and attach, 2 (SIGINT) for Ctrl-C. */
void gdb_report_stop(struct gdb_sess *s, int sig);

/* ---- registers and target description (gdb_target.c) ---- */
int gdb_reg_count(void);
int gdb_reg_size(int regno);                 /* bytes, 0 if no such register */
void gdb_reg_get(const struct cpu_state *st, int regno, u8 *out);
/* Store a register into st. v is used to load descriptor caches when a
 * selector is written in protected mode. Returns false if not writable. */
bool gdb_reg_set(struct vcpu *v, struct cpu_state *st, int regno, const u8 *in);
/* The XML document named annex ("target.xml" and the files it includes),
 * NULL if unknown. */
const char *gdb_target_xml(const char *annex, size_t *len);
/* Register number of the program counter (for T packets). */
#define GDB_REG_PC 8

#endif
