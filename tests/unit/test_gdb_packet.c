/* GDB remote protocol framing and parsing: packets, checksums, acks, escapes,
 * truncated and oversized packets, and the command layer's replies through
 * a session whose transport is a buffer (on a real interpreter vcpu). */
#include "test.h"
#include "debug/gdb_packet.h"
#include "debug/gdb_int.h"

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


/* ---- the command layer, through a session on a real vcpu ---- */

static char sent[65536];
static size_t nsent;
static void capture(void *o, const char *d, size_t n)
{
    if (nsent + n < sizeof(sent)) {
        memcpy(sent + nsent, d, n);
        nsent += n;
        sent[nsent] = 0;
    }
}

static struct physmem pm;
static struct iomap io;
static struct vclock ck;
static struct vcpu *vc;
static struct gdb_sess sess;

static void sess_setup(void)
{
    if (!vc) {
        physmem_init(&pm, 4 << 20);
        vclock_init(&ck);
        struct vcpu_board b = {.mem = &pm, .ports = &io, .clock = &ck};
        vc = vcpu_emu_create(&b, NULL);
    }
    gdb_sess_free(&sess);
    gdb_sess_init(&sess, NULL, vc);
    sess.send = capture;
    nsent = 0;
}

/* Send one framed packet; returns the payload of the last reply packet
 * (acks and earlier packets are in `sent`). */
static const char *req(const char *payload)
{
    char buf[GDB_PACKET_MAX + 8];
    size_t n = gdb_frame(payload, strlen(payload), buf, sizeof(buf));
    nsent = 0;
    sent[0] = 0;
    bool intr = false;
    gdb_sess_input(&sess, (const u8 *)buf, n, &intr);
    static char last[GDB_PACKET_MAX + 1];
    last[0] = 0;
    const char *d = strrchr(sent, '$');
    if (d) {
        const char *h = strrchr(d, '#');
        size_t l = h ? (size_t)(h - d - 1) : 0;
        memcpy(last, d + 1, l);
        last[l] = 0;
    }
    return last;
}

TEST(cmd_queries)
{
    sess_setup();
    CHECK(strstr(req("qSupported:multiprocess+;swbreak+"), "PacketSize=4000") != NULL);
    CHECK_EQ(sent[0], '+'); /* acked before the reply */
    CHECK_STR(req("qAttached"), "1");
    CHECK_STR(req("qC"), "QC01");
    CHECK_STR(req("qfThreadInfo"), "m01");
    CHECK_STR(req("qsThreadInfo"), "l");
    CHECK_STR(req("vCont?"), "vCont;c;C;s;S;t");
    CHECK_STR(req("qOffsets"), "Text=0;Data=0;Bss=0");
    CHECK_STR(req("?"), "T05thread:01;");
    CHECK_STR(req("Hg0"), "OK");
    CHECK_STR(req("T1"), "OK");
    CHECK_STR(req("T2"), "E01");
    CHECK_STR(req("qNoSuchThing"), "");       /* unknown: empty reply */
    CHECK_STR(req("qqemu.PhyMemMode"), "0");
    CHECK_STR(req("Qqemu.PhyMemMode:1"), "OK");
    CHECK_STR(req("qqemu.PhyMemMode"), "1");
    CHECK_STR(req("Qqemu.PhyMemMode:2"), "E16");
    CHECK_STR(req("Qqemu.PhyMemMode:0"), "OK");
}

TEST(cmd_registers)
{
    sess_setup();
    struct cpu_state st;
    vcpu_get_state(vc, &st);
    st.gpr[R_EAX] = 0x11223344;
    vcpu_set_state(vc, &st);
    const char *g = req("g");
    size_t want = 0;
    for (int r = 0; r < gdb_reg_count(); r++) want += 2 * (size_t)gdb_reg_size(r);
    CHECK_EQ(strlen(g), want);
    CHECK(!strncmp(g, "44332211", 8));
    /* the pc is linear: CS.base + EIP (reset: ffff0000 + fff0) */
    CHECK_STR(req("p8"), "f0ffffff");
    CHECK_STR(req("P0=78563412"), "OK");
    vcpu_get_state(vc, &st);
    CHECK_EQ(st.gpr[R_EAX], 0x12345678);
    CHECK_STR(req("P0=7856"), "E16");       /* wrong size */
    CHECK_STR(req("p999"), "E16");          /* no such register */
    CHECK_STR(req("P0=zz563412"), "E16");
    CHECK_STR(req("p"), "E16");             /* missing argument */
}

TEST(cmd_memory)
{
    sess_setup();
    CHECK_STR(req("M2000,4:deadbeef"), "OK");
    CHECK_STR(req("m2000,4"), "deadbeef");
    /* X: binary with '}' escapes: bytes 23 24 7d 2a */
    CHECK_STR(req("X2000,4:}\x03}\x04}]}\x0a"), "OK");
    CHECK_STR(req("m2000,4"), "23247d2a");
    CHECK_STR(req("X2000,0:"), "OK");       /* GDB's probe for X support */
    CHECK_STR(req("m2000,0"), "");
    CHECK_STR(req("mfe000000,4"), "E0e");   /* not RAM: an error, never a fault */
    CHECK_STR(req("M2000,4:dead"), "E16");  /* length mismatch */
    CHECK_STR(req("m2000"), "E16");
    CHECK_STR(req("mzz,4"), "E16");
    CHECK_STR(req("m2000,4,5"), "E16");     /* trailing junk */
}

TEST(cmd_points_and_resume)
{
    sess_setup();
    CHECK_STR(req("Z0,100000,1"), "OK");
    CHECK_STR(req("z0,100000,1"), "OK");
    CHECK_STR(req("z0,100000,1"), "E16");   /* not inserted */
    CHECK_STR(req("Z2,2000,4"), "OK");
    CHECK_STR(req("Z3,2000,4"), "OK");
    CHECK_STR(req("Z4,3000,100"), "OK");
    CHECK_STR(req("z2,2000,4"), "OK");
    CHECK_STR(req("Z2,2000,0"), "E16");
    CHECK_STR(req("Z7,2000,4"), "");        /* unsupported kind */
    CHECK_EQ(sess.npts, 2);
    gdb_remove_all_points(&sess);
    CHECK_EQ(sess.npts, 0);
    req("c");
    CHECK_EQ(sess.resume, GDB_RESUME_CONT);
    CHECK(!sess.resume_has_addr);
    req("s1234");
    CHECK_EQ(sess.resume, GDB_RESUME_STEP);
    CHECK(sess.resume_has_addr);
    CHECK_EQ(sess.resume_addr, 0x1234);
    req("vCont;s:1;c");
    CHECK_EQ(sess.resume, GDB_RESUME_STEP);
    req("vCont;c");
    CHECK_EQ(sess.resume, GDB_RESUME_CONT);
    CHECK_STR(req("vCont;x"), "E16");
    req("D");
    CHECK_EQ(sess.resume, GDB_RESUME_DETACH);
}

TEST(cmd_target_xml)
{
    sess_setup();
    char doc[16384];
    size_t len = 0;
    for (;;) { /* read in small chunks, as GDB may */
        char q[96];
        snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,40", len);
        const char *r = req(q);
        CHECK(r[0] == 'm' || r[0] == 'l');
        size_t n = gdb_unescape((char *)r + 1, strlen(r + 1));
        memcpy(doc + len, r + 1, n);
        len += n;
        if (r[0] == 'l' || !n || len > sizeof(doc) - 64) break;
    }
    doc[len] = 0;
    CHECK(!strncmp(doc, "<?xml", 5));
    CHECK(strstr(doc, "i386-core.xml") != NULL);
    CHECK(strstr(doc, "<architecture>") == NULL); /* so that `set architecture i8086` works */
    const char *core = req("qXfer:features:read:i386-core.xml:0,3000");
    CHECK(strstr(core, "org.gnu.gdb.i386.core") != NULL);
    CHECK(strstr(core, "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\" regnum=\"9\"") != NULL);
    CHECK(strstr(req("qXfer:features:read:vdebug-sys.xml:0,3000"), "name=\"cr3\"") != NULL);
    CHECK_STR(req("qXfer:features:read:nosuch.xml:0,10"), "E00");
    CHECK_STR(req("qXfer:features:read:target.xml:ffff,10"), "l");
}

TEST(cmd_acks_and_monitor)
{
    sess_setup();
    req("qC");
    /* '-' from GDB: the last packet again */
    nsent = 0;
    gdb_sess_input(&sess, (const u8 *)"-", 1, NULL);
    CHECK_STR(sent, "$QC01#f5");
    /* a bad checksum is answered with '-' and nothing else */
    nsent = 0;
    gdb_sess_input(&sess, (const u8 *)"$qC#00", 6, NULL);
    CHECK_STR(sent, "-");
    /* monitor output comes as O packets (hex), then OK */
    char hex[64];
    gdb_hex_encode((const u8 *)"phys", 4, hex);
    char q[80];
    snprintf(q, sizeof(q), "qRcmd,%s", hex);
    CHECK_STR(req(q), "OK");
    char want[64];
    gdb_hex_encode((const u8 *)"phys is off\n", 12, want);
    CHECK(strstr(sent, want) != NULL);
    CHECK(strstr(sent, "$O") != NULL);
    CHECK_STR(req("qRcmd,zz"), "E16");
    /* no-ack mode: no more '+' */
    CHECK_STR(req("QStartNoAckMode"), "OK");
    req("qC");
    CHECK_STR(sent, "$QC01#f5");
    /* interrupt byte */
    bool intr = false;
    gdb_sess_input(&sess, (const u8 *)"\x03", 1, &intr);
    CHECK(intr);
}

/* ---- monitor on PAE page tables (info mem merging, info pg levels) ---- */

static char mon_text[16384];
static size_t mon_len;
static void mon_capture(void *o, const char *t, size_t n)
{
    if (mon_len + n < sizeof(mon_text)) {
        memcpy(mon_text + mon_len, t, n);
        mon_len += n;
        mon_text[mon_len] = 0;
    }
}

static const char *mon(struct monitor *m, const char *cmd)
{
    mon_len = 0;
    mon_text[0] = 0;
    monitor_exec(m, cmd);
    return mon_text;
}

static void put64(u64 pa, u64 v)
{
    u8 b[8];
    st64(b, v);
    vcpu_write_phys(vc, pa, b, 8);
}

TEST(monitor_pae)
{
    sess_setup();
    /* PDPT 0x10000; PD 0x11000 (0-1 GiB): PD[0] -> PT 0x12000, PD[1] 2 MiB user page;
     * PD 0x13000 (3-4 GiB): PD[510] a 2 MiB no-exec page at 0x400000 */
    for (u64 a = 0x10000; a < 0x14000; a += 8) put64(a, 0);
    put64(0x10000, 0x11000 | 1);
    put64(0x10018, 0x13000 | 1);
    put64(0x11000, 0x12000 | 3);
    put64(0x11008, 0x200000 | 0x80 | 7);
    put64(0x13000 + 510 * 8, 0x400000 | 0x80 | 3 | (1ull << 63));
    for (int i = 0; i < 16; i++) put64(0x12000 + i * 8, (u64)i << 12 | 3);
    put64(0x12000 + 16 * 8, 0x10000 | 1);
    struct cpu_state st;
    vcpu_get_state(vc, &st);
    struct cpu_state saved = st;
    st.cr0 |= CR0_PE | CR0_PG;
    st.cr4 |= CR4_PAE;
    st.cr3 = 0x10000;
    st.efer |= EFER_NXE;
    vcpu_set_state(vc, &st);
    struct monitor m;
    monitor_init(&m, NULL, vc);
    m.out = mon_capture;
    const char *t = mon(&m, "info mem");
    CHECK(strstr(t, "00000000-00010000 00010000 -rw\n") != NULL);
    CHECK(strstr(t, "00010000-00011000 00001000 -r-\n") != NULL);
    CHECK(strstr(t, "00200000-00400000 00200000 urw\n") != NULL);
    CHECK(strstr(t, "ffc00000-ffe00000 00200000 -rw nx\n") != NULL);
    t = mon(&m, "info pg 0xffc00123");
    CHECK(strstr(t, "PDPTE[  3] @ 00010018 = 0000000000013001") != NULL);
    CHECK(strstr(t, "-> physical 00400123  (2 MiB page, writable supervisor no-exec)") != NULL);
    t = mon(&m, "info pg 0x10004");
    CHECK(strstr(t, "PTE  [ 16] @ 00012080 = 0000000000010001  P R- S") != NULL);
    CHECK(strstr(mon(&m, "gva2gpa 0x200010"), "gpa: 0x200010") != NULL);
    CHECK(strstr(mon(&m, "gva2gpa 0x80000000"), "Unmapped") != NULL);
    CHECK(strstr(mon(&m, "info pg"), "PDPTE[3] = 0000000000013001") != NULL);
    CHECK(strstr(mon(&m, "xp /2xg 0x10000"), "00010000: 0x0000000000011001 0x0000000000000000") != NULL);
    CHECK(strstr(mon(&m, "info bogus"), "unknown info topic") != NULL || strstr(mon_text, "no machine") != NULL);
    if (test_case_failed) printf("%s", mon_text);
    vcpu_set_state(vc, &saved);
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
    RUN(cmd_queries);
    RUN(cmd_registers);
    RUN(cmd_memory);
    RUN(cmd_points_and_resume);
    RUN(cmd_target_xml);
    RUN(cmd_acks_and_monitor);
    RUN(monitor_pae);
    return test_summary();
}
