/* Host character backends: spec parsing, file output, TCP server in-process. */
#include "test.h"
#include "machine/chardev.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static char err[256];

TEST(specs_accepted)
{
    static const char *ok[] = {
        "stdio", "none", "null", "file:/tmp/x", "tcp:127.0.0.1:4444,server", "tcp::4444,server",
        "tcp:localhost:4444,server,nowait", "tcp:127.0.0.1:4444,server=on,wait=off",
    };
    for (unsigned i = 0; i < ARRAY_SIZE(ok); i++)
        if (hostchar_check(ok[i], "serial", err, sizeof(err)) < 0) FAILF("'%s' rejected: %s", ok[i], err);
}

TEST(specs_rejected_with_the_flag_named)
{
    static const char *bad[] = {
        "", "vc", "file:", "tcp:127.0.0.1:4444", "tcp:127.0.0.1:0,server", "tcp:127.0.0.1:70000,server",
        "tcp:127.0.0.1:12x,server", "tcp:127.0.0.1,server", "tcp:example.org:4444,server",
        "tcp:127.0.0.1:4444,server,bogus",
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        if (hostchar_check(bad[i], "debugcon", err, sizeof(err)) == 0) FAILF("'%s' accepted", bad[i]);
        else if (!strstr(err, "-debugcon")) FAILF("'%s': message '%s' does not name -debugcon", bad[i], err);
    }
}

TEST(file_backend_writes_bytes)
{
    char path[] = "/tmp/vdebug-chardev-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    struct hostchar *h = hostchar_open(spec, "serial", true, err, sizeof(err));
    CHECK(h != NULL);
    if (!h) return;
    CHECK(!hostchar_has_input(h));
    struct chardev d = hostchar_dev(h);
    chardev_write(&d, (const u8 *)"abc", 3);
    chardev_write(&d, (const u8 *)"\n", 1);
    u8 buf[4];
    CHECK_EQ(hostchar_read(h, buf, sizeof(buf)), 0);
    hostchar_close(h);
    FILE *f = fopen(path, "r");
    char got[16] = {0};
    CHECK(f && fgets(got, sizeof(got), f));
    if (f) fclose(f);
    CHECK_STR(got, "abc\n");
    unlink(path);
}

TEST(none_discards)
{
    struct hostchar *h = hostchar_open("none", "serial", true, err, sizeof(err));
    CHECK(h != NULL);
    struct chardev d = hostchar_dev(h);
    CHECK(d.write == NULL);
    chardev_write(&d, (const u8 *)"x", 1);
    int fds[2];
    CHECK_EQ(hostchar_fds(h, fds, 2), 0);
    hostchar_close(h);
}

/* A TCP server on an ephemeral port: output before a client is dropped; a
 * client receives output and its bytes arrive as input; it can reconnect. */
TEST(tcp_server_one_client)
{
    struct hostchar *h = NULL;
    u16 port = 0;
    for (int tries = 0; tries < 20 && !h; tries++) {
        port = (u16)(30000 + (getpid() * 7 + tries * 131) % 30000);
        char spec[64];
        snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u,server,nowait", port);
        h = hostchar_open(spec, "serial", true, err, sizeof(err));
    }
    CHECK(h != NULL);
    if (!h) return;
    CHECK(hostchar_has_input(h));
    struct chardev d = hostchar_dev(h);
    chardev_write(&d, (const u8 *)"lost", 4); /* no client yet */
    for (int round = 0; round < 2; round++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
        CHECK_EQ(write(s, "hi", 2), 2);
        /* the backend accepts on its next read; wait until the bytes are there */
        u8 buf[8];
        size_t got = 0;
        int fds[1];
        while (got < 2) {
            CHECK_EQ(hostchar_fds(h, fds, 1), 1);
            struct pollfd p = {fds[0], POLLIN, 0};
            poll(&p, 1, -1);
            got += hostchar_read(h, buf + got, sizeof(buf) - got);
        }
        CHECK(!memcmp(buf, "hi", 2));
        chardev_write(&d, (const u8 *)"ok", 2);
        char r[3] = {0};
        CHECK_EQ(read(s, r, 2), 2);
        CHECK_STR(r, "ok");
        close(s);
        /* the backend notices the hang-up on its next read */
        CHECK_EQ(hostchar_fds(h, fds, 1), 1); /* now the client's descriptor */
        struct pollfd p = {fds[0], POLLIN, 0};
        poll(&p, 1, -1);
        CHECK_EQ(hostchar_read(h, buf, sizeof(buf)), 0);
    }
    hostchar_close(h);
}

int main(void)
{
    RUN(specs_accepted);
    RUN(specs_rejected_with_the_flag_named);
    RUN(file_backend_writes_bytes);
    RUN(none_discards);
    RUN(tcp_server_one_client);
    return test_summary();
}
