/* dev/ide: register-level behaviour the guest tests do not reach: CHS
 * addressing, LBA48 HOB readback, SRST signatures, an absent slave, nIEN,
 * the interrupt acknowledge, writes to a CD, an empty CD drive, odd
 * ATAPI byte count limits, guest-sized counts past the end. */
#include "test.h"
#include "dev/ide.h"

#define NSECT 2048u
static u8 disk[NSECT * 512], cd[64 * 2048];
static struct iomap ports;
static struct pci_bus bus;
static struct physmem mem;
static struct ide_ctrl *ide;
static int irq14;

static int m_read(void *o, u64 off, void *buf, size_t len) { memcpy(buf, (u8 *)o + off, len); return 0; }
static int m_write(void *o, u64 off, const void *buf, size_t len) { memcpy((u8 *)o + off, buf, len); return 0; }
static void irq_cb(void *o, int n, int level) { (void)o, (void)n; irq14 = level; }

static void setup(bool cd_disc)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    if (!mem.ram) physmem_init(&mem, 4 << 20);
    pci_bus_init(&bus, &ports, NULL);
    if (!ide) ide = malloc(sizeof(*ide));
    ide_init(ide, &bus, &ports, &mem, (struct irq_line){irq_cb, NULL, 14}, (struct irq_line){NULL, NULL, 15});
    for (u32 i = 0; i < sizeof(disk); i++) disk[i] = (u8)(i / 512 + i);
    for (u32 i = 0; i < sizeof(cd); i++) cd[i] = (u8)(i / 2048);
    struct blockdev hd = {disk, m_read, m_write, NULL, sizeof(disk), false};
    struct blockdev cdb = {cd, m_read, m_write, NULL, sizeof(cd), true};
    ide_attach(ide, 0, &hd, false);
    ide_attach(ide, 2, cd_disc ? &cdb : NULL, true);
    ide_reset(ide);
}

static u8 in8(u16 p) { return (u8)iomap_read(&ports, p, 1); }
static void out8(u16 p, u8 v) { iomap_write(&ports, p, v, 1); }
static u16 in16(u16 p) { return (u16)iomap_read(&ports, p, 2); }

TEST(chs_addressing)
{
    setup(true);
    /* cylinder 1, head 2, sector 3 of 16 heads x 63 sectors: LBA (1 * 16 + 2) * 63 + 2 = 1136 */
    out8(0x1f2, 1), out8(0x1f3, 3), out8(0x1f4, 1), out8(0x1f5, 0), out8(0x1f6, 0xa2);
    out8(0x1f7, 0x20);
    CHECK_EQ(in8(0x1f7), 0x58);
    u16 w = in16(0x1f0);
    CHECK_EQ(w & 0xff, disk[1136 * 512]);
    out8(0x1f7, 0x20);                           /* a command while DRQ is up is ignored */
    for (int i = 0; i < 255; i++) in16(0x1f0);   /* finish the first read */
    CHECK_EQ(in8(0x1f7), 0x50);
    CHECK_EQ(in8(0x1f3), 3);                     /* the task file names the sector read */
    out8(0x1f3, 0);                              /* sector 0 does not exist in CHS */
    out8(0x1f7, 0x20);
    CHECK_EQ(in8(0x1f7), 0x51);
}

TEST(lba48_hob_readback)
{
    setup(true);
    out8(0x1f2, 0), out8(0x1f2, 1);
    out8(0x1f3, 0x00), out8(0x1f4, 0), out8(0x1f5, 0);     /* hob: lba 47:24 = 0 */
    out8(0x1f3, 0xff), out8(0x1f4, 0x07), out8(0x1f5, 0);  /* lba 0x7ff: the last sector */
    out8(0x1f6, 0x40);
    out8(0x1f7, 0x24);
    CHECK_EQ(in8(0x1f7), 0x58);
    for (int i = 0; i < 256; i++) in16(0x1f0);
    CHECK_EQ(in8(0x1f7), 0x50);
    out8(0x3f6, 0x80);                           /* HOB: the previous values */
    CHECK_EQ(in8(0x1f3), 0x00);
    CHECK_EQ(in8(0x1f2), 0x00);
    out8(0x3f6, 0x00);
    CHECK_EQ(in8(0x1f3), 0xff);
    CHECK_EQ(in8(0x1f4), 0x07);
    /* 65536 sectors (count 0) from the last one: past the end */
    out8(0x1f2, 0), out8(0x1f2, 0);
    out8(0x1f7, 0x24);
    CHECK_EQ(in8(0x1f7), 0x51);
    CHECK_EQ(in8(0x1f1), 0x14);                  /* IDNF, ABRT */
}

TEST(signatures_and_absent_slave)
{
    setup(true);
    out8(0x376, 0x04), out8(0x376, 0x00);        /* SRST on the secondary channel */
    out8(0x176, 0xa0);
    CHECK_EQ(in8(0x172), 1);
    CHECK_EQ(in8(0x174), 0x14);
    CHECK_EQ(in8(0x175), 0xeb);
    CHECK_EQ(in8(0x171), 0x01);                  /* diagnostics passed */
    out8(0x3f6, 0x04), out8(0x3f6, 0x00);
    CHECK_EQ(in8(0x1f4), 0x00);
    CHECK_EQ(in8(0x1f7), 0x50);
    out8(0x1f6, 0xb0);                           /* the absent slave */
    CHECK_EQ(in8(0x1f7), 0x00);
    out8(0x1f7, 0xec);                           /* nobody answers */
    CHECK_EQ(in8(0x1f7), 0x00);
    CHECK_EQ(irq14, 0);
}

TEST(interrupt_ack_and_nien)
{
    setup(true);
    out8(0x1f6, 0xe0);
    out8(0x1f7, 0xe7);                           /* FLUSH CACHE */
    CHECK_EQ(irq14, 1);
    CHECK_EQ(in8(0x3f6), 0x50);                  /* alternate status: no acknowledge */
    CHECK_EQ(irq14, 1);
    CHECK_EQ(in8(0x1f7), 0x50);
    CHECK_EQ(irq14, 0);
    out8(0x3f6, 0x02);                           /* nIEN */
    out8(0x1f7, 0xe7);
    CHECK_EQ(irq14, 0);
    out8(0x3f6, 0x00);                           /* the pending request shows */
    CHECK_EQ(irq14, 1);
    in8(0x1f7);
    out8(0x1f7, 0x00);                           /* NOP always aborts */
    CHECK_EQ(in8(0x1f7), 0x51);
    CHECK_EQ(in8(0x1f1), 0x04);
}

/* ATAPI PACKET by PIO with byte count limit bcl; returns the final status, bytes in *got */
static u8 packet(const u8 *cdb, u16 bcl, u8 *buf, u32 *got)
{
    out8(0x176, 0xa0);
    out8(0x171, 0), out8(0x174, (u8)bcl), out8(0x175, (u8)(bcl >> 8));
    out8(0x177, 0xa0);
    for (int i = 0; i < 6; i++) iomap_write(&ports, 0x170, (u32)(cdb[2 * i] | cdb[2 * i + 1] << 8), 2);
    *got = 0;
    u8 st;
    while ((st = in8(0x177)) & 0x08) {
        u32 n = in8(0x174) | in8(0x175) << 8;
        for (u32 i = 0; i < n; i += 2) {
            u16 w = in16(0x170);
            if (*got + i + 1 < 65536) buf[*got + i] = (u8)w, buf[*got + i + 1] = (u8)(w >> 8);
        }
        *got += n;
    }
    return st;
}

TEST(atapi_pieces_and_errors)
{
    static u8 buf[65536];
    setup(true);
    u8 rd[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 3};  /* READ(10) of blocks 5-7 */
    u32 got;
    CHECK_EQ(packet(rd, 1000, buf, &got), 0x50); /* an odd limit of 1000 bytes: pieces of 1000 */
    CHECK_EQ(got, 3 * 2048);
    CHECK_EQ(buf[0], 5);
    CHECK_EQ(buf[3 * 2048 - 1], 7);
    CHECK_EQ(packet(rd, 0, buf, &got), 0x50);    /* a limit of 0 is taken as the largest */
    CHECK_EQ(got, 3 * 2048);
    u8 rd12[12] = {0xa8, 0, 0, 0, 0, 62, 0xff, 0xff, 0xff, 0xff}; /* READ(12) of 4 G blocks */
    CHECK_EQ(packet(rd12, 2048, buf, &got), 0x41);
    CHECK_EQ(in8(0x171) >> 4, 5);                /* ILLEGAL REQUEST */
    out8(0x177, 0x30);                           /* WRITE SECTORS to a CD-ROM: aborted */
    CHECK_EQ(in8(0x177) & 0x01, 0x01);
    u8 bogus[12] = {0xff};
    CHECK_EQ(packet(bogus, 2048, buf, &got), 0x41);
    u8 sense[12] = {0x03, 0, 0, 0, 18};
    CHECK_EQ(packet(sense, 2048, buf, &got), 0x50);
    CHECK_EQ(buf[2], 5);
    CHECK_EQ(buf[12], 0x20);                     /* invalid command operation code */
    setup(false);                                /* a drive without a disc */
    u8 tur[12] = {0};
    CHECK_EQ(packet(tur, 2048, buf, &got), 0x41);
    CHECK_EQ(packet(sense, 2048, buf, &got), 0x50);
    CHECK_EQ(buf[2], 2);                         /* NOT READY */
    CHECK_EQ(buf[12], 0x3a);                     /* medium not present */
}

int main(void)
{
    RUN(chs_addressing);
    RUN(lba48_hob_readback);
    RUN(signatures_and_absent_slave);
    RUN(interrupt_ack_and_nien);
    RUN(atapi_pieces_and_errors);
    return test_summary();
}
