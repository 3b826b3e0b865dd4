/* QEMU's pc-testdev and pci-testdev (dev/testdev.h) with its BAR decoding,
 * through the port and MMIO maps, as kvm-unit-tests drive them. */
#include "test.h"
#include "dev/testdev.h"

static struct iomap ports, mmio;
static struct pc_testdev pcdev;
static struct pci_bus bus;
static struct pci_testdev pcitest;
static int irq_level[PC_TESTDEV_IRQS], irq_calls;

static void irq_cb(void *o, int n, int level) { (void)o; irq_level[n] = level; irq_calls++; }

static void setup(void)
{
    iomap_free(&ports);
    iomap_free(&mmio);
    iomap_init(&ports, "port");
    iomap_init(&mmio, "mmio");
    struct irq_line lines[PC_TESTDEV_IRQS];
    for (int i = 0; i < PC_TESTDEV_IRQS; i++) lines[i] = (struct irq_line){irq_cb, NULL, i};
    memset(irq_level, 0, sizeof(irq_level));
    irq_calls = 0;
    pc_testdev_init(&pcdev, &ports, &mmio, lines);
    pci_bus_init(&bus, &ports, NULL);
    pci_testdev_init(&pcitest, &bus, PCI_DEVFN(2, 0), &ports, &mmio);
}

static u32 cfg_read(unsigned reg, unsigned size)
{
    iomap_write(&ports, 0xcf8, 0x80000000u | 2u << 11 | (reg & 0xfc), 4);
    return iomap_read(&ports, 0xcfc + (reg & 3), size);
}

static void cfg_write(unsigned reg, u32 val, unsigned size)
{
    iomap_write(&ports, 0xcf8, 0x80000000u | 2u << 11 | (reg & 0xfc), 4);
    iomap_write(&ports, 0xcfc + (reg & 3), val, size);
}

/* realmode.c's io tests: out/in of every width at 0xe0; 0xe8 the same register */
TEST(scratch_register)
{
    setup();
    iomap_write(&ports, 0xe0, 0x12345678, 4);
    CHECK_EQ(iomap_read(&ports, 0xe0, 4), 0x12345678);
    CHECK_EQ(iomap_read(&ports, 0xe0, 1), 0x78);
    CHECK_EQ(iomap_read(&ports, 0xe1, 1), 0x56);
    CHECK_EQ(iomap_read(&ports, 0xe2, 2), 0x1234);
    iomap_write(&ports, 0xe0, 0xab, 1);
    CHECK_EQ(iomap_read(&ports, 0xe0, 4), 0x123456ab);
    iomap_write(&ports, 0xe8, 0xcafebabe, 4);          /* byte port: split into bytes */
    CHECK_EQ(iomap_read(&ports, 0xe0, 4), 0xcafebabe);
    CHECK_EQ(iomap_read(&ports, 0xe9, 2), 0xfeba);
}

TEST(irq_lines)
{
    setup();
    iomap_write(&ports, 0x2000 + 10, 1, 1);
    CHECK_EQ(irq_level[10], 1);
    iomap_write(&ports, 0x2000 + 10, 0, 1);
    CHECK_EQ(irq_level[10], 0);
    iomap_write(&ports, 0x2000 + 23, 0x80, 1);
    CHECK_EQ(irq_level[23], 1);
    iomap_write(&ports, 0xe4, 0x12345, 4);              /* flush: no line, no data */
    CHECK_EQ(irq_calls, 3);
    CHECK_EQ(pcdev.flushes, 1);
}

TEST(iomem_window)
{
    setup();
    iomap_write(&mmio, PC_TESTDEV_IOMEM_BASE + 0x10, 0x11223344, 4);
    iomap_write(&mmio, PC_TESTDEV_IOMEM_BASE + 0x12, 0xaa, 1);
    CHECK_EQ(iomap_read(&mmio, PC_TESTDEV_IOMEM_BASE + 0x10, 4), 0x11aa3344);
    CHECK_EQ(iomap_read(&mmio, PC_TESTDEV_IOMEM_BASE + 0x11, 2), 0xaa33);
    iomap_write(&mmio, PC_TESTDEV_IOMEM_BASE + 0xfffe, 0xbeef, 2);
    CHECK_EQ(iomap_read(&mmio, PC_TESTDEV_IOMEM_BASE + 0xfffe, 2), 0xbeef);
    CHECK_EQ(iomap_read(&mmio, PC_TESTDEV_IOMEM_BASE + 0x10000, 4), 0xffffffffu); /* past it: unmapped */
}

TEST(pci_identity_and_bar_sizing)
{
    setup();
    CHECK_EQ(cfg_read(0x00, 4), 0x00051b36u);
    CHECK_EQ(cfg_read(0x08, 4), 0x00ff0000u);          /* class 00ff, rev 0 */
    CHECK_EQ(cfg_read(0x3d, 1), 0);                    /* no interrupt pin */
    CHECK_EQ(cfg_read(0x10, 4), 0);                    /* memory BAR, unassigned */
    CHECK_EQ(cfg_read(0x14, 4), 1);                    /* I/O BAR */
    cfg_write(0x10, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(0x10, 4), 0xfffff000u);          /* 4 KiB */
    cfg_write(0x14, 0xffffffffu, 4);
    CHECK_EQ(cfg_read(0x14, 4), 0xffffff01u);          /* 256 ports */
    CHECK_EQ(cfg_read(0x18, 4), 0);                    /* no BAR2 */
}

/* lib/pci-testdev.c's protocol, in both spaces, once the BARs decode */
TEST(pci_tests_count_writes)
{
    setup();
    cfg_write(0x10, 0xfebff000u, 4);
    cfg_write(0x14, 0xc000, 4);
    CHECK_EQ(iomap_read(&ports, 0xc000, 1), 0xff);     /* not decoded before the command bits */
    cfg_write(0x04, 0x0003, 2);
    u64 mem = 0xfebff000u;
    iomap_write(&mmio, mem, 2, 1);                     /* mmio-datamatch-eventfd */
    CHECK_EQ(iomap_read(&mmio, mem + 1, 1), 1);        /* width */
    CHECK_EQ(iomap_read(&mmio, mem + 8, 4), 0xfa);     /* data */
    u32 off = iomap_read(&mmio, mem + 4, 4);
    CHECK_EQ(off, 2048 + 2);
    for (int i = 0; i < 16; i++) iomap_write(&mmio, mem + off, 0xfa, 1);
    iomap_write(&mmio, mem + off, 0x12, 1);            /* other data: not counted */
    CHECK_EQ(iomap_read(&mmio, mem + 12, 4), 16);
    char name[32] = {0};
    for (int i = 0; i < 31 && (i == 0 || name[i - 1]); i++) name[i] = (char)iomap_read(&mmio, mem + 16 + (u64)i, 1);
    CHECK(!strcmp(name, "mmio-datamatch-eventfd"));
    iomap_write(&ports, 0xc000, 1, 1);                 /* portio-wildcard-eventfd */
    CHECK_EQ(iomap_read(&ports, 0xc000, 1), 4);        /* test 3 + 1 */
    CHECK_EQ(iomap_read(&ports, 0xc008, 1), 0xce);
    off = iomap_read(&ports, 0xc004, 4);
    CHECK_EQ(off, 128 + 4);
    iomap_write(&ports, 0xc000 + off, 0x77, 1);
    CHECK_EQ(iomap_read(&ports, 0xc00c, 4), 1);
    iomap_write(&ports, 0xc000, 3, 1);                 /* no such test: none selected */
    CHECK_EQ(iomap_read(&ports, 0xc000, 4), 0);
    cfg_write(0x04, 0, 2);                             /* decoding off again */
    CHECK_EQ(iomap_read(&mmio, mem + 1, 1), 0xff);
    cfg_write(0x04, 2, 2);
    CHECK_EQ(iomap_read(&mmio, mem + 1, 1), 0);        /* back (no test selected) */
    cfg_write(0x10, 0xfebfe000u, 4);                   /* moved */
    CHECK_EQ(iomap_read(&mmio, mem + 1, 1), 0xff);
    iomap_write(&mmio, 0xfebfe000u, 0, 1);
    CHECK_EQ(iomap_read(&mmio, 0xfebfe001u, 1), 1);
}

int main(void)
{
    RUN(scratch_register);
    RUN(irq_lines);
    RUN(iomem_window);
    RUN(pci_identity_and_bar_sizing);
    RUN(pci_tests_count_writes);
    return test_summary();
}
