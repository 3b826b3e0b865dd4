/*
 * GDB remote serial protocol framing: the byte-level receiver ($payload#cs,
 * acks, Ctrl-C), packet construction, binary escapes and hex helpers.
 * Pure functions over buffers: no sockets, no machine (unit-tested alone).
 */
#ifndef VD_DEBUG_GDB_PACKET_H
#define VD_DEBUG_GDB_PACKET_H
#include "base/types.h"

/* Largest payload we accept and advertise (qSupported PacketSize, hex). */
#define GDB_PACKET_MAX 0x4000

enum gdb_rx_event {
    GDB_RX_NONE,       /* byte consumed, nothing complete yet */
    GDB_RX_PACKET,     /* rx->buf[0..len) holds a packet with a good checksum */
    GDB_RX_BADSUM,     /* a packet ended with a wrong or malformed checksum: answer '-' */
    GDB_RX_OVERSIZE,   /* a packet longer than GDB_PACKET_MAX ended: dropped */
    GDB_RX_INTERRUPT,  /* 0x03 outside a packet */
    GDB_RX_ACK,        /* '+' */
    GDB_RX_NACK,       /* '-': retransmit the last packet */
};

struct gdb_rx {
    int state;                      /* internal */
    bool overflow;                  /* current packet outgrew buf */
    u8 sum;                         /* running checksum of the payload */
    u8 csum_hi;                     /* first checksum digit's value */
    size_t len;
    char buf[GDB_PACKET_MAX + 1];   /* payload, NUL-terminated when complete */
};

void gdb_rx_init(struct gdb_rx *rx);
/* Feed one received byte. A '$' inside a packet restarts framing (the
 * truncated packet is dropped); bytes outside packets other than + - 0x03
 * are ignored. In no-ack mode the checksum is still verified. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, u8 byte);

/* Build "$payload#cs" into out (payload copied verbatim). Returns the framed
 * length, or 0 if outsz is too small. */
size_t gdb_frame(const char *payload, size_t len, char *out, size_t outsz);

/* Escape binary data for a reply ('#', '$', '}', '*' become '}' x^0x20).
 * Stops before overflowing outsz; *consumed says how much input fit. */
size_t gdb_escape(const u8 *in, size_t len, char *out, size_t outsz, size_t *consumed);
/* Undo '}' escapes in place (X packets); returns the new length. A trailing
 * lone '}' is dropped. */
size_t gdb_unescape(char *buf, size_t len);

/* Hex helpers. */
int gdb_hexval(int ch);                        /* 0-15, or -1 */
void gdb_hex_encode(const u8 *in, size_t len, char *out);   /* writes 2*len chars + NUL */
/* Decode exactly 2*n hex digits into out; returns false on a bad digit. */
bool gdb_hex_decode(const char *in, size_t n, u8 *out);
/* Parse a hex number at *p (at least one digit, at most 16), advance *p. */
bool gdb_parse_hex(const char **p, u64 *val);

#endif
