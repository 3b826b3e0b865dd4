/* machine/diskimg: the write-back sector cache behind the IDE drives. */
#include "test.h"
#include "machine/diskimg.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static char dir[64];

static const char *mkimg(const char *name, size_t size, u8 fill)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    for (size_t i = 0; i < size; i++) fputc(fill, f);
    fclose(f);
    return path;
}

static int file_byte(const char *path, long off)
{
    FILE *f = fopen(path, "rb");
    fseek(f, off, SEEK_SET);
    int c = fgetc(f);
    fclose(f);
    return c;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(cache_until_flush)
{
    char err[256];
    const char *p = mkimg("a.img", 8 * 512, 0x11);
    struct diskimg *d = diskimg_open(p, 0, "-hda", err, sizeof(err));
    CHECK(d != NULL);
    if (!d) return;
    struct blockdev bd = diskimg_dev(d);
    CHECK_EQ(bd.size, 8 * 512);
    u8 buf[1024];
    memset(buf, 0xab, sizeof(buf));
    CHECK_EQ(bd.write(bd.opaque, 512, buf, 1024), 0);
    CHECK_EQ(diskimg_dirty(d), 2);
    CHECK_EQ(file_byte(p, 512), 0x11);          /* not in the file before a flush */
    u8 rd[2048];
    CHECK_EQ(bd.read(bd.opaque, 0, rd, 2048), 0);
    CHECK_EQ(rd[0], 0x11);
    CHECK_EQ(rd[512], 0xab);
    CHECK_EQ(rd[1535], 0xab);
    CHECK_EQ(rd[1536], 0x11);
    CHECK_EQ(bd.flush(bd.opaque), 0);
    CHECK_EQ(diskimg_dirty(d), 0);
    CHECK_EQ(file_byte(p, 512), 0xab);
    CHECK_EQ(file_byte(p, 1535), 0xab);
    CHECK_EQ(file_byte(p, 1536), 0x11);
    CHECK_EQ(bd.read(bd.opaque, 512, rd, 512), 0); /* from the file again */
    CHECK_EQ(rd[0], 0xab);
    memset(buf, 0xcd, 512);
    CHECK_EQ(bd.write(bd.opaque, 7 * 512, buf, 512), 0);
    diskimg_close(d);                          /* exit writes back */
    CHECK_EQ(file_byte(p, 7 * 512), 0xcd);
}

TEST(many_sectors)
{
    char err[256];
    const char *p = mkimg("m.img", 4096 * 512, 0);
    struct diskimg *d = diskimg_open(p, 0, "-hda", err, sizeof(err));
    CHECK(d != NULL);
    if (!d) return;
    struct blockdev bd = diskimg_dev(d);
    u8 s[512];
    for (u32 i = 0; i < 4096; i += 3) { /* rehashes and regrows the pool */
        memset(s, (u8)(i * 13 + 1), sizeof(s));
        CHECK_EQ(bd.write(bd.opaque, (u64)i * 512, s, 512), 0);
    }
    CHECK_EQ(diskimg_dirty(d), 1366);
    for (u32 i = 0; i < 4096; i++) {
        CHECK_EQ(bd.read(bd.opaque, (u64)i * 512, s, 512), 0);
        if (s[100] != (i % 3 ? 0 : (u8)(i * 13 + 1))) { FAILF("sector %u reads %u", i, s[100]); break; }
    }
    diskimg_close(d);
    CHECK_EQ(file_byte(p, 3 * 512 * 1000 + 5), (u8)(3000 * 13 + 1));
    CHECK_EQ(file_byte(p, 3 * 512 * 1000 + 512), 0);
}

TEST(snapshot_and_readonly)
{
    char err[256];
    const char *p = mkimg("s.img", 4 * 512, 0x22);
    struct diskimg *d = diskimg_open(p, DISKIMG_SNAPSHOT, "-hda", err, sizeof(err));
    CHECK(d != NULL);
    if (!d) return;
    struct blockdev bd = diskimg_dev(d);
    CHECK(!bd.readonly);
    u8 buf[512];
    memset(buf, 0x99, sizeof(buf));
    CHECK_EQ(bd.write(bd.opaque, 0, buf, 512), 0);
    CHECK_EQ(bd.flush(bd.opaque), 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(bd.read(bd.opaque, 0, buf, 512), 0);
    CHECK_EQ(buf[0], 0x99);                     /* the guest sees its write */
    diskimg_close(d);
    CHECK_EQ(file_byte(p, 0), 0x22);            /* the file never does */

    d = diskimg_open(p, DISKIMG_READONLY, "-hda", err, sizeof(err));
    CHECK(d != NULL);
    if (!d) return;
    bd = diskimg_dev(d);
    CHECK(bd.readonly);
    CHECK_EQ(bd.write(bd.opaque, 0, buf, 512), (u64)-1);
    diskimg_close(d);
}

TEST(odd_size_rounds_up)
{
    char err[256];
    const char *p = mkimg("o.img", 1000, 0x33);
    struct diskimg *d = diskimg_open(p, 0, "-hda", err, sizeof(err));
    CHECK(d != NULL);
    if (!d) return;
    struct blockdev bd = diskimg_dev(d);
    CHECK_EQ(bd.size, 1024);
    u8 buf[512];
    CHECK_EQ(bd.read(bd.opaque, 512, buf, 512), 0);
    CHECK_EQ(buf[487], 0x33);
    CHECK_EQ(buf[488], 0);                      /* past the end of the file */
    memset(buf, 0x44, sizeof(buf));
    CHECK_EQ(bd.write(bd.opaque, 512, buf, 512), 0);
    diskimg_close(d);
    CHECK_EQ(file_size(p), 1024);               /* the whole last sector */
    CHECK_EQ(file_byte(p, 1023), 0x44);
}

TEST(bad_images)
{
    char err[256];
    const char *p = mkimg("e.img", 0, 0);
    CHECK(diskimg_open(p, 0, "-hda", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "-hda") && strstr(err, "empty"));
    CHECK(diskimg_open(dir, DISKIMG_CDROM, "-cdrom", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "not a regular file") != NULL);
    p = mkimg("l.img", 512, 0);
    struct diskimg *a = diskimg_open(p, 0, "-hda", err, sizeof(err));
    CHECK(a != NULL);
    CHECK(diskimg_open(p, 0, "-hdb", err, sizeof(err)) == NULL); /* a writer excludes others */
    CHECK(strstr(err, "in use") != NULL);
    diskimg_close(a);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/vdebug-diskimg.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    RUN(cache_until_flush);
    RUN(many_sectors);
    RUN(snapshot_and_readonly);
    RUN(odd_size_rounds_up);
    RUN(bad_images);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd)) {}
    return test_summary();
}
