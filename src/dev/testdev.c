/* QEMU's pc-testdev and pci-testdev (see testdev.h). */
#include "dev/testdev.h"
#include "base/log.h"
#include <stdio.h>

/* ---- pc-testdev ---- */

/* The scratch register, the byte at offset off up to size bytes (bytes past
 * the register read 0 and are not written, as QEMU's shift-and-mask does). */
static u32 scratch_read(void *opaque, u64 off, unsigned size)
{
    struct pc_testdev *d = opaque;
    return (u32)((u64)d->scratch >> (8 * (off & 3))) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void scratch_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pc_testdev *d = opaque;
    unsigned sh = 8 * (off & 3);
    u32 mask = (u32)(((size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1)) << sh);
    d->scratch = (d->scratch & ~mask) | ((u32)((u64)val << sh) & mask);
}

static void flush_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pc_testdev *d = opaque;
    d->flushes++;
    VD_LOG(LOG_IOPORT, "pc-testdev: flush page 0x%x\n", val & ~0xfffu);
}

static void irq_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pc_testdev *d = opaque;
    if (off < PC_TESTDEV_IRQS) irq_set(&d->irq[off], (val & 0xff) != 0);
}

static u32 iomem_read(void *opaque, u64 off, unsigned size)
{
    struct pc_testdev *d = opaque;
    u32 v = 0;
    for (unsigned i = 0; i < size && off + i < PC_TESTDEV_IOMEM_LEN; i++) v |= (u32)d->iomem[off + i] << (8 * i);
    return v;
}

static void iomem_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pc_testdev *d = opaque;
    for (unsigned i = 0; i < size && off + i < PC_TESTDEV_IOMEM_LEN; i++) d->iomem[off + i] = (u8)(val >> (8 * i));
}

static void add(struct iomap *m, u64 base, u64 len, const char *name, unsigned width, io_read_fn rd,
                io_write_fn wr, void *opaque)
{
    if (m && iomap_add(m, base, len, name, width, rd, wr, opaque) < 0)
        fprintf(stderr, "vdebug: %s at 0x%llx overlaps another device; not mapped\n", name, (unsigned long long)base);
}

void pc_testdev_init(struct pc_testdev *d, struct iomap *ports, struct iomap *mmio,
                     const struct irq_line irq[PC_TESTDEV_IRQS])
{
    memset(d, 0, sizeof(*d));
    for (int i = 0; i < PC_TESTDEV_IRQS; i++) d->irq[i] = irq[i];
    add(ports, 0xe0, 4, "pc-testdev-ioport", 4, scratch_read, scratch_write, d);
    add(ports, 0xe4, 4, "pc-testdev-flush-page", 4, NULL, flush_write, d);
    add(ports, 0xe8, 4, "pc-testdev-ioport-byte", 1, scratch_read, scratch_write, d);
    add(ports, 0x2000, PC_TESTDEV_IRQS, "pc-testdev-irq-line", 1, NULL, irq_write, d);
    add(mmio, PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_LEN, "pc-testdev-iomem", 4, iomem_read, iomem_write, d);
}

void pc_testdev_reset(struct pc_testdev *d)
{
    /* QEMU keeps the scratch register and the memory over a reset; so do we */
    (void)d;
}

/* ---- pci-testdev ---- */

enum { NTESTS = 3, DATAMATCH = 0xfa, NOMATCH = 0xce, HDR_NAME = 16 };
static const char *const test_name[2 * NTESTS] = {
    "mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
    "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

/* Byte off of test t's header. */
static u8 hdr_byte(const struct pci_testdev *d, int t, unsigned off)
{
    bool wildcard = t % NTESTS == 1;
    u32 offset = (t < NTESTS ? PCI_TESTDEV_MEM_SIZE / 2 : PCI_TESTDEV_IO_SIZE / 2) + (u32)t;
    switch (off) {
    case 0: return (u8)t;                                  /* test */
    case 1: return 1;                                      /* width */
    case 4: case 5: case 6: case 7: return (u8)(offset >> (8 * (off - 4)));
    case 8: return wildcard ? NOMATCH : DATAMATCH;         /* data */
    case 12: case 13: case 14: case 15: return (u8)(d->count[t] >> (8 * (off - 12)));
    default:
        if (off >= HDR_NAME) return (u8)test_name[t][off - HDR_NAME]; /* caller bounds off by the name */
        return 0;
    }
}

static u32 pci_read(struct pci_testdev *d, u64 off, unsigned size)
{
    /* one byte at a time (QEMU's impl size 1); past the header reads 0 */
    if (d->current < 0) return 0;
    unsigned bufsize = HDR_NAME + (unsigned)strlen(test_name[d->current]) + 1;
    return off + size >= bufsize ? 0 : hdr_byte(d, d->current, (unsigned)off);
}

static void pci_write(struct pci_testdev *d, u64 off, u32 val, unsigned size, int space)
{
    if (off == 0) {                                        /* select a test of this space */
        d->current = -1;
        if ((val & 0xff) >= NTESTS) return;
        d->current = space * NTESTS + (int)(val & 0xff);
        d->count[d->current] = 0;
        return;
    }
    if (d->current < 0) return;
    int t = d->current;
    u32 offset = (t < NTESTS ? PCI_TESTDEV_MEM_SIZE / 2 : PCI_TESTDEV_IO_SIZE / 2) + (u32)t;
    if (off != offset) return;
    if (t % NTESTS != 1 && (val & 0xff) != DATAMATCH) return;
    d->count[t]++;
}

static u32 mem_read(void *opaque, u64 off, unsigned size) { return pci_read(opaque, off, size); }
static u32 io_read(void *opaque, u64 off, unsigned size) { return pci_read(opaque, off, size); }
static void mem_write(void *opaque, u64 off, u32 val, unsigned size) { pci_write(opaque, off, val, size, 0); }
static void io_write(void *opaque, u64 off, u32 val, unsigned size) { pci_write(opaque, off, val, size, 1); }

enum { PCI_COMMAND = 0x04, PCI_BAR0 = 0x10, PCI_BAR1 = 0x14 };

/* One BAR: decode it at want (0: nowhere) instead of where it is now. */
static void move_bar(struct pci_testdev *d, struct iomap *space, u32 *mapped, u32 want, u32 size, const char *name,
                     io_read_fn rd, io_write_fn wr)
{
    if (want == *mapped) return;
    if (*mapped) iomap_remove(space, *mapped, d);
    *mapped = 0;
    if (want && iomap_add(space, want, size, name, 1, rd, wr, d) == 0) *mapped = want;
    else if (want) VD_LOG(LOG_GUEST_ERRORS, "pci-testdev: %s at 0x%x overlaps another region; not decoded\n", name, want);
}

/* After a configuration write (or a bus reset): decode the BARs where they say. */
static void config_written(struct pci_func *f, unsigned reg, unsigned size)
{
    struct pci_testdev *d = f->opaque;
    u16 cmd = (u16)ld16(f->cfg + PCI_COMMAND);
    u32 mem = ld32(f->cfg + PCI_BAR0) & ~(PCI_TESTDEV_MEM_SIZE - 1);
    u32 io = ld32(f->cfg + PCI_BAR1) & ~(PCI_TESTDEV_IO_SIZE - 1);
    move_bar(d, d->mmio, &d->mem_mapped, (cmd & 2) && d->mmio ? mem : 0, PCI_TESTDEV_MEM_SIZE, "pci-testdev-mmio",
             mem_read, mem_write);
    move_bar(d, d->ports, &d->io_mapped, (cmd & 1) && io + PCI_TESTDEV_IO_SIZE <= 0x10000 ? io : 0,
             PCI_TESTDEV_IO_SIZE, "pci-testdev-portio", io_read, io_write);
}

void pci_testdev_init(struct pci_testdev *d, struct pci_bus *bus, unsigned devfn, struct iomap *ports,
                      struct iomap *mmio)
{
    memset(d, 0, sizeof(*d));
    d->current = -1;
    d->ports = ports;
    d->mmio = mmio;
    pci_func_init(&d->fn, "pci-testdev", 0x1b36, 0x0005, 0x00, 0x00ff00, 0x00);
    st32(d->fn.cfg + PCI_BAR0, 0);                               /* 32-bit memory */
    st32(d->fn.wmask + PCI_BAR0, ~(PCI_TESTDEV_MEM_SIZE - 1));
    st32(d->fn.cfg + PCI_BAR1, 1);                               /* I/O */
    st32(d->fn.wmask + PCI_BAR1, ~(PCI_TESTDEV_IO_SIZE - 1));
    d->fn.written = config_written;
    d->fn.opaque = d;
    pci_bus_add(bus, devfn, &d->fn);
}

void pci_testdev_reset(struct pci_testdev *d) { d->current = -1; }

const struct snap_field pc_testdev_snap_fields[] = {
    SNAP_FIELD(struct pc_testdev, scratch), SNAP_FIELD(struct pc_testdev, flushes), SNAP_FIELD(struct pc_testdev, iomem),
};
const size_t pc_testdev_snap_nfields = sizeof(pc_testdev_snap_fields) / sizeof(pc_testdev_snap_fields[0]);
const struct snap_field pci_testdev_snap_fields[] = {
    SNAP_FIELD(struct pci_testdev, fn.cfg), SNAP_FIELD(struct pci_testdev, current), SNAP_FIELD(struct pci_testdev, count),
};
const size_t pci_testdev_snap_nfields = sizeof(pci_testdev_snap_fields) / sizeof(pci_testdev_snap_fields[0]);

void pci_testdev_post_load(void *dev) { config_written(&((struct pci_testdev *)dev)->fn, 0, 256); }
