/* GDB remote protocol framing (see gdb_packet.h). */
#include "debug/gdb_packet.h"

enum { RX_IDLE, RX_PAYLOAD, RX_CSUM1, RX_CSUM2 };

void gdb_rx_init(struct gdb_rx *rx)
{
    rx->state = RX_IDLE;
    rx->overflow = false;
    rx->len = 0;
    rx->sum = 0;
    rx->buf[0] = 0;
}

int gdb_hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static void start_packet(struct gdb_rx *rx)
{
    rx->state = RX_PAYLOAD;
    rx->overflow = false;
    rx->len = 0;
    rx->sum = 0;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, u8 b)
{
    switch (rx->state) {
    case RX_IDLE:
        if (b == '$') start_packet(rx);
        else if (b == 0x03) return GDB_RX_INTERRUPT;
        else if (b == '+') return GDB_RX_ACK;
        else if (b == '-') return GDB_RX_NACK;
        return GDB_RX_NONE;
    case RX_PAYLOAD:
        if (b == '#') {
            rx->state = RX_CSUM1;
        } else if (b == '$') {
            start_packet(rx); /* the previous packet was truncated: drop it */
        } else {
            rx->sum += b;
            if (rx->len < GDB_PACKET_MAX) rx->buf[rx->len++] = (char)b;
            else rx->overflow = true;
        }
        return GDB_RX_NONE;
    case RX_CSUM1: {
        int v = gdb_hexval(b);
        if (v < 0) {
            if (b == '$') start_packet(rx);
            else rx->state = RX_IDLE;
            return GDB_RX_BADSUM;
        }
        rx->csum_hi = (u8)v;
        rx->state = RX_CSUM2;
        return GDB_RX_NONE;
    }
    default: { /* RX_CSUM2 */
        int v = gdb_hexval(b);
        rx->state = RX_IDLE;
        if (v < 0) {
            if (b == '$') start_packet(rx);
            return GDB_RX_BADSUM;
        }
        if ((u8)(rx->csum_hi << 4 | v) != rx->sum) return GDB_RX_BADSUM;
        if (rx->overflow) return GDB_RX_OVERSIZE;
        rx->buf[rx->len] = 0;
        return GDB_RX_PACKET;
    }
    }
}

size_t gdb_frame(const char *payload, size_t len, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    if (outsz < len + 4) return 0;
    u8 sum = 0;
    out[0] = '$';
    for (size_t i = 0; i < len; i++) {
        out[1 + i] = payload[i];
        sum += (u8)payload[i];
    }
    out[len + 1] = '#';
    out[len + 2] = hex[sum >> 4];
    out[len + 3] = hex[sum & 15];
    return len + 4;
}

size_t gdb_escape(const u8 *in, size_t len, char *out, size_t outsz, size_t *consumed)
{
    size_t o = 0, i = 0;
    for (; i < len; i++) {
        u8 c = in[i];
        bool esc = c == '#' || c == '$' || c == '}' || c == '*';
        if (o + 1 + esc > outsz) break;
        if (esc) {
            out[o++] = '}';
            out[o++] = (char)(c ^ 0x20);
        } else {
            out[o++] = (char)c;
        }
    }
    if (consumed) *consumed = i;
    return o;
}

size_t gdb_unescape(char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '}') {
            if (++i == len) break;
            buf[o++] = (char)(buf[i] ^ 0x20);
        } else {
            buf[o++] = buf[i];
        }
    }
    return o;
}

void gdb_hex_encode(const u8 *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * len] = 0;
}

bool gdb_hex_decode(const char *in, size_t n, u8 *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hexval((u8)in[2 * i]);
        if (hi < 0) return false;
        int lo = gdb_hexval((u8)in[2 * i + 1]);
        if (lo < 0) return false;
        out[i] = (u8)(hi << 4 | lo);
    }
    return true;
}

bool gdb_parse_hex(const char **p, u64 *val)
{
    const char *s = *p;
    u64 v = 0;
    int n = 0;
    for (int d; (d = gdb_hexval((u8)*s)) >= 0; s++, n++) {
        if (n == 16) return false;
        v = v << 4 | (u64)d;
    }
    if (!n) return false;
    *p = s;
    *val = v;
    return true;
}
