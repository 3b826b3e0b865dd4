/* POST port, debugcon, isa-debug-exit, port 0x92 and 0xCF9 through the port map. */
#include "test.h"
#include "dev/misc.h"

static struct iomap ports;
static int a20 = -1, a20_calls, resets, exits, exit_status;
static char con[64];
static size_t ncon;

static void set_a20(void *o, bool on) { (void)o; a20 = on; a20_calls++; }
static void reset_cb(void *o) { (void)o; resets++; }
static void exit_cb(void *o, int st) { (void)o; exits++; exit_status = st; }
static void con_write(void *o, const u8 *b, size_t n)
{
    (void)o;
    for (size_t i = 0; i < n && ncon + 1 < sizeof con; i++) con[ncon++] = (char)b[i];
}
static const struct board_hooks hooks = {.set_a20 = set_a20, .request_reset = reset_cb,
                                         .request_exit = exit_cb};
static struct post_port post;
static struct debugcon dcon;
static struct debug_exit dexit;
static struct port92 p92;
static struct rcr rcr;

static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    a20 = -1;
    a20_calls = resets = exits = exit_status = 0;
    ncon = 0;
    memset(con, 0, sizeof con);
    post_init(&post, &ports);
    debugcon_init(&dcon, &ports, 0xe9, (struct chardev){con_write, NULL});
    debug_exit_init(&dexit, &ports, 0xf4, 4, &hooks);
    port92_init(&p92, &ports, &hooks);
    rcr_init(&rcr, &ports, &hooks);
}

TEST(post_code)
{
    setup();
    iomap_write(&ports, 0x80, 0x42, 1);
    CHECK_EQ(iomap_read(&ports, 0x80, 1), 0x42);
}

TEST(debugcon)
{
    setup();
    CHECK_EQ(iomap_read(&ports, 0xe9, 1), 0xe9);
    for (const char *s = "ok\n"; *s; s++) iomap_write(&ports, 0xe9, (u8)*s, 1);
    CHECK_STR(con, "ok\n");
}

TEST(debug_exit_status)
{
    setup();
    iomap_write(&ports, 0xf4, 0, 1);
    CHECK_EQ(exits, 1);
    CHECK_EQ(exit_status, 1);
    iomap_write(&ports, 0xf4, 0x10, 4);
    CHECK_EQ(exit_status, 0x21);
    iomap_write(&ports, 0xf6, 3, 1);    /* anywhere in the range */
    CHECK_EQ(exit_status, 7);
    CHECK_EQ(exits, 3);
    /* default QEMU location 0x501, size 2 */
    struct debug_exit e2;
    debug_exit_init(&e2, &ports, 0x501, 2, &hooks);
    iomap_write(&ports, 0x501, 0x7f, 2);
    CHECK_EQ(exit_status, 0xff);
}

TEST(port92)
{
    setup();
    CHECK_EQ(iomap_read(&ports, 0x92, 1), 0x02);
    iomap_write(&ports, 0x92, 0x00, 1);
    CHECK_EQ(a20, 0);
    iomap_write(&ports, 0x92, 0x02, 1);  /* fast A20 on */
    CHECK_EQ(a20, 1);
    CHECK_EQ(a20_calls, 2);
    iomap_write(&ports, 0x92, 0x02, 1);  /* unchanged: no call */
    CHECK_EQ(a20_calls, 2);
    CHECK_EQ(resets, 0);
    iomap_write(&ports, 0x92, 0x03, 1);  /* fast reset on 0 -> 1 */
    CHECK_EQ(resets, 1);
    iomap_write(&ports, 0x92, 0x03, 1);
    CHECK_EQ(resets, 1);
    port92_reset(&p92);
    CHECK_EQ(iomap_read(&ports, 0x92, 1), 0x02);
}

TEST(reset_control_register)
{
    setup();
    iomap_write(&ports, 0xcf9, 0x02, 1); /* select hard reset: nothing yet */
    CHECK_EQ(resets, 0);
    CHECK_EQ(iomap_read(&ports, 0xcf9, 1), 0x02);
    iomap_write(&ports, 0xcf9, 0x06, 1); /* go */
    CHECK_EQ(resets, 1);
    iomap_write(&ports, 0xcf9, 0x04, 1); /* soft reset: same full reset */
    CHECK_EQ(resets, 2);
}

int main(void)
{
    RUN(post_code);
    RUN(debugcon);
    RUN(debug_exit_status);
    RUN(port92);
    RUN(reset_control_register);
    iomap_free(&ports);
    return test_summary();
}
