/* fw_cfg: the port interface, the file directory and DMA, including
 * descriptors and buffers that point anywhere (a guest-visible error, never
 * a host access outside guest RAM). */
#include "test.h"
#include "dev/fw_cfg.h"
#include <stdlib.h>

static struct iomap ports;
static struct physmem mem;
static struct fw_cfg fw;
static u64 written_at, written_len;
static int writes;

static void dma_written(void *o, u64 pa, u32 len) { (void)o; written_at = pa; written_len = len; writes++; }

static void setup(void)
{
    fw_cfg_free(&fw);
    iomap_free(&ports);
    physmem_free(&mem);
    iomap_init(&ports, "port");
    physmem_init(&mem, 4 << 20);
    writes = 0;
    fw_cfg_init(&fw, &ports, &mem, dma_written, NULL);
}

static u8 *dup(const char *s) { u8 *d = malloc(strlen(s)); memcpy(d, s, strlen(s)); return d; }
static void sel(u16 key) { iomap_write(&ports, 0x510, key, 2); }
static u8 data(void) { return (u8)iomap_read(&ports, 0x511, 1); }
static u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static void put_be32(u8 *p, u32 v) { p[0] = (u8)(v >> 24); p[1] = (u8)(v >> 16); p[2] = (u8)(v >> 8); p[3] = (u8)v; }

/* Writes a descriptor at desc and starts it (high half, then the low half, big-endian). */
static u32 dma(u64 desc, u32 control, u32 length, u64 addr)
{
    if (desc + 16 <= mem.ram_size) {
        u8 *d = mem.ram + desc;
        put_be32(d, control);
        put_be32(d + 4, length);
        put_be32(d + 8, (u32)(addr >> 32));
        put_be32(d + 12, (u32)addr);
    }
    iomap_write(&ports, 0x514, __builtin_bswap32((u32)(desc >> 32)), 4);
    iomap_write(&ports, 0x518, __builtin_bswap32((u32)desc), 4);
    return desc + 4 <= mem.ram_size ? be32(mem.ram + desc) : 0xdeadbeef;
}

TEST(signature_id_and_ports)
{
    setup();
    sel(FW_CFG_SIGNATURE);
    char sig[5] = {(char)data(), (char)data(), (char)data(), (char)data(), 0};
    CHECK_STR(sig, "QEMU");
    CHECK_EQ(data(), 0u);                            /* past the end */
    sel(FW_CFG_ID);
    CHECK_EQ(data(), 3u);                            /* port and DMA interfaces */
    sel(0x1234);                                     /* absent */
    CHECK_EQ(data(), 0u);
    CHECK_EQ(iomap_read(&ports, 0x514, 4), 0x554d4551u); /* "QEMU" */
    CHECK_EQ(iomap_read(&ports, 0x518, 4), 0x47464320u); /* " CFG" */
    fw_cfg_add_i32(&fw, FW_CFG_RAM_SIZE, 0x12345678);
    sel(FW_CFG_RAM_SIZE);
    CHECK_EQ(iomap_read(&ports, 0x510, 1), 0x78u);   /* a byte read at either port reads data */
    CHECK_EQ(data(), 0x56u);
    iomap_write(&ports, 0x511, 0xff, 1);             /* data writes are ignored */
    CHECK_EQ(data(), 0x34u);
}

TEST(files_sorted_in_the_directory)
{
    setup();
    CHECK_EQ(fw_cfg_add_file(&fw, "etc/zzz", dup("last"), 4), 0x20);
    CHECK_EQ(fw_cfg_add_file(&fw, "bootorder", dup("/rom@x"), 6), 0x20);  /* sorts first */
    CHECK_EQ(fw_cfg_add_file(&fw, "bootorder", dup("dup"), 3), -1);
    CHECK_EQ(fw_cfg_file_key(&fw, "etc/zzz"), 0x21);
    char big[80];
    memset(big, 'a', sizeof(big) - 1);
    big[79] = 0;
    CHECK_EQ(fw_cfg_add_file(&fw, big, dup("x"), 1), -1);          /* name too long */
    sel(FW_CFG_FILE_DIR);
    u8 d[4 + 2 * 64];
    for (unsigned i = 0; i < sizeof(d); i++) d[i] = data();
    CHECK_EQ(be32(d), 2u);
    CHECK_EQ(be32(d + 4), 6u);
    CHECK_EQ(d[8] << 8 | d[9], 0x20);
    CHECK_STR((char *)d + 12, "bootorder");
    CHECK_EQ(be32(d + 68), 4u);
    CHECK_EQ(d[72] << 8 | d[73], 0x21);
    CHECK_STR((char *)d + 76, "etc/zzz");
    sel(0x21);
    CHECK_EQ(data(), 'l');
}

TEST(dma_read_skip_select)
{
    setup();
    fw_cfg_add_file(&fw, "opt/x", dup("hello world"), 11);
    memset(mem.ram + 0x2000, 0xaa, 32);
    /* select + read 5 bytes */
    CHECK_EQ(dma(0x1000, 0x20 << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 5, 0x2000), 0u);
    CHECK(!memcmp(mem.ram + 0x2000, "hello", 5));
    CHECK_EQ(writes, 2);                             /* the data, then the control word */
    /* skip 1, read the rest and 4 bytes past the end (zeros) */
    CHECK_EQ(dma(0x1000, FW_CFG_DMA_SKIP, 1, 0), 0u);
    CHECK_EQ(dma(0x1000, FW_CFG_DMA_READ, 9, 0x2010), 0u);
    CHECK(!memcmp(mem.ram + 0x2010, "world\0\0\0\0", 9));
    CHECK_EQ(mem.ram[0x2019], 0xaau);
    /* a write: nothing here is writable */
    CHECK_EQ(dma(0x1000, FW_CFG_DMA_SELECT | 0x20 << 16 | FW_CFG_DMA_WRITE, 4, 0x2000), (u32)FW_CFG_DMA_ERROR);
    /* no operation bit: length ignored, done */
    CHECK_EQ(dma(0x1000, 0, 100, 0x2000), 0u);
}

/* Descriptors and buffers anywhere: errors the guest sees, no host access beyond RAM. */
TEST(dma_bad_descriptors)
{
    setup();
    fw_cfg_add_file(&fw, "opt/x", dup("0123456789"), 10);
    u32 ctl = 0x20 << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ;
    /* buffer beyond RAM, at the top of 4 GiB, above 4 GiB, wrapping */
    CHECK_EQ(dma(0x1000, ctl, 10, mem.ram_size), (u32)FW_CFG_DMA_ERROR);
    CHECK_EQ(dma(0x1000, ctl, 10, 0xfffffffcull), (u32)FW_CFG_DMA_ERROR);
    CHECK_EQ(dma(0x1000, ctl, 10, 0x100000000ull), (u32)FW_CFG_DMA_ERROR);
    CHECK_EQ(dma(0x1000, ctl, 0xffffffffu, 0xfffffffffffff000ull), (u32)FW_CFG_DMA_ERROR);
    /* a buffer that runs off the end of RAM: the part in RAM is written, then the error */
    CHECK_EQ(dma(0x1000, ctl, 10, mem.ram_size - 4), (u32)FW_CFG_DMA_ERROR);
    CHECK(!memcmp(mem.ram + mem.ram_size - 4, "0123", 4));
    /* into the VGA hole or the shadow area with no RAM mapped there (PAM 0) */
    CHECK_EQ(dma(0x1000, ctl, 10, 0xa0000), (u32)FW_CFG_DMA_ERROR);
    CHECK_EQ(dma(0x1000, ctl, 10, 0xf0000), (u32)FW_CFG_DMA_ERROR);
    /* a huge zero fill past the item's end stops at the end of RAM */
    CHECK_EQ(dma(0x1000, ctl, 0xfffffff0u, 0x3000), (u32)FW_CFG_DMA_ERROR);
    CHECK_EQ(mem.ram[0x3000], '0');
    CHECK_EQ(mem.ram[0x300a], 0u);
    /* the descriptor itself outside RAM: nothing to report to, nothing done */
    writes = 0;
    dma(mem.ram_size + 0x1000, ctl, 10, 0x2000);
    dma(0xfffffff8ull, ctl, 10, 0x2000);
    dma(0xffffffffffff0000ull, ctl, 10, 0x2000);
    CHECK_EQ(writes, 0);
    /* a descriptor straddling the end of RAM: unreadable, but its control
     * word is in RAM and reports the error (as QEMU does) */
    dma(mem.ram_size - 8, ctl, 10, 0x2000);
    CHECK_EQ(writes, 1);
    CHECK_EQ(be32(mem.ram + mem.ram_size - 8), (u32)FW_CFG_DMA_ERROR);
    /* and the device still works */
    CHECK_EQ(dma(0x1000, ctl, 3, 0x2000), 0u);
    CHECK(!memcmp(mem.ram + 0x2000, "012", 3));
}

TEST(reset_keeps_items)
{
    setup();
    sel(FW_CFG_SIGNATURE);
    data();
    fw_cfg_reset(&fw);
    CHECK_EQ(data(), 'Q');
}

int main(void)
{
    RUN(signature_id_and_ports);
    RUN(files_sorted_in_the_directory);
    RUN(dma_read_skip_select);
    RUN(dma_bad_descriptors);
    RUN(reset_keeps_items);
    fw_cfg_free(&fw);
    iomap_free(&ports);
    physmem_free(&mem);
    return test_summary();
}
