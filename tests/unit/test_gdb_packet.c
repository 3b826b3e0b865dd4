/* GDB remote protocol framing and parsing: packets, checksums, acks, escapes,
 * truncated and oversized packets, and the command layer's replies through
 * a session whose transport is a buffer. */
#include "test.h"
#include "debug/gdb_packet.h"

static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s, size_t n, int *npackets)
{
    enum gdb_rx_event last = GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        enum gdb_rx_event e = gdb_rx_byte(rx, (u8)s[i]);
        if (e == GDB_RX_PACKET && npackets) (*npackets)++;
        if (e != GDB_RX_NONE) last = e;
    }
    return last;
}
#define FEED(rx, s) feed(rx, s, strlen(s), NULL)

TEST(good_packet)
{
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    CHECK_EQ(FEED(&rx, "$g#67"), GDB_RX_PACKET);
    CHECK_STR(rx.buf, "g");
    CHECK_EQ(FEED(&rx, "$qSupported:multiprocess+#c6"), GDB_RX_PACKET);
    CHECK_STR(rx.buf, "qSupported:multiprocess+");
    CHECK_EQ(FEED(&rx, "$#00"), GDB_RX_PACKET); /* empty packet */
    CHECK_EQ(rx.len, 0);
    CHECK_EQ(FEED(&rx, "$m1000,4#8E"), GDB_RX_PACKET); /* upper-case checksum digits */
}

TEST(bad_checksum)
{
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    CHECK_EQ(FEED(&rx, "$g#68"), GDB_RX_BADSUM);
    CHECK_EQ(FEED(&rx, "$g#6z"), GDB_RX_BADSUM);
    CHECK_EQ(FEED(&rx, "$g#zz"), GDB_RX_BADSUM);
    /* the receiver recovers: the next packet is fine */
    CHECK_EQ(FEED(&rx, "$g#67"), GDB_RX_PACKET);
}

TEST(acks_interrupt_and_noise)
{
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    CHECK_EQ(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
    CHECK_EQ(gdb_rx_byte(&rx, '-'), GDB_RX_NACK);
    CHECK_EQ(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
    CHECK_EQ(gdb_rx_byte(&rx, 'x'), GDB_RX_NONE);
    CHECK_EQ(gdb_rx_byte(&rx, '#'), GDB_RX_NONE);
    CHECK_EQ(FEED(&rx, "junk#00$?#3f"), GDB_RX_PACKET);
    CHECK_STR(rx.buf, "?");
    /* 0x03 inside a packet is data (binary X payloads) */
    const char pkt[] = {'$', 'X', 0x03, '#', '5', 'b'};
    CHECK_EQ(feed(&rx, pkt, sizeof(pkt), NULL), GDB_RX_PACKET);
    CHECK_EQ(rx.buf[1], 3);
}

TEST(truncated_packet_restarts)
{
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    int n = 0;
    /* a '$' in the middle drops the truncated packet */
    CHECK_EQ(feed(&rx, "$m10$g#67", 9, &n), GDB_RX_PACKET);
    CHECK_EQ(n, 1);
    CHECK_STR(rx.buf, "g");
    /* '$' in place of a checksum digit: bad checksum, then a new packet */
    CHECK_EQ(FEED(&rx, "$g#$"), GDB_RX_BADSUM);
    CHECK_EQ(FEED(&rx, "g#67"), GDB_RX_PACKET);
}

TEST(oversized_packet)
{
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    size_t n = GDB_PACKET_MAX + 100;
    char *p = malloc(n + 5);
    p[0] = '$';
    u8 sum = 0;
    for (size_t i = 1; i <= n; i++) {
        p[i] = 'a';
        sum += 'a';
    }
    snprintf(p + n + 1, 4, "#%02x", sum);
    CHECK_EQ(feed(&rx, p, n + 4, NULL), GDB_RX_OVERSIZE);
    CHECK_EQ(FEED(&rx, "$g#67"), GDB_RX_PACKET);
    free(p);
}

TEST(frame)
{
    char out[32];
    size_t n = gdb_frame("OK", 2, out, sizeof(out));
    CHECK_EQ(n, 6);
    out[n] = 0;
    CHECK_STR(out, "$OK#9a");
    n = gdb_frame("", 0, out, sizeof(out));
    out[n] = 0;
    CHECK_STR(out, "$#00");
    CHECK_EQ(gdb_frame("OK", 2, out, 5), 0);
    /* round trip through the receiver */
    static struct gdb_rx rx;
    gdb_rx_init(&rx);
    n = gdb_frame("T05thread:01;", 13, out, sizeof(out));
    CHECK_EQ(feed(&rx, out, n, NULL), GDB_RX_PACKET);
    CHECK_STR(rx.buf, "T05thread:01;");
}

TEST(escapes)
{
    const u8 in[] = {'a', '#', '$', '}', '*', 0, 0xff};
    char out[32];
    size_t used;
    size_t n = gdb_escape(in, sizeof(in), out, sizeof(out), &used);
    CHECK_EQ(used, sizeof(in));
    CHECK_EQ(n, 11);
    CHECK(!memcmp(out, "a}\x03}\x04}]}\x0a\x00\xff", 11));
    n = gdb_unescape(out, n);
    CHECK_EQ(n, sizeof(in));
    CHECK(!memcmp(out, in, sizeof(in)));
    /* an escape never gets split at the end of the output */
    n = gdb_escape(in, sizeof(in), out, 2, &used);
    CHECK_EQ(n, 1);
    CHECK_EQ(used, 1);
    /* a trailing lone '}' is dropped */
    char t[] = "ab}";
    CHECK_EQ(gdb_unescape(t, 3), 2);
}

TEST(hex)
{
    CHECK_EQ(gdb_hexval('0'), 0);
    CHECK_EQ(gdb_hexval('f'), 15);
    CHECK_EQ(gdb_hexval('F'), 15);
    CHECK_EQ(gdb_hexval('g'), -1);
    u8 b[4];
    CHECK(gdb_hex_decode("deadBEEF", 4, b));
    CHECK_EQ(ld32(b), 0xefbeaddeu);
    CHECK(!gdb_hex_decode("de4x", 2, b));
    CHECK(!gdb_hex_decode("d", 1, b)); /* short input stops at the NUL */
    char s[9];
    gdb_hex_encode(b, 4, s);
    CHECK_STR(s, "deadbeef");
    const char *p = "1f,20";
    u64 v;
    CHECK(gdb_parse_hex(&p, &v));
    CHECK_EQ(v, 0x1f);
    CHECK_EQ(*p, ',');
    p = ",";
    CHECK(!gdb_parse_hex(&p, &v));
    p = "11112222333344445";
    CHECK(!gdb_parse_hex(&p, &v)); /* more than 64 bits */
}

int main(void)
{
    RUN(good_packet);
    RUN(bad_checksum);
    RUN(acks_interrupt_and_noise);
    RUN(truncated_packet_restarts);
    RUN(oversized_packet);
    RUN(frame);
    RUN(escapes);
    RUN(hex);
    return test_summary();
}
